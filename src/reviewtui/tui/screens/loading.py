"""Provides `LoadingScreen`: shown while the session is assembled in a worker, with its progress."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import Label, ProgressBar

from reviewtui.tui.text import clean_line


class LoadingScreen(Screen[None]):
    """A centred progress bar with the step the pipeline is on."""

    def compose(self) -> ComposeResult:
        with Vertical(id="loading"):
            yield Label("reviewtui", classes="title")
            yield Label("opening the review…", id="loading-step", markup=False)
            yield ProgressBar(total=1.0, show_eta=False, id="loading-bar")

    def show_progress(self, step: str, fraction: float) -> None:
        self.query_one("#loading-step", Label).update(clean_line(step))
        self.query_one(ProgressBar).update(progress=max(0.0, min(fraction, 1.0)))
