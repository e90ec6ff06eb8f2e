"""Provides `ExplanationPanel`: the area of the chunk view where the LLM's explanation streams in.

The app composes the panel and calls its two public methods:

- `show_chunk(session, chunk)`: the chunk in view changed (show what is known: a finished, partial or
  cached explanation, or a hint; explains automatically when `llm.auto_explain` is on, and prefetches
  the next `llm.prefetch` chunks in the background);
- `explain(session, chunk, force=False)`: the reviewer pressed `e` (a failed or partial answer is
  retried; `force` asks again even when a complete answer exists).

The LLM call runs in a thread worker; text pieces come back as `Streamed` messages and the end as
`Finished`, so no widget is touched from the thread. The answer is rendered as markdown (never as
markup, control characters made visible); a failure is one line, partial text is kept and marked.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from rich.cells import cell_len
from textual import work
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.message import Message
from textual.widgets import Markdown, Static

from reviewtui.core.llm import Answer, client_for, explain_chunk, prefetch
from reviewtui.core.llm.client import LLMUnavailable
from reviewtui.core.llm.explain import SessionLike, cached_explanation
from reviewtui.core.llm.prompts import check_sendable
from reviewtui.core.llm.usage import describe
from reviewtui.core.models import Chunk
from reviewtui.tui.text import clean_block, clean_line

HINT = "Press e to explain this chunk with the LLM."


@dataclass
class ChunkExplanation:
    """What the panel knows about one chunk's explanation."""

    text: str = ""
    streaming: bool = False
    answer: Answer | None = None
    """The finished call (None while streaming)."""

    @property
    def failed(self) -> bool:
        return self.answer is not None and not self.answer.ok


