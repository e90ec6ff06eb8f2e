"""Provides `CoverageScreen`: the requirement → code view, one row per spec section.

It shows the session's coverage (`ReviewSession.coverage`, kept current on relinks): the spec phase
under review and how it was chosen, then per section whether this phase implements it
(`implemented`, `claimed done, no code seen`, `not implemented in this phase`, `no code expected`;
a ticked task whose only code matches it by words reads `claimed done, weak evidence`), `! missing` for a section of the phase under review with no code, its own chunks and those of its
subsections (`Subtree`); then the unlinked changes and the chunks *past the checkpoint* (code for a later phase).
Enter goes back to the review on that section (or that chunk); Esc goes back where you were.
Below `WIDE` columns the titles are cut shorter and a long status wraps onto a second line of its
row, so the status and both counts stay on screen (80×24 included).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.content import Content
from textual.screen import Screen
from textual.widgets import DataTable, Label

from reviewtui.tui.navigation import UNLINKED
from reviewtui.tui.screens.help import QUIT_ON_CTRL_C
from reviewtui.tui.text import clean_line, shorten
from reviewtui.tui.widgets.key_bar import KeyBar

if TYPE_CHECKING:
    from reviewtui.core.coverage import Coverage
    from reviewtui.core.session import ReviewSession

STATUS_STYLES = {
    "implemented": "green",
    "claimed-done": "bold red",
    "not-implemented": "yellow",
    "process": "dim",
}
WEAK_EVIDENCE_STYLE = "bold dark_orange"
"""Style of a ticked task implemented only through weak links (`SectionCoverage.weak_evidence`)."""
TITLE_WIDTH = 46
"""Longest section title shown (the status and counts stay visible at 100 columns)."""
WIDE = 110
"""From this width on, every column takes the room its text needs; below it, `ColumnWidths` fits them."""
MIN_TITLE = 16
"""Fewest cells a section title keeps below `WIDE`."""
COUNT_WIDTHS = (3, 7)
"""Widths of the Own and Subtree columns (their headers)."""
CHUNK_ROW = "chunk:"
"""Row key prefix of a chunk past the checkpoint (the rest is the chunk id)."""


@dataclass(frozen=True)
class CoverageChoice:
    """Where the reviewer asked to go: a section (or `UNLINKED`), or one chunk."""

    section: str | None = None
    chunk: str | None = None


def phase_line(coverage: Coverage) -> str:
    """`Under review: Phase 1 (Phase 1: data) · inferred: 16 of 30 …`, then the phase's checkpoint
    as the spec words it (`Checkpoint: tests pass`) on a line of its own, then the counts:
    `3 sections missing · 14 chunks past the checkpoint`."""
    report = coverage.phase_report
    if report is None or report.phase is None:
        reason = report.reason if report is not None else "the spec declares no phases"
        return f"Spec phase: none ({clean_line(reason)})"
    phase = report.phase
    title = clean_line(phase.title)
    name = phase.label if title.lower() == phase.label.lower() else f"{phase.label} ({title})"
    lines = [f"Under review: {name} · {clean_line(report.reason)}"]
    if phase.checkpoint:
        lines.append(f"Checkpoint: {clean_line(phase.checkpoint)}")
    missing, past = len(report.missing), len(report.past_checkpoint)
    counts = [f"{missing} section{'s' if missing != 1 else ''} missing"]
    counts.append(f"{past} chunk{'s' if past != 1 else ''} past the checkpoint")
    return "\n".join([*lines, " · ".join(counts)])


@dataclass(frozen=True)
class Row:
    """One row of the table: a section, the unlinked changes, or a chunk past the checkpoint."""

    key: str
    title: Text
    """Indented by level; cut to the title column's width when it is added."""
    status: Text
    own: str = ""
    subtree: str = ""


@dataclass(frozen=True)
class ColumnWidths:
    """The table's column widths for a terminal width: None lets a column take what its text needs."""

    title: int = TITLE_WIDTH
    status: int | None = None

    @property
    def row_height(self) -> int | None:
        """One line per row when nothing wraps; else each row as tall as its wrapped status."""
        return 1 if self.status is None else None

    @classmethod
    def for_width(cls, width: int, longest_status: int) -> ColumnWidths:
        """Below `WIDE`: the status gets the room its longest text needs, as long as titles keep
        `MIN_TITLE` cells (a longer status wraps), and the titles the rest."""
        if width >= WIDE:
            return cls()
        padding = 2 * 4 + 2  # one cell each side of every column, and the scrollbar
        room = max(width - padding - sum(COUNT_WIDTHS), MIN_TITLE + 16)
        status = min(longest_status, room - MIN_TITLE)
        return cls(title=min(TITLE_WIDTH, room - status), status=status)


