"""Provides `LLMClient`: the one door to Anthropic's Messages API, with cache, budget and plain errors.

- No key, or `--no-llm`: nothing is sent; `unavailable_reason()` says how to enable it.
- `stream(prompt, on_text, cancel)`: streams text pieces through a callback, honours a cancel event,
  and returns an `Answer` (text, usage, partial flag, one-line error) instead of raising.
- `complete(prompt)`: the same without streaming (linking help, drafted fixes).
- Complete answers are cached on disk (`AnswerCache`); the key never enters the cache or any message.
  Caching is best-effort: an answer whose cache write fails is still returned, and the first such
  failure of a session comes back once as `Answer.warning` (it stays in `LLMClient.cache_problem`).
- Background work (prefetch, linking) stops at the per-session token budget, with at most
  `llm.concurrency` background requests in flight; what the reviewer asks for (`e`, `d`) never waits.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Mapping
from contextlib import nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import anthropic
import httpx2

from reviewtui.config import LLMSettings
from reviewtui.core.llm.cache import AnswerCache, cache_key
from reviewtui.core.llm.usage import Usage, describe

ENABLE_HINT = "set ANTHROPIC_API_KEY to use the LLM"
TextCallback = Callable[[str], None]


@dataclass
class Prompt:
    """What is sent: system blocks (the last may be prompt-cached) and one user message."""

    system: list[dict[str, Any]]
    user: str
    kind: str = "explain"
    """`explain`, `link` or `draft`: stored with cached answers, for humans."""
    max_tokens: int | None = None
    """Overrides `llm.max_tokens` for this prompt."""

    def payload(self) -> dict[str, Any]:
        """The prompt as the cache key sees it."""
        return {"system": self.system, "user": self.user, "max_tokens": self.max_tokens}


@dataclass
class Answer:
    """The outcome of one LLM call: never an exception."""

    text: str = ""
    usage: Usage = field(default_factory=Usage)
    error: str | None = None
    """One line for the user when the call failed (None on success)."""
    partial: bool = False
    """True when text arrived but the answer did not finish (error or cancel mid-stream)."""
    cached: bool = False
    """True when the answer came from the disk cache (nothing was sent)."""
    redactions: list[str] = field(default_factory=list)
    """Kinds of secrets removed from the prompt before it was sent."""
    warning: str | None = None
    """One line about a problem that did not spoil the answer: it could not be cached. Set on the
    first such answer of a session only (`LLMClient.cache_problem` keeps the line)."""

    @property
    def ok(self) -> bool:
        return self.error is None


class LLMUnavailable(Exception):
    """Raised inside the client when a call must not be made; its message is the user's line."""


