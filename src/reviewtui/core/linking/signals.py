"""Provides `LinkContext` (everything about the spec, commits and files computed once per review) and
`chunk_candidates`: the evidence of every signal for one chunk, grouped by candidate section.

Signals and their scores (combined later with a noisy-or per section):
- comment: a `spec: 2.1` / `T012` marker in the chunk's lines, or in a comment/docstring whose region
  covers the chunk;
- commit: a commit that added the chunk's lines names the section (trailer, subject or body);
- path: the section's text names the chunk's file;
- lexical: the chunk defines a code name the section quotes, or BM25 similarity of terms;
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field

from reviewtui.core.linking.index import SectionIndex
from reviewtui.core.linking.mentions import SpecMentions, defined_names
from reviewtui.core.linking.references import SectionRefs, backlink_titles
from reviewtui.core.linking.regions import MarkerRegion, marker_regions
from reviewtui.core.linking.terms import identifier_key, terms_of
from reviewtui.core.models import Chunk, CommitInfo, Evidence, Section, Spec

COMMENT_IN_CHUNK = 0.95
COMMENT_REGION = 0.9
COMMENT_FILE = 0.75
TRAILER = 0.95
COMMIT_ONE = 0.85
COMMIT_MANY = 0.6
PATH_ONE = 0.6
PATH_MANY = 0.35
NAME_ONE = 0.7
NAME_MANY = 0.45
LEXICAL_HALF = 6.0
"""The BM25 score at which lexical strength is one half."""
SYMBOL_WEIGHT = 2.0
PATH_WEIGHT = 1.0
REF_TRAILERS = (
    "spec",
    "specs",
    "section",
    "task",
    "tasks",
    "refs",
    "ref",
    "implements",
    "requirement",
)

Candidates = dict[str, list[Evidence]]


@dataclass
class CommitRefs:
    """What one commit says about the sections it implements."""

    sha: str
    subject: str
    trailer: list[tuple[str, str, str]] = field(default_factory=list)
    """(section id, trailer key, trailer value)."""
    message: list[str] = field(default_factory=list)


@dataclass
class LinkContext:
    """The per-review precomputation shared by all chunks."""

    spec: Spec
    refs: SectionRefs
    index: SectionIndex
    mentions: SpecMentions
    commits: dict[str, CommitRefs]
    regions: dict[str, list[MarkerRegion]]
    position: dict[str, int]

    @classmethod
    def build(
        cls, spec: Spec, commits: list[CommitInfo], file_texts: dict[str, str]
    ) -> LinkContext:
        refs = SectionRefs.build(spec)
        return cls(
            spec=spec,
            refs=refs,
            index=SectionIndex.build(spec, backlink_titles(spec, refs)),
            mentions=SpecMentions.build(spec),
            commits={commit.sha: _commit_refs(commit, refs) for commit in commits},
            regions={path: marker_regions(text, refs) for path, text in file_texts.items()},
            position={section.id: number for number, section in enumerate(spec.sections)},
        )

    def label(self, section_id: str) -> str:
        section = self.spec.get(section_id)
        if section is None:
            return section_id
        if section.task_id:
            return f"task {section.task_id}"
        title = section.title if len(section.title) <= 60 else section.title[:57] + "…"
        return f"'{title}'"


def _commit_refs(commit: CommitInfo, refs: SectionRefs) -> CommitRefs:
    found = CommitRefs(commit.sha, commit.subject)
    for key, values in commit.trailers.items():
        if key.lower() not in REF_TRAILERS:
            continue
        for value in values:
            for part in value.replace(";", ",").split(","):
                section_id = refs.resolve(part)
                if section_id is not None:
                    found.trailer.append((section_id, key, value))
    named = {section_id for section_id, _, _ in found.trailer}
    message = refs.in_subject(commit.subject) + refs.in_text(commit.body)
    found.message = [section_id for section_id in dict.fromkeys(message) if section_id not in named]
    return found


def _add(candidates: Candidates, section_id: str, evidence: Evidence) -> None:
    candidates.setdefault(section_id, []).append(evidence)


def comment_evidence(chunk: Chunk, context: LinkContext, candidates: Candidates) -> None:
    for line in chunk.lines:
        if line.kind == " ":
            continue
        for section_id in context.refs.in_text(line.text, bare=_looks_like_comment(line.text)):
            where = f"{chunk.path}:{line.new_no or line.old_no}"
            detail = f"comment at {where} names {context.label(section_id)}"
            _add(candidates, section_id, Evidence("comment", detail, COMMENT_IN_CHUNK))
    first, last = _span(chunk)
    for region in context.regions.get(chunk.path, []):
        if region.first <= last and first <= region.last:
            score = COMMENT_FILE if region.whole_file else COMMENT_REGION
            for section_id in region.section_ids:
                if section_id not in candidates:
                    where = f"{chunk.path}:{region.marker_line}"
                    detail = f"comment at {where} names {context.label(section_id)}"
                    _add(candidates, section_id, Evidence("comment", detail, score))


def _looks_like_comment(text: str) -> bool:
    return "#" in text or "//" in text or '"""' in text or text.strip().startswith(("*", "--"))


