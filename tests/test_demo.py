"""Tests of the bundled demo repository: offline, deterministic, the promised history and content."""

from __future__ import annotations

import json
import os
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from reviewtui.cli import main as cli_main
from reviewtui.config import load_settings
from reviewtui.core.checks.ledger import build_ledger
from reviewtui.core.coverage import build_coverage
from reviewtui.core.demo import (
    DEFAULT_BRANCH,
    DEMO_BRANCH,
    build_demo,
    default_demo_dir,
    demo_files,
    is_demo,
    load_script,
    open_demo,
)
from reviewtui.core.models import WORKTREE, Chunk
from reviewtui.core.phases import parse_phases, review_phase
from reviewtui.core.report import status_dict
from reviewtui.core.session import ReviewSession
from reviewtui.core.spec import load_spec
from reviewtui.core.state import ReviewState
from reviewtui.errors import ReviewError

AGENT_SUBJECTS = [
    "Add logging helpers and a stopwatch",
    "Load the FiQA corpus and tokenize passages",
    "Bi-encoder with mean pooling",
    "Generate training pairs from sampled passages",
    "T07: contrastive training loop with AdamW and linear warmup",
    "Tick the finished phase-1 tasks and document the run",
]
DEMO_SHAS = (
    "0a1654a268e5a9470b323a0574d4862a73665bb8",
    "1e8a2cbf877eb0c4ca046510b83c0b61446e1460",
)
"""`main` and `agent/phase-1` on every machine (docs/readme/demo.md quotes them; update both together)."""
WORKTREE_STATUS = {
    "A  configs/train.yaml",
    " M src/dr/train.py",
    "?? src/dr/evaluate.py",
}


def git(root: Path, *args: str) -> str:
    result = subprocess.run(["git", *args], cwd=root, check=True, capture_output=True)
    return result.stdout.decode("utf-8")


def shas(root: Path) -> tuple[str, str]:
    return git(root, "rev-parse", DEFAULT_BRANCH).strip(), git(
        root, "rev-parse", DEMO_BRANCH
    ).strip()


