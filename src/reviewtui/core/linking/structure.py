"""Provides `structure_evidence`: links that follow from the code's shape once the confident links of a
first pass are known.

- A chunk of a definition whose other chunks are confidently linked follows them.
- A test chunk follows the code it tests (the names it calls that confident chunks define; else the
  module its file is named after).
- A chunk in a file whose other chunks agree on one section gets a weak nudge toward it.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable

from reviewtui.core.linking.mentions import CONFIG_SUFFIXES, defined_names
from reviewtui.core.linking.terms import GENERIC_TERMS, identifier_key, terms_of, token_terms
from reviewtui.core.models import Chunk, Evidence

SAME_DEFINITION = 0.6
SAME_CLASS = 0.35
TESTED_NAME = 0.6
TESTED_MODULE = 0.4
CALLS_LOCAL = 0.5
"""Module-level code (`if __name__ == "__main__": main()`) that calls definitions of its own file
follows them."""
SAME_FILE = 0.15
FILE_AGREEMENT = 0.6
"""Share of a file's confident chunks that must agree before the file nudges its other chunks."""

_TEST_PATH = re.compile(
    r"(^|/)(tests?|spec|__tests__)/|(^|/)test_[^/]+$|_test\.\w+$|\.(test|spec)\.\w+$"
)
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_CALL = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)\s*\(")

Decided = dict[str, tuple[str | None, float]]
"""Chunk id → (section id, confidence) of the first pass (confident links only)."""
Labeler = Callable[[str], str]


def is_test_path(path: str) -> bool:
    return bool(_TEST_PATH.search(path))


def _majority(sections: list[str], share: float = 0.0) -> str | None:
    if not sections:
        return None
    section_id, count = Counter(sections).most_common(1)[0]
    return section_id if count / len(sections) >= share else None


def structure_evidence(
    chunks: list[Chunk],
    decided: Decided,
    label: Labeler,
    defined: dict[str, list[str]],
    supports: Callable[[str, str], bool] = lambda chunk_id, section_id: True,
) -> dict[str, list[tuple[str, Evidence]]]:
    """Chunk id → (section id, evidence) pairs the code's structure suggests; `defined` maps chunk
    id → the names the chunk defines."""
    found: dict[str, list[tuple[str, Evidence]]] = {}
    confident = [chunk for chunk in chunks if decided.get(chunk.id, (None, 0.0))[0] is not None]
    _definitions(chunks, confident, decided, label, found)
    _tests(chunks, confident, decided, label, found, defined)
    _local_calls(chunks, confident, decided, label, found, defined)
    _files(chunks, confident, decided, label, found)
    _neighbours(chunks, decided, label, found, supports)
    _call_graph(chunks, decided, label, found, defined, supports)
    return found


def _section(decided: Decided, chunk: Chunk) -> str:
    section_id = decided[chunk.id][0]
    assert section_id is not None
    return section_id


def _definitions(
    chunks: list[Chunk], confident: list[Chunk], decided: Decided, label: Labeler, found: dict
) -> None:
    by_symbol: dict[tuple[str, str], list[str]] = {}
    by_class: dict[tuple[str, str], list[str]] = {}
    for chunk in confident:
        if chunk.symbol:
            by_symbol.setdefault((chunk.path, chunk.symbol), []).append(_section(decided, chunk))
            if "." in chunk.symbol:
                owner = chunk.symbol.split(".")[0]
                by_class.setdefault((chunk.path, owner), []).append(_section(decided, chunk))
    for chunk in chunks:
        if not chunk.symbol:
            continue
        others = [s for s in by_symbol.get((chunk.path, chunk.symbol), [])]
        if decided.get(chunk.id, (None, 0))[0] is not None:
            others.remove(_section(decided, chunk))
        target = _majority(others)
        if target is not None:
            detail = f"same definition `{chunk.symbol}` as chunks linked to {label(target)}"
            found.setdefault(chunk.id, []).append(
                (target, Evidence("structure", detail, SAME_DEFINITION))
            )
            continue
        owner = chunk.symbol.split(".")[0]
        target = _majority(by_class.get((chunk.path, owner), []), FILE_AGREEMENT)
        if target is not None and "." in chunk.symbol:
            detail = f"same class `{owner}` as chunks linked to {label(target)}"
            found.setdefault(chunk.id, []).append(
                (target, Evidence("structure", detail, SAME_CLASS))
            )


def _tests(
    chunks: list[Chunk],
    confident: list[Chunk],
    decided: Decided,
    label: Labeler,
    found: dict,
    defined_by: dict[str, list[str]],
) -> None:
    defined: dict[str, str] = {}
    modules: dict[str, list[str]] = {}
    for chunk in confident:
        if is_test_path(chunk.path):
            continue
        if not chunk.path.endswith(
            CONFIG_SUFFIXES
        ):  # a config key (`data:`) is not code a test calls
            for name in defined_by.get(chunk.id) or defined_names(chunk):
                if identifier_key(name) not in GENERIC_TERMS:
                    defined.setdefault(identifier_key(name), _section(decided, chunk))
        stem = chunk.path.rsplit("/", 1)[-1].rsplit(".", 1)[0]
        modules.setdefault(stem, []).append(_section(decided, chunk))
    for chunk in chunks:
        if is_test_path(chunk.path):
            _test_chunk(chunk, defined, modules, label, found)


def _test_chunk(
    chunk: Chunk,
    defined: dict[str, str],
    modules: dict[str, list[str]],
    label: Labeler,
    found: dict,
) -> None:
    texts = [chunk.symbol or ""] + [line.text for line in chunk.lines if line.kind == "+"]
    focus = set(terms_of(chunk.symbol or ""))
    votes: Counter[str] = Counter()
    first_name: dict[str, str] = {}
    for name, count in Counter(_NAME.findall("\n".join(texts))).items():
        key = identifier_key(name.removeprefix("test_").removeprefix("Test"))
        if key in defined:
            votes[defined[key]] += count * (1 + 2 * len(focus.intersection(token_terms(name))))
            first_name.setdefault(defined[key], name)
    target = votes.most_common(1)[0][0] if votes else None
    if target is not None:
        name = first_name[target]
        detail = f"tests `{name}`, linked to {label(target)}"
        found.setdefault(chunk.id, []).append((target, Evidence("structure", detail, TESTED_NAME)))
        return
    stem = chunk.path.rsplit("/", 1)[-1].rsplit(".", 1)[0]
    module = re.sub(r"^test_|_test$|\.(test|spec)$", "", stem)
    target = _majority(modules.get(module, []), FILE_AGREEMENT)
    if target is not None:
        detail = f"tests module `{module}`, linked to {label(target)}"
        found.setdefault(chunk.id, []).append(
            (target, Evidence("structure", detail, TESTED_MODULE))
        )


def _local_calls(
    chunks: list[Chunk],
    confident: list[Chunk],
    decided: Decided,
    label: Labeler,
    found: dict,
    defined_by: dict[str, list[str]],
) -> None:
    """Module-level chunks (no enclosing definition) calling names that confident chunks of the same
    file define follow the section those definitions are linked to."""
    local: dict[str, dict[str, str]] = {}
    for chunk in confident:
        symbol = [chunk.symbol.split(".")[0]] if chunk.symbol else []
        for name in [*symbol, *(defined_by.get(chunk.id) or defined_names(chunk))]:
            local.setdefault(chunk.path, {}).setdefault(name, _section(decided, chunk))
    for chunk in chunks:
        names = local.get(chunk.path)
        if chunk.symbol or not names or is_test_path(chunk.path):
            continue
        own = set(defined_by.get(chunk.id) or ())
        if own:
            continue  # it defines names of its own: not glue code calling the file's definitions
        text = "\n".join(line.text for line in chunk.lines if line.kind == "+")
        called = [n for n in dict.fromkeys(_CALL.findall(text)) if n in names and n not in own]
        target = _majority([names[name] for name in called], FILE_AGREEMENT)
        if target is not None:
            name = next(n for n in called if names[n] == target)
            detail = f"calls `{name}`, defined in this file and linked to {label(target)}"
            found.setdefault(chunk.id, []).append(
                (target, Evidence("structure", detail, CALLS_LOCAL))
            )


def _files(
    chunks: list[Chunk], confident: list[Chunk], decided: Decided, label: Labeler, found: dict
) -> None:
    by_file: dict[str, Counter[str]] = {}
    for chunk in confident:
        by_file.setdefault(chunk.path, Counter())[_section(decided, chunk)] += 1
    leaders = {path: (sum(c.values()), c.most_common(2)) for path, c in by_file.items()}
    for chunk in chunks:
        leader = leaders.get(chunk.path)
        if leader is None:
            continue
        target = _file_majority(*leader, decided.get(chunk.id, (None, 0))[0])
        if target is not None:
            detail = f"other chunks of {chunk.path} are linked to {label(target)}"
            found.setdefault(chunk.id, []).append(
                (target, Evidence("structure", detail, SAME_FILE))
            )


def _file_majority(total: int, top: list[tuple[str, int]], own: str | None) -> str | None:
    """The section most of a file's other confident chunks agree on (at least two of them), from
    the file's two most common sections and the chunk's own link."""
    if own is not None:
        total -= 1
    if total < 2:
        return None
    section_id, count = top[0]
    if own == section_id:
        count -= 1
        if len(top) > 1 and top[1][1] > count:
            section_id, count = top[1]
    return section_id if count / total >= FILE_AGREEMENT else None


NEIGHBOURS_AGREE = 0.45
"""A chunk between two chunks of its file linked to the same section: code for one section is
written together, so what sits between two pieces of it is most likely part of it."""
NEIGHBOUR_ONE = 0.2
"""A chunk next to a chunk of its file linked to a section, with no confident chunk on the other side."""
NEIGHBOUR_REACH = 2
"""How many chunks away a neighbour may be."""


def _neighbours(
    chunks: list[Chunk],
    decided: Decided,
    label: Labeler,
    found: dict,
    supports: Callable[[str, str], bool],
) -> None:
    by_file: dict[str, list[Chunk]] = {}
    for chunk in chunks:
        if chunk.new_lines:
            by_file.setdefault(chunk.path, []).append(chunk)
    for ordered in by_file.values():
        ordered.sort(key=lambda chunk: chunk.new_start)
        linked = [decided.get(chunk.id, (None, 0.0))[0] for chunk in ordered]
        for position, chunk in enumerate(ordered):
            above = _nearest(
                linked, range(position - 1, max(-1, position - 1 - NEIGHBOUR_REACH), -1)
            )
            below = _nearest(
                linked, range(position + 1, min(len(ordered), position + 1 + NEIGHBOUR_REACH))
            )
            if above is not None and above == below and supports(chunk.id, above):
                detail = f"between chunks of {chunk.path} linked to {label(above)}"
                found.setdefault(chunk.id, []).append(
                    (above, Evidence("structure", detail, NEIGHBOURS_AGREE))
                )
            elif (above is None) != (below is None):
                target = above or below
                assert target is not None
                if not supports(chunk.id, target):
                    continue
                detail = f"next to a chunk of {chunk.path} linked to {label(target)}"
                found.setdefault(chunk.id, []).append(
                    (target, Evidence("structure", detail, NEIGHBOUR_ONE))
                )


def _nearest(linked: list[str | None], positions: range) -> str | None:
    for position in positions:
        if linked[position] is not None:
            return linked[position]
    return None


USED_BY_SECTION = 0.3
"""A chunk whose names are used by chunks linked to one section: a helper is written for its callers.
(The other direction, a chunk using names of one section's chunks, was measured and dropped: it
moved as many links wrong as right.)"""


def _call_graph(
    chunks: list[Chunk],
    decided: Decided,
    label: Labeler,
    found: dict,
    defined_by: dict[str, list[str]],
    supports: Callable[[str, str], bool],
) -> None:
    """A definition used (called, or named as a type) by chunks of other definitions that agree on
    one section follows them, when its own words agree; test files and config are left to the
    other rules."""
    code = [c for c in chunks if not is_test_path(c.path) and not c.path.endswith(CONFIG_SUFFIXES)]
    definers: dict[str, list[str]] = {}
    for chunk in code:
        for name in defined_by.get(chunk.id) or ():
            if len(name) > 2 and identifier_key(name) not in GENERIC_TERMS:
                definers.setdefault(name, []).append(chunk.id)
    if not definers:
        return
    users: dict[str, list[tuple[str, str]]] = {}
    for chunk in code:
        section_id = decided.get(chunk.id, (None, 0.0))[0]
        if section_id is None:
            continue
        for name in _used_names(chunk, definers, defined_by):
            for definer in definers[name]:
                if definer != chunk.id:
                    users.setdefault(definer, []).append((section_id, chunk.symbol or name))
    for chunk in code:
        votes = users.get(chunk.id)
        target = _majority([section for section, _ in votes], FILE_AGREEMENT) if votes else None
        if votes and target is not None and supports(chunk.id, target):
            user = next(user for section, user in votes if section == target)
            detail = f"used by `{user}`, linked to {label(target)}"
            found.setdefault(chunk.id, []).append(
                (target, Evidence("structure", detail, USED_BY_SECTION))
            )


def _used_names(
    chunk: Chunk, definers: dict[str, list[str]], defined_by: dict[str, list[str]]
) -> list[str]:
    own = set(defined_by.get(chunk.id) or ())
    text = "\n".join(line.text for line in chunk.lines if line.kind == "+")
    return [n for n in dict.fromkeys(_NAME.findall(text)) if n in definers and n not in own]
