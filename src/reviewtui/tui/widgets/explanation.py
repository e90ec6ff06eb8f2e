"""Provides `ExplanationPanel`: the area of the chunk view where the LLM's explanation appears.

The LLM work (issue 4) fills this in; the app only composes the panel and calls its public methods:

- `show_chunk(session, chunk)`: the chunk in view changed (show a cached explanation, or the hint);
- `explain(session, chunk, force=False)`: the reviewer pressed `e`.
"""

from __future__ import annotations

from textual.widgets import Static

from reviewtui.core.models import Chunk


class ExplanationPanel(Static):
    """Shows the LLM's explanation of the chunk in view, or how to enable it."""

    DEFAULT_CSS = """
    ExplanationPanel { height: auto; padding: 0 1; color: $text-muted; }
    """

    def show_chunk(self, session: object, chunk: Chunk | None) -> None:
        self.update("Press e to explain this chunk with the LLM (needs ANTHROPIC_API_KEY).")

    def explain(self, session: object, chunk: Chunk | None, force: bool = False) -> None:
        self.update("LLM explanations are not available yet in this build.")
