"""Provides `FindingsPanel`: the decision, flags and note of the chunk in view, and the notes of
earlier rounds' flags that this chunk re-opened (the agent's rework of a flagged chunk)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from textual.content import Content
from textual.widgets import Static

from reviewtui.core.models import Chunk, Decision, Flag
from reviewtui.tui.text import clean_block, clean_line

if TYPE_CHECKING:
    from reviewtui.core.carried_flags import EarlierFlag
    from reviewtui.core.session import ReviewSession

STATUS_STYLES = {"pending": "$text-muted", "approved": "bold $success", "flagged": "bold $error"}
SEVERITY_STYLES = {"high": "bold $error", "medium": "bold $warning", "low": "$text-muted"}


def findings_content(
    decision: Decision, flags: list[Flag], earlier: Sequence[EarlierFlag] = ()
) -> Content:
    """`approved` / `flagged: note`, then one line per flag, then one per earlier round's flag
    this chunk re-opened (its note, or what the checks found on it, as plain text)."""
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
    lines += [earlier_line(flag) for flag in earlier]
    return Content("\n").join(lines)


def earlier_line(flag: EarlierFlag) -> Content:
    """`◆ flagged earlier (2026-11-25) at src/data.py:2-10: no synthetic fallback` (plain text)."""
    when = f" ({flag.when})" if flag.when else ""
    said = flag.note or "; ".join(finding.message for finding in flag.findings) or "(no note)"
    return Content.assemble(
        (f"◆ flagged earlier{when}", "bold $warning"),
        (f" at {clean_line(flag.where)}: ", "bold"),
        clean_block(said),
    )


class FindingsPanel(Static):
    """The reviewer's decision and note, and the checks' flags, for the chunk in view."""

    def show_chunk(
        self, session: ReviewSession, chunk: Chunk | None, earlier: Sequence[EarlierFlag] = ()
    ) -> None:
        """Show the chunk's findings (`earlier`: the earlier rounds' flags it re-opened); the
        screen is laid out again only when the height changes."""
        if chunk is None:
            self.update("")
            return
        decision, flags = session.decision(chunk.id), session.flags_of(chunk.id)
        content = findings_content(decision, flags, earlier)
        width = self.content_size.width
        same_height = bool(width) and len(content.wrap(width)) == self.content_size.height
        self.update(content, layout=not same_height)
