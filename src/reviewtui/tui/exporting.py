"""Provides `write_export` and `record_export`: write the review's markdown to a file, atomically,
and remember the path as an export, both from the export worker thread. A file there that is not a
reviewtui export (`overwrite_refusal`) is left as it is, and the reason shown.

The app takes a snapshot of the session on the UI thread (`ReviewSession.snapshot`, a few ms) and
the worker builds the markdown from it, so the review exported is the one on screen when `x` was
pressed, and a big phase never freezes the keys. The file is written here: a temp file in the same
folder, then a rename, so two quick exports never interleave and a crash never leaves half a file.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

from reviewtui.core.export_target import overwrite_refusal
from reviewtui.core.state import ReviewState
from reviewtui.errors import ReviewError


def write_export(state: ReviewState, target: Path, text: str) -> str | None:
    """Write `text` to `target`; None when written, else the one-line reason it was not (a
    `target` that holds something else than a reviewtui export is never overwritten)."""
    try:
        refusal = overwrite_refusal(state.root, target)
        if refusal is not None:
            return f"{refusal}: move it away, then export again"
        state.ensure_folder()
        _write_atomic(target, text)
    except ReviewError as error:
        return str(error)
    except OSError as error:
        return f"cannot write {target}: {error.strerror or error}"
    except Exception as error:  # a bug: reported on one line, the app stays up
        return f"export failed: {type(error).__name__}: {error}"
    return None


def record_export(state: ReviewState, target: Path, text: str) -> str | None:
    """Remember `target` as an export of `text` (it may wait on another exporter's lock, hence
    the worker); None when done, else the one-line reason it was not."""
    try:
        state.record_export(target, text.encode("utf-8"))
    except ReviewError as error:
        return str(error)
    except OSError as error:
        return f"cannot record the export in {state.folder}: {error.strerror or error}"
    return None


EXPORT_MODE = 0o644
"""The permissions of a new export, as the CLI's `export -o` gives (a temporary file is 0600)."""


def _write_atomic(target: Path, text: str) -> None:
    """Write `text` to a temporary file beside `target`, then rename it over `target`, keeping the
    permissions `target` had (a new file gets `EXPORT_MODE`)."""
    try:
        mode = target.stat().st_mode & 0o777
    except OSError:
        mode = EXPORT_MODE
    handle, temp = tempfile.mkstemp(prefix=".review-", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
        os.chmod(temp, mode)
        os.replace(temp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise
