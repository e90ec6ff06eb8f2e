"""Cancelling a session while it loads (the app's Ctrl+C): the loader stops within moments, in
whatever stage it is, stores nothing and releases the lock.

The linking and the checks are slowed by wrapping the real stage functions (the wrapper waits on an
event, then calls the real function): the opening runs in a thread, as in the app, and must give up
while the stage is still held.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from reviewtui.config import ChunkSettings
from reviewtui.core import checks, gitrange, links
from reviewtui.core.chunks import cut_chunks
from reviewtui.core.session import ReviewSession
from reviewtui.core.state import ReviewState
from reviewtui.errors import ReviewError
from tests.gitrepo import GitRepo

WAIT = 20.0
"""Longest a test waits for the opening thread (it ends at once when the fix works)."""


@pytest.fixture
def repo(git_repo: GitRepo) -> GitRepo:
    git_repo.write("SPEC.md", "# S\n\n## 1 Data\n\nLoad the data.\n\n## 2 Train\n\nTrain it.\n")
    git_repo.commit("base")
    for number in range(5):
        git_repo.write(f"src/m{number}.py", f"def load_{number}(path):\n    return open(path)\n")
    return git_repo


class _Opening:
    """`ReviewSession.open` in a thread, as the app's loader runs it."""

    def __init__(self, root: Path, cancel: threading.Event, **options: Any) -> None:
        self.error: BaseException | None = None
        self.session: ReviewSession | None = None
        self.thread = threading.Thread(target=self._run, args=(root, cancel, options), daemon=True)
        self.thread.start()

    def _run(self, root: Path, cancel: threading.Event, options: dict[str, Any]) -> None:
        try:
            self.session = ReviewSession.open(
                root, no_llm=True, lock=True, cancel=cancel, **options
            )
        except BaseException as error:
            self.error = error

    def wait(self) -> None:
        self.thread.join(WAIT)
        assert not self.thread.is_alive(), "the opening did not stop when cancelled"


class _HeldStage:
    """Wraps a stage: when it starts, sets `cancel` and holds until released, then runs it."""

    def __init__(self, real: Callable[..., Any], cancel: threading.Event) -> None:
        self.real = real
        self.cancel = cancel
        self.release = threading.Event()
        self.daemon: bool | None = None
        self.finished = threading.Event()

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        self.daemon = threading.current_thread().daemon
        self.cancel.set()
        self.release.wait(WAIT)
        try:
            return self.real(*args, **kwargs)
        finally:
            self.finished.set()


@pytest.fixture
def held(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[Any, str], _HeldStage]]:
    stages: list[_HeldStage] = []

    def hold(module: Any, name: str) -> _HeldStage:
        stage = _HeldStage(getattr(module, name), threading.Event())
        monkeypatch.setattr(module, name, stage)
        stages.append(stage)
        return stage

    yield hold
    for stage in stages:  # let an abandoned stage end before the next test
        stage.release.set()
        stage.finished.wait(WAIT)


def _assert_cancelled(opening: _Opening, root: Path) -> None:
    assert isinstance(opening.error, ReviewError)
    assert str(opening.error) == "cancelled"
    ReviewState.load(root, lock=True).release_lock()  # the lock was released


@pytest.mark.parametrize("stage", ["linking", "checks"])
def test_cancel_while_a_stage_runs_returns_without_waiting_for_it(
    repo: GitRepo, held: Callable[[Any, str], _HeldStage], stage: str
) -> None:
    module, name = (links, "link_chunks") if stage == "linking" else (checks, "check_phase")
    stage_call = held(module, name)
    opening = _Opening(repo.root, stage_call.cancel)
    opening.wait()
    assert not stage_call.release.is_set()  # the stage was still held: nobody waited for it
    assert stage_call.daemon is True  # the abandoned stage never keeps the process alive
    _assert_cancelled(opening, repo.root)


def test_a_cancelled_opening_stores_nothing_in_the_phase_cache(
    repo: GitRepo, held: Callable[[Any, str], _HeldStage]
) -> None:
    stage_call = held(checks, "check_phase")
    opening = _Opening(repo.root, stage_call.cancel)
    opening.wait()
    _assert_cancelled(opening, repo.root)
    stage_call.release.set()
    assert stage_call.finished.wait(WAIT)
    for expected in ("cutting chunks", "reading the chunks of the last opening"):
        again = _Opening(repo.root, threading.Event(), progress=_recording(steps := []))
        again.wait()
        assert again.session is not None and len(again.session.chunks) == 5
        again.session.close()
        assert expected in steps  # computed (nothing was stored), then read back (stored now)


def _recording(steps: list[str]) -> Callable[[str, float], None]:
    return lambda step, _fraction: steps.append(step)


def test_a_stage_error_still_reaches_the_caller(
    repo: GitRepo, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*_args: Any, **_kwargs: Any) -> Any:
        raise ReviewError("the linking broke")

    monkeypatch.setattr(links, "link_chunks", broken)
    opening = _Opening(repo.root, threading.Event())
    opening.wait()
    assert isinstance(opening.error, ReviewError)
    assert str(opening.error) == "the linking broke"


def test_cancel_during_the_git_steps_stops_at_the_next_step(repo: GitRepo) -> None:
    cancel = threading.Event()
    steps: list[str] = []

    def progress(step: str, _fraction: float) -> None:
        steps.append(step)
        if step == "resolving the range":
            cancel.set()

    opening = _Opening(repo.root, cancel, progress=progress)
    opening.wait()
    _assert_cancelled(opening, repo.root)
    assert steps[-1] == "resolving the range"


class _SetAfter(threading.Event):
    """An event that reads as set from its `calls`-th look on (counts the looks)."""

    def __init__(self, calls: int) -> None:
        super().__init__()
        self.limit = calls
        self.looks = 0

    def is_set(self) -> bool:
        self.looks += 1
        return self.looks >= self.limit


def test_the_cutter_looks_at_cancel_before_each_file(repo: GitRepo) -> None:
    phase = gitrange.resolve_phase(repo.root, "HEAD", None)
    assert len(phase.files) == 5
    cancel = _SetAfter(3)
    with pytest.raises(ReviewError, match=r"^cancelled$"):
        cut_chunks(phase.files, phase.commits, ChunkSettings(), cancel=cancel)
    assert cancel.looks == 3  # two files cut, stopped before the third
    assert len(cut_chunks(phase.files, phase.commits, ChunkSettings(), cancel=_SetAfter(99))) == 5
