"""Provides `ReviewScreen`: the spec outline, the chunks of a section and the chunk beside its spec.

The screen is thin: it turns keys into calls on the `ReviewSession` (which saves every decision
before returning) and on the `ReviewNavigator` (where the reviewer is), then redraws the widgets.
With an LLM available, it asks for linking help once in the background when it opens (chunks the
lexical linker left unlinked or unsure); the picks are merged on the UI thread and the lists redrawn.

When the phase ends at the working tree, the screen knows the code's fingerprint at load time and
looks again every `DISK_CHECK_SECONDS` (in a worker): when the code changed, the status line says
so (`R` reloads: the app assembles the session again and replaces this screen). Export looks once
more first and refuses to write a review of code that is no longer on disk.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.message import Message
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Label

from reviewtui.core.carried_flags import EarlierFlag, earlier_flags
from reviewtui.core.llm.explain import client_for
from reviewtui.core.models import Chunk, Phase, RequestKind
from reviewtui.core.uncommitted import uncommitted_lines
from reviewtui.errors import ReviewError
from reviewtui.tui.exporting import record_export, write_export
from reviewtui.tui.navigation import ALL, UNLINKED, ReviewNavigator
from reviewtui.tui.reloading import ReviewPosition, code_fingerprint, watches_disk
from reviewtui.tui.saving import saved
from reviewtui.tui.screens.coverage import CoverageChoice, CoverageScreen
from reviewtui.tui.screens.dialogs import TextDialog
from reviewtui.tui.screens.filter import FilterScreen
from reviewtui.tui.screens.help import QUIT_ON_CTRL_C, HelpScreen
from reviewtui.tui.screens.ledger import LedgerScreen
from reviewtui.tui.screens.requests import RequestQueueScreen
from reviewtui.tui.screens.section_picker import SectionPicker, same_file_chunks
from reviewtui.tui.text import clean_line
from reviewtui.tui.widgets.chunk_list import ChunkList
from reviewtui.tui.widgets.diff_view import DiffView
from reviewtui.tui.widgets.explanation import ExplanationPanel, worker_error_line
from reviewtui.tui.widgets.findings import FindingsPanel
from reviewtui.tui.widgets.key_bar import KeyBar
from reviewtui.tui.widgets.outline import SpecOutline
from reviewtui.tui.widgets.requirement import RequirementPanel
from reviewtui.tui.widgets.status_bar import StatusBar

if TYPE_CHECKING:
    from reviewtui.core.llm.linking import LinkHelp
    from reviewtui.core.session import ReviewSession


PREPARED_LINES = 4
"""Chunk-list lines drawn ahead per idle moment (about a millisecond)."""
PREPARED_MAX_LINES = 200
"""At most this many lines of a neighbouring section's list are drawn ahead (a tall screen)."""
FOCUS_STOPS = ("#outline", "#chunks", "#findings-box", "#diff", "#explanation")
"""Where `tab` goes, in order; the findings and the explanation only when they have more to scroll."""
SCROLLED_STOPS = ("#findings-box", "#explanation")
DISK_CHECK_SECONDS = 10.0
"""How often the screen looks whether the code under review changed on disk (in a worker)."""
STALE_EXPORT = (
    "Not exported: the code changed on disk since the review was loaded; "
    "R reloads it, then x exports."
)