def _span(chunk: Chunk) -> tuple[int, int]:
    if chunk.new_lines:
        return chunk.new_start, chunk.new_start + chunk.new_lines - 1
    return -1, -2


def commit_evidence(chunk: Chunk, context: LinkContext, candidates: Candidates) -> None:
    for sha in chunk.commits:
        refs = context.commits.get(sha)
        if refs is None:
            continue
        for section_id, key, value in refs.trailer:
            detail = f"commit {sha[:7]} trailer {key}: {value}"
            _add(candidates, section_id, Evidence("commit", detail, TRAILER))
        score = COMMIT_ONE if len(refs.message) == 1 else COMMIT_MANY
        for section_id in refs.message:
            detail = f"commit {sha[:7]}: '{_short(refs.subject)}'"
            _add(candidates, section_id, Evidence("commit", detail, score))


def _short(text: str, width: int = 72) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def path_evidence(chunk: Chunk, context: LinkContext, candidates: Candidates) -> None:
    named = context.mentions.sections_naming_path(chunk.path)
    sections = {section_id for section_id, _ in named}
    score = PATH_ONE if len(sections) == 1 else PATH_MANY
    for section_id, path in named:
        detail = f"path {path} named in {context.label(section_id)}"
        _add(candidates, section_id, Evidence("path", detail, score))


def name_evidence(chunk: Chunk, context: LinkContext, candidates: Candidates) -> None:
    for name in defined_names(chunk):
        key = identifier_key(name)
        sections = context.mentions.names.get(key, [])
        score = NAME_ONE if len(sections) == 1 else NAME_MANY
        spelling = context.mentions.spellings.get(key, name)
        for section_id in sections:
            detail = f"defines `{spelling}`, named in {context.label(section_id)}"
            _add(candidates, section_id, Evidence("lexical", detail, score))


def chunk_query(chunk: Chunk) -> dict[str, float]:
    """The weighted terms of a chunk: its changed lines, its symbol and its path."""
    deleted_only = chunk.added == 0
    texts = [line.text for line in chunk.lines if line.kind == ("-" if deleted_only else "+")]
    if chunk.summary:
        texts.append(chunk.summary)
    counts = Counter(terms_of("\n".join(texts)))
    query = {term: 1.0 + math.log(count) for term, count in counts.items()}
    for term in terms_of(chunk.symbol or ""):
        query[term] = query.get(term, 0.0) + SYMBOL_WEIGHT
    for term in terms_of(chunk.path.rsplit(".", 1)[0].replace("/", " ")):
        query[term] = query.get(term, 0.0) + PATH_WEIGHT
    return query


SPECIFIC_SHARE = 0.6
"""A child section scoring at least this share of its parent's lexical score takes the link."""


def _most_specific(context: LinkContext, scores: list[float], best: int, top: float) -> int:
    """Walk down from the best section to its best child while the child scores nearly as well."""
    positions = context.index.positions
    while True:
        children = [positions[c] for c in context.index.sections[best].children if c in positions]
        if not children:
            return best
        child = max(children, key=scores.__getitem__)
        if scores[child] < SPECIFIC_SHARE * top:
            return best
        best = child


def family(spec: Spec, section: Section) -> set[str]:
    """A section, its ancestors and its descendants: links to any of them agree at heading level."""
    members = {section.id, *(ancestor.id for ancestor in spec.ancestors(section.id))}
    stack = list(section.children)
    while stack:
        child = stack.pop()
        members.add(child)
        found = spec.get(child)
        if found is not None:
            stack.extend(found.children)
    return members


def lexical_evidence(
    chunk: Chunk, context: LinkContext, candidates: Candidates, families: dict[str, set[str]]
) -> dict[str, float]:
    """Add BM25 evidence for the best-scoring section (family-aware margin); returns raw scores."""
    query = chunk_query(chunk)
    scores = context.index.scores(query)
    sections = context.index.sections
    if not sections:
        return {}
    best = max(range(len(scores)), key=scores.__getitem__)
    top = scores[best]
    if top <= 0:
        return {}
    members = families[sections[best].id]
    rival = max((s for i, s in enumerate(scores) if sections[i].id not in members), default=0.0)
    confidence = (top / (top + LEXICAL_HALF)) * ((top - rival) / top) ** 0.5
    best = _most_specific(context, scores, best, top)
    terms = ", ".join(f"`{term}`" for term in context.index.top_terms(query, best))
    detail = f"shares {terms} with {context.label(sections[best].id)}"
    _add(candidates, sections[best].id, Evidence("lexical", detail, round(confidence, 3)))
    return {sections[i].id: score / top for i, score in enumerate(scores) if score > 0}
