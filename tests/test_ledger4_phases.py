"""The ledger and the spec's phases (QA "devs" D-10): a value only a later phase's sections state (an
ablation grid, a changed setting) is not an allowed value of a parameter the earlier phase states,
whichever way the spec declares its phases; without phases, or with the parameter in one phase
only, every value the spec states is allowed as before."""

from __future__ import annotations

import pytest

from reviewtui.core import gitrange
from reviewtui.core.checks import build_ledger, ledger_markdown
from reviewtui.core.spec import load_spec
from tests.gitrepo import GitRepo
from tests.ledger_support import review

PHASE_HEADINGS = """# Replication

## 2 Data

### 2.3 Hard negatives

Retrieve with BM25 and sample 3 hard negatives at random from the rest.

### 2.4 Training

Train for 3 epochs with a learning rate of 2e-5.

## 4 Evaluation

### 4.4 Ablation: number of negatives

(Phase 2.) Train with 1, 3 and 7 negatives, for 3, 5 and 10 epochs, with a learning rate from
1e-5 to 5e-5, and report MRR@10 for each.

## 5 Phases

### Phase 1: data and training

Sections 2.3 and 2.4.

### Phase 2: ablations

Sections 4.4.

Checkpoint 2: a table of MRR@10 for 1, 3 and 7 negatives.
"""

PHASE_LIST = """# Replication

## 1 Data

Sample 3 hard negatives per query. Train for 3 epochs with a learning rate of 2e-5.

## 2 Ablation

Train with 1, 3 and 7 negatives, for 3, 5 and 10 epochs, with a learning rate from 1e-5 to 5e-5.

## Phases

- Phase 1 (section 1): data and training. Checkpoint: the smoke run finishes.
- Phase 2 (section 2): the ablation grid.
"""

NESTED = """# Replication

## Phase 1: training

### Training setup

Sample 3 hard negatives per query. Train for 3 epochs with a learning rate of 2e-5.

## Phase 2: sweeps

### Sweep

Train with 1, 3 and 7 negatives, for 3, 5 and 10 epochs, with a learning rate from 1e-5 to 5e-5.
"""

SPECS = [
    pytest.param(PHASE_HEADINGS, id="phase-headings-listing-sections"),
    pytest.param(PHASE_LIST, id="phase-list-items"),
    pytest.param(NESTED, id="sections-under-phase-headings"),
    pytest.param(
        PHASE_HEADINGS.replace("Sections 4.4.", "The ablations."), id="a-section-marked-phase-2"
    ),
]

LATER_VALUES = [
    pytest.param("NUM_NEGATIVES = 7\n", "num_negatives", "NUM_NEGATIVES = 7", id="negatives"),
    pytest.param("EPOCHS = 10\n", "epochs", "EPOCHS = 10", id="epochs"),
    pytest.param("LEARNING_RATE = 3e-5\n", "learning_rate", "LEARNING_RATE = 3e-5", id="lr-range"),
]


@pytest.mark.parametrize("spec", SPECS)
@pytest.mark.parametrize(("code", "parameter", "written"), LATER_VALUES)
def test_a_later_phases_value_disagrees_with_the_earlier_phase(
    git_repo: GitRepo, spec: str, code: str, parameter: str, written: str
) -> None:
    ledger, flags = review(git_repo, spec, {"src/train.py": code})
    entry = ledger.get(parameter)
    assert entry is not None and entry.status == "disagrees"
    assert entry.later and all(value.line > entry.spec_values[0].line for value in entry.later)
    messages = [flag.message for flag in flags if flag.rule == "spec-mismatch"]
    assert len(messages) == 1 and written in messages[0]
    assert "(Phase 2's value: " in messages[0]


EARLIER_VALUES = [
    pytest.param("NUM_NEGATIVES = 3\n", "num_negatives", id="negatives"),
    pytest.param("EPOCHS = 3\n", "epochs", id="epochs"),
    pytest.param("LEARNING_RATE = 2e-5\n", "learning_rate", id="lr"),
]


@pytest.mark.parametrize("spec", SPECS)
@pytest.mark.parametrize(("code", "parameter"), EARLIER_VALUES)
def test_the_earlier_phases_value_agrees(
    git_repo: GitRepo, spec: str, code: str, parameter: str
) -> None:
    ledger, flags = review(git_repo, spec, {"src/train.py": code})
    entry = ledger.get(parameter)
    assert entry is not None and entry.status == "agrees"
    assert [flag for flag in flags if flag.rule == "spec-mismatch"] == []


def test_without_phases_every_stated_value_is_allowed(git_repo: GitRepo) -> None:
    spec = PHASE_LIST.split("## Phases")[0]
    ledger, flags = review(git_repo, spec, {"src/train.py": "NUM_NEGATIVES = 7\nEPOCHS = 10\n"})
    for parameter in ("num_negatives", "epochs"):
        entry = ledger.get(parameter)
        assert entry is not None and entry.status == "agrees" and entry.later == []
    assert [flag for flag in flags if flag.rule == "spec-mismatch"] == []


