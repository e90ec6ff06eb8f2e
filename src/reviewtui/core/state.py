"""Provides `ReviewState`: the reviewer's decisions, requests, manual links and checkpoints on disk.

The state lives in `.reviewtui/state.json` at the repo root. It is versioned JSON, written atomically
(temp file, fsync, rename, fsync of the folder) on every change, so no decision is lost even on
`kill -9`. Every entry is checked on load (types and the allowed values of statuses and kinds), one
at a time: an entry that fails is left out and named in a warning, and the file as read is kept aside
(`state.json.corrupt-<time>`) before anything overwrites it, so nothing is lost; an entry whose only
fault is a status or kind this reviewtui does not know (written by a newer one, or by hand) is left
out of the review but written back untouched on save. A file that is not a JSON object of a known
version is moved aside whole, by the holder of the writer's lock only (a reader takes the lock for the
move when it is free, else reads the file as empty and leaves it); a file written by a newer
reviewtui is refused rather than overwritten. A file set aside is named on every load until a newer
`state.json` is saved (the first decision made after it).

Checkpoints are also kept alive by git refs (`refs/reviewtui/checkpoints/<n>`): a state with none
(deleted, or set aside as corrupt) recovers them from those refs, and a checkpoint whose commit is gone
from the repository (dropped and garbage-collected, or never fetched) is passed over, with a warning,
for the newest one still there: `last_checkpoint` is the phase's base. `drop_last_checkpoint` forgets
the last one and deletes its refs.

One process at a time may write `state.json`: `acquire_lock` (or `load(root, lock=True)`, or the
`locked(root)` context) takes an exclusive `flock` on `.reviewtui/lock` and names the holder's pid in
the error a second writer gets; a `save` without the lock takes it for the write, so a stale copy can
never overwrite the decisions of a running app. Exports are the one thing another process records
while the app runs: `record_export` adds them to `.reviewtui/exports.json` (its own short lock, atomic
write), which never touches decisions and which `load` merges with the older `exports` of
`state.json`. Each export is recorded with the SHA-256 of the text written (`ExportPaths.hashes`), so
that the file leaves a phase only while it holds an exported text (see `phasefiles`); an entry
without one (an older reviewtui's, or the `exports` of `state.json`) is an export of unknown content.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import reprlib
import tempfile
import time
import types
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import MISSING, asdict, dataclass, field, fields
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any, Literal, Union, get_args, get_origin, get_type_hints

from reviewtui.core import gitrange
from reviewtui.core.models import Checkpoint, Decision, Request
from reviewtui.errors import ReviewError

STATE_DIR = ".reviewtui"
STATE_FILE = "state.json"
EXPORTS_FILE = "exports.json"
LOCK_FILE = "lock"
EXPORTS_LOCK_FILE = "exports.lock"
STATE_VERSION = 1
EXPORTS_VERSION = 1
GITIGNORE_HEADER = "# Written by reviewtui"
GITIGNORE = (
    f"{GITIGNORE_HEADER}: the cache and the locks are not worth committing.\n"
    "cache/\nlock\nexports.lock\n*.corrupt-*\n"
)
EXPORTS_LOCK_TIMEOUT = 10.0
"""Seconds `record_export` waits for another process recording an export (a write of a few bytes)."""
EXPORT_HASHES_KEPT = 8
"""Hashes of the texts exported to one path that `exports.json` keeps (the newest)."""
EXPORT_HASH_KEY = "sha256"
"""The optional key of `exports.json`: path -> SHA-256 (hex) of the texts exported there, newest last."""


def export_hash(data: bytes) -> str:
    """The hash recorded for an exported text: SHA-256 of its bytes, in hex."""
    return hashlib.sha256(data).hexdigest()


class ExportPaths(list[str]):
    """The repo paths the review was exported to (a list of paths, oldest first), with `hashes`:
    path -> the SHA-256 of the texts exported there (newest last). A path without hashes was
    recorded by an older reviewtui (or in `state.json`): what it held is unknown."""

    def __init__(
        self, paths: Iterable[str] = (), hashes: Mapping[str, list[str]] | None = None
    ) -> None:
        super().__init__(paths)
        self.hashes: dict[str, list[str]] = {
            key: list(value) for key, value in (hashes or {}).items()
        }

    def merge(self, paths: Iterable[str], hashes: Mapping[str, list[str]]) -> None:
        """Add the paths not listed yet, and the hashes (each once, the newest last: one exported
        again moves to the end; the oldest beyond `EXPORT_HASHES_KEPT` are forgotten)."""
        for path in paths:
            if path not in self:
                self.append(path)
        for path, values in hashes.items():
            known = self.hashes.setdefault(path, [])
            for value in values:
                if value in known:
                    known.remove(value)
                known.append(value)
            del known[:-EXPORT_HASHES_KEPT]


def exported_hashes(root: Path) -> dict[str, list[str]]:
    """Path -> the SHA-256 of the texts exported there, read from `.reviewtui/exports.json` without
    taking a lock or reporting anything (empty when the file is missing or unreadable): for quick
    looks such as the app's check whether the code on disk changed."""
    try:
        data = json.loads((root / STATE_DIR / EXPORTS_FILE).read_bytes())
        paths = _read_exports(data) if isinstance(data, dict) else []
    except (OSError, ValueError, RecursionError):
        return {}
    return _read_export_hashes(data, paths)[0]


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
    exports: list[str] = field(default_factory=ExportPaths)
    """Repo-relative paths the review was exported to (an `ExportPaths`, with the hashes of the
    texts written there): each is left out of a phase while it holds an exported text."""
    warnings: list[str] = field(default_factory=list)
    _lock_handle: IO[str] | None = field(default=None, repr=False)
    _missing: set[str] = field(default_factory=set, repr=False)
    """Shas of checkpoints whose commit is not in the repository (filled by `load`)."""
    _kept: dict[str, list[tuple[Any, Any]]] = field(default_factory=dict, repr=False)
    """Entries with a status or kind this reviewtui does not know, as read, per section: (chunk id
    or position, the JSON entry). Left out of the review, written back untouched by `save`."""
    _original: bytes | None = field(default=None, repr=False)
    """The file as read, when entries of it were left out and no copy of it is kept aside yet:
    `save` keeps it aside before it overwrites `state.json`."""

    # ------------------------------------------------------------------ paths

    @property
    def folder(self) -> Path:
        return self.root / STATE_DIR

    @property
    def path(self) -> Path:
        return self.folder / STATE_FILE

    @property
    def exports_path(self) -> Path:
        return self.folder / EXPORTS_FILE

    @property
    def cache_dir(self) -> Path:
        return self.folder / "cache"

    @property
    def last_checkpoint(self) -> Checkpoint | None:
        """The checkpoint the default phase starts from: the newest whose commit is in the
        repository (a lost one is passed over; `load` warns about it)."""
        usable = (cp for cp in reversed(self.checkpoints) if cp.sha not in self._missing)
        return next(usable, None)

    def checkpoint_is_missing(self, checkpoint: Checkpoint) -> bool:
        """Whether the checkpoint's commit was found missing from the repository by `load`."""
        return checkpoint.sha in self._missing

    @property
    def kept_request_ids(self) -> list[str]:
        """Ids of the requests left out as written by a newer reviewtui (kept in the file): a new
        request must not reuse them."""
        kept = self._kept.get("requests", [])
        return [entry["id"] for _, entry in kept if isinstance(entry.get("id"), str)]

    @property
    def locked_by_me(self) -> bool:
        """True while this object holds the writer's lock."""
        return self._lock_handle is not None

    # ------------------------------------------------------------------ load

    @classmethod
    def load(cls, root: Path, *, lock: bool = False) -> ReviewState:
        """Read the state of the repo at `root`; a missing file is an empty state.

        With `lock=True` the writer's lock is taken *before* the file is read, so what is read is
        what this process will overwrite (ReviewError naming the holder if another process has it)."""
        state = cls(root=root)
        if lock:
            state.acquire_lock()
        try:
            state._load_state_file()
            state._merge_exports(*state._load_exports_file())
            state._check_checkpoints()
        except BaseException:
            state.release_lock()
            raise
        return state

    @classmethod
    @contextlib.contextmanager
    def locked(cls, root: Path) -> Iterator[ReviewState]:
        """`with ReviewState.locked(root) as state:` lock, then load; the lock is released on exit."""
        state = cls.load(root, lock=True)
        try:
            yield state
        finally:
            state.release_lock()

    def _load_state_file(self) -> None:
        raw = _read_bytes(self.path)
        if raw is None:
            self._warn_set_aside()
            return
        try:
            data = _parse(raw, self.path)
        except (ValueError, TypeError, RecursionError) as error:
            self._set_aside_whole(raw, error)
            return
        problems = self._read(data)
        if problems.dropped:
            self._warn_dropped(raw, problems.dropped)
        else:
            self._warn_set_aside()
        if problems.kept:
            self.warnings.append(
                f"the review state has {_entries(len(problems.kept))} this reviewtui cannot read,"
                f" written by a newer reviewtui or by hand ({_listed(problems.kept)}): left out of"
                f" the review and kept as they are in {STATE_DIR}/{STATE_FILE}; upgrade reviewtui to"
                " see them"
            )

    def _set_aside_whole(self, raw: bytes, error: BaseException) -> None:
        """A file that is not a state at all: the lock holder moves it aside, and a reader takes the
        lock for the move when it is free; while another process holds it the file stays as it is."""
        if self._lock_handle is None:
            try:
                self.acquire_lock()
            except ReviewError as busy:
                self._original = raw  # a later `save` keeps it aside before it writes
                self.warnings.append(
                    f"the review state is corrupt ({_one_line(error)}); left as it is in"
                    f" {STATE_DIR}/{STATE_FILE} for the process holding the lock to set aside"
                    f" ({_one_line(busy)}); read as empty"
                )
                return
            try:  # read again under the lock: another process may have replaced it meanwhile
                self._load_state_file()
            finally:
                self.release_lock()
            return
        aside = _move_aside(self.path)
        self.warnings.append(
            f"the review state was corrupt ({_one_line(error)}); kept aside as"
            f" {STATE_DIR}/{aside.name}, starting afresh (to get it back: fix it and rename it"
            f" to {STATE_FILE} before you decide anything)"
        )

    def _warn_dropped(self, raw: bytes, dropped: list[str]) -> None:
        """Name the entries left out, and where the file as read is kept."""
        try:
            aside = f"{STATE_DIR}/{_keep_copy(self.path, raw).name}"
        except OSError as error:
            self._original = raw
            aside = f"nowhere yet ({error.strerror}; the next save keeps it first)"
        self.warnings.append(
            f"the review state has {_entries(len(dropped))} that could not be read, corrupt"
            f" ({_listed(dropped)}): left out, the rest of the review is read; the file as it was"
            f" is kept as {aside}"
        )

    def _warn_set_aside(self) -> None:
        """Name a state file set aside as corrupt until a newer `state.json` replaces it."""
        saved = _mtime(self.path)
        aside = [
            path
            for path in sorted(self.folder.glob(f"{STATE_FILE}.corrupt-*"))
            if saved is None or (_mtime(path) or 0) > saved
        ]
        if aside:
            self.warnings.append(
                f"the review state set aside as corrupt is still in {STATE_DIR}/{aside[-1].name}:"
                f" fix it and rename it to {STATE_FILE} to get its decisions back (before you decide"
                " anything), or delete it"
            )

    def _read(self, data: dict[str, Any]) -> _Problems:
        """Fill the state from the parsed JSON, entry by entry; what cannot be used is reported."""
        problems = _Problems()
        decisions = problems.section(data, "decisions", dict)
        for key, value in decisions.items():
            where = f"decisions[{key!r}]"
            if isinstance(value, dict) and value.get("chunk_id", key) != key:
                problems.dropped.append(f"{where} is about chunk {value['chunk_id']!r}")
                continue
            decision = self._entry(Decision, value, where, problems, "decisions", key)
            if decision is not None:
                self.decisions[key] = decision
        for index, value in enumerate(problems.section(data, "requests", list)):
            request = self._entry(Request, value, f"requests[{index}]", problems, "requests", index)
            if request is not None:
                self.requests.append(request)
        for key, value in problems.section(data, "manual_links", dict).items():
            if value is None or isinstance(value, str):
                self.manual_links[key] = value
            else:
                problems.dropped.append(
                    f"manual_links[{key!r}] must be a section id or null, not {_short(value)}"
                )
        for index, value in enumerate(problems.section(data, "checkpoints", list)):
            where = f"checkpoints[{index}]"
            checkpoint = self._entry(Checkpoint, value, where, problems, "checkpoints", index)
            if checkpoint is not None:
                self.checkpoints.append(checkpoint)
        for index, value in enumerate(problems.section(data, "exports", list)):
            if isinstance(value, str) and value:
                self.exports.append(value)
            else:
                problems.dropped.append(f"exports[{index}] must be a path, not {_short(value)}")
        return problems

    def _entry(
        self, cls: type[Any], value: Any, where: str, problems: _Problems, section: str, key: Any
    ) -> Any:
        """The entry built, or None: dropped (corrupt) or kept as read (an unknown value)."""
        try:
            return _build(cls, value, where)
        except _UnknownValue as error:
            problems.kept.append(str(error))
            self._kept.setdefault(section, []).append((key, value))
        except ValueError as error:
            problems.dropped.append(str(error))
        return None

    def _load_exports_file(
        self, *, locked: bool = False, quiet: bool = False
    ) -> tuple[list[str], dict[str, list[str]]]:
        """The paths in `exports.json` and the hashes of the texts exported to them; a corrupt file
        is kept aside (by the holder of the exports lock, taken here for the move unless `locked`)
        and reported. A hash entry of the wrong shape is left out (its path is an export of unknown
        content) and named in a warning (unless `quiet`: an exporter re-reading the file)."""
        raw = _read_bytes(self.exports_path)
        if raw is None:
            return [], {}
        try:
            data = _parse(raw, self.exports_path, EXPORTS_VERSION, "version")
            paths = _read_exports(data)
        except (ValueError, TypeError, RecursionError) as error:
            if not locked:  # read again under the lock: an exporter may have replaced it meanwhile
                try:
                    with self._exports_lock():
                        return self._load_exports_file(locked=True)
                except ReviewError as busy:
                    self.warnings.append(
                        f"the list of exports is corrupt ({_one_line(error)}); left as it is"
                        f" ({_one_line(busy)}); read as empty"
                    )
                    return [], {}
            aside = _move_aside(self.exports_path)
            self.warnings.append(
                f"the list of exports was corrupt ({_one_line(error)}); kept aside as {aside.name}"
            )
            return [], {}
        hashes, dropped = _read_export_hashes(data, paths)
        if dropped and not quiet:
            self.warnings.append(
                f"the list of exports has {_entries(len(dropped))} of the wrong shape"
                f" ({_listed(dropped)}): what was exported there is unknown (the next export to it"
                " records it again)"
            )
        return paths, hashes

    # ------------------------------------------------------------------ checkpoints

    def _check_checkpoints(self) -> None:
        """Recover checkpoints from their git refs when the file holds none; note lost commits."""
        if not gitrange.is_repository(self.root):
            return  # a folder outside git (tests of the file format): no refs, no commits to check
        refs = gitrange.checkpoint_refs(self.root)
        if not self.checkpoints and refs:
            self.checkpoints = _recovered(refs)
            self.warnings.append(
                f"{STATE_FILE} holds no checkpoint: recovered {len(self.checkpoints)} from"
                f" {gitrange.CHECKPOINT_REFS} (the default phase starts at"
                f" {self.checkpoints[-1].sha[:12]}; `reviewtui checkpoint --drop` drops the last)"
            )
        self._missing = gitrange.missing_commits(self.root, [cp.sha for cp in self.checkpoints])
        self._warn_lost_checkpoints()
        self._warn_unkept(refs)

    def _warn_lost_checkpoints(self) -> None:
        lost = []
        for checkpoint in reversed(self.checkpoints):
            if checkpoint.sha not in self._missing:
                break
            lost.append(checkpoint.sha[:12])
        if not lost:
            return
        usable = self.last_checkpoint
        instead = (
            f"the phase starts at the checkpoint before it, {usable.sha[:12]}"
            if usable is not None
            else "the phase starts as if there were no checkpoint"
        )
        self.warnings.append(
            f"checkpoint {', '.join(lost)} is no longer in this repository (its ref deleted and"
            f" garbage-collected?): {instead}; `reviewtui checkpoint --drop` forgets it"
        )

    def _warn_unkept(self, refs: list[gitrange.CheckpointRef]) -> None:
        """A working-tree checkpoint no ref keeps alive: `git gc` will delete it."""
        last = self.last_checkpoint
        if last is None or last.sha == last.head or any(ref.sha == last.sha for ref in refs):
            return
        self.warnings.append(
            f"checkpoint {last.sha[:12]} (working tree) is kept by no ref under"
            f" {gitrange.CHECKPOINT_REFS}, so `git gc` may delete it: `reviewtui checkpoint --drop`"
            " drops it, `reviewtui checkpoint` records the working tree again"
        )

    def drop_last_checkpoint(self) -> tuple[Checkpoint, list[str]] | None:
        """Forget the last checkpoint recorded and delete the refs that kept its commit alive (none
        is deleted while another checkpoint still uses the commit); saves. Returns it and the refs
        deleted, or None when there is no checkpoint."""
        if not self.checkpoints:
            return None
        dropped = self.checkpoints[-1]
        shared = any(cp.sha == dropped.sha for cp in self.checkpoints[:-1])
        # the refs first: a failed save then leaves a checkpoint that is warned about, never one
        # that comes back from its refs
        refs = [] if shared else gitrange.drop_checkpoint_refs(self.root, dropped.sha)
        self.checkpoints.pop()
        self.save()
        return dropped, refs

    def _merge_exports(self, paths: list[str], hashes: Mapping[str, list[str]]) -> None:
        if not isinstance(self.exports, ExportPaths):  # a plain list assigned (a snapshot's)
            self.exports = ExportPaths(self.exports)
        self.exports.merge(paths, hashes)

    # ------------------------------------------------------------------ save

    def to_json(self) -> dict[str, Any]:
        """The state as written: entries kept for a newer reviewtui go back where they were (a
        decision made since on the same chunk replaces the kept one)."""
        kept = self._kept
        decisions = {key: value for key, value in kept.get("decisions", [])}
        decisions.update((key, asdict(value)) for key, value in self.decisions.items())
        return {
            "version": STATE_VERSION,
            "decisions": dict(sorted(decisions.items())),
            "requests": _reinserted([asdict(r) for r in self.requests], kept.get("requests", [])),
            "manual_links": dict(sorted(self.manual_links.items())),
            "checkpoints": _reinserted(
                [asdict(checkpoint) for checkpoint in self.checkpoints], kept.get("checkpoints", [])
            ),
            "exports": list(self.exports),
        }

    def save(self) -> None:
        """Write the state atomically: temp file, fsync, rename, fsync of the folder.

        Without the writer's lock, the lock is taken for the write (ReviewError naming the holder when
        another process, such as the open app, has it): a stale copy never overwrites its decisions."""
        if self._lock_handle is not None:
            self._write_state()
            return
        self.acquire_lock()
        try:
            self._write_state()
        finally:
            self.release_lock()

    def _write_state(self) -> None:
        try:
            text = json.dumps(self.to_json(), indent=2, ensure_ascii=False)
        except (RecursionError, ValueError) as error:  # an entry kept as read, nested too deep
            raise ReviewError(f"cannot save the review state: {_one_line(error)}") from None
        if self._original is not None:  # entries were left out: the file as read is kept first
            try:
                _keep_copy(self.path, self._original)
            except OSError as error:
                raise ReviewError(
                    f"cannot keep {self.path} aside before saving over it: {error.strerror}"
                ) from None
            self._original = None
        _write_atomic(self.path, text.encode("utf-8") + b"\n", ".state-", "the review state")

    def ensure_folder(self) -> None:
        """Create `.reviewtui/` with its `.gitignore` (cache and locks stay out of git)."""
        try:
            self.folder.mkdir(exist_ok=True)
            ignore = self.folder / ".gitignore"
            if not ignore.exists() or _stale_gitignore(ignore):
                ignore.write_text(GITIGNORE, encoding="utf-8")
        except OSError as error:
            raise ReviewError(f"cannot create {self.folder}: {error.strerror}") from None

    # ------------------------------------------------------------------ exports

    def record_export(self, target: Path, text: bytes | None = None) -> str | None:
        """Remember that the review was exported to `target`, with the SHA-256 of `text` (the bytes
        written; read back from `target` when None), so the file stays out of a phase while it holds
        that text. A file that cannot be read back is recorded without a hash (content unknown).

        Safe from any process, with or without the writer's lock and while the app runs: the path goes
        to `exports.json` (re-read and rewritten atomically under its own short lock), never to the
        decisions. Returns the repo-relative path recorded, or None for a file outside the repo or
        inside `.reviewtui/` (neither can show up in a phase)."""
        relative = self._repo_relative(target)
        if relative is None:
            return None
        written = _exported_text(self.root, target, text)
        hashes = {relative: [export_hash(written)]} if written is not None else {}
        self.ensure_folder()
        with self._exports_lock():
            _remove_stale_temps(self.folder, ".exports-")  # a killed exporter's (none is live)
            recorded = ExportPaths(*self._load_exports_file(locked=True, quiet=True))
            before = (list(recorded), {key: list(value) for key, value in recorded.hashes.items()})
            recorded.merge([relative], hashes)
            if (list(recorded), recorded.hashes) != before:
                _write_atomic(
                    self.exports_path, _exports_json(recorded), ".exports-", "the list of exports"
                )
        self._merge_exports([relative], hashes)
        return relative

    def _repo_relative(self, target: Path) -> str | None:
        path = target if target.is_absolute() else self.root / target
        try:
            relative = path.resolve().relative_to(self.root.resolve()).as_posix()
        except ValueError:
            return None
        if relative == STATE_DIR or relative.startswith(f"{STATE_DIR}/") or relative == ".":
            return None
        return relative

    @contextlib.contextmanager
    def _exports_lock(self) -> Iterator[None]:
        lock_path = self.folder / EXPORTS_LOCK_FILE
        try:
            handle = open(lock_path, "a+", encoding="utf-8")  # noqa: SIM115 - closed below
        except OSError as error:
            raise ReviewError(f"cannot open {lock_path}: {error.strerror}") from None
        try:
            _flock_within(handle, EXPORTS_LOCK_TIMEOUT, lock_path)
            yield
        finally:
            handle.close()  # closing drops the flock

    # ------------------------------------------------------------------ lock

    def acquire_lock(self) -> None:
        """Become the only writer of this repo's state, or raise ReviewError naming the holder."""
        if self._lock_handle is not None:
            return
        self.ensure_folder()
        lock_path = self.folder / LOCK_FILE
        try:
            handle = open(lock_path, "a+", encoding="utf-8")  # noqa: SIM115 - held for the session
        except OSError as error:
            raise ReviewError(f"cannot open the lock {lock_path}: {error.strerror}") from None
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:  # EWOULDBLOCK/EAGAIN: the one error meaning "held"
            handle.seek(0)
            holder = handle.read().strip() or "unknown"
            handle.close()
            raise ReviewError(
                f"another reviewtui is already reviewing this repo (pid {holder}); close it first"
            ) from None
        except OSError as error:  # ENOLCK on some network filesystems, EINTR, ...
            handle.close()
            raise ReviewError(f"cannot lock {lock_path}: {error.strerror}") from None
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        self._lock_handle = handle
        _remove_stale_temps(self.folder, ".state-")

    def release_lock(self) -> None:
        if self._lock_handle is None:
            return
        with contextlib.suppress(OSError):
            self._lock_handle.seek(0)
            self._lock_handle.truncate()
            fcntl.flock(self._lock_handle.fileno(), fcntl.LOCK_UN)
        self._lock_handle.close()
        self._lock_handle = None


