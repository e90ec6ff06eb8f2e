"""Provides `LedgerScreen`: the spec's numbers against the code's, one row per place the code sets one.

Each row leads with the verdict (agrees / disagrees / not set, so a narrow terminal still shows it),
then the parameter, what the spec states, what the code sets and where, and the spec's line.
Parameters the code never sets have a row saying so, with what the code sets in their stead when
it sets a stand-in (`warmup_steps` for a warmup ratio). The disagreements come first, then what
the code does not set, then the rest, each group in spec order. The columns are sized to the
screen (long values end in `…`; a location loses its start, never its line number), so every
column shows at 120 columns. Enter goes back to the review on the chunk holding that line of
code; Esc goes back where you were.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.events import Resize
from textual.screen import Screen
from textual.widgets import DataTable, Label

from reviewtui.core.checks.ledger import CodeSetting, LedgerEntry, SpecValue, comparable
from reviewtui.core.models import Chunk
from reviewtui.tui.screens.help import QUIT_ON_CTRL_C
from reviewtui.tui.text import clean_line
from reviewtui.tui.widgets.key_bar import KeyBar

if TYPE_CHECKING:
    from reviewtui.core.session import ReviewSession

STATUS_STYLES = {"agrees": "green", "disagrees": "bold red", "not set": "dim"}
COLUMNS = ("Verdict", "Parameter", "Spec says", "Code sets", "Where", "Spec line")
VERDICT_RANK = {"disagrees": 0, "not set": 1}
"""Rows sort by verdict in this order (the rest, agreements, last), spec order within each."""
WIDEST = (9, 20, 40, 40, 32, 24)
"""Each column's width at most (cells of text, padding aside)."""
NARROWEST = (9, 12, 10, 12, 12, 9)
"""Each column's width at least: below it the table scrolls sideways."""
SHRINK_ORDER = ((2, 3), (1,), (4, 5))
"""Which columns give up width first when the row is wider than the screen: what the spec says
and what the code sets, then the parameter, then where and the spec line (the widest of a group
first)."""
ONE_LINE: dict[str, Any] = {"no_wrap": True, "overflow": "ellipsis"}
"""A cell's text stays on its line, cut with `…` where the column ends."""
CUT_AT_START = frozenset({4, 5})
"""Locations (`path:line`) lose their start, so the line number always shows."""


@dataclass(frozen=True)
class LedgerRow:
    """One row: its verdict, its cells' plain text (the verdict first) and its key (None: the row
    leads to no code)."""

    verdict: str
    cells: tuple[str, ...]
    key: str | None = None


def sorted_rows(rows: list[LedgerRow]) -> list[LedgerRow]:
    """Disagreements first, then what the code does not set, then the rest; spec order kept within
    each group (the sort is stable)."""
    return sorted(rows, key=lambda row: VERDICT_RANK.get(row.verdict, len(VERDICT_RANK)))


def fit_widths(naturals: list[int], budget: int) -> list[int]:
    """Column widths for cells as wide as `naturals`, within `WIDEST`, shrunk in `SHRINK_ORDER`
    (down to `NARROWEST`) until the row fits in `budget` cells."""
    widths = [
        max(min(natural, widest), 1) for natural, widest in zip(naturals, WIDEST, strict=True)
    ]
    excess = sum(widths) - budget
    for group in SHRINK_ORDER:
        while excess > 0:
            room = [index for index in group if widths[index] > NARROWEST[index]]
            if not room:
                break
            widest = max(room, key=lambda index: widths[index])
            widths[widest] -= 1
            excess -= 1
    return widths


