"""Tests of phases across checkpoints and fix rounds (QA defects D2, D3, D5, D13): a fix round takes
the phase of the last round reviewed before the checkpoint, what that round implemented through the
numbers ledger is not missing, a renamed spec is never code, `phase.earlier` agrees with the
sections' coverage, and reverting code written for a later phase is not work past the checkpoint."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import cast

import pytest

from reviewtui.cli import main
from reviewtui.core.coverage import code_links, coverage_for, removes_only
from reviewtui.core.models import WORKTREE, ChangeKind, Chunk, DiffLine, LineKind, SectionLink
from reviewtui.core.phases import EarlierSections, implemented_sections
from reviewtui.core.report import requests_prompt, status_dict
from reviewtui.core.rounds import former_spec_paths
from reviewtui.core.session import ReviewSession
from reviewtui.core.spec import load_spec
from tests.gitrepo import GitRepo

SPEC = """\
# Replicating "Small Transformers for Sentiment" (SST-2)

## 1. Data

### 1.1 Source
Load the SST-2 dataset from the local file `data/sst2.jsonl` (fields `text`, `label`). Never use
synthetic data: if the file is missing, fail.

### 1.2 Splits
Split 80/10/10 into train, dev and test with seed 13.

### 1.3 Tokenization
Use a whitespace tokenizer with a vocabulary of the 20000 most frequent words. Pad on the right
to a max length of 128.

## 2. Model

### 2.1 Architecture
A 2-layer transformer encoder, hidden size 256, 4 attention heads, mean pooling, then a linear
classifier over 2 classes.

### 2.2 Dropout
Dropout 0.1 after attention and feed-forward.

## 3. Training hyper-parameters

- learning rate: 3e-4
- batch size: 32
- epochs: 5
- optimizer: AdamW with weight decay 0.01
- seed: 13

## 4. Evaluation

### 4.1 Metrics
Report accuracy and macro F1 on the full test split.

### 4.2 Error analysis
List the 20 most confident errors on the dev split.

## 5. Phases

- Phase 1 (sections 1.1–1.3): data loading, splits and tokenization. Checkpoint: stop, the reviewer checks the data pipeline.
- Phase 2 (sections 2.1, 2.2, 3): model and training loop. Checkpoint: stop after a training run of one epoch.
- Phase 3 (sections 4.1, 4.2): evaluation and error analysis. Checkpoint: final report.
"""

DATA = '''\
"""Data loading for SST-2 (spec 1.1, 1.2)."""
import json
import shutil
import random


def load_sst2(path="data/sst2.jsonl"):
    # spec: 1.1
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


def split(rows, seed=13):
    # spec: 1.2
    rng = random.Random(seed)
    rows = list(rows)
    rng.shuffle(rows)
    n = len(rows)
    a, b = int(0.8 * n), int(0.9 * n)
    return rows[:a], rows[a:b], rows[b:]
'''

TOKENIZE = '''\
"""Whitespace tokenizer (spec 1.3)."""
from collections import Counter


class Vocab:
    # spec: 1.3
    def __init__(self, texts, size=20000):
        counts = Counter(w for t in texts for w in t.lower().split())
        self.itos = ["<pad>", "<unk>"] + [w for w, _ in counts.most_common(size)]
        self.stoi = {w: i for i, w in enumerate(self.itos)}

    def encode(self, text, max_len=128):
        ids = [self.stoi.get(w, 1) for w in text.lower().split()][:max_len]
        return ids + [0] * (max_len - len(ids))
'''

MODEL = '''\
"""Transformer classifier."""
import torch
from torch import nn


class Classifier(nn.Module):
    # spec: 2.1
    def __init__(self, vocab_size, hidden=256, heads=4, layers=2, dropout=0.1):
        super().__init__()
        self.emb = nn.Embedding(vocab_size, hidden, padding_idx=0)
        layer = nn.TransformerEncoderLayer(hidden, heads, dim_feedforward=4 * hidden,
                                           dropout=dropout, batch_first=True)
        self.encoder = nn.TransformerEncoder(layer, layers)
        self.head = nn.Linear(hidden, 2)

    def forward(self, ids):
        mask = ids == 0
        h = self.encoder(self.emb(ids), src_key_padding_mask=mask)
        keep = (~mask).unsqueeze(-1).float()
        return self.head((h * keep).sum(1) / keep.sum(1).clamp(min=1))
'''

TRAIN = '''\
"""Training loop (spec 3)."""
import torch
from torch import nn

from src.model import Classifier

LEARNING_RATE = 3e-4
BATCH_SIZE = 32
EPOCHS = 5


def train(train_ids, train_labels, vocab_size, seed=13):
    # spec: 3
    torch.manual_seed(seed)
    model = Classifier(vocab_size)
    opt = torch.optim.AdamW(model.parameters(), lr=LEARNING_RATE)
    loss_fn = nn.CrossEntropyLoss()
    for epoch in range(EPOCHS):
        for i in range(0, len(train_ids), BATCH_SIZE):
            opt.zero_grad()
            loss = loss_fn(model(train_ids[i:i + BATCH_SIZE]), train_labels[i:i + BATCH_SIZE])
            loss.backward()
            opt.step()
    return model
'''

EVALUATE = '''\
"""Evaluation."""
import torch
from sklearn.metrics import accuracy_score, f1_score


def evaluate(model, test_ids, test_labels):
    # spec: 4.1
    with torch.no_grad():
        preds = model(test_ids).argmax(-1)
    return {"accuracy": accuracy_score(test_labels, preds),
            "macro_f1": f1_score(test_labels, preds, average="macro")}
'''

UTILS = '''\
"""Helpers."""


def flatten(xss):
    return [x for xs in xss for x in xs]
'''


def checkpoint(repo: GitRepo) -> None:
    assert main(["checkpoint", "--repo", str(repo.root)]) == 0


def phase_one(repo: GitRepo) -> GitRepo:
    """The spec, then the agent's phase 1 (data, splits, tokenizer), reviewed and checkpointed."""
    repo.write("SPEC.md", SPEC)
    repo.commit("Spec for the SST-2 replication")
    repo.write("src/data.py", DATA)
    repo.commit("Load SST-2 and split it\n\nSpec: 1.1\nSpec: 1.2")
    repo.write("src/tokenize.py", TOKENIZE)
    repo.commit("Whitespace tokenizer\n\nSpec: 1.3")
    checkpoint(repo)
    return repo


