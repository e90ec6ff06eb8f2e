"""The ledger's model names (QA "devs" D-4): a model the code builds from constants (f-strings,
concatenation, `.format`, a function named for the model) is read and compared, and a spec naming
both an API model (the query generator) and a model to fine-tune has each judged apart: the API model
agreeing never makes the fine-tuned model "agree" when the code sets it nowhere."""

from __future__ import annotations

import pytest

from reviewtui.core.checks import Ledger, ledger_markdown
from tests.gitrepo import GitRepo
from tests.ledger_support import review

SPEC = (
    "# Spec\n\n"
    "## 2 Data\n\n"
    "Generate one query per passage with the LLM `claude-haiku-4-5` through the Anthropic API.\n\n"
    "## 3 Model\n\n"
    "`EleutherAI/pythia-410m` as a cross-encoder (`AutoModelForSequenceClassification`).\n"
)
QUERY_GEN = 'MODEL = "claude-haiku-4-5"\n\n\ndef ask(client, p):\n    return client.messages.create(model=MODEL, messages=p)\n'


def model_settings(ledger: Ledger) -> dict[str, bool | None]:
    entry = ledger.get("model_name")
    assert entry is not None
    return {setting.code: setting.agrees for setting in entry.code_settings}


BUILT_WRONG = [
    pytest.param(
        'MODEL_FAMILY = "EleutherAI/pythia"\nMODEL_SIZE = "160m"\n\n\n'
        'def model_name(size: str = MODEL_SIZE) -> str:\n    return f"{MODEL_FAMILY}-{size}"\n',
        'model_name() = f"{MODEL_FAMILY}-{size}" ("EleutherAI/pythia-160m")',
        id="f-string-in-a-function-named-for-the-model",
    ),
    pytest.param(
        'ORG = "EleutherAI"\nNAME = "pythia-160m"\nMODEL_NAME = ORG + "/" + NAME\n',
        'MODEL_NAME = ORG + "/" + NAME ("EleutherAI/pythia-160m")',
        id="concatenation",
    ),
    pytest.param(
        "from transformers import AutoModel\n\nSIZE = '1b'\n\n\n"
        "def load():\n    return AutoModel.from_pretrained(f'EleutherAI/pythia-{SIZE}')\n",
        "from_pretrained() = f'EleutherAI/pythia-{SIZE}' (\"EleutherAI/pythia-1b\")",
        id="f-string-given-to-from-pretrained",
    ),
    pytest.param(
        'FAMILY = "EleutherAI/pythia"\n\n\ndef get_model_name(size="70m"):\n'
        '    return "{}-{}".format(FAMILY, size)\n',
        'get_model_name() = "{}-{}".format(FAMILY, size) ("EleutherAI/pythia-70m")',
        id="format-call",
    ),
]


@pytest.mark.parametrize(("code", "expected"), BUILT_WRONG)
def test_a_model_built_from_constants_is_compared(
    git_repo: GitRepo, code: str, expected: str
) -> None:
    ledger, flags = review(git_repo, SPEC, {"src/query_gen.py": QUERY_GEN, "src/model.py": code})
    sizes = {'MODEL_SIZE = "160m"': False} if "MODEL_SIZE =" in code else {}
    assert model_settings(ledger) == {
        'MODEL = "claude-haiku-4-5"': True,
        expected: False,
        **sizes,
    }
    assert ledger.get("model_name").status == "disagrees"  # type: ignore[union-attr]
    mismatches = [flag.message for flag in flags if flag.rule == "spec-mismatch"]
    assert len(mismatches) == 1 + len(sizes)
    assert any(message.endswith(expected) for message in mismatches)
    for message in mismatches:
        assert "EleutherAI/pythia-410m (SPEC.md:9)" in message and "claude" not in message


def test_a_model_built_right_agrees(git_repo: GitRepo) -> None:
    code = (
        'MODEL_FAMILY = "EleutherAI/pythia"\n\n\n'
        'def model_name(size: str = "410m") -> str:\n    return f"{MODEL_FAMILY}-{size}"\n'
    )
    ledger, flags = review(git_repo, SPEC, {"src/query_gen.py": QUERY_GEN, "src/model.py": code})
    assert set(model_settings(ledger).values()) == {True}
    assert ledger.get("model_name").status == "agrees"  # type: ignore[union-attr]
    assert [flag for flag in flags if flag.rule == "spec-mismatch"] == []


RUNTIME_ONLY = [
    pytest.param(
        'def model_name(size: str) -> str:\n    return f"EleutherAI/pythia-{size}"\n',
        id="a-parameter-without-default",
    ),
    pytest.param(
        'SIZE = "160m"\n\n\ndef model_name(cfg) -> str:\n    SIZE = cfg.size\n'
        '    return f"EleutherAI/pythia-{SIZE}"\n',
        id="a-name-the-function-rebinds",
    ),
    pytest.param(
        'import os\n\nMODEL_NAME = os.environ.get("MODEL", "x") + "-base"\n',
        id="an-environment-variable",
    ),
    pytest.param(
        'OUT = "runs"\nMODEL_PATH = f"{OUT}/pythia-160m/model.pt"\n', id="a-checkpoint-path"
    ),
]


@pytest.mark.parametrize("code", RUNTIME_ONLY)
def test_a_name_known_only_at_run_time_sets_nothing(git_repo: GitRepo, code: str) -> None:
    ledger, flags = review(git_repo, SPEC, {"src/query_gen.py": QUERY_GEN, "src/model.py": code})
    assert model_settings(ledger) == {'MODEL = "claude-haiku-4-5"': True}
    assert [flag for flag in flags if flag.rule == "spec-mismatch"] == []


