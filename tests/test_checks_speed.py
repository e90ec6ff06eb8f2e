"""The checks stay linear on large phases, and the one-walk node index they read is `ast.walk`'s.

Work is counted, not timed (the machines running the tests are shared and loaded): every Python and
C function call `check_phase` makes, through `sys.setprofile`. A phase twice as large must cost less
than 2.6 times as many calls (linear work gives 2); the per-rule tree walks, the chunk-by-finding
product and the per-setting source splitting this replaced grew well past that.
"""

from __future__ import annotations

import ast
import gc
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from types import FrameType

import pytest

from reviewtui.config import CheckSettings, ChunkSettings
from reviewtui.core import gitrange
from reviewtui.core.checks import Ledger, check_phase
from reviewtui.core.checks.context import FileContext
from reviewtui.core.checks.names import tokens
from reviewtui.core.checks.nodeindex import NodeIndex
from reviewtui.core.chunks import cut_chunks
from reviewtui.core.models import Flag
from reviewtui.core.spec import load_spec
from tests.gitrepo import GitRepo

SPEC = """# Spec

Fine-tune with a learning rate of 2e-5 and a batch size of 32. Seed every run (seed 42).
Evaluate on the full test set.
"""

HEADER = """import numpy as np
import torch
from sklearn.preprocessing import StandardScaler

"""


def _unit(number: int) -> str:
    """One block of agent code holding a defect for most rules, with names unique to `number`."""
    return f"""
def evaluate_{number}(model, test_loader):
    predictions = []
    for batch in test_loader[:100]:
        predictions.append(model(batch))
    accuracy = 0.93
    return predictions, accuracy


def train_{number}(model, data, labels):
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=0.1)
    config = {{"batch_size": 16, "epochs": 3}}
    try:
        loss = model(data).sum()
    except Exception:
        pass
    # TODO: tune the schedule of block {number}
    noise = torch.randn(4)
    scaler = StandardScaler().fit(data)
    return optimizer, config, loss, noise, scaler


def load_block_{number}(path):
    raise NotImplementedError


rng_{number} = np.random.default_rng()
evaluate_{number}(network, test_loader)
"""


def _phase(root: Path, units: int) -> tuple[list, list, object]:
    """A real repo: the spec, then one commit adding a module of `units` blocks (and a config)."""
    repo = GitRepo.init(root)
    repo.write("SPEC.md", SPEC)
    repo.commit("spec")
    repo.write("src/exp/run.py", HEADER + "".join(_unit(number) for number in range(units)))
    repo.write(
        "configs/train.yaml",
        "".join(f"run_{number}:\n  learning_rate: 5e-5\n" for number in range(units)),
    )
    repo.commit("agent phase")
    phase = gitrange.resolve_phase(gitrange.open_repo(root), "HEAD~1..HEAD", None)
    files = [file for file in phase.files if file.path != "SPEC.md"]
    spec = load_spec(root, ["SPEC.md"])
    return cut_chunks(files, phase.commits, ChunkSettings()), files, spec


def _counted_check(
    chunks: list, files: list, spec: object
) -> tuple[int, dict[str, list[Flag]], Ledger]:
    """(function calls made, flags, ledger) of one `check_phase`, from a cold name cache."""
    tokens.cache_clear()
    calls = 0

    def count(frame: FrameType, event: str, arg: object) -> None:
        nonlocal calls
        if event in ("call", "c_call"):
            calls += 1

    sys.setprofile(count)
    try:
        flags, ledger = check_phase(chunks, files, spec, CheckSettings())  # type: ignore[arg-type]
    finally:
        sys.setprofile(None)
    return calls, flags, ledger


@pytest.fixture(scope="module")
def phases(tmp_path_factory: pytest.TempPathFactory) -> dict[int, tuple[list, list, object]]:
    return {units: _phase(tmp_path_factory.mktemp(f"units{units}"), units) for units in (30, 60)}


def test_twice_the_phase_costs_at_most_2_6_times_the_work(phases: dict) -> None:
    small_calls, small_flags, small_ledger = _counted_check(*phases[30])
    large_calls, large_flags, large_ledger = _counted_check(*phases[60])
    small_count = sum(len(flags) for flags in small_flags.values())
    large_count = sum(len(flags) for flags in large_flags.values())
    assert small_count >= 30 * 8, "every block should raise its flags"
    assert large_count == 2 * small_count
    assert len(large_ledger.mismatches) == 2 * len(small_ledger.mismatches) > 0
    assert large_calls / small_calls < 2.6, f"{small_calls} calls, then {large_calls}"


def test_every_block_is_flagged_by_each_of_its_rules(phases: dict) -> None:
    chunks, files, spec = phases[30]
    _calls, flags, _ledger = _counted_check(chunks, files, spec)
    rules: dict[str, int] = {}
    for chunk_flags in flags.values():
        for flag in chunk_flags:
            rules[flag.rule] = rules.get(flag.rule, 0) + 1
    for rule in (
        "eval-subset",
        "hardcoded-metric",
        "swallowed-error",
        "todo-comment",
        "stub-code",
        "spec-mismatch",
        "eval-mode-missing",
        "no-grad-missing",
    ):
        assert rules.get(rule, 0) >= 30, (rule, rules)


