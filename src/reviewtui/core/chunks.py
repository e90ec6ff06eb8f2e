"""Provides `cut_chunks`: the phase's file diffs cut into small, syntax-aware chunks with stable ids.

How a file is cut:

- Python (`.py`, `.pyi`, `.pyw`): `ast` on the new side (the old side for a deleted file) gives every
  line an *owner*: a top-level function, a class (its own statements), a method, or the module. A chunk
  never spans two owners, except that a class whose changes fit in one chunk stays whole. Removed
  lines take their owner from the old side, which is rebuilt from the new text and the hunks. Small
  hunks of the same definition a few lines apart are joined, and a definition with more than
  `max_lines` changed lines is split at blank lines, else at statement starts. `Chunk.symbol` is the
  deepest definition enclosing the chunk's changes (`Trainer.step`). A file that does not parse
  falls back to the text rules.
- Brace languages (JS/TS, Go, Rust, Java, Kotlin, C#, C/C++, Swift, Scala, PHP), shell and SQL:
  the line scanner of `core/outline.py` gives owners the same way (top-level definitions, the
  members of classes and impl blocks, shell functions, SQL statements) and names them
  (`LoanService.borrow`, `Store.upsert`); a file it is unsure of falls back to the text rules.
- Config (yaml, json, toml, ini, cfg): a multi-line top-level key (a TOML or INI table) owns its
  lines and names the chunk (`symbol`); neighbouring one-line settings share a chunk.
- Other text: one chunk per hunk, split at blank lines when it has more than `max_lines` changes.
- Binary files, submodules, symlinks (`symlink → /etc/passwd (added)`), huge and minified files, and
  changes without content (a pure rename, a mode change, an empty file) become one chunk with a
  one-line `summary` and no lines.

A chunk's id comes from its path and its changed lines (kind and text), never from line numbers, so a
change that moves keeps its id and any edit gives a new one. Copies of one change in a file are told
apart by their symbol, else their nearest context, so no copy ever inherits another's id. A
change's id thus switches between the plain and the symbol-qualified form (`copy_id`) when another
copy appears or goes: `other_id_form` says where its decision may be recorded under the other form.
A binary file's id covers git's blob ids. A chunk's context has no blank lines at its edges.
"""

from __future__ import annotations

import ast
import fnmatch
import hashlib
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import PurePosixPath
from typing import TYPE_CHECKING

from pygments.lexers import get_all_lexers

from reviewtui.config import ChunkSettings
from reviewtui.core.diffparse import SYMLINK_MODE
from reviewtui.core.gcpause import collector_paused
from reviewtui.core.models import Chunk, CommitInfo, DiffLine, FileDiff, Hunk
from reviewtui.core.outline import Definition, dialect_for, scan_outline
from reviewtui.core.pysource import SyntaxTrees, parse_python
from reviewtui.errors import ReviewError

if TYPE_CHECKING:
    import threading

ID_LENGTH = 12
"""Hex digits of a chunk id (copies alike in symbol and context get a `-2`, `-3`… suffix)."""

BRIDGE_GAP = 6
"""Most unchanged lines between two hunks of one Python definition that still join them."""

PYTHON_SUFFIXES = frozenset({".py", ".pyi", ".pyw"})
CONFIG_KINDS: dict[str, str] = {
    ".yaml": "yaml",
    ".yml": "yaml",
    ".json": "json",
    ".toml": "toml",
    ".ini": "ini",
    ".cfg": "ini",
}
"""File suffix -> the config dialect whose top-level keys name and separate chunks."""

_DEFINITIONS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
_FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef)


# --------------------------------------------------------------------------- public API


def chunk_id(path: str, lines: Sequence[DiffLine]) -> str:
    """A short hex id from the path and the changed lines' kinds and texts (context and numbers ignored)."""
    digest = hashlib.sha1(usedforsecurity=False)
    digest.update(path.encode("utf-8", "replace"))
    # one encode of the joined lines: UTF-8 is stateless, so the bytes are those of line by line
    changed = "".join(["\0" + line.kind + line.text for line in lines if line.kind != " "])
    digest.update(changed.encode("utf-8", "replace"))
    return digest.hexdigest()[:ID_LENGTH]


def cut_chunks(
    files: list[FileDiff],
    commits: list[CommitInfo],
    settings: ChunkSettings,
    *,
    trees: SyntaxTrees | None = None,
    cancel: threading.Event | None = None,
) -> list[Chunk]:
    """Cut every file of the phase into chunks, in file order then position; ids are unique.

    `trees` shares the parse of each Python file's new side with the checks (see `SyntaxTrees`).
    `cancel` is checked before each file: once it is set, ReviewError("cancelled")."""
    added_by_path = _added_by_path(commits)
    chunks: list[Chunk] = []
    with collector_paused():
        for file in files:
            if cancel is not None and cancel.is_set():
                raise ReviewError("cancelled")
            language = language_for(file.path)
            added = _added_to(file, added_by_path)
            for piece in _file_pieces(file, settings, trees):
                chunks.append(_to_chunk(file, piece, language, added))
    _make_ids_unique(chunks)
    return chunks


@lru_cache(maxsize=1024)
def language_for(path: str) -> str | None:
    """The pygments alias of the lexer for a file name (`python`, `yaml`…), or None.

    Read from pygments' built-in lexer table without importing lexers or scanning plugins (a plugin
    scan can import whole applications, which costs seconds).
    """
    name = PurePosixPath(path).name
    by_suffix, patterns = _lexer_table()
    for pattern, alias in patterns:
        if fnmatch.fnmatchcase(name, pattern):
            return alias
    for index, char in enumerate(name):
        if char == "." and name[index:] in by_suffix:
            return by_suffix[name[index:]]
    return None


@lru_cache(maxsize=1)
def _lexer_table() -> tuple[dict[str, str], list[tuple[str, str]]]:
    """(`.suffix` -> alias, [(other file-name pattern, alias)]) from pygments' built-in lexers."""
    by_suffix: dict[str, str] = {}
    patterns: list[tuple[str, str]] = []
    for _name, aliases, filenames, _mimetypes in get_all_lexers(plugins=False):
        if not aliases:
            continue
        for pattern in filenames:
            if pattern.startswith("*.") and not any(char in pattern[1:] for char in "*?["):
                by_suffix.setdefault(pattern[1:], aliases[0])
            else:
                patterns.append((pattern, aliases[0]))
    return by_suffix, patterns


