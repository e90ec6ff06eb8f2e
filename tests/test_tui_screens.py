"""Pilot tests of the review app's screens on real git repos: requests and their queue, filter, order,
relink, export, help, the command palette, and untrusted text."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import DataTable, Input, Label

from reviewtui.tui.navigation import ALL, ChunkFilter
from reviewtui.tui.screens.help import HelpScreen
from reviewtui.tui.screens.requests import PROMPT_FILE, RequestQueueScreen
from reviewtui.tui.screens.review import ReviewScreen
from reviewtui.tui.widgets.diff_view import DiffView
from reviewtui.tui.widgets.status_bar import StatusBar
from tests.tui_support import build_toy_repo, review, screen_of, state_file, type_and_enter


@pytest.fixture
def toy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    repo, _ = build_toy_repo(tmp_path / "toy", monkeypatch, hostile=True)
    return repo.root


async def test_refactor_and_simplify_requests_are_queued(toy: Path) -> None:
    async with review(toy) as (app, pilot):
        chunk = screen_of(app).navigator.chunk
        await pilot.press("r")
        prefilled = app.screen.query_one(Input).value
        assert prefilled.startswith(chunk.location)
        await type_and_enter(pilot, f"{prefilled}split it")
        await pilot.press("s")
        await type_and_enter(pilot, "drop the copy")
        requests = app.session.requests
        assert [(r.kind, r.chunk_id) for r in requests] == [
            ("refactor", chunk.id),
            ("simplify", chunk.id),
        ]
        assert requests[0].text.endswith("split it") and chunk.location in requests[0].text
        assert "2 requests" in str(screen_of(app).query_one(StatusBar).render())


async def test_request_queue_edit_done_reorder_delete_export(toy: Path) -> None:
    async with review(toy) as (app, pilot):
        chunk_id = screen_of(app).navigator.chunk_id
        for text in ("first", "second", "third"):
            app.session.add_request(chunk_id, "refactor", text)
        await pilot.press("Q")
        assert isinstance(app.screen, RequestQueueScreen)
        table = app.screen.query_one(DataTable)
        assert table.row_count == 3
        await pilot.press("enter")
        await type_and_enter(pilot, "first, rewritten")
        assert app.session.requests[0].text == "first, rewritten"
        await pilot.press("space")
        assert app.session.requests[0].status == "done"
        await pilot.press("J")
        assert [r.text for r in app.session.requests][:2] == ["second", "first, rewritten"]
        assert table.cursor_row == 1
        await pilot.press("down", "delete")
        assert len(app.session.requests) == 3  # the first press asks
        await pilot.press("delete")
        assert [r.text for r in app.session.requests] == ["second", "first, rewritten"]
        await pilot.press("x")
        prompt = (toy / ".reviewtui" / PROMPT_FILE).read_text(encoding="utf-8")
        assert "second" in prompt and "first, rewritten" not in prompt  # done requests are not sent
        await pilot.press("escape")
        assert isinstance(app.screen, ReviewScreen)
    assert [r["text"] for r in state_file(toy)["requests"]] == ["second", "first, rewritten"]


async def test_filter_by_path_text_status_and_flag(toy: Path) -> None:
    async with review(toy) as (app, pilot):
        navigator = screen_of(app).navigator
        await pilot.press("slash")
        await type_and_enter(pilot, "model")
        assert {chunk.path for chunk in navigator.visible} == {"src/toy/model.py"}
        assert navigator.group == "T01"
        assert "path~model" in str(app.screen.query_one(StatusBar).render())
        title = str(app.screen.query_one("#chunks-title", Label).content)
        assert title.endswith("· path~model")  # the count is of the filtered chunks: say so
        await pilot.press("escape")
        assert "path~" not in str(app.screen.query_one("#chunks-title", Label).content)
        assert len(navigator.visible) == 6
        await pilot.press("slash")
        app.screen.query_one("#filter-text", Input).value = "zip("
        await pilot.press("enter")
        assert [chunk.symbol for chunk in navigator.visible] == ["score"]
        await pilot.press("escape", "a")
        await pilot.press("slash")
        app.screen.query_one("#filter-path", Input).value = "model"
        await pilot.press("ctrl+r")  # empties the fields, the dialog stays open
        assert app.screen.query_one("#filter-path", Input).value == ""
        await pilot.press("a", "enter")  # typed into the filter, not an approval
        assert navigator.filter.path == "a"
        await pilot.press("slash", "ctrl+r", "enter")
        assert not navigator.filter.active
        screen = screen_of(app)
        screen.navigator.set_filter(ChunkFilter(status="approved"))
        assert [c.id for c in navigator.visible] == [
            c.id for c in app.session.chunks if app.session.decision(c.id).status == "approved"
        ]
        screen.navigator.set_filter(ChunkFilter(flag="-"))
        assert len(navigator.visible) == sum(
            1 for c in app.session.chunks if not app.session.flags_of(c.id)
        )


async def test_order_toggle_puts_risky_chunks_first(toy: Path) -> None:
    async with review(toy) as (app, pilot):
        navigator = screen_of(app).navigator
        await pilot.press("o")
        assert navigator.order == "risk" and navigator.group == ALL
        assert [c.id for c in navigator.visible] == [
            c.id for c in app.session.ordered_chunks("risk")
        ]
        assert navigator.chunk.path == "src/toy/hostile.py"  # unlinked: low confidence comes first
        assert "risk first" in str(app.screen.query_one(StatusBar).render())
        await pilot.press("o")
        assert navigator.order == "spec" and navigator.group != ALL


async def test_relink_with_the_section_picker_is_kept(toy: Path) -> None:
    async with review(toy) as (app, pilot):
        await pilot.press("J", "J", "J")
        chunk_id = screen_of(app).navigator.chunk_id
        assert app.session.link(chunk_id).section_id is None
        await pilot.press("l")
        app.screen.query_one(Input).value = "1 Data"
        await pilot.pause()
        await pilot.press("enter")
        link = app.session.link(chunk_id)
        assert link.section_id == "1-data" and link.evidence[0].kind == "manual"
        assert screen_of(app).navigator.group == "1-data"
        assert screen_of(app).navigator.chunk_id == chunk_id
    async with review(toy) as (app, _):
        assert app.session.link(chunk_id).section_id == "1-data"


async def test_export_writes_the_report(toy: Path) -> None:
    async with review(toy) as (app, pilot):
        await pilot.press("a", "x")
        await app.workers.wait_for_complete()
        await pilot.pause()
        report = toy / ".reviewtui" / "review.md"
        assert report.is_file() and "src/toy/data.py" in report.read_text(encoding="utf-8")
        messages = [notification.message for notification in app._notifications]
        assert any(str(report) in message for message in messages)


async def test_help_lists_every_described_binding(toy: Path) -> None:
    async with review(toy) as (app, pilot):
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        table = app.screen.query_one(DataTable)
        does = [str(table.get_row_at(row)[1]) for row in range(table.row_count)]
        for binding in ReviewScreen.BINDINGS:
            assert binding.description in does  # type: ignore[union-attr]
        assert "Quit" in does
        await pilot.press("escape")
        assert isinstance(app.screen, ReviewScreen)


async def test_command_palette_offers_the_review_actions(toy: Path) -> None:
    async with review(toy) as (app, pilot):
        commands = {command.title: command for command in app.get_system_commands(app.screen)}
        assert {"Approve", "Flag", "Request queue", "Export", "Order: spec / risk first"} <= set(
            commands
        )
        chunk_id = screen_of(app).navigator.chunk_id
        await commands["Approve"].callback()
        await pilot.pause()
        assert app.session.decision(chunk_id).status == "approved"


async def test_untrusted_diff_text_renders_literally(toy: Path) -> None:
    async with review(toy, size=(200, 40)) as (app, pilot):
        await pilot.press("J", "J", "J")
        view = app.screen.query_one(DiffView)
        text = "\n".join(view.render_line(y).text for y in range(3))
        assert "[bold]not bold[/bold] and [/red] and [link=https://example.invalid]x[/link]" in text
        assert "␛[31mred␛[0m" in text and "\x1b" not in text
