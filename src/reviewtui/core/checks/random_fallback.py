"""Provides `random_fallbacks(context)`: `except` branches after which the code carries on with
random picks instead of failing (the `synthetic-fallback` rule reports them).

Two shapes: the branch draws at random itself (`except Exception: return rng.sample(texts, 3)`), or
it switches a tool off (`bm25 = None`, `use_bm25 = False`) and the side of a later `if` that runs
when the tool is off draws at random, directly or from what it sets up (`else: pool = texts` ...
`rng.sample(pool, 3)`). A draw inside a retry's sleep (`time.sleep(2**i + random.random())`) is
jitter, not data; a random seed is not data either. Neither is a draw that only reorders real data
(`rng.shuffle(data)`, `np.random.permutation(n)`) or whose result is only printed or logged
(`print(random.sample(rows, 4))`), and a later draw counts only when it draws *from* what the off
side set up (`rng.sample(pool, 3)` after `else: pool = texts`), not when it is called on a generator
the off side made (`else: rng = random.Random(seed)` ... `rng.shuffle(data)` is an optional numpy).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator

from reviewtui.core.checks.context import FileContext, Finding, shown_to_a_human, span_of
from reviewtui.core.checks.names import (
    LOG_CALLS,
    SYNTHETIC_WORDS,
    call_name,
    last_part,
    target_names,
    tokens,
)

DRAWS = frozenset(
    {
        "sample",
        "choice",
        "choices",
        "shuffle",
        "permutation",
        "randint",
        "randrange",
        "integers",
        "randn",
        "rand",
        "random",
        "uniform",
        "normal",
        "randperm",
        "multinomial",
    }
)
"""Methods that draw at random (`rng.sample`, `np.random.choice`, `torch.randperm`)."""
ORDER_ONLY = frozenset({"shuffle", "permutation", "randperm"})
"""Draws that reorder the real data instead of replacing it (never a synthetic fallback)."""
RANDOM_SOURCES = frozenset(
    {"random", "rng", "np", "numpy", "generator", "gen", "torch", "rs", "prng", "rand", "state"}
)
"""Words of what such a method is called on (`random.`, `self.rng.`, `np.random.`)."""
JITTER_WORDS = frozenset(
    {"sleep", "wait", "backoff", "jitter", "delay", "retry", "seed", "seeds", "timeout"}
)
"""A draw feeding one of these (a retry's sleep, a seed) is not data."""


def random_draw(context: FileContext, node: ast.AST) -> str | None:
    """`rng.sample(pool, 3)` when the call draws at random for data (not jitter or a seed)."""
    if not isinstance(node, ast.Call):
        return None
    name = call_name(node)
    module, _, method = name.rpartition(".")
    if method not in DRAWS or method in ORDER_ONLY or not tokens(module) & RANDOM_SOURCES:
        return None
    if method == "random" and module != "random" and not module.endswith(".random"):
        return None
    if is_jitter(context, node) or shown_to_a_human(context, node):
        return None
    return ast.unparse(node)


def is_jitter(context: FileContext, node: ast.AST) -> bool:
    """Whether the draw feeds a sleep or a seed: an argument of `time.sleep(...)`, assigned to
    `delay`/`seed`, or returned by a seed-named function (`load_or_seed`, `worker_seed`)."""
    for parent in context.ancestors(node):
        if isinstance(parent, ast.Call) and tokens(last_part(call_name(parent))) & JITTER_WORDS:
            return True
        if isinstance(parent, ast.Assign | ast.AnnAssign | ast.AugAssign):
            targets = parent.targets if isinstance(parent, ast.Assign) else [parent.target]
            words = {w for t in targets for n in target_names(t) for w in tokens(n)}
            return bool(words & JITTER_WORDS)
        if isinstance(parent, ast.Return):
            function = context.enclosing_function(parent)
            return function is not None and bool(tokens(function.name) & JITTER_WORDS)
        if isinstance(parent, ast.stmt):
            return False
    return False


def random_fallbacks(context: FileContext) -> dict[ast.ExceptHandler, Finding]:
    """Every `except` branch of the file that carries on with random picks, with its finding."""
    return context.once("random-fallbacks", lambda: dict(_find(context)))


def _find(context: FileContext) -> Iterator[tuple[ast.ExceptHandler, Finding]]:
    for handler in context.nodes(ast.ExceptHandler):
        if not isinstance(handler, ast.ExceptHandler) or _raises(handler):
            continue
        found = _direct_draw(context, handler) or _switched_off(context, handler)
        if found is not None:
            line, message = found
            start, end = span_of(handler)
            finding = Finding("synthetic-fallback", line, message, end_line=end, start_line=start)
            yield handler, finding


def _raises(handler: ast.ExceptHandler) -> bool:
    return any(isinstance(sub, ast.Raise) for stmt in handler.body for sub in ast.walk(stmt))


def _caught(handler: ast.ExceptHandler) -> str:
    return f"except {ast.unparse(handler.type)}" if handler.type is not None else "except"


def _direct_draw(context: FileContext, handler: ast.ExceptHandler) -> tuple[int, str] | None:
    """`except ...: return rng.sample(texts, 3)`: the branch draws at random itself."""
    for statement in handler.body:
        for node in ast.walk(statement):
            draw = random_draw(context, node)
            if draw is not None:
                what = _drawn_for(context, node)
                return getattr(node, "lineno", handler.lineno), (
                    f"falls back to random {what}(`{draw}`) when it fails (`{_caught(handler)}`), "
                    "instead of failing"
                )
    return None


def _drawn_for(context: FileContext, node: ast.AST) -> str:
    """`negatives ` for `row["negatives"] = rng.sample(...)`: what the draw is assigned to."""
    for parent in context.ancestors(node):
        if isinstance(parent, ast.Assign | ast.AnnAssign):
            targets = parent.targets if isinstance(parent, ast.Assign) else [parent.target]
            names = [name for target in targets for name in target_names(target)]
            return f"{names[0].rsplit('.', 1)[-1]} " if names else ""
        if isinstance(parent, ast.Return):
            function = context.enclosing_function(parent)
            return f"picks from `{function.name}()` " if function else ""
        if isinstance(parent, ast.stmt):
            return ""
    return ""


def _switched_off(context: FileContext, handler: ast.ExceptHandler) -> tuple[int, str] | None:
    """`except ...: bm25 = None` and, later, the side of `if bm25 is not None:` that runs without
    it draws at random (or sets up what a later draw picks from)."""
    switched = _off_assignments(handler)
    if not switched:
        return None
    scope: ast.AST | None = context.enclosing_function(handler) or context.tree
    for name, line in switched.items():
        for side, after in _off_sides(scope, name, handler):
            draw = _draw_on(context, side, after)
            if draw is not None:
                node, text = draw
                what = f"random {_drawn_for(context, node)}"
                if _stand_in(node) is not None:
                    what = "generated data "
                return line, (
                    f"falls back to {what}(`{text}`) when `{name}` fails "
                    f"(`{_caught(handler)}` sets `{name} = {_off_value(handler, name)}`), "
                    "instead of failing"
                )
    return None


def _off_assignments(handler: ast.ExceptHandler) -> dict[str, int]:
    """Names the branch sets to None or False (its other statements only log): name -> line."""
    found: dict[str, int] = {}
    for statement in handler.body:
        if isinstance(statement, ast.Assign) and _off(statement.value):
            for target in statement.targets:
                if isinstance(target, ast.Name):
                    found[target.id] = statement.lineno
        elif not _only_logs(statement):
            return {}
    return found


def _off(node: ast.AST) -> bool:
    return isinstance(node, ast.Constant) and _off_constant(node.value)


def _off_constant(value: object) -> bool:
    """None or False (not 0, which equals False)."""
    return value is None or value is False


def _off_value(handler: ast.ExceptHandler, name: str) -> str:
    for statement in handler.body:
        if isinstance(statement, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == name for t in statement.targets
        ):
            return ast.unparse(statement.value)
    return "None"


def _only_logs(statement: ast.stmt) -> bool:
    if isinstance(statement, ast.Pass):
        return True
    if isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Call):
        return bool(tokens(last_part(call_name(statement.value))) & LOG_CALLS)
    return isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Constant)


