"""Provides `build_coverage`: the requirement → code view of a review.

Per section (document order): its own chunks, the chunks of its whole subtree, and a status —
`implemented` (code in the subtree), `claimed-done` (a task ticked `[x]` with no code anywhere in the
phase), `not-implemented` (no code in this phase) or `process` (sections about the process, such as
Phases, that no code is expected for). Sections that a task back-links to (`_Requirements: 1.2_`,
`[US1]`) are implemented when that task is. With a `PhaseReport`, sections of the phase under review
with no code are `missing`, and code for a later phase is `past_checkpoint`. Chunks with no section are
`unrequested`.

`coverage_for(spec, chunks, links, phase)` parses the phases, judges the phase under review and builds
the coverage in one call.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from reviewtui.core.linking.index import is_inert
from reviewtui.core.linking.references import SectionRefs, backlinks
from reviewtui.core.models import Chunk, SectionLink, Spec
from reviewtui.core.phases import PhaseReport, parse_phases, review_phase

CoverageStatus = Literal["implemented", "claimed-done", "not-implemented", "process"]

STATUS_TEXT: dict[str, str] = {
    "implemented": "implemented",
    "claimed-done": "claimed done, no code seen",
    "not-implemented": "not implemented in this phase",
    "process": "no code expected",
}
"""How each status reads to a human (status, export, the coverage screen)."""


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
    """For a requirement/story: the task ids whose code implements it through a back-link."""
    phase: str | None = None
    """Number of the spec phase that covers this section, if the spec declares phases."""
    missing: bool = False
    """True when this section belongs to the phase under review and has no code."""

    @property
    def status_text(self) -> str:
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
    def missing(self) -> list[SectionCoverage]:
        return [item for item in self.sections if item.missing]


def build_coverage(
    spec: Spec,
    chunks: list[Chunk],
    links: dict[str, SectionLink],
    phase_report: PhaseReport | None = None,
) -> Coverage:
    """The coverage of `spec` by the linked `chunks` (optionally judged against a phase)."""
    own: dict[str, list[str]] = {}
    unrequested: list[str] = []
    for chunk in chunks:
        link = links.get(chunk.id)
        if link is None or link.section_id is None or link.section_id not in spec:
            unrequested.append(chunk.id)
        else:
            own.setdefault(link.section_id, []).append(chunk.id)
    subtree = _subtree_counts(spec, own)
    via = _implemented_via(spec, subtree)
    missing = set(phase_report.missing) if phase_report else set()
    covered_by = phase_report.section_phase if phase_report else {}
    sections = [
        SectionCoverage(
            section_id=section.id,
            status=_status(spec, section.id, subtree, via),
            chunks=own.get(section.id, []),
            subtree_chunks=subtree.get(section.id, 0),
            via=via.get(section.id, []),
            phase=covered_by.get(section.id),
            missing=section.id in missing,
        )
        for section in spec.sections
    ]
    report_phase = phase_report.phase.number if phase_report and phase_report.phase else None
    past = dict(phase_report.past_checkpoint) if phase_report else {}
    return Coverage(sections, unrequested, past, report_phase, phase_report)


def coverage_for(
    spec: Spec, chunks: list[Chunk], links: dict[str, SectionLink], phase: str | None = None
) -> Coverage:
    """Coverage judged against the spec's phases in one call: `phase` is `--phase` or
    `Settings.phase` (None: inferred from the code). ReviewError for a phase the spec lacks."""
    report = review_phase(spec, parse_phases(spec), links, phase)
    return build_coverage(spec, chunks, links, report)


def _subtree_counts(spec: Spec, own: dict[str, list[str]]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for section_id, chunk_ids in own.items():
        for target in [section_id, *(a.id for a in spec.ancestors(section_id))]:
            counts[target] = counts.get(target, 0) + len(chunk_ids)
    return counts


def _implemented_via(spec: Spec, subtree: dict[str, int]) -> dict[str, list[str]]:
    """Requirement id → the tasks with code that back-link to it."""
    via: dict[str, list[str]] = {}
    for source, targets in backlinks(spec, SectionRefs.build(spec)).items():
        if subtree.get(source):
            section = spec.get(source)
            name = section.task_id if section and section.task_id else source
            for target in targets:
                via.setdefault(target, []).append(name)
    return via


def _status(
    spec: Spec, section_id: str, subtree: dict[str, int], via: dict[str, list[str]]
) -> CoverageStatus:
    section = spec.get(section_id)
    assert section is not None
    if subtree.get(section_id) or via.get(section_id):
        return "implemented"
    if is_inert(section):
        return "process"
    if section.kind == "task" and section.checked:
        return "claimed-done"
    return "not-implemented"
