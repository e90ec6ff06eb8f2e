"""Provides `PhaseCache`: a phase's chunks, flags, ledger and links kept on disk, so opening the same
phase again (`status`, `export`, the app) skips parsing, cutting, checking and linking.

An entry is found by a key over everything those results derive from: the phase's digest (git's raw
diff with its blob ids, and the revisions) and the files' texts as read, the spec, the chunk, link and check settings, the
reviewer's manual links, the files left out as the review's own, and the code that computes them
(every source file of the installed `reviewtui`, by size and modification time, the Python and
Pygments versions). Any change gives a new key; the reviewer's decisions are not part of the results,
so approving a chunk keeps the entry. LLM links are merged on top afterwards, as without the cache.

Entries live in the user's cache folder (`platformdirs`), never in the repository: a repository
cannot plant one. The newest `MAX_ENTRIES` are kept. Where forking is safe a child process writes
the entry, so `status` prints without waiting for it. An entry that cannot be read (cut short,
written by another version) counts as absent and is written again.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import sys
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from reviewtui.core.forked import run_detached
from reviewtui.core.models import Chunk, Flag, Phase, SectionLink, Spec

if TYPE_CHECKING:
    from reviewtui.config import Settings
    from reviewtui.core.checks import Ledger

CACHE_FORMAT = 2
"""Bumped when the stored shape changes."""
MAX_ENTRIES = 16
"""Entries kept (the least recently used are removed)."""
_UNREADABLE = (
    OSError,
    EOFError,
    pickle.UnpicklingError,
    AttributeError,
    ImportError,
    IndexError,
    TypeError,
    ValueError,
)
"""What reading a cut-short or foreign entry raises: it then counts as absent."""


@dataclass
class PhaseResults:
    """What the cache keeps for one phase: the chunks (in cut order) and what derives from them."""

    chunks: list[Chunk]
    flags: dict[str, list[Flag]]
    ledger: Ledger
    links: dict[str, SectionLink]
    check_warnings: list[str] = field(default_factory=list)
    """Rules that failed on a file and were skipped there (see `checks.PhaseChecks.warnings`)."""


class PhaseCache:
    """The phase results on disk under `folder`, one file per key."""

    def __init__(self, folder: Path | None = None) -> None:
        self.folder = folder if folder is not None else default_folder()

    def key(
        self,
        phase: Phase,
        spec: Spec,
        settings: Settings,
        manual_links: dict[str, str | None],
        own_files: Iterable[str],
    ) -> str | None:
        """The key of the results of this phase, or None when the phase has no digest."""
        if not phase.digest:
            return None
        digest = hashlib.sha256()
        parts = (
            CACHE_FORMAT,
            code_stamp(),
            phase.digest,
            sorted(own_files),
            spec,
            settings.chunks,
            settings.links,
            settings.checks,
            settings.phase,  # the ledger judges by the phase chosen (see `session.ledger_phase`)
            sorted(manual_links.items(), key=lambda item: (item[0], item[1] or "")),
        )
        for part in parts:
            digest.update(repr(part).encode("utf-8", "surrogatepass") + b"\0")
        for file in phase.files:  # the texts as read (what is loaded depends on limits, too)
            text = "\0(none)" if file.new_text is None else file.new_text
            digest.update(f"\0{file.path}\0{len(text)}\0".encode("utf-8", "surrogatepass"))
            digest.update(text.encode("utf-8", "surrogatepass"))
        return digest.hexdigest()

    def has(self, key: str) -> bool:
        """Whether an entry is stored under `key` (it may still turn out unreadable)."""
        wait_for_writers()
        return self._path(key).is_file()

    def load(self, key: str) -> PhaseResults | None:
        """The results stored under `key`, or None (absent or unreadable)."""
        wait_for_writers()
        path = self._path(key)
        try:
            with path.open("rb") as handle:
                results = pickle.load(handle)
        except _UNREADABLE:
            return None
        if not isinstance(results, PhaseResults):
            return None
        _touch(path)
        return results

    def store(self, key: str, results: PhaseResults) -> None:
        """Keep `results` under `key`: written by a forked child where that is safe (the caller goes
        on at once; this process's next `load` or `entries` waits for it), else here."""
        pid = run_detached(self.write, key, results)
        if pid is None:
            self.write(key, results)
        else:
            _writers.append(pid)

    def write(self, key: str, results: PhaseResults) -> None:
        """Write `results` under `key` now (atomically; a folder that cannot be written is skipped:
        the cache only saves time), keeping the newest `MAX_ENTRIES`."""
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(dir=self.folder, prefix=".entry-")
        except OSError:
            return
        try:
            with os.fdopen(handle, "wb") as stream:
                pickle.dump(results, stream, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(temporary, self._path(key))
        except (OSError, pickle.PicklingError):  # a full disk, say: no entry, nothing half-written
            Path(temporary).unlink(missing_ok=True)
            return
        self._prune()

    def entries(self) -> list[Path]:
        """The stored entries, least recently used first."""
        wait_for_writers()
        return self._stored()

    def _path(self, key: str) -> Path:
        return self.folder / f"{key}.pickle"

    def _prune(self) -> None:
        for path in self._stored()[:-MAX_ENTRIES]:
            path.unlink(missing_ok=True)

    def _stored(self) -> list[Path]:
        try:
            paths = list(self.folder.glob("*.pickle"))
        except OSError:
            return []
        return sorted(paths, key=_mtime)


_writers: list[int] = []
"""Children of this process still writing entries."""


def wait_for_writers() -> None:
    """Wait until the entries this process handed to children are written."""
    while _writers:
        try:
            os.waitpid(_writers.pop(), 0)
        except ChildProcessError:
            continue  # already reaped by someone else: its entry is written


def default_folder() -> Path:
    """`phases/` in the user's cache folder for reviewtui."""
    import platformdirs

    return platformdirs.user_cache_path("reviewtui", appauthor=False) / "phases"


@lru_cache(maxsize=1)
def code_stamp() -> str:
    """The code the results come from: each source file of the package (path, size, modification
    time), the Python version and the Pygments version (its lexer table names chunk languages)."""
    import pygments

    package = Path(__file__).resolve().parent.parent
    digest = hashlib.sha256(f"{sys.version}\0{pygments.__version__}".encode())
    for path in sorted(package.rglob("*.py")):
        stat = path.stat()
        digest.update(f"\0{path.relative_to(package)}\0{stat.st_size}\0{stat.st_mtime_ns}".encode())
    return digest.hexdigest()


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return 0.0


def _touch(path: Path) -> None:
    try:
        os.utime(path)
    except OSError:
        return
