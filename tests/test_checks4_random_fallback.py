"""A failure that carries on with random picks reads as a `synthetic-fallback` (QA devs D-13), each
on a real git repo: BM25 failing -> `bm25 = None` -> `else: pool = texts` -> `rng.sample(pool, 3)`
(the QA shape), a `use_bm25 = False` switch, a conditional expression, and an `except` that draws
at random itself. The branch is reported once, high, saying what it falls back to, and no longer
as the vague medium `error-default`. Bait stays unflagged: a retry's jitter, seeded sampling on
the normal path, an optional tool switched off with no random fallback, and a random seed."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.checks_fixture import check_files, flag_marks

SPEC = """# Hard negatives

## 2.3 Hard negatives
Retrieve the top-30 passages with BM25 and sample 3 hard negatives with `random.Random(seed)`.
If BM25 fails, fail: never fall back to random negatives from the corpus.
"""

QA_SHAPE = """import logging
import random

log = logging.getLogger(__name__)


def mine_negatives(rows, passages, seed=42):
    rng = random.Random(seed)
    texts = [p["text"] for p in passages]
    try:
        from rank_bm25 import BM25Okapi

        bm25 = BM25Okapi([t.lower().split() for t in texts])
    except Exception:
        log.warning("BM25 unavailable; sampling negatives at random")
        bm25 = None
    for row in rows:
        if bm25 is not None:
            top = bm25.get_top_n(row["query"].lower().split(), texts, n=30)
            pool = [t for t in top if t != row["passage"]]
        else:
            pool = texts
        row["negatives"] = rng.sample(pool, 3)
    return rows
"""

SWITCH = """import random


def negatives_for(query, texts, index, rng):
    try:
        hits = index.search(query, k=30)
        use_bm25 = True
    except Exception:
        use_bm25 = False
    if not use_bm25:
        return rng.sample(texts, 3)
    return [h.text for h in hits][:3]
"""

CONDITIONAL = """import numpy as np


def negatives_for(query, texts, build_index):
    try:
        index = build_index(texts)
    except (OSError, ValueError):
        index = None
    return index.top(query, 3) if index else list(np.random.choice(texts, 3))
"""

DIRECT = """import random


def hard_negatives(query, texts, searcher):
    try:
        return searcher.top(query, 3)
    except Exception:
        return random.sample(texts, 3)
"""

STAND_IN = """def load_corpus(path):
    try:
        corpus = read_corpus(path)
    except Exception:
        corpus = None
    if corpus is None:
        corpus = make_dummy_corpus(1000)
    return corpus
"""

CASES = [
    pytest.param(
        QA_SHAPE,
        16,
        "falls back to random negatives (`rng.sample(pool, 3)`) when `bm25` fails "
        "(`except Exception` sets `bm25 = None`), instead of failing",
        id="qa-none-then-else-pool",
    ),
    pytest.param(
        SWITCH,
        9,
        "falls back to random picks from `negatives_for()` (`rng.sample(texts, 3)`) when "
        "`use_bm25` fails (`except Exception` sets `use_bm25 = False`), instead of failing",
        id="false-switch",
    ),
    pytest.param(
        CONDITIONAL,
        8,
        "falls back to random picks from `negatives_for()` (`np.random.choice(texts, 3)`) when "
        "`index` fails (`except (OSError, ValueError)` sets `index = None`), instead of failing",
        id="conditional-expression",
    ),
    pytest.param(
        DIRECT,
        8,
        "falls back to random picks from `hard_negatives()` (`random.sample(texts, 3)`) when it "
        "fails (`except Exception`), instead of failing",
        id="draw-in-the-except",
    ),
    pytest.param(
        STAND_IN,
        5,
        "falls back to generated data (`make_dummy_corpus(1000)`) when `corpus` fails "
        "(`except Exception` sets `corpus = None`), instead of failing",
        id="dummy-maker-when-switched-off",
    ),
]


@pytest.mark.parametrize(("code", "line", "message"), CASES)
def test_a_failure_falling_back_to_random_picks_is_a_high_synthetic_fallback(
    tmp_path: Path, code: str, line: int, message: str
) -> None:
    _chunks, checks = check_files(tmp_path / "repo", SPEC, {"src/negatives.py": code})
    flags = [flag for found in checks.flags.values() for flag in found]
    fallbacks = [flag for flag in flags if flag.rule == "synthetic-fallback"]
    assert [(flag.line, flag.severity, flag.message) for flag in fallbacks] == [
        (line, "high", message)
    ]
    assert not [flag for flag in flags if flag.rule == "error-default"]


BAIT = """import random
import time

import anthropic


def call_with_retry(client, prompt, retries=5):
    for attempt in range(retries):
        try:
            return client.messages.create(model="m", max_tokens=64, messages=[prompt])
        except anthropic.RateLimitError:
            if attempt == retries - 1:
                raise
            time.sleep(2**attempt + random.random())


def sample_negatives(pool, seed):
    rng = random.Random(seed)
    return rng.sample(pool, 3)


def progress(rows):
    try:
        from tqdm import tqdm
    except ImportError:
        tqdm = None
    if tqdm is None:
        return rows
    return tqdm(rows)


def worker_seed(base):
    try:
        import torch

        return torch.initial_seed() % 2**32
    except Exception:
        seed = random.randint(0, 2**31)
        return seed


def cached_scores(path, compute):
    try:
        scores = load(path)
    except Exception:
        scores = None
    if scores is None:
        scores = compute()
    return scores
"""


def test_jitter_seeds_and_fallbacks_without_random_data_stay_unflagged(tmp_path: Path) -> None:
    chunks, checks = check_files(tmp_path / "repo", SPEC, {"src/utils.py": BAIT})
    marks = flag_marks(chunks, checks)
    assert [mark for mark in marks if mark[2] == "synthetic-fallback"] == []
    assert ("src/utils.py", 46, "error-default") in marks  # a plain default is still reported