def status(root: Path) -> set[str]:
    return set(git(root, "status", "--porcelain", "--untracked-files=all").splitlines())


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One demo built for the read-only tests of this module."""
    return build_demo(tmp_path_factory.mktemp("shared") / "demo")


# --------------------------------------------------------------------------- history and files


def test_agent_branch_is_checked_out_on_top_of_the_scaffold(demo: Path) -> None:
    assert git(demo, "branch", "--show-current").strip() == DEMO_BRANCH
    assert git(demo, "log", "--format=%s", DEFAULT_BRANCH).splitlines() == [
        "Spec and project scaffold for the FiQA replication"
    ]
    subjects = git(demo, "log", "--reverse", "--format=%s", f"{DEFAULT_BRANCH}..{DEMO_BRANCH}")
    assert subjects.splitlines() == AGENT_SUBJECTS
    merge_base = git(demo, "merge-base", DEFAULT_BRANCH, "HEAD").strip()
    assert merge_base == shas(demo)[0]


def test_commits_have_fixed_people_and_dates(demo: Path) -> None:
    log = git(demo, "log", "--reverse", "--format=%an|%ae|%cn|%aI|%cI", DEMO_BRANCH).splitlines()
    assert (
        log[0]
        == "Dana Okafor|dana.okafor@example.org|Dana Okafor|2026-03-02T09:12:00+01:00|2026-03-02T09:12:00+01:00"
    )
    assert all(line.startswith("Coding Agent|agent@example.org|Coding Agent|") for line in log[1:])
    dates = [line.split("|")[3] for line in log]
    assert dates == sorted(dates)


def test_some_commits_name_spec_sections_in_trailers_and_others_do_not(demo: Path) -> None:
    trailers = git(
        demo,
        "log",
        "--reverse",
        "--format=%(trailers:key=Spec,valueonly,separator=%x2C)",
        f"{DEFAULT_BRANCH}..{DEMO_BRANCH}",
    ).splitlines()
    assert trailers == ["", "1.1,1.2", "T05", "", "", ""]


def test_worktree_has_staged_modified_and_untracked_work(demo: Path) -> None:
    assert status(demo) == WORKTREE_STATUS
    assert "5e-5" in git(demo, "diff", "--", "src/dr/train.py")
    assert "[:500]" in (demo / "src/dr/evaluate.py").read_text(encoding="utf-8")


def test_phase_changes_about_ten_files_and_a_few_hundred_lines(demo: Path) -> None:
    numstat = git(demo, "diff", "--numstat", DEFAULT_BRANCH).splitlines()
    changed = sum(
        int(added) + int(removed) for added, removed, _ in (row.split("\t") for row in numstat)
    )
    untracked = (demo / "src/dr/evaluate.py").read_text(encoding="utf-8").count("\n")
    assert 8 <= len(numstat) + 1 <= 12
    assert 400 <= changed + untracked <= 700


def test_scaffold_files_and_the_dotfile_are_written(demo: Path) -> None:
    tracked = set(git(demo, "ls-files").splitlines())
    assert {".gitignore", "SPEC.md", "README.md", "pyproject.toml", "src/dr/__init__.py"} <= tracked
    assert not any(path.endswith(".txt") for path in tracked)
    assert "data/" in (demo / ".gitignore").read_text(encoding="utf-8")


def test_demo_pyproject_is_a_valid_reviewtui_config(demo: Path) -> None:
    settings = load_settings(demo, environ={})
    assert settings.warnings == []
    assert settings.spec == ["SPEC.md"]


def test_spec_has_the_sections_tasks_and_ticks_the_demo_relies_on(demo: Path) -> None:
    spec = load_spec(demo, ["SPEC.md"])
    assert spec.warnings == []
    ids = [section.id for section in spec.sections]
    for expected in ["11-source", "12-preprocessing", "13-splits", "2-model", "3-training"]:
        assert expected in ids
    assert {"4-evaluation", "5-query-generation-with-an-llm", "6-phases"} <= set(ids)
    ticked = {s.task_id for s in spec.sections if s.kind == "task" and s.checked}
    assert ticked == {"T01", "T02", "T04", "T05", "T06", "T07"}
    assert [s.checked for s in spec.sections if s.task_id == "T03"] == [False]
    spec_text = (demo / "SPEC.md").read_text(encoding="utf-8")
    assert "| learning rate | 2e-5 |" in spec_text
    assert "- padding side: right" in spec_text


def test_planted_deviations_are_in_the_agents_code(demo: Path) -> None:
    """The deviations the checks look for are really in the files (see docs/readme/demo.md)."""
    data = (demo / "src/dr/data.py").read_text(encoding="utf-8")
    assert "falling back to synthetic data" in data and 'padding_side = "left"' in data
    querygen = (demo / "src/dr/querygen.py").read_text(encoding="utf-8")
    assert 'f"What is {topic}?"' in querygen and "random.sample(" in querygen
    assert "seed" not in querygen
    train = (demo / "src/dr/train.py").read_text(encoding="utf-8")
    assert "    except Exception:\n        pass\n" in train
    evaluate = (demo / "src/dr/evaluate.py").read_text(encoding="utf-8")
    assert "raise NotImplementedError" in evaluate
    assert "no_grad" not in evaluate and ".eval()" not in evaluate
    assert "tests/test_model.py" in (demo / "SPEC.md").read_text(encoding="utf-8")
    assert not (demo / "tests").exists()


# --------------------------------------------------------------------------- determinism


def test_commit_shas_are_the_same_on_every_machine(demo: Path) -> None:
    assert shas(demo) == DEMO_SHAS


def test_user_git_config_and_git_env_do_not_change_the_demo(
    tmp_path: Path, demo: Path, isolated_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    hooks = tmp_path / "template" / "hooks"
    hooks.mkdir(parents=True)
    (hooks / "pre-commit").write_text("#!/bin/sh\nexit 1\n", encoding="utf-8")
    (hooks / "pre-commit").chmod(0o755)
    (isolated_env / ".gitconfig").write_text(
        "[user]\n\tname = Someone Else\n\temail = else@example.invalid\n"
        "[init]\n\tdefaultBranch = trunk\n\ttemplateDir = " + str(tmp_path / "template") + "\n"
        "[core]\n\tautocrlf = true\n\thooksPath = " + str(hooks) + "\n"
        "[commit]\n\tgpgsign = true\n[color]\n\tui = always\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("GIT_AUTHOR_NAME", "Intruder")
    monkeypatch.setenv("GIT_COMMITTER_DATE", "2001-01-01T00:00:00+00:00")
    monkeypatch.setenv("GIT_DIR", str(tmp_path / "elsewhere.git"))
    built = build_demo(tmp_path / "hostile")
    monkeypatch.delenv("GIT_DIR")
    assert shas(built) == shas(demo)
    assert (built / "src/dr/data.py").read_bytes() == (demo / "src/dr/data.py").read_bytes()
    assert not (tmp_path / "elsewhere.git").exists()


def test_package_data_is_complete_and_named_for_the_repo() -> None:
    steps = load_script()
    assert [step.action for step in steps][-2:] == ["stage", "write"]
    assert steps[0].branch == DEFAULT_BRANCH
    assert all(step.branch == DEMO_BRANCH for step in steps[1:] if step.action == "commit")
    scaffold = demo_files(steps[0])
    assert ".gitignore" in scaffold and "SPEC.md" in scaffold
    assert all(content.endswith(b"\n") and b"\r" not in content for content in scaffold.values())


def test_package_data_is_not_ignored_by_the_project_so_it_ships() -> None:
    """hatchling leaves VCS-ignored files out of the wheel: no demo file may be ignored."""
    package = Path(__file__).resolve().parents[1] / "src" / "reviewtui" / "demo_data"
    if not (package.parents[2] / ".git").exists():
        pytest.skip("not running from a git checkout of reviewtui")
    paths = [str(path) for path in package.rglob("*") if path.is_file()]
    result = subprocess.run(
        ["git", "check-ignore", "--no-index", *paths], cwd=package, capture_output=True, text=True
    )
    assert result.stdout == ""
    assert len(paths) >= 15


# --------------------------------------------------------------------------- target directory


def test_rebuilding_a_previous_demo_starts_fresh(tmp_path: Path, demo: Path) -> None:
    target = build_demo(tmp_path / "demo")
    (target / "notes.txt").write_text("scratch", encoding="utf-8")
    (target / ".reviewtui").mkdir()
    (target / ".reviewtui" / "state.json").write_text("{}", encoding="utf-8")
    git(target, "commit", "-q", "-am", "reviewer experiments")
    assert is_demo(target)
    assert build_demo(target) == target
    assert not (target / "notes.txt").exists() and not (target / ".reviewtui").exists()
    assert shas(target) == shas(demo)
    assert status(target) == WORKTREE_STATUS


def test_an_existing_empty_directory_gets_the_same_demo_with_progress(tmp_path: Path) -> None:
    target = tmp_path / "empty"
    target.mkdir()
    seen: list[tuple[str, float]] = []
    assert build_demo(target, progress=lambda text, done: seen.append((text, done))) == target
    assert is_demo(target)
    assert shas(target) == DEMO_SHAS
    assert status(target) == WORKTREE_STATUS
    fractions = [fraction for _, fraction in seen]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0
    assert sum("demo step" in text for text, _ in seen) == len(load_script())


@pytest.mark.parametrize("content", ["file", "repo"])
def test_a_non_empty_directory_that_is_no_demo_is_refused(tmp_path: Path, content: str) -> None:
    target = tmp_path / "mine"
    target.mkdir()
    if content == "file":
        (target / "thesis.tex").write_text("precious", encoding="utf-8")
    else:
        git(target, "init", "-q")
    before = sorted(path.name for path in target.iterdir())
    with pytest.raises(ReviewError, match="is not empty and is not a reviewtui demo") as error:
        build_demo(target)
    assert "\n" not in str(error.value)
    assert sorted(path.name for path in target.iterdir()) == before


def test_a_demo_open_in_another_reviewtui_is_never_rebuilt_under_it(tmp_path: Path) -> None:
    target = build_demo(tmp_path / "demo")
    holder = ReviewState.load(target)
    holder.acquire_lock()
    try:
        with pytest.raises(ReviewError, match="open in another reviewtui"):
            open_demo(target, fresh=True)
        assert (target / ".reviewtui" / "lock").exists()
    finally:
        holder.release_lock()
    assert open_demo(target, fresh=True) == (target, True)


def test_a_file_as_target_is_refused(tmp_path: Path) -> None:
    target = tmp_path / "file"
    target.write_text("x", encoding="utf-8")
    with pytest.raises(ReviewError, match="not a directory"):
        build_demo(target)


def test_cli_demo_without_dir_builds_in_the_user_cache(
    isolated_env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = default_demo_dir()
    assert path.name == "demo"
    assert path.is_relative_to(isolated_env / ".cache")
    assert cli_main(["demo", "--no-open"]) == 0
    assert capsys.readouterr().out.strip() == str(path)
    assert is_demo(path) and shas(path) == DEMO_SHAS


def test_cli_demo_no_open_prints_the_path(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], demo: Path
) -> None:
    target = tmp_path / "cli demo"
    assert cli_main(["demo", str(target), "--no-open"]) == 0
    assert capsys.readouterr().out.strip() == str(target)
    assert shas(target) == shas(demo)
    (target / "notes.txt").write_text("the reviewer's own work", encoding="utf-8")
    assert cli_main(["demo", str(target), "--no-open"]) == 0  # reopened as it was left
    assert "reopening the demo" in capsys.readouterr().err
    assert (target / "notes.txt").exists()
    assert cli_main(["demo", str(target), "--no-open", "--fresh"]) == 0
    assert not (target / "notes.txt").exists() and shas(target) == shas(demo)
    capsys.readouterr()
    (tmp_path / "busy").mkdir()
    (tmp_path / "busy" / "x").write_text("x", encoding="utf-8")
    assert cli_main(["demo", str(tmp_path / "busy"), "--no-open"]) == 1
    assert "not a reviewtui demo" in capsys.readouterr().err


# --------------------------------------------------------------------------- the demo under review

LINKED = [
    ("src/dr/data.py", "load_corpus", {"11-source", "T01"}),
    ("src/dr/data.py", "tokenize", {"12-preprocessing", "T02"}),
    ("src/dr/model.py", "mean_pool", {"2-model", "T05"}),
    ("src/dr/model.py", "BiEncoder.encode", {"2-model", "T05"}),
    ("src/dr/querygen.py", "generate_training_pairs", {"5-query-generation-with-an-llm", "T04"}),
    ("src/dr/train.py", "train", {"3-training", "T07"}),
    ("src/dr/train.py", "contrastive_loss", {"3-training", "T07"}),
    ("src/dr/evaluate.py", "evaluate", {"4-evaluation", "T08"}),
]
"""Chunks that clearly implement a section: (path, enclosing definition, acceptable sections)."""

PLANTED = [
    ("src/dr/data.py", "load_corpus", "synthetic-fallback"),
    ("src/dr/querygen.py", "template_queries", "templated-text"),
    ("src/dr/evaluate.py", "evaluate", "eval-subset"),
    ("src/dr/data.py", "load_tokenizer", "spec-mismatch"),
    ("src/dr/train.py", "TrainConfig", "spec-mismatch"),
    ("configs/train.yaml", "training", "spec-mismatch"),
    ("src/dr/train.py", "save_checkpoint", "swallowed-error"),
    ("src/dr/evaluate.py", "recall_at_k", "stub-code"),
    ("src/dr/model.py", "BiEncoder.load", "stub-code"),
    ("src/dr/evaluate.py", "evaluate", "eval-mode-missing"),
    ("src/dr/evaluate.py", "evaluate", "no-grad-missing"),
    ("src/dr/querygen.py", "sample_passages", "unseeded-random"),
    ("src/dr/train.py", "batches", "unseeded-random"),
]
"""The deviations planted in the agent's code: (path, enclosing definition, rule that must flag it)."""

