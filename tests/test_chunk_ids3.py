"""A decision follows a chunk when its id switches between the plain and the symbol-qualified form.

A change found once in a file has the plain content id; copies of a repeated change have ids
qualified by their enclosing symbol. When the agent edits one copy (or repeats a change elsewhere)
the untouched chunk switches form: its decision must follow it, for decisions recorded today and
for those in state files written before (no `copy_id`), and never pass to another copy.
"""

from __future__ import annotations

import json
from pathlib import Path

from reviewtui.core.chunks import copy_id
from reviewtui.core.report import status_dict
from reviewtui.core.session import ReviewSession
from reviewtui.core.state import STATE_DIR, STATE_FILE
from tests.gitrepo import GitRepo

FUNCTIONS = ("train", "evaluate")
BODY = "\n\n".join(
    f"def {name}(model):\n    x = 1\n    y = 2\n    z = 3\n    return model(x, y, z)\n"
    for name in FUNCTIONS
)


def _with_lines(lines: dict[str, str]) -> str:
    """BODY with one line added at the top of each named function."""
    text = BODY
    for name, line in lines.items():
        text = text.replace(f"def {name}(model):\n", f"def {name}(model):\n    {line}\n")
    return text


def _repo(git_repo: GitRepo) -> GitRepo:
    git_repo.write("SPEC.md", "# S\n\n## 1 Train\n\nSeed everything.\n")
    git_repo.write("src/run.py", BODY)
    git_repo.commit("base")
    return git_repo


def _open(repo: GitRepo) -> ReviewSession:
    return ReviewSession.open(repo.root, "HEAD", no_llm=True)


def _by_symbol(session: ReviewSession) -> dict[str | None, str]:
    return {chunk.symbol: chunk.id for chunk in session.chunks}


def _statuses(session: ReviewSession) -> dict[str | None, str]:
    return {chunk.symbol: session.decision(chunk.id).status for chunk in session.chunks}


SEED = "torch.manual_seed(0)"


def test_both_copies_approved_the_untouched_one_stays_approved(git_repo: GitRepo) -> None:
    repo = _repo(git_repo)
    repo.write("src/run.py", _with_lines({"train": SEED, "evaluate": SEED}))
    first = _open(repo)
    ids = _by_symbol(first)
    assert ids["train"] != ids["evaluate"]
    for chunk_id in ids.values():
        first.approve(chunk_id)
    repo.write("src/run.py", _with_lines({"train": "torch.manual_seed(1)", "evaluate": SEED}))
    second = _open(repo)
    assert _by_symbol(second)["evaluate"] != ids["evaluate"]  # the id switched form...
    assert _statuses(second) == {"train": "pending", "evaluate": "approved"}  # ...the decision not
    counted = status_dict(second)["chunks"]
    assert sorted(chunk["status"] for chunk in counted) == ["approved", "pending"]
    assert second.progress().approved == 1


def test_the_flag_and_note_follow_too_and_a_new_decision_wins(git_repo: GitRepo) -> None:
    repo = _repo(git_repo)
    repo.write("src/run.py", _with_lines({"train": SEED, "evaluate": SEED}))
    first = _open(repo)
    first.flag(_by_symbol(first)["evaluate"], "seed it from the config")
    repo.write("src/run.py", _with_lines({"train": "torch.manual_seed(1)", "evaluate": SEED}))
    second = _open(repo)
    evaluate = _by_symbol(second)["evaluate"]
    carried = second.decision(evaluate)
    assert (carried.chunk_id, carried.status, carried.note) == (
        evaluate,
        "flagged",
        "seed it from the config",
    )
    assert second.carried_keys() == {_by_symbol(first)["evaluate"]}  # not a flag outside the phase
    second.approve(evaluate)
    third = _open(repo)
    assert third.decision(evaluate).status == "approved"
    assert third.carried_keys() == set()


def test_a_unique_approved_change_stays_approved_when_the_agent_repeats_it(
    git_repo: GitRepo,
) -> None:
    repo = _repo(git_repo)
    repo.write("src/run.py", _with_lines({"train": SEED}))
    first = _open(repo)
    (plain,) = [chunk.id for chunk in first.chunks]
    first.approve(plain)
    repo.write("src/run.py", _with_lines({"train": SEED, "evaluate": SEED}))
    second = _open(repo)
    assert plain not in _by_symbol(second).values()
    assert _statuses(second) == {"train": "approved", "evaluate": "pending"}
    repo.write("src/run.py", _with_lines({"train": SEED}))  # and back: the plain id again
    assert _statuses(_open(repo)) == {"train": "approved"}


