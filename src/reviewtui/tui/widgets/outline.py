"""Provides `SpecOutline`: the spec's section tree with per-section chunk counts and review marks.

Each label reads `2.1 Source  3 ✓1 ×1`: chunks of the section and its subsections, approved,
flagged. `✔` marks a section whose chunks are all approved, `∅` one with no code in this phase (`→ T05` when a task citing it has the code), and
`!… missing` a section of the spec phase under review that has no code (from the session's coverage).
A last entry, "Unlinked changes", holds the chunks that belong to no section.

A decision changes the counts of one section and its ancestors: `refresh_counts(chunk)` recounts
that section only and relabels the nodes whose label changed (relabelling all 300 nodes of a big
spec cost more than the rest of an approval).
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from rich.text import Text
from textual.message import Message
from textual.widgets import Tree
from textual.widgets.tree import TreeNode

from reviewtui.tui.navigation import UNLINKED
from reviewtui.tui.text import clean_line

if TYPE_CHECKING:
    from reviewtui.core.models import Chunk
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
        self._members: dict[str, list[str]] = {}
        """The chunk ids of each section (its own, not its subsections'), or `UNLINKED`."""
        self._own: dict[str, Totals] = {}
        """Each section's own counts (not its subsections')."""
        self._labelled: dict[str, Hashable] = {}
        """What each node's label was drawn from."""
        self._placed = False
        """Whether the first cursor move was scrolled into place (once the outline has a size)."""

    def on_mount(self) -> None:
        self.build()

    def build(self) -> None:
        """(Re)create every node from the session's spec."""
        self.clear()
        self._section_nodes = {}
        self._labelled = {}
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

    def refresh_counts(self, chunk: Chunk | None = None) -> None:
        """Recompute the labels' counts and marks from the session: of `chunk`'s section (its
        decision changed), or of every section (None: links may have changed too).

        Titles are cut (ending in `…`) to the outline's width, so the counts and marks after them
        always show."""
        section_id = self._section_of(chunk.id) if chunk is not None else None
        if section_id is None or section_id not in self._members:
            self._count_all()
        else:
            self._own[section_id] = self._count(self._members[section_id])
        self._relabel(self._totals())

    def _relabel(self, totals: dict[str, Totals]) -> None:
        """Set the label of each node whose title, counts, marks or room changed."""
        missing = {item.section_id for item in self.session.coverage.missing}
        width = self.scrollable_content_region.width
        self._width = width
        for section in self.session.spec.sections:
            level = len(self.session.spec.ancestors(section.id)) + 1
            room = width - self.guide_depth * level - (2 if section.children else 0) - 1
            coverage = self.session.coverage.get(section.id)
            via = coverage.via if coverage and coverage.status == "implemented" else []
            drawn = (section.title, totals[section.id], section.id in missing, room, tuple(via))
            if self._labelled.get(section.id) != drawn:
                self._labelled[section.id] = drawn
                label = self._label(section.title, totals[section.id], drawn[2], room, via)
                self._section_nodes[section.id].set_label(label)
        room = width - self.guide_depth - 1
        if self._labelled.get(UNLINKED) != (totals[UNLINKED], room):
            self._labelled[UNLINKED] = (totals[UNLINKED], room)
            self._section_nodes[UNLINKED].set_label(
                self._label("Unlinked changes", totals[UNLINKED], room=room)
            )

    def on_resize(self) -> None:
        if self.scrollable_content_region.width != self._width and self._section_nodes:
            self._relabel(self._totals())

    def _section_of(self, chunk_id: str) -> str:
        section_id = self.session.link(chunk_id).section_id
        return section_id if section_id in self._own else UNLINKED

    def _count_all(self) -> None:
        """Group the chunks by section (links may have changed) and count each section's own."""
        self._members = {section.id: [] for section in self.session.spec.sections}
        self._members[UNLINKED] = []
        self._own = {section_id: Totals() for section_id in self._members}
        for chunk in self.session.chunks:
            self._members[self._section_of(chunk.id)].append(chunk.id)
        self._own = {section_id: self._count(ids) for section_id, ids in self._members.items()}

    def _count(self, chunk_ids: list[str]) -> Totals:
        statuses = [self.session.decision(chunk_id).status for chunk_id in chunk_ids]
        return Totals(len(statuses), statuses.count("approved"), statuses.count("flagged"))

    def _totals(self) -> dict[str, Totals]:
        """Counts per section including subsections, from the sections' own counts."""
        totals = {section_id: replace(own) for section_id, own in self._own.items()}
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
        if not self._placed:
            self._placed = True
            self.call_after_refresh(self._scroll_from_top)

    def _scroll_from_top(self) -> None:
        """On first open the outline starts at the spec's title when the cursor's row shows from
        there (the first move happens before the outline has a size, and scrolls it too far)."""
        if self.cursor_line < self.scrollable_content_region.height - 1:
            self.scroll_to(y=0, animate=False, immediate=True)
        elif self.cursor_node is not None:
            self.scroll_to_node(self.cursor_node, animate=False)

    def on_tree_node_selected(self, event: Tree.NodeSelected[str]) -> None:
        event.stop()
        if event.node.data is not None:
            self.post_message(self.SectionChosen(self, event.node.data))
