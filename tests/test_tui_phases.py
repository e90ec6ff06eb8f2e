"""Pilot tests of the spec's phases in the review app, on the bundled demo repo (a real git repo):
the phase under review in the status line and the coverage screen, sections missing from it, chunks
past its checkpoint in the chunk list and the chunk header, and `--phase`."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import DataTable, Label

from reviewtui.core.demo import build_demo
from reviewtui.tui.app import ReviewApp
from reviewtui.tui.screens.coverage import CoverageScreen
from reviewtui.tui.screens.review import ReviewScreen
from reviewtui.tui.widgets.chunk_list import ChunkList
from reviewtui.tui.widgets.outline import SpecOutline
from reviewtui.tui.widgets.requirement import RequirementPanel, requirement_content
from reviewtui.tui.widgets.status_bar import StatusBar
from tests.tui_support import ended, review, screen_of


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo repo, built once for this module (the tests here make no decisions)."""
    return build_demo(tmp_path_factory.mktemp("phases") / "demo")


def coverage_rows(table: DataTable) -> list[list[str]]:  # type: ignore[type-arg]
    """Each row's key, then its cells as text."""
    keys = [row.key.value for row in table.ordered_rows]
    return [[str(key), *map(str, table.get_row_at(i))] for i, key in enumerate(keys)]


async def test_coverage_shows_the_phase_missing_sections_and_code_past_the_checkpoint(
    demo: Path,
) -> None:
    async with review(demo) as (app, pilot):
        report = app.session.coverage.phase_report
        assert report is not None and report.phase is not None and report.phase.number == "1"
        assert report.missing and report.past_checkpoint
        assert "Phase 1 of the spec" in str(screen_of(app).query_one(StatusBar).render())
        await pilot.press("c")
        screen = app.screen
        assert isinstance(screen, CoverageScreen)
        heading = str(screen.query_one("#coverage-phase", Label).render())
        assert heading.startswith("Under review: Phase 1") and report.reason in heading
        assert f"{len(report.missing)} sections missing" in heading
        table = screen.query_one(DataTable)
        rows = coverage_rows(table)
        missing = [row[0] for row in rows if row[2].startswith("! missing")]
        assert missing == report.missing
        past = [row for row in rows if row[2] == "past the checkpoint (phase 2)"]
        assert [row[0] for row in past] == [
            "chunk:" + c.id for c in app.session.chunks if c.id in report.past_checkpoint
        ]
        assert all(row[1].startswith("» ") for row in past)
        table.move_cursor(row=rows.index(past[0]))
        await pilot.press("enter")
        assert isinstance(app.screen, ReviewScreen)
        chunk = screen_of(app).navigator.chunk
        assert chunk is not None and chunk.id in report.past_checkpoint
        assert "chunk:" + chunk.id == past[0][0] and chunk.location in past[0][1]
        title = str(screen_of(app).query_one("#chunk-title", Label).render())
        assert title.startswith(chunk.location + " · » past checkpoint (phase 2)")
        line = screen_of(app).query_one(ChunkList).get_option(chunk.id).prompt
        assert "»2" in str(line)


async def test_the_outline_marks_missing_sections(demo: Path) -> None:
    async with review(demo) as (app, _):
        outline = screen_of(app).query_one(SpecOutline)
        missing = {item.section_id for item in app.session.coverage.missing}
        for section in app.session.spec.sections:
            label = str(outline._section_nodes[section.id].label)
            assert (label.startswith("! ") and label.endswith("missing")) == (
                section.id in missing
            ), label


async def test_phase_option_reviews_another_spec_phase(demo: Path) -> None:
    async with review(demo, phase="2") as (app, pilot):
        report = app.session.coverage.phase_report
        assert report is not None and report.phase is not None and report.phase.number == "2"
        assert report.reason == "chosen: phase 2" and not report.past_checkpoint
        assert "Phase 2 of the spec" in str(screen_of(app).query_one(StatusBar).render())
        await pilot.press("c")
        assert not [r for r in coverage_rows(app.screen.query_one(DataTable)) if "»" in r[1]]


async def test_an_unknown_phase_ends_the_app_with_a_one_line_error(demo: Path) -> None:
    app = ReviewApp(demo, phase="9")
    async with app.run_test() as pilot:
        await ended(app, pilot)
    assert app.return_code == 1 and app.error is not None
    assert app.error.startswith("unknown phase: 9") and "\n" not in app.error


async def test_a_narrow_status_line_drops_the_spec_phase_first(demo: Path) -> None:
    async with review(demo, size=(80, 24)) as (app, _):
        shown = str(screen_of(app).query_one(StatusBar).render())
        assert "reviewed" in shown and "of the spec" not in shown


async def test_the_requirement_panel_always_fits_its_text(demo: Path) -> None:
    """It is redrawn without a layout pass when its height stays the same: check every chunk."""
    async with review(demo, size=(100, 30)) as (app, pilot):
        screen = screen_of(app)
        panel = screen.query_one(RequirementPanel)
        seen = set()
        while screen.navigator.chunk_id not in seen:
            seen.add(screen.navigator.chunk_id)
            content = requirement_content(app.session, screen.navigator.chunk)
            assert panel.size.height == len(content.wrap(panel.content_size.width))
            await pilot.press("j")
        assert len(seen) == len(app.session.chunks)
