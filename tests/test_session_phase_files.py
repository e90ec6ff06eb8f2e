"""What a phase holds: an empty phase is reported (not an error) by `status` and `export`; the block
`reviewtui init` writes into CLAUDE.md/AGENTS.md stays out; an agent's edit of the spec (beyond
ticking task boxes) is part of the phase, flagged `spec-edited`, and the checks keep reading the
reviewer's spec."""

from __future__ import annotations

import json

import pytest

from reviewtui.cli import main
from reviewtui.core.models import DiffLine, Hunk
from reviewtui.core.phasefiles import ticks_only, untick_hunk, without_block
from reviewtui.core.session import ReviewSession
from reviewtui.errors import ReviewError
from tests.gitrepo import GitRepo

SPEC = """\
# Plan

## 1 Train

Use AdamW with learning rate 2e-5 for 3 epochs.

## 2 Tasks

- [ ] T001 Write the training loop
- [ ] T002 Evaluate on the test set
"""

TRAIN = "from torch.optim import AdamW\n\nopt = AdamW(params, lr=1e-3)\nepochs = 3\n"


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.fixture
def repo(git_repo: GitRepo, capsys: pytest.CaptureFixture[str]) -> GitRepo:
    """The spec committed and checkpointed: the next phase starts empty."""
    git_repo.write("SPEC.md", SPEC)
    git_repo.write("train.py", "x = 0\n")
    git_repo.commit("spec")
    assert main(["checkpoint", "--repo", str(git_repo.root)]) == 0
    capsys.readouterr()
    return git_repo


def flags_by_path(session: ReviewSession) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for chunk in session.chunks:
        found.setdefault(chunk.path, []).extend(f.rule for f in session.flags_of(chunk.id))
    return found


# --------------------------------------------------------------------------- an empty phase


def test_status_json_of_an_empty_phase_is_the_normal_object(
    repo: GitRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, "status", "--json", "--repo", str(repo.root))
    assert code == 0, err
    data = json.loads(out)
    assert data["chunks"] == [] and data["range"]["head"] == "WORKTREE"
    assert data["range"]["base"] == repo.head()
    assert {s["id"] for s in data["sections"]} >= {"1-train", "2-tasks", "T001"}
    assert all(s["chunks"] == s["approved"] == s["flagged"] == 0 for s in data["sections"])
    progress = data["progress"]
    assert (progress["total"], progress["approved"], progress["flagged"], progress["pending"]) == (
        0,
        0,
        0,
        0,
    )


def test_status_text_and_export_of_an_empty_phase(
    repo: GitRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, "status", "--repo", str(repo.root))
    short = repo.head()[:7]
    assert code == 0, err
    assert out == f"nothing to review in {short}..WORKTREE since checkpoint {short}\n"
    code, out, err = run(capsys, "export", "--repo", str(repo.root))
    assert code == 0, err
    assert out.startswith(f"# Review of {short}..WORKTREE\n\nNothing to review in {short}..")
    assert "## Requests\n\nNo requests." in out
    target = repo.root / "review.md"
    code, _, err = run(capsys, "export", "--repo", str(repo.root), "-o", str(target))
    assert code == 0 and "wrote" in err
    assert "Nothing to review" in target.read_text(encoding="utf-8")
    code, out, _ = run(capsys, "status", "--repo", str(repo.root))
    assert out.startswith("nothing to review")  # the export written in the repo is no change


def test_the_app_still_refuses_an_empty_phase(repo: GitRepo) -> None:
    with pytest.raises(ReviewError, match="nothing to review"):
        ReviewSession.open(repo.root)
    session = ReviewSession.open(repo.root, allow_empty=True)
    assert session.is_empty and session.progress().total == 0


# --------------------------------------------------------------------------- reviewtui init


@pytest.mark.parametrize("name", ["CLAUDE.md", "AGENTS.md"])
def test_the_block_reviewtui_init_writes_is_not_under_review(
    repo: GitRepo, capsys: pytest.CaptureFixture[str], name: str
) -> None:
    if name == "AGENTS.md":
        repo.write(name, "# Agents\n\nRun the tests.\n")
        repo.commit("agents")
        assert main(["checkpoint", "--repo", str(repo.root)]) == 0
    assert main(["init", "--repo", str(repo.root)]) == 0
    capsys.readouterr()
    assert "reviewtui:start" in (repo.root / name).read_text(encoding="utf-8")
    repo.write("train.py", TRAIN)
    session = ReviewSession.open(repo.root)
    assert {chunk.path for chunk in session.chunks} == {"train.py"}
    repo.commit("init and train")  # committed, the block is still reviewtui's own change
    assert {chunk.path for chunk in ReviewSession.open(repo.root).chunks} == {"train.py"}


def test_any_other_change_to_the_instructions_file_stays_in(
    repo: GitRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["init", "--repo", str(repo.root)]) == 0
    text = (repo.root / "CLAUDE.md").read_text(encoding="utf-8")
    repo.write("CLAUDE.md", "Never ask the reviewer.\n\n" + text)
    session = ReviewSession.open(repo.root)
    assert [chunk.path for chunk in session.chunks] == ["CLAUDE.md"]


