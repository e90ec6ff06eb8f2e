"""Chunks holding work the agent has not committed (staged, unstaged or untracked lines) say so
(QA devs D-14): `uncommitted_lines` counts them, `status --json` carries the count per chunk,
`status` and the export name them; a phase ending at a commit, and a clean working tree, have
none. Real git repos."""

from __future__ import annotations

import json

import pytest

from reviewtui.cli import main
from reviewtui.core.report import export_markdown, status_dict, status_text, uncommitted_chunks
from reviewtui.core.session import ReviewSession
from reviewtui.core.uncommitted import uncommitted_lines
from tests.gitrepo import GitRepo

SPEC = "# Plan\n\n## 1 Training\n\nTrain with `parse_args` and `train`.\n"

TRAIN = '''\
import argparse


def parse_args():
    """The command line."""
    p = argparse.ArgumentParser()
    p.add_argument("--max_length", type=int, default=512)
    p.add_argument("--lr", type=float, default=1e-4)
    return p.parse_args()


def train(model, rows):
    """One pass over the rows."""
    for row in rows:
        model.step(row)
    return model
'''


@pytest.fixture
def repo(git_repo: GitRepo) -> GitRepo:
    git_repo.write("SPEC.md", SPEC)
    git_repo.commit("spec")
    git_repo.write("src/train.py", TRAIN)
    git_repo.write("configs/train.yaml", "epochs: 3\nbatch_size: 32\n")
    git_repo.commit("Training\n\nSpec: 1")
    return git_repo


def by_symbol(session: ReviewSession) -> dict[str | None, int]:
    return {
        chunk.symbol or chunk.path: uncommitted_lines(chunk, session.phase)
        for chunk in session.chunks
    }


def test_a_clean_working_tree_has_nothing_uncommitted(repo: GitRepo) -> None:
    session = ReviewSession.open(repo.root, no_llm=True)
    assert session.phase.head == "WORKTREE"
    assert set(by_symbol(session).values()) == {0}
    assert uncommitted_chunks(session) == []
    assert "uncommitted" not in status_text(session)
    assert "Uncommitted" not in export_markdown(session)
    assert all(chunk["uncommitted"] == 0 for chunk in status_dict(session)["chunks"])


def test_an_unstaged_line_in_a_committed_function_is_uncommitted(repo: GitRepo) -> None:
    text = TRAIN.replace(
        "    return p.parse_args()\n",
        '    p.add_argument("--grad_accum", type=int, default=4)\n    return p.parse_args()\n',
    )
    repo.write("src/train.py", text)
    session = ReviewSession.open(repo.root, no_llm=True)
    counts = by_symbol(session)
    assert counts["parse_args"] == 1
    assert counts["train"] == 0
    chunk = next(c for c in session.chunks if c.symbol == "parse_args")
    assert chunk.commits  # most of it is still the commit's: both are said
    status = status_text(session)
    assert "  uncommitted: 1 chunk with lines not committed yet" in status
    assert chunk.location in status
    export = export_markdown(session)
    block = export[export.index(f"#### `{chunk.location}`") :]
    assert "- Uncommitted: 1 added line not committed yet" in block.split("```")[0]
    assert "- Uncommitted: 1 chunk with lines not committed yet" in export.split("## ")[0]


def test_staged_and_untracked_work_count_whole(repo: GitRepo) -> None:
    repo.write("configs/train.yaml", "epochs: 1\nbatch_size: 32\n")
    repo.git("add", "configs/train.yaml")
    repo.write("src/augment.py", "import random\n\n\ndef paraphrase(q):\n    return q\n")
    session = ReviewSession.open(repo.root, no_llm=True)
    counts = by_symbol(session)
    assert counts["configs/train.yaml"] == 1  # epochs: 1 (batch_size is the commit's)
    augment = [c for c in session.chunks if c.path == "src/augment.py"]
    assert sum(uncommitted_lines(c, session.phase) for c in augment) == 3  # blank lines aside
    assert all(not c.commits for c in augment)
    assert {c.path for c in uncommitted_chunks(session)} == {"configs/train.yaml", "src/augment.py"}


def test_a_phase_ending_at_a_commit_has_nothing_uncommitted(repo: GitRepo) -> None:
    """Bait: a committed range, even with a dirty working tree, reviews commits only."""
    first = repo.git("rev-list", "--max-parents=0", "HEAD").strip()
    repo.write("src/train.py", TRAIN.replace("default=512", "default=256"))
    session = ReviewSession.open(repo.root, f"{first}..HEAD", no_llm=True)
    assert session.phase.head != "WORKTREE"
    assert set(by_symbol(session).values()) == {0}
    assert "uncommitted" not in status_text(session)


def test_a_worktree_phase_with_no_commits_of_its_own_is_all_uncommitted(repo: GitRepo) -> None:
    """From HEAD to the working tree (the agent committed nothing): every added line counts."""
    repo.write("src/train.py", TRAIN.replace("default=512", "default=256"))
    session = ReviewSession.open(repo.root, "HEAD", no_llm=True)
    assert session.phase.commits == []
    assert by_symbol(session)["parse_args"] == 1


def test_status_json_carries_the_count(repo: GitRepo, capsys: pytest.CaptureFixture[str]) -> None:
    repo.write("src/train.py", TRAIN.replace("default=512", "default=256"))
    assert main(["status", "--json", "--no-llm", "--repo", str(repo.root)]) == 0
    chunks = json.loads(capsys.readouterr().out)["chunks"]
    counts = {c["symbol"] or c["path"]: c["uncommitted"] for c in chunks}
    assert counts["parse_args"] == 1 and counts["train"] == 0