def cut(text: str, width: int) -> str:
    """`text` in `width` cells, cut at its start (`…/data.py:17`): a location keeps its line."""
    if len(text) <= width:
        return text
    return "…" + text[len(text) - width + 1 :] if width > 1 else "…"


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
        self._rows: list[LedgerRow] = []
        self._budget: int | None = None
        """The cells the columns were fitted to (the table is rebuilt when it changes)."""

    def compose(self) -> ComposeResult:
        yield Label(
            "Numbers: what the spec states against what the code sets", classes="title screen-title"
        )
        yield DataTable(id="ledger", cursor_type="row", zebra_stripes=True)
        yield Label("", id="ledger-empty")
        yield KeyBar()

    def on_mount(self) -> None:
        self._rows = sorted_rows(
            [row for entry in self.session.ledger.entries for row in self._entry_rows(entry)]
        )
        self._fill(self.app.size.width)
        if not self._rows:
            self.query_one("#ledger-empty", Label).update(
                "The spec states no numbers reviewtui knows."
            )
        self.query_one(DataTable).focus()

    def on_resize(self, event: Resize) -> None:
        self._fill(event.size.width)

    def _fill(self, width: int) -> None:
        """(Re)build the table for a screen `width` cells wide; the cursor stays on its row."""
        table: DataTable[Text] = self.query_one(DataTable)
        gaps = 2 * table.cell_padding * len(COLUMNS)
        budget = width - gaps - table.styles.scrollbar_size_vertical
        if budget == self._budget:
            return
        self._budget = budget
        row = table.cursor_row
        naturals = [
            max([len(label), *(len(r.cells[i]) for r in self._rows)])
            for i, label in enumerate(COLUMNS)
        ]
        widths = fit_widths(naturals, budget)
        table.clear(columns=True)
        for label, column_width in zip(COLUMNS, widths, strict=True):
            table.add_column(label, width=column_width)
        for ledger_row in self._rows:
            table.add_row(*self._cells(ledger_row, widths), key=ledger_row.key)
        if self._rows:
            table.move_cursor(row=min(row, len(self._rows) - 1))

    def _cells(self, row: LedgerRow, widths: list[int]) -> list[Text]:
        """The row's cells, the verdict in its colour. The table cuts a long value with `…` as it
        draws it (the cell keeps the whole text); a location is cut here, at its start."""
        texts = [
            cut(text, width) if index in CUT_AT_START else text
            for index, (text, width) in enumerate(zip(row.cells, widths, strict=True))
        ]
        return [
            Text(text, style=STATUS_STYLES.get(text, "") if index == 0 else "", **ONE_LINE)
            for index, text in enumerate(texts)
        ]

    def _entry_rows(self, entry: LedgerEntry) -> list[LedgerRow]:
        """One row per place the code sets the parameter, its spec cells the values it is judged
        against (the API model's row does not list the fine-tuned model); a "not set" row per
        stand-in (or one), and one for the spec's values no setting is judged against (`unset`)."""
        parameter = clean_line(entry.parameter)
        spec, spec_line = self._spec_cells(entry.spec_values)
        if not entry.code_settings and not entry.related:
            return [LedgerRow("not set", ("not set", parameter, spec, "—", "", spec_line))]
        rows: list[LedgerRow] = []
        for index, setting in enumerate(entry.code_settings or entry.related):
            code = clean_line(setting.code)
            if entry.code_settings:
                verdict = "agrees" if setting.agrees else "disagrees"
                stated = self._spec_cells(comparable(entry, setting) or entry.spec_values)
            else:
                code, verdict, stated = f"instead: {code}", "not set", (spec, spec_line)
            where = clean_line(setting.location)
            cells = (verdict, parameter, stated[0], code, where, stated[1])
            rows.append(LedgerRow(verdict, cells, self._key(entry, setting, index)))
        if entry.code_settings and entry.unset:
            unset, unset_line = self._spec_cells(entry.unset)
            rows.append(LedgerRow("not set", ("not set", parameter, unset, "—", "", unset_line)))
        return rows

    def _spec_cells(self, values: list[SpecValue]) -> tuple[str, str]:
        """Spec says (the values as written, joined), spec line (the first's)."""
        text = " or ".join(dict.fromkeys(value.text for value in values))
        where = values[0].location if values else ""
        return clean_line(text), clean_line(where)

    def _key(self, entry: LedgerEntry, setting: CodeSetting, index: int) -> str:
        chunk = chunk_at(self.session, setting.path, setting.line)
        return f"{chunk.id if chunk else ''}#{entry.parameter}#{index}"

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