# --------------------------------------------------------------------------- pieces


@dataclass
class _Piece:
    """A chunk before it has an id: its lines, symbol, summary and line numbers."""

    lines: list[DiffLine]
    key: list[DiffLine]
    """The lines the id and the commit attribution derive from (the changed lines, or a signature)."""
    new_start: int = 0
    new_lines: int = 0
    old_start: int = 0
    old_lines: int = 0
    added: int = 0
    removed: int = 0
    symbol: str | None = None
    summary: str | None = None
    around: tuple[int, int, int, int] = (0, 0, 0, 0)
    """The new-side lines just before and after the changes, then the old-side ones: where the
    context that tells two identical changes apart is read."""
    id: str = ""


def _added_by_path(commits: list[CommitInfo]) -> dict[str, list[tuple[int, str, set[str]]]]:
    """path -> (commit position, sha, stripped added lines) for each commit that added to it."""
    index: dict[str, list[tuple[int, str, set[str]]]] = {}
    for position, commit in enumerate(commits):
        for path, added in commit.added_lines.items():
            index.setdefault(path, []).append((position, commit.sha, added))
    return index


def _added_to(
    file: FileDiff, index: dict[str, list[tuple[int, str, set[str]]]]
) -> list[tuple[str, set[str]]]:
    """What each commit added to the file, under its new path or (before a rename) its old one."""
    entries = list(index.get(file.path, []))
    if file.old_path and file.old_path != file.path:
        entries.extend(index.get(file.old_path, []))
    entries.sort(key=lambda entry: entry[0])
    return [(sha, added) for _position, sha, added in entries]


def _to_chunk(
    file: FileDiff, piece: _Piece, language: str | None, added: list[tuple[str, set[str]]]
) -> Chunk:
    return Chunk(
        id=piece.id or chunk_id(file.path, piece.key),
        path=file.path,
        old_path=file.old_path,
        change=file.change,
        lines=piece.lines,
        new_start=piece.new_start,
        new_lines=piece.new_lines,
        old_start=piece.old_start,
        old_lines=piece.old_lines,
        added=piece.added,
        removed=piece.removed,
        symbol=piece.symbol,
        language=language,
        summary=piece.summary,
        commits=_commits_of(piece.key, added),
    )


def _commits_of(lines: list[DiffLine], added: list[tuple[str, set[str]]]) -> list[str]:
    if not added:
        return []
    texts = {line.text.strip() for line in lines if line.kind == "+"}
    texts.discard("")
    shas = [sha for sha, commit_lines in added if not texts.isdisjoint(commit_lines)]
    return list(dict.fromkeys(shas))


def _make_ids_unique(chunks: list[Chunk]) -> None:
    seen: dict[str, int] = {}
    for chunk in chunks:
        count = seen.get(chunk.id, 0) + 1
        seen[chunk.id] = count
        if count > 1:
            chunk.id = f"{chunk.id}-{count}"


def _file_pieces(
    file: FileDiff, settings: ChunkSettings, trees: SyntaxTrees | None = None
) -> list[_Piece]:
    summary = _summary_piece(file, settings)
    if summary is not None:
        return [summary]
    new_lines = split_lines(file.new_text) if file.new_text is not None else None
    old_lines = rebuild_old_lines(file, new_lines) if file.removed else None
    new_outline, old_outline = _outlines(file, new_lines, old_lines, trees)
    bridge_text = new_lines if new_outline is not None and new_outline.syntax else None
    max_lines = max(1, settings.max_lines)
    cutter = _Cutter(new_outline, old_outline, max_lines, max(0, settings.context))
    pieces: list[_Piece] = []
    for segment in _segments(file.hunks, bridge_text, max_lines):
        pieces.extend(cutter.cut(segment))
    _assign_ids(file.path, pieces, new_lines, old_lines)
    return pieces


# --------------------------------------------------------------------------- ids of identical changes

CONTEXT_DEPTH = 32
"""Most non-blank unchanged lines read on each side to tell identical changes apart."""


def _assign_ids(
    path: str, pieces: list[_Piece], new_lines: list[str] | None, old_lines: list[str] | None
) -> None:
    """Give each piece its id. A change found once in the file keeps the plain content id; every
    copy of a repeated change (the same lines added to two functions) is told apart by its
    enclosing symbol, else by the nearest differing context, so that when one copy later changes
    the other never takes over its id (and its decision). An ordinal is the last resort."""
    groups: dict[str, list[_Piece]] = {}
    for piece in pieces:
        piece.id = chunk_id(path, piece.key)
        groups.setdefault(piece.id, []).append(piece)
    for base, tied in groups.items():
        if len(tied) > 1:
            _tell_apart(base, tied, new_lines, old_lines)


def _tell_apart(
    base: str, tied: list[_Piece], new_lines: list[str] | None, old_lines: list[str] | None
) -> None:
    contexts = [_context_around(piece, new_lines, old_lines) for piece in tied]
    depth = 0
    pending = list(range(len(tied)))
    while pending and depth <= CONTEXT_DEPTH:
        keys = {index: _qualified(base, tied[index], contexts[index], depth) for index in pending}
        counts: dict[str, int] = {}
        for key in keys.values():
            counts[key] = counts.get(key, 0) + 1
        for index in pending:
            tied[index].id = keys[index]
        pending = [index for index in pending if counts[keys[index]] > 1]
        depth += 1
    for number, index in enumerate(pending[1:], 2):
        tied[index].id = f"{tied[index].id}-{number}"


def _qualified(base: str, piece: _Piece, context: tuple[list[str], list[str]], depth: int) -> str:
    """The id of a repeated change: its content id, its symbol and `depth` context lines a side."""
    above, below = context
    return _digest([base, piece.symbol or "", *above[:depth], "\1", *below[:depth]])


