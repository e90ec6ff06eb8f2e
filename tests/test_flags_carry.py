"""Flags across a checkpoint (QA D1, P4): a flag stays a request to the agent until the reviewer clears
it. After `reviewtui checkpoint` the flagged chunk is in no later phase, and the agent's rework of it
is a new, pending chunk; `requests` (both formats), the app's prompt, `status` and `export` still carry
the flag with its note, next to the code that re-opened it. Real git repos, the real CLI."""

from __future__ import annotations

import json

import pytest

from reviewtui.cli import main
from reviewtui.core.report import earlier_flags, export_tail, requests_prompt
from reviewtui.core.session import ReviewSession
from tests.gitrepo import GitRepo

SPEC = """\
# Plan

## 1 Data

Load the rows with `load_rows` from `rows.csv`; fail when the file is missing.

## 2 Splits

Split the rows with `split_rows`, seed 13.
"""

DATA = '''\
import random


def load_rows(path):
    """Load the rows csv."""
    try:
        with open(path) as handle:
            return [line.split(",") for line in handle]
    except FileNotFoundError:
        return [["synthetic", "row"]]


def split_rows(rows):
    """Split the rows, seed 13."""
    random.Random(13).shuffle(rows)
    return rows[:80], rows[80:]
'''

FIXED_LOAD = '''\
def load_rows(path):
    """Load the rows csv; a missing file is an error."""
    with open(path) as handle:
        return [line.split(",") for line in handle]
'''

NOTE = "no synthetic fallback: fail when the file is missing"


@pytest.fixture
def repo(git_repo: GitRepo) -> GitRepo:
    git_repo.write("SPEC.md", SPEC)
    git_repo.commit("spec")
    git_repo.write("src/data.py", DATA)
    git_repo.commit("Load and split the rows")
    return git_repo


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def review_round_one(repo: GitRepo) -> tuple[str, str]:
    """Flag `load_rows` with the note, approve `split_rows` after it; returns their chunk ids."""
    session = ReviewSession.open(repo.root, lock=True)
    try:
        load = next(c.id for c in session.chunks if c.symbol == "load_rows")
        split = next(c.id for c in session.chunks if c.symbol == "split_rows")
        session.flag(load, NOTE)
        session.approve(split)
        session.add_request(split, "simplify", "one line for the split")
        session.update_request("R1", status="done")
    finally:
        session.close()
    return load, split


def rework_load(repo: GitRepo) -> None:
    text = DATA.replace(DATA[DATA.index("def load_rows") : DATA.index("def split_rows")], "")
    repo.write(
        "src/data.py",
        text.replace("import random\n\n\n", "import random\n\n\n" + FIXED_LOAD + "\n\n"),
    )


