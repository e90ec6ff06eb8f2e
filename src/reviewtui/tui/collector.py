"""Provides `LongLivedObjects`: keeps the session's objects out of the cyclic garbage collector's passes.

A phase of a few thousand chunks is hundreds of thousands of Python objects (chunks, diff lines,
links, spec sections) that live as long as the app. Python's collector walks every one of them on
each full (oldest generation) pass; on the team's machine such a pass took 140–330 ms and fell
every hundred key presses or so, in the middle of a move. `gc.freeze()` moves the objects alive at
that moment to a permanent generation that the collector skips: the review's key presses then only
pay for the objects they create. When the app ends, the frozen objects are handed back to the
collector, so a process that opens several reviews (the tests do) still frees them.
"""

from __future__ import annotations

import gc


class LongLivedObjects:
    """Freezes the objects alive now (after a collection) and unfreezes them on `release`."""

    def __init__(self) -> None:
        self.frozen = False

    def freeze(self, *, collect: bool = True) -> None:
        """Collect the garbage left by loading (unless `collect` is False), then freeze the rest."""
        if collect:
            gc.collect()
        gc.freeze()
        self.frozen = True

    def release(self) -> None:
        """Give the frozen objects back to the collector (safe to call twice)."""
        if self.frozen:
            gc.unfreeze()
            self.frozen = False
