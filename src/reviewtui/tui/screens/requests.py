"""Provides `RequestQueueScreen`: the queue of refactor / simplify / fix requests for the agent.

The reviewer lists, edits, marks done, deletes and reorders requests, and exports the open ones as a
prompt to paste to the coding agent. Every change is saved by the session before the table redraws.
Deleting asks first: `del` (or `backspace`) arms it for the request under the cursor, a second
press deletes; moving the cursor or any other key leaves the request alone.
`d` opens `DraftScreen(session, request)`. A change whose save fails is one error line (`saving.saved`):
the table is redrawn from the session, which kept the queue as it is on disk.
The prompt is not written once the review screen knows that the code changed on disk since the
review was loaded (its missing sections and code past the checkpoint would be of code that is gone).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.events import Key
from textual.screen import Screen
from textual.widgets import DataTable, Label

from reviewtui.core.models import Request, RequestStatus
from reviewtui.core.report import request_body, requests_prompt
from reviewtui.errors import ReviewError
from reviewtui.tui.saving import saved
from reviewtui.tui.screens.dialogs import TextDialog
from reviewtui.tui.screens.draft import DraftScreen
from reviewtui.tui.screens.help import QUIT_ON_CTRL_C, HelpScreen, step_cursor
from reviewtui.tui.text import clean_line, shorten
from reviewtui.tui.widgets.key_bar import KeyBar

if TYPE_CHECKING:
    from reviewtui.core.session import ReviewSession

PROMPT_FILE = "requests-prompt.md"
"""Written into `.reviewtui/` by the queue's export."""
STALE_PROMPT = (
    "Not written: the code changed on disk since the review was loaded; "
    "back in the review, R reloads it."
)