def test_the_fine_tuned_model_set_nowhere_is_not_set_although_the_api_model_agrees(
    git_repo: GitRepo,
) -> None:
    ledger, flags = review(git_repo, SPEC, {"src/query_gen.py": QUERY_GEN})
    entry = ledger.get("model_name")
    assert entry is not None
    assert model_settings(ledger) == {'MODEL = "claude-haiku-4-5"': True}
    assert entry.status == "not set"
    assert [value.text for value in entry.unset] == ["EleutherAI/pythia-410m"]
    assert [flag for flag in flags if flag.rule == "spec-mismatch"] == []
    table = ledger_markdown(ledger)
    assert '| model_name | claude-haiku-4-5 | SPEC.md:5 | MODEL = "claude-haiku-4-5" |' in table
    assert "| model_name | EleutherAI/pythia-410m | SPEC.md:9 |  |  | not set |" in table
    assert "set nowhere in this phase: model_name (EleutherAI/pythia-410m, SPEC.md:9)" in table


def test_one_role_named_by_the_spec_keeps_the_old_verdicts(git_repo: GitRepo) -> None:
    """A spec naming only the encoder: the API model the code calls stays out, as before."""
    spec = "# Model\n\nBase model: `distilbert-base-uncased`.\n"
    code = 'MODEL_NAME = "distilbert-base-uncased"\n'
    ledger, _flags = review(git_repo, spec, {"src/q.py": QUERY_GEN, "src/model.py": code})
    entry = ledger.get("model_name")
    assert entry is not None and entry.status == "agrees" and entry.unset == []
    assert model_settings(ledger) == {'MODEL_NAME = "distilbert-base-uncased"': True}


def test_a_name_ending_in_model_holds_a_model_when_its_value_looks_like_one(
    git_repo: GitRepo,
) -> None:
    """`PARAPHRASE_MODEL = "claude-haiku-4-5"` names the API model; `QUERY_MODEL = "bm25"` is no model."""
    code = (
        'PARAPHRASE_MODEL = "claude-haiku-4-5"\nRETRIEVAL_MODEL = "bm25"\n'
        'ENCODER_MODEL = "EleutherAI/pythia-410m"\n'
    )
    ledger, flags = review(git_repo, SPEC, {"src/augment.py": code})
    assert model_settings(ledger) == {
        'PARAPHRASE_MODEL = "claude-haiku-4-5"': True,
        'ENCODER_MODEL = "EleutherAI/pythia-410m"': True,
    }
    assert ledger.get("model_name").status == "agrees"  # type: ignore[union-attr]
    assert [flag for flag in flags if flag.rule == "spec-mismatch"] == []


SIZES = [
    pytest.param(
        'from dataclasses import dataclass\n\n\n@dataclass\nclass TrainConfig:\n    model_size: str = "160m"\n',
        "src/config.py",
        'model_size = "160m"',
        False,
        id="dataclass-field",
    ),
    pytest.param(
        "model_size: 160m\nlearning_rate: 1e-4\n",
        "configs/phase1.yaml",
        "model_size = 160m",
        False,
        id="yaml",
    ),
    pytest.param(
        'MODEL_SIZE = "410m"\n',
        "src/model.py",
        'MODEL_SIZE = "410m"',
        True,
        id="constant-right-size",
    ),
    pytest.param(
        "python train.py --model_size 1.4b\n",
        "scripts/run.sh",
        "model_size = 1.4b",
        False,
        id="shell",
    ),
]


@pytest.mark.parametrize(("code", "path", "written", "agrees"), SIZES)
def test_a_model_size_setting_is_judged_against_the_spec_models_size(
    git_repo: GitRepo, code: str, path: str, written: str, agrees: bool
) -> None:
    ledger, flags = review(git_repo, SPEC, {"src/query_gen.py": QUERY_GEN, path: code})
    assert model_settings(ledger) == {'MODEL = "claude-haiku-4-5"': True, written: agrees}
    mismatches = [flag.message for flag in flags if flag.rule == "spec-mismatch"]
    assert len(mismatches) == (0 if agrees else 1)
    assert all("EleutherAI/pythia-410m" in message for message in mismatches)


def test_a_size_setting_that_names_no_size_sets_nothing(git_repo: GitRepo) -> None:
    """`model_size = "auto"` names no size; a spec whose model has no size segment is not judged."""
    ledger, flags = review(
        git_repo, SPEC, {"src/c.py": 'model_size = "auto"\n', "src/q.py": QUERY_GEN}
    )
    assert model_settings(ledger) == {'MODEL = "claude-haiku-4-5"': True}
    spec = "# Model\n\nFine-tune `EleutherAI/pythia` as a reranker.\n"
    ledger, flags = review(git_repo, spec, {"src/c2.py": 'MODEL_SIZE = "160m"\n'})
    assert [flag for flag in flags if flag.rule == "spec-mismatch"] == []


@pytest.mark.parametrize(
    ("path", "code"),
    [
        pytest.param(
            "configs/rag.yaml", "retrieval_model: bm25\nquery_model: template\n", id="yaml"
        ),
        pytest.param(
            "src/train.py",
            'CHECKPOINT_DIR = "runs/ckpt"\n\n\ndef load(loader):\n'
            "    return loader(model_name=CHECKPOINT_DIR)\n",
            id="a-path-constant-read-as-model-name",
        ),
    ],
)
def test_a_value_that_is_no_model_name_is_no_model_setting(
    git_repo: GitRepo, path: str, code: str
) -> None:
    ledger, flags = review(git_repo, SPEC, {"src/q.py": QUERY_GEN, path: code})
    assert model_settings(ledger) == {'MODEL = "claude-haiku-4-5"': True}
    assert [flag for flag in flags if flag.rule == "spec-mismatch"] == []