def _digest(parts: list[str]) -> str:
    text = "\0".join(parts)
    return hashlib.sha1(text.encode("utf-8", "replace"), usedforsecurity=False).hexdigest()[
        :ID_LENGTH
    ]


def copy_id(content_id: str, symbol: str | None) -> str:
    """The id of a change repeated in its file, as the one copy in its enclosing `symbol` (None at
    module level): its plain content id qualified by the symbol alone, as `_tell_apart` gives it."""
    return _digest([content_id, symbol or "", "\1"])


def id_forms(chunk: Chunk) -> tuple[str, str] | None:
    """(plain content id, `copy_id`) of a chunk's change, the two ids it has as the only change of
    its kind in the file and as the only copy in its symbol; None for a chunk without lines."""
    if not chunk.lines:
        return None
    plain = chunk_id(chunk.path, chunk.lines)
    return plain, copy_id(plain, chunk.symbol)


def other_id_form(chunk: Chunk) -> tuple[str, str | None] | None:
    """Where a chunk's decision may be recorded under its other id form: `(key, required)`.

    A chunk with the plain id was one copy of a repeated change before the other copies changed:
    its decision may be under its `copy_id` (`required` None). A chunk with its `copy_id` was the
    only change of its kind before the agent repeated it elsewhere: its decision may be under the
    plain id, but only one whose `Decision.copy_id` is this chunk's (`required`), which says which
    copy it was. Any other chunk (copies in one symbol, told apart by context) has none: nothing
    says which copy a decision was about."""
    forms = id_forms(chunk)
    if forms is None:
        return None
    plain, copy = forms
    if chunk.id == plain:
        return copy, None
    if chunk.id == copy:
        return plain, copy
    return None


def _context_around(
    piece: _Piece, new_lines: list[str] | None, old_lines: list[str] | None
) -> tuple[list[str], list[str]]:
    """The nearest non-blank unchanged lines above and below the piece's changes, nearest first."""
    new_before, new_after, old_before, old_after = piece.around
    lines, before, after = new_lines, new_before, new_after
    if lines is None:
        lines, before, after = old_lines, old_before, old_after
    if lines is None:
        return [], []
    return _nonblank(lines, before, -1), _nonblank(lines, after, 1)


def _nonblank(lines: list[str], number: int, step: int) -> list[str]:
    found: list[str] = []
    while 0 < number <= len(lines) and len(found) < CONTEXT_DEPTH:
        text = lines[number - 1].strip()
        if text:
            found.append(text)
        number += step
    return found


# --------------------------------------------------------------------------- summaries


def _summary_piece(file: FileDiff, settings: ChunkSettings) -> _Piece | None:
    """One summarized chunk for a file that is not worth cutting, else None."""
    changed = [line for hunk in file.hunks for line in hunk.lines if line.kind != " "]
    text: str | None = None
    key = changed
    if file.submodule:
        text = _submodule_summary(changed)
    elif is_symlink(file):
        text = _symlink_summary(file, changed)
        key = changed or [_signature("symlink", file.change, file.old_path, text)]
    elif file.binary:
        text = _binary_summary(file)
        key = [_signature("binary", file.old_path, file.old_size, file.new_size, *_blobs(file))]
    elif not file.hunks:
        text = _metadata_summary(file)
        key = [_signature(file.change, file.old_path, file.old_mode, file.new_mode)]
    elif len(changed) > settings.huge_file_lines:
        text = _huge_summary(changed)
    elif changed and _average_length(changed) > settings.minified_line_length:
        text = _minified_summary(changed)
    if text is None:
        return None
    return _summarized(file, text, key, changed)


def _summarized(file: FileDiff, text: str, key: list[DiffLine], changed: list[DiffLine]) -> _Piece:
    piece = _Piece(lines=[], key=key, summary=text)
    piece.added = sum(1 for line in changed if line.kind == "+")
    piece.removed = len(changed) - piece.added
    if file.hunks:
        first, last = file.hunks[0], file.hunks[-1]
        piece.new_start = first.new_start
        piece.new_lines = max(0, last.new_start + last.new_lines - first.new_start)
        piece.old_start = first.old_start
        piece.old_lines = max(0, last.old_start + last.old_lines - first.old_start)
    return piece


def _blobs(file: FileDiff) -> list[str]:
    """git's blob ids of both sides, when known: a binary file's content is only seen through them."""
    return [blob for blob in (file.old_blob, file.new_blob) if blob is not None]


def _signature(*parts: object) -> DiffLine:
    """A stand-in changed line for a chunk without lines, so its id still reflects what changed."""
    return DiffLine("+", "\0" + "\0".join(str(part) for part in parts), None, None)


def _average_length(lines: list[DiffLine]) -> float:
    return sum(len(line.text) for line in lines) / len(lines)


def format_size(size: int) -> str:
    """`512 B`, `12.3 KiB`, `4.0 MiB`."""
    if size < 1024:
        return f"{size} B"
    if size < 1024 * 1024:
        return f"{size / 1024:.1f} KiB"
    return f"{size / (1024 * 1024):.1f} MiB"


def _binary_summary(file: FileDiff) -> str:
    """`binary file, 12.3 KiB → 14.0 KiB`; git marks every binary change `binary`, so whether it
    was added or deleted shows in which side has a size."""
    old = format_size(file.old_size) if file.old_size is not None else None
    new = format_size(file.new_size) if file.new_size is not None else None
    if file.change == "added" or (new and not old and file.change != "deleted"):
        text = f"binary file added, {new}" if new else "binary file added"
    elif file.change == "deleted" or (old and not new):
        text = f"binary file deleted, {old}" if old else "binary file deleted"
    elif old and new:
        text = f"binary file, {old} → {new}"
    else:
        text = "binary file changed"
    if file.old_path and file.old_path != file.path:
        text += f", {'copied' if file.copied else 'renamed'} from {file.old_path}"
    return text


def _submodule_summary(changed: list[DiffLine]) -> str:
    def commit(kind: str) -> str | None:
        for line in changed:
            if line.kind == kind:
                return line.text.split()[-1][:7] if line.text.split() else None
        return None

    old, new = commit("-"), commit("+")
    if old and new:
        return f"submodule {old} → {new}"
    if new:
        return f"submodule added at {new}"
    if old:
        return f"submodule removed (was {old})"
    return "submodule changed"


