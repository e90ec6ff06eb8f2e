"""Provides the plain dataclasses that every stage of the review pipeline passes along.

The pipeline is one direction of flow (see DESIGN.md)::

    gitrange -> Phase(FileDiff...) -> chunks -> Chunk... -> links -> SectionLink...
    spec -> Spec(Section...)                                 checks -> Flag...
    state -> Decision / Request / Checkpoint

Nothing here knows about screens, Textual or Rich.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

WORKTREE = "WORKTREE"
"""The `head` of a phase that ends at the working tree (staged, unstaged and untracked files)."""

SectionKind = Literal["heading", "task"]
ChangeKind = Literal["added", "modified", "deleted", "renamed", "binary"]
LineKind = Literal[" ", "+", "-"]
EvidenceKind = Literal["comment", "commit", "lexical", "path", "structure", "llm", "manual"]
Severity = Literal["high", "medium", "low"]
DecisionStatus = Literal["pending", "approved", "flagged"]
RequestKind = Literal["refactor", "simplify", "fix", "test", "question"]
RequestStatus = Literal["open", "done"]

SEVERITY_RANK: dict[str, int] = {"high": 0, "medium": 1, "low": 2}


# --------------------------------------------------------------------------- spec


@dataclass
class Section:
    """A heading of the spec, or a task item inside one. Sections form a tree via `parent`."""

    id: str
    """Unique across all spec files: a GitHub-style slug for headings, the explicit id for tasks."""
    title: str
    """The heading text (`2.1 Source`) or the task's text without its checkbox."""
    kind: SectionKind
    level: int
    """Heading level (1-6); a task is one deeper than its heading (nested tasks deeper still)."""
    spec: str
    """Path of the spec file, relative to the repo root, with `/` separators."""
    line: int
    """1-based line of the heading or task item."""
    end_line: int
    """1-based last line of the section's own span (before the next heading or sibling task)."""
    parent: str | None = None
    task_id: str | None = None
    """The explicit id of a task (`T012`, `2.1`), or None."""
    text: str = ""
    """The section's own markdown text, heading line included, children excluded."""
    checked: bool | None = None
    """For a task: whether its box is ticked (`[x]`); None for headings and box-less items."""
    refs: list[str] = field(default_factory=list)
    """Back-links the spec text declares: `_Requirements: 1.1_`, `[US1]`, `(AC: 3)`."""
    children: list[str] = field(default_factory=list)


@dataclass
class Spec:
    """All spec files of a review, parsed into one tree of sections (document order)."""

    files: list[str]
    sections: list[Section]
    warnings: list[str] = field(default_factory=list)
    discovered: bool = False
    """True when the files were found by discovery (no `--spec`, no `spec` setting): a spec file
    the agent adds in a phase is then the agent's, not the reviewer's (see `core.phasefiles`)."""

    def __post_init__(self) -> None:
        self._by_id = {section.id: section for section in self.sections}

    def get(self, section_id: str | None) -> Section | None:
        return self._by_id.get(section_id) if section_id else None

    def __contains__(self, section_id: object) -> bool:
        return section_id in self._by_id

    def ancestors(self, section_id: str) -> list[Section]:
        """The chain of parents of a section, nearest first."""
        chain: list[Section] = []
        section = self.get(section_id)
        while section is not None and section.parent is not None:
            section = self.get(section.parent)
            if section is not None:
                chain.append(section)
        return chain


# --------------------------------------------------------------------------- git


@dataclass
class DiffLine:
    """One line of a diff: context (`' '`), added (`'+'`) or removed (`'-'`)."""

    kind: LineKind
    text: str
    """The line's text without its newline."""
    old_no: int | None
    new_no: int | None
    no_newline: bool = False
    """True when this is the file's last line and it has no final newline."""


@dataclass
class Hunk:
    old_start: int
    old_lines: int
    new_start: int
    new_lines: int
    lines: list[DiffLine]
    heading: str = ""
    """git's function-context text after `@@ ... @@`, if any."""


@dataclass
class FileDiff:
    """One file's change in the phase."""

    path: str
    """The new path (the old path for a deletion), `/` separated, never C-quoted."""
    old_path: str | None
    """The previous path for a rename or copy, else None."""
    change: ChangeKind
    hunks: list[Hunk] = field(default_factory=list)
    binary: bool = False
    submodule: bool = False
    old_mode: str | None = None
    new_mode: str | None = None
    similarity: int | None = None
    """git's similarity index for a rename or copy (0-100)."""
    new_text: str | None = None
    """The whole new file as text (decoded with replacement), when it exists and is text."""
    old_size: int | None = None
    new_size: int | None = None
    copied: bool = False
    old_blob: str | None = None
    """git's blob id of the old content (from `--raw`), when git gave one; all zeros for none."""
    new_blob: str | None = None
    """git's blob id of the new content, when git gave one (a binary chunk's id covers both)."""

    @property
    def added(self) -> int:
        return sum(1 for hunk in self.hunks for line in hunk.lines if line.kind == "+")

    @property
    def removed(self) -> int:
        return sum(1 for hunk in self.hunks for line in hunk.lines if line.kind == "-")