def test_a_parameter_only_a_later_phase_states_is_judged_by_it(git_repo: GitRepo) -> None:
    spec = PHASE_HEADINGS.replace("Train for 3 epochs with a learning rate of 2e-5.", "Train.")
    ledger, flags = review(git_repo, spec, {"src/train.py": "EPOCHS = 5\n"})
    entry = ledger.get("epochs")
    assert entry is not None and entry.status == "agrees" and entry.later == []
    assert [flag for flag in flags if flag.rule == "spec-mismatch"] == []


def test_values_of_the_same_phase_stay_alternatives(git_repo: GitRepo) -> None:
    """BM25 depth 30 for negatives and reranking depth 1000, both in Phase 1: either agrees."""
    spec = PHASE_HEADINGS.replace(
        "Retrieve with BM25", "Retrieve the top-30 passages with BM25"
    ).replace("Train for 3 epochs", "Rerank the top-1000 passages. Train for 3 epochs")
    ledger, _flags = review(git_repo, spec, {"src/neg.py": "RETRIEVAL_DEPTH = 1000\n"})
    entry = ledger.get("retrieval_top_k")
    assert entry is not None and entry.status == "agrees"
    assert [value.text for value in entry.spec_values] == ["30", "1000"]


def test_a_value_stated_twice_is_named_once_with_both_places(git_repo: GitRepo) -> None:
    spec = "# Spec\n\nSample 3 hard negatives per query.\n\nUse groups of 1 positive and 3 hard negatives.\n"
    _ledger, flags = review(git_repo, spec, {"src/neg.py": "NUM_NEGATIVES = 5\n"})
    messages = [flag.message for flag in flags if flag.rule == "spec-mismatch"]
    assert messages == [
        "spec says hard negatives = 3 (SPEC.md:3, SPEC.md:5); code sets NUM_NEGATIVES = 5"
    ]


def test_the_export_lists_a_later_phases_values_apart(git_repo: GitRepo) -> None:
    ledger, _flags = review(git_repo, PHASE_HEADINGS, {"src/train.py": "NUM_NEGATIVES = 3\n"})
    table = ledger_markdown(ledger)
    assert "| num_negatives | 3 | SPEC.md:7 | NUM_NEGATIVES = 3 | src/train.py:1 | yes |" in table
    assert "Stated for a later phase, not allowed in this one: " in table
    assert "num_negatives (1, 3 and 7, SPEC.md:17)" in table


@pytest.mark.parametrize("selected", ["2", "Phase 2", "phase-2-ablations"])
def test_a_named_phase_is_judged_by_its_own_values(git_repo: GitRepo, selected: str) -> None:
    """`build_ledger(..., phase="2")` (the `--phase` choice): Phase 2's grid allows 7, and Phase 1's
    3 is the other phase's value."""
    git_repo.write("SPEC.md", PHASE_HEADINGS)
    git_repo.commit("spec")
    git_repo.write("src/train.py", "NUM_NEGATIVES = 7\nEPOCHS = 2\n")
    git_repo.commit("agent phase")
    phase = gitrange.resolve_phase(gitrange.open_repo(git_repo.root), "HEAD~1..HEAD", None)
    spec = load_spec(git_repo.root, ["SPEC.md"])
    ledger = build_ledger(spec, phase.files, phase=selected)
    negatives, epochs = ledger.get("num_negatives"), ledger.get("epochs")
    assert negatives is not None and negatives.status == "agrees"
    assert [(v.text, v.phase) for v in negatives.later] == [("3", "1")]
    assert epochs is not None and epochs.status == "disagrees"
    assert [v.text for v in epochs.spec_values] == ["3, 5 and 10"]


def test_an_unknown_phase_falls_back_to_the_earliest(git_repo: GitRepo) -> None:
    git_repo.write("SPEC.md", PHASE_HEADINGS)
    git_repo.commit("spec")
    git_repo.write("src/train.py", "NUM_NEGATIVES = 7\n")
    git_repo.commit("agent phase")
    phase = gitrange.resolve_phase(gitrange.open_repo(git_repo.root), "HEAD~1..HEAD", None)
    spec = load_spec(git_repo.root, ["SPEC.md"])
    entry = build_ledger(spec, phase.files, phase="9").get("num_negatives")
    assert entry is not None and entry.status == "disagrees"


def test_a_section_opening_with_a_phase_in_prose_is_not_marked(git_repo: GitRepo) -> None:
    """Only a bracketed or emphasized marker ("(Phase 2.)", "*Phase 2*") puts a section in a phase:
    a phases overview whose prose starts with "Phase 1 trains..." is no section of Phase 1."""
    spec = PHASE_HEADINGS.replace("Sections 4.4.", "The ablations.").replace(
        "(Phase 2.) Train", "Phase 2 and later: train"
    )
    ledger, _flags = review(git_repo, spec, {"src/train.py": "NUM_NEGATIVES = 7\n"})
    entry = ledger.get("num_negatives")
    assert entry is not None and entry.status == "agrees" and entry.later == []