def is_symlink(file: FileDiff) -> bool:
    """A symlink added, changed, renamed or removed, or a file replaced by one (not a symlink
    replaced by a file: that file's content is reviewed as usual)."""
    if file.new_mode == SYMLINK_MODE:
        return True
    return file.old_mode == SYMLINK_MODE and file.change == "deleted"


def _symlink_summary(file: FileDiff, changed: list[DiffLine]) -> str:
    """`symlink → /etc/passwd (added)`: the target is the link's whole content."""
    old_is_link = file.old_mode == SYMLINK_MODE
    old = _printable_target([line.text for line in changed if line.kind == "-"])
    new = _printable_target([line.text for line in changed if line.kind == "+"])
    if file.change == "deleted":
        return f"symlink → {old} (removed)"
    if not changed:  # a pure rename or copy: the target is the unchanged content
        target = f"symlink → {_printable_target(split_lines(file.new_text or ''))}"
        if not file.old_path:
            return target
        return f"{target} ({'copied' if file.copied else 'renamed'} from {file.old_path})"
    if not old_is_link:
        note = "replaced a regular file" if file.old_mode else "added"
        return f"symlink → {new} ({note})"
    text = f"symlink → {new} (was → {old})"
    if file.old_path and file.old_path != file.path:
        text += f", {'copied' if file.copied else 'renamed'} from {file.old_path}"
    return text


def _printable_target(lines: list[str]) -> str:
    """A link target on one line: control characters (a newline in the target) escaped."""
    target = "\n".join(lines)
    return "".join(char if char.isprintable() else repr(char)[1:-1] for char in target) or "(empty)"


def _metadata_summary(file: FileDiff) -> str:
    parts: list[str] = []
    if file.old_path and (file.change == "renamed" or file.copied):
        verb = "copied" if file.copied else "renamed"
        parts.append(f"{verb} from {file.old_path}, content unchanged")
    elif file.change == "added":
        parts.append("empty file added")
    elif file.change == "deleted":
        parts.append("empty file deleted")
    if file.old_mode and file.new_mode and file.old_mode != file.new_mode:
        parts.append(f"mode {file.old_mode} → {file.new_mode}")
    return ", ".join(parts) or "no content change"


def _huge_summary(changed: list[DiffLine]) -> str:
    added = sum(1 for line in changed if line.kind == "+")
    return f"huge file, {added:,} lines added, {len(changed) - added:,} removed"


def _minified_summary(changed: list[DiffLine]) -> str:
    size = sum(len(line.text.encode("utf-8", "replace")) for line in changed)
    plural = "" if len(changed) == 1 else "s"
    return f"minified file, {len(changed)} line{plural}, {format_size(size)} changed"


# --------------------------------------------------------------------------- file text


def split_lines(text: str) -> list[str]:
    """Split like git: on `\\n` only, without a trailing empty line, a CRLF's `\\r` dropped."""
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return [line[:-1] if line.endswith("\r") else line for line in lines]


def rebuild_old_lines(file: FileDiff, new_lines: list[str] | None) -> list[str] | None:
    """The old file's lines from the new file and the hunks, or None when they do not agree."""
    if new_lines is None:
        if file.change != "deleted":
            return None
        new_lines = []
    old: list[str] = []
    next_new = 1
    for hunk in file.hunks:
        first_new = _first_line(hunk.new_start, hunk.new_lines)
        if first_new < next_new or first_new - 1 > len(new_lines):
            return None
        old.extend(new_lines[next_new - 1 : first_new - 1])
        if len(old) + 1 != _first_line(hunk.old_start, hunk.old_lines):
            return None
        old.extend(line.text for line in hunk.lines if line.kind != "+")
        next_new = first_new + hunk.new_lines
    old.extend(new_lines[next_new - 1 :])
    return old


def _first_line(start: int, count: int) -> int:
    """The first line a hunk side covers (an empty side's start is the line before it)."""
    return start if count else start + 1


# --------------------------------------------------------------------------- outlines


@dataclass
class _Outline:
    """Per line (1-based) of one side of a file: its owner, its symbol, whether a statement starts there.

    An owner is the unit a chunk never crosses (a function, a method, a class's own statements, a
    config key, "" for the module or plain text); None marks a gap (a blank line between units)
    that joins whichever unit is next to it.
    """

    owners: list[str | None]
    symbols: list[str | None]
    starts: list[bool]
    units: set[str] = field(default_factory=set)
    syntax: bool = False
    """Found by syntax (Python's `ast`, the brace/shell/SQL scanner): nearby hunks of one
    definition join, and a small class stays whole."""

    @classmethod
    def empty(cls, size: int, syntax: bool = False) -> _Outline:
        return cls([None] * (size + 2), [None] * (size + 2), [False] * (size + 2), set(), syntax)

    def owner(self, number: int | None) -> str | None:
        return self.owners[number] if number is not None and 0 < number < len(self.owners) else None

    def symbol(self, number: int | None) -> str | None:
        return (
            self.symbols[number] if number is not None and 0 < number < len(self.symbols) else None
        )

    def starts_at(self, number: int | None) -> bool:
        return number is not None and 0 < number < len(self.starts) and self.starts[number]

    def fill(self, start: int, end: int, owner: str, lines: list[str], keep_blank: bool) -> None:
        first, last = max(1, start), min(end, len(lines))
        if first > last:
            return
        if keep_blank:
            self.owners[first : last + 1] = [owner] * (last - first + 1)
        else:
            texts = lines[first - 1 : last]
            self.owners[first : last + 1] = [owner if text.strip() else None for text in texts]


