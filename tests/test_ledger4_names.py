"""The ledger reads the names code gives the spec's values (QA "devs" D-11): the API's `max_tokens`
is the generation cap, a module constant a call's keyword reads sets that keyword's parameter
(`max_tokens=MAX_TOKENS`, `get_top_n(..., n=TOP_K)`), `RERANK_DEPTH` is a retrieval depth. A value
the code sets is never reported "set nowhere", and a constant read where evaluation data is loaded
keeps that meaning."""

from __future__ import annotations

import pytest

from reviewtui.core.checks import Ledger, ledger_markdown
from tests.gitrepo import GitRepo
from tests.ledger_support import review

SPEC = (
    "# Spec\n\n"
    "Generate one query per passage with `claude-haiku-4-5`, temperature 0.7, max 64 output tokens.\n"
    "Retrieve the top-30 passages with BM25 and sample 3 hard negatives from them.\n"
    "Rerank the BM25 top-1000 candidates. Train with a batch size of 32.\n"
)


def settings_of(ledger: Ledger, parameter: str) -> dict[str, bool | None]:
    entry = ledger.get(parameter)
    assert entry is not None, [e.parameter for e in ledger.entries]
    return {setting.code: setting.agrees for setting in entry.code_settings}


API_CALL = "def ask(client, p):\n    return client.messages.create(model=MODEL, {kw}, messages=p)\n"

SET = [
    pytest.param(
        {"src/q.py": "MAX_TOKENS = 64\n\n\n" + API_CALL.format(kw="max_tokens=MAX_TOKENS")},
        "max_new_tokens",
        {"MAX_TOKENS = 64": True},
        id="anthropic-max-tokens-constant",
    ),
    pytest.param(
        {"src/q.py": "GEN_LIMIT = 128\n\n\n" + API_CALL.format(kw="max_tokens=GEN_LIMIT")},
        "max_new_tokens",
        {"GEN_LIMIT = 128": False},
        id="a-constant-named-for-nothing-read-as-max-tokens",
    ),
    pytest.param(
        {"src/q.py": API_CALL.format(kw="max_completion_tokens=64")},
        "max_new_tokens",
        {"max_completion_tokens = 64": True},
        id="openai-max-completion-tokens",
    ),
    pytest.param(
        {
            "src/neg.py": "TOP_K = 30\n\n\ndef mine(bm25, q, texts):\n"
            "    return bm25.get_top_n(q.split(), texts, n=TOP_K)\n"
        },
        "retrieval_top_k",
        {"TOP_K = 30": True},
        id="rank-bm25-get-top-n",
    ),
    pytest.param(
        {
            "src/neg.py": "DEPTH = 50\n\n\ndef mine(index, q):\n    return index.search(q, k=DEPTH)\n"
        },
        "retrieval_top_k",
        {"DEPTH = 50": False},
        id="index-search-k-constant",
    ),
    pytest.param(
        {
            "src/evaluate.py": "RERANK_DEPTH = 1000\n\n\ndef evaluate(run, qid):\n"
            "    return run[qid][:RERANK_DEPTH]\n"
        },
        "retrieval_top_k",
        {"RERANK_DEPTH = 1000": True},
        id="rerank-depth",
    ),
    pytest.param(
        {"configs/eval.yaml": "retrieval:\n  rerank_depth: 100\n"},
        "retrieval_top_k",
        {"retrieval.rerank_depth = 100": False},
        id="rerank-depth-in-yaml",
    ),
]


@pytest.mark.parametrize(("files", "parameter", "expected"), SET)
def test_the_codes_name_for_a_spec_value_is_read(
    git_repo: GitRepo, files: dict[str, str], parameter: str, expected: dict[str, bool]
) -> None:
    ledger, flags = review(
        git_repo, SPEC, {"src/model.py": 'MODEL = "claude-haiku-4-5"\n', **files}
    )
    assert settings_of(ledger, parameter) == expected
    mismatches = [flag.message for flag in flags if flag.rule == "spec-mismatch"]
    assert len(mismatches) == (0 if all(expected.values()) else 1)
    assert f"{parameter} (" not in ledger_markdown(ledger).split("set nowhere")[-1]


def test_a_constant_named_for_sampling_read_as_a_depth_is_only_the_depth(
    git_repo: GitRepo,
) -> None:
    """`TOP_K = 30` given to BM25 is the retrieval depth; the spec's sampling top-k stays unset."""
    spec = SPEC + "Sample with top-k 50.\n"
    code = (
        "TOP_K = 30\n\n\ndef mine(bm25, q, texts):\n    return bm25.get_top_n(q, texts, n=TOP_K)\n"
    )
    ledger, flags = review(git_repo, spec, {"src/neg.py": code})
    assert settings_of(ledger, "retrieval_top_k") == {"TOP_K = 30": True}
    assert settings_of(ledger, "top_k") == {}
    assert [flag for flag in flags if flag.rule == "spec-mismatch"] == []


NOT_SETTINGS = [
    pytest.param(
        "EVAL_BS = 64\n\n\ndef evaluate(val_ds):\n"
        "    return DataLoader(val_ds, batch_size=EVAL_BS)\n",
        "batch_size",
        id="evaluation-batch-constant",
    ),
    pytest.param(
        "import torch\n\nTOP_K = 5\n\n\ndef train_step(scores):\n"
        "    return torch.topk(scores, TOP_K)\n",
        "retrieval_top_k",
        id="training-topk-of-a-tensor",
    ),
    pytest.param(
        "LIMIT = 8\n\n\ndef ask(client, args, p):\n    if args.debug:\n"
        "        return client.messages.create(max_tokens=LIMIT, messages=p)\n",
        "max_new_tokens",
        id="a-debug-call",
    ),
]


@pytest.mark.parametrize(("code", "parameter"), NOT_SETTINGS)
def test_a_constant_read_elsewhere_is_not_the_spec_value(
    git_repo: GitRepo, code: str, parameter: str
) -> None:
    ledger, flags = review(git_repo, SPEC, {"src/x.py": code})
    assert settings_of(ledger, parameter) == {}
    assert [flag for flag in flags if flag.rule == "spec-mismatch"] == []
