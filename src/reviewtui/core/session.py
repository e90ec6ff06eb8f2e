"""Provides `ReviewSession`: one phase assembled for review — range, spec, chunks, links, flags, decisions.

The TUI, `status` and `export` all read the same session, so the three never disagree. Every mutation
(approve, flag, note, reset, relink, requests) is saved to `.reviewtui/state.json` before it returns;
a mutation whose save fails is undone in memory, so memory and disk never disagree. Which changed
files make up the phase (spec edits, exports, reviewtui's own agent-file block) is `phasefiles`'.
"""

from __future__ import annotations

import contextlib
import copy
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from reviewtui.config import Settings, load_settings
from reviewtui.core import gitrange
from reviewtui.core.coverage import Coverage, coverage_for
from reviewtui.core.gcpause import collector_paused
from reviewtui.core.models import (
    SEVERITY_RANK,
    Chunk,
    Decision,
    Evidence,
    FileDiff,
    Flag,
    Phase,
    Request,
    RequestKind,
    RequestStatus,
    Section,
    SectionLink,
    Spec,
)
from reviewtui.core.phasecache import PhaseCache, PhaseResults
from reviewtui.core.phasefiles import ReviewFiles, review_files, spec_at_base, spec_edit_flags
from reviewtui.core.rounds import sections_before
from reviewtui.core.spec import discover_specs, load_spec
from reviewtui.core.state import ReviewState, now_iso
from reviewtui.errors import ReviewError

if TYPE_CHECKING:
    from reviewtui.config import CheckSettings
    from reviewtui.core.checks import Ledger
    from reviewtui.core.checks.engine import PhaseChecks
    from reviewtui.core.forked import ForkedCall
    from reviewtui.core.llm.linking import LinkHelp
    from reviewtui.core.pysource import SyntaxTrees

ProgressCallback = Callable[[str, float], None]
Order = Literal["spec", "risk"]

LOW_CONFIDENCE = 0.5
"""Linked chunks below this confidence come early in risk-first order."""


@dataclass
class Progress:
    """Decision counts over all chunks of the phase."""

    total: int
    approved: int
    flagged: int
    pending: int
    requests_open: int

    @property
    def reviewed(self) -> int:
        return self.approved + self.flagged


@dataclass
class SectionCounts:
    """Decision counts over one section's own chunks (children not included)."""

    chunks: int
    approved: int
    flagged: int
    pending: int