def _outlines(
    file: FileDiff,
    new_lines: list[str] | None,
    old_lines: list[str] | None,
    trees: SyntaxTrees | None = None,
) -> tuple[_Outline | None, _Outline | None]:
    """Outlines of the new and old side; (None, None) means plain text rules."""
    suffix = PurePosixPath(file.path).suffix.lower()
    if suffix in PYTHON_SUFFIXES or language_for(file.path) == "python":
        new = python_outline(new_lines, trees) if new_lines is not None else None
        old = python_outline(old_lines) if old_lines is not None else None
        primary = old if file.change == "deleted" else new
        return (new, old) if primary is not None else (None, None)
    dialect = dialect_for(file.path) or ("shell" if language_for(file.path) == "bash" else None)
    if dialect is not None:
        new = scanned_outline(new_lines, dialect) if new_lines is not None else None
        old = scanned_outline(old_lines, dialect) if old_lines is not None else None
        primary = old if file.change == "deleted" else new
        return (new, old) if primary is not None else (None, None)
    kind = CONFIG_KINDS.get(suffix)
    if kind is None:
        return None, None
    new = config_outline(kind, new_lines) if new_lines is not None else None
    return new, config_outline(kind, old_lines) if old_lines is not None else None


def python_outline(lines: list[str], trees: SyntaxTrees | None = None) -> _Outline | None:
    """The owners and symbols of a Python file's lines, or None when it does not parse (the parse
    shared through `trees` when given)."""
    source = "\n".join(lines)
    if "\r" in source:
        source = source.replace("\r", " ")  # Python counts a lone CR as a line break; git does not
    tree = trees.parse(source) if trees is not None else parse_python(source)
    if tree is None:
        return None
    outline = _Outline.empty(len(lines), syntax=True)
    _assign_owners(outline, tree.body, "", "", lines)
    _assign_symbols(outline, tree.body, "")
    return outline


def scanned_outline(lines: list[str], dialect: str) -> _Outline | None:
    """The owners and symbols of a brace-language, shell or SQL file's lines (see `core/outline`),
    or None when the scanner is unsure."""
    scanned = scan_outline(lines, dialect)
    if scanned is None:
        return None
    outline = _Outline.empty(len(lines), syntax=True)
    outline.fill(1, len(lines), "", lines, keep_blank=False)
    for definition in scanned.definitions:
        _place(outline, definition, lines)
    for number in scanned.starts:
        if 0 < number < len(outline.starts):
            outline.starts[number] = True
    return outline


def _place(outline: _Outline, definition: Definition, lines: list[str]) -> None:
    """A definition of more than one line owns its lines (a container its own ones, its members
    theirs); a one-line definition stays with its surroundings but names its line."""
    symbol = None if definition.name.startswith("\0") else definition.name
    start, end = definition.start, definition.end
    _set_symbol(outline, start, end, symbol)
    if end <= start:
        return
    outline.fill(start, end, definition.name, lines, keep_blank=not definition.container)
    outline.units.add(definition.name)
    for member in definition.members:
        _place(outline, member, lines)
    owning = [member for member in definition.members if member.end > member.start]
    if owning:
        head = max(start, definition.head)
        if _only_brackets(lines, head + 1, owning[0].start - 1):
            _lend(outline, start, owning[0].start - 1, owning[0].name)
        _lend_brackets(outline, owning[-1].end + 1, end, owning[-1].name, lines)


def _lend_brackets(outline: _Outline, first: int, last: int, member: str, lines: list[str]) -> None:
    """A container's lines that hold only brackets (`{` after its header, its closing `}`) go
    with the member next to them, so no chunk is a lone header or brace."""
    if first <= last and _only_brackets(lines, first, last):
        _lend(outline, first, last, member)


def _lend(outline: _Outline, first: int, last: int, member: str) -> None:
    for number in range(first, last + 1):
        if outline.owners[number] is not None:
            outline.owners[number] = member
            outline.symbols[number] = member


def _only_brackets(lines: list[str], first: int, last: int) -> bool:
    return all(not lines[number - 1].strip(" \t{}();,") for number in range(first, last + 1))


def _statement_range(statement: ast.stmt) -> tuple[int, int]:
    start = statement.lineno
    if isinstance(statement, _DEFINITIONS):
        start = min([start, *(decorator.lineno for decorator in statement.decorator_list)])
    return start, statement.end_lineno or statement.lineno


def _assign_owners(
    outline: _Outline, body: list[ast.stmt], prefix: str, container: str, lines: list[str]
) -> None:
    """Give each line of `body` its owner: a function or method, a class's own lines, or `container`."""
    for statement in body:
        start, end = _statement_range(statement)
        if isinstance(statement, _DEFINITIONS):
            name = prefix + statement.name
            is_function = isinstance(statement, _FUNCTIONS)
            outline.fill(start, end, name, lines, keep_blank=is_function)
            outline.units.add(name)
            _attach_comments(outline, start, name, lines)
            if isinstance(statement, ast.ClassDef):
                _assign_owners(outline, statement.body, name + ".", name, lines)
        else:
            outline.fill(start, end, container, lines, keep_blank=True)


def _attach_comments(outline: _Outline, start: int, owner: str, lines: list[str]) -> None:
    """Comment lines right above a definition, at its indentation, belong to it."""
    head = lines[start - 1] if 0 < start <= len(lines) else ""
    indent = head[: len(head) - len(head.lstrip())]
    number = start - 1
    while number >= 1:
        text = lines[number - 1]
        if not text.startswith(indent) or not text[len(indent) :].startswith("#"):
            break
        outline.owners[number] = owner
        outline.symbols[number] = owner
        number -= 1


def _assign_symbols(outline: _Outline, body: list[ast.stmt], prefix: str) -> None:
    """Mark statement starts and give each line the dotted name of its deepest definition."""
    starts, symbols = outline.starts, outline.symbols
    last = len(symbols) - 2
    for statement in body:
        if isinstance(statement, _DEFINITIONS):
            start, end = _statement_range(statement)
            name = prefix + statement.name
            first, final = max(1, start), min(end, last)
            if first <= final:
                symbols[first : final + 1] = [name] * (final - first + 1)
            _assign_symbols(outline, statement.body, name + ".")
        else:
            start = statement.lineno
            if isinstance(statement, _COMPOUND):
                _assign_symbols(outline, _statements_in(statement), prefix)
        if 0 < start < len(starts):
            starts[start] = True


_STATEMENT_FIELDS = frozenset({"body", "orelse", "finalbody", "handlers", "cases"})
"""The fields of a compound statement that can hold statements (or handlers and cases holding them)."""
_FIELDS_OF: dict[type, tuple[str, ...]] = {}


