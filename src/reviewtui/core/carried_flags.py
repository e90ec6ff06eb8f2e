"""Provides `earlier_flags(session)`: the reviewer's flags on chunks that are no longer in the phase
under review — flagged in a round closed by a checkpoint, or on code the agent has changed since —
which stay requests to the agent until the reviewer clears them.

A flag is keyed by its chunk's id, and the id changes with the chunk's content: after a checkpoint the
flagged chunk is in no later phase, and the agent's rework of it is a new, pending chunk. The state
keeps the flag (its file, note and time); this module finds those flags and, for each, the pending
chunks of this phase in the flagged file (the code that re-opened it), so the prompt, the requests
markdown and the export can carry the note next to them.

A flag from an earlier round is cleared when the reviewer clears it on its own chunk (opening that
round's range and pressing `u` or `a`), or once the reviewer has decided the code that re-opened its
file in a round from the flag's own on: a round (the phase between two checkpoints, or this phase)
that no longer has the flagged chunk but has code in its file, none of it pending and some of it
decided at or after the flag's time (the state's times are to the second). Rounds between
checkpoints are read from git (the diff between the two checkpoint commits, cut into chunks like a
phase); the first round starts at the merge-base with the default branch, else the empty tree. A round
git cannot give (a checkpoint commit gone) clears nothing: the flag stays carried.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from reviewtui.core import gitrange
from reviewtui.core.models import Checkpoint, Chunk, Decision, FileDiff, Flag
from reviewtui.errors import ReviewError

if TYPE_CHECKING:
    from reviewtui.core.session import ReviewSession

__all__ = ["EarlierFlag", "earlier_flags"]


@dataclass(frozen=True)
class EarlierFlag:
    """A flag recorded on a chunk this phase no longer has, with what re-opened it here."""

    decision: Decision
    """The flagged decision as the state keeps it (chunk id, note, path, time)."""
    reopened: tuple[Chunk, ...]
    """The pending chunks of this phase in the flagged file, in phase order: the agent's change."""
    checkpoint: Checkpoint | None
    """The first checkpoint recorded after the flag (the end of its round); None: this round."""
    flagged: Chunk | None = None
    """The flagged chunk as its round had it (location, symbol, code), read from git; None when no
    checkpoint followed the flag or the round it ended no longer has the chunk (the agent changed it
    before that checkpoint)."""
    findings: tuple[Flag, ...] = ()
    """For a flag without a note: what the checks find on the flagged chunk in its round."""

    @property
    def where(self) -> str:
        """The flagged chunk's `path:start-end` when known, else its file."""
        return self.flagged.location if self.flagged is not None else self.path

    @property
    def path(self) -> str:
        """The flagged chunk's file, or `?` for a decision recorded without one."""
        return self.decision.path or "?"

    @property
    def note(self) -> str:
        """The reviewer's note, stripped ("" for a flag without one)."""
        return (self.decision.note or "").strip()

    @property
    def when(self) -> str:
        """The flag's date (`2026-11-25`), or "" when the state has no time for it."""
        return (self.decision.updated or "")[:10]


def earlier_flags(session: ReviewSession) -> list[EarlierFlag]:
    """The flags of the state on chunks outside this phase that the reviewer has not cleared, by file
    then time."""
    in_phase = {chunk.id for chunk in session.chunks}
    flags = [
        decision
        for decision in session.state.decisions.values()
        if decision.status == "flagged" and decision.chunk_id not in in_phase
    ]
    if flags:
        carried = session.carried_keys()
        flags = [decision for decision in flags if decision.chunk_id not in carried]
    flags.sort(key=lambda d: (d.path or "", d.updated or "", d.chunk_id))
    rounds = RoundChunks(session)
    found = []
    for decision in flags:
        same_file = _chunks_of_file(session, decision.path)
        if _cleared(session, decision, [chunk.id for chunk in same_file]):
            continue
        if _cleared_in_rounds(session, decision, rounds):
            continue
        pending = tuple(c for c in same_file if session.decision(c.id).status == "pending")
        end = _round_end(session, decision)
        flagged = _flagged_chunk(session, decision, rounds)
        findings = _findings(session, decision, flagged, rounds)
        found.append(EarlierFlag(decision, pending, end, flagged, findings))
    return found


def _findings(
    session: ReviewSession, flag: Decision, chunk: Chunk | None, rounds: RoundChunks
) -> tuple[Flag, ...]:
    """The checks' findings on a flagged chunk without a note (they say what is wrong instead)."""
    end = _round_end(session, flag)
    if chunk is None or end is None or (flag.note or "").strip():
        return ()
    from reviewtui.core.checks import check_phase

    files = rounds.files(session.state.checkpoints.index(end), chunk.path)
    checked = check_phase([chunk], files, session.spec, session.settings.checks)
    return tuple(checked.flags.get(chunk.id, []))