class ReviewScreen(Screen[None]):
    """The main screen: review a phase chunk by chunk."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("j,down", "step_chunk(1)", "Next chunk"),
        Binding("k,up", "step_chunk(-1)", "Previous chunk", show=False),
        Binding("J", "step_section(1)", "Next section"),
        Binding("K", "step_section(-1)", "Previous section", show=False),
        Binding("a", "approve", "Approve"),
        Binding("f", "flag", "Flag"),
        Binding("n", "note", "Note", show=False),
        Binding("r", "request('refactor')", "Refactor request"),
        Binding("s", "request('simplify')", "Simplify request"),
        Binding("e", "explain", "Explain"),
        Binding("u", "reset", "Reset to pending", show=False),
        Binding("l", "relink", "Relink to a section (ctrl+f there: the whole file)", show=False),
        Binding("o", "toggle_order", "Order: spec / risk first", show=False),
        Binding("slash", "filter", "Filter"),
        Binding("escape", "clear_filter", "Clear filter", show=False),
        Binding("Q", "queue", "Request queue"),
        Binding("c", "coverage", "Coverage of the spec", show=False),
        Binding("L", "ledger", "Numbers ledger", show=False),
        Binding("x", "export", "Export"),
        Binding("R", "reload", "Reload from disk", show=False),
        Binding("tab", "focus_stop(1)", "Move focus", show=False),
        Binding("shift+tab", "focus_stop(-1)", "Move focus back", show=False),
        Binding("question_mark", "help", "Help"),
        QUIT_ON_CTRL_C,
    ]

    @dataclass
    class LinksSuggested(Message):
        """The LLM's linking help came back (sent from the linking thread)."""

        help: LinkHelp

    class ReloadRequested(Message):
        """The reviewer asked to reload the review from disk (the app does it)."""

    class Resumed(Message):
        """The screen is in view again (after a dialog or another screen)."""

    @dataclass
    class DiskChecked(Message):
        """The disk check worker compared the code with the fingerprint taken at load."""

        changed: bool

    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (110, "-wide")]  # noqa: RUF012 - Textual reads it
    VERTICAL_BREAKPOINTS = [(0, "-short"), (30, "-tall")]  # noqa: RUF012 - Textual reads it

    def __init__(
        self,
        session: ReviewSession,
        *,
        fingerprint: str | None = None,
        resume: ReviewPosition | None = None,
        known: Collection[str] = (),
    ) -> None:
        """`fingerprint`: the code's when the session was assembled (None: never checked);
        `resume`: where the reviewer was before a reload; `known`: warnings already shown."""
        super().__init__()
        self.session = session
        self.fingerprint = fingerprint if watches_disk(session) else None
        self.stale = False
        """Whether the code on disk changed since the session was assembled."""
        self._resume = resume
        self._known = set(known)
        self.navigator = ReviewNavigator(session)
        self._listed: tuple[str, int] | None = None
        """The group (and rebuild generation) the chunk list shows."""
        self._generation = 0
        self._decisions = 0
        """Counts decisions and requests made here (the status line is redrawn when it moves)."""
        self._shown: dict[str, object] = {}
        """What each panel shows now, as a comparable key."""
        self._link_cancel = threading.Event()
        """Set when the screen goes away: the LLM linking help stops sending."""
        self._preparing = 0
        """Bumped on each redraw: drawing ahead for an older position stops."""
        self.earlier: dict[str, list[EarlierFlag]] = {}
        """Flags of earlier rounds by the chunk of this phase that re-opened them (found in a
        worker when the screen opens: it reads the rounds from git)."""

    def compose(self) -> ComposeResult:
        yield StatusBar(id="status")
        with Horizontal(id="body"):
            with Vertical(id="sidebar"):
                yield SpecOutline(self.session, id="outline")
                yield Label("", id="chunks-title", markup=False)
                yield ChunkList(id="chunks")
            with Vertical(id="main"):
                with VerticalScroll(id="requirement-box", can_focus=False):
                    yield RequirementPanel(id="requirement")
                with VerticalScroll(id="findings-box"):
                    yield FindingsPanel(id="findings")
                yield Label("", id="chunk-title", markup=False)
                yield DiffView(id="diff")
                yield ExplanationPanel(id="explanation")
        yield KeyBar()

    def on_mount(self) -> None:
        if self._resume is not None:
            self._resume_at(self._resume)
        else:
            if any(self.session.flags.values()):  # the deviations first, as the README promises
                self.navigator.set_order("risk")
            self._start_at_first_pending()
            self.redraw()
            self.query_one(DiffView).focus()
        for warning in self.session.warnings:
            if warning not in self._known:
                self.notify(clean_line(warning), severity="warning", markup=False, timeout=8)
        self._start_link_help()
        self._find_earlier_flags(self.session.snapshot())
        if self.fingerprint is not None:
            self.set_interval(DISK_CHECK_SECONDS, self.check_disk)

    def on_unmount(self) -> None:
        self._link_cancel.set()

    def on_screen_resume(self) -> None:
        self.post_message(self.Resumed())

    # ------------------------------------------------------------------ reloading

    def position(self) -> ReviewPosition:
        """Where the reviewer is: order, filter, chunk in view and the focused pane."""
        navigator, focused = self.navigator, self.focused
        focus = focused.id if focused is not None and f"#{focused.id}" in FOCUS_STOPS else None
        return ReviewPosition(navigator.order, navigator.filter, navigator.chunk_id, focus)

    def _resume_at(self, position: ReviewPosition) -> None:
        """Show what the reviewer saw before a reload: same order and filter, same chunk (or the
        nearest one the app found), same focused pane."""
        navigator = self.navigator
        navigator.set_order(position.order)
        navigator.set_filter(position.filter)
        chunk_id = position.chunk_id
        if chunk_id is not None and self.session.chunk(chunk_id) in navigator.visible:
            navigator.select_chunk(chunk_id)
        self.redraw()
        focus = self.query(f"#{position.focus}") if position.focus else None
        (focus.first() if focus else self.query_one(DiffView)).focus()

    def action_reload(self) -> None:
        self.post_message(self.ReloadRequested())

    def check_disk(self) -> None:
        """Look (in a worker) whether the code changed on disk since the session was assembled."""
        if self.fingerprint is not None and not self.stale:
            self._check_disk(self.fingerprint)

    @work(thread=True, exclusive=True, group="disk", exit_on_error=False)
    def _check_disk(self, fingerprint: str) -> None:
        try:
            changed = code_fingerprint(self.session.root) != fingerprint
        except (ReviewError, OSError):
            return  # git failed for a moment (the repo is being rewritten): the next look tells
        self.post_message(self.DiskChecked(changed))

    @on(DiskChecked)
    def _disk_checked(self, event: DiskChecked) -> None:
        if event.changed and not self.stale:
            self.mark_stale()
            message = "The code changed on disk since the review was loaded: R reloads it."
            self.notify(message, severity="warning", timeout=8)

    def mark_stale(self) -> None:
        """The code on disk is not what the screen shows: say so on the status line."""
        self.stale = True
        self._show_status()

    def _start_at_first_pending(self) -> None:
        """The review starts on the first pending chunk in order (on reopen: where it was left);
        risk first when the checks flagged something, so that is the riskiest pending chunk."""
        chunk = self.navigator.chunk
        if chunk is None or self.session.decision(chunk.id).status == "pending":
            return
        following = self.navigator.next_pending()
        if following is not None:
            self.navigator.select_chunk(following.id)

    # ------------------------------------------------------------------ earlier rounds' flags

    @dataclass
    class EarlierFlagsFound(Message):
        """The flags of earlier rounds, by re-opening chunk (sent from the worker); `error`: why
        they could not be read (one line)."""

        by_chunk: dict[str, list[EarlierFlag]]
        error: str | None = None

    @work(thread=True, exclusive=True, group="earlier-flags", exit_on_error=False)
    def _find_earlier_flags(self, snapshot: ReviewSession) -> None:
        by_chunk: dict[str, list[EarlierFlag]] = {}
        try:
            for flag in earlier_flags(snapshot):
                for chunk in flag.reopened:
                    by_chunk.setdefault(chunk.id, []).append(flag)
        except (ReviewError, OSError) as error:
            self.post_message(self.EarlierFlagsFound({}, f"earlier flags not read: {error}"))
            return
        except Exception as error:  # a bug: one warning line, the review goes on without them
            line = f"earlier flags not read: {type(error).__name__}: {error}"
            self.post_message(self.EarlierFlagsFound({}, line))
            return
        self.post_message(self.EarlierFlagsFound(by_chunk))

    @on(EarlierFlagsFound)
    def _earlier_flags_found(self, event: EarlierFlagsFound) -> None:
        self.earlier = event.by_chunk
        if event.error is not None:
            self.notify(clean_line(event.error), severity="warning", markup=False, timeout=6)
        self._show_findings(self.chunk)

    # ------------------------------------------------------------------ LLM linking help

    def _start_link_help(self) -> None:
        """Ask the LLM to link the unsure chunks, in the background (nothing without a key)."""
        if not self.session.settings.llm.link_help:
            return
        if not client_for(self.session).available:
            return
        self._suggest_links(self._link_cancel)

    @work(thread=True, exclusive=True, group="llm-links", exit_on_error=False)
    def _suggest_links(self, cancel: threading.Event) -> None:
        from reviewtui.core.llm.linking import LinkHelp, suggest_links

        try:
            help_ = suggest_links(self.session, cancel=cancel)
        except Exception as error:  # a bug: one warning line, the lexical links stay
            help_ = LinkHelp(errors=[worker_error_line(self.session, error)])
        if not cancel.is_set():
            self.post_message(self.LinksSuggested(help_))

    @on(LinksSuggested)
    def _links_suggested(self, event: LinksSuggested) -> None:
        help_ = event.help
        changed = self.session.merge_llm_links(help_)
        if changed:
            self.rebuild()  # the chunk in view stays in view, in its new section
            self.query_one(SpecOutline).refresh_counts()
            count = len(changed)
            self.notify(f"LLM relinked {count} chunk{'s' if count != 1 else ''}.", timeout=4)
        if help_.errors and help_.errors != ["cancelled"]:
            message = f"LLM linking help: {clean_line(help_.errors[0])}"
            self.notify(message, severity="warning", markup=False, timeout=6)
        for warning in help_.warnings:
            self.notify(clean_line(warning), severity="warning", markup=False, timeout=6)
        self.redraw()

    # ------------------------------------------------------------------ drawing

    @property
    def chunk(self) -> Chunk | None:
        return self.navigator.chunk

    def redraw(self) -> None:
        """Show the navigator's position everywhere (chunk list refilled if the group changed)."""
        navigator = self.navigator
        listed = (navigator.group, self._generation)
        if listed != self._listed:
            self._listed = listed
            self._fill_chunk_list()
        else:
            self.query_one(ChunkList).highlight_chunk(navigator.chunk_id)
        chunk = navigator.chunk
        # The outline marks the section of the chunk on screen (in both orders).
        section = navigator.group_of(chunk) if chunk is not None else navigator.group
        if section != ALL:
            self.query_one(SpecOutline).show_section(section)
        self._show_chunk(navigator.chunk)
        self._show_status()
        self._prepare_neighbours()

    def _prepare_neighbours(self) -> None:
        """Once the screen is drawn and the app idle, draw ahead what the next moves show: the
        next chunk's diff, then a screenful of the chunk lists (and the first diffs) of the
        sections after and before, a few lines per idle moment (a key press waits a millisecond
        or so at most). Never a whole section: a section of thousands of chunks next to the one
        in view would cost seconds of drawing after every move, for lines nobody scrolls to."""
        self._preparing += 1
        navigator = self.navigator
        following = navigator.peek_chunk(1)
        pieces: list[ListPiece | Chunk] = [following] if following is not None else []
        height = self.query_one(ChunkList).size.height or self.app.size.height  # before layout
        screenful = min(height, PREPARED_MAX_LINES)
        before = navigator.peek_chunk(-1)  # `k` into the section before shows its last lines
        for group in navigator.neighbour_groups():
            chunks = navigator.chunks_of(group)
            tail = before is not None and bool(chunks) and before is chunks[-1]
            pieces += list_pieces(group, chunks, screenful, tail=tail)
            if chunks and chunks[0] is not following:
                pieces.append(chunks[0])
        if pieces:
            self.call_after_refresh(self._prepare_piece, self._preparing, pieces)

    def _prepare_piece(self, generation: int, pieces: list[ListPiece | Chunk]) -> None:
        if generation != self._preparing or not self.is_current:
            return  # the reviewer moved on meanwhile
        piece, *rest = pieces
        if isinstance(piece, ListPiece):
            chunks = self.navigator.chunks_of(piece.group)[piece.start : piece.stop]
            self.query_one(ChunkList).prepare(self.session, chunks, piece.current)
        else:
            self.query_one(DiffView).prepare(piece, self.session.flags_of(piece.id))
        if rest:
            self.call_after_refresh(self._prepare_piece, generation, rest)

    def _show_status(self) -> None:
        """Redraw the status line when what it says changed (progress, order, filter)."""
        key = (self._decisions, self.navigator.order, self.navigator.filter, self.stale)
        if key != self._shown.get("status"):
            self._shown["status"] = key
            self.query_one(StatusBar).show(self.session, self.navigator, stale=self.stale)

    def _changed(self, name: str, key: object) -> bool:
        """Whether a panel must be redrawn: its key differs from the last one drawn."""
        if self._shown.get(name) == key:
            return False
        self._shown[name] = key
        return True

    def _fill_chunk_list(self) -> None:
        navigator = self.navigator
        chunks = navigator.chunks_of(navigator.group)
        self.query_one(ChunkList).show(self.session, chunks, navigator.chunk_id)
        title = Content(self._group_title(len(chunks)))
        self.query_one("#chunks-title", Label).update(title, layout=False)

    def _group_title(self, count: int) -> str:
        """`3 chunks · 1.2 Preprocessing`: the count leads, so a narrow sidebar cuts the name."""
        group = self.navigator.group
        if group == ALL:
            name = "all, risk first"
        elif group == UNLINKED:
            name = "Unlinked changes"
        else:
            section = self.session.spec.get(group)
            name = clean_line(section.title) if section else group
        if self.navigator.filter.active:  # say so: the count is of the filtered chunks
            name += f" · {clean_line(self.navigator.filter.describe())}"
        return f"{count} chunk{'s' if count != 1 else ''} · {name}"

    def _show_chunk(self, chunk: Chunk | None) -> None:
        """Draw the chunk in view; panels whose content would not change are left alone."""
        flags = self.session.flags_of(chunk.id) if chunk else []
        if self._changed("diff", chunk.id if chunk else None):
            self.query_one(DiffView).show_chunk(chunk, flags)
            self.query_one(ExplanationPanel).show_chunk(self.session, chunk)
        past = self.session.coverage.past_checkpoint.get(chunk.id) if chunk else None
        if self._changed("title", (chunk.id if chunk else None, past)):
            self.query_one("#chunk-title", Label).update(
                chunk_title(chunk, past, self.session.phase), layout=False
            )
        link = self.session.link(chunk.id) if chunk else None
        evidence = [(e.kind, e.detail) for e in link.evidence] if link else []
        if self._changed(
            "requirement", (link and link.section_id, link and link.confidence, evidence)
        ):
            self.query_one(RequirementPanel).show_chunk(self.session, chunk)
        self._show_findings(chunk)

    def _show_findings(self, chunk: Chunk | None) -> None:
        decision = self.session.decision(chunk.id) if chunk else None
        flags = self.session.flags_of(chunk.id) if chunk else []
        earlier = self.earlier.get(chunk.id, []) if chunk else []
        key = (
            decision and (decision.status, decision.note),
            [(f.rule, f.line) for f in flags],
            chunk is None,
            [flag.decision.chunk_id for flag in earlier],
        )
        if self._changed("findings", key):
            self.query_one(FindingsPanel).show_chunk(self.session, chunk, earlier)

    def refresh_decision(self, chunk: Chunk) -> None:
        """Redraw what depends on a chunk's decision: its list line, counts, findings, status."""
        if self.navigator.filter.status:
            self.rebuild()
        self._decisions += 1
        self.query_one(ChunkList).refresh_chunk(self.session, chunk)
        self.query_one(SpecOutline).refresh_counts(chunk)
        self._show_findings(self.chunk)
        self._show_status()

    def rebuild(self) -> None:
        """The visible chunks changed (a decision under a status filter, a relink): risk first, the
        list keeps its order, so the next `j` goes where it went before."""
        self.navigator.rebuild(keep_order=True)
        self._generation += 1

    # ------------------------------------------------------------------ moving

    def focus_stops(self) -> list[Widget]:
        """The panes `tab` visits: outline, chunks, diff, and a scrolling box only when it scrolls."""
        stops = [self.query_one(selector) for selector in FOCUS_STOPS]
        return [
            widget
            for widget in stops
            if f"#{widget.id}" not in SCROLLED_STOPS or widget.max_scroll_y > 0
        ]

    def action_focus_stop(self, delta: int) -> None:
        stops = self.focus_stops()
        focused = self.focused
        index = stops.index(focused) if focused in stops else (-1 if delta > 0 else 0)
        stops[(index + delta) % len(stops)].focus()

    def action_step_chunk(self, delta: int) -> None:
        if self.navigator.step_chunk(delta):
            self.redraw()

    def action_step_section(self, delta: int) -> None:
        if self.navigator.step_group(delta):
            self.redraw()

    @on(SpecOutline.SectionChosen)
    def _section_chosen(self, event: SpecOutline.SectionChosen) -> None:
        group = self._group_with_chunks(event.section)
        self.navigator.select_group(group)
        self.redraw()

    def _group_with_chunks(self, section_id: str) -> str:
        """The section itself, or its first subsection with visible chunks when it has none."""
        if self.navigator.chunks_of(section_id) or section_id == UNLINKED:
            return section_id
        for group in self.navigator.groups:
            if section_id in [s.id for s in self.session.spec.ancestors(group)]:
                return group
        return section_id

    @on(ChunkList.ChunkChosen)
    def _chunk_chosen(self, event: ChunkList.ChunkChosen) -> None:
        if event.chunk_id != self.navigator.chunk_id:
            self.navigator.select_chunk(event.chunk_id)
            self.redraw()

    # ------------------------------------------------------------------ deciding

    def _current_or_warn(self) -> Chunk | None:
        chunk = self.chunk
        if chunk is None:
            self.notify("No chunk in view.", severity="warning")
        return chunk

    def _decided(self, chunk: Chunk, decide: Callable[[], object]) -> bool:
        """Run a decision that saves; on a failed save (one error line) the chunk's list line,
        counts and findings are redrawn from the session, which kept the decision on disk."""
        if saved(self, decide) is not None:
            return True
        self.refresh_decision(chunk)
        return False

    def action_approve(self) -> None:
        chunk = self._current_or_warn()
        if chunk is None:
            return
        # A flag's note said what was wrong: it is not the approval's note (one save drops it).
        keep_note = self.session.decision(chunk.id).status != "flagged"
        if not self._decided(chunk, lambda: self.session.approve(chunk.id, keep_note=keep_note)):
            return
        following = self.navigator.next_pending()
        self.refresh_decision(chunk)
        if following is not None:
            self.navigator.select_chunk(following.id)
        else:
            self.notify(self._all_reviewed_message(), markup=False, timeout=10)
        self.redraw()

    def _all_reviewed_message(self) -> str:
        """What to do once no pending chunk is left (in view, or in the whole phase)."""
        if self.navigator.filter.active:
            return "Every chunk this filter shows is reviewed; Esc clears the filter."
        return (
            "Every chunk is reviewed. Next: x exports the review, Q opens the request queue, "
            "then run `reviewtui checkpoint` to start the next phase here."
        )

    def action_flag(self) -> None:
        chunk = self._current_or_warn()
        if chunk is None:
            return

        def flagged(note: str | None) -> None:
            if note and self._decided(chunk, lambda: self.session.flag(chunk.id, note)):
                self.refresh_decision(chunk)
                self.redraw()

        note = self.session.decision(chunk.id).note or ""
        title = f"Flag {chunk.location}: what is wrong?"
        dialog = TextDialog(
            title,
            note,
            allow_empty=False,
            empty_message="A flag needs a note: say what is wrong (Esc cancels).",
        )
        self.app.push_screen(dialog, flagged)

    def action_note(self) -> None:
        chunk = self._current_or_warn()
        if chunk is None:
            return

        def noted(note: str | None) -> None:
            if note is not None and self._decided(
                chunk, lambda: self.session.set_note(chunk.id, note or None)
            ):
                self.refresh_decision(chunk)

        decision = self.session.decision(chunk.id)
        if decision.status == "flagged":
            title = f"Note on flagged {chunk.location}: what is wrong?"
            dialog = TextDialog(
                title,
                decision.note or "",
                allow_empty=False,
                empty_message="A flag needs a note: u unflags, a approves (Esc cancels).",
            )
        else:
            title = f"Note on {chunk.location} (empty removes it)"
            dialog = TextDialog(title, decision.note or "")
        self.app.push_screen(dialog, noted)

    def action_reset(self) -> None:
        chunk = self._current_or_warn()
        if chunk is not None and self._decided(chunk, lambda: self.session.reset(chunk.id)):
            self.refresh_decision(chunk)
            self.redraw()

    def action_request(self, kind: RequestKind) -> None:
        chunk = self._current_or_warn()
        if chunk is None:
            return

        def queued(text: str | None) -> None:
            if not text:
                return
            request = saved(self, lambda: self.session.add_request(chunk.id, kind, text))
            if request is not None:
                self._decisions += 1
                self._show_status()
                self.notify(f"Queued {kind} request {request.id}.", markup=False, timeout=3)

        where = chunk.location + (f" ({chunk.symbol})" if chunk.symbol else "")
        title = f"{kind.capitalize()} request for the agent"
        dialog = TextDialog(
            title,
            f"{where}: ",
            allow_empty=False,
            empty_message="A request needs a text after the location (Esc cancels).",
            prefix=f"{where}:",
        )
        self.app.push_screen(dialog, queued)

    def action_explain(self) -> None:
        chunk = self._current_or_warn()
        if chunk is None:
            return
        reason = client_for(self.session).unavailable_reason()
        if reason is not None:
            self.notify(llm_hint(reason), severity="warning", markup=False, timeout=6)
        self.query_one(ExplanationPanel).explain(self.session, chunk)

    def action_relink(self) -> None:
        chunk = self._current_or_warn()
        if chunk is None:
            return

        def picked(section: str | None) -> None:
            if section is None:
                return
            others = same_file_chunks(self.session, chunk) if picker.whole_file else []
            target = None if section == UNLINKED else section
            linked = self._relink([chunk, *others], target)
            if not linked:
                return
            self.rebuild()
            if chunk in self.navigator.visible:
                self.navigator.select_chunk(chunk.id)
            self.query_one(SpecOutline).refresh_counts()
            self.redraw()
            where = target or "Unlinked changes"
            what = (
                chunk.location
                if len(linked) == 1
                else f"{len(linked)} chunks of {clean_line(chunk.path)}"
            )
            self.notify(f"Linked {what} to {where}.", markup=False, timeout=3)

        current = self.session.link(chunk.id).section_id or UNLINKED
        title = f"Link {chunk.location} to which section?"
        same_file = same_file_chunks(self.session, chunk)
        picker = SectionPicker(self.session, current, title, same_file)
        self.app.push_screen(picker, picked)

    def _relink(self, chunks: list[Chunk], section: str | None) -> list[Chunk]:
        """Link each chunk to `section` by hand, one save each (as `l` on each would); a failed
        save (said in one line) stops there. The chunks linked."""
        linked: list[Chunk] = []
        for chunk in chunks:
            if saved(self, partial(self.session.relink, chunk.id, section)) is None:
                break
            linked.append(chunk)
        return linked

    # ------------------------------------------------------------------ views

    def action_toggle_order(self) -> None:
        self.navigator.set_order("risk" if self.navigator.order == "spec" else "spec")
        self._generation += 1
        self.redraw()

    def action_filter(self) -> None:
        rules = sorted({flag.rule for flags in self.session.flags.values() for flag in flags})

        def filtered(result: object) -> None:
            if result is not None:
                self.navigator.set_filter(result)  # type: ignore[arg-type]
                self._generation += 1
                self.redraw()
                if not self.navigator.visible:
                    self.notify("No chunk matches this filter (Esc clears it).", severity="warning")

        self.app.push_screen(FilterScreen(self.navigator.filter, rules), filtered)

    def action_clear_filter(self) -> None:
        if self.navigator.filter.active:
            self.navigator.clear_filter()
            self._generation += 1
            self.redraw()

    def action_queue(self) -> None:
        def closed(_: object) -> None:
            self._decisions += 1
            self._show_status()

        self.check_disk()  # done long before the reviewer presses `x` in the queue
        queue = RequestQueueScreen(self.session, stale=lambda: self.stale)
        self.app.push_screen(queue, closed)

    def action_coverage(self) -> None:
        def chosen(choice: CoverageChoice | None) -> None:
            if choice is not None and choice.chunk is not None:
                self.go_to_chunk(choice.chunk)
            elif choice is not None and choice.section is not None:
                self.navigator.select_group(self._group_with_chunks(choice.section))
                self.redraw()

        self.app.push_screen(CoverageScreen(self.session), chosen)

    def action_ledger(self) -> None:
        def chosen(chunk_id: str | None) -> None:
            if chunk_id is not None:
                self.go_to_chunk(chunk_id)

        self.app.push_screen(LedgerScreen(self.session), chosen)

    def go_to_chunk(self, chunk_id: str) -> None:
        """Show one chunk (the filter is cleared when it hides it)."""
        if (
            self.navigator.filter.active
            and self.session.chunk(chunk_id) not in self.navigator.visible
        ):
            self.navigator.clear_filter()
            self._generation += 1
        self.navigator.select_chunk(chunk_id)
        self.redraw()

    def action_help(self) -> None:
        groups: list[tuple[str, Iterable[BindingType]]] = [
            ("Review", self.BINDINGS),
            ("App", self.app.BINDINGS),
        ]
        self.app.push_screen(HelpScreen(groups))

    @dataclass
    class Exported(Message):
        """The export worker wrote the review (`error` None) or could not (its one line); `stale`:
        not written, the code changed on disk since the session was assembled; `unrecorded`:
        written, but remembering the path in `exports.json` failed (its one line)."""

        path: Path
        error: str | None
        stale: bool = False
        unrecorded: str | None = None

    def action_export(self) -> None:
        """Export the review as it is now: a snapshot of the session is taken here (a few ms), the
        markdown is built from it and written in a worker, so the reviewer can go on meanwhile."""
        self.notify("Exporting the review…", timeout=2)
        target = (self.session.state.folder / "review.md").absolute()
        self._export(target, self.session.snapshot(), self.fingerprint)

    @work(thread=True, exclusive=True, group="export", exit_on_error=False)
    def _export(self, target: Path, snapshot: ReviewSession, fingerprint: str | None) -> None:
        """Write the review, unless the code on disk is no longer the code it reviews."""
        try:
            stale = fingerprint is not None and code_fingerprint(snapshot.root) != fingerprint
        except (ReviewError, OSError) as error:
            self.post_message(self.Exported(target, f"cannot read the working tree: {error}"))
            return
        if stale:
            self.post_message(self.Exported(target, None, stale=True))
            return
        try:
            text = snapshot.export_markdown()
        except ReviewError as error:
            self.post_message(self.Exported(target, str(error)))
            return
        except Exception as error:  # a bug: one line, the app stays up
            line = f"export failed: {type(error).__name__}: {error}"
            self.post_message(self.Exported(target, line))
            return
        error_line = write_export(snapshot.state, target, text)
        unrecorded = None if error_line is not None else record_export(snapshot.state, target, text)
        self.post_message(self.Exported(target, error_line, unrecorded=unrecorded))

    @on(Exported)
    def _exported(self, event: Exported) -> None:
        if event.stale:
            self.mark_stale()
            self.notify(STALE_EXPORT, severity="error", markup=False, timeout=10)
        elif event.error is not None:
            message = f"Not exported: {clean_line(event.error)}"
            self.notify(message, severity="error", markup=False, timeout=10)
        elif event.unrecorded is not None:
            message = (
                f"Review exported to {event.path}, but not remembered as an export (a later "
                f"phase may show it): {clean_line(event.unrecorded)}"
            )
            self.notify(message, severity="warning", markup=False, timeout=10)
        else:
            self.notify(f"Review exported to {event.path}", markup=False, timeout=6)


