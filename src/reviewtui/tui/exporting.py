"""Provides `write_export`: write the review's markdown to a file, atomically, from a worker thread.

The app builds the markdown on the UI thread (a consistent snapshot of a session the reviewer keeps
changing) and hands only the text to the worker, which writes it here: a temp file in the same
folder, then a rename, so two quick exports never interleave and a crash never leaves half a file.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

from reviewtui.core.state import ReviewState
from reviewtui.errors import ReviewError


def write_export(state: ReviewState, target: Path, text: str) -> str | None:
    """Write `text` to `target`; None when written, else the one-line reason it was not."""
    try:
        state.ensure_folder()
        _write_atomic(target, text)
    except ReviewError as error:
        return str(error)
    except OSError as error:
        return f"cannot write {target}: {error.strerror or error}"
    except Exception as error:  # a bug: reported on one line, the app stays up
        return f"export failed: {type(error).__name__}: {error}"
    return None


def _write_atomic(target: Path, text: str) -> None:
    handle, temp = tempfile.mkstemp(prefix=".review-", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
        os.replace(temp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise
