"""Provides the spec's declared phases and the judgement of a review against them.

A spec declares phases either with phase headings (`## Phase 2: Training`, spec-kit's `## Phase 3:
User Story 1`), whose subtree and whose text's references (`sections 2.1, 2.2`, `[Model](#2-model)`)
are the sections of that phase, or with list items in a "Phases" section (`- Phase 1 (1.1–1.3):
data pipeline. Checkpoint: tests pass`). A line mentioning "checkpoint" is the phase's checkpoint.

`parse_phases(spec)` → `list[SpecPhase]`; `review_phase(spec, phases, links, selected)` → `PhaseReport`:
which phase is under review (the `--phase`/config choice, else inferred from the code), the sections of
that phase with no code (*missing*) and the chunks linked to sections of a later phase (*past the
checkpoint*).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from reviewtui.core.linking.references import SectionRefs, backlinks, normalize_ref
from reviewtui.core.models import Section, SectionLink, Spec
from reviewtui.errors import ReviewError

_PHASE = re.compile(
    r"^\W*(?:phase|milestone|stage)\s*[-#]?\s*(\d+[a-z]?)\b\s*[:.\-–—)]*\s*(.*)$", re.IGNORECASE
)
_PHASES_SECTION = re.compile(
    r"^\W*(?:[\d.]+\s*)?(?:(?:implementation\s+)?phases|milestones|roadmap|plan|stages)\W*$",
    re.IGNORECASE,
)
_LIST_PHASE = re.compile(
    r"^\s*(?:[-*+]|\d+[.)])\s+(?:\[[ xX]\]\s*)?(?:\*\*|__)?\s*((?:phase|milestone|stage)\b.*)$",
    re.IGNORECASE,
)
_CHECKPOINT = re.compile(r"check\s*-?point(?:\s*\d+[a-z]?\b)?\W*(.*)$", re.IGNORECASE)
_REF_TOKEN = re.compile(r"#([\w-]+)|\b([A-Z]{1,4}-?\d{1,4}|\d+(?:\.\d+)*)\b")
_STORY = re.compile(r"\buser\s+story\s*(\d+)", re.IGNORECASE)
_ANCHOR = re.compile(r"\]\(#([\w-]+)\)")
_RANGE = re.compile(
    r"\b([A-Z]{0,4}\d+(?:\.\d+)*)\s*(?:–|—|-|\.\.|to)\s*([A-Z]{0,4}\d+(?:\.\d+)*)\b"
)
INFER_SHARE = 0.25
"""The earliest phase holding at least this share of the phase-attributed linked chunks is the one
under review (so an agent that ran past its checkpoint does not move the review to the later phase)."""


@dataclass
class SpecPhase:
    """One phase the spec declares."""

    number: str
    """The phase's number as written (`1`, `2b`)."""
    title: str
    """The phase heading's or list item's text (`Phase 2: training`)."""
    sections: list[str] = field(default_factory=list)
    """Ids of the sections this phase covers (their descendants are covered too), document order."""
    checkpoint: str | None = None
    """What the spec says must hold at the end of the phase, if it says so."""
    section_id: str | None = None
    """The phase heading's own section id (None for a list item in a Phases section)."""

    @property
    def label(self) -> str:
        return f"Phase {self.number}"


@dataclass
class PhaseReport:
    """How the code of this review relates to the phase under review."""

    phase: SpecPhase | None
    """The phase under review, or None when the spec declares no phases (or none could be inferred)."""
    reason: str
    """How the phase was chosen, for humans: `--phase 2`, `inferred: 9 of 11 linked chunks`…"""
    missing: list[str] = field(default_factory=list)
    """Section ids of this phase with no code (largest uncovered subtrees), document order."""
    past_checkpoint: dict[str, str] = field(default_factory=dict)
    """Chunk id → the later phase's number, for code linked to sections of a later phase."""
    phases: list[SpecPhase] = field(default_factory=list)
    section_phase: dict[str, str] = field(default_factory=dict)
    """Section id → number of the phase that covers it (sections of no phase are absent)."""


def parse_phases(spec: Spec) -> list[SpecPhase]:
    """The phases the spec declares, in document order (empty when it declares none)."""
    refs = SectionRefs.build(spec)
    phases = [_heading_phase(spec, refs, s) for s in spec.sections if _is_phase_heading(s)]
    if not phases:
        for section in spec.sections:
            if section.kind == "heading" and _PHASES_SECTION.match(section.title):
                phases.extend(_list_phases(spec, refs, section))
    return _dedupe(phases)


