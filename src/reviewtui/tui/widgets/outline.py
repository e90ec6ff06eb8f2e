"""Provides `SpecOutline`: the spec's section tree with per-section chunk counts and review marks.

Each label reads `2.1 Source  3 ✓1 ×1`: chunks of the section and its subsections, approved,
flagged. `✔` marks a section whose chunks are all approved, `∅` one with no code in this phase (`→ T05` when a task citing it has the code), and
`!… missing` a section of the spec phase under review that has no code (from the session's coverage).
A last entry, "Unlinked changes", holds the chunks that belong to no section.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from rich.text import Text
from textual.message import Message
from textual.widgets import Tree
from textual.widgets.tree import TreeNode

from reviewtui.tui.navigation import UNLINKED
from reviewtui.tui.text import clean_line

if TYPE_CHECKING:
    from reviewtui.core.session import ReviewSession


@dataclass
class Totals:
    """Chunk counts of a section including its subsections."""

    chunks: int = 0
    approved: int = 0
    flagged: int = 0

    def add(self, other: Totals) -> None:
        self.chunks += other.chunks
        self.approved += other.approved
        self.flagged += other.flagged


class SpecOutline(Tree[str]):
    """The section tree; node data is the section id (or `UNLINKED`)."""

    @dataclass
    class SectionChosen(Message):
        """The reviewer chose a section (Enter or click on its node)."""

        outline: SpecOutline
        section: str
        """The section id, or `UNLINKED`."""

    def __init__(self, session: ReviewSession, **kwargs: object) -> None:
        super().__init__("Spec", **kwargs)  # type: ignore[arg-type]
        self.session = session
        self.show_root = False
        self.guide_depth = 2
        self.auto_expand = False
        self._section_nodes: dict[str, TreeNode[str]] = {}
        self._width = 0
        """The width the labels were cut for."""

    def on_mount(self) -> None:
        self.build()

    def build(self) -> None:
        """(Re)create every node from the session's spec."""
        self.clear()
        self._section_nodes = {}
        for section in self.session.spec.sections:
            parent = self._section_nodes.get(section.parent or "", self.root)
            if section.children:
                node = parent.add(section.title, data=section.id, expand=True)
            else:
                node = parent.add_leaf(section.title, data=section.id)
            self._section_nodes[section.id] = node
        self._section_nodes[UNLINKED] = self.root.add_leaf("Unlinked changes", data=UNLINKED)
        self.refresh_counts()

    def process_label(self, label: str | Text) -> Text:
        """Labels are plain text: section titles never go through markup."""
        return label if isinstance(label, Text) else Text(clean_line(label), no_wrap=True)

    def refresh_counts(self) -> None:
        """Recompute every label's counts and marks from the session.

        Titles are cut (ending in `…`) to the outline's width, so the counts and marks after them
        always show."""
        totals = self._totals()
        missing = {item.section_id for item in self.session.coverage.missing}
        width = self.scrollable_content_region.width
        self._width = width
        for section in self.session.spec.sections:
            level = len(self.session.spec.ancestors(section.id)) + 1
            room = width - self.guide_depth * level - (2 if section.children else 0) - 1
            coverage = self.session.coverage.get(section.id)
            via = coverage.via if coverage and coverage.status == "implemented" else []
            label = self._label(section.title, totals[section.id], section.id in missing, room, via)
            self._section_nodes[section.id].set_label(label)
        room = width - self.guide_depth - 1
        self._section_nodes[UNLINKED].set_label(
            self._label("Unlinked changes", totals[UNLINKED], room=room)
        )

    def on_resize(self) -> None:
        if self.scrollable_content_region.width != self._width and self._section_nodes:
            self.refresh_counts()

    def _totals(self) -> dict[str, Totals]:
        """Counts per section including subsections, in one pass over the chunks."""
        totals = {section.id: Totals() for section in self.session.spec.sections}
        totals[UNLINKED] = Totals()
        for chunk in self.session.chunks:
            section_id = self.session.link(chunk.id).section_id
            own = totals.get(section_id or UNLINKED, totals[UNLINKED])
            status = self.session.decision(chunk.id).status
            own.add(Totals(1, int(status == "approved"), int(status == "flagged")))
        for section in reversed(self.session.spec.sections):
            if section.parent in totals:
                totals[section.parent].add(totals[section.id])
        return totals

    @staticmethod
    def _label(
        title: str,
        totals: Totals,
        missing: bool = False,
        room: int = 0,
        via: list[str] | None = None,
    ) -> Text:
        """`title  3 ✓1 ×1`, the title cut with `…` to leave the marks in `room` cells (0: no cut).

        A section with no code of its own that tasks citing it implement reads `title  → T05`."""
        head, tail = Text(), Text()
        if missing:  # the mark leads, so a long title cut by the sidebar still shows it
            head.append("! ", style="bold red")
            tail.append("  missing", style="bold red")
        elif totals.chunks == 0 and via:
            tail.append(f"  → {', '.join(via[:2])}{'…' if len(via) > 2 else ''}", style="dim")
        elif totals.chunks == 0:
            tail.append("  ∅", style="dim")
        else:
            tail.append(f"  {totals.chunks}", style="bold")
            if totals.approved:
                tail.append(f" ✓{totals.approved}", style="green")
            if totals.flagged:
                tail.append(f" ×{totals.flagged}", style="red")
            if totals.approved == totals.chunks:
                tail.append(" ✔", style="bold green")
        text = clean_line(title)
        fit = room - head.cell_len - tail.cell_len
        if room > 0 and len(text) > max(fit, 4):
            text = text[: max(fit, 4) - 1].rstrip() + "…"
        label = Text.assemble(head, text, tail)
        label.no_wrap, label.overflow = True, "ellipsis"
        return label

    def show_section(self, section: str) -> None:
        """Move the cursor to a section's node without choosing it."""
        node = self._section_nodes.get(section)
        if node is None or self.cursor_node is node:
            return
        parent = node.parent
        while parent is not None:
            if not parent.is_expanded:  # expanding an open node still rebuilds every tree line
                parent.expand()
            parent = parent.parent
        self.move_cursor(node, animate=False)

    def on_tree_node_selected(self, event: Tree.NodeSelected[str]) -> None:
        event.stop()
        if event.node.data is not None:
            self.post_message(self.SectionChosen(self, event.node.data))