CLEAN = [
    ("src/dr/data.py", "tokenize"),
    ("src/dr/model.py", "mean_pool"),
    ("src/dr/train.py", "contrastive_loss"),
    ("src/dr/train.py", "train"),
    ("src/dr/evaluate.py", "ndcg_at_k"),
    ("src/dr/querygen.py", "llm_queries"),
]
"""Correct code next to the deviations: no rule may flag it."""


@pytest.fixture(scope="module")
def session(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ReviewSession]:
    """One review of a fresh demo, shared by the read-only tests below (opening costs ~1 s)."""
    home = tmp_path_factory.mktemp("session-home")
    with pytest.MonkeyPatch.context() as patch:
        isolate(patch, home)
        opened = ReviewSession.open(build_demo(home / "demo"), no_llm=True)
        yield opened
        opened.close()


def isolate(patch: pytest.MonkeyPatch, home: Path) -> None:
    """What the autouse `isolated_env` fixture does, for a module-scoped fixture it cannot reach."""
    (home / ".gitconfig").write_text("[user]\n\tname = Test Reviewer\n", encoding="utf-8")
    patch.setenv("HOME", str(home))
    patch.setenv("GIT_CONFIG_GLOBAL", str(home / ".gitconfig"))
    patch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    for name in ("XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_DATA_HOME"):
        patch.setenv(name, str(home / name.lower()))
    for name in list(os.environ):
        if name.startswith(("ANTHROPIC_", "REVIEWTUI_", "GIT_AUTHOR_", "GIT_COMMITTER_")):
            patch.delenv(name)


