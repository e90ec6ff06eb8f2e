"""Cancelling a session while it loads (the app's Ctrl+C): the loader stops at the next git step,
before the next file it cuts, or right after the linking or the checks, stores nothing and releases
the lock.

The reviewer's Ctrl+C is played by wrapping a real stage function so that it sets the cancel event
when it starts; the opening runs in a thread, as in the app.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
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
"""Longest a test waits for the opening thread (it takes well under a second)."""


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


class _CancellingStage:
    """Wraps a stage: sets `cancel` when it starts (the reviewer quits meanwhile), then runs it."""

    def __init__(self, real: Callable[..., Any], cancel: threading.Event) -> None:
        self.real = real
        self.cancel = cancel
        self.calls = 0

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        self.calls += 1
        self.cancel.set()
        return self.real(*args, **kwargs)


@pytest.fixture
def cancelling(monkeypatch: pytest.MonkeyPatch) -> Callable[[Any, str], _CancellingStage]:
    def wrap(module: Any, name: str) -> _CancellingStage:
        stage = _CancellingStage(getattr(module, name), threading.Event())
        monkeypatch.setattr(module, name, stage)
        return stage

    return wrap


def _assert_cancelled(opening: _Opening, root: Path) -> None:
    assert isinstance(opening.error, ReviewError)
    assert str(opening.error) == "cancelled"
    ReviewState.load(root, lock=True).release_lock()  # the lock was released


def test_cancel_while_linking_stops_before_the_checks(
    repo: GitRepo,
    cancelling: Callable[[Any, str], _CancellingStage],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    linking = cancelling(links, "link_chunks")
    checking = _CancellingStage(checks.check_phase, threading.Event())
    monkeypatch.setattr(checks, "check_phase", checking)
    opening = _Opening(repo.root, linking.cancel)
    opening.wait()
    _assert_cancelled(opening, repo.root)
    assert (linking.calls, checking.calls) == (1, 0)


def test_cancel_while_checking_gives_no_session_and_stores_nothing(
    repo: GitRepo, cancelling: Callable[[Any, str], _CancellingStage]
) -> None:
    checking = cancelling(checks, "check_phase")
    opening = _Opening(repo.root, checking.cancel)
    opening.wait()
    assert checking.calls == 1
    _assert_cancelled(opening, repo.root)
    for expected in ("cutting chunks", "reading the chunks of the last opening"):
        steps: list[str] = []
        again = _Opening(repo.root, threading.Event(), progress=_recording(steps))
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
