"""`requests` and `checkpoint` read only what they need of the phase (N4), and the command line's
failures are one line that says what failed, whatever stdout's encoding (N14)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from reviewtui.cli import main, os_error_line
from reviewtui.core.phasecache import PhaseCache
from reviewtui.core.phaseprobe import probe_phase
from reviewtui.core.session import ReviewSession
from reviewtui.core.state import ReviewState
from tests.gitrepo import GitRepo

SPEC = """\
# Sentiment replication

## 1 Data · loading

Load the IMDB reviews with `load_reviews`.

## 2 Training

Train with learning rate 2e-5 using the `train_model` loop.
"""

DATA = '''\
def load_reviews(path):
    """Read the reviews."""
    with open(path) as handle:
        return [line.split(",") for line in handle]
'''

TRAIN = '''\
def train_model(model, batches, learning_rate=2e-5):
    """Train the model."""
    for batch in batches:
        model.step(batch, learning_rate)
    return model
'''


@pytest.fixture
def repo(git_repo: GitRepo) -> GitRepo:
    """The spec on main; the agent's branch commits the loading, the training is uncommitted."""
    git_repo.write("SPEC.md", SPEC)
    git_repo.commit("Add the spec")
    git_repo.git("checkout", "-q", "-b", "agent/phase-1")
    git_repo.write("src/data.py", DATA)
    git_repo.commit("Load the reviews\n\nSpec: 1")
    git_repo.write("src/train.py", TRAIN)
    return git_repo


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def cache_entries() -> list[Path]:
    return PhaseCache().entries()


# --------------------------------------------------------------------------- requests (N4)


def test_requests_with_nothing_flagged_reads_no_phase(
    repo: GitRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, "requests", "--repo", str(repo.root))
    assert (code, out, err) == (0, "", "no open requests\n")
    assert cache_entries() == []  # the phase was never assembled (it would have been stored)


