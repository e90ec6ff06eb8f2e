"""Provides `SectionIndex`: BM25 term statistics of every spec section, computed once per review, and
the lexical score of a chunk's terms against all sections at once.

A section's document is its own text with its title counted twice, its parent heading's title, and the
titles of the sections its back-links (`_Requirements: 1.2_`, `[US1]`) point to. Sections that describe
the process rather than the code (Phases, Checkpoints, table of contents, references) are not indexed.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from reviewtui.core.linking.terms import terms_of
from reviewtui.core.models import Section, Spec

MAX_QUERY_TERMS = 24
"""Only a chunk's rarest terms are scored (keeps 3,000 chunks × 200 sections under a second)."""
WIDESPREAD_SHARE = 0.5
WIDESPREAD_MIN = 50
"""A term in more than half of the sections (and more than fifty) separates none of them: it gets
no postings (it is still known, so it still counts as a spec term of a chunk)."""
K1 = 1.2
B = 0.75

_INERT_TITLE = re.compile(
    r"^\W*(?:[\d.]+\s*)?(?:phases?|milestones?|roadmap|table of contents|contents|toc|references|"
    r"changelog|glossary|open questions|non[- ]goals|out of scope)\W*$",
    re.IGNORECASE,
)
_BACKGROUND_TITLE = re.compile(
    r"^\W*(?:[\d.]+\s*)?(?:overview|introduction|background|summary|motivation|goals?|context)\b",
    re.IGNORECASE,
)
BACKGROUND_WEIGHT = 0.6
"""Sections like "Overview" describe everything a little; their lexical scores count less."""


def is_inert(section: Section) -> bool:
    """Whether a section is about the process (phases, references…), never about code."""
    return bool(_INERT_TITLE.match(section.title))


@dataclass
class SectionIndex:
    """BM25 weights of every (term, section) pair, ready to score queries."""

    sections: list[Section]
    postings: dict[str, dict[int, float]] = field(default_factory=dict)
    boost: list[float] = field(default_factory=list)
    positions: dict[str, int] = field(default_factory=dict)
    """Section id → its position in `sections`."""
    ids: list[str] = field(default_factory=list)
    """Section ids by position."""
    idf: dict[str, float] = field(default_factory=dict)
    rare_idf: float = 1.0
    """The idf of a term found in one section only: the unit that makes scores comparable between
    a 10-section spec and a 200-section one."""

    @classmethod
    def build(cls, spec: Spec, ref_titles: dict[str, list[str]]) -> SectionIndex:
        """Index `spec`; `ref_titles` maps section id → titles of the sections it back-links to."""
        index = cls(sections=list(spec.sections))
        index.positions = {section.id: number for number, section in enumerate(index.sections)}
        index.ids = [section.id for section in index.sections]
        documents = [_document(spec, s, ref_titles.get(s.id, [])) for s in index.sections]
        index.boost = [_boost(section) for section in index.sections]
        index._fill(documents)
        return index

    def _fill(self, documents: list[Counter[str]]) -> None:
        lengths = [sum(document.values()) for document in documents]
        average = (sum(lengths) / len(lengths)) if lengths else 1.0
        frequency: Counter[str] = Counter()
        for document in documents:
            frequency.update(document.keys())
        total = len(documents)
        self.rare_idf = math.log((total - 1 + 0.5) / 1.5 + 1) if total > 1 else 1.0
        widespread = max(WIDESPREAD_SHARE * total, WIDESPREAD_MIN)
        for position, document in enumerate(documents):
            norm = K1 * (1 - B + B * lengths[position] / max(average, 1.0))
            for term, count in document.items():
                idf = math.log((total - frequency[term] + 0.5) / (frequency[term] + 0.5) + 1)
                self.idf[term] = idf
                if frequency[term] > widespread:
                    continue
                weight = idf * count * (K1 + 1) / (count + norm) * self.boost[position]
                if weight > 0:
                    self.postings.setdefault(term, {})[position] = weight

    def rarest(self, terms: dict[str, None], keep: int = MAX_QUERY_TERMS) -> Iterable[str]:
        """A query's `keep` rarest terms, rarest first (all of them, in order, when there are no
        more): rare terms carry BM25, common ones only cost time."""
        if len(terms) <= keep:
            return terms
        return sorted(terms, key=self.idf.__getitem__, reverse=True)[:keep]

    def scores(self, query: dict[str, float]) -> dict[int, float]:
        """The BM25 score of a query against every section it shares a term with."""
        totals: dict[int, float] = {}
        postings = self.postings
        for term, weight in query.items():
            posting = postings.get(term)
            if posting:
                for position, value in posting.items():
                    if position in totals:
                        totals[position] += weight * value
                    else:
                        totals[position] = weight * value
        return totals

    def top_terms(
        self, query: dict[str, float], position: int, shared: list[str], count: int = 3
    ) -> list[str]:
        """The query terms that contribute most to one section's score, best first (`shared`:
        the query's terms that the section has)."""
        shares = [(query[term] * self.postings[term][position], term) for term in shared]
        return [term for _, term in sorted(shares, reverse=True)[:count]]


def _boost(section: Section) -> float:
    if is_inert(section):
        return 0.0
    if _BACKGROUND_TITLE.match(section.title):
        return BACKGROUND_WEIGHT
    return 1.0


_THOUSANDS = re.compile(r"(?<![\d.,])([1-9]\d{0,2})((?:,\d{3})+)(?![\d,]*\d)")
"""`2,000` and `67,349` in prose: one number each, as code writes them (`2000`)."""


def plain_numbers(text: str) -> str:
    """Prose with its thousands separators dropped (`every 2,000 steps` → `every 2000 steps`)."""
    if "," not in text:
        return text
    return _THOUSANDS.sub(lambda match: match.group(1) + match.group(2).replace(",", ""), text)


def _document(spec: Spec, section: Section, ref_titles: list[str]) -> Counter[str]:
    parts = [plain_numbers(section.text or section.title), section.title, *ref_titles]
    parent = spec.get(section.parent)
    if parent is not None:
        parts.append(parent.title)
    counts: Counter[str] = Counter()
    for part in parts:
        counts.update(terms_of(part))
    return counts