def test_the_flag_survives_the_checkpoint_in_both_formats_and_with_all(
    repo: GitRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    load, _ = review_round_one(repo)
    shown = ReviewSession.open(repo.root).chunk(load).location  # where the app showed it
    assert shown == "src/data.py:2-10"
    assert run(capsys, "checkpoint", "--repo", str(repo.root))[0] == 0

    code, prompt, err = run(capsys, "requests", "--repo", str(repo.root), "--format", "prompt")
    assert code == 0, err
    assert "Flags from earlier rounds, not cleared yet" in prompt
    # the flagged chunk is read back from its round (git, between the checkpoints): where and what
    assert "1. `src/data.py:2-10` (`load_rows`, flagged 20" in prompt and NOTE in prompt
    assert "The code it was about:" in prompt and '+        return [["synthetic", "row"]]' in prompt

    for extra in ([], ["--all"]):
        code, text, err = run(capsys, "requests", "--repo", str(repo.root), *extra)
        assert code == 0, err
        assert "## Flags from earlier rounds" in text
        assert "### flagged earlier — `src/data.py:2-10` (`load_rows`)" in text
        assert f"on chunk `{load}`, in the round that ended at checkpoint" in text
        assert NOTE in text
    assert "R1 · simplify (done)" in text  # --all still lists the done request


def test_a_flag_without_a_note_carries_what_the_checks_found_on_its_chunk(
    repo: GitRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    repo.write("src/io.py", SWALLOWING)
    repo.commit("Read the rows quietly")
    session = ReviewSession.open(repo.root, lock=True)
    session.flag(next(c.id for c in session.chunks if c.symbol == "read_quietly"), "")
    session.flag(next(c.id for c in session.chunks if c.symbol == "split_rows"), " ")
    session.close()
    run(capsys, "checkpoint", "--repo", str(repo.root))
    _, prompt, _ = run(capsys, "requests", "--repo", str(repo.root), "--format", "prompt")
    item = prompt[prompt.index("`src/io.py:") :]
    assert "(`read_quietly`, flagged 20" in item
    assert "Flagged without a note; the checks found: " in item and "(`swallowed-error`)" in item
    split = prompt[prompt.index("`src/data.py:") :]
    assert split.index("Flagged without a note: ask the reviewer what is wrong") < split.index(
        "The code it was about:"
    )


SWALLOWING = """\
def read_quietly(path):
    try:
        with open(path) as handle:
            return handle.read()
    except Exception:
        pass
"""


def test_the_agents_rework_after_the_checkpoint_shows_the_note_until_the_reviewer_decides_it(
    repo: GitRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    review_round_one(repo)
    run(capsys, "checkpoint", "--repo", str(repo.root))
    rework_load(repo)

    session = ReviewSession.open(repo.root, lock=True)
    reworked = next(c for c in session.chunks if c.symbol == "load_rows")
    prompt = requests_prompt(session.requests, session)
    assert NOTE in prompt
    assert (
        f"Its file changed since, not yet reviewed: `{reworked.location}` (`load_rows`)" in prompt
    )
    export = session.export_markdown()
    block = export[export.index(f"#### `{reworked.location}`") :]
    assert block.index("- Decision: **pending**") < block.index("- Flagged in an earlier round (20")
    assert NOTE in block.split("```")[0]
    assert "## Flags from earlier rounds" in export
    assert [flag.reopened[0].id for flag in earlier_flags(session)] == [reworked.id]
    data = json.loads(_status_json(capsys, repo))
    assert [item["reopened"] for item in data["earlier_flags"]] == [[reworked.id]]

    session.approve(reworked.id)
    assert earlier_flags(session) == []
    assert NOTE not in requests_prompt(session.requests, session)
    assert "Flags from earlier rounds" not in session.export_markdown()
    session.close()


def test_a_flag_re_opened_by_the_agent_without_a_checkpoint_keeps_its_note(
    repo: GitRepo,
) -> None:
    review_round_one(repo)
    rework_load(repo)
    session = ReviewSession.open(repo.root)
    carried = earlier_flags(session)
    assert [flag.note for flag in carried] == [NOTE] and carried[0].checkpoint is None
    assert "load_rows" in [chunk.symbol for chunk in carried[0].reopened]
    assert NOTE in requests_prompt(session.requests, session)
    text = session.export_markdown()
    assert "on code changed since in this round" in text


def test_approving_other_code_of_the_file_in_the_same_round_does_not_clear_the_flag(
    repo: GitRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    """`split_rows` was approved after `load_rows` was flagged, in the same round: after the
    checkpoint the flag is still open (the agent has not touched the file)."""
    review_round_one(repo)
    run(capsys, "checkpoint", "--repo", str(repo.root))
    repo.write("src/other.py", "def other():\n    return 1\n")
    session = ReviewSession.open(repo.root)
    assert [flag.path for flag in earlier_flags(session)] == ["src/data.py"]
    assert earlier_flags(session)[0].reopened == ()
    assert "flags from earlier rounds: 1 not cleared, 0 re-opened" in _status_text(capsys, repo)


def test_clearing_the_flag_in_its_own_round_drops_it(
    repo: GitRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    first = repo.git("rev-parse", "HEAD~1").strip()  # the spec commit: round one started there
    load, _ = review_round_one(repo)
    run(capsys, "checkpoint", "--repo", str(repo.root))
    old = ReviewSession.open(repo.root, f"{first[:12]}..HEAD", lock=True)
    old.reset(load)
    old.close()
    _, prompt, _ = run(capsys, "requests", "--repo", str(repo.root), "--format", "prompt")
    assert NOTE not in prompt


def test_an_export_right_after_a_checkpoint_lists_open_requests_only(
    repo: GitRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    review_round_one(repo)
    session = ReviewSession.open(repo.root, lock=True)
    session.add_request(None, "question", "why 80 rows?")
    session.close()
    run(capsys, "checkpoint", "--repo", str(repo.root))
    code, text, err = run(capsys, "export", "--repo", str(repo.root))
    assert code == 0, err
    assert "R2 · question" in text
    assert "R1" not in text and "(done)" not in text


def test_the_full_export_lists_open_requests_and_counts_the_done_ones(repo: GitRepo) -> None:
    review_round_one(repo)
    session = ReviewSession.open(repo.root)
    text = session.export_markdown()
    requests = text[text.index("## Requests") :]
    assert "R1" not in requests
    assert "1 done request not listed (`reviewtui requests --all` lists them)." in requests


def _status_json(capsys: pytest.CaptureFixture[str], repo: GitRepo) -> str:
    code, out, err = run(capsys, "status", "--json", "--repo", str(repo.root))
    assert code == 0, err
    return out


def _status_text(capsys: pytest.CaptureFixture[str], repo: GitRepo) -> str:
    code, out, err = run(capsys, "status", "--repo", str(repo.root))
    assert code == 0, err
    return out


def test_a_flag_reworked_and_reviewed_before_the_checkpoint_does_not_come_back(
    repo: GitRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    """The QA repo's round one: flag, the agent fixes it in the same round, the reviewer approves
    the fix, checkpoint. The next rounds must not hand the fixed flag to the agent again."""
    review_round_one(repo)
    rework_load(repo)
    repo.commit("Fix the review findings")
    session = ReviewSession.open(repo.root, lock=True)
    for chunk in session.chunks:
        if session.decision(chunk.id).status == "pending":
            session.approve(chunk.id)
    assert earlier_flags(session) == []
    session.close()
    run(capsys, "checkpoint", "--repo", str(repo.root))
    repo.write("src/other.py", "def other():\n    return 1\n")
    repo.commit("More work")
    run(capsys, "checkpoint", "--repo", str(repo.root))
    repo.write("src/data.py", (repo.root / "src/data.py").read_text() + "\n\nLIMIT = 80\n")

    _, prompt, err = run(capsys, "requests", "--repo", str(repo.root), "--format", "prompt")
    assert NOTE not in prompt, err


def test_a_rework_left_pending_at_the_checkpoint_keeps_the_flag_open(
    repo: GitRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    review_round_one(repo)
    rework_load(repo)
    repo.commit("Fix the review findings")
    run(capsys, "checkpoint", "--repo", str(repo.root))
    _, prompt, _ = run(capsys, "requests", "--repo", str(repo.root), "--format", "prompt")
    assert NOTE in prompt


def test_the_tail_of_an_empty_export_right_after_the_checkpoint_carries_the_flags(
    repo: GitRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    """`export_tail` is the end of every export; the export of an empty phase can use it too."""
    review_round_one(repo)
    run(capsys, "checkpoint", "--repo", str(repo.root))
    session = ReviewSession.open(repo.root, allow_empty=True)
    assert session.is_empty
    tail = export_tail(session)
    assert tail.index("## Flags from earlier rounds") < tail.index("## Requests")
    assert NOTE in tail and "R1" not in tail


def test_a_flag_that_followed_its_chunk_to_the_other_id_form_is_no_earlier_flag(
    git_repo: GitRepo,
) -> None:
    """Copies of one change have symbol-qualified ids; when the agent changes the other copy, the
    flagged copy's id switches to the plain form and its flag follows it (it is in this phase)."""
    body = "\n\n".join(
        f"def {name}(model):\n    {{{name}}}\n    return model(1)\n" for name in ("train", "test")
    )
    git_repo.write("SPEC.md", "# S\n\n## 1 Train\n\nSeed everything.\n")
    git_repo.write("src/run.py", body.format(train="pass", test="pass"))
    git_repo.commit("base")
    git_repo.write("src/run.py", body.format(train="seed(0)", test="seed(0)"))
    first = ReviewSession.open(git_repo.root, "HEAD")
    first.flag(next(c.id for c in first.chunks if c.symbol == "test"), NOTE)
    git_repo.write("src/run.py", body.format(train="seed(1)", test="seed(0)"))
    second = ReviewSession.open(git_repo.root, "HEAD")
    test = next(c for c in second.chunks if c.symbol == "test")
    assert test.id not in {c.id for c in first.chunks}  # the id switched form...
    assert second.decision(test.id).note == NOTE  # ...and the flag followed it
    assert earlier_flags(second) == []
    assert "Flags from earlier rounds" not in requests_prompt(second.requests, second)
