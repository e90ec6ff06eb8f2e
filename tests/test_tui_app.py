"""Pilot tests of the review app on real git repos: moving, deciding, persistence, the lock, layout."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from textual.widgets import Input, OptionList

from reviewtui.core.session import ReviewSession
from reviewtui.tui.app import ReviewApp
from reviewtui.tui.exporting import write_export
from reviewtui.tui.navigation import UNLINKED
from reviewtui.tui.widgets.chunk_list import ChunkList
from reviewtui.tui.widgets.diff_view import DiffView
from reviewtui.tui.widgets.status_bar import StatusBar
from tests.tui_support import build_toy_repo, ended, review, screen_of, state_file, type_and_enter


@pytest.fixture
def toy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    repo, _ = build_toy_repo(tmp_path / "toy", monkeypatch, hostile=True)
    return repo.root


async def test_opens_on_the_first_section_with_progress(toy: Path) -> None:
    async with review(toy) as (app, _):
        screen = screen_of(app)
        assert screen.navigator.group == "1-data"
        assert (
            screen.navigator.chunk is not None and screen.navigator.chunk.path == "src/toy/data.py"
        )
        status = str(screen.query_one(StatusBar).render())
        assert "0/6 reviewed · 0 flagged · 0 requests" in status
        assert "src/toy/data.py" in str(screen.query_one("#chunk-title").render())


async def test_moves_by_chunk_and_by_section(toy: Path) -> None:
    async with review(toy) as (app, pilot):
        navigator = screen_of(app).navigator
        assert [c.symbol for c in navigator.chunks_of("1-data")] == [
            None,
            "load_rows",
            "count_rows",
        ]
        await pilot.press("j", "down")
        assert navigator.chunk.symbol == "count_rows"
        await pilot.press("j")  # past the section's last chunk: into the next section
        assert (navigator.group, navigator.chunk.symbol) == ("T01", "mean_pool")
        await pilot.press("k", "up")
        assert navigator.chunk.symbol == "load_rows"
        await pilot.press("J", "J")
        assert navigator.group == "T02"
        await pilot.press("J")
        assert navigator.group == UNLINKED and navigator.chunk.path == "src/toy/hostile.py"
        await pilot.press("K")
        assert navigator.group == "T02"
        highlighted = app.screen.query_one(ChunkList).highlighted_option
        assert highlighted is not None and highlighted.id == navigator.chunk_id


async def test_approve_saves_advances_and_survives_a_restart(toy: Path) -> None:
    async with review(toy) as (app, pilot):
        first = screen_of(app).navigator.chunk_id
        await pilot.press("a")
        assert app.session.decision(first).status == "approved"
        assert screen_of(app).navigator.chunk_id != first
        assert state_file(toy)["decisions"][first]["status"] == "approved"
        await pilot.press("q")
    async with review(toy) as (app, _):
        assert app.session.decision(first).status == "approved"
        assert "1/6 reviewed" in str(screen_of(app).query_one(StatusBar).render())
        prompt = str(app.screen.query_one(ChunkList).get_option(first).prompt)
        assert prompt.startswith("✓")


async def test_approve_skips_decided_chunks(toy: Path) -> None:
    async with review(toy) as (app, pilot):
        navigator = screen_of(app).navigator
        ids = [chunk.id for chunk in navigator.visible]
        app.session.approve(ids[1])
        await pilot.press("a")
        assert navigator.chunk_id == ids[2]


async def test_flag_with_a_note_and_cancel(toy: Path) -> None:
    async with review(toy) as (app, pilot):
        chunk_id = screen_of(app).navigator.chunk_id
        await pilot.press("f", "w", "r")
        await pilot.press("escape")
        assert app.session.decision(chunk_id).status == "pending"
        await pilot.press("f")
        assert isinstance(app.screen.query_one(Input), Input)
        await pilot.press("enter")  # an empty note is refused
        assert app.session.decision(chunk_id).status == "pending"
        await type_and_enter(pilot, "reads the wrong file")
        decision = app.session.decision(chunk_id)
        assert (decision.status, decision.note) == ("flagged", "reads the wrong file")
        assert "reads the wrong file" in str(app.screen.query_one("#findings").render())
    assert state_file(toy)["decisions"][chunk_id]["note"] == "reads the wrong file"


async def test_note_and_reset(toy: Path) -> None:
    async with review(toy) as (app, pilot):
        chunk_id = screen_of(app).navigator.chunk_id
        await pilot.press("n")
        await type_and_enter(pilot, "check the encoding")
        assert app.session.decision(chunk_id).note == "check the encoding"
        await pilot.press("a")
        await pilot.press("k", "u")
        decision = app.session.decision(chunk_id)
        assert (decision.status, decision.note) == ("pending", "check the encoding")


async def test_outline_selection_shows_a_section(toy: Path) -> None:
    async with review(toy) as (app, pilot):
        screen = screen_of(app)
        outline = screen.query_one("#outline")
        outline.focus()
        await pilot.pause()
        screen.query_one("#outline").show_section("T02")
        await pilot.press("enter")
        assert screen.navigator.group == "T02"
        screen.query_one("#outline").show_section("2-model")  # no own chunks: its first task
        await pilot.press("enter")
        assert screen.navigator.group == "T01"


async def test_chunk_list_arrows_follow_the_highlight(toy: Path) -> None:
    async with review(toy) as (app, pilot):
        chunks = app.screen.query_one(ChunkList)
        chunks.focus()
        await pilot.press("down")
        assert screen_of(app).navigator.chunk.symbol == "load_rows"
        assert isinstance(chunks, OptionList)


async def test_second_phase_keeps_untouched_decisions(toy: Path) -> None:
    async with review(toy) as (app, _):
        for chunk in app.session.chunks:
            app.session.approve(chunk.id)
        score_id = next(c.id for c in app.session.chunks if c.path == "src/toy/score.py")
    (toy / "src/toy/score.py").write_text(
        "def score(query, passage):\n    return sum(a * b for a, b in zip(query, passage, strict=True))\n",
        encoding="utf-8",
    )
    async with review(toy) as (app, _):
        statuses = {c.path: app.session.decision(c.id).status for c in app.session.chunks}
        assert statuses["src/toy/score.py"] == "pending" and score_id not in {
            c.id for c in app.session.chunks
        }
        assert statuses["src/toy/model.py"] == "approved"
        assert "5/6 reviewed" in str(screen_of(app).query_one(StatusBar).render())


async def test_second_instance_gets_the_lock_error(toy: Path) -> None:
    holder = ReviewSession.open(toy, lock=True)
    try:
        app = ReviewApp(toy)
        async with app.run_test() as pilot:
            await ended(app, pilot)
        assert app.return_code == 1 and app.error is not None and "\n" not in app.error
    finally:
        holder.close()


async def test_bad_range_ends_the_app_with_a_one_line_error(toy: Path) -> None:
    app = ReviewApp(toy, "no-such-ref..HEAD")
    async with app.run_test() as pilot:
        await ended(app, pilot)
    assert app.return_code == 1 and app.error


async def test_small_terminal_stays_usable(toy: Path) -> None:
    async with review(toy, size=(80, 24)) as (app, pilot):
        screen = screen_of(app)
        assert screen.has_class("-narrow")
        assert screen.query_one(DiffView).size.height >= 5
        assert screen.query_one(ChunkList).size.height >= 3
        await pilot.press("a", "j")
        assert app.session.progress().approved == 1


async def test_tab_moves_focus_between_panes(toy: Path) -> None:
    async with review(toy) as (app, pilot):
        assert app.focused is app.screen.query_one(DiffView)
        seen = set()
        for _ in range(4):
            await pilot.press("tab")
            seen.add(app.focused.id if app.focused else None)
        assert {"outline", "chunks"} <= seen


async def test_moving_between_sections_keeps_the_diff_in_place(toy: Path) -> None:
    async with review(toy) as (app, pilot):
        screen = screen_of(app)
        diff = screen.query_one(DiffView)
        place = diff.region
        groups = set()
        for _ in range(3):
            await pilot.press("J")
            groups.add(screen.navigator.group)
            assert diff.region == place  # the requirement box has a fixed height
        assert len(groups) == 3


@contextmanager
def unwritable_state(root: Path) -> Iterator[None]:
    """Every save of the review state fails while inside; `state.json` is left as it was on disk.

    A read-only `.reviewtui/` does it for a normal user; root writes there anyway, so under root the
    file is moved aside and a directory takes its name (the atomic rename then fails)."""
    folder = root / ".reviewtui"
    state, aside = folder / "state.json", folder / "state.json.aside"
    if os.geteuid() != 0:
        folder.chmod(0o500)
    else:
        state.rename(aside)
        state.mkdir()
    try:
        yield
    finally:
        if os.geteuid() != 0:
            folder.chmod(0o700)
        else:
            state.rmdir()
            aside.rename(state)


def errors_shown(app: ReviewApp) -> list[str]:
    return [n.message for n in app._notifications if n.severity == "error"]


async def test_a_failed_save_keeps_the_decision_pending_and_the_app_up(toy: Path) -> None:
    async with review(toy) as (app, pilot):
        screen = screen_of(app)
        first, *_, last = [chunk.id for chunk in screen.navigator.visible]
        app.session.approve(last)  # state.json exists on disk
        with unwritable_state(toy):
            await pilot.press("a", "u")
            await pilot.press("f")
            await type_and_enter(pilot, "wrong padding side")
            await pilot.press("n")
            await type_and_enter(pilot, "a note")
            await pilot.press("r")
            await type_and_enter(pilot, "simplify this")
            await pilot.pause()
            assert app.is_running and app.screen is screen
            assert app.session.decision(first).status == "pending"
            assert app.session.decision(first).note is None and not app.session.requests
            assert screen.navigator.chunk_id == first  # a failed approval does not move on
            assert not str(screen.query_one(ChunkList).get_option(first).prompt).startswith("✓")
            assert "1/6 reviewed · 0 flagged · 0 requests" in str(
                screen.query_one(StatusBar).render()
            )
            errors = errors_shown(app)
            assert len(errors) == 5 and all(e.startswith("Not saved: ") for e in errors)
            assert all("\n" not in error for error in errors)
        assert first not in state_file(toy)["decisions"]
        await pilot.press("a")  # writable again: the next decision saves, and only it
        assert state_file(toy)["decisions"][first]["status"] == "approved"
        assert state_file(toy)["requests"] == []


async def test_a_failed_relink_keeps_the_link(toy: Path) -> None:
    async with review(toy) as (app, pilot):
        screen = screen_of(app)
        chunk_id = screen.navigator.chunk_id
        before = app.session.link(chunk_id).section_id
        app.session.state.save()
        with unwritable_state(toy):
            await pilot.press("l")
            await type_and_enter(pilot, "T02")
            await pilot.pause()
            assert app.is_running and app.session.link(chunk_id).section_id == before
            assert errors_shown(app) and errors_shown(app)[0].startswith("Not saved: ")
        assert state_file(toy)["manual_links"] == {}


async def test_an_os_error_while_loading_ends_with_one_line(
    toy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def unreadable(*args: object, **kwargs: object) -> ReviewSession:
        raise PermissionError(13, "Permission denied", str(toy / ".reviewtui" / "lock"))

    monkeypatch.setattr(ReviewSession, "open", unreadable)
    app = ReviewApp(toy)
    async with app.run_test() as pilot:
        await ended(app, pilot)
    assert app.return_code == 1
    assert app.error == f"cannot open the review: {toy}/.reviewtui/lock: Permission denied"


async def test_a_failed_export_is_one_line_and_the_app_stays_up(toy: Path) -> None:
    async with review(toy) as (app, pilot):
        (toy / ".reviewtui" / "review.md").mkdir(parents=True)
        await pilot.press("x")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert app.is_running and isinstance(app.screen, type(screen_of(app)))
        (error,) = errors_shown(app)
        assert error.startswith("Not exported: cannot write ") and "\n" not in error
        assert not list((toy / ".reviewtui").glob(".review-*.tmp"))


async def test_export_writes_the_markdown_taken_when_x_was_pressed(toy: Path) -> None:
    async with review(toy) as (app, pilot):
        await pilot.press("a", "x")
        await app.workers.wait_for_complete()
        await pilot.pause()
        report = toy / ".reviewtui" / "review.md"
        assert report.read_text(encoding="utf-8") == app.session.export_markdown()
        assert any(str(report) in n.message for n in app._notifications)


def test_write_export_replaces_the_file_whole(tmp_path: Path, toy: Path) -> None:
    session = ReviewSession.open(toy, no_llm=True)
    target = toy / ".reviewtui" / "review.md"
    assert write_export(session.state, target, "# one\n") is None
    assert write_export(session.state, target, "# two\n") is None
    assert target.read_text(encoding="utf-8") == "# two\n"
    assert not list(target.parent.glob(".review-*.tmp"))
    missing = tmp_path / "no-such-folder" / "review.md"
    assert write_export(session.state, missing, "x").startswith(f"cannot write {missing}")  # type: ignore[union-attr]
