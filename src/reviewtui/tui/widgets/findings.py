"""Provides `FindingsPanel`: the decision, flags and note of the chunk in view."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.content import Content
from textual.widgets import Static

from reviewtui.core.models import Chunk, Decision, Flag
from reviewtui.tui.text import clean_block, clean_line

if TYPE_CHECKING:
    from reviewtui.core.session import ReviewSession

STATUS_STYLES = {"pending": "$text-muted", "approved": "bold $success", "flagged": "bold $error"}
SEVERITY_STYLES = {"high": "bold $error", "medium": "bold $warning", "low": "$text-muted"}


def findings_content(decision: Decision, flags: list[Flag]) -> Content:
    """`approved` / `flagged: note`, then one line per flag."""
    lines = [Content.styled(decision.status.upper(), STATUS_STYLES.get(decision.status, ""))]
    if decision.note:
        lines[0] = Content.assemble(
            lines[0], ("  note: ", "$text-muted"), clean_block(decision.note)
        )
    for flag in flags:
        where = f" L{flag.line}" if flag.line is not None else ""
        lines.append(
            Content.assemble(
                (f"▲ {flag.severity}", SEVERITY_STYLES.get(flag.severity, "")),
                (f" {clean_line(flag.rule)}{where}: ", "bold"),
                clean_line(flag.message),
            )
        )
    return Content("\n").join(lines)


class FindingsPanel(Static):
    """The reviewer's decision and note, and the checks' flags, for the chunk in view."""

    def show_chunk(self, session: ReviewSession, chunk: Chunk | None) -> None:
        """Show the chunk's findings; the screen is laid out again only when the height changes."""
        if chunk is None:
            self.update("")
            return
        content = findings_content(session.decision(chunk.id), session.flags_of(chunk.id))
        width = self.content_size.width
        same_height = bool(width) and len(content.wrap(width)) == self.content_size.height
        self.update(content, layout=not same_height)