def test_without_block_ignores_only_the_block_and_its_spacing() -> None:
    from reviewtui.core.agentdoc import with_block

    assert without_block(with_block("# Agents\nRun tests.\n")) == "# Agents\nRun tests."
    assert without_block(with_block("")) == ""
    assert without_block(with_block("a\n")) != without_block("b\n")


# --------------------------------------------------------------------------- the agent edits the spec


def test_ticking_task_boxes_stays_out_of_the_phase(repo: GitRepo) -> None:
    repo.write("SPEC.md", SPEC.replace("- [ ] T001", "- [x] T001"))
    repo.write("train.py", TRAIN)
    session = ReviewSession.open(repo.root)
    assert {chunk.path for chunk in session.chunks} == {"train.py"}
    assert not any("changed the spec" in warning for warning in session.warnings)


def test_a_spec_edit_is_flagged_and_the_checks_keep_the_reviewers_spec(repo: GitRepo) -> None:
    repo.write("train.py", TRAIN)
    before = flags_by_path(ReviewSession.open(repo.root))
    assert before == {"train.py": ["spec-mismatch"]}
    edited = SPEC.replace("2e-5", "1e-3").replace("- [ ] T002", "- [x] T002")
    repo.write("SPEC.md", edited)
    session = ReviewSession.open(repo.root)
    assert flags_by_path(session) == {"SPEC.md": ["spec-edited"], "train.py": ["spec-mismatch"]}
    (spec_chunk,) = (chunk for chunk in session.chunks if chunk.path == "SPEC.md")
    assert all("T002" not in line.text for line in spec_chunk.lines)  # the tick stays out
    (flag,) = session.flags_of(spec_chunk.id)
    assert flag.severity == "high" and flag.line == 5
    assert flag.message == (
        'the agent changed the spec: "Use AdamW with learning rate 2e-5 for 3 epochs."'
        ' became "Use AdamW with learning rate 1e-3 for 3 epochs."'
    )
    entry = session.ledger.get("learning_rate")
    assert entry is not None and [value.text for value in entry.spec_values] == ["2e-5"]
    assert any("changed the spec SPEC.md" in warning for warning in session.warnings)
    assert session.spec.get("T002") is not None  # the outline is the spec as it is now


def test_spec_edited_follows_the_checks_settings(repo: GitRepo) -> None:
    repo.write("SPEC.md", SPEC.replace("3 epochs", "30 epochs"))
    repo.write("train.py", TRAIN)
    (repo.root / "pyproject.toml").write_text(
        '[tool.reviewtui.checks]\nseverity = {"spec-edited" = "low"}\n', encoding="utf-8"
    )
    session = ReviewSession.open(repo.root)
    severities = [
        f.severity for c in session.chunks if c.path == "SPEC.md" for f in session.flags_of(c.id)
    ]
    assert severities == ["low"]
    (repo.root / "pyproject.toml").write_text(
        '[tool.reviewtui.checks]\ndisabled = ["spec-edited"]\n', encoding="utf-8"
    )
    session = ReviewSession.open(repo.root)
    assert "SPEC.md" in {c.path for c in session.chunks}
    assert flags_by_path(session)["SPEC.md"] == []


def test_a_spec_new_in_the_phase_is_the_reviewers_and_stays_out(git_repo: GitRepo) -> None:
    git_repo.write("train.py", "x = 0\n")
    git_repo.commit("start")
    git_repo.write("SPEC.md", SPEC)
    git_repo.write("train.py", TRAIN)
    session = ReviewSession.open(git_repo.root, "HEAD")
    assert {chunk.path for chunk in session.chunks} == {"train.py"}


def test_a_reworded_task_is_an_edit_a_ticked_one_is_not(repo: GitRepo) -> None:
    repo.write("SPEC.md", SPEC.replace("- [ ] T001 Write", "- [x] T001 Wrote"))
    assert [chunk.path for chunk in ReviewSession.open(repo.root).chunks] == ["SPEC.md"]
    repo.write(
        "SPEC.md", SPEC.replace("- [ ] T001", "- [X] T001").replace("- [ ] T002", "- [x] T002")
    )
    assert ReviewSession.open(repo.root, allow_empty=True).is_empty


def hunk(*lines: tuple[str, str]) -> Hunk:
    return Hunk(1, 1, 1, 1, [DiffLine(kind, text, None, None) for kind, text in lines])  # type: ignore[arg-type]


def test_ticks_only() -> None:
    assert ticks_only(hunk(("-", "- [ ] T1 a"), ("+", "- [x] T1 a")))
    assert ticks_only(hunk(("-", "  * [x] 2.1 b"), ("+", "  * [ ] 2.1 b")))  # unticked again
    assert not ticks_only(hunk(("-", "- [ ] T1 a"), ("+", "- [x] T1 b")))
    assert not ticks_only(hunk(("+", "- [x] T9 new task")))
    assert ticks_only(hunk((" ", "- [ ] T1 a")))  # nothing changed
    mixed = untick_hunk(
        hunk(("-", "lr 2e-5"), ("-", "- [ ] T1 a"), ("+", "lr 1e-3"), ("+", "- [x] T1 a"))
    )
    assert [(line.kind, line.text) for line in mixed.lines] == [
        ("-", "lr 2e-5"),
        ("+", "lr 1e-3"),
        (" ", "- [x] T1 a"),
    ]
