"""Provides `LinkContext` (everything about the spec, commits and files computed once per review)
and the per-chunk signal functions, which add `Evidence` to a chunk's candidates (section id →
evidence list); `core/links.py` combines them with a noisy-or per section.

- `comment_evidence`: a `spec: 2.1` / `T012` marker in the chunk's lines, or in a comment or
  docstring whose region covers the chunk;
- `commit_evidence`: a commit that added the chunk's lines names the section (trailer, subject or
  body), or its subject describes it; scaled by how much of the chunk that commit wrote;
- `path_evidence`: the section's text names the chunk's file;
- `name_evidence`: the chunk defines a code name the section quotes;
- `lexical_evidence`: BM25 similarity of the chunk's terms, with a confidence from the top score's
  strength and its separation from sections of other families.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field
from itertools import chain

from reviewtui.core.linking.common import COMMON_WEIGHT, common_terms, project_keys
from reviewtui.core.linking.index import SectionIndex, is_inert
from reviewtui.core.linking.mentions import (
    CONFIG_SUFFIXES,
    SpecMentions,
    defined_names,
    name_words,
    quoted_paths,
)
from reviewtui.core.linking.references import (
    BARE_ID,
    BARE_ID_HINT,
    MARKER_WORDS,
    SectionRefs,
    backlink_titles,
    backlinks,
)
from reviewtui.core.linking.regions import MarkerRegion, marker_regions
from reviewtui.core.linking.terms import GENERIC_TERMS, TOKEN, identifier_key, terms_of, token_terms
from reviewtui.core.linking.values import SpecValues, value_pairs
from reviewtui.core.models import Chunk, CommitInfo, Evidence, Section, Spec

COMMENT_IN_CHUNK = 0.95
COMMENT_REGION = 0.9
COMMENT_FILE = 0.75
TRAILER = 0.95
COMMIT_ONE = 0.85
COMMIT_MANY = 0.6
PATH_ONE = 0.3
PATH_MANY = 0.2
LITERAL_ONE = 0.5
LITERAL_MANY = 0.3
"""Code that reads or writes a file the spec names (`"results/metrics.json"`): the section naming it
(one section, or each of two) describes that code."""
PATH_CONFIG = 0.6
"""A config file named by one section follows it (config keys follow the section that names them)."""
NAME_ONE = 0.7
NAME_MANY = 0.45
NAME_WORD = 0.6
VALUE_SCORES = (0.0, 0.35, 0.55, 0.7)
"""Score of value evidence by the number of (name, value) pairs a section states (3 or more: last)."""
TITLE_NAME = 0.6
"""A definition whose name is a section's title (`win_rate` ↔ `4.2 GPT-4 win rate`)."""
"""A single-word name (`train`, `lr`) is weaker evidence than a compound one (`mean_pool`)."""
LEXICAL_HALF = 1.75
"""The BM25 score, in units of one rare term's idf, at which lexical strength is one half."""
SUBJECT_HALF = 1.4
"""The same for a commit subject (a few words only)."""
PATH_ONLY_FACTOR = 0.5
"""A chunk whose own lines share no specific word with its best section (only generic words or
its path do) keeps this share of its lexical confidence."""
OTHER_FILE_FACTOR = 0.5
"""A lexical match to a section that names other files, for a chunk whose file exactly one other
section names, keeps this share of its confidence."""
BREADTH_FACTORS = (1.0, 0.75, 0.9)
"""Share of its lexical confidence a chunk keeps when its own lines share only one (two) specific
words with its best section: one shared word (`utc`, `day`) is as often a coincidence as a link."""
DOC_SUFFIXES = (".md", ".markdown", ".rst", ".txt", ".adoc")
DOC_FACTOR = 0.6
"""Documentation (a README's run instructions) repeats the words of every section: its lexical
matches keep this share of their confidence, so it needs stronger evidence to be linked."""
SMALL_QUERY = 4
"""A chunk with fewer spec terms than this counts its path words at half weight, so that the file's
name does not outweigh what the few lines say."""
NUMBER_WEIGHT = 2.0
"""Query weight of a number of three characters or more (`5e-4`, `31536000`, `415`): a value the
spec states is strong evidence."""
GENERIC_WEIGHT = 0.4
"""Query weight of generic programming words (`start`, `name`, `value`…): a match on them is
often a coincidence."""
COMMIT_SUBJECT = 0.8
"""Weight of a commit subject that names no id but describes a section."""
SYMBOL_WEIGHT = 2.0
"""Query weight added to the words of the chunk's enclosing definition's name."""
PATH_WEIGHT = 1.0
"""Query weight added to the words of the chunk's file path."""
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
    subject_match: tuple[str, float] | None = None
    """For a subject that names no id: the section it describes and how surely (lexical)."""


