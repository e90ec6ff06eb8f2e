"""Tests of `core/phases.py`: parsing the phases a spec declares (phase headings, spec-kit phases, a
Phases section with list items), choosing the phase under review, missing sections and code past the
checkpoint."""

from __future__ import annotations

from pathlib import Path

import pytest

from reviewtui.core.models import SectionLink, Spec
from reviewtui.core.phases import (
    cited_sections,
    find_phase,
    implemented_sections,
    parse_phases,
    review_phase,
    section_phases,
)
from reviewtui.core.spec import load_spec
from reviewtui.errors import ReviewError

LIST_STYLE = """\
# Replication

## 1 Data

### 1.1 Source

### 1.2 Tokenization

### 1.3 Batching

## 2 Model

### 2.1 Pooling

## 3 Training

## 4 Evaluation

## 5 Phases

- Phase 1 (sections 1.1–1.3): the data pipeline. Checkpoint: the dev loader yields 872 examples.
- **Phase 2** — sections 2 and 3: model and training.
  - Checkpoint: one epoch runs end to end.
- Phase 3 (section 4): evaluation.
"""

HEADING_STYLE = """\
# Plan

## 1 Data

## 2 Model

## Phases

### Phase 1: data pipeline

Covers [Data](#1-data).

- [x] 1.1 Write the loader in `src/data.py`
- [ ] 1.2 Add a test of the dev split

Checkpoint: stop after Phase 1 and wait for review.

### Phase 2: model

- [ ] 2.1 Implement the model (see [Model](#2-model))
- [ ] 2.2 Training loop
"""

SPECKIT = """\
# Tasks: albums

## Phase 1: Setup

- [ ] T001 Create the project layout
- [ ] T002 Configure linting

## Phase 2: User Story 1 - Create an album (Priority: P1)

### Implementation for User Story 1

- [ ] T003 [US1] Album model
- [ ] T004 [US1] Album endpoint

**Checkpoint**: User Story 1 works on its own.
"""


def parse(tmp_path: Path, text: str, name: str = "SPEC.md") -> Spec:
    (tmp_path / name).write_text(text, encoding="utf-8")
    return load_spec(tmp_path, [name])


def links_to(*section_ids: str | None) -> dict[str, SectionLink]:
    return {f"c{n}": SectionLink(f"c{n}", section, 0.9) for n, section in enumerate(section_ids)}


def test_list_items_in_a_phases_section(tmp_path: Path) -> None:
    phases = parse_phases(parse(tmp_path, LIST_STYLE))
    assert [p.number for p in phases] == ["1", "2", "3"]
    assert phases[0].sections == ["11-source", "12-tokenization", "13-batching"]
    assert phases[0].checkpoint == "the dev loader yields 872 examples"
    assert phases[1].sections == ["2-model", "3-training"]
    assert phases[1].checkpoint == "one epoch runs end to end"
    assert phases[2].sections == ["4-evaluation"]
    assert phases[2].checkpoint is None
    assert phases[2].section_id is None


def test_phase_headings_cover_their_tasks_and_anchors(tmp_path: Path) -> None:
    phases = parse_phases(parse(tmp_path, HEADING_STYLE))
    assert [p.label for p in phases] == ["Phase 1", "Phase 2"]
    first, second = phases
    assert first.section_id == "phase-1-data-pipeline"
    assert first.sections == ["1.1", "1.2", "1-data"]
    assert first.checkpoint == "stop after Phase 1 and wait for review"
    assert second.sections == ["2.1", "2.2", "2-model"]


def test_speckit_phases_and_their_story(tmp_path: Path) -> None:
    phases = parse_phases(parse(tmp_path, SPECKIT, "tasks.md"))
    assert [p.number for p in phases] == ["1", "2"]
    assert phases[1].checkpoint == "User Story 1 works on its own"
    covered = section_phases(parse(tmp_path, SPECKIT, "tasks.md"), phases)
    assert covered["T003"] == "2" and covered["T001"] == "1"