def test_the_check_restores_the_garbage_collector_state(phases: dict) -> None:
    chunks, files, spec = phases[30]
    assert gc.isenabled()
    check_phase(chunks, files, spec, CheckSettings())
    assert gc.isenabled()
    gc.disable()
    try:
        check_phase(chunks, files, spec, CheckSettings())
        assert not gc.isenabled()
    finally:
        gc.enable()


# --------------------------------------------------------------------------- the node index

MARKERS = (ast.expr_context, ast.boolop, ast.operator, ast.unaryop, ast.cmpop)
SOURCE = '''
import os
from a.b import c as d


@decorator(x=1)
async def f(a, *b, c=2, **e) -> int:
    """Doc."""
    async with g() as h, i:
        y = [k for k in range(3) if k and not a or b]
    try:
        return -a + b[1:2] @ c if a < b <= c else {**e, "k": (yield)}
    except (ValueError, TypeError) as error:
        raise RuntimeError(f"{error!r:>10}") from error
    finally:
        del h


class K(Base, metaclass=Meta):
    field: int = 3
    match y:
        case [1, *rest] | {"k": _} if rest:
            pass
        case Point(x=0) as p:
            global z
'''


def _walked(tree: ast.AST) -> Iterator[ast.AST]:
    return (node for node in ast.walk(tree) if not isinstance(node, MARKERS))


def test_the_index_holds_ast_walk_order_and_parents() -> None:
    tree = ast.parse(SOURCE)
    index = NodeIndex.build(tree)
    assert index.nodes == list(_walked(tree))
    for node in _walked(tree):
        for child in ast.iter_child_nodes(node):
            if not isinstance(child, MARKERS):
                assert index.parents[child] is node
    assert tree not in index.parents


def test_nodes_of_several_types_come_back_in_walk_order() -> None:
    context = FileContext("src/m.py", SOURCE)
    wanted = (ast.Call, ast.Name, ast.Constant, ast.ExceptHandler)
    expected = [node for node in _walked(context.tree) if isinstance(node, wanted)]  # type: ignore[arg-type]
    assert context.nodes(*wanted) == expected
    statements = [node for node in _walked(context.tree) if isinstance(node, ast.stmt)]  # type: ignore[arg-type]
    assert context.nodes(ast.stmt) == statements
    assert context.nodes(ast.While) == []
    assert FileContext("notes.md", "# hi").nodes(ast.Call) == []


def test_enclosing_functions_are_found_innermost_first() -> None:
    context = FileContext(
        "src/m.py",
        "def outer():\n    def evaluate():\n        return model(x)\n    return 1\n\nprint(2)\n",
    )
    calls = {ast.unparse(node): node for node in context.nodes(ast.Call)}
    names = [function.name for function in context.functions_around(calls["model(x)"])]
    assert names == ["evaluate", "outer"]
    assert context.functions_around(calls["print(2)"]) == ()
    assert context.in_eval_path(calls["model(x)"]) and not context.in_eval_path(calls["print(2)"])


@pytest.mark.parametrize(
    "text",
    [
        SOURCE,
        "x = 1\r\ny = (2,\r3)\rz = 'éé' + 'a'\n",
        "s = '''a\fb\x1c\n''' + t\n\nu = {\n  'k': [1,\n 2]}",
        "w = 'ü'; v = ('ü',\n 'ö')",
    ],
)
def test_source_segments_match_ast_get_source_segment(text: str) -> None:
    context = FileContext("src/m.py", text)
    assert context.tree is not None
    for node in ast.walk(context.tree):
        assert context.source_segment(node) == ast.get_source_segment(text, node)


TODO_SOURCE = '''"""Module docstring: TODO in a string is not a comment."""
import os  # TODO: drop


@decorator  # FIXME: decorator comment
class Model(Base):  # HACK on the class line
    """TODO inside a docstring."""

    # TODO: between methods
    def forward(self, x,  # TODO: in a signature
                y):
        text = """
        # TODO: inside a triple-quoted string
        """
        if x:  # XXX on a header
            return (1 +  # TODO: in brackets
                    2)
        else:  # TODO: on else
            a = 1; b = 2  # TODO: after two statements
        try:
            pass
        except ValueError:  # TODO: on except
            pass
        match x:
            case 1:  # TODO: on a case
                pass
        value = 1 \\
            + 2  # TODO: after a continuation
        return f"{x} # TODO: in an f-string"
# TODO: at column 0 inside the class
    z = 3


# TODO: at the end'''


@pytest.mark.parametrize("text", [TODO_SOURCE, TODO_SOURCE.replace("\n", "\r\n"), "x = 1  # TODO"])
def test_comments_found_around_their_lines_are_the_tokenizer_s(text: str) -> None:
    pattern = re.compile(r"\b(TODO|FIXME|XXX|HACK)\b")
    context = FileContext("src/m.py", text)
    assert context.tree is not None
    found = context.comments_matching(pattern)
    whole = [(line, comment) for line, comment in FileContext("src/m.py", text).comments]
    assert found == [(line, comment) for line, comment in whole if pattern.search(comment)]
    assert len(found) >= 1