def chunk_of(session: ReviewSession, path: str, symbol: str) -> Chunk:
    """The chunk holding the definition of `symbol` (dotted for methods, a top-level key in YAML).

    Found by line, so the test does not depend on how finely the chunker cuts a class.
    """
    name = symbol.rsplit(".", 1)[-1]
    pattern = rf"^\s*(?:def|class) {name}\b" if path.endswith(".py") else rf"^{name}:"
    text = (session.root / path).read_text(encoding="utf-8")
    line = next(number for number, row in enumerate(text.splitlines(), 1) if re.match(pattern, row))
    found = [
        chunk
        for chunk in session.chunks
        if chunk.path == path and chunk.new_start <= line < chunk.new_start + chunk.new_lines
    ]
    assert len(found) == 1, f"{len(found)} chunks hold {path}:{line} ({symbol})"
    return found[0]


def test_default_phase_is_the_agents_work(session: ReviewSession) -> None:
    assert session.phase.base == DEMO_SHAS[0]
    assert session.phase.head == WORKTREE
    assert [commit.subject for commit in session.phase.commits] == AGENT_SUBJECTS
    paths = {chunk.path for chunk in session.chunks}
    assert {"configs/train.yaml", "src/dr/evaluate.py", "src/dr/log.py"} <= paths
    assert "SPEC.md" not in paths