@dataclass
class LinkContext:
    """The per-review precomputation shared by all chunks."""

    spec: Spec
    refs: SectionRefs
    index: SectionIndex
    mentions: SpecMentions
    values: SpecValues
    commits: dict[str, CommitRefs]
    regions: dict[str, list[MarkerRegion]]
    position: dict[str, int]
    commit_lines: dict[str, dict[str, set[str]]] = field(default_factory=dict)
    """Commit sha → path → the stripped lines that commit added."""
    ancestors: dict[str, list[str]] = field(default_factory=dict)
    """Section id → ids of its ancestors, nearest first."""
    families: dict[str, set[str]] = field(default_factory=dict)
    backlinks: dict[str, list[str]] = field(default_factory=dict)
    """Section id → the sections it back-links to (a task → its story or requirements)."""
    cited_by: dict[str, list[str]] = field(default_factory=dict)
    """Section id → the tasks that back-link to it or cite it (`(1.1)`, `as 1.2 says`)."""
    defined: dict[str, list[str]] = field(default_factory=dict)
    """Chunk id → the names it defines (filled by `name_evidence`, reused by structure rules)."""
    path_cache: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    path_details: dict[str, tuple[float, list[tuple[str, str]]]] = field(default_factory=dict)
    """Path → the score and (section id, detail) of its path evidence."""
    labels: dict[str, str] = field(default_factory=dict)
    chunk_tokens: dict[str, Counter[str]] = field(default_factory=dict)
    """Chunk id → the tokens of its changed lines and summary, counted (tokenised once)."""
    common: frozenset[str] = frozenset()
    """Terms found everywhere in this review (the project's name, most chunks or paths)."""
    base_weight: dict[str, float] = field(default_factory=dict)
    """Known term → its query weight before repeats: `NUMBER_WEIGHT` for a number of three
    characters or more, `GENERIC_WEIGHT` for a generic word, else 1 (filled by `known_terms`)."""
    term_cache: dict[str, tuple[str, ...]] = field(default_factory=dict)
    path_term_cache: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def path_terms(self, path: str) -> tuple[str, ...]:
        """The spec terms in a file's path (`src/sst2/data.py` → `data`…), cached per path."""
        terms = self.path_term_cache.get(path)
        if terms is None:
            words = path.rsplit(".", 1)[0].replace("/", " ")
            idf = self.index.idf
            terms = tuple(dict.fromkeys(t for t in terms_of(words) if t in idf))
            self.path_term_cache[path] = terms
        return terms

    def known_terms(self, token: str) -> tuple[str, ...]:
        """The terms of a code token that occur in the spec (cached: a codebase repeats its names)."""
        terms = self.term_cache.get(token)
        if terms is None:
            idf = self.index.idf
            terms = self.term_cache[token] = tuple(t for t in token_terms(token) if t in idf)
            for term in terms:
                if term not in self.base_weight:
                    self.base_weight[term] = _base_weight(term)
        return terms

    @classmethod
    def build(
        cls, spec: Spec, commits: list[CommitInfo], file_texts: dict[str, str]
    ) -> LinkContext:
        refs = SectionRefs.build(spec)
        context = cls(
            spec=spec,
            refs=refs,
            index=SectionIndex.build(spec, backlink_titles(spec, refs)),
            mentions=SpecMentions.build(spec),
            values=SpecValues.build(spec, {s.id for s in spec.sections if is_inert(s)}),
            commits={},
            regions={path: marker_regions(text, refs) for path, text in file_texts.items()},
            position={section.id: number for number, section in enumerate(spec.sections)},
            commit_lines={commit.sha: commit.added_lines for commit in commits},
            ancestors={s.id: [a.id for a in spec.ancestors(s.id)] for s in spec.sections},
            families=_families(spec, refs),
            backlinks=backlinks(spec, refs),
        )
        for source, targets in context.backlinks.items():
            if (task := spec.get(source)) is not None and task.kind == "task":
                for target in targets:
                    context.cited_by.setdefault(target, []).append(source)
        for commit in commits:
            context.commits[commit.sha] = _commit_refs(commit, context)
        return context

    def prepare(self, chunks: list[Chunk], file_texts: dict[str, str]) -> None:
        """Tokenise every chunk once and find the terms common to this review."""
        distinct: set[str] = set()
        for chunk in chunks:
            tokens = self.chunk_tokens[chunk.id] = _chunk_tokens(chunk)
            distinct.update(tokens)
        for token in distinct.difference(self.term_cache):
            self.known_terms(token)
        self.common = common_terms(
            (tokens.keys() for tokens in self.chunk_tokens.values()),
            (chunk.path for chunk in chunks),
            self.term_cache.__getitem__,
            self.path_terms,
            project_keys(file_texts),
        )

    def tokens(self, chunk: Chunk) -> Counter[str]:
        """The counted tokens of a chunk's changed lines (cached by `prepare`)."""
        tokens = self.chunk_tokens.get(chunk.id)
        if tokens is None:
            tokens = self.chunk_tokens[chunk.id] = _chunk_tokens(chunk)
        return tokens

    def label(self, section_id: str) -> str:
        """How evidence names a section (`task T012`, `'Embeddings'`), cached per section."""
        label = self.labels.get(section_id)
        if label is None:
            label = self.labels[section_id] = _label(self.spec.get(section_id), section_id)
        return label


