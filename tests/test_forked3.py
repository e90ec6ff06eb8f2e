"""Tests of a forked call whose child sends what the parent cannot read back (review N14): an
exception class whose `__init__` takes other arguments cannot be unpickled; the parent gets
`ForkFailed` naming what the child raised (not a TypeError from pickle), so the session runs the
checks in-process instead, and an in-process failure is raised as itself."""

from __future__ import annotations

import pytest

from reviewtui.config import CheckSettings, ChunkSettings
from reviewtui.core import gitrange
from reviewtui.core.checks import check_phase
from reviewtui.core.checks.engine import PhaseChecks
from reviewtui.core.chunks import cut_chunks
from reviewtui.core.forked import ForkedCall, ForkFailed, can_fork
from reviewtui.core.models import Chunk, FileDiff, Spec
from reviewtui.core.pysource import SyntaxTrees
from reviewtui.core.session import _checked
from reviewtui.core.spec import load_spec
from reviewtui.errors import ReviewError
from tests.gitrepo import GitRepo


class NeedsTwo(Exception):
    """Pickles as `NeedsTwo(message)`, which its `__init__` refuses: it cannot be unpickled."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"{path}: {reason}")


class CarriesALambda(Exception):
    """Cannot even be pickled (a lambda attribute)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.hook = lambda: None


def _needs_two() -> None:
    raise NeedsTwo("data/train.csv", "no such column 'label'")


def _carries_a_lambda() -> None:
    raise CarriesALambda("bad hook")


def _returns(value: int) -> int:
    return value


def _forked(function: object, *args: object) -> ForkedCall[PhaseChecks]:
    if not can_fork():
        pytest.skip("no fork here (not Linux, one core, or other threads running)")
    call = ForkedCall.start(function, *args)  # type: ignore[arg-type]
    assert call is not None
    return call


def test_an_exception_that_cannot_be_unpickled_is_fork_failed_naming_it() -> None:
    with pytest.raises(ForkFailed) as raised:
        _forked(_needs_two).result()
    message = str(raised.value)
    assert message.startswith(
        "the child's exception (NeedsTwo: data/train.csv: no such column 'label')"
        " could not be read back: TypeError: "
    )
    assert isinstance(raised.value.__cause__, TypeError)


def test_an_exception_that_cannot_be_pickled_is_fork_failed_naming_it() -> None:
    with pytest.raises(ForkFailed, match=r"no result \(it raised CarriesALambda: bad hook\)$"):
        _forked(_carries_a_lambda).result()


def test_a_result_and_a_readable_exception_still_come_back() -> None:
    assert _forked(_returns, 7).result() == 7
    with pytest.raises(ReviewError, match=r"^cannot open x$"):
        _forked(_raise_review_error, "cannot open x").result()


def _raise_review_error(message: str) -> None:
    raise ReviewError(message)


Arguments = tuple[list[Chunk], list[FileDiff], Spec, CheckSettings]


def _arguments(git_repo: GitRepo, settings: CheckSettings) -> Arguments:
    git_repo.write("SPEC.md", "# Spec\n\n## Data\n\nLoad the real data.\n")
    git_repo.commit("spec")
    git_repo.write(
        "src/load.py",
        "def load(path):\n    try:\n        return 1\n    except Exception:\n        pass\n",
    )
    git_repo.commit("agent phase", "src/load.py")
    phase = gitrange.resolve_phase(gitrange.open_repo(git_repo.root), "HEAD~1..HEAD", None)
    spec = load_spec(git_repo.root, ["SPEC.md"])
    chunks = cut_chunks(phase.files, phase.commits, ChunkSettings())
    return chunks, phase.files, spec, settings


def test_the_session_checks_in_process_when_the_childs_exception_cannot_be_read(
    git_repo: GitRepo,
) -> None:
    arguments = _arguments(git_repo, CheckSettings())
    checked = _checked(_forked(_needs_two), arguments, SyntaxTrees())
    expected = check_phase(*arguments)
    assert checked.flags == expected.flags and checked.warnings == expected.warnings
    rules = {flag.rule for flags in checked.flags.values() for flag in flags}
    assert "swallowed-error" in rules


def test_when_the_in_process_run_fails_too_its_error_is_raised(git_repo: GitRepo) -> None:
    arguments = _arguments(git_repo, CheckSettings(disabled=["no-such-rule"]))
    with pytest.raises(ReviewError, match=r"^unknown check rule 'no-such-rule'"):
        _checked(_forked(_needs_two), arguments, SyntaxTrees())
