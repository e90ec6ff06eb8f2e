"""Coverage gaps that are not gaps: a section written for the reader (an overview, background,
an appendix) is never "missing" from a phase, a count such as `1,000` in a phase's text names no
section, and numbers the code sets never make a section of a later phase "implemented" (QA D-8,
D-9). Real specs on disk, real git repos and sessions."""

from __future__ import annotations

from pathlib import Path

import pytest

from reviewtui.core.coverage import build_coverage, coverage_for
from reviewtui.core.models import Chunk, DiffLine, SectionLink, Spec
from reviewtui.core.phases import is_prose, parse_phases, review_phase
from reviewtui.core.report import requests_prompt, status_dict
from reviewtui.core.session import ReviewSession
from reviewtui.core.spec import load_spec
from tests.gitrepo import GitRepo


def spec_of(tmp_path: Path, text: str) -> Spec:
    (tmp_path / "SPEC.md").write_text(text, encoding="utf-8")
    return load_spec(tmp_path, ["SPEC.md"])


def links_to(*section_ids: str) -> dict[str, SectionLink]:
    return {f"c{n}": SectionLink(f"c{n}", sid, 0.9) for n, sid in enumerate(section_ids)}


# --------------------------------------------------------------------------- D-8: counts and prose

COUNTED = """\
# Replication

## 1 Overview

Load passages, generate queries, train a reranker.

## 2 Data

### 2.1 Corpus

### 2.2 Queries

## 3 Model

## 4 Phases

### Phase 1: data

Sections 2.1 and 2.2. A `--smoke` flag runs on the first 1,000 passages, and 3,000 in CI.

Checkpoint 1: the smoke run finishes.

### Phase 2: model

Section 3.
"""


@pytest.mark.parametrize(
    "sentence",
    [
        "A `--smoke` flag runs on the first 1,000 passages, and 3,000 in CI.",
        "Smoke runs use 1_000 rows.",
        "The corpus has 100,000 passages; the smoke run keeps 1,000.",
        "Run on 1,000.5 hours of audio.",
    ],
)
def test_a_grouped_count_in_a_phase_names_no_section(tmp_path: Path, sentence: str) -> None:
    text = COUNTED.replace(
        "A `--smoke` flag runs on the first 1,000 passages, and 3,000 in CI.", sentence
    )
    phases = parse_phases(spec_of(tmp_path, text))
    assert phases[0].sections == ["21-corpus", "22-queries"]
    assert phases[1].sections == ["3-model"]


def test_plain_section_numbers_next_to_a_naming_word_still_count(tmp_path: Path) -> None:
    """Bait: the fix for `1,000` must not stop `Sections 1 and 3` from naming 1 and 3."""
    text = COUNTED.replace("Sections 2.1 and 2.2.", "Covers sections 1 and 3 of the plan.")
    phases = parse_phases(spec_of(tmp_path, text))
    assert set(phases[0].sections) >= {"1-overview", "3-model"}


def test_the_overview_is_not_missing_even_when_a_phase_names_it(tmp_path: Path) -> None:
    text = COUNTED.replace("Sections 2.1 and 2.2.", "Sections 1–2.")
    spec = spec_of(tmp_path, text)
    phases = parse_phases(spec)
    assert "1-overview" in phases[0].sections  # named by the range: still no code to write
    report = review_phase(spec, phases, links_to("21-corpus"), "1")
    assert report.missing == ["22-queries"]
    coverage = build_coverage(spec, [], {}, report)
    assert coverage.get("1-overview").status == "process"
    assert not coverage.get("1-overview").missing


PROSE = """\
# Plan

## Phase 1: pipeline

### 1.1 Background and motivation

Why we replicate this paper.

### 1.2 Background subtraction

Subtract the median frame from every frame.

### 1.3 Introduction

### 1.4 Notes

### 1.5 Loader

Read the frames.

### Appendix A: prompt

The few-shot prompt.

### References

## Phase 2: later
"""


def test_sections_for_the_reader_are_never_missing_but_work_is(tmp_path: Path) -> None:
    spec = spec_of(tmp_path, PROSE)
    report = review_phase(spec, parse_phases(spec), links_to("15-loader"), "1")
    # "Background subtraction" asks for code (bait); the background, notes, appendix do not
    assert report.missing == ["12-background-subtraction"]
    coverage = build_coverage(spec, [], links_to("15-loader"), report)
    for prose in ["11-background-and-motivation", "13-introduction", "14-notes", "references"]:
        assert coverage.get(prose).status == "process", prose
    assert coverage.get("appendix-a-prompt").status == "process"
    assert coverage.get("12-background-subtraction").status == "not-implemented"


@pytest.mark.parametrize(
    ("title", "prose"),
    [
        ("1 Overview", True),
        ("Introduction", True),
        ("2. Background & related work", True),
        ("Goals and non-goals", True),
        ("Appendix B: hyper-parameter grid", True),
        ("Overview of the loader", False),
        ("Context window", False),
        ("Summary statistics", False),
        ("3.2 Notes on tokenization", False),
    ],
)
def test_which_titles_are_written_for_the_reader(tmp_path: Path, title: str, prose: bool) -> None:
    spec = spec_of(tmp_path, f"# Plan\n\n## {title}\n\nText.\n")
    assert is_prose(spec.sections[1]) is prose


