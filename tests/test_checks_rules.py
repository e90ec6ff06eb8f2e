"""Tests of each check rule on small files: what it flags, on which line, and what it leaves alone."""

from __future__ import annotations

from textwrap import dedent

import pytest

from tests.checks_fixture import check_text

SEED_SPEC = "Run every experiment with seeds 1, 2 and 3.\n"


def flagged(path: str, code: str, rule: str, spec: str = "") -> list[int]:
    """Lines flagged by `rule` in a new file holding `code`."""
    return sorted(
        flag.line or 0 for flag in check_text(path, dedent(code), spec) if flag.rule == rule
    )


CASES = [
    # ------------------------------------------------------------------ synthetic-fallback
    pytest.param(
        "synthetic-fallback",
        """\
        def load(path):
            try:
                return read(path)
            except Exception:
                return make_synthetic_data(100)
        """,
        [5],
        id="fallback-in-except",
    ),
    pytest.param(
        "synthetic-fallback",
        """\
        import numpy as np
        def load(path):
            try:
                data = np.load(path)
            except OSError:
                data = np.random.rand(100, 8)
            return data
        """,
        [6],
        id="fallback-random-array",
    ),
    pytest.param(
        "synthetic-fallback",
        """\
        import os
        def load(path):
            if not os.path.exists(path):
                return [("good film", 1), ("bad film", 0), ("fine", 1)]
            return read(path)
        """,
        [4],
        id="fallback-when-file-missing",
    ),
    pytest.param(
        "synthetic-fallback",
        """\
        def load(path, args):
            try:
                return read(path)
            except OSError:
                if args.dev:
                    return make_dummy_data(10)
                raise
        """,
        [],
        id="fallback-behind-dev-flag-is-fine",
    ),
    pytest.param(
        "synthetic-fallback",
        """\
        def load_state(path):
            try:
                return read(path)
            except ValueError:
                decisions, requests, links = {}, [], {}
                return decisions, requests, links
        """,
        [],
        id="empty-containers-are-not-data",
    ),
    # ------------------------------------------------------------------ synthetic-data
    pytest.param(
        "synthetic-data",
        """\
        def main():
            data = generate_synthetic_dataset(1000)
            train(data)
        """,
        [2],
        id="synthetic-call",
    ),
    pytest.param(
        "synthetic-data",
        """\
        from sklearn.datasets import make_classification
        X, y = make_classification(n_samples=500)
        """,
        [2],
        id="sklearn-generator",
    ),
    pytest.param(
        "synthetic-data",
        """\
        import torch
        def load_dataset():
            inputs = torch.randn(100, 16)
            return inputs
        """,
        [3],
        id="random-tensor-in-loader",
    ),
    pytest.param(
        "synthetic-data",
        """\
        import torch
        class Net(torch.nn.Module):
            def __init__(self):
                super().__init__()
                self.scale = torch.nn.Parameter(torch.randn(1))
            def forward(self, x):
                return x + torch.randn_like(x) * 0.01
        def add_noise(batch):
            noise = torch.randn(batch.shape)
            return batch + noise
        """,
        [],
        id="random-init-and-noise-are-not-data",
    ),
    pytest.param(
        "synthetic-data",
        """\
        def get_data(args):
            if args.debug:
                return make_fake_data(8)
            return load_real(args.path)
        def make_fake_data(n):
            return [[0.0] * 4 for _ in range(n)]
        """,
        [],
        id="behind-debug-flag",
    ),
    pytest.param(
        "synthetic-data",
        """\
        def get_data(args):
            if not args.smoke_test:
                return load_real(args.path)
            else:
                return make_dummy_data(8)
        """,
        [],
        id="else-of-negated-dev-flag",
    ),
    pytest.param(
        "synthetic-data",
        """\
        import random
        def augment(words):
            return random.sample(words, len(words) - 1)
        """,
        [],
        id="augmentation-sampling",
    ),
    # ------------------------------------------------------------------ templated-text
    pytest.param(
        "templated-text",
        """\
        def make_pairs(rows):
            queries = [f"What is the capital of {row.answer}?" for row in rows]
            return queries
        """,
        [2],
        id="templated-queries",
    ),
    pytest.param(
        "templated-text",
        """\
        def generate_summary(text):
            return "Summary of the document: {}".format(text[:20])
        """,
        [2],
        id="generator-returning-template",
    ),
    pytest.param(
        "templated-text",
        """\
        def generate_summary(client, text):
            reply = client.messages.create(model="m", messages=[{"role": "user", "content": text}])
            return f"Summary: {reply.content[0].text} done here"
        def build_prompt(question):
            prompt = f"Answer the question below.\\nQuestion: {question}"
            return prompt
        """,
        [],
        id="real-generation-and-prompts",
    ),
    # ------------------------------------------------------------------ eval-subset
    pytest.param(
        "eval-subset",
        """\
        def evaluate(model, test_set):
            return [model(x) for x in test_set[:200]]
        """,
        [2],
        id="slice",
    ),
    pytest.param(
        "eval-subset",
        """\
        def score(model, frame):
            test_df = frame.head(50)
            val = frame.sample(n=100)
            return model(test_df), model(val)
        """,
        [2, 3],
        id="head-and-sample-in-eval-function",
    ),
    pytest.param(
        "eval-subset",
        """\
        def run(model, ds):
            return evaluate(model, ds, max_samples=100)
        """,
        [2],
        id="max-samples-keyword",
    ),
    pytest.param(
        "eval-subset",
        """\
        def evaluate(model, loader):
            for i, batch in enumerate(loader):
                if i >= 20:
                    break
                model(batch)
        """,
        [3],
        id="early-break",
    ),
    pytest.param(
        "eval-subset",
        """\
        import logging
        log = logging.getLogger()
        def evaluate(model, test_set, preds):
            log.info("first predictions %s", preds[:5])
            print(f"examples: {test_set[:3]}")
            return model(test_set)
        def train(model, data):
            shuffled = data.sample(frac=1.0)
            return model(shuffled[:1000])
        """,
        [],
        id="log-previews-and-training",
    ),
    pytest.param(
        "eval-subset",
        """\
        def evaluate(model, test_set):
            return [model(x) for x in test_set[:1319]]
        """,
        [],
        id="limit-the-spec-states",
    ),
    pytest.param(
        "eval-subset",
        """\
        from dataclasses import dataclass, field
        @dataclass
        class DataArguments:
            max_eval_samples: int | None = field(default=None, metadata={"help": "debugging"})
            max_test_samples: int = field(default=500)
        def main(data_args, raw):
            eval_dataset = raw["validation"]
            if data_args.max_eval_samples is not None:
                limit = min(len(eval_dataset), data_args.max_eval_samples)
                eval_dataset = eval_dataset.select(range(limit))
            return eval_dataset
        """,
        [5],
        id="opt-in-limit-is-fine-a-default-limit-is-not",
    ),
    # ------------------------------------------------------------------ swallowed-error / error-default
    pytest.param(
        "swallowed-error",
        """\
        def save(x):
            try:
                write(x)
            except:
                pass
            for item in x:
                try:
                    write(item)
                except Exception as error:
                    print(error)
                    continue
        """,
        [4, 9],
        id="bare-and-broad",
    ),
    pytest.param(
        "swallowed-error",
        """\
        import contextlib
        try:
            import wandb
        except ImportError:
            wandb = None
        def save(x):
            try:
                write(x)
            except OSError:
                pass
            try:
                write(x)
            except Exception:
                log.exception("save failed")
                raise
            with contextlib.suppress(FileNotFoundError):
                remove(x)
        """,
        [],
        id="narrow-or-reraised",
    ),
    pytest.param(
        "error-default",
        """\
        def score(path):
            try:
                return float(read(path))
            except Exception:
                return 0.0
        """,
        [5],
        id="error-to-zero",
    ),
    pytest.param(
        "error-default",
        """\
        def load(path):
            try:
                return read(path)
            except Exception:
                return
        """,
        [5],
        id="bare-return-is-none",
    ),
    # ------------------------------------------------------------------ stub-code / todo-comment
    pytest.param(
        "stub-code",
        """\
        from abc import ABC, abstractmethod
        def compute_metric(a, b):
            pass
        def other():
            \"\"\"Docstring.\"\"\"
            ...
        class Base(ABC):
            @abstractmethod
            def run(self):
                ...
        class Error(Exception):
            pass
        """,
        [3, 6],
        id="placeholders-not-abstract",
    ),
    pytest.param(
        "todo-comment",
        """\
        SPEC = "TODO.md"
        x = 1  # TODO: use the real loader
        # FIXME later
        """,
        [2, 3],
        id="todo-comments-not-strings",
    ),
    # ------------------------------------------------------------------ hardcoded-metric
    pytest.param(
        "hardcoded-metric",
        """\
        def report():
            accuracy = 0.93
            best_f1 = 0.0
            results = {"bleu": 31.4, "loss_weights": 0.5}
            loss_weights = {"mse": 0.5}
            return accuracy, best_f1, results
        """,
        [2, 4],
        id="typed-in-metrics",
    ),
    # ------------------------------------------------------------------ unseeded-random
    pytest.param(
        "unseeded-random",
        """\
        import random
        import torch
        def shuffle(items):
            random.shuffle(items)
            torch.manual_seed(0)
            return items
        """,
        [4],
        id="python-random-not-seeded-by-torch",
    ),
    pytest.param(
        "unseeded-random",
        """\
        import random
        import numpy as np
        def shuffle(items):
            random.seed(1)
            random.shuffle(items)
            rng = np.random.default_rng(1)
            return items
        """,
        [],
        id="seeded",
    ),
    pytest.param(
        "unseeded-random",
        """\
        import random
        def shuffle(items):
            random.shuffle(items)
        """,
        [],
        id="spec-does-not-ask-for-seeds",
    ),
    pytest.param(
        "unseeded-random",
        """\
        import random
        from utils import fix_random_seeds
        def main(cfg, items):
            fix_random_seeds(cfg.seed)
            random.shuffle(items)
        """,
        [],
        id="project-seeding-helper",
    ),
    # ------------------------------------------------------------------ eval mode, no_grad
    pytest.param(
        "eval-mode-missing",
        """\
        import torch
        def validate(model, loader):
            with torch.no_grad():
                return [model(batch) for batch in loader]
        """,
        [2],
        id="no-eval-call",
    ),
    pytest.param(
        "no-grad-missing",
        """\
        import torch
        def validate(model, loader):
            model.eval()
            return [model(batch) for batch in loader]
        """,
        [2],
        id="no-no-grad",
    ),
    pytest.param(
        "eval-mode-missing",
        """\
        import torch
        def encode(model, texts):
            return model.encode(texts)
        def evaluate(model, texts):
            return encode(model, texts)
        @torch.no_grad()
        def predict(model, x):
            model.eval()
            return model(x)
        def run_eval(model, x):
            return predict(model, x)
        """,
        [4],
        id="through-a-helper",
    ),
    pytest.param(
        "no-grad-missing",
        """\
        import torch
        from sentence_transformers import SentenceTransformer
        def evaluate_generation(model, tokenizer, prompts):
            inputs = tokenizer(prompts, return_tensors="pt")
            return model.generate(**inputs, max_new_tokens=32)
        def evaluate_classifier(clf, features):
            return clf.predict(features)
        def evaluate_retrieval(encoder: SentenceTransformer, texts):
            return encoder.encode(texts)
        def test(model, device, test_loader):
            model.eval()
            with torch.no_grad():
                return [model(x.to(device)) for x, _ in test_loader]
        """,
        [],
        id="library-calls-that-handle-eval-themselves",
    ),
    # ------------------------------------------------------------------ preprocessing-leakage
    pytest.param(
        "preprocessing-leakage",
        """\
        from sklearn.model_selection import train_test_split
        from sklearn.preprocessing import StandardScaler
        def prepare(X, y, X_test):
            X = StandardScaler().fit_transform(X)
            a, b, c, d = train_test_split(X, y, random_state=0)
            scaler = StandardScaler()
            scaler.fit(X_test)
            ok = StandardScaler().fit(a)
            return a, b, c, d, ok
        """,
        [4, 7],
        id="fit-before-split-and-on-test",
    ),
]


