"""The numbers ledger, kind by kind, on real git repos through the real pipeline (gitrange -> chunks
-> checks): what a spec states the many ways papers write it is paired with what the phase's code
sets, equal values written differently are not flagged, and unrelated numbers are not paired."""

from __future__ import annotations

import pytest

from reviewtui.core.checks import Ledger, ledger_markdown
from tests.checks_fixture import FixtureRun, run_fixture
from tests.gitrepo import GitRepo
from tests.ledger_support import review


def settings_of(ledger: Ledger, parameter: str) -> list[tuple[str, bool | None]]:
    entry = ledger.get(parameter)
    assert entry is not None, (
        f"{parameter} not in the ledger: {[e.parameter for e in ledger.entries]}"
    )
    return [(setting.code, setting.agrees) for setting in entry.code_settings]


# --------------------------------------------------------------------------- deviations are paired

DEVIATIONS = [
    pytest.param(
        "Evaluate on all 648 test queries.\n",
        "src/evaluate.py",
        "def evaluate(corpus):\n    query_ids = list(corpus.queries)[:500]\n    return query_ids\n",
        "num_samples",
        "list(corpus.queries)[:500]",
        id="eval-slice-vs-sample-count",
    ),
    pytest.param(
        "Evaluate on all 648 test queries.\n",
        "src/evaluate.py",
        "MAX_QUERIES = 500\n\n\ndef evaluate(queries):\n    return list(queries)[:MAX_QUERIES]\n",
        "num_samples",
        "list(queries)[:MAX_QUERIES] = 500",
        id="eval-slice-by-a-constant",
    ),
    pytest.param(
        "Evaluate on the test set of 2,000 examples.\n",
        "src/evaluate.py",
        "def evaluate_hf(dataset):\n    return dataset['test'].select(range(1000))\n",
        "num_samples",
        "dataset['test'].select(range(1000))",
        id="eval-select-range",
    ),
    pytest.param(
        "Sample 10,000 passages of the corpus.\n",
        "src/querygen.py",
        "N_PASSAGES = 5_000\n",
        "num_passages",
        "N_PASSAGES = 5_000",
        id="count-of-passages",
    ),
    pytest.param(
        "We embed passages with bge-base.\n",
        "src/index.py",
        'EMBED_MODEL = "BAAI/bge-small-en-v1.5"\n',
        "model_name",
        'EMBED_MODEL = "BAAI/bge-small-en-v1.5"',
        id="model-in-prose-unquoted",
    ),
    pytest.param(
        "Use `BAAI/bge-base-en-v1.5` for the embeddings.\n",
        "src/index.py",
        'from sentence_transformers import SentenceTransformer\nm = SentenceTransformer("all-MiniLM-L6-v2")\n',
        "model_name",
        'SentenceTransformer() = "all-MiniLM-L6-v2"',
        id="model-quoted-hub-id",
    ),
    pytest.param(
        "The encoder is initialised from `distilbert-base-uncased`.\n",
        "configs/train.yaml",
        "model:\n  name: roberta-base\n",
        "model_name",
        "model.name = roberta-base",
        id="model-quoted-without-org",
    ),
    pytest.param(
        "Train with a batch of 32.\n",
        "src/train.py",
        "from dataclasses import dataclass\n\n@dataclass\nclass Config:\n    per_device_train_batch_size: int = 8\n",
        "batch_size",
        "per_device_train_batch_size = 8",
        id="batch-of-n-vs-dataclass-field",
    ),
    pytest.param(
        "Linear warmup over 10% of the training steps.\n",
        "src/train.py",
        "args = TrainingArguments(output_dir='o', warmup_ratio=0.06)\n",
        "warmup_ratio",
        "warmup_ratio = 0.06",
        id="warmup-share-of-steps",
    ),
    pytest.param(
        "Retrieve the top-20 passages for each question.\n",
        "src/rag.py",
        "def retrieve(index, vector):\n    return index.search(vector, k=10)\n",
        "retrieval_top_k",
        "k = 10",
        id="retrieval-top-k",
    ),
    pytest.param(
        "Answer from the top-5 retrieved chunks.\n",
        "src/rag.py",
        "def build(store):\n    return store.as_retriever(search_kwargs={'k': 4})\n",
        "retrieval_top_k",
        "k = 4",
        id="retriever-search-options",
    ),
    pytest.param(
        "Evaluate 5-shot on the test set.\n",
        "configs/eval.yaml",
        "num_fewshot: 0\n",
        "num_shots",
        "num_fewshot = 0",
        id="few-shot-count",
    ),
    pytest.param(
        "Inputs are truncated to 512 tokens.\n",
        "src/data.py",
        "def encode(tok, texts):\n    return tok(texts, truncation=True, max_length=256)\n",
        "max_length",
        "max_length = 256",
        id="token-limit",
    ),
    pytest.param(
        "Report accuracy on the dev split.\n",
        "src/evaluate.py",
        'def evaluate():\n    return load_dataset("squad", split="train")\n',
        "eval_split",
        'split = "train"',
        id="evaluation-split",
    ),
    pytest.param(
        "| lr | batch size | epochs |\n| --- | --- | --- |\n| 2e-5 | 32 | 3 |\n",
        "src/train.py",
        'import argparse\np = argparse.ArgumentParser()\np.add_argument("--lr", type=float, default=1e-4)\n',
        "learning_rate",
        "--lr = 1e-4",
        id="column-table-vs-argparse",
    ),
    pytest.param(
        "| hyper-parameter | value |\n| --- | --- |\n| Learning rate (peak) | 2e-5 |\n",
        "configs/run.toml",
        "[optim]\nlr = 3e-4\n",
        "learning_rate",
        "optim.lr = 3e-4",
        id="row-table-with-a-note-vs-toml",
    ),
    pytest.param(
        "Use 7 hard negatives per query.\n",
        "configs/train.json",
        '{\n  "num_hard_negatives": 3\n}\n',
        "num_negatives",
        "num_hard_negatives = 3",
        id="count-of-negatives-vs-json",
    ),
    pytest.param(
        "A learning rate from 1e-5 to 5e-5.\n",
        "src/train.py",
        "LEARNING_RATE = 1e-4\n",
        "learning_rate",
        "LEARNING_RATE = 1e-4",
        id="outside-a-range",
    ),
    pytest.param(
        "Base model: `bert-base-uncased`.\n",
        "configs/model.json",
        '{\n  "model": {\n    "name": "roberta-base",\n    "layers": [1, 2]\n  }\n}\n',
        "model_name",
        'model.name = "roberta-base"',
        id="nested-json-key",
    ),
    pytest.param(
        "Fix the random seed to 42.\n",
        "src/train.py",
        "import torch\n\ntorch.manual_seed(0)\n",
        "seed",
        "torch.manual_seed() = 0",
        id="seed-call",
    ),
    pytest.param(
        "Pad on the left.\n",
        "src/data.py",
        'def load(tok):\n    tok.padding_side = "right"\n    return tok\n',
        "padding_side",
        'tok.padding_side = "right"',
        id="padding-side",
    ),
]


