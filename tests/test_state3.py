"""The review state read entry by entry (review N9), and the state parts of review N14: a deeply
nested file, flock errors that are not "held", a killed exporter's temp files. Real repositories and
real files in tmp_path; the real command line."""

from __future__ import annotations

import errno
import fcntl
import json
from dataclasses import asdict
from pathlib import Path
from typing import Any

import pytest

from reviewtui.cli import main
from reviewtui.core.models import Decision, Request
from reviewtui.core.session import ReviewSession
from reviewtui.core.state import STATE_VERSION, ReviewState
from reviewtui.errors import ReviewError
from tests.gitrepo import GitRepo

SPEC = "# S\n\n## 1 Data\n\nload data\n"
CODE = "def load():\n    return 1\n\n\n\n\n\n\ndef save():\n    return 2\n"


def write_state(root: Path, data: dict[str, Any]) -> bytes:
    folder = root / ".reviewtui"
    folder.mkdir(exist_ok=True)
    raw = json.dumps({"version": STATE_VERSION, **data}, indent=2).encode()
    (folder / "state.json").write_bytes(raw)
    return raw


def set_aside(root: Path) -> list[Path]:
    return sorted((root / ".reviewtui").glob("state.json.corrupt-*"))


def status_json(capsys: pytest.CaptureFixture[str], root: Path) -> tuple[dict[str, Any], str]:
    code = main(["status", "--json", "--no-llm", "--repo", str(root)])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    return json.loads(captured.out), captured.err


# --------------------------------------------------------------------------- N9


@pytest.fixture
def reviewed(git_repo: GitRepo) -> GitRepo:
    """Two approved chunks and one `fix` request, saved by a real session."""
    git_repo.write("SPEC.md", SPEC)
    git_repo.commit("spec")
    git_repo.write("a.py", CODE)
    session = ReviewSession.open(git_repo.root, no_llm=True)
    assert len(session.chunks) == 2
    for chunk in session.chunks:
        session.approve(chunk.id)
    session.add_request(session.chunks[0].id, "fix", "rename it")
    return git_repo