def shorten_text(text: Text, width: int) -> Text:
    """`text` cut to `width` cells with an ellipsis (its style kept)."""
    if text.cell_len <= width:
        return text
    return Text(shorten(text.plain, width), style=text.style)


class CoverageScreen(Screen[CoverageChoice | None]):
    """Which sections the phase implements; returns where to go, or None."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "choose", "Review this section"),
        Binding("escape,c", "close", "Back to review"),
        QUIT_ON_CTRL_C,
    ]

    def __init__(self, session: ReviewSession) -> None:
        super().__init__()
        self.session = session
        self.widths = ColumnWidths()
        """The columns' widths, fitted to the terminal when the screen mounts."""

    def compose(self) -> ComposeResult:
        yield Label("Coverage: the spec against this phase's code", classes="title screen-title")
        yield Label(Content(phase_line(self.session.coverage)), id="coverage-phase", markup=False)
        yield DataTable(id="coverage", cursor_type="row", zebra_stripes=True)
        yield KeyBar()

    def on_mount(self) -> None:
        coverage = self.session.coverage
        rows = [*self._section_rows(coverage), self._unlinked_row(coverage)]
        rows += self._past_checkpoint_rows(coverage)
        longest = max(row.status.cell_len for row in rows)
        self.widths = ColumnWidths.for_width(self.app.size.width, longest)
        table = self.query_one(DataTable)
        fixed = self.widths.status is not None
        table.add_column("Section", width=self.widths.title if fixed else None)
        table.add_column("Status", width=self.widths.status)
        table.add_columns("Own", "Subtree")
        for row in rows:
            table.add_row(
                shorten_text(row.title, self.widths.title),
                row.status,
                Text(row.own),
                Text(row.subtree),
                key=row.key,
                height=self.widths.row_height,
            )
        table.focus()

    def _section_rows(self, coverage: Coverage) -> list[Row]:
        rows = []
        for item in coverage.sections:
            section = self.session.spec.get(item.section_id)
            if section is None:
                continue
            title = "  " * max(section.level - 1, 0) + clean_line(section.title)
            style = (
                WEAK_EVIDENCE_STYLE if item.weak_evidence else STATUS_STYLES.get(item.status, "")
            )
            status = Text(item.status_text, style=style)
            if item.missing:
                status = Text.assemble(("! missing", "bold red"), " · ", status)
            own, subtree = str(len(item.chunks)), str(item.subtree_chunks)
            rows.append(Row(section.id, Text(title), status, own, subtree))
        return rows

    @staticmethod
    def _unlinked_row(coverage: Coverage) -> Row:
        unlinked = len(coverage.unrequested)
        status = Text("code no section asked for", style="yellow" if unlinked else "dim")
        title = Text("Unlinked changes", style="bold")
        return Row(UNLINKED, title, status, str(unlinked), str(unlinked))

    def _past_checkpoint_rows(self, coverage: Coverage) -> list[Row]:
        """One row per chunk linked to a section of a later phase."""
        past = coverage.past_checkpoint
        rows = []
        for chunk in [chunk for chunk in self.session.chunks if chunk.id in past]:
            where = chunk.location + (f" · {chunk.symbol}" if chunk.symbol else "")
            status = Text(
                f"past the checkpoint (phase {clean_line(past[chunk.id])})", style="bold magenta"
            )
            rows.append(Row(CHUNK_ROW + chunk.id, Text("» " + clean_line(where)), status))
        return rows

    @staticmethod
    def _choice(key: str | None) -> CoverageChoice | None:
        if key is None:
            return None
        if key.startswith(CHUNK_ROW):
            return CoverageChoice(chunk=key[len(CHUNK_ROW) :])
        return CoverageChoice(section=key)

    @on(DataTable.RowSelected, "#coverage")
    def _selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.dismiss(self._choice(event.row_key.value))

    def action_choose(self) -> None:
        table = self.query_one(DataTable)
        if table.row_count:
            key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
            self.dismiss(self._choice(key))

    def action_close(self) -> None:
        self.dismiss(None)
