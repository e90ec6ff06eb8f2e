"""Exports and phases (review N7): a path the review was exported to leaves a phase only while it
holds a text reviewtui exported there. An export the agent (or anyone) wrote over since, and one an
older reviewtui recorded without what it wrote, is reviewed with a warning. `exports.json` keeps its
version; the hashes are an optional key, so an older file (and the `exports` of `state.json`) still
reads. Real repositories in tmp_path, the real `reviewtui` commands."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from reviewtui.cli import main
from reviewtui.core import gitrange
from reviewtui.core.phasefiles import review_files
from reviewtui.core.session import ReviewSession
from reviewtui.core.spec import load_spec
from reviewtui.core.state import EXPORT_HASHES_KEPT, ExportPaths, ReviewState, export_hash
from tests.gitrepo import GitRepo

SPEC = "# S\n\n## 1 Train\n\nTrain with lr 2e-5.\n"
AGENT_NOTES = "# Results\n\nWe evaluated on 100 examples only; accuracy 0.99.\n"
CHANGED = "was exported to by reviewtui but has changed since: reviewed as part of the phase"
UNKNOWN = "which did not record what it wrote"


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def status(repo: GitRepo, capsys: pytest.CaptureFixture[str], *args: str) -> dict[str, Any]:
    code, out, err = run(capsys, "status", "--json", "--repo", str(repo.root), *args)
    assert code == 0, err
    data: dict[str, Any] = json.loads(out)
    return data


def phase_paths(data: dict[str, Any]) -> set[str]:
    return {chunk["path"] for chunk in data["chunks"]}


def export(repo: GitRepo, capsys: pytest.CaptureFixture[str], path: str) -> None:
    """`export -o path --force`: these exports write over the notes (tracked) and over the agent's
    text on purpose; without --force, test_gaps4_export_target shows, they are refused."""
    target = str(repo.root / path)
    code, _, err = run(capsys, "export", "--repo", str(repo.root), "-o", target, "--force")
    assert code == 0, err


def checkpoint(repo: GitRepo, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "checkpoint", "--repo", str(repo.root))
    assert code == 0, err


def exports_json(repo: GitRepo) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((repo.root / ".reviewtui" / "exports.json").read_text())
    return data


@pytest.fixture
def repo(git_repo: GitRepo, capsys: pytest.CaptureFixture[str]) -> GitRepo:
    """The repro's repo: SPEC.md, train.py and docs/notes.md committed, a checkpoint, then the
    agent's first phase (train.py) exported to docs/notes.md and checkpointed."""
    git_repo.write("SPEC.md", SPEC)
    git_repo.write("train.py", "lr = 2e-5\n")
    git_repo.write("docs/notes.md", "notes\n")
    git_repo.commit("base")
    checkpoint(git_repo, capsys)
    git_repo.write("train.py", "lr = 2e-5  # tuned\n")
    export(git_repo, capsys, "docs/notes.md")
    checkpoint(git_repo, capsys)
    return git_repo


# --------------------------------------------------------------------------- the phase


