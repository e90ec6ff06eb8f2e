"""False alarms of review4 (F1, F3, F7, F11) on ordinary, correct code, each on a real git repo,
next to the deviations of the same shape that must stay flagged:

- eval-subset: a few dev rows only printed or logged (`for row in dev.take(3): print(row)`) and a
  select of the whole split (`test.select(range(len(test)))`) are no evaluation subset;
- synthetic-fallback: an optional import (`except ImportError: np = None`) followed by a seeded
  shuffle, a single-process shuffle when `dist` is off, or a sample that is only printed, carries on
  with the real data, not random stand-ins;
- templated-text: a `fallback_answer()` "could not find an answer" reply is no stand-in for a
  generated query unless the file puts it where a query goes."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.checks_fixture import check_files, flag_marks

SPEC = """# Retrieval replication

## 2 Data
Train on MS MARCO passage training triples. Use a 10% validation split of the training queries.
Mine 3 BM25 hard negatives per query.

## 3 Method
Fine-tune bert-base-uncased as a cross-encoder.
Generate synthetic queries with the LLM (gpt-4o-mini) for each passage.

## 4 Evaluation
Evaluate on the full dev set (dev.small, all 6,980 queries). Report MRR@10.
"""


def _marks(tmp_path: Path, body: str, rule: str) -> list[int]:
    chunks, checks = check_files(tmp_path / "repo", SPEC, {"src/code.py": body})
    return [line for _, line, found in flag_marks(chunks, checks) if found == rule]


QUIET = [
    # F1: dev rows only looked at
    pytest.param(
        """from datasets import load_dataset

def peek():
    dev = load_dataset("ms_marco", "v1.1", split="validation", streaming=True)
    for row in dev.take(3):
        print(row["query"])
""",
        "eval-subset",
        id="take-preview-print",
    ),
    pytest.param(
        """import logging
log = logging.getLogger(__name__)

def show(dev_ds):
    for example in dev_ds.take(2):
        log.debug("dev example: %s", example)
""",
        "eval-subset",
        id="take-preview-log",
    ),
    pytest.param(
        """def describe(dev_set):
    print(f"{len(dev_set)} dev queries")
    for row in dev_set[:5]:
        print(row)
""",
        "eval-subset",
        id="slice-preview-print",
    ),
    pytest.param(
        """import logging
log = logging.getLogger(__name__)

def log_examples(dev_queries):
    for q in dev_queries[:3]:
        log.info("example dev query: %s", q)
""",
        "eval-subset",
        id="slice-preview-log",
    ),
    pytest.param(
        """def evaluate(per_query_mrr):
    worst = sorted(per_query_mrr.items(), key=lambda kv: kv[1])[:20]
    for qid, score in worst:
        print(qid, score)
    return sum(per_query_mrr.values()) / len(per_query_mrr)
""",
        "eval-subset",
        id="worst-cases-printed-after-the-full-evaluation",
    ),
    # F7: the whole split
    pytest.param(
        """def eval_set(ds):
    test = ds["test"]
    return test.select(range(len(test)))
""",
        "eval-subset",
        id="select-range-len-of-itself",
    ),
    pytest.param(
        """def eval_set(ds):
    test = ds["test"]
    return test.select(range(test.num_rows))
""",
        "eval-subset",
        id="select-range-num-rows",
    ),
    # F3: optional imports, reordering and previews
    pytest.param(
        """import random
try:
    import numpy as np
except ImportError:
    np = None

def shuffled(data, seed=0):
    if np is not None:
        rng = np.random.default_rng(seed)
    else:
        rng = random.Random(seed)
    rng.shuffle(data)
    return data
""",
        "synthetic-fallback",
        id="optional-numpy-generator-shuffles-real-data",
    ),
    pytest.param(
        """import random
import torch.distributed as dist

def order(indices, seed=0):
    try:
        world = dist.get_world_size()
    except (RuntimeError, ValueError):
        world = None
    if world is None:
        rng = random.Random(seed)
        rng.shuffle(indices)
        return indices
    return indices[dist.get_rank()::world]
""",
        "synthetic-fallback",
        id="single-process-shuffle",
    ),
    pytest.param(
        """import random
try:
    import wandb
except ImportError:
    wandb = None

def log_samples(rows, k=4):
    if wandb is None:
        print(random.sample(rows, k))
    else:
        wandb.log({"samples": rows[:k]})
""",
        "synthetic-fallback",
        id="optional-wandb-preview-printed",
    ),
    pytest.param(
        """import logging
import numpy as np
log = logging.getLogger(__name__)
try:
    import torch
except ImportError:
    torch = None

