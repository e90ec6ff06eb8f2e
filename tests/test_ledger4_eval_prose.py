"""The evaluation's size and split in ordinary prose (QA "devs" D-12): "Evaluate on the full MS MARCO
passage dev set (`dev.small`, all 6,980 queries)" states 6,980 evaluation samples and the dev split,
a file name's dot (`dev.small`) ends no sentence; the code's cut of the evaluation query ids is then
read against that count. A training set's size and a split named with no evaluation word stay out."""

from __future__ import annotations

import pytest

from reviewtui.core.checks import Ledger
from tests.gitrepo import GitRepo
from tests.ledger_support import review


def stated(ledger: Ledger, parameter: str) -> list[str]:
    entry = ledger.get(parameter)
    return [value.text for value in entry.spec_values] if entry else []


COUNTS = [
    pytest.param(
        "Evaluate on the full MS MARCO passage dev set (`dev.small`, all 6,980 queries): for each "
        "query rerank the BM25 top-1000 candidates.\n",
        id="qa-spec-sentence",
    ),
    pytest.param(
        "Evaluate on all 6,980 dev queries of MS MARCO passage (`dev.small`).\n", id="dev-queries"
    ),
    pytest.param("Evaluate on all 6,980 dev queries.\n", id="short"),
    pytest.param(
        "Report MRR@10 over the 6,980 evaluation queries of dev.small.\n", id="evaluation-queries"
    ),
    pytest.param("Evaluate on all 6,980 queries of the dev set.\n", id="queries-of-the-dev-set"),
]


@pytest.mark.parametrize("spec", COUNTS)
def test_the_evaluation_count_is_read(git_repo: GitRepo, spec: str) -> None:
    ledger, _flags = review(git_repo, spec, {"src/a.py": "x = 1\n"})
    assert stated(ledger, "num_samples") == ["6,980"]


def test_the_dev_set_in_prose_is_the_evaluation_split(git_repo: GitRepo) -> None:
    ledger, _flags = review(git_repo, COUNTS[0].values[0], {"src/a.py": "x = 1\n"})
    assert stated(ledger, "eval_split") == ["dev"]


CUTS = [
    pytest.param(
        "def evaluate(model, queries):\n    qids = sorted(queries)\n    qids = qids[:500]\n"
        "    return [model(q) for q in qids]\n",
        "qids[:500]",
        id="qids-cut",
    ),
    pytest.param(
        "def evaluate(model, queries, max_queries: int = 500):\n"
        "    query_ids = list(queries)\n    return [model(q) for q in query_ids[:max_queries]]\n",
        "query_ids[:max_queries] = 500",
        id="query-ids-cut-by-a-default",
    ),
    pytest.param(
        "LIMIT = 500\n\n\ndef evaluate(model, queries):\n    scores = []\n"
        "    for i, qid in enumerate(sorted(queries)):\n        if i >= LIMIT:\n            break\n"
        "        scores.append(model(qid))\n    return scores\n",
        "for i, qid in enumerate(sorted(queries)): if i >= LIMIT: break = 500",
        id="an-early-break-on-a-constant",
    ),
]


@pytest.mark.parametrize(("code", "written"), CUTS)
def test_a_cut_of_the_evaluation_query_ids_disagrees(
    git_repo: GitRepo, code: str, written: str
) -> None:
    ledger, flags = review(git_repo, COUNTS[0].values[0], {"src/evaluate.py": code})
    entry = ledger.get("num_samples")
    assert entry is not None
    assert [(s.code, s.agrees) for s in entry.code_settings] == [(written, False)]
    assert any(written in flag.message for flag in flags if flag.rule == "spec-mismatch")


LOOK_ALIKES = [
    pytest.param("Train on all 532,761 queries of the train set.\n", id="training-queries"),
    pytest.param(
        "The corpus has 8.8M passages (see `collection.tsv`); index all of them.\n", id="corpus"
    ),
    pytest.param(
        "Keep the dev set of `dev.small` apart from training.\n", id="dev-set-no-evaluation"
    ),
]


@pytest.mark.parametrize("spec", LOOK_ALIKES)
def test_no_evaluation_count_or_split_where_none_is_stated(git_repo: GitRepo, spec: str) -> None:
    ledger, _flags = review(git_repo, spec, {"src/a.py": "x = 1\n"})
    assert stated(ledger, "num_samples") == [] and stated(ledger, "eval_split") == []


def test_an_id_of_one_query_cut_is_no_evaluation_subset(git_repo: GitRepo) -> None:
    code = "def evaluate(model, run, qid):\n    pids = run[qid]\n    return model(pids[:10])\n"
    ledger, flags = review(git_repo, COUNTS[0].values[0], {"src/evaluate.py": code})
    entry = ledger.get("num_samples")
    assert entry is not None and entry.code_settings == []
    assert [flag for flag in flags if flag.rule == "spec-mismatch"] == []


def test_a_part_of_another_set_is_not_the_evaluation_split(git_repo: GitRepo) -> None:
    spec = "Evaluate on the held-out portion of the training set.\n"
    ledger, _flags = review(git_repo, spec, {"src/a.py": "x = 1\n"})
    assert stated(ledger, "eval_split") == []


def test_both_splits_named_together_are_read(git_repo: GitRepo) -> None:
    spec = "Report accuracy on both the dev and test sets.\n"
    ledger, _flags = review(git_repo, spec, {"src/a.py": "x = 1\n"})
    assert stated(ledger, "eval_split") == ["dev", "test"]


def test_an_early_break_over_batches_is_no_sample_count(git_repo: GitRepo) -> None:
    code = (
        "def evaluate(model, loader):\n    scores = []\n"
        "    for step, batch in enumerate(loader):\n        if step >= 50:\n            break\n"
        "        scores.append(model(batch))\n    return scores\n"
    )
    ledger, flags = review(git_repo, COUNTS[0].values[0], {"src/evaluate.py": code})
    entry = ledger.get("num_samples")
    assert entry is not None and entry.code_settings == []
    assert [flag for flag in flags if flag.rule == "spec-mismatch"] == []


@pytest.mark.parametrize(
    ("spec", "parameter"),
    [
        pytest.param(
            "Split the generated pairs 90/10 into train and dev with seed 42.\n",
            "val_size",
            id="train-and-dev",
        ),
        pytest.param("Use a 90/10 train/validation split.\n", "val_size", id="train-validation"),
        pytest.param("Use a 90/10 train/test split.\n", "test_size", id="train-test"),
        pytest.param("Use a 90/10 split.\n", "test_size", id="unnamed"),
    ],
)
def test_a_two_way_split_names_its_held_out_part(
    git_repo: GitRepo, spec: str, parameter: str
) -> None:
    code = "def split_rows(rows, dev_fraction: float = 0.1, seed: int = 42):\n    return rows\n"
    ledger, flags = review(git_repo, spec, {"src/splits.py": code})
    assert stated(ledger, parameter) == ["90/10"]
    entry = ledger.get(parameter)
    assert entry is not None
    expected = "agrees" if parameter == "val_size" else "not set"
    assert entry.status == expected
    assert [flag for flag in flags if flag.rule == "spec-mismatch"] == []
