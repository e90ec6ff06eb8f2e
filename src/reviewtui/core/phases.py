"""Provides the spec's declared phases and the judgement of a review against them.

A spec declares phases either with phase headings (`## Phase 2: Training`, spec-kit's `## Phase 3:
User Story 1`), whose subtree and whose text's references (`sections 2.1, 2.2`, `[Model](#2-model)`)
are the sections of that phase, or with list items in a "Phases" section (`- Phase 1 (1.1–1.3):
data pipeline. Checkpoint: tests pass`). A phase heading's own title names sections too, in
parentheses or after a word such as "sections"/"covers" (`### Phase 2: analysis (sections 3.3, 5.2)`,
`## Phase 1 (§2–§4)`, `## Phase 1 — covers 2.1-2.3`). In a phase's text a plain number names a
section only next to such a word (`on 8 GPUs` names nothing), and a count written with thousands
separators never does (`the first 1,000 passages` does not name section 1). A number that is both a heading's
number and a task's id means the heading, unless the text speaks of tasks. The paragraph mentioning
"checkpoint" is the phase's checkpoint.

`parse_phases(spec)` → `list[SpecPhase]`; `review_phase(spec, phases, links, selected, earlier,
settled)` → `PhaseReport`: which phase is under review (the `--phase`/config choice, else inferred
from the code; in a fix round whose code falls in no phase, from the last round reviewed before the
checkpoint, `EarlierSections.last_round`), the sections of that phase with no code (*missing*; not
those implemented before the checkpoint a fix round starts from, `earlier`, nor the sections written for the reader, such as
an overview or an appendix: `is_prose`), and the chunks linked to
sections of a later phase (*past the checkpoint*). The links given are those of code the phase
adds: a chunk that only removes code implements nothing (see `coverage.code_links`).
`find_implemented(spec, links)` says which sections have code, directly or through the citations
between tasks and headings (`citations`, `cited_sections`).
"""

from __future__ import annotations

