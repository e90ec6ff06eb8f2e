"""Checkpoints that outlive their state file or lose their commit, `checkpoint --list/--drop`, the
label of a checkpoint without commits, and phases whose checkpoint is not an ancestor of HEAD
(QA round "rounds": D10, D11, P5, D4). Real repositories in tmp_path, the real command line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from reviewtui.cli import main
from reviewtui.core.gitrange import resolve_phase
from reviewtui.core.models import Decision
from reviewtui.core.state import ReviewState
from tests.gitrepo import GitRepo

SPEC = """\
# Replication

## 1 Data

Load the reviews with `load_reviews`.

## 2 Training

Train with `train_model` at learning rate 3e-4.
"""

DATA = '''\
def load_reviews(path):
    """Read the reviews."""
    with open(path) as handle:
        return handle.read().splitlines()
'''

TRAIN = '''\
def train_model(model, batches, learning_rate=3e-4):
    """Train the model."""
    for batch in batches:
        model.step(batch, learning_rate)
'''


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def base_of(capsys: pytest.CaptureFixture[str], root: Path) -> tuple[str | None, str]:
    """The default phase's base (`status --json`) and what the command warned."""
    code, out, err = run(capsys, "status", "--json", "--no-llm", "--repo", str(root))
    assert code == 0, err
    return json.loads(out)["range"]["base"], err


def checkpoint(capsys: pytest.CaptureFixture[str], root: Path, *extra: str) -> str:
    code, out, err = run(capsys, "checkpoint", "--repo", str(root), *extra)
    assert code == 0, err
    return out


@pytest.fixture
def repo(git_repo: GitRepo) -> GitRepo:
    git_repo.write("SPEC.md", SPEC)
    git_repo.write("src/data.py", DATA)
    git_repo.commit("spec and data")
    return git_repo


@pytest.fixture
def two_checkpoints(repo: GitRepo, capsys: pytest.CaptureFixture[str]) -> tuple[str, str]:
    """Checkpoint 1 at HEAD (clean), checkpoint 2 of a dirty working tree (a snapshot commit)."""
    checkpoint(capsys, repo.root)
    repo.write("src/train.py", TRAIN)
    checkpoint(capsys, repo.root)
    first, second = (cp.sha for cp in ReviewState.load(repo.root).checkpoints)
    assert second != repo.head()
    return first, second


# --------------------------------------------------------------------------- D10