def _is_phase_heading(section: Section) -> bool:
    return section.kind == "heading" and bool(_PHASE.match(section.title))


def _heading_phase(spec: Spec, refs: SectionRefs, section: Section) -> SpecPhase:
    match = _PHASE.match(section.title)
    assert match is not None
    phase = SpecPhase(match.group(1), section.title, section_id=section.id)
    body = section.text.splitlines()[1:]
    phase.sections = [*section.children]
    for line in body:
        checkpoint = _CHECKPOINT.search(line)
        if checkpoint and phase.checkpoint is None:
            phase.checkpoint = _clean(checkpoint.group(1)) or _clean(line)
        elif not line.lstrip().startswith(("- [", "* [")):
            _extend(phase.sections, _referenced(spec, refs, line, exclude=section.id))
    for descendant in _descendants(spec, section):
        checkpoint = _CHECKPOINT.search(descendant.text)
        if phase.checkpoint is None and checkpoint:
            phase.checkpoint = _clean(checkpoint.group(1)) or _clean(descendant.title)
        _extend(phase.sections, [a for a in _ANCHOR.findall(descendant.text) if a in spec])
    story = _STORY.search(section.title)
    target = refs.resolve(f"us{story.group(1)}") if story else None
    if target is not None and target != section.id:
        _extend(phase.sections, [target])
    return phase


def _descendants(spec: Spec, section: Section) -> list[Section]:
    found: list[Section] = []
    stack = list(reversed(section.children))
    while stack:
        child = spec.get(stack.pop())
        if child is not None:
            found.append(child)
            stack.extend(reversed(child.children))
    return found


def _list_phases(spec: Spec, refs: SectionRefs, section: Section) -> list[SpecPhase]:
    phases: list[SpecPhase] = []
    for line in section.text.splitlines()[1:]:
        item = _LIST_PHASE.match(line)
        if item is not None:
            phase = _list_item_phase(spec, refs, item.group(1))
            if phase is not None:
                phases.append(phase)
                continue
        checkpoint = _CHECKPOINT.search(line)
        if phases and checkpoint and phases[-1].checkpoint is None:
            phases[-1].checkpoint = _clean(checkpoint.group(1))
    return phases


def _list_item_phase(spec: Spec, refs: SectionRefs, text: str) -> SpecPhase | None:
    match = _PHASE.match(text.replace("**", "").replace("__", ""))
    if match is None:
        return None
    rest = match.group(2)
    checkpoint = _CHECKPOINT.search(rest)
    scope = rest[: checkpoint.start()] if checkpoint else rest
    phase = SpecPhase(match.group(1), _clean(text), _referenced(spec, refs, scope, exclude=None))
    phase.checkpoint = _clean(checkpoint.group(1)) if checkpoint else None
    return phase


def _referenced(spec: Spec, refs: SectionRefs, text: str, exclude: str | None) -> list[str]:
    """Section ids a line refers to: anchors, heading numbers, task ids, and ranges of them."""
    found: list[str] = []
    for start, end in _RANGE.findall(text):
        _extend(found, _expand_range(spec, refs.resolve(start), refs.resolve(end)))
    for anchor, token in _REF_TOKEN.findall(text):
        section_id = anchor if anchor in spec else refs.resolve(token) if token else None
        if section_id is not None and section_id != exclude:
            _extend(found, [section_id])
    return found


def _expand_range(spec: Spec, first: str | None, last: str | None) -> list[str]:
    start, end = spec.get(first), spec.get(last)
    if start is None or end is None:
        return []
    order = [s.id for s in spec.sections]
    low, high = sorted((order.index(start.id), order.index(end.id)))
    return [
        s.id
        for s in spec.sections[low : high + 1]
        if s.kind == start.kind and s.level == start.level
    ]


def _extend(target: list[str], items: list[str]) -> None:
    for item in items:
        if item not in target:
            target.append(item)


def _clean(text: str) -> str:
    return text.replace("**", "").replace("__", "").strip(" :.-–—*_")


def _dedupe(phases: list[SpecPhase]) -> list[SpecPhase]:
    seen: set[str] = set()
    kept: list[SpecPhase] = []
    for phase in phases:
        if phase.number not in seen:
            seen.add(phase.number)
            kept.append(phase)
    return kept


