"""`eval-subset` whatever the names (QA devs D-2), each on a real git repo: the evaluation set cut by
`qids = qids[:500]`, by a limit parameter or constant with a small default (`xs[:max_queries]`,
`if i >= N_EVAL: break`), by an argparse option of an evaluation script, by a sliced split string
(`split="test[:500]"`), by `.select(range(500))` of `ds["test"]`, and by `max_samples: 500` keys of
YAML, JSON and TOML files. Cut-offs that are not subsets stay unflagged: a ranking's top 10, the
rerank depth inside the per-query loop, token truncation, an opt-in limit defaulting to None, a
`--smoke` switch, training-side limits and `test_size`."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.checks_fixture import check_files, flag_marks

SPEC = """# Reranker replication

## 4.1 Test set
Evaluate on the full dev set (all 6,980 queries); never evaluate on a subset.
A `--smoke` flag runs everything on the first 1,000 passages.
"""

HEAD = "import torch\n\nN_EVAL = 500\n\n\n"


def _subset_lines(tmp_path: Path, files: dict[str, str]) -> list[tuple[str, int]]:
    chunks, checks = check_files(tmp_path / "repo", SPEC, files)
    assert checks.warnings == []
    return [
        (path, line) for path, line, rule in flag_marks(chunks, checks) if rule == "eval-subset"
    ]


CAUGHT = [
    pytest.param(
        """@torch.no_grad()
def evaluate(model, queries):
    model.eval()
    qids = sorted(queries)
    qids = qids[:500]  # dev.small is slow
    for qid in qids:
        model(queries[qid])
""",
        10,
        id="qids-sliced-then-looped",
    ),
    pytest.param(
        """def evaluate(model, queries):
    query_ids = list(queries)[:800]
    return [model(queries[q]) for q in query_ids]
""",
        7,
        id="query-ids-sliced-then-comprehension",
    ),
    pytest.param(
        """def evaluate(model, queries):
    query_ids = sorted(queries)
    query_ids = query_ids[:500]
    return [model(queries[q]) for q in query_ids]
""",
        8,
        id="query-ids-sliced-in-place",
    ),
    pytest.param(
        """def evaluate_a(model, dev_queries, max_queries: int = 500):
    for q in dev_queries[:max_queries]:
        model(q)
""",
        7,
        id="limit-parameter-with-small-default",
    ),
    pytest.param(
        """def run_eval(model, qids, *, n_eval=300):
    scores = []
    for qid in qids[:n_eval]:
        scores.append(model(qid))
    return scores
""",
        8,
        id="keyword-only-limit-parameter",
    ),
    pytest.param(
        """def evaluate(model, qids):
    for i, qid in enumerate(qids):
        if i >= N_EVAL:
            break
        model(qid)
""",
        8,
        id="early-break-on-a-module-constant",
    ),
]


@pytest.mark.parametrize(("body", "line"), CAUGHT)
def test_the_evaluation_set_cut_short_is_flagged_whatever_its_name(
    tmp_path: Path, body: str, line: int
) -> None:
    assert ("src/evaluate.py", line) in _subset_lines(tmp_path, {"src/evaluate.py": HEAD + body})


SAMPLED = """import random

import numpy as np


def main(test_queries, dev_set, model):
    picked = random.sample(test_queries, 500)
    idx = np.random.default_rng(0).choice(len(dev_set), 300, replace=False)
    shown = random.sample(test_queries, 5)
    dev_queries = dev_set["queries"][:200]
    streamed = dev_set["stream"].take(400)
    metrics = evaluate(model, queries=test_queries[:250])
    return model(picked), model([dev_set[i] for i in idx]), shown, dev_queries, streamed, metrics


def evaluate_batches(model, loader, max_eval_batches=20):
    for i, batch in enumerate(loader):
        if i >= max_eval_batches:
            break
        model(batch)
"""


def test_evaluation_data_drawn_or_cut_outside_an_evaluation_function_is_flagged(
    tmp_path: Path,
) -> None:
    lines = _subset_lines(tmp_path, {"src/run.py": SAMPLED})
    assert lines == [  # not the 5 examples on line 9
        ("src/run.py", 7),
        ("src/run.py", 8),
        ("src/run.py", 10),
        ("src/run.py", 11),
        ("src/run.py", 12),
        ("src/run.py", 18),
    ]


def test_the_message_says_where_the_limit_comes_from(tmp_path: Path) -> None:
    body = next(p.values[0] for p in CAUGHT if p.id == "limit-parameter-with-small-default")
    _chunks, checks = check_files(tmp_path / "repo", SPEC, {"src/evaluate.py": HEAD + body})
    messages = [
        f.message
        for found in checks.flags.values()
        for f in found
        if f.rule == "eval-subset" and f.line == 7
    ]
    assert messages == [
        "evaluates on a subset: `dev_queries[:max_queries]` (`max_queries` = 500 by default)"
    ]


EVAL_SCRIPT = """import argparse