def _label(section: Section | None, section_id: str) -> str:
    if section is None:
        return section_id
    if section.task_id:
        return f"task {section.task_id}"
    title = section.title if len(section.title) <= 60 else section.title[:57] + "…"
    return f"'{title}'"


def _base_weight(term: str) -> float:
    if term[0].isdigit() and len(term) >= 3:
        return NUMBER_WEIGHT
    return GENERIC_WEIGHT if term in GENERIC_TERMS else 1.0


def _chunk_tokens(chunk: Chunk) -> Counter[str]:
    """Tokens of the added lines (the deleted ones for a pure deletion) and the summary."""
    kind = "-" if chunk.added == 0 else "+"
    texts = [line.text for line in chunk.lines if line.kind == kind]
    if chunk.summary:
        texts.append(chunk.summary)
    return Counter(TOKEN.findall("\n".join(texts)))


def _families(spec: Spec, refs: SectionRefs) -> dict[str, set[str]]:
    """Each section's family, joined with the sections it back-links to (a task and its story)."""
    families = {section.id: family(spec, section) for section in spec.sections}
    for source, targets in backlinks(spec, refs).items():
        for target in targets:
            families[source].add(target)
            families[target].add(source)
    return families


def _commit_refs(commit: CommitInfo, context: LinkContext) -> CommitRefs:
    refs = context.refs
    found = CommitRefs(commit.sha, commit.subject)
    for key, values in commit.trailers.items():
        if key.lower() not in REF_TRAILERS:
            continue
        for value in values:
            for part in value.replace(";", ",").split(","):
                for section_id in refs.resolve_all(part):
                    found.trailer.append((section_id, key, value))
    named = {section_id for section_id, _, _ in found.trailer}
    message = refs.in_subject(commit.subject) + refs.in_text(commit.body)
    message = [section_id for section_id in dict.fromkeys(message) if section_id not in named]
    found.message = _most_specific_refs(message, context)
    if not found.trailer and not found.message:
        titled = refs.titled_in_subject(commit.subject)
        found.subject_match = (
            (titled, 1.0) if titled is not None else _subject_match(commit.subject, context)
        )
    return found


