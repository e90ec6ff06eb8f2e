"""Pilot tests of what the app keeps between key presses to stay fast: the chunk list's options and
drawn lines, the diff's drawn rows, the outline's counts, the neighbouring sections drawn ahead
and the session objects kept out of the garbage collector. Each cached view must show exactly what
a fresh one would, after moves, decisions and filters."""

from __future__ import annotations

import gc
from pathlib import Path

import pytest

from reviewtui.core.models import Chunk, DiffLine, Flag
from reviewtui.tui.navigation import ChunkFilter
from reviewtui.tui.screens.review import ReviewScreen
from reviewtui.tui.widgets.chunk_list import ChunkList, chunk_line
from reviewtui.tui.widgets.diff_view import DiffView
from reviewtui.tui.widgets.outline import SpecOutline
from tests.tui_support import build_toy_repo, review, screen_of


@pytest.fixture
def toy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    repo, _ = build_toy_repo(tmp_path / "toy", monkeypatch, hostile=True)
    return repo.root


def listed(screen: ReviewScreen) -> list[str]:
    """The chunk list's lines as drawn now (text), checked against their option positions."""
    chunk_list = screen.query_one(ChunkList)
    lines = []
    for y in range(chunk_list.option_count):
        strip = chunk_list.render_line(y)
        metas = {segment.style.meta.get("option") for segment in strip if segment.style}
        assert metas == {y}, f"line {y} carries the position {metas}"
        lines.append(strip.text.rstrip())
    return lines


def expected(screen: ReviewScreen) -> list[str]:
    """The lines a fresh list would show for the group on screen."""
    session = screen.session
    return [
        chunk_line(
            chunk,
            session.decision(chunk.id).status,
            session.flags.get(chunk.id, []),
            session.coverage.past_checkpoint.get(chunk.id),
        ).plain.rstrip()
        for chunk in screen.navigator.chunks_of(screen.navigator.group)
    ]


async def test_chunk_list_shows_the_right_lines_across_moves_and_filters(toy: Path) -> None:
    async with review(toy) as (app, pilot):
        screen = screen_of(app)
        for keys in (["J"], ["J"], ["K"], ["K"], ["j", "j", "j"], ["k"]):
            await pilot.press(*keys)
            await pilot.pause()
            assert listed(screen) == expected(screen)
        screen.navigator.set_filter(ChunkFilter(path="data.py"))
        screen.rebuild()
        screen.redraw()
        await pilot.pause()
        assert screen.navigator.group == "1-data"
        assert listed(screen) == expected(screen)
        await pilot.press("escape")  # the cleared filter puts the lines back at their places
        await pilot.pause()
        assert listed(screen) == expected(screen)
        assert len(listed(screen)) == 3


async def test_a_decision_redraws_its_line_even_when_cached(toy: Path) -> None:
    async with review(toy) as (app, pilot):
        screen = screen_of(app)
        first = screen.navigator.chunk_id
        await pilot.press("a")  # approves and moves on
        await pilot.press("J", "K")  # away and back: the refill uses the kept options
        await pilot.pause()
        assert listed(screen)[0].startswith("✓") and listed(screen) == expected(screen)
        screen.navigator.select_chunk(first)
        screen.redraw()
        await pilot.press("u")
        await pilot.press("J", "K")
        await pilot.pause()
        assert listed(screen)[0].startswith("·") and listed(screen) == expected(screen)


async def test_outline_counts_follow_decisions_in_a_section_and_its_parent(toy: Path) -> None:
    async with review(toy) as (app, pilot):
        screen = screen_of(app)
        outline = screen.query_one(SpecOutline)

        def label(section: str) -> str:
            return str(outline._section_nodes[section].label)

        assert label("1-data").endswith("1 Data  3")
        await pilot.press("a")
        assert label("1-data").endswith("1 Data  3 ✓1")
        await pilot.press("J")  # T01, a task under "2 Model"
        await pilot.press("a")
        await pilot.pause()
        assert label("T01").endswith("  1 ✓1 ✔")
        assert "2 ✓1" in label("2-model")
        await pilot.press("k", "u")  # `a` moved on to T02: back to T01's chunk, reset it
        await pilot.pause()
        assert label("T01").endswith("  1") and label("2-model").endswith("  2")
        assert label("1-data").endswith("1 Data  3 ✓1")


