"""The LLM answer cache is best-effort: a failed write never loses a paid-for answer (finding 5)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from reviewtui.core.llm import client_for, explain_chunk, suggest_links
from reviewtui.core.llm.cache import AnswerCache
from reviewtui.core.llm.client import Answer, LLMClient, Prompt, TextCallback
from reviewtui.core.llm.usage import Usage
from reviewtui.core.models import Chunk
from reviewtui.core.session import ReviewSession
from tests.gitrepo import GitRepo
from tests.llm_server import LLMServer, Reply
from tests.llm_support import build_repo, llm_env


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch) -> Iterator[LLMServer]:
    with LLMServer() as running:
        llm_env(monkeypatch, running.url)
        yield running


@pytest.fixture
def session(git_repo: GitRepo) -> ReviewSession:
    return ReviewSession.open(build_repo(git_repo))


def block_cache(root: Path) -> None:
    """Put a file where the answer cache's folder must go: every write fails (even as root)."""
    folder = root / ".reviewtui" / "cache"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "llm").write_text("not a folder", encoding="utf-8")


def train(session: ReviewSession) -> Chunk:
    return next(chunk for chunk in session.chunks if chunk.path == "src/train.py")


def test_a_failed_cache_write_keeps_the_answer_with_a_cancel_event(
    server: LLMServer, session: ReviewSession
) -> None:
    block_cache(session.root)
    server.queue(Reply(text="### What it does\nTrains."))
    answer = explain_chunk(session, train(session), cancel=threading.Event())

    assert answer.ok and not answer.partial and answer.text == "### What it does\nTrains."
    assert answer.warning is not None and "LLM cache not written" in answer.warning
    assert answer.warning.endswith("/.reviewtui/cache/llm): answers are asked again")
    client = client_for(session)
    assert client.cache_problem == answer.warning
    assert client.usage.input_tokens == 120 and client.usage.output_tokens == 40  # accounted


def test_a_failed_cache_write_does_not_raise_without_a_cancel_event(
    server: LLMServer, session: ReviewSession
) -> None:
    block_cache(session.root)
    first = explain_chunk(session, train(session))
    second = explain_chunk(session, train(session))  # not cached: asked again

    assert first.ok and second.ok and first.text == second.text == "A fine explanation."
    assert first.warning is not None and second.warning is None  # reported once per session
    assert client_for(session).cache_problem == first.warning
    assert len(server.requests) == 2 and not second.cached


def test_the_cache_works_again_once_the_folder_is_fixed(
    server: LLMServer, session: ReviewSession
) -> None:
    block_cache(session.root)
    assert explain_chunk(session, train(session)).warning is not None
    (session.root / ".reviewtui" / "cache" / "llm").unlink()
    stored = explain_chunk(session, train(session))
    again = explain_chunk(session, train(session))
    assert stored.ok and stored.warning is None and again.cached and len(server.requests) == 2


def test_linking_picks_survive_a_failed_cache_write(
    server: LLMServer, session: ReviewSession
) -> None:
    block_cache(session.root)
    chunk = train(session)
    pick = {"links": [{"chunk": chunk.id, "section": "31-optimiser", "reason": "AdamW"}]}
    server.queue(Reply(text=json.dumps(pick)))
    help_ = suggest_links(session, [chunk])

    assert not help_.errors and help_.links[chunk.id].section_id == "31-optimiser"
    assert len(help_.warnings) == 1 and "LLM cache not written" in help_.warnings[0]


def test_put_raises_oserror_and_leaves_no_temp_file(tmp_path: Path) -> None:
    cache = AnswerCache(tmp_path)
    (cache.directory / "blocked.json").mkdir(parents=True)  # rename onto a folder fails
    with pytest.raises(OSError):
        cache.put("blocked", "text", Usage(), model="m", kind="explain")
    with pytest.raises(OSError, match="cannot encode"):
        cache.put("lone", "half a pair: \ud800", Usage(), model="m", kind="explain")
    assert sorted(p.name for p in cache.directory.iterdir()) == [".gitignore", "blocked.json"]
    cache.put("fine", "ok", Usage(1, 2), model="m", kind="explain")
    assert cache.get("fine") == ("ok", Usage(1, 2))


class _FailingClient(LLMClient):
    """A client whose sending breaks with an unexpected error (a bug, not an HTTP failure)."""

    def _send(
        self,
        prompt: Prompt,
        on_text: TextCallback | None,
        cancel: threading.Event | None,
        *,
        background: bool,
        stream: bool,
    ) -> Answer:
        raise RuntimeError("internal trouble")


def test_an_internal_error_is_reported_not_taken_for_a_cancel(
    server: LLMServer, session: ReviewSession
) -> None:
    client = _FailingClient(session.settings.llm, session.root)
    prompt = Prompt([{"type": "text", "text": "system"}], "user")
    answer = client.stream(prompt, cancel=threading.Event(), force=True)
    assert answer.error == "LLM: RuntimeError: internal trouble" and not answer.partial
