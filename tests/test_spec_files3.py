"""Spec files outside the repo and spec files the agent creates (review findings N1, N2).

N1: a spec named with `..` (`--spec ../notes.md`) is outside the repo: the spec at the phase's base
is parsed in memory (no copy is written anywhere), and it is never looked up in git.
N2: a discovered spec file (PLAN.md, TODO.md, `specs/*/tasks.md`) that the agent adds in a phase
with a base, while another spec file existed there, is the agent's: it stays in the phase, flagged
`spec-edited`, out of the spec the linker and the checks read, with a warning. A file the reviewer
names with `--spec` stays the spec (with a warning when it is new in the phase).
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import pytest

from reviewtui.cli import main
from reviewtui.core.models import Spec
from reviewtui.core.phasefiles import spec_at_base
from reviewtui.core.session import ReviewSession
from reviewtui.core.spec import DiscoveredSpecs, discover_specs, inside_repo, load_spec
from tests.gitrepo import GitRepo

SPEC = """\
# Spec

## 1 Train

Use AdamW with learning rate 2e-5 for 3 epochs.

## 2 Evaluation

Evaluate on the full test set.
"""

PLAN = """\
# Plan

## Shortcuts

- [x] Evaluate on the first 100 examples to save time
- [x] Train with learning rate 1e-3 for speed
"""

NOTES = "# Notes\n\n## 9 Extra\n\nKeep the batch size at 32.\n"
TRAIN = "from torch.optim import AdamW\n\nopt = AdamW(params, lr=1e-3)\nepochs = 3\n"
EVAL = "def evaluate(ds):\n    # shortcuts: first 100 examples to save time\n    return score(ds[:100])\n"


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def checkpointed(repo: GitRepo, capsys: pytest.CaptureFixture[str]) -> GitRepo:
    """SPEC.md and train.py committed and checkpointed: the next phase starts there."""
    repo.write("SPEC.md", SPEC)
    repo.write("train.py", "x = 0\n")
    repo.commit("spec")
    assert main(["checkpoint", "--repo", str(repo.root)]) == 0
    capsys.readouterr()
    return repo


def rules_by_path(session: ReviewSession) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for chunk in session.chunks:
        found.setdefault(chunk.path, []).extend(f.rule for f in session.flags_of(chunk.id))
    return found


# --------------------------------------------------------------------------- N1: outside the repo


@pytest.mark.parametrize(
    ("path", "inside"),
    [
        ("SPEC.md", True),
        ("docs/SPEC.md", True),
        ("docs/../SPEC.md", True),
        ("..notes.md", True),
        ("../notes.md", False),
        ("docs/../../notes.md", False),
        ("../../x/SPEC.md", False),
        ("/abs/SPEC.md", False),
        (".", False),
    ],
)
def test_inside_repo(path: str, inside: bool) -> None:
    assert inside_repo(path) is inside


@pytest.fixture
def outside(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[GitRepo, Path]:
    """A repo at work/repo with SPEC.md, notes at work/notes.md (`../notes.md` from the repo), and
    the temp folder moved to an empty `tmp/inner/` (a stray copy of `../notes.md` made in a temp
    folder inside it would land in it)."""
    temp = tmp_path / "tmp" / "inner"
    temp.mkdir(parents=True)
    monkeypatch.setattr(tempfile, "tempdir", str(temp))
    (tmp_path / "work").mkdir()
    (tmp_path / "work" / "notes.md").write_text(NOTES, encoding="utf-8")
    repo = GitRepo.init(tmp_path / "work" / "repo")
    repo.write("SPEC.md", SPEC)
    repo.write("train.py", "x = 0\n")
    repo.commit("spec")
    monkeypatch.chdir(repo.root)
    return repo, tmp_path / "tmp"


def test_an_edited_spec_beside_a_spec_outside_the_repo_writes_no_copy(
    outside: tuple[GitRepo, Path],
) -> None:
    repo, temp = outside
    repo.write("SPEC.md", SPEC.replace("2e-5", "1e-3"))
    repo.write("train.py", TRAIN)
    session = ReviewSession.open(repo.root, "HEAD", specs=["SPEC.md", "../notes.md"])
    assert session.spec.files == ["SPEC.md", "../notes.md"]
    assert sorted(str(p.relative_to(temp)) for p in temp.rglob("*")) == ["inner"]
    assert not any((temp / "inner").iterdir())
    assert rules_by_path(session) == {"SPEC.md": ["spec-edited"], "train.py": ["spec-mismatch"]}
    entry = session.ledger.get("learning_rate")
    assert entry is not None and [value.text for value in entry.spec_values] == ["2e-5"]
    assert session.spec.get("9-extra") is not None


def test_spec_at_base_parses_in_memory_and_reads_an_outside_file_where_it_is(
    outside: tuple[GitRepo, Path],
) -> None:
    repo, temp = outside
    base = repo.head()
    repo.write("SPEC.md", SPEC.replace("## 2 Evaluation", "## 2 Quick evaluation"))
    spec = load_spec(repo.root, ["SPEC.md", "../notes.md"])
    reviewers = spec_at_base(repo.root, base, spec, ["SPEC.md", "../notes.md"])
    assert reviewers.files == ["SPEC.md", "../notes.md"]
    titles = [section.title for section in reviewers.sections]
    assert titles == ["Spec", "1 Train", "2 Evaluation", "Notes", "9 Extra"]
    assert "2 Quick evaluation" in [section.title for section in spec.sections]
    assert not any((temp / "inner").iterdir())


def test_load_spec_texts_replace_the_files_bytes(git_repo: GitRepo) -> None:
    git_repo.write("SPEC.md", SPEC)
    spec = load_spec(git_repo.root, ["SPEC.md"], texts={"SPEC.md": b"# Other\n\n## 5 Five\n"})
    assert [section.id for section in spec.sections] == ["other", "5-five"]
    assert not spec.discovered
    assert load_spec(git_repo.root, DiscoveredSpecs(["SPEC.md"])).discovered


def test_discovered_and_named_specs_are_told_apart(git_repo: GitRepo) -> None:
    git_repo.write("SPEC.md", SPEC)
    git_repo.write("PLAN.md", PLAN)
    found = discover_specs(git_repo.root, [])
    assert isinstance(found, DiscoveredSpecs) and found == ["SPEC.md", "PLAN.md"]
    named = discover_specs(git_repo.root, ["SPEC.md", "PLAN.md"])
    assert not isinstance(named, DiscoveredSpecs) and named == ["SPEC.md", "PLAN.md"]


def test_status_with_a_spec_outside_the_repo_after_a_checkpoint(
    outside: tuple[GitRepo, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    repo, _ = outside
    assert main(["checkpoint", "--repo", str(repo.root)]) == 0
    capsys.readouterr()
    repo.write("SPEC.md", SPEC.replace("2e-5", "1e-3"))
    repo.write("train.py", TRAIN)
    code, out, err = run(
        capsys, "status", "--json", "--repo", str(repo.root), "--spec", "SPEC.md", "--spec",
        "../notes.md",
    )  # fmt: skip
    assert code == 0, err
    assert json.loads(out)["specs"] == ["SPEC.md", "../notes.md"]


# --------------------------------------------------------------------------- N2: the agent's plan


def test_a_plan_the_agent_adds_is_reviewed_flagged_and_not_the_spec(
    git_repo: GitRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = checkpointed(git_repo, capsys)
    repo.write("PLAN.md", PLAN)
    repo.write("eval.py", EVAL)
    repo.write("train.py", TRAIN)
    session = ReviewSession.open(repo.root)
    assert session.spec.files == ["SPEC.md"]
    assert all(section.spec == "SPEC.md" for section in session.spec.sections)
    assert session.spec.get("shortcuts") is None
    rules = rules_by_path(session)
    assert set(rules) == {"PLAN.md", "eval.py", "train.py"}
    assert set(rules["PLAN.md"]) == {"spec-edited"}
    assert "spec-mismatch" in rules["train.py"]  # the plan's 1e-3 does not excuse the code
    entry = session.ledger.get("learning_rate")
    assert entry is not None and [value.text for value in entry.spec_values] == ["2e-5"]
    plan_chunk = next(chunk for chunk in session.chunks if chunk.path == "PLAN.md")
    (flag,) = session.flags_of(plan_chunk.id)
    assert flag.severity == "high"
    assert flag.message.startswith(
        'the agent added this spec file (read as its own, not the spec): "'
    )
    for chunk in session.chunks:
        section = session.section_of(chunk.id)
        assert section is None or section.spec == "SPEC.md"
    assert any(
        w.startswith("PLAN.md is new in this phase: read as the agent's") for w in session.warnings
    )


def test_the_agents_plan_is_warned_about_once(
    git_repo: GitRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = checkpointed(git_repo, capsys)
    repo.write("PLAN.md", PLAN)
    repo.write("eval.py", EVAL)
    session = ReviewSession.open(repo.root)
    assert len([w for w in session.warnings if "PLAN.md" in w]) == 1


def test_status_json_of_the_reproduction(
    git_repo: GitRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = checkpointed(git_repo, capsys)
    repo.write("PLAN.md", PLAN)
    repo.write("eval.py", EVAL)
    code, out, err = run(capsys, "status", "--json", "--repo", str(repo.root))
    assert code == 0, err
    data = json.loads(out)
    assert data["specs"] == ["SPEC.md"]
    assert sorted({chunk["path"] for chunk in data["chunks"]}) == ["PLAN.md", "eval.py"]
    assert [s["title"] for s in data["sections"]] == ["Spec", "1 Train", "2 Evaluation"]
    assert "PLAN.md is new in this phase" in err


def test_the_same_on_a_second_opening(
    git_repo: GitRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    """The phase cache's key is taken from the reviewer's spec: a reopening agrees."""
    repo = checkpointed(git_repo, capsys)
    repo.write("PLAN.md", PLAN)
    repo.write("train.py", TRAIN)
    first = ReviewSession.open(repo.root)
    second = ReviewSession.open(repo.root)
    assert rules_by_path(first) == rules_by_path(second)
    assert second.spec.files == ["SPEC.md"] and "PLAN.md" in rules_by_path(second)


@pytest.mark.parametrize("path", ["TODO.md", "specs/001-x/tasks.md"])
def test_other_discovered_files_the_agent_adds(
    git_repo: GitRepo, capsys: pytest.CaptureFixture[str], path: str
) -> None:
    if path.startswith("specs/"):
        git_repo.write("specs/001-x/spec.md", SPEC)
        git_repo.commit("spec-kit spec")
    repo = checkpointed(git_repo, capsys)
    repo.write(path, "# Tasks\n\n- [ ] T001 Skip the test set\n")
    repo.write("train.py", TRAIN)
    session = ReviewSession.open(repo.root)
    assert path not in session.spec.files and session.spec.get("T001") is None
    assert rules_by_path(session)[path] == ["spec-edited"]


def test_a_plan_named_with_spec_stays_the_spec_with_a_warning(
    git_repo: GitRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = checkpointed(git_repo, capsys)
    repo.write("PLAN.md", PLAN)
    repo.write("train.py", TRAIN)
    session = ReviewSession.open(repo.root, specs=["SPEC.md", "PLAN.md"])
    assert session.spec.files == ["SPEC.md", "PLAN.md"] and session.spec.get("shortcuts")
    assert {chunk.path for chunk in session.chunks} == {"train.py"}
    assert [w for w in session.warnings if "PLAN.md" in w] == [
        "PLAN.md is new in this phase: read as the spec, as you named it (--spec or the spec setting)"
    ]


def test_the_spec_setting_is_a_named_choice_too(
    git_repo: GitRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = checkpointed(git_repo, capsys)
    repo.write("pyproject.toml", '[tool.reviewtui]\nspec = ["SPEC.md", "PLAN.md"]\n')
    repo.commit("config")
    assert main(["checkpoint", "--repo", str(repo.root)]) == 0
    repo.write("PLAN.md", PLAN)
    repo.write("train.py", TRAIN)
    session = ReviewSession.open(repo.root)
    assert session.spec.files == ["SPEC.md", "PLAN.md"]
    assert "PLAN.md" not in {chunk.path for chunk in session.chunks}


def test_without_a_spec_at_the_base_new_spec_files_are_the_reviewers(git_repo: GitRepo) -> None:
    git_repo.write("train.py", "x = 0\n")
    git_repo.commit("start")
    git_repo.write("SPEC.md", SPEC)
    git_repo.write("PLAN.md", PLAN)
    git_repo.write("train.py", TRAIN)
    session = ReviewSession.open(git_repo.root, "HEAD")
    assert session.spec.files == ["SPEC.md", "PLAN.md"]
    assert {chunk.path for chunk in session.chunks} == {"train.py"}
    assert not any("new in this phase" in warning for warning in session.warnings)


def test_a_first_phase_without_a_base_keeps_its_spec_files(git_repo: GitRepo) -> None:
    git_repo.write("SPEC.md", SPEC)
    git_repo.write("PLAN.md", PLAN)
    git_repo.write("train.py", TRAIN)
    git_repo.commit("all at once")
    session = ReviewSession.open(git_repo.root)
    assert session.phase.base is None
    assert session.spec.files == ["SPEC.md", "PLAN.md"]
    assert {chunk.path for chunk in session.chunks} == {"train.py"}


def test_an_edited_plan_that_existed_at_the_base_is_an_edit_not_the_agents(
    git_repo: GitRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    git_repo.write("PLAN.md", PLAN)
    repo = checkpointed(git_repo, capsys)
    repo.write("PLAN.md", PLAN.replace("first 100", "first 10"))
    session = ReviewSession.open(repo.root)
    assert session.spec.files == ["SPEC.md", "PLAN.md"]
    (chunk,) = session.chunks
    assert chunk.path == "PLAN.md"
    assert session.flags_of(chunk.id)[0].message.startswith("the agent changed the spec:")


def test_spec_edited_switched_off_keeps_the_agents_plan_in_the_phase(
    git_repo: GitRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    git_repo.write("pyproject.toml", '[tool.reviewtui.checks]\ndisabled = ["spec-edited"]\n')
    repo = checkpointed(git_repo, capsys)
    repo.write("PLAN.md", PLAN)
    session = ReviewSession.open(repo.root)
    assert session.spec.files == ["SPEC.md"]
    assert rules_by_path(session) == {"PLAN.md": []}


def test_spec_at_base_skips_the_agents_files(git_repo: GitRepo) -> None:
    git_repo.write("SPEC.md", SPEC)
    base = git_repo.commit("spec")
    spec = Spec(["SPEC.md"], load_spec(git_repo.root, ["SPEC.md"]).sections)
    assert spec_at_base(git_repo.root, base, spec, ["PLAN.md"]) is spec