class ReviewSession:
    """A phase of agent work, paired with the spec and the reviewer's decisions."""

    def __init__(
        self,
        root: Path,
        phase: Phase,
        spec: Spec,
        chunks: list[Chunk],
        links: dict[str, SectionLink],
        flags: dict[str, list[Flag]],
        state: ReviewState,
        settings: Settings,
        *,
        ledger: Ledger | None = None,
        spec_phase: str | None = None,
        earlier: set[str] | None = None,
        no_llm: bool = False,
        warnings: list[str] | None = None,
    ) -> None:
        self.root = root
        self.phase = phase
        self.spec = spec
        self.links = links
        self.flags = flags
        self.ledger = ledger or _empty_ledger()
        """The spec's numbers against the values the phase's code sets."""
        self.state = state
        self.settings = settings
        self.no_llm = no_llm
        self.warnings = warnings if warnings is not None else []
        self._section_index = {section.id: index for index, section in enumerate(spec.sections)}
        self.chunks = list(chunks)
        self._by_id = {chunk.id: chunk for chunk in self.chunks}
        self._by_section: dict[str | None, list[Chunk]] = {}
        self._other_forms = _other_forms(self.chunks, state.decisions)
        """Chunk id -> where its decision may be under its id's other form (`other_id_form`), for
        the chunks without a decision of their own when the session opened with decisions."""
        self.spec_phase = spec_phase
        """The spec phase asked for (`--phase` or config); None: inferred from the code."""
        self.earlier = earlier or set()
        """Sections with code in the rounds reviewed before the checkpoint this phase starts from."""
        self.coverage: Coverage
        """The spec against this phase's code: sections with and without code, the spec phase under
        review, missing sections and code past its checkpoint. Kept current on relinks."""
        self._links_changed()

    # ------------------------------------------------------------------ assembling

    @classmethod
    def open(
        cls,
        repo: Path,
        range_text: str | None = None,
        specs: list[str] | None = None,
        *,
        no_llm: bool = False,
        lock: bool = False,
        spec_phase: str | None = None,
        allow_empty: bool = False,
        progress: ProgressCallback | None = None,
        cancel: threading.Event | None = None,
    ) -> ReviewSession:
        """Assemble the phase `range_text` of the repo at `repo`; raises ReviewError on bad input.

        `spec_phase` names the spec's phase under review (default: `phase` in the config, else
        inferred from the code). A phase with nothing to review is a ReviewError unless
        `allow_empty` (`status` and `export` report it; `nothing_to_review` tells).

        `cancel` ends the assembly soon after it is set (ReviewError "cancelled", nothing stored):
        it is checked at every progress step (the git steps' too), before each file the cutter
        cuts, and after the linking and after the checks (which take no cancel event yet)."""
        report = _cancellable(progress, cancel)
        report("opening the repository", 0.0)
        root = gitrange.find_root(repo).resolve()
        settings = load_settings(root)
        state = ReviewState.load(root, lock=lock)
        try:
            if spec_phase is not None:
                settings.phase = spec_phase
            return cls._assemble(
                root, settings, state, range_text, specs, no_llm, allow_empty, report, cancel
            )
        except BaseException:
            state.release_lock()
            raise

    @classmethod
    def _assemble(
        cls,
        root: Path,
        settings: Settings,
        state: ReviewState,
        range_text: str | None,
        specs: list[str] | None,
        no_llm: bool,
        allow_empty: bool,
        report: ProgressCallback,
        cancel: threading.Event | None,
    ) -> ReviewSession:
        report("reading the spec and the phase", 0.1)
        spec, phase, reviewed = read_phase(
            root,
            settings,
            state,
            range_text,
            specs,
            progress=lambda step, fraction: report(step, 0.2 + 0.3 * fraction),
        )
        if not phase.files and not allow_empty:
            raise ReviewError(nothing_to_review_line(phase))
        _check_cancel(cancel)
        results = _results(phase, spec, settings, state, reviewed, report, cancel)
        chunks, ledger, links = results.chunks, results.ledger, results.links
        flags = _with_spec_edit_flags(results.flags, chunks, reviewed, settings)
        own_files = {*spec.files, *(path for path in state.exports if path in reviewed.left_out)}
        report("reading the earlier rounds", 0.95)
        earlier = sections_before(
            root,
            phase,
            state.checkpoints,
            spec,
            settings,
            manual_links=state.manual_links,
            exclude=own_files,
            cache_dir=state.cache_dir,
        )
        report("ready", 1.0)
        warnings = [
            *settings.warnings,
            *spec.warnings,
            *phase.warnings,
            *state.warnings,
            *_spec_edit_warnings(phase, reviewed),
            *results.check_warnings,
        ]
        session = cls(
            root,
            phase,
            spec,
            chunks,
            links,
            flags,
            state,
            settings,
            ledger=ledger,
            spec_phase=settings.phase,
            earlier=earlier,
            no_llm=no_llm,
            warnings=warnings,
        )
        session._merge_cached_llm_links()
        return session

    def _merge_cached_llm_links(self) -> None:
        """Apply the LLM's linking picks cached by earlier runs (reads the disk, sends nothing), so
        the app, `status` and `export` agree on every link."""
        if not self.settings.llm.link_help or not (self.state.cache_dir / "llm").is_dir():
            return
        from reviewtui.core.llm.linking import suggest_links

        self.merge_llm_links(suggest_links(self, cached_only=True))

    def merge_llm_links(self, help_: LinkHelp) -> list[str]:
        """Merge the LLM's linking picks; returns the ids of chunks whose section changed."""
        from reviewtui.core.llm.linking import merge_link_help

        llm = self.settings.llm
        changed = merge_link_help(
            self.links, help_, self.settings.links.threshold, recheck_below=llm.link_recheck_below
        )
        if changed:
            self._links_changed()
        return changed

    def _links_changed(self) -> None:
        """Re-derive what follows from the links: spec order, chunks per section, coverage."""
        self.chunks.sort(key=self._spec_key)
        self._by_section = {}
        for chunk in self.chunks:
            self._by_section.setdefault(self.link(chunk.id).section_id, []).append(chunk)
        self.coverage = coverage_for(
            self.spec, self.chunks, self.links, self.spec_phase, self.earlier, self.ledger
        )

    def close(self) -> None:
        """Release the writer's lock (the app calls this on exit)."""
        self.state.release_lock()

    # ------------------------------------------------------------------ reading

    def chunk(self, chunk_id: str) -> Chunk:
        try:
            return self._by_id[chunk_id]
        except KeyError:
            raise ReviewError(f"no chunk {chunk_id} in this phase") from None

    def link(self, chunk_id: str) -> SectionLink:
        return self.links.get(chunk_id) or SectionLink(chunk_id, None, 0.0, [])

    def section_of(self, chunk_id: str) -> Section | None:
        return self.spec.get(self.link(chunk_id).section_id)

    def chunks_in(self, section_id: str | None) -> list[Chunk]:
        """The chunks linked to a section (None: the chunks that belong to no section)."""
        return list(self._by_section.get(section_id, ()))

    def flags_of(self, chunk_id: str) -> list[Flag]:
        return self.flags.get(chunk_id, [])

    def decision(self, chunk_id: str) -> Decision:
        """The reviewer's decision on a chunk: recorded under its id, else under the other form of
        the same change's id (see `chunks.other_id_form`), else pending."""
        found = self.state.decisions.get(chunk_id)
        if found is None and chunk_id in self._other_forms:
            found = self._carried_decision(chunk_id, *self._other_forms[chunk_id])
        return found or Decision(chunk_id)

    def carried_keys(self) -> set[str]:
        """The keys of `state.decisions` that chunks of this phase read their decision from under
        the other form of their id (see `decision`): decided here, not outside the phase."""
        decisions = self.state.decisions
        return {
            key
            for chunk_id, (key, required) in self._other_forms.items()
            if chunk_id not in decisions and self._carried_decision(chunk_id, key, required)
        }

    def _carried_decision(self, chunk_id: str, key: str, required: str | None) -> Decision | None:
        """The decision recorded while this chunk's change had its other id form: a copy whose
        twin the agent changed, or a change the agent has since repeated in another symbol."""
        found = self.state.decisions.get(key)
        if found is None or (required is not None and found.copy_id != required):
            return None
        return replace(found, chunk_id=chunk_id)

    def section_counts(self, section_id: str | None) -> SectionCounts:
        statuses = [self.decision(chunk.id).status for chunk in self.chunks_in(section_id)]
        return SectionCounts(
            chunks=len(statuses),
            approved=statuses.count("approved"),
            flagged=statuses.count("flagged"),
            pending=statuses.count("pending"),
        )

    def progress(self) -> Progress:
        statuses = [self.decision(chunk.id).status for chunk in self.chunks]
        return Progress(
            total=len(statuses),
            approved=statuses.count("approved"),
            flagged=statuses.count("flagged"),
            pending=statuses.count("pending"),
            requests_open=sum(1 for request in self.requests if request.status == "open"),
        )

    def ordered_chunks(self, order: Order = "spec") -> list[Chunk]:
        """Chunks in spec order, or risk first: high flags, other flags, low confidence, the rest."""
        if order == "spec":
            return list(self.chunks)
        return sorted(self.chunks, key=self._risk_key)

    def _spec_key(self, chunk: Chunk) -> tuple[int, str, int, int]:
        section_id = self.link(chunk.id).section_id
        index = (
            self._section_index.get(section_id, len(self._section_index))
            if section_id
            else len(self._section_index)
        )
        return (index, chunk.path, chunk.new_start or chunk.old_start, chunk.old_start)

    def _risk_key(self, chunk: Chunk) -> tuple[int, int, tuple[int, str, int, int]]:
        flags = self.flags_of(chunk.id)
        worst = min((SEVERITY_RANK.get(flag.severity, 3) for flag in flags), default=3)
        link = self.link(chunk.id)
        unsure = 0 if link.section_id is None or link.confidence < LOW_CONFIDENCE else 1
        return (worst, unsure, self._spec_key(chunk))

    # ------------------------------------------------------------------ deciding

    def approve(self, chunk_id: str, *, keep_note: bool = True) -> Decision:
        """Approve a chunk, in one save; `keep_note=False` drops its note (a flag's note said
        what was wrong: it is not the approval's)."""
        return self._decide(chunk_id, "approved", note=... if keep_note else None)

    def flag(self, chunk_id: str, note: str) -> Decision:
        return self._decide(chunk_id, "flagged", note=note)

    def set_note(self, chunk_id: str, note: str | None) -> Decision:
        decision = self.decision(chunk_id)
        return self._decide(chunk_id, decision.status, note=(note or None))

    def reset(self, chunk_id: str) -> Decision:
        return self._decide(chunk_id, "pending")

    def _decide(self, chunk_id: str, status: str, *, note: str | object | None = ...) -> Decision:
        chunk = self.chunk(chunk_id)
        previous = self.decision(chunk_id)
        from reviewtui.core.chunks import id_forms

        forms = id_forms(chunk)
        decision = Decision(
            chunk_id=chunk_id,
            status=status,  # type: ignore[arg-type]
            note=previous.note if note is ... else note,  # type: ignore[arg-type]
            updated=now_iso(),
            path=chunk.path,
            copy_id=forms[1] if forms is not None and forms[0] == chunk_id else None,
        )
        with self._saving():
            self.state.decisions[chunk_id] = decision
        return decision

    def relink(self, chunk_id: str, section_id: str | None) -> SectionLink:
        """Link a chunk to a section by hand (None: explicitly to no section)."""
        self.chunk(chunk_id)
        if section_id is not None and section_id not in self.spec:
            raise ReviewError(f"no section {section_id} in the spec")
        with self._saving():
            self.state.manual_links[chunk_id] = section_id
        detail = (
            f"linked by the reviewer to {section_id}" if section_id else "unlinked by the reviewer"
        )
        link = SectionLink(chunk_id, section_id, 1.0, [Evidence("manual", detail, 1.0)])
        self.links[chunk_id] = link
        self._links_changed()
        return link

    # ------------------------------------------------------------------ requests

    @property
    def requests(self) -> list[Request]:
        return self.state.requests

    def request(self, request_id: str) -> Request:
        for request in self.state.requests:
            if request.id == request_id:
                return request
        raise ReviewError(f"no request {request_id}")

    def add_request(self, chunk_id: str | None, kind: RequestKind, text: str) -> Request:
        chunk = self.chunk(chunk_id) if chunk_id else None
        request = Request(
            id=self._next_request_id(),
            chunk_id=chunk_id,
            kind=kind,
            text=text.strip(),
            created=now_iso(),
            location=chunk.location if chunk else None,
            code=chunk_code(chunk) if chunk else None,
        )
        with self._saving():
            self.state.requests.append(request)
        return request

    def update_request(
        self, request_id: str, *, text: str | None = None, status: RequestStatus | None = None
    ) -> Request:
        request = self.request(request_id)
        with self._saving():
            if text is not None:
                request.text = text.strip()
            if status is not None:
                request.status = status
        return request

    def delete_request(self, request_id: str) -> None:
        request = self.request(request_id)
        with self._saving():
            self.state.requests.remove(request)

    def move_request(self, request_id: str, delta: int) -> None:
        queue = self.state.requests
        index = queue.index(self.request(request_id))
        target = max(0, min(len(queue) - 1, index + delta))
        with self._saving():
            queue.insert(target, queue.pop(index))

    @contextlib.contextmanager
    def _saving(self) -> Iterator[None]:
        """Change the state in the block, then save it; when the save (or the block) fails, the
        state in memory is put back as it was, so memory and `state.json` never disagree."""
        decisions = dict(self.state.decisions)
        manual_links = dict(self.state.manual_links)
        requests = [(request, _fields_of(request)) for request in self.state.requests]
        try:
            yield
            self.state.save()
        except BaseException:
            self.state.decisions.clear()
            self.state.decisions.update(decisions)
            self.state.manual_links.clear()
            self.state.manual_links.update(manual_links)
            self.state.requests[:] = [request for request, _ in requests]
            for request, values in requests:
                for name, value in values.items():
                    setattr(request, name, value)
            raise

    def _next_request_id(self) -> str:
        """`R<n>` past every id in the state, the requests kept unread (a newer reviewtui's) too."""
        ids = [r.id for r in self.state.requests] + self.state.kept_request_ids
        numbers = [int(i[1:]) for i in ids if i[1:].isdigit()]
        return f"R{max(numbers, default=0) + 1}"

    # ------------------------------------------------------------------ export

    @property
    def is_empty(self) -> bool:
        """True when the phase has nothing to review (opened with `allow_empty`)."""
        return not self.phase.files

    def snapshot(self) -> ReviewSession:
        """A copy of the review as it is now, to read (export) in another thread while the reviewer
        goes on deciding: what decisions, requests and relinks change is copied (a few ms on
        20,000 chunks), the rest is shared and read only. Never decide on it: it saves nothing."""
        copied = copy.copy(self)
        copied.chunks = list(self.chunks)
        copied.links = dict(self.links)
        copied._by_section = {key: list(value) for key, value in self._by_section.items()}
        state = copy.copy(self.state)
        state.decisions = dict(self.state.decisions)
        state.manual_links = dict(self.state.manual_links)
        state.requests = [replace(request) for request in self.state.requests]
        state.checkpoints = list(self.state.checkpoints)
        state.exports = list(self.state.exports)
        state.warnings = list(self.state.warnings)
        state._lock_handle = None  # the snapshot never holds (nor releases) the writer's lock
        copied.state = state
        copied.warnings = list(self.warnings)
        return copied

    def export_markdown(self) -> str:
        """The review as markdown; a short one saying so when there is nothing to review."""
        if self.is_empty:
            return self._empty_review()
        from reviewtui.core.report import export_markdown

        return export_markdown(self)

    def _empty_review(self) -> str:
        """The export of an empty phase (right after a checkpoint): what it is, then the flags from
        earlier rounds and the open requests, as every export ends."""
        from reviewtui.core.report import export_tail
        from reviewtui.core.safe_text import visible_controls

        line = nothing_to_review_line(self.phase)
        return visible_controls(
            f"# Review of {self.phase.label}\n\n"
            f"{line[0].upper()}{line[1:]}.\n\n"
            f"- Spec: {', '.join(f'`{path}`' for path in self.spec.files)}\n\n"
            f"{export_tail(self)}"
        )

    def export_to(self, path: Path | None = None) -> Path:
        """Write the markdown review to `path` (default `.reviewtui/review.md`); returns the path."""
        target = (path or (self.state.folder / "review.md")).absolute()
        self.state.ensure_folder()
        try:
            target.write_text(self.export_markdown(), encoding="utf-8")
        except OSError as error:
            raise ReviewError(f"cannot write {target}: {error.strerror}") from None
        self.state.record_export(
            target
        )  # exports.json: never the decisions, safe while the app runs
        return target


