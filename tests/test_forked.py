"""The checks run in a forked child while the session links (where forking is safe), with the same
results as in one process; a child's exception reaches the parent, a dead child is reported."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

from reviewtui.core.forked import ForkedCall, ForkFailed, can_fork
from reviewtui.core.phasecache import PhaseCache
from reviewtui.core.report import status_json
from reviewtui.core.session import ReviewSession
from reviewtui.errors import ReviewError


def _forked() -> None:
    if not can_fork():
        pytest.skip("no fork here (not Linux, one core, or other threads running)")


def _add(a: int, b: int, *, times: int = 1) -> tuple[int, int]:
    return (a + b) * times, os.getpid()


def _fail(message: str) -> None:
    raise ReviewError(message)


def _die() -> None:
    os._exit(3)


def _unpicklable() -> object:
    return lambda: None


def test_the_call_runs_in_a_child_and_returns_its_result() -> None:
    _forked()
    call = ForkedCall.start(_add, 2, 3, times=4)
    assert call is not None
    total, pid = call.result()
    assert total == 20
    assert pid != os.getpid()


def test_the_childs_exception_is_raised_in_the_parent() -> None:
    _forked()
    call = ForkedCall.start(_fail, "no such rule")
    assert call is not None
    with pytest.raises(ReviewError, match=r"^no such rule$"):
        call.result()


def test_a_child_that_dies_without_a_result_is_reported() -> None:
    _forked()
    call = ForkedCall.start(_die)
    assert call is not None
    with pytest.raises(ForkFailed):
        call.result()


def test_a_result_that_cannot_be_sent_is_reported() -> None:
    _forked()
    call = ForkedCall.start(_unpicklable)
    assert call is not None
    with pytest.raises(ForkFailed):
        call.result()


def test_an_abandoned_child_is_stopped_and_reaped() -> None:
    _forked()
    call = ForkedCall.start(threading.Event().wait)
    assert call is not None
    call.abandon()
    with pytest.raises(ChildProcessError):
        os.waitpid(call._pid, os.WNOHANG)


def test_no_fork_while_another_thread_runs() -> None:
    stop = threading.Event()
    thread = threading.Thread(target=stop.wait)
    thread.start()
    try:
        assert not can_fork()
        assert ForkedCall.start(_add, 1, 2) is None
    finally:
        stop.set()
        thread.join()


def test_a_session_checked_in_a_child_prints_what_one_process_prints(demo_copy: Path) -> None:
    _forked()
    forked = status_json(ReviewSession.open(demo_copy, no_llm=True))
    for entry in PhaseCache().entries():
        entry.unlink()  # open again from scratch, this time in a worker thread: no fork
    found: dict[str, str] = {}

    def open_in_thread() -> None:
        found["text"] = status_json(ReviewSession.open(demo_copy, no_llm=True))

    thread = threading.Thread(target=open_in_thread)
    thread.start()
    thread.join()
    assert found["text"] == forked
    assert '"flags": [\n        {' in forked  # the demo's flags came back from the child
