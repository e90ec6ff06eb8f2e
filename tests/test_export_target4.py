"""Review fixes of `export -o`'s overwrite check: a device or a FIFO is written to, never read (reading
`/dev/stdout` or a FIFO blocked the export forever), and a committed export reviewtui has no record of
is refused with a true reason. Real repositories in tmp_path and the real command line."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

from reviewtui.cli import main
from reviewtui.core.export_target import overwrite_refusal
from tests.gitrepo import GitRepo


@pytest.fixture
def repo(git_repo: GitRepo) -> GitRepo:
    git_repo.write("SPEC.md", "# S\n\n## 1 Train\n\nTrain with lr 2e-5.\n")
    git_repo.commit("base")
    git_repo.write("train.py", "def train():\n    lr = 2e-5\n    return lr\n")
    return git_repo


def test_dev_null_is_written_to(repo: GitRepo, capsys: pytest.CaptureFixture[str]) -> None:
    assert overwrite_refusal(repo.root, Path(os.devnull)) is None
    assert main(["export", "--repo", str(repo.root), "--no-llm", "-o", os.devnull]) == 0
    assert "error" not in capsys.readouterr().err


def test_a_fifo_gets_the_export_without_being_read_first(repo: GitRepo, tmp_path: Path) -> None:
    fifo = tmp_path / "review.fifo"
    os.mkfifo(fifo)
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()), daemon=True)
    reader.start()
    assert overwrite_refusal(repo.root, fifo) is None  # returns at once: nothing is read
    assert main(["export", "--repo", str(repo.root), "--no-llm", "-o", str(fifo)]) == 0
    reader.join(timeout=10)
    assert received and received[0].startswith(b"# Review of ")


def test_a_committed_export_without_a_record_is_refused_for_the_true_reason(
    repo: GitRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    target = repo.root / "review.md"
    assert main(["export", "--repo", str(repo.root), "--no-llm", "-o", str(target)]) == 0
    repo.commit("keep the review", "review.md")
    (repo.root / ".reviewtui" / "exports.json").unlink()  # e.g. a fresh clone
    capsys.readouterr()
    assert main(["export", "--repo", str(repo.root), "--no-llm", "-o", str(target)]) == 1
    err = capsys.readouterr().err
    assert "is tracked by git and reviewtui has no record of exporting to it" in err
    assert "does not hold a reviewtui export" not in err
