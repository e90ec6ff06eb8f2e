"""Provides `RequirementPanel`: the spec text the chunk in view implements, and why we think so.

It shows the section's breadcrumb (`2 Data › 2.1 Source`), the section's own spec text, and the
evidence of the link with its confidence. Spec text is shown as plain text, never as markup.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from textual.content import Content
from textual.widgets import Static

from reviewtui.core.models import Chunk, Section, SectionLink, Spec
from reviewtui.core.phases import cited_sections
from reviewtui.tui.text import clean_block, clean_line, shorten

if TYPE_CHECKING:
    from reviewtui.core.session import ReviewSession

EVIDENCE_LABELS = {
    "comment": "comment",
    "commit": "commit",
    "lexical": "mentions",
    "path": "path",
    "structure": "structure",
    "llm": "LLM",
    "manual": "manual",
}


def evidence_line(link: SectionLink) -> Content:
    """`confidence 0.82 · commit 2bb19ad: 'T012 …' · mentions: shares `mean_pool`…` (a detail that
    opens with its kind's label is not labelled twice)."""
    parts: list[str | tuple[str, str]] = [(f"confidence {link.confidence:.2f}", "bold")]
    for evidence in link.evidence[:4]:
        label = EVIDENCE_LABELS.get(evidence.kind, evidence.kind)
        detail = clean_line(evidence.detail)
        parts.append((" · ", "$text-muted"))
        if not detail.lower().startswith(label.lower()):  # `commit 2bb19ad …` names itself
            parts.append((f"{label}: ", "$text-muted"))
        parts.append(shorten(detail, 70))
    return Content.assemble(*parts)


class RequirementPanel(Static):
    """The linked section's spec text with the link's evidence."""

    def show_chunk(self, session: ReviewSession, chunk: Chunk | None) -> None:
        content = requirement_content(session, chunk)
        width = self.content_size.width
        same_height = bool(width) and self._height_at(content, width) == self.content_size.height
        self.update(content, layout=not same_height)

    @staticmethod
    def _height_at(content: Content, width: int) -> int:
        return len(content.wrap(width))


def requirement_content(session: ReviewSession, chunk: Chunk | None) -> Content:
    """What the panel shows for `chunk` (also used by tests)."""
    if chunk is None:
        return Content("No chunk here: the filter hides every chunk of this section.")
    link = session.link(chunk.id)
    section = session.spec.get(link.section_id)
    if section is None:
        head = Content.styled("Unlinked changes", "bold $warning")
        note = "This chunk implements no section of the spec (glue code, or work nobody asked for)."
        line = evidence_line(link) if link.evidence else Content("")
        return Content("\n").join([head, line, Content(note)])
    crumbs = [clean_line(s.title) for s in reversed(session.spec.ancestors(section.id)[:1])]
    breadcrumb = " › ".join([*crumbs, clean_line(section.title)])
    where = f"  ({section.spec}:{section.line})"
    head = Content.assemble((breadcrumb, "bold $accent"), (clean_line(where), "$text-muted"))
    body = Content(_requirement_text(session.spec, section))
    # The evidence comes before the text: a short box still shows it (the text scrolls).
    return Content("\n").join([head, evidence_line(link), body])


NO_TEXT = "(no text of its own)"


def _requirement_text(spec: Spec, section: Section) -> str:
    """The section's own text; for a task with none, the text of the sections it cites."""
    own = _body_text(section.text, section.title)
    cited = cited_sections(spec, section.id) if own == NO_TEXT else []
    if not cited:
        return own
    parts = [f"{clean_line(c.title)}\n{_body_text(c.text, c.title)}" for c in cited]
    return "\n\n".join(parts)


def _body_text(text: str, title: str) -> str:
    """The section's text without its heading line (already in the breadcrumb), paragraphs reflowed."""
    lines = clean_block(text).strip("\n").split("\n")
    if lines and title.strip() and title.strip() in lines[0]:
        lines = lines[1:]
    return "\n".join(reflow(lines)).strip("\n") or NO_TEXT


_BLOCK_START = re.compile(r"^\s*(?:[-*+]\s|\d+[.)]\s|#|>|```|~~~|\|)")


def reflow(lines: list[str]) -> list[str]:
    """Join the hard-wrapped lines of each paragraph (markdown soft breaks); keep lists, code, tables."""
    result: list[str] = []
    fenced = False
    for line in lines:
        if line.lstrip().startswith(("```", "~~~")):
            fenced = not fenced
        joinable = result and result[-1].strip() and line.strip() and not fenced
        if joinable and not _BLOCK_START.match(line) and not result[-1].lstrip().startswith("```"):
            result[-1] = f"{result[-1].rstrip()} {line.strip()}"
        else:
            result.append(line)
    return result
