"""Review round 3 of the app (findings N5, N11, N12, N13, N14 of the fresh-eyes review): page keys on
empty tables, one save for approving a flagged chunk, the export built off the UI thread from a
snapshot, bounded drawing-ahead, the picker on a tiny terminal, and earlier rounds' flag notes."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from textual.content import Content
from textual.widgets import DataTable

from reviewtui.cli import main
from reviewtui.core.session import ReviewSession
from reviewtui.core.state import ReviewState
from reviewtui.errors import ReviewError
from reviewtui.tui.screens.ledger import LedgerScreen
from reviewtui.tui.screens.requests import RequestQueueScreen
from reviewtui.tui.screens.review import PREPARED_LINES
from reviewtui.tui.screens.section_picker import SectionPicker
from reviewtui.tui.widgets.chunk_list import ChunkList
from reviewtui.tui.widgets.diff_view import HIGHLIGHT_NOW_LINES, DiffView
from reviewtui.tui.widgets.findings import FindingsPanel
from tests.gitrepo import GitRepo
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


async def test_the_export_is_built_off_the_ui_thread_from_the_review_as_pressed(
    toy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    threads: list[str] = []
    real_export = ReviewSession.export_markdown

    def traced(session: ReviewSession) -> str:
        threads.append(threading.current_thread().name)
        return real_export(session)

    monkeypatch.setattr(ReviewSession, "export_markdown", traced)
    async with review(toy) as (app, pilot):
        chunk = screen_of(app).chunk
        assert chunk is not None
        await pilot.press("x")
        app.session.flag(chunk.id, "decided after x was pressed")  # before the worker runs
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert threads and threading.main_thread().name not in threads
        text = (toy / ".reviewtui" / "review.md").read_text(encoding="utf-8")
        assert "decided after x was pressed" not in text
        assert [n.message for n in app._notifications][-1].startswith("Review exported to ")


def test_a_snapshot_keeps_the_review_as_it_was(toy: Path) -> None:
    session = ReviewSession.open(toy, no_llm=True)
    try:
        chunk = session.chunks[0]
        session.add_request(chunk.id, "refactor", "split the loader")
        section = session.link(chunk.id).section_id
        assert section is not None
        snapshot = session.snapshot()
        before = snapshot.export_markdown()
        session.flag(chunk.id, "a flag made later")
        session.update_request(session.requests[0].id, text="a rewritten request")
        session.relink(chunk.id, None)
        assert snapshot.decision(chunk.id).status == "pending"
        assert snapshot.requests[0].text == "split the loader"
        assert snapshot.link(chunk.id).section_id == section
        assert chunk in snapshot.chunks_in(section) and chunk not in session.chunks_in(section)
        assert snapshot.export_markdown() == before
        assert "a flag made later" in session.export_markdown()
    finally:
        session.close()


async def test_a_failed_export_record_says_what_failed_not_not_saved(
    toy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def failing(state: ReviewState, target: Path, text: bytes | None = None) -> str | None:
        raise ReviewError("cannot lock exports.json: timed out (simulated)")

    monkeypatch.setattr(ReviewState, "record_export", failing)
    async with review(toy) as (app, pilot):
        await pilot.press("x")
        await app.workers.wait_for_complete()
        await pilot.pause()
        messages = [n.message for n in app._notifications]
        assert not any(m.startswith("Not saved") for m in messages)
        assert messages[-1].startswith("Review exported to ")
        assert "not remembered as an export" in messages[-1] and "timed out" in messages[-1]
        assert (toy / ".reviewtui" / "review.md").is_file()


BIG_SECTION_FUNCTIONS = 120


def build_big_section_repo(root: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A phase whose second section holds `BIG_SECTION_FUNCTIONS` chunks (one per function)."""
    monkeypatch.setenv("GIT_AUTHOR_DATE", "2026-01-05T10:00:00+00:00")
    monkeypatch.setenv("GIT_COMMITTER_DATE", "2026-01-05T10:00:00+00:00")
    repo = GitRepo.init(root)
    spec = "# Spec\n\n## 1 Loading\n\nLoad rows.\n\n## 2 Scores\n\nMany small scores.\n"
    repo.write("SPEC.md", spec)
    repo.commit("spec")
    repo.write("load.py", "def load(path):\n    return open(path).read()\n")
    repo.commit("loading\n\nSpec: 1-loading")
    body = "".join(
        f"\n\ndef score_{n}(values):\n    total = {n}\n    for v in values:\n"
        f"        total += v * {n}\n    return total\n"
        for n in range(BIG_SECTION_FUNCTIONS)
    )
    repo.write("scores.py", '"""Scores."""' + body)
    repo.commit("scores\n\nSpec: 2-scores")
    return repo.root


