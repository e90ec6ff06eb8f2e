"""Provides the spec model: finding the spec files of a repo and parsing them into a tree of sections.

- `slugify(text)`: the GitHub-style anchor slug of a heading (`2.1 Source` -> `21-source`).
- `discover_specs(root, configured)`: the spec files to use, configured ones first, else discovered
  (SPEC.md, spec-kit `specs/*/`, Kiro `.kiro/specs/*/`, TODO.md, PLAN.md, BMAD stories in
  `docs/stories/` that are not done); discovered ones come as `DiscoveredSpecs`.
- `inside_repo(path)`: whether a spec path names a file inside the repo (never absolute, no `..`).
- `load_spec(root, paths, texts=None)`: parse the files with markdown-it-py into one `Spec`: headings and the task
  items inside them (spec-kit `T012`, Kiro `1.2`, numbered TODO items, plain checklists), in document
  order, with ids unique across all files, 1-based line spans, own text and back-links (`refs`).

Nothing here interprets the spec text as markup for display; it only reads its structure.
"""

from __future__ import annotations

import glob
import os
import re
import textwrap
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from markdown_it import MarkdownIt
from markdown_it.token import Token

from reviewtui.core.models import Section, SectionKind, Spec
from reviewtui.errors import ReviewError

NO_SPEC_MESSAGE = "no spec found: pass --spec PATH or add SPEC.md"

DISCOVERY: tuple[tuple[str, str], ...] = (
    ("", "spec.md"),
    ("specs/*", "spec.md"),
    ("specs/*", "plan.md"),
    ("specs/*", "tasks.md"),
    (".kiro/specs/*", "requirements.md"),
    (".kiro/specs/*", "design.md"),
    (".kiro/specs/*", "tasks.md"),
    ("", "todo.md"),
    ("", "plan.md"),
)
"""Where specs are looked for, in order: (directory glob, file name matched case-insensitively)."""
BMAD_STORIES = "docs/stories"
"""Where BMAD keeps its story files; the ones not yet done are specs (see `bmad_stories`)."""
_STATUS_LINE = re.compile(r"^(?:#{1,6}\s*)?[*_]*Status[*_]*\s*:?[*_]*\s*(.*)$", re.IGNORECASE)

_MARKDOWN = MarkdownIt("commonmark")

_CHECKBOX = re.compile(r"^\[([ xX~-])\]\*?(?:\s+|$)")
_SPECKIT_ID = re.compile(r"^(T\d+)(?=[\s:.]|$)")
_BOXLESS_ID = re.compile(r"^(T\d{3,})(?=[\s:]|$)")
_DOTTED_ID = re.compile(r"^(\d+(?:\.\d+)+)\.?(?=[\s:]|$)")
_NUMBERED_ID = re.compile(r"^(\d+)\.(?=\s|$)")
_REF_ID = r"[A-Za-z]{0,6}[-.]?\d+(?:\.\d+)*+[a-z]?(?![A-Za-z0-9])"
_REQUIREMENTS = re.compile(
    rf"(?i)requirements?[*_]*[ \t]*:[*_ \t]*({_REF_ID}(?:[ \t]*[,;][ \t]*{_REF_ID})*)"
)
_BRACKET_REF = re.compile(r"\[([A-Z]{1,5}-?\d+(?:\.\d+)*)\](?![(\[:])")
_AC_REF = re.compile(r"\(AC:?\s*(\d+(?:\s*[,;]\s*\d+)*)\)")
_GLOB_CHARS = re.compile(r"[*?\[]")


# --------------------------------------------------------------------------- slugs


def slugify(text: str) -> str:
    """GitHub-style anchor slug: lower-case, punctuation and symbols dropped (except `-` and `_`),
    each space to a hyphen, unicode letters and digits kept. `2.1 Source` -> `21-source`."""
    kept = [char for char in text.strip().lower() if _slug_char(char)]
    return "".join("-" if char.isspace() else char for char in kept)


def _slug_char(char: str) -> bool:
    if char in "-_" or char.isspace():
        return True
    return unicodedata.category(char)[0] in "LMN"


class _IdAllocator:
    """Hands out ids unique across all files: `x`, then `x-1`, `x-2`, … for repeats."""

    def __init__(self) -> None:
        self.taken: set[str] = set()
        self.counters: dict[str, int] = {}

    def claim(self, base: str) -> str:
        candidate = base
        while candidate in self.taken:
            self.counters[base] = self.counters.get(base, 0) + 1
            candidate = f"{base}-{self.counters[base]}"
        self.taken.add(candidate)
        return candidate


# --------------------------------------------------------------------------- discovery


class DiscoveredSpecs(list[str]):
    """Spec paths found by discovery, not named by the reviewer: `load_spec` marks the `Spec` it
    parses from them `discovered` (a spec file the agent adds in a phase is then the agent's)."""