# --------------------------------------------------------------------------- validation


class _UnknownValue(ValueError):
    """A field holds a string its `Literal` does not list: written by a newer reviewtui, or by hand."""


@dataclass
class _Problems:
    """What one load of the state could not use, as one-line descriptions."""

    dropped: list[str] = field(default_factory=list)
    """Entries (or whole sections) of the wrong shape: left out."""
    kept: list[str] = field(default_factory=list)
    """Entries with an unknown status or kind: left out of the review, written back on save."""

    def section(self, data: dict[str, Any], key: str, kind: type[Any]) -> Any:
        """`data[key]` when it is a `kind` (dict or list); empty, and reported, when it is not."""
        value = data.get(key, kind())
        if isinstance(value, kind):
            return value
        self.dropped.append(f"{key} is not {'an object' if kind is dict else 'a list'}")
        return kind()


def _parse(raw: bytes, path: Path, newest: int = STATE_VERSION, what: str = "state version") -> Any:
    """The JSON object in `raw`, of a version this reviewtui reads (see `_check_version`)."""
    data = json.loads(raw.decode("utf-8"))
    _check_version(data, newest, path, what)
    return data


def _entries(count: int) -> str:
    return f"{count} entry" if count == 1 else f"{count} entries"


def _listed(problems: list[str], shown: int = 3) -> str:
    more = f"; and {len(problems) - shown} more" if len(problems) > shown else ""
    return "; ".join(problems[:shown]) + more