def section_phases(spec: Spec, phases: list[SpecPhase]) -> dict[str, str]:
    """Section id → number of the phase covering it (directly, or through an ancestor)."""
    direct: dict[str, str] = {}
    for phase in phases:
        for section_id in [phase.section_id, *phase.sections]:
            if section_id is not None:
                direct.setdefault(section_id, phase.number)
    covered: dict[str, str] = {}
    for section in spec.sections:
        chain = [section, *spec.ancestors(section.id)]
        number = next((direct[s.id] for s in chain if s.id in direct), None)
        if number is not None:
            covered[section.id] = number
    return covered


def find_phase(phases: list[SpecPhase], selected: str) -> SpecPhase:
    """The phase a user names (`2`, `Phase 2`, `phase-2`, a heading id or title); ReviewError if none."""
    key = normalize_ref(selected).removeprefix("phase")
    for phase in phases:
        names = {normalize_ref(phase.number), normalize_ref(phase.title)}
        if phase.section_id:
            names.add(normalize_ref(phase.section_id))
        if key in names or normalize_ref(selected) in names:
            return phase
    known = ", ".join(phase.number for phase in phases) or "none"
    raise ReviewError(f"unknown phase: {selected} (the spec declares: {known})")


def review_phase(
    spec: Spec, phases: list[SpecPhase], links: dict[str, SectionLink], selected: str | None = None
) -> PhaseReport:
    """Judge the linked code against the phase under review (chosen by `selected`, else inferred)."""
    covered = section_phases(spec, phases)
    if not phases:
        if selected:
            raise ReviewError(f"unknown phase: {selected} (the spec declares no phases)")
        return PhaseReport(None, "the spec declares no phases")
    phase: SpecPhase | None
    if selected:
        phase, reason = find_phase(phases, selected), f"chosen: phase {selected}"
    else:
        phase, reason = _infer(phases, links, covered)
    report = PhaseReport(phase, reason, phases=phases, section_phase=covered)
    if phase is not None:
        report.missing = _missing(spec, phase, links, covered)
        report.past_checkpoint = _past(phases, phase, links, covered)
    return report


def _infer(
    phases: list[SpecPhase], links: dict[str, SectionLink], covered: dict[str, str]
) -> tuple[SpecPhase | None, str]:
    counts = Counter(
        covered[link.section_id] for link in links.values() if link.section_id in covered
    )
    total = sum(counts.values())
    if not total:
        return None, "no linked code falls in a declared phase"
    for phase in phases:
        if counts[phase.number] >= INFER_SHARE * total:
            return (
                phase,
                f"inferred: {counts[phase.number]} of {total} phase chunks are in {phase.label}",
            )
    best = max(phases, key=lambda phase: counts[phase.number])
    return best, f"inferred: {counts[best.number]} of {total} phase chunks are in {best.label}"


def implemented_sections(spec: Spec, links: dict[str, SectionLink]) -> set[str]:
    """Sections with code: those chunks link to, their ancestors, and the sections that a task
    with code cites or back-links to (`T01 … (1.1)` implements 1.1), with their ancestors."""
    linked = {
        link.section_id
        for link in links.values()
        if link.section_id is not None and link.section_id in spec
    }
    cited = backlinks(spec, SectionRefs.build(spec))
    found: set[str] = set()
    for section_id in linked:
        for target in [section_id, *cited.get(section_id, [])]:
            found.add(target)
            found.update(ancestor.id for ancestor in spec.ancestors(target))
    return found


def _missing(
    spec: Spec, phase: SpecPhase, links: dict[str, SectionLink], covered: dict[str, str]
) -> list[str]:
    with_code = implemented_sections(spec, links)
    missing: list[str] = []
    inside_missing: set[str] = set()
    for section in spec.sections:
        if section.parent in inside_missing:
            inside_missing.add(section.id)
            continue
        if covered.get(section.id) != phase.number or section.id in with_code:
            continue
        if section.id == phase.section_id or _CHECKPOINT.search(section.title):
            continue
        missing.append(section.id)
        inside_missing.add(section.id)
    return missing


def _past(
    phases: list[SpecPhase],
    phase: SpecPhase,
    links: dict[str, SectionLink],
    covered: dict[str, str],
) -> dict[str, str]:
    order = [p.number for p in phases]
    current = order.index(phase.number)
    later = set(order[current + 1 :])
    return {
        chunk_id: covered[link.section_id]
        for chunk_id, link in links.items()
        if link.section_id in covered and covered[link.section_id] in later
    }