@pytest.mark.parametrize(("spec", "path", "code", "parameter", "written"), DEVIATIONS)
def test_a_deviation_is_paired_and_flagged(
    git_repo: GitRepo, spec: str, path: str, code: str, parameter: str, written: str
) -> None:
    ledger, flags = review(git_repo, spec, {path: code})
    assert settings_of(ledger, parameter) == [(written, False)]
    entry = ledger.get(parameter)
    assert entry is not None and entry.status == "disagrees"
    mismatches = [flag for flag in flags if flag.rule == "spec-mismatch"]
    assert len(mismatches) == 1 and written in mismatches[0].message
    assert "SPEC.md:" in mismatches[0].message


# --------------------------------------------------------------------------- equal values agree

AGREEMENTS = [
    pytest.param("learning rate: 2e-5\n", "src/a.py", "lr = 0.00002\n", id="2e-5==0.00002"),
    pytest.param(
        "a learning rate of 2 × 10^-5\n", "src/a.py", "LR = 2 * 10**-5\n", id="2x10^-5==2*10**-5"
    ),
    pytest.param(
        "Sample 10,000 passages.\n", "src/a.py", "N_PASSAGES = 10_000\n", id="10,000==10_000"
    ),
    pytest.param(
        "Sample 10k passages.\n", "configs/a.json", '{"num_passages": 10000}\n', id="10k==10000"
    ),
    pytest.param(
        "Warm up over 10% of steps.\n", "configs/a.yaml", "warmup_ratio: 0.1\n", id="10%==0.1"
    ),
    pytest.param(
        "Embed with bge-base.\n",
        "src/a.py",
        'MODEL_NAME = "BAAI/bge-base-en-v1.5"\n',
        id="bge-base==BAAI/bge-base-en-v1.5",
    ),
    pytest.param(
        "Report scores on the dev split.\n",
        "src/evaluate.py",
        'def evaluate():\n    return load_dataset("squad", split="validation")\n',
        id="dev==validation",
    ),
    pytest.param(
        "Evaluate on all 648 test queries.\n",
        "src/evaluate.py",
        "def evaluate(queries):\n    return list(queries)[:648]\n",
        id="slice-equal-to-the-count",
    ),
    pytest.param(
        "| weight decay | 1e-2 |\n",
        "scripts/run.sh",
        "python train.py --weight-decay 0.01\n",
        id="1e-2==0.01",
    ),
    pytest.param("Seeds: 13, 42 and 87.\n", "src/a.py", "SEED = 42\n", id="one-of-the-seeds"),
    pytest.param(
        "A learning rate from 1e-5 to 5e-5 (tuned on dev).\n",
        "src/a.py",
        "LR = 3e-5\n",
        id="inside-a-range",
    ),
    pytest.param("Train for 3-5 epochs.\n", "configs/a.yaml", "epochs: 4\n", id="3-5-epochs"),
    pytest.param(
        "Batch sizes of 16, 32 or 64.\n", "src/a.py", "BATCH_SIZE = 32\n", id="one-of-a-list"
    ),
    pytest.param(
        "Dropout between 0.1 and 0.3.\n", "src/a.py", "dropout = 0.2\n", id="between-a-and-b"
    ),
    pytest.param(
        "Report F1 on both the dev and test sets.\n",
        "src/evaluate.py",
        'def evaluate():\n    return load_dataset("squad", split="test")\n',
        id="one-of-two-evaluation-splits",
    ),
    pytest.param(
        "Evaluate on 500 or 1,000 test examples.\n",
        "src/evaluate.py",
        "def evaluate(test_set):\n    return test_set[:500]\n",
        id="a-count-of-a-list",
    ),
]


