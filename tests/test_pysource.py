"""Each Python file of a phase is parsed once, shared by the chunk cutter and the checks, and
sharing changes nothing they produce."""

from __future__ import annotations

import ast
import gc
from pathlib import Path

from reviewtui.config import CheckSettings, ChunkSettings
from reviewtui.core import gitrange
from reviewtui.core.checks import check_phase
from reviewtui.core.chunks import cut_chunks
from reviewtui.core.pysource import SyntaxTrees, parse_python, source_key
from reviewtui.core.session import ReviewSession
from reviewtui.core.spec import load_spec
from tests.gitrepo import GitRepo

SPEC = "# Spec\n\n## 1 Data\n\nLoad the data. Seed every run.\n\n## 2 Eval\n\nEvaluate on the full test set.\n"

MODULE = '''"""Experiment."""

import numpy as np


def load_data(path):
    try:
        return np.load(path)
    except Exception:
        return np.random.rand(100, 4)


def evaluate(model, test_loader):
    scores = []
    for batch in test_loader[:50]:
        scores.append(model(batch))
    # TODO: the real metric
    return sum(scores) / len(scores)


class Trainer:
    def step(self, batch):
        pass
'''


def test_a_source_and_the_same_source_without_its_final_newline_share_one_parse() -> None:
    trees = SyntaxTrees()
    first = trees.parse("x = 1\ny = 2\n")
    assert trees.parse("x = 1\ny = 2") is first
    assert trees.parses == 1
    assert ast.dump(first, include_attributes=True) == ast.dump(  # type: ignore[arg-type]
        ast.parse("x = 1\ny = 2\n"), include_attributes=True
    )


def test_sources_that_differ_otherwise_are_parsed_apart() -> None:
    trees = SyntaxTrees()
    plain = trees.parse("x = 1\n")
    other = trees.parse("x = 2\n")
    with_cr = trees.parse("x = 1\r\n")
    assert trees.parses == 3
    assert plain is not other and plain is not with_cr
    assert source_key("x = 1\r\n") == "x = 1\r\n"
    assert source_key("x = 1\n\n") == "x = 1\n"


def test_a_source_that_does_not_parse_gives_none_once() -> None:
    trees = SyntaxTrees()
    assert trees.parse("def broken(:\n") is None
    assert trees.parse("def broken(:") is None
    assert trees.parse("nul \0 byte") is None
    assert trees.parses == 2
    assert parse_python("'\\d'") is not None  # an invalid escape only warns: still a tree


def test_parsing_restores_the_garbage_collector_state() -> None:
    assert gc.isenabled()
    parse_python("x = 1")
    assert gc.isenabled()
    gc.disable()
    try:
        parse_python("x = 1")
        assert not gc.isenabled()
    finally:
        gc.enable()


def _phase(root: Path) -> tuple[list, list, object]:
    repo = GitRepo.init(root)
    repo.write("SPEC.md", SPEC)
    repo.commit("spec")
    repo.write("src/exp.py", MODULE)
    repo.write("src/crlf.py", "def f():\r\n    return 1\r\n")
    repo.write("src/lone_cr.py", "value = 1  # a lone CR\rb = 2\n")
    repo.write("src/broken.py", "def broken(:\n    pass\n")
    repo.commit("agent phase")
    repo.write("src/late.py", "import random\n\nvalue = random.random()\n")
    phase = gitrange.resolve_phase(gitrange.open_repo(root), "HEAD~1", None)
    files = [file for file in phase.files if file.path != "SPEC.md"]
    return files, phase.commits, load_spec(root, ["SPEC.md"])


def test_chunks_and_flags_are_the_same_with_shared_parses(tmp_path: Path) -> None:
    files, commits, spec = _phase(tmp_path / "repo")
    alone = cut_chunks(files, commits, ChunkSettings())
    alone_flags, alone_ledger = check_phase(alone, files, spec, CheckSettings())  # type: ignore[arg-type]
    trees = SyntaxTrees()
    shared = cut_chunks(files, commits, ChunkSettings(), trees=trees)
    after_chunks = trees.parses
    shared_flags, shared_ledger = check_phase(shared, files, spec, CheckSettings(), trees=trees)  # type: ignore[arg-type]
    assert shared == alone
    assert shared_flags == alone_flags
    assert shared_ledger.entries == alone_ledger.entries
    assert {flag.rule for flags in shared_flags.values() for flag in flags} >= {
        "synthetic-fallback",
        "eval-subset",
        "todo-comment",
        "stub-code",
    }
    # the chunk cutter parsed the five new sides (CRLF read as LF); the checks only re-parse the
    # file with a lone carriage return, which each side treats its own way
    assert after_chunks == 5
    assert trees.parses == 6


def test_a_session_opens_the_same_with_the_collector_on_again(tmp_path: Path) -> None:
    _phase(tmp_path / "repo")
    assert gc.isenabled()
    session = ReviewSession.open(tmp_path / "repo", "HEAD~1", ["SPEC.md"], no_llm=True)
    assert gc.isenabled()
    assert any(session.flags_of(chunk.id) for chunk in session.chunks)
