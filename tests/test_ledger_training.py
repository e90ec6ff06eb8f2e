"""The ledger's training and generation settings, on real git repos through the real pipeline: the
optimizer a spec names ("AdamW"), gradient clipping, sampling and loss temperatures, mixed precision,
GPUs, gradient accumulation, schedules, beams, top-p, new tokens, label smoothing, a dev share, the
evaluation set's size in sentences, values a paragraph wraps onto its next line, and the evaluation
batch size told from the training one (a QA review's F17 and F8). Each kind: a deviation is paired
and flagged, an equal value written differently agrees, a look-alike is not paired."""

from __future__ import annotations

import json

import pytest

from reviewtui.cli import main
from tests.checks_fixture import FixtureRun, run_fixture
from tests.gitrepo import GitRepo
from tests.test_ledger_kinds import review, settings_of

# --------------------------------------------------------------------------- deviations are paired

DEVIATIONS = [
    pytest.param(
        "AdamW with weight decay 0.01 and a linear schedule.\n",
        "src/train.py",
        "import torch\n\n\ndef make(model):\n    return torch.optim.Adam(model.parameters())\n",
        "optimizer",
        "Adam()",
        id="optimizer-adam-vs-adamw",
    ),
    pytest.param(
        "We train with SGD.\n",
        "src/train.py",
        "from transformers import TrainingArguments\n\nARGS = TrainingArguments(optim='adamw_torch')\n",
        "optimizer",
        "optim = 'adamw_torch'",
        id="optimizer-in-training-arguments",
    ),
    pytest.param(
        "Clip gradients to a norm of 1.0.\n",
        "src/train.py",
        "import torch\n\n\ndef step(model):\n    torch.nn.utils.clip_grad_norm_(model.parameters(), 5.0)\n",
        "max_grad_norm",
        "clip_grad_norm_() = 5.0",
        id="gradient-clipping-positional",
    ),
    pytest.param(
        "Train with a linear schedule, warmup, and gradient\nclipping at 1.0 on one GPU.\n",
        "src/train.py",
        "def step(model, clip):\n    clip(model.parameters(), max_norm=0.5)\n",
        "max_grad_norm",
        "max_norm = 0.5",
        id="gradient-clipping-wrapped-over-two-lines",
    ),
    pytest.param(
        "Ask the LLM (`claude-haiku-4-5`, temperature\n0.7) to write one paraphrase.\n",
        "src/augment.py",
        "def ask(client, text):\n    return client.messages.create(\n"
        "        model='claude-haiku-4-5', temperature=1.0, max_tokens=200, messages=text\n    )\n",
        "temperature",
        "temperature = 1.0",
        id="sampling-temperature-wrapped",
    ),
    pytest.param(
        "Train the retriever with an InfoNCE loss at a temperature of 0.05.\n",
        "src/loss.py",
        "class InfoNCELoss:\n    def __init__(self, temperature=0.1):\n"
        "        self.temperature = temperature\n",
        "loss_temperature",
        "temperature = 0.1",
        id="loss-temperature",
    ),
    pytest.param(
        "Train in bf16 mixed precision.\n",
        "src/train.py",
        "from transformers import TrainingArguments\n\nARGS = TrainingArguments(fp16=True)\n",
        "mixed_precision",
        "fp16 = True",
        id="mixed-precision",
    ),
    pytest.param(
        "Train on 4 GPUs.\n",
        "scripts/train.sh",
        "torchrun --nproc_per_node=8 train.py\n",
        "num_gpus",
        "nproc_per_node = 8",
        id="number-of-gpus",
    ),
    pytest.param(
        "Accumulate gradients over 4 steps.\n",
        "src/train.py",
        "from transformers import TrainingArguments\n\n"
        "ARGS = TrainingArguments(gradient_accumulation_steps=8)\n",
        "gradient_accumulation_steps",
        "gradient_accumulation_steps = 8",
        id="gradient-accumulation",
    ),
    pytest.param(
        "The learning rate follows a linear decay.\n",
        "src/train.py",
        "from transformers import get_cosine_schedule_with_warmup\n\n\n"
        "def sched(opt):\n    return get_cosine_schedule_with_warmup(opt, 100, 1000)\n",
        "lr_scheduler",
        "get_cosine_schedule_with_warmup()",
        id="scheduler-type",
    ),
    pytest.param(
        "Decode with beam search with 4 beams.\n",
        "src/generate.py",
        "def run(model, x):\n    return model.generate(x, num_beams=5)\n",
        "num_beams",
        "num_beams = 5",
        id="beam-size",
    ),
    pytest.param(
        "Sample with nucleus sampling with p = 0.9.\n",
        "src/generate.py",
        "def run(model, x):\n    return model.generate(x, do_sample=True, top_p=0.95)\n",
        "top_p",
        "top_p = 0.95",
        id="top-p",
    ),
    pytest.param(
        "Generate at most 64 new tokens per answer.\n",
        "src/generate.py",
        "def run(model, x):\n    return model.generate(x, max_new_tokens=128)\n",
        "max_new_tokens",
        "max_new_tokens = 128",
        id="max-new-tokens",
    ),
    pytest.param(
        "Use label smoothing of 0.1.\n",
        "src/train.py",
        "import torch\n\nLOSS = torch.nn.CrossEntropyLoss(label_smoothing=0.2)\n",
        "label_smoothing",
        "label_smoothing = 0.2",
        id="label-smoothing",
    ),
    pytest.param(
        "Hold out 5% of the training set as a dev set (stratified by label).\n",
        "src/data.py",
        "from sklearn.model_selection import train_test_split\n\n\n"
        "def split(rows):\n    train, dev = train_test_split(rows, test_size=0.1)\n    return train, dev\n",
        "val_size",
        "test_size = 0.1",
        id="dev-share-by-train-test-split",
    ),
    pytest.param(
        "Report accuracy on the full GLUE validation set (all 872 sentences).\n",
        "src/evaluate.py",
        "def evaluate(raw):\n    return raw['validation'].shuffle(seed=13).select(range(500))\n",
        "num_samples",
        "raw['validation'].shuffle(seed=13).select(range(500))",
        id="sentences-counted-after-a-shuffle",
    ),
    pytest.param(
        "Evaluation batch size: 128.\n",
        "src/evaluate.py",
        "from torch.utils.data import DataLoader\n\n\n"
        "def evaluate(test_set):\n    return DataLoader(test_set, batch_size=64)\n",
        "eval_batch_size",
        "batch_size = 64",
        id="evaluation-batch-size-stated",
    ),
    pytest.param(
        "Batch size: 32.\n",
        "src/train.py",
        "from torch.utils.data import DataLoader\n\n\n"
        "def main(train_set, val_set):\n"
        "    train_loader = DataLoader(train_set, batch_size=16, shuffle=True)\n"
        "    val_loader = DataLoader(val_set, batch_size=64)\n"
        "    return train_loader, val_loader\n",
        "batch_size",
        "batch_size = 16",
        id="training-loader-beside-an-evaluation-loader",
    ),
]


