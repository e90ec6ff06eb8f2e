"""Quitting the app while the phase loads is prompt: Ctrl+C or `q` on the loading screen ends the
app (and what the process waits for at its exit: the event loop's worker threads) at once, even
while the checks run, which take no cancel event. The exit code is the usual 0, no child process is
left, the state file is untouched, and the loading stores nothing and releases the lock once it ends.

The checks are played by the real `check_phase` behind a gate: it tells when it starts and waits
until the test opens the gate (at most `GATE` seconds), as a long check would. The process's
`main()` freezes the objects alive before the interpreter's exit, which would walk them all.
"""

from __future__ import annotations

import asyncio
import gc
import os
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from textual.worker import WorkerFailed

from reviewtui import cli
from reviewtui.core import checks
from reviewtui.core.models import Decision
from reviewtui.core.phasecache import PhaseCache
from reviewtui.core.state import ReviewState
from reviewtui.tui import app as app_module
from reviewtui.tui.app import ReviewApp
from tests.gitrepo import GitRepo

GATE = 10.0
"""Longest the gated checks wait: before the fix the app's exit waited that long."""
PROMPT = 1.0
"""The quit must be over within this (it takes a few tens of milliseconds)."""


class _GatedChecks:
    """`check_phase` that sets `started`, then waits for `gate` (or `GATE` s) before checking."""

    def __init__(self) -> None:
        self.real = checks.check_phase
        self.started = threading.Event()
        self.gate = threading.Event()
        self.threads: list[threading.Thread] = []

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        self.threads.append(threading.current_thread())
        self.started.set()
        self.gate.wait(GATE)
        return self.real(*args, **kwargs)


@pytest.fixture
def gated(monkeypatch: pytest.MonkeyPatch) -> Iterator[_GatedChecks]:
    stage = _GatedChecks()
    monkeypatch.setattr(checks, "check_phase", stage)
    yield stage
    stage.gate.set()  # never leave a loader waiting


@pytest.fixture
def repo(git_repo: GitRepo) -> GitRepo:
    git_repo.write("SPEC.md", "# S\n\n## 1 Data\n\nLoad the data.\n\n## 2 Train\n\nTrain it.\n")
    git_repo.commit("base")
    for number in range(6):
        body = "".join(f"def step_{number}_{k}(x):\n    return x * {k}\n\n\n" for k in range(8))
        git_repo.write(f"src/m{number}.py", body)
    return git_repo


def _children() -> set[int]:
    """This process's child processes (of all its threads)."""
    found: set[int] = set()
    for task in Path(f"/proc/{os.getpid()}/task").iterdir():
        found.update(int(pid) for pid in (task / "children").read_text().split())
    return found


def _state_with_a_decision(root: Path) -> bytes:
    """A state file as a previous review left it; returns its bytes."""
    state = ReviewState.load(root, lock=True)
    state.decisions["c0ffee"] = Decision("c0ffee", "approved", path="src/old.py")
    state.save()
    state.release_lock()
    return state.path.read_bytes()


async def _quit_while_checking(
    root: Path, gated: _GatedChecks, key: str
) -> tuple[ReviewApp, float]:
    """Open the app, press `key` once the checks run; the app and the seconds from the key press
    to the end of the app and of the event loop's worker threads (what `asyncio.run` waits for)."""
    app = ReviewApp(root, no_llm=True)
    async with app.run_test() as pilot:
        assert await asyncio.to_thread(gated.started.wait, GATE), "the checks never started"
        started = time.monotonic()
        await pilot.press(key)
    await asyncio.get_running_loop().shutdown_default_executor()
    return app, time.monotonic() - started


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
@pytest.mark.parametrize("key", ["ctrl+c", "q"])
async def test_quitting_while_the_checks_run_is_prompt_and_loses_nothing(
    repo: GitRepo, gated: _GatedChecks, key: str
) -> None:
    saved = _state_with_a_decision(repo.root)
    children = _children()
    app, elapsed = await _quit_while_checking(repo.root, gated, key)
    assert elapsed < PROMPT, f"the quit took {elapsed:.2f} s"
    assert (app.return_code or 0) == 0 and app.error is None and app.session is None
    assert _children() <= children  # no child process left behind
    (loader,) = gated.threads
    assert loader.is_alive() and loader.daemon  # dropped with the process, never waited for
    gated.gate.set()
    loader.join(GATE)  # (the event loop's executor is shut down: join here)
    assert not loader.is_alive()
    assert (repo.root / ".reviewtui" / "state.json").read_bytes() == saved  # untouched
    ReviewState.load(repo.root, lock=True).release_lock()  # the loader released the lock
    assert PhaseCache().entries() == []  # a cancelled loading stores nothing


async def test_a_loading_that_ends_normally_still_shows_the_review(
    repo: GitRepo, gated: _GatedChecks
) -> None:
    gated.gate.set()
    app = ReviewApp(repo.root, no_llm=True)
    async with app.run_test() as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert app.session is not None and len(app.session.chunks) >= 6
        assert type(app.screen).__name__ == "ReviewScreen"
    assert app.error is None


async def test_a_bug_in_the_loader_still_ends_the_app_with_its_traceback(
    repo: GitRepo, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(_root: Path) -> str:
        raise ZeroDivisionError("a bug in the loader")

    monkeypatch.setattr(app_module, "code_fingerprint", broken)
    app = ReviewApp(repo.root, no_llm=True)
    with pytest.raises(WorkerFailed, match="a bug in the loader"):  # raised as the app ends
        async with app.run_test() as pilot:
            with pytest.raises(WorkerFailed):
                await app.workers.wait_for_complete()
            await pilot.pause()
    assert app.session is None


def test_the_process_freezes_its_objects_before_the_interpreter_exits(
    repo: GitRepo, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(sys, "argv", ["reviewtui", "status", "--no-llm", "--repo", str(repo.root)])
    gc.unfreeze()
    try:
        assert cli.main(["status", "--no-llm", "--repo", str(repo.root)]) == 0
        assert gc.get_freeze_count() == 0  # a caller's argv: the process goes on, nothing frozen
        assert cli.main() == 0
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
    assert capsys.readouterr().out.count("changes: ") == 2  # both printed the status


async def test_quitting_during_a_reload_is_prompt_too(repo: GitRepo, gated: _GatedChecks) -> None:
    gated.gate.set()
    app = ReviewApp(repo.root, no_llm=True)
    async with app.run_test() as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert app.session is not None
        gated.gate.clear()
        gated.started.clear()
        repo.write("src/m0.py", "def changed(x):\n    return x + 1\n")  # a phase to compute again
        await pilot.press("R")
        assert await asyncio.to_thread(gated.started.wait, GATE), "the reload never checked"
        started = time.monotonic()
        await pilot.press("q")
    await asyncio.get_running_loop().shutdown_default_executor()
    elapsed = time.monotonic() - started
    assert elapsed < PROMPT, f"the quit took {elapsed:.2f} s"
    assert (app.return_code or 0) == 0 and app.error is None
    gated.gate.set()
    gated.threads[-1].join(GATE)
    assert not gated.threads[-1].is_alive()
    ReviewState.load(repo.root, lock=True).release_lock()  # the app released its lock