def read_phase(
    root: Path,
    settings: Settings,
    state: ReviewState,
    range_text: str | None,
    specs: list[str] | None,
    progress: ProgressCallback | None = None,
) -> tuple[Spec, Phase, ReviewFiles]:
    """The spec, the phase and what of its files is reviewed, read as every opening of a review
    reads them (spec discovery, the range from the last checkpoint, what leaves the phase):
    `phase.files` are the reviewed files. ReviewError on no spec, a bad range…"""
    spec = load_spec(root, discover_specs(root, list(specs) if specs else settings.spec))
    checkpoint = state.last_checkpoint.sha if state.last_checkpoint else None
    phase = gitrange.resolve_phase(root, range_text, checkpoint, progress=progress)
    reviewed = review_files(root, phase, spec, state.exports)
    phase.files = reviewed.files
    return spec, phase, reviewed


def nothing_to_review_line(phase: Phase) -> str:
    """ "nothing to review in A..B since checkpoint A" (or the rule that chose the range)."""
    rule = phase.rule
    if not rule:
        return f"nothing to review in {phase.label}"
    joint = "since" if rule.startswith(("checkpoint", "merge-base")) else "·"
    return f"nothing to review in {phase.label} {joint} {rule}"


def _results(
    phase: Phase,
    spec: Spec,
    settings: Settings,
    state: ReviewState,
    reviewed: ReviewFiles,
    report: ProgressCallback,
    cancel: threading.Event | None,
) -> PhaseResults:
    """The phase's chunks, flags, ledger and links: from the phase cache, else computed (and
    stored). An empty phase has none (nothing is computed). The checks read the spec files the
    agent edited as they were at the phase's base (the key needs no more: the phase's digest holds
    the base and the edits)."""
    if not phase.files:
        return PhaseResults([], {}, _empty_ledger(), {})
    cache = PhaseCache()
    key = cache.key(phase, spec, settings, state.manual_links, reviewed.left_out)
    results = _cached(cache, key, report)
    if results is None:
        reviewers = spec_at_base(state.root, phase.base, spec, reviewed.spec_edits)
        results = _compute(phase, spec, settings, state.manual_links, report, cancel, reviewers)
        _check_cancel(cancel)  # a cancelled opening stores nothing: the reviewer wants out
        if key is not None:
            cache.store(key, results)
    return results