async def test_moves_draw_ahead_at_most_a_screenful_of_a_big_neighbouring_section(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = build_big_section_repo(tmp_path / "big", monkeypatch)
    async with review(root, size=(120, 40)) as (app, pilot):
        screen = screen_of(app)
        chunk_list = screen.query_one(ChunkList)
        assert screen.navigator.group == "1-loading"
        assert len(screen.navigator.chunks_of("2-scores")) >= BIG_SECTION_FUNCTIONS
        height = chunk_list.size.height
        bound = 2 * height + 2 * PREPARED_LINES + 4
        opening = (
            app.size.height + bound
        )  # drawn ahead before the list had its height  # a screenful at each end, the lines on screen
        for _ in range(bound):  # the opening's drawing-ahead
            await pilot.pause()
        assert chunk_list.draws <= opening, "more than a screenful drawn ahead"
        for keys in (["j"], ["J"], ["j"]):
            before = chunk_list.draws
            await pilot.press(*keys)
            for _ in range(bound):  # every idle moment the drawing-ahead could use
                await pilot.pause()
            drawn = chunk_list.draws - before
            assert drawn <= bound, (keys, drawn, bound)
        screen.navigator.select_group("1-loading")  # back: the kept lines serve the refill
        screen.redraw()
        for _ in range(bound):
            await pilot.pause()
        before = chunk_list.draws
        await pilot.press("J")
        assert chunk_list.draws - before <= 2, "the first screenful was not drawn ahead"


async def test_a_big_chunk_is_highlighted_in_a_worker_that_posts_its_rows(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GIT_AUTHOR_DATE", "2026-01-05T10:00:00+00:00")
    monkeypatch.setenv("GIT_COMMITTER_DATE", "2026-01-05T10:00:00+00:00")
    repo = GitRepo.init(tmp_path / "big-chunk")
    repo.write("SPEC.md", "# Spec\n\n## 1 Table\n\nA big lookup table.\n")
    repo.write("pyproject.toml", "[tool.reviewtui.chunks]\nmax_lines = 1000\n")  # one chunk
    repo.commit("spec")
    rows = "".join(f"    ({n}, {n * n}, 'row {n}'),\n" for n in range(400))
    repo.write("table.py", f"TABLE = [\n{rows}]\n")
    repo.commit("table\n\nSpec: 1-table")
    async with review(repo.root) as (app, pilot):
        screen = screen_of(app)
        chunk = screen.chunk
        assert chunk is not None and len(chunk.lines) > HIGHLIGHT_NOW_LINES
        await app.workers.wait_for_complete()
        await pilot.pause()
        diff = screen.query_one(DiffView)
        assert chunk.id in diff._highlighted
        assert diff.rows is diff._highlighted[chunk.id]


async def test_the_section_picker_opens_on_a_tiny_terminal(toy: Path) -> None:
    async with review(toy, size=(12, 6)) as (app, pilot):
        await pilot.press("l")
        await pilot.pause()
        assert isinstance(app.screen, SectionPicker) and app.is_running
        for key in ("down", "pagedown", "end", "home"):
            await pilot.press(key)
            await pilot.pause()
        assert app.is_running
        await pilot.press("escape")
        assert app.is_running


EARLIER_NOTE = "[bold]no synthetic fallback[/bold]: fail when the file is missing"
DATA_WITH_FALLBACK = """\
def load_rows(path):
    try:
        with open(path) as handle:
            return [line.split(",") for line in handle]
    except FileNotFoundError:
        return [["synthetic", "row"]]
"""


async def test_a_chunk_that_reopened_an_earlier_flag_shows_its_note_as_plain_text(
    git_repo: GitRepo,
) -> None:
    git_repo.write("SPEC.md", "# Plan\n\n## 1 Data\n\nLoad the rows with `load_rows`.\n")
    git_repo.commit("spec")
    git_repo.write("src/data.py", DATA_WITH_FALLBACK)
    git_repo.commit("Load the rows\n\nSpec: 1-data")
    session = ReviewSession.open(git_repo.root, lock=True)
    try:
        session.flag(session.chunks[0].id, EARLIER_NOTE)
    finally:
        session.close()
    assert main(["checkpoint", "--repo", str(git_repo.root)]) == 0
    git_repo.write("src/data.py", DATA_WITH_FALLBACK.replace('"synthetic", "row"', "[]"))
    async with review(git_repo.root) as (app, pilot):
        screen = screen_of(app)
        await app.workers.wait_for_complete()
        await pilot.pause()
        chunk = screen.chunk
        assert chunk is not None and chunk.path == "src/data.py"
        assert [flag.note for flag in screen.earlier[chunk.id]] == [EARLIER_NOTE]
        shown = screen.query_one(FindingsPanel).render()
        text = shown.plain if isinstance(shown, Content) else str(shown)
        assert "flagged earlier" in text and EARLIER_NOTE in text  # the brackets kept as typed
