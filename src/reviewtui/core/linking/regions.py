"""Provides `marker_regions`: the line spans of a file that a `# spec: 2.1` style comment or docstring
covers, so a chunk inside a marked definition is linked even when the marker line itself is unchanged.

Rules, by where the marker sits:
- in the file's opening comment/docstring block, when that block is a file header (a blank line, a
  module docstring or the imports separate it from the first definition): the whole file (weaker);
- at module level before a statement: that statement's block (the `def`, the `class`, the YAML key);
- indented (a comment or docstring inside a body): the rest of that body, until it dedents.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass

from reviewtui.core.linking.references import BARE_ID, MARKER_WORDS, SectionRefs

_MARKER_WORD = re.compile("|".join(MARKER_WORDS), re.IGNORECASE)
_COMMENT_STARTS = ("#", "//", "--", ";", '"""', "'''", "/*", "*", "<!--")


@dataclass(frozen=True)
class MarkerRegion:
    first: int
    """1-based first line covered."""
    last: int
    """1-based last line covered."""
    section_ids: tuple[str, ...]
    marker_line: int
    whole_file: bool = False


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip())


def _is_comment(stripped: str) -> bool:
    return stripped.startswith(_COMMENT_STARTS)


def _opening_block_end(lines: list[str]) -> int:
    """Index of the first line after the file's opening comments/docstring (0-based)."""
    in_docstring = False
    for index, line in enumerate(lines):
        stripped = line.strip()
        if in_docstring:
            in_docstring = not (stripped.endswith(('"""', "'''")))
            continue
        if stripped.startswith(('"""', "'''")):
            body = stripped[3:]
            in_docstring = not body.endswith(('"""', "'''"))
            continue
        if stripped and not _is_comment(stripped):
            return index
    return len(lines)


def _block_end(lines: list[str], start: int) -> int:
    """Last index of the top-level block beginning at or after `start` (comments, decorators skipped)."""
    index = start
    while index < len(lines) and (
        not lines[index].strip()
        or _is_comment(lines[index].strip())
        or lines[index].lstrip().startswith("@")
    ):
        index += 1
    if index >= len(lines):
        return len(lines) - 1
    base = _indent(lines[index])
    end = index
    for later in range(index + 1, len(lines)):
        stripped = lines[later].strip()
        if not stripped:
            continue
        if _indent(lines[later]) <= base and not stripped.startswith((")", "]", "}")):
            break
        end = later
    return end


def _body_end(lines: list[str], start: int, indent: int) -> int:
    end = start
    for later in range(start + 1, len(lines)):
        stripped = lines[later].strip()
        if not stripped:
            continue
        if _indent(lines[later]) < indent:
            break
        end = later
    return end


def marker_regions(text: str, refs: SectionRefs) -> list[MarkerRegion]:
    """All marker regions of one file's text, in line order."""
    lines = text.splitlines()
    candidates = _candidate_lines(lines)
    if not candidates:
        return []
    opening_end = _opening_block_end(lines)
    regions: list[MarkerRegion] = []
    for index in candidates:
        line = lines[index]
        ids = _line_ids(line, refs)
        if not ids:
            continue
        if index < opening_end and _file_header(lines, index, opening_end):
            regions.append(MarkerRegion(1, len(lines), ids, index + 1, whole_file=True))
        elif _indent(line) == 0:
            regions.append(
                MarkerRegion(index + 1, _block_end(lines, index + 1) + 1, ids, index + 1)
            )
        else:
            regions.append(
                MarkerRegion(index + 1, _body_end(lines, index, _indent(line)) + 1, ids, index + 1)
            )
    return regions


def _candidate_lines(lines: list[str]) -> list[int]:
    """Indexes of the lines that hold a marker word or a bare id, found with one search over the
    whole text (most files have none, and a regex per line is the cost of a large phase)."""
    text = "\n".join(lines)
    lowered = text.lower()
    found: set[int] = set()
    for word in MARKER_WORDS:
        position = lowered.find(word)
        while position >= 0:
            found.add(position)
            position = lowered.find(word, position + 1)
    found.update(match.start() for match in BARE_ID.finditer(text))
    if not found:
        return []
    starts = [0]
    for index, line in enumerate(lines[:-1]):
        starts.append(starts[index] + len(line) + 1)
    return sorted({bisect_right(starts, offset) - 1 for offset in found})


_PREAMBLE = re.compile(
    r"""^\s*(?:import\s|from\s+\S+\s+import\s|package\s|use\s|using\s|#include|library\(|"""
    r"""(?:const|let|var)\s+\w+\s*=\s*require\(|["']use strict["'])"""
)
"""A first line of code that opens a file rather than a definition: imports, package lines."""


def _file_header(lines: list[str], index: int, opening_end: int) -> bool:
    """Whether the marker at `index` heads the file rather than the definition right below it: a
    blank line or a module docstring follows it, or the code below starts with the imports."""
    if opening_end >= len(lines) or _blank_between(lines, index, opening_end):
        return True
    after = (line.strip() for line in lines[index + 1 : opening_end])
    if any(line.startswith(('"""', "'''")) for line in after):
        return True
    return _PREAMBLE.match(lines[opening_end]) is not None


def _blank_between(lines: list[str], start: int, end: int) -> bool:
    """Whether a blank line separates line `start` from the code at `end` (a file header)."""
    return any(not lines[number].strip() for number in range(start + 1, min(end, len(lines))))


def _line_ids(line: str, refs: SectionRefs) -> tuple[str, ...]:
    """Sections a line names: marker words anywhere, bare task ids (`T012`) only in comments."""
    comment = _is_comment(line.strip())
    if not _mentions_marker(line) and not (comment and BARE_ID.search(line)):
        return ()
    return tuple(refs.in_text(line, bare=comment))


def _mentions_marker(line: str) -> bool:
    return _MARKER_WORD.search(line) is not None