@dataclass(frozen=True)
class ListPiece:
    """Lines `start:stop` of a group's chunk list, to draw ahead with `current` highlighted."""

    group: str
    start: int
    stop: int
    current: str


def list_pieces(
    group: str, chunks: list[Chunk], screenful: int, *, tail: bool = False
) -> list[ListPiece]:
    """The pieces of a neighbouring group's list a move can show: its first screenful (`J`, `j`
    at the end of a group: its first chunk highlighted) and, with `tail`, its last (`k` at the
    start of a group: its last chunk highlighted), `PREPARED_LINES` lines a piece."""
    if not chunks or screenful <= 0:
        return []
    count = len(chunks)
    head = [(start, chunks[0].id) for start in range(0, min(screenful, count), PREPARED_LINES)]
    ends = range(max(count - screenful, screenful), count, PREPARED_LINES) if tail else ()
    return [
        ListPiece(group, start, min(start + PREPARED_LINES, count), current)
        for start, current in [*head, *((start, chunks[-1].id) for start in ends)]
    ]


def llm_hint(reason: str) -> str:
    """What `e` says when no LLM can be asked: why, and how to enable it (the client's words)."""
    return clean_line(reason).rstrip(".") + "."


def chunk_title(
    chunk: Chunk | None, past: str | None = None, phase: Phase | None = None
) -> Content:
    """`src/data.py:40-51 · load_data · +12 −0 · added`; `» past checkpoint (phase 2)` follows the
    location when the chunk implements a later spec phase than the one under review (the location
    leads, so a narrow pane still shows where the code is)."""
    if chunk is None:
        return Content("")
    line = chunk_location_line(chunk, phase)
    if past is None:
        return Content(line)
    location, *rest = line.split(" · ", 1)
    mark = Content.styled(f"» past checkpoint (phase {clean_line(past)})", "bold $warning")
    parts: list[Content | tuple[str, str] | str] = [location, (" · ", "$text-muted"), mark]
    if rest:
        parts += [(" · ", "$text-muted"), rest[0]]
    return Content.assemble(*parts)


