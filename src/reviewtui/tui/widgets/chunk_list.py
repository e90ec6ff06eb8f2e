"""Provides `ChunkList`: one line per chunk of the group on screen.

A line reads `✓ ▲2 data.py · load_data  +12 −0`: decision mark, flag count (coloured by the worst
severity), `»2` when the chunk is past the spec phase's checkpoint (code for phase 2), file name,
enclosing definition and added/removed counts. It is an `OptionList`, so thousands of chunks cost nothing.

Drawing a line through Textual's content pipeline costs about 0.2 ms, and moving to the next section
replaces every line. So the list keeps, across refills, one option per chunk (rebuilt only when what
its line shows changes: the `LineKey`) and the drawn lines of the last few thousand options (keyed
by that option, style and width, whatever its position); `prepare` draws lines ahead of time,
which the review screen does for the first screenful of the neighbouring sections while idle.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from textual import on
from textual.content import Content
from textual.message import Message
from textual.reactive import reactive
from textual.strip import Strip
from textual.style import Style
from textual.visual import Padding
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
RENDERED_LINES = 4096
"""How many drawn option renders the list keeps (a few hundred sections' worth)."""


def _keep(cache: dict[Hashable, list[Strip]], key: Hashable, strips: list[Strip]) -> None:
    """Keep `strips` under `key`, dropping the oldest entry once `RENDERED_LINES` are kept."""
    if len(cache) >= RENDERED_LINES:
        del cache[next(iter(cache))]
    cache[key] = strips


LineKey = tuple[str, int, str, "str | None"]
"""What a chunk's line shows besides the chunk itself: status, flag count, worst severity, past."""


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


def line_key(status: str, flags: list[Flag], past: str | None) -> LineKey:
    """Everything `chunk_line` draws that can change for a given chunk."""
    worst = min(
        (flag.severity for flag in flags), key=lambda s: SEVERITY_RANK.get(s, 3), default=""
    )
    return (status, len(flags), worst, past)


class ChunkOption(Option):
    """An option that knows what its line shows (`key`), so it is reused while that holds."""

    def __init__(self, prompt: Content, chunk_id: str, key: LineKey) -> None:
        super().__init__(prompt, id=chunk_id)
        self.key = key


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

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self._chunk_options: dict[str, ChunkOption] = {}
        """The option of each chunk drawn so far, as its line was then."""
        self._rendered: dict[Hashable, list[Strip]] = {}
        """Drawn options by (chunk, line key, style, padding, width), oldest first."""
        self._placed: dict[Hashable, list[Strip]] = {}
        """The same with their position mark, by (that key, position), oldest first."""
        self.draws = 0
        """How many option lines were drawn through the content pipeline (kept ones not counted)."""

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
        options = [self.option_of(session, chunk) for chunk in chunks]
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
        option = self.option_of(session, chunk)
        try:
            shown = self.get_option(chunk.id)
        except OptionDoesNotExist:  # not shown in this group
            return
        if shown is not option:
            self.replace_option_prompt(chunk.id, option.prompt)
            assert isinstance(shown, ChunkOption)
            shown.key = option.key
            self._chunk_options[chunk.id] = shown

    def option_of(self, session: ReviewSession, chunk: Chunk) -> ChunkOption:
        """The chunk's option: the one made before while its line is the same, else a new one."""
        status = session.decision(chunk.id).status
        flags = session.flags.get(chunk.id, [])
        past = session.coverage.past_checkpoint.get(chunk.id)
        key = line_key(status, flags, past)
        option = self._chunk_options.get(chunk.id)
        if option is None or option.key != key:
            option = ChunkOption(chunk_line(chunk, status, flags, past), chunk.id, key)
            self._chunk_options[chunk.id] = option
        return option

    # ------------------------------------------------------------------ drawing

    def prepare(self, session: ReviewSession, chunks: list[Chunk], current: str | None) -> int:
        """Draw ahead of time the lines a list of `chunks` (or of more chunks around them) would
        draw, with `current` highlighted; returns how many had to be drawn (not kept already)."""
        normal = self.get_visual_style("option-list--option")
        highlighted = self.get_visual_style(
            "option-list--option", "option-list--option-highlighted"
        )
        before = self.draws
        for chunk in chunks:
            style = highlighted if chunk.id == current else normal
            self._drawn(self.option_of(session, chunk), style)
        return self.draws - before

    def _get_option_render(self, option: Option, style: Style) -> list[Strip]:
        """As `OptionList`'s, from the renders kept across refills."""
        return self._render_option(option, style, self._option_to_index[option])

    def _render_option(self, option: Option, style: Style, index: int) -> list[Strip]:
        """The option's strips at `index` in `style` (as `OptionList` draws them; no dividers).

        The drawing is kept by what it shows (chunk, line key, style, padding, width), whatever
        the position, so a chunk drawn ahead at one place serves a refill that puts it at another;
        only the position mark (`{"option": index}`, for the mouse) is applied per place."""
        drawn_key = self._drawn_key(option, style)
        placed_key = (drawn_key, index)
        strips = self._placed.get(placed_key)
        if strips is None:
            meta = {"option": index}
            strips = [strip.apply_meta(meta) for strip in self._drawn(option, style)]
            _keep(self._placed, placed_key, strips)
        return strips

    def _drawn_key(self, option: Option, style: Style) -> Hashable:
        padding = self.get_component_styles("option-list--option").padding
        width = self.scrollable_content_region.width - self._get_left_gutter_width()
        return (option.id, getattr(option, "key", option), style, padding, width)

    def _drawn(self, option: Option, style: Style) -> list[Strip]:
        """The option drawn in `style` at the list's width, drawn now unless kept."""
        key = self._drawn_key(option, style)
        strips = self._rendered.get(key)
        if strips is None:
            strips = self._draw_option(option, style)
            _keep(self._rendered, key, strips)
        return strips

    def _draw_option(self, option: Option, style: Style) -> list[Strip]:
        """Draw one option through Textual's content pipeline (about 0.2 ms a line)."""
        self.draws += 1
        padding = self.get_component_styles("option-list--option").padding
        width = self.scrollable_content_region.width - self._get_left_gutter_width()
        visual = self._get_visual(option)
        if padding:
            visual = Padding(visual, padding)
        rendered = visual.to_strips(self, visual, width, None, style)
        return [strip.extend_cell_length(width, style.rich_style) for strip in rendered]

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._rendered.clear()  # a theme change recolours `$success` & co. in the same styles
        self._placed.clear()

    @on(OptionList.OptionHighlighted)
    @on(OptionList.OptionSelected)
    def _chosen(self, event: OptionList.OptionHighlighted | OptionList.OptionSelected) -> None:
        event.stop()
        if event.option.id is not None:
            self.post_message(self.ChunkChosen(self, event.option.id))
