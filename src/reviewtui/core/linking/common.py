"""Provides `common_terms`: the words of one review that say nothing about which section a chunk
implements, because they are everywhere in it — the project's own name (from the `name` of
pyproject.toml / setup.cfg / package.json / Cargo.toml and the README's title, when those files are
part of the phase) and terms found in most chunks or in most of the changed files' paths (`dr` in
`src/dr/*.py`). They still count in a query, at `COMMON_WEIGHT`.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable, Set
from itertools import chain

from reviewtui.core.linking.terms import identifier_key

COMMON_SHARE = 0.5
"""A term in at least this share of the chunks (or of the paths) is common."""
MIN_CHUNKS = 8
"""Fewer chunks than this say nothing about which terms are common."""
MIN_PATHS = 4
"""Fewer distinct paths than this say nothing about which path words are common."""
COMMON_WEIGHT = 0.1
"""Query weight of a common term."""

_NAME_FILES = ("pyproject.toml", "setup.cfg", "package.json", "cargo.toml")
_PROJECT_NAME = re.compile(r"""^\s*"?name"?\s*[:=]\s*["']?([\w.@/-]+)""", re.MULTILINE)
_README_TITLE = re.compile(r"^#\s+(.+)$", re.MULTILINE)
_WORD = re.compile(r"[A-Za-z][A-Za-z0-9]+")


def project_keys(file_texts: dict[str, str]) -> set[str]:
    """`identifier_key`s of the project's name and of its words (`fiqa-synthetic-dr` → `fiqa`,
    `synthetic`, `dr`, `fiqasyntheticdr`), read from top-level project files among `file_texts`."""
    names: list[str] = []
    for path, text in file_texts.items():
        name = path.lower()
        if name in _NAME_FILES:
            found = _PROJECT_NAME.search(text)
            if found:
                names.append(found.group(1))
        elif name.startswith("readme"):
            title = _README_TITLE.search(text)
            if title and len(title.group(1).split()) <= 3:
                names.append(title.group(1))
    keys: set[str] = set()
    for name in names:
        words = _WORD.findall(name.rsplit("/", 1)[-1])
        keys.update(identifier_key(word) for word in words)
        if len(words) > 1:
            keys.add(identifier_key("".join(words)))
    return keys


def common_terms(
    chunk_tokens: Iterable[Iterable[str]],
    paths: Iterable[str],
    known_terms: Callable[[str], tuple[str, ...]],
    path_terms: Callable[[str], tuple[str, ...]],
    project: set[str],
) -> frozenset[str]:
    """Terms in most chunks, in most paths, or belonging to a token that is the project's name."""
    chunks = [tokens if isinstance(tokens, Set) else set(tokens) for tokens in chunk_tokens]
    common: set[str] = set()
    if len(chunks) >= MIN_CHUNKS:
        common.update(_frequent_terms(chunks, known_terms, COMMON_SHARE * len(chunks)))
    if project:
        for token in set().union(*chunks):
            if identifier_key(token) in project:
                common.update(known_terms(token))
    distinct = set(paths)
    if len(distinct) >= MIN_PATHS:
        in_paths = Counter(term for path in distinct for term in set(path_terms(path)))
        common.update(t for t, count in in_paths.items() if count >= COMMON_SHARE * len(distinct))
    return frozenset(common)


def _frequent_terms(
    chunks: list[Set[str]], known_terms: Callable[[str], tuple[str, ...]], needed: float
) -> set[str]:
    """Terms found in at least `needed` chunks. Counting tokens is cheap; a term's chunk count is at
    most the sum of its tokens' counts, so only the few terms reaching `needed` that way are
    counted exactly."""
    token_count = Counter(chain.from_iterable(chunks))
    bound: dict[str, int] = {}
    get = bound.get
    for token, count in token_count.items():
        for term in known_terms(token):
            bound[term] = get(term, 0) + count
    reaching = {term for term, most in bound.items() if most >= needed}
    if not reaching:
        return set()
    sources: dict[str, list[str]] = {}
    for token in token_count:
        for term in known_terms(token):
            if term in reaching:
                sources.setdefault(term, []).append(token)
    frequent: set[str] = set()
    for term in reaching:
        spellings = sources[term]
        count = (
            bound[term]
            if len(spellings) == 1
            else sum(1 for c in chunks if not c.isdisjoint(spellings))
        )
        if count >= needed:
            frequent.add(term)
    return frequent
