"""The ledger judges the code by the spec phase under review (review4 F6): `--phase 2` makes Phase 2's
own values right; the first round (from the empty tree) is the first phase; when the phase is only
inferred after linking, code setting another phase's value gets a low note, never a high flag."""

from __future__ import annotations

from reviewtui.config import CheckSettings, ChunkSettings, Settings
from reviewtui.core import gitrange
from reviewtui.core.checks import check_phase
from reviewtui.core.chunks import cut_chunks
from reviewtui.core.models import Flag
from reviewtui.core.session import ReviewSession, ledger_phase
from reviewtui.core.spec import load_spec
from tests.gitrepo import GitRepo

SPEC = """# Reranker replication

## Phases
- Phase 1: sections 2 and 3. Checkpoint: the baseline trains.
- Phase 2: section 4. Checkpoint: the ablation table.

## 2 Data
Train on MS MARCO triples.

## 3 Training
Fine-tune bert-base-uncased with learning rate 2e-5 and 3 hard negatives per query.

## 4 Ablation
Ablation grid: 1, 3 and 7 hard negatives per query and report MRR@10 for each.
"""

ABLATION = """from train import train


def run_seven():
    return train(num_negatives=7)
"""


def _phase_two(repo: GitRepo, text: str = ABLATION) -> None:
    repo.write("SPEC.md", SPEC)
    repo.commit("spec")
    repo.write("src/ablation.py", text)
    repo.commit("phase 2: ablation")


def _flags(repo: GitRepo, phase: str | None) -> list[Flag]:
    found = gitrange.resolve_phase(gitrange.open_repo(repo.root), "HEAD~1..HEAD", None)
    chunks = cut_chunks(found.files, found.commits, ChunkSettings())
    spec = load_spec(repo.root, ["SPEC.md"])
    checked = check_phase(chunks, found.files, spec, CheckSettings(), phase=phase)
    return [flag for flags in checked.flags.values() for flag in flags]


def _mismatches(flags: list[Flag]) -> list[Flag]:
    return [flag for flag in flags if flag.rule == "spec-mismatch"]


def test_phase_two_code_setting_phase_two_value_is_quiet(git_repo: GitRepo) -> None:
    _phase_two(git_repo)
    assert _mismatches(_flags(git_repo, "2")) == []


def test_phase_one_code_setting_phase_two_value_is_high(git_repo: GitRepo) -> None:
    _phase_two(git_repo)
    found = _mismatches(_flags(git_repo, "1"))
    assert [flag.severity for flag in found] == ["high"]
    assert "Phase 2's value" in found[0].message


def test_unknown_phase_gives_a_low_note_not_a_high_flag(git_repo: GitRepo) -> None:
    _phase_two(git_repo)
    found = _mismatches(_flags(git_repo, None))
    assert [flag.severity for flag in found] == ["low"]
    assert "Phase 2's value" in found[0].message


def test_a_value_no_phase_states_stays_high_whatever_the_phase(git_repo: GitRepo) -> None:
    _phase_two(git_repo, ABLATION.replace("num_negatives=7", "num_negatives=5"))
    for phase in ("2", None):
        assert [flag.severity for flag in _mismatches(_flags(git_repo, phase))] == ["high"]


def test_ledger_phase_first_round_is_the_first_phase(git_repo: GitRepo) -> None:
    _phase_two(git_repo)
    spec = load_spec(git_repo.root, ["SPEC.md"])
    repo = gitrange.open_repo(git_repo.root)
    whole = gitrange.resolve_phase(repo, None, None)
    later = gitrange.resolve_phase(repo, "HEAD~1..HEAD", None)
    assert whole.base is None
    assert ledger_phase(whole, spec, Settings()) == "1"
    assert ledger_phase(later, spec, Settings()) is None
    chosen = Settings()
    chosen.phase = "2"
    assert ledger_phase(later, spec, chosen) == "2"


def test_session_with_phase_two_has_no_mismatch(git_repo: GitRepo) -> None:
    _phase_two(git_repo)
    session = ReviewSession.open(git_repo.root, "HEAD~1..HEAD", no_llm=True, spec_phase="2")
    flags = [flag for flags in session.flags.values() for flag in flags]
    assert _mismatches(flags) == []
    entry = session.ledger.get("num_negatives")
    assert entry is not None and entry.status == "agrees"
    inferred = ReviewSession.open(git_repo.root, "HEAD~1..HEAD", no_llm=True)
    flags = [flag for flags in inferred.flags.values() for flag in flags]
    assert [flag.severity for flag in _mismatches(flags)] == ["low"]
