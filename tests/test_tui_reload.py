"""QA round "rounds", D6: `R` reloads the review from disk in a worker, keeps the reviewer's place
and decisions and says what changed; the app never exports a review of code no longer on disk."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import DataTable, Input

from reviewtui.core.session import ReviewSession
from reviewtui.tui.app import ReviewApp
from reviewtui.tui.reloading import ReloadSummary, code_fingerprint
from reviewtui.tui.screens.dialogs import TextDialog
from reviewtui.tui.screens.help import HelpScreen
from reviewtui.tui.screens.requests import PROMPT_FILE, STALE_PROMPT, RequestQueueScreen
from reviewtui.tui.screens.review import STALE_EXPORT, ReviewScreen
from reviewtui.tui.widgets.status_bar import STALE_MARK, StatusBar
from tests.gitrepo import GitRepo
from tests.tui_support import (
    MODEL_PY,
    build_toy_repo,
    review,
    screen_of,
    state_file,
    type_and_enter,
)

EXTRA_PY = """\
def normalise(vector):
    total = sum(vector)
    return [value / total for value in vector]
"""


@pytest.fixture
def toy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> GitRepo:
    repo, _ = build_toy_repo(tmp_path / "toy", monkeypatch)
    return repo


def messages(app: ReviewApp) -> list[str]:
    return [str(notification.message) for notification in app._notifications]


async def reload(app: ReviewApp, pilot: Pilot[Any]) -> None:
    """Press R and wait for the reload worker and the new screen."""
    await pilot.press("R")
    await app.workers.wait_for_complete()
    await pilot.pause()
    await pilot.pause()


def chunk_ids(session: ReviewSession, path: str) -> list[str]:
    return [chunk.id for chunk in session.chunks if chunk.path == path]


def agent_works_on(repo: GitRepo) -> None:
    """The agent edits mean_pool, removes the scorer and adds a helper, uncommitted."""
    repo.write(
        "src/toy/model.py", MODEL_PY.replace("return [value / len(vectors)", "return [v / 2")
    )
    repo.remove("src/toy/score.py")
    repo.write("src/toy/extra.py", EXTRA_PY)


async def test_reload_says_what_changed_keeps_decisions_and_the_chunk_in_view(
    toy: GitRepo,
) -> None:
    async with review(toy.root) as (app, pilot):
        old = app.session
        assert old is not None
        [kept] = [c.id for c in old.chunks if c.symbol == "load_rows"]
        [pooled] = chunk_ids(old, "src/toy/model.py")
        screen_of(app).go_to_chunk(kept)
        await pilot.press("a")  # approved, then the agent goes on working
        screen_of(app).go_to_chunk(pooled)
        await pilot.press("tab")  # the outline has the focus
        agent_works_on(toy)
        await reload(app, pilot)

        new = app.session
        assert new is not None and new is not old
        assert chunk_ids(new, "src/toy/score.py") == []
        assert chunk_ids(new, "src/toy/extra.py")
        [edited] = chunk_ids(new, "src/toy/model.py")
        assert edited != pooled
        assert screen_of(app).navigator.chunk_id == edited  # the edited version of the chunk
        assert app.focused is not None and app.focused.id == "outline"
        assert new.decision(kept).status == "approved"
        added = len(chunk_ids(new, "src/toy/extra.py"))
        gone = len(chunk_ids(old, "src/toy/score.py"))
        expected = (
            f"Reloaded: {added} new chunk{'s' if added != 1 else ''}, 1 changed, {gone} gone."
        )
        assert expected in messages(app)
        status = str(screen_of(app).query_one(StatusBar).render())
        assert f"1/{len(new.chunks)} reviewed" in status


async def test_reload_is_listed_and_keeps_what_is_decided_meanwhile(toy: GitRepo) -> None:
    async with review(toy.root) as (app, pilot):
        commands = {command.title for command in app.get_system_commands(app.screen)}
        assert "Reload from disk" in commands
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        table = app.screen.query_one(DataTable)
        rows = [
            tuple(str(cell).strip() for cell in table.get_row_at(i)) for i in range(table.row_count)
        ]
        assert ("R", "Reload from disk") in rows
        await pilot.press("escape")

        old = app.session
        chunk_id = screen_of(app).navigator.chunk_id
        assert old is not None and chunk_id is not None
        app.reload_session()  # the worker runs while the reviewer goes on
        await pilot.press("a")
        await app.workers.wait_for_complete()
        await pilot.pause()
        await pilot.pause()
        assert app.session is not old
        assert "Reloaded: nothing changed." in messages(app)
        assert app.session.state is old.state and app.session.state.locked_by_me
        assert app.session.decision(chunk_id).status == "approved"
        screen_of(app).go_to_chunk(chunk_id)
        await pilot.press("u")  # saving still works: the reloaded session holds the lock
        assert state_file(toy.root)["decisions"][chunk_id]["status"] == "pending"


async def test_a_reload_waits_for_the_open_dialog_and_its_answer_is_saved(toy: GitRepo) -> None:
    async with review(toy.root) as (app, pilot):
        old = app.session
        chunk_id = screen_of(app).navigator.chunk_id
        assert chunk_id is not None
        await pilot.press("f")
        assert isinstance(app.screen, TextDialog)
        app.reload_session()
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert isinstance(app.screen, TextDialog) and app.session is old  # not under the dialog
        app.screen.query_one(Input).value = "seed must be 13"
        await pilot.press("enter")
        await pilot.pause()
        await pilot.pause()
        assert isinstance(app.screen, ReviewScreen) and app.session is not old
        assert screen_of(app).navigator.chunk_id == chunk_id
        decision = app.session.decision(chunk_id)
        assert (decision.status, decision.note) == ("flagged", "seed must be 13")
        assert state_file(toy.root)["decisions"][chunk_id]["note"] == "seed must be 13"


async def test_a_failed_reload_keeps_the_review(toy: GitRepo) -> None:
    async with review(toy.root) as (app, pilot):
        old = app.session
        (toy.root / "SPEC.md").unlink()  # no spec left to review against
        await reload(app, pilot)
        assert app.session is old and isinstance(app.screen, ReviewScreen)
        assert any(message.startswith("Not reloaded: ") for message in messages(app))


async def test_export_refuses_code_changed_on_disk_until_reloaded(toy: GitRepo) -> None:
    report = toy.root / ".reviewtui" / "review.md"
    async with review(toy.root) as (app, pilot):
        await pilot.press("a")
        agent_works_on(toy)
        await pilot.press("x")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert not report.exists()
        assert STALE_EXPORT in messages(app)
        assert STALE_MARK in str(screen_of(app).query_one(StatusBar).render())

        await reload(app, pilot)
        assert STALE_MARK not in str(screen_of(app).query_one(StatusBar).render())
        await pilot.press("x")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert report.is_file()
        written = report.read_text(encoding="utf-8")
    # what the CLI's `export` says at the same moment
    fresh = ReviewSession.open(toy.root, allow_empty=True)
    assert written == fresh.export_markdown()
    assert "src/toy/extra.py" in written  # the code on disk, not the code the app opened on


async def test_the_disk_check_marks_the_status_line(toy: GitRepo) -> None:
    async with review(toy.root) as (app, pilot):
        screen = screen_of(app)
        screen.check_disk()
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert not screen.stale
        toy.write("src/toy/extra.py", EXTRA_PY)
        screen.check_disk()
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert screen.stale
        assert STALE_MARK in str(screen.query_one(StatusBar).render())
        assert any("R reloads" in message for message in messages(app))


async def test_a_phase_that_ends_at_a_commit_is_not_watched(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo, base = build_toy_repo(tmp_path / "toy", monkeypatch)
    app = ReviewApp(repo.root, f"{base}..HEAD")
    async with app.run_test(size=(120, 40)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert screen_of(app).fingerprint is None
        repo.write("src/toy/extra.py", EXTRA_PY)  # not in the range under review
        await pilot.press("x")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert (repo.root / ".reviewtui" / "review.md").is_file()


def test_the_fingerprint_follows_files_and_commits(toy: GitRepo) -> None:
    first = code_fingerprint(toy.root)
    assert code_fingerprint(toy.root) == first
    toy.write("src/toy/extra.py", EXTRA_PY)
    edited = code_fingerprint(toy.root)
    assert edited != first
    toy.commit("helper")
    assert code_fingerprint(toy.root) != edited  # same files, a new commit
    (toy.root / ".reviewtui").mkdir(exist_ok=True)
    committed = code_fingerprint(toy.root)
    (toy.root / ".reviewtui" / "review.md").write_text("# review\n", encoding="utf-8")
    assert code_fingerprint(toy.root) == committed  # reviewtui's own folder is not code


def test_the_summary_pairs_an_edited_chunk_with_its_new_version(toy: GitRepo) -> None:
    before = ReviewSession.open(toy.root)
    agent_works_on(toy)
    after = ReviewSession.open(toy.root)
    summary = ReloadSummary.between(before.chunks, after.chunks)
    assert summary.changed == {
        chunk_ids(before, "src/toy/model.py")[0]: chunk_ids(after, "src/toy/model.py")[0]
    }
    assert summary.gone == chunk_ids(before, "src/toy/score.py")
    assert summary.added == chunk_ids(after, "src/toy/extra.py")


def test_the_fingerprint_of_a_subfolder_is_the_whole_repo(toy: GitRepo) -> None:
    whole = code_fingerprint(toy.root)
    assert code_fingerprint(toy.root / "src") == whole
    toy.write("README.md", "# toy, edited\n")  # outside the subfolder
    assert code_fingerprint(toy.root / "src") != whole


def test_the_fingerprint_of_a_repo_without_commits(tmp_path: Path) -> None:
    repo = GitRepo.init(tmp_path / "fresh")
    repo.write("a.py", "x = 1\n")
    first = code_fingerprint(repo.root)
    assert first.startswith("-:")
    repo.write("a.py", "x = 2\n")
    assert code_fingerprint(repo.root) != first


async def test_the_queue_does_not_write_a_prompt_for_code_changed_on_disk(toy: GitRepo) -> None:
    prompt = toy.root / ".reviewtui" / PROMPT_FILE
    async with review(toy.root) as (app, pilot):
        await pilot.press("r")
        await type_and_enter(pilot, "src/toy/data.py:1-8: read lazily")
        toy.write("src/toy/extra.py", EXTRA_PY)
        await pilot.press("Q")  # opening the queue looks at the disk
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert isinstance(app.screen, RequestQueueScreen)
        await pilot.press("x")
        assert not prompt.exists()
        assert STALE_PROMPT in messages(app)
        await pilot.press("escape")
        await reload(app, pilot)
        await pilot.press("Q")
        await app.workers.wait_for_complete()
        await pilot.press("x")
        assert "read lazily" in prompt.read_text(encoding="utf-8")


def test_an_export_written_while_the_app_is_open_does_not_change_the_fingerprint(
    toy: GitRepo,
) -> None:
    session = ReviewSession.open(toy.root)
    session.export_to(toy.root / "review.md")
    before = code_fingerprint(toy.root)
    session.approve(session.chunks[0].id)
    session.export_to(toy.root / "review.md")  # another text, still reviewtui's own
    assert code_fingerprint(toy.root) == before
    (toy.root / "review.md").write_text("# the agent's notes\n", encoding="utf-8")
    assert code_fingerprint(toy.root) != before  # changed by someone else: part of the phase


async def test_the_stale_mark_stays_whole_on_a_narrow_status_line(toy: GitRepo) -> None:
    async with review(toy.root, size=(70, 24)) as (app, pilot):
        screen = screen_of(app)
        await pilot.press("slash")
        await type_and_enter(pilot, "model")  # one more part on the line: the filter
        screen.mark_stale()
        await pilot.pause()
        bar = screen.query_one(StatusBar)
        shown = str(bar.render())[: bar.content_size.width]  # a line too long is cut at the end
        assert STALE_MARK in shown  # the mark comes before the filter, which is cut
