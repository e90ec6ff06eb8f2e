"""Provides the parsers of git's diff output used by `gitrange`: raw records, patch sections, C-quoted paths.

`git diff-tree -r -z --raw -p` prints NUL-separated raw records (authoritative paths, modes, blob ids,
status, similarity) followed by the patch. The raw records give each file's identity; the patch gives
its hunks. Both come from one diff queue, so the n-th record owns the n-th patch section (two
sections for a type change, which git prints as a deletion plus a creation).

Hunks are read by the line counts of their `@@` header, never by guessing from a line's first
characters, so content that looks like a diff header (`--- x`, `diff --git`) cannot derail parsing.
Lines are split on `\\n` only (form feeds and Unicode line separators stay inside their line), and a
trailing `\\r` (CRLF) is dropped from each line's text.

A patch that is not valid UTF-8 is parsed after decoding with `surrogateescape`; `replace_undecodable`
then turns the kept bytes into U+FFFD per file and tells which files had them. A symlink's side of a
FileDiff always carries SYMLINK_MODE, so consumers can tell a link target from a line of text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from reviewtui.core.models import ChangeKind, DiffLine, FileDiff, Hunk

GITLINK_MODE = "160000"
"""The mode of a submodule pointer (a commit id stored in a tree)."""
SYMLINK_MODE = "120000"
"""The mode of a symbolic link (its blob is the link's target)."""

_HUNK_HEADER = re.compile(r"@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@ ?(.*)")
_COMMIT_ID = re.compile(r"[0-9a-f]{40}(?:[0-9a-f]{24})?")
_UNDECODABLE = re.compile("[\udc80-\udcff]")
"""Lone surrogates: the bytes that `surrogateescape` kept from invalid UTF-8."""
_ESCAPES = {"a": 7, "b": 8, "t": 9, "n": 10, "v": 11, "f": 12, "r": 13, '"': 34, "\\": 92}


@dataclass
class RawRecord:
    """One `--raw` line of `git diff-tree`: a file pair with modes, blob ids and status."""

    old_mode: str
    new_mode: str
    old_id: str
    new_id: str
    status: str
    """git's status letter: A, D, M, R, C or T."""
    score: int | None
    """Similarity (0-100) of a rename or copy."""
    path: str
    old_path: str | None = None

    @property
    def submodule(self) -> bool:
        return GITLINK_MODE in (self.old_mode, self.new_mode)


@dataclass
class PatchSection:
    """One `diff --git` section of a patch: its extended header lines and its hunks."""

    header: list[str] = field(default_factory=list)
    hunks: list[Hunk] = field(default_factory=list)
    binary: bool = False
    commit: str | None = None
    """With `diff-tree --stdin`: the commit id printed before this section."""
    added: set[str] = field(default_factory=set)
    """In a lean parse: the stripped texts of the section's `+` lines."""

    @property
    def new_path(self) -> str | None:
        """The `+++` path of the section (None for a deletion or a section without hunks)."""
        for line in self.header:
            if line.startswith("+++ "):
                name = unquote_path(line[4:].rstrip("\t"))
                return name[2:] if name.startswith("b/") else None
        return None


def unquote_path(text: str) -> str:
    """Undo git's C-style quoting of a path (`"tab\\there"`, `"caf\\303\\251"`); plain text is returned as is."""
    if len(text) < 2 or not (text.startswith('"') and text.endswith('"')):
        return text
    body = text[1:-1]
    out = bytearray()
    i = 0
    while i < len(body):
        char = body[i]
        if char != "\\" or i + 1 == len(body):
            out += char.encode("utf-8", "surrogateescape")
            i += 1
        elif body[i + 1] in _ESCAPES:
            out.append(_ESCAPES[body[i + 1]])
            i += 2
        elif body[i + 1 : i + 4].isdigit() and len(body[i + 1 : i + 4]) == 3:
            out.append(int(body[i + 1 : i + 4], 8) & 0xFF)
            i += 4
        else:
            out += body[i + 1].encode("utf-8", "surrogateescape")
            i += 2
    return out.decode("utf-8", "replace")


def decode_path(raw: bytes) -> str:
    """A path as git stored it (bytes), decoded as UTF-8 with replacement."""
    return raw.decode("utf-8", "replace")


def parse_raw(data: bytes) -> tuple[list[RawRecord], int]:
    """Read the NUL-separated raw records at the start of `data`; return them and where the patch starts."""
    records: list[RawRecord] = []
    pos = 0
    while pos < len(data) and data[pos : pos + 1] == b":":
        end = data.index(b"\0", pos)
        old_mode, new_mode, old_id, new_id, status = data[pos + 1 : end].decode("ascii").split(" ")
        pos = end + 1
        names: list[str] = []
        for _ in range(2 if status[0] in "RC" else 1):
            end = data.index(b"\0", pos)
            names.append(decode_path(data[pos:end]))
            pos = end + 1
        score = int(status[1:]) if status[1:].isdigit() else None
        record = RawRecord(old_mode, new_mode, old_id, new_id, status[0], score, names[-1])
        record.old_path = names[0] if len(names) == 2 else None
        records.append(record)
    if data[pos : pos + 1] == b"\0":
        pos += 1
    return records, pos


def parse_patch(text: str, *, lean: bool = False) -> list[PatchSection]:
    """Split a patch (as text) into its `diff --git` sections, reading hunks by their line counts.

    With `lean`, hunks are not kept: only the stripped texts of `+` lines go to `section.added`.
    """
    lines = text.split("\n")
    sections: list[PatchSection] = []
    commit: str | None = None
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.startswith("diff --git "):
            section = PatchSection(commit=commit)
            i = _read_section(lines, i + 1, section, lean)
            sections.append(section)
            continue
        if _COMMIT_ID.fullmatch(line):
            commit = line
        i += 1
    return sections


def _read_section(lines: list[str], i: int, section: PatchSection, lean: bool) -> int:
    in_hunks = False
    while i < len(lines) and not _starts_section(lines[i]):
        line = lines[i]
        if line.startswith("@@ "):
            in_hunks = True
            if lean:
                i = _skim_hunk(lines, i, section.added)
            else:
                hunk, i = _read_hunk(lines, i)
                section.hunks.append(hunk)
            continue
        if not in_hunks:
            section.header.append(line)
            if line.startswith("Binary files ") or line == "GIT binary patch":
                section.binary = True
        i += 1
    return i


def _starts_section(line: str) -> bool:
    return line.startswith("diff --git ") or _COMMIT_ID.fullmatch(line) is not None


def _read_hunk(lines: list[str], i: int) -> tuple[Hunk, int]:
    hunk = _hunk_header(lines[i])
    old_left, new_left = hunk.old_lines, hunk.new_lines
    old_no = hunk.old_start if old_left else hunk.old_start + 1
    new_no = hunk.new_start if new_left else hunk.new_start + 1
    body = hunk.lines
    append, make = body.append, DiffLine
    i += 1
    end = len(lines)
    while i < end and (old_left > 0 or new_left > 0 or lines[i][:1] == "\\"):
        line = lines[i]
        i += 1
        kind = line[:1]
        text = line[1:-1] if line[-1:] == "\r" else line[1:]
        if kind == "+":
            append(make("+", text, None, new_no))
            new_no += 1
            new_left -= 1
        elif kind == "-":
            append(make("-", text, old_no, None))
            old_no += 1
            old_left -= 1
        elif kind != "\\":
            append(make(" ", text, old_no, new_no))
            old_no += 1
            new_no += 1
            old_left -= 1
            new_left -= 1
        elif body:
            body[-1].no_newline = True
    return hunk, i


def _hunk_header(line: str) -> Hunk:
    match = _HUNK_HEADER.match(line)
    if match is None:
        raise ValueError(f"malformed hunk header in git output: {line[:80]!r}")
    old_lines = 1 if match[2] is None else int(match[2])
    new_lines = 1 if match[4] is None else int(match[4])
    return Hunk(int(match[1]), old_lines, int(match[3]), new_lines, [], match[5])


def added_texts(text: str) -> dict[str, dict[str, set[str]]]:
    """commit -> path -> stripped, non-blank texts of `+` lines, from `git diff-tree --stdin -p` output.

    A lean pass (no DiffLine objects) that still reads hunks by their counts.
    """
    added: dict[str, dict[str, set[str]]] = {}
    for section in parse_patch(text, lean=True):
        path = section.new_path
        if section.commit is None or path is None or not section.added:
            continue
        section.added.discard("")
        added.setdefault(section.commit, {}).setdefault(path, set()).update(section.added)
    return added


def _skim_hunk(lines: list[str], i: int, added: set[str]) -> int:
    """Skip one zero-context hunk (removed lines, then added lines), collecting its `+` texts."""
    hunk = _hunk_header(lines[i])
    i = _skip_marker(lines, i + 1 + hunk.old_lines)
    end = i + hunk.new_lines
    added.update(line[1:].strip() for line in lines[i:end])
    return _skip_marker(lines, end)


def _skip_marker(lines: list[str], i: int) -> int:
    return i + 1 if i < len(lines) and lines[i][:1] == "\\" else i


def build_file(record: RawRecord, sections: list[PatchSection]) -> FileDiff:
    """One FileDiff from a raw record and its patch section(s)."""
    hunks = [hunk for section in sections for hunk in section.hunks]
    binary = any(section.binary for section in sections)
    mode_changed = record.status in "MRCT" and record.old_mode != record.new_mode
    old_mode, new_mode = (record.old_mode, record.new_mode) if mode_changed else (None, None)
    if record.old_mode == SYMLINK_MODE and record.status != "A":
        old_mode = SYMLINK_MODE  # a symlink always says so, even when its mode did not change
    if record.new_mode == SYMLINK_MODE and record.status != "D":
        new_mode = SYMLINK_MODE
    return FileDiff(
        path=record.path,
        old_path=record.old_path,
        change="binary" if binary else _change_kind(record.status),
        hunks=hunks,
        binary=binary,
        submodule=record.submodule,
        old_mode=old_mode,
        new_mode=new_mode,
        similarity=record.score if record.status in "RC" else None,
        copied=record.status == "C",
        old_blob=record.old_id,
        new_blob=record.new_id,
    )


def replace_undecodable(file: FileDiff) -> bool:
    """Turn the surrogate-escaped bytes of a patch parsed with `surrogateescape` into U+FFFD.

    The result equals decoding the line's bytes with `errors="replace"`. Returns whether any line
    (or hunk heading) held bytes that are not valid UTF-8.
    """
    found = False
    for hunk in file.hunks:
        if _UNDECODABLE.search(hunk.heading):
            hunk.heading = _redecode(hunk.heading)
            found = True
        for line in hunk.lines:
            if _UNDECODABLE.search(line.text):
                line.text = _redecode(line.text)
                found = True
    return found


def _redecode(text: str) -> str:
    return text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def _change_kind(status: str) -> ChangeKind:
    kinds: dict[str, ChangeKind] = {"A": "added", "C": "added", "D": "deleted", "R": "renamed"}
    return kinds.get(status, "modified")


def pair_files(records: list[RawRecord], sections: list[PatchSection]) -> list[FileDiff]:
    """Match raw records to patch sections in order (a type change owns two sections)."""
    expected = sum(2 if record.status == "T" else 1 for record in records)
    if expected != len(sections):
        raise ValueError(f"git printed {len(sections)} patch sections for {expected} file changes")
    files: list[FileDiff] = []
    index = 0
    for record in records:
        count = 2 if record.status == "T" else 1
        files.append(build_file(record, sections[index : index + count]))
        index += count
    return files
