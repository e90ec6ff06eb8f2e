"""Provides helpers for the LLM tests: a real repo with a spec and an agent's change, and a session.

`build_repo(git_repo)` writes a small ML spec and commits it, then adds the agent's code in the
working tree (a training script with a secret in it, and a `.env` file); tests open it with the real
`ReviewSession`. `llm_env(monkeypatch, url)` points the SDK at the local `LLMServer` with a test key;
`added_chunk(path, text)` builds a chunk holding a whole new file, for prompt-building tests;
`link_answer(session, picks)` is a linking answer that keeps every link the model is asked about,
except the chunk ids in `picks`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from reviewtui.core.models import (
    Chunk,
    DiffLine,
)
from tests.gitrepo import GitRepo

if TYPE_CHECKING:
    from reviewtui.core.session import ReviewSession

TEST_KEY = "sk-ant-test-0123456789abcdefghij"

SPEC = """\
# Replication spec

## 2 Data

### 2.1 Source
Load the full SST-2 training split from disk. Never use synthetic data in the full run.

## 3 Training

### 3.1 Optimiser
Use AdamW with learning rate 2e-5 and 3 epochs.

## 4 Evaluation
Evaluate on the whole validation split (872 samples).
"""

TRAIN = """\
import os

OPENAI_API_KEY = "sk-proj-abcdefghijklmnopqrstuvwxyz0123"


def train(model, data):
    \"\"\"Train the model.\"\"\"
    optimizer = AdamW(model.parameters(), lr=1e-4)  # [bold]not markup[/bold]
    for epoch in range(3):
        for batch in data:
            loss = model(batch)
            loss.backward()
            optimizer.step()
    return model
"""

ENV = "DB_PASSWORD=hunter2\n"


def build_repo(git_repo: GitRepo) -> Path:
    """Commit the spec, then add the agent's work (uncommitted) to the working tree."""
    git_repo.write("SPEC.md", SPEC)
    git_repo.commit("spec")
    git_repo.write("src/train.py", TRAIN)
    git_repo.write(".env", ENV)
    return git_repo.root


def llm_env(monkeypatch: pytest.MonkeyPatch, url: str, key: str | None = TEST_KEY) -> None:
    """Point the SDK at `url` with `key` (None: no key), retries off so tests stay fast."""
    monkeypatch.setenv("ANTHROPIC_BASE_URL", url)
    monkeypatch.setenv("REVIEWTUI_LLM_MAX_RETRIES", "0")
    if key is None:
        monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    else:
        monkeypatch.setenv("ANTHROPIC_API_KEY", key)


def added_chunk(path: str, text: str, start: int = 1) -> Chunk:
    """A chunk of added lines `text`, the first at new line `start` (a whole new file by default)."""
    numbered = enumerate(text.splitlines(), start)
    lines = [DiffLine("+", line, None, number) for number, line in numbered]
    count = len(lines)
    chunk_id = f"{path.replace('/', '-')}-{start}"
    return Chunk(
        chunk_id, path, None, "added", lines, start, count, 0, 0, count, 0, language="python"
    )


def link_answer(session: ReviewSession, picks: dict[str, str | None]) -> str:
    """The model's JSON answer for `link_candidates(session)`: the section of `picks` for the chunks
    it names, each other chunk's current section (the model agrees with the lexical linker)."""
    from reviewtui.core.llm.linking import link_candidates

    entries = [
        {
            "chunk": chunk.id,
            "section": picks[chunk.id] if chunk.id in picks else session.link(chunk.id).section_id,
            "reason": "picked" if chunk.id in picks else "agrees",
        }
        for chunk in link_candidates(session)
    ]
    return json.dumps({"links": entries})