DEVIATIONS += [
    pytest.param(
        "Batch size: 32.\n",
        "src/train.py",
        "from torch.utils.data import DataLoader\n\n\n"
        "def train_and_evaluate(train_set):\n    return DataLoader(train_set, batch_size=16)\n",
        "batch_size",
        "batch_size = 16",
        id="training-batch-in-train-and-evaluate",
    ),
]


@pytest.mark.parametrize(("spec", "path", "code", "parameter", "written"), DEVIATIONS)
def test_a_deviation_is_paired_and_flagged(
    git_repo: GitRepo, spec: str, path: str, code: str, parameter: str, written: str
) -> None:
    ledger, flags = review(git_repo, spec, {path: code})
    assert settings_of(ledger, parameter) == [(written, False)]
    mismatches = [flag for flag in flags if flag.rule == "spec-mismatch"]
    assert len(mismatches) == 1 and written in mismatches[0].message
    assert "SPEC.md:" in mismatches[0].message


# --------------------------------------------------------------------------- equal values agree

AGREEMENTS = [
    pytest.param(
        "Optimize with AdamW.\n",
        "src/train.py",
        "from transformers import TrainingArguments\n\nARGS = TrainingArguments(optim='adamw_torch')\n",
        id="AdamW==adamw_torch",
    ),
    pytest.param(
        "AdamW with weight decay 0.01, a linear schedule, gradient\nclipping at 1.0.\n",
        "configs/train.yaml",
        "optimizer: adamw\nweight_decay: 1e-2\nlr_scheduler_type: linear\nmax_grad_norm: 1\n",
        id="wrapped-clipping==max_grad_norm-1",
    ),
    pytest.param(
        "Sample at temperature 0.7.\n",
        "src/generate.py",
        "def run(model, x):\n    return model.generate(x, do_sample=True, temperature=.70)\n",
        id="0.7==.70",
    ),
    pytest.param(
        "Mixed precision (bfloat16).\n",
        "src/train.py",
        "from accelerate import Accelerator\n\nACC = Accelerator(mixed_precision='bf16')\n",
        id="bfloat16==bf16",
    ),
    pytest.param(
        "Use fp16 mixed precision.\n",
        "configs/train.yaml",
        "training:\n  fp16: true\n",
        id="fp16==fp16-true",
    ),
    pytest.param(
        "Train with 16-bit mixed precision (fp16).\n",
        "src/train.py",
        "import lightning as L\n\nTRAINER = L.Trainer(precision=16)\n",
        id="fp16==lightning-precision-16",
    ),
    pytest.param(
        "Number of GPUs: 4.\n",
        "src/train.py",
        "import lightning as L\n\nTRAINER = L.Trainer(devices=4)\n",
        id="4-gpus==devices-4",
    ),
    pytest.param(
        "Use 4 gradient accumulation steps.\n",
        "configs/train.yaml",
        "grad_accum: 4\n",
        id="4-steps==grad_accum-4",
    ),
    pytest.param(
        "Use a cosine decay.\n",
        "src/train.py",
        "from transformers import TrainingArguments\n\nARGS = TrainingArguments(lr_scheduler_type='cosine')\n",
        id="cosine-decay==cosine",
    ),
    pytest.param(
        "Use a 5% dev split.\n",
        "src/data.py",
        "from sklearn.model_selection import train_test_split\n\n\n"
        "def split(rows):\n    train, dev = train_test_split(rows, test_size=0.05)\n    return train, dev\n",
        id="5%==test_size-0.05-for-dev",
    ),
    pytest.param(
        "Use an 80/20 train/test split.\n",
        "src/data.py",
        "from sklearn.model_selection import train_test_split\n\n\n"
        "def split(df):\n    train_df, val_df = train_test_split(df, test_size=0.2)\n"
        "    return train_df, val_df\n",
        id="a-held-out-share-named-val-is-the-specs-test-share",
    ),
    pytest.param(
        "Load SST-2 (67,349 train sentences, 872 validation\nsentences).\n",
        "src/evaluate.py",
        "def evaluate(raw):\n    return raw['validation'].select(range(872))\n",
        id="872-sentences-wrapped==range-872",
    ),
    pytest.param(
        "The eval batch size is 64.\n",
        "src/train.py",
        "from transformers import TrainingArguments\n\n"
        "ARGS = TrainingArguments(per_device_eval_batch_size=64)\n",
        id="eval-batch-size==per_device_eval_batch_size",
    ),
    pytest.param(
        "Train the retriever with an InfoNCE loss at a temperature of 0.05.\n",
        "src/loss.py",
        "class InfoNCELoss:\n    def __init__(self, temperature=5e-2):\n"
        "        self.temperature = temperature\n",
        id="loss-temperature-0.05==5e-2",
    ),
]