class LLMClient:
    """Anthropic's SDK, configured from `LLMSettings`, with a disk cache and usage accounting."""

    def __init__(
        self,
        settings: LLMSettings,
        root: Path,
        *,
        enabled: bool = True,
        environ: Mapping[str, str] | None = None,
    ) -> None:
        env = os.environ if environ is None else environ
        self.settings = settings
        self.enabled = enabled and settings.enabled
        self.cache = AnswerCache(root)
        self.usage = Usage()
        """Tokens actually sent and received this session (cache hits cost nothing)."""
        self.background_usage = Usage()
        """The part of `usage` spent on background work, counted against `llm.budget_tokens`."""
        self.cache_problem: str | None = None
        """Why answers are not being cached (the latest failed write), or None while all is well."""
        self._api_key = env.get("ANTHROPIC_API_KEY") or None
        self._auth_token = None if self._api_key else (env.get("ANTHROPIC_AUTH_TOKEN") or None)
        self._base_url = env.get("ANTHROPIC_BASE_URL") or None
        self._slots = threading.BoundedSemaphore(max(1, settings.concurrency))
        self._lock = threading.Lock()
        self._sdk: anthropic.Anthropic | None = None

    def __repr__(self) -> str:  # never show the key
        return f"LLMClient(model={self.settings.model!r}, enabled={self.enabled})"

    # ------------------------------------------------------------------ state

    def unavailable_reason(self) -> str | None:
        """Why nothing can be sent (one line with how to enable it), or None when ready."""
        if not self.enabled:
            return "LLM disabled (--no-llm or llm.enabled = false): nothing is sent"
        if not (self._api_key or self._auth_token):
            return f"No LLM key: {ENABLE_HINT}"
        return None

    @property
    def available(self) -> bool:
        return self.unavailable_reason() is None

    def budget_left(self) -> int:
        return max(0, self.settings.budget_tokens - self.background_usage.total)

    def usage_line(self) -> str:
        """Session totals for humans: tokens (and cost where known)."""
        return describe(self.usage, self.settings.model, self.settings)

    def key_for(self, prompt: Prompt) -> str:
        return cache_key(self.settings.model, prompt.payload())

    def cached(self, prompt: Prompt) -> Answer | None:
        """The cached answer for `prompt`, or None; never sends anything."""
        hit = self.cache.get(self.key_for(prompt))
        return Answer(hit[0], hit[1], cached=True) if hit else None

    # ------------------------------------------------------------------ calls

    def stream(
        self,
        prompt: Prompt,
        on_text: TextCallback | None = None,
        cancel: threading.Event | None = None,
        *,
        background: bool = False,
        force: bool = False,
    ) -> Answer:
        """Stream an answer, calling `on_text` with each piece; cached answers come in one piece."""
        return self._call(prompt, on_text, cancel, background=background, force=force, stream=True)

    def complete(
        self,
        prompt: Prompt,
        cancel: threading.Event | None = None,
        *,
        background: bool = False,
        force: bool = False,
    ) -> Answer:
        """Ask for a whole answer at once (no streaming)."""
        return self._call(prompt, None, cancel, background=background, force=force, stream=False)

    def _call(
        self,
        prompt: Prompt,
        on_text: TextCallback | None,
        cancel: threading.Event | None,
        *,
        background: bool,
        force: bool,
        stream: bool,
    ) -> Answer:
        if not force and (hit := self.cached(prompt)) is not None:
            if on_text is not None:
                on_text(hit.text)
            return hit
        if cancel is None:
            return self._send(prompt, on_text, None, background=background, stream=stream)
        return self._send_cancellable(prompt, on_text, cancel, background, stream)

    def _send_cancellable(
        self,
        prompt: Prompt,
        on_text: TextCallback | None,
        cancel: threading.Event,
        background: bool,
        stream: bool,
    ) -> Answer:
        """Send from a daemon thread, so a cancel returns at once even while a read blocks.

        The abandoned request finishes (or times out) on its own; a complete answer is still cached.
        """
        result: list[Answer] = []
        seen: list[str] = []

        def forward(piece: str) -> None:
            if not cancel.is_set():
                seen.append(piece)
                if on_text is not None:
                    on_text(piece)

        def send() -> None:
            try:
                answer = self._send(prompt, forward, cancel, background=background, stream=stream)
            except Exception as error:  # an internal failure is reported, never taken for a cancel
                text = "".join(seen)
                answer = Answer(text, error=self.describe_error(error), partial=bool(text))
            result.append(answer)

        sender = threading.Thread(target=send, name="reviewtui-llm", daemon=True)
        sender.start()
        while sender.is_alive() and not cancel.wait(0.05):
            pass
        sender.join(0.01)
        if result:
            return result[0]
        text = "".join(seen)
        return Answer(text, error="cancelled", partial=bool(text))

    def _send(
        self,
        prompt: Prompt,
        on_text: TextCallback | None,
        cancel: threading.Event | None,
        *,
        background: bool,
        stream: bool,
    ) -> Answer:
        answer = Answer()
        try:
            self._check_allowed(background)
            with self._slot(cancel) if background else nullcontext():
                if stream:
                    self._stream_into(answer, prompt, on_text, cancel)
                else:
                    self._complete_into(answer, prompt)
        except LLMUnavailable as error:
            answer.error = str(error)
        except Exception as error:  # every SDK/transport failure becomes one line
            answer.error = self.describe_error(error)
        answer.partial = bool(answer.error and answer.text)
        self._account(answer.usage, background)
        if answer.ok:
            key = self.key_for(prompt)
            answer.warning = self.store(key, answer.text, answer.usage, kind=prompt.kind)
        return answer

    def store(self, key: str, text: str, usage: Usage, *, kind: str) -> str | None:
        """Cache an answer, best-effort: None when stored (or when the failure was already
        reported), else a one-line warning; a failed write never loses the answer in hand."""
        try:
            self.cache.put(key, text, usage, model=self.settings.model, kind=kind)
        except OSError as error:
            return self._cache_failed(error)
        return None

    def _cache_failed(self, error: OSError) -> str | None:
        reason = f"{error.strerror}: {error.filename}" if error.strerror else str(error)
        line = " ".join(f"LLM cache not written ({reason}): answers are asked again".split())
        with self._lock:
            first = self.cache_problem is None
            self.cache_problem = line[:300]
        return self.cache_problem if first else None

    def _check_allowed(self, background: bool) -> None:
        reason = self.unavailable_reason()
        if reason is not None:
            raise LLMUnavailable(reason)
        if background and self.budget_left() <= 0:
            raise LLMUnavailable(
                f"LLM budget of {self.settings.budget_tokens:,} background tokens used up"
            )

    def _slot(self, cancel: threading.Event | None) -> _Slot:
        return _Slot(self._slots, cancel)

    def _request(self, prompt: Prompt) -> dict[str, Any]:
        return {
            "model": self.settings.model,
            "max_tokens": prompt.max_tokens or self.settings.max_tokens,
            "system": prompt.system,
            "messages": [{"role": "user", "content": prompt.user}],
        }

    def _stream_into(
        self,
        answer: Answer,
        prompt: Prompt,
        on_text: TextCallback | None,
        cancel: threading.Event | None,
    ) -> None:
        with self.sdk().messages.stream(**self._request(prompt)) as events:
            for event in events:
                if cancel is not None and cancel.is_set():
                    raise LLMUnavailable("cancelled")
                if event.type == "message_start":
                    answer.usage = Usage.from_sdk(event.message.usage)
                elif event.type == "message_delta":
                    answer.usage.output_tokens = int(event.usage.output_tokens or 0)
                elif event.type == "text":
                    answer.text += event.text
                    if on_text is not None:
                        on_text(event.text)

    def _complete_into(self, answer: Answer, prompt: Prompt) -> None:
        message = self.sdk().messages.create(**self._request(prompt))
        answer.usage = Usage.from_sdk(message.usage)
        answer.text = "".join(block.text for block in message.content if block.type == "text")

    def _account(self, usage: Usage, background: bool) -> None:
        with self._lock:
            self.usage.add(usage)
            if background:
                self.background_usage.add(usage)

    def sdk(self) -> anthropic.Anthropic:
        """The SDK client, built on first use with the key passed explicitly (no other discovery)."""
        if self._sdk is None:
            credential = (
                {"api_key": self._api_key} if self._api_key else {"auth_token": self._auth_token}
            )
            self._sdk = anthropic.Anthropic(
                **credential,
                base_url=self._base_url,
                timeout=self.settings.timeout,
                max_retries=self.settings.max_retries,
            )
        return self._sdk

    # ------------------------------------------------------------------ errors

    def describe_error(self, error: BaseException) -> str:
        """One line for the user, without the key, for any failure of a call."""
        line = _error_line(error, self.settings.timeout, self._base_url or "api.anthropic.com")
        for secret in (self._api_key, self._auth_token):
            if secret:
                line = line.replace(secret, "[key]")
        return " ".join(line.split())[:300]