def _most_specific_refs(section_ids: list[str], context: LinkContext) -> list[str]:
    """Drop a named section that another named one sits under or back-links to
    (`T012 [US2] …` names one piece of work, not two)."""
    covered: set[str] = set()
    for section_id in section_ids:
        covered.update(context.ancestors.get(section_id, []))
        covered.update(context.backlinks.get(section_id, []))
    return [s for s in section_ids if s not in covered] or section_ids


def _subject_match(subject: str, context: LinkContext) -> tuple[str, float] | None:
    """The section a commit subject without ids describes (BM25), with a confidence."""
    query = {term: 1.0 for term in terms_of(subject) if term in context.index.idf}
    best = best_lexical(context, query, SUBJECT_HALF)
    if best is None:
        return None
    position, confidence, _ = best
    return context.index.sections[position].id, confidence


def _add(candidates: Candidates, section_id: str, evidence: Evidence) -> None:
    candidates.setdefault(section_id, []).append(evidence)


def comment_evidence(chunk: Chunk, context: LinkContext, candidates: Candidates) -> None:
    changed = "\n".join(line.text for line in chunk.lines if line.kind != " ")
    lowered = changed.lower()
    if any(word in lowered for word in MARKER_WORDS) or (
        BARE_ID_HINT.search(changed) and BARE_ID.search(changed)
    ):
        _comment_lines(chunk, context, candidates)
    _comment_regions(chunk, context, candidates)


def _comment_lines(chunk: Chunk, context: LinkContext, candidates: Candidates) -> None:
    for line in chunk.lines:
        if line.kind == " ":
            continue
        for section_id in context.refs.in_text(line.text, bare=_looks_like_comment(line.text)):
            where = f"{chunk.path}:{line.new_no or line.old_no}"
            detail = f"comment at {where} names {context.label(section_id)}{_twin_note(section_id, context)}"
            _add(candidates, section_id, Evidence("comment", detail, COMMENT_IN_CHUNK))


def _comment_regions(chunk: Chunk, context: LinkContext, candidates: Candidates) -> None:
    first, last = _span(chunk)
    for region in context.regions.get(chunk.path, []):
        if region.first <= last and first <= region.last:
            score = COMMENT_FILE if region.whole_file else COMMENT_REGION
            for section_id in region.section_ids:
                if section_id not in candidates:
                    where = f"{chunk.path}:{region.marker_line}"
                    detail = f"comment at {where} names {context.label(section_id)}"
                    detail += _twin_note(section_id, context)
                    _add(candidates, section_id, Evidence("comment", detail, score))


