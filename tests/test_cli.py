"""The `reviewtui` commands over real repositories: status, export, requests, checkpoint, and bad input."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from reviewtui.cli import main, terminal_safe
from reviewtui.core.session import ReviewSession
from tests.gitrepo import GitRepo

SPEC = """\
# Sentiment replication

## 1 Data

### 1.1 Source

Load the IMDB reviews from `data/imdb.csv` with `load_reviews`.

### 1.2 Tokenization

Pad on the right side to a max length of 256 tokens with the tokenizer.

## 2 Training

Train with learning rate 2e-5 for 3 epochs using the `train_model` loop.

## 3 Evaluation

Report accuracy on the full test set with `evaluate_accuracy`.
"""

DATA = '''\
"""Loading the reviews (spec 1.1)."""

import csv


def load_reviews(path):
    """Read the IMDB reviews csv into (text, label) pairs."""
    with open(path, newline="") as handle:
        rows = list(csv.DictReader(handle))
    return [(row["review"], int(row["label"])) for row in rows]
'''

TRAIN = '''\
"""Training loop (spec 2)."""


def train_model(model, batches, epochs=3, learning_rate=2e-5):
    """Train the model: epochs over the batches with the spec's learning rate."""
    for epoch in range(epochs):
        for batch in batches:
            model.step(batch, learning_rate)
    return model