def _statements_in(node: ast.AST) -> list[ast.stmt]:
    """The statements nested in a compound statement (bodies, else, finally, handlers, cases), in
    field order, reading only the fields that can hold them."""
    kind = type(node)
    fields = _FIELDS_OF.get(kind)
    if fields is None:
        fields = _FIELDS_OF[kind] = tuple(f for f in kind._fields if f in _STATEMENT_FIELDS)
    found: list[ast.stmt] = []
    for name in fields:
        for item in getattr(node, name, None) or ():
            if isinstance(item, ast.stmt):
                found.append(item)
            elif isinstance(item, ast.excepthandler | ast.match_case):
                found.extend(_statements_in(item))
    return found


_COMPOUND = (
    ast.If,
    ast.For,
    ast.AsyncFor,
    ast.While,
    ast.With,
    ast.AsyncWith,
    ast.Try,
    ast.TryStar,
    ast.Match,
    ast.excepthandler,
    ast.match_case,
)


_YAML_KEY = re.compile(r"""^(?![#\-\s])("[^"]*"|'[^']*'|[^:#]+?)\s*:(?:\s|$)""")
_TOML_TABLE = re.compile(r"^\s*\[\[?\s*([^\]]+?)\s*\]\]?\s*(?:#.*)?$")
_TOML_KEY = re.compile(r"""^([A-Za-z0-9_\-."']+)\s*=""")
_INI_SECTION = re.compile(r"^\s*\[([^\]]+)\]")
_JSON_KEY = re.compile(r'^(\s*)"((?:[^"\\]|\\.)*)"\s*:')


def _yaml_keys(lines: list[str]) -> list[str | None]:
    keys: list[str | None] = []
    for line in lines:
        match = _YAML_KEY.match(line)
        keys.append(match.group(1).strip("\"'") if match else None)
    return keys


def _toml_keys(lines: list[str]) -> list[str | None]:
    keys: list[str | None] = []
    in_table = False
    for line in lines:
        table = _TOML_TABLE.match(line)
        key = None if in_table or table else _TOML_KEY.match(line)
        in_table = in_table or table is not None
        keys.append(table.group(1) if table else key.group(1).strip("\"'") if key else None)
    return keys


def _ini_keys(lines: list[str]) -> list[str | None]:
    matches = (_INI_SECTION.match(line) for line in lines)
    return [match.group(1).strip() if match else None for match in matches]


def _json_keys(lines: list[str]) -> list[str | None]:
    matches = [_JSON_KEY.match(line) for line in lines]
    indents = [len(match.group(1)) for match in matches if match]
    top = min(indents, default=0)
    return [match.group(2) if match and len(match.group(1)) == top else None for match in matches]


_CONFIG_KEYS: dict[str, Callable[[list[str]], list[str | None]]] = {
    "yaml": _yaml_keys,
    "toml": _toml_keys,
    "ini": _ini_keys,
    "json": _json_keys,
}


def config_outline(kind: str, lines: list[str]) -> _Outline:
    """Lines under a multi-line top-level key (or table) are owned by it; one-line keys share the
    owner "" so neighbouring small settings stay in one chunk. Comments above a key join it."""
    keys = _CONFIG_KEYS[kind](lines)
    outline = _Outline.empty(len(lines))
    starts = [number for number, key in enumerate(keys, 1) if key is not None]
    outline.fill(1, (starts[0] - 1) if starts else len(lines), "", lines, keep_blank=False)
    for index, start in enumerate(starts):
        end = starts[index + 1] - 1 if index + 1 < len(starts) else len(lines)
        key = keys[start - 1] or ""
        owner = key if _is_block(lines[start - 1 : end]) else ""
        outline.fill(start, end, owner, lines, keep_blank=False)
        _set_symbol(outline, start, end, key)
        _attach_config_comments(outline, start, owner, key, lines)
        outline.starts[start] = True
        outline.units.add(owner)
    return outline


def _is_block(lines: list[str]) -> bool:
    """Whether a key's lines hold more than the key line (closing brackets and comments aside)."""
    content = (line.strip() for line in lines)
    return sum(1 for text in content if text.strip("}],") and not text.startswith(("#", ";"))) > 1


def _set_symbol(outline: _Outline, start: int, end: int, symbol: str | None) -> None:
    for number in range(start, min(end, len(outline.symbols) - 2) + 1):
        outline.symbols[number] = symbol


def _attach_config_comments(
    outline: _Outline, number: int, owner: str, key: str, lines: list[str]
) -> None:
    above = number - 1
    while above >= 1 and lines[above - 1].lstrip().startswith(("#", ";")):
        outline.owners[above] = owner
        outline.symbols[above] = key
        above -= 1


# --------------------------------------------------------------------------- segments


@dataclass
class _Segment:
    """Diff lines cut as one run: a hunk, or Python hunks joined over a small unchanged gap."""

    lines: list[DiffLine]
    new_anchor: int
    """The new-side line just before the segment's first line."""
    old_anchor: int


def _segments(hunks: list[Hunk], bridge_text: list[str] | None, max_lines: int) -> list[_Segment]:
    segments: list[_Segment] = []
    previous: Hunk | None = None
    for hunk in hunks:
        bridge = None
        if previous is not None and bridge_text is not None:
            bridge = _bridge(previous, hunk, bridge_text, max_lines)
        if bridge is not None:
            segments[-1].lines.extend(bridge)
            segments[-1].lines.extend(hunk.lines)
        else:
            segments.append(_Segment(list(hunk.lines), _anchor(hunk), _anchor(hunk, old=True)))
        previous = hunk
    return segments


def _anchor(hunk: Hunk, old: bool = False) -> int:
    start, count = (hunk.old_start, hunk.old_lines) if old else (hunk.new_start, hunk.new_lines)
    return start - 1 if count else start


