"""Provides `ForkedCall`: a function run in a forked child process while the caller goes on, its
result read back through a pipe.

Opening a large phase runs the checks and the linking one after the other, though neither needs the
other's result. On a machine with a spare core the session checks in a child (which inherits the
chunks and parsed files without copying them) while it links. A fork is only made where it is safe
and pays: on Linux, with more than one core, from a process running a single thread (the app opens
its session in a worker thread, so it never forks). Otherwise `start` returns None and the caller
runs the function itself.

The child never returns into the caller's code: it sends the pickled result (or the exception) and
ends with `os._exit`. A child that dies without a result raises `ForkFailed` in the parent.
`run_detached` forks a child nobody waits for (the phase cache writes its entries so).
"""

from __future__ import annotations

import os
import pickle
import signal
import sys
import threading
from collections.abc import Callable
from typing import Any, Generic, TypeVar

T = TypeVar("T")


class ForkFailed(Exception):
    """The child ended without sending a result (killed, or its result could not be pickled)."""


class ForkedCall(Generic[T]):
    """`function(*args, **kwargs)` running in a child process; `result()` waits for it."""

    def __init__(self, pid: int, reader: int) -> None:
        self._pid = pid
        self._reader = reader

    @classmethod
    def start(cls, function: Callable[..., T], *args: Any, **kwargs: Any) -> ForkedCall[T] | None:
        """Fork a child running the call, or None where forking is not safe or would not pay."""
        if not can_fork():
            return None
        reader, writer = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child
            os.close(reader)
            _run_child(writer, function, args, kwargs)
        os.close(writer)
        return cls(pid, reader)

    def abandon(self) -> None:
        """Stop the child (its result is no longer wanted) and reap it."""
        os.kill(self._pid, signal.SIGKILL)  # (an ended child stays until reaped: never missing)
        os.close(self._reader)
        os.waitpid(self._pid, 0)

    def result(self) -> T:
        """The call's return value; re-raises its exception; ForkFailed when the child sent nothing."""
        with os.fdopen(self._reader, "rb") as stream:
            data = stream.read()
        _pid, status = os.waitpid(self._pid, 0)
        if not data or os.waitstatus_to_exitcode(status) != 0:
            raise ForkFailed(f"the child process ended with status {status} and no result")
        ok, value = pickle.loads(data)
        if not ok:
            raise value
        return value


def run_detached(function: Callable[..., Any], *args: Any) -> int | None:
    """Run `function(*args)` in a forked child the caller does not wait for (its standard streams
    go to /dev/null, so a pipe reading the caller's output ends with the caller); returns the
    child's pid, or None where forking is not safe (then the caller runs it itself). Reap the child
    with `os.waitpid` when its work is needed."""
    if not can_fork():
        return None
    pid = os.fork()
    if pid != 0:
        return pid
    code = 1
    try:
        null = os.open(os.devnull, os.O_RDWR)
        for stream in (0, 1, 2):
            os.dup2(null, stream)
        function(*args)
        code = 0
    finally:
        os._exit(code)


def can_fork() -> bool:
    """Linux, more than one core, and no other thread in this process."""
    return (
        sys.platform.startswith("linux")
        and (os.cpu_count() or 1) > 1
        and threading.active_count() == 1
        and threading.current_thread() is threading.main_thread()
    )


def _run_child(
    writer: int, function: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]
) -> None:
    """In the child: run the call, send `(True, result)` or `(False, exception)`, and exit."""
    code = 1
    try:
        try:
            outcome = (True, function(*args, **kwargs))
        except Exception as error:  # sent to the parent, which raises it
            outcome = (False, error)
        # what cannot be pickled ends the child without a result: the parent then runs the call
        payload = pickle.dumps(outcome, pickle.HIGHEST_PROTOCOL)
        with os.fdopen(writer, "wb") as stream:
            stream.write(payload)
        code = 0
    finally:
        os._exit(code)
