"""Provides `DraftScreen`: "draft a fix" (`d` on a queued request) — an LLM patch, checked, applied on confirm.

The screen asks the LLM (in a thread worker) for a unified diff doing what the request says for its
chunk, shows it as a diff with the verdict of `git apply --check`, and then lets the reviewer:
`y` apply it to the working tree (`git apply`, in a worker; only a patch that passed the check), `k` keep it on the
request (it appears in the queue export), `r` draft again, `esc` close without changing anything.
The screen returns what happened: "applied", "kept" or None.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import ClassVar

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Label, Static

from reviewtui.core.llm.draft import DraftPatch, apply_patch, draft_fix
from reviewtui.core.llm.explain import SessionLike, client_for
from reviewtui.core.models import Chunk, DiffLine, Request, RequestStatus
from reviewtui.errors import ReviewError
from reviewtui.tui.saving import saved
from reviewtui.tui.text import clean_line
from reviewtui.tui.widgets.diff_view import DiffView
from reviewtui.tui.widgets.explanation import worker_error_line
from reviewtui.tui.widgets.key_bar import KeyBar


def patch_chunk(patch: str, path: str) -> Chunk:
    """The patch as a `Chunk` the `DiffView` can draw (hunk headers kept as context rows)."""
    lines: list[DiffLine] = []
    old_no = new_no = 0
    for raw in patch.splitlines():
        if raw.startswith(("--- ", "+++ ", "diff --git", "index ")):
            continue
        if raw.startswith("@@"):
            old_no, new_no = _hunk_start(raw)
            lines.append(DiffLine(" ", raw, None, None))
        elif raw.startswith("+"):
            lines.append(DiffLine("+", raw[1:], None, new_no))
            new_no += 1
        elif raw.startswith("-"):
            lines.append(DiffLine("-", raw[1:], old_no, None))
            old_no += 1
        elif not raw.startswith("\\"):
            lines.append(DiffLine(" ", raw[1:], old_no, new_no))
            old_no, new_no = old_no + 1, new_no + 1
    added = sum(1 for line in lines if line.kind == "+")
    removed = sum(1 for line in lines if line.kind == "-")
    return Chunk("draft", path, None, "modified", lines, 1, 0, 1, 0, added, removed)


def _hunk_start(header: str) -> tuple[int, int]:
    try:
        old, new = header.split("@@")[1].split()[:2]
        return int(old[1:].split(",")[0]), int(new[1:].split(",")[0])
    except (IndexError, ValueError):
        return 0, 0


class DraftScreen(Screen[str | None]):
    """Draft a patch for one queued request, show it, and apply or keep it on the reviewer's word."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y", "apply", "Apply patch (git apply)"),
        Binding("k", "keep", "Keep in the queue export"),
        Binding("r", "redraft", "Draft again"),
        Binding("escape,q", "close", "Close"),
    ]

    DEFAULT_CSS = """
    DraftScreen #draft-title { padding: 0 1; background: $panel; width: 100%; text-style: bold; }
    DraftScreen #draft-request { padding: 0 1; color: $text-muted; }
    DraftScreen #draft-status { padding: 0 1; }
    DraftScreen.-refused #draft-status { color: $error; }
    DraftScreen.-ok #draft-status { color: $success; }
    DraftScreen #draft-diff { height: 1fr; }
    """

    @dataclass
    class Drafted(Message):
        """The LLM's patch came back (sent from the drafting thread)."""

        draft: DraftPatch

    @dataclass
    class Applied(Message):
        """`git apply` ran (sent from the applying thread): `error` is None when it applied."""

        patch: str
        error: str | None

    def __init__(self, session: SessionLike, request: Request) -> None:
        super().__init__()
        self.session = session
        self.request = request
        self.draft: DraftPatch | None = None
        self._applying = False
        """True while `git apply` runs in its worker (a second `y` waits for it)."""
        self._cancel = threading.Event()
        self.unavailable = client_for(session).unavailable_reason()
        """Why no LLM can draft (None when one can): the screen says so and offers only Close."""

    def compose(self) -> ComposeResult:
        where = self.request.location or "no chunk"
        yield Label(f"Draft a fix for {self.request.id} · {where}", id="draft-title", markup=False)
        yield Label(f"{self.request.kind}: {self.request.text}", id="draft-request", markup=False)
        yield Static("", id="draft-status", markup=False)
        yield DiffView(id="draft-diff")
        yield KeyBar()

    def on_mount(self) -> None:
        if self.unavailable is not None:
            reason = clean_line(self.unavailable).rstrip(".")
            self._status(f"Drafting a fix needs the LLM. {reason}. (esc closes)", "refused")
            return
        self._start(force=False)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Without an LLM, apply / keep / draft again are not offered (hidden from the keys)."""
        return not (self.unavailable is not None and action in ("apply", "keep", "redraft"))

    def on_unmount(self) -> None:
        self._cancel.set()

    @property
    def status_text(self) -> str:
        return str(self.query_one("#draft-status", Static).content)

    def _status(self, text: str, state: str = "") -> None:
        self.query_one("#draft-status", Static).update(clean_line(text))
        self.set_class(state == "ok", "-ok")
        self.set_class(state == "refused", "-refused")

    # ------------------------------------------------------------------ drafting

    def _start(self, *, force: bool) -> None:
        self.draft = None
        self.query_one(DiffView).show_chunk(None)
        self._status("Asking the LLM for a patch… (esc closes)")
        self._run(force, self._cancel)

    @work(thread=True, exclusive=True, group="draft", exit_on_error=False)
    def _run(self, force: bool, cancel: threading.Event) -> None:
        try:
            draft = draft_fix(self.session, self.request, cancel, force=force)
        except Exception as error:  # a bug: shown on one line, and `r` drafts again
            draft = DraftPatch(message=worker_error_line(self.session, error))
        self.post_message(self.Drafted(draft))

    def on_draft_screen_drafted(self, event: DraftScreen.Drafted) -> None:
        event.stop()
        draft = event.draft
        self.draft = draft
        if draft.patch:
            path = self.session.chunk(self.request.chunk_id or "").path
            self.query_one(DiffView).show_chunk(patch_chunk(draft.patch, path))
        state = "ok" if draft.applies else "refused"
        hint = " · y applies, k keeps it in the queue" if draft.applies else " · r drafts again"
        warning = f" · {draft.warning}" if draft.warning else ""
        self._status(draft.message + hint + warning, state)

    # ------------------------------------------------------------------ actions

    def action_apply(self) -> None:
        draft = self.draft
        if draft is None or not draft.patch or not draft.applies:
            self.notify("No patch that applies: nothing to apply.", severity="warning")
            return
        if self._applying:
            return
        self._applying = True
        self._status("Applying the patch (git apply)…")
        path = self.session.chunk(self.request.chunk_id or "").path
        self._apply(draft.patch, path)

    @work(thread=True, exclusive=True, group="draft-apply", exit_on_error=False)
    def _apply(self, patch: str, path: str) -> None:
        """`git apply` runs here, off the UI thread; the outcome comes back as `Applied`."""
        try:
            apply_patch(self.session, patch, path)
        except ReviewError as error:
            self.post_message(self.Applied(patch, str(error)))
        except Exception as error:  # a bug: shown on one line, the screen stays up
            self.post_message(
                self.Applied(patch, f"internal error: {type(error).__name__}: {error}")
            )
        else:
            self.post_message(self.Applied(patch, None))

    def on_draft_screen_applied(self, event: DraftScreen.Applied) -> None:
        event.stop()
        self._applying = False
        if event.error is not None:
            self._status(event.error, "refused")
            return
        if self._kept(event.patch, status="done"):
            self.dismiss("applied")
        else:
            self._status("Applied to the working tree, but the request is not saved as done.")

    def action_keep(self) -> None:
        draft = self.draft
        if draft is None or not draft.patch or not draft.applies:
            self.notify("No patch that applies: nothing to keep.", severity="warning")
            return
        if self._kept(draft.patch):
            self.dismiss("kept")

    def _kept(self, patch: str, *, status: RequestStatus | None = None) -> bool:
        """Store the patch on the request (and its status) and save; False (one error line, the
        request as it was) when the save fails."""
        request, before = self.request, self.request.patch

        def keep() -> Request:  # `keep_patch` and the status in one save
            request.patch = patch
            return self.session.update_request(request.id, status=status)

        if saved(self, keep) is None:
            request.patch = before
            return False
        return True

    def action_redraft(self) -> None:
        self._start(force=True)

    def action_close(self) -> None:
        if self._applying:  # the request is marked done once git apply returns
            self.notify("Applying the patch: a moment.", severity="warning", markup=False)
            return
        self._cancel.set()
        self.dismiss(None)
