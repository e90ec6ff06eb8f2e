"""Provides `DiffView`: a chunk's diff drawn with the Line API (only the visible lines are rendered).

Each row shows the old and new line numbers, the `+`/`-` marker, the code with pygments syntax
colours, and, on changed lines, the words that differ from the paired line in a stronger colour.
A `▲` in the gutter marks a line a check flagged. Untrusted text is drawn as plain segments: it is
never parsed as markup, and control characters were already made visible by `highlight_chunk`.

A chunk opens at its top, unless its first flagged line would be below the pane: then it opens
scrolled so that line shows, a third of the way down (with the lines before it in view).

Drawn rows are kept by chunk (id, highlighted or not, row, scroll, width), across chunks, so moving
back to a chunk redraws nothing; `prepare` highlights a chunk and draws its first screen ahead of
time, which the review screen does for the next chunks while the app is idle.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from rich.segment import Segment
from rich.style import Style
from rich.syntax import PygmentsSyntaxTheme
from textual import on, work
from textual.binding import Binding, BindingType
from textual.geometry import Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.worker import get_current_worker

from reviewtui.core.models import Chunk, Flag
from reviewtui.tui.highlight import DiffRow, TokenRun, highlight_chunk, plain_rows

MIN_NUMBER_WIDTH = 3
HIGHLIGHT_NOW_LINES = 300
"""Chunks up to this many lines are highlighted at once; bigger ones in a worker thread."""
HIGHLIGHT_CACHE = 64
STRIP_CACHE = 4000
"""Drawn rows kept (about a hundred screens of diff)."""
MARKERS = {"+": "+", "-": "-", " ": " "}
CLIPPED_RIGHT = "→"
"""Drawn at the right edge of a code line that goes on past it (`→` scrolls sideways)."""
CLIPPED_LEFT = "←"
"""Drawn at the left edge of a code line scrolled sideways."""


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
        self._cache: dict[tuple[str, bool, tuple[int, ...], int, int, int], Strip] = {}
        """Drawn rows by (chunk id, highlighted, flagged lines, row, scroll x, width), oldest first."""
        self._flags_key: tuple[int, ...] = ()
        self._blanks: dict[int, Strip] = {}
        """A blank row by width."""
        self._number_width = MIN_NUMBER_WIDTH
        self._styles: Palette | None = None
        self._token_styles: dict[object, Style] = {}
        self._highlighted: dict[str, list[DiffRow]] = {}
        """Highlighted rows of recently shown chunks (moving back and forth costs nothing)."""
        self._flag_row: int | None = None
        """The row of the chunk's first flagged line (None: no flagged line)."""
        self._opened_at: tuple[str, int] | None = None
        """The chunk id and scroll row `show_chunk` opened it at (until the reviewer scrolls)."""

    def show_chunk(self, chunk: Chunk | None, flags: list[Flag] | None = None) -> None:
        """Draw `chunk` (None: an empty pane), scrolled to its top.

        Small chunks are highlighted at once (a few milliseconds); a big one is drawn plain first
        and highlighted in a worker thread, so a huge chunk never freezes the UI.
        """
        self.chunk = chunk
        self.rows = self._rows_now(chunk) if chunk is not None else []
        self._summary = chunk.summary if chunk is not None and not chunk.lines else None
        self._flag_lines = {flag.line for flag in flags or [] if flag.line is not None}
        self._flags_key = tuple(sorted(self._flag_lines))
        self._number_width = number_width(self.rows)
        width = max((len(row.text) for row in self.rows), default=0) + self._gutter_width() + 1
        height = len(self.rows) + (1 if self._summary else 0)
        self.virtual_size = Size(width, height)
        self._flag_row = first_flag_row(self.rows, self._flag_lines)
        self._open_at(self._opening_row())
        if self._flag_row is not None:
            self.call_after_refresh(self._reopen)  # the pane's height is known after layout
        self.refresh()

    def _opening_row(self) -> int:
        """The row the chunk opens at: its top, or where its first flagged line shows."""
        return opening_row(self._flag_row, self.scrollable_content_region.height)

    def _open_at(self, row: int) -> None:
        self.scroll_to(0, row, animate=False, immediate=True)
        self._opened_at = (self.chunk.id, int(self.scroll_y)) if self.chunk is not None else None

    def _reopen(self) -> None:
        """Once laid out, open the chunk at its flagged line again, unless it was scrolled since
        or another chunk is shown."""
        if self.chunk is None or self._opened_at != (self.chunk.id, int(self.scroll_y)):
            return
        row = self._opening_row()
        if row != self.scroll_y:
            self._open_at(row)

    def prepare(self, chunk: Chunk, flags: list[Flag]) -> None:
        """Highlight a (small) chunk and draw its first screen ahead of `show_chunk(chunk, flags)`."""
        if len(chunk.lines) > HIGHLIGHT_NOW_LINES and chunk.id not in self._highlighted:
            return  # too big to highlight in an idle moment: its worker does it when shown
        shown = (self.chunk, self.rows, self._summary, self._flag_lines, self._number_width)
        flags_key = self._flags_key
        self.chunk, self.rows = chunk, self._rows_now(chunk)
        self._summary = chunk.summary if not chunk.lines else None
        self._flag_lines = {flag.line for flag in flags if flag.line is not None}
        self._flags_key = tuple(sorted(self._flag_lines))
        self._number_width = number_width(self.rows)
        try:
            width, height = self.scrollable_content_region.size
            top = opening_row(first_flag_row(self.rows, self._flag_lines), height)
            for index in range(top, min(len(self.rows), top + height)):
                self._row_strip(index, 0, width)
        finally:
            self.chunk, self.rows, self._summary, self._flag_lines, self._number_width = shown
            self._flags_key = flags_key

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

    @dataclass
    class Highlighted(Message):
        """The highlight worker's rows for a chunk (posted from its thread)."""

        chunk_id: str
        rows: list[DiffRow]

    @work(thread=True, exclusive=True, group="highlight", exit_on_error=False)
    def _highlight_in_background(self, chunk: Chunk) -> None:
        """Highlight a big chunk; the rows come back as a message (posting never blocks nor
        raises while the app is closing, unlike `call_from_thread`)."""
        rows = highlight_chunk(chunk)
        if not get_current_worker().is_cancelled:
            self.post_message(self.Highlighted(chunk.id, rows))

    @on(Highlighted)
    def _highlighted_rows(self, event: Highlighted) -> None:
        event.stop()
        self._highlight_ready(event.chunk_id, event.rows)

    def _highlight_ready(self, chunk_id: str, rows: list[DiffRow]) -> None:
        self._remember(chunk_id, rows)
        if self.chunk is not None and self.chunk.id == chunk_id:
            self.rows = rows  # drawn anew: the cache keys say whether the rows are highlighted
            self.refresh()

    def notify_style_update(self) -> None:
        super().notify_style_update()
        dark = self.app.current_theme.dark if self.is_attached else True
        self._theme = PygmentsSyntaxTheme("monokai" if dark else "default")
        self._token_styles.clear()
        self._styles = None
        self._cache.clear()
        self._blanks.clear()

    def _gutter_width(self) -> int:
        return 2 * self._number_width + 5

    # ------------------------------------------------------------------ Line API

    def render_line(self, y: int) -> Strip:
        scroll_x, scroll_y = self.scroll_offset
        return self._row_strip(y + scroll_y, scroll_x, self.scrollable_content_region.width)

    def _row_strip(self, index: int, scroll_x: int, width: int) -> Strip:
        """Row `index` of the chunk in `self.chunk`, drawn or from the cache."""
        if self._summary is None and not 0 <= index < len(self.rows):
            return self._blank(width)  # below the last row: the same for every chunk
        chunk_id = self.chunk.id if self.chunk is not None else ""
        highlighted = self._highlighted.get(chunk_id) is self.rows
        key = (chunk_id, highlighted, self._flags_key, index, scroll_x, width)
        strip = self._cache.get(key)
        if strip is None:
            strip = self._render_row(index, scroll_x, width)
            if len(self._cache) >= STRIP_CACHE:
                del self._cache[next(iter(self._cache))]
            self._cache[key] = strip
        return strip

    def _blank(self, width: int) -> Strip:
        strip = self._blanks.get(width)
        if strip is None:
            strip = self._blanks[width] = Strip.blank(width, self._palette().base)
        return strip

    def _render_row(self, index: int, scroll_x: int, width: int) -> Strip:
        palette = self._palette()
        if self._summary is not None:
            if index != 0:
                return Strip.blank(width, palette.base)
            return Strip([Segment(self._summary, palette.summary)]).crop_extend(
                0, width, palette.base
            )
        if not 0 <= index < len(self.rows):
            return Strip.blank(width, palette.base)
        row = self.rows[index]
        code = Strip(self._code_segments(row, palette))
        code_width = max(width - self._gutter_width(), 0)
        return Strip.join(
            [
                self._gutter(row, palette),
                self._visible_code(code, row, scroll_x, code_width, palette),
            ]
        )

    @staticmethod
    def _visible_code(
        code: Strip, row: DiffRow, scroll_x: int, width: int, palette: Palette
    ) -> Strip:
        """The part of a code line in view; `→` / `←` at an edge where the line goes on."""
        line = palette.line[row.kind]
        cut_right = code.cell_length > scroll_x + width and width > 2
        cut_left = scroll_x > 0 and code.cell_length > 0 and width > 2
        start = scroll_x + (1 if cut_left else 0)
        end = scroll_x + width - (1 if cut_right else 0)
        parts = [code.crop_extend(start, end, line)]
        mark = palette.gutter[row.kind] + Style(bold=True)
        if cut_left:
            parts.insert(0, Strip([Segment(CLIPPED_LEFT, mark)]))
        if cut_right:
            parts.append(Strip([Segment(CLIPPED_RIGHT, mark)]))
        return Strip.join(parts)

    def _palette(self) -> Palette:
        """The styles of this widget's rows, computed once per style change."""
        if self._styles is None:
            self._styles = Palette.of(self)
        return self._styles

    def _gutter(self, row: DiffRow, palette: Palette) -> Strip:
        old = "" if row.old_no is None else str(row.old_no)
        new = "" if row.new_no is None else str(row.new_no)
        number = row.new_no if row.kind != "-" else row.old_no
        style = palette.gutter[row.kind]
        width = self._number_width
        return Strip(
            [
                Segment(f"{old:>{width}} {new:>{width}} ", style),
                Segment("▲" if number in self._flag_lines else " ", palette.flag[row.kind]),
                Segment(f"{MARKERS[row.kind]} ", style),
            ]
        )

    def _code_segments(self, row: DiffRow, palette: Palette) -> list[Segment]:
        line_style, word_style = palette.line[row.kind], palette.word[row.kind]
        segments: list[Segment] = []
        offset = 0
        for token_type, text in row.tokens or [(None, row.text)]:
            style = line_style + self._token_style(token_type)
            segments.extend(_split_spans(text, offset, row.changed, style, style + word_style))
            offset += len(text)
        if row.no_newline:
            segments.append(Segment("  \\ No newline at end of file", line_style + Style(dim=True)))
        return segments

    def _token_style(self, token_type: object) -> Style:
        style = self._token_styles.get(token_type)
        if style is None:
            if token_type is None:
                style = Style()
            else:
                found = self._theme.get_style_for_token(token_type)  # type: ignore[arg-type]
                style = Style(color=found.color, bold=found.bold, italic=found.italic)
            self._token_styles[token_type] = style
        return style


