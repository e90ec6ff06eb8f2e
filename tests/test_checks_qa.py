"""The QA scenario's false alarms and misses (an agent's SST-2 phase), each on a real git repo:
a model setting against the spec's model of another role (F5), a paraphrase picked from canned
phrases (F6), the phase's own `set_seed()` seeding only numpy and torch (F7), a paper's reference
accuracy (F9), and `torch.no_grad()` inside the helper the model is handed to (F10)."""

from __future__ import annotations

from pathlib import Path

from tests.checks_fixture import check_files, flag_marks

SPEC = """# SST-2 replication

## 1 Setup
All randomness is seeded with seed 13 (`random`, `numpy`, `torch`).

## 2 Method
Fine-tune `distilbert-base-uncased` on SST-2.

### 2.3 Augmentation
For every training sentence ask the LLM (`claude-haiku-4-5`, temperature 0.7) to write one
paraphrase that keeps its sentiment.

## 3 Evaluation
Report accuracy on the full validation set next to the paper's 91.3%.
"""

AUGMENT = '''"""Paraphrase augmentation."""

import random

PARAPHRASE_MODEL = "claude-haiku-4-5"
OPENERS = ["In other words,", "Put differently,", "That is to say,", "Simply put,"]


def paraphrase(sentence: str) -> str:
    """Paraphrase one sentence, keeping its sentiment."""
    opener = random.choice(OPENERS)
    paraphrase_text = f"{opener} {sentence.strip()}"
    return paraphrase_text


def paraphrase_with_llm(client, sentence: str) -> str:
    opener = random.choice(OPENERS)
    reply = client.messages.create(model=PARAPHRASE_MODEL, max_tokens=64, messages=[sentence])
    return f"{opener} {reply.content[0].text}"


def shuffled(rows: list) -> list:
    random.shuffle(rows)
    return rows
'''

UTILS_NUMPY_TORCH = '''import numpy as np
import torch


def set_seed(seed: int) -> None:
    """Seed numpy and torch."""
    np.random.seed(seed)
    torch.manual_seed(seed)
'''

UTILS_EVERY_LIBRARY = """import random

import numpy as np
import torch


def seed_numpy_torch(seed: int) -> None:
    np.random.seed(seed)
    torch.manual_seed(seed)


def set_seed(seed: int) -> None:
    random.seed(seed)
    seed_numpy_torch(seed)
"""

EVALUATE = """import numpy as np
import torch
from sklearn.metrics import accuracy_score

from .model import SentimentClassifier

PAPER_ACCURACY = 0.913  # Sanh et al. (2019), Table 1
TARGET_F1 = 0.90


def predict(model, loader):
    model.eval()
    preds, labels = [], []
    with torch.no_grad():
        for batch in loader:
            logits = model(batch["input_ids"])
            preds.append(logits.argmax(-1).numpy())
            labels.append(batch["labels"].numpy())
    return np.concatenate(labels), np.concatenate(preds)


def evaluate(checkpoint, loader):
    model = SentimentClassifier.load(checkpoint, name="distilbert-base-uncased")
    labels, preds = predict(model, loader)
    metrics = {"accuracy": float(accuracy_score(labels, preds)), "macro_f1": 0.912}
    metrics["gap_to_paper"] = metrics["accuracy"] - PAPER_ACCURACY
    return metrics
"""

CONFIG = """model:
  name: distilbert-base-uncased
  dropout: 0.1
"""


def _marks(tmp_path: Path, files: dict[str, str]) -> list[tuple[str, int, str]]:
    chunks, checks = check_files(tmp_path / "repo", SPEC, files)
    assert checks.warnings == []
    return flag_marks(chunks, checks)


def test_f5_the_classifier_name_is_not_compared_with_the_paraphrasing_llm(tmp_path: Path) -> None:
    marks = _marks(tmp_path, {"configs/baseline.yaml": CONFIG, "src/augment.py": AUGMENT})
    assert not [mark for mark in marks if mark[2] == "spec-mismatch"]


def test_f6_a_paraphrase_from_canned_phrases_is_templated_text(tmp_path: Path) -> None:
    marks = _marks(tmp_path, {"src/augment.py": AUGMENT, "src/utils.py": UTILS_EVERY_LIBRARY})
    templated = [mark for mark in marks if mark[2] == "templated-text"]
    assert templated == [("src/augment.py", 13, "templated-text")]  # not the one calling the LLM


def test_f7_the_phase_own_set_seed_seeds_only_what_its_body_seeds(tmp_path: Path) -> None:
    files = {"src/augment.py": AUGMENT, "src/utils.py": UTILS_NUMPY_TORCH}
    chunks, checks = check_files(tmp_path / "repo", SPEC, files)
    marks = flag_marks(chunks, checks)
    unseeded = [mark for mark in marks if mark[2] == "unseeded-random"]
    assert ("src/augment.py", 11, "unseeded-random") in unseeded
    assert ("src/augment.py", 23, "unseeded-random") in unseeded
    messages = {f.message for found in checks.flags.values() for f in found}
    assert (
        "`random.choice()` is random but no changed file seeds python "
        "(`set_seed()` seeds only numpy, torch); the spec asks for seeds"
    ) in messages


def test_f7_a_set_seed_reaching_random_through_another_helper_seeds_it(tmp_path: Path) -> None:
    marks = _marks(tmp_path, {"src/augment.py": AUGMENT, "src/utils.py": UTILS_EVERY_LIBRARY})
    assert not [mark for mark in marks if mark[2] == "unseeded-random"]


def test_f7_a_library_set_seed_still_seeds_everything(tmp_path: Path) -> None:
    train = "from transformers import set_seed\n\n\ndef main():\n    set_seed(13)\n"
    marks = _marks(tmp_path, {"src/augment.py": AUGMENT, "src/train.py": train})
    assert not [mark for mark in marks if mark[2] == "unseeded-random"]


def test_f9_a_reference_constant_is_no_hardcoded_metric_but_a_typed_result_is(
    tmp_path: Path,
) -> None:
    marks = _marks(tmp_path, {"src/evaluate.py": EVALUATE})
    metrics = [mark for mark in marks if mark[2] == "hardcoded-metric"]
    assert metrics == [("src/evaluate.py", 25, "hardcoded-metric")]  # macro_f1, not PAPER_ACCURACY


def test_f9_an_uppercase_metric_never_compared_is_still_flagged(tmp_path: Path) -> None:
    text = "ACCURACY = 0.93\n\n\ndef report():\n    return {'accuracy': ACCURACY}\n"
    marks = _marks(tmp_path, {"src/report.py": text})
    assert ("src/report.py", 1, "hardcoded-metric") in marks


def test_f10_no_grad_in_the_helper_the_model_is_handed_to_counts(tmp_path: Path) -> None:
    marks = _marks(tmp_path, {"src/evaluate.py": EVALUATE})
    assert not [mark for mark in marks if mark[2] in {"no-grad-missing", "eval-mode-missing"}]


def test_f10_without_no_grad_anywhere_both_functions_are_flagged(tmp_path: Path) -> None:
    text = EVALUATE.replace("    with torch.no_grad():\n", "    if True:\n")
    marks = _marks(tmp_path, {"src/evaluate.py": text})
    no_grad = [mark for mark in marks if mark[2] == "no-grad-missing"]
    assert [line for _path, line, _rule in no_grad] == [11, 22]  # predict() and evaluate()