def phase_two(repo: GitRepo) -> GitRepo:
    """Phase 2 (model and training) with a fix of phase 1 and evaluation code past its checkpoint."""
    repo.write("src/data.py", DATA.replace("if line.strip()", "if line.strip() and line[0] == '{'"))
    repo.write("src/model.py", MODEL)
    repo.write("src/train.py", TRAIN)
    repo.write("src/evaluate.py", EVALUATE)
    repo.commit("Phase 2: model, training")
    return repo


def session(
    repo: GitRepo, phase: str | None = None, specs: list[str] | None = None
) -> ReviewSession:
    return ReviewSession.open(repo.root, specs=specs, spec_phase=phase, allow_empty=True)


def coverages(opened: ReviewSession) -> dict[str, str]:
    return {item.section_id: item.status for item in opened.coverage.sections}


@pytest.fixture(scope="module")
def templates(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Built once for the module, in an isolated environment of its own: "open", phase 2 written
    after phase 1's checkpoint; "reviewed", the same with phase 2 checkpointed."""
    home = tmp_path_factory.mktemp("templates-home")
    gitconfig = home / ".gitconfig"
    gitconfig.write_text("[user]\n\tname = T\n\temail = t@example.invalid\n", encoding="utf-8")
    with pytest.MonkeyPatch.context() as patch:
        for name, value in {
            "HOME": home,
            "GIT_CONFIG_GLOBAL": gitconfig,
            "GIT_CONFIG_NOSYSTEM": "1",
            "XDG_CACHE_HOME": home / ".cache",
            "XDG_CONFIG_HOME": home / ".config",
        }.items():
            patch.setenv(name, str(value))
        folder = tmp_path_factory.mktemp("templates")
        opened = phase_two(phase_one(GitRepo.init(folder / "open")))
        shutil.copytree(opened.root, folder / "reviewed", symlinks=True)
        checkpoint(GitRepo(folder / "reviewed"))
    return {"open": opened.root, "reviewed": folder / "reviewed"}


def copy_of(templates: dict[str, Path], name: str, tmp_path: Path) -> GitRepo:
    target = tmp_path / name
    shutil.copytree(templates[name], target, symlinks=True)
    shutil.rmtree(target / ".reviewtui" / "cache", ignore_errors=True)
    return GitRepo(target)


@pytest.fixture
def phase_two_open(templates: dict[str, Path], tmp_path: Path) -> GitRepo:
    """Phase 2 under review (phase 1 checkpointed), evaluation code past its checkpoint."""
    return copy_of(templates, "open", tmp_path)


@pytest.fixture
def reviewed_phase_two(templates: dict[str, Path], tmp_path: Path) -> GitRepo:
    """Phase 2 reviewed and checkpointed after phase 1's checkpoint."""
    return copy_of(templates, "reviewed", tmp_path)


# --------------------------------------------------------------------------- D2: the fix round's phase


def test_the_phase_two_review_implements_dropout_through_the_ledger(
    phase_two_open: GitRepo,
) -> None:
    opened = session(phase_two_open)
    report = opened.coverage.phase_report
    assert report is not None and report.phase is not None and report.phase.number == "2"
    assert not any(link.section_id == "22-dropout" for link in opened.links.values())
    assert coverages(opened)["22-dropout"] == "implemented"  # the code sets the spec's 0.1
    assert report.missing == []


def test_a_fix_round_after_phase_two_is_judged_against_phase_two(
    reviewed_phase_two: GitRepo,
) -> None:
    reviewed_phase_two.write("src/utils.py", UTILS)  # the agent's fix round: glue code only
    opened = session(reviewed_phase_two)
    report = opened.coverage.phase_report
    assert report is not None and report.phase is not None
    assert report.phase.number == "2"
    assert report.reason.startswith("inferred from the rounds before the checkpoint: the last had")
    assert report.reason.endswith("phase chunks in Phase 2")
    assert report.missing == []
    assert "22-dropout" in report.earlier
    assert coverages(opened)["22-dropout"] == "implemented-earlier"


def test_with_phase_two_chosen_dropout_is_neither_missing_nor_sent_to_the_agent(
    reviewed_phase_two: GitRepo,
) -> None:
    reviewed_phase_two.write("src/utils.py", UTILS)
    opened = session(reviewed_phase_two, phase="2")
    assert status_dict(opened)["phase"]["missing"] == []
    assert "22-dropout" in status_dict(opened)["phase"]["earlier"]
    prompt = requests_prompt(opened.requests, opened)
    assert "Missing from" not in prompt and "2.2 Dropout" not in prompt


def test_an_empty_round_right_after_the_checkpoint_stays_in_the_last_rounds_phase(
    reviewed_phase_two: GitRepo,
) -> None:
    report = session(reviewed_phase_two).coverage.phase_report
    assert report is not None and report.phase is not None and report.phase.number == "2"


def test_a_fix_round_after_a_fix_round_looks_back_to_the_last_round_with_phase_code(
    reviewed_phase_two: GitRepo,
) -> None:
    reviewed_phase_two.write("README.md", "How to run it.\n")
    reviewed_phase_two.commit("Readme")
    checkpoint(reviewed_phase_two)  # a round with no phase code, reviewed
    reviewed_phase_two.write("src/utils.py", UTILS)
    report = session(reviewed_phase_two).coverage.phase_report
    assert report is not None and report.phase is not None and report.phase.number == "2"
    assert report.missing == []


# --------------------------------------------------------------------------- D3: a renamed spec


def rename_spec(repo: GitRepo, how: str) -> None:
    if how == "mv":
        (repo.root / "SPEC.md").rename(repo.root / "PLAN.md")
    else:
        repo.git("mv", "SPEC.md", "PLAN.md")
        if how == "committed":
            repo.commit("Rename the spec")


@pytest.mark.parametrize("how", ["git mv", "mv", "committed"])
def test_a_renamed_spec_is_never_code_of_the_earlier_rounds(
    phase_two_open: GitRepo, how: str
) -> None:
    git_repo = phase_two_open
    before = session(git_repo, phase="3", specs=["SPEC.md"])
    assert status_dict(before)["phase"]["missing"] == ["42-error-analysis"]
    rename_spec(git_repo, how)
    after = session(git_repo, phase="3", specs=["PLAN.md"])
    assert status_dict(after)["phase"]["missing"] == ["42-error-analysis"]
    assert coverages(after)["42-error-analysis"] == "not-implemented"
    assert set(after.earlier) == set(before.earlier)  # the old SPEC.md in history is not code
    assert "3-training-hyper-parameters" not in after.earlier
    assert all(chunk.path not in ("SPEC.md", "PLAN.md") for chunk in after.chunks)


def test_former_spec_paths_come_from_git_rename_detection(git_repo: GitRepo) -> None:
    phase_one(git_repo)
    start = git_repo.head()
    assert former_spec_paths(git_repo.root, start, ["SPEC.md"], WORKTREE) == set()
    git_repo.git("mv", "SPEC.md", "PLAN.md")
    assert former_spec_paths(git_repo.root, start, ["PLAN.md"], WORKTREE) == {"SPEC.md"}
    renamed = git_repo.commit("Rename the spec")
    assert former_spec_paths(git_repo.root, start, ["PLAN.md"], renamed) == {"SPEC.md"}
    assert former_spec_paths(git_repo.root, renamed, ["PLAN.md"], renamed) == set()


# --------------------------------------------------------------------------- D5: phase.earlier


def test_phase_earlier_lists_the_phase_sections_implemented_earlier(
    phase_two_open: GitRepo,
) -> None:
    opened = session(phase_two_open)
    data = status_dict(opened)
    implemented_earlier = [
        section["id"]
        for section in data["sections"]
        if section["coverage"] == "implemented-earlier"
        and section["id"] in opened.coverage.phase_report.section_phase  # type: ignore[union-attr]
    ]
    assert data["phase"]["number"] == "2"
    assert implemented_earlier == ["12-splits", "13-tokenization"]
    assert data["phase"]["earlier"] == implemented_earlier


# --------------------------------------------------------------------------- D13: reverted code


def revert_evaluation(repo: GitRepo) -> None:
    """The agent does as the prompt says: it reverts the code past the checkpoint (and fixes the LR)."""
    repo.write("src/train.py", TRAIN.replace("EPOCHS = 5", "EPOCHS = 5  # spec: 3"))
    repo.remove("src/evaluate.py")
    repo.commit("Fix LR; hold evaluation back until phase 3\n\nSpec: 3")


def test_the_phase_two_review_sees_evaluation_past_its_checkpoint(
    phase_two_open: GitRepo,
) -> None:
    opened = session(phase_two_open)
    past = opened.coverage.past_checkpoint
    assert past and set(past.values()) == {"3"}
    assert {opened.chunk(chunk_id).path for chunk_id in past} == {"src/evaluate.py"}


def test_reverting_code_past_the_checkpoint_is_not_past_the_checkpoint(
    reviewed_phase_two: GitRepo,
) -> None:
    revert_evaluation(reviewed_phase_two)
    opened = session(reviewed_phase_two)
    deleted = [chunk for chunk in opened.chunks if chunk.path == "src/evaluate.py"]
    assert deleted and all(chunk.change == "deleted" for chunk in deleted)
    report = opened.coverage.phase_report
    assert report is not None and report.phase is not None and report.phase.number == "2"
    assert report.past_checkpoint == {} and opened.coverage.past_checkpoint == {}
    assert report.missing == []
    assert coverages(opened)["41-metrics"] == "not-implemented"
    assert "41-metrics" not in report.earlier
    prompt = requests_prompt(opened.requests, opened)
    assert "Code past the checkpoint" not in prompt and "revert it" not in prompt


def test_reverted_code_leaves_its_later_section_missing_when_that_phase_comes(
    reviewed_phase_two: GitRepo,
) -> None:
    revert_evaluation(reviewed_phase_two)
    report = session(reviewed_phase_two, phase="3").coverage.phase_report
    assert report is not None and report.missing == ["41-metrics", "42-error-analysis"]


def test_the_reverted_round_is_shown_as_removals_under_its_section(
    reviewed_phase_two: GitRepo,
) -> None:
    revert_evaluation(reviewed_phase_two)
    opened = session(reviewed_phase_two)
    metrics = opened.coverage.get("41-metrics")
    assert metrics is not None and metrics.chunks
    assert all(removes_only(opened.chunk(chunk_id)) for chunk_id in metrics.chunks)


def chunk(chunk_id: str, kinds: str, change: ChangeKind = "modified") -> Chunk:
    """A chunk of `a.py` whose lines are of `kinds` (`+`, `-`, ` `)."""
    lines = [
        DiffLine(cast(LineKind, kind), f"line {n}", n, n) for n, kind in enumerate(kinds, start=1)
    ]
    added, removed = kinds.count("+"), kinds.count("-")
    return Chunk(chunk_id, "a.py", None, change, lines, 1, added, 1, removed, added, removed)


def test_only_a_chunk_that_adds_nothing_removes_only() -> None:
    assert removes_only(chunk("a", " --"))
    assert removes_only(chunk("b", "", change="deleted"))
    assert not removes_only(chunk("c", "-+"))
    assert not removes_only(chunk("d", "+"))
    assert not removes_only(chunk("e", "", change="renamed"))
    links = {c: SectionLink(c, "s", 0.9, []) for c in ("a", "c")}
    assert list(code_links([chunk("a", "-"), chunk("c", "-+")], links)) == ["c"]


def test_a_removal_hunk_implements_nothing_in_coverage(tmp_path: Path) -> None:
    (tmp_path / "SPEC.md").write_text(SPEC, encoding="utf-8")
    spec = load_spec(tmp_path, ["SPEC.md"])
    chunks = [chunk("gone", "--"), chunk("kept", "+")]
    links = {
        "gone": SectionLink("gone", "41-metrics", 0.9, []),
        "kept": SectionLink("kept", "21-architecture", 0.9, []),
    }
    coverage = coverage_for(spec, chunks, links)
    assert coverage.phase == "2"
    assert coverage.past_checkpoint == {}
    assert coverage.get("41-metrics").status == "not-implemented"  # type: ignore[union-attr]
    assert coverage.get("41-metrics").chunks == ["gone"]  # type: ignore[union-attr]


def test_earlier_sections_lose_what_a_deleted_file_took_with_it(tmp_path: Path) -> None:
    (tmp_path / "SPEC.md").write_text(SPEC, encoding="utf-8")
    spec = load_spec(tmp_path, ["SPEC.md"])
    sources = [("21-architecture", "src/model.py"), ("41-metrics", "src/evaluate.py")]
    links = {str(i): SectionLink(str(i), s, 1.0, []) for i, (s, _) in enumerate(sources)}
    earlier = EarlierSections(implemented_sections(spec, links), {}, sources)
    assert {"41-metrics", "4-evaluation"} <= earlier
    kept = earlier.without_files(spec, ["src/evaluate.py"])
    assert "41-metrics" not in kept and "4-evaluation" not in kept
    assert {"21-architecture", "2-model"} <= kept
    assert earlier.without_files(spec, ["src/other.py"]) is earlier


def test_the_rounds_cache_holds_each_round_and_survives_damage(reviewed_phase_two: GitRepo) -> None:
    reviewed_phase_two.write("src/utils.py", UTILS)
    folder = reviewed_phase_two.root / ".reviewtui" / "cache" / "rounds"
    for path in folder.glob("*.json"):  # what the checkpoints themselves opened
        path.unlink()
    first = session(reviewed_phase_two)
    cached = sorted(folder.glob("*.json"))
    assert len(cached) == 2  # the whole history to the checkpoint, and its last round
    for path in cached:
        data = json.loads(path.read_text(encoding="utf-8"))
        assert set(data) == {"sections", "linked", "sources", "settled"}
        path.write_text('{"sections": ["x"], "linked": []}', encoding="utf-8")
    again = session(reviewed_phase_two)
    assert set(again.earlier) == set(first.earlier)
    assert again.coverage.phase_report.reason == first.coverage.phase_report.reason  # type: ignore[union-attr]


def test_an_older_checkpoint_gone_from_the_repository_leaves_the_earlier_rule(
    git_repo: GitRepo,
) -> None:
    git_repo.write("SPEC.md", SPEC)
    git_repo.commit("Spec for the SST-2 replication")
    git_repo.write("src/data.py", DATA)
    git_repo.write("src/tokenize.py", TOKENIZE)  # uncommitted: the checkpoint is a snapshot commit
    checkpoint(git_repo)
    git_repo.commit("Phase 1\n\nSpec: 1.1")
    phase_two(git_repo)
    checkpoint(git_repo)
    git_repo.git("update-ref", "-d", "refs/reviewtui/checkpoints/1")
    git_repo.git("reflog", "expire", "--expire=now", "--all")
    git_repo.git("gc", "-q", "--prune=now")
    git_repo.write("src/utils.py", UTILS)
    report = session(git_repo).coverage.phase_report
    assert report is not None and report.phase is not None
    assert report.reason.startswith("inferred from the rounds before the checkpoint")
