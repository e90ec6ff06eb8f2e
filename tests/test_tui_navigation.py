"""Tests of `ReviewNavigator` and `ChunkFilter` (plain Python over a real session, no terminal)."""

from __future__ import annotations

from pathlib import Path

import pytest

from reviewtui.core.session import ReviewSession
from reviewtui.tui.navigation import (
    ALL,
    FLAG_ANY,
    FLAG_NONE,
    UNLINKED,
    ChunkFilter,
    ReviewNavigator,
)
from tests.tui_support import build_toy_repo


@pytest.fixture
def session(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> ReviewSession:
    repo, _ = build_toy_repo(tmp_path / "toy", monkeypatch, hostile=True)
    return ReviewSession.open(repo.root)


def test_groups_follow_the_spec_with_unlinked_last(session: ReviewSession) -> None:
    navigator = ReviewNavigator(session)
    assert navigator.groups == ["1-data", "T01", "T02", UNLINKED]
    assert navigator.group == "1-data" and navigator.chunk == session.chunks_in("1-data")[0]


def test_step_chunk_stops_at_both_ends(session: ReviewSession) -> None:
    navigator = ReviewNavigator(session)
    assert not navigator.step_chunk(-1)
    while navigator.step_chunk(1):
        pass
    assert navigator.group == UNLINKED and navigator.chunk_id == navigator.visible[-1].id


@pytest.mark.parametrize(
    ("chunk_filter", "paths"),
    [
        (ChunkFilter(path="*/model.py"), {"src/toy/model.py"}),
        (ChunkFilter(path="TOY/SCORE"), {"src/toy/score.py"}),
        (ChunkFilter(text="mean_pool"), {"src/toy/model.py"}),
        (ChunkFilter(text="csv.reader"), {"src/toy/data.py"}),
        (ChunkFilter(path="data", text="nothing like this"), set()),
    ],
)
def test_filter_by_path_and_text(
    session: ReviewSession, chunk_filter: ChunkFilter, paths: set[str]
) -> None:
    navigator = ReviewNavigator(session)
    navigator.set_filter(chunk_filter)
    assert {chunk.path for chunk in navigator.visible} == paths
    assert navigator.chunk is None if not paths else navigator.chunk.path in paths


def test_filter_by_status_and_flag(session: ReviewSession) -> None:
    navigator = ReviewNavigator(session)
    approved = session.chunks[2].id
    session.approve(approved)
    navigator.set_filter(ChunkFilter(status="approved"))
    assert [chunk.id for chunk in navigator.visible] == [approved]
    flagged = {chunk.id for chunk in session.chunks if session.flags_of(chunk.id)}
    navigator.set_filter(ChunkFilter(flag=FLAG_ANY))
    assert {chunk.id for chunk in navigator.visible} == flagged
    navigator.set_filter(ChunkFilter(flag=FLAG_NONE))
    assert {chunk.id for chunk in navigator.visible} == {c.id for c in session.chunks} - flagged
    assert ChunkFilter(path="a", status="pending", flag=FLAG_ANY).describe() == (
        "path~a · status=pending · flagged"
    )
    navigator.clear_filter()
    assert not navigator.filter.active and len(navigator.visible) == len(session.chunks)


def test_next_pending_skips_decided_chunks_and_wraps(session: ReviewSession) -> None:
    navigator = ReviewNavigator(session)
    ids = [chunk.id for chunk in navigator.visible]
    navigator.select_chunk(ids[-1])
    session.approve(ids[0])
    assert navigator.next_pending().id == ids[1]
    for chunk_id in ids:
        session.approve(chunk_id)
    assert navigator.next_pending() is None


def test_risk_order_shows_every_chunk_then_sections(session: ReviewSession) -> None:
    navigator = ReviewNavigator(session)
    navigator.select_chunk(session.chunks_in("T02")[0].id)
    navigator.set_order("risk")
    assert navigator.group == ALL and navigator.groups[0] == ALL
    assert navigator.chunk_id == session.ordered_chunks("risk")[0].id
    assert navigator.step_group(1) and navigator.group == "1-data"
    navigator.set_order("spec")
    assert navigator.group == "1-data" and ALL not in navigator.groups


def test_relinked_chunk_moves_to_its_new_group(session: ReviewSession) -> None:
    navigator = ReviewNavigator(session)
    chunk = session.chunks_in(None)[0]
    navigator.select_chunk(chunk.id)
    session.relink(chunk.id, "T02")
    navigator.rebuild()
    assert navigator.group == "T02" and chunk in navigator.chunks_of("T02")
    assert UNLINKED not in navigator.groups
