"""Opening the same phase again reads its chunks, flags, ledger and links from the user's cache; any
change to what they derive from (the code, the spec, settings, manual links) computes them afresh,
and the results are the same as without the cache."""

from __future__ import annotations

import pickle
from pathlib import Path

import pytest

from reviewtui.core.phasecache import MAX_ENTRIES, PhaseCache, PhaseResults, default_folder
from reviewtui.core.report import status_json
from reviewtui.core.session import ReviewSession
from tests.gitrepo import GitRepo

SPEC = """# Spec

## 1 Data

Load the corpus with `load_corpus`. Seed every run.

## 2 Evaluation

Evaluate with `evaluate` on the full test set with a learning rate of 2e-5.
"""

DATA = '''"""Data."""

import numpy as np


def load_corpus(path):
    try:
        return np.load(path)
    except Exception:
        return np.random.rand(100, 4)
'''

EVAL = """def evaluate(model, test_loader):
    optimizer_lr = 3e-4
    scores = [model(batch) for batch in test_loader[:50]]
    return sum(scores) / len(scores)
"""


@pytest.fixture
def repo(git_repo: GitRepo) -> GitRepo:
    git_repo.write("SPEC.md", SPEC)
    git_repo.commit("spec")
    git_repo.write("src/data.py", DATA)
    git_repo.commit("data\n\nSpec: 1")
    git_repo.write("src/evaluate.py", EVAL)
    return git_repo


def _open(repo: GitRepo) -> ReviewSession:
    return ReviewSession.open(repo.root, "HEAD~1", no_llm=True)


def _entries() -> list[Path]:
    return PhaseCache().entries()


def test_the_cache_lives_in_the_users_cache_folder_not_the_repo(
    repo: GitRepo, isolated_env: Path
) -> None:
    _open(repo)
    assert default_folder().is_relative_to(isolated_env / ".cache")
    assert len(_entries()) == 1
    assert not (repo.root / ".reviewtui").exists()


def test_a_second_opening_reads_the_stored_results(repo: GitRepo) -> None:
    first = _open(repo)
    [entry] = _entries()
    with entry.open("rb") as handle:
        stored: PhaseResults = pickle.load(handle)
    marked = next(chunk for chunk in stored.chunks if chunk.path == "src/data.py")
    marked.symbol = "read_from_the_cache"
    with entry.open("wb") as handle:
        pickle.dump(stored, handle)
    second = _open(repo)
    assert "read_from_the_cache" in {chunk.symbol for chunk in second.chunks}
    assert "read_from_the_cache" not in {chunk.symbol for chunk in first.chunks}


def test_cached_results_print_the_same_status(repo: GitRepo) -> None:
    fresh = status_json(_open(repo))
    cached = status_json(_open(repo))
    assert cached == fresh
    assert '"synthetic-fallback"' in cached and '"eval-subset"' in cached


def test_decisions_keep_the_entry(repo: GitRepo) -> None:
    session = _open(repo)
    session.approve(session.chunks[0].id)
    reopened = _open(repo)
    assert len(_entries()) == 1
    assert reopened.decision(session.chunks[0].id).status == "approved"


@pytest.mark.parametrize(
    "change",
    ["code", "spec", "settings", "manual link"],
)
def test_a_change_to_what_the_results_derive_from_computes_them_afresh(
    repo: GitRepo, change: str
) -> None:
    session = _open(repo)
    relinked = session.chunks[0].id
    if change == "code":
        repo.write("src/evaluate.py", EVAL + "\n\ndef report(scores):\n    return max(scores)\n")
    elif change == "spec":
        repo.write("SPEC.md", SPEC + "\n## 3 Report\n\nReport the best score with `report`.\n")
    elif change == "settings":
        repo.write("pyproject.toml", "[tool.reviewtui.chunks]\nmax_lines = 2\n")
    else:
        session.relink(relinked, "2-evaluation")
    reopened = _open(repo)
    assert len(_entries()) == 2
    if change == "code":
        assert "report" in {chunk.symbol for chunk in reopened.chunks}
    elif change == "spec":
        assert "3-report" in {section.id for section in reopened.spec.sections}
    elif change == "settings":
        assert len(reopened.chunks) > len(session.chunks)
    else:
        assert reopened.link(relinked).section_id == "2-evaluation"


def test_an_unreadable_entry_counts_as_absent_and_is_written_again(repo: GitRepo) -> None:
    expected = status_json(_open(repo))
    [entry] = _entries()
    entry.write_bytes(b"cut sho")
    assert status_json(_open(repo)) == expected
    assert _entries() == [entry]  # (waits for a child writing it)
    with entry.open("rb") as handle:
        assert isinstance(pickle.load(handle), PhaseResults)
    entry.write_bytes(pickle.dumps({"not": "results"}))
    assert status_json(_open(repo)) == expected


def test_a_cache_folder_that_cannot_be_written_is_skipped(repo: GitRepo) -> None:
    folder = default_folder()
    folder.parent.mkdir(parents=True, exist_ok=True)
    folder.write_text("a file where the folder should be")
    session = _open(repo)
    assert session.chunks
    assert folder.is_file()


def test_only_the_newest_entries_are_kept(tmp_path: Path, repo: GitRepo) -> None:
    cache = PhaseCache(tmp_path / "cache")
    results = PhaseResults(chunks=[], flags={}, ledger=_open(repo).ledger, links={})
    for number in range(MAX_ENTRIES + 3):
        cache.write(f"{number:04d}", results)
    kept = {path.stem for path in cache.entries()}
    assert len(kept) == MAX_ENTRIES
    assert f"{MAX_ENTRIES + 2:04d}" in kept
    assert cache.load(f"{MAX_ENTRIES + 2:04d}") == results
    assert cache.load("never-stored") is None


def test_a_stored_entry_is_there_for_the_next_load_of_this_process(
    tmp_path: Path, repo: GitRepo
) -> None:
    cache = PhaseCache(tmp_path / "cache")
    results = PhaseResults(chunks=[], flags={}, ledger=_open(repo).ledger, links={})
    cache.store("just-stored", results)  # maybe written by a forked child: load waits for it
    assert cache.load("just-stored") == results
    assert [path.stem for path in cache.entries()] == ["just-stored"]
