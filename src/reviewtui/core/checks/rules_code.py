"""Provides the code-hygiene rules: `swallowed-error`, `error-default`, `stub-code`, `todo-comment`
and `hardcoded-metric`.

Broad `except` branches that hide a failure, placeholder bodies the agent meant to fill later, and
metric values typed in rather than computed.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator

from reviewtui.core.checks.context import FileContext, Finding, FunctionNode, span_of
from reviewtui.core.checks.facts import PhaseFacts
from reviewtui.core.checks.names import LOG_CALLS, call_name, last_part, target_names, tokens
from reviewtui.core.checks.random_fallback import random_fallbacks

BROAD = frozenset({"Exception", "BaseException"})
_TODO = re.compile(r"\b(TODO|FIXME|XXX|HACK)\b")
CODE_LANGUAGES = frozenset({"python", "yaml", "toml", "shell", "ini", "json"})


def _is_broad(handler: ast.ExceptHandler) -> bool:
    kind = handler.type
    if kind is None:
        return True
    names = kind.elts if isinstance(kind, ast.Tuple) else [kind]
    return any(
        last_part(call_name(name) if isinstance(name, ast.Call) else ast.unparse(name)) in BROAD
        for name in names
    )


def _only_logs(statement: ast.stmt) -> bool:
    if isinstance(statement, ast.Pass | ast.Continue | ast.Break):
        return True
    if isinstance(statement, ast.Expr):
        value = statement.value
        if isinstance(value, ast.Constant):
            return True
        if isinstance(value, ast.Call):
            return bool(tokens(last_part(call_name(value))) & LOG_CALLS) or "log" in call_name(
                value
            )
    return False


def _is_default(node: ast.AST | None) -> bool:
    """None, a constant, or an empty container: what a failure gets turned into."""
    if node is None or isinstance(node, ast.Constant):
        return True
    if isinstance(node, ast.List | ast.Tuple | ast.Set | ast.Dict):
        return not getattr(node, "elts", getattr(node, "keys", []))
    if isinstance(node, ast.Call) and call_name(node) in {"list", "dict", "set", "tuple", "str"}:
        return not node.args
    if isinstance(node, ast.UnaryOp) and isinstance(node.operand, ast.Constant):
        return True
    return isinstance(node, ast.Call) and call_name(node) == "float" and len(node.args) == 1


def _handler_kind(handler: ast.ExceptHandler) -> str | None:
    """`swallowed-error`, `error-default`, or None when the branch re-raises or does real work."""
    body = handler.body
    if any(isinstance(sub, ast.Raise) for statement in body for sub in ast.walk(statement)):
        return None
    if all(_only_logs(statement) for statement in body):
        return "swallowed-error"
    *head, last = body
    if not all(_only_logs(statement) for statement in head):
        return None
    if isinstance(last, ast.Return) and _is_default(last.value):
        return "error-default"
    if isinstance(last, ast.Assign) and _is_default(last.value):
        return "error-default"
    return None


def check_swallowed_errors(context: FileContext, facts: PhaseFacts) -> Iterator[Finding]:
    """Bare or broad `except` that passes/continues, and `contextlib.suppress(Exception)`."""
    for node in context.nodes(ast.ExceptHandler, ast.Call):
        if (
            isinstance(node, ast.ExceptHandler)
            and _is_broad(node)
            and _handler_kind(node) == "swallowed-error"
        ):
            start, end = span_of(node)
            caught = ast.unparse(node.type) if node.type else "everything"
            yield Finding(
                "swallowed-error",
                start,
                f"catches {caught} and carries on: the failure is hidden",
                end_line=end,
            )
        elif isinstance(node, ast.Call) and _suppresses_everything(node):
            yield Finding(
                "swallowed-error", node.lineno, "`suppress(Exception)` hides every failure"
            )


def _suppresses_everything(node: ast.Call) -> bool:
    if last_part(call_name(node)) != "suppress":
        return False
    return any(isinstance(arg, ast.Name) and arg.id in BROAD for arg in node.args)


def check_error_defaults(context: FileContext, facts: PhaseFacts) -> Iterator[Finding]:
    """Bare or broad `except` that turns the failure into a default value (one after which the code
    carries on with random picks is a `synthetic-fallback`, reported as such instead)."""
    for node in context.nodes(ast.ExceptHandler):
        if (
            isinstance(node, ast.ExceptHandler)
            and _is_broad(node)
            and _handler_kind(node) == "error-default"
            and node not in random_fallbacks(context)
        ):
            start, end = span_of(node)
            returned = node.body[-1].value  # type: ignore[attr-defined]
            value = "None" if returned is None else ast.unparse(returned)  # a bare `return`
            yield Finding(
                "error-default",
                node.body[-1].lineno,
                f"turns any error into `{value}`",
                start_line=start,
                end_line=end,
            )


# --------------------------------------------------------------------------- stubs

ABSTRACT_BASES = frozenset({"ABC", "Protocol", "ABCMeta"})


def _body_without_docstring(function: FunctionNode) -> list[ast.stmt]:
    body = function.body
    if (
        body
        and isinstance(body[0], ast.Expr)
        and isinstance(body[0].value, ast.Constant)
        and isinstance(body[0].value.value, str)
    ):
        return body[1:]
    return body


def _is_placeholder(statement: ast.stmt) -> bool:
    if isinstance(statement, ast.Pass):
        return True
    if (
        isinstance(statement, ast.Expr)
        and isinstance(statement.value, ast.Constant)
        and statement.value.value is Ellipsis
    ):
        return True
    return _raises_not_implemented(statement)


def _raises_not_implemented(statement: ast.AST) -> bool:
    if not isinstance(statement, ast.Raise) or statement.exc is None:
        return False
    return (
        last_part(
            call_name(statement.exc)
            if isinstance(statement.exc, ast.Call)
            else ast.unparse(statement.exc)
        )
        == "NotImplementedError"
    )


def _is_abstract(context: FileContext, function: FunctionNode) -> bool:
    decorators = {
        last_part(call_name(d) if isinstance(d, ast.Call) else ast.unparse(d))
        for d in function.decorator_list
    }
    if decorators & {"abstractmethod", "overload", "abstractproperty"}:
        return True
    parent = context.parents.get(function)
    if isinstance(parent, ast.ClassDef):
        bases = {last_part(ast.unparse(base)) for base in parent.bases}
        keywords = {ast.unparse(keyword.value) for keyword in parent.keywords}
        return bool(bases & ABSTRACT_BASES or keywords & ABSTRACT_BASES)
    return False


def check_stubs(context: FileContext, facts: PhaseFacts) -> Iterator[Finding]:
    """Placeholder bodies (`pass`, `...`, `raise NotImplementedError`) outside abstract methods."""
    if context.is_test:
        return
    for node in context.nodes(ast.FunctionDef, ast.AsyncFunctionDef, ast.Raise):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            body = _body_without_docstring(node)
            if (
                body
                and all(_is_placeholder(statement) for statement in body)
                and not _is_abstract(context, node)
            ):
                start, end = span_of(node)
                yield Finding(
                    "stub-code",
                    body[0].lineno,
                    f"`{node.name}()` is a placeholder with no implementation",
                    start_line=start,
                    end_line=end,
                )
        elif isinstance(node, ast.Raise) and _raises_not_implemented(node):
            function = next(iter(context.functions_around(node)), None)
            whole_body = function is not None and all(
                _is_placeholder(s) for s in _body_without_docstring(function)
            )
            if not whole_body and not (function and _is_abstract(context, function)):
                yield Finding(
                    "stub-code",
                    node.lineno,
                    "raises NotImplementedError: part of this path is not written",
                )


def _has_todo_word(text: str) -> bool:
    """`_TODO.search(text)`, with a quick look for the words first (most files hold none)."""
    return any(word in text for word in ("TODO", "FIXME", "XXX", "HACK")) and bool(
        _TODO.search(text)
    )


def check_todos(context: FileContext, facts: PhaseFacts) -> Iterator[Finding]:
    """TODO/FIXME/XXX/HACK comments in code and config files."""
    if context.language not in CODE_LANGUAGES or not _has_todo_word(context.text):
        return
    for line, comment in context.comments_matching(_TODO):
        match = _TODO.search(comment)
        if match:
            text = comment[match.start() :].strip()
            yield Finding("todo-comment", line, f"unfinished work: {text[:100]}")


# --------------------------------------------------------------------------- metrics

METRIC_WORDS = frozenset(
    {
        "accuracy",
        "acc",
        "f1",
        "precision",
        "recall",
        "auc",
        "roc",
        "bleu",
        "rouge",
        "rouge1",
        "rouge2",
        "rougel",
        "perplexity",
        "ppl",
        "em",
        "exact",
        "mrr",
        "ndcg",
        "map",
        "bertscore",
        "meteor",
        "wer",
        "cer",
        "mae",
        "mse",
        "rmse",
        "r2",
        "score",
        "metric",
        "metrics",
        "pass",
    }
)
NOT_METRIC_WORDS = frozenset(
    {
        "best",
        "min",
        "max",
        "threshold",
        "target",
        "init",
        "initial",
        "default",
        "expected",
        "baseline",
        "patience",
        "tolerance",
        "tol",
        "weight",
        "weights",
        "alpha",
        "beta",
        "smoothing",
        "delta",
        "top",
        "k",
        "grad",
        "steps",
        "step",
        "accum",
        "accumulation",
        "size",
        "dim",
        "num",
        "n",
        "epochs",
        "every",
        "interval",
        "freq",
        "batch",
        "lr",
        "config",
        "cfg",
        "params",
        "hparams",
        "coef",
        "loss",
        "goal",
    }
)
TRIVIAL = frozenset({0, 1, -1, 100})


def _metric_constant(node: ast.AST | None) -> float | None:
    value = node.value if isinstance(node, ast.Constant) else None
    if isinstance(value, bool) or not isinstance(value, float | int) or value in TRIVIAL:
        return None
    return float(value)


def _metric_name(name: str) -> bool:
    words = tokens(name)
    return bool(words & METRIC_WORDS) and not words & NOT_METRIC_WORDS


def check_hardcoded_metrics(context: FileContext, facts: PhaseFacts) -> Iterator[Finding]:
    """A metric (accuracy, F1, BLEU, ...) assigned a typed-in number instead of a computed one."""
    if context.is_test:
        return
    for node in context.nodes(ast.Assign, ast.AnnAssign, ast.Dict, ast.Call):
        container = (
            _container_name(context, node) if isinstance(node, ast.Dict | ast.Call) else None
        )
        if container and tokens(container) & NOT_METRIC_WORDS:
            continue
        for name, value, line in _metric_assignments(node):
            if (
                _metric_name(name)
                and _metric_constant(value) is not None
                and not _reference_value(context, name)
                and not _code_number(context, node, value)
                and not context.is_dev_guarded(node)
            ):
                yield Finding(
                    "hardcoded-metric",
                    line,
                    f"metric `{name}` is a hard-coded {ast.unparse(value)}, not computed",
                )


ENUM_BASES = frozenset({"Enum", "IntEnum", "IntFlag", "Flag", "StrEnum", "ReprEnum"})
_NON_DECIMAL = re.compile(r"[-+]?0[xXoObB]")


def _code_number(context: FileContext, node: ast.AST, value: ast.AST) -> bool:
    """A number that is a code, not a measurement: an enum member (PIL's `ExifTags.Base.ColorMap =
    0x0140`, "map" as in mean average precision), or one written in hex, octal or binary."""
    if _NON_DECIMAL.match(context.source_segment(value) or ""):
        return True
    owner = context.parents.get(node)
    return isinstance(owner, ast.ClassDef) and any(
        last_part(call_name(base) if isinstance(base, ast.Call) else ast.unparse(base))
        in ENUM_BASES
        for base in owner.bases
    )


REFERENCE_WORDS = frozenset(
    {"paper", "reported", "published", "reference", "ref", "sota", "literature", "claimed"}
)
"""Words naming a value quoted from elsewhere (`PAPER_ACCURACY`): a reference, not a result."""


def _reference_value(context: FileContext, name: str) -> bool:
    """Whether a metric-named value is a reference to compare against, not a result: it says so
    (`paper_accuracy`), or it is a CONSTANT the file compares with or subtracts from another value
    (`accuracy - PAPER_ACCURACY`, `if f1 < MIN_F1`)."""
    if tokens(name) & REFERENCE_WORDS:
        return True
    compared = context.once("hardcoded-metric:compared", lambda: _compared_names(context))
    return name.isupper() and name in compared


def _compared_names(context: FileContext) -> frozenset[str]:
    """Names used as a side of a comparison or of a difference or ratio with another value."""
    found: set[str] = set()
    for node in context.nodes(ast.Compare, ast.BinOp):
        if isinstance(node, ast.Compare):
            sides = [node.left, *node.comparators]
        elif isinstance(node, ast.BinOp) and isinstance(node.op, ast.Sub | ast.Div):
            sides = [node.left, node.right]
        else:
            continue
        for index, side in enumerate(sides):
            others = sides[:index] + sides[index + 1 :]
            if isinstance(side, ast.Name) and any(
                not isinstance(other, ast.Constant) for other in others
            ):
                found.add(side.id)
    return frozenset(found)


def _metric_assignments(node: ast.AST) -> Iterator[tuple[str, ast.AST, int]]:
    if isinstance(node, ast.Assign | ast.AnnAssign) and node.value is not None:
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        if isinstance(node, ast.AnnAssign) and not isinstance(node.target, ast.Subscript):
            return  # a dataclass field or typed default, not a result
        for target in targets:
            for name in target_names(target):
                yield name, node.value, node.lineno
    elif isinstance(node, ast.Dict):
        for key, value in zip(node.keys, node.values, strict=True):
            if isinstance(key, ast.Constant) and isinstance(key.value, str):
                yield key.value, value, value.lineno
    elif isinstance(node, ast.Call) and call_name(node) == "dict":
        for keyword in node.keywords:
            if keyword.arg:
                yield keyword.arg, keyword.value, keyword.value.lineno


def _container_name(context: FileContext, node: ast.AST) -> str | None:
    """The name a dict literal is assigned to (`loss_weights = {...}`), if any."""
    parent = context.parents.get(node)
    if isinstance(parent, ast.Assign):
        return "_".join(name for target in parent.targets for name in target_names(target))
    return None
