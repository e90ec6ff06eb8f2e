"""False alarms of the ledger on correct code (review4 F2, F4, evaluation batch sizes): a validation
slice of the training queries, a warm-up batch or the worst queries of an error analysis is not the
spec's dev-set count; `dev.small` is the dev split; an evaluation script's batch size is not the
training batch size. The deviations stay caught (a training batch size that differs, a dev cut)."""

from __future__ import annotations

from pathlib import Path

import pytest

from reviewtui.core.models import Flag
from tests.checks_fixture import check_files

SPEC = """# Retrieval replication

## 2 Data
Train on MS MARCO passage training triples. Use a 10% validation split of the training queries.

## 3 Method
Fine-tune bert-base-uncased (110m) as a cross-encoder. Learning rate 2e-5, batch size 32, 3 epochs.

## 4 Evaluation
Evaluate on the full dev set (dev.small, all 6,980 queries). Rerank the BM25 top 100. Report MRR@10.
"""


def _flags(root: Path, path: str, code: str) -> list[Flag]:
    _chunks, checked = check_files(root / "repo", SPEC, {path: code})
    return [flag for flags in checked.flags.values() for flag in flags]


def _high_mismatches(flags: list[Flag]) -> list[str]:
    return [f.message for f in flags if f.rule == "spec-mismatch" and f.severity == "high"]


QUIET = [
    pytest.param(
        "src/train.py",
        "def train(model, train_queries, val_queries, epochs=3):\n"
        "    for epoch in range(epochs):\n        model.fit(train_queries)\n"
        "        loss = model.loss(val_queries[:1000])\n        print(epoch, loss)\n",
        id="validation-slice",
    ),
    pytest.param(
        "src/overfit.py",
        "def overfit(model, train_queries):\n    tiny = train_queries[:64]\n"
        "    return model.fit(tiny)\n",
        id="train-slice",
    ),
    pytest.param(
        "src/bench.py",
        "import torch\n\n\n@torch.no_grad()\ndef evaluate(model, dev_queries):\n"
        "    model(dev_queries[:8])  # warm-up\n    return [model(q) for q in dev_queries]\n",
        id="warm-up",
    ),
    pytest.param(
        "src/analysis.py",
        "def evaluate(per_query_mrr):\n"
        "    worst = sorted(per_query_mrr.items(), key=lambda kv: kv[1])[:20]\n"
        "    for qid, score in worst:\n        print(qid, score)\n"
        "    return sum(per_query_mrr.values()) / len(per_query_mrr)\n",
        id="worst-queries",
    ),
    pytest.param(
        "src/analysis.py",
        "def report(per_query_scores):\n"
        "    best = sorted(per_query_scores, key=per_query_scores.get, reverse=True)[:10]\n"
        "    return best\n",
        id="best-queries",
    ),
    pytest.param("configs/train.yaml", "eval:\n  split: dev.small\n", id="dev-small"),
    pytest.param("configs/train.yaml", "eval:\n  split: dev-2019\n", id="dev-hyphen"),
    pytest.param(
        "src/run_eval.py",
        "import argparse\n\n\ndef main():\n    parser = argparse.ArgumentParser()\n"
        '    parser.add_argument("--batch-size", type=int, default=64)\n'
        "    return parser.parse_args()\n",
        id="eval-script-batch",
    ),
    pytest.param(
        "src/loop.py",
        "def run(model, dev_queries, evaluate, batch_size=256):\n    scores = []\n"
        "    for start in range(0, len(dev_queries), batch_size):\n"
        "        scores += evaluate(model, dev_queries[start:start + batch_size])\n"
        "    return scores\n",
        id="eval-loop-batch",
    ),
    pytest.param(
        "configs/eval.yaml",
        "reranker:\n  model: bert-base-uncased\n  batch_size: 256\n",
        id="eval-config-batch",
    ),
]


@pytest.mark.parametrize(("path", "code"), QUIET)
def test_correct_code_gets_no_high_mismatch(tmp_path: Path, path: str, code: str) -> None:
    assert _high_mismatches(_flags(tmp_path, path, code)) == []


