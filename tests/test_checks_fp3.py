"""False alarms of the checks found in review round 2 (N8 and two related), each on a real git repo:
a running maximum (`max_len = 0`, then `max(max_len, ...)`) read as the spec's max sequence length,
a version check (`torch.__version__.split(".")[:2]`) read as evaluating on a subset, and an enum of
tag ids (PIL's `ExifTags`, `ColorMap = 0x0140`) read as a hard-coded metric. Each test also keeps a
true finding of the same shape flagged, so the fixes cannot pass by switching a rule off."""

from __future__ import annotations

from pathlib import Path

from tests.checks_fixture import check_files, flag_marks

LENGTH_SPEC = """# Spec

## 1 Data

Truncate inputs to a max sequence length of 512 tokens and pad each batch to its longest sequence.
"""

COLLATE = '''MAX_LENGTH = 512


def collate(batch, pad_id=0):
    """Pad each sequence of the batch to the longest one (inputs were truncated to MAX_LENGTH)."""
    max_len = 0
    for ids in batch:
        max_len = max(max_len, len(ids))
    return [ids + [pad_id] * (max_len - len(ids)) for ids in batch]
'''


def _ledger_row(root: Path, files: dict[str, str], spec: str = LENGTH_SPEC):
    chunks, checks = check_files(root, spec, files)
    entry = checks.ledger.get("max_length")
    assert entry is not None
    rows = [
        (setting.path, setting.line, setting.text, setting.agrees)
        for setting in entry.code_settings
    ]
    return flag_marks(chunks, checks), entry.status, rows


def test_a_running_maximum_in_a_collate_function_is_not_the_max_length(tmp_path: Path) -> None:
    marks, status, rows = _ledger_row(tmp_path, {"collate.py": COLLATE})
    assert [mark for mark in marks if mark[2] == "spec-mismatch"] == []
    assert status == "agrees"
    assert rows == [("collate.py", 1, "512", True)]


ACCUMULATORS = """import torch

MAX_LENGTH = 512


def shortest(batch):
    max_seq_len = 5
    for ids in batch:
        max_seq_len = max(len(ids), max_seq_len)
    return max_seq_len


def total_tokens(batch):
    seq_len = 0
    for ids in batch:
        seq_len += len(ids)
    return seq_len


def padded(batch):
    max_length = -1
    for ids in batch:
        max_length = max_length + 1
    return max_length


def widest(rows):
    max_len = -1
    for row in rows:
        if len(row) > max_len:
            max_len = len(row)
    return max_len


class Stats:
    def __init__(self):
        self.max_len = 1

    def add(self, ids):
        self.max_len = max(self.max_len, len(ids))


def budget(batch):
    max_new_tokens = 256
    for ids in batch:
        max_new_tokens -= len(ids)
    return max_new_tokens


def clamped(limit):
    max_length = 1024
    max_length = min(max_length, limit)
    return max_length


def per_rank(rank):
    seed = 42
    seed += rank
    torch.manual_seed(seed)
"""

ACCUMULATOR_SPEC = LENGTH_SPEC + "Generate at most 128 new tokens. Seed 13.\n"


def test_counts_running_extremes_and_their_starting_values_are_left_out(tmp_path: Path) -> None:
    """A running maximum in a loop, in another method (`self.max_len`), a count from 0 or -1, and
    a `-1` start updated by an `if`: none of them sets the max sequence length. A budget counted
    down from 256, a clamp done once (`min(max_length, limit)`) and a base seed offset per rank keep
    their literal: those are settings, and they disagree with the spec."""
    chunks, checks = check_files(tmp_path, ACCUMULATOR_SPEC, {"stats.py": ACCUMULATORS})
    settings = {
        (setting.parameter, setting.line, setting.text)
        for entry in checks.ledger.entries
        for setting in entry.code_settings
    }
    assert settings == {
        ("max_length", 3, "512"),
        ("max_new_tokens", 44, "256"),
        ("max_length", 51, "1024"),
        ("seed", 57, "42"),
    }
    mismatches = sorted(
        line for _path, line, rule in flag_marks(chunks, checks) if rule == "spec-mismatch"
    )
    assert mismatches == [44, 51, 57]


SETTINGS = """from transformers import AutoTokenizer

MAX_LENGTH = 256


def encode(texts, model_name):
    tokenizer = AutoTokenizer.from_pretrained(model_name)
    max_len = 128
    first = tokenizer(texts, truncation=True, max_length=max_len)
    return first, tokenizer(texts, truncation=True, max_length=384)


def lowered(name):
    max_length = 64
    max_length = max_length * 2
    return name[:max_length]
"""


def test_real_length_settings_still_disagree(tmp_path: Path) -> None:
    """A constant, a local setting a call reads, a keyword argument, and a literal later scaled (not
    a count): each is a setting of the length and each disagrees with the spec's 512."""
    marks, status, rows = _ledger_row(tmp_path, {"encode.py": SETTINGS})
    assert status == "disagrees"
    assert [(line, text) for _path, line, text, _agrees in rows] == [
        (3, "256"),
        (8, "128"),
        (10, "384"),
        (14, "64"),
    ]
    mismatches = sorted(line for _path, line, rule in marks if rule == "spec-mismatch")
    assert mismatches == [3, 8, 10, 14]