class ExplanationPanel(VerticalScroll):
    """Shows the LLM's explanation of the chunk in view, or how to enable it."""

    DEFAULT_CSS = """
    ExplanationPanel { height: auto; padding: 0 1; }
    ExplanationPanel > #explanation-status { color: $text-muted; height: auto; }
    ExplanationPanel.-error > #explanation-status { color: $error; }
    ExplanationPanel.-partial > #explanation-status { color: $warning; }
    ExplanationPanel > #explanation-body { height: auto; margin: 0; padding: 0; }
    ExplanationPanel.-empty > #explanation-body { display: none; }
    ExplanationPanel MarkdownH1, ExplanationPanel MarkdownH2, ExplanationPanel MarkdownH3,
    ExplanationPanel MarkdownH4 { margin: 0; padding: 0; }
    ExplanationPanel MarkdownParagraph { margin: 0; }
    ExplanationPanel MarkdownBulletList, ExplanationPanel MarkdownOrderedList { margin: 0; }
    """

    @dataclass
    class Streamed(Message):
        """A piece of explanation text arrived for a chunk."""

        chunk_id: str
        text: str

    @dataclass
    class Finished(Message):
        """The explanation of a chunk finished (complete, partial or failed)."""

        chunk_id: str
        answer: Answer

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.session: SessionLike | None = None
        self.chunk_id: str | None = None
        self.explanations: dict[str, ChunkExplanation] = {}
        self._cancel = threading.Event()
        self._prefetch_cancel = threading.Event()
        self._status_text = ""
        self._body_source = ""
        """The markdown last given to the body (streamed pieces are not counted)."""

    def compose(self) -> ComposeResult:
        yield Static("", id="explanation-status", markup=False)
        yield Markdown("", id="explanation-body")

    def on_mount(self) -> None:
        self.add_class("-empty")
        self._status(HINT)

    def on_unmount(self) -> None:
        self._cancel.set()
        self._prefetch_cancel.set()

    @property
    def status_text(self) -> str:
        """The panel's one-line status, as shown (for tests and the help screen)."""
        return self._status_text

    @property
    def body_text(self) -> str:
        """The markdown source shown in the panel."""
        return self.query_one("#explanation-body", Markdown).source

    # ------------------------------------------------------------------ public API

    def show_chunk(self, session: object, chunk: Chunk | None) -> None:
        """The chunk in view changed: show what is known about its explanation."""
        if chunk is None:
            self.chunk_id = None
            self._show_text("")
            self._status("No chunk in view.")
            return
        if session is self.session and chunk.id == self.chunk_id:
            return
        self.session, self.chunk_id = session, chunk.id  # type: ignore[assignment]
        self._show_known(self._session(), chunk)
        self._start_prefetch(self._session(), chunk)

    def explain(self, session: object, chunk: Chunk | None, force: bool = False) -> None:
        """Explain `chunk` now (`e`): streams in; a failed or partial answer is retried."""
        if chunk is None:
            return
        self.session, self.chunk_id = session, chunk.id  # type: ignore[assignment]
        reason = client_for(self._session()).unavailable_reason() or self._not_sent(chunk)
        if reason is not None:
            self._show_text("")
            self._status(f"{reason}.", "-error")
            return
        known = self.explanations.get(chunk.id)
        if known is not None and (known.streaming or (not known.failed and not force)):
            self._show_explanation(chunk.id)
            return
        self._start(self._session(), chunk, force=force)

    # ------------------------------------------------------------------ showing

    def _session(self) -> SessionLike:
        assert self.session is not None
        return self.session

    def _show_known(self, session: SessionLike, chunk: Chunk) -> None:
        client = client_for(session)
        reason = client.unavailable_reason() or self._not_sent(chunk)
        if chunk.id in self.explanations:
            self._show_explanation(chunk.id)
        elif reason is not None:
            self._show_text("")
            self._status(f"{reason}.")
        elif (hit := cached_explanation(session, chunk)) is not None:
            self.explanations[chunk.id] = ChunkExplanation(hit.text, answer=hit)
            self._show_explanation(chunk.id)
        elif session.settings.llm.auto_explain:
            self._start(session, chunk, force=False)
        else:
            self._show_text("")
            self._status(HINT)

    def _not_sent(self, chunk: Chunk) -> str | None:
        """Why this chunk is never sent (its file matches `llm.ignore`), or None."""
        try:
            check_sendable(chunk, self._session().settings.llm.ignore)
        except LLMUnavailable as error:
            return f"{error} (never sent to the LLM)"
        return None

    def _show_explanation(self, chunk_id: str) -> None:
        known = self.explanations[chunk_id]
        self._show_text(known.text)
        if known.streaming:
            self._status("Explaining… (streaming; the app stays usable)")
        elif known.answer is not None:
            self._status(*self._finished_line(known.answer))

    def _finished_line(self, answer: Answer) -> tuple[str, str]:
        line, state = self._outcome_line(answer)
        if answer.warning:
            line = f"{line} · {answer.warning}"
        return line, state

    def _outcome_line(self, answer: Answer) -> tuple[str, str]:
        if answer.error and answer.partial:
            return f"Partial answer — {answer.error} · press e to retry", "-partial"
        if answer.error:
            return f"{answer.error} · press e to retry", "-error"
        settings = self._session().settings.llm
        client = client_for(self._session())
        parts = ["Explanation"]
        if answer.cached:
            parts.append("cached, no tokens spent")
        else:
            parts.append(describe(answer.usage, settings.model, settings))
        if answer.redactions:
            count = len(answer.redactions)
            parts.append(f"{count} secret{'s' if count != 1 else ''} redacted")
        parts.append(f"session {client.usage_line()}")
        return " · ".join(parts), ""

    def _status(self, text: str, state: str = "") -> None:
        """Show the status line; the screen is laid out again only when its height may change."""
        line = clean_line(text)
        status = self.query_one("#explanation-status", Static)
        width = status.content_size.width
        one_row = bool(width) and max(cell_len(line), cell_len(self._status_text)) <= width
        if line != self._status_text or not one_row:
            status.update(line, layout=not one_row)
        self._status_text = line
        for name in ("-error", "-partial"):
            self.set_class(name == state, name)

    def _show_text(self, text: str) -> None:
        cleaned = clean_block(text)
        if not cleaned and self.has_class("-empty") and not self._body_source:
            return  # nothing shown, nothing to show: the Markdown widget is left alone
        self._body_source = cleaned
        self.set_class(not text, "-empty")
        self.query_one("#explanation-body", Markdown).update(cleaned)

    # ------------------------------------------------------------------ streaming

    def _start(self, session: SessionLike, chunk: Chunk, *, force: bool) -> None:
        self._cancel.set()
        self._cancel = threading.Event()
        self.explanations[chunk.id] = ChunkExplanation(streaming=True)
        self._show_explanation(chunk.id)
        self.remove_class("-empty")
        self._run(session, chunk, force, self._cancel)

    @work(thread=True, exclusive=True, group="explain", exit_on_error=False)
    def _run(
        self, session: SessionLike, chunk: Chunk, force: bool, cancel: threading.Event
    ) -> None:
        def on_text(piece: str) -> None:
            self.post_message(self.Streamed(chunk.id, piece))

        try:
            answer = explain_chunk(session, chunk, on_text, cancel, force=force)
        except Exception as error:  # a bug: shown on one line, and `e` retries
            answer = Answer(error=worker_error_line(session, error))
        self.post_message(self.Finished(chunk.id, answer))

    def on_explanation_panel_streamed(self, event: ExplanationPanel.Streamed) -> None:
        event.stop()
        known = self.explanations.get(event.chunk_id)
        if known is None or not known.streaming:
            return
        known.text += event.text
        if event.chunk_id == self.chunk_id:
            self.query_one("#explanation-body", Markdown).append(clean_block(event.text))

    def on_explanation_panel_finished(self, event: ExplanationPanel.Finished) -> None:
        event.stop()
        answer = event.answer
        text = answer.text if answer.ok else self._kept_text(event.chunk_id, answer)
        self.explanations[event.chunk_id] = ChunkExplanation(text, answer=answer)
        if event.chunk_id == self.chunk_id:
            self._show_explanation(event.chunk_id)

    def _kept_text(self, chunk_id: str, answer: Answer) -> str:
        known = self.explanations.get(chunk_id)
        return answer.text or (known.text if known else "")

    # ------------------------------------------------------------------ prefetch

    def _start_prefetch(self, session: SessionLike, chunk: Chunk) -> None:
        count = session.settings.llm.prefetch
        if count <= 0 or not client_for(session).available:
            return
        chunks = list(getattr(session, "chunks", []))
        position = next((i for i, c in enumerate(chunks) if c.id == chunk.id), None)
        if position is None:
            return
        upcoming = [c for c in chunks[position + 1 : position + 1 + count]]
        upcoming = [c for c in upcoming if c.id not in self.explanations]
        if upcoming:
            self._prefetch_cancel.set()
            self._prefetch_cancel = threading.Event()
            self._prefetch(session, upcoming, self._prefetch_cancel)

    @work(thread=True, exclusive=True, group="explain-prefetch", exit_on_error=False)
    def _prefetch(self, session: SessionLike, chunks: list[Chunk], cancel: threading.Event) -> None:
        """Best-effort: a failure here is not shown (`e` on the chunk asks again and says why)."""
        prefetch(session, chunks, cancel)


def worker_error_line(session: SessionLike, error: Exception) -> str:
    """One line for an unexpected exception in an LLM worker (the key scrubbed from it)."""
    return f"internal error: {client_for(session).describe_error(error)}"