def test_a_request_of_an_unknown_kind_keeps_every_decision_in_status(
    reviewed: GitRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    """The reviewer's repro: `"kind": "fix"` edited to `"docs"` used to set the whole state aside."""
    state_file = reviewed.root / ".reviewtui" / "state.json"
    state_file.write_text(state_file.read_text().replace('"kind": "fix"', '"kind": "docs"'))
    edited = state_file.read_bytes()
    report, err = status_json(capsys, reviewed.root)
    assert [chunk["status"] for chunk in report["chunks"]] == ["approved", "approved"]
    assert report["requests"] == []
    assert "requests[0].kind must be one of refactor" in err and "not 'docs'" in err
    assert "newer reviewtui" in err
    assert state_file.read_bytes() == edited  # a read-only command moves nothing
    assert set_aside(reviewed.root) == []


def test_an_entry_of_an_unknown_kind_is_written_back_untouched(reviewed: GitRepo) -> None:
    state_file = reviewed.root / ".reviewtui" / "state.json"
    data = json.loads(state_file.read_text())
    data["requests"][0]["kind"] = "docs"
    data["requests"].append({"id": "R2", "chunk_id": None, "kind": "fix", "text": "second"})
    data["decisions"]["c-new"] = {"chunk_id": "c-new", "status": "deferred", "note": "later"}
    data["decisions"]["c-old"] = {"chunk_id": "c-old", "status": "deferred"}
    state_file.write_text(json.dumps(data))
    foreign_request = data["requests"][0]

    state = ReviewState.load(reviewed.root, lock=True)
    try:
        assert [request.id for request in state.requests] == ["R2"]
        assert "c-new" not in state.decisions and "c-old" not in state.decisions
        assert state.kept_request_ids == ["R1"]
        state.decisions["c-old"] = Decision("c-old", "approved")  # decided again: this one wins
        state.requests.append(Request("R3", None, "test", "third"))
        state.save()
    finally:
        state.release_lock()

    saved = json.loads(state_file.read_text())
    assert saved["requests"] == [
        foreign_request,  # back where it was read
        asdict(Request("R2", None, "fix", "second")),
        asdict(Request("R3", None, "test", "third")),
    ]
    assert saved["decisions"]["c-new"] == {
        "chunk_id": "c-new",
        "status": "deferred",
        "note": "later",
    }
    assert saved["decisions"]["c-old"]["status"] == "approved"
    assert set_aside(reviewed.root) == []  # nothing was dropped: no copy needed


def test_one_corrupt_entry_is_left_out_the_rest_read_and_the_file_kept(tmp_path: Path) -> None:
    raw = write_state(
        tmp_path,
        {
            "decisions": {
                "c1": {"chunk_id": "c1", "status": "approved"},
                "c2": {"chunk_id": "c2", "status": "flagged", "note": 5},
                "c3": {"chunk_id": "c4"},
            },
            "requests": [
                {"id": "R1", "chunk_id": None, "kind": "fix", "text": None},
                {"id": "R2", "chunk_id": "c1", "kind": "test", "text": "cover it"},
            ],
            "manual_links": {"c1": "1-data", "c2": 7},
            "checkpoints": [{"sha": 5, "head": "h", "created": "t"}],
            "exports": ["review.md", 3],
        },
    )
    state = ReviewState.load(tmp_path)
    assert state.decisions == {"c1": Decision("c1", "approved")}
    assert [request.id for request in state.requests] == ["R2"]
    assert state.manual_links == {"c1": "1-data"} and state.checkpoints == []
    assert state.exports == ["review.md"]
    (warning,) = state.warnings
    assert "6 entries" in warning and "corrupt" in warning and "\n" not in warning
    assert "decisions['c2'].note must be a string or null, not 5" in warning
    assert "and 3 more" in warning
    (aside,) = set_aside(tmp_path)
    assert aside.read_bytes() == raw and f".reviewtui/{aside.name}" in warning
    assert state.path.read_bytes() == raw  # a reader leaves state.json as it is

    assert ReviewState.load(tmp_path).warnings == [warning]  # the same copy, named again
    assert set_aside(tmp_path) == [aside]
    state.decisions["c5"] = Decision("c5", "flagged", note="why")
    state.save()
    assert set(json.loads(state.path.read_text())["decisions"]) == {"c1", "c5"}
    assert ReviewState.load(tmp_path).warnings == []
    assert aside.read_bytes() == raw


def test_a_section_of_the_wrong_type_is_the_only_thing_left_out(tmp_path: Path) -> None:
    write_state(
        tmp_path,
        {
            "decisions": [{"chunk_id": "c1"}],
            "requests": [{"id": "R1", "chunk_id": None, "kind": "question", "text": "why?"}],
        },
    )
    state = ReviewState.load(tmp_path)
    assert state.decisions == {} and [request.text for request in state.requests] == ["why?"]
    (warning,) = state.warnings
    assert "decisions is not an object" in warning


def test_a_deeply_nested_value_in_an_entry_is_reported_in_one_bounded_line(
    tmp_path: Path,
) -> None:
    nested: Any = "x"
    for _ in range(200):
        nested = [nested]
    write_state(tmp_path, {"decisions": {"c1": {"chunk_id": "c1", "note": nested}}})
    (warning,) = ReviewState.load(tmp_path).warnings
    assert "decisions['c1'].note must be a string or null" in warning and len(warning) < 600


# --------------------------------------------------------------------------- who moves a file aside


def test_a_reader_leaves_a_corrupt_file_to_the_lock_holder(tmp_path: Path) -> None:
    folder = tmp_path / ".reviewtui"
    folder.mkdir()
    (folder / "state.json").write_bytes(b"{torn")
    holder = ReviewState.load(tmp_path, lock=True)  # the app, which moves it aside
    (folder / "state.json").write_bytes(b"{torn again")  # a writer outside reviewtui, say
    try:
        reader = ReviewState.load(tmp_path)
        assert reader.decisions == {}
        (warning,) = reader.warnings
        assert "corrupt" in warning and "left as it is" in warning
        assert (folder / "state.json").read_bytes() == b"{torn again"
        assert len(set_aside(tmp_path)) == 1  # the holder's only
    finally:
        holder.release_lock()
    reader.decisions["c1"] = Decision("c1", "approved")
    reader.save()  # keeps the file it read aside before it writes
    kept = sorted(path.read_bytes() for path in set_aside(tmp_path))
    assert kept == [b"{torn", b"{torn again"]
    assert set(ReviewState.load(tmp_path).decisions) == {"c1"}


def test_a_reader_moves_a_corrupt_file_aside_only_under_the_lock(tmp_path: Path) -> None:
    folder = tmp_path / ".reviewtui"
    folder.mkdir()
    (folder / "state.json").write_bytes(b"[1, 2")
    state = ReviewState.load(tmp_path)
    (aside,) = set_aside(tmp_path)
    assert aside.read_bytes() == b"[1, 2" and not state.path.exists()
    assert not state.locked_by_me
    ReviewState.load(tmp_path, lock=True).release_lock()  # and released it after


# --------------------------------------------------------------------------- N14


def test_a_deeply_nested_state_file_is_set_aside_not_a_traceback(
    git_repo: GitRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    git_repo.write("SPEC.md", SPEC)
    git_repo.commit("spec")
    git_repo.write("a.py", CODE)
    folder = git_repo.root / ".reviewtui"
    folder.mkdir()
    deep = b"[" * 200_000 + b"]" * 200_000
    (folder / "state.json").write_bytes(deep)
    report, err = status_json(capsys, git_repo.root)
    assert {chunk["status"] for chunk in report["chunks"]} == {"pending"}
    assert "the review state was corrupt" in err and "recursion" in err
    (aside,) = set_aside(git_repo.root)
    assert aside.read_bytes() == deep


def test_a_deeply_nested_exports_file_is_set_aside(tmp_path: Path) -> None:
    folder = tmp_path / ".reviewtui"
    folder.mkdir()
    (folder / "exports.json").write_bytes(b"[" * 200_000 + b"]" * 200_000)
    (warning,) = ReviewState.load(tmp_path).warnings
    assert "exports was corrupt" in warning
    assert any(path.name.startswith("exports.json.corrupt-") for path in folder.iterdir())


def test_a_flock_error_other_than_held_is_reported_as_it_is(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_locks(descriptor: int, operation: int) -> None:
        raise OSError(errno.ENOLCK, "No locks available")

    state = ReviewState.load(tmp_path)
    monkeypatch.setattr(fcntl, "flock", no_locks)
    with pytest.raises(ReviewError) as caught:
        state.acquire_lock()
    message = str(caught.value)
    assert "No locks available" in message and "already reviewing" not in message
    assert not state.locked_by_me


def test_a_held_lock_is_still_reported_as_held(tmp_path: Path) -> None:
    with ReviewState.locked(tmp_path), pytest.raises(ReviewError, match="already reviewing"):
        ReviewState.load(tmp_path).acquire_lock()


def test_a_killed_exporters_temp_file_is_cleared_by_the_next_export(tmp_path: Path) -> None:
    state = ReviewState.load(tmp_path)
    state.ensure_folder()
    stale = state.folder / ".exports-k1ll3d.tmp"
    stale.write_text("{half")
    state.acquire_lock()  # the writer of state.json leaves it: a live exporter may own it
    state.release_lock()
    assert stale.exists()
    assert state.record_export(tmp_path / "review.md") == "review.md"
    assert not stale.exists()
    assert ReviewState.load(tmp_path).exports == ["review.md"]


def test_a_reader_that_cannot_lock_the_exports_leaves_a_corrupt_list_and_goes_on(
    tmp_path: Path,
) -> None:
    state = ReviewState.load(tmp_path)
    state.decisions["c1"] = Decision("c1", "approved")
    state.save()
    (state.folder / "exports.json").write_text('{"version": 1, "exports": 3}')
    (state.folder / "exports.lock").mkdir()  # cannot be opened as the lock
    again = ReviewState.load(tmp_path)
    assert set(again.decisions) == {"c1"} and again.exports == []
    (warning,) = again.warnings
    assert "exports is corrupt" in warning and "left as it is" in warning
    assert (state.folder / "exports.json").read_text() == '{"version": 1, "exports": 3}'
