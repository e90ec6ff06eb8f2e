"""Provides `ReviewNavigator` and `ChunkFilter`: where the reviewer is in a phase, and what is shown.

The navigator holds the order (spec order, or risk first), the filter, the group on screen (a
section, "Unlinked changes", or every chunk when risk first) and the chunk in view. It moves by chunk
and by section and finds the next pending chunk. It is plain Python over a `ReviewSession`, so the
screens stay thin and the logic is tested without a terminal.
"""

from __future__ import annotations

from dataclasses import dataclass
from fnmatch import fnmatch
from typing import TYPE_CHECKING, Literal

from reviewtui.core.models import Chunk, DecisionStatus

if TYPE_CHECKING:
    from reviewtui.core.session import ReviewSession

Order = Literal["spec", "risk"]
UNLINKED = "__unlinked__"
"""Group key of the chunks that belong to no section."""
ALL = "__all__"
"""Group key of every visible chunk (the group shown first when the order is risk first)."""
FLAG_ANY = "*"
"""`ChunkFilter.flag` value matching chunks with at least one flag."""
FLAG_NONE = "-"
"""`ChunkFilter.flag` value matching chunks without flags."""


@dataclass(frozen=True)
class ChunkFilter:
    """Which chunks are shown: every non-empty field must match (all case-insensitive)."""

    path: str = ""
    """A substring of the path, or a glob when it contains `*`, `?` or `[`."""
    text: str = ""
    """A substring of the changed lines, the enclosing definition or the path."""
    status: DecisionStatus | None = None
    flag: str | None = None
    """A rule id, `FLAG_ANY`, `FLAG_NONE`, or None for no condition."""

    @property
    def active(self) -> bool:
        return bool(self.path or self.text or self.status or self.flag)

    def describe(self) -> str:
        """A short human description, e.g. `path~data · status=pending`."""
        parts = []
        if self.path:
            parts.append(f"path~{self.path}")
        if self.text:
            parts.append(f"text~{self.text}")
        if self.status:
            parts.append(f"status={self.status}")
        if self.flag:
            parts.append(
                {FLAG_ANY: "flagged", FLAG_NONE: "no flags"}.get(self.flag, f"flag={self.flag}")
            )
        return " · ".join(parts)

    def matches(self, session: ReviewSession, chunk: Chunk) -> bool:
        return (
            self._path_matches(chunk)
            and self._text_matches(chunk)
            and (self.status is None or session.decision(chunk.id).status == self.status)
            and self._flag_matches(session, chunk)
        )

    def _path_matches(self, chunk: Chunk) -> bool:
        if not self.path:
            return True
        pattern, paths = self.path.lower(), [chunk.path.lower(), (chunk.old_path or "").lower()]
        if any(char in pattern for char in "*?["):
            return any(fnmatch(path, pattern) or fnmatch(path, f"*{pattern}") for path in paths)
        return any(pattern in path for path in paths)

    def _text_matches(self, chunk: Chunk) -> bool:
        if not self.text:
            return True
        needle = self.text.lower()
        haystack = [chunk.path, chunk.symbol or "", chunk.summary or ""]
        haystack += [line.text for line in chunk.changed_lines]
        return any(needle in item.lower() for item in haystack)

    def _flag_matches(self, session: ReviewSession, chunk: Chunk) -> bool:
        flags = session.flags.get(chunk.id, [])
        if self.flag is None:
            return True
        if self.flag == FLAG_ANY:
            return bool(flags)
        if self.flag == FLAG_NONE:
            return not flags
        return any(flag.rule == self.flag for flag in flags)