_REPR = reprlib.Repr()
_REPR.maxstring = _REPR.maxother = 80


def _short(value: Any) -> str:
    """A JSON value for a one-line message: bounded in depth and length (never a RecursionError)."""
    return _REPR.repr(value)


def _reinserted(entries: list[Any], kept: list[tuple[Any, Any]]) -> list[Any]:
    """`entries` with the kept ones back at the positions they were read from."""
    merged = list(entries)
    for position, value in sorted(kept, key=lambda pair: pair[0]):
        merged.insert(min(position, len(merged)), value)
    return merged


def _check_version(data: Any, newest: int, path: Path, what: str) -> None:
    """A JSON object with a version this reviewtui reads; ValueError (corrupt) or ReviewError (newer)."""
    if not isinstance(data, dict):
        raise ValueError("not a JSON object")
    version = data.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise ValueError("no version")
    if version > newest:
        raise ReviewError(
            f"{path} was written by a newer reviewtui ({what} {version}); upgrade reviewtui"
        )


def _read_exports(data: dict[str, Any]) -> list[str]:
    values = data.get("exports", [])
    if not isinstance(values, list) or not all(isinstance(v, str) and v for v in values):
        raise ValueError("exports must be a list of paths")
    return list(values)


def _read_export_hashes(
    data: dict[str, Any], paths: list[str]
) -> tuple[dict[str, list[str]], list[str]]:
    """The hashes of the exported texts (path -> SHA-256 hex list), read entry by entry (optional:
    absent in an older reviewtui's file), and the entries of the wrong shape, described."""
    section = data.get(EXPORT_HASH_KEY, {})
    if not isinstance(section, dict):
        return {}, [f"{EXPORT_HASH_KEY} is not an object"]
    hashes: dict[str, list[str]] = {}
    dropped: list[str] = []
    for path, values in section.items():
        if path not in paths:
            continue  # an export an older reviewtui dropped from the list: nothing to leave out
        if isinstance(values, list) and values and all(_is_sha256(value) for value in values):
            hashes[path] = list(values)[-EXPORT_HASHES_KEPT:]
        else:
            dropped.append(
                f"{EXPORT_HASH_KEY}[{path!r}] must be a list of SHA-256, not {_short(values)}"
            )
    return hashes, dropped


