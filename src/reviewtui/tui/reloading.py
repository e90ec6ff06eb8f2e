"""Provides what reloading the review (`R`) needs: a fingerprint of the code on disk, the session
carried over, what changed, and where the reviewer goes back to.

- `code_fingerprint(root)`: HEAD and a tree object of the working tree (written to a scratch object
  folder, the same way a phase reads the working tree). Taken before a session is assembled and
  again later, it tells whether the code under review changed meanwhile (a change made while the
  session loads counts as a change: the check errs on the side of "reload").
- `carry_over(old, new)`: the new session continues with the old one's state object (the writer's
  lock, every decision and request, links made by hand, even those made while the reload ran).
- `ReloadSummary.between(old, new)`: new, changed and gone chunks; `describe()` says it in a line.
- `ReviewPosition` and `nearest_chunk`: the same chunk after a reload, else its changed version,
  else the nearest chunk in the same file, else the first of the same section.

Nothing here touches a widget: the app calls it from its reload worker (the fingerprint) and on the
UI thread (the rest).
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from reviewtui.core import gitrange
from reviewtui.core.models import WORKTREE, Chunk
from reviewtui.core.state import export_hash, exported_hashes
from reviewtui.errors import ReviewError
from reviewtui.tui.navigation import ChunkFilter, Order

if TYPE_CHECKING:
    from reviewtui.core.session import ReviewSession


def code_fingerprint(repo: Path) -> str:
    """`HEAD-sha:digest` of the repo containing `repo`: equal fingerprints mean the same commits
    and the same files (ReviewError, as the session gives, when it is no repository). Files that
    hold a text the review was exported to are left out: they are no part of the phase, so an
    `export -o` while the app is open does not make the review stale."""
    root = gitrange.find_root(repo)
    with gitrange.worktree_view(root) as view:
        exported = exported_hashes(root)
        if not exported:
            return f"{_head(root)}:{view.tree}"
        listing = gitrange.run_git(root, "ls-tree", "-r", "-z", view.tree, env=view.env)
    entries = [entry for entry in listing.split(b"\0") if entry]
    kept = [entry for entry in entries if not _holds_export(root, entry, exported)]
    digest = hashlib.sha1(b"\0".join(kept)).hexdigest()
    return f"{_head(root)}:{digest}"


def _holds_export(root: Path, entry: bytes, exported: dict[str, list[str]]) -> bool:
    """Whether an `ls-tree` entry is a file holding a text the review was exported to."""
    path = os.fsdecode(entry.split(b"\t", 1)[-1])
    hashes = exported.get(path)
    if not hashes:
        return False
    try:
        return export_hash((root / path).read_bytes()) in hashes
    except OSError:
        return False


def _head(root: Path) -> str:
    """HEAD's sha, or `-` in a repository without commits."""
    try:
        return gitrange.run_git(root, "rev-parse", "--verify", "--quiet", "HEAD^{commit}").decode()
    except ReviewError:  # --quiet: no message, only the exit code of an unborn HEAD
        return "-"


def watches_disk(session: ReviewSession) -> bool:
    """Whether the phase can change under the reviewer: it ends at the working tree (a phase that
    ends at a commit is fixed)."""
    return session.phase.head == WORKTREE


def carry_over(old: ReviewSession, new: ReviewSession) -> list[str]:
    """Make `new` continue `old`'s review: the same state object (lock, decisions, requests), and the
    links the reviewer made by hand since `new` read the disk. Returns the chunks relinked here."""
    read = dict(new.state.manual_links)
    new.state = old.state
    relinked = []
    for chunk_id, section_id in old.state.manual_links.items():
        if read.get(chunk_id, ...) == section_id or chunk_id not in new.links:
            continue
        if section_id is None or section_id in new.spec:
            new.relink(chunk_id, section_id)
            relinked.append(chunk_id)
    return relinked


def _same_place(old: Chunk, new: Chunk) -> bool:
    """Whether `new` is `old` after an edit: same file and definition, or overlapping lines."""
    if old.path != new.path:
        return False
    if old.symbol and new.symbol:
        return old.symbol == new.symbol
    old_end = old.new_start + max(old.new_lines, 1)
    new_end = new.new_start + max(new.new_lines, 1)
    return old.new_start < new_end and new.new_start < old_end


@dataclass
class ReloadSummary:
    """What a reload changed, by chunk id (ids derive from content: an edited chunk gets a new id)."""

    added: list[str] = field(default_factory=list)
    """Chunks that are new, not an edit of a chunk shown before."""
    changed: dict[str, str] = field(default_factory=dict)
    """Old chunk id -> its edited version's id."""
    gone: list[str] = field(default_factory=list)
    """Chunks shown before that are no longer in the phase (their code was removed or reverted)."""

    @classmethod
    def between(cls, old: list[Chunk], new: list[Chunk]) -> ReloadSummary:
        old_ids, new_ids = {chunk.id for chunk in old}, {chunk.id for chunk in new}
        fresh = [chunk for chunk in new if chunk.id not in old_ids]
        summary = cls()
        for chunk in (chunk for chunk in old if chunk.id not in new_ids):
            match = next((other for other in fresh if _same_place(chunk, other)), None)
            if match is None:
                summary.gone.append(chunk.id)
            else:
                summary.changed[chunk.id] = match.id
                fresh.remove(match)
        summary.added = [chunk.id for chunk in fresh]
        return summary

    def describe(self) -> str:
        """`Reloaded: 3 new chunks, 1 changed, 2 gone.` or `Reloaded: nothing changed.`"""
        parts = []
        if self.added:
            parts.append(f"{len(self.added)} new chunk{'s' if len(self.added) != 1 else ''}")
        if self.changed:
            parts.append(f"{len(self.changed)} changed")
        if self.gone:
            parts.append(f"{len(self.gone)} gone")
        return f"Reloaded: {', '.join(parts) if parts else 'nothing changed'}."


@dataclass(frozen=True)
class ReviewPosition:
    """Where the reviewer was: the order, the filter, the chunk in view (None: no chunk) and the
    focused pane's id (None: the diff)."""

    order: Order
    filter: ChunkFilter
    chunk_id: str | None
    focus: str | None = None


def nearest_chunk(
    old: ReviewSession, new: ReviewSession, chunk_id: str | None, summary: ReloadSummary
) -> str | None:
    """The chunk of `new` to show for `old`'s `chunk_id`: itself, its edited version, the chunk of
    the same file that starts nearest, or the first chunk of its section; None when none is."""
    if chunk_id is None:
        return None
    ids = {chunk.id for chunk in new.chunks}
    if chunk_id in ids:
        return chunk_id
    if chunk_id in summary.changed:
        return summary.changed[chunk_id]
    try:
        before = old.chunk(chunk_id)
    except ReviewError:
        return None
    same_file = [chunk for chunk in new.chunks if chunk.path == before.path]
    if same_file:
        start = before.new_start or before.old_start
        return min(same_file, key=lambda c: abs((c.new_start or c.old_start) - start)).id
    section = old.link(chunk_id).section_id
    in_section = new.chunks_in(section) if section is not None else []
    return in_section[0].id if in_section else None