@pytest.mark.parametrize(("spec", "path", "code"), AGREEMENTS)
def test_equal_values_written_differently_agree(
    git_repo: GitRepo, spec: str, path: str, code: str
) -> None:
    ledger, flags = review(git_repo, spec, {path: code})
    assert [flag for flag in flags if flag.rule == "spec-mismatch"] == []
    entries = [entry for entry in ledger.entries if entry.code_settings]
    assert entries and all(entry.status == "agrees" for entry in entries)


# --------------------------------------------------------------------------- look-alikes

EVALUATION_LOADERS = [
    pytest.param(
        "def main(data):\n    val_loader = DataLoader(data['validation'], batch_size=64)\n"
        "    return val_loader\n",
        id="validation-data",
    ),
    pytest.param(
        "def main(data):\n    loader = DataLoader(data['test'], batch_size=64, shuffle=False)\n"
        "    return loader\n",
        id="test-data-unshuffled",
    ),
    pytest.param(
        "def evaluate(ds):\n    loader = DataLoader(ds, batch_size=64)\n    return loader\n",
        id="in-an-evaluation-function",
    ),
    pytest.param(
        "import torch\n\n\n@torch.no_grad()\ndef embed(ds):\n"
        "    return list(DataLoader(ds, batch_size=256))\n",
        id="under-no-grad",
    ),
    pytest.param(
        "def predict_all(ds):\n    batch_size = 128\n    return DataLoader(ds, batch_size=batch_size)\n",
        id="assigned-in-a-predict-function",
    ),
    pytest.param(
        "class EvalConfig:\n    batch_size: int = 64\n",
        id="field-of-an-evaluation-config",
    ),
]


@pytest.mark.parametrize("loader", EVALUATION_LOADERS)
def test_an_evaluation_batch_size_is_not_the_training_one(git_repo: GitRepo, loader: str) -> None:
    """F8: the spec's batch size is the training batch; an inference loader's is not paired."""
    code = "from torch.utils.data import DataLoader\n\n\n" + loader
    ledger, flags = review(git_repo, "Batch size: 32.\n", {"src/run.py": code})
    entry = ledger.get("batch_size")
    assert entry is not None and entry.status == "not set"
    assert [flag for flag in flags if flag.rule == "spec-mismatch"] == []


