"""Provides what the TUI tests share: small fixed git repositories (real repos, fixed dates and
content) and helpers to drive the app with Pilot."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import Input
from textual.worker import WorkerCancelled

from reviewtui.tui.app import ReviewApp
from reviewtui.tui.screens.review import ReviewScreen
from tests.gitrepo import GitRepo

SPEC = """\
# Toy replication

## 1 Data

Load the rows from `data/rows.csv` with `load_rows`; never substitute other data.

## 2 Model

- [ ] T01 Mean pooling over the token embeddings in src/toy/model.py
- [ ] T02 A scorer that ranks passages in src/toy/score.py
"""

DATA_PY = """\
import csv


def load_rows(path):
    \"\"\"Read every row of the csv file at `path`.\"\"\"
    with open(path, newline="") as handle:
        return list(csv.reader(handle))


def count_rows(path):
    return len(load_rows(path))
"""

MODEL_PY = """\
def mean_pool(vectors):
    \"\"\"The mean of the token vectors.\"\"\"
    total = [0.0] * len(vectors[0])
    for vector in vectors:
        for index, value in enumerate(vector):
            total[index] += value
    return [value / len(vectors) for value in total]
"""

SCORE_PY = """\
def score(query, passage):
    return sum(a * b for a, b in zip(query, passage))
"""

HOSTILE_PY = """\
BANNER = "[bold]not bold[/bold] and [/red] and [link=https://example.invalid]x[/link]"
ESCAPE = "\x1b[31mred\x1b[0m"
"""

DATES = "2026-01-05T10:00:00+00:00"


def build_toy_repo(
    root: Path, monkeypatch: pytest.MonkeyPatch, hostile: bool = False
) -> tuple[GitRepo, str]:
    """A repo with a spec commit on `main`, then an agent's commits; returns (repo, base sha).

    Commit dates are fixed, so every sha is the same on every run.
    """
    monkeypatch.setenv("GIT_AUTHOR_DATE", DATES)
    monkeypatch.setenv("GIT_COMMITTER_DATE", DATES)
    repo = GitRepo.init(root)
    repo.write("SPEC.md", SPEC)
    repo.write("README.md", "# toy\n")
    base = repo.commit("Spec for the toy replication")
    repo.git("checkout", "-q", "-b", "agent/phase-1")
    repo.write("src/toy/data.py", DATA_PY)
    repo.commit("Load the rows\n\nSpec: 1-data")
    repo.write("src/toy/model.py", MODEL_PY)
    repo.commit("T01: mean pooling\n\nSpec: T01")
    repo.write("src/toy/score.py", SCORE_PY)
    repo.commit("T02: dot-product scorer\n\nSpec: T02")
    if hostile:
        repo.write("src/toy/hostile.py", HOSTILE_PY)
        repo.commit("Add banner strings")
    return repo, base


async def type_and_enter(pilot: Pilot[Any], text: str) -> None:
    """Put `text` in the focused dialog's input and press Enter (typing key by key is slow)."""
    pilot.app.screen.query_one(Input).value = text
    await pilot.press("enter")


@asynccontextmanager
async def review(
    root: Path, size: tuple[int, int] = (120, 40), phase: str | None = None
) -> AsyncIterator[tuple[ReviewApp, Pilot[Any]]]:
    """Run the app on `root` (spec phase `phase`, default inferred) until the review screen is up."""
    app = ReviewApp(root, phase=phase)
    async with app.run_test(size=size) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        yield app, pilot


async def ended(app: ReviewApp, pilot: Pilot[Any]) -> None:
    """Wait for an app whose loading fails: the loader's worker is cancelled as the app exits."""
    with suppress(WorkerCancelled):
        await app.workers.wait_for_complete()
    await pilot.pause()


def screen_of(app: ReviewApp) -> ReviewScreen:
    assert isinstance(app.screen, ReviewScreen), type(app.screen)
    return app.screen


def state_file(root: Path) -> dict[str, Any]:
    return json.loads((root / ".reviewtui" / "state.json").read_text(encoding="utf-8"))
