"""Provides `SectionRefs`: how the spec's sections can be named (task ids, heading numbers, slugs,
"Requirement 1", "US1"), and the finders of explicit references to them in code comments, docstrings,
commit messages and trailers, and in the spec's own back-links.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from reviewtui.core.models import Section, Spec

_NUMBERED_TITLE = re.compile(r"^\s*(?:§\s*)?(\d+(?:\.\d+)*)\.?(?:\s|:|$)")
_LABELLED_TITLE = re.compile(
    r"\b(requirement|req|user story|story|us|phase|feature|task|step|milestone)\s*[-#]?\s*(\d+)\b",
    re.IGNORECASE,
)
_LABEL_KEYS = {
    "requirement": ("requirement", "req", "r"),
    "req": ("requirement", "req", "r"),
    "user story": ("userstory", "us", "story"),
    "story": ("userstory", "us", "story"),
    "us": ("userstory", "us", "story"),
    "phase": ("phase",),
    "feature": ("feature",),
    "task": ("task",),
    "step": ("step",),
    "milestone": ("milestone",),
}
_ID = r"[A-Za-z]{0,12}[-\s]?\d+(?:\.\d+)*[a-z]?|[a-z0-9]+(?:-[a-z0-9]+)+"
_RANGE_SEPARATOR = r"(?:-|–|—|\.\.|\bto\b|\bthrough\b)"
MARKER = re.compile(
    rf"(?i)(?:\bspecs?|\bsections?|\btasks?|\brefs?|\bimplements?|\brequirements?|§)\s*[:#]?\s*"
    rf"((?:{_ID})(?:\s*(?:,|/|&|\band\b|{_RANGE_SEPARATOR})\s*(?:{_ID}))*)"
)
MARKER_WORDS = ("spec", "section", "task", "ref", "implement", "requirement", "§")
"""Cheap substrings that must be present before `MARKER` is worth running."""
_SPLIT_IDS = re.compile(r"\s*(?:,|/|&|\band\b)\s*", re.IGNORECASE)
_RANGE = re.compile(rf"^(.+?)\s*{_RANGE_SEPARATOR}\s*(.+)$", re.IGNORECASE)
"""`2.1-2.3`, `T012–T015`, `3.1 to 3.3`: every section from the first to the last, at its level."""
RANGE_LIMIT = 30
"""Most sections one range names (a wider span is read as its two ends)."""
BARE_ID = re.compile(r"\b[A-Z]{1,4}-?\d{1,4}(?:\.\d{1,4})*\b")
BARE_ID_HINT = re.compile(r"[A-Z]-?\d")
"""What every `BARE_ID` match contains; a text without it needs no `BARE_ID` search (3× faster)."""
_LEADING_NUMBER = re.compile(r"^\s*[\[(]?(\d+(?:\.\d+)+|[A-Z]{1,4}-?\d{1,4})[\])]?(?:\s*[:\-–]|\s)")
_SUBJECT_PREFIX = re.compile(r"^\s*(?:\w+\(([^()]{1,48})\)!?|([\w .&/-]{1,48}?))\s*:\s")
"""The prefix of a commit subject before its colon (`7: …`, `row-checks: …`, `Row checks: …`), or the
scope of a conventional commit (`feat(row-checks): …`)."""
_REQUIREMENT_ONLY = ("requirement", "userstory")
_STATED_ID = re.compile(
    r"^\s*(?:[-*]\s+)?(?:\*\*)?([A-Z]{1,4}-?\d{1,4}(?:\.\d{1,4})*)(?:\*\*)?[.:)]?\s", re.MULTILINE
)
"""An id opening a line of a section's text (`R2.2 Chronological, never shuffled.`, `- **FR-003**
…`): a requirement stated inside that section, named by commits and comments like a task id."""


def normalize_ref(text: str) -> str:
    """A lookup key for a reference as written: `T012`→`t012`, `US 1`→`us1`, `2.1.`→`2.1`."""
    return re.sub(r"[\s_#-]+", "", text.strip().rstrip(".").lower())


@dataclass
class SectionRefs:
    """Every way a section can be named, resolved to section ids."""

    keys: dict[str, str] = field(default_factory=dict)
    labelled: dict[str, str] = field(default_factory=dict)
    numbered: set[str] = field(default_factory=set)
    """Ids of the headings whose title starts with a number (`1.2 Preprocessing`)."""
    headings: dict[str, str] = field(default_factory=dict)
    """Heading number key (`2.1`) → the heading's id."""
    titles: dict[str, str | None] = field(default_factory=dict)
    """A heading's title without its number, as a key (`rowchecks`) → the heading's id (None when
    two headings share the title)."""
    twins: dict[str, str] = field(default_factory=dict)
    """A task whose id is also a heading's number (`- [ ] 2.1 …` and `### 2.1 Source`) → that heading,
    and the heading → the task: a reference to `2.1` names both, and content decides."""
    order: dict[str, tuple[int, int, str]] = field(default_factory=dict)
    """Section id → (position in the spec, level, kind), to read a range (`2.1-2.3`)."""
    sequence: list[str] = field(default_factory=list)
    """Section ids in spec order."""

    @classmethod
    def build(cls, spec: Spec) -> SectionRefs:
        refs = cls()
        for position, section in enumerate(spec.sections):
            refs.order[section.id] = (position, section.level, section.kind)
            refs.sequence.append(section.id)
        for section in spec.sections:
            if section.task_id:
                refs.keys.setdefault(normalize_ref(section.task_id), section.id)
        for section in spec.sections:
            refs.keys.setdefault(normalize_ref(section.id), section.id)
            if section.kind == "heading":
                refs._add_heading(section)
        for stated, section_id in _stated_ids(spec):
            refs.keys.setdefault(normalize_ref(stated), section_id)
        return refs

    def _add_heading(self, section: Section) -> None:
        number = _NUMBERED_TITLE.match(section.title)
        title = normalize_ref(section.title[number.end() :] if number else section.title)
        if title:
            self.titles[title] = None if title in self.titles else section.id
        if number:
            key = normalize_ref(number.group(1))
            owner = self.keys.setdefault(key, section.id)
            self.headings.setdefault(key, section.id)
            self.numbered.add(section.id)
            if owner != section.id and self.headings[key] == section.id:
                self.twins.setdefault(owner, section.id)
                self.twins.setdefault(section.id, owner)
        for label, value in _LABELLED_TITLE.findall(section.title)[:1]:
            for key in _LABEL_KEYS[label.lower()]:
                self.labelled.setdefault(f"{key}{value}", section.id)

    def resolve(self, text: str) -> str | None:
        """The section a reference names (`T012`, `2.1`, `21-source`, `US1`), or None."""
        key = normalize_ref(text)
        return self.keys.get(key) or self.labelled.get(key)

    def resolve_all(self, text: str) -> list[str]:
        """Every section a reference may name: one, or a task and the heading sharing its number."""
        found = self.resolve(text)
        if found is None:
            return []
        twin = self.twins.get(found)
        return [found] if twin is None else [found, twin]

    def resolve_cited(self, text: str) -> str | None:
        """A section number cited in the spec's own text (`(2.1, 2.2)`, `section 3`): the heading
        with that number wins over a task with the same id, since citations point at the spec."""
        return self.headings.get(normalize_ref(text)) or self.resolve(text)

    def resolve_backlink(self, text: str) -> str | None:
        """A back-link of the spec (`_Requirements: 1.2_`, `[US1]`): labelled headings win."""
        key = normalize_ref(text)
        if key in self.labelled:
            return self.labelled[key]
        first = key.split(".")[0]
        if first.isdigit():
            for label in _REQUIREMENT_ONLY:
                if f"{label}{first}" in self.labelled:
                    return self.labelled[f"{label}{first}"]
        return self.keys.get(key)

    def in_text(self, text: str, bare: bool = True) -> list[str]:
        """Section ids that a comment, docstring or commit message names, in order, no repeats."""
        found: list[str] = []
        for match in _markers(text):
            for part in _SPLIT_IDS.split(match.group(1)):
                words = part.split()
                if words:
                    named = self.resolve_all(part) or self.in_range(part)
                    for section_id in named or self.resolve_all(words[-1]):
                        _append(found, section_id)
        if bare:
            for match in BARE_ID.finditer(text):
                for section_id in self.resolve_all(match.group()):
                    _append(found, section_id)
        return found

    def in_range(self, part: str) -> list[str]:
        """The sections a range names (`2.1-2.3`: 2.1, 2.2 and 2.3), in spec order; only its two
        ends when they are not of one level and kind, first before last; [] when `part` is no
        range of two known sections."""
        match = _RANGE.match(part)
        if match is None:
            return []
        left = match.group(1)
        first = self.resolve(left) or self.resolve(left.split()[-1])
        last = self.resolve(match.group(2))
        if first is None or last is None:
            return []
        (start, level, kind), (end, last_level, last_kind) = self.order[first], self.order[last]
        if end < start or (level, kind) != (last_level, last_kind):
            return [first, last]
        span = [
            section_id
            for section_id in self.sequence[start : end + 1]
            if self.order[section_id][1:] == (level, kind)
        ]
        return span if len(span) <= RANGE_LIMIT else [first, last]

    def in_subject(self, subject: str) -> list[str]:
        """Like `in_text`, and a leading id (`2.1: add loader`, `[T012] …`) counts too, as does a
        prefix before the subject's colon that names a section by heading number or id (`7: …`,
        `row-checks: …`, `Row checks: …`, `feat(row-checks): …`)."""
        found = self.in_text(subject)
        leading = _LEADING_NUMBER.match(subject)
        if leading:
            for section_id in self.resolve_all(leading.group(1)):
                _append(found, section_id)
        prefix = _subject_prefix(subject)
        if prefix:
            key = normalize_ref(prefix)
            _append(found, self.headings.get(key) if key.isdigit() else self.resolve(prefix))
        return found

    def titled_in_subject(self, subject: str) -> str | None:
        """The heading whose title (without its number) is the subject's prefix (`Configuration: …`
        for '7. Configuration', `feat(data): …` for '1. Data'). A title is also a common scope
        word, so this describes the section rather than naming it: a sub-heading may still win."""
        prefix = _subject_prefix(subject)
        return self.titles.get(normalize_ref(prefix)) if prefix else None


def _subject_prefix(subject: str) -> str | None:
    match = _SUBJECT_PREFIX.match(subject)
    return (match.group(1) or match.group(2)) if match else None


def _stated_ids(spec: Spec) -> list[tuple[str, str]]:
    """(id, heading id) for the ids opening lines of headings' text, when their prefix (`R`, `FR-`)
    opens lines in at least two headings: a numbering scheme, not a name like `GPT-4`."""
    found: list[tuple[str, str, str]] = []
    for section in spec.sections:
        if section.kind == "heading":
            for stated in _STATED_ID.findall(section.text):
                found.append((stated, section.id, re.sub(r"[\d.]+$", "", stated)))
    sections_per_prefix: dict[str, set[str]] = {}
    for _, section_id, prefix in found:
        sections_per_prefix.setdefault(prefix, set()).add(section_id)
    return [
        (stated, section_id)
        for stated, section_id, prefix in found
        if len(sections_per_prefix[prefix]) >= 2
    ]


def _markers(text: str) -> list[re.Match[str]]:
    """`MARKER` matches, tried only where a marker word starts (`str.find` is far cheaper than
    letting the regex try every position of every line)."""
    lowered = text.lower()
    matches: list[re.Match[str]] = []
    end = -1
    for start in sorted(_word_starts(lowered)):
        if start < end:
            continue
        match = MARKER.match(text, start)
        if match is not None:
            matches.append(match)
            end = match.end()
    return matches


def _word_starts(lowered: str) -> set[int]:
    starts: set[int] = set()
    for word in MARKER_WORDS:
        position = lowered.find(word)
        while position >= 0:
            starts.add(position)
            position = lowered.find(word, position + 1)
    return starts


def _append(found: list[str], section_id: str | None) -> None:
    if section_id is not None and section_id not in found:
        found.append(section_id)


def backlink_titles(spec: Spec, refs: SectionRefs) -> dict[str, list[str]]:
    """Section id → titles of the sections its back-links point to (to enrich its lexical document)."""
    titles: dict[str, list[str]] = {}
    for section in spec.sections:
        for ref in section.refs:
            target = spec.get(refs.resolve_backlink(ref))
            if target is not None and target.id != section.id:
                titles.setdefault(section.id, []).append(target.text or target.title)
    return titles


_INLINE_REF = re.compile(
    r"\((\d+(?:\.\d+)*)\)|(?:§|\bsections?)\s*(\d+(?:\.\d+)*)|\]\(#([\w-]+)\)"
    r"|(?<![\w.])(\d+\.\d+(?:\.\d+)*)(?![\w.]*\d|%)",
    re.IGNORECASE,
)
"""A task's inline pointers to headings: `(1.1)`, `§2`, `section 3`, `[Model](#2-model)`, or a bare
dotted heading number (`as 1.2 says`; only numbers that are a heading's number resolve)."""


def inline_refs(section: Section, refs: SectionRefs) -> list[str]:
    """Heading ids a task's own text points to (`Download the corpus (1.1)`), in order."""
    found: list[str] = []
    if section.kind != "task":
        return found
    own = normalize_ref(section.task_id or "")
    for number, numbered, anchor, dotted in _INLINE_REF.findall(section.text or section.title):
        if normalize_ref(number or numbered or dotted) == own:
            continue  # the task's own id (`- [ ] 2.1 …`), not a citation
        target = (
            refs.resolve(anchor) if anchor else refs.resolve_cited(number or numbered or dotted)
        )
        if dotted and target not in refs.numbered:
            continue
        if target is not None and target != section.id:
            _append(found, target)
    return found


def backlinks(spec: Spec, refs: SectionRefs) -> dict[str, list[str]]:
    """Section id → ids of the sections it points to: its declared back-links (`_Requirements: 1.2_`,
    `[US1]`) and, for a task, the headings its text cites (`(1.1)`, `§2`, `[Model](#2-model)`)."""
    targets: dict[str, list[str]] = {}
    for section in spec.sections:
        found: list[str] = []
        for ref in section.refs:
            target = refs.resolve_backlink(ref)
            if target is not None and target != section.id:
                _append(found, target)
        for target in inline_refs(section, refs):
            _append(found, target)
        if found:
            targets[section.id] = found
    return targets
