"""Provides `HelpScreen`: every key of the app with its description, generated from the bindings.

Nothing here is written twice: the rows come from the `BINDINGS` of the review screen and the app
(and of any screen passed in), so the help can never disagree with what the keys do. The table
takes the room the terminal has and scrolls (arrows, `j`/`k`, page keys, Home/End): it has no
cursor, so every press moves the view at once; how to close it is always on screen, above the table.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable, Label, OptionList

KEY_NAMES = {
    "question_mark": "?",
    "slash": "/",
    "escape": "esc",
    "tab": "tab",
    "space": "space",
    "enter": "enter",
    "delete": "del",
    "up": "↑",
    "down": "↓",
    "left": "←",
    "right": "→",
}


def key_label(keys: str) -> str:
    """`j,down` -> `j / ↓`; `shift+up` -> `shift+↑`."""
    shown = []
    for key in keys.split(","):
        parts = key.strip().split("+")
        shown.append("+".join(KEY_NAMES.get(part, part) for part in parts))
    return " / ".join(shown)


def step_cursor(widget: DataTable[Any] | OptionList, delta: int) -> None:
    """Move a table's or list's cursor one row down (delta > 0) or up: `j`/`k` as the arrows."""
    if delta > 0:
        widget.action_cursor_down()
    else:
        widget.action_cursor_up()


QUIT_ON_CTRL_C = Binding("ctrl+c", "app.quit", "Quit (like q)", show=False)
"""Ctrl+C quits from the app's screens, as a newcomer expects (Textual only shows a toast)."""


def binding_rows(bindings: Iterable[BindingType]) -> list[tuple[str, str]]:
    """(keys, description) for every binding that has a description, in declaration order."""
    rows: list[tuple[str, str]] = []
    for binding in bindings:
        if isinstance(binding, Binding) and binding.description:
            rows.append((key_label(binding.key), binding.description))
    return rows


class KeyTable(DataTable[Text]):
    """The help's table: no cursor (a key press scrolls the view), Home/End go to the first/last key."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("home", "scroll_top", "First key", show=False),
        Binding("end", "scroll_bottom", "Last key", show=False),
    ]

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, cursor_type="none", zebra_stripes=True)


class HelpScreen(ModalScreen[None]):
    """A table of keys, one section per group of bindings."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,question_mark,q", "close", "Close help"),
        Binding("j", "scroll_keys(1)", "Scroll down", show=False),
        Binding("k", "scroll_keys(-1)", "Scroll up", show=False),
        QUIT_ON_CTRL_C,
    ]

    def __init__(self, groups: list[tuple[str, Iterable[BindingType]]]) -> None:
        super().__init__()
        self.groups = groups

    def compose(self) -> ComposeResult:
        with Vertical(id="help", classes="dialog"):
            yield Label("Keys", classes="title")
            yield Label(
                "Esc or ? closes · ↑/↓ scroll · Ctrl+P opens the command palette",
                id="help-hint",
                classes="hint",
            )
            yield KeyTable(id="help-table")

    def on_mount(self) -> None:
        table = self.query_one(KeyTable)
        table.add_columns("Key", "Does")
        for title, bindings in self.groups:
            table.add_row(Text(title, style="bold"), Text(""))
            for keys, description in binding_rows(bindings):
                table.add_row(Text(f"  {keys}"), Text(description))
        table.focus()

    def action_scroll_keys(self, delta: int) -> None:
        step_cursor(self.query_one(KeyTable), delta)

    def action_close(self) -> None:
        self.dismiss(None)
