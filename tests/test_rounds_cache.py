"""Tests of the rounds cache's writes (`core/rounds.py`): each write goes through its own temporary
file, so two processes storing the same range never interleave, and nothing is left behind."""

from __future__ import annotations

from pathlib import Path

from reviewtui.core import rounds
from reviewtui.core.rounds import RoundCode


def _code() -> RoundCode:
    return RoundCode(
        {"21-source", "2-data"}, {"21-source": 2}, [("21-source", "src/data.py")], set()
    )


def test_a_stored_round_reads_back_and_leaves_no_temporary_file(tmp_path: Path) -> None:
    rounds._store(tmp_path, "abc", _code())
    assert rounds._load(tmp_path, "abc") == _code()
    assert [p.name for p in (tmp_path / "rounds").iterdir()] == ["abc.json"]


def test_a_stale_temporary_file_of_another_writer_is_not_used(tmp_path: Path) -> None:
    folder = tmp_path / "rounds"
    folder.mkdir()
    other = folder / "abc.tmp"
    other.write_text('{"sections": ["half', encoding="utf-8")  # another process mid-write
    rounds._store(tmp_path, "abc", _code())
    assert rounds._load(tmp_path, "abc") == _code()
    assert other.read_text(encoding="utf-8") == '{"sections": ["half'


def test_a_failed_write_leaves_no_temporary_file(tmp_path: Path) -> None:
    folder = tmp_path / "rounds"
    (folder / "abc.json").mkdir(parents=True)  # the target cannot be replaced
    rounds._store(tmp_path, "abc", _code())
    assert sorted(p.name for p in folder.iterdir()) == ["abc.json"]
