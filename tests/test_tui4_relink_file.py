"""Tests of relinking a whole file from the section picker (`l`, then `ctrl+f`)."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import Checkbox

from reviewtui.core.session import ReviewSession
from reviewtui.tui.screens.section_picker import SectionPicker, same_file_chunks
from tests.gitrepo import GitRepo
from tests.tui_support import review, screen_of, state_file, type_and_enter

SPEC = """\
# Pipeline

## 1 Data

Read the passages from disk and clean them.

## 2 Model

Score each passage with a cross-encoder.
"""

PIPELINE_PY = "".join(
    f"def stage_{name}(rows):\n    kept = [row for row in rows if row]\n"
    f"    total = len(kept)\n    return kept, total + {index}\n\n\n"
    for index, name in enumerate(["alpha", "beta", "gamma", "delta"])
)
OTHER_PY = "def helper(value):\n    doubled = value * 2\n    return doubled\n"


@pytest.fixture
def repo_root(tmp_path: Path) -> Path:
    repo = GitRepo.init(tmp_path / "repo")
    repo.write("SPEC.md", SPEC)
    repo.commit("spec")
    repo.write("pipeline.py", PIPELINE_PY)
    repo.write("other.py", OTHER_PY)
    return repo.root


def chunks_of(session: ReviewSession, path: str) -> list[str]:
    return [chunk.id for chunk in session.chunks if chunk.path == path]


async def open_picker_on(app: object, pilot: object, chunk_id: str) -> SectionPicker:
    screen = screen_of(app)  # type: ignore[arg-type]
    screen.go_to_chunk(chunk_id)
    await pilot.press("l")  # type: ignore[attr-defined]
    picker = app.screen  # type: ignore[attr-defined]
    assert isinstance(picker, SectionPicker)
    return picker


async def test_ctrl_f_links_the_rest_of_the_file_but_not_a_chunk_linked_by_hand(
    repo_root: Path,
) -> None:
    async with review(repo_root) as (app, pilot):
        session = app.session
        first, second, third, fourth = chunks_of(session, "pipeline.py")
        session.relink(third, "2-model")  # the reviewer's own choice: it stays
        (other,) = chunks_of(session, "other.py")
        other_before = session.link(other).section_id
        picker = await open_picker_on(app, pilot, first)
        box = picker.query_one("#picker-file", Checkbox)
        assert not box.value
        assert "Also the 2 other chunks of pipeline.py not linked by hand" in str(box.label)
        await pilot.press("ctrl+f")
        assert box.value
        await type_and_enter(pilot, "1 Data")
        assert screen_of(app) is app.screen
        for chunk_id in (first, second, fourth):
            link = session.link(chunk_id)
            assert link.section_id == "1-data" and link.evidence[0].kind == "manual"
        assert session.link(third).section_id == "2-model"
        assert session.link(other).section_id == other_before
        saved = state_file(repo_root)["manual_links"]
        assert saved == {first: "1-data", second: "1-data", third: "2-model", fourth: "1-data"}
        notes = [note.message for note in app._notifications]
        assert "Linked 3 chunks of pipeline.py to 1-data." in notes
        assert screen_of(app).navigator.chunk_id == first
    reopened = ReviewSession.open(repo_root, no_llm=True)
    try:
        assert [reopened.link(c).section_id for c in (first, second, third, fourth)] == [
            "1-data",
            "1-data",
            "2-model",
            "1-data",
        ]
    finally:
        reopened.close()


async def test_without_the_box_only_the_chunk_in_view_is_linked(repo_root: Path) -> None:
    async with review(repo_root) as (app, pilot):
        session = app.session
        first, second, *_ = chunks_of(session, "pipeline.py")
        second_before = session.link(second)
        await open_picker_on(app, pilot, first)
        await pilot.press("ctrl+f", "ctrl+f")  # ticked, then unticked
        await type_and_enter(pilot, "2 Model")
        assert session.link(first).section_id == "2-model"
        assert session.link(second) == second_before
        assert state_file(repo_root)["manual_links"] == {first: "2-model"}


async def test_the_whole_file_can_be_unlinked_and_a_lone_chunk_has_no_box(
    repo_root: Path,
) -> None:
    async with review(repo_root) as (app, pilot):
        session = app.session
        pipeline = chunks_of(session, "pipeline.py")
        await open_picker_on(app, pilot, pipeline[1])
        await pilot.press("ctrl+f")
        await type_and_enter(pilot, "unlinked")
        assert all(session.link(c).section_id is None for c in pipeline)
        assert state_file(repo_root)["manual_links"] == dict.fromkeys(pipeline)
        (other,) = chunks_of(session, "other.py")
        picker = await open_picker_on(app, pilot, other)
        assert not picker.query("#picker-file")
        await pilot.press("ctrl+f")  # nothing to tick: the key does nothing
        assert isinstance(app.screen, SectionPicker) and not picker.whole_file
        await pilot.press("escape")
        assert screen_of(app) is app.screen


def test_same_file_chunks_leaves_out_the_chunk_and_the_manual_links(repo_root: Path) -> None:
    session = ReviewSession.open(repo_root, no_llm=True)
    try:
        chunks = [c for c in session.chunks if c.path == "pipeline.py"]
        assert len(chunks) == 4
        session.relink(chunks[2].id, None)  # unlinked by hand is a manual link too
        assert same_file_chunks(session, chunks[0]) == [chunks[1], chunks[3]]
        lone = next(c for c in session.chunks if c.path == "other.py")
        assert same_file_chunks(session, lone) == []
    finally:
        session.close()