@pytest.mark.parametrize(("spec", "path", "code"), AGREEMENTS)
def test_equal_values_written_differently_agree(
    git_repo: GitRepo, spec: str, path: str, code: str
) -> None:
    ledger, flags = review(git_repo, spec, {path: code})
    assert [flag for flag in flags if flag.rule == "spec-mismatch"] == []
    entries = [entry for entry in ledger.entries if entry.code_settings]
    assert len(entries) == 1 and entries[0].status == "agrees"


# --------------------------------------------------------------------------- unrelated numbers

UNRELATED = [
    pytest.param(
        "Batch size: 32.\n", "src/a.py", "ENCODE_BATCH = 128\n", "batch_size", id="other-batch"
    ),
    pytest.param(
        "Sample 10,000 passages.\n",
        "src/data.py",
        "def load():\n    try:\n        return real()\n    except OSError:\n"
        "        return synthetic_corpus(n_passages=2_000)\n",
        "num_passages",
        id="synthetic-generator-arguments",
    ),
    pytest.param(
        "Base model: `distilbert-base-uncased`.\n",
        "src/querygen.py",
        'def ask(client):\n    return client.messages.create(model="claude-haiku-4-5", max_tokens=9)\n',
        "model_name",
        id="api-llm-is-not-the-encoder",
    ),
    pytest.param(
        "Base model: `distilbert-base-uncased`.\n",
        "src/gen.py",
        'from transformers import pipeline\ng = pipeline("text-generation")\n',
        "model_name",
        id="pipeline-task-is-not-a-model",
    ),
    pytest.param(
        "Retrieve the top-20 passages.\n",
        "src/gen.py",
        "def generate(model, x):\n    return model.generate(x, top_k=50, do_sample=True)\n",
        "retrieval_top_k",
        id="sampling-top-k-is-not-retrieval",
    ),
    pytest.param(
        "Evaluate on the dev split.\n",
        "src/train.py",
        'def train():\n    return load_dataset("squad", split="train")\n',
        "eval_split",
        id="training-data-split",
    ),
    pytest.param(
        "Evaluate on all 648 test queries.\n",
        "src/evaluate.py",
        'def evaluate(preds, log):\n    log.info("first: %s", preds[:5])\n',
        "num_samples",
        id="preview-in-a-log-call",
    ),
]


@pytest.mark.parametrize(("spec", "path", "code", "parameter"), UNRELATED)
def test_unrelated_numbers_are_not_paired(
    git_repo: GitRepo, spec: str, path: str, code: str, parameter: str
) -> None:
    ledger, flags = review(git_repo, spec, {path: code})
    entry = ledger.get(parameter)
    assert entry is not None and entry.status == "not set"
    assert [flag for flag in flags if flag.rule == "spec-mismatch"] == []


@pytest.mark.parametrize(
    "spec",
    [
        pytest.param("Tokenize with a bert-style tokenizer.\n", id="bert-style"),
        pytest.param("Users may opt-in to the survey.\n", id="opt-in"),
        pytest.param("Split passages into chunks of 256 tokens.\n", id="chunk-size"),
        pytest.param("For each passage, ask the LLM for 3 questions.\n", id="per-item-count"),
        pytest.param("Keep the test set apart from training.\n", id="test-set-without-evaluation"),
        pytest.param("Cache the files under `data/generated/`.\n", id="path"),
        pytest.param("Accumulate gradients to an effective batch of 64.\n", id="effective-batch"),
        pytest.param("Summaries are capped at 64 tokens.\n", id="token-cap-of-what"),
        pytest.param(
            "It may not fit in memory on the validation split: measure first.\n",
            id="split-named-after-no-evaluation",
        ),
        pytest.param("Branch `agent/phase-1` holds the work.\n", id="branch-is-not-a-dataset"),
        pytest.param("Score summaries with `bert-score`.\n", id="a-metric-named-after-a-model"),
        pytest.param("Use the gpt-generated queries as they are.\n", id="gpt-generated"),
    ],
)
def test_look_alikes_state_nothing(git_repo: GitRepo, spec: str) -> None:
    ledger, _flags = review(git_repo, spec, {"src/a.py": "x = 1\n"})
    assert ledger.entries == []


