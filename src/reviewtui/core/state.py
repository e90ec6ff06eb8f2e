"""Provides `ReviewState`: the reviewer's decisions, requests, manual links and checkpoints on disk.

The state lives in `.reviewtui/state.json` at the repo root. It is versioned JSON, written atomically
(temp file, fsync, rename, fsync of the folder) on every change, so no decision is lost even on
`kill -9`. A corrupt file is moved aside and reported, never silently dropped; a file written by a newer
reviewtui is refused rather than overwritten. One process at a time may write: `acquire_lock` takes an
exclusive `flock` on `.reviewtui/lock` and names the holder's pid in the error a second writer gets.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import tempfile
from dataclasses import asdict, dataclass, field, fields
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from reviewtui.core.models import Checkpoint, Decision, Request
from reviewtui.errors import ReviewError

STATE_DIR = ".reviewtui"
STATE_FILE = "state.json"
LOCK_FILE = "lock"
STATE_VERSION = 1
GITIGNORE = "# Written by reviewtui: the cache and the lock are not worth committing.\ncache/\nlock\n*.corrupt-*\n"


def now_iso() -> str:
    """The current UTC time, ISO-8601 to the second."""
    return datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


@dataclass
class ReviewState:
    """Everything the reviewer decided, keyed by chunk id so it carries over between phases."""

    root: Path
    decisions: dict[str, Decision] = field(default_factory=dict)
    requests: list[Request] = field(default_factory=list)
    manual_links: dict[str, str | None] = field(default_factory=dict)
    """chunk id -> section id the reviewer chose (None: explicitly unlinked)."""
    checkpoints: list[Checkpoint] = field(default_factory=list)
    exports: list[str] = field(default_factory=list)
    """Repo-relative paths the review was exported to; they are never part of a phase."""
    warnings: list[str] = field(default_factory=list)
    _lock_handle: IO[str] | None = field(default=None, repr=False)

    # ------------------------------------------------------------------ paths

    @property
    def folder(self) -> Path:
        return self.root / STATE_DIR

    @property
    def path(self) -> Path:
        return self.folder / STATE_FILE

    @property
    def cache_dir(self) -> Path:
        return self.folder / "cache"

    @property
    def last_checkpoint(self) -> Checkpoint | None:
        return self.checkpoints[-1] if self.checkpoints else None

    # ------------------------------------------------------------------ load / save

    @classmethod
    def load(cls, root: Path) -> ReviewState:
        """Read the state of the repo at `root`; a missing file is an empty state."""
        state = cls(root=root)
        try:
            raw = state.path.read_bytes()
        except FileNotFoundError:
            return state
        except OSError as error:
            raise ReviewError(f"cannot read {state.path}: {error.strerror}") from None
        try:
            data = json.loads(raw.decode("utf-8"))
            state._read(data)
        except (ValueError, TypeError, KeyError, AttributeError) as error:
            aside = state._move_aside()
            state.decisions, state.requests, state.manual_links = {}, [], {}
            state.checkpoints, state.exports = [], []
            state.warnings.append(
                f"the review state was corrupt ({_one_line(error)}); kept aside as {aside.name}, starting afresh"
            )
        return state

    def _read(self, data: Any) -> None:
        if not isinstance(data, dict):
            raise ValueError("not a JSON object")
        version = data.get("version")
        if not isinstance(version, int):
            raise ValueError("no version")
        if version > STATE_VERSION:
            raise ReviewError(
                f"{self.path} was written by a newer reviewtui (state version {version}); upgrade reviewtui"
            )
        self.decisions = {
            key: _build(Decision, value) for key, value in data.get("decisions", {}).items()
        }
        self.requests = [_build(Request, value) for value in data.get("requests", [])]
        self.manual_links = {
            str(key): (None if value is None else str(value))
            for key, value in data.get("manual_links", {}).items()
        }
        self.checkpoints = [_build(Checkpoint, value) for value in data.get("checkpoints", [])]
        self.exports = [str(path) for path in data.get("exports", [])]

    def _move_aside(self) -> Path:
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
        aside = self.path.with_name(f"{STATE_FILE}.corrupt-{stamp}")
        counter = 1
        while aside.exists():
            aside = self.path.with_name(f"{STATE_FILE}.corrupt-{stamp}-{counter}")
            counter += 1
        try:
            os.replace(self.path, aside)
        except OSError as error:
            raise ReviewError(
                f"the review state {self.path} is corrupt and cannot be moved aside: {error.strerror}"
            ) from None
        return aside

    def to_json(self) -> dict[str, Any]:
        return {
            "version": STATE_VERSION,
            "decisions": {key: asdict(value) for key, value in sorted(self.decisions.items())},
            "requests": [asdict(request) for request in self.requests],
            "manual_links": dict(sorted(self.manual_links.items())),
            "checkpoints": [asdict(checkpoint) for checkpoint in self.checkpoints],
            "exports": list(self.exports),
        }

    def save(self) -> None:
        """Write the state atomically: temp file, fsync, rename, fsync of the folder."""
        self.ensure_folder()
        payload = json.dumps(self.to_json(), indent=2, ensure_ascii=False).encode("utf-8") + b"\n"
        handle, temp = tempfile.mkstemp(prefix=".state-", suffix=".tmp", dir=self.folder)
        try:
            with os.fdopen(handle, "wb") as stream:
                stream.write(payload)
                stream.flush()
                os.fsync(stream.fileno())
            os.replace(temp, self.path)
        except OSError as error:
            with contextlib.suppress(OSError):
                os.unlink(temp)
            raise ReviewError(
                f"cannot save the review state to {self.path}: {error.strerror}"
            ) from None
        _fsync_dir(self.folder)

    def ensure_folder(self) -> None:
        """Create `.reviewtui/` with its `.gitignore` (cache and lock stay out of git)."""
        try:
            self.folder.mkdir(exist_ok=True)
            ignore = self.folder / ".gitignore"
            if not ignore.exists():
                ignore.write_text(GITIGNORE, encoding="utf-8")
        except OSError as error:
            raise ReviewError(f"cannot create {self.folder}: {error.strerror}") from None

    # ------------------------------------------------------------------ lock

    def acquire_lock(self) -> None:
        """Become the only writer of this repo's state, or raise ReviewError naming the holder."""
        if self._lock_handle is not None:
            return
        self.ensure_folder()
        lock_path = self.folder / LOCK_FILE
        handle = open(lock_path, "a+", encoding="utf-8")  # noqa: SIM115 - held for the session
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            handle.seek(0)
            holder = handle.read().strip() or "unknown"
            handle.close()
            raise ReviewError(
                f"another reviewtui is already reviewing this repo (pid {holder}); close it first"
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        self._lock_handle = handle

    def release_lock(self) -> None:
        if self._lock_handle is None:
            return
        with contextlib.suppress(OSError):
            self._lock_handle.seek(0)
            self._lock_handle.truncate()
            fcntl.flock(self._lock_handle.fileno(), fcntl.LOCK_UN)
        self._lock_handle.close()
        self._lock_handle = None


def _build(cls: type[Any], value: Any) -> Any:
    """Make a dataclass from a JSON object, ignoring keys a later version may have added."""
    if not isinstance(value, dict):
        raise ValueError(f"{cls.__name__} is not an object")
    names = {f.name for f in fields(cls)}
    return cls(**{key: item for key, item in value.items() if key in names})


def _fsync_dir(folder: Path) -> None:
    try:
        descriptor = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(descriptor)
    except OSError:
        pass  # some filesystems cannot fsync a directory; the rename itself is already durable there
    finally:
        os.close(descriptor)


def _one_line(error: BaseException) -> str:
    return " ".join(str(error).split())[:120]
