"""What goes back to the agent: the requests prompt and markdown carry the flagged chunks with the
reviewer's notes and the spec phase's gaps; the export lists the phase's gaps once each; `status`
words the git range apart from the spec's phase. Real git repos, a real session."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from reviewtui.cli import main
from reviewtui.core.report import (
    export_markdown,
    requests_markdown,
    requests_prompt,
    status_dict,
    status_text,
)
from reviewtui.core.session import ReviewSession
from tests.gitrepo import GitRepo

SPEC = """\
# Plan

## 1 Data

Load the ratings with `load_ratings` from `ratings.csv`.

- [x] D1 Shuffle the ratings with `shuffle_ratings` before the split.

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

TRAIN = '''\
def fit_model(model, ratings, epochs=10):
    """Train the factor model for the epochs."""
    for epoch in range(epochs):
        model.fit_epoch(ratings)
    return model
'''

MODEL = '''\
class FactorModel:
    """A matrix factorisation with 32 factors."""

    factors = 32
'''


@pytest.fixture
def repo(git_repo: GitRepo) -> GitRepo:
    """Phase 1 of the spec: data done (with a swallowed error), the model missing, the ticked task
    D1 with no code, and the training of phase 2 written past the checkpoint."""
    git_repo.write("SPEC.md", SPEC)
    git_repo.commit("spec")
    git_repo.git("checkout", "-q", "-b", "agent")
    git_repo.write("src/data.py", DATA)
    git_repo.commit("Load ratings\n\nSpec: 1")
    git_repo.write("src/train.py", TRAIN)
    git_repo.commit("Train the model\n\nSpec: 3")
    return git_repo


@pytest.fixture
def session(repo: GitRepo) -> Iterator[ReviewSession]:
    opened = ReviewSession.open(repo.root, lock=True, spec_phase="1")
    yield opened
    opened.close()


def chunk_at(session: ReviewSession, path: str) -> str:
    return next(chunk.id for chunk in session.chunks if chunk.path == path)


def test_the_prompt_carries_requests_flags_gaps_and_past_code_in_that_order(
    session: ReviewSession,
) -> None:
    data = chunk_at(session, "src/data.py")
    session.flag(data, "padding must be left\nand fail loudly")
    session.add_request(data, "simplify", "drop the try")

    prompt = requests_prompt(session.requests, session)

    order = [
        "Requests:",
        "1. Simplify in `src/data.py:1-7`: drop the try",
        "Code the reviewer flagged",
        "2. `src/data.py:1-7` (`load_ratings`, spec 1 Data): padding must be left\n   and fail loudly",
        "Missing from Phase 1 of the spec",
        "3. 2 Model (`2-model`, SPEC.md:9)",
        "Marked done in the spec, but no code was seen",
        "4. D1 Shuffle the ratings",
        "Code past the checkpoint of Phase 1",
        "5. `src/train.py:1-5` → 3 Training (phase 2)",
        "While you work:",
        "`Deviations:` heading",
    ]
    positions = [prompt.index(text) for text in order]
    assert positions == sorted(positions)
    assert "keep everything else as it is" not in prompt
    assert prompt.count("D1 Shuffle") == 1, (
        "a ticked task with no code is claimed done, not missing"
    )


def test_flags_alone_make_a_prompt_and_a_flag_without_note_says_what_the_checks_found(
    session: ReviewSession,
) -> None:
    session.flag(chunk_at(session, "src/data.py"), "")
    prompt = requests_prompt(session.requests, session)
    assert "Requests:" not in prompt
    assert "1. `src/data.py:1-7` (`load_ratings`, spec 1 Data): Flagged without a note;" in prompt
    assert "catches Exception" in prompt


def test_without_a_session_the_prompt_is_the_open_requests_only(session: ReviewSession) -> None:
    data = chunk_at(session, "src/data.py")
    session.flag(data, "padding must be left")
    assert requests_prompt(session.requests) == ""
    session.add_request(data, "fix", "raise on a missing file")
    prompt = requests_prompt(session.requests)
    assert "1. Fix in `src/data.py:1-7`: raise on a missing file" in prompt
    assert "padding must be left" not in prompt and "Missing from" not in prompt


