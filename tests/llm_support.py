"""Provides helpers for the LLM tests: a real repo with a spec and an agent's change, and a session.

`build_repo(git_repo)` writes a small ML spec and commits it, then adds the agent's code in the
working tree (a training script with a secret in it, and a `.env` file). `AddedFileSession` is a
plain review session over that working tree built from the real spec parser and the real files (every
added file is one chunk), for the core LLM tests that must not wait on the rest of the pipeline.
`llm_env(monkeypatch, server)` points the SDK at the local `LLMServer` with a test key.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pytest

from reviewtui.config import Settings, load_settings
from reviewtui.core.models import (
    Chunk,
    DiffLine,
    FileDiff,
    Flag,
    Phase,
    Request,
    RequestStatus,
    Section,
    SectionLink,
    Spec,
)
from reviewtui.core.spec import load_spec
from reviewtui.core.state import ReviewState
from tests.gitrepo import GitRepo
from tests.llm_server import LLMServer

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


def added_chunk(path: str, text: str) -> Chunk:
    """One chunk holding a whole added file, as the chunker would cut a small new file."""
    lines = [DiffLine("+", line, None, number) for number, line in enumerate(text.splitlines(), 1)]
    count = len(lines)
    chunk_id = f"{path.replace('/', '-')}-1"
    return Chunk(chunk_id, path, None, "added", lines, 1, count, 0, 0, count, 0, language="python")


@dataclass(eq=False)
class AddedFileSession:
    """A review session over the working tree's added files (see the module docstring)."""

    root: Path
    spec: Spec
    phase: Phase
    chunks: list[Chunk]
    links: dict[str, SectionLink]
    settings: Settings
    state: ReviewState
    flags: dict[str, list[Flag]] = field(default_factory=dict)
    no_llm: bool = False

    @classmethod
    def open(cls, root: Path, added: list[str], no_llm: bool = False) -> AddedFileSession:
        spec = load_spec(root, ["SPEC.md"])
        files, chunks = [], []
        for path in added:
            text = (root / path).read_text(encoding="utf-8")
            chunk = added_chunk(path, text)
            hunk_lines = list(chunk.lines)
            from reviewtui.core.models import Hunk

            hunk = Hunk(0, 0, 1, len(hunk_lines), hunk_lines)
            files.append(FileDiff(path, None, "added", [hunk], new_text=text))
            chunks.append(chunk)
        phase = Phase(None, "WORKTREE", files)
        links = {chunk.id: SectionLink(chunk.id, None, 0.0) for chunk in chunks}
        settings = load_settings(root)
        return cls(
            root, spec, phase, chunks, links, settings, ReviewState.load(root), no_llm=no_llm
        )

    def chunk(self, chunk_id: str) -> Chunk:
        return next(chunk for chunk in self.chunks if chunk.id == chunk_id)

    def section_of(self, chunk_id: str) -> Section | None:
        return self.spec.get(self.links[chunk_id].section_id)

    def update_request(
        self, request_id: str, *, text: str | None = None, status: RequestStatus | None = None
    ) -> Request:
        request = next(r for r in self.state.requests if r.id == request_id)
        if text is not None:
            request.text = text
        if status is not None:
            request.status = status
        self.state.save()
        return request


def open_session(
    root: Path, added: list[str] | None = None, *, no_llm: bool = False
) -> AddedFileSession:
    return AddedFileSession.open(root, added or ["src/train.py"], no_llm=no_llm)


__all__ = ["TEST_KEY", "LLMServer", "build_repo", "llm_env", "open_session"]
