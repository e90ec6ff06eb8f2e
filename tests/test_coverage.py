"""Tests of `core/coverage.py`: the requirement → code view (implemented, not implemented, claimed
done, process sections, back-linked requirements, unrequested code, phase marks)."""

from __future__ import annotations

from pathlib import Path

import pytest

from reviewtui.core.coverage import STATUS_TEXT, build_coverage, coverage_for, settled_sections
from reviewtui.core.models import Chunk, DiffLine, SectionLink, Spec
from reviewtui.core.phases import parse_phases, review_phase
from reviewtui.core.session import ReviewSession
from reviewtui.core.spec import load_spec
from tests.gitrepo import GitRepo

SPEC = """\
# Plan

## 1 Data

### 1.1 Source

### 1.2 Tokenization

## 2 Training

- [x] 2.1 Optimizer
- [x] 2.2 Schedule
- [ ] 2.3 Early stopping

## 3 Phases

- Phase 1 (sections 1.1, 1.2): data.
- Phase 2 (section 2): training.
"""

KIRO = """\
# Requirements

### Requirement 1

Load shards.

### Requirement 2

Deduplicate.

# Implementation Plan

- [ ] 1. Shards
  - [ ] 1.1 Reader
    - _Requirements: 1.1_
- [ ] 2. Dedup
  - [ ] 2.1 Exact filter
    - _Requirements: 2.1_
"""


@pytest.fixture
def spec(tmp_path: Path) -> Spec:
    (tmp_path / "SPEC.md").write_text(SPEC, encoding="utf-8")
    return load_spec(tmp_path, ["SPEC.md"])


def chunk(chunk_id: str) -> Chunk:
    line = DiffLine("+", "x = 1", None, 1)
    return Chunk(chunk_id, "a.py", None, "added", [line], 1, 1, 0, 0, 1, 0)


def setup(links: dict[str, str | None]) -> tuple[list[Chunk], dict[str, SectionLink]]:
    chunks = [chunk(chunk_id) for chunk_id in links]
    return chunks, {cid: SectionLink(cid, section, 0.8) for cid, section in links.items()}


def test_statuses(spec: Spec) -> None:
    chunks, links = setup({"a": "11-source", "b": "11-source", "c": "2.1", "d": None})
    coverage = build_coverage(spec, chunks, links)
    assert coverage.get("11-source").status == "implemented"
    assert coverage.get("11-source").chunks == ["a", "b"]
    assert coverage.get("1-data").status == "implemented"
    assert coverage.get("1-data").subtree_chunks == 2
    assert coverage.get("1-data").chunks == []
    assert coverage.get("12-tokenization").status == "not-implemented"
    assert coverage.get("2.1").status == "implemented"
    assert coverage.get("2.2").status == "claimed-done"
    assert coverage.get("2.2").status_text == "claimed done, no code seen"
    assert coverage.get("2.3").status == "not-implemented"
    assert coverage.get("2.3").status_text == "not implemented in this phase"
    assert coverage.get("3-phases").status == "process"
    assert coverage.unrequested == ["d"]
    assert [item.section_id for item in coverage.sections] == [s.id for s in spec.sections]
    assert {item.section_id for item in coverage.with_status("claimed-done")} == {"2.2"}


def test_link_to_a_vanished_section_counts_as_unrequested(spec: Spec) -> None:
    chunks, links = setup({"a": "9-gone"})
    assert build_coverage(spec, chunks, links).unrequested == ["a"]


def test_missing_chunk_link_counts_as_unrequested(spec: Spec) -> None:
    coverage = build_coverage(spec, [chunk("a")], {})
    assert coverage.unrequested == ["a"]


def test_phase_marks(spec: Spec) -> None:
    chunks, links = setup({"a": "11-source", "b": "2.1"})
    report = review_phase(spec, parse_phases(spec), links, selected="1")
    coverage = build_coverage(spec, chunks, links, report)
    assert coverage.phase == "1"
    assert [item.section_id for item in coverage.missing] == ["12-tokenization"]
    assert coverage.get("12-tokenization").phase == "1"
    assert coverage.get("2.1").phase == "2"
    assert coverage.past_checkpoint == {"b": "2"}


def test_requirements_are_implemented_through_task_backlinks(tmp_path: Path) -> None:
    (tmp_path / "spec.md").write_text(KIRO, encoding="utf-8")
    spec = load_spec(tmp_path, ["spec.md"])
    chunks, links = setup({"a": "1.1"})
    coverage = build_coverage(spec, chunks, links)
    requirement = coverage.get("requirement-1")
    assert requirement is not None
    assert requirement.status == "implemented"
    assert requirement.via == ["1.1"]
    assert coverage.get("requirement-2").status == "not-implemented"


def test_every_status_reads_for_humans() -> None:
    assert set(STATUS_TEXT) == {
        "implemented",
        "implemented-earlier",
        "claimed-done",
        "not-implemented",
        "process",
    }


