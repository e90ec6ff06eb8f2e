"""The QA "devs" replication (an InPars-style reranker, `tests/fixtures/ledger4_devs/`: its spec, then
the agent's code with its planted deviations and bait) through the real pipeline: the ledger catches
the pythia-160m built by an f-string and set by `model_size` (D-4), `n_samples: int = 500` cutting the
100,000 passages (D-5), Phase 2's `NUM_NEGATIVES = 7` (D-10), `qids[:500]` of the 6,980 dev queries
(D-12), reads `MAX_TOKENS`, `TOP_K` and `RERANK_DEPTH` (D-11), and flags none of the bait."""

from __future__ import annotations

from pathlib import Path

import pytest

from reviewtui.config import CheckSettings, ChunkSettings
from reviewtui.core import gitrange
from reviewtui.core.checks import Ledger, check_phase, ledger_markdown
from reviewtui.core.chunks import cut_chunks
from reviewtui.core.models import Chunk, Flag
from reviewtui.core.spec import load_spec
from tests.gitrepo import GitRepo

FIXTURE = Path(__file__).parent / "fixtures" / "ledger4_devs"


class Review:
    """The fixture's phase after the checks: its ledger and the `spec-mismatch` flags by place."""

    def __init__(self, ledger: Ledger, chunks: list[Chunk], flags: dict[str, list[Flag]]) -> None:
        self.ledger = ledger
        by_id = {chunk.id: chunk for chunk in chunks}
        self.mismatches = {
            (by_id[chunk_id].path, flag.line): flag.message
            for chunk_id, found in flags.items()
            for flag in found
            if flag.rule == "spec-mismatch"
        }

    def status(self, parameter: str) -> str:
        entry = self.ledger.get(parameter)
        assert entry is not None, parameter
        return entry.status


@pytest.fixture(scope="module")
def review(tmp_path_factory: pytest.TempPathFactory) -> Review:
    repo = GitRepo.init(tmp_path_factory.mktemp("devs") / "repo")
    repo.write("SPEC.md", (FIXTURE / "SPEC.md").read_text())
    repo.commit("spec")
    for path in sorted(FIXTURE.rglob("*")):
        if path.is_file() and path.name != "SPEC.md":
            repo.write(str(path.relative_to(FIXTURE)), path.read_text())
    repo.commit("Implement phase 1\n\nImplements spec 2.1-2.3, 3.1-3.3, 4.1 and 4.2.")
    phase = gitrange.resolve_phase(gitrange.open_repo(repo.root), "HEAD~1..HEAD", None)
    chunks = cut_chunks(phase.files, phase.commits, ChunkSettings())
    spec = load_spec(repo.root, ["SPEC.md"])
    flags, ledger = check_phase(chunks, phase.files, spec, CheckSettings())
    return Review(ledger, chunks, flags)


def test_every_planted_value_deviation_is_a_mismatch(review: Review) -> None:
    assert set(review.mismatches) == {
        ("configs/phase1.yaml", 2),  # model_size: 160m (spec pythia-410m)       D-4
        ("configs/phase1.yaml", 3),  # learning_rate: 3.0e-4 (spec 1e-4)
        ("configs/phase1.yaml", 5),  # epochs: 1 (spec 3)
        ("inpars/config.py", 9),  # model_size: str = "160m"                  D-4
        ("inpars/model.py", 5),  # MODEL_SIZE = "160m"                          D-4
        ("inpars/model.py", 9),  # f"{MODEL_FAMILY}-{size}" = pythia-160m       D-4
        ("inpars/model.py", 15),  # padding_side = "left"
        ("inpars/data/query_gen.py", 79),  # passages[:n_samples], n_samples=500  D-5
        ("inpars/data/negatives.py", 7),  # NUM_NEGATIVES = 7, Phase 2's value  D-10
        ("inpars/evaluate.py", 48),  # qids[:500] of 6,980                     D-12
        ("inpars/train.py", 22),  # --max_length 256 (spec 512)
        ("inpars/train.py", 24),  # --grad_accum 4 (spec 1)
        ("inpars/train.py", 40),  # "weight_decay": 0.0 (spec 0.01)
    }


def test_the_messages_say_what_the_code_builds_and_whose_value_it_is(review: Review) -> None:
    assert review.mismatches[("inpars/model.py", 9)] == (
        "spec says model = EleutherAI/pythia-410m (SPEC.md:43); code sets "
        'model_name() = f"{MODEL_FAMILY}-{size}" ("EleutherAI/pythia-160m")'
    )
    assert review.mismatches[("inpars/data/query_gen.py", 79)] == (
        "spec says passages = 100,000 (SPEC.md:31); code sets passages[:n_samples] = 500"
    )
    assert review.mismatches[("inpars/data/negatives.py", 7)].endswith(
        "code sets NUM_NEGATIVES = 7 (Phase 2's value: 1, 3 and 7, SPEC.md:87)"
    )


def test_the_ledger_reads_what_the_code_sets_under_its_own_names(review: Review) -> None:
    assert review.status("max_new_tokens") == "agrees"  # MAX_TOKENS = 64, max_tokens=MAX_TOKENS
    assert review.status("retrieval_top_k") == "agrees"  # TOP_K = 30 (BM25), RERANK_DEPTH = 1000
    assert review.status("model_name") == "disagrees"
    assert review.status("num_negatives") == "disagrees"
    assert review.status("num_passages") == "disagrees"
    assert review.status("num_samples") == "disagrees"
    unset = ledger_markdown(review.ledger).split("set nowhere in this phase: ")[1]
    assert "max_new_tokens" not in unset and "retrieval_top_k" not in unset


def test_the_bait_is_left_alone(review: Review) -> None:
    """`--smoke` cuts, `split()[:PROMPT_WORDS]`, `[:RERANK_DEPTH]`, the right lr default, the
    seeded `rng.sample`, the corpus's `N_PASSAGES` and the tests' fake passages carry no mismatch."""
    bait = {
        ("inpars/pipeline.py", 22),
        ("inpars/data/corpus.py", 7),
        ("inpars/data/corpus.py", 22),
        ("inpars/data/query_gen.py", 41),
        ("inpars/evaluate.py", 52),
        ("inpars/config.py", 10),
        ("inpars/data/negatives.py", 27),
        ("tests/test_corpus.py", 7),
    }
    assert not bait & set(review.mismatches)
