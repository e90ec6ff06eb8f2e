"""Snapshot tests (`snap_compare`) of the main screens, made from the bundled demo repo.

The demo's content and commit dates are fixed (its shas are pinned), no LLM key is set, and the app
has finished loading before the picture is taken, so the snapshots are deterministic. After an
intended change of the screens: `pytest tests/test_snapshots.py --snapshot-update`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from textual.pilot import Pilot
from textual.widgets import Input

from reviewtui.tui.app import ReviewApp
from reviewtui.tui.screens.review import ReviewScreen

SnapCompare = Callable[..., bool]


def after_loading(then: Callable[[Pilot[Any]], Awaitable[None]] | None = None):
    """A `run_before` that waits for the session to load, then runs `then`."""

    async def run_before(pilot: Pilot[Any]) -> None:
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        assert isinstance(pilot.app.screen, ReviewScreen)
        if then is not None:
            await then(pilot)
            await pilot.app.workers.wait_for_complete()
            await pilot.pause()

    return run_before


def test_main_screen(snap_compare: SnapCompare, demo_copy: Path) -> None:
    assert snap_compare(ReviewApp(demo_copy), terminal_size=(130, 38), run_before=after_loading())


def test_flagged_chunk(snap_compare: SnapCompare, demo_copy: Path) -> None:
    async def flag_riskiest(pilot: Pilot[Any]) -> None:
        await pilot.press("f")  # the demo opens risk first: on the riskiest chunk
        pilot.app.screen.query_one(
            Input
        ).value = "Falls back to synthetic data: the spec forbids it"
        await pilot.press("enter")

    app = ReviewApp(demo_copy)
    assert snap_compare(app, terminal_size=(130, 38), run_before=after_loading(flag_riskiest))


def test_request_queue(snap_compare: SnapCompare, demo_copy: Path) -> None:
    async def queue(pilot: Pilot[Any]) -> None:
        session = pilot.app.session
        chunks = session.ordered_chunks("risk")
        session.add_request(chunks[0].id, "fix", "Stop on a failed download; never substitute data")
        session.add_request(chunks[1].id, "refactor", "Read the learning rate from the spec's 2e-5")
        request = session.add_request(chunks[2].id, "simplify", "One tokenizer helper, not two")
        session.update_request(request.id, status="done")
        await pilot.press("Q")

    app = ReviewApp(demo_copy)
    assert snap_compare(app, terminal_size=(110, 20), run_before=after_loading(queue))


def test_help_screen(snap_compare: SnapCompare, demo_copy: Path) -> None:
    async def help_screen(pilot: Pilot[Any]) -> None:
        await pilot.press("question_mark")

    app = ReviewApp(demo_copy)
    assert snap_compare(app, terminal_size=(100, 40), run_before=after_loading(help_screen))


def test_small_terminal(snap_compare: SnapCompare, demo_copy: Path) -> None:
    async def next_section(pilot: Pilot[Any]) -> None:
        await pilot.press("J")

    app = ReviewApp(demo_copy)
    assert snap_compare(app, terminal_size=(80, 24), run_before=after_loading(next_section))


def test_coverage_with_the_spec_phase(snap_compare: SnapCompare, demo_copy: Path) -> None:
    async def coverage(pilot: Pilot[Any]) -> None:
        await pilot.press("c")

    app = ReviewApp(demo_copy)
    assert snap_compare(app, terminal_size=(120, 40), run_before=after_loading(coverage))


def test_small_terminal_risk_first_many_flags(snap_compare: SnapCompare, demo_copy: Path) -> None:
    """80×24, risk first, on the chunk with three flags: they wrap and the findings box scrolls."""

    async def evaluate_chunk(pilot: Pilot[Any]) -> None:
        screen = pilot.app.screen  # the demo opens risk first
        assert isinstance(screen, ReviewScreen)
        chunk = next(c for c in screen.navigator.visible if c.location.startswith("src/dr/eval"))
        screen.go_to_chunk(chunk.id)

    app = ReviewApp(demo_copy)
    assert snap_compare(app, terminal_size=(80, 24), run_before=after_loading(evaluate_chunk))