def _off_sides(
    scope: ast.AST | None, name: str, handler: ast.ExceptHandler
) -> Iterator[tuple[list[ast.AST], list[ast.stmt]]]:
    """(the nodes that run when `name` is off, the statements after that `if` in its block) of
    every `if`/conditional expression after the handler that tests `name`."""
    for node in ast.walk(scope) if scope is not None else []:
        if not isinstance(node, ast.If | ast.IfExp) or node.lineno <= handler.lineno:
            continue
        off_when_true = _tests_off(node.test, name)
        if off_when_true is None:
            continue
        side = node.body if off_when_true else node.orelse
        nodes: list[ast.AST] = list(side) if isinstance(side, list) else [side]
        yield nodes, _statements_after(scope, node) if isinstance(node, ast.If) else []


def _tests_off(test: ast.AST, name: str) -> bool | None:
    """True when the test holds while `name` is off (`x is None`, `not x`), False when it holds
    while it is on (`x is not None`, `x`), None when it does not test `name`."""
    if isinstance(test, ast.Name) and test.id == name:
        return False
    if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
        inner = _tests_off(test.operand, name)
        return None if inner is None else not inner
    if isinstance(test, ast.Compare) and len(test.ops) == 1:
        left, right = test.left, test.comparators[0]
        if isinstance(left, ast.Name) and left.id == name and isinstance(right, ast.Constant):
            if isinstance(test.ops[0], ast.Is | ast.Eq):
                return _off_constant(right.value)
            if isinstance(test.ops[0], ast.IsNot | ast.NotEq):
                return not _off_constant(right.value)
    return None


