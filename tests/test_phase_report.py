"""The spec's phases in `status` and the export: the phase under review, what it misses, code past its
checkpoint, and `--phase`."""

from __future__ import annotations

import json

import pytest

from reviewtui.cli import main
from tests.gitrepo import GitRepo

SPEC = """\
# Plan

## 1 Data

Load the ratings with `load_ratings` from `ratings.csv`.

## 2 Model

A matrix factorisation `FactorModel` with 32 factors.

## 3 Training

Train with `fit_model` for 10 epochs.

## 4 Phases

### Phase 1: data and model

Covers sections 1 (Data) and 2 (Model).

**Checkpoint 1:** stop and wait for the review.

### Phase 2: training

Covers section 3 (Training).
"""

DATA = '''\
def load_ratings(path):
    """Load the ratings csv."""
    with open(path) as handle:
        return [line.split(",") for line in handle]
'''

TRAIN = '''\
def fit_model(model, ratings, epochs=10):
    """Train the factor model for the epochs."""
    for epoch in range(epochs):
        model.fit_epoch(ratings)
    return model
'''


@pytest.fixture
def repo(git_repo: GitRepo) -> GitRepo:
    git_repo.write("SPEC.md", SPEC)
    git_repo.commit("spec")
    git_repo.git("checkout", "-q", "-b", "agent")
    git_repo.write("src/data.py", DATA)
    git_repo.commit("Load ratings\n\nSpec: 1")
    git_repo.write("src/train.py", TRAIN)
    git_repo.commit("Train the model\n\nSpec: 3")
    return git_repo


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_status_json_reports_the_phase(repo: GitRepo, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "status", "--json", "--repo", str(repo.root), "--phase", "1")
    assert code == 0, err
    data = json.loads(out)
    phase = data["phase"]
    assert phase["number"] == "1" and phase["reason"] == "chosen: phase 1"
    assert phase["missing"] == ["2-model"]
    sections = {section["id"]: section for section in data["sections"]}
    assert (
        sections["2-model"]["missing"] is True
        and sections["2-model"]["coverage"] == "not-implemented"
    )
    assert (
        sections["1-data"]["coverage"] == "implemented" and sections["1-data"]["missing"] is False
    )
    past = {chunk["path"]: chunk["past_checkpoint"] for chunk in data["chunks"]}
    assert past == {"src/data.py": None, "src/train.py": "2"}
    assert phase["past_checkpoint"] == {
        chunk["id"]: "2" for chunk in data["chunks"] if chunk["path"] == "src/train.py"
    }


def test_status_text_and_export_say_what_the_phase_misses(
    repo: GitRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, "status", "--repo", str(repo.root), "--phase", "1")
    assert code == 0
    assert (
        "spec phase: Phase 1 (chosen: phase 1) · 1 section missing · 1 chunk past its checkpoint"
        in out
    )
    code, out, _ = run(capsys, "export", "--repo", str(repo.root), "--phase", "1")
    assert "Spec phase under review: **Phase 1: data and model**" in out
    assert "### Missing from this phase\n\n- 2 Model (`2-model`, SPEC.md:7)" in out
    assert "### Past the checkpoint" in out and "→ 3 Training (phase 2)" in out


def test_an_unknown_phase_is_a_one_line_error(
    repo: GitRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(capsys, "status", "--repo", str(repo.root), "--phase", "7")
    assert code == 1 and err.count("\n") == 1 and "7" in err


MODEL = '''\
class FactorModel:
    """The matrix factorisation with 32 factors."""

    factors = 32
'''


def test_a_fix_round_reports_only_what_is_still_missing(
    repo: GitRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    repo.write("src/model.py", MODEL)
    repo.commit("The model\n\nSpec: 2")
    assert main(["checkpoint", "--repo", str(repo.root)]) == 0
    capsys.readouterr()
    repo.write("src/data.py", DATA.replace("line.split", "line.strip().split"))
    repo.commit("Strip the lines\n\nSpec: 1")
    code, out, err = run(capsys, "status", "--json", "--repo", str(repo.root), "--phase", "1")
    assert code == 0, err
    data = json.loads(out)
    assert data["phase"]["missing"] == []
    sections = {section["id"]: section for section in data["sections"]}
    assert sections["2-model"]["coverage"] == "implemented-earlier"
    assert sections["1-data"]["coverage"] == "implemented"
    code, out, _ = run(capsys, "status", "--repo", str(repo.root), "--phase", "1")
    assert "· 0 sections missing" in out
