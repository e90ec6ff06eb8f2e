"""Provides `saved`: run a session call that saves the review state, and report a failed save.

Every action that persists (a decision, a note, a relink, a request, a kept patch) goes through it: a
`ReviewError` from the save (disk full, read-only `.reviewtui/`, ...) becomes one error line in a
toast (never markup) and the app stays up. The session puts its memory back as it was when a save
fails, so the caller redraws from the session and shows what is really on disk.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from textual.dom import DOMNode

from reviewtui.errors import ReviewError
from reviewtui.tui.text import clean_line

T = TypeVar("T")

NOT_SAVED = "Not saved"


def saved(node: DOMNode, call: Callable[[], T]) -> T | None:
    """`call()`'s result, or None after notifying `node`'s app of the `ReviewError` it raised.

    For a call that returns None, ask `saved(node, lambda: session.delete_request(id) or True)`."""
    try:
        return call()
    except ReviewError as error:
        message = f"{NOT_SAVED}: {clean_line(str(error))}"
        node.app.notify(message, severity="error", markup=False, timeout=10)
        return None
