"""Provides `overwrite_refusal(root, target)`: why the review must not be exported over `target`
(None when it may), so that `reviewtui export -o FILE` and the app's `x` never write over a file of
the user's (a README, the code, notes) unless the reviewer says so (`export --force`).

An export may write a file that does not exist, or one that holds a reviewtui export:
- in the repository (outside `.reviewtui/`), where every export is recorded with the SHA-256 of the
  text written (`.reviewtui/exports.json`): a file holding one of the recorded texts. A file git
  tracks, or one reviewtui exported to that was changed since, holds something else: refused;
- in `.reviewtui/`, reviewtui's own folder (the app's `x` writes `.reviewtui/review.md`): any file
  git does not track;
- elsewhere (outside the repository, a file of the repository with no recorded text: recorded by
  an older reviewtui, or `exports.json` was lost, and a tracked file in `.reviewtui/`): a file that
  reads as an export, `# Review of …` then a `- Spec:` line, as every export begins.
"""

from __future__ import annotations

from pathlib import Path

from reviewtui.core import gitrange
from reviewtui.core.state import STATE_DIR, export_hash, exported_hashes

EXPORT_TITLE = "# Review of "
"""The first line of every export starts so (`report.export_markdown`, an empty phase's export)."""
HEADER_LINES = 8
"""The lines of an export's header looked at for its `- Spec:` line."""


def overwrite_refusal(root: Path, target: Path) -> str | None:
    """Why exporting over `target` (a path of the repo at `root`, or anywhere) would overwrite a
    file that is not a reviewtui export, in one line; None when it may be written."""
    if not target.exists() or target.is_dir():
        return None  # a new file (a folder: the write says why it cannot be written)
    if not target.is_file():
        return None  # /dev/stdout, /dev/null, a FIFO: written to, never read (a FIFO would block)
    try:
        content = target.read_bytes()
    except OSError as error:
        reason = error.strerror or type(error).__name__
        return f"{target} exists and cannot be read to check it is a reviewtui export: {reason}"
    relative = _repo_relative(root, target)
    if relative is not None and _in_state_folder(relative):
        if not _tracked(root, relative):
            return None  # reviewtui's own file
    elif relative is not None:
        known = exported_hashes(root).get(relative, [])
        if export_hash(content) in known:
            return None  # the text reviewtui exported there: the normal re-export
        if _tracked(root, relative):
            if reads_as_export(content):
                return f"{target} is tracked by git and reviewtui has no record of exporting to it"
            return f"{target} is tracked by git and does not hold a reviewtui export"
        if known:
            return f"{target} was changed since reviewtui exported the review to it"
    if reads_as_export(content):
        return None
    return f"{target} exists and is not a reviewtui export"


def reads_as_export(content: bytes) -> bool:
    """True for a text that begins as every reviewtui export does: `# Review of …`, and a
    `- Spec:` line among the first `HEADER_LINES`."""
    try:
        lines = content[:4096].decode("utf-8").splitlines()[:HEADER_LINES]
    except UnicodeDecodeError:
        return False
    if not lines or not lines[0].startswith(EXPORT_TITLE):
        return False
    return any(line.startswith("- Spec:") for line in lines[1:])


def _repo_relative(root: Path, target: Path) -> str | None:
    """`target`'s path in the repo at `root` (symlinks followed, as the write follows them);
    None outside it."""
    try:
        relative = target.resolve().relative_to(root.resolve()).as_posix()
    except (ValueError, OSError):
        return None
    return None if relative == "." else relative


def _in_state_folder(relative: str) -> bool:
    """True for a path in `.reviewtui/`, where exports are never recorded (nor reviewed)."""
    return relative == STATE_DIR or relative.startswith(f"{STATE_DIR}/")


def _tracked(root: Path, relative: str) -> bool:
    """True when git's index has `relative` (a literal path, not a pattern)."""
    listed = gitrange.run_git(root, "ls-files", "-z", "--", f":(literal){relative}")
    return bool(listed.strip(b"\0"))