def test_a_prose_section_with_code_linked_is_implemented(tmp_path: Path) -> None:
    spec = spec_of(tmp_path, COUNTED)
    line = DiffLine("+", "PIPELINE = ['load', 'generate', 'train']", None, 1)
    chunk = Chunk("c0", "src/pipeline.py", None, "added", [line], 1, 1, 0, 0, 1, 0)
    coverage = build_coverage(spec, [chunk], links_to("1-overview"))
    assert coverage.get("1-overview").status == "implemented"


QA_LIKE = """\
# Replication

## 1 Overview

Pipeline: load passages, generate queries, mine negatives, train.

## 2 Data

### 2.1 Corpus

Load the corpus with `load_corpus`.

### 2.2 Negatives

Sample 3 hard negatives with `sample_negatives`.

## 3 Evaluation

### 3.1 Ablation: number of negatives

(Phase 2.) Train with 1, 3 and 7 negatives and report MRR@10 for each.

## 4 Phases

### Phase 1: data

Sections 2.1 and 2.2. A `--smoke` flag runs on the first 1,000 passages.

Checkpoint 1: the smoke run finishes.

### Phase 2: ablations

Section 3.1.

Checkpoint 2: a table of MRR@10 for 1, 3 and 7 negatives.
"""

CORPUS = '''\
def load_corpus(path):
    """Load the corpus."""
    with open(path) as handle:
        return handle.read().splitlines()
'''

NEGATIVES = '''\
import random

NUM_NEGATIVES = 3


def sample_negatives(pool, seed):
    """Sample the hard negatives."""
    return random.Random(seed).sample(pool, NUM_NEGATIVES)
'''


@pytest.fixture
def qa_like(git_repo: GitRepo) -> GitRepo:
    git_repo.write("SPEC.md", QA_LIKE)
    git_repo.commit("spec")
    git_repo.write("src/corpus.py", CORPUS)
    git_repo.write("src/negatives.py", NEGATIVES)
    git_repo.commit("Corpus and negatives\n\nSpec: 2.1, 2.2")
    return git_repo


def test_the_session_neither_misses_the_overview_nor_asks_the_agent_for_it(
    qa_like: GitRepo,
) -> None:
    session = ReviewSession.open(qa_like.root, no_llm=True)
    status = status_dict(session)
    prompt = requests_prompt(session.requests, session)
    assert status["phase"]["number"] == "1"
    assert status["phase"]["missing"] == []
    overview = next(s for s in status["sections"] if s["id"] == "1-overview")
    assert overview["coverage"] == "process" and not overview["missing"]
    assert "Overview" not in prompt


# --------------------------------------------------------------------------- D-9: later phases


def test_numbers_the_code_sets_do_not_implement_a_later_phase(qa_like: GitRepo) -> None:
    session = ReviewSession.open(qa_like.root, no_llm=True)
    assert session.ledger.get("num_negatives") is not None
    by_id = {item.section_id: item for item in session.coverage.sections}
    status = {s["id"]: s for s in status_dict(session)["sections"]}
    assert by_id["31-ablation-number-of-negatives"].status == "not-implemented"
    assert by_id["phase-2-ablations"].status == "not-implemented"
    assert status["31-ablation-number-of-negatives"]["coverage"] == "not-implemented"
    assert by_id["22-negatives"].status == "implemented"


LATER_NUMBERS = """\
# Plan

## 1 Data

Load the rows with `load_rows`.

## 2 Fine-tuning

- learning rate: 2e-5
- warmup ratio: 0.1

## 3 Phases

### Phase 1: data

Section 1.

### Phase 2: fine-tuning

Section 2.
"""


@pytest.fixture
def later_numbers(git_repo: GitRepo) -> GitRepo:
    git_repo.write("SPEC.md", LATER_NUMBERS)
    git_repo.commit("spec")
    git_repo.write("src/data.py", "def load_rows(path):\n    return open(path).read().split()\n")
    git_repo.write("configs/train.yaml", "learning_rate: 2.0e-5\nwarmup_ratio: 0.1\n")
    git_repo.commit("Rows\n\nSpec: 1")
    return git_repo


def test_a_later_phase_whose_numbers_the_code_sets_is_not_implemented(
    later_numbers: GitRepo,
) -> None:
    session = ReviewSession.open(later_numbers.root, no_llm=True)
    assert session.coverage.phase == "1"
    item = session.coverage.get("2-fine-tuning")
    assert item is not None and item.status == "not-implemented" and item.subtree_chunks == 0
    assert session.coverage.get("phase-2-fine-tuning").status == "not-implemented"


def test_reviewing_the_later_phase_its_numbers_settle_it(later_numbers: GitRepo) -> None:
    """Bait: with phase 2 under review, its section whose numbers the code sets is implemented
    (as any settled section of the phase under review), and nothing is missing."""
    session = ReviewSession.open(later_numbers.root, no_llm=True)
    coverage = coverage_for(
        session.spec, session.chunks, session.links, phase="2", ledger=session.ledger
    )
    assert coverage.get("2-fine-tuning").status == "implemented"
    # "implemented" beside 0 chunks says why
    assert coverage.get("2-fine-tuning").status_text == "implemented: numbers set in code"
    assert coverage.get("1-data").status_text == "implemented"
    assert coverage.phase_report is not None and coverage.phase_report.missing == []