def _is_sha256(value: Any) -> bool:
    return (
        isinstance(value, str)
        and len(value) == 64
        and all(char in "0123456789abcdef" for char in value)
    )


def _exports_json(exports: ExportPaths) -> bytes:
    """`exports.json` as written: the paths, and the hashes only when there are some (so a file
    without them reads as an older reviewtui's does)."""
    payload: dict[str, Any] = {"version": EXPORTS_VERSION, "exports": list(exports)}
    hashes = {path: values for path, values in exports.hashes.items() if values}
    if hashes:
        payload[EXPORT_HASH_KEY] = hashes
    return json.dumps(payload, indent=2, ensure_ascii=False).encode("utf-8") + b"\n"


def _exported_text(root: Path, target: Path, text: bytes | None) -> bytes | None:
    """The bytes exported to `target`: `text`, else what the file holds (None when unreadable)."""
    if text is not None:
        return text
    path = target if target.is_absolute() else root / target
    try:
        return path.read_bytes()
    except OSError:
        return None  # recorded without a hash: an export of unknown content, shown when it changes


def _build(cls: type[Any], value: Any, where: str) -> Any:
    """Make a dataclass from a JSON object whose every field has its declared type.

    Keys a later version may have added are ignored; a missing required field or a value of the
    wrong type raises ValueError naming the field; when the only faults are strings outside a
    `Literal`'s allowed set, `_UnknownValue` (a ValueError) naming the first."""
    if not isinstance(value, dict):
        raise ValueError(f"{where} is not an object")
    hints = get_type_hints(cls)
    known: dict[str, Any] = {}
    unknown: _UnknownValue | None = None
    for item in fields(cls):
        if item.name in value:
            try:
                _check_type(value[item.name], hints[item.name], f"{where}.{item.name}")
            except _UnknownValue as error:
                unknown = unknown or error
            known[item.name] = value[item.name]
        elif item.default is MISSING and item.default_factory is MISSING:
            raise ValueError(f"{where} has no {item.name}")
    if unknown is not None:
        raise unknown
    return cls(**known)


