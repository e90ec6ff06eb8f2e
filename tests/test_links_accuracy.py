"""Regression test of linking accuracy: builds the benchmark's fixture repositories (bench/linking/),
runs the real pipeline (spec parsing, phase resolution, chunking, linking) and keeps the figures from
falling below what the engine reaches today (see bench/linking/README.md)."""

from __future__ import annotations

import importlib.util
import json
import re
import sys
from pathlib import Path
from types import ModuleType

import pytest

from tests.llm_server import LLMServer, RecordedRequest, Reply
from tests.llm_support import llm_env

BENCH = Path(__file__).resolve().parent.parent / "bench" / "linking"


def _load_runner(name: str = "run") -> ModuleType:
    sys.path.insert(0, str(BENCH))
    try:
        spec = importlib.util.spec_from_file_location(f"bench_linking_{name}", BENCH / f"{name}.py")
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[spec.name] = module
        spec.loader.exec_module(module)
        return module
    finally:
        sys.path.remove(str(BENCH))


run = _load_runner()
llm_help = _load_runner("llm_help")


@pytest.fixture(scope="module")
def content(tmp_path_factory: pytest.TempPathFactory):
    """Every fixture left uncommitted, with no references in the code: content alone links."""
    return run.totals(run.run_all(tmp_path_factory.mktemp("content"), modes=("content",)))[
        "content"
    ]


@pytest.fixture(scope="module")
def commits(tmp_path_factory: pytest.TempPathFactory):
    """Every fixture committed one section at a time, with subjects naming the task."""
    return run.totals(run.run_all(tmp_path_factory.mktemp("commits"), modes=("commits",)))[
        "commits"
    ]


def test_every_fixture_style_is_measured(content) -> None:
    assert set(run.fixture_names()) >= {"numbered", "plain", "plan", "speckit", "kiro", "todo"}
    assert content.with_truth >= 90
    assert content.glue >= 5


def test_content_only_heading_accuracy(content) -> None:
    assert content.heading_accuracy >= 0.88  # issue target: 0.85; measured 0.905


def test_content_only_accuracy_among_linked(content) -> None:
    assert content.linked_accuracy >= 0.96  # issue target: 0.92; measured 0.977


def test_content_only_glue_is_left_unlinked(content) -> None:
    assert content.glue_unlinked_rate >= 0.8  # issue target: 0.80; measured 0.818


def test_content_only_task_accuracy(content) -> None:
    assert content.task_accuracy >= 0.87  # measured 0.887


def test_commits_naming_tasks(commits) -> None:
    assert commits.heading_accuracy >= 0.97  # issue target: 0.95; measured 1.0
    assert commits.task_accuracy >= 0.95


# --------------------------------------------------------------------------- held-out fixtures
# Written by people who had not seen the engine (bench/linking/heldout/): the honest figure. These
# keep it from falling below what the engine reaches after issue #5 (bench/linking/README.md).


@pytest.fixture(scope="module")
def heldout(tmp_path_factory: pytest.TempPathFactory):
    """The sixteen held-out fixtures: uncommitted, committed with the subjects their authors wrote,
    committed with subjects that start with the task id, and with `Spec:` trailers and `# spec:`
    comments (what `reviewtui init` asks for)."""
    outcomes = run.run_all(
        tmp_path_factory.mktemp("heldout"),
        modes=("content", "commits", "named", "convention"),
        root=run.SETS["heldout"],
    )
    return run.totals(outcomes)


def test_heldout_fixtures_are_measured(heldout) -> None:
    assert {"vit", "agentbench", "asr", "recsys"} <= set(run.fixture_names(run.SETS["heldout"]))
    assert set(run.fixture_names(run.SETS["heldout"])) >= {
        "paper",
        "forecast",
        "polyglot",
        "bmad",
        "rl",
        "llmeval",
        "etl",
        "kiro2",
        "lora",
        "ragbench",
        "simclr",
        "gocli",
        "tokenizer",
        "webapp",
        "distill",
        "dataprep",
    }
    assert heldout["content"].with_truth >= 960


# Figures of the first eight together (bench/linking/README.md): the first batch measured 65.4% at heading
# level before the held-out round and 71.9% after; the second batch, unseen by that round, 65.2%.
# Session 3's neighbour, breadth and subject-prefix rules: all eight 68.0% -> 70.8%; the third batch
# (lora, ragbench, simclr, gocli), unseen by them, measured 72.1% (the session's first engine: 68.9%);
# the fourth (tokenizer, webapp, distill, dataprep), unseen by the call-graph rule too, 65.5% (62.6%).


