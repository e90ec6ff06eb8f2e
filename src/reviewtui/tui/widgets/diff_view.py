"""Provides `DiffView`: a chunk's diff drawn with the Line API (only the visible lines are rendered).

Each row shows the old and new line numbers, the `+`/`-` marker, the code with pygments syntax
colours, and, on changed lines, the words that differ from the paired line in a stronger colour.
A `▲` in the gutter marks a line a check flagged. Untrusted text is drawn as plain segments: it is
never parsed as markup, and control characters were already made visible by `highlight_chunk`.
"""

from __future__ import annotations

from typing import ClassVar

from rich.segment import Segment
from rich.style import Style
from rich.syntax import PygmentsSyntaxTheme
from textual import work
from textual.binding import Binding, BindingType
from textual.geometry import Size
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.worker import get_current_worker

from reviewtui.core.models import Chunk, Flag
from reviewtui.tui.highlight import DiffRow, TokenRun, highlight_chunk, plain_rows

MIN_NUMBER_WIDTH = 3
HIGHLIGHT_NOW_LINES = 300
"""Chunks up to this many lines are highlighted at once; bigger ones in a worker thread."""
HIGHLIGHT_CACHE = 64
MARKERS = {"+": "+", "-": "-", " ": " "}


class DiffView(ScrollView, can_focus=True, inherit_bindings=False):
    """The diff of the chunk in view; scrolls when it is taller or wider than the pane."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("pagedown,space", "page_down", "Scroll down", show=False),
        Binding("pageup", "page_up", "Scroll up", show=False),
        Binding("home", "scroll_home", "Top of chunk", show=False),
        Binding("end", "scroll_end", "End of chunk", show=False),
        Binding("left", "scroll_left", "Scroll left", show=False),
        Binding("right", "scroll_right", "Scroll right", show=False),
    ]

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "diff-view--added",
        "diff-view--removed",
        "diff-view--added-word",
        "diff-view--removed-word",
        "diff-view--gutter",
        "diff-view--flag",
        "diff-view--summary",
    }

    DEFAULT_CSS = """
    DiffView { background: $surface; }
    DiffView > .diff-view--added { background: $success 15%; }
    DiffView > .diff-view--removed { background: $error 15%; }
    DiffView > .diff-view--added-word { background: $success 45%; }
    DiffView > .diff-view--removed-word { background: $error 45%; }
    DiffView > .diff-view--gutter { color: $text-muted; }
    DiffView > .diff-view--flag { color: $warning; text-style: bold; }
    DiffView > .diff-view--summary { color: $text-muted; text-style: italic; }
    """

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.chunk: Chunk | None = None
        self.rows: list[DiffRow] = []
        self._flag_lines: set[int] = set()
        self._summary: str | None = None
        self._theme = PygmentsSyntaxTheme("monokai")
        self._cache: dict[tuple[int, int, int], Strip] = {}
        self._number_width = MIN_NUMBER_WIDTH
        self._highlighted: dict[str, list[DiffRow]] = {}
        """Highlighted rows of recently shown chunks (moving back and forth costs nothing)."""

    def show_chunk(self, chunk: Chunk | None, flags: list[Flag] | None = None) -> None:
        """Draw `chunk` (None: an empty pane), scrolled to its top.

        Small chunks are highlighted at once (a few milliseconds); a big one is drawn plain first
        and highlighted in a worker thread, so a huge chunk never freezes the UI.
        """
        self.chunk = chunk
        self.rows = self._rows_now(chunk) if chunk is not None else []
        self._summary = chunk.summary if chunk is not None and not chunk.lines else None
        self._flag_lines = {flag.line for flag in flags or [] if flag.line is not None}
        self._cache.clear()
        numbers = [n for row in self.rows for n in (row.old_no, row.new_no) if n is not None]
        self._number_width = max(MIN_NUMBER_WIDTH, len(str(max(numbers, default=0))))
        width = max((len(row.text) for row in self.rows), default=0) + self._gutter_width() + 1
        height = len(self.rows) + (1 if self._summary else 0)
        self.virtual_size = Size(width, height)
        self.scroll_to(0, 0, animate=False, immediate=True)
        self.refresh()

    def _rows_now(self, chunk: Chunk) -> list[DiffRow]:
        cached = self._highlighted.get(chunk.id)
        if cached is not None:
            return cached
        if len(chunk.lines) <= HIGHLIGHT_NOW_LINES:
            return self._remember(chunk.id, highlight_chunk(chunk))
        self._highlight_in_background(chunk)
        return plain_rows(chunk)

    def _remember(self, chunk_id: str, rows: list[DiffRow]) -> list[DiffRow]:
        if len(self._highlighted) >= HIGHLIGHT_CACHE:
            self._highlighted.pop(next(iter(self._highlighted)))
        self._highlighted[chunk_id] = rows
        return rows

    @work(thread=True, exclusive=True, group="highlight")
    def _highlight_in_background(self, chunk: Chunk) -> None:
        rows = highlight_chunk(chunk)
        if not get_current_worker().is_cancelled:
            self.app.call_from_thread(self._highlight_ready, chunk.id, rows)

    def _highlight_ready(self, chunk_id: str, rows: list[DiffRow]) -> None:
        self._remember(chunk_id, rows)
        if self.chunk is not None and self.chunk.id == chunk_id:
            self.rows = rows
            self._cache.clear()
            self.refresh()

    def notify_style_update(self) -> None:
        super().notify_style_update()
        dark = self.app.current_theme.dark if self.is_attached else True
        self._theme = PygmentsSyntaxTheme("monokai" if dark else "default")
        self._cache.clear()

    def _gutter_width(self) -> int:
        return 2 * self._number_width + 5

    # ------------------------------------------------------------------ Line API

    def render_line(self, y: int) -> Strip:
        scroll_x, scroll_y = self.scroll_offset
        width = self.scrollable_content_region.width
        key = (y + scroll_y, scroll_x, width)
        strip = self._cache.get(key)
        if strip is None:
            strip = self._render_row(y + scroll_y, scroll_x, width)
            if len(self._cache) > 500:
                self._cache.clear()
            self._cache[key] = strip
        return strip

    def _render_row(self, index: int, scroll_x: int, width: int) -> Strip:
        base = self.rich_style
        if self._summary is not None:
            if index != 0:
                return Strip.blank(width, base)
            style = base + self.get_component_rich_style("diff-view--summary")
            return Strip([Segment(self._summary, style)]).crop_extend(0, width, base)
        if not 0 <= index < len(self.rows):
            return Strip.blank(width, base)
        row = self.rows[index]
        background = self._background(row)
        gutter = self._gutter(row, base + background)
        code = Strip(self._code_segments(row, base + background))
        code_width = max(width - self._gutter_width(), 0)
        return Strip.join(
            [gutter, code.crop_extend(scroll_x, scroll_x + code_width, base + background)]
        )

    def _background(self, row: DiffRow) -> Style:
        if row.kind == "+":
            return Style(bgcolor=self.get_component_rich_style("diff-view--added").bgcolor)
        if row.kind == "-":
            return Style(bgcolor=self.get_component_rich_style("diff-view--removed").bgcolor)
        return Style()

    def _gutter(self, row: DiffRow, style: Style) -> Strip:
        gutter_style = style + Style(color=self.get_component_rich_style("diff-view--gutter").color)
        old = "" if row.old_no is None else str(row.old_no)
        new = "" if row.new_no is None else str(row.new_no)
        flagged = (
            row.new_no in self._flag_lines if row.kind != "-" else row.old_no in self._flag_lines
        )
        flag_style = style + self.get_component_rich_style("diff-view--flag")
        return Strip(
            [
                Segment(f"{old:>{self._number_width}} {new:>{self._number_width}} ", gutter_style),
                Segment("▲" if flagged else " ", flag_style),
                Segment(f"{MARKERS[row.kind]} ", gutter_style),
            ]
        )

    def _code_segments(self, row: DiffRow, line_style: Style) -> list[Segment]:
        word_name = "diff-view--added-word" if row.kind == "+" else "diff-view--removed-word"
        word_style = Style(bgcolor=self.get_component_rich_style(word_name).bgcolor)
        segments: list[Segment] = []
        offset = 0
        for token_type, text in row.tokens or [(None, row.text)]:  # type: ignore[list-item]
            style = line_style + self._token_style(token_type)
            segments.extend(_split_spans(text, offset, row.changed, style, style + word_style))
            offset += len(text)
        if row.no_newline:
            segments.append(Segment("  \\ No newline at end of file", line_style + Style(dim=True)))
        return segments

    def _token_style(self, token_type: object) -> Style:
        if token_type is None:
            return Style()
        style = self._theme.get_style_for_token(token_type)  # type: ignore[arg-type]
        return Style(color=style.color, bold=style.bold, italic=style.italic)


def _split_spans(
    text: str, offset: int, spans: list[tuple[int, int]], style: Style, changed_style: Style
) -> list[Segment]:
    """Cut one token's text at the changed-word spans that overlap it."""
    if not spans:
        return [Segment(text, style)]
    segments: list[Segment] = []
    position = 0
    for start, end in spans:
        start, end = max(start - offset, position), min(end - offset, len(text))
        if start >= end:
            continue
        if start > position:
            segments.append(Segment(text[position:start], style))
        segments.append(Segment(text[start:end], changed_style))
        position = end
    if position < len(text):
        segments.append(Segment(text[position:], style))
    return segments


__all__ = ["DiffView", "TokenRun"]