def _check_type(value: Any, hint: Any, where: str) -> None:
    if _fits(value, hint):
        return
    message = f"{where} must be {_describe(hint)}, not {_short(value)}"[:200]
    if get_origin(hint) is Literal and all(
        type(value) is type(choice) is str for choice in get_args(hint)
    ):
        raise _UnknownValue(message)
    raise ValueError(message)


def _fits(value: Any, hint: Any) -> bool:
    """Whether a JSON value fits one of the simple annotations the state's dataclasses use."""
    origin = get_origin(hint)
    if origin is Literal:
        return any(type(value) is type(choice) and value == choice for choice in get_args(hint))
    if origin in (Union, types.UnionType):
        return any(_fits(value, arg) for arg in get_args(hint))
    if hint is type(None):
        return value is None
    if hint is bool:
        return isinstance(value, bool)
    if hint is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if hint is float:
        return isinstance(value, int | float) and not isinstance(value, bool)
    if hint is str:
        return isinstance(value, str)
    if origin is list:
        (item,) = get_args(hint)
        return isinstance(value, list) and all(_fits(entry, item) for entry in value)
    if origin is dict:
        _, item = get_args(hint)
        return isinstance(value, dict) and all(_fits(entry, item) for entry in value.values())
    # a programming error, not a corrupt file: never caught by the move-aside path
    raise NotImplementedError(  # reviewtui: ignore[stub-code]
        f"the state cannot check a field of type {hint}"
    )


