"""`reviewtui export -o FILE` never overwrites a file that is not a reviewtui export (a file git
tracks, the user's notes, an export the user edited since) unless `--force`: it refuses with one
line and exit 1, before the phase is assembled. Exporting again over a reviewtui export (the text
recorded in `exports.json`, or, where exports are not recorded, a text that reads as one) stays
allowed. The app's `x` follows the same rule and shows the refusal as a notification. Real
repositories in tmp_path, the real command line and app.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from reviewtui.cli import main
from reviewtui.core.export_target import overwrite_refusal, reads_as_export
from reviewtui.core.session import ReviewSession
from reviewtui.tui.app import ReviewApp
from tests.gitrepo import GitRepo

README = "# My project\n\nHand-written documentation.\n"
NOTES = "notes the reviewer keeps beside the code\n"


@pytest.fixture
def repo(git_repo: GitRepo) -> GitRepo:
    """SPEC.md and README.md committed, then the agent's phase (uncommitted)."""
    git_repo.write("SPEC.md", "# S\n\n## 1 Train\n\nTrain with lr 2e-5.\n")
    git_repo.write("README.md", README)
    git_repo.commit("base")
    git_repo.write("train.py", "def train():\n    lr = 2e-5\n    return lr\n")
    return git_repo


def export(repo: GitRepo, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    """`reviewtui export --repo ROOT ARGS...`: the exit code and stderr."""
    code = main(["export", "--repo", str(repo.root), "--no-llm", *args])
    return code, capsys.readouterr().err


def recorded(repo: GitRepo) -> list[str]:
    path = repo.root / ".reviewtui" / "exports.json"
    return json.loads(path.read_text())["exports"] if path.exists() else []


def assert_refused(code: int, err: str, path: Path, why: str) -> None:
    assert code == 1
    assert err.count("\n") == 1 and err.startswith("reviewtui: error: not exported: ")
    assert f"{path} {why}" in err and err.rstrip().endswith("(--force overwrites it)")


def test_a_tracked_file_is_refused_and_left_as_it_is(
    repo: GitRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    target = repo.root / "README.md"
    code, err = export(repo, capsys, "-o", str(target))
    assert_refused(code, err, target, "is tracked by git and does not hold a reviewtui export")
    assert target.read_text() == README
    assert "README.md" not in recorded(repo)


def test_force_overwrites_and_the_file_is_an_export_from_then_on(
    repo: GitRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    target = repo.root / "README.md"
    assert export(repo, capsys, "-o", str(target), "--force")[0] == 0
    assert target.read_text().startswith("# Review of ")
    assert recorded(repo) == ["README.md"]
    repo.write("eval.py", "def evaluate():\n    return 1\n")
    assert export(repo, capsys, "-o", str(target)) == (0, f"wrote {target}\n")  # a re-export
    assert "eval.py" in target.read_text()


def test_an_untracked_file_that_is_not_an_export_is_refused(
    repo: GitRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    notes = repo.write("notes.md", NOTES)
    code, err = export(repo, capsys, "-o", str(notes))
    assert_refused(code, err, notes, "exists and is not a reviewtui export")
    assert notes.read_text() == NOTES


def test_exporting_again_over_an_export_needs_no_force(
    repo: GitRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    target = repo.root / "docs" / "review.md"
    target.parent.mkdir()
    assert export(repo, capsys, "-o", str(target))[0] == 0
    repo.write("eval.py", "def evaluate():\n    return 1\n")
    assert export(repo, capsys, "-o", str(target))[0] == 0
    assert "eval.py" in target.read_text()
    repo.commit("the agent's phase, with its review", "docs/review.md", "train.py", "eval.py")
    assert export(repo, capsys, "-o", str(target))[0] == 0  # tracked, and holds that export


def test_an_export_the_user_edited_since_is_refused(
    repo: GitRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    target = repo.root / "review.md"
    assert export(repo, capsys, "-o", str(target))[0] == 0
    edited = target.read_text() + "\nMy own conclusions, written by hand.\n"
    target.write_text(edited)
    code, err = export(repo, capsys, "-o", str(target))
    assert_refused(code, err, target, "was changed since reviewtui exported the review to it")
    assert target.read_text() == edited


def test_outside_the_repo_an_export_is_recognised_by_its_text(
    repo: GitRepo, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    outside = tmp_path / "out" / "review.md"
    outside.parent.mkdir()
    assert export(repo, capsys, "-o", str(outside))[0] == 0
    assert export(repo, capsys, "-o", str(outside))[0] == 0  # never recorded: read as an export
    foreign = tmp_path / "out" / "todo.md"
    foreign.write_text(NOTES)
    code, err = export(repo, capsys, "-o", str(foreign))
    assert_refused(code, err, foreign, "exists and is not a reviewtui export")


def test_a_symlink_to_a_tracked_file_is_refused(
    repo: GitRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    link = repo.root / "link.md"
    link.symlink_to("README.md")
    code, err = export(repo, capsys, "-o", str(link))
    assert_refused(code, err, link, "is tracked by git and does not hold a reviewtui export")
    assert (repo.root / "README.md").read_text() == README


def test_a_name_that_reads_as_a_git_pattern_is_taken_literally(
    repo: GitRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    repo.write("notes1.md", NOTES)
    repo.commit("tracked notes", "notes1.md")
    odd = repo.root / "notes[1].md"  # as a pattern it would match the tracked notes1.md
    assert export(repo, capsys, "-o", str(odd))[0] == 0
    assert export(repo, capsys, "-o", str(odd))[0] == 0
    assert (repo.root / "notes1.md").read_text() == NOTES


def test_the_refusal_comes_before_the_phase_is_assembled(
    repo: GitRepo, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def never(*_args: object, **_kwargs: object) -> ReviewSession:
        raise AssertionError("the phase was assembled")

    monkeypatch.setattr(ReviewSession, "open", never)
    code, err = export(repo, capsys, "-o", str(repo.root / "README.md"))
    assert code == 1 and "is tracked by git" in err


def test_what_reads_as_an_export() -> None:
    assert reads_as_export(
        "# Review of HEAD~1..HEAD\n\n- Range: a → b\n- Spec: `SPEC.md`\n".encode()
    )
    assert reads_as_export(b"# Review of x\n\nNothing to review in x.\n\n- Spec: `S.md`\n")
    assert not reads_as_export(b"# Review of my week\n\nGood.\n")
    assert not reads_as_export(README.encode())
    assert not reads_as_export(b"\xff\xfe# Review of x\n- Spec: y\n")


def test_a_new_file_and_a_folder_are_not_refused_here(repo: GitRepo, tmp_path: Path) -> None:
    assert overwrite_refusal(repo.root, repo.root / "new.md") is None
    assert overwrite_refusal(repo.root, tmp_path) is None  # the write says why it fails


# --------------------------------------------------------------------------- the app's `x`


async def _press_export(root: Path) -> list[tuple[str, str]]:
    """Open the app on `root`, press `x`; the notifications shown (severity, message)."""
    app = ReviewApp(root, no_llm=True)
    async with app.run_test() as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        await pilot.press("x")
        await app.workers.wait_for_complete()
        await pilot.pause()
        return [(note.severity, note.message) for note in app._notifications]


async def test_the_apps_export_refuses_a_tracked_file_that_is_not_an_export(
    repo: GitRepo,
) -> None:
    target = repo.write(".reviewtui/review.md", NOTES)
    repo.commit("the reviewer's notes", ".reviewtui/review.md")
    shown = await _press_export(repo.root)
    errors = [message for severity, message in shown if severity == "error"]
    assert errors == [
        f"Not exported: {target} exists and is not a reviewtui export: move it away, then "
        "export again"
    ]
    assert target.read_text() == NOTES


async def test_the_apps_export_rewrites_its_own_file(repo: GitRepo) -> None:
    target = repo.write(".reviewtui/review.md", "left by an older reviewtui\n")  # untracked
    shown = await _press_export(repo.root)
    assert ("information", f"Review exported to {target}") in shown
    assert target.read_text().startswith("# Review of ")
    repo.commit("the review", ".reviewtui/review.md")
    shown = await _press_export(repo.root)  # tracked now, and holding an export
    assert ("information", f"Review exported to {target}") in shown