def _with_spec_edit_flags(
    flags: dict[str, list[Flag]], chunks: list[Chunk], reviewed: ReviewFiles, settings: Settings
) -> dict[str, list[Flag]]:
    """`flags` with a `spec-edited` flag first on every chunk of a spec file the agent edited
    (unless the rule is switched off; its severity as configured)."""
    if not reviewed.spec_edits:
        return flags
    from reviewtui.core.checks.engine import active_rules
    from reviewtui.core.phasefiles import RULE_ID

    severity = dict((rule.id, level) for rule, level in active_rules(settings.checks)).get(RULE_ID)
    if severity is None:
        return flags
    edited = spec_edit_flags(chunks, reviewed.spec_edits, severity)
    merged = dict(flags)
    for chunk_id, flag in edited.items():
        merged[chunk_id] = sorted(
            [flag, *flags.get(chunk_id, [])], key=lambda item: SEVERITY_RANK[item.severity]
        )
    return merged


def _spec_edit_warnings(phase: Phase, reviewed: ReviewFiles) -> list[str]:
    base = phase.base[:7] if phase.base else "the base"
    return [
        f"the agent changed the spec {path} in this phase: the checks read it as it was at {base}"
        for path in reviewed.spec_edits
        if path not in reviewed.agent_specs  # a spec file the agent added has its own warning
    ]