from datasets import load_dataset


def parse_args():
    p = argparse.ArgumentParser()
    p.add_argument("--max_queries", type=int, default=500)
    p.add_argument("--max_length", type=int, default=512)
    p.add_argument("--top_k", type=int, default=10)
    return p.parse_args()


def load_test():
    dev = load_dataset("ms_marco", "v1.1", split="validation[:500]")
    test = load_dataset("ms_marco", "v1.1")["test"].select(range(300))
    train = load_dataset("ms_marco", "v1.1", split="train[:1000]")
    return dev, test, train
"""


def test_an_evaluation_script_option_and_sliced_splits_are_flagged(tmp_path: Path) -> None:
    lines = _subset_lines(tmp_path, {"scripts/evaluate.py": EVAL_SCRIPT})
    assert lines == [
        ("scripts/evaluate.py", 8),
        ("scripts/evaluate.py", 15),
        ("scripts/evaluate.py", 16),
    ]


CONFIGS = {
    "configs/eval.yaml": "model: pythia\nmax_samples: 500\nnum_beams: 4\nmax_length: 512\n",
    "configs/run.yaml": (
        "train:\n  max_samples: 20000\n  test_size: 500\n"
        "evaluation:\n  batch_size: 64\n  max_eval_samples: 200\n"
    ),
    "configs/run.json": '{\n  "eval": {\n    "max_queries": 500\n  },\n  "train": {\n    "max_samples": 300\n  }\n}\n',
    "configs/run.toml": "[train]\nmax_samples = 300\n\n[eval]\nmax_samples = 250\n",
}


def test_limit_keys_under_evaluation_in_config_files_are_flagged(tmp_path: Path) -> None:
    lines = _subset_lines(tmp_path, CONFIGS)
    assert sorted(lines) == [
        ("configs/eval.yaml", 2),
        ("configs/run.json", 3),
        ("configs/run.toml", 5),
        ("configs/run.yaml", 6),
    ]


BAIT = """import torch

RERANK_DEPTH = 1000


@torch.no_grad()
def evaluate(model, tok, queries, run, qrels, max_queries=None, smoke=False):
    model.eval()
    qids = sorted(queries)
    if smoke:
        qids = qids[:100]
    mrr = 0.0
    for qid in qids[:max_queries]:
        candidates = run[qid][:1000]
        ranked = sorted(candidates, key=lambda pid: -model(queries[qid], pid))
        for rank, pid in enumerate(ranked[:10], 1):
            if pid in qrels[qid]:
                mrr += 1 / rank
                break
        ids = tok(queries[qid])["input_ids"][:512]
        model(ids)
    return mrr / len(qids)


def evaluate_ranking(ranking, relevant):
    for rank, pid in enumerate(ranking[:10], 1):
        if pid in relevant:
            return 1 / rank
    return 0.0


def evaluate_examples(model, test_queries):
    scores = [model(q) for q in test_queries]
    for q in test_queries[:3]:
        print(q, model(q))
    return scores


def evaluate_words(passage):
    words = passage.split()[:300]
    return [w for w in words]
"""


SPLITS = """N_DEV = 10_000
NUM_VAL = 1000


def make_val_split(data, n_val=1000):
    return data[n_val:], data[:n_val]


def validation_split(rows):
    val = rows[:NUM_VAL]
    train = rows[NUM_VAL:]
    return train, val
"""

SPLIT_CONFIG = (
    "splits:\n  num_val_samples: 5000\n  test_size: 500\n"
    "eval:\n  num_queries: 6980\n  max_length: 512\n  num_beams: 4\n"
)


def test_cut_offs_that_are_not_subsets_stay_unflagged(tmp_path: Path) -> None:
    files = {"src/evaluate.py": BAIT, "src/splits.py": SPLITS, "configs/data.yaml": SPLIT_CONFIG}
    assert _subset_lines(tmp_path, files) == []
