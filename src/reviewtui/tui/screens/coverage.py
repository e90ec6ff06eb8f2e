"""Provides `CoverageScreen`: the requirement → code view, one row per spec section.

Each row shows the section, whether this phase implements it (`implemented`, `claimed done, no
code seen`, `not implemented in this phase`, `no code expected`), its own chunks and those of its
subsections. Enter goes back to the review on that section; Esc goes back where you were.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import DataTable, Label

from reviewtui.core.coverage import build_coverage
from reviewtui.tui.navigation import UNLINKED
from reviewtui.tui.text import clean_line, shorten
from reviewtui.tui.widgets.key_bar import KeyBar

if TYPE_CHECKING:
    from reviewtui.core.session import ReviewSession

STATUS_STYLES = {
    "implemented": "green",
    "claimed-done": "bold red",
    "not-implemented": "yellow",
    "process": "dim",
}


class CoverageScreen(Screen[str | None]):
    """Which sections the phase implements; returns the section chosen, or None."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "choose", "Review this section"),
        Binding("escape,c", "close", "Back to review"),
    ]

    def __init__(self, session: ReviewSession) -> None:
        super().__init__()
        self.session = session

    def compose(self) -> ComposeResult:
        yield Label("Coverage: the spec against this phase's code", classes="title screen-title")
        yield DataTable(id="coverage", cursor_type="row", zebra_stripes=True)
        yield KeyBar()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns("Section", "Status", "Own", "With subsections")
        coverage = build_coverage(self.session.spec, self.session.chunks, self.session.links)
        for item in coverage.sections:
            section = self.session.spec.get(item.section_id)
            if section is None:
                continue
            title = "  " * max(section.level - 1, 0) + clean_line(section.title)
            status = item.status_text + (" · missing from this phase" if item.missing else "")
            table.add_row(
                Text(shorten(title, 70)),
                Text(status, style=STATUS_STYLES.get(item.status, "")),
                Text(str(len(item.chunks))),
                Text(str(item.subtree_chunks)),
                key=section.id,
            )
        unlinked = len(coverage.unrequested)
        table.add_row(
            Text("Unlinked changes", style="bold"),
            Text("code no section asked for", style="yellow" if unlinked else "dim"),
            Text(str(unlinked)),
            Text(str(unlinked)),
            key=UNLINKED,
        )
        table.focus()

    @on(DataTable.RowSelected, "#coverage")
    def _selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.dismiss(event.row_key.value)

    def action_choose(self) -> None:
        table = self.query_one(DataTable)
        if table.row_count:
            self.dismiss(table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value)

    def action_close(self) -> None:
        self.dismiss(None)