def test_no_phases_declared(tmp_path: Path) -> None:
    spec = parse(tmp_path, "# Spec\n\n## Data\n\n## Model\n")
    assert parse_phases(spec) == []
    report = review_phase(spec, [], links_to("data"))
    assert report.phase is None
    assert report.missing == [] and report.past_checkpoint == {}


def test_choosing_a_phase_when_none_is_declared_is_a_user_error(tmp_path: Path) -> None:
    spec = parse(tmp_path, "# Spec\n\n## Data\n")
    with pytest.raises(ReviewError, match=r"unknown phase: 2 \(the spec declares no phases\)"):
        review_phase(spec, [], links_to("data"), selected="2")


def test_sections_of_a_phase_include_descendants(tmp_path: Path) -> None:
    spec = parse(tmp_path, LIST_STYLE)
    covered = section_phases(spec, parse_phases(spec))
    assert covered["21-pooling"] == "2"
    assert covered["11-source"] == "1"
    assert "5-phases" not in covered


@pytest.mark.parametrize("name", ["2", "Phase 2", "phase-2", "PHASE 2"])
def test_find_phase_by_number_or_name(tmp_path: Path, name: str) -> None:
    phases = parse_phases(parse(tmp_path, LIST_STYLE))
    assert find_phase(phases, name).number == "2"


def test_unknown_phase_is_a_user_error(tmp_path: Path) -> None:
    phases = parse_phases(parse(tmp_path, LIST_STYLE))
    with pytest.raises(ReviewError, match=r"unknown phase: 7 \(the spec declares: 1, 2, 3\)"):
        find_phase(phases, "7")


def test_inferred_phase_missing_sections_and_overrun(tmp_path: Path) -> None:
    spec = parse(tmp_path, LIST_STYLE)
    phases = parse_phases(spec)
    links = links_to("11-source", "11-source", "12-tokenization", "21-pooling", None)
    report = review_phase(spec, phases, links)
    assert report.phase is not None and report.phase.number == "1"
    assert report.reason.startswith("inferred: 3 of 4")
    assert report.missing == ["13-batching"]
    assert report.past_checkpoint == {"c3": "2"}


def test_explicit_phase_wins_over_inference(tmp_path: Path) -> None:
    spec = parse(tmp_path, LIST_STYLE)
    links = links_to("11-source", "21-pooling")
    report = review_phase(spec, parse_phases(spec), links, selected="2")
    assert report.phase is not None and report.phase.number == "2"
    assert report.reason == "chosen: phase 2"
    assert report.missing == ["3-training"]  # 2 Model has code below it
    assert report.past_checkpoint == {}


def test_a_wholly_missing_heading_is_reported_once(tmp_path: Path) -> None:
    spec = parse(tmp_path, LIST_STYLE)
    report = review_phase(spec, parse_phases(spec), links_to("4-evaluation"), selected="2")
    assert report.missing == ["2-model", "3-training"]


def test_inference_with_no_code_in_any_phase(tmp_path: Path) -> None:
    spec = parse(tmp_path, LIST_STYLE)
    report = review_phase(spec, parse_phases(spec), links_to(None, None))
    assert report.phase is None
    assert "no linked code" in report.reason


def test_overrun_does_not_move_the_review_to_the_later_phase(tmp_path: Path) -> None:
    spec = parse(tmp_path, LIST_STYLE)
    links = links_to("11-source", "12-tokenization", "21-pooling", "21-pooling", "3-training")
    report = review_phase(spec, parse_phases(spec), links)
    assert report.phase is not None and report.phase.number == "1"
    assert set(report.past_checkpoint) == {"c2", "c3", "c4"}


def test_checkpoint_task_is_not_missing(tmp_path: Path) -> None:
    text = (
        "# Plan\n\n## Phase 1: loader\n\n- [ ] 1.1 Loader\n- [ ] 1.2 Checkpoint - all tests pass\n"
    )
    spec = parse(tmp_path, text)
    phases = parse_phases(spec)
    assert phases[0].checkpoint == "all tests pass"
    report = review_phase(spec, phases, links_to(None), selected="1")
    assert report.missing == ["1.1"]