UNRELATED = [
    pytest.param(
        "Clip gradients to a norm of 1.0.\n",
        "src/train.py",
        "import torch\n\n\ndef step(model):\n"
        "    torch.nn.utils.clip_grad_value_(model.parameters(), clip_value=5.0)\n",
        "max_grad_norm",
        id="value-clipping-is-not-norm-clipping",
    ),
    pytest.param(
        "Sample at temperature 0.7.\n",
        "src/loss.py",
        "class ContrastiveLoss:\n    def __init__(self, temperature=0.05):\n"
        "        self.temperature = temperature\n",
        "temperature",
        id="a-loss-temperature-is-not-sampling",
    ),
    pytest.param(
        "Mixed precision (bf16).\n",
        "src/metrics.py",
        "PRECISION = 'macro'\n",
        "mixed_precision",
        id="metric-averaging-named-precision",
    ),
    pytest.param(
        "Mixed precision (bf16).\n",
        "src/train.py",
        "from transformers import TrainingArguments\n\nARGS = TrainingArguments(fp16=False)\n",
        "mixed_precision",
        id="a-precision-switched-off-states-none",
    ),
    pytest.param(
        "Report accuracy on all 872 validation sentences.\n",
        "src/evaluate.py",
        "def evaluate(sentence):\n    return sentence.tokens[:128]\n",
        "num_samples",
        id="truncating-one-sentence",
    ),
]


@pytest.mark.parametrize(("spec", "path", "code", "parameter"), UNRELATED)
def test_unrelated_settings_are_not_paired(
    git_repo: GitRepo, spec: str, path: str, code: str, parameter: str
) -> None:
    ledger, flags = review(git_repo, spec, {path: code})
    entry = ledger.get(parameter)
    assert entry is not None and entry.status == "not set"
    assert [flag for flag in flags if flag.rule == "spec-mismatch"] == []


@pytest.mark.parametrize(
    "spec",
    [
        pytest.param("Thanks to Adam Smith for the training cluster.\n", id="adam-a-person"),
        pytest.param("Ask Adam for access.\n", id="adam-with-no-training-word"),
        pytest.param(
            "Calibrate with temperature scaling on the dev set.\n", id="temperature-scaling"
        ),
        pytest.param("Report precision, recall and F1.\n", id="precision-the-metric"),
        pytest.param("The training set has 67,349 sentences.\n", id="training-sentences"),
        pytest.param("Checkpoint\n`ckpt/sft-410m` exists.\n", id="a-checkpoint-path-wrapped"),
        pytest.param("- batch size\n- 32 workers\n", id="list-items-are-not-joined"),
        pytest.param("Training takes about 8 GPU hours.\n", id="gpu-hours"),
        pytest.param("Fine-tune on GPT-4-judged pairs only.\n", id="gpt-4-judged"),
    ],
)
def test_look_alikes_state_nothing(git_repo: GitRepo, spec: str) -> None:
    ledger, _flags = review(git_repo, spec, {"src/a.py": "x = 1\n"})
    assert ledger.entries == []


def test_a_per_gpu_batch_names_no_gpu_count(git_repo: GitRepo) -> None:
    ledger, _flags = review(git_repo, "A batch size of 16 per GPU.\n", {"src/a.py": "x = 1\n"})
    assert ledger.get("num_gpus") is None
    assert ledger.get("batch_size") is not None


def test_a_wrapped_value_keeps_the_line_that_holds_it(git_repo: GitRepo) -> None:
    spec = "# Method\n\nAsk the LLM (`claude-haiku-4-5`, temperature\n0.7) to paraphrase.\n"
    ledger, _flags = review(git_repo, spec, {"src/a.py": "x = 1\n"})
    entry = ledger.get("temperature")
    assert entry is not None
    assert [(value.text, value.line) for value in entry.spec_values] == [("0.7", 4)]


def test_a_dev_share_names_the_codes_test_size_as_its_stand_in(git_repo: GitRepo) -> None:
    code = (
        "from sklearn.model_selection import train_test_split\n\n\n"
        "def split(x):\n    x_train, x_test = train_test_split(x, test_size=0.2)\n"
        "    return x_train, x_test\n"
    )
    ledger, flags = review(git_repo, "Use a 5% dev split.\n", {"src/data.py": code})
    entry = ledger.get("val_size")
    assert entry is not None and entry.status == "not set"
    assert [setting.code for setting in entry.related] == ["test_size = 0.2"]
    assert [flag for flag in flags if flag.rule == "spec-mismatch"] == []