async def test_the_next_section_is_drawn_ahead_while_idle(toy: Path) -> None:
    async with review(toy) as (app, pilot):
        screen = screen_of(app)
        chunk_list, diff = screen.query_one(ChunkList), screen.query_one(DiffView)
        following = screen.navigator.chunks_of("T01")
        ahead = screen.navigator.peek_chunk(1)
        assert ahead is not None

        def drawn_ahead() -> bool:
            drawn = {key[0] for key in chunk_list._rendered}
            diffs = {key[0] for key in diff._cache}
            return {chunk.id for chunk in following} <= drawn and ahead.id in diffs

        for _ in range(100):  # one piece per idle moment: a few pauses
            if drawn_ahead():
                break
            await pilot.pause()
        assert drawn_ahead()
        await pilot.press("J")
        await pilot.pause()
        assert screen.navigator.chunk_id == following[0].id
        assert listed(screen) == expected(screen)


async def test_peek_chunk_is_where_the_next_step_goes(toy: Path) -> None:
    async with review(toy) as (app, _):
        navigator = screen_of(app).navigator
        for delta in (1, 1, 1, 1, -1, -1):
            ahead = navigator.peek_chunk(delta)
            assert navigator.step_chunk(delta) == (ahead is not None)
            assert ahead is None or navigator.chunk_id == ahead.id


def make_chunk(chunk_id: str, count: int, text: str = "value_{index} = {index}") -> Chunk:
    lines = [DiffLine("+", text.format(index=index), None, index + 1) for index in range(count)]
    return Chunk(
        id=chunk_id,
        path="src/values.py",
        old_path=None,
        change="added",
        lines=lines,
        new_start=1,
        new_lines=count,
        old_start=0,
        old_lines=0,
        added=count,
        removed=0,
        language="python",
    )


async def test_diff_rows_kept_by_chunk_are_redrawn_when_highlighting_or_flags_change(
    toy: Path,
) -> None:
    async with review(toy) as (app, pilot):
        view = screen_of(app).query_one(DiffView)
        small, big = make_chunk("small", 3), make_chunk("big", 400)
        view.show_chunk(big)  # drawn plain first, highlighted in a worker
        plain = view.render_line(0)
        await app.workers.wait_for_complete()
        await pilot.pause()
        coloured = view.render_line(0)
        assert coloured.text.rstrip() == plain.text.rstrip()
        assert len(list(coloured)) > len(list(plain))
        view.show_chunk(small)
        first = [view.render_line(y).text for y in range(3)]
        assert "▲" not in "".join(first)
        view.show_chunk(small, [Flag("synthetic-data", "high", 2, "x")])
        flagged = [view.render_line(y).text for y in range(3)]
        assert "▲" in flagged[1] and "▲" not in flagged[0]
        view.show_chunk(big)
        assert list(view.render_line(0)) == list(coloured)


async def test_a_prepared_diff_draws_what_show_chunk_draws(toy: Path) -> None:
    async with review(toy) as (app, _):
        view = screen_of(app).query_one(DiffView)
        chunk, flags = make_chunk("ahead", 5), [Flag("eval-subsample", "medium", 3, "x")]
        view.prepare(chunk, flags)
        shown_before = view.chunk
        assert shown_before is not None and shown_before.id != "ahead"
        view.show_chunk(chunk, flags)
        prepared = [list(view.render_line(y)) for y in range(6)]
        view._cache.clear()
        assert [list(view.render_line(y)) for y in range(6)] == prepared


async def test_session_objects_are_frozen_while_reviewing_and_released_after(toy: Path) -> None:
    async with review(toy) as (_, pilot):
        await pilot.pause()
        assert gc.get_freeze_count() > 0
    assert gc.get_freeze_count() == 0
