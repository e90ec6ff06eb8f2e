"""Provides `LedgerScreen`: the spec's numbers against the code's, one row per place the code sets one.

Each row leads with the verdict (agrees / disagrees / not set, so a narrow terminal still shows it),
then the parameter, what the spec states, what the code sets and where, and the spec's line.
Parameters the code never sets have a row saying so, with what the code sets in their stead when
it sets a stand-in (`warmup_steps` for a warmup ratio). Enter goes back to the review on the chunk
holding that line of code; Esc goes back where you were.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import DataTable, Label

from reviewtui.core.checks.ledger import CodeSetting, LedgerEntry
from reviewtui.core.models import Chunk
from reviewtui.tui.screens.help import QUIT_ON_CTRL_C
from reviewtui.tui.text import clean_line, shorten
from reviewtui.tui.widgets.key_bar import KeyBar

if TYPE_CHECKING:
    from reviewtui.core.session import ReviewSession

STATUS_STYLES = {"agrees": "green", "disagrees": "bold red", "not set": "dim"}
COLUMNS = ("Verdict", "Parameter", "Spec says", "Code sets", "Where", "Spec line")


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
        QUIT_ON_CTRL_C,
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
        table.add_columns(*COLUMNS)
        for entry in self.session.ledger.entries:
            self._add_entry(table, entry)
        if not table.row_count:
            self.query_one("#ledger-empty", Label).update(
                "The spec states no numbers reviewtui knows."
            )
        table.focus()

    def _add_entry(self, table: DataTable[Text], entry: LedgerEntry) -> None:
        """One row per place the code sets the parameter; a "not set" row per stand-in (or one)."""
        if not entry.code_settings and not entry.related:
            parameter, spec, spec_line = self._spec_cells(entry)
            unset = self._status("not set")
            table.add_row(unset, parameter, spec, Text("—"), Text(""), spec_line)
            return
        settings = entry.code_settings or entry.related
        for index, setting in enumerate(settings):
            status = ("agrees" if setting.agrees else "disagrees") if entry.code_settings else None
            cells = self._setting_cells(entry, setting, status)
            table.add_row(*cells, key=self._key(entry, setting, index))

    def _spec_cells(self, entry: LedgerEntry) -> list[Text]:
        """Parameter, spec says, spec line."""
        where = entry.spec_values[0].location if entry.spec_values else ""
        return [Text(entry.parameter), Text(clean_line(entry.spec_text)), Text(clean_line(where))]

    def _setting_cells(
        self, entry: LedgerEntry, setting: CodeSetting, status: str | None
    ) -> list[Text]:
        """The row of a setting; `status` None: a stand-in the code sets instead (unjudged)."""
        parameter, spec, spec_line = self._spec_cells(entry)
        code = shorten(clean_line(setting.code), 40)
        if status is None:
            code, status = f"instead: {code}", "not set"
        where = Text(clean_line(setting.location))
        return [self._status(status), parameter, spec, Text(code), where, spec_line]

    def _key(self, entry: LedgerEntry, setting: CodeSetting, index: int) -> str:
        chunk = chunk_at(self.session, setting.path, setting.line)
        return f"{chunk.id if chunk else ''}#{entry.parameter}#{index}"

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
