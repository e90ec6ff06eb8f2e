"""The request queue: a failed save is one line and changes nothing."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import DataTable

from reviewtui.tui.screens.requests import RequestQueueScreen
from tests.tui_support import build_toy_repo, review, screen_of, state_file, type_and_enter


@pytest.fixture
def toy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    repo, _ = build_toy_repo(tmp_path / "toy", monkeypatch, hostile=True)
    return repo.root


async def test_a_failed_save_in_the_queue_is_one_line_and_changes_nothing(toy: Path) -> None:
    async with review(toy) as (app, pilot):
        chunk_id = screen_of(app).navigator.chunk_id
        for text in ("first", "second"):
            app.session.add_request(chunk_id, "refactor", text)
        await pilot.press("Q")
        assert isinstance(app.screen, RequestQueueScreen)
        state = toy / ".reviewtui" / "state.json"
        state.rename(state.with_name("state.aside"))
        state.mkdir()  # every save fails (even as root)
        await pilot.press("enter")
        await type_and_enter(pilot, "rewritten")
        await pilot.press("space", "J", "delete", "delete")
        await pilot.pause()
        assert isinstance(app.screen, RequestQueueScreen) and app.is_running
        requests = [(r.text, r.status) for r in app.session.requests]
        assert requests == [("first", "open"), ("second", "open")]
        assert app.screen.query_one(DataTable).row_count == 2
        errors = [n.message for n in app._notifications if n.severity == "error"]
        assert len(errors) == 4 and all(e.startswith("Not saved: ") for e in errors)
        state.rmdir()
        state.with_name("state.aside").rename(state)
    assert [r["text"] for r in state_file(toy)["requests"]] == ["first", "second"]


async def test_j_and_k_move_the_queue_cursor(toy: Path) -> None:
    async with review(toy) as (app, pilot):
        chunk_id = screen_of(app).navigator.chunk_id
        for text in ("first", "second", "third"):
            app.session.add_request(chunk_id, "refactor", text)
        await pilot.press("Q")
        table = app.screen.query_one(DataTable)
        assert table.cursor_row == 0
        await pilot.press("j", "j")
        assert table.cursor_row == 2
        await pilot.press("k")
        assert table.cursor_row == 1
