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
file: this phase has code in that file, none of it pending, and some of it decided at or after the
flag's time.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from reviewtui.core.models import Checkpoint, Chunk, Decision

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
    flags.sort(key=lambda d: (d.path or "", d.updated or "", d.chunk_id))
    found = []
    for decision in flags:
        same_file = _chunks_of_file(session, decision.path)
        if _cleared_by(session, decision, same_file):
            continue
        pending = tuple(c for c in same_file if session.decision(c.id).status == "pending")
        found.append(EarlierFlag(decision, pending, _round_end(session, decision)))
    return found


def _chunks_of_file(session: ReviewSession, path: str | None) -> list[Chunk]:
    """The chunks of this phase in `path` (under its new or old name)."""
    if not path:
        return []
    return [chunk for chunk in session.chunks if path in (chunk.path, chunk.old_path)]


def _cleared_by(session: ReviewSession, flag: Decision, same_file: list[Chunk]) -> bool:
    """Whether the reviewer has decided the code that re-opened the flagged file: none of it is
    pending and some of it was decided at or after the flag (the state's times are to the second)."""
    if not same_file:
        return False
    decisions = [session.decision(chunk.id) for chunk in same_file]
    if any(decision.status == "pending" for decision in decisions):
        return False
    since = flag.updated or ""
    return any((decision.updated or "") >= since for decision in decisions)


def _round_end(session: ReviewSession, flag: Decision) -> Checkpoint | None:
    """The first checkpoint recorded at or after the flag: the end of the round it was made in."""
    since = flag.updated or ""
    return next(
        (checkpoint for checkpoint in session.state.checkpoints if checkpoint.created >= since),
        None,
    )