def _cached(cache: PhaseCache, key: str | None, report: ProgressCallback) -> PhaseResults | None:
    """The results an earlier opening of the same phase stored, or None."""
    if key is None or not cache.has(key):
        return None
    report("reading the chunks of the last opening", 0.5)
    with collector_paused():  # a hundred thousand objects at once: no collection meanwhile
        return cache.load(key)


def _compute(
    phase: Phase,
    spec: Spec,
    settings: Settings,
    manual_links: dict[str, str | None],
    report: ProgressCallback,
    cancel: threading.Event | None,
    check_spec: Spec | None = None,
) -> PhaseResults:
    """Cut the chunks, then check and link them (at the same time in a forked child where that is
    safe, see `ForkedCall`). The checks compare the code with `check_spec` (default `spec`).

    Each Python file is parsed once for the cutting and the checks (`SyntaxTrees`). The trees live
    only meanwhile, and the cyclic garbage collector is paused throughout (it would otherwise walk
    the trees again and again); it resumes once they are dropped."""
    from reviewtui.core.checks import check_phase  # the pipeline's imports: not needed when
    from reviewtui.core.checks.engine import active_rules  # the phase cache has the results
    from reviewtui.core.chunks import cut_chunks
    from reviewtui.core.forked import ForkedCall
    from reviewtui.core.links import link_chunks
    from reviewtui.core.pysource import SyntaxTrees

    with collector_paused():
        trees = SyntaxTrees()
        report("cutting chunks", 0.5)
        chunks = cut_chunks(phase.files, phase.commits, settings.chunks, trees=trees, cancel=cancel)
        active_rules(settings.checks)  # a settings error is raised here, not in the child
        arguments = (chunks, phase.files, check_spec or spec, settings.checks)
        judged = ledger_phase(phase, spec, settings)
        checking = ForkedCall.start(check_phase, *arguments, trees=trees, phase=judged)
        try:
            report("linking chunks to the spec", 0.65)
            file_texts = {f.path: f.new_text for f in phase.files if f.new_text is not None}
            links = link_chunks(
                chunks, spec, phase.commits, settings.links, manual_links, file_texts, cancel
            )
            _check_cancel(cancel)
        except BaseException:
            if checking is not None:
                checking.abandon()
            raise
        report("running checks", 0.85)
        checked = _checked(checking, arguments, trees, judged)
        del trees
    return PhaseResults(chunks, checked.flags, checked.ledger, links, checked.warnings)


