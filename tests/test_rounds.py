"""Tests of `core/rounds.py` and of a fix round's coverage: after `reviewtui checkpoint`, the sections
implemented in the earlier round are "implemented before the last checkpoint", not missing."""

from __future__ import annotations

from pathlib import Path

import pytest

from reviewtui.cli import main
from reviewtui.config import load_settings
from reviewtui.core import gitrange
from reviewtui.core.chunks import cut_chunks
from reviewtui.core.coverage import Coverage, coverage_for
from reviewtui.core.links import link_chunks
from reviewtui.core.models import Checkpoint
from reviewtui.core.rounds import first_round_base, sections_before
from reviewtui.core.spec import load_spec
from reviewtui.core.state import ReviewState
from tests.gitrepo import GitRepo

SPEC = """\
# Plan

## 1 Data

Load the ratings with `load_ratings` from `ratings.csv`.

## 2 Model

A matrix factorisation `FactorModel` with 32 factors.

## 3 Splits

Hold out a dev split with `split_dev`.

## 4 Phases

### Phase 1: data and model (sections 1, 2, 3)

Checkpoint: stop and wait for the review.
"""

DATA = '''\
def load_ratings(path):
    """Load the ratings csv."""
    with open(path) as handle:
        return [line.split(",") for line in handle]
'''

MODEL = '''\
class FactorModel:
    """The matrix factorisation with 32 factors."""

    factors = 32
'''


def first_round(git_repo: GitRepo) -> GitRepo:
    """The agent's first round (data and model) on a branch, checkpointed."""
    git_repo.write("SPEC.md", SPEC)
    git_repo.commit("spec")
    git_repo.git("checkout", "-q", "-b", "agent")
    git_repo.write("src/data.py", DATA)
    git_repo.commit("Load ratings\n\nSpec: 1")
    git_repo.write("src/model.py", MODEL)  # uncommitted: the checkpoint snapshots the worktree
    assert main(["checkpoint", "--repo", str(git_repo.root)]) == 0
    return git_repo


@pytest.fixture
def repo(git_repo: GitRepo) -> GitRepo:
    """The first round, then a fix round that only touches the data loader."""
    first_round(git_repo)
    git_repo.write("src/data.py", DATA.replace("line.split", "line.strip().split"))
    git_repo.commit("Strip the lines\n\nSpec: 1")
    return git_repo


def fix_round(root: Path, *, earlier: bool) -> Coverage:
    """The coverage of the fix round, as the session assembles it (with or without `earlier`)."""
    state = ReviewState.load(root)
    assert state.last_checkpoint is not None
    phase = gitrange.resolve_phase(gitrange.open_repo(root), None, state.last_checkpoint.sha)
    spec = load_spec(root, ["SPEC.md"])
    settings = load_settings(root)
    files = [f for f in phase.files if f.path not in spec.files]
    chunks = cut_chunks(files, phase.commits, settings.chunks)
    links = link_chunks(chunks, spec, phase.commits, settings.links)
    before = (
        sections_before(
            root,
            phase,
            state.checkpoints,
            spec,
            settings,
            exclude=set(spec.files),
            cache_dir=state.cache_dir,
        )
        if earlier
        else set()
    )
    return coverage_for(spec, chunks, links, None, before)


def test_a_fix_round_does_not_report_the_earlier_rounds_work_missing(repo: GitRepo) -> None:
    coverage = fix_round(repo.root, earlier=True)
    assert coverage.phase == "1"
    assert [item.section_id for item in coverage.missing] == ["3-splits"]
    assert coverage.get("2-model").status == "implemented-earlier"
    assert coverage.get("1-data").status == "implemented"
    assert coverage.phase_report is not None and coverage.phase_report.earlier == ["2-model"]


def test_without_the_earlier_rounds_the_model_looks_missing(repo: GitRepo) -> None:
    coverage = fix_round(repo.root, earlier=False)
    assert [item.section_id for item in coverage.missing] == ["2-model", "3-splits"]


def test_the_answer_is_cached_and_a_damaged_cache_is_recomputed(repo: GitRepo) -> None:
    fix_round(repo.root, earlier=True)
    (cached,) = (repo.root / ".reviewtui" / "cache" / "rounds").glob("*.json")
    assert "2-model" in cached.read_text(encoding="utf-8")
    cached.write_text("{not json", encoding="utf-8")
    assert fix_round(repo.root, earlier=True).get("2-model").status == "implemented-earlier"
    assert "2-model" in cached.read_text(encoding="utf-8")


def test_no_checkpoint_means_no_earlier_round(repo: GitRepo) -> None:
    root = repo.root
    phase = gitrange.resolve_phase(gitrange.open_repo(root), "main", None)
    spec = load_spec(root, ["SPEC.md"])
    state = ReviewState.load(root)
    assert sections_before(root, phase, state.checkpoints, spec, load_settings(root)) == set()


def test_the_first_round_started_at_the_merge_base_or_the_empty_tree(git_repo: GitRepo) -> None:
    spec_commit = git_repo.commit("spec")
    on_main = Checkpoint(sha=spec_commit, head=spec_commit, created="")
    assert first_round_base(git_repo.root, on_main) is None
    git_repo.git("checkout", "-q", "-b", "agent")
    git_repo.write("a.py", "x = 1\n")
    agent = git_repo.commit("agent")
    on_branch = Checkpoint(sha=agent, head=agent, created="")
    assert first_round_base(git_repo.root, on_branch) == spec_commit


def test_a_fix_round_with_no_linked_code_is_judged_against_the_earlier_phase(
    git_repo: GitRepo,
) -> None:
    repo = first_round(git_repo)
    repo.write("README.md", "How to run it.\n")
    repo.commit("Readme")
    coverage = fix_round(repo.root, earlier=True)
    report = coverage.phase_report
    assert report is not None and report.phase is not None and report.phase.number == "1"
    assert report.reason.startswith("inferred from the rounds before the checkpoint:")
    assert report.missing == ["3-splits"]
    assert report.earlier == ["1-data", "2-model"]
    without = fix_round(repo.root, earlier=False).phase_report
    assert without is not None and without.phase is None