def chunk_location_line(chunk: Chunk, phase: Phase | None = None) -> str:
    """The chunk's location, definition, counts, change and commits, one line. Given the phase,
    the commits say the chunk's lines not committed yet: `commit ed91f32 + 3 uncommitted lines`,
    or `working tree, 3 uncommitted lines` when no commit of the phase touched the chunk."""
    parts = [clean_line(chunk.location)]
    if chunk.symbol:
        parts.append(clean_line(chunk.symbol))
    parts.append(f"+{chunk.added} −{chunk.removed}")
    if chunk.change != "modified":
        parts.append(
            chunk.change if not chunk.old_path else f"renamed from {clean_line(chunk.old_path)}"
        )
    uncommitted = _uncommitted_count(chunk, phase) if phase is not None else 0
    lines = f"{uncommitted} uncommitted line{'s' if uncommitted != 1 else ''}"
    if chunk.commits:
        commits = "commit " + ", ".join(sha[:7] for sha in chunk.commits[:3])
        parts.append(f"{commits} + {lines}" if uncommitted else commits)
    elif uncommitted:
        parts.append(f"working tree, {lines}")
    return " · ".join(parts)


_uncommitted_seen: tuple[weakref.ref[Phase], dict[str, int]] | None = None
"""The last phase asked about and its chunks' uncommitted line counts: the title is drawn on
every move."""


def _uncommitted_count(chunk: Chunk, phase: Phase) -> int:
    """`uncommitted_lines(chunk, phase)`, counted once per chunk of the phase."""
    global _uncommitted_seen
    if _uncommitted_seen is None or _uncommitted_seen[0]() is not phase:
        _uncommitted_seen = (weakref.ref(phase), {})
    counts = _uncommitted_seen[1]
    if chunk.id not in counts:
        counts[chunk.id] = uncommitted_lines(chunk, phase)
    return counts[chunk.id]
