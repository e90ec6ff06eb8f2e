"""Tests of the spec's numbers ledger: unit-aware values, spec extraction, code settings, agreement,
the markdown table, and `spec-mismatch` flags."""

from __future__ import annotations

from textwrap import dedent

import pytest

from reviewtui.core.checks import build_ledger, ledger_markdown
from reviewtui.core.checks.values import parse_number, values_agree
from tests.checks_fixture import added_file, check_text, one_section_spec


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("2e-5", 2e-5),
        ("2E-05", 2e-5),
        ("2 × 10⁻⁵", 2e-5),
        ("2x10^-5", 2e-5),
        ("2 * 10**-5", 2e-5),
        ("$2 \\times 10^{-5}$", 2e-5),
        ("0.00002", 2e-5),
        ("10%", 0.1),
        ("0.1", 0.1),
        ("1,000", 1000.0),
        ("1k", 1000.0),
        ("10^-4", 1e-4),
        ("−3", -3.0),
        ("`32`", 32.0),
    ],
)
def test_numbers_are_unit_aware(text: str, value: float) -> None:
    parsed = parse_number(text)
    assert parsed is not None and values_agree(value, parsed, "number")


@pytest.mark.parametrize("text", ["bert-2", "v2", "left", "1.2.3", ""])
def test_non_numbers(text: str) -> None:
    assert parse_number(text) is None


def test_choices_and_models_compare_by_meaning() -> None:
    assert values_agree("adamw", "adamw_torch", "choice")
    assert not values_agree("adam", "adamw", "choice")
    assert values_agree("linear", "get_linear_schedule_with_warmup", "choice")
    assert values_agree("bert-base-uncased", "google-bert/bert-base-uncased", "model")
    assert not values_agree("bert-base-uncased", "roberta-base", "model")
    assert values_agree((1.0, 2.0, 3.0), 2.0, "seeds")
    assert not values_agree((1.0, 2.0, 3.0), 4.0, "seeds")


SPEC = dedent(
    """\
    # Spec
    We fine-tune `meta-llama/Llama-3.2-1B` with a learning rate of 2 × 10⁻⁵ and train for 3 epochs.
    - batch size: 16
    - Warmup: 10% of the steps; weight decay 0.01
    - Use left padding and a max sequence length of 1024 tokens.
    - Seeds: 1, 2, 3
    | parameter | value |
    | --- | --- |
    | dropout | 0.2 |
    | temperature | 0 |
    An 80/20 split. Evaluate on 500 examples. Patience of 3 epochs for early stopping.
    ```python
    lr = 1.0  # an example in a code block is not the spec's value
    ```
    """
)


def spec_values(markdown: str) -> dict[str, list[object]]:
    ledger = build_ledger(one_section_spec(markdown), [])
    return {
        entry.parameter: [value.value for value in entry.spec_values] for entry in ledger.entries
    }


def test_spec_values_from_prose_lists_and_tables() -> None:
    values = spec_values(SPEC)
    assert values["model_name"] == ["meta-llama/Llama-3.2-1B"]
    assert values["learning_rate"] == [pytest.approx(2e-5)]
    assert values["epochs"] == [3.0]
    assert values["batch_size"] == [16.0]
    assert values["warmup_ratio"] == [pytest.approx(0.1)]
    assert values["weight_decay"] == [0.01]
    assert values["padding_side"] == ["left"]
    assert values["max_length"] == [1024.0]
    assert values["seed"] == [(1.0, 2.0, 3.0)]
    assert values["dropout"] == [0.2]
    assert values["temperature"] == [0.0]
    assert values["train_size"] == [0.8]
    assert values["test_size"] == [0.2]
    assert values["num_samples"] == [500.0]


