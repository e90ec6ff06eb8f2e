"""Provides `collector_paused`: the cyclic garbage collector paused for a stretch of work.

Parsing, cutting, checking and linking a phase allocate millions of small objects that live until the
stage ends (syntax-tree nodes, diff lines, postings) and hold no reference cycles worth collecting;
every collection pass in between would walk them all again. The collector's previous state is
restored afterwards, so nesting is harmless.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector meanwhile; its previous state is restored after."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