def first_flag_row(rows: list[DiffRow], flag_lines: set[int]) -> int | None:
    """The index of the first row whose line (new side; old side for a removed line) is flagged."""
    if not flag_lines:
        return None
    for index, row in enumerate(rows):
        if (row.new_no if row.kind != "-" else row.old_no) in flag_lines:
            return index
    return None


def opening_row(flag_row: int | None, height: int) -> int:
    """The scroll row a chunk opens at in a pane `height` rows tall: 0 (its top) when its first
    flagged row fits on the first screen (or it has none, or the pane has no height yet), else
    the row that puts the flagged one a third of the way down."""
    if flag_row is None or height <= 0 or flag_row < height:
        return 0
    return flag_row - height // 3


def number_width(rows: list[DiffRow]) -> int:
    """Cells for the widest line number of the rows."""
    numbers = [n for row in rows for n in (row.old_no, row.new_no) if n is not None]
    return max(MIN_NUMBER_WIDTH, len(str(max(numbers, default=0))))


@dataclass(frozen=True)
class Palette:
    """Rich styles for each kind of row (`" "`, `"+"`, `"-"`), from the widget's CSS."""

    base: Style
    summary: Style
    line: dict[str, Style]
    gutter: dict[str, Style]
    flag: dict[str, Style]
    word: dict[str, Style]

    @classmethod
    def of(cls, view: DiffView) -> Palette:
        base = view.rich_style
        component = view.get_component_rich_style
        backgrounds = {
            " ": Style(),
            "+": Style(bgcolor=component("diff-view--added").bgcolor),
            "-": Style(bgcolor=component("diff-view--removed").bgcolor),
        }
        line = {kind: base + background for kind, background in backgrounds.items()}
        gutter_color = Style(color=component("diff-view--gutter").color)
        flag = component("diff-view--flag")
        added_word = Style(bgcolor=component("diff-view--added-word").bgcolor)
        return cls(
            base=base,
            summary=base + component("diff-view--summary"),
            line=line,
            gutter={kind: style + gutter_color for kind, style in line.items()},
            flag={kind: style + flag for kind, style in line.items()},
            word={
                " ": Style(),
                "+": added_word,
                "-": Style(bgcolor=component("diff-view--removed-word").bgcolor),
            },
        )


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
