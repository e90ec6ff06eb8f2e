"""Provides `StatusBar`: the top line with the phase range, review progress, the spec phase under
review (`Phase 1 of the spec`, dropped when the line is too narrow for it), order and filter."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.content import Content
from textual.events import Resize
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


def spec_phase_text(session: ReviewSession) -> str | None:
    """`Phase 1 of the spec` when the spec declares phases and one is under review."""
    report = session.coverage.phase_report
    if report is None or report.phase is None:
        return None
    return f"{clean_line(report.phase.label)} of the spec"


def status_content(
    session: ReviewSession,
    navigator: ReviewNavigator,
    *,
    with_phase: bool = True,
    progress: str | None = None,
) -> Content:
    """The whole status line (`progress`: `progress_text(session)` when already computed)."""
    parts: list[str | tuple[str, str]] = [
        ("reviewtui ", "bold $accent"),
        (clean_line(session.root.name), "bold"),
        " ",
        (session.phase.label, "$text-muted"),
        "  ",
        (progress if progress is not None else progress_text(session), "bold"),
    ]
    spec_phase = spec_phase_text(session) if with_phase else None
    if spec_phase is not None:
        parts += ["  ", (spec_phase, "bold $text-secondary")]
    if navigator.order == "risk":
        parts += ["  ", ("risk first", "bold $warning")]
    if navigator.filter.active:
        parts += ["  ", ("filter: ", "$warning"), clean_line(navigator.filter.describe())]
    return Content.assemble(*parts)


class StatusBar(Static):
    """One line at the top of the review screen."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__("", id=id)
        self._lines: tuple[Content, Content] | None = None
        """The line with and without the spec phase."""

    def show(self, session: ReviewSession, navigator: ReviewNavigator) -> None:
        progress = progress_text(session)  # counts every chunk's decision: once, not per line
        full = status_content(session, navigator, progress=progress)
        short = status_content(session, navigator, with_phase=False, progress=progress)
        self._lines = (full, short)
        self._fit()

    def on_resize(self, _event: Resize) -> None:
        self._fit()

    def _fit(self) -> None:
        """Show the full line, or the one without the spec phase when it would be cut."""
        if self._lines is None:
            return
        full, short = self._lines
        width = self.content_size.width
        self.update(full if not width or full.cell_length <= width else short, layout=False)