def _bridge(
    before: Hunk, after: Hunk, new_lines: list[str], max_lines: int
) -> list[DiffLine] | None:
    """The unchanged lines between two nearby hunks, as context, or None when they stay apart."""
    first_new = _first_line(before.new_start, before.new_lines) + before.new_lines
    first_old = _first_line(before.old_start, before.old_lines) + before.old_lines
    gap = _first_line(after.new_start, after.new_lines) - first_new
    if gap != _first_line(after.old_start, after.old_lines) - first_old:
        return None
    if not 0 <= gap <= BRIDGE_GAP or first_new - 1 + gap > len(new_lines):
        return None
    if _changed_count(before) + _changed_count(after) > max_lines:
        return None
    return [
        DiffLine(" ", new_lines[first_new - 1 + k], first_old + k, first_new + k)
        for k in range(gap)
    ]


def _changed_count(hunk: Hunk) -> int:
    return sum(1 for line in hunk.lines if line.kind != " ")


# --------------------------------------------------------------------------- cutting a segment


class _Cutter:
    """Cuts segments of one file into pieces by owner, size cap and context."""

    def __init__(
        self, new: _Outline | None, old: _Outline | None, max_lines: int, context: int
    ) -> None:
        self.new = new
        self.old = old
        self.max_lines = max_lines
        self.context = context
        self.syntax = any(outline is not None and outline.syntax for outline in (new, old))

    def cut(self, segment: _Segment) -> list[_Piece]:
        lines = segment.lines
        owners = self._owners(lines)
        self._adopt_new_owners(lines, owners)
        resolved = _resolve_gaps(lines, owners)
        positions = _positions(segment)
        pieces: list[_Piece] = []
        groups = _groups(lines, resolved)
        if self.syntax:
            groups = _join_small_classes(lines, groups, resolved, self.max_lines)
        for start, end in groups:
            for first, last in self._split(lines, start, end):
                pieces.append(self._piece(lines, owners, first, last, positions))
        return pieces

    def _side(self, line: DiffLine) -> tuple[_Outline | None, int | None]:
        return (self.old, line.old_no) if line.kind == "-" else (self.new, line.new_no)

    def _owners(self, lines: list[DiffLine]) -> list[str | None]:
        """Each line's unit; a line of a side without outline is a gap when the other side has
        one (looked up inline: this runs once per diff line)."""
        if self.new is None and self.old is None:
            return ["" if line.text.strip() else None for line in lines]
        new = self.new.owners if self.new is not None else None
        old = self.old.owners if self.old is not None else None
        found: list[str | None] = []
        for line in lines:
            owners, number = (old, line.old_no) if line.kind == "-" else (new, line.new_no)
            if owners is None or number is None or not 0 < number < len(owners):
                found.append(None)
            else:
                found.append(owners[number])
        return found

    def _adopt_new_owners(self, lines: list[DiffLine], owners: list[str | None]) -> None:
        """Removed lines of a unit that no longer exists (a rename) join the unit that replaced them."""
        if self.new is None or self.old is None:
            return
        for start, end in _change_blocks(lines):
            replacement = next(
                (owners[i] for i in range(start, end) if lines[i].kind == "+" and owners[i]), None
            )
            if replacement is None:
                continue
            for i in range(start, end):
                owner = owners[i]
                if lines[i].kind == "-" and owner and owner not in self.new.units:
                    owners[i] = replacement

    def _split(self, lines: list[DiffLine], start: int, end: int) -> list[tuple[int, int]]:
        """Split a group with more than `max_lines` changes at blank lines, else statement starts."""
        changed = [i for i in range(start, end + 1) if lines[i].kind != " "]
        if len(changed) <= self.max_lines:
            return [(start, end)]
        blank, statement = self._break_points(lines, changed)
        ranges = _greedy_ranges(len(changed), blank, statement, self.max_lines)
        return [(changed[first], changed[last]) for first, last in ranges]

    def _break_points(
        self, lines: list[DiffLine], changed: list[int]
    ) -> tuple[list[bool], list[bool]]:
        """For each changed line: is there a blank line, or a statement start, since the previous one?"""
        blank = [False] * len(changed)
        statement = [False] * len(changed)
        blank_since = start_since = False
        k = 0
        for i in range(changed[0], changed[-1] + 1):
            line = lines[i]
            is_blank = not line.text.strip()
            starts = self._starts(line)
            if line.kind != " " and i != changed[0]:
                k += 1
                blank[k] = blank_since and not is_blank
                statement[k] = start_since or starts
                blank_since, start_since = is_blank, False
            elif line.kind != " ":
                blank_since = is_blank
            else:
                blank_since = blank_since or is_blank
                start_since = start_since or starts
        return blank, statement

    def _starts(self, line: DiffLine) -> bool:
        outline, number = self._side(line)
        return outline is not None and outline.starts_at(number)

    def _piece(
        self,
        lines: list[DiffLine],
        owners: list[str | None],
        first: int,
        last: int,
        positions: tuple[list[int], list[int]],
    ) -> _Piece:
        begin, end = _with_context(lines, first, last, self.context)
        shown = lines[begin : end + 1]
        new_before, old_before = positions[0][first], positions[1][first]
        final = lines[last]
        new_after = (positions[0][last] if final.new_no is None else final.new_no) + 1
        old_after = (positions[1][last] if final.old_no is None else final.old_no) + 1
        changed = [line for line in lines[first : last + 1] if line.kind != " "]
        piece = _Piece(lines=shown, key=changed, symbol=self._symbol(lines, owners, first, last))
        piece.around = (new_before, new_after, old_before, old_after)
        piece.added = [line.kind for line in changed].count("+")
        piece.removed = len(changed) - piece.added
        piece.new_start, piece.new_lines = _side_span(shown, positions[0][begin], new=True)
        piece.old_start, piece.old_lines = _side_span(shown, positions[1][begin], new=False)
        return piece

    def _symbol(
        self, lines: list[DiffLine], owners: list[str | None], first: int, last: int
    ) -> str | None:
        """The deepest definition enclosing the changes (added lines first, else removed ones)."""
        for kind, outline in (("+", self.new), ("-", self.old)):
            symbols: set[str | None] = set()
            for i in range(first, last + 1):
                line = lines[i]
                if line.kind == kind and owners[i] is not None:
                    number = line.new_no if kind == "+" else line.old_no
                    symbols.add(outline.symbol(number) if outline is not None else None)
            if symbols:
                return common_symbol(symbols)
        return None