SEEDED = {"python-random-not-seeded-by-torch", "seeded", "project-seeding-helper"}
"""Cases checked against a spec that asks for seeds."""


def _spec_of(request: pytest.FixtureRequest) -> str:
    case = request.node.callspec.id
    return SEED_SPEC if case in SEEDED else "Evaluate on 1319 examples.\n"


@pytest.mark.parametrize(("rule", "code", "lines"), CASES)
def test_rule(request: pytest.FixtureRequest, rule: str, code: str, lines: list[int]) -> None:
    assert flagged("src/experiment.py", code, rule, _spec_of(request)) == lines


def test_test_files_are_left_alone() -> None:
    code = "import numpy as np\ndef load_data():\n    return np.random.randn(10, 3)\n"
    assert flagged("src/data.py", code, "synthetic-data") == [3]
    assert flagged("tests/test_data.py", code, "synthetic-data") == []


def test_fixture_folders_are_never_checked() -> None:
    code = "try:\n    x = 1\nexcept:\n    pass\n"
    assert flagged("src/a.py", code, "swallowed-error") == [3]
    assert check_text("tests/fixtures/repo/a.py", code) == []


def test_todo_in_yaml_but_not_in_markdown() -> None:
    assert flagged("configs/a.yaml", "lr: 1  # TODO tune\n", "todo-comment") == [1]
    assert flagged("docs/notes.md", "# TODO list\n", "todo-comment") == []