# --------------------------------------------------------------------------- a whole phase


@pytest.fixture(scope="module")
def phase(tmp_path_factory: pytest.TempPathFactory) -> FixtureRun:
    """The `ledger` fixture (a retrieval-augmented QA replication) through the real pipeline."""
    return run_fixture("ledger", tmp_path_factory.mktemp("ledger") / "repo")


EXPECTED = {
    "seed": "agrees",
    "num_passages": "agrees",
    "dataset_name": "disagrees",
    "num_samples": "agrees",
    "eval_split": "disagrees",
    "val_size": "not set",
    "model_name": "disagrees",
    "max_length": "agrees",
    "max_new_tokens": "agrees",
    "padding_side": "disagrees",
    "retrieval_top_k": "disagrees",
    "learning_rate": "agrees",
    "batch_size": "disagrees",
    "epochs": "agrees",
    "warmup_ratio": "disagrees",
    "weight_decay": "agrees",
    "max_grad_norm": "disagrees",
    "num_negatives": "agrees",
}


def test_the_phase_ledger_pairs_every_stated_value(phase: FixtureRun) -> None:
    assert {entry.parameter: entry.status for entry in phase.ledger.entries} == EXPECTED


def test_the_phase_ledger_flags_exactly_the_deviations(phase: FixtureRun) -> None:
    mismatches = {(path, line) for path, line, rule in phase.flagged if rule == "spec-mismatch"}
    assert mismatches == {
        ("configs/train.yaml", 4),  # batch_size 16, spec 32
        ("configs/train.yaml", 6),  # warmup_ratio 0.06, spec 10% of steps
        ("scripts/train.sh", 2),  # --max-grad-norm 0.5, spec 1.0
        ("src/evaluate.py", 11),  # nq_open's train split, spec: BeIR/nq, the dev split
        ("src/rag.py", 7),  # judge gpt-4o-mini, spec gpt-4o
        ("src/rag.py", 15),  # padding right, spec left
        ("src/rag.py", 20),  # k=10, spec top-20
    }


def test_models_pair_by_role(phase: FixtureRun) -> None:
    codes = dict(settings_of(phase.ledger, "model_name"))
    assert codes == {
        'embedding_model = "BAAI/bge-base-en-v1.5"': True,
        'EMBED_MODEL = "BAAI/bge-base-en-v1.5"': True,
        'JUDGE_MODEL = "gpt-4o-mini"': False,
        'model = "meta-llama/Llama-3.1-8B-Instruct"': True,
        'from_pretrained() = "meta-llama/Llama-3.1-8B-Instruct"': True,
    }


def test_a_module_constant_a_loader_reads_is_its_setting(phase: FixtureRun) -> None:
    assert ('CORPUS = "BeIR/nq"', True) in settings_of(phase.ledger, "dataset_name")


def test_the_export_says_what_the_code_never_sets(phase: FixtureRun) -> None:
    table = ledger_markdown(phase.ledger)
    assert "| val_size | 5% | SPEC.md:11 |  |  | not set |" in table
    assert (
        "Stated in the spec, set nowhere in this phase: val_size (5%, SPEC.md:11; "
        "the code sets test_size = 0.05 at src/data.py:24 instead)." in table
    )


def test_a_stand_in_is_named_when_the_stated_parameter_is_not_set(git_repo: GitRepo) -> None:
    ledger, flags = review(
        git_repo,
        "Warm up over 10% of the steps and train for 3 epochs.\n",
        {"src/train.py": "args = TrainingArguments(warmup_steps=500, max_steps=1000)\n"},
    )
    warmup, epochs = ledger.get("warmup_ratio"), ledger.get("epochs")
    assert warmup is not None and warmup.status == "not set"
    assert [s.code for s in warmup.related] == ["warmup_steps = 500"]
    assert epochs is not None and [s.code for s in epochs.related] == ["max_steps = 1000"]
    assert "warmup_ratio (10%, SPEC.md:1; the code sets warmup_steps = 500 at src/train.py:1" in (
        ledger_markdown(ledger)
    )
    assert flags == []
