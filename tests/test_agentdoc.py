"""Tests of `core/agentdoc.py` (`reviewtui init`): which file gets the block, idempotence, refresh of
an outdated block, and errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from reviewtui.core.agentdoc import (
    BLOCK,
    BLOCK_END,
    BLOCK_START,
    SPEC_CONVENTION,
    init_agent_instructions,
    instructions_path,
)
from reviewtui.errors import ReviewError


def test_creates_claude_md_when_nothing_exists(tmp_path: Path) -> None:
    path, changed = init_agent_instructions(tmp_path)
    assert path == tmp_path / "CLAUDE.md"
    assert changed
    assert path.read_text(encoding="utf-8") == BLOCK


@pytest.mark.parametrize("existing", ["CLAUDE.md", "AGENTS.md"])
def test_uses_the_existing_file_and_keeps_its_text(tmp_path: Path, existing: str) -> None:
    (tmp_path / existing).write_text("# Rules\n\nUse uv.\n", encoding="utf-8")
    path, changed = init_agent_instructions(tmp_path)
    assert path.name == existing and changed
    text = path.read_text(encoding="utf-8")
    assert text.startswith("# Rules\n\nUse uv.\n\n" + BLOCK_START)
    assert text.count(BLOCK_START) == 1
    other = "AGENTS.md" if existing == "CLAUDE.md" else "CLAUDE.md"
    assert not (tmp_path / other).exists()


def test_claude_md_wins_when_both_exist(tmp_path: Path) -> None:
    (tmp_path / "AGENTS.md").write_text("agents\n", encoding="utf-8")
    (tmp_path / "CLAUDE.md").write_text("claude\n", encoding="utf-8")
    assert instructions_path(tmp_path).name == "CLAUDE.md"


def test_running_twice_changes_nothing(tmp_path: Path) -> None:
    (tmp_path / "AGENTS.md").write_text("no final newline", encoding="utf-8")
    first_path, first = init_agent_instructions(tmp_path)
    text = first_path.read_text(encoding="utf-8")
    second_path, second = init_agent_instructions(tmp_path)
    assert first and not second
    assert second_path == first_path
    assert second_path.read_text(encoding="utf-8") == text


def test_an_outdated_block_is_replaced_in_place(tmp_path: Path) -> None:
    old = f"# Top\n\n{BLOCK_START}\nold advice\n{BLOCK_END}\n\n## After\n\nkeep me\n"
    (tmp_path / "CLAUDE.md").write_text(old, encoding="utf-8")
    path, changed = init_agent_instructions(tmp_path)
    text = path.read_text(encoding="utf-8")
    assert changed
    assert "old advice" not in text
    assert text == f"# Top\n\n{BLOCK}\n## After\n\nkeep me\n"


def test_a_block_without_end_marker_is_a_user_error(tmp_path: Path) -> None:
    (tmp_path / "CLAUDE.md").write_text(f"{BLOCK_START}\nhalf\n", encoding="utf-8")
    with pytest.raises(ReviewError, match="no end marker"):
        init_agent_instructions(tmp_path)


def test_unreadable_file_is_a_user_error(tmp_path: Path) -> None:
    (tmp_path / "CLAUDE.md").write_bytes(b"\xff\xfe\x00bad")
    with pytest.raises(ReviewError, match=r"cannot read CLAUDE\.md"):
        init_agent_instructions(tmp_path)


def test_convention_asks_for_trailers_comments_checkpoints_and_deviations() -> None:
    assert "Spec: 2.1" in SPEC_CONVENTION
    assert "# spec: <id>" in SPEC_CONVENTION
    assert "checkpoint" in SPEC_CONVENTION
    assert "Deviations:" in SPEC_CONVENTION
    assert SPEC_CONVENTION in BLOCK


def test_the_convention_is_what_the_linker_reads(tmp_path: Path) -> None:
    """The trailer and comment forms the block asks for are the ones `link_chunks` understands."""
    from reviewtui.config import LinkSettings
    from reviewtui.core.links import link_chunks
    from reviewtui.core.models import Chunk, CommitInfo, DiffLine
    from reviewtui.core.spec import load_spec

    (tmp_path / "SPEC.md").write_text(
        "# S\n\n## 2 Model\n\n### 2.1 Pooling\n\n## 3 Other\n", "utf-8"
    )
    spec = load_spec(tmp_path, ["SPEC.md"])
    lines = [DiffLine("+", "# spec: 2.1", None, 1), DiffLine("+", "x = 1", None, 2)]
    commented = Chunk("a", "m.py", None, "added", lines, 1, 2, 0, 0, 2, 0)
    plain = Chunk(
        "b",
        "n.py",
        None,
        "added",
        [DiffLine("+", "y = 2", None, 1)],
        1,
        1,
        0,
        0,
        1,
        0,
        commits=["c" * 40],
    )
    commit = CommitInfo("c" * 40, "work", trailers={"Spec": ["2.1"]})
    links = link_chunks([commented, plain], spec, [commit], LinkSettings())
    assert links["a"].section_id == "21-pooling"
    assert links["b"].section_id == "21-pooling"
