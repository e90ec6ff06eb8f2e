"""Regression test of linking accuracy: builds the benchmark's fixture repositories (bench/linking/),
runs the real pipeline (spec parsing, phase resolution, chunking, linking) and keeps the figures from
falling below what the engine reaches today (see bench/linking/README.md)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

BENCH = Path(__file__).resolve().parent.parent / "bench" / "linking"


def _load_runner() -> ModuleType:
    sys.path.insert(0, str(BENCH))
    try:
        spec = importlib.util.spec_from_file_location("bench_linking_run", BENCH / "run.py")
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[spec.name] = module
        spec.loader.exec_module(module)
        return module
    finally:
        sys.path.remove(str(BENCH))


run = _load_runner()


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
    assert heldout["content"].with_truth >= 760


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