def test_headings_a_task_cites_are_implemented_through_it(tmp_path: Path) -> None:
    text = (
        "# R\n\n## 1 Data\n\n### 1.1 Source\n\nThe corpus.\n\n## 2 Model\n\n## 3 Phases\n\n"
        "- [x] T01 Download the corpus (1.1) in `src/data.py`\n"
        "- [ ] T02 The encoder, see [Model](#2-model)\n"
    )
    (tmp_path / "SPEC.md").write_text(text, encoding="utf-8")
    spec = load_spec(tmp_path, ["SPEC.md"])
    chunks, links = setup({"a": "T01", "b": "T02"})
    coverage = build_coverage(spec, chunks, links)
    assert coverage.get("11-source").status == "implemented"
    assert coverage.get("11-source").via == ["T01"]
    assert coverage.get("2-model").via == ["T02"]


def test_coverage_for_judges_the_phase_in_one_call(spec: Spec) -> None:
    chunks, links = setup({"a": "11-source", "b": "2.1", "c": None})
    coverage = coverage_for(spec, chunks, links)
    assert coverage.phase == "1"
    assert coverage.phase_report is not None
    assert coverage.phase_report.reason.startswith("inferred: 1 of 2")
    assert [item.section_id for item in coverage.missing] == ["12-tokenization"]
    assert coverage.past_checkpoint == {"b": "2"}
    assert coverage.unrequested == ["c"]
    assert coverage_for(spec, chunks, links, "2").phase == "2"


CITING = """\
# R

## 3 Method

### 3.1 Model

### 3.2 Training

## 5 Evaluation

### 5.1 Metrics

### 5.2 Errors

## 6 Phases

- [x] 1.4 Train the baseline (3.1, 3.2)
- [ ] 2.2 Error analysis (5.2)
- [x] 2.3 Report (5.1, 5.2)
- [x] 2.4 Log the runs
"""


@pytest.fixture
def citing(tmp_path: Path) -> Spec:
    (tmp_path / "SPEC.md").write_text(CITING, encoding="utf-8")
    return load_spec(tmp_path, ["SPEC.md"])


def test_a_parent_of_sections_implemented_through_a_task_is_implemented(citing: Spec) -> None:
    chunks, links = setup({"a": "1.4"})
    coverage = build_coverage(citing, chunks, links)
    assert coverage.get("31-model").status == "implemented"
    assert coverage.get("3-method").status == "implemented"
    assert coverage.get("3-method").subtree_chunks == 0
    assert coverage.get("5-evaluation").status == "not-implemented"


def test_a_task_is_implemented_when_the_sections_it_cites_have_code(citing: Spec) -> None:
    chunks, links = setup({"a": "52-errors"})
    coverage = build_coverage(citing, chunks, links)
    assert coverage.get("2.2").status == "implemented"
    assert coverage.get("2.2").via == ["5.2"]
    # 2.3 cites 5.1 too, which has no code: still a claim with no code
    assert coverage.get("2.3").status == "claimed-done"


def test_sections_implemented_before_the_last_checkpoint(citing: Spec) -> None:
    chunks, links = setup({"a": "51-metrics"})
    earlier = {"1.4", "31-model", "32-training", "3-method", "2.4"}
    coverage = build_coverage(citing, chunks, links, earlier=earlier)
    assert coverage.get("1.4").status == "implemented-earlier"
    assert coverage.get("1.4").status_text == "implemented before the last checkpoint"
    assert coverage.get("2.4").status == "implemented-earlier"  # ticked, its code came earlier
    assert coverage.get("51-metrics").status == "implemented"
    assert coverage.get("52-errors").status == "not-implemented"
    assert build_coverage(citing, chunks, links).get("2.4").status == "claimed-done"


NUMBERS = """\
# Plan

## 1 Training

Train the model with `train` from `src/train.py`.

## 2 Hyper-parameters

- learning rate: 3e-5
- batch size: 32

## 3 Schedule

- epochs: 3
- warmup ratio: 6%
"""

CONFIG = "learning_rate: 3.0e-5\nbatch_size: 16\n"


def test_a_section_whose_numbers_the_code_sets_is_implemented(git_repo: GitRepo) -> None:
    git_repo.write("SPEC.md", NUMBERS)
    git_repo.commit("spec")
    git_repo.git("checkout", "-q", "-b", "agent")
    git_repo.write("configs/train.yaml", CONFIG)
    git_repo.write("src/train.py", "def train(model):\n    return model.fit()\n")
    git_repo.commit("Train\n\nSpec: 1")
    session = ReviewSession.open(git_repo.root, no_llm=True)
    assert session.ledger.get("batch_size") is not None
    settled = settled_sections(session.spec, session.ledger)
    # both numbers of 2 are set (one disagrees: the ledger says so); 3's are not set at all
    assert settled == {"2-hyper-parameters"}
    coverage = coverage_for(session.spec, session.chunks, session.links, ledger=session.ledger)
    item = coverage.get("2-hyper-parameters")
    assert item.status == "implemented" and item.settled and item.subtree_chunks == 0
    assert coverage.get("3-schedule").status == "not-implemented"
    without = coverage_for(session.spec, session.chunks, session.links)
    assert without.get("2-hyper-parameters").status == "not-implemented"
