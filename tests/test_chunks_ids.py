"""Tests of chunk ids across phases (identical changes told apart, binary content) and of the
context kept around a chunk (no blank lines at its edges), on real git repos."""

from __future__ import annotations

from pathlib import Path

from reviewtui.config import ChunkSettings
from reviewtui.core.chunks import chunk_id, cut_chunks
from reviewtui.core.gitrange import open_repo, resolve_phase
from reviewtui.core.models import Chunk
from reviewtui.core.session import ReviewSession
from tests.gitrepo import GitRepo

BODY = "\n\n".join(
    f"def {name}(model):\n    x = 1\n    y = 2\n    z = 3\n    w = 4\n    return model(x, y, z, w)\n"
    for name in ("train", "evaluate")
)


def _seeded(train_line: str) -> str:
    text = BODY.replace("def train(model):\n", f"def train(model):\n    {train_line}\n")
    return text.replace(
        "def evaluate(model):\n", "def evaluate(model):\n    torch.manual_seed(0)\n"
    )


def _worktree_chunks(repo: GitRepo, base: str) -> list[Chunk]:
    phase = resolve_phase(open_repo(repo.root), base, None)
    return cut_chunks(phase.files, phase.commits, ChunkSettings())


def test_a_repeated_change_keeps_its_own_decision_when_its_twin_changes(git_repo: GitRepo) -> None:
    git_repo.write("SPEC.md", "# S\n\n## 1 Train\n\nSeed everything.\n")
    git_repo.write("src/run.py", BODY)
    git_repo.commit("base")
    git_repo.write("src/run.py", _seeded("torch.manual_seed(0)"))
    first = ReviewSession.open(git_repo.root, "HEAD", no_llm=True)
    by_symbol = {chunk.symbol: chunk.id for chunk in first.chunks}
    assert set(by_symbol) == {"train", "evaluate"}
    assert by_symbol["train"] != by_symbol["evaluate"]
    first.approve(by_symbol["train"])
    git_repo.write("src/run.py", _seeded("torch.manual_seed(1)"))  # only train's line changes
    second = ReviewSession.open(git_repo.root, "HEAD", no_llm=True)
    statuses = {chunk.symbol: second.decision(chunk.id).status for chunk in second.chunks}
    assert statuses == {"train": "pending", "evaluate": "pending"}
    assert by_symbol["train"] not in {chunk.id for chunk in second.chunks}


def test_an_approved_copy_stays_approved_while_both_copies_stay(git_repo: GitRepo) -> None:
    git_repo.write("src/run.py", BODY)
    base = git_repo.commit("base")
    git_repo.write("src/run.py", _seeded("torch.manual_seed(0)"))
    first = {chunk.symbol: chunk.id for chunk in _worktree_chunks(git_repo, base)}
    git_repo.write("src/run.py", "import torch\n\n\n" + _seeded("torch.manual_seed(0)"))
    second = {chunk.symbol: chunk.id for chunk in _worktree_chunks(git_repo, base)}
    assert second["train"] == first["train"]
    assert second["evaluate"] == first["evaluate"]


def test_copies_in_text_files_are_told_apart_by_their_context(git_repo: GitRepo) -> None:
    filler = "".join(f"line {i}\n" for i in range(10))
    before = f"# Train\n\nrun it\n\n{filler}\n# Evaluate\n\nrun it\n"
    git_repo.write("notes.md", before)
    base = git_repo.commit("base")
    git_repo.write("notes.md", before.replace("run it\n", "run it\nthen seed\n"))
    ids = [chunk.id for chunk in _worktree_chunks(git_repo, base)]
    assert len(ids) == 2 and len(set(ids)) == 2
    assert all("-" not in chunk_id for chunk_id in ids)
    git_repo.write("notes.md", before.replace("run it\n", "run it\nthen seed\n", 1))
    [only] = _worktree_chunks(git_repo, base)
    assert only.id not in ids  # a single copy takes the plain id, which neither copy had
    assert only.id == chunk_id("notes.md", only.changed_lines)


def test_copies_with_identical_context_fall_back_to_an_ordinal(git_repo: GitRepo) -> None:
    block = "filler\n" * 40 + "start\nsame\nend\n"
    git_repo.write("twice.txt", block * 2 + "filler\n" * 40)
    base = git_repo.commit("base")
    git_repo.write("twice.txt", block.replace("same\n", "same\nnew\n") * 2 + "filler\n" * 40)
    ids = [chunk.id for chunk in _worktree_chunks(git_repo, base)]
    assert len(set(ids)) == 2 and ids[1] == f"{ids[0]}-2"


def test_binary_id_changes_with_its_bytes_at_the_same_size(git_repo: GitRepo) -> None:
    git_repo.write("data/emb.bin", b"\0" + bytes(range(256)) * 16)
    base = git_repo.commit("base")
    git_repo.write("data/emb.bin", b"\0" + bytes([1]) * 4096)
    [first] = _worktree_chunks(git_repo, base)
    git_repo.write("data/emb.bin", b"\0" + bytes([7]) * 4096)
    [second] = _worktree_chunks(git_repo, base)
    assert first.summary == second.summary == "binary file, 4.0 KiB → 4.0 KiB"
    assert first.id != second.id
    git_repo.write("data/emb.bin", b"\0" + bytes([1]) * 4096)
    [again] = _worktree_chunks(git_repo, base)
    assert again.id == first.id


def test_blank_context_is_trimmed_at_the_edges_only(git_repo: GitRepo, tmp_path: Path) -> None:
    before = "def a():\n    return 1\n\n\ndef b():\n    x = 1\n\n    return x\n\n\ndef c():\n    return 3\n"
    after = before.replace("    x = 1\n", "    x = 2\n")
    git_repo.write("m.py", before)
    base = git_repo.commit("base")
    git_repo.write("m.py", after)
    [chunk] = _worktree_chunks(git_repo, base)
    texts = [line.text for line in chunk.lines]
    assert texts == ["def b():", "    x = 1", "    x = 2", "", "    return x"]
    assert chunk.new_start == 5 and chunk.new_lines == 4
    notes = "title\n\n\n\nold\n\n\n\nend\n"
    git_repo.write("n.md", notes)
    base = git_repo.commit("notes")
    git_repo.write("n.md", notes.replace("old", "new"))
    [text_chunk] = _worktree_chunks(git_repo, base)
    assert [line.text for line in text_chunk.lines] == ["old", "new"]
    assert (text_chunk.new_start, text_chunk.new_lines) == (5, 1)