def _flagged_chunk(session: ReviewSession, flag: Decision, rounds: RoundChunks) -> Chunk | None:
    """The flagged chunk in the round that ended at the first checkpoint after the flag, if there."""
    end = _round_end(session, flag)
    if end is None or not flag.path:
        return None
    chunks = rounds.chunks(session.state.checkpoints.index(end), flag.path) or []
    return next((chunk for chunk in chunks if chunk.id == flag.chunk_id), None)


def _chunks_of_file(session: ReviewSession, path: str | None) -> list[Chunk]:
    """The chunks of this phase in `path` (under its new or old name)."""
    if not path:
        return []
    return [chunk for chunk in session.chunks if path in (chunk.path, chunk.old_path)]


def _cleared(session: ReviewSession, flag: Decision, same_file: list[str]) -> bool:
    """Whether a round whose chunks in the flagged file are `same_file` (ids) clears the flag: it no
    longer has the flagged chunk, has code in the file, none of it pending, some decided since."""
    if not same_file or flag.chunk_id in same_file:
        return False
    decisions = [session.decision(chunk_id) for chunk_id in same_file]
    if any(decision.status == "pending" for decision in decisions):
        return False
    since = flag.updated or ""
    return any((decision.updated or "") >= since for decision in decisions)


def _cleared_in_rounds(session: ReviewSession, flag: Decision, rounds: RoundChunks) -> bool:
    """Whether a round between checkpoints, from the flag's own round on, clears the flag."""
    end = _round_end(session, flag)
    if end is None or not flag.path:
        return False
    first = session.state.checkpoints.index(end)
    for index in range(first, len(session.state.checkpoints)):
        chunks = rounds.chunks(index, flag.path)
        if chunks is not None and _cleared(session, flag, [chunk.id for chunk in chunks]):
            return True
    return False


class RoundChunks:
    """The chunks of each round between checkpoints, per file: round `i` ends at checkpoint `i`
    and starts at checkpoint `i - 1` (the first at the merge-base with the default branch, else the
    empty tree). Each round's diff is read once, each file cut once, on demand."""

    def __init__(self, session: ReviewSession) -> None:
        self._session = session
        self._files: dict[int, dict[str, list[FileDiff]] | None] = {}
        self._chunks: dict[tuple[int, str], list[Chunk] | None] = {}

    def chunks(self, index: int, path: str) -> list[Chunk] | None:
        """Round `index`'s chunks in `path` ([] for none); None when git cannot give the round
        (a checkpoint commit no longer in the repository)."""
        key = (index, path)
        if key not in self._chunks:
            files = self._round_files(index)
            self._chunks[key] = None if files is None else self._cut(files.get(path, []))
        return self._chunks[key]

    def files(self, index: int, path: str) -> list[FileDiff]:
        """Round `index`'s file diffs of `path` ([] for none, or when git cannot give the round)."""
        return (self._round_files(index) or {}).get(path, [])

    def _cut(self, files: list[FileDiff]) -> list[Chunk]:
        from reviewtui.core.chunks import cut_chunks

        return cut_chunks(files, [], self._session.settings.chunks) if files else []

    def _round_files(self, index: int) -> dict[str, list[FileDiff]] | None:
        if index not in self._files:
            self._files[index] = self._read_round(index)
        return self._files[index]

    def _read_round(self, index: int) -> dict[str, list[FileDiff]] | None:
        root = self._session.root
        checkpoints = self._session.state.checkpoints
        end = checkpoints[index].sha
        try:
            base = checkpoints[index - 1].sha if index else _first_base(root, end)
            files = gitrange.diff_trees(root, base, end)
        except ReviewError:
            return None
        by_path: dict[str, list[FileDiff]] = {}
        for file in files:
            for name in {file.path, file.old_path or file.path}:
                by_path.setdefault(name, []).append(file)
        return by_path


def _first_base(root: Path, end: str) -> str:
    """Where the first round started: the merge-base of its end with the default branch when that
    is an earlier commit (an agent's branch), else the empty tree (the whole history)."""
    default = gitrange.default_branch(root)
    base = _merge_base(root, default, end) if default is not None else None
    if base and base != end:
        return base
    return (
        gitrange.run_git(root, "hash-object", "-t", "tree", "--stdin", input=b"").decode().strip()
    )


def _merge_base(root: Path, branch: str, end: str) -> str | None:
    """The merge-base of `branch` and `end`; None when they share no history."""
    try:
        return gitrange.run_git(root, "merge-base", branch, end).decode().strip()
    except ReviewError:
        return None


def _round_end(session: ReviewSession, flag: Decision) -> Checkpoint | None:
    """The first checkpoint recorded at or after the flag: the end of the round it was made in."""
    since = flag.updated or ""
    return next(
        (checkpoint for checkpoint in session.state.checkpoints if checkpoint.created >= since),
        None,
    )