CITED_STYLE = """\
# Replication

## 1 Data

### 1.1 Source

### 1.2 Preprocessing

### 1.3 Splits

## 2 Model

## 3 Training

## 6 Phases

### Phase 1: data and model

Covers sections 1 (Data) and 2 (Model).

- [x] T01 Download the corpus (1.1) in `src/data.py`
- [x] T02 Tokenize as 1.2 says
- [ ] T03 Hold out the dev split of 1.3
- [x] T05 The bi-encoder (2) in `src/model.py`
- [x] T06 Unit tests in `tests/test_model.py`

**Checkpoint 1:** stop here.

### Phase 2: training

- [ ] T07 The training loop (3)
"""


def test_a_section_cited_by_a_task_with_code_is_not_missing(tmp_path: Path) -> None:
    spec = parse(tmp_path, CITED_STYLE)
    report = review_phase(spec, parse_phases(spec), links_to("T01", "T02", "T05", "T05"))
    assert report.phase is not None and report.phase.number == "1"
    # 1.1, 1.2 and 2 are implemented through the tasks that cite them; only the splits (1.3 and
    # the task citing it) and the tests have no code
    assert report.missing == ["13-splits", "T03", "T06"]


def test_a_numbered_checkpoint_keeps_only_its_text(tmp_path: Path) -> None:
    phases = parse_phases(parse(tmp_path, CITED_STYLE))
    assert phases[0].checkpoint == "stop here"


REPLICATION = """\
# SST-2

## 2. Data

### 2.1 Source

### 2.2 Tokenization

### 2.3 Augmentation

### 2.4 Splits

## 3. Method

### 3.1 Model

### 3.2 Training loop

### 3.3 Early stopping

## 5. Evaluation

### 5.1 Metrics

### 5.2 Error analysis

### 5.3 Calibration

## 6. Phases

### Phase 1: Data and baseline (sections 2.1–2.4, 3.1, 3.2, 5.1)

- [x] 1.1 Load and tokenize (2.1, 2.2)
- [ ] 1.2 Dev split (2.4)

Checkpoint: stop after phase 1.

### Phase 2: Selection and analysis (sections 3.3, 5.2, 5.3)

- [ ] 2.1 Early stopping (3.3)
- [ ] 2.2 Error analysis (5.2)
- [ ] 2.3 Calibration (5.3)
"""


def test_a_phase_heading_names_its_sections_in_its_title(tmp_path: Path) -> None:
    first, second = parse_phases(parse(tmp_path, REPLICATION))
    # `2.1` is both a heading's number and a phase-2 task's id: the heading is meant
    assert first.sections == [
        "1.1",
        "1.2",
        "21-source",
        "22-tokenization",
        "23-augmentation",
        "24-splits",
        "31-model",
        "32-training-loop",
        "51-metrics",
    ]
    assert second.sections == [
        "2.1",
        "2.2",
        "2.3",
        "33-early-stopping",
        "52-error-analysis",
        "53-calibration",
    ]
    assert first.checkpoint == "stop after phase 1"


