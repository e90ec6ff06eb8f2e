"""The precision targets of issue #6 on the fixture repos, run through the real pipeline
(gitrange -> chunks -> checks), and the engine's contract: settings, waivers, changed lines only,
severity order, risk order, no Textual in the core."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from reviewtui.config import CheckSettings, ChunkSettings
from reviewtui.core import gitrange
from reviewtui.core.checks import RULES, risk_order, run_checks
from reviewtui.core.chunks import cut_chunks
from reviewtui.core.models import SEVERITY_RANK
from reviewtui.errors import ReviewError
from tests.checks_fixture import FixtureRun, check_text, one_section_spec, run_fixture
from tests.gitrepo import GitRepo


@pytest.fixture(scope="module")
def planted(tmp_path_factory: pytest.TempPathFactory) -> FixtureRun:
    return run_fixture("planted", tmp_path_factory.mktemp("planted") / "repo")


@pytest.fixture(scope="module")
def clean(tmp_path_factory: pytest.TempPathFactory) -> FixtureRun:
    return run_fixture("clean", tmp_path_factory.mktemp("clean") / "repo")


def test_recall_on_planted_defects_is_at_least_90_percent(planted: FixtureRun) -> None:
    assert len(planted.plants) >= 30
    assert planted.recall >= 0.9, f"missed: {sorted(planted.missed)}"


SESSION_RULES = {"spec-edited"}
"""Rules the session raises (on the spec's own diff), never the engine's per-file pass: tested in
tests/test_session_phase_files.py."""


def test_every_rule_has_a_planted_defect_that_is_caught(planted: FixtureRun) -> None:
    caught_rules = {rule for _path, _line, rule in planted.caught}
    assert caught_rules == {rule.id for rule in RULES} - SESSION_RULES


def test_no_false_flag_on_decoys(planted: FixtureRun) -> None:
    assert len(planted.decoys) >= 25
    assert planted.false_flags_on_decoys == set()


def test_no_flag_beyond_the_planted_ones(planted: FixtureRun) -> None:
    assert planted.unplanned == set()


def test_clean_phase_has_at_most_one_flag_per_200_changed_lines(clean: FixtureRun) -> None:
    assert clean.changed_lines >= 400
    assert clean.flag_count <= clean.changed_lines / 200, sorted(clean.flagged)


def test_clean_phase_agrees_with_the_spec_everywhere(clean: FixtureRun) -> None:
    statuses = {entry.parameter: entry.status for entry in clean.ledger.entries}
    assert statuses["learning_rate"] == statuses["batch_size"] == statuses["seed"] == "agrees"
    assert "disagrees" not in statuses.values()


def test_flags_are_sorted_high_first_with_new_side_lines(planted: FixtureRun) -> None:
    by_id = {chunk.id: chunk for chunk in planted.chunks}
    for chunk_id, flags in planted.flags.items():
        ranks = [SEVERITY_RANK[flag.severity] for flag in flags]
        assert ranks == sorted(ranks)
        chunk = by_id[chunk_id]
        for flag in flags:
            assert flag.line is not None
            assert chunk.new_start <= flag.line < chunk.new_start + chunk.new_lines


def test_every_chunk_has_an_entry(planted: FixtureRun) -> None:
    assert set(planted.flags) == {chunk.id for chunk in planted.chunks}


def test_risk_order_puts_high_severity_chunks_first(planted: FixtureRun) -> None:
    ordered = risk_order(planted.chunks, planted.flags)
    ranks = [
        min((SEVERITY_RANK[f.severity] for f in planted.flags[c.id]), default=3) for c in ordered
    ]
    assert ranks == sorted(ranks)
    assert ranks[0] == 0 and ranks[-1] == 3


def _modified_phase(repo: GitRepo, before: str, after: str) -> tuple[list, list]:
    repo.write("src/a.py", before)
    repo.commit("base")
    repo.write("src/a.py", after)
    repo.commit("agent")
    phase = gitrange.resolve_phase(gitrange.open_repo(repo.root), "HEAD~1..HEAD", None)
    return cut_chunks(phase.files, phase.commits, ChunkSettings()), phase.files


def test_only_changed_lines_are_flagged(git_repo: GitRepo) -> None:
    old_defect = "def old():\n    try:\n        run()\n    except:\n        pass\n"
    filler = "".join(f"\n\ndef f{i}():\n    return {i}\n" for i in range(12))
    new_defect = "\n\ndef new():\n    x = 1  # TODO: finish\n    return x\n"
    chunks, files = _modified_phase(git_repo, old_defect + filler, old_defect + filler + new_defect)
    flags = run_checks(chunks, files, one_section_spec(""), CheckSettings())
    found = [(flag.rule, flag.line) for chunk_flags in flags.values() for flag in chunk_flags]
    todo_line = (old_defect + filler).count("\n") + 4
    assert found == [("todo-comment", todo_line)]


CODE = "def f():\n    try:\n        run()\n    except:\n        pass\n"


def test_rules_can_be_disabled() -> None:
    assert [flag.rule for flag in check_text("src/a.py", CODE)] == ["swallowed-error"]
    settings = CheckSettings(disabled=["swallowed-error"])
    assert check_text("src/a.py", CODE, settings=settings) == []


def test_rules_can_be_re_ranked() -> None:
    settings = CheckSettings(severity={"swallowed-error": "low"})
    [flag] = check_text("src/a.py", CODE, settings=settings)
    assert flag.severity == "low"


@pytest.mark.parametrize(
    "settings",
    [
        CheckSettings(disabled=["no-such-rule"]),
        CheckSettings(severity={"swallowed-error": "urgent"}),
    ],
)
def test_bad_settings_are_a_one_line_user_error(settings: CheckSettings) -> None:
    with pytest.raises(ReviewError) as error:
        check_text("src/a.py", CODE, settings=settings)
    assert "\n" not in str(error.value)


@pytest.mark.parametrize(
    ("comment", "flagged"),
    [
        ("  # reviewtui: ignore[swallowed-error]", False),
        ("  # reviewtui: ignore[todo-comment, swallowed-error]", False),
        ("  # reviewtui: ignore[*]", False),
        ("  # reviewtui: ignore[stub-code]", True),
    ],
)
def test_a_line_waives_a_rule(comment: str, flagged: bool) -> None:
    code = CODE.replace("    except:\n", f"    except:{comment}\n")
    assert bool(check_text("src/a.py", code)) is flagged


def test_rules_have_ids_severities_and_one_line_explanations() -> None:
    ids = [rule.id for rule in RULES]
    assert len(ids) == len(set(ids))
    for rule in RULES:
        assert rule.severity in SEVERITY_RANK
        assert rule.explanation and "\n" not in rule.explanation


def test_checks_import_no_textual_or_rich() -> None:
    code = "import sys, reviewtui.core.checks; print(any(m.split('.')[0] in {'textual', 'rich'} for m in sys.modules))"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "False"


def test_demo_repo_deviations_are_flagged(tmp_path: Path) -> None:
    """The bundled demo (written by another engineer) plants the deviations DESIGN.md names."""
    from reviewtui.core.demo import build_demo
    from reviewtui.core.spec import load_spec

    root = build_demo(tmp_path / "demo")
    phase = gitrange.resolve_phase(gitrange.open_repo(root), "main", None)
    files = [file for file in phase.files if file.path != "SPEC.md"]
    chunks = cut_chunks(files, phase.commits, ChunkSettings())
    flags = run_checks(chunks, files, load_spec(root, ["SPEC.md"]), CheckSettings())
    by_id = {chunk.id: chunk for chunk in chunks}
    found = {
        (by_id[cid].path, flag.rule) for cid, chunk_flags in flags.items() for flag in chunk_flags
    }
    assert {
        ("src/dr/data.py", "synthetic-fallback"),
        ("src/dr/querygen.py", "templated-text"),
        ("src/dr/evaluate.py", "eval-subset"),
        ("src/dr/data.py", "spec-mismatch"),
        ("src/dr/train.py", "spec-mismatch"),
        ("configs/train.yaml", "spec-mismatch"),
        ("src/dr/train.py", "swallowed-error"),
        ("src/dr/evaluate.py", "stub-code"),
        ("src/dr/evaluate.py", "eval-mode-missing"),
        ("src/dr/evaluate.py", "no-grad-missing"),
        ("src/dr/querygen.py", "unseeded-random"),
        ("src/dr/train.py", "unseeded-random"),
    } <= found
    changed = sum(file.added + file.removed for file in files)
    assert sum(len(chunk_flags) for chunk_flags in flags.values()) <= changed / 20


def test_excluded_files_are_not_checked() -> None:
    assert check_text("vendor/lib/a.py", CODE)
    assert check_text("vendor/lib/a.py", CODE, settings=CheckSettings(exclude=["vendor/*"])) == []


def test_check_settings_come_from_pyproject(tmp_path: Path) -> None:
    from reviewtui.config import load_settings

    (tmp_path / "pyproject.toml").write_text(
        '[tool.reviewtui.checks]\ndisabled = ["todo-comment"]\nexclude = ["vendor/*"]\n'
        '[tool.reviewtui.checks.severity]\nspec-mismatch = "medium"\n',
        encoding="utf-8",
    )
    settings = load_settings(tmp_path, environ={}).checks
    assert settings == CheckSettings(
        disabled=["todo-comment"], severity={"spec-mismatch": "medium"}, exclude=["vendor/*"]
    )
    flags = check_text("src/a.py", "lr = 1  # TODO\n", "learning rate 2e-5\n", settings=settings)
    assert [(flag.rule, flag.severity) for flag in flags] == [("spec-mismatch", "medium")]