def _describe(hint: Any) -> str:
    origin = get_origin(hint)
    if origin is Literal:
        return "one of " + ", ".join(str(choice) for choice in get_args(hint))
    if origin in (Union, types.UnionType):
        return " or ".join(_describe(arg) for arg in get_args(hint))
    if origin in (list, dict):
        return f"a {origin.__name__} of {_describe(get_args(hint)[-1])}"
    names = {type(None): "null", str: "a string", int: "an integer", float: "a number"}
    return names.get(hint, "true or false" if hint is bool else str(hint))


# --------------------------------------------------------------------------- files


def _read_bytes(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as error:
        raise ReviewError(f"cannot read {path}: {error.strerror}") from None


def _write_atomic(path: Path, payload: bytes, prefix: str, what: str) -> None:
    """`_replace_atomically`, its failure a one-line ReviewError naming `what`."""
    try:
        _replace_atomically(path, payload, prefix)
    except OSError as error:
        raise ReviewError(f"cannot save {what} to {path}: {error.strerror}") from None


def _replace_atomically(path: Path, payload: bytes, prefix: str) -> None:
    """Temp file in the same folder, fsync, rename over `path`, fsync of the folder (OSError, the
    temp file removed, when a step fails)."""
    handle, temp = tempfile.mkstemp(prefix=prefix, suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(payload)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temp, path)
    except OSError:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise
    _fsync_dir(path.parent)


def _move_aside(path: Path) -> Path:
    aside = _aside_name(path)
    try:
        os.replace(path, aside)
    except OSError as error:
        raise ReviewError(
            f"{path} is corrupt and cannot be moved aside: {error.strerror}"
        ) from None
    return aside


def _keep_copy(path: Path, raw: bytes) -> Path:
    """A copy of `raw` (what `path` held) beside it, as `<name>.corrupt-<time>`, written atomically;
    an existing copy with the same bytes is reused. OSError when it cannot be written."""
    for existing in sorted(path.parent.glob(f"{path.name}.corrupt-*")):
        with contextlib.suppress(OSError):
            if existing.stat().st_size == len(raw) and existing.read_bytes() == raw:
                return existing
    aside = _aside_name(path)
    _replace_atomically(aside, raw, ".aside-")
    return aside


def _aside_name(path: Path) -> Path:
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    aside = path.with_name(f"{path.name}.corrupt-{stamp}")
    counter = 1
    while aside.exists():
        aside = path.with_name(f"{path.name}.corrupt-{stamp}-{counter}")
        counter += 1
    return aside


def _remove_stale_temps(folder: Path, prefix: str) -> None:
    """Temp files a killed writer left behind (only the lock holder writes them, so none is live)."""
    for temp in folder.glob(f"{prefix}*.tmp"):
        with contextlib.suppress(OSError):
            temp.unlink()


def _stale_gitignore(ignore: Path) -> bool:
    """A `.gitignore` an older reviewtui wrote, missing lines this one needs."""
    text = ignore.read_text(encoding="utf-8", errors="replace")
    return text.startswith(GITIGNORE_HEADER) and text != GITIGNORE


def _flock_within(handle: IO[str], timeout: float, lock_path: Path) -> None:
    """Take an exclusive flock on `handle`, retrying for up to `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            if time.monotonic() >= deadline:
                raise ReviewError(f"{lock_path} stayed locked by another process") from None
            time.sleep(0.02)
        except OSError as error:
            raise ReviewError(f"cannot lock {lock_path}: {error.strerror}") from None


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


def _recovered(refs: list[gitrange.CheckpointRef]) -> list[Checkpoint]:
    """Checkpoints rebuilt from their refs, oldest first (a ref repeating the one before is skipped)."""
    checkpoints: list[Checkpoint] = []
    for ref in refs:
        if checkpoints and checkpoints[-1].sha == ref.sha:
            continue
        head = ref.parent if ref.snapshot and ref.parent else ref.sha
        label = "working tree" if ref.snapshot else "HEAD"
        created = _utc_iso(ref.date)
        checkpoints.append(
            Checkpoint(ref.sha, head, created, f"{label}, recovered from {ref.name}")
        )
    return checkpoints


def _utc_iso(date: str) -> str:
    """git's ISO-8601 date in the form `now_iso` writes (UTC, `Z`); as it is when git's is odd."""
    try:
        moment = datetime.fromisoformat(date)
    except ValueError:
        return date
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _mtime(path: Path) -> int | None:
    try:
        return path.stat().st_mtime_ns
    except OSError:
        return None


def _one_line(error: BaseException) -> str:
    return " ".join(str(error).split())[:120]