def _twin_note(section_id: str, context: LinkContext) -> str:
    """For an id that is both a task's and a heading's number: says so, and that content decided."""
    twin = context.refs.twins.get(section_id)
    if twin is None:
        return ""
    return f" (the same number names {context.label(twin)}: the chunk's content decides)"


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
        share = _line_share(chunk, sha, context)
        for section_id, key, value in refs.trailer:
            detail = f"commit {sha[:7]} trailer {key}: {value}{_twin_note(section_id, context)}"
            _add(candidates, section_id, Evidence("commit", detail, round(TRAILER * share, 3)))
        many = len(refs.message) > 1
        marked = _marked(candidates, refs.message) if many else set()
        for section_id in refs.message:
            if marked and section_id not in marked:
                continue  # the chunk's own marker says which of the commit's sections it is
            detail = f"commit {sha[:7]}: '{_short(refs.subject)}'{_twin_note(section_id, context)}"
            score = (COMMIT_MANY if many else COMMIT_ONE) * share
            if many and not _shares_specific_term(chunk, section_id, context):
                score *= PATH_ONLY_FACTOR  # the commit names several: the chunk's words pick one
            _add(candidates, section_id, Evidence("commit", detail, round(score, 3)))
        if refs.subject_match is not None:
            section_id, confidence = refs.subject_match
            detail = (
                f"commit {sha[:7]}: '{_short(refs.subject)}'{DESCRIBES}{context.label(section_id)}"
            )
            if len(context.commit_lines.get(sha, ())) > 1 and not _shares_specific_term(
                chunk, section_id, context
            ):
                confidence *= PATH_ONLY_FACTOR
            evidence = Evidence("commit", detail, round(COMMIT_SUBJECT * confidence * share, 3))
            _add(candidates, section_id, evidence)


def _marked(candidates: Candidates, named: list[str]) -> set[str]:
    """The sections a marker speaks for against a commit naming `named`: a comment in the chunk or
    on its definition; a file's header only when it names none of the commit's sections (then the
    file says where it belongs, otherwise content picks among the commit's sections)."""
    close = {
        s
        for s, items in candidates.items()
        if any(e.kind == "comment" and e.score > COMMENT_FILE for e in items)
    }
    if close:
        return close
    header = {s for s, items in candidates.items() if any(e.kind == "comment" for e in items)}
    return header if header.isdisjoint(named) else set()


DESCRIBES = " describes "
"""How the evidence of a commit subject that only describes a section (no id) reads."""


def names_section(item: Evidence) -> bool:
    """Whether evidence names its section on purpose (a comment, trailer, id in a commit message,
    the reviewer), rather than a commit subject merely describing it."""
    if item.kind == "commit":
        return DESCRIBES not in item.detail
    return item.kind in ("comment", "manual")


def _shares_specific_term(chunk: Chunk, section_id: str, context: LinkContext) -> bool:
    """Whether the chunk's own lines or name share a specific word with a section: a subject that
    describes the section ("Add paraphrase augmentation and helpers") speaks for the code about it
    more than for the helpers committed alongside in other files (a commit touching one file is
    all about what its subject says)."""
    position = context.index.positions.get(section_id)
    postings = context.index.postings
    for term in _own_terms(chunk, context):
        if term not in GENERIC_TERMS and term not in context.common:
            posting = postings.get(term)
            if posting is not None and position in posting:
                return True
    return False


def _line_share(chunk: Chunk, sha: str, context: LinkContext) -> float:
    """How much of the chunk a commit wrote: 1.0 from half of its distinct added lines up, less
    for a commit that only added a few generic lines (`session.commit()`) that also occur here."""
    added = context.commit_lines.get(sha, {}).get(chunk.path)
    if not added:
        return 1.0
    lines = {line.text.strip() for line in chunk.lines if line.kind == "+" and line.text.strip()}
    if not lines:
        return 1.0
    return min(1.0, 2 * len(lines & added) / len(lines))


def _short(text: str, width: int = 72) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def naming_sections(path: str, context: LinkContext) -> list[tuple[str, str]]:
    """(section id, path as named) for every section naming `path` (cached per path)."""
    if path not in context.path_cache:
        context.path_cache[path] = context.mentions.sections_naming_path(path)
    return context.path_cache[path]


def path_evidence(chunk: Chunk, context: LinkContext, candidates: Candidates) -> None:
    found = context.path_details.get(chunk.path)
    if found is None:
        found = context.path_details[chunk.path] = _path_details(chunk.path, context)
    score, details = found
    for section_id, detail in details:
        _add(candidates, section_id, Evidence("path", detail, score))


