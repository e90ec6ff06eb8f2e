"""Provides `SectionPicker`: a modal list of the spec's sections to relink a chunk to.

Typing filters the list; Enter picks the highlighted section ("Unlinked changes" unlinks the
chunk), and says so in the dialog when nothing matches; Esc cancels. The picker returns a section id, `UNLINKED`, or None when cancelled.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Input, Label, OptionList
from textual.widgets.option_list import Option

from reviewtui.core.models import Section
from reviewtui.tui.navigation import UNLINKED
from reviewtui.tui.screens.help import step_cursor
from reviewtui.tui.text import clean_line

if TYPE_CHECKING:
    from reviewtui.core.session import ReviewSession


HINT = "Enter links · Esc cancels"


class SectionPicker(ModalScreen[str | None]):
    """Pick the section a chunk implements."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel"),
        Binding("down", "move(1)", "Next section", show=False),
        Binding("up", "move(-1)", "Previous section", show=False),
    ]

    def __init__(self, session: ReviewSession, current: str | None, title: str) -> None:
        super().__init__()
        self.session = session
        self.current = current
        self.title_text = title

    def compose(self) -> ComposeResult:
        with Vertical(id="picker", classes="dialog"):
            yield Label(clean_line(self.title_text), markup=False)
            yield Input(placeholder="type to filter sections", id="picker-filter")
            yield OptionList(id="picker-list")
            yield Label(HINT, id="picker-hint", classes="hint")

    def on_mount(self) -> None:
        self._fill("")
        self.query_one(Input).focus()

    def _fill(self, needle: str) -> None:
        options = [
            Option(self._prompt(section), id=section.id)
            for section in self.session.spec.sections
            if needle.lower() in f"{section.id} {section.title}".lower()
        ]
        if needle.lower() in "unlinked changes":
            options.append(Option(Content("Unlinked changes (no section)"), id=UNLINKED))
        option_list = self.query_one(OptionList)
        option_list.set_options(options)
        ids = [option.id for option in options]
        option_list.highlighted = (
            ids.index(self.current) if self.current in ids else 0 if ids else None
        )

    @staticmethod
    def _prompt(section: Section) -> Content:
        indent = "  " * max(section.level - 1, 0)
        return Content.assemble(
            indent, clean_line(section.title), (f"  {section.id}", "$text-muted")
        )

    @on(Input.Changed, "#picker-filter")
    def _filter(self, event: Input.Changed) -> None:
        self._fill(event.value.strip())
        hint = self.query_one("#picker-hint", Label)
        if hint.has_class("-error"):
            hint.update(HINT)
            hint.remove_class("-error")

    def action_move(self, delta: int) -> None:
        step_cursor(self.query_one(OptionList), delta)

    @on(Input.Submitted, "#picker-filter")
    def _submit(self, event: Input.Submitted) -> None:
        event.stop()
        option_list = self.query_one(OptionList)
        if option_list.highlighted is None:
            hint = self.query_one("#picker-hint", Label)
            typed = clean_line(event.value.strip())
            hint.update(Content(f"No section matches “{typed}”: change the text, or Esc cancels."))
            hint.add_class("-error")
            self.app.bell()
            return
        self.dismiss(option_list.get_option_at_index(option_list.highlighted).id)

    @on(OptionList.OptionSelected, "#picker-list")
    def _selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(event.option.id)

    def action_cancel(self) -> None:
        self.dismiss(None)
