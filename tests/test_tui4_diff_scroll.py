"""Tests that a chunk opens scrolled to its first flagged line when that line is below the pane."""

from __future__ import annotations

from pathlib import Path

import pytest

from reviewtui.tui.highlight import DiffRow
from reviewtui.tui.widgets.diff_view import DiffView, first_flag_row, opening_row
from tests.gitrepo import GitRepo
from tests.tui_support import review, screen_of

SPEC = """\
# Spec

## 1 Training

Train with a learning rate of 2e-5 and a batch size of 32.
"""

STEPS = "".join(f"    step_{index} = {index}\n" for index in range(30))
LONG_PY = f"def train():\n{STEPS}    learning_rate = 5e-5\n    return learning_rate\n"
"""One 33-line chunk; its flagged line (`learning_rate`) is line 32."""
SHORT_PY = "def model():\n    width = 8\n    batch_size = 64\n    return width, batch_size\n"
PLAIN_PY = f"def steps():\n{STEPS}    return step_0\n"
SIZES = [(120, 35), (80, 24)]


@pytest.fixture
def repo_root(tmp_path: Path) -> Path:
    repo = GitRepo.init(tmp_path / "repo")
    repo.write("SPEC.md", SPEC)
    repo.commit("spec")
    repo.write("long.py", LONG_PY)
    repo.write("short.py", SHORT_PY)
    repo.write("plain.py", PLAIN_PY)
    return repo.root


def chunk_of(app: object, path: str) -> str:
    session = app.session  # type: ignore[attr-defined]
    return next(chunk.id for chunk in session.chunks if chunk.path == path)


def shown_text(diff: DiffView) -> str:
    """The diff pane's visible rows, as text (drawn through the Line API)."""
    height = diff.scrollable_content_region.height
    return "\n".join(diff.render_line(y).text for y in range(height))


async def show(app: object, pilot: object, path: str) -> DiffView:
    screen = screen_of(app)  # type: ignore[arg-type]
    screen.go_to_chunk(chunk_of(app, path))
    await pilot.pause()  # type: ignore[attr-defined]
    return screen.query_one(DiffView)


@pytest.mark.parametrize("size", SIZES)
async def test_a_flagged_line_below_the_pane_opens_in_view(
    repo_root: Path, size: tuple[int, int]
) -> None:
    async with review(repo_root, size=size) as (app, pilot):
        diff = await show(app, pilot, "long.py")
        height = diff.scrollable_content_region.height
        assert 0 < height < 32  # the flagged line is below the first screen
        flagged = next(i for i, row in enumerate(diff.rows) if row.new_no == 32)
        assert diff.scroll_y > 0
        assert diff.scroll_y <= flagged < diff.scroll_y + height
        assert "learning_rate = 5e-5" in shown_text(diff)
        assert "def train():" not in shown_text(diff)


@pytest.mark.parametrize("size", SIZES)
async def test_a_chunk_whose_flag_fits_and_a_chunk_without_one_open_at_the_top(
    repo_root: Path, size: tuple[int, int]
) -> None:
    async with review(repo_root, size=size) as (app, pilot):
        diff = await show(app, pilot, "short.py")
        assert app.session.flags_of(chunk_of(app, "short.py"))
        assert diff.scroll_y == 0 and "def model():" in shown_text(diff)
        assert "batch_size = 64" in shown_text(diff)
        diff = await show(app, pilot, "plain.py")
        assert diff.scroll_y == 0 and "def steps():" in shown_text(diff)


async def test_moving_between_chunks_opens_each_anew(repo_root: Path) -> None:
    async with review(repo_root, size=(80, 24)) as (app, pilot):
        diff = await show(app, pilot, "long.py")
        opened = diff.scroll_y
        diff.scroll_to(y=0, animate=False, immediate=True)  # the reviewer scrolls back up
        await pilot.pause()
        assert diff.scroll_y == 0
        diff = await show(app, pilot, "plain.py")
        assert diff.scroll_y == 0
        diff.scroll_to(y=5, animate=False, immediate=True)
        diff = await show(app, pilot, "long.py")
        assert diff.scroll_y == opened
        diff = await show(app, pilot, "plain.py")
        assert diff.scroll_y == 0


async def test_keys_move_to_the_next_chunk_and_it_opens_at_its_flag(repo_root: Path) -> None:
    async with review(repo_root, size=(80, 24)) as (app, pilot):
        navigator = screen_of(app).navigator
        order = [chunk.path for chunk in navigator.visible]
        start = await show(app, pilot, order[0])
        assert start.scroll_y == 0 or order[0] == "long.py"
        for _ in range(order.index("long.py")):
            await pilot.press("j")
        await pilot.pause()
        diff = screen_of(app).query_one(DiffView)
        assert navigator.chunk is not None and navigator.chunk.path == "long.py"
        assert "learning_rate = 5e-5" in shown_text(diff)


def row(kind: str, old: int | None, new: int | None) -> DiffRow:
    return DiffRow(kind, old, new, "x")  # type: ignore[arg-type]


def test_first_flag_row_reads_the_old_side_of_a_removed_line() -> None:
    rows = [row(" ", 1, 1), row("-", 2, None), row("+", None, 2), row("+", None, 3)]
    assert first_flag_row(rows, set()) is None
    assert first_flag_row(rows, {3}) == 3
    assert first_flag_row(rows, {2}) == 1  # the removed old line 2 comes first
    assert first_flag_row(rows, {9}) is None


def test_opening_row_keeps_the_top_when_the_flag_fits() -> None:
    assert opening_row(None, 10) == 0
    assert opening_row(9, 10) == 0
    assert opening_row(10, 10) == 10 - 3
    assert opening_row(40, 12) == 36
    assert opening_row(40, 0) == 0  # not laid out yet


@pytest.mark.parametrize("size", SIZES)
async def test_the_first_chunk_shown_at_launch_opens_at_its_flag(
    tmp_path: Path, size: tuple[int, int]
) -> None:
    repo = GitRepo.init(tmp_path / "alone")
    repo.write("SPEC.md", SPEC)
    repo.commit("spec")
    repo.write("long.py", LONG_PY)
    async with review(repo.root, size=size) as (app, _):
        diff = screen_of(app).query_one(DiffView)
        assert diff.scroll_y > 0 and "learning_rate = 5e-5" in shown_text(diff)