def literal_path_evidence(chunk: Chunk, context: LinkContext, candidates: Candidates) -> None:
    """The files the chunk's added lines name in string literals, when one or two sections name
    them too (the chunk's own file aside: `path_evidence` covers it)."""
    texts = [line.text for line in chunk.lines if line.kind == "+"]
    for literal in quoted_paths(texts):
        if literal == chunk.path:
            continue
        sections = {section_id for section_id, _ in naming_sections(literal, context)}
        if not sections or len(sections) > 2:
            continue
        score = LITERAL_ONE if len(sections) == 1 else LITERAL_MANY
        for section_id in sections:
            detail = f"uses `{literal}`, named in {context.label(section_id)}"
            _add(candidates, section_id, Evidence("path", detail, score))


def _run_with(named: list[tuple[str, str]], context: LinkContext) -> bool:
    """Whether the one section naming a config file names it as a command's option value only:
    that section is about running the code, the file follows the section stating its values."""
    arguments = context.mentions.arguments
    return all(section_id in arguments.get(path, ()) for section_id, path in named)


def _path_details(path: str, context: LinkContext) -> tuple[float, list[tuple[str, str]]]:
    named = naming_sections(path, context)
    sections = {section_id for section_id, _ in named}
    score = PATH_ONE if len(sections) == 1 else PATH_MANY
    if len(sections) == 1 and path.endswith(CONFIG_SUFFIXES) and not _run_with(named, context):
        score = PATH_CONFIG
    details = [
        (section_id, f"path {named_path} named in {context.label(section_id)}")
        for section_id, named_path in named
    ]
    return score, details


def name_evidence(chunk: Chunk, context: LinkContext, candidates: Candidates) -> None:
    names = context.defined[chunk.id] = defined_names(chunk)
    config = chunk.path.endswith(CONFIG_SUFFIXES)
    for name in names:
        key = identifier_key(name)
        if config and not _is_compound(name):
            continue  # a config key like `data:` or `feeds` is a heading word, not a quoted name
        sections = context.mentions.names.get(key, [])
        score = NAME_ONE if len(sections) == 1 else NAME_MANY
        if not _is_compound(name):
            score *= NAME_WORD
        spelling = context.mentions.spellings.get(key, name)
        for section_id in sections:
            detail = f"defines `{spelling}`, named in {context.label(section_id)}"
            _add(candidates, section_id, Evidence("lexical", detail, score))
        _title_evidence(name, context, candidates)


def value_evidence(chunk: Chunk, context: LinkContext, candidates: Candidates) -> None:
    """Sections stating the values the chunk sets under a matching name (`lr: 1.0e-6` ↔ `| optimiser
    | RMSprop, lr 1e-6 |`): one pair is moderate evidence, several strong. Not for a config file
    that one section names as its home (`_owned_config`)."""
    if chunk.added == 0 or not context.values.stated or _owned_config(chunk.path, context):
        return
    lines = [line.text for line in chunk.lines if line.kind == "+"]
    for section_id, pairs in value_pairs(lines, context.values).items():
        score = VALUE_SCORES[min(len(pairs), len(VALUE_SCORES) - 1)]
        shown = ", ".join(f"`{word}` = {number}" for word, number in pairs[:3])
        detail = f"sets {shown}, as {context.label(section_id)} states"
        _add(candidates, section_id, Evidence("lexical", detail, score))


def _owned_config(path: str, context: LinkContext) -> bool:
    """Whether a config file follows the one section that names it (`All hyper-parameters live in
    configs/run.yaml`): its values then point at the sections they configure, not at its owner."""
    found = context.path_details.get(path)
    if found is None:
        found = context.path_details[path] = _path_details(path, context)
    return found[0] == PATH_CONFIG