def _write_old_state(repo: GitRepo, decisions: dict[str, str]) -> None:
    """A state file as reviewtui wrote it before decisions recorded a `copy_id`."""
    payload = {
        "version": 1,
        "decisions": {
            key: {
                "chunk_id": key,
                "status": status,
                "note": None,
                "updated": "2026-11-20T10:00:00Z",
                "path": "src/run.py",
            }
            for key, status in decisions.items()
        },
        "requests": [],
        "manual_links": {},
        "checkpoints": [],
    }
    folder = repo.root / STATE_DIR
    folder.mkdir(exist_ok=True)
    (folder / STATE_FILE).write_text(json.dumps(payload), encoding="utf-8")


def test_an_old_state_file_keeps_its_decisions(git_repo: GitRepo) -> None:
    repo = _repo(git_repo)
    repo.write("src/run.py", _with_lines({"train": SEED, "evaluate": SEED}))
    ids = _by_symbol(_open(repo))
    _write_old_state(repo, {ids["train"]: "approved", ids["evaluate"]: "approved"})
    assert _statuses(_open(repo)) == {"train": "approved", "evaluate": "approved"}
    repo.write("src/run.py", _with_lines({"train": "torch.manual_seed(1)", "evaluate": SEED}))
    assert _statuses(_open(repo)) == {"train": "pending", "evaluate": "approved"}


def test_an_old_plain_decision_is_not_given_to_any_copy(git_repo: GitRepo) -> None:
    """Without `copy_id` nothing tells which copy was the one decided: both stay pending."""
    repo = _repo(git_repo)
    repo.write("src/run.py", _with_lines({"train": SEED}))
    (plain,) = [chunk.id for chunk in _open(repo).chunks]
    _write_old_state(repo, {plain: "approved"})
    repo.write("src/run.py", _with_lines({"train": SEED, "evaluate": SEED}))
    assert _statuses(_open(repo)) == {"train": "pending", "evaluate": "pending"}


def test_copies_in_one_function_never_share_a_decision(git_repo: GitRepo) -> None:
    """Two copies in one function are told apart by context: approve the first, the agent edits
    it, and the second (never approved, now unique) stays pending."""
    body = "".join(f"    v{number} = {number}\n" for number in range(40))
    git_repo.write("SPEC.md", "# S\n\n## 1 Train\n\nSeed everything.\n")
    git_repo.write("src/long.py", f"def train(model):\n{body}    return model\n")
    git_repo.commit("base")
    copies = f"def train(model):\n    {SEED}\n{body}    {SEED}\n    return model\n"
    git_repo.write("src/long.py", copies)
    first = _open(git_repo)
    assert [chunk.symbol for chunk in first.chunks] == ["train", "train"]
    top = min(first.chunks, key=lambda chunk: chunk.new_start)
    first.approve(top.id)
    git_repo.write("src/long.py", copies.replace(SEED, "seed(1)", 1))
    second = _open(git_repo)
    assert {second.decision(chunk.id).status for chunk in second.chunks} == {"pending"}


def test_copy_id_is_the_id_a_copy_gets(git_repo: GitRepo) -> None:
    repo = _repo(git_repo)
    repo.write("src/run.py", _with_lines({"train": SEED}))
    (alone,) = _open(repo).chunks
    repo.write("src/run.py", _with_lines({"train": SEED, "evaluate": SEED}))
    assert _by_symbol(_open(repo))["train"] == copy_id(alone.id, "train")


def test_a_decision_records_its_copy_id_only_when_its_change_is_unique(
    git_repo: GitRepo, tmp_path: Path
) -> None:
    repo = _repo(git_repo)
    repo.write("src/run.py", _with_lines({"train": SEED, "evaluate": "seed(1)"}))
    session = _open(repo)
    ids = _by_symbol(session)
    assert session.approve(ids["train"]).copy_id == copy_id(ids["train"], "train")
    repo.write("src/run.py", _with_lines({"train": SEED, "evaluate": SEED}))
    again = _open(repo)
    assert again.approve(_by_symbol(again)["evaluate"]).copy_id is None
