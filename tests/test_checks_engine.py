"""Tests of the checks engine on real git repos: one flag per finding however the function is cut,
huge (summarized) files still checked, and a rule that raises reported as a warning while the other
rules keep their findings."""

from __future__ import annotations

import pickle

import pytest

from reviewtui.config import CheckSettings, ChunkSettings
from reviewtui.core import gitrange
from reviewtui.core.checks import engine
from reviewtui.core.checks.context import FileContext, Finding
from reviewtui.core.checks.engine import PhaseChecks, Rule, check_phase
from reviewtui.core.checks.facts import PhaseFacts
from reviewtui.core.chunks import cut_chunks
from reviewtui.core.models import Chunk, Flag
from reviewtui.core.spec import load_spec
from tests.gitrepo import GitRepo

SPEC = "# Spec\n\n## Evaluation\n\nEvaluate on the full test set.\n"

EVALUATE = """import torch


def evaluate(model, loader):
    total = 0
    correct = 0
    for batch in loader:
        inputs = batch["inputs"]
        labels = batch["labels"]
        logits = model(inputs)
        predictions = logits.argmax(-1)
        correct += int((predictions == labels).sum())
        total += len(labels)
        if total % 100 == 0:
            print("seen", total)
            print("correct", correct)
        if total > 10_000:
            print("many")
    accuracy = correct / total
    print("accuracy", accuracy)
    return accuracy


def load(path):
    try:
        return open(path).read()
    except Exception:
        pass
"""


def _phase(
    git_repo: GitRepo, files: dict[str, str], chunk_settings: ChunkSettings | None = None
) -> tuple[list[Chunk], PhaseChecks]:
    git_repo.write("SPEC.md", SPEC)
    git_repo.commit("spec", "SPEC.md")
    for path, text in files.items():
        git_repo.write(path, text)
    git_repo.commit("agent phase", *files)
    phase = gitrange.resolve_phase(gitrange.open_repo(git_repo.root), "HEAD~1..HEAD", None)
    spec = load_spec(git_repo.root, ["SPEC.md"])
    chunks = cut_chunks(phase.files, phase.commits, chunk_settings or ChunkSettings())
    return chunks, check_phase(chunks, phase.files, spec, CheckSettings())


def _flags(chunks: list[Chunk], checks: PhaseChecks) -> list[tuple[str, int | None, str]]:
    paths = {chunk.id: chunk.path for chunk in chunks}
    return sorted(
        (paths[chunk_id], flag.line, flag.rule)
        for chunk_id, flags in checks.flags.items()
        for flag in flags
    )


def test_a_function_cut_in_pieces_is_flagged_once(git_repo: GitRepo) -> None:
    chunks, checks = _phase(git_repo, {"src/evaluate.py": EVALUATE}, ChunkSettings(max_lines=6))
    evaluate_chunks = [c for c in chunks if c.symbol == "evaluate"]
    assert len(evaluate_chunks) >= 2  # the function really is split
    rules = [rule for _path, _line, rule in _flags(chunks, checks)]
    assert rules.count("eval-mode-missing") == 1
    assert rules.count("no-grad-missing") == 1
    assert rules.count("swallowed-error") == 1


def test_the_flag_sits_on_the_chunk_holding_its_line(git_repo: GitRepo) -> None:
    chunks, checks = _phase(git_repo, {"src/evaluate.py": EVALUATE}, ChunkSettings(max_lines=6))
    by_id = {chunk.id: chunk for chunk in chunks}
    for chunk_id, flags in checks.flags.items():
        chunk = by_id[chunk_id]
        for flag in flags:
            assert flag.line is not None
            assert chunk.new_start <= flag.line < chunk.new_start + chunk.new_lines


def test_same_findings_whatever_the_chunk_size(git_repo: GitRepo, tmp_path) -> None:
    small_chunks, small = _phase(
        git_repo, {"src/evaluate.py": EVALUATE}, ChunkSettings(max_lines=5)
    )
    other = GitRepo.init(tmp_path / "other")
    chunks, default = _phase(other, {"src/evaluate.py": EVALUATE})
    assert _flags(small_chunks, small) == _flags(chunks, default)


def test_a_huge_file_is_still_checked(git_repo: GitRepo) -> None:
    text = EVALUATE + "".join(f"CONSTANT_{n} = {n}\n" for n in range(200))
    chunks, checks = _phase(git_repo, {"src/big_eval.py": text}, ChunkSettings(huge_file_lines=50))
    assert len(chunks) == 1 and chunks[0].summary is not None and not chunks[0].lines
    found = _flags(chunks, checks)
    assert ("src/big_eval.py", 27, "swallowed-error") in found
    assert ("src/big_eval.py", 4, "eval-mode-missing") in found
    assert checks.warnings == []


def _exploding(context: FileContext, facts: PhaseFacts) -> list[Finding]:
    if context.path.endswith("evaluate.py"):
        raise AttributeError("'NoneType' object has no attribute '_fields'")
    return []


def test_a_rule_that_raises_is_a_warning_and_the_others_still_run(
    git_repo: GitRepo, monkeypatch: pytest.MonkeyPatch
) -> None:
    broken = Rule("exploding-rule", "high", "raises on evaluate.py", _exploding)
    monkeypatch.setattr(engine, "RULES", (broken, *engine.RULES))
    chunks, checks = _phase(git_repo, {"src/evaluate.py": EVALUATE, "src/other.py": "x = 1\n"})
    assert checks.warnings == [
        "check exploding-rule failed on src/evaluate.py and was skipped there: "
        "AttributeError: 'NoneType' object has no attribute '_fields' (please report this)"
    ]
    rules = {rule for _path, _line, rule in _flags(chunks, checks)}
    assert {"swallowed-error", "eval-mode-missing", "no-grad-missing"} <= rules


def test_phase_checks_unpack_as_a_pair_and_survive_pickling(git_repo: GitRepo) -> None:
    _chunks, checks = _phase(git_repo, {"src/evaluate.py": EVALUATE})
    flags, ledger = checks
    assert flags is checks.flags and ledger is checks.ledger
    checks.warnings.append("check x failed on y")
    copy = pickle.loads(pickle.dumps(checks))
    assert isinstance(copy, PhaseChecks)
    assert copy.warnings == ["check x failed on y"]
    assert copy.flags == flags
    assert all(isinstance(flag, Flag) for found in copy.flags.values() for flag in found)


def test_a_failing_rule_reaches_the_session_warnings_and_the_phase_cache(
    git_repo: GitRepo, monkeypatch: pytest.MonkeyPatch
) -> None:
    from reviewtui.core.session import ReviewSession

    broken = Rule("exploding-rule", "high", "raises on evaluate.py", _exploding)
    monkeypatch.setattr(engine, "RULES", (broken, *engine.RULES))
    git_repo.write("SPEC.md", "# Spec\n\n## Evaluation\n\nEvaluate on the full test set.\n")
    git_repo.commit("spec")
    git_repo.write("src/evaluate.py", EVALUATE)
    expected = "check exploding-rule failed on src/evaluate.py and was skipped there"
    for cached in (False, True):
        steps: list[str] = []

        def remember(step: str, _fraction: float, steps: list[str] = steps) -> None:
            steps.append(step)

        session = ReviewSession.open(git_repo.root, no_llm=True, progress=remember)
        assert ("reading the chunks of the last opening" in steps) is cached
        assert any(warning.startswith(expected) for warning in session.warnings)
        assert any(flags for flags in session.flags.values())
