"""Tests of the `synthetic-fallback` rule on hard-coded fallbacks (QA defect D12).

A missing-file branch or an `except` that carries on with hard-coded rows (a list of dict/tuple
literals, `[...] * 50`, `pd.DataFrame({...})` of literals, a module constant of records) is flagged;
a default config dict, an empty fallback, a lookup table and test fixtures are left alone.
"""

from __future__ import annotations

import json
from textwrap import dedent

import pytest

from reviewtui.cli import main
from tests.checks_fixture import check_text
from tests.gitrepo import GitRepo

RULE = "synthetic-fallback"

QA_REPRO = """\
import json
import os


def load_a(path="data/sst2.jsonl"):
    if not os.path.exists(path):
        # fall back to a tiny synthetic set so the pipeline runs
        return [{"text": "good movie", "label": 1}, {"text": "bad movie", "label": 0}] * 50
    with open(path) as f:
        return [json.loads(line) for line in f]


def load_b(path="data/sst2.jsonl"):
    try:
        with open(path) as f:
            return [json.loads(line) for line in f]
    except FileNotFoundError:
        return [{"text": "good movie", "label": 1}, {"text": "bad movie", "label": 0}] * 50


def load_c(path="data/sst2.jsonl"):
    if not os.path.exists(path):
        import random
        return [{"text": "w%d" % i, "label": random.randint(0, 1)} for i in range(100)]
    return []
"""


def fallback_lines(code: str, path: str = "src/data.py") -> list[int]:
    """Lines flagged `synthetic-fallback` in a new file `path` holding `code`."""
    flags = check_text(path, dedent(code))
    return sorted(flag.line or 0 for flag in flags if flag.rule == RULE)


CAUGHT = [
    pytest.param(
        """\
        import os
        def load(path):
            if not os.path.exists(path):
                return [{"text": "good movie", "label": 1}, {"text": "bad movie", "label": 0}] * 50
            return read(path)
        """,
        [4],
        id="missing-file-repeated-records",
    ),
    pytest.param(
        """\
        def load(path):
            try:
                return read(path)
            except FileNotFoundError:
                return [{"text": "good movie", "label": 1}, {"text": "bad movie", "label": 0}]
        """,
        [5],
        id="except-file-not-found-two-records",
    ),
    pytest.param(
        """\
        def load(path):
            try:
                rows = read(path)
            except Exception:
                rows = [("good movie", 1), ("bad movie", 0)]
            return rows
        """,
        [5],
        id="except-exception-assigns-tuples",
    ),
    pytest.param(
        """\
        import pandas as pd
        from pathlib import Path
        def load(path):
            if not Path(path).exists():
                return pd.DataFrame({"text": ["good", "bad", "fine"], "label": [1, 0, 1]})
            return pd.read_csv(path)
        """,
        [5],
        id="dataframe-of-literal-columns",
    ),
    pytest.param(
        """\
        import pandas as pd
        def load(path):
            try:
                frame = pd.read_json(path, lines=True)
            except OSError:
                frame = pd.DataFrame([{"text": "good", "label": 1}, {"text": "bad", "label": 0}])
            return frame
        """,
        [6],
        id="dataframe-of-literal-records",
    ),
    pytest.param(
        """\
        from datasets import Dataset
        def load(path):
            try:
                return Dataset.from_json(path)
            except FileNotFoundError:
                return Dataset.from_dict({"text": ["good", "bad"], "label": [1, 0]})
        """,
        [6],
        id="hf-dataset-from-literal-dict",
    ),
    pytest.param(
        """\
        import os
        def load(path):
            if os.path.exists(path):
                return read(path)
            else:
                return [("good movie", 1), ("bad movie", 0)]
        """,
        [6],
        id="else-of-exists-test",
    ),
    pytest.param(
        """\
        import os
        def load(train, test):
            if not os.path.isfile(train) or not os.path.isfile(test):
                return [("good movie", 1), ("bad movie", 0)], [("fine", 1), ("awful", 0)]
            return read(train), read(test)
        """,
        [4],
        id="either-file-missing",
    ),
    pytest.param(
        """\
        import os
        def _exists(path):
            return os.path.exists(path)
        def load(path):
            if not _exists(path):
                return [{"text": "good movie", "label": 1}, {"text": "bad movie", "label": 0}]
            return read(path)
        """,
        [6],
        id="exists-helper",
    ),
    pytest.param(
        """\
        FALLBACK_EXAMPLES = [
            {"text": "good movie", "label": 1},
            {"text": "bad movie", "label": 0},
        ]
        def load(path):
            try:
                return read(path)
            except FileNotFoundError:
                return FALLBACK_EXAMPLES
        """,
        [9],
        id="module-constant-of-records",
    ),
    pytest.param(
        """\
        import os
        def load(path):
            if not os.path.exists(path):
                return [{"text": f"example {i}", "label": i % 2} for i in range(100)]
            return read(path)
        """,
        [4],
        id="records-made-up-in-a-loop",
    ),
    pytest.param(
        """\
        def load(path):
            try:
                return read(path)
            except OSError:
                return ["good movie", "bad movie"] * 50
        """,
        [5],
        id="repeated-strings",
    ),
]


@pytest.mark.parametrize(("code", "lines"), CAUGHT)
def test_hard_coded_fallbacks_are_flagged(code: str, lines: list[int]) -> None:
    assert fallback_lines(code) == lines