'''


@pytest.fixture
def repo(git_repo: GitRepo) -> GitRepo:
    """A repo whose first commit holds the spec; the phase adds data loading and training."""
    git_repo.write("SPEC.md", SPEC)
    git_repo.commit("Add the spec")
    git_repo.git("checkout", "-q", "-b", "agent/phase-1")
    git_repo.write("src/data.py", DATA)
    git_repo.commit("Load the reviews\n\nSpec: 1.1")
    git_repo.write("src/train.py", TRAIN)
    return git_repo


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def status_json(capsys: pytest.CaptureFixture[str], root: Path, *extra: str) -> dict:
    code, out, err = run(capsys, "status", "--json", "--no-llm", "--repo", str(root), *extra)
    assert code == 0, err
    return json.loads(out)


# --------------------------------------------------------------------------- status


def test_status_json_follows_the_contract(
    repo: GitRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    data = status_json(capsys, repo.root)
    assert set(data) >= {"repo", "range", "specs", "sections", "chunks", "requests"}
    assert Path(data["repo"]) == repo.root.resolve()
    main_sha = repo.git("rev-parse", "main").strip()
    assert data["range"] == {"base": main_sha, "head": "WORKTREE"}
    assert data["specs"] == ["SPEC.md"]
    section = next(s for s in data["sections"] if s["id"] == "11-source")
    assert section == {
        "id": "11-source",
        "title": "1.1 Source",
        "kind": "heading",
        "task_id": None,
        "parent": "1-data",
        "level": 3,
        "spec": "SPEC.md",
        "line": 5,
        "chunks": section["chunks"],
        "approved": 0,
        "flagged": 0,
        "coverage": "implemented",
        "weak_evidence": False,
        "missing": False,
    }
    assert section["chunks"] >= 1
    chunk_keys = {
        "id",
        "path",
        "old_path",
        "change",
        "new_start",
        "new_lines",
        "old_start",
        "old_lines",
        "added",
        "removed",
        "section",
        "confidence",
        "evidence",
        "flags",
        "status",
        "note",
    }
    assert data["chunks"]
    for chunk in data["chunks"]:
        assert set(chunk) >= chunk_keys
        assert chunk["change"] in {"added", "modified", "deleted", "renamed", "binary"}
        assert chunk["status"] == "pending" and chunk["note"] is None
        for evidence in chunk["evidence"]:
            assert set(evidence) == {"kind", "detail", "score"}
    paths = {chunk["path"]: chunk for chunk in data["chunks"]}
    assert set(paths) == {"src/data.py", "src/train.py"}
    assert paths["src/data.py"]["section"] == "11-source"
    assert paths["src/train.py"]["section"] == "2-training"
    assert sum(c["added"] for c in data["chunks"] if c["path"] == "src/train.py") == TRAIN.count(
        "\n"
    )
    assert data["requests"] == []


def test_status_text_summarises(repo: GitRepo, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "status", "--repo", str(repo.root))
    assert code == 0
    first = out.splitlines()[0]
    assert first.startswith("changes: ") and "..WORKTREE" in first
    assert "0 approved" in first and "sections with no code" in first


def test_decisions_show_in_status_and_survive_reopening(
    repo: GitRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    session = ReviewSession.open(repo.root)
    data_chunk = session.chunks_in("11-source")[0]
    train_chunk = session.chunks_in("2-training")[0]
    session.approve(data_chunk.id)
    session.flag(train_chunk.id, "no warmup")
    session.add_request(train_chunk.id, "refactor", "split the loop")
    data = status_json(capsys, repo.root)
    by_id = {chunk["id"]: chunk for chunk in data["chunks"]}
    assert by_id[data_chunk.id]["status"] == "approved"
    assert (
        by_id[train_chunk.id]["status"] == "flagged"
        and by_id[train_chunk.id]["note"] == "no warmup"
    )
    assert data["requests"] == [
        {
            "id": "R1",
            "chunk": train_chunk.id,
            "kind": "refactor",
            "text": "split the loop",
            "status": "open",
            "location": train_chunk.location,
        }
    ]
    source = next(s for s in data["sections"] if s["id"] == "11-source")
    assert source["approved"] == 1


# --------------------------------------------------------------------------- export and requests


def test_export_markdown_has_every_part(repo: GitRepo, capsys: pytest.CaptureFixture[str]) -> None:
    repo.write("src/fmt.py", 'def fence():\n    return "```python"\n')
    session = ReviewSession.open(repo.root)
    chunk = session.chunks_in("2-training")[0]
    session.flag(chunk.id, "check the epochs")
    session.add_request(chunk.id, "simplify", "fold the loops")
    out_file = repo.root / "REVIEW.md"
    code, _, err = run(capsys, "export", "--repo", str(repo.root), "-o", str(out_file))
    assert code == 0 and "REVIEW.md" in err
    text = out_file.read_text()
    assert text.startswith("# Review of ")
    assert "## Summary" in text and "| 1.1 Source |" in text
    assert "### 2 Training (`2-training`)" in text
    assert "- Decision: **flagged** — check the epochs" in text
    assert "## Unlinked changes" in text
    assert "## Coverage" in text and "### Not implemented in this phase" in text
    assert "- 1.2 Tokenization (`12-tokenization`, SPEC.md:9)" in text
    assert "### R1 · simplify" in text and "fold the loops" in text
    assert "````diff\n" in text  # the fence outgrows the backticks inside the code
    code, stdout_text, _ = run(capsys, "export", "--repo", str(repo.root))
    assert code == 0 and stdout_text == text  # the export file itself never joins the phase


def test_requests_markdown_and_prompt(repo: GitRepo, capsys: pytest.CaptureFixture[str]) -> None:
    session = ReviewSession.open(repo.root)
    chunk = next(c for c in session.chunks_in("2-training") if c.symbol == "train_model")
    first = session.add_request(chunk.id, "refactor", "extract the optimizer step")
    session.add_request(None, "question", "why no validation split?")
    session.update_request(first.id, status="done")
    code, out, _ = run(capsys, "requests", "--repo", str(repo.root))
    assert code == 0 and "R2 · question" in out and "R1" not in out
    code, out, _ = run(capsys, "requests", "--repo", str(repo.root), "--all")
    assert "R1 · refactor (done)" in out
    session.update_request(first.id, status="open")
    code, out, _ = run(capsys, "requests", "--repo", str(repo.root), "--format", "prompt")
    assert code == 0
    assert f"1. Refactor in `{chunk.location}`: extract the optimizer step" in out
    assert "model.step(batch, learning_rate)" in out
    assert "2. Question: why no validation split?" in out
    assert "Spec: 2.1" in out  # the convention for reviewable commits is repeated


def test_no_requests(repo: GitRepo, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "requests", "--repo", str(repo.root))
    assert code == 0 and out == "" and "no open requests" in err


# --------------------------------------------------------------------------- checkpoints and phases


def test_checkpoint_starts_the_next_phase_and_keeps_decisions(
    repo: GitRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    session = ReviewSession.open(repo.root)
    decided = {chunk.path: chunk.id for chunk in session.chunks if chunk.symbol}
    for chunk in session.chunks:
        session.approve(chunk.id)
    code, out, err = run(capsys, "checkpoint", "--repo", str(repo.root))
    assert code == 0 and "checkpoint" in out and err == ""
    code, out, _ = run(capsys, "checkpoint", "--repo", str(repo.root))
    assert code == 0 and "nothing changed since checkpoint" in out
    assert len(ReviewSession.open(repo.root, "main").state.checkpoints) == 1
    code, out, _ = run(capsys, "status", "--repo", str(repo.root))
    assert code == 0 and "nothing to review" in out  # an empty phase is a state, not an error
    empty = status_json(capsys, repo.root)
    assert empty["chunks"] == [] and all(section["chunks"] == 0 for section in empty["sections"])

    repo.write("src/train.py", TRAIN.replace("epochs=3", "epochs=5"))
    data = status_json(capsys, repo.root)
    assert [chunk["path"] for chunk in data["chunks"]] == ["src/train.py"]
    assert data["chunks"][0]["status"] == "pending"

    # the whole range again: the untouched data chunk keeps its decision, the changed one is pending
    data = status_json(capsys, repo.root, "main")
    by_path = {chunk["path"]: chunk for chunk in data["chunks"]}
    assert by_path["src/data.py"]["id"] == decided["src/data.py"]
    assert by_path["src/data.py"]["status"] == "approved"
    assert by_path["src/train.py"]["status"] == "pending"


def test_explicit_ranges(repo: GitRepo, capsys: pytest.CaptureFixture[str]) -> None:
    data = status_json(capsys, repo.root, "main..HEAD")
    assert {chunk["path"] for chunk in data["chunks"]} == {"src/data.py"}
    assert data["range"]["head"] == repo.head()


def test_state_folder_is_never_reviewed(repo: GitRepo, capsys: pytest.CaptureFixture[str]) -> None:
    session = ReviewSession.open(repo.root)
    session.approve(session.chunks[0].id)
    repo.commit("commit everything, the state included")
    data = status_json(capsys, repo.root, "main")
    assert all(not chunk["path"].startswith(".reviewtui") for chunk in data["chunks"])


# --------------------------------------------------------------------------- bad input


def one_line_error(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    code, _, err = run(capsys, *args)
    assert code == 1
    assert err.count("\n") == 1 and err.startswith("reviewtui: error: "), err
    assert "Traceback" not in err
    return err


def test_not_a_git_repo(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    err = one_line_error(capsys, "status", "--repo", str(tmp_path))
    assert "not a git repository" in err


def test_unknown_revision(repo: GitRepo, capsys: pytest.CaptureFixture[str]) -> None:
    assert "unknown revision" in one_line_error(
        capsys, "status", "--repo", str(repo.root), "nosuchrev"
    )


def test_missing_spec(repo: GitRepo, capsys: pytest.CaptureFixture[str]) -> None:
    err = one_line_error(capsys, "status", "--repo", str(repo.root), "--spec", "NOPE.md")
    assert "NOPE.md" in err


def test_no_spec_at_all(git_repo: GitRepo, capsys: pytest.CaptureFixture[str]) -> None:
    git_repo.write("main.py", "print('hi')\n")
    git_repo.commit("code")
    assert "spec" in one_line_error(capsys, "status", "--repo", str(git_repo.root))


def test_headingless_spec_warns_and_goes_on(
    repo: GitRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    repo.write("NOTES.md", "just some prose about loading reviews\n")
    code, out, err = run(capsys, "status", "--repo", str(repo.root), "--spec", "NOTES.md")
    assert code == 0, err
    assert out.startswith("changes: ")
    assert err.startswith("reviewtui: warning: NOTES.md has no headings")


def test_corrupt_state_is_moved_aside_and_review_goes_on(
    repo: GitRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = repo.root / ".reviewtui"
    folder.mkdir()
    (folder / "state.json").write_text("{oops")
    data = status_json(capsys, repo.root)
    assert data["chunks"] and any("corrupt" in warning for warning in data["warnings"])
    assert any(".corrupt-" in path.name for path in folder.iterdir())


def test_second_instance_is_refused(repo: GitRepo, capsys: pytest.CaptureFixture[str]) -> None:
    first = ReviewSession.open(repo.root, lock=True)
    try:
        with pytest.raises(Exception, match="already reviewing"):
            ReviewSession.open(repo.root, lock=True)
        assert "already reviewing" in one_line_error(capsys, "checkpoint", "--repo", str(repo.root))
    finally:
        first.close()
    ReviewSession.open(repo.root, lock=True).close()


def test_usage_errors_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["status", "--bogus"])
    assert exit_info.value.code == 2
    with pytest.raises(SystemExit) as exit_info:
        main(["requests", "--format", "html"])
    assert exit_info.value.code == 2


@pytest.mark.parametrize(
    "command", ["", "status", "export", "requests", "checkpoint", "init", "demo"]
)
def test_every_command_has_help(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main([*([command] if command else []), "--help"])
    assert exit_info.value.code == 0
    assert "usage: reviewtui" in capsys.readouterr().out


def test_version_and_module_entry_point() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "reviewtui", "--version"],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ},
    )
    assert result.stdout.startswith("reviewtui ")


def test_terminal_safe_shows_escapes() -> None:
    assert terminal_safe("a\x1b[31mred\x07") == "a\\x1b[31mred\\x07"
    assert terminal_safe("line\nnext\ttab") == "line\nnext\ttab"


def test_checkpoint_warns_about_pending_chunks(
    repo: GitRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(capsys, "checkpoint", "--repo", str(repo.root))
    total = len(ReviewSession.open(repo.root, "main").chunks)
    assert code == 0
    assert err == f"reviewtui: warning: {total} of {total} chunks in this phase are still pending\n"


def test_failed_checkpoint_leaves_nothing_behind(
    git_repo: GitRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    assert "no commits yet" in one_line_error(capsys, "checkpoint", "--repo", str(git_repo.root))
    assert not (git_repo.root / ".reviewtui").exists()


def test_every_command_reports_a_corrupt_state(
    repo: GitRepo, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    for command in (
        ["export", "-o", str(tmp_path / "r.md")],
        ["checkpoint"],
        ["status"],
        ["requests"],
    ):
        folder = repo.root / ".reviewtui"
        folder.mkdir(exist_ok=True)
        (folder / "state.json").write_text("{oops")
        code, _, err = run(capsys, command[0], "--repo", str(repo.root), *command[1:])
        assert code == 0, err
        assert "reviewtui: warning: the review state was corrupt" in err, command


def test_a_mistyped_command_is_a_usage_error(
    repo: GitRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["statsu", "--repo", str(repo.root)])
    assert exit_info.value.code == 2
    assert "unknown command 'statsu' (did you mean 'status'?)" in capsys.readouterr().err


def test_the_app_refuses_to_start_without_a_terminal(
    repo: GitRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    err = one_line_error(capsys, "--repo", str(repo.root))
    assert "needs a terminal" in err
    assert "unknown revision: nope" in one_line_error(capsys, "nope", "--repo", str(repo.root))
    assert "not a git repository" in one_line_error(capsys, "--repo", str(repo.root.parent))


def test_git_missing_is_one_line(
    repo: GitRepo, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("PATH", str(repo.root))
    assert "git is not installed" in one_line_error(capsys, "status", "--repo", str(repo.root))


def test_a_full_disk_is_one_line(repo: GitRepo) -> None:
    if not Path("/dev/full").exists():
        pytest.skip("no /dev/full on this system")
    with open("/dev/full", "w") as full:
        result = subprocess.run(
            [sys.executable, "-m", "reviewtui", "status", "--json", "--repo", str(repo.root)],
            stdout=full,
            stderr=subprocess.PIPE,
            text=True,
            check=False,
        )
    assert result.returncode == 1
    assert result.stderr.startswith("reviewtui: error: cannot write the output")
    assert "Traceback" not in result.stderr


def test_the_prompt_does_not_repeat_the_prefilled_location(
    repo: GitRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    session = ReviewSession.open(repo.root)
    chunk = next(c for c in session.chunks_in("2-training") if c.symbol == "train_model")
    session.add_request(chunk.id, "refactor", f"{chunk.location} (train_model):  split the loop")
    code, out, _ = run(capsys, "requests", "--repo", str(repo.root), "--format", "prompt")
    assert code == 0
    assert f"1. Refactor in `{chunk.location}`: split the loop\n" in out


def test_export_and_requests_never_carry_raw_escapes(
    repo: GitRepo, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    repo.write("src/colour.py", "BANNER = '\x1b[31mred\x1b[0m [bold]x[/red]'\n")
    session = ReviewSession.open(repo.root)
    chunk = next(c for c in session.chunks if c.path == "src/colour.py")
    session.add_request(chunk.id, "fix", f"{chunk.location}: drop the \x1b[31m colours")
    out_file = tmp_path / "review.md"
    code, _, _ = run(capsys, "export", "--repo", str(repo.root), "-o", str(out_file))
    text = out_file.read_text()
    assert code == 0 and "\x1b" not in text
    assert "BANNER = '\\x1b[31mred\\x1b[0m [bold]x[/red]'" in text
    code, out, _ = run(capsys, "requests", "--repo", str(repo.root))
    assert code == 0 and "\x1b" not in out
    assert (
        f"— `{chunk.location}`\n\ndrop the \\x1b[31m colours\n" in out
    )  # the location is not repeated
    code, out, _ = run(capsys, "requests", "--repo", str(repo.root), "--format", "prompt")
    assert "\x1b" not in out


def test_demo_refuses_to_open_without_a_terminal_before_building(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # pytest's stdin is no terminal: the app would draw escape codes into a pipe and hang
    err = one_line_error(capsys, "demo", str(tmp_path / "demo"))
    assert "needs a terminal" in err
    assert not (tmp_path / "demo").exists()


def test_a_repeated_checkpoint_writes_no_commit_and_no_ref(
    repo: GitRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    repo.write("notes.txt", "uncommitted work\n")
    assert run(capsys, "checkpoint", "--repo", str(repo.root))[0] == 0
    refs = repo.git("for-each-ref", "refs/reviewtui/")
    objects = repo.git("count-objects", "-v")
    code, out, _ = run(capsys, "checkpoint", "--repo", str(repo.root))
    assert code == 0 and "not recorded again" in out
    assert repo.git("for-each-ref", "refs/reviewtui/") == refs
    assert repo.git("count-objects", "-v") == objects


def test_init_says_whether_it_created_or_updated_the_file(
    repo: GitRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, "init", "--repo", str(repo.root))
    assert code == 0 and out.startswith("created ") and out.strip().endswith("CLAUDE.md")
    assert run(capsys, "init", "--repo", str(repo.root))[1].startswith("already up to date: ")
    (repo.root / "CLAUDE.md").write_text("# Notes for agents\n", encoding="utf-8")
    assert run(capsys, "init", "--repo", str(repo.root))[1].startswith("updated ")


def test_requests_prompt_carries_the_reviewers_flags(
    repo: GitRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    session = ReviewSession.open(repo.root)
    chunk = next(c for c in session.chunks_in("2-training") if c.symbol == "train_model")
    session.flag(chunk.id, "the learning rate must follow the spec's schedule")
    code, out, err = run(capsys, "requests", "--repo", str(repo.root), "--format", "prompt")
    assert code == 0, err
    assert "the learning rate must follow the spec's schedule" in out
    assert chunk.path in out


def test_requests_without_a_spec_hand_on_the_queue_and_say_so(
    repo: GitRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    session = ReviewSession.open(repo.root)
    session.add_request(None, "question", "why no validation split?")
    (repo.root / "SPEC.md").unlink()
    code, out, err = run(capsys, "requests", "--repo", str(repo.root), "--format", "prompt")
    assert code == 0 and "why no validation split?" in out
    assert "the queue only (flags and the phase's gaps left out): no spec found" in err


def test_checkpoint_says_flagged_notes_should_reach_the_agent_first(
    repo: GitRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    session = ReviewSession.open(repo.root)
    session.flag(session.chunks[0].id, "wrong padding side")
    code, _, err = run(capsys, "checkpoint", "--repo", str(repo.root))
    assert code == 0
    assert "1 flagged chunk with your notes" in err and "requests --format prompt" in err
    assert f"of {len(session.chunks)} chunk" in err


def test_status_json_escapes_what_could_hide_text_in_a_terminal(
    repo: GitRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    session = ReviewSession.open(repo.root)
    note = "looks fine \u202eenod lla\u202c \u200b"
    session.flag(session.chunks[0].id, note)
    code, out, err = run(capsys, "status", "--json", "--no-llm", "--repo", str(repo.root))
    assert code == 0, err
    assert "\u202e" not in out and "\u200b" not in out and "\\u202e" in out
    notes = [chunk["note"] for chunk in json.loads(out)["chunks"] if chunk["note"]]
    assert notes == [note]