class _Slot:
    """Takes one of the concurrency slots, waiting in short steps so a cancel is honoured."""

    def __init__(self, slots: threading.BoundedSemaphore, cancel: threading.Event | None) -> None:
        self.slots = slots
        self.cancel = cancel

    def __enter__(self) -> None:
        while not self.slots.acquire(timeout=0.05):
            if self.cancel is not None and self.cancel.is_set():
                raise LLMUnavailable("cancelled")

    def __exit__(self, *exc: object) -> None:
        self.slots.release()


_STATUS_LINES = {
    400: "the request was refused (400)",
    401: "the API key was rejected (401); check ANTHROPIC_API_KEY",
    403: "the API key may not use this model (403)",
    404: "unknown model or endpoint (404); check llm.model",
    413: "the prompt is too large (413)",
    429: "rate limited (429); try again in a moment",
    500: "Anthropic had an internal error (500); try again",
    529: "Anthropic is overloaded (529); try again later",
}


def _error_line(error: BaseException, timeout: float, endpoint: str) -> str:
    if isinstance(error, anthropic.APITimeoutError):
        return f"LLM: no answer within {timeout:g} s (timeout); try again"
    if isinstance(error, anthropic.APIConnectionError):
        return f"LLM: cannot connect to {endpoint} (connection failed); try again"
    if isinstance(error, anthropic.APIStatusError):
        return "LLM: " + _status_line(error)
    if isinstance(error, httpx2.TransportError):
        return "LLM: the connection broke in the middle of the answer; try again"
    if isinstance(error, TypeError) and "authentication" in str(error):
        return f"No LLM key: {ENABLE_HINT}"
    return f"LLM: {type(error).__name__}: {error}"


def _status_line(error: anthropic.APIStatusError) -> str:
    kind, message = _error_body(error.body)
    if error.status_code == 200 or kind == "overloaded_error":
        stage = "the answer stopped mid-way: " if error.status_code == 200 else ""
        if kind == "overloaded_error":
            return f"{stage}Anthropic is overloaded (529); try again later"
        return f"{stage}{kind or 'error'}: {message}"
    line = _STATUS_LINES.get(error.status_code)
    if line is None:
        line = f"request failed ({error.status_code})"
    return f"{line}: {message}" if message and error.status_code in {400, 404, 413} else line


def _error_body(body: object) -> tuple[str, str]:
    if isinstance(body, dict):
        inner = body.get("error", body)
        if isinstance(inner, dict):
            return str(inner.get("type", "")), str(inner.get("message", ""))
    return "", str(body or "")