def _change_blocks(lines: list[DiffLine]) -> Iterator[tuple[int, int]]:
    """(start, end) of each run of consecutive changed lines, end exclusive."""
    i = 0
    while i < len(lines):
        if lines[i].kind == " ":
            i += 1
            continue
        j = i
        while j < len(lines) and lines[j].kind != " ":
            j += 1
        yield i, j
        i = j


def _resolve_gaps(lines: list[DiffLine], owners: list[str | None]) -> list[str]:
    """Give each gap line the owner of the next unit in its run of changes, else the previous one,
    else the previous then next unit of the segment."""
    count = len(lines)
    before_run: list[str | None] = [None] * count
    before_all: list[str | None] = [None] * count
    after_run: list[str | None] = [None] * count
    after_all: list[str | None] = [None] * count
    run: str | None = None
    seen: str | None = None
    for i, line in enumerate(lines):
        if line.kind == " ":
            run = None
            continue
        before_run[i], before_all[i] = run, seen
        if owners[i] is not None:
            run = seen = owners[i]
    run = seen = None
    for i in range(count - 1, -1, -1):
        if lines[i].kind == " ":
            run = None
            continue
        after_run[i], after_all[i] = run, seen
        if owners[i] is not None:
            run = seen = owners[i]
    resolved: list[str] = []
    for i in range(count):  # the first that is set of: own, next in run, previous in run, ...
        owner = owners[i]
        if owner is None:
            owner = after_run[i]
            if owner is None:
                owner = before_run[i]
                if owner is None:
                    owner = before_all[i]
                    if owner is None:
                        owner = after_all[i]
        resolved.append("" if owner is None else owner)
    return resolved


def _groups(lines: list[DiffLine], owners: list[str]) -> list[tuple[int, int]]:
    """(first, last) changed-line indices of each run of changes with one owner."""
    groups: list[tuple[int, int]] = []
    current: str | None = None
    for i, line in enumerate(lines):
        if line.kind == " ":
            continue
        if groups and owners[i] == current:
            groups[-1] = (groups[-1][0], i)
        else:
            groups.append((i, i))
            current = owners[i]
    return groups


def _join_small_classes(
    lines: list[DiffLine], groups: list[tuple[int, int]], owners: list[str], max_lines: int
) -> list[tuple[int, int]]:
    """Join the groups of one class (its own lines and its methods) when together they fit in one
    chunk: a small class reads best whole; a large one stays cut by method."""
    joined: list[tuple[int, int]] = []
    index = 0
    while index < len(groups):
        family = owners[groups[index][0]].split(".")[0]
        end = index + 1
        while end < len(groups) and family and owners[groups[end][0]].split(".")[0] == family:
            end += 1
        first, last = groups[index][0], groups[end - 1][1]
        changed = sum(1 for i in range(first, last + 1) if lines[i].kind != " ")
        if end - index > 1 and changed <= max_lines:
            joined.append((first, last))
        else:
            joined.extend(groups[index:end])
        index = end
    return joined


def _greedy_ranges(
    count: int, blank: list[bool], statement: list[bool], max_lines: int
) -> list[tuple[int, int]]:
    """Pack `count` changed lines into ranges of at most `max_lines`, cutting at the best break."""
    ranges: list[tuple[int, int]] = []
    first = 0
    last_blank: int | None = None
    last_statement: int | None = None
    for k in range(1, count):
        if blank[k]:
            last_blank = k
        if statement[k]:
            last_statement = k
        if k - first < max_lines:
            continue
        cut = _choose_cut(first, k, last_blank, last_statement, max_lines)
        ranges.append((first, cut - 1))
        first = cut
        last_blank = last_blank if last_blank is not None and last_blank > cut else None
        last_statement = (
            last_statement if last_statement is not None and last_statement > cut else None
        )
    ranges.append((first, count - 1))
    return ranges


def _choose_cut(
    first: int, k: int, blank: int | None, statement: int | None, max_lines: int
) -> int:
    if blank is not None and blank > first + max_lines // 2:
        return blank
    if statement is not None and statement > first:
        return statement
    if blank is not None and blank > first:
        return blank
    return k


def _with_context(lines: list[DiffLine], first: int, last: int, context: int) -> tuple[int, int]:
    """Up to `context` unchanged lines on each side, without blank ones at the edges."""
    begin = first
    while begin > 0 and first - begin < context and lines[begin - 1].kind == " ":
        begin -= 1
    while begin < first and not lines[begin].text.strip():
        begin += 1
    end = last
    while end < len(lines) - 1 and end - last < context and lines[end + 1].kind == " ":
        end += 1
    while end > last and not lines[end].text.strip():
        end -= 1
    return begin, end


def _positions(segment: _Segment) -> tuple[list[int], list[int]]:
    """For each line of a segment: the new-side and old-side line numbers just before it."""
    new_before: list[int] = []
    old_before: list[int] = []
    last_new, last_old = segment.new_anchor, segment.old_anchor
    for line in segment.lines:
        new_before.append(last_new)
        old_before.append(last_old)
        last_new = line.new_no if line.new_no is not None else last_new
        last_old = line.old_no if line.old_no is not None else last_old
    return new_before, old_before


def _side_span(lines: list[DiffLine], before: int, new: bool) -> tuple[int, int]:
    """(start, count) of one side of the lines; an empty side starts at the line before it."""
    if new:
        present = [line.new_no for line in lines if line.new_no is not None]
    else:
        present = [line.old_no for line in lines if line.old_no is not None]
    if not present:
        return before, 0
    return present[0], len(present)


def common_symbol(symbols: set[str | None]) -> str | None:
    """The longest dotted prefix shared by all symbols (`A.b`, `A.c` -> `A`); None if any is None."""
    names = [symbol.split(".") for symbol in symbols if symbol is not None]
    if not names or len(names) != len(symbols):
        return None
    shared = names[0]
    for parts in names[1:]:
        size = 0
        while size < min(len(shared), len(parts)) and shared[size] == parts[size]:
            size += 1
        shared = shared[:size]
    return ".".join(shared) or None
