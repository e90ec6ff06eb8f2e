"""Provides `StatusBar`: the top line with the phase range, review progress, order and filter."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.content import Content
from textual.widgets import Static

from reviewtui.tui.navigation import ReviewNavigator
from reviewtui.tui.text import clean_line

if TYPE_CHECKING:
    from reviewtui.core.session import ReviewSession


def progress_text(session: ReviewSession) -> str:
    """`37/120 reviewed · 4 flagged · 3 requests`."""
    progress = session.progress()
    requests = progress.requests_open
    return (
        f"{progress.reviewed}/{progress.total} reviewed · {progress.flagged} flagged · "
        f"{requests} request{'s' if requests != 1 else ''}"
    )


def status_content(session: ReviewSession, navigator: ReviewNavigator) -> Content:
    """The whole status line."""
    parts: list[str | tuple[str, str]] = [
        ("reviewtui ", "bold $accent"),
        (clean_line(session.root.name), "bold"),
        " ",
        (session.phase.label, "$text-muted"),
        "  ",
        (progress_text(session), "bold"),
    ]
    if navigator.order == "risk":
        parts += ["  ", ("risk first", "bold $warning")]
    if navigator.filter.active:
        parts += ["  ", ("filter: ", "$warning"), clean_line(navigator.filter.describe())]
    return Content.assemble(*parts)


class StatusBar(Static):
    """One line at the top of the review screen."""

    def show(self, session: ReviewSession, navigator: ReviewNavigator) -> None:
        self.update(status_content(session, navigator), layout=False)
