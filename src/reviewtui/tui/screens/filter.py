"""Provides `FilterScreen`: the `/` dialog that narrows the chunks shown by path, text, status, flag.

Enter in a text field (or Ctrl+S) applies, Ctrl+R empties every field (the dialog stays open), Esc
cancels. It returns a `ChunkFilter`, or None when cancelled.
"""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Select

from reviewtui.tui.navigation import FLAG_ANY, FLAG_NONE, ChunkFilter
from reviewtui.tui.text import clean_line

STATUSES = [("pending", "pending"), ("approved", "approved"), ("flagged (by me)", "flagged")]


class FilterScreen(ModalScreen[ChunkFilter | None]):
    """Edit the chunk filter."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel"),
        Binding("ctrl+s", "apply", "Apply"),
        Binding("ctrl+r", "clear", "Clear filter"),
    ]

    def __init__(self, current: ChunkFilter, rules: list[str]) -> None:
        super().__init__()
        self.current = current
        self.rules = rules

    def compose(self) -> ComposeResult:
        flag_options = [(Content("any flag"), FLAG_ANY), (Content("no flag"), FLAG_NONE)]
        flag_options += [(Content(clean_line(rule)), rule) for rule in self.rules]
        with Vertical(id="filter", classes="dialog"):
            yield Label("Filter chunks", classes="title")
            yield Input(self.current.path, placeholder="path (substring or glob)", id="filter-path")
            yield Input(
                self.current.text, placeholder="text in the changed lines", id="filter-text"
            )
            yield Select(
                STATUSES,
                value=self.current.status or Select.NULL,
                prompt="any status",
                id="filter-status",
            )
            yield Select(
                flag_options,
                value=self.current.flag or Select.NULL,
                prompt="flags: any or none",
                id="filter-flag",
            )
            yield Label(
                "Enter or Ctrl+S applies · Ctrl+R empties the fields · Esc cancels", classes="hint"
            )

    def on_mount(self) -> None:
        self.query_one("#filter-path", Input).focus()

    def result(self) -> ChunkFilter:
        """The filter the fields describe."""
        status = self.query_one("#filter-status", Select).value
        flag = self.query_one("#filter-flag", Select).value
        return ChunkFilter(
            path=self.query_one("#filter-path", Input).value.strip(),
            text=self.query_one("#filter-text", Input).value.strip(),
            status=None if status is Select.NULL else status,  # type: ignore[arg-type]
            flag=None if flag is Select.NULL else str(flag),
        )

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_apply()

    def action_apply(self) -> None:
        self.dismiss(self.result())

    def action_clear(self) -> None:
        """Empty every field and stay open: what is typed next is a new filter, not review keys
        (Enter applies it; Enter on the empty fields shows every chunk)."""
        for field in self.query(Input):
            field.value = ""
        for select in self.query(Select):
            select.clear()
        self.query_one("#filter-path", Input).focus()

    def action_cancel(self) -> None:
        self.dismiss(None)