def test_spec_values_keep_their_line_and_text() -> None:
    ledger = build_ledger(one_section_spec(SPEC), [])
    lr = ledger.get("learning_rate")
    assert lr is not None
    assert (lr.spec_values[0].spec, lr.spec_values[0].line) == ("SPEC.md", 2)
    assert lr.spec_values[0].text == "2 × 10⁻⁵"
    dropout = ledger.get("dropout")
    assert dropout is not None and dropout.spec_values[0].line == 9


def test_counts_after_every_or_of_are_not_values() -> None:
    values = spec_values("Evaluate every 2 epochs. Train for 4 epochs.\n")
    assert values["epochs"] == [4.0]


def test_warmup_steps_and_ratio_are_told_apart() -> None:
    values = spec_values("Warmup of 500 steps.\n")
    assert values == {"warmup_steps": [500.0]}


def test_three_way_split_accepts_the_two_stage_split() -> None:
    diff, _chunk = added_file(
        "src/split.py",
        "a, rest = train_test_split(x, test_size=0.2)\nb, c = train_test_split(rest, test_size=0.5)\n",
    )
    ledger = build_ledger(one_section_spec("An 80/10/10 train/val/test split.\n"), [diff])
    entry = ledger.get("test_size")
    assert entry is not None and entry.status == "agrees"


CODE = dedent(
    """\
    import argparse
    from dataclasses import dataclass, field
    from transformers import AutoModel, TrainingArguments

    LEARNING_RATE = 2e-5

    @dataclass
    class Config:
        batch_size: int = 32
        dropout: float = field(default=0.1, metadata={"help": "dropout"})

    def train(epochs=3, lr=args.lr):
        parser = argparse.ArgumentParser()
        parser.add_argument("--learning-rate", "--lr", type=float, default=1e-4)
        model = AutoModel.from_pretrained("bert-base-uncased")
        tokenizer.padding_side = "right"
        return TrainingArguments(output_dir="o", num_train_epochs=3, weight_decay=0.0)
    """
)


def test_code_settings_in_python() -> None:
    spec = one_section_spec(
        "lr 2e-5, batch size 32, dropout 0.1, 3 epochs, weight decay 0.01, padding side: left, "
        "base model: bert-base-uncased\n"
    )
    diff, _chunk = added_file("src/train.py", CODE)
    ledger = build_ledger(spec, [diff])
    settings = {
        (entry.parameter, setting.key, setting.line, setting.kind, setting.agrees)
        + ((setting.text,) if setting.parameter == "dropout" else ())
        for entry in ledger.entries
        for setting in entry.code_settings
    }
    assert settings == {
        ("learning_rate", "LEARNING_RATE", 5, "assignment", True),
        ("batch_size", "batch_size", 9, "field", True),
        ("dropout", "dropout", 10, "field", True, "0.1"),
        ("epochs", "epochs", 12, "default", True),
        ("learning_rate", "--learning-rate", 14, "argparse", False),
        ("model_name", "from_pretrained()", 15, "call", True),
        ("padding_side", "tokenizer.padding_side", 16, "assignment", False),
        ("epochs", "num_train_epochs", 17, "keyword", True),
        ("weight_decay", "weight_decay", 17, "keyword", False),
    }


@pytest.mark.parametrize(
    ("path", "text", "key", "line"),
    [
        ("configs/a.yaml", "optim:\n  name: adamw\n  lr: 3e-4  # peak\n", "optim.lr", 3),
        ("configs/a.yaml", "model:\n  name: roberta-base\n", "model.name", 2),
        ("configs/a.json", '{\n  "learning_rate": 0.0003\n}\n', "learning_rate", 2),
        ("configs/a.toml", "[train]\nlr = 3e-4\n", "train.lr", 2),
        ("scripts/run.sh", "python train.py \\\n  --lr 3e-4 --epochs 3\n", "lr", 2),
    ],
)
def test_code_settings_in_configs(path: str, text: str, key: str, line: int) -> None:
    spec = one_section_spec("learning rate: 2e-5\nmodel: bert-base-uncased\n")
    diff, _chunk = added_file(path, text)
    ledger = build_ledger(spec, [diff])
    [(entry, setting)] = ledger.mismatches
    assert (setting.key, setting.line, setting.path) == (key, line, path)
    assert entry.status == "disagrees"


