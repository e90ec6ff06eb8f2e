"""Provides `probe_phase`: a phase's range, spec and files read without assembling a session, for
the commands that need little of it (`requests`, `checkpoint`).

A `PhaseProbe` tells whether the phase cache holds the phase's results (an earlier `status`, export
or app opening of the same phase stored them), and counts the phase's pending and flagged chunks
from those results, or, without them, from the chunks alone: cut, never checked nor linked, which
is most of the cost of a first opening. The range, spec, settings and files are read exactly as
`ReviewSession.open` reads them, so the cache key is the same and the counts are the session's.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from reviewtui.config import Settings, load_settings
from reviewtui.core.gcpause import collector_paused
from reviewtui.core.models import Chunk, Phase, Spec
from reviewtui.core.phasecache import PhaseCache
from reviewtui.core.session import Progress, ReviewSession, read_phase
from reviewtui.core.state import ReviewState

__all__ = ["PhaseProbe", "probe_phase"]


@dataclass
class PhaseProbe:
    """A phase read as far as its files: what the cache key and a count of its chunks need."""

    root: Path
    settings: Settings
    state: ReviewState
    spec: Spec
    phase: Phase
    key: str | None
    """The phase cache's key for this phase (None: a phase without a digest, never cached)."""
    cache: PhaseCache

    @property
    def cached(self) -> bool:
        """Whether the phase cache holds this phase's results (an empty phase needs none)."""
        if not self.phase.files:
            return True
        return self.key is not None and self.cache.has(self.key)

    def chunks(self) -> list[Chunk]:
        """The phase's chunks: from the phase cache, else cut here (no checks, no linking)."""
        if not self.phase.files:
            return []
        if self.key is not None and self.cache.has(self.key):
            with collector_paused():
                results = self.cache.load(self.key)
            if results is not None:
                return results.chunks
        from reviewtui.core.chunks import cut_chunks

        with collector_paused():
            return cut_chunks(self.phase.files, self.phase.commits, self.settings.chunks)

    def progress(self) -> Progress:
        """The decision counts over the phase's chunks, as `ReviewSession.progress` gives them
        (a decision recorded under the other form of a chunk's id counts, too)."""
        session = ReviewSession(
            self.root, self.phase, self.spec, self.chunks(), {}, {}, self.state, self.settings
        )
        return session.progress()


def probe_phase(
    root: Path,
    state: ReviewState,
    range_text: str | None = None,
    specs: list[str] | None = None,
    spec_phase: str | None = None,
) -> PhaseProbe:
    """Read the phase `range_text` of the repo at `root` (its top folder) as `ReviewSession.open`
    does, up to its files; raises ReviewError as it does (no spec found, a bad range…)."""
    settings = load_settings(root)
    if spec_phase is not None:
        settings.phase = spec_phase
    spec, phase, reviewed = read_phase(root, settings, state, range_text, specs)
    cache = PhaseCache()
    key = cache.key(phase, spec, settings, state.manual_links, reviewed.left_out)
    return PhaseProbe(root, settings, state, spec, phase, key, cache)