def test_a_spec_without_gaps_and_no_flags_or_requests_has_no_prompt(git_repo: GitRepo) -> None:
    git_repo.write("SPEC.md", "# Plan\n\n## 1 Data\n\nLoad the ratings with `load_ratings`.\n")
    git_repo.commit("spec")
    git_repo.write("src/data.py", DATA)
    session = ReviewSession.open(git_repo.root)
    assert requests_prompt(session.requests, session) == ""


def test_requests_markdown_lists_flagged_chunks_but_the_json_requests_stay_requests(
    session: ReviewSession,
) -> None:
    data = chunk_at(session, "src/data.py")
    session.flag(data, "padding must be left")
    session.add_request(data, "test", "cover the missing file")
    text = requests_markdown(session.requests, session=session)
    assert text.index("## R1 · test — `src/data.py:1-7`") < text.index(
        "## flagged — `src/data.py:1-7` (`load_ratings`)\n\npadding must be left\n\n```diff\n"
        "+def load_ratings(path):"
    )
    assert [item["id"] for item in status_dict(session)["requests"]] == ["R1"]
    assert "flagged" not in requests_markdown(session.requests)


def test_the_export_lists_a_claimed_done_task_once(session: ReviewSession) -> None:
    text = export_markdown(session)
    missing = text.split("### Missing from this phase\n\n")[1].split("###")[0]
    claimed = text.split("### Claimed done, no code seen\n\n")[1].split("###")[0]
    assert "2 Model" in missing and "D1 Shuffle" not in missing
    assert "D1 Shuffle" in claimed


def test_a_fix_round_lists_what_was_implemented_before_the_checkpoint(git_repo: GitRepo) -> None:
    git_repo.write("SPEC.md", SPEC.replace("- [x] D1", "- [ ] D1"))
    git_repo.commit("spec")
    git_repo.write("src/data.py", DATA)
    git_repo.write("src/model.py", MODEL)
    git_repo.commit("Data and model\n\nSpec: 1")
    assert main(["checkpoint", "--repo", str(git_repo.root)]) == 0
    git_repo.write("src/data.py", DATA.replace("pass", "raise"))
    git_repo.commit("Fix the swallowed error\n\nSpec: 1")

    session = ReviewSession.open(git_repo.root, spec_phase="1")
    assert status_dict(session)["phase"]["earlier"] == ["2-model"]
    text = export_markdown(session)
    earlier = text.split("### Implemented before the last checkpoint\n\n")[1].split("###")[0]
    assert "- 2 Model (`2-model`, SPEC.md:9)" in earlier
    assert "2 Model" not in text.split("### Missing from this phase")[1].split("###")[0]


def test_no_earlier_section_means_no_such_heading(session: ReviewSession) -> None:
    assert status_dict(session)["phase"]["earlier"] == []
    assert "Implemented before the last checkpoint" not in export_markdown(session)


def test_status_words_the_changes_apart_from_the_spec_phase(
    repo: GitRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["status", "--repo", str(repo.root), "--phase", "1", "main"]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert lines[0].startswith("changes: ") and "..WORKTREE · 2 chunks" in lines[0]
    assert "  changes chosen by: the range main" in lines
    assert "range: range" not in out and "Phase " not in lines[0]
    assert any(line.startswith("  spec phase: Phase 1 (chosen: phase 1)") for line in lines)


def test_status_text_names_the_default_rule(session: ReviewSession) -> None:
    assert "  changes chosen by: merge-base with main" in status_text(session).splitlines()


def test_the_status_json_phase_keeps_its_keys(session: ReviewSession) -> None:
    phase = json.loads(json.dumps(status_dict(session)))["phase"]
    assert set(phase) >= {"number", "title", "reason", "checkpoint", "missing", "past_checkpoint"}
