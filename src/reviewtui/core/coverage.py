"""Provides `build_coverage`: the requirement → code view of a review.

Per section (document order): its own chunks, the chunks of its whole subtree, and a status —
`implemented` (code in the subtree, or through a citation, see `phases.find_implemented`),
`implemented-earlier` (no code in this round, code in a round reviewed before the last checkpoint),
`claimed-done` (a task ticked `[x]` with no code anywhere in the phase), `not-implemented` (no code
in this phase) or `process` (sections about the process, such as Phases, or written for the
reader, such as an Overview or an Appendix: `phases.is_prose`, that no code is expected for). Sections that a task back-links to or cites (`_Requirements: 1.2_`, `[US1]`, `(2.1)`) are
implemented when that task is, a task with no code of its own is implemented when all the sections it
cites are, and a parent is implemented when a child is. A section whose every number (as the
numbers ledger reads them: `batch size: 32`) is set by the code is implemented too, agreeing or not
(`settled_sections`), except a section of a phase later than the one under review
(`phases.settled_in_reach`: a later phase restates this phase's numbers). With a `PhaseReport`, sections of the phase under review with no code are
`missing`, and code for a later phase is `past_checkpoint`. Chunks with no section are `unrequested`.

A task ticked `[x]` that is `implemented` only through weak links (word matches and structure, no
explicit reference, best confidence under `WEAK_EVIDENCE_CONFIDENCE`) is marked `weak_evidence`
as well ("claimed done, weak evidence"; `Coverage.weakly_evidenced`); its status stays
`implemented`, since other tools read the statuses through `status --json`.

A chunk that only removes code (a deleted file, a hunk of `-` lines: `removes_only`) implements
nothing and is never past the checkpoint: reverting code written for a later phase is what the
agent is asked to do. It is still listed under its section (its own and subtree chunks).

The phase report's `earlier` lists every section of a declared phase whose status is
`implemented-earlier` (see `phases.review_phase`). A section whose earlier code was all in files
this round deletes is not implemented earlier (`EarlierSections.without_files`).

`coverage_for(spec, chunks, links, phase, earlier, ledger)` parses the phases, judges the phase under
review and builds the coverage in one call.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from reviewtui.core.linking.index import is_inert
from reviewtui.core.models import Chunk, SectionLink, Spec
from reviewtui.core.phases import (
    EarlierSections,
    Implemented,
    PhaseReport,
    find_implemented,
    is_prose,
    parse_phases,
    review_phase,
    settled_in_reach,
)

if TYPE_CHECKING:
    from reviewtui.core.checks import Ledger

CoverageStatus = Literal[
    "implemented", "implemented-earlier", "claimed-done", "not-implemented", "process"
]

STATUS_TEXT: dict[str, str] = {
    "implemented": "implemented",
    "implemented-earlier": "implemented before the last checkpoint",
    "claimed-done": "claimed done, no code seen",
    "not-implemented": "not implemented in this phase",
    "process": "no code expected",
}
"""How each status reads to a human (status, export, the coverage screen)."""

SETTLED_TEXT = "implemented: numbers set in code"
"""How a section implemented only because the code sets every number it states reads."""

WEAK_EVIDENCE_TEXT = "claimed done, weak evidence"
"""How a ticked task implemented only through weak links reads to a human."""

WEAK_EVIDENCE_CONFIDENCE = 0.6
"""A ticked `[x]` task is weakly evidenced when the best confidence of the links to it (and to the
tasks below it) is under this, and none of those links carries strong evidence
(`STRONG_EVIDENCE`): the agent claims it done, the reviewer has only word matches to go on. 0.6 is
the confidence an LLM pick gets by default (`LLMSettings.link_score`)."""

STRONG_EVIDENCE: frozenset[str] = frozenset({"comment", "commit", "manual", "path", "llm"})
"""Evidence kinds that name the section outright or judge the chunk as a whole: a comment or a
commit trailer/subject naming it, the reviewer's own link, the spec naming the chunk's file, an LLM
pick. A task linked by any of these is never weakly evidenced; word matches (`lexical`) and
structure (`structure`, and any kind not listed here) are weak."""


@dataclass
class SectionCoverage:
    """One section's code in this phase."""

    section_id: str
    status: CoverageStatus
    chunks: list[str] = field(default_factory=list)
    """Ids of the chunks linked to this very section, in the order given."""
    subtree_chunks: int = 0
    """Chunks linked to this section or any section below it."""
    via: list[str] = field(default_factory=list)
    """For a requirement/story/heading: the task ids whose code implements it through a back-link
    or a citation; for a task with no code of its own: the sections it cites that have code."""
    phase: str | None = None
    """Number of the spec phase that covers this section, if the spec declares phases."""
    missing: bool = False
    """True when this section belongs to the phase under review and has no code."""
    settled: bool = False
    """True when the code sets every number the spec states in this section (the numbers ledger),
    whether or not a chunk is linked to it."""
    weak_evidence: bool = False
    """True for a task ticked `[x]` and `implemented` only through weak links: every chunk linked to
    it (or to a task below it) is linked by word matches or structure alone, and the best confidence
    is under `WEAK_EVIDENCE_CONFIDENCE`. The status stays `implemented`."""

    @property
    def status_text(self) -> str:
        """How the status reads; a section implemented by its numbers alone (no chunk linked to it
        or below it) says so, so "implemented" never stands beside 0 chunks unexplained."""
        if self.weak_evidence:
            return WEAK_EVIDENCE_TEXT
        if self.status == "implemented" and self.settled and not self.subtree_chunks:
            return SETTLED_TEXT
        return STATUS_TEXT[self.status]