import re
import weakref
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from reviewtui.core.linking.index import is_inert
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
_CHECKPOINT = re.compile(r"check\s*-?point(?:\s*\d+[a-z]?\b)?[^\w`'\"(\[]*(.*)$", re.IGNORECASE)
_REF_TOKEN = re.compile(r"#([\w-]+)|\b([A-Z]{1,4}-?\d{1,4}|\d+(?:\.\d+)*)\b")
_STORY = re.compile(r"\buser\s+story\s*(\d+)", re.IGNORECASE)
_ANCHOR = re.compile(r"\]\(#([\w-]+)\)")
_RANGE = re.compile(
    r"\b([A-Z]{0,4}\d+(?:\.\d+)*)\s*(?:–|—|-|\.\.|(?i:\bto\b|\bthrough\b|\bthru\b))\s*§?\s*"
    r"([A-Z]{0,4}\d+(?:\.\d+)*)\b"
)
_SCOPE_WORD = r"\b(?i:sections?|covers?|covering|implements?|specs?|tasks?|see)\b|§"
_LISTED_REF = r"§?\s*(?:[A-Z]{1,4}-?\d+(?:\.\d+)*|\d+(?:\.\d+)*)\b"
_REF_SEPARATOR = r"[\s,;&/–—-]|\.\.|\b(?i:and|to|through|thru|or)\b"
_TITLE_SCOPE = re.compile(
    rf"[(\[]\s*((?:{_SCOPE_WORD}|{_LISTED_REF}|{_REF_SEPARATOR}|:)+)[)\]]"
    rf"|(?:{_SCOPE_WORD})\s*:?\s*((?:{_LISTED_REF}|{_REF_SEPARATOR})+)(?=\s*(?:$|[;,.:()\[\]—–]))"
)
"""Where a phase heading's title names sections: a parenthesised (or bracketed) list made only of
section words and references (`(sections 2.1–2.4, 3.1)`, `(§2–§4)`, `[2.1, 2.2]`; not `(2 weeks)`
or `(Priority: P1)`), or a list of references after such a word that ends the title or a clause
(`— covers 2.1-2.3`; not `covering 3 datasets`)."""
_TASK_WORDS = re.compile(r"\btasks?\b", re.IGNORECASE)
_SECTION_WORDS = re.compile(r"\bsections?\b|§", re.IGNORECASE)
_NAMING_WORDS = re.compile(
    r"\b(?:sections?|covers?|covering|implements?|chapters?)\b|§", re.IGNORECASE
)
"""Words that make the plain numbers of a phase's text section numbers (`Covers sections 1 and 2`);
without them `8 GPUs` or `2-3 days` name nothing (dotted numbers, task ids and links always count)."""
_BLOCK_START = re.compile(r"^\s*(?:[-*+]\s|\d+[.)]\s|#|>|```|~~~|\|)")
_HEADING_NUMBER = re.compile(r"^\s*(?:§\s*)?(\d+(?:\.\d+)*)\.?(?:\s|:|$)")
_GROUPED_NUMBER = re.compile(r"\d{1,3}(?:[,_'\u202f]\d{3})+(?:\.\d+)?\b")
"""A number written with thousands separators (`1,000`, `100_000`, `6,980`): a count, never a
section number (its `1` would otherwise name section 1)."""
_PROSE_WORD = (
    r"(?:overview|introduction|intro|background|motivation|summary|abstract|context|goals?|"
    r"notes?|remarks|references|bibliography|acknowledge?ments?|related\s+work|prior\s+work|"
    r"non[- ]goals|limitations|future\s+work|glossary|terminology|preface|purpose|about(?:\s+this\s+\w+)?)"
)
_PROSE_TITLE = re.compile(
    rf"^\W*(?:§\s*)?(?:\d+(?:\.\d+)*\.?\s*)?(?:{_PROSE_WORD}(?:\s*(?:,|&|/|\band\b)\s*{_PROSE_WORD})*"
    r"\W*$|appendix\b|appendices\b)",
    re.IGNORECASE,
)
"""Titles of the sections a spec writes for the reader, not for the builder: an overview, an
introduction, background, motivation, notes, references, an appendix (`1 Overview`, `Background
and motivation`, `Appendix A: few-shot prompt`). The whole title must be such words (`Background
subtraction` asks for code); an appendix holds material the sections that cite it ask for."""
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
    earlier: list[str] = field(default_factory=list)
    """Section ids with no code in this round but code in a round reviewed before the last
    checkpoint (a fix round), document order: those of this phase are not missing. Every section of
    a declared phase whose coverage is `implemented-earlier` (phase headings and sections outside
    every phase, such as the document's title, are not listed, as for `missing`)."""


class EarlierSections(set[str]):
    """The ids of the sections with code in the rounds reviewed before the checkpoint a phase starts
    from (see `rounds.sections_before`), a set like any other, with what they were found from:

    - `last_round`: section id → the number of chunks adding code linked to it in the last round
      reviewed before that checkpoint that had code in a declared phase (empty when unknown). A fix
      round whose own code falls in no phase is judged against that round's phase.
    - `sources`: (section id, path) of every chunk adding code linked to a section in those rounds,
      and `settled`: the sections whose numbers that code sets; `without_files` drops what a file
      deleted since took with it (code reverted as the review asked is no longer implemented)."""

    def __init__(
        self,
        sections: Iterable[str] = (),
        last_round: Mapping[str, int] | None = None,
        sources: Iterable[tuple[str, str]] = (),
        settled: Iterable[str] = (),
    ) -> None:
        super().__init__(sections)
        self.last_round: dict[str, int] = dict(last_round or {})
        self.sources: list[tuple[str, str]] = list(sources)
        self.settled: set[str] = set(settled)

    def without_files(self, spec: Spec, deleted: Iterable[str]) -> EarlierSections:
        """These sections once the files `deleted` are gone: a section whose earlier code was all
        in them (and whose numbers no other code sets) no longer counts."""
        gone = set(deleted)
        if not any(path in gone for _section, path in self.sources):
            return self
        kept = [(section, path) for section, path in self.sources if path not in gone]
        links = {
            str(index): SectionLink(str(index), section, 1.0, [])
            for index, (section, _path) in enumerate(kept)
        }
        sections = implemented_sections(spec, links, self.settled) & self
        return EarlierSections(sections, self.last_round, kept, self.settled)