def _title_evidence(name: str, context: LinkContext, candidates: Candidates) -> None:
    """A compound name whose words run, in order, through one section's title (`dpo_loss` ↔ `DPO
    loss`, `reward_accuracy` ↔ `4.3 Held-out reward accuracy`)."""
    words = name_words(name)
    sections = context.mentions.titles.get(words) if words else None
    if not sections or len(sections) > 2:
        return
    score = TITLE_NAME if len(sections) == 1 else TITLE_NAME * NAME_WORD
    for section_id in sections:
        detail = f"defines `{name}`, as titled {context.label(section_id)}"
        _add(candidates, section_id, Evidence("lexical", detail, score))


_LOG_WEIGHT = [0.0] + [1.0 + math.log(count) for count in range(1, 64)]


def _is_compound(name: str) -> bool:
    return "_" in name.strip("_") or any(c.isupper() for c in name[1:])


def chunk_query(chunk: Chunk, context: LinkContext) -> dict[str, float]:
    """The weighted terms of a chunk that the spec also uses, pruned to its `MAX_QUERY_TERMS`
    rarest (`SectionIndex.rarest`): its changed lines (a repeated token weighs 1 + ln(count)), its
    symbol and its path (weighted more). Only the kept terms are weighed."""
    tokens = context.tokens(chunk)
    cache = context.term_cache
    if not cache.keys() >= tokens.keys():
        for token in tokens.keys() - cache.keys():
            context.known_terms(token)
    own = dict.fromkeys(chain.from_iterable(map(cache.__getitem__, tokens)))
    symbol = [
        term
        for part in (chunk.symbol or "").split(".")
        if part
        for term in context.known_terms(part)
    ]
    terms = dict(own)
    terms.update(dict.fromkeys(symbol))
    path_weight = PATH_WEIGHT if len(terms) >= SMALL_QUERY else PATH_WEIGHT / 2
    path = context.path_terms(chunk.path)
    terms.update(dict.fromkeys(path))
    base = context.base_weight
    query = {term: base[term] if term in own else 0.0 for term in context.index.rarest(terms)}
    for token, count in tokens.items():
        if count > 1:
            extra = _LOG_WEIGHT[count if count < 63 else 63] - 1.0
            for term in cache[token]:
                if term in query:
                    query[term] += extra
    for term in symbol:
        if term in query:
            query[term] += SYMBOL_WEIGHT
    for term in path:
        if term in query:
            query[term] += path_weight
    for term in context.common.intersection(query):
        query[term] = COMMON_WEIGHT
    return query


def shared_terms(query: dict[str, float], context: LinkContext, position: int) -> list[str]:
    """The query's terms that a section's document has, in query order."""
    postings = context.index.postings
    return [
        term
        for term in query
        if (posting := postings.get(term)) is not None and position in posting
    ]


def matched_content_terms(chunk: Chunk, context: LinkContext, shared: list[str]) -> int:
    """How many distinct, not generic terms of the chunk's own lines and symbol a section shares
    (`shared`: the query terms it has; path words excluded): sharing only `start` or the file's
    name is a coincidence, not a link."""
    path_terms = set(context.path_terms(chunk.path))
    shared = [term for term in shared if term not in GENERIC_TERMS]
    if not path_terms.intersection(shared):
        return len(shared)
    own = _own_terms(chunk, context)
    return sum(1 for term in shared if term not in path_terms or term in own)


def _own_terms(chunk: Chunk, context: LinkContext) -> set[str]:
    tokens = [*context.tokens(chunk), *TOKEN.findall(chunk.symbol or "")]
    return set(chain.from_iterable(map(context.known_terms, tokens)))


SPECIFIC_SHARE = 0.6
"""A child section scoring at least this share of its parent's lexical score takes the link."""


def _most_specific(context: LinkContext, scores: dict[int, float], best: int, top: float) -> int:
    """Walk down from the best section to its best child while the child scores nearly as well."""
    positions = context.index.positions
    while True:
        children = [positions[c] for c in context.index.sections[best].children if c in positions]
        if not children:
            return best
        child = max(children, key=lambda c: scores.get(c, 0.0))
        if scores.get(child, 0.0) < SPECIFIC_SHARE * top:
            return best
        best = child