LEFT_ALONE = [
    pytest.param(
        """\
        import json
        def load_config(path):
            try:
                with open(path) as f:
                    return json.load(f)
            except FileNotFoundError:
                return {"lr": 2e-5, "batch_size": 32, "model": "bert-base-uncased"}
        """,
        id="default-config-dict",
    ),
    pytest.param(
        """\
        from pathlib import Path
        def settings(path):
            if not Path(path).exists():
                defaults = {"optimizer": "adamw", "scheduler": "linear", "epochs": 3}
                return defaults
            return read(path)
        """,
        id="default-settings-when-missing",
    ),
    pytest.param(
        """\
        import pandas as pd
        def load(path):
            try:
                return read(path)
            except FileNotFoundError:
                return []
        def load_frame(path):
            if not path.exists():
                return pd.DataFrame(columns=["text", "label", "source"])
            return pd.read_csv(path)
        """,
        id="empty-fallbacks",
    ),
    pytest.param(
        """\
        import os
        def load_label_names(path):
            if not os.path.exists(path):
                return [("negative", 0), ("positive", 1)]
            return read(path)
        def load_classes(path):
            try:
                return read(path)
            except FileNotFoundError:
                label_names = ["negative", "neutral", "positive"]
                return label_names
        """,
        id="small-lookup-table",
    ),
    pytest.param(
        """\
        LABELS = [("negative", 0), ("positive", 1)]
        COLUMNS = [("text", "str"), ("label", "int")]
        def label_of(name):
            try:
                return dict(LABELS)[name]
            except KeyError:
                return LABELS
        """,
        id="module-lookup-table",
    ),
    pytest.param(
        """\
        try:
            from nltk.corpus import stopwords
            STOPWORDS = stopwords.words("english")
        except ImportError:
            STOPWORDS = ["a", "an", "the", "of"]
        """,
        id="optional-import-word-list",
    ),
    pytest.param(
        """\
        def summarize(batch):
            try:
                return call_model(batch)
            except TimeoutError:
                return [""] * len(batch)
        def load(path):
            try:
                return read(path)
            except FileNotFoundError as error:
                raise SystemExit(f"missing data: {error}")
        def relabel(texts):
            try:
                return classify(texts)
            except ValueError:
                return [{"text": text, "label": 0} for text in texts]
        """,
        id="ordinary-error-handling",
    ),
    pytest.param(
        """\
        VALID_MODES = ["r", "c", "r+", "w+"]
        RELEASE_FILES = ["arch-release", "centos-release", "fedora-release"]
        def open_map(mode, equivalents):
            try:
                return equivalents[mode]
            except KeyError:
                modes = VALID_MODES + ["readonly", "copyonwrite", "readwrite"]
                raise ValueError(f"mode must be one of {modes!r}") from None
        def release_files(etc):
            try:
                return sorted(os.listdir(etc))
            except OSError:
                basenames = RELEASE_FILES
            return basenames
        def query(table, expression):
            try:
                return table.query(expression)
            except ValueError as err:
                raise MockValidationException(f"bad filter: {err}")
        """,
        id="error-messages-and-file-name-constants",
    ),
    pytest.param(
        """\
        import os
        def load(path, args):
            if not os.path.exists(path):
                if args.dev:
                    return [{"text": "good", "label": 1}, {"text": "bad", "label": 0}]
                raise FileNotFoundError(path)
            return read(path)
        """,
        id="behind-a-dev-switch",
    ),
    pytest.param(
        """\
        def register(self, name):
            if self._target_exists(name):
                target = self.targets[name]
            else:
                target = self.targets[name] = [("created", 0), ("pending", 1)]
            return target
        """,
        id="exists-test-of-something-else-than-a-file",
    ),
]


@pytest.mark.parametrize("code", LEFT_ALONE)
def test_ordinary_code_is_left_alone(code: str) -> None:
    assert fallback_lines(code) == []


@pytest.mark.parametrize(
    "path", ["tests/test_data.py", "tests/conftest.py", "src/test_loader.py", "fixtures/data.py"]
)
def test_test_code_and_fixtures_are_left_alone(path: str) -> None:
    assert fallback_lines(QA_REPRO, path) == []


def test_a_fallback_gets_one_flag_not_also_synthetic_data() -> None:
    flags = check_text("src/data.py", QA_REPRO)
    on_line_8 = [flag.rule for flag in flags if flag.line == 8]
    assert on_line_8 == [RULE]
    message = next(flag.message for flag in flags if flag.line == 8)
    assert "hard-coded" in message and "file is missing" in message


def test_status_json_flags_every_variant_of_the_qa_repro(
    git_repo: GitRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    """QA's steps: a real repo, the three loaders as the phase, `reviewtui status --json`."""
    git_repo.write("SPEC.md", "# Spec\n\n## 1. Data\n\nLoad SST-2 from data/sst2.jsonl.\n")
    git_repo.commit("spec")
    git_repo.write("src/a.py", QA_REPRO)
    code = main(["status", "--json", "--no-llm", "--repo", str(git_repo.root)])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    flagged = {
        flag["line"]
        for chunk in json.loads(captured.out)["chunks"]
        if chunk["path"] == "src/a.py"
        for flag in chunk["flags"]
        if flag["rule"] == RULE
    }
    assert flagged == {8, 18, 24}
