"""Provides `uncommitted_lines(chunk, phase)`: how many of a chunk's added lines are work not
committed yet (staged, unstaged or untracked), so a chunk the agent changed after its last commit
is not shown as that commit's alone.

A phase that ends at the working tree diffs its base against the working tree; the commits of the
phase say which lines they added (`CommitInfo.added_lines`: the stripped texts, per path). An added
line of the chunk whose text no commit of the phase added to its file (under its new or its old
path) is uncommitted. Blank lines count for nothing. A phase that ends at a commit has nothing
uncommitted. Text is compared, not positions: a line the agent re-typed identically to a line a
commit added to the same file counts as committed (an edit always leaves at least its new text).
"""

from __future__ import annotations

import weakref

from reviewtui.core.models import WORKTREE, Chunk, Phase


def uncommitted_lines(chunk: Chunk, phase: Phase) -> int:
    """The chunk's added, non-blank lines that no commit of the phase added to its file; 0 when
    the phase ends at a commit."""
    if phase.head != WORKTREE:
        return 0
    committed = committed_texts(phase)
    known = committed.get(chunk.path, _NONE)
    if chunk.old_path and chunk.old_path != chunk.path:
        known = known | committed.get(chunk.old_path, _NONE)
    return sum(
        1
        for line in chunk.lines
        if line.kind == "+" and (text := line.text.strip()) and text not in known
    )


_NONE: frozenset[str] = frozenset()


def committed_texts(phase: Phase) -> dict[str, set[str]]:
    """Path → the stripped texts of the lines the phase's commits added to it (all commits
    together). The answer for the last phase asked about is kept, so a screen may ask per chunk."""
    global _last
    if _last is not None and _last[0]() is phase:
        return _last[1]
    found: dict[str, set[str]] = {}
    for commit in phase.commits:
        for path, texts in commit.added_lines.items():
            found.setdefault(path, set()).update(texts)
    _last = (weakref.ref(phase), found)
    return found


_last: tuple[weakref.ref[Phase], dict[str, set[str]]] | None = None