def test_code_for_a_section_the_later_phase_heading_names_is_past_the_checkpoint(
    tmp_path: Path,
) -> None:
    spec = parse(tmp_path, REPLICATION)
    links = links_to("1.1", "1.1", "31-model", "51-metrics", "52-error-analysis", "53-calibration")
    report = review_phase(spec, parse_phases(spec), links)
    assert report.phase is not None and report.phase.number == "1"
    assert report.past_checkpoint == {"c4": "2", "c5": "2"}
    # 2.1 and 2.2 are implemented through task 1.1, which cites them; 2.3 and 3.2 have no code
    assert report.missing == ["23-augmentation", "24-splits", "32-training-loop", "1.2"]


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("## Phase 1 (§2–§4)", ["2-data", "3-model", "4-training"]),
        ("## Phase 1: data — covers 2.1-2.3", ["21-source", "22-tokens", "23-splits"]),
        ("## Phase 1: data (sections 2.1 to 2.3)", ["21-source", "22-tokens", "23-splits"]),
        ("## Phase 1: data (2.1, 2.3)", ["21-source", "23-splits"]),
        ("## Phase 1: data, sections 2.2 and 3", ["22-tokens", "3-model"]),
        ("## Phase 1: 3 datasets and 2 models", []),
        ("## Phase 1: setup (Priority: P1)", []),
        ("## Phase 1 (tasks 2.1–2.2)", ["2.1", "2.2"]),
        ("## Phase 1: data [sections 2.1-2.3]", ["21-source", "22-tokens", "23-splits"]),
        ("## Phase 1: data (covers sections 2.2 and 3)", ["22-tokens", "3-model"]),
        ("## Phase 1 — §2 through §3: data and model", ["2-data", "3-model"]),
        ("## Phase 1: data (2 weeks)", []),
        ("## Phase 1: covering 3 datasets", []),
        ("## Phase 1 (weeks 1-2): sections 4", ["4-training"]),
    ],
)
def test_forms_of_a_phase_title_naming_sections(
    tmp_path: Path, title: str, expected: list[str]
) -> None:
    text = (
        "# Plan\n\n## 2 Data\n\n### 2.1 Source\n\n### 2.2 Tokens\n\n### 2.3 Splits\n\n"
        "## 3 Model\n\n## 4 Training\n\n## 5 Tasks\n\n- [ ] 2.1 Loader\n- [ ] 2.2 Tokenizer\n\n"
        f"{title}\n\nDo the work.\n"
    )
    (phase,) = parse_phases(parse(tmp_path, text))
    assert phase.sections == expected


def test_sections_implemented_before_the_checkpoint_are_not_missing(tmp_path: Path) -> None:
    spec = parse(tmp_path, REPLICATION)
    phases = parse_phases(spec)
    # a fix round: only the dev split is new; the rest was reviewed before the checkpoint
    earlier = implemented_sections(spec, links_to("1.1", "31-model", "32-training-loop"))
    report = review_phase(spec, phases, links_to("24-splits"), selected="1", earlier=earlier)
    assert report.missing == ["23-augmentation", "51-metrics"]
    assert report.earlier == ["21-source", "22-tokenization", "31-model", "32-training-loop", "1.1"]
    without = review_phase(spec, phases, links_to("24-splits"), selected="1")
    assert "1.1" in without.missing and without.earlier == []


def test_a_task_stands_for_the_headings_it_cites(tmp_path: Path) -> None:
    spec = parse(tmp_path, REPLICATION)
    assert [s.id for s in cited_sections(spec, "1.2")] == ["24-splits"]
    # `(2.1, 2.2)` are the headings 2.1 and 2.2, not the phase-2 tasks with those ids
    assert [s.id for s in cited_sections(spec, "1.1")] == ["21-source", "22-tokenization"]
    assert [s.id for s in cited_sections(spec, "2.2")] == ["52-error-analysis"]
    assert cited_sections(spec, "21-source") == []


PROSE = """\
# DPO

## 2. Model

## 3. Training

## Phases

### Phase 1 — SFT baseline (done)

Pythia-410m SFT on the filtered set, ROUGE sanity-checked against the numbers. Checkpoint
`ckpt/sft-410m` exists.

### Phase 2 — full run

Pythia-2.8B SFT then DPO on 8 GPUs, 2-3 days. Covers sections 2 and 3.
"""


def test_plain_numbers_in_a_phase_text_need_a_naming_word(tmp_path: Path) -> None:
    first, second = parse_phases(parse(tmp_path, PROSE))
    assert first.sections == []  # `(done)` is no list of sections
    assert second.sections == ["2-model", "3-training"]  # from "sections 2 and 3" only
    prose_only = PROSE.replace(" Covers sections 2 and 3.", "")
    assert parse_phases(parse(tmp_path, prose_only))[1].sections == []


def test_a_checkpoint_goes_on_over_the_next_line(tmp_path: Path) -> None:
    first, _ = parse_phases(parse(tmp_path, PROSE))
    assert first.checkpoint == "`ckpt/sft-410m` exists"