class ReviewNavigator:
    """The reviewer's position in a phase: order, filter, group on screen and chunk in view."""

    def __init__(self, session: ReviewSession) -> None:
        self.session = session
        self.order: Order = "spec"
        self.filter = ChunkFilter()
        self.group: str = UNLINKED
        self.chunk_id: str | None = None
        self._visible: list[Chunk] = []
        self._groups: list[str] = []
        self._by_group: dict[str, list[Chunk]] = {}
        self.rebuild()
        self.select_group(self._groups[0] if self._groups else UNLINKED)

    # ------------------------------------------------------------------ derived views

    @property
    def visible(self) -> list[Chunk]:
        """Every chunk that passes the filter, in the current order."""
        return self._visible

    @property
    def groups(self) -> list[str]:
        """The groups that have visible chunks, in the order J/K walks them."""
        return self._groups

    @property
    def chunk(self) -> Chunk | None:
        return self.session.chunk(self.chunk_id) if self.chunk_id else None

    def group_of(self, chunk: Chunk) -> str:
        link = self.session.links.get(chunk.id)
        return link.section_id if link and link.section_id else UNLINKED

    def chunks_of(self, group: str) -> list[Chunk]:
        """The visible chunks of a group, in the current order."""
        return self._by_group.get(group, [])

    def rebuild(self, keep_order: bool = False) -> None:
        """Recompute the visible chunks and groups (after a filter, order, decision or relink).

        `keep_order`, risk first: the chunks still visible keep their places (a relink changes a
        chunk's risk, but the list does not move under the reviewer); new ones go last."""
        chunks = self.session.ordered_chunks(self.order)
        if keep_order and self.order == "risk":
            chunks = self._in_shown_order(chunks)
        if self.filter.active:
            chunks = [chunk for chunk in chunks if self.filter.matches(self.session, chunk)]
        self._visible = chunks
        self._by_group = {ALL: chunks} if self.order == "risk" else {}
        for chunk in chunks:
            self._by_group.setdefault(self.group_of(chunk), []).append(chunk)
        sections = [s.id for s in self.session.spec.sections if s.id in self._by_group]
        tail = [UNLINKED] if UNLINKED in self._by_group else []
        head = [ALL] if self.order == "risk" and chunks else []
        self._groups = head + sections + tail
        self._keep_position()

    def _in_shown_order(self, chunks: list[Chunk]) -> list[Chunk]:
        shown = {chunk.id: index for index, chunk in enumerate(self._visible)}
        return sorted(chunks, key=lambda chunk: shown.get(chunk.id, len(shown)))

    def _keep_position(self) -> None:
        current = self.chunk
        if current is not None and current in self._visible:
            if self.group != ALL:
                self.group = self.group_of(current)
            return
        self.chunk_id = None
        if self._groups:
            self.select_group(self._groups[0])

    # ------------------------------------------------------------------ settings

    def set_order(self, order: Order) -> None:
        """Risk first starts at the riskiest chunk; spec order keeps the chunk in view."""
        self.order = order
        if order == "spec" and self.group == ALL:
            current = self.chunk
            self.group = self.group_of(current) if current else UNLINKED
        self.rebuild()
        if order == "risk":
            self.select_group(ALL)

    def set_filter(self, chunk_filter: ChunkFilter) -> None:
        self.filter = chunk_filter
        self.rebuild()

    def clear_filter(self) -> None:
        self.set_filter(ChunkFilter())

    # ------------------------------------------------------------------ moves

    def select_group(self, group: str) -> Chunk | None:
        """Show a group; the chunk in view becomes its first chunk (or None when it has none)."""
        self.group = group
        chunks = self.chunks_of(group)
        self.chunk_id = chunks[0].id if chunks else None
        return self.chunk

    def select_chunk(self, chunk_id: str) -> Chunk:
        """Put a chunk in view; the group follows it unless every chunk is shown."""
        chunk = self.session.chunk(chunk_id)
        self.chunk_id = chunk.id
        if self.group != ALL or chunk not in self._visible:
            self.group = self.group_of(chunk)
        return chunk

    def step_chunk(self, delta: int) -> bool:
        """Move to the next (`delta=1`) or previous chunk, crossing into the next group at the end."""
        target = self.peek_chunk(delta)
        if target is None:
            return False
        if self.group != ALL:
            self.group = self.group_of(target)
        self.chunk_id = target.id
        return True

    def peek_chunk(self, delta: int) -> Chunk | None:
        """The chunk `step_chunk(delta)` would show (None: it would not move), without moving."""
        chunks = self.chunks_of(self.group)
        target = self._index_in(chunks) + delta
        if 0 <= target < len(chunks):
            return chunks[target]
        if self.group == ALL:
            return None
        neighbour = self._neighbour_group(delta)
        if neighbour is None:
            return None
        chunks = self.chunks_of(neighbour)
        return chunks[0] if delta > 0 else chunks[-1]

    def step_group(self, delta: int) -> bool:
        """Move to the first chunk of the next (`delta=1`) or previous group."""
        neighbour = self._neighbour_group(delta, include_all=True)
        if neighbour is None:
            return False
        self.select_group(neighbour)
        return True

    def neighbour_groups(self) -> list[str]:
        """The groups a move shows next from here: after (`J`, `j` at the end), then before."""
        groups = [self._neighbour_group(1, include_all=True), self._neighbour_group(-1, True)]
        return [group for group in groups if group is not None and group != self.group]

    def next_pending(self) -> Chunk | None:
        """The first pending chunk after the one in view (wrapping around), or None."""
        sequence = self._sequence()
        start = self._index_in(sequence) + 1
        for chunk in sequence[start:] + sequence[:start]:
            if chunk.id != self.chunk_id and self.session.decision(chunk.id).status == "pending":
                return chunk
        return None

    def _sequence(self) -> list[Chunk]:
        if self.group == ALL:
            return self.chunks_of(ALL)
        return [chunk for group in self._groups if group != ALL for chunk in self.chunks_of(group)]

    def _index_in(self, chunks: list[Chunk]) -> int:
        for index, chunk in enumerate(chunks):
            if chunk.id == self.chunk_id:
                return index
        return -1

    def _neighbour_group(self, delta: int, include_all: bool = False) -> str | None:
        groups = [g for g in self._groups if include_all or g != ALL]
        if self.group not in groups:
            return groups[0] if groups and delta > 0 else None
        target = groups.index(self.group) + delta
        return groups[target] if 0 <= target < len(groups) else None