@pytest.mark.parametrize(("path", "symbol", "sections"), LINKED)
def test_code_for_a_section_is_linked_to_it(
    session: ReviewSession, path: str, symbol: str, sections: set[str]
) -> None:
    link = session.link(chunk_of(session, path, symbol).id)
    assert link.section_id in sections
    assert link.evidence


def test_glue_code_is_unlinked(session: ReviewSession) -> None:
    glue = [chunk for chunk in session.chunks if chunk.path == "src/dr/log.py"]
    assert len(glue) >= 3
    unlinked = {chunk.id for chunk in session.chunks_in(None)}
    assert all(chunk.id in unlinked for chunk in glue)


def test_coverage_shows_missing_claimed_done_and_past_checkpoint(session: ReviewSession) -> None:
    report = review_phase(session.spec, parse_phases(session.spec), session.links)
    coverage = build_coverage(session.spec, session.chunks, session.links, report)
    assert report.phase is not None and report.phase.number == "1"
    assert session.chunks_in("13-splits") == [] and session.chunks_in("T03") == []
    statuses = {item.section_id: item.status for item in coverage.sections}
    assert statuses["13-splits"] == "not-implemented"
    assert "13-splits" in report.missing
    assert statuses["T06"] == "claimed-done"
    past_paths = {session.chunk(chunk_id).path for chunk_id in report.past_checkpoint}
    assert {"src/dr/train.py", "src/dr/evaluate.py"} <= past_paths
    assert not past_paths & {"src/dr/data.py", "src/dr/model.py", "src/dr/log.py"}
    assert {chunk.id for chunk in session.chunks_in(None)} <= set(coverage.unrequested)


