"""The session and `.reviewtui/state.json`: an export beside the open app keeps every decision, and
a mutation whose save fails leaves memory as it was (memory and disk never disagree)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from reviewtui.cli import main
from reviewtui.core.session import ReviewSession
from reviewtui.errors import ReviewError
from tests.gitrepo import GitRepo

SPEC = """\
# Plan

## 1 Data

Load the ratings with `load_ratings`.

## 2 Training

Train with `fit_model` for 10 epochs.
"""


@pytest.fixture
def root(git_repo: GitRepo) -> Path:
    git_repo.write("SPEC.md", SPEC)
    git_repo.commit("spec")
    git_repo.write("src/data.py", "def load_ratings(path):\n    return open(path).read()\n")
    git_repo.write("src/train.py", "def fit_model(model, epochs=10):\n    return model\n")
    return git_repo.root


def saved(root: Path) -> dict[str, object]:
    return json.loads((root / ".reviewtui" / "state.json").read_text(encoding="utf-8"))


def test_an_export_beside_the_open_app_keeps_every_decision(
    root: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    app = ReviewSession.open(root, lock=True)
    try:
        first, second = (chunk.id for chunk in app.chunks[:2])
        app.approve(first)
        assert main(["export", "--repo", str(root), "-o", str(root / "review.md")]) == 0
        app.flag(second, "why 10?")
    finally:
        app.close()
    assert (root / "review.md").is_file()
    decisions = saved(root)["decisions"]
    assert isinstance(decisions, dict) and set(decisions) == {first, second}
    reopened = ReviewSession.open(root)
    assert "review.md" not in {f.path for f in reopened.phase.files}
    assert reopened.decision(first).status == "approved"
    assert reopened.decision(second).note == "why 10?"


def test_open_with_the_lock_reads_after_taking_it(root: Path) -> None:
    app = ReviewSession.open(root, lock=True)
    try:
        assert app.state.locked_by_me
        with pytest.raises(ReviewError, match="already reviewing"):
            ReviewSession.open(root, lock=True)
    finally:
        app.close()
    assert not app.state.locked_by_me


def break_saves(root: Path) -> None:
    """The next atomic replace of state.json fails (a folder in its place: chmod does not stop root)."""
    target = root / ".reviewtui" / "state.json"
    target.unlink(missing_ok=True)
    target.mkdir(parents=True)


def test_a_failed_save_leaves_decisions_and_links_as_they_were(root: Path) -> None:
    session = ReviewSession.open(root)
    chunk = session.chunks[0].id
    section = session.link(chunk).section_id
    session.approve(chunk)
    break_saves(root)
    with pytest.raises(ReviewError, match="cannot save"):
        session.flag(chunk, "wrong")
    with pytest.raises(ReviewError):
        session.reset(chunk)
    with pytest.raises(ReviewError):
        session.relink(chunk, None)
    assert session.decision(chunk).status == "approved" and session.decision(chunk).note is None
    assert chunk not in session.state.manual_links
    assert session.link(chunk).section_id == section
    assert session.progress().approved == 1


def test_a_failed_save_leaves_the_request_queue_as_it_was(root: Path) -> None:
    session = ReviewSession.open(root)
    one = session.add_request(session.chunks[0].id, "refactor", "split it")
    two = session.add_request(None, "question", "why?")
    break_saves(root)
    with pytest.raises(ReviewError):
        session.add_request(None, "test", "cover it")
    with pytest.raises(ReviewError):
        session.update_request(one.id, text="other", status="done")
    with pytest.raises(ReviewError):
        session.move_request(two.id, -1)
    with pytest.raises(ReviewError):
        session.delete_request(one.id)
    assert session.requests == [one, two]
    assert session.requests[0] is one
    assert (one.text, one.status) == ("split it", "open")
    assert session.progress().requests_open == 2