def _statements_after(scope: ast.AST | None, node: ast.stmt) -> list[ast.stmt]:
    """The statements following `node` in the block holding it, and in the blocks around it."""
    found: list[ast.stmt] = []
    for holder in ast.walk(scope) if scope is not None else []:
        for field in ("body", "orelse", "finalbody"):
            block = getattr(holder, field, None)
            if isinstance(block, list) and node in block:
                found += block[block.index(node) + 1 :]
                if isinstance(holder, ast.stmt) and holder is not scope:
                    found += _statements_after(scope, holder)
                return found
    return found


def _stand_in(node: ast.AST) -> str | None:
    """`make_dummy_corpus(1000)`, `fake_passages()`: a call that makes stand-in data by name."""
    if isinstance(node, ast.Call) and tokens(call_name(node)) & SYNTHETIC_WORDS:
        return ast.unparse(node)
    return None


def _draw_on(
    context: FileContext, side: list[ast.AST], after: list[ast.stmt]
) -> tuple[ast.AST, str] | None:
    """A random draw (or a stand-in maker) on the off side, or a later draw from a name the off
    side assigns."""
    assigned: set[str] = set()
    for statement in side:
        for node in ast.walk(statement):
            draw = random_draw(context, node) or _stand_in(node)
            if draw is not None:
                return node, draw
            if isinstance(node, ast.Assign):
                assigned.update(n for t in node.targets for n in target_names(t))
    for statement in after:
        for node in ast.walk(statement):
            draw = random_draw(context, node)
            if draw is not None and _reads(node, assigned):
                return node, draw
    return None


def _reads(node: ast.AST, names: set[str]) -> bool:
    """Whether the draw's arguments read one of `names` (`rng.sample(pool, 3)` reads `pool`); the
    generator it is called on (`rng` of `rng.sample`) is not what it draws from."""
    if not isinstance(node, ast.Call):
        return False
    arguments = [*node.args, *(keyword.value for keyword in node.keywords)]
    return any(
        isinstance(sub, ast.Name) and sub.id in names
        for argument in arguments
        for sub in ast.walk(argument)
    )