def test_settings_in_tests_and_dev_branches_do_not_count() -> None:
    spec = one_section_spec("Train for 3 epochs.\n")
    test_diff, _ = added_file("tests/test_train.py", "epochs = 1\n")
    dev_diff, _ = added_file(
        "src/train.py", "if args.dev:\n    epochs = 1\nelse:\n    epochs = 3\n"
    )
    entry = build_ledger(spec, [test_diff, dev_diff]).get("epochs")
    assert entry is not None
    assert [(setting.path, setting.line) for setting in entry.code_settings] == [
        ("src/train.py", 4)
    ]
    assert entry.status == "agrees"


def test_mismatch_becomes_a_flag_with_both_values_and_the_spec_line() -> None:
    flags = check_text(
        "src/train.py", "x = 1\nlr = 1e-4\n", "# Spec\nUse a learning rate of 2e-5.\n"
    )
    [flag] = flags
    assert (flag.rule, flag.severity, flag.line) == ("spec-mismatch", "high", 2)
    assert "2e-5" in flag.message and "1e-4" in flag.message and "SPEC.md:2" in flag.message


def test_agreeing_value_written_another_way_is_not_flagged() -> None:
    code = "lr = 0.00002\nwarmup_ratio = 0.1\nbatch_size = 32\n"
    spec = "| lr | 2 × 10⁻⁵ |\n| warmup | 10% |\n| batch size | 32 |\n"
    assert check_text("src/train.py", code, spec) == []


def test_ledger_markdown_table() -> None:
    spec = one_section_spec("learning rate: 2e-5\nTrain for 3 epochs.\nbatch size 32\n")
    diff, _chunk = added_file("src/a|b.py", "lr = 1e-4\nepochs = 3\n")
    table = ledger_markdown(build_ledger(spec, [diff]))
    lines = table.splitlines()
    assert lines[0] == "| parameter | spec | spec line | code | where | agrees |"
    assert "| learning_rate | 2e-5 | SPEC.md:1 | lr = 1e-4 | src/a\\|b.py:1 | **no** |" in lines
    assert "| epochs | 3 | SPEC.md:2 | epochs = 3 | src/a\\|b.py:2 | yes |" in lines
    assert "| batch_size | 32 | SPEC.md:3 |  |  | not set |" in lines


def test_empty_ledger_has_no_table() -> None:
    assert ledger_markdown(build_ledger(one_section_spec("Nothing numeric here.\n"), [])) == ""


def test_counts_need_an_evaluation_sentence_and_fractions_a_fraction() -> None:
    values = spec_values(
        "Ask the LLM for 3 questions per passage (temperature 0.7). Evaluate on all 648 test queries.\n"
        "- [ ] T03 Hold out the dev split of 1.3 and save both splits\n"
    )
    assert values == {"temperature": [0.7], "num_samples": [648.0]}


def test_constructor_calls_are_settings_too() -> None:
    spec = one_section_spec(
        "Use the AdamW optimizer with a cosine schedule. Base model: bert-base-uncased\n"
    )
    code = (
        "opt = torch.optim.SGD(params, lr=0.1)\n"
        "sched = get_cosine_schedule_with_warmup(opt, 10, 100)\n"
        'model = AutoModel.from_pretrained("roberta-base")\n'
    )
    diff, _chunk = added_file("src/train.py", code)
    ledger = build_ledger(spec, [diff])
    codes = {(s.parameter, s.code, s.agrees) for e in ledger.entries for s in e.code_settings}
    assert codes == {
        ("optimizer", "SGD()", False),
        ("lr_scheduler", "get_cosine_schedule_with_warmup()", True),
        ("model_name", 'from_pretrained() = "roberta-base"', False),
    }
