"""Tests of the checks engine (review N14): a rule that raises on many files is one warning (how
many files, the first file and error), not one per file, while the other rules keep their findings;
a rule without a per-file check (`spec-edited`) is known to the settings but runs no per-file pass,
and the session still flags the agent's spec edit with it."""

from __future__ import annotations

import pytest

from reviewtui.config import CheckSettings, ChunkSettings
from reviewtui.core import gitrange
from reviewtui.core.checks import engine
from reviewtui.core.checks.context import FileContext, Finding
from reviewtui.core.checks.engine import PhaseChecks, Rule, active_rules, check_phase
from reviewtui.core.checks.facts import PhaseFacts
from reviewtui.core.chunks import cut_chunks
from reviewtui.core.models import Chunk
from reviewtui.core.session import ReviewSession
from reviewtui.core.spec import load_spec
from tests.gitrepo import GitRepo

SPEC = "# Spec\n\n## Evaluation\n\nEvaluate on the full test set.\n"

SWALLOWING = """def load_{n}(path):
    try:
        return open(path).read()
    except Exception:
        pass
"""

FILES = 40


def _phase(git_repo: GitRepo, files: dict[str, str]) -> tuple[list[Chunk], PhaseChecks]:
    git_repo.write("SPEC.md", SPEC)
    git_repo.commit("spec", "SPEC.md")
    for path, text in files.items():
        git_repo.write(path, text)
    git_repo.commit("agent phase", *files)
    phase = gitrange.resolve_phase(gitrange.open_repo(git_repo.root), "HEAD~1..HEAD", None)
    spec = load_spec(git_repo.root, ["SPEC.md"])
    chunks = cut_chunks(phase.files, phase.commits, ChunkSettings())
    return chunks, check_phase(chunks, phase.files, spec, CheckSettings())


def _many_files() -> dict[str, str]:
    return {f"src/m{n:02}.py": SWALLOWING.format(n=n) for n in range(FILES)}


def _always_raises(context: FileContext, facts: PhaseFacts) -> list[Finding]:
    raise TypeError(f"cannot read {context.path}")


def _raises_on_odd(context: FileContext, facts: PhaseFacts) -> list[Finding]:
    if int(context.path[-5:-3]) % 2:
        raise KeyError(context.path)
    return []


def _flagged_paths(chunks: list[Chunk], checks: PhaseChecks, rule: str) -> set[str]:
    paths = {chunk.id: chunk.path for chunk in chunks}
    return {paths[i] for i, flags in checks.flags.items() for f in flags if f.rule == rule}


def test_a_rule_failing_on_every_file_is_one_warning_and_the_others_still_run(
    git_repo: GitRepo, monkeypatch: pytest.MonkeyPatch
) -> None:
    broken = Rule("broken-rule", "high", "raises everywhere", _always_raises)
    monkeypatch.setattr(engine, "RULES", (broken, *engine.RULES))
    chunks, checks = _phase(git_repo, _many_files())
    assert checks.warnings == [
        "check broken-rule failed on 40 files and was skipped there "
        "(first src/m00.py: TypeError: cannot read src/m00.py) (please report this)"
    ]
    assert _flagged_paths(chunks, checks, "swallowed-error") == set(_many_files())


def test_each_failing_rule_has_its_own_line_in_the_order_of_failure(
    git_repo: GitRepo, monkeypatch: pytest.MonkeyPatch
) -> None:
    odd = Rule("odd-rule", "low", "raises on odd files", _raises_on_odd)
    broken = Rule("broken-rule", "high", "raises everywhere", _always_raises)
    monkeypatch.setattr(engine, "RULES", (odd, broken, *engine.RULES))
    _chunks, checks = _phase(git_repo, _many_files())
    assert checks.warnings == [
        "check broken-rule failed on 40 files and was skipped there "
        "(first src/m00.py: TypeError: cannot read src/m00.py) (please report this)",
        "check odd-rule failed on 20 files and was skipped there "
        "(first src/m01.py: KeyError: 'src/m01.py') (please report this)",
    ]


def test_a_rule_failing_on_one_file_names_it_as_before(
    git_repo: GitRepo, monkeypatch: pytest.MonkeyPatch
) -> None:
    broken = Rule("broken-rule", "high", "raises everywhere", _always_raises)
    monkeypatch.setattr(engine, "RULES", (broken, *engine.RULES))
    _chunks, checks = _phase(git_repo, {"src/m07.py": SWALLOWING.format(n=7)})
    assert checks.warnings == [
        "check broken-rule failed on src/m07.py and was skipped there: "
        "TypeError: cannot read src/m07.py (please report this)"
    ]


def test_the_session_shows_one_warning_for_a_rule_failing_on_many_files(
    git_repo: GitRepo, monkeypatch: pytest.MonkeyPatch
) -> None:
    broken = Rule("broken-rule", "high", "raises everywhere", _always_raises)
    monkeypatch.setattr(engine, "RULES", (broken, *engine.RULES))
    git_repo.write("SPEC.md", SPEC)
    git_repo.commit("spec")
    for path, text in _many_files().items():
        git_repo.write(path, text)
    session = ReviewSession.open(git_repo.root, no_llm=True)
    failed = [warning for warning in session.warnings if "broken-rule" in warning]
    assert failed == [
        "check broken-rule failed on 40 files and was skipped there "
        "(first src/m00.py: TypeError: cannot read src/m00.py) (please report this)"
    ]


def test_spec_edited_runs_no_per_file_pass_but_stays_a_known_rule() -> None:
    (rule,) = (rule for rule in engine.RULES if rule.id == "spec-edited")
    assert rule.check is None
    assert rule.severity == "high"
    settings = CheckSettings(severity={"spec-edited": "low"})
    assert ("spec-edited", "low") in {(r.id, level) for r, level in active_rules(settings)}
    disabled = CheckSettings(disabled=["spec-edited"])
    assert "spec-edited" not in {r.id for r, _level in active_rules(disabled)}


def test_a_rule_without_a_check_finds_nothing_and_breaks_nothing(
    git_repo: GitRepo, monkeypatch: pytest.MonkeyPatch
) -> None:
    elsewhere = Rule("flagged-elsewhere", "high", "found by the session")
    monkeypatch.setattr(engine, "RULES", (elsewhere, *engine.RULES))
    chunks, checks = _phase(git_repo, {"src/m03.py": SWALLOWING.format(n=3)})
    assert checks.warnings == []
    assert _flagged_paths(chunks, checks, "flagged-elsewhere") == set()
    assert _flagged_paths(chunks, checks, "swallowed-error") == {"src/m03.py"}


def test_the_agents_spec_edit_is_still_flagged_spec_edited(git_repo: GitRepo) -> None:
    git_repo.write("SPEC.md", SPEC)
    git_repo.write("train.py", "x = 0\n")
    base = git_repo.commit("spec")
    git_repo.write("SPEC.md", SPEC.replace("full test set", "first 100 examples"))
    git_repo.write("train.py", "x = 1\n")
    session = ReviewSession.open(git_repo.root, f"{base}", no_llm=True)
    spec_flags = [
        flag for c in session.chunks if c.path == "SPEC.md" for flag in session.flags_of(c.id)
    ]
    assert [(flag.rule, flag.severity) for flag in spec_flags] == [("spec-edited", "high")]
    assert spec_flags[0].message.startswith("the agent changed the spec:")
