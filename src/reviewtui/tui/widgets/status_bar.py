"""Provides `StatusBar`: the top line with the phase range, review progress, the spec phase under
review (`Phase 1 of the spec`), order, filter, and a mark when the code changed on disk since the
review was loaded.

When the line is too narrow, the least useful parts go first: the app's name, the repo's name, the
words "of the spec", then the range; the progress, the spec phase under review, the order, the
filter and the changed-on-disk mark stay (an 80-column terminal still shows which phase it is).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.content import Content
from textual.events import Resize
from textual.widgets import Static

from reviewtui.tui.navigation import ReviewNavigator
from reviewtui.tui.text import clean_line

if TYPE_CHECKING:
    from reviewtui.core.session import ReviewSession

DETAIL_LEVELS = 5
"""How many ways the line can be drawn, from the fullest (0) to the shortest (4)."""
STALE_MARK = "changed on disk · R reloads"
"""Shown when the code under review changed since the review was loaded."""


def progress_text(session: ReviewSession) -> str:
    """`37/120 reviewed · 4 flagged · 3 requests`."""
    progress = session.progress()
    requests = progress.requests_open
    return (
        f"{progress.reviewed}/{progress.total} reviewed · {progress.flagged} flagged · "
        f"{requests} request{'s' if requests != 1 else ''}"
    )


def spec_phase_text(session: ReviewSession, *, short: bool = False) -> str | None:
    """`Phase 1 of the spec` (`short`: `Phase 1`) when the spec declares phases and one is under review."""
    report = session.coverage.phase_report
    if report is None or report.phase is None:
        return None
    label = clean_line(report.phase.label)
    return label if short else f"{label} of the spec"


def status_content(
    session: ReviewSession,
    navigator: ReviewNavigator,
    *,
    detail: int = 0,
    progress: str | None = None,
    stale: bool = False,
) -> Content:
    """The whole status line at a level of `detail` (0: everything; each level leaves out one more
    part, see the module's docstring); `progress`: `progress_text(session)` when already computed."""
    parts: list[str | tuple[str, str]] = []
    if detail < 1:
        parts += [("reviewtui ", "bold $accent")]
    if detail < 2:
        parts += [(clean_line(session.root.name), "bold"), " "]
    if detail < 4:
        parts += [(session.phase.label, "$text-muted"), "  "]
    parts.append((progress if progress is not None else progress_text(session), "bold"))
    if stale:  # right after the progress: the last thing a narrow terminal may cut
        parts += ["  ", (STALE_MARK, "bold $error")]
    spec_phase = spec_phase_text(session, short=detail >= 3)
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
        self._lines: list[Content] = []
        """The line at every level of detail, fullest first."""

    def show(
        self, session: ReviewSession, navigator: ReviewNavigator, *, stale: bool = False
    ) -> None:
        progress = progress_text(session)  # counts every chunk's decision: once, not per line
        self._lines = [
            status_content(session, navigator, detail=detail, progress=progress, stale=stale)
            for detail in range(DETAIL_LEVELS)
        ]
        self._fit()

    def on_resize(self, _event: Resize) -> None:
        self._fit()

    def _fit(self) -> None:
        """Show the fullest line that fits (the shortest, cut at the end, when none does)."""
        if not self._lines:
            return
        width = self.content_size.width
        fitting = [line for line in self._lines if not width or line.cell_length <= width]
        self.update(fitting[0] if fitting else self._lines[-1], layout=False)