def test_status_json_shows_the_stand_ins_under_an_added_related_key(
    git_repo: GitRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    """`status --json` ledger entries keep their keys and add `related` (empty when none)."""
    git_repo.write("SPEC.md", "# Training\n\nWarm up over 10% of the steps. Batch size: 32.\n")
    git_repo.commit("spec")
    git_repo.write("configs/train.yaml", "warmup_steps: 500\nbatch_size: 32\n")
    git_repo.commit("agent phase")
    code = main(["status", "--json", "--no-llm", "--repo", str(git_repo.root), "HEAD~1..HEAD"])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    entries = {entry["parameter"]: entry for entry in json.loads(captured.out)["ledger"]}
    warmup, batch = entries["warmup_ratio"], entries["batch_size"]
    assert set(warmup) == {"parameter", "status", "spec", "code", "related"}
    assert warmup["status"] == "not set" and warmup["code"] == []
    assert warmup["related"] == [
        {
            "parameter": "warmup_steps",
            "text": "500",
            "code": "warmup_steps = 500",
            "path": "configs/train.yaml",
            "line": 1,
        }
    ]
    assert batch["status"] == "agrees" and batch["related"] == []


# --------------------------------------------------------------------------- a QA review's phase


@pytest.fixture(scope="module")
def sst2(tmp_path_factory: pytest.TempPathFactory) -> FixtureRun:
    """`ledger_sst2`: an agent's phase 1 of a DistilBERT SST-2 replication, from a QA review (its
    spec wraps "temperature" / "0.7)" and "gradient" / "clipping at 1.0" over two lines)."""
    return run_fixture("ledger_sst2", tmp_path_factory.mktemp("sst2") / "repo")


SST2_EXPECTED = {
    "model_name": "agrees",
    "seed": "agrees",
    "num_samples": "disagrees",
    "max_length": "agrees",
    "padding_side": "disagrees",
    "temperature": "not set",
    "val_size": "not set",
    "dropout": "agrees",
    "weight_decay": "agrees",
    "lr_scheduler": "agrees",
    "warmup_ratio": "disagrees",
    "optimizer": "agrees",
    "mixed_precision": "agrees",
    "max_grad_norm": "agrees",
    "eval_split": "not set",
    "patience": "agrees",
    "learning_rate": "disagrees",
    "batch_size": "disagrees",
    "epochs": "agrees",
}


def test_the_qa_phase_states_every_value_the_spec_writes(sst2: FixtureRun) -> None:
    """F17: AdamW, clipping at 1.0, temperature 0.7, the 872 validation sentences, the 5% dev
    split and fp16 all have a row."""
    assert {entry.parameter: entry.status for entry in sst2.ledger.entries} == SST2_EXPECTED
    spec_lines = {
        entry.parameter: [(value.text, value.line) for value in entry.spec_values]
        for entry in sst2.ledger.entries
    }
    assert spec_lines["temperature"] == [("0.7", 28)]
    assert spec_lines["max_grad_norm"] == [("1.0", 47)]
    assert spec_lines["optimizer"] == [("AdamW", 46)]
    assert spec_lines["num_samples"] == [("872", 16), ("872", 73)]
    assert spec_lines["val_size"] == [("5%", 34)]


def test_the_qa_phase_flags_no_evaluation_loader(sst2: FixtureRun) -> None:
    """F8: `DataLoader(data["validation"], batch_size=64)` (train.py:75) and the loader of
    `evaluate()` (evaluate.py:44) are not the training batch size of 32."""
    by_id = {chunk.id: chunk for chunk in sst2.chunks}
    mismatches = {
        (by_id[chunk_id].path, flag.line)
        for chunk_id, found in sst2.flags.items()
        for flag in found
        if flag.rule == "spec-mismatch"
    }
    assert ("src/sst2/train.py", 75) not in mismatches
    assert ("src/sst2/evaluate.py", 44) not in mismatches
    assert mismatches == {
        ("configs/baseline.yaml", 8),
        ("configs/baseline.yaml", 13),
        ("configs/baseline.yaml", 14),
        ("configs/baseline.yaml", 16),
        ("scripts/run_baseline.sh", 6),
        ("src/sst2/config.py", 20),
        ("src/sst2/config.py", 27),
        ("src/sst2/config.py", 28),
        ("src/sst2/config.py", 30),
        ("src/sst2/data.py", 42),
        ("src/sst2/evaluate.py", 40),
        ("src/sst2/train.py", 124),
    }
