"""Provides `TextDialog`: a small modal asking for one line of text (a flag note, a note, a request).

Enter saves (the dialog returns the text), Esc cancels (it returns None), Ctrl+C quits the app as
everywhere else (the text in the dialog is not saved; every decision already is). Titles and prefilled
text may come from the repo, so they are shown as plain text. A refused answer is explained in the
dialog itself (its hint turns red), never by a toast that would outlive the dialog.
"""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label

from reviewtui.tui.text import clean_line


class TextDialog(ModalScreen[str | None]):
    """Ask for one line of text; `allow_empty=False` refuses an empty answer (and one that is only
    the prefilled `prefix`, such as a request's location)."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel")]

    def __init__(
        self,
        title: str,
        value: str = "",
        *,
        hint: str = "",
        allow_empty: bool = True,
        empty_message: str = "Please write something, or press Esc to cancel.",
        prefix: str = "",
    ) -> None:
        super().__init__()
        self.title_text = title
        self.value = value
        self.hint = hint
        self.allow_empty = allow_empty
        self.empty_message = empty_message
        """Shown in the dialog when Enter is pressed on an empty answer."""
        self.prefix = clean_line(prefix).strip()
        """Prefilled text that alone does not count as an answer."""

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog", classes="dialog"):
            yield Label(clean_line(self.title_text), id="dialog-title", markup=False)
            yield Input(clean_line(self.value), id="dialog-input", select_on_focus=False)
            hint = self.hint or "Enter saves · Esc cancels · Ctrl+C quits"
            yield Label(clean_line(hint), id="dialog-hint", markup=False)

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    @on(Input.Submitted, "#dialog-input")
    def save(self, event: Input.Submitted) -> None:
        event.stop()
        text = event.value.strip()
        if not self.allow_empty and (not text or (self.prefix and text == self.prefix)):
            hint = self.query_one("#dialog-hint", Label)
            hint.update(clean_line(self.empty_message))
            hint.add_class("-error")
            self.app.bell()
            return
        self.dismiss(text)

    def action_cancel(self) -> None:
        self.dismiss(None)
