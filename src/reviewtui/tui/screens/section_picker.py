"""Provides `SectionPicker`: a modal list of the spec's sections to relink a chunk to.

Typing filters the list; Enter picks the highlighted section ("Unlinked changes" unlinks the
chunk), and says so in the dialog when nothing matches; Esc cancels. The picker returns a section id, `UNLINKED`, or None when cancelled.

When other chunks of the same file have no link made by hand (`same_file_chunks`), a checkbox
offers to link them too (`ctrl+f` ticks it); `whole_file` says, once the picker is closed, whether
it was ticked.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.events import Resize
from textual.screen import ModalScreen
from textual.widgets import Checkbox, Input, Label, OptionList
from textual.widgets.option_list import Option

from reviewtui.core.models import Chunk, Section
from reviewtui.tui.navigation import UNLINKED
from reviewtui.tui.screens.help import step_cursor
from reviewtui.tui.text import clean_line

if TYPE_CHECKING:
    from reviewtui.core.session import ReviewSession


HINT = "Enter links · Esc cancels"
LIST_ROWS = 16
"""The section list's height at most (its border included)."""
AROUND_LIST = 10
"""Rows of the dialog besides the list: border and padding, title, filter field, hint."""
CHECKBOX_ROWS = 2
FILE_HINT = "Enter links · ctrl+f ticks the box · Esc cancels"


def same_file_chunks(session: ReviewSession, chunk: Chunk) -> list[Chunk]:
    """The other chunks of `chunk`'s file that the reviewer has not linked by hand, in order."""
    manual = session.state.manual_links
    return [
        other
        for other in session.chunks
        if other.path == chunk.path and other.id != chunk.id and other.id not in manual
    ]


class SectionPicker(ModalScreen[str | None]):
    """Pick the section a chunk implements (and, ticked, the rest of its file)."""

    DEFAULT_CSS = """
    SectionPicker #picker-file { margin-top: 1; width: 100%; height: auto; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel"),
        Binding("down", "move(1)", "Next section", show=False),
        Binding("up", "move(-1)", "Previous section", show=False),
        Binding("ctrl+f", "toggle_file", "Link the rest of the file too"),
    ]

    def __init__(
        self,
        session: ReviewSession,
        current: str | None,
        title: str,
        same_file: Sequence[Chunk] = (),
    ) -> None:
        """`same_file`: the other chunks of the file the checkbox offers to link too (none: no
        checkbox)."""
        super().__init__()
        self.session = session
        self.current = current
        self.title_text = title
        self.same_file = list(same_file)
        self.whole_file = False
        """Whether the checkbox was ticked when a section was picked."""

    def compose(self) -> ComposeResult:
        with Vertical(id="picker", classes="dialog"):
            yield Label(clean_line(self.title_text), markup=False)
            yield Input(placeholder="type to filter sections", id="picker-filter")
            yield OptionList(id="picker-list")
            if self.same_file:
                yield Checkbox(self._file_label(), id="picker-file", compact=True)
            yield Label(self._hint(), id="picker-hint", classes="hint")

    def _file_label(self) -> Content:
        count = len(self.same_file)
        chunks = "chunk" if count == 1 else "chunks"
        path = clean_line(self.same_file[0].path)
        return Content(f"Also the {count} other {chunks} of {path} not linked by hand")

    def _hint(self) -> str:
        return FILE_HINT if self.same_file else HINT

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return bool(self.same_file) if action == "toggle_file" else True

    def action_toggle_file(self) -> None:
        self.query_one("#picker-file", Checkbox).toggle()

    def on_mount(self) -> None:
        self._fill("")
        self._fit_list(self.app.size.height)
        self.query_one(Input).focus()

    def on_resize(self, event: Resize) -> None:
        self._fit_list(event.size.height)

    def _fit_list(self, height: int) -> None:
        """Cap the list's height so the checkbox and the hint below it stay on a short screen."""
        around = AROUND_LIST + (CHECKBOX_ROWS if self.same_file else 0)
        rows = max(min(LIST_ROWS, height * 9 // 10 - around), 3)
        self.query_one(OptionList).styles.max_height = rows

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
            hint.update(self._hint())
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
        self._pick(option_list.get_option_at_index(option_list.highlighted).id)

    @on(OptionList.OptionSelected, "#picker-list")
    def _selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self._pick(event.option.id)

    def _pick(self, section_id: str | None) -> None:
        """Close with `section_id`, noting whether the rest of the file goes with it."""
        if self.same_file:
            self.whole_file = self.query_one("#picker-file", Checkbox).value
        self.dismiss(section_id)

    def action_cancel(self) -> None:
        self.dismiss(None)