@pytest.mark.parametrize(("path", "symbol", "rule"), PLANTED)
def test_each_planted_deviation_is_flagged(
    session: ReviewSession, path: str, symbol: str, rule: str
) -> None:
    flags = session.flags_of(chunk_of(session, path, symbol).id)
    assert rule in {flag.rule for flag in flags}


def test_spec_mismatch_flags_name_both_values(session: ReviewSession) -> None:
    padding = session.flags_of(chunk_of(session, "src/dr/data.py", "load_tokenizer").id)
    message = next(flag.message for flag in padding if flag.rule == "spec-mismatch")
    assert "right" in message and "left" in message and "SPEC.md" in message
    rate = session.flags_of(chunk_of(session, "configs/train.yaml", "training").id)
    message = next(flag.message for flag in rate if flag.rule == "spec-mismatch")
    assert "2e-5" in message and "5.0e-5" in message


@pytest.mark.parametrize(("path", "symbol"), CLEAN)
def test_correct_code_is_not_flagged(session: ReviewSession, path: str, symbol: str) -> None:
    assert session.flags_of(chunk_of(session, path, symbol).id) == []


def test_glue_and_agreeing_numbers_are_not_flagged(session: ReviewSession) -> None:
    for chunk in session.chunks:
        if chunk.path in {"src/dr/log.py", "pyproject.toml", "README.md"}:
            assert session.flags_of(chunk.id) == [], chunk.location
    yaml_flags = session.flags_of(chunk_of(session, "configs/train.yaml", "training").id)
    assert [flag.rule for flag in yaml_flags] == ["spec-mismatch"]


def test_risk_order_puts_high_severity_flags_first(session: ReviewSession) -> None:
    ordered = session.ordered_chunks("risk")
    high = [c for c in ordered if any(f.severity == "high" for f in session.flags_of(c.id))]
    assert len(high) >= 5
    assert ordered[: len(high)] == high


def test_status_json_of_the_demo(session: ReviewSession) -> None:
    status = json.loads(json.dumps(status_dict(session)))
    assert status["range"] == {"base": DEMO_SHAS[0], "head": WORKTREE}
    assert status["specs"] == ["SPEC.md"]
    sections = {section["id"]: section for section in status["sections"]}
    assert sections["13-splits"]["chunks"] == 0
    rules = {flag["rule"] for chunk in status["chunks"] for flag in chunk["flags"]}
    assert {rule for _, _, rule in PLANTED} <= rules
    assert any(chunk["section"] is None for chunk in status["chunks"])


def test_ledger_of_the_demo_agrees_and_disagrees_where_planted(session: ReviewSession) -> None:
    ledger = build_ledger(session.spec, session.phase.files)
    status = {entry.parameter: entry.status for entry in ledger.entries}
    assert status["padding_side"] == "disagrees"
    assert status["learning_rate"] == "disagrees"
    for agreeing in ["max_length", "batch_size", "epochs", "warmup_ratio", "weight_decay", "seed"]:
        assert status[agreeing] == "agrees", agreeing
    warmup = ledger.get("warmup_ratio")
    assert warmup is not None and warmup.spec_text == "10%"
    assert {setting.path for setting in warmup.code_settings} == {
        "configs/train.yaml",
        "src/dr/train.py",
    }