@dataclass
class Coverage:
    """The whole requirement → code view."""

    sections: list[SectionCoverage]
    unrequested: list[str] = field(default_factory=list)
    """Ids of chunks linked to no section ("Unlinked changes")."""
    past_checkpoint: dict[str, str] = field(default_factory=dict)
    """Chunk id → number of the later phase its section belongs to."""
    phase: str | None = None
    """Number of the phase under review, if known."""
    phase_report: PhaseReport | None = None
    """The whole phase judgement (phase, how it was chosen, checkpoint, missing, past checkpoint)."""

    def get(self, section_id: str) -> SectionCoverage | None:
        return next((item for item in self.sections if item.section_id == section_id), None)

    def with_status(self, status: CoverageStatus) -> list[SectionCoverage]:
        return [item for item in self.sections if item.status == status]

    @property
    def weakly_evidenced(self) -> list[SectionCoverage]:
        """Ticked tasks implemented only through weak links, in spec order."""
        return [item for item in self.sections if item.weak_evidence]

    @property
    def missing(self) -> list[SectionCoverage]:
        return [item for item in self.sections if item.missing]


def build_coverage(
    spec: Spec,
    chunks: list[Chunk],
    links: dict[str, SectionLink],
    phase_report: PhaseReport | None = None,
    earlier: Iterable[str] = (),
    settled: Iterable[str] = (),
) -> Coverage:
    """The coverage of `spec` by the linked `chunks` (optionally judged against a phase).

    `earlier`: sections that had code in rounds reviewed before the last checkpoint (see
    `rounds.sections_before`); `settled`: sections whose numbers the code sets (`settled_sections`)."""
    own: dict[str, list[str]] = {}
    unrequested: list[str] = []
    adding = code_links(chunks, links)
    for chunk in chunks:
        link = links.get(chunk.id)
        if link is None or link.section_id is None or link.section_id not in spec:
            unrequested.append(chunk.id)
        else:
            own.setdefault(link.section_id, []).append(chunk.id)
    subtree = _subtree_chunks(spec, own)
    by_values = set(settled)
    linked = {c: adding[c] for ids in own.values() for c in ids if c in adding}
    implemented = find_implemented(spec, linked, by_values)
    before = set(earlier)
    missing = set(phase_report.missing) if phase_report else set()
    covered_by = phase_report.section_phase if phase_report else {}
    weak = _weak_tasks(spec, implemented, subtree, linked, by_values)
    sections = [
        SectionCoverage(
            section_id=section.id,
            status=_status(spec, section.id, implemented, before),
            chunks=own.get(section.id, []),
            subtree_chunks=len(subtree.get(section.id, [])),
            via=implemented.via.get(section.id, []),
            phase=covered_by.get(section.id),
            missing=section.id in missing,
            settled=section.id in by_values,
            weak_evidence=section.id in weak,
        )
        for section in spec.sections
    ]
    report_phase = phase_report.phase.number if phase_report and phase_report.phase else None
    past = dict(phase_report.past_checkpoint) if phase_report else {}
    return Coverage(sections, unrequested, past, report_phase, phase_report)


def removes_only(chunk: Chunk) -> bool:
    """True for a chunk that only removes code (a deleted file, a hunk of removed lines): it
    implements no section and is never code past the checkpoint."""
    return chunk.added == 0 and (chunk.removed > 0 or chunk.change == "deleted")


