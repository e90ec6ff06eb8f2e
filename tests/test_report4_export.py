"""The export puts what needs acting on at the top (QA devs D-16): right after the declared
deviations and the summary come the chunks the reviewer flagged (note, section, the checks'
findings), the open requests, and the coverage gaps (missing sections, code past the checkpoint);
the checks' table, every chunk with its code and the spec's numbers follow. Real git repos."""

from __future__ import annotations

import pytest

from reviewtui.core.report import export_markdown
from reviewtui.core.session import ReviewSession
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
    try:
        with open(path) as handle:
            return [line.split(",") for line in handle]
    except Exception:
        pass
'''

HELPERS = "".join(
    f'''

def helper_{n}(rows):
    """Helper number {n} of the ratings loader."""
    return [row for row in rows if len(row) > {n}]
'''
    for n in range(12)
)

TRAIN = '''\
def fit_model(model, ratings, epochs=10):
    """Train the factor model for the epochs."""
    for epoch in range(epochs):
        model.fit_epoch(ratings)
    return model
'''


@pytest.fixture
def session(git_repo: GitRepo) -> ReviewSession:
    """Phase 1: data (with a swallowed error and many helpers), the model missing, the training
    of phase 2 written past the checkpoint."""
    git_repo.write("SPEC.md", SPEC)
    git_repo.commit("spec")
    git_repo.write("src/data.py", DATA + HELPERS)
    git_repo.commit("Load ratings\n\nSpec: 1")
    git_repo.write("src/train.py", TRAIN)
    git_repo.commit("Train the model\n\nSpec: 3")
    return ReviewSession.open(git_repo.root, lock=True, spec_phase="1")


def data_chunk(session: ReviewSession) -> str:
    return next(c.id for c in session.chunks if c.symbol == "load_ratings")


def headings(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.startswith("## ")]


def test_decisions_and_gaps_come_before_the_chunks(session: ReviewSession) -> None:
    session.flag(data_chunk(session), "fail loudly")
    session.add_request(data_chunk(session), "fix", "raise on a missing file")
    text = export_markdown(session)
    order = [
        "## Summary",
        "## Flagged by the reviewer",
        "## Requests",
        "## Coverage",
        "### Missing from this phase",
        "### Past the checkpoint",
        "## Checks, highest severity first",
        "## Sections",
        "## The spec's numbers",
    ]
    present = [heading for heading in order if heading in text]
    assert present[:8] == order[:8]
    positions = [text.index(heading) for heading in present]
    assert positions == sorted(positions)
    # the gaps sit in the first screenfuls, not after the code of every chunk
    before_code = text[: text.index("## Sections")]
    assert "2 Model (`2-model`" in before_code
    assert "`src/train.py:1-5` → 3 Training (phase 2)" in before_code
    assert "```diff" in before_code  # the request carries its code
    assert before_code.count("helper_") == 0


def test_the_flagged_list_has_the_note_the_section_and_the_findings(
    session: ReviewSession,
) -> None:
    session.flag(data_chunk(session), "fail loudly | not quietly")
    text = export_markdown(session)
    flagged = text.split("## Flagged by the reviewer\n\n")[1].split("\n## ")[0]
    lines = flagged.strip().splitlines()
    assert lines[0].startswith("- `src/data.py:1-")
    assert "(`load_ratings`, spec 1 Data): fail loudly | not quietly" in lines[0]
    assert any(
        "check **medium** line 6:" in line and "(`swallowed-error`)" in line for line in lines[1:]
    )


def test_a_flag_without_a_note_says_so(session: ReviewSession) -> None:
    session.flag(data_chunk(session), "")
    text = export_markdown(session)
    flagged = text.split("## Flagged by the reviewer\n\n")[1].split("\n## ")[0]
    assert ": (no note)" in flagged.splitlines()[0]


def test_nothing_flagged_means_no_flagged_list(session: ReviewSession) -> None:
    session.approve(data_chunk(session))
    text = export_markdown(session)
    assert "## Flagged by the reviewer" not in text
    assert text.index("## Coverage") < text.index("## Sections")
    assert text.index("## Requests\n\nNo requests.") < text.index("## Coverage")
