"""What the agent receives (QA devs D-15): a flagged chunk's item carries the reviewer's note AND
what the checks found on it (line, message, rule), and the high-severity findings on code the
reviewer has not decided on are handed on as such, under a title that counts them and says they
are not confirmed. Approved chunks, flagged ones and lower severities are not repeated there.
Real git repos, real sessions and checks."""

from __future__ import annotations

import pytest

from reviewtui.core.report import requests_markdown, requests_prompt, undecided_high
from reviewtui.core.session import ReviewSession
from tests.gitrepo import GitRepo

SPEC = """\
# Plan

## 1 Data

Load the real corpus with `load_passages`; never substitute synthetic passages.

## 2 Model

The tokenizer's padding side is **right**. Build it with `load_tokenizer`.

## 3 Training

| hyper-parameter | value |
| --- | --- |
| learning rate | 1e-4 |
| epochs | 3 |

## 4 Evaluation

Evaluate every query with `evaluate`; a failing query is an error.
"""

DATA = '''\
import random


def _dummy_passages(n):
    rng = random.Random(0)
    return [" ".join(rng.choice(["alpha", "beta"]) for _ in range(20)) for _ in range(n)]


def load_passages(n_passages=1000):
    """Load the corpus."""
    try:
        from datasets import load_dataset

        return list(load_dataset("ms_marco", "v1.1", split="train")["passages"])[:n_passages]
    except Exception:
        return _dummy_passages(n_passages)
'''

MODEL = '''\
from transformers import AutoTokenizer


def load_tokenizer(name):
    """The tokenizer of the model."""
    tok = AutoTokenizer.from_pretrained(name)
    tok.pad_token = tok.eos_token
    tok.padding_side = "left"
    return tok
'''

CONFIG = "learning_rate: 3.0e-4\nepochs: 1\n"

EVALUATE = '''\
def evaluate(model, queries):
    """Score every query."""
    scores = []
    for query in queries:
        try:
            scores.append(model.score(query))
        except Exception:
            continue
    return scores
'''


@pytest.fixture
def session(git_repo: GitRepo) -> ReviewSession:
    git_repo.write("SPEC.md", SPEC)
    git_repo.commit("spec")
    git_repo.write("src/data.py", DATA)
    git_repo.write("src/model.py", MODEL)
    git_repo.write("configs/train.yaml", CONFIG)
    git_repo.write("src/evaluate.py", EVALUATE)
    git_repo.commit("Phase one\n\nSpec: 1, 2, 3, 4")
    return ReviewSession.open(git_repo.root, no_llm=True)


def chunk_of(session: ReviewSession, path: str) -> str:
    chunks = [c for c in session.chunks if c.path == path and session.flags_of(c.id)]
    assert chunks, f"the checks found nothing in {path}"
    return chunks[0].id


def high_rules(session: ReviewSession) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for chunk in session.chunks:
        for flag in session.flags_of(chunk.id):
            if flag.severity == "high":
                found.setdefault(chunk.path, set()).add(flag.rule)
    return found


def test_the_fixture_has_high_findings_in_three_files(session: ReviewSession) -> None:
    assert set(high_rules(session)) == {"src/data.py", "src/model.py", "configs/train.yaml"}


def test_a_terse_note_comes_with_the_findings_and_their_lines(session: ReviewSession) -> None:
    config = chunk_of(session, "configs/train.yaml")
    session.flag(config, "wrong, see spec")
    prompt = requests_prompt(session.requests, session)
    item = prompt[prompt.index("`configs/train.yaml:") :]
    item = item[: item.index("\n\n", item.index("The checks found on this code:"))]
    assert item.startswith("`configs/train.yaml:1-2`")
    assert ": wrong, see spec\n\n   The checks found on this code:\n" in item
    assert "   - line 1: spec says learning rate = 1e-4" in item
    assert "   - line 2: spec says epochs = 3" in item
    assert item.count("(`spec-mismatch`)") == 2


def test_a_note_on_code_with_no_finding_stays_the_note_alone(session: ReviewSession) -> None:
    clean = next(c for c in session.chunks if not session.flags_of(c.id))
    session.flag(clean.id, "rename this")
    prompt = requests_prompt(session.requests, session)
    start = prompt.index(f"`{clean.location}`")
    assert "The checks found on this code" not in prompt[start : prompt.index("\n\n", start)]
    assert "rename this" in prompt


def test_a_flag_without_a_note_still_gives_the_findings_once(session: ReviewSession) -> None:
    model = chunk_of(session, "src/model.py")
    session.flag(model, "")
    prompt = requests_prompt(session.requests, session)
    assert "Flagged without a note; the checks found: spec says padding side = right" in prompt
    assert prompt.count("spec says padding side = right") == 1  # not again as undecided


def test_undecided_high_findings_are_handed_on_as_not_confirmed(session: ReviewSession) -> None:
    session.flag(chunk_of(session, "src/model.py"), "padding must be right")
    session.approve(chunk_of(session, "configs/train.yaml"))
    prompt = requests_prompt(session.requests, session)
    found = undecided_high(session)
    assert {chunk.path for chunk, _ in found} == {"src/data.py"}
    title = prompt.index(f"Not reviewed yet: {len(found)} high-severity finding")
    assert "has not confirmed them" in prompt[title:]
    rest = prompt[title:]
    assert "`src/data.py:" in rest and "(`synthetic-fallback`)" in rest
    # decided code is not repeated: the flagged one is above, the approved one is gone
    assert "padding side" not in rest and "learning rate" not in rest
    # medium findings (the swallowed error) are not handed on undecided
    assert "swallowed" not in rest and "src/evaluate.py" not in rest
    assert title < prompt.index("While you work:")
    assert prompt.index("Code the reviewer flagged") < title


def test_with_every_high_finding_decided_there_is_no_undecided_group(
    session: ReviewSession,
) -> None:
    for path in ["src/data.py", "src/model.py", "configs/train.yaml"]:
        session.approve(chunk_of(session, path))
    assert undecided_high(session) == []
    assert "Not reviewed yet" not in requests_prompt(session.requests, session)


def test_undecided_findings_alone_make_a_prompt(session: ReviewSession) -> None:
    """Nothing flagged, nothing queued, no gaps: the undecided high findings still go to the
    agent, one item each, counted in the title."""
    prompt = requests_prompt(session.requests, session)
    count = len(undecided_high(session))
    assert count >= 3
    assert f"Not reviewed yet: {count} high-severity findings" in prompt
    assert f"{count}. `" in prompt


def test_the_markdown_queue_gives_the_findings_after_the_flagged_code(
    session: ReviewSession,
) -> None:
    config = chunk_of(session, "configs/train.yaml")
    session.flag(config, "wrong, see spec")
    text = requests_markdown(session.requests, session=session)
    block = text[text.index("## flagged — `configs/train.yaml") :]
    assert block.index("wrong, see spec") < block.index("```diff") < block.index("The checks found")
    assert "- line 1: spec says learning rate = 1e-4" in block
