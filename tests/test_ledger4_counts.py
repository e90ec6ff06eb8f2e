"""Counts of passages and queries the code cuts (QA "devs" D-5): `passages[:n_samples]` with
`n_samples: int = 500` limits the run to 500 of the spec's 100,000 passages, whatever the cut is
written as; cuts of ranked results, previews, batches, dev runs and one passage's words are not
counts."""

from __future__ import annotations

import pytest

from reviewtui.core.checks import Ledger
from tests.gitrepo import GitRepo
from tests.ledger_support import review

SPEC = (
    "# Spec\n\n"
    "Sample 100,000 passages from the corpus. For every one of them, generate one query.\n"
    "The passage in the prompt is truncated to its first 300 words.\n"
)


def passage_counts(ledger: Ledger) -> dict[str, bool | None]:
    entry = ledger.get("num_passages")
    assert entry is not None
    return {setting.code: setting.agrees for setting in entry.code_settings}


CUTS = [
    pytest.param(
        "def generate_queries(\n    passages: list[dict],\n    n_samples: int = 500,\n) -> list:\n"
        "    rows = []\n    for p in passages[:n_samples]:\n        rows.append(ask(p))\n"
        "    return rows\n",
        "passages[:n_samples] = 500",
        500,
        id="a-function-default-bounds-the-cut",
    ),
    pytest.param(
        "def build(passages):\n    passages = passages[:500]\n    return [ask(p) for p in passages]\n",
        "passages[:500]",
        500,
        id="a-literal-cut",
    ),
    pytest.param(
        "LIMIT = 2_000\n\n\ndef build(corpus):\n    return [ask(p) for p in corpus[:LIMIT]]\n",
        "corpus[:LIMIT] = 2000",
        2000,
        id="a-module-constant-bounds-the-cut",
    ),
    pytest.param(
        "import random\n\n\ndef build(documents):\n"
        "    return [ask(d) for d in random.sample(documents, 5000)]\n",
        "random.sample(documents, 5000)",
        5000,
        id="random-sample-of-the-documents",
    ),
    pytest.param(
        "def build(docs, limit=1000):\n    return [ask(d) for d in list(docs)[:limit]]\n",
        "list(docs)[:limit] = 1000",
        1000,
        id="a-limit-default",
    ),
    pytest.param(
        "def generate(passages, n_samples=500):\n    out = []\n"
        "    for i, p in enumerate(passages):\n        if i >= n_samples:\n            break\n"
        "        out.append(ask(p))\n    return out\n",
        "for i, p in enumerate(passages): if i >= n_samples: break = 500",
        500,
        id="an-early-break",
    ),
    pytest.param(
        "import itertools\n\n\ndef generate(passages):\n"
        "    return [ask(p) for p in itertools.islice(passages, 500)]\n",
        "itertools.islice(passages, 500)",
        500,
        id="islice",
    ),
]


@pytest.mark.parametrize(("code", "written", "count"), CUTS)
def test_a_cut_of_the_passages_is_their_count(
    git_repo: GitRepo, code: str, written: str, count: int
) -> None:
    ledger, flags = review(git_repo, SPEC, {"src/query_gen.py": code})
    assert passage_counts(ledger) == {written: False}
    messages = [flag.message for flag in flags if flag.rule == "spec-mismatch"]
    assert len(messages) == 1 and "100,000" in messages[0] and written in messages[0]


def test_the_spec_count_as_a_default_agrees(git_repo: GitRepo) -> None:
    code = (
        "def generate_queries(passages, n_samples: int = 100_000):\n"
        "    return [ask(p) for p in passages[:n_samples]]\n"
    )
    ledger, flags = review(git_repo, SPEC, {"src/query_gen.py": code})
    assert passage_counts(ledger) == {"passages[:n_samples] = 100000": True}
    assert [flag for flag in flags if flag.rule == "spec-mismatch"] == []


NOT_COUNTS = [
    pytest.param(
        "def main(args, passages):\n    if args.smoke:\n        passages = passages[:1000]\n"
        "    return passages\n",
        id="smoke-run",
    ),
    pytest.param(
        "PROMPT_WORDS = 300\n\n\ndef truncate(passage):\n"
        '    return " ".join(passage.split()[:PROMPT_WORDS])\n',
        id="one-passages-words",
    ),
    pytest.param(
        "def retrieve(query, docs, k=10):\n    ranked = sorted(docs, key=score)\n"
        "    return ranked[:k]\n\n\ndef search(q, passages, n=10):\n    return passages[:n]\n",
        id="ranked-results",
    ),
    pytest.param(
        "import logging\n\nlog = logging.getLogger()\n\n\ndef build(passages):\n"
        '    log.info("first passages: %s", passages[:3])\n    return passages\n',
        id="preview-in-a-log-call",
    ),
    pytest.param(
        "def show_passages(passages, n=5):\n    for p in passages[:n]:\n        print(p)\n",
        id="a-preview-function",
    ),
    pytest.param(
        "def batches(passages, size=32):\n    for i in range(0, len(passages), size):\n"
        "        yield passages[i : i + size]\n",
        id="batches",
    ),
    pytest.param(
        "import random\n\nNUM_NEGATIVES = 3\n\n\ndef mine(pool, seed):\n"
        "    return random.Random(seed).sample(pool, NUM_NEGATIVES)\n",
        id="sampled-negatives",
    ),
    pytest.param(
        "def evaluate(model, run, passages):\n    candidates = passages[:1000]\n"
        "    return model(candidates)\n",
        id="evaluation-candidates",
    ),
    pytest.param(
        "def mine(bm25, q, passages):\n    top = bm25.get_top_n(q, passages, n=30)\n"
        "    return [p for p in top[:3]]\n",
        id="top-of-a-ranking",
    ),
    pytest.param(
        "def generate(passages, args):\n    for i, p in enumerate(passages):\n"
        "        if args.debug and i >= 10:\n            break\n        yield p\n",
        id="a-debug-break",
    ),
    pytest.param(
        "def stream(passages):\n    for i, p in enumerate(passages):\n"
        "        if i % 100 == 0:\n            log(i)\n        yield p\n",
        id="a-progress-log",
    ),
]


@pytest.mark.parametrize("code", NOT_COUNTS)
def test_a_cut_that_is_no_count_sets_nothing(git_repo: GitRepo, code: str) -> None:
    ledger, flags = review(git_repo, SPEC, {"src/data.py": code})
    assert passage_counts(ledger) == {}
    assert [flag for flag in flags if flag.rule == "spec-mismatch"] == []