def test_unparsable_python_still_gets_text_rules() -> None:
    assert flagged("src/broken.py", "def f(:\n    pass  # TODO fix\n", "todo-comment") == [2]


@pytest.mark.parametrize(
    "code",
    [
        "lr = 10**999\nlr = 2 * 10**-99999\nlr = 1e999\nlr = (1e300) ** 2\nlr = (-8) ** 0.5\nlr = 1 / 0\n",
        "x = " + "[" * 90 + "1" + "]" * 90 + "\n",
        "x = " + "(" * 5000 + "1" + ")" * 5000 + "\n",
        "def f(:\n\x00\ufffd [/red] [bold]\n",
        "",
    ],
    ids=["huge-numbers", "deep-literal", "too-deep-to-parse", "garbage", "empty"],
)
def test_hostile_code_never_crashes_the_checks(code: str) -> None:
    spec = "learning rate 10^999, batch size 1e400, seeds 1, 2\n"
    flags = check_text("src/a.py", code, spec)
    assert all(flag.rule in {"spec-mismatch", "todo-comment"} for flag in flags)


def test_messages_are_one_short_line() -> None:
    receiver = ".".join(f"part{i}" for i in range(80)) + ".test_set"
    flags = check_text("src/a.py", f"def evaluate(m, data):\n    return m({receiver}[:200])\n")
    [flag] = flags
    assert flag.rule == "eval-subset"
    assert "\n" not in flag.message and len(flag.message) == 200 and flag.message.endswith("…")


def test_speed_benchmarks_may_generate_their_inputs() -> None:
    code = "def main():\n    spec = make_synthetic_spec(1000)\n    return spec\n"
    assert flagged("src/run.py", code, "synthetic-data") == [2]
    assert flagged("bench/speed.py", code, "synthetic-data") == []
