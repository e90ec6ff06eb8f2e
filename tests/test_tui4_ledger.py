"""Tests of the numbers ledger screen (`L`): disagreements first, columns fitted to the screen."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import DataTable

from reviewtui.tui.screens.ledger import (
    COLUMNS,
    NARROWEST,
    LedgerRow,
    LedgerScreen,
    cut,
    fit_widths,
    sorted_rows,
)
from tests.gitrepo import GitRepo
from tests.tui_support import review

SPEC = """\
# Spec

## Training

Train with a learning rate of 2e-5 and a batch size of 32, weight decay 0.01.
Use seed 42 everywhere. Truncate inputs to a max length of 512 tokens.
"""

DEEP = "src/replication/pipelines/training/configuration/hyper_parameters.py"
CODE = {
    "train.py": "learning_rate = 5e-5\nbatch_size = 32\n",
    DEEP: "seed = 42\nmax_length = 256\n",
}


@pytest.fixture
def ledger_repo(tmp_path: Path) -> Path:
    repo = GitRepo.init(tmp_path / "repo")
    repo.write("SPEC.md", SPEC)
    repo.commit("spec")
    for path, text in CODE.items():
        repo.write(path, text)
    return repo.root


def rows_of(table: DataTable) -> list[list[str]]:  # type: ignore[type-arg]
    return [[str(cell) for cell in table.get_row_at(i)] for i in range(table.row_count)]


async def test_disagreements_come_first_then_unset_then_the_rest_in_spec_order(
    ledger_repo: Path,
) -> None:
    async with review(ledger_repo, size=(120, 35)) as (app, pilot):
        await pilot.press("L")
        assert isinstance(app.screen, LedgerScreen)
        rows = rows_of(app.screen.query_one(DataTable))
        shown = [(row[0], row[1]) for row in rows]
        assert shown == [
            ("disagrees", "learning_rate"),
            ("disagrees", "max_length"),
            ("not set", "weight_decay"),
            ("agrees", "batch_size"),
            ("agrees", "seed"),
        ]


async def test_every_column_shows_at_120_columns_and_a_long_where_keeps_its_line(
    ledger_repo: Path,
) -> None:
    async with review(ledger_repo, size=(120, 35)) as (app, pilot):
        await pilot.press("L")
        table = app.screen.query_one(DataTable)
        await pilot.pause()
        assert table.virtual_size.width <= table.scrollable_content_region.width
        assert table.max_scroll_x == 0  # nothing off-screen to the right
        seed = next(row for row in rows_of(table) if row[1] == "seed")
        assert seed[4].startswith("…") and seed[4].endswith("hyper_parameters.py:1")
        assert len(seed[4]) < len(f"{DEEP}:1")
        learning = next(row for row in rows_of(table) if row[1] == "learning_rate")
        assert learning[4] == "train.py:1" and learning[5] == "SPEC.md:5"


async def test_a_narrower_screen_refits_the_columns_and_keeps_the_cursor(
    ledger_repo: Path,
) -> None:
    async with review(ledger_repo, size=(120, 35)) as (app, pilot):
        await pilot.press("L")
        table = app.screen.query_one(DataTable)
        table.move_cursor(row=2)
        wide = [column.width for column in table.columns.values()]
        await pilot.resize_terminal(80, 24)
        await pilot.pause()
        table = app.screen.query_one(DataTable)
        narrow = [column.width for column in table.columns.values()]
        assert sum(narrow) < sum(wide)
        assert table.max_scroll_x == 0 and table.cursor_row == 2
        await pilot.press("enter")  # the "not set" row leads to no code: the screen stays
        assert isinstance(app.screen, LedgerScreen)


def test_fit_widths_shrinks_the_long_texts_first_and_never_below_the_narrowest() -> None:
    naturals = [9, 13, 60, 60, 30, 10]
    assert fit_widths(naturals, 500) == [9, 13, 40, 40, 30, 10]
    widths = fit_widths(naturals, 100)
    assert sum(widths) == 100 and widths[4] == 30 and widths[1] == 13
    assert widths[2] == widths[3] == 19
    tiny = fit_widths(naturals, 10)
    assert tiny == list(NARROWEST) and len(tiny) == len(COLUMNS)


def test_cut_keeps_the_end_of_a_location() -> None:
    assert cut("src/dr/data.py:77", 40) == "src/dr/data.py:77"
    assert cut("src/dr/data.py:77", 12) == "…/data.py:77"
    assert len(cut("src/dr/data.py:77", 12)) == 12


def test_sorted_rows_is_stable_within_each_verdict() -> None:
    rows = [
        LedgerRow(verdict, (verdict, name))
        for verdict, name in [
            ("agrees", "a"),
            ("not set", "b"),
            ("disagrees", "c"),
            ("agrees", "d"),
            ("disagrees", "e"),
            ("not set", "f"),
        ]
    ]
    assert [row.cells[1] for row in sorted_rows(rows)] == ["c", "e", "b", "f", "a", "d"]
