"""Provides `LedgerScreen`: the spec's numbers against the code's, one row per place the code sets one.

Each row shows the parameter, what the spec states (and where), what the code sets (and where),
and whether they agree; parameters the code never sets have a row saying so. Enter goes back to
the review on the chunk holding that line of code; Esc goes back where you were.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import DataTable, Label

from reviewtui.core.models import Chunk
from reviewtui.tui.text import clean_line, shorten
from reviewtui.tui.widgets.key_bar import KeyBar

if TYPE_CHECKING:
    from reviewtui.core.session import ReviewSession

STATUS_STYLES = {"agrees": "green", "disagrees": "bold red", "not set": "dim"}


def chunk_at(session: ReviewSession, path: str, line: int) -> Chunk | None:
    """The chunk whose new side holds `path:line`, if any."""
    for chunk in session.chunks:
        if chunk.path == path and chunk.new_start <= line < chunk.new_start + chunk.new_lines:
            return chunk
    return None


class LedgerScreen(Screen[str | None]):
    """The numbers ledger; returns the id of the chunk chosen, or None."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "choose", "Go to the code"),
        Binding("escape,L", "close", "Back to review"),
    ]

    def __init__(self, session: ReviewSession) -> None:
        super().__init__()
        self.session = session

    def compose(self) -> ComposeResult:
        yield Label(
            "Numbers: what the spec states against what the code sets", classes="title screen-title"
        )
        yield DataTable(id="ledger", cursor_type="row", zebra_stripes=True)
        yield Label("", id="ledger-empty")
        yield KeyBar()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns("Parameter", "Spec says", "Code sets", "Where", "")
        for entry in self.session.ledger.entries:
            spec_where = entry.spec_values[0].location if entry.spec_values else ""
            spec = Text(f"{clean_line(entry.spec_text)}  ({clean_line(spec_where)})")
            if not entry.code_settings:
                table.add_row(
                    Text(entry.parameter), spec, Text("—"), Text(""), self._status("not set")
                )
            for index, setting in enumerate(entry.code_settings):
                status = "agrees" if setting.agrees else "disagrees"
                chunk = chunk_at(self.session, setting.path, setting.line)
                table.add_row(
                    Text(entry.parameter),
                    spec,
                    Text(shorten(clean_line(setting.code), 40)),
                    Text(clean_line(setting.location)),
                    self._status(status),
                    key=f"{chunk.id if chunk else ''}#{entry.parameter}#{index}",
                )
        if not table.row_count:
            self.query_one("#ledger-empty", Label).update(
                "The spec states no numbers reviewtui knows."
            )
        table.focus()

    @staticmethod
    def _status(status: str) -> Text:
        return Text(status, style=STATUS_STYLES.get(status, ""))

    def _chunk_of_row(self, key: str | None) -> str | None:
        chunk_id = (key or "").split("#", 1)[0]
        return chunk_id or None

    @on(DataTable.RowSelected, "#ledger")
    def _selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self._go(self._chunk_of_row(event.row_key.value))

    def action_choose(self) -> None:
        table = self.query_one(DataTable)
        if table.row_count:
            key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
            self._go(self._chunk_of_row(key))

    def _go(self, chunk_id: str | None) -> None:
        if chunk_id is None:
            self.notify("No chunk of this phase holds that line.", severity="warning")
            return
        self.dismiss(chunk_id)

    def action_close(self) -> None:
        self.dismiss(None)
