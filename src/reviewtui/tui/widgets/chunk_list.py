"""Provides `ChunkList`: one line per chunk of the group on screen.

A line reads `✓ ▲2 data.py · load_data  +12 −0`: decision mark, flag count (coloured by the worst
severity), `»2` when the chunk is past the spec phase's checkpoint (code for phase 2), file name,
enclosing definition and added/removed counts. It is an `OptionList`, so thousands of chunks cost nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from textual import on
from textual.content import Content
from textual.message import Message
from textual.reactive import reactive
from textual.widgets import OptionList
from textual.widgets.option_list import Option, OptionDoesNotExist

from reviewtui.core.models import SEVERITY_RANK, Chunk, Flag
from reviewtui.tui.text import clean_line

if TYPE_CHECKING:
    from reviewtui.core.session import ReviewSession

DECISION_MARKS = {
    "pending": ("·", "$text-muted"),
    "approved": ("✓", "$success"),
    "flagged": ("×", "$error"),
}
SEVERITY_STYLES = {"high": "$error", "medium": "$warning", "low": "$text-muted"}


def chunk_line(chunk: Chunk, status: str, flags: list[Flag], past: str | None = None) -> Content:
    """The one-line summary of a chunk, as plain content with styled marks (`past`: the later
    spec phase the chunk belongs to, when it is past the checkpoint)."""
    mark, mark_style = DECISION_MARKS.get(status, ("?", ""))
    name = clean_line(chunk.path.rsplit("/", 1)[-1])
    parts: list[str | tuple[str, str]] = [(mark, f"bold {mark_style}"), " "]
    if flags:
        worst = min(flags, key=lambda flag: SEVERITY_RANK.get(flag.severity, 3))
        parts += [(f"▲{len(flags)}", f"bold {SEVERITY_STYLES[worst.severity]}"), " "]
    if past is not None:
        parts += [(f"»{clean_line(past)}", "bold $text-secondary"), " "]
    parts.append(name)
    if chunk.symbol:
        parts += [(" · ", "$text-muted"), (clean_line(chunk.symbol), "$accent")]
    parts += ["  ", (f"+{chunk.added}", "$success"), " ", (f"−{chunk.removed}", "$error")]
    return Content.assemble(*parts)


class ChunkList(OptionList):
    """The chunks of one section (or of every section when risk first); option id is the chunk id."""

    @dataclass
    class ChunkChosen(Message):
        """The reviewer moved to a chunk in this list (arrows, Enter or click)."""

        chunk_list: ChunkList
        chunk_id: str

    highlighted: reactive[int | None] = reactive(None, repaint=False)
    """As in `OptionList`, but a move repaints only the two lines concerned (not the whole list)."""

    _painted: int | None = None
    """The line last drawn highlighted."""

    def watch_highlighted(self, highlighted: int | None) -> None:
        super().watch_highlighted(highlighted)
        previous, self._painted = self._painted, highlighted
        lines = self._line_cache  # read as is: refilling the list refreshes all of it anyway
        for index in (previous, highlighted):
            line = None if index is None else lines.index_to_line.get(index)
            if index is not None and line is not None:
                self.refresh_lines(line, lines.heights.get(index, 1))

    def show(self, session: ReviewSession, chunks: list[Chunk], current: str | None) -> None:
        """Replace the lines with `chunks` and highlight `current`."""
        options = [self._option(session, chunk) for chunk in chunks]
        with self.prevent(OptionList.OptionHighlighted):
            self.set_options(options)
            self.highlight_chunk(current)

    def highlight_chunk(self, chunk_id: str | None) -> None:
        """Move the highlight to a chunk's line (no message is sent)."""
        if chunk_id is None:
            return
        try:
            index = self.get_option_index(chunk_id)
        except OptionDoesNotExist:  # the chunk is not in this list
            return
        with self.prevent(OptionList.OptionHighlighted):
            self.highlighted = index

    def refresh_chunk(self, session: ReviewSession, chunk: Chunk) -> None:
        """Redraw one chunk's line after its decision or flags changed."""
        try:
            self.replace_option_prompt(chunk.id, self._option(session, chunk).prompt)
        except OptionDoesNotExist:  # not shown in this group
            return

    @staticmethod
    def _option(session: ReviewSession, chunk: Chunk) -> Option:
        status = session.decision(chunk.id).status
        past = session.coverage.past_checkpoint.get(chunk.id)
        line = chunk_line(chunk, status, session.flags.get(chunk.id, []), past)
        return Option(line, id=chunk.id)

    @on(OptionList.OptionHighlighted)
    @on(OptionList.OptionSelected)
    def _chosen(self, event: OptionList.OptionHighlighted | OptionList.OptionSelected) -> None:
        event.stop()
        if event.option.id is not None:
            self.post_message(self.ChunkChosen(self, event.option.id))
