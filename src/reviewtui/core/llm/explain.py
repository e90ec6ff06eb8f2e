"""Provides `explain_chunk(session, chunk, on_text, cancel)`: a chunk explained by the LLM, streamed.

Also `client_for(session)` (one `LLMClient` per review session, honouring `--no-llm`),
`cached_explanation(session, chunk)` (what the view shows without sending anything) and
`prefetch(session, chunks, cancel)` (explain the next chunks in the background, within the budget).
Nothing here raises for LLM trouble: the returned `Answer` carries a one-line error.
"""

from __future__ import annotations

import threading
import weakref
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Protocol

from reviewtui.config import Settings
from reviewtui.core.llm.client import Answer, LLMClient, LLMUnavailable, Prompt, TextCallback
from reviewtui.core.llm.prompts import explain_prompt
from reviewtui.core.models import (
    Chunk,
    FileDiff,
    Flag,
    Phase,
    Request,
    RequestStatus,
    Section,
    SectionLink,
    Spec,
)


class SessionLike(Protocol):
    """What the LLM features read from a `ReviewSession`."""

    root: Path
    phase: Phase
    spec: Spec
    links: dict[str, SectionLink]
    flags: dict[str, list[Flag]]
    settings: Settings
    no_llm: bool

    def section_of(self, chunk_id: str) -> Section | None: ...

    def chunk(self, chunk_id: str) -> Chunk: ...

    def update_request(
        self, request_id: str, *, text: str | None = None, status: RequestStatus | None = None
    ) -> Request: ...


_clients: weakref.WeakKeyDictionary[object, LLMClient] = weakref.WeakKeyDictionary()
_clients_lock = threading.Lock()


def client_for(session: SessionLike) -> LLMClient:
    """The session's `LLMClient` (made on first use; disabled by `--no-llm`)."""
    with _clients_lock:
        client = _clients.get(session)
        if client is None:
            enabled = not getattr(session, "no_llm", False)
            client = LLMClient(session.settings.llm, session.root, enabled=enabled)
            _clients[session] = client
        return client


def file_of(session: SessionLike, chunk: Chunk) -> FileDiff | None:
    """The phase's file diff the chunk was cut from."""
    return next((f for f in session.phase.files if f.path == chunk.path), None)


def _prompt(session: SessionLike, chunk: Chunk) -> tuple[Prompt, list[str]]:
    return explain_prompt(
        session.spec,
        session.section_of(chunk.id),
        chunk,
        file_of(session, chunk),
        session.flags.get(chunk.id, []),
        session.settings.llm.ignore,
    )


def cached_explanation(session: SessionLike, chunk: Chunk) -> Answer | None:
    """The explanation already on disk for this chunk, or None; never sends anything."""
    try:
        prompt, _redactions = _prompt(session, chunk)
    except LLMUnavailable:
        return None
    return client_for(session).cached(prompt)


def explain_chunk(
    session: SessionLike,
    chunk: Chunk,
    on_text: TextCallback | None = None,
    cancel: threading.Event | None = None,
    *,
    force: bool = False,
    background: bool = False,
) -> Answer:
    """Explain `chunk`, streaming pieces to `on_text`; a cached answer arrives as one piece.

    `force` skips the cache (a retry); `background` counts the tokens against the budget.
    """
    try:
        prompt, redactions = _prompt(session, chunk)
    except LLMUnavailable as error:
        return Answer(error=str(error))
    answer = client_for(session).stream(prompt, on_text, cancel, background=background, force=force)
    answer.redactions = redactions
    return answer


def prefetch(
    session: SessionLike, chunks: list[Chunk], cancel: threading.Event | None = None
) -> dict[str, Answer]:
    """Explain `chunks` in the background (cache first, `llm.concurrency` at a time, within budget)."""
    client = client_for(session)
    if not client.available or not chunks:
        return {}
    todo = [chunk for chunk in chunks if cached_explanation(session, chunk) is None]
    workers = max(1, min(session.settings.llm.concurrency, len(todo) or 1))
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="reviewtui-prefetch") as pool:
        futures = {chunk.id: pool.submit(_prefetch_one, session, chunk, cancel) for chunk in todo}
        return {chunk_id: future.result() for chunk_id, future in futures.items()}


def _prefetch_one(session: SessionLike, chunk: Chunk, cancel: threading.Event | None) -> Answer:
    if cancel is not None and cancel.is_set():
        return Answer(error="cancelled")
    return explain_chunk(session, chunk, cancel=cancel, background=True)