def test_a_deleted_state_recovers_its_checkpoints_from_the_refs(
    repo: GitRepo, two_checkpoints: tuple[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    first, second = two_checkpoints
    (repo.root / ".reviewtui" / "state.json").unlink()
    base, err = base_of(capsys, repo.root)
    assert base == second
    assert "recovered 2 from refs/reviewtui/checkpoints/" in err
    state = ReviewState.load(repo.root)
    assert [cp.sha for cp in state.checkpoints] == [first, second]
    assert state.checkpoints[1].head == repo.head()  # the snapshot's parent: HEAD at the time
    assert state.checkpoints[0].label.startswith("HEAD, recovered")
    assert state.checkpoints[1].label.startswith("working tree, recovered")
    assert state.checkpoints[1].created.endswith("Z")


def test_a_corrupt_state_keeps_the_checkpoints_and_is_named_until_replaced(
    repo: GitRepo, two_checkpoints: tuple[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    _, second = two_checkpoints
    state_file = repo.root / ".reviewtui" / "state.json"
    state_file.write_text(state_file.read_text().replace("]", "],", 1), encoding="utf-8")
    base, err = base_of(capsys, repo.root)
    assert base == second and "the review state was corrupt" in err
    (aside,) = (repo.root / ".reviewtui").glob("state.json.corrupt-*")
    base, err = base_of(capsys, repo.root)  # the next command says it again, naming the file
    assert base == second and f".reviewtui/{aside.name}" in err and "rename it" in err
    state = ReviewState.load(repo.root)
    state.decisions["c1"] = Decision("c1", "approved")
    state.save()  # a new decision: the state moved on, the old file is no longer news
    assert "set aside" not in " ".join(ReviewState.load(repo.root).warnings)


# --------------------------------------------------------------------------- D11


def gc(repo: GitRepo) -> None:
    repo.git("reflog", "expire", "--expire=now", "--all")
    repo.git("gc", "-q", "--prune=now")


def test_a_checkpoint_lost_to_gc_falls_back_to_the_one_before(
    repo: GitRepo, two_checkpoints: tuple[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    first, second = two_checkpoints
    repo.git("update-ref", "-d", "refs/reviewtui/checkpoints/2")
    base, err = base_of(capsys, repo.root)
    assert base == second and "kept by no ref" in err and "checkpoint --drop" in err
    gc(repo)
    base, err = base_of(capsys, repo.root)
    assert base == first
    assert f"checkpoint {second[:12]} is no longer in this repository" in err
    assert "checkpoint --drop" in err
    listing = checkpoint(capsys, repo.root, "--list")
    assert "(gone from the repository)" in listing.splitlines()[1]
    assert "(the default phase starts here)" in listing.splitlines()[0]
    assert f"dropped checkpoint {second[:12]}" in checkpoint(capsys, repo.root, "--drop")
    assert base_of(capsys, repo.root) == (first, "")


def test_drop_forgets_the_last_checkpoint_and_its_ref(
    repo: GitRepo, two_checkpoints: tuple[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    first, second = two_checkpoints
    out = checkpoint(capsys, repo.root, "--drop")
    assert out.startswith(f"dropped checkpoint {second[:12]} and refs/reviewtui/checkpoints/2;")
    assert f"starts at checkpoint {first[:12]} again" in out
    assert repo.git("for-each-ref", "--format=%(refname)", "refs/reviewtui/").split() == [
        "refs/reviewtui/checkpoints/1"
    ]
    assert base_of(capsys, repo.root)[0] == first
    checkpoint(capsys, repo.root)  # the next checkpoint takes the free number again
    assert len(repo.git("for-each-ref", "refs/reviewtui/").splitlines()) == 2
    checkpoint(capsys, repo.root, "--drop")
    assert "no checkpoint left" in checkpoint(capsys, repo.root, "--drop")
    assert repo.git("for-each-ref", "refs/reviewtui/") == ""
    assert base_of(capsys, repo.root)[0] is None  # whole history again, nothing recovered
    code, _, err = run(capsys, "checkpoint", "--repo", str(repo.root), "--drop")
    assert code == 1 and err == "reviewtui: error: there is no checkpoint to drop\n"


# --------------------------------------------------------------------------- P5


def test_a_checkpoint_without_commits_says_working_tree(
    git_repo: GitRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    git_repo.write("SPEC.md", SPEC)
    git_repo.write("src/data.py", DATA)
    out = checkpoint(capsys, git_repo.root)
    assert "recorded (working tree)" in out
    (saved,) = ReviewState.load(git_repo.root).checkpoints
    assert saved.label == "working tree"


# --------------------------------------------------------------------------- D4


def commit_with_deviation(repo: GitRepo, message: str, deviation: str) -> str:
    return repo.commit(f"{message}\n\nSpec: 2\nDeviations:\n- {deviation}")


def test_a_committed_working_tree_checkpoint_is_not_the_phases_commit(
    repo: GitRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    repo.write("src/train.py", TRAIN)
    checkpoint(capsys, repo.root)
    (saved,) = ReviewState.load(repo.root).checkpoints
    reviewed = commit_with_deviation(repo, "train", "used 1e-3 at first, now 3e-4")
    repo.write("src/eval.py", "def evaluate(model):\n    return model.score()\n")
    own = commit_with_deviation(repo, "eval", "scored on the dev split")
    phase = resolve_phase(repo.root, None, saved.sha)
    assert [commit.sha for commit in phase.commits] == [own]
    assert reviewed not in {commit.sha for commit in phase.commits}
    assert phase.warnings == []


def test_a_rebased_checkpoint_warns_and_leaves_the_reviewed_commits_out(
    repo: GitRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    repo.write("src/train.py", TRAIN)
    commit_with_deviation(repo, "train", "pads on the left")
    checkpoint(capsys, repo.root)
    (saved,) = ReviewState.load(repo.root).checkpoints
    repo.git("commit", "-q", "--amend", "-m", "train (reworded)\n\nSpec: 2")
    repo.write("src/eval.py", "def evaluate(model):\n    return model.score()\n")
    own = commit_with_deviation(repo, "eval", "scored on the dev split")
    phase = resolve_phase(repo.root, None, saved.sha)
    assert [commit.sha for commit in phase.commits] == [own]
    (warning,) = phase.warnings
    assert f"checkpoint {saved.sha[:7]} is not in the history of HEAD" in warning


def test_a_checkpoint_with_no_twin_in_history_warns(
    repo: GitRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    repo.write("src/train.py", TRAIN)
    checkpoint(capsys, repo.root)
    (saved,) = ReviewState.load(repo.root).checkpoints
    repo.write("src/eval.py", "def evaluate(model):\n    return model.score()\n")
    commit_with_deviation(repo, "train and eval in one", "scored on the dev split")
    phase = resolve_phase(repo.root, None, saved.sha)
    (warning,) = phase.warnings
    assert "not in the history of HEAD" in warning and "reviewed before" in warning
    assert resolve_phase(repo.root, None, repo.head()).warnings == []  # an ancestor: all quiet