def test_a_zero_setting_outside_an_initialisation_is_still_read(tmp_path: Path) -> None:
    """Only a plain assignment of 0/-1 to a max/min/length name is a start value; a keyword
    argument `max_length=0` passed to a call is what the call gets."""
    code = "def encode(tokenizer, texts):\n    return tokenizer(texts, max_length=0)\n"
    _marks, status, rows = _ledger_row(tmp_path, {"encode.py": code})
    assert status == "disagrees"
    assert [(line, text) for _path, line, text, _agrees in rows] == [(2, "0")]


EVAL_SPEC = """# Spec

## 1 Evaluation

Evaluate on the full test set; report accuracy.
"""

EVALUATE = """import sys

import torch


def evaluate(model, test_loader, test_lines):
    model.eval()
    major, minor = map(int, torch.__version__.split(".")[:2])
    pytest_version = tuple(map(int, sys.modules["_pytest"].__version__.split(".")[:2]))
    correct = total = 0
    with torch.no_grad():
        for batch in test_loader:
            correct += (model(batch["x"]).argmax(-1) == batch["y"]).sum().item()
            total += len(batch["y"])
    kept = test_lines.split("\\n")[:100]
    return correct / total, major, minor, pytest_version, kept


def evaluate_subset(model, test_set):
    return [model(example) for example in test_set[:100]]
"""


def test_a_version_split_is_not_an_evaluation_subset(tmp_path: Path) -> None:
    chunks, checks = check_files(tmp_path, EVAL_SPEC, {"evaluate.py": EVALUATE})
    subsets = sorted(
        line for _path, line, rule in flag_marks(chunks, checks) if rule == "eval-subset"
    )
    assert subsets == [15, 20]  # the file's lines and the test set cut to 100: real subsets


EXIF = """from enum import IntEnum


class Base(IntEnum):
    InteropIndex = 0x0001
    ColorMap = 0x0140
    ProfileHueSatMapDims = 50937


class Tags:
    ColorMap = 0x0140


def report(predictions, labels):
    map_at_10 = 0.871
    return {"map": map_at_10}
"""


def test_an_enum_of_tag_ids_is_not_a_hard_coded_metric(tmp_path: Path) -> None:
    chunks, checks = check_files(tmp_path, EVAL_SPEC, {"tags.py": EXIF})
    metrics = sorted(
        line for _path, line, rule in flag_marks(chunks, checks) if rule == "hardcoded-metric"
    )
    assert metrics == [15]  # `map_at_10 = 0.871` is still a typed-in result


OTHER_LENGTHS = """import struct


def decode_blocks(data):
    max_len = 10
    return [token[:max_len] for token in data.split()]


def domains(*, max_length: int = 255, max_element_length: int = 63):
    return max_length, max_element_length


class PrettyPrinter:
    def __init__(self):
        self.max_seq_length: int = 1000
"""

SEQUENCE_CODE = """def collate(batch, tokenizer, max_length=256):
    max_len = 128
    return tokenizer(batch, truncation=True, max_length=max_len), max_length
"""


def test_a_length_in_code_that_handles_no_token_sequences_is_another_length(tmp_path: Path) -> None:
    """A local, a function default and a method's attribute named like the max sequence length
    are left out of the ledger in a file with no sign of token sequences; the same shapes in a file
    reading a tokenizer, and a module constant anywhere (config style), are still compared."""
    files = {
        "image.py": OTHER_LENGTHS,
        "batching.py": SEQUENCE_CODE,
        "limits.py": "MAX_SEQ_LENGTH = 1024\n",
    }
    marks, status, rows = _ledger_row(tmp_path, files)
    assert status == "disagrees"
    assert [(path, line, text) for path, line, text, _agrees in rows] == [
        ("batching.py", 1, "256"),
        ("batching.py", 2, "128"),
        ("limits.py", 1, "1024"),
    ]
    assert not [mark for mark in marks if mark[0] == "image.py"]


VALIDATE = """import itertools


def _validate_ids(ids, parametersets):
    num_ids = len(parametersets)
    return list(itertools.islice(ids, num_ids))


def evaluate(model, test_ids):
    return [model(i) for i in itertools.islice(test_ids, 100)]
"""


def test_islice_of_one_things_ids_is_not_an_evaluation_subset(tmp_path: Path) -> None:
    """pytest's `_validate_ids` ("validate" puts it on an evaluation path) cuts its ids to the
    number of parameter sets; `islice(test_ids, 100)` in `evaluate` is still a subset."""
    chunks, checks = check_files(tmp_path, EVAL_SPEC, {"ids.py": VALIDATE})
    subsets = [line for _path, line, rule in flag_marks(chunks, checks) if rule == "eval-subset"]
    assert subsets == [10]