@dataclass
class CommitInfo:
    """A commit inside the phase, with what it added where (for commit-message evidence)."""

    sha: str
    subject: str
    body: str = ""
    trailers: dict[str, list[str]] = field(default_factory=dict)
    """`Spec: 2.1` style trailers; keys as written, values in order."""
    added_lines: dict[str, set[str]] = field(default_factory=dict)
    """path -> the stripped texts of the lines this commit added to it."""


@dataclass
class Phase:
    """The changes under review: a git range resolved to concrete revisions and file diffs."""

    base: str | None
    """Full sha of the base commit, or None when the phase starts from the empty tree."""
    head: str
    """Full sha of the head commit, or WORKTREE."""
    files: list[FileDiff]
    commits: list[CommitInfo] = field(default_factory=list)
    """Commits in base..head, oldest first (empty when head is WORKTREE and nothing is committed)."""
    rule: str = ""
    """How the range was chosen, for humans: "checkpoint 3e1f…", "merge-base with main", …"""
    warnings: list[str] = field(default_factory=list)
    """Problems worth telling the user (e.g. huge untracked files left out of the phase)."""
    digest: str = ""
    """A hash of what git gave for this phase (the raw diff with its blob ids, the revisions): equal
    digests mean equal files and commits. "" when unknown (then nothing is cached for the phase)."""

    @property
    def label(self) -> str:
        base = self.base[:7] if self.base else "(empty)"
        head = self.head if self.head == WORKTREE else self.head[:7]
        return f"{base}..{head}"


# --------------------------------------------------------------------------- chunks and links


@dataclass
class Chunk:
    """A small, syntax-aware piece of the phase's diff, with a content-derived stable id."""

    id: str
    path: str
    old_path: str | None
    change: ChangeKind
    lines: list[DiffLine]
    """The diff lines of this chunk, with a few lines of context around the changes."""
    new_start: int
    new_lines: int
    old_start: int
    old_lines: int
    added: int
    removed: int
    symbol: str | None = None
    """The enclosing definition, dotted (`Trainer.step`), or None at module level / in non-code."""
    language: str | None = None
    """A pygments lexer alias (`python`, `yaml`, …) or None."""
    summary: str | None = None
    """For binary, huge or minified files: a one-line description standing in for the lines."""
    commits: list[str] = field(default_factory=list)
    """Shas of the phase's commits that added any of this chunk's lines."""

    @property
    def changed_lines(self) -> list[DiffLine]:
        return [line for line in self.lines if line.kind != " "]

    @property
    def location(self) -> str:
        """`path:start-end` of the new side (old side for pure deletions)."""
        if self.new_lines:
            return f"{self.path}:{self.new_start}-{self.new_start + self.new_lines - 1}"
        if self.old_lines:
            return f"{self.old_path or self.path}:{self.old_start}-{self.old_start + self.old_lines - 1} (deleted)"
        return self.path


@dataclass
class Evidence:
    kind: EvidenceKind
    detail: str
    score: float


@dataclass
class SectionLink:
    """Which section a chunk implements, how sure we are, and why."""

    chunk_id: str
    section_id: str | None
    confidence: float
    evidence: list[Evidence] = field(default_factory=list)


@dataclass
class Flag:
    """A finding of a check rule on a chunk."""

    rule: str
    severity: Severity
    line: int | None
    """New-side line number the finding is about (old side for deletions), or None."""
    message: str


# --------------------------------------------------------------------------- review state


@dataclass
class Decision:
    chunk_id: str
    status: DecisionStatus = "pending"
    note: str | None = None
    updated: str | None = None
    """ISO-8601 UTC time of the last change."""
    path: str | None = None
    """The chunk's path when decided, so a human reading the state file knows what it was."""
    copy_id: str | None = None
    """For a change found once in its file: the id it gets as one copy in its symbol when the agent
    repeats the change elsewhere (`chunks.copy_id`), so the decision stays with this copy only.
    None otherwise, and in state files written before it was recorded."""


@dataclass
class Request:
    """A refactor / simplify / fix / test / question item for the agent's next phase."""

    id: str
    chunk_id: str | None
    kind: RequestKind
    text: str
    status: RequestStatus = "open"
    created: str | None = None
    location: str | None = None
    """`path:start-end` of the chunk when the request was made."""
    code: str | None = None
    """The chunk's changed code when the request was made, so the request stands alone."""
    patch: str | None = None
    """A drafted unified diff for this request, if one was made."""


@dataclass
class Checkpoint:
    """A recorded end of a reviewed phase."""

    sha: str
    """The commit the next phase starts from (a snapshot commit when the worktree was dirty)."""
    head: str
    """HEAD's sha at the time (equals `sha` when the worktree was clean)."""
    created: str
    label: str = ""
