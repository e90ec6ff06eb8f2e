"""Review round 3 of the app (findings N5, N11, N12, N13, N14 of the fresh-eyes review): page keys on
empty tables, one save for approving a flagged chunk, the export built off the UI thread from a
snapshot, bounded drawing-ahead, the picker on a tiny terminal, and earlier rounds' flag notes."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import DataTable

from reviewtui.core.state import ReviewState
from reviewtui.tui.screens.ledger import LedgerScreen
from reviewtui.tui.screens.requests import RequestQueueScreen
from reviewtui.tui.screens.section_picker import SectionPicker
from tests.tui_support import build_toy_repo, review, screen_of, state_file

PAGE_KEYS = ("pagedown", "pageup", "home", "end", "down", "up", "j", "k", "enter")


@pytest.fixture
def toy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    repo, _ = build_toy_repo(tmp_path / "toy", monkeypatch, hostile=True)
    return repo.root


async def test_page_keys_on_the_empty_request_queue_keep_the_app_up(toy: Path) -> None:
    async with review(toy, size=(100, 30)) as (app, pilot):
        await pilot.press("Q")
        assert isinstance(app.screen, RequestQueueScreen)
        assert app.screen.query_one(DataTable).row_count == 0
        for key in PAGE_KEYS:
            await pilot.press(key)
            await pilot.pause()
            assert app.is_running and isinstance(app.screen, RequestQueueScreen), key


async def test_page_keys_on_an_empty_ledger_and_an_empty_picker_keep_the_app_up(
    toy: Path,
) -> None:
    async with review(toy, size=(100, 30)) as (app, pilot):
        await pilot.press("L")
        assert isinstance(app.screen, LedgerScreen)
        assert app.screen.query_one(DataTable).row_count == 0
        for key in PAGE_KEYS[:-1]:
            await pilot.press(key)
            await pilot.pause()
            assert app.is_running and isinstance(app.screen, LedgerScreen), key
        await pilot.press("escape", "l")
        assert isinstance(app.screen, SectionPicker)
        app.screen.query_one("#picker-filter").value = "no such section anywhere"  # type: ignore[attr-defined]
        await pilot.pause()
        for key in PAGE_KEYS:
            await pilot.press(key)
            await pilot.pause()
            assert app.is_running and isinstance(app.screen, SectionPicker), key


async def test_approving_a_flagged_chunk_is_one_save_that_drops_the_note(
    toy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with review(toy) as (app, pilot):
        chunk = screen_of(app).chunk
        assert chunk is not None
        app.session.flag(chunk.id, "wrong data")
        saves: list[int] = []
        real_save = ReviewState.save

        def counted(state: ReviewState) -> None:
            saves.append(1)
            real_save(state)

        monkeypatch.setattr(ReviewState, "save", counted)
        await pilot.press("a")
        await pilot.pause()
        assert len(saves) == 1
        errors = [n.message for n in app._notifications if n.severity == "error"]
        assert errors == []
    decision = state_file(toy)["decisions"][chunk.id]
    assert (decision["status"], decision["note"]) == ("approved", None)


async def test_approving_a_chunk_with_a_plain_note_keeps_it(toy: Path) -> None:
    async with review(toy) as (app, pilot):
        chunk = screen_of(app).chunk
        assert chunk is not None
        app.session.set_note(chunk.id, "looks fine, check the csv dialect later")
        await pilot.press("a")
        await pilot.pause()
    decision = state_file(toy)["decisions"][chunk.id]
    assert decision["status"] == "approved"
    assert decision["note"] == "looks fine, check the csv dialect later"