@dataclass
class _Names:
    """How a phase's text names sections: heading numbers first (`2.1` is the heading `2.1 Source`
    even when a task is also called `2.1`), unless the text speaks of tasks."""

    spec: Spec
    refs: SectionRefs
    numbers: dict[str, str] = field(default_factory=dict)
    """A heading's number (`2.1`, normalized) → the heading's id."""

    @classmethod
    def build(cls, spec: Spec) -> _Names:
        names = cls(spec, SectionRefs.build(spec))
        for section in spec.sections:
            number = _HEADING_NUMBER.match(section.title) if section.kind == "heading" else None
            if number:
                names.numbers.setdefault(normalize_ref(number.group(1)), section.id)
        return names

    def resolve(self, token: str, tasks_first: bool) -> str | None:
        key = normalize_ref(token).lstrip("§")
        if not tasks_first and key in self.numbers:
            return self.numbers[key]
        return self.refs.resolve(key)


def parse_phases(spec: Spec) -> list[SpecPhase]:
    """The phases the spec declares, in document order (empty when it declares none)."""
    names = _Names.build(spec)
    phases = [_heading_phase(names, s) for s in spec.sections if _is_phase_heading(s)]
    if not phases:
        for section in spec.sections:
            if section.kind == "heading" and _PHASES_SECTION.match(section.title):
                phases.extend(_list_phases(names, section))
    return _dedupe(phases)


def _is_phase_heading(section: Section) -> bool:
    return section.kind == "heading" and bool(_PHASE.match(section.title))


def _heading_phase(names: _Names, section: Section) -> SpecPhase:
    match = _PHASE.match(section.title)
    assert match is not None
    phase = SpecPhase(match.group(1), section.title, section_id=section.id)
    phase.sections = [*section.children]
    for scope in _title_scopes(match.group(2)):
        _extend(phase.sections, _referenced(names, scope, section.id, loose=True))
    for paragraph in _paragraphs(section.text.splitlines()[1:]):
        checkpoint = _CHECKPOINT.search(paragraph)
        if checkpoint and phase.checkpoint is None:
            phase.checkpoint = _clean(checkpoint.group(1)) or _clean(paragraph)
        elif not paragraph.lstrip().startswith(("- [", "* [")):
            _extend(phase.sections, _named_sections(names, paragraph, section.id))
    for descendant in _descendants(names.spec, section):
        checkpoint = _CHECKPOINT.search(descendant.text)
        if phase.checkpoint is None and checkpoint:
            phase.checkpoint = _clean(checkpoint.group(1)) or _clean(descendant.title)
        _extend(phase.sections, [a for a in _ANCHOR.findall(descendant.text) if a in names.spec])
    story = _STORY.search(section.title)
    target = names.refs.resolve(f"us{story.group(1)}") if story else None
    if target is not None and target != section.id:
        _extend(phase.sections, [target])
    return phase


def _title_scopes(rest: str) -> list[str]:
    """The parts of a phase heading's title (after `Phase 2:`) that name sections."""
    return [group or tail for group, tail in _TITLE_SCOPE.findall(rest)]


def _paragraphs(lines: list[str]) -> list[str]:
    """The lines of a phase's text joined into paragraphs and list items (a checkpoint's text may
    go on over the next lines)."""
    paragraphs: list[str] = []
    joinable = False
    for line in lines:
        if joinable and line.strip() and not _BLOCK_START.match(line):
            paragraphs[-1] = f"{paragraphs[-1].rstrip()} {line.strip()}"
        elif line.strip():
            paragraphs.append(line)
        joinable = bool(line.strip())
    return paragraphs


def _named_sections(names: _Names, text: str, exclude: str | None) -> list[str]:
    """Section ids a paragraph of a phase's text names: the lists a title would name, then its
    references (plain numbers only next to a word such as "sections")."""
    found: list[str] = []
    for scope in _title_scopes(text):
        _extend(found, _referenced(names, scope, exclude, loose=True))
    _extend(found, _referenced(names, text, exclude, loose=False))
    return found


def _descendants(spec: Spec, section: Section) -> list[Section]:
    found: list[Section] = []
    stack = list(reversed(section.children))
    while stack:
        child = spec.get(stack.pop())
        if child is not None:
            found.append(child)
            stack.extend(reversed(child.children))
    return found