def _checked(
    checking: ForkedCall[PhaseChecks] | None,
    arguments: tuple[list[Chunk], list[FileDiff], Spec, CheckSettings],
    trees: SyntaxTrees,
    judged: str | None = None,
) -> PhaseChecks:
    """The checks' flags and ledger: from the child when one runs them, else (or when it died
    without a result) computed here (the ledger judged by the spec phase `judged`)."""
    from reviewtui.core.checks import check_phase
    from reviewtui.core.forked import ForkFailed

    fork_error: ForkFailed | None = None
    if checking is not None:
        try:
            return checking.result()
        except ForkFailed as failed:
            fork_error = failed  # run here instead: the same call, so a real error is raised here
    try:
        return check_phase(*arguments, trees=trees, phase=judged)
    except Exception as error:
        if fork_error is not None:
            error.add_note(f"(first, in a forked child: {fork_error})")
        raise


def ledger_phase(phase: Phase, spec: Spec, settings: Settings) -> str | None:
    """The spec phase whose values the ledger judges the code by, known before linking: the one
    `--phase` or the config names, else the spec's first phase when the range starts from the empty
    tree (the first round holds the first phase's work), else None (inferred only after linking:
    a value of another phase is then a low note, see `checks.engine.PhaseNote`)."""
    if settings.phase:
        return settings.phase
    if phase.base is not None:
        return None
    from reviewtui.core.phases import parse_phases

    phases = parse_phases(spec)
    return phases[0].number if phases else None


