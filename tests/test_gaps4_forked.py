"""A forked call whose parent is interrupted while it waits (Ctrl+C in `status` or `export`, or a
signal the parent turns into an exception) stops and reaps its child: none runs on for nobody."""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator
from types import FrameType

import pytest

from reviewtui.core.forked import ForkedCall, can_fork


def _read_one_byte(reader: int) -> bytes:
    """Blocks: the child holds the pipe's write end too, and nobody writes."""
    return os.read(reader, 1)


def _interrupt(_signum: int, _frame: FrameType | None) -> None:
    raise KeyboardInterrupt


@pytest.fixture
def alarm() -> Iterator[None]:
    """SIGALRM raises KeyboardInterrupt (as Ctrl+C would) for the test's duration."""
    previous = signal.signal(signal.SIGALRM, _interrupt)
    yield
    signal.setitimer(signal.ITIMER_REAL, 0)
    signal.signal(signal.SIGALRM, previous)


def test_an_interrupted_wait_stops_and_reaps_the_child(alarm: None) -> None:
    if not can_fork():
        pytest.skip("no fork here (not Linux, one core, or other threads running)")
    reader, writer = os.pipe()
    try:
        call = ForkedCall.start(_read_one_byte, reader)
        assert call is not None
        signal.setitimer(signal.ITIMER_REAL, 0.05)
        with pytest.raises(KeyboardInterrupt):
            call.result()
    finally:
        os.close(reader)
        os.close(writer)
    with pytest.raises(ChildProcessError):  # reaped: no child left, not even a zombie
        os.waitpid(call._pid, os.WNOHANG)
    call.abandon()  # safe again