def _list_phases(names: _Names, section: Section) -> list[SpecPhase]:
    phases: list[SpecPhase] = []
    for line in section.text.splitlines()[1:]:
        item = _LIST_PHASE.match(line)
        if item is not None:
            phase = _list_item_phase(names, item.group(1))
            if phase is not None:
                phases.append(phase)
                continue
        checkpoint = _CHECKPOINT.search(line)
        if phases and checkpoint and phases[-1].checkpoint is None:
            phases[-1].checkpoint = _clean(checkpoint.group(1))
    return phases


def _list_item_phase(names: _Names, text: str) -> SpecPhase | None:
    match = _PHASE.match(text.replace("**", "").replace("__", ""))
    if match is None:
        return None
    rest = match.group(2)
    checkpoint = _CHECKPOINT.search(rest)
    scope = rest[: checkpoint.start()] if checkpoint else rest
    phase = SpecPhase(match.group(1), _clean(text), _named_sections(names, scope, None))
    phase.checkpoint = _clean(checkpoint.group(1)) if checkpoint else None
    return phase


def _referenced(names: _Names, text: str, exclude: str | None, *, loose: bool) -> list[str]:
    """Section ids a text refers to: anchors, heading numbers, task ids, and ranges of them. Plain
    numbers (`2`, `2-3`) count when `loose` or when the text has a naming word (`sections 2, 3`)."""
    text = _GROUPED_NUMBER.sub(" ", text)
    tasks_first = bool(_TASK_WORDS.search(text)) and not _SECTION_WORDS.search(text)
    plain = loose or bool(_NAMING_WORDS.search(text))
    found: list[str] = []
    for start, end in _RANGE.findall(text):
        if not plain and start.isdigit() and end.isdigit():
            continue
        first, last = names.resolve(start, tasks_first), names.resolve(end, tasks_first)
        _extend(found, _expand_range(names.spec, first, last))
    for anchor, token in _REF_TOKEN.findall(text):
        if anchor:
            section_id = anchor if anchor in names.spec else None
        elif not plain and token.isdigit():
            continue
        else:
            section_id = names.resolve(token, tasks_first)
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
    spec: Spec,
    phases: list[SpecPhase],
    links: dict[str, SectionLink],
    selected: str | None = None,
    earlier: Iterable[str] = (),
    settled: Iterable[str] = (),
) -> PhaseReport:
    """Judge the linked code against the phase under review (chosen by `selected`, else inferred).

    `earlier`: the sections that had code in the rounds reviewed before the last checkpoint (see
    `rounds.sections_before`); those of this phase are not missing when this round adds no code.
    When it is an `EarlierSections`, its `last_round` chooses the phase of a round with no phase
    code of its own.
    `settled`: the sections whose every stated number the code sets (see `coverage.settled_sections`),
    implemented even when no chunk is linked to them."""
    covered = section_phases(spec, phases)
    if not phases:
        if selected:
            raise ReviewError(f"unknown phase: {selected} (the spec declares no phases)")
        return PhaseReport(None, "the spec declares no phases")
    before = set(earlier)
    phase: SpecPhase | None
    if selected:
        phase, reason = find_phase(phases, selected), f"chosen: phase {selected}"
    else:
        phase, reason = _infer(phases, links, covered)
        if phase is None and before:
            last_round = earlier.last_round if isinstance(earlier, EarlierSections) else {}
            inferred = _infer_from_last_round(phases, last_round, covered)
            inferred = inferred or _infer_from_earlier(phases, before, covered)
            phase, reason = inferred or (phase, reason)
    report = PhaseReport(phase, reason, phases=phases, section_phase=covered)
    if phase is not None:
        settled = settled_in_reach(report, settled)
        with_code = implemented_sections(spec, links, settled)
        report.missing = _missing(spec, phase, with_code, covered, before)
        report.earlier = _earlier(spec, phases, with_code, covered, before)
        report.past_checkpoint = _past(phases, phase, links, covered)
    return report


def settled_in_reach(report: PhaseReport, settled: Iterable[str]) -> set[str]:
    """The `settled` sections (every number they state set by the code) that may count as
    implemented in the phase under review: not those of a later phase. A later phase restates
    numbers this phase's code sets (an ablation grid of `1, 3 and 7` negatives over the `3` of
    this phase), so the code setting them says nothing about that phase's work."""
    later = _later_phases(report)
    return {s for s in settled if report.section_phase.get(s) not in later}