def test_an_export_the_agent_rewrote_is_reviewed_with_a_warning(
    repo: GitRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    repo.write("docs/notes.md", AGENT_NOTES)
    repo.write("train.py", "lr = 1e-3\n")
    data = status(repo, capsys)
    assert phase_paths(data) == {"docs/notes.md", "train.py"}
    assert f"docs/notes.md {CHANGED}" in data["warnings"]
    added = [chunk for chunk in data["chunks"] if chunk["path"] == "docs/notes.md"]
    assert added and all(chunk["status"] == "pending" for chunk in added)


def test_an_export_left_as_exported_stays_out_without_a_warning(
    repo: GitRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    repo.write("train.py", "lr = 1e-3\n")
    data = status(repo, capsys)
    assert phase_paths(data) == {"train.py"}
    assert not any("exported to" in warning for warning in data["warnings"])


def test_a_new_export_over_the_agents_text_leaves_the_phase_again(
    repo: GitRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    repo.write("docs/notes.md", AGENT_NOTES)
    repo.write("train.py", "lr = 1e-3\n")
    assert "docs/notes.md" in phase_paths(status(repo, capsys))
    export(repo, capsys, "docs/notes.md")  # the reviewer exports this phase's review over it
    data = status(repo, capsys)
    assert phase_paths(data) == {"train.py"}
    assert not any("exported to" in warning for warning in data["warnings"])
    assert len(exports_json(repo)["sha256"]["docs/notes.md"]) == 2


def test_an_export_the_agent_changed_back_to_an_exported_text_stays_out(
    repo: GitRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    exported = (repo.root / "docs" / "notes.md").read_bytes()
    repo.write("docs/notes.md", AGENT_NOTES)
    repo.write("train.py", "lr = 1e-3\n")
    checkpoint(repo, capsys)  # the agent's notes are the base now
    repo.write("docs/notes.md", exported)  # the text reviewtui wrote, again
    data = status(repo, capsys)
    assert "docs/notes.md" not in phase_paths(data)


def test_an_export_deleted_in_the_phase_stays_out_and_an_agents_text_deleted_is_reviewed(
    repo: GitRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    repo.remove("docs/notes.md")
    repo.write("train.py", "lr = 1e-3\n")
    assert phase_paths(status(repo, capsys)) == {"train.py"}
    repo.write("docs/notes.md", AGENT_NOTES)
    checkpoint(repo, capsys)
    repo.remove("docs/notes.md")
    data = status(repo, capsys)
    assert "docs/notes.md" in phase_paths(data)
    assert f"docs/notes.md {CHANGED}" in data["warnings"]


def test_a_committed_range_reads_the_export_as_committed(
    repo: GitRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    base = repo.head()
    repo.commit("the review, as exported")  # docs/notes.md holds the export at this commit
    exported = repo.head()
    data = status(repo, capsys, f"{base}..{exported}")
    assert phase_paths(data) == {"train.py"}
    repo.write("docs/notes.md", AGENT_NOTES)
    agents = repo.commit("the agent's notes")
    data = status(repo, capsys, f"{base}..{agents}")
    assert phase_paths(data) == {"docs/notes.md", "train.py"}
    assert f"docs/notes.md {CHANGED}" in data["warnings"]


def test_an_export_inside_a_session_is_left_out_of_the_phase_reopened(
    repo: GitRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    repo.write("train.py", "lr = 1e-3\n")
    session = ReviewSession.open(repo.root)
    try:
        session.export_to(repo.root / "REVIEW.md")
    finally:
        session.close()
    reopened = ReviewSession.open(repo.root)
    try:
        assert {file.path for file in reopened.phase.files} == {"train.py"}
    finally:
        reopened.close()


# --------------------------------------------------------------------------- older entries


def test_an_older_export_entry_without_a_hash_is_reviewed_when_it_changes(
    repo: GitRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    older = {"version": 1, "exports": ["docs/notes.md"]}  # as reviewtui 0.1.0 wrote it
    (repo.root / ".reviewtui" / "exports.json").write_text(json.dumps(older))
    repo.write("train.py", "lr = 1e-3\n")
    assert phase_paths(status(repo, capsys)) == {"train.py"}  # unchanged: not in the diff at all
    repo.write("docs/notes.md", AGENT_NOTES)
    data = status(repo, capsys)
    assert phase_paths(data) == {"docs/notes.md", "train.py"}
    assert any(w.startswith("docs/notes.md") and UNKNOWN in w for w in data["warnings"])
    export(repo, capsys, "docs/notes.md")  # exporting again records what was written
    assert phase_paths(status(repo, capsys)) == {"train.py"}
    assert exports_json(repo)["exports"] == ["docs/notes.md"]


def test_the_exports_of_an_older_state_file_are_exports_of_unknown_content(
    repo: GitRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    (repo.root / ".reviewtui" / "exports.json").unlink()
    state_path = repo.root / ".reviewtui" / "state.json"
    state = json.loads(state_path.read_text())
    state_path.write_text(json.dumps({**state, "exports": ["docs/notes.md"]}))
    repo.write("docs/notes.md", AGENT_NOTES)
    data = status(repo, capsys)
    assert "docs/notes.md" in phase_paths(data)
    assert any(w.startswith("docs/notes.md") and UNKNOWN in w for w in data["warnings"])


def test_a_plain_list_of_paths_is_read_as_exports_of_unknown_content(repo: GitRepo) -> None:
    repo.write("docs/notes.md", AGENT_NOTES)
    last = ReviewState.load(repo.root).last_checkpoint
    assert last is not None
    phase = gitrange.resolve_phase(repo.root, None, last.sha)
    spec = load_spec(repo.root, ["SPEC.md"])
    reviewed = review_files(repo.root, phase, spec, ["docs/notes.md"])
    assert reviewed.changed_exports == ["docs/notes.md"]
    assert [file.path for file in reviewed.files] == ["docs/notes.md"]
    assert "docs/notes.md" not in reviewed.left_out
    recorded = ExportPaths(["docs/notes.md"], {"docs/notes.md": [export_hash(b"x")]})
    phase = gitrange.resolve_phase(repo.root, None, last.sha)
    again = review_files(repo.root, phase, spec, recorded)
    assert again.changed_exports == ["docs/notes.md"]
    assert any(CHANGED in warning for warning in phase.warnings)


# --------------------------------------------------------------------------- exports.json


def test_each_export_records_the_hash_of_the_text_written(repo: GitRepo) -> None:
    recorded = exports_json(repo)
    assert recorded["version"] == 1 and recorded["exports"] == ["docs/notes.md"]
    written = (repo.root / "docs" / "notes.md").read_bytes()
    assert recorded["sha256"] == {"docs/notes.md": [export_hash(written)]}
    assert ReviewState.load(repo.root).exports.hashes == recorded["sha256"]  # type: ignore[attr-defined]


def test_the_hashes_kept_per_path_are_bounded_and_not_repeated(tmp_path: Path) -> None:
    state = ReviewState.load(tmp_path)
    for index in range(EXPORT_HASHES_KEPT + 3):
        state.record_export(tmp_path / "r.md", f"review {index}\n".encode())
    state.record_export(tmp_path / "r.md", b"review 5\n")  # again: moved to the end, once
    hashes = json.loads((tmp_path / ".reviewtui" / "exports.json").read_text())["sha256"]["r.md"]
    kept = [i for i in range(3, EXPORT_HASHES_KEPT + 3) if i != 5] + [5]
    assert hashes == [export_hash(f"review {i}\n".encode()) for i in kept]
    assert ReviewState.load(tmp_path).exports == ["r.md"]


def test_an_export_that_cannot_be_read_back_is_recorded_without_a_hash(tmp_path: Path) -> None:
    state = ReviewState.load(tmp_path)
    assert state.record_export(tmp_path / "gone.md") == "gone.md"
    recorded = json.loads((tmp_path / ".reviewtui" / "exports.json").read_text())
    assert recorded == {"version": 1, "exports": ["gone.md"]}  # the older format exactly


def test_a_hash_entry_of_the_wrong_shape_is_dropped_with_a_warning_not_the_file(
    tmp_path: Path,
) -> None:
    folder = tmp_path / ".reviewtui"
    folder.mkdir()
    good = export_hash(b"ok")
    payload = {
        "version": 1,
        "exports": ["a.md", "b.md", "c.md"],
        "sha256": {"a.md": [good], "b.md": ["not-a-hash"], "c.md": 3, "gone.md": [good]},
    }
    (folder / "exports.json").write_text(json.dumps(payload))
    state = ReviewState.load(tmp_path)
    assert state.exports == ["a.md", "b.md", "c.md"]
    assert state.exports.hashes == {"a.md": [good]}  # type: ignore[attr-defined]
    (warning,) = state.warnings
    assert "2 entries of the wrong shape" in warning and "'b.md'" in warning
    assert not any(path.name.startswith("exports.json.corrupt-") for path in folder.iterdir())
    state.record_export(tmp_path / "b.md", b"new")  # rewriting keeps the good, drops the bad
    again = json.loads((folder / "exports.json").read_text())
    assert again["sha256"] == {"a.md": [good], "b.md": [export_hash(b"new")]}


def test_an_older_reviewtui_reading_the_new_file_finds_a_list_of_paths(repo: GitRepo) -> None:
    """What 0.1.0's reader checks: a version it knows, `exports` a list of non-empty strings."""
    recorded = exports_json(repo)
    assert recorded["version"] == 1
    assert isinstance(recorded["exports"], list)
    assert all(isinstance(path, str) and path for path in recorded["exports"])


def test_a_snapshots_plain_list_of_exports_records_with_hashes(tmp_path: Path) -> None:
    state = ReviewState.load(tmp_path)
    state.exports = ["old.md"]  # what `ReviewSession.snapshot` assigns
    state.record_export(tmp_path / "new.md", b"text")
    assert state.exports == ["old.md", "new.md"]
    assert state.exports.hashes == {"new.md": [export_hash(b"text")]}  # type: ignore[attr-defined]
