"""QA round "rounds": Ctrl+C in a dialog (D7), the help scrolls on the first press (D8), and the
80×24 layout keeps the spec phase in the header and the coverage columns on screen (P2)."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import DataTable, Input

from reviewtui.tui.screens.coverage import CoverageScreen
from reviewtui.tui.screens.dialogs import TextDialog
from reviewtui.tui.screens.filter import FilterScreen
from reviewtui.tui.screens.help import HelpScreen
from reviewtui.tui.widgets.status_bar import StatusBar
from tests.tui_support import build_toy_repo, review, screen_of, state_file


@pytest.fixture
def toy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    repo, _ = build_toy_repo(tmp_path / "toy", monkeypatch)
    return repo.root


@pytest.mark.parametrize("key", ["f", "n", "r"])
async def test_ctrl_c_in_a_text_dialog_quits_without_saving_the_draft(toy: Path, key: str) -> None:
    async with review(toy) as (app, pilot):
        chunk_id = screen_of(app).navigator.chunk_id
        await pilot.press("a")  # a saved decision before the dialog
        await pilot.press(key)
        assert isinstance(app.screen, TextDialog)
        app.screen.query_one(Input).value = "half-typed note about the mask"
        await pilot.press("ctrl+c")
        await pilot.pause()
        assert app._exit, "ctrl+c in the dialog must quit the app"
        assert app.return_code in (None, 0)
    saved = state_file(toy)
    assert saved["decisions"][chunk_id]["status"] == "approved"
    assert "half-typed" not in str(saved)


async def test_ctrl_c_in_the_filter_dialog_quits(toy: Path) -> None:
    async with review(toy) as (app, pilot):
        await pilot.press("slash")
        assert isinstance(app.screen, FilterScreen)
        await pilot.press("ctrl+c")
        await pilot.pause()
        assert app._exit


def _first_visible_row(table: DataTable[object]) -> int:
    return round(table.scroll_y)


async def test_help_scrolls_on_the_first_press_and_home_end_jump(demo_copy: Path) -> None:
    async with review(demo_copy, size=(120, 35)) as (app, pilot):
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        table = app.screen.query_one(DataTable)
        assert table.max_scroll_y > 0
        await pilot.press("down")
        await pilot.pause()
        assert _first_visible_row(table) == 1  # the view moved on the first press
        await pilot.press("j", "j")
        await pilot.pause()
        assert _first_visible_row(table) == 3
        await pilot.press("k")
        await pilot.pause()
        assert _first_visible_row(table) == 2
        await pilot.press("end")
        await pilot.pause()
        assert table.scroll_y == table.max_scroll_y
        await pilot.press("home")
        await pilot.pause()
        assert table.scroll_y == 0
        assert not table.show_cursor or table.cursor_type == "none"  # no invisible cursor


async def test_80x24_keeps_the_spec_phase_and_every_coverage_column(demo_copy: Path) -> None:
    async with review(demo_copy, size=(80, 24)) as (app, pilot):
        status = str(screen_of(app).query_one(StatusBar).render())
        assert "reviewed" in status and "Phase 1" in status
        await pilot.press("c")
        await pilot.pause()
        assert isinstance(app.screen, CoverageScreen)
        table = app.screen.query_one(DataTable)
        assert table.max_scroll_x == 0  # nothing is off to the right
        assert table.region.right <= 80
        statuses = [str(table.get_row_at(row)[1]) for row in range(table.row_count)]
        widths = [column.get_render_width(table) for column in table.ordered_columns]
        assert sum(widths) <= table.scrollable_content_region.width
        status_width = table.ordered_columns[1].get_render_width(table) - 2  # its cell padding
        tall = [table.rows[key].height for key in table.rows]
        for text, height in zip(statuses, tall, strict=True):
            assert len(text) <= status_width * height  # whole, on one line or wrapped
        assert "! missing · not implemented in this phase" in statuses


async def test_a_wide_coverage_screen_keeps_one_line_rows(demo_copy: Path) -> None:
    async with review(demo_copy, size=(130, 40)) as (app, pilot):
        await pilot.press("c")
        await pilot.pause()
        table = app.screen.query_one(DataTable)
        assert {table.rows[key].height for key in table.rows} == {1}
        assert table.max_scroll_x == 0
