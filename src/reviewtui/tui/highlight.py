"""Provides the pieces a diff view needs to draw a chunk: syntax tokens per line and changed words.

`highlight_chunk(chunk)` returns one `DiffRow` per diff line with its pygments tokens (each side of
the diff is lexed as one text so multi-line strings stay right) and the character spans that
differ from the paired line on the other side (intra-line changed-word highlight). Pure Python:
no Textual, cheap enough to run in a worker for big chunks.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from functools import lru_cache

from pygments.lexer import Lexer
from pygments.lexers import get_lexer_by_name, get_lexer_for_filename
from pygments.token import Token, _TokenType
from pygments.util import ClassNotFound

from reviewtui.core.models import Chunk, DiffLine, LineKind
from reviewtui.tui.text import clean_line

TokenRun = tuple[_TokenType, str]
"""A pygments token type and the text it covers (within one line)."""

_WORD = re.compile(r"\d+(?:\.\d+)?(?:[eE][-+]?\d+)?|\w+|\s+|[^\w\s]")


@dataclass
class DiffRow:
    """One drawn line of a chunk's diff."""

    kind: LineKind
    old_no: int | None
    new_no: int | None
    text: str
    """The cleaned line text (tabs expanded, control characters visible)."""
    tokens: list[TokenRun] = field(default_factory=list)
    changed: list[tuple[int, int]] = field(default_factory=list)
    """Character spans [start, end) that differ from the paired line on the other side."""
    no_newline: bool = False


@lru_cache(maxsize=64)
def _lexer_by_name(name: str) -> Lexer | None:
    try:
        return get_lexer_by_name(name, stripnl=False, ensurenl=False)
    except ClassNotFound:
        return None


@lru_cache(maxsize=256)
def _lexer_for_path(path: str) -> Lexer | None:
    try:
        return get_lexer_for_filename(path, stripnl=False, ensurenl=False)
    except ClassNotFound:
        return None


def lexer_for(language: str | None, path: str) -> Lexer | None:
    """The pygments lexer for a chunk: its language alias first, else guessed from the path."""
    lexer = _lexer_by_name(language) if language else None
    return lexer or _lexer_for_path(path.rsplit("/", 1)[-1])


def tokenize(lexer: Lexer | None, lines: list[str]) -> list[list[TokenRun]]:
    """Lex `lines` as one text; return the token runs of each line."""
    if lexer is None:
        return [[(Token.Text, line)] if line else [] for line in lines]
    result: list[list[TokenRun]] = [[]]
    for token_type, value in lexer.get_tokens("\n".join(lines)):
        parts = value.split("\n")
        for index, part in enumerate(parts):
            if index:
                result.append([])
            if part:
                result[-1].append((token_type, part))
    result.extend([] for _ in range(len(lines) - len(result)))
    return result[: len(lines)]


def changed_spans(old: str, new: str) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
    """Character spans of `old` and `new` that differ, compared word by word."""
    old_words, new_words = _WORD.findall(old), _WORD.findall(new)
    matcher = SequenceMatcher(None, old_words, new_words, autojunk=False)
    if matcher.ratio() < 0.3:
        return [], []
    old_at, new_at = _offsets(old_words), _offsets(new_words)
    old_spans: list[tuple[int, int]] = []
    new_spans: list[tuple[int, int]] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        if i2 > i1:
            old_spans.append((old_at[i1], old_at[i2]))
        if j2 > j1:
            new_spans.append((new_at[j1], new_at[j2]))
    return old_spans, new_spans


def _offsets(words: list[str]) -> list[int]:
    offsets = [0]
    for word in words:
        offsets.append(offsets[-1] + len(word))
    return offsets


def highlight_chunk(chunk: Chunk) -> list[DiffRow]:
    """The rows of a chunk's diff, tokenized per side, with changed words marked."""
    rows = [_row(line) for line in chunk.lines]
    lexer = lexer_for(chunk.language, chunk.path)
    for side in ("+", "-"):
        indexes = [i for i, row in enumerate(rows) if row.kind in (" ", side)]
        tokens = tokenize(lexer, [rows[i].text for i in indexes])
        for index, runs in zip(indexes, tokens, strict=True):
            if side == "+" or rows[index].kind == "-":  # context lines take the new side's tokens
                rows[index].tokens = runs
    _mark_changed_words(rows)
    return rows


def plain_rows(chunk: Chunk) -> list[DiffRow]:
    """The rows of a chunk without syntax tokens or changed words (instant, for huge chunks)."""
    return [_row(line) for line in chunk.lines]


def _row(line: DiffLine) -> DiffRow:
    return DiffRow(
        line.kind, line.old_no, line.new_no, clean_line(line.text), no_newline=line.no_newline
    )


def _mark_changed_words(rows: list[DiffRow]) -> None:
    """Pair each run of removed lines with the added run right after it, line by line."""
    index = 0
    while index < len(rows):
        if rows[index].kind != "-":
            index += 1
            continue
        removed_end = index
        while removed_end < len(rows) and rows[removed_end].kind == "-":
            removed_end += 1
        added_end = removed_end
        while added_end < len(rows) and rows[added_end].kind == "+":
            added_end += 1
        for old, new in zip(rows[index:removed_end], rows[removed_end:added_end], strict=False):
            old.changed, new.changed = changed_spans(old.text, new.text)
        index = added_end