def _later_phases(report: PhaseReport) -> set[str]:
    """Numbers of the declared phases after the one under review (none when it is unknown)."""
    if report.phase is None:
        return set()
    order = [p.number for p in report.phases]
    return set(order[order.index(report.phase.number) + 1 :])


def _infer(
    phases: list[SpecPhase], links: dict[str, SectionLink], covered: dict[str, str]
) -> tuple[SpecPhase | None, str]:
    counts = Counter(
        covered[link.section_id] for link in links.values() if link.section_id in covered
    )
    chosen = _by_share(phases, counts)
    if chosen is None:
        return None, "no linked code falls in a declared phase"
    return chosen, f"inferred: {_share(counts, chosen)} phase chunks are in {chosen.label}"


def _by_share(phases: list[SpecPhase], counts: Counter[str]) -> SpecPhase | None:
    """The earliest phase holding at least `INFER_SHARE` of the counted chunks (else the one holding
    the most); None when nothing is counted."""
    total = sum(counts.values())
    if not total:
        return None
    chosen = next((p for p in phases if counts[p.number] >= INFER_SHARE * total), None)
    return chosen or max(phases, key=lambda phase: counts[phase.number])


def _share(counts: Counter[str], phase: SpecPhase) -> str:
    return f"{counts[phase.number]} of {sum(counts.values())}"


def _infer_from_last_round(
    phases: list[SpecPhase], last_round: Mapping[str, int], covered: dict[str, str]
) -> tuple[SpecPhase, str] | None:
    """When this round's code falls in no phase (a fix round): the phase the last round reviewed
    before the checkpoint was in, by the rule that round's review inferred it with (its chunks)."""
    counts: Counter[str] = Counter()
    for section_id, chunks in last_round.items():
        if section_id in covered:
            counts[covered[section_id]] += chunks
    chosen = _by_share(phases, counts)
    if chosen is None:
        return None
    return chosen, (
        f"inferred from the rounds before the checkpoint: the last had {_share(counts, chosen)}"
        f" phase chunks in {chosen.label}"
    )


def _infer_from_earlier(
    phases: list[SpecPhase], earlier: set[str], covered: dict[str, str]
) -> tuple[SpecPhase, str] | None:
    """When this round's code falls in no phase (a fix round of config values, say): the phase of
    the rounds before the checkpoint, by the same rule over their sections with code."""
    counts = Counter(covered[section_id] for section_id in earlier if section_id in covered)
    total = sum(counts.values())
    phase = next((p for p in phases if total and counts[p.number] >= INFER_SHARE * total), None)
    if phase is None:
        return None
    return phase, (
        f"inferred from the rounds before the checkpoint: {counts[phase.number]} of {total}"
        f" sections with code are in {phase.label}"
    )


@dataclass
class Implemented:
    """Which sections of the spec have code in a phase, and through what."""

    sections: set[str] = field(default_factory=set)
    """Sections with code: linked to, or below one that is (or whose numbers the code sets, when
    asked); cited by a task with code; a task whose cited sections all have code; and the
    ancestors of all of these."""
    via: dict[str, list[str]] = field(default_factory=dict)
    """Section id → names of what implements it through a citation: for a requirement or heading,
    the tasks with code that cite it (`1.4`); for a task with no code of its own, the sections it
    cites that have code (`5.2`)."""


def citations(spec: Spec) -> dict[str, list[str]]:
    """Section id → the sections it points to: its back-links (`_Requirements: 1.2_`, `[US1]`) and,
    for a task, the headings its text cites (`(2.1, 2.2)`). A number that names both a heading and
    a task (`2.1 Source` and the task `2.1 Early stopping`) means the heading.

    The answer for the last spec asked about is kept (a spec does not change once loaded), so the
    app can ask on every chunk it shows."""
    global _last_citations
    if _last_citations is not None and _last_citations[0]() is spec:
        return {source: list(targets) for source, targets in _last_citations[1].items()}
    names = _Names.build(spec)
    cited: dict[str, list[str]] = {}
    for source, targets in backlinks(spec, names.refs).items():
        found: list[str] = []
        _extend(found, [_heading_first(names, target) for target in targets])
        cited[source] = [target for target in found if target != source]
    _last_citations = (weakref.ref(spec), cited)
    return {source: list(targets) for source, targets in cited.items()}


