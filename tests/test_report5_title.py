"""The chunk header says a chunk's lines not committed yet (QA devs D-14, the app side):
`commit ed91f32 + 1 uncommitted line` for a committed function edited in the working tree,
`working tree, 3 uncommitted lines` for an untracked file, the commit alone for untouched code and
for a phase ending at a commit. Pilot tests on real git repos."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import Label

from reviewtui.core.session import ReviewSession
from reviewtui.core.uncommitted import uncommitted_lines
from reviewtui.tui.app import ReviewApp
from reviewtui.tui.screens.review import chunk_location_line
from tests.gitrepo import GitRepo
from tests.tui_support import screen_of

SPEC = "# Plan\n\n## 1 Training\n\nTrain with `parse_args` and `train`.\n"

TRAIN = '''\
import argparse


def parse_args():
    """The command line."""
    p = argparse.ArgumentParser()
    p.add_argument("--max_length", type=int, default=512)
    p.add_argument("--lr", type=float, default=1e-4)
    return p.parse_args()


def train(model, rows):
    """One pass over the rows."""
    for row in rows:
        model.step(row)
    return model
'''

EDITED = TRAIN.replace(
    "    return p.parse_args()\n",
    '    p.add_argument("--grad_accum", type=int, default=4)\n    return p.parse_args()\n',
)

AUGMENT = "import random\n\n\ndef paraphrase(q):\n    return random.choice([q, q.lower()])\n"


@pytest.fixture
def repo(git_repo: GitRepo) -> GitRepo:
    git_repo.write("SPEC.md", SPEC)
    git_repo.commit("spec")
    git_repo.write("src/train.py", TRAIN)
    git_repo.commit("Training\n\nSpec: 1")
    return git_repo


async def titles(root: Path, range_text: str | None = None) -> dict[str, str]:
    """Chunk symbol (or path) → its header, read while stepping through every chunk with `j`."""
    app = ReviewApp(root, range_text, no_llm=True)
    seen: dict[str, str] = {}
    async with app.run_test(size=(140, 40)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        screen = screen_of(app)
        for _ in range(2 * len(app.session.chunks) + 2):
            chunk = screen.navigator.chunk
            assert chunk is not None
            title = str(screen.query_one("#chunk-title", Label).render())
            seen[chunk.symbol or chunk.path] = title
            await pilot.press("j")
            await pilot.pause()
    return seen


async def test_a_committed_chunk_edited_in_the_working_tree_says_both(repo: GitRepo) -> None:
    sha = repo.head()[:7]
    repo.write("src/train.py", EDITED)
    repo.write("src/augment.py", AUGMENT)
    seen = await titles(repo.root)
    assert seen["parse_args"].endswith(f" · commit {sha} + 1 uncommitted line")
    assert seen["train"].endswith(f" · commit {sha}")  # untouched: the commit alone
    assert seen["paraphrase"].endswith(" · added · working tree, 2 uncommitted lines")
    assert seen["src/augment.py"].endswith(" · added · working tree, 1 uncommitted line")
    assert "· commit" not in seen["paraphrase"] + seen["src/augment.py"]


async def test_a_phase_ending_at_a_commit_says_the_commit_only(repo: GitRepo) -> None:
    """Bait: the working tree is dirty, but a committed range has nothing uncommitted."""
    first = repo.git("rev-list", "--max-parents=0", "HEAD").strip()
    sha = repo.head()[:7]
    repo.write("src/train.py", EDITED)
    seen = await titles(repo.root, f"{first}..HEAD")
    assert seen["parse_args"].endswith(f" · commit {sha}")
    assert all("uncommitted" not in title for title in seen.values())


def test_a_reloaded_phase_is_counted_anew(repo: GitRepo) -> None:
    """The header is drawn on every move: counts are kept per chunk for one phase, and a new
    phase (a reload) is counted anew."""
    repo.write("src/train.py", EDITED)
    session = ReviewSession.open(repo.root, no_llm=True)
    chunk = next(c for c in session.chunks if c.symbol == "parse_args")
    assert uncommitted_lines(chunk, session.phase) == 1
    assert chunk_location_line(chunk, session.phase).endswith("+ 1 uncommitted line")
    other = ReviewSession.open(repo.root, no_llm=True)  # a reload: a new phase, counted anew
    repo.write("src/train.py", TRAIN)
    again = ReviewSession.open(repo.root, no_llm=True)
    clean = next(c for c in again.chunks if c.symbol == "parse_args")
    assert "uncommitted" not in chunk_location_line(clean, again.phase)
    same = next(c for c in other.chunks if c.symbol == "parse_args")
    assert chunk_location_line(same, other.phase).endswith("+ 1 uncommitted line")
    assert "uncommitted" not in chunk_location_line(chunk)  # no phase given: commits only