CAUGHT = [
    pytest.param(
        "src/train.py",
        "def train(model, train_queries, batch_size=64):\n    return model.fit(train_queries, batch_size)\n",
        "batch_size = 64",
        id="training-batch",
    ),
    pytest.param("configs/train.yaml", "train:\n  batch_size: 64\n", "batch_size", id="yaml-batch"),
]


@pytest.mark.parametrize(("path", "code", "written"), CAUGHT)
def test_a_training_batch_size_that_differs_stays_high(
    tmp_path: Path, path: str, code: str, written: str
) -> None:
    found = _high_mismatches(_flags(tmp_path, path, code))
    assert len(found) == 1 and written in found[0]


def test_a_dev_cut_is_one_high_flag_and_a_low_note(tmp_path: Path) -> None:
    code = (
        "def evaluate(model, queries):\n    qids = sorted(queries)\n    qids = qids[:500]\n"
        "    return [model(queries[q]) for q in qids]\n"
    )
    flags = [f for f in _flags(tmp_path, "src/evaluate.py", code) if f.line == 3]
    assert sorted((f.rule, f.severity) for f in flags) == [
        ("eval-subset", "high"),
        ("spec-mismatch", "low"),
    ]


def test_a_dev_split_of_another_name_still_disagrees(tmp_path: Path) -> None:
    found = _high_mismatches(_flags(tmp_path, "configs/train.yaml", "eval:\n  split: test\n"))
    assert len(found) == 1 and "test" in found[0]


def test_a_number_of_another_parameter_is_no_list_item(tmp_path: Path) -> None:
    """ "learning rate 2e-5 and 3 hard negatives" states 3 negatives, not "2e-5 and 3"."""
    spec = "# S\n\n## 3 Training\nTrain with learning rate 2e-5 and 3 hard negatives per query.\n"
    _chunks, checked = check_files(
        tmp_path / "repo", spec, {"src/train.py": "NUM_NEGATIVES = 3\nLR = 2e-5\n"}
    )
    entry = checked.ledger.get("num_negatives")
    assert entry is not None and [v.value for v in entry.spec_values] == [3.0]
    assert entry.status == "agrees"


def test_a_list_of_counts_is_still_read(tmp_path: Path) -> None:
    spec = "# S\n\n## 4 Ablation\nTrain with 1, 3 and 7 hard negatives per query.\n"
    _chunks, checked = check_files(tmp_path / "repo", spec, {"src/a.py": "NUM_NEGATIVES = 7\n"})
    entry = checked.ledger.get("num_negatives")
    assert entry is not None and [v.value for v in entry.spec_values] == [(1.0, 3.0, 7.0)]


EMBED = (
    "from sentence_transformers import SentenceTransformer\n\n"
    'EMBED_MODEL = "sentence-transformers/all-MiniLM-L6-v2"\n\n\n'
    "def dedupe_encoder():\n    return SentenceTransformer(EMBED_MODEL)\n"
)


def test_a_second_model_of_its_own_purpose_is_not_judged(tmp_path: Path) -> None:
    assert _high_mismatches(_flags(tmp_path, "src/retrieve.py", EMBED)) == []


def test_the_main_model_and_a_purpose_the_spec_names_are_still_judged(tmp_path: Path) -> None:
    main = _high_mismatches(_flags(tmp_path / "a", "src/m.py", 'MODEL_NAME = "roberta-base"\n'))
    assert len(main) == 1 and "roberta-base" in main[0]
    spec = SPEC + "\nDeduplicate queries with the embedding model `sentence-transformers/all-mpnet-base-v2`.\n"
    _chunks, checked = check_files(tmp_path / "b", spec, {"src/retrieve.py": EMBED})
    found = [f for flags in checked.flags.values() for f in flags if f.rule == "spec-mismatch"]
    assert len(found) == 1 and "all-MiniLM-L6-v2" in found[0].message