def discover_specs(root: Path, configured: list[str]) -> list[str]:
    """The spec files of the repo at `root`, as repo-relative posix paths.

    Configured paths (from `--spec` or `[tool.reviewtui] spec`) win; they are relative to `root`
    and may be globs. Otherwise the conventional places are searched in `DISCOVERY` order, and
    the answer is a `DiscoveredSpecs`. Raises `ReviewError` when nothing is found.
    """
    if configured:
        return _dedupe(path for entry in configured for path in _expand_configured(root, entry))
    found = _dedupe(path for folder, name in DISCOVERY for path in _find(root, folder, name))
    found.extend(path for path in bmad_stories(root) if path not in found)
    if not found:
        raise ReviewError(NO_SPEC_MESSAGE)
    return DiscoveredSpecs(found)


def inside_repo(path: str) -> bool:
    """True when the spec path `path` (as in `Spec.files`) names a file inside the repo: relative,
    and not climbing out with `..` (`../notes.md` typed as `--spec`). Only such a path is ever
    part of a phase, looked up in git, or read at a base."""
    if Path(path).is_absolute():
        return False
    parts = Path(os.path.normpath(path)).parts
    return bool(parts) and parts[0] not in ("..", ".")


def bmad_stories(root: Path) -> list[str]:
    """The BMAD story files under review: the stories in `docs/stories/` whose status is not done
    (Draft, Approved, InProgress, Review), else the last story; [] when there is no such folder."""
    folder = root / BMAD_STORIES
    stories = sorted(
        (entry for entry in _entries(folder) if entry.lower().endswith(".md")), key=_natural_key
    )
    stories = [name for name in stories if (folder / name).is_file()]
    open_ones = [name for name in stories if not _story_done(folder / name)]
    chosen = open_ones or stories[-1:]
    return [f"{BMAD_STORIES}/{name}" for name in chosen]


def _natural_key(name: str) -> list[tuple[int, int | str]]:
    """`1.10.story.md` after `1.9.story.md`."""
    return [(0, int(part)) if part.isdigit() else (1, part) for part in re.split(r"(\d+)", name)]


def _story_done(path: Path) -> bool:
    """Whether a BMAD story says `Status: Done` (on the heading's line or the line after it)."""
    try:
        lines = path.read_text("utf-8", errors="replace").splitlines()
    except OSError:
        return False
    for number, line in enumerate(lines):
        found = _STATUS_LINE.match(line)
        if found is None:
            continue
        value = found.group(1).strip()
        if not value:
            value = next((later.strip() for later in lines[number + 1 :] if later.strip()), "")
        return value.strip("*_ ").lower().startswith(("done", "complete"))
    return False


def _expand_configured(root: Path, entry: str) -> list[str]:
    if not _GLOB_CHARS.search(entry):
        return [_relative(root, Path(entry))]
    pattern = entry if Path(entry).is_absolute() else str(root / entry)
    matches = sorted(path for path in glob.glob(pattern, recursive=True) if os.path.isfile(path))
    if not matches:
        raise ReviewError(f"spec not found: {entry}")
    return [_relative(root, Path(path)) for path in matches]


def _relative(root: Path, path: Path) -> str:
    """`path` relative to `root` with `/` separators; absolute paths outside `root` stay absolute.

    A relative path is taken from `root`, or from the current directory when only it has the file
    (`--spec ../SPEC.md` typed in a sub-folder)."""
    if not path.is_absolute():
        if (root / path).exists() or not path.exists():
            return Path(os.path.normpath(path)).as_posix()
        path = path.absolute()
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return path.as_posix()


def _find(root: Path, folder: str, name: str) -> list[str]:
    folders = [root] if not folder else sorted(p for p in root.glob(folder) if p.is_dir())
    found: list[str] = []
    for directory in folders:
        found.extend(
            (directory / entry).relative_to(root).as_posix()
            for entry in _entries(directory)
            if entry.lower() == name and (directory / entry).is_file()
        )
    return found


def _entries(directory: Path) -> list[str]:
    """File names in `directory`, sorted (so `SPEC.md` comes before `spec.md`)."""
    try:
        return sorted(entry.name for entry in os.scandir(directory))
    except OSError:
        return []


def _dedupe(paths: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(paths))


# --------------------------------------------------------------------------- loading