def test_heldout_content_only(heldout) -> None:
    content = heldout["content"]
    assert content.heading_accuracy >= 0.68  # measured 0.701
    assert content.linked_accuracy >= 0.81  # measured 0.826
    assert content.task_accuracy >= 0.64  # measured 0.665
    assert content.glue_unlinked_rate >= 0.45  # measured 0.481


def test_heldout_commits_as_written(heldout) -> None:
    commits = heldout["commits"]
    assert commits.heading_accuracy >= 0.83  # measured 0.849
    assert commits.linked_accuracy >= 0.87  # measured 0.887


def test_heldout_commits_naming_the_task(heldout) -> None:
    named = heldout["named"]
    assert named.heading_accuracy >= 0.97  # issue target 0.95; measured 0.986
    assert named.task_accuracy >= 0.95  # measured 0.978


def test_heldout_convention(heldout) -> None:
    convention = heldout["convention"]
    assert convention.heading_accuracy >= 0.99  # measured 0.998
    assert convention.task_accuracy >= 0.99  # measured 1.0


# --------------------------------------------------------------------------- with the LLM's help
# The LLM's linking picks recorded for every chunk of every content-mode phase (llm_help.py; the
# model's answers to the exact prompts the app sends), merged as the app merges them. Figures and
# how the answers were recorded: bench/linking/README.md.


def helped(workdir: Path, fixture_set: str):
    answers = BENCH / "llm_answers" / f"{fixture_set}.json"
    outcomes = run.run_llm(
        workdir, None, run.LinkSettings(), run.SETS[fixture_set], answers, run.LLMSettings()
    )
    return {outcome.mode: outcome for outcome in run.totals(outcomes).values()}


def test_tuning_content_with_the_llm_help(tmp_path: Path) -> None:
    result = helped(tmp_path, "tuning")
    assert result["content"].with_truth == result["content+llm"].with_truth >= 90
    llm = result["content+llm"]
    assert llm.heading_accuracy >= 0.97  # measured 0.989
    assert llm.linked_accuracy >= 0.97  # measured 0.989
    assert llm.glue_unlinked_rate >= 0.9  # measured 0.909


def test_heldout_content_with_the_llm_help(tmp_path: Path) -> None:
    result = helped(tmp_path, "heldout")
    assert result["content+llm"].with_truth == result["content"].with_truth >= 960  # all answered
    llm = result["content+llm"]
    assert llm.heading_accuracy >= 0.87  # issue target 0.85; measured 0.880
    assert llm.linked_accuracy >= 0.93  # issue target 0.92; measured 0.938
    assert llm.glue_unlinked_rate >= 0.82  # issue target 0.80; measured 0.836
    assert result["commits+llm"].heading_accuracy >= 0.91  # without the LLM 0.842; measured 0.923


def test_recording_asks_the_model_through_the_real_client(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`llm_help.py record` sends the app's own link prompts through the real SDK (here to the local
    Messages-API server) and keeps one validated pick per chunk."""
    asked: dict[str, str | None] = {}
    with LLMServer() as server:
        llm_env(monkeypatch, server.url)

        def answer(request: RecordedRequest) -> None:
            text = request.prompt_text
            section = re.search(r"^\s*- ([\w-]+): ", text.split("# Spec outline")[1], re.M)
            assert section is not None
            ids = re.findall(r"^### chunk (\S+)", text, re.M)
            for number, chunk_id in enumerate(ids):
                asked[chunk_id] = section.group(1) if number % 2 else None
            links = [{"chunk": c, "section": asked[c], "reason": "r"} for c in ids]
            server.queue(Reply(text=json.dumps({"links": links})))

        server.on_request = answer
        into = tmp_path / "answers.json"
        problems = llm_help.record("tuning", into, run.LLMSettings(max_retries=0), ["plain"])
        sent = list(server.requests)
    assert problems == []
    assert sent and all(r.body["max_tokens"] > 1024 for r in sent)
    picks = json.loads(into.read_text())["plain"]
    assert {c: p["section"] for c, p in picks.items()} == asked
    assert any(asked.values()) and None in asked.values()


def test_recording_without_a_key_says_so(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with LLMServer() as server:
        llm_env(monkeypatch, server.url, key=None)
        problems = llm_help.record("tuning", tmp_path / "a.json", run.LLMSettings(), ["plain"])
        assert server.requests == []
    assert len(problems) == 1 and "ANTHROPIC_API_KEY" in problems[0]