def epoch_order(data, rng):
    if torch is None:
        order = np.random.permutation(len(data))
    else:
        order = torch.randperm(len(data)).tolist()
    log.info("first rows: %s", rng.choice(data, 3))
    return [data[i] for i in order]
""",
        "synthetic-fallback",
        id="optional-torch-permutation-and-logged-choice",
    ),
    pytest.param(
        """import json, random

def load_or_seed(path, seed_range=10_000):
    try:
        with open(path) as f:
            return json.load(f)["seed"]
    except (OSError, KeyError):
        return random.randint(0, seed_range)
""",
        "synthetic-fallback",
        id="random-seed-returned-by-a-seed-function",
    ),
    # F11: a reply to the user
    pytest.param(
        """def fallback_answer(question):
    return f"I could not find an answer to: {question}"
""",
        "templated-text",
        id="fallback-answer-message",
    ),
    pytest.param(
        """def fallback_response(question):
    return f"Sorry, no passage matched: {question}"

def answer(client, question, passages):
    if not passages:
        return fallback_response(question)
    reply = client.messages.create(model="m", max_tokens=64, messages=[question])
    return reply.content[0].text
""",
        "templated-text",
        id="fallback-response-when-retrieval-finds-nothing",
    ),
]


@pytest.mark.parametrize(("body", "rule"), QUIET)
def test_correct_code_raises_no_false_alarm(tmp_path: Path, body: str, rule: str) -> None:
    assert _marks(tmp_path, body, rule) == []


CAUGHT = [
    pytest.param(
        """def evaluate(model, dev):
    scores = []
    for row in dev.take(300):
        scores.append(model(row["query"]))
    return sum(scores) / len(scores)
""",
        "eval-subset",
        3,
        id="take-evaluated",
    ),
    pytest.param(
        """def evaluate(model, dev_queries):
    for q in dev_queries[:300]:
        print(q, model(q))
        model.update_metrics(q)
""",
        "eval-subset",
        2,
        id="slice-loop-that-also-scores",
    ),
    pytest.param(
        """def evaluate(model, dev_queries):
    subset = dev_queries[:300]
    for q in subset:
        print(q)
    return model.score(subset)
""",
        "eval-subset",
        2,
        id="name-previewed-and-evaluated",
    ),
    pytest.param(
        """import json, random

def load_passages(path, texts):
    try:
        with open(path) as f:
            return json.load(f)
    except OSError:
        return random.sample(texts, 100)
""",
        "synthetic-fallback",
        8,
        id="random-passages-returned-when-loading-fails",
    ),
    pytest.param(
        """def eval_set(ds):
    test = ds["test"]
    return test.select(range(500))
""",
        "eval-subset",
        3,
        id="select-constant-range",
    ),
    pytest.param(
        """import random

def mine(rows, texts, seed=0):
    rng = random.Random(seed)
    try:
        from rank_bm25 import BM25Okapi
        bm25 = BM25Okapi([t.split() for t in texts])
    except ImportError:
        bm25 = None
    for row in rows:
        if bm25 is not None:
            pool = bm25.get_top_n(row["query"].split(), texts, n=30)
        else:
            pool = texts
        row["negatives"] = rng.sample(pool, 3)
    return rows
""",
        "synthetic-fallback",
        9,
        id="optional-bm25-then-random-negatives-from-the-pool",
    ),
    pytest.param(
        """import random

def negatives(texts, query):
    try:
        import rank_bm25
    except ImportError:
        rank_bm25 = None
    if rank_bm25 is None:
        return random.sample(texts, 3)
    return rank_bm25.BM25Okapi(texts).get_top_n(query, texts, n=3)
""",
        "synthetic-fallback",
        7,
        id="optional-bm25-off-side-draws",
    ),
    pytest.param(
        """def fallback_query(passage):
    return f"what is {passage.split()[0]}"
""",
        "templated-text",
        2,
        id="fallback-query-by-name",
    ),
    pytest.param(
        """def fallback_text(passage):
    return f"what is {passage.split()[0]}"

def build(passages):
    return [{"query": fallback_text(p), "pid": i} for i, p in enumerate(passages)]
""",
        "templated-text",
        2,
        id="fallback-text-put-into-a-query",
    ),
    pytest.param(
        """def template_text(passage):
    return "Which topic does this passage cover: {}?".format(passage.split()[0])

def collect(passages):
    questions = []
    for p in passages:
        questions.append(template_text(p))
    return questions
""",
        "templated-text",
        2,
        id="template-text-appended-to-questions",
    ),
]


@pytest.mark.parametrize(("body", "rule", "line"), CAUGHT)
def test_the_deviation_of_the_same_shape_stays_flagged(
    tmp_path: Path, body: str, rule: str, line: int
) -> None:
    assert _marks(tmp_path, body, rule) == [line]