class RequestQueueScreen(Screen[None]):
    """The request queue as a table, one row per request, in queue order."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("j", "cursor(1)", "Down", show=False),
        Binding("k", "cursor(-1)", "Up", show=False),
        Binding("e,enter", "edit", "Edit"),
        Binding("space", "toggle_done", "Done / open"),
        Binding("delete,backspace", "delete", "Delete (press twice)"),
        Binding("K,shift+up", "move(-1)", "Move up"),
        Binding("J,shift+down", "move(1)", "Move down"),
        Binding("x", "export", "Export prompt"),
        Binding("d", "draft", "Draft a fix (LLM)"),
        Binding("escape,Q", "close", "Back to review"),
        Binding("question_mark", "help", "Help"),
        QUIT_ON_CTRL_C,
    ]

    def __init__(
        self, session: ReviewSession, *, stale: Callable[[], bool] = lambda: False
    ) -> None:
        """`stale`: whether the code changed on disk since the session was assembled."""
        super().__init__()
        self.session = session
        self.stale = stale
        self.armed: str | None = None
        """The request a first `del` asked about: a second `del` on it deletes it."""

    def compose(self) -> ComposeResult:
        yield Label("Request queue", id="queue-title", classes="title")
        yield DataTable(id="queue", cursor_type="row", zebra_stripes=True)
        yield Label("", id="queue-empty")
        yield KeyBar()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns("#", "Kind", "Status", "Where", "Request")
        self.refill()
        table.focus()

    # ------------------------------------------------------------------ drawing

    def refill(self, keep: str | None = None) -> None:
        """Redraw the table from the session, keeping the cursor on `keep` (a request id)."""
        table = self.query_one(DataTable)
        current = keep or self.selected_id()
        table.clear()
        for number, request in enumerate(self.session.requests, start=1):
            table.add_row(*self._cells(number, request), key=request.id)
        empty = (
            "" if self.session.requests else "No requests yet: press r or s on a chunk to add one."
        )
        self.query_one("#queue-empty", Label).update(empty)
        ids = [request.id for request in self.session.requests]
        if current in ids:
            table.move_cursor(row=ids.index(current))

    @staticmethod
    def _cells(number: int, request: Request) -> list[Text]:
        done = request.status == "done"
        style = "dim strike" if done else ""
        return [
            Text(str(number)),
            Text(request.kind, style="bold"),
            Text(request.status, style="green" if done else "yellow"),
            Text(clean_line(request.location or "—")),
            Text(shorten(clean_line(request_body(request)), 80), style=style),
        ]

    def selected_id(self) -> str | None:
        table = self.query_one(DataTable)
        requests = self.session.requests
        if not requests or table.cursor_row < 0 or table.cursor_row >= len(requests):
            return None
        return requests[table.cursor_row].id

    # ------------------------------------------------------------------ actions

    @on(DataTable.RowSelected, "#queue")
    def _row_selected(self, event: DataTable.RowSelected) -> None:
        """Enter on a row (the table handles Enter itself) edits the request."""
        event.stop()
        self.action_edit()

    def action_cursor(self, delta: int) -> None:
        """`j`/`k` move the cursor as the arrows do (as everywhere else in the app)."""
        step_cursor(self.query_one(DataTable), delta)

    def action_edit(self) -> None:
        request_id = self.selected_id()
        if request_id is None:
            return
        request = self.session.request(request_id)

        def edited(text: str | None) -> None:
            if text and saved(self, lambda: self.session.update_request(request_id, text=text)):
                self.refill(request_id)

        title = f"Edit {request.kind} request {request.id}"
        self.app.push_screen(TextDialog(title, request.text, allow_empty=False), edited)

    def action_toggle_done(self) -> None:
        request_id = self.selected_id()
        if request_id is None:
            return
        request = self.session.request(request_id)
        status: RequestStatus = "open" if request.status == "done" else "done"
        saved(self, lambda: self.session.update_request(request_id, status=status))
        self.refill(request_id)

    def action_delete(self) -> None:
        request_id = self.selected_id()
        if request_id is None:
            return
        if self.armed != request_id:
            self.armed = request_id
            message = f"Delete request {request_id}? Press del again to delete it; any other key keeps it."
            self.notify(message, severity="warning", markup=False, timeout=4)
            return
        self.armed = None

        def delete() -> bool:
            self.session.delete_request(request_id)
            return True

        if saved(self, delete):
            self.refill()
            self.notify(f"Deleted request {request_id}.", markup=False)

    @on(DataTable.RowHighlighted, "#queue")
    def _disarm_on_move(self, event: DataTable.RowHighlighted) -> None:
        """A page key on an empty table highlights no row (`row_key` is None): disarm too."""
        if event.row_key is None or event.row_key.value != self.armed:
            self.armed = None

    def on_key(self, event: Key) -> None:
        """Any key but `del`/`backspace` leaves an asked-about request alone."""
        if event.key not in ("delete", "backspace"):
            self.armed = None

    def action_move(self, delta: int) -> None:
        request_id = self.selected_id()
        if request_id is None:
            return
        saved(self, lambda: self.session.move_request(request_id, delta))
        self.refill(request_id)

    def action_export(self) -> None:
        if self.stale():
            self.notify(STALE_PROMPT, severity="error", markup=False, timeout=10)
            return
        text = requests_prompt(self.session.requests, self.session)
        if not text:
            self.notify("No open requests to export.", severity="warning", markup=False)
            return
        path = self.session.state.folder / PROMPT_FILE
        try:
            self.session.state.ensure_folder()
            path.write_text(text, encoding="utf-8")
        except ReviewError as error:
            self.notify(clean_line(str(error)), severity="error", markup=False)
            return
        except OSError as error:
            self.notify(f"cannot write {path}: {error.strerror}", severity="error", markup=False)
            return
        self.notify(f"Wrote the open requests as a prompt to {path}", markup=False)

    def action_draft(self) -> None:
        """Hand the request to `DraftScreen`: an LLM patch, checked, applied on confirm."""
        request_id = self.selected_id()
        if request_id is None:
            return
        screen = DraftScreen(self.session, self.session.request(request_id))
        self.app.push_screen(screen, lambda _: self.refill(request_id))

    def action_help(self) -> None:
        self.app.push_screen(
            HelpScreen([("Request queue", self.BINDINGS), ("App", self.app.BINDINGS)])
        )

    def action_close(self) -> None:
        self.dismiss(None)
