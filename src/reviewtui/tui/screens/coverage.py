"""Provides `CoverageScreen`: the requirement → code view, one row per spec section.

It shows the session's coverage (`ReviewSession.coverage`, kept current on relinks): the spec phase
under review and how it was chosen, then per section whether this phase implements it
(`implemented`, `claimed done, no code seen`, `not implemented in this phase`, `no code expected`;
a ticked task whose only code matches it by words reads `claimed done, weak evidence`), `! missing` for a section of the phase under review with no code, its own chunks and those of its
subsections (`Subtree`); then the unlinked changes and the chunks *past the checkpoint* (code for a later phase).
Enter goes back to the review on that section (or that chunk); Esc goes back where you were.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.content import Content
from textual.screen import Screen
from textual.widgets import DataTable, Label

from reviewtui.tui.navigation import UNLINKED
from reviewtui.tui.screens.help import QUIT_ON_CTRL_C
from reviewtui.tui.text import clean_line, shorten
from reviewtui.tui.widgets.key_bar import KeyBar

if TYPE_CHECKING:
    from reviewtui.core.coverage import Coverage
    from reviewtui.core.session import ReviewSession

STATUS_STYLES = {
    "implemented": "green",
    "claimed-done": "bold red",
    "not-implemented": "yellow",
    "process": "dim",
}
WEAK_EVIDENCE_STYLE = "bold dark_orange"
"""Style of a ticked task implemented only through weak links (`SectionCoverage.weak_evidence`)."""
TITLE_WIDTH = 46
"""Longest section title shown (the status and counts stay visible at 100 columns)."""
CHUNK_ROW = "chunk:"
"""Row key prefix of a chunk past the checkpoint (the rest is the chunk id)."""


@dataclass(frozen=True)
class CoverageChoice:
    """Where the reviewer asked to go: a section (or `UNLINKED`), or one chunk."""

    section: str | None = None
    chunk: str | None = None


def phase_line(coverage: Coverage) -> str:
    """`Under review: Phase 1 (Phase 1: data) · inferred: 16 of 30 …`, then the phase's checkpoint
    as the spec words it (`Checkpoint: tests pass`) on a line of its own, then the counts:
    `3 sections missing · 14 chunks past the checkpoint`."""
    report = coverage.phase_report
    if report is None or report.phase is None:
        reason = report.reason if report is not None else "the spec declares no phases"
        return f"Spec phase: none ({clean_line(reason)})"
    phase = report.phase
    title = clean_line(phase.title)
    name = phase.label if title.lower() == phase.label.lower() else f"{phase.label} ({title})"
    lines = [f"Under review: {name} · {clean_line(report.reason)}"]
    if phase.checkpoint:
        lines.append(f"Checkpoint: {clean_line(phase.checkpoint)}")
    missing, past = len(report.missing), len(report.past_checkpoint)
    counts = [f"{missing} section{'s' if missing != 1 else ''} missing"]
    counts.append(f"{past} chunk{'s' if past != 1 else ''} past the checkpoint")
    return "\n".join([*lines, " · ".join(counts)])


class CoverageScreen(Screen[CoverageChoice | None]):
    """Which sections the phase implements; returns where to go, or None."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "choose", "Review this section"),
        Binding("escape,c", "close", "Back to review"),
        QUIT_ON_CTRL_C,
    ]

    def __init__(self, session: ReviewSession) -> None:
        super().__init__()
        self.session = session

    def compose(self) -> ComposeResult:
        yield Label("Coverage: the spec against this phase's code", classes="title screen-title")
        yield Label(Content(phase_line(self.session.coverage)), id="coverage-phase", markup=False)
        yield DataTable(id="coverage", cursor_type="row", zebra_stripes=True)
        yield KeyBar()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns("Section", "Status", "Own", "Subtree")
        coverage = self.session.coverage
        self._add_sections(table, coverage)
        unlinked = len(coverage.unrequested)
        table.add_row(
            Text("Unlinked changes", style="bold"),
            Text("code no section asked for", style="yellow" if unlinked else "dim"),
            Text(str(unlinked)),
            Text(str(unlinked)),
            key=UNLINKED,
        )
        self._add_past_checkpoint(table, coverage)
        table.focus()

    def _add_sections(self, table: DataTable[Text], coverage: Coverage) -> None:
        for item in coverage.sections:
            section = self.session.spec.get(item.section_id)
            if section is None:
                continue
            title = "  " * max(section.level - 1, 0) + clean_line(section.title)
            style = (
                WEAK_EVIDENCE_STYLE if item.weak_evidence else STATUS_STYLES.get(item.status, "")
            )
            status = Text(item.status_text, style=style)
            if item.missing:
                status = Text.assemble(("! missing", "bold red"), " · ", status)
            table.add_row(
                Text(shorten(title, TITLE_WIDTH)),
                status,
                Text(str(len(item.chunks))),
                Text(str(item.subtree_chunks)),
                key=section.id,
            )

    def _add_past_checkpoint(self, table: DataTable[Text], coverage: Coverage) -> None:
        """One row per chunk linked to a section of a later phase."""
        past = coverage.past_checkpoint
        for chunk in [chunk for chunk in self.session.chunks if chunk.id in past]:
            later, chunk_id = past[chunk.id], chunk.id
            where = chunk.location + (f" · {chunk.symbol}" if chunk.symbol else "")
            table.add_row(
                Text(shorten("» " + clean_line(where), TITLE_WIDTH)),
                Text(f"past the checkpoint (phase {clean_line(later)})", style="bold magenta"),
                Text(""),
                Text(""),
                key=CHUNK_ROW + chunk_id,
            )

    @staticmethod
    def _choice(key: str | None) -> CoverageChoice | None:
        if key is None:
            return None
        if key.startswith(CHUNK_ROW):
            return CoverageChoice(chunk=key[len(CHUNK_ROW) :])
        return CoverageChoice(section=key)

    @on(DataTable.RowSelected, "#coverage")
    def _selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.dismiss(self._choice(event.row_key.value))

    def action_choose(self) -> None:
        table = self.query_one(DataTable)
        if table.row_count:
            key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
            self.dismiss(self._choice(key))

    def action_close(self) -> None:
        self.dismiss(None)