def load_spec(root: Path, paths: list[str], texts: Mapping[str, bytes] | None = None) -> Spec:
    """Parse the spec files `paths` (relative to `root`) into one `Spec`, in document order.

    `texts` gives the bytes of some files (by their path as in `Spec.files`) instead of reading
    them: the spec as it was at a phase's base is parsed in memory. The `Spec` is `discovered`
    when `paths` is a `DiscoveredSpecs`.

    Raises `ReviewError` for a missing or unreadable file. Non-UTF-8 bytes are replaced and
    reported in `Spec.warnings`, as are files without headings (read as one section).
    """
    files = _dedupe(_relative(root, Path(path)) for path in paths)
    ids = _IdAllocator()
    sections: list[Section] = []
    warnings: list[str] = []
    for path in files:
        raw = texts[path] if texts is not None and path in texts else _read_bytes(root, path)
        text = _decode(path, raw, warnings)
        sections.extend(_FileParser(path, text, ids, warnings).parse())
    discovered = isinstance(paths, DiscoveredSpecs)
    return Spec(files=files, sections=sections, warnings=warnings, discovered=discovered)


def _read_bytes(root: Path, path: str) -> bytes:
    target = Path(path) if Path(path).is_absolute() else root / path
    if not target.exists():
        raise ReviewError(f"spec not found: {path}")
    if not target.is_file():
        raise ReviewError(f"spec is not a file: {path}")
    try:
        return target.read_bytes()
    except OSError as error:
        raise ReviewError(f"cannot read spec {path}: {error.strerror or error}") from None


def _decode(path: str, raw: bytes, warnings: list[str]) -> str:
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        warnings.append(f"{path} is not valid UTF-8; undecodable bytes were replaced")
        text = raw.decode("utf-8-sig", errors="replace")
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _blank_front_matter(lines: list[str]) -> list[str]:
    """Replace a leading YAML (`---`) or TOML (`+++`) front matter block by blank lines,
    so it is neither parsed (its closing `---` would make a setext heading) nor shifts line numbers."""
    if not lines or lines[0].rstrip() not in ("---", "+++"):
        return lines
    fence = lines[0].rstrip()
    closers = ("---", "...") if fence == "---" else ("+++",)
    for index in range(1, len(lines)):
        if lines[index].rstrip() in closers:
            return [""] * (index + 1) + lines[index + 1 :]
    return lines


# --------------------------------------------------------------------------- parsing


@dataclass
class _Draft:
    """A section being built, with its 0-based line span [start, stop) and its children's spans."""

    section: Section
    start: int
    stop: int
    holes: list[tuple[int, int]] = field(default_factory=list)