def _other_forms(
    chunks: list[Chunk], decisions: dict[str, Decision]
) -> dict[str, tuple[str, str | None]]:
    """`other_id_form` of each chunk without a decision of its own; none when nothing is decided
    yet (a decision made later is recorded under a chunk id of this phase, never an other form)."""
    if not decisions:
        return {}
    from reviewtui.core.chunks import other_id_form  # the cutter's imports: late, as in `_compute`

    forms = {}
    for chunk in chunks:
        if chunk.id not in decisions:
            form = other_id_form(chunk)
            if form is not None:
                forms[chunk.id] = form
    return forms


def _fields_of(request: Request) -> dict[str, object]:
    """A request's field values, to put back after a failed save (the object keeps its identity)."""
    return {field.name: getattr(request, field.name) for field in fields(request)}


def _empty_ledger() -> Ledger:
    from reviewtui.core.checks import Ledger

    return Ledger()


def chunk_code(chunk: Chunk) -> str:
    """The chunk's lines as a small unified-diff body (`+`/`-`/` ` prefixes)."""
    if chunk.summary and not chunk.lines:
        return chunk.summary
    return "\n".join(f"{line.kind}{line.text}" for line in chunk.lines)


def _check_cancel(cancel: threading.Event | None) -> None:
    if cancel is not None and cancel.is_set():
        raise ReviewError("cancelled")


def _cancellable(
    progress: ProgressCallback | None, cancel: threading.Event | None
) -> ProgressCallback:
    """`progress` (or nothing), after a cancel check: every step reported is a point to stop at."""

    def report(step: str, fraction: float) -> None:
        _check_cancel(cancel)
        if progress is not None:
            progress(step, fraction)

    return report