TASK_SHARE = 0.5
"""When the best section is a heading, a task scoring at least this share of it takes the link:
tasks are the units of work (and of coverage); headings such as "Key Entities" only describe."""


def _prefer_task(context: LinkContext, scores: dict[int, float], best: int, top: float) -> int:
    sections = context.index.sections
    if sections[best].kind == "task":
        return best
    tasks = [position for position in scores if sections[position].kind == "task"]
    if not tasks:
        return best
    task = max(tasks, key=scores.__getitem__)
    return task if scores[task] >= TASK_SHARE * top else best


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
    chunk: Chunk, context: LinkContext, candidates: Candidates
) -> dict[int, float]:
    """Add BM25 evidence for the best-scoring section (family-aware margin).

    Returns every scored section's share of the top score, by index position."""
    query = chunk_query(chunk, context)
    scores = context.index.scores(query)
    if not scores:
        return {}
    found = best_lexical(context, query, LEXICAL_HALF, scores)
    if found is None:
        return {}
    best, confidence, _ = found
    shared = shared_terms(query, context, best)
    section_id = context.index.sections[best].id
    matched = matched_content_terms(chunk, context, shared)
    if not matched:
        if any(item.kind == "path" for item in candidates.get(section_id, ())):
            return scores  # the section names the file: its path words would count twice
        confidence *= PATH_ONLY_FACTOR
    elif matched < len(BREADTH_FACTORS):
        confidence *= BREADTH_FACTORS[matched]
    if _names_other_file(chunk.path, section_id, context):
        confidence *= OTHER_FILE_FACTOR
    if chunk.path.lower().endswith(DOC_SUFFIXES):
        confidence *= DOC_FACTOR
    terms = ", ".join(f"`{term}`" for term in context.index.top_terms(query, best, shared))
    detail = f"shares {terms} with {context.label(section_id)}"
    _add(candidates, section_id, Evidence("lexical", detail, round(confidence, 3)))
    return scores


def _names_other_file(path: str, section_id: str, context: LinkContext) -> bool:
    """Whether the chunk's file is named by exactly one section, outside `section_id`'s family,
    while `section_id` names other files: the task that names this file is the better bet."""
    owners = {owner for owner, _ in naming_sections(path, context)}
    if len(owners) != 1 or owners & context.families.get(section_id, set()):
        return False
    return bool(context.mentions.section_paths.get(section_id))


def best_lexical(
    context: LinkContext,
    query: dict[str, float],
    half: float,
    scores: dict[int, float] | None = None,
) -> tuple[int, float, float] | None:
    """(position, confidence, top score) of the section a query matches best, or None.

    Confidence = strength × separation: strength grows with the top BM25 score (one half at `half`
    rare-term units),
    separation is how far the top stands above the best section outside its family (its ancestors,
    descendants and back-linked sections) — the most specific / task choice shares the family."""
    scores = context.index.scores(query) if scores is None else scores
    if not scores:
        return None
    sections = context.index.sections
    top_position = max(scores, key=scores.__getitem__)
    top = scores[top_position]
    best = _prefer_task(context, scores, _most_specific(context, scores, top_position, top), top)
    members = context.families[sections[top_position].id] | context.families[sections[best].id]
    ids = context.index.ids
    rival = 0.0
    for position, score in scores.items():
        if score > rival and ids[position] not in members:
            rival = score
    half *= context.index.rare_idf
    confidence = (top / (top + half)) * ((top - rival) / top) ** 0.5
    return best, confidence, top


def lexical_shares(
    scores: dict[int, float], candidates: Candidates, context: LinkContext
) -> dict[str, float]:
    """Each candidate section's lexical score as a share of the best (for tie-breaking)."""
    if not scores:
        return {}
    top = max(scores.values())
    positions = context.index.positions
    return {
        section_id: scores.get(positions.get(section_id, -1), 0.0) / top
        for section_id in candidates
    }