def test_the_prompt_with_nothing_queued_still_hands_on_the_phases_gaps(
    git_repo: GitRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    phases = "\n## Phases\n\n- Phase 1: sections 1 and 2. Checkpoint: the model trains.\n"
    git_repo.write("SPEC.md", SPEC + phases)
    git_repo.commit("Add the spec")
    git_repo.write("src/data.py", DATA)  # 2 Training is not written
    code, out, err = run(capsys, "requests", "--repo", str(git_repo.root), "--format", "prompt")
    assert code == 0 and "2 Training" in out, err


def test_requests_on_a_spec_less_repo_print_the_queue_without_a_warning(
    repo: GitRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    ReviewSession.open(repo.root).add_request(None, "question", "why no validation split?")
    (repo.root / "SPEC.md").unlink()
    code, out, err = run(capsys, "requests", "--repo", str(repo.root))
    assert code == 0 and "why no validation split?" in out
    assert err == ""


def test_requests_take_the_range_and_spec_the_review_used(
    repo: GitRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    (repo.root / "SPEC.md").rename(repo.root / "plan.md")  # no spec to discover any more
    repo.write("src/data.py", DATA.replace("line.split", "line.strip().split"))
    session = ReviewSession.open(repo.root, "HEAD~1..HEAD", ["plan.md"])
    flagged = next(chunk for chunk in session.chunks if chunk.symbol == "load_reviews")
    session.flag(flagged.id, "read the file with the csv module")
    code, out, err = run(
        capsys, "requests", "HEAD~1..HEAD", "--spec", "plan.md", "--repo", str(repo.root)
    )
    assert code == 0 and err == ""
    assert f"## flagged — `{flagged.location}` (`load_reviews`)" in out
    assert "read the file with the csv module" in out
    assert "Flags from earlier rounds" not in out  # the flag is of the phase asked for
    code, out, err = run(
        capsys, "requests", "HEAD~1..HEAD", "--spec", "plan.md", "--format", "prompt",
        "--repo", str(repo.root),
    )  # fmt: skip
    assert code == 0 and "Code the reviewer flagged" in out and "csv module" in out


def test_requests_with_a_flag_read_the_phase_from_the_cache(
    repo: GitRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    session = ReviewSession.open(repo.root)
    session.flag(session.chunks[0].id, "wrong padding side")
    stored = cache_entries()
    assert len(stored) == 1
    code, out, _ = run(capsys, "requests", "--repo", str(repo.root))
    assert code == 0 and "wrong padding side" in out
    assert cache_entries() == stored  # read back, not computed and stored again


def test_requests_refuse_a_range_git_does_not_know(
    repo: GitRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    for bad in ("nope", "main..nope", "nope...HEAD"):
        code, out, err = run(capsys, "requests", bad, "--repo", str(repo.root))
        assert (code, out) == (1, "") and err == "reviewtui: error: unknown revision: nope\n"
    assert run(capsys, "requests", "main..", "--repo", str(repo.root))[0] == 0


# --------------------------------------------------------------------------- checkpoint (N4)


def test_checkpoint_counts_pending_chunks_without_assembling_the_phase(
    repo: GitRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    session = ReviewSession.open(repo.root)
    total = len(session.chunks)
    session.approve(session.chunks[0].id)
    for entry in cache_entries():
        entry.unlink()  # the phase changed, say: no earlier opening to read
    code, _, err = run(capsys, "checkpoint", "--repo", str(repo.root))
    assert code == 0
    pending = total - 1
    verb = "is" if pending == 1 else "are"
    assert (
        err
        == f"reviewtui: warning: {pending} of {total} chunks in this phase {verb} still pending\n"
    )
    assert cache_entries() == []  # cut to count, never checked, linked nor stored


def test_checkpoint_counts_from_the_phase_cache_as_the_session_does(
    repo: GitRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    session = ReviewSession.open(repo.root)
    session.flag(session.chunks[-1].id, "no")
    state = ReviewState.load(repo.root)
    probe = probe_phase(repo.root, state)
    assert probe.cached  # the same key as the session's: its results are read back
    assert probe.progress() == session.progress()
    code, _, err = run(capsys, "checkpoint", "--repo", str(repo.root))
    assert code == 0 and "1 flagged chunk with your notes" in err


# --------------------------------------------------------------------------- N14


def test_an_os_error_says_what_failed() -> None:
    error = OSError(5, "Input/output error", "/repo/pyproject.toml")
    assert os_error_line(error) == "/repo/pyproject.toml: Input/output error"
    moved = OSError(18, "Invalid cross-device link", "a.tmp", None, "b.json")
    assert os_error_line(moved) == "a.tmp -> b.json: Invalid cross-device link"


@pytest.mark.skipif(not Path("/proc/self/mem").exists(), reason="needs /proc/self/mem")
def test_a_read_error_is_not_called_a_write_error(
    repo: GitRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    (repo.root / "pyproject.toml").symlink_to("/proc/self/mem")  # a file whose read gives EIO
    code, out, err = run(capsys, "status", "--repo", str(repo.root))
    assert code == 1 and out == ""
    assert err == (
        "reviewtui: error: cannot read the repository or its settings: Input/output error\n"
    )


def run_ascii(repo: GitRepo, *args: str) -> subprocess.CompletedProcess[bytes]:
    env = {**os.environ, "PYTHONIOENCODING": "ascii"}
    return subprocess.run(
        [sys.executable, "-m", "reviewtui", *args, "--repo", str(repo.root)],
        env=env,
        capture_output=True,
        check=False,
    )


def test_an_ascii_stdout_gets_escapes_not_a_traceback(repo: GitRepo) -> None:
    text = run_ascii(repo, "status")
    assert text.returncode == 0, text.stderr
    assert b"\\u00b7" in text.stdout and b"Traceback" not in text.stderr
    as_json = run_ascii(repo, "status", "--json")
    assert as_json.returncode == 0, as_json.stderr
    data = json.loads(as_json.stdout.decode("ascii"))  # the escapes are JSON's own
    assert "1 Data · loading" in [section["title"] for section in data["sections"]]