def deleted_paths(chunks: Iterable[Chunk]) -> set[str]:
    """Paths of the files the chunks delete."""
    return {chunk.old_path or chunk.path for chunk in chunks if chunk.change == "deleted"}


def code_links(chunks: Iterable[Chunk], links: dict[str, SectionLink]) -> dict[str, SectionLink]:
    """`links` without those of the chunks that only remove code (`removes_only`)."""
    removals = {chunk.id for chunk in chunks if removes_only(chunk)}
    return {chunk_id: link for chunk_id, link in links.items() if chunk_id not in removals}


def coverage_for(
    spec: Spec,
    chunks: list[Chunk],
    links: dict[str, SectionLink],
    phase: str | None = None,
    earlier: Iterable[str] = (),
    ledger: Ledger | None = None,
) -> Coverage:
    """Coverage judged against the spec's phases in one call: `phase` is `--phase` or
    `Settings.phase` (None: inferred from the code); `earlier` the sections with code before the
    last checkpoint (an `EarlierSections` also names the last round's phase, and loses what the
    files these chunks delete took with it); `ledger` the spec's numbers against the code's.
    ReviewError for a phase the spec lacks."""
    before = earlier if isinstance(earlier, EarlierSections) else EarlierSections(earlier)
    before = before.without_files(spec, deleted_paths(chunks))
    settled = settled_sections(spec, ledger)
    adding = code_links(chunks, links)
    report = review_phase(spec, parse_phases(spec), adding, phase, before, settled)
    return build_coverage(spec, chunks, links, report, before, settled_in_reach(report, settled))


def settled_sections(spec: Spec, ledger: Ledger | None) -> set[str]:
    """Sections that state numbers the ledger reads, every one of which the code sets (agreeing
    or not: a disagreement is the ledger's and the checks' business, not a gap in coverage)."""
    if ledger is None:
        return set()
    stated: dict[str, bool] = {}
    for entry in ledger.entries:
        for value in entry.spec_values:
            section_id = _section_at(spec, value.spec, value.line)
            if section_id is not None:
                stated[section_id] = stated.get(section_id, True) and bool(entry.code_settings)
    return {section_id for section_id, all_set in stated.items() if all_set}


def _section_at(spec: Spec, path: str, line: int) -> str | None:
    """The section whose own span holds `path:line` (the innermost, when spans nest)."""
    found = None
    for section in spec.sections:
        if section.spec == path and section.line <= line <= section.end_line:
            found = section.id
    return found


def _weak_tasks(
    spec: Spec,
    implemented: Implemented,
    subtree: dict[str, list[str]],
    links: dict[str, SectionLink],
    settled: set[str],
) -> set[str]:
    """Ids of the ticked tasks implemented only through weak links (see `weakly_linked`); a task
    whose numbers the code sets (`settled`) has more than words to go on."""
    return {
        section.id
        for section in spec.sections
        if section.kind == "task"
        and section.checked
        and section.id in implemented.sections
        and section.id not in settled
        and weakly_linked([links[c] for c in subtree.get(section.id, [])])
    }


def weakly_linked(links: list[SectionLink]) -> bool:
    """Whether these links (all the code of one section) are weak evidence: at least one, none
    with strong evidence (`STRONG_EVIDENCE`), the best under `WEAK_EVIDENCE_CONFIDENCE`."""
    if not links:
        return False
    strong = any(e.kind in STRONG_EVIDENCE for link in links for e in link.evidence)
    best = max(link.confidence for link in links)
    return not strong and best < WEAK_EVIDENCE_CONFIDENCE


def _subtree_chunks(spec: Spec, own: dict[str, list[str]]) -> dict[str, list[str]]:
    """Section id → ids of the chunks linked to it or to any section below it."""
    found: dict[str, list[str]] = {}
    for section_id, chunk_ids in own.items():
        for target in [section_id, *(a.id for a in spec.ancestors(section_id))]:
            found.setdefault(target, []).extend(chunk_ids)
    return found


def _status(
    spec: Spec, section_id: str, implemented: Implemented, earlier: set[str]
) -> CoverageStatus:
    section = spec.get(section_id)
    assert section is not None
    if section_id in implemented.sections:
        return "implemented"
    if is_inert(section) or is_prose(section):
        return "process"
    if section_id in earlier:
        return "implemented-earlier"
    if section.kind == "task" and section.checked:
        return "claimed-done"
    return "not-implemented"