_last_citations: tuple[weakref.ref[Spec], dict[str, list[str]]] | None = None


def cited_sections(spec: Spec, section_id: str) -> list[Section]:
    """The sections `section_id` cites or back-links to (see `citations`), in order: what a task
    with no text of its own stands for (`- [ ] 1.3 Dev split (2.4)` → `2.4 Splits`)."""
    found = (spec.get(target) for target in citations(spec).get(section_id, []))
    return [section for section in found if section is not None]


def _heading_first(names: _Names, section_id: str) -> str:
    section = names.spec.get(section_id)
    if section is None or section.kind != "task" or not section.task_id:
        return section_id
    return names.numbers.get(normalize_ref(section.task_id), section_id)


def find_implemented(
    spec: Spec, links: dict[str, SectionLink], settled: Iterable[str] = ()
) -> Implemented:
    """The sections with code in a phase (see `Implemented`); `settled` sections (their numbers
    set by the code) count as having code."""
    with_code: set[str] = set()
    linked = (link.section_id for link in links.values())
    for section_id in [*linked, *settled]:
        if section_id is not None and section_id in spec:
            _add_with_ancestors(spec, with_code, section_id)
    implemented = Implemented(set(with_code))
    cited = citations(spec)
    for source, targets in cited.items():
        if source in with_code:
            for target in targets:
                implemented.via.setdefault(target, []).append(_name(spec, source))
    for source, targets in cited.items():
        section = spec.get(source)
        if section is None or section.kind != "task" or source in with_code or not targets:
            continue
        if all(target in with_code for target in targets):
            implemented.via.setdefault(source, []).extend(_name(spec, t) for t in targets)
    for section_id in implemented.via:
        _add_with_ancestors(spec, implemented.sections, section_id)
    return implemented


def is_prose(section: Section) -> bool:
    """Whether a heading is written for the reader, not the builder (an overview, background,
    notes, references, an appendix: `_PROSE_TITLE`): no code is expected for it, so it is never
    missing. Tasks always ask for work."""
    return section.kind == "heading" and bool(_PROSE_TITLE.match(section.title))


def _add_with_ancestors(spec: Spec, found: set[str], section_id: str) -> None:
    found.add(section_id)
    found.update(ancestor.id for ancestor in spec.ancestors(section_id))


def _name(spec: Spec, section_id: str) -> str:
    """How a section is named in a `via` list: a task's id, a heading's number, else its id."""
    section = spec.get(section_id)
    if section is None:
        return section_id
    if section.task_id:
        return section.task_id
    number = _HEADING_NUMBER.match(section.title) if section.kind == "heading" else None
    return number.group(1) if number else section_id


def implemented_sections(
    spec: Spec, links: dict[str, SectionLink], settled: Iterable[str] = ()
) -> set[str]:
    """Sections with code: those chunks link to, their ancestors, the sections that a task with
    code cites or back-links to (`T01 … (1.1)` implements 1.1), a task whose cited sections all
    have code (`2.2 Error analysis (5.2)`), the `settled` sections, with their ancestors."""
    return find_implemented(spec, links, settled).sections


def _missing(
    spec: Spec,
    phase: SpecPhase,
    with_code: set[str],
    covered: dict[str, str],
    earlier: set[str],
) -> list[str]:
    """The sections of `phase` without code (largest uncovered subtrees), not counting those with
    code reviewed before the last checkpoint (`earlier`)."""
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
        if section.id in earlier or is_prose(section):
            continue
        missing.append(section.id)
        inside_missing.add(section.id)
    return missing


def _earlier(
    spec: Spec,
    phases: list[SpecPhase],
    with_code: set[str],
    covered: dict[str, str],
    earlier: set[str],
) -> list[str]:
    """The sections of any declared phase with no code now but code before the last checkpoint
    (what coverage calls `implemented-earlier`), phase headings and process sections left out."""
    headings = {phase.section_id for phase in phases}
    return [
        section.id
        for section in spec.sections
        if section.id in earlier
        and section.id in covered
        and section.id not in with_code
        and section.id not in headings
        and not _CHECKPOINT.search(section.title)
        and not is_inert(section)
        and not is_prose(section)
    ]


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
