"""Session details other changes relied on: a request kept unread (written by a newer reviewtui)
keeps its id to itself, the export of an empty phase carries the flags from earlier rounds, and a
check that fails both in the forked child and in process says both."""

from __future__ import annotations

import json

import pytest

from reviewtui.core import session as session_module
from reviewtui.core.forked import ForkFailed
from reviewtui.core.session import ReviewSession
from tests.gitrepo import GitRepo
from tests.test_flags_carry import NOTE, repo, review_round_one, run  # noqa: F401 (fixture)
from tests.test_state3 import reviewed  # noqa: F401 (fixture)


def test_a_new_request_does_not_reuse_the_id_of_one_kept_unread(reviewed: GitRepo) -> None:  # noqa: F811
    state_file = reviewed.root / ".reviewtui" / "state.json"
    data = json.loads(state_file.read_text())
    assert [request["id"] for request in data["requests"]] == ["R1"]
    data["requests"][0]["kind"] = "docs"  # a kind of a newer reviewtui: kept, not read
    state_file.write_text(json.dumps(data))
    session = ReviewSession.open(reviewed.root, lock=True)
    try:
        assert session.requests == []
        assert session.add_request(None, "question", "why?").id == "R2"
    finally:
        session.close()


def test_the_export_of_an_empty_phase_carries_the_flags_of_earlier_rounds(
    repo: GitRepo,  # noqa: F811
    capsys: pytest.CaptureFixture[str],
) -> None:
    review_round_one(repo)
    run(capsys, "checkpoint", "--repo", str(repo.root))
    session = ReviewSession.open(repo.root, allow_empty=True)
    assert session.is_empty
    export = session.export_markdown()
    assert "## Flags from earlier rounds" in export and NOTE in export
    assert "## Requests" in export


class _DeadChild:
    def result(self) -> None:
        raise ForkFailed("the child died (signal 9)")


def test_a_check_failing_in_the_child_and_here_names_both(monkeypatch: pytest.MonkeyPatch) -> None:
    import reviewtui.core.checks as checks

    def broken(*_arguments: object, **_keywords: object) -> None:
        raise RuntimeError("rule exploded")

    monkeypatch.setattr(checks, "check_phase", broken)
    with pytest.raises(RuntimeError, match="rule exploded") as raised:
        session_module._checked(_DeadChild(), ([], [], None, None), None)  # type: ignore[arg-type]
    assert raised.value.__notes__ == ["(first, in a forked child: the child died (signal 9))"]
