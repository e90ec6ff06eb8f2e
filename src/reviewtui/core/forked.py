"""Provides `ForkedCall`: a function run in a forked child process while the caller goes on, its
result read back through a pipe.

Opening a large phase runs the checks and the linking one after the other, though neither needs the
other's result. On a machine with a spare core the session checks in a child (which inherits the
chunks and parsed files without copying them) while it links. A fork is only made where it is safe
and pays: on Linux, with more than one core, from a process running a single thread (the app opens
its session in a worker thread, so it never forks). Otherwise `start` returns None and the caller
runs the function itself.

The child never returns into the caller's code: it sends the pickled result (or the exception) and
ends with `os._exit`. A child that dies without a result, or whose result or exception cannot be
read back (an exception class whose `__init__` takes other arguments cannot be unpickled), raises
`ForkFailed` in the parent, so the caller runs the call itself. The child sends its exception's
type and message first, as plain text, so `ForkFailed` still says what the child raised.
`run_detached` forks a child nobody waits for (the phase cache writes its entries so).
"""

from __future__ import annotations

import contextlib
import io
import os
import pickle
import signal
import sys
import threading
from collections.abc import Callable
from typing import Any, Generic, TypeVar

T = TypeVar("T")


class ForkFailed(Exception):
    """The child ended without sending a result (killed, or its result could not be pickled), or
    what it sent could not be read back: run the call in-process instead."""


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
        """Stop the child (its result is no longer wanted) and reap it (safe to call twice)."""
        with contextlib.suppress(ProcessLookupError, ChildProcessError):  # reaped already
            os.kill(self._pid, signal.SIGKILL)  # (an ended child stays until reaped: never missing)
            self._close_reader()
            os.waitpid(self._pid, 0)
        self._close_reader()

    def result(self) -> T:
        """The call's return value; re-raises its exception; ForkFailed when the child sent nothing
        or what it sent cannot be read back (its message names what the child raised, if it did).
        Interrupted while it waits (a KeyboardInterrupt, say), it stops the child first."""
        try:
            data, code = self._wait()
        except BaseException:  # no child left behind, running on for nobody
            self.abandon()
            raise
        raised = _read_description(data)
        if code != 0 or raised is None:
            also = f" (it raised {raised})" if raised else ""
            raise ForkFailed(f"the child process ended with status {code} and no result{also}")
        try:
            ok, value = pickle.load(data)
        except Exception as error:  # any class's __setstate__ or __init__ may raise anything
            what = f"exception ({raised})" if raised else "result"
            raise ForkFailed(
                f"the child's {what} could not be read back: {describe(error)}"
            ) from error
        if not ok:
            raise value
        return value

    def _wait(self) -> tuple[io.BytesIO, int]:
        """What the child sent, and its exit code once it ended (reaped)."""
        with os.fdopen(self._reader, "rb", closefd=False) as stream:
            data = io.BytesIO(stream.read())
        self._close_reader()
        _pid, status = os.waitpid(self._pid, 0)
        return data, os.waitstatus_to_exitcode(status)

    def _close_reader(self) -> None:
        if self._reader >= 0:
            reader, self._reader = self._reader, -1
            os.close(reader)


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


def describe(error: BaseException) -> str:
    """An exception as one line of text: its type and message."""
    return " ".join(f"{type(error).__name__}: {error}".split())


def _read_description(data: io.BytesIO) -> str | None:
    """The child's first message: "" after a result, the exception's `describe` text after an
    exception; None when the child sent nothing (it died before)."""
    try:
        text = pickle.load(data)
    except (EOFError, pickle.UnpicklingError):  # nothing, or cut short: the child died
        return None
    return text if isinstance(text, str) else None


def _run_child(
    writer: int, function: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]
) -> None:
    """In the child: run the call, send the exception's description ("" for a result) and then
    `(True, result)` or `(False, exception)`, and exit."""
    code = 1
    try:
        with os.fdopen(writer, "wb") as stream:
            try:
                outcome, raised = (True, function(*args, **kwargs)), ""
            except Exception as error:  # sent to the parent, which raises it
                outcome, raised = (False, error), describe(error)
            stream.write(pickle.dumps(raised, pickle.HIGHEST_PROTOCOL))
            # what cannot be pickled ends the child without a result: the parent then runs the call
            stream.write(pickle.dumps(outcome, pickle.HIGHEST_PROTOCOL))
        code = 0
    finally:
        os._exit(code)