class _FileParser:
    """Turns one spec file's markdown-it tokens into sections (one pass over the tokens)."""

    def __init__(self, path: str, text: str, ids: _IdAllocator, warnings: list[str]) -> None:
        self.path = path
        self.lines = text.split("\n")
        if self.lines and self.lines[-1] == "":
            self.lines.pop()
        self.ids = ids
        self.warnings = warnings
        self.drafts: list[_Draft] = []
        self.headings: list[_Draft] = []
        self.heading_stack: list[_Draft] = []
        self.item_stack: list[_Draft | None] = []

    def parse(self) -> list[Section]:
        source = "\n".join(_blank_front_matter(self.lines)) + "\n"
        tokens = _MARKDOWN.parse(source)
        if not any(token.type == "heading_open" for token in tokens):
            self._add_file_section(empty=not source.strip())
        for index, token in enumerate(tokens):
            self._visit(tokens, index, token)
        self._close_heading_spans()
        return [self._finish(draft) for draft in self.drafts]

    def _visit(self, tokens: list[Token], index: int, token: Token) -> None:
        if token.type == "heading_open" and token.map:
            self._add_heading(token, tokens[index + 1])
        elif token.type == "list_item_open" and token.map:
            self.item_stack.append(self._maybe_task(token, tokens, index))
        elif token.type == "list_item_close":
            self.item_stack.pop()

    # ----------------------------------------------------------------- headings

    def _add_file_section(self, empty: bool) -> None:
        name = Path(self.path).name
        what = "is empty and has no headings" if empty else "has no headings"
        self.warnings.append(f"{self.path} {what}; treated as one section")
        section = self._section(name, slugify(name) or "spec", "heading", 1, 0, None)
        draft = _Draft(section, 0, len(self.lines))
        self.drafts.append(draft)
        self.heading_stack.append(draft)

    def _add_heading(self, token: Token, inline: Token) -> None:
        assert token.map is not None
        level = int(token.tag[1:])
        while self.heading_stack and self.heading_stack[-1].section.level >= level:
            self.heading_stack.pop()
        parent = self.heading_stack[-1] if self.heading_stack else None
        title = _plain_text(inline).replace("\n", " ").strip()
        section = self._section(
            title, slugify(title) or "section", "heading", level, token.map[0], parent
        )
        draft = _Draft(section, token.map[0], token.map[1])
        self.drafts.append(draft)
        self.headings.append(draft)
        self.heading_stack.append(draft)

    def _close_heading_spans(self) -> None:
        for draft, following in zip(self.headings, self.headings[1:], strict=False):
            draft.stop = max(draft.stop, following.start)
        if self.headings:
            self.headings[-1].stop = max(self.headings[-1].stop, len(self.lines))

    # ----------------------------------------------------------------- tasks

    def _maybe_task(self, token: Token, tokens: list[Token], index: int) -> _Draft | None:
        assert token.map is not None
        if index + 2 >= len(tokens) or tokens[index + 1].type != "paragraph_open":
            return None
        first_line, _, wrapped = _plain_text(tokens[index + 2]).partition("\n")
        parsed = _parse_task_line(first_line.strip())
        if parsed is None:
            return None
        title, task_id, checked = parsed
        parent = self._task_parent()
        level = parent.section.level + 1 if parent else 1
        base = task_id or slugify(title) or "task"
        # The id comes from the first line (stable when the text wraps differently); the title is
        # the whole first paragraph, so a task written over two lines is not cut mid-sentence.
        full_title = " ".join([title, *wrapped.split()]) if wrapped.strip() else title
        section = self._section(full_title, base, "task", level, token.map[0], parent)
        if task_id and section.id != task_id:
            self.warnings.append(
                f"{self.path}:{section.line}: task id {task_id} is used twice; renamed {section.id}"
            )
        section.task_id, section.checked = task_id, checked
        draft = _Draft(section, token.map[0], token.map[1])
        self.drafts.append(draft)
        if parent is not None:
            parent.holes.append((draft.start, draft.stop))
        return draft

    def _task_parent(self) -> _Draft | None:
        for item in reversed(self.item_stack):
            if item is not None:
                return item
        return self.heading_stack[-1] if self.heading_stack else None

    # ----------------------------------------------------------------- common

    def _section(
        self,
        title: str,
        base: str,
        kind: SectionKind,
        level: int,
        start: int,
        parent: _Draft | None,
    ) -> Section:
        section = Section(
            id=self.ids.claim(base),
            title=title,
            kind=kind,
            level=level,
            spec=self.path,
            line=start + 1,
            end_line=start + 1,
            parent=parent.section.id if parent else None,
        )
        if parent is not None:
            parent.section.children.append(section.id)
        return section

    def _finish(self, draft: _Draft) -> Section:
        section = draft.section
        stop = draft.stop
        while stop > draft.start + 1 and not self.lines[stop - 1].strip():
            stop -= 1
        section.end_line = max(stop, draft.start + 1)
        section.text = textwrap.dedent("\n".join(self._own_lines(draft, stop))).strip("\n")
        section.refs = extract_refs(section.text)
        return section

    def _own_lines(self, draft: _Draft, stop: int) -> list[str]:
        own: list[str] = []
        line = draft.start
        for hole_start, hole_stop in sorted(draft.holes):
            own.extend(self.lines[line : min(hole_start, stop)])
            line = max(line, hole_stop)
        own.extend(self.lines[line:stop])
        return own


def _parse_task_line(line: str) -> tuple[str, str | None, bool | None] | None:
    """(title, explicit id, checked) of a list item's first line, or None if it is no task.

    A task has a checkbox (`[ ]`, `[x]`; Kiro's optional `[ ]*`), or no box but a spec-kit id (`T012`).
    """
    box = _CHECKBOX.match(line)
    if box is None:
        boxless = _BOXLESS_ID.match(line)
        return (line, boxless.group(1), None) if boxless else None
    title = line[box.end() :].strip()
    checked = box.group(1) in "xX"
    for pattern in (_SPECKIT_ID, _DOTTED_ID, _NUMBERED_ID):
        found = pattern.match(title)
        if found:
            return title, found.group(1), checked
    return title, None, checked


def _plain_text(inline: Token) -> str:
    """The plain text of an inline token: code spans and link texts kept, markup dropped,
    soft and hard breaks as newlines."""
    parts: list[str] = []
    for child in inline.children or []:
        if child.type in ("text", "code_inline", "text_special"):
            parts.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            parts.append("\n")
        elif child.type == "image":
            parts.append(child.content)
    return "".join(parts)


def extract_refs(text: str) -> list[str]:
    """Back-links a section's markdown declares, in order, without repeats:
    `_Requirements: 1.1, 2.3_` -> `1.1`, `2.3`; `[US1]` -> `US1`; `(AC: 1, 3)` -> `AC1`, `AC3`."""
    found: list[tuple[int, str]] = []
    for match in _REQUIREMENTS.finditer(text):
        items = (item.strip() for item in re.split(r"[,;]", match.group(1)))
        found.extend((match.start(), item) for item in items)
    found.extend((match.start(), match.group(1)) for match in _BRACKET_REF.finditer(text))
    for match in _AC_REF.finditer(text):
        numbers = re.findall(r"\d+", match.group(1))
        found.extend((match.start(), f"AC{number}") for number in numbers)
    found.sort(key=lambda pair: pair[0])
    return _dedupe(ref for _, ref in found)
