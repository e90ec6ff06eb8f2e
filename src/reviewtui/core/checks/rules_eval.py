"""Provides the evaluation rules: `eval-subset` and `preprocessing-leakage`.

Evaluation code paths are found by name (a function called `evaluate`, a variable called `test_df`);
training code (augmentation, shuffling) is left alone, and so are previews inside log messages and
limits equal to a sample count the spec states.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator

from reviewtui.core.checks.code_values import split_pieces
from reviewtui.core.checks.context import FileContext, Finding, shown_to_a_human
from reviewtui.core.checks.facts import PhaseFacts
from reviewtui.core.checks.names import (
    COLLECTION_WORDS,
    call_name,
    dotted,
    field_default,
    last_part,
    tokens,
)

EVAL_DATA_WORDS = frozenset({"eval", "val", "valid", "validation", "test", "holdout", "benchmark"})
LIMIT_WORDS = frozenset(
    {"samples", "examples", "limit", "subset", "instances", "items", "problems"}
)
LIMIT_QUALIFIERS = frozenset(
    {"max", "num", "n", "limit", "subset", "eval", "test", "val", "validation"}
)
NOT_COLLECTION_WORDS = frozenset(
    {"ids", "id", "tokens", "token", "text", "string", "str", "name", "path"}
)
SUBSET_METHODS = frozenset({"head", "take", "select", "sample", "shard"})
EVAL_CALL_WORDS = EVAL_DATA_WORDS | {"evaluate"}


def _int_constant(node: ast.AST | None) -> int | None:
    if (
        isinstance(node, ast.Constant)
        and isinstance(node.value, int)
        and not isinstance(node.value, bool)
    ):
        return node.value
    return None


def _is_limit_name(name: str) -> bool:
    words = tokens(name)
    return bool(words & LIMIT_WORDS and words & LIMIT_QUALIFIERS)

    return False


def _eval_receiver(node: ast.AST) -> bool:
    return bool(tokens(dotted(node)) & EVAL_DATA_WORDS)


def check_eval_subset(context: FileContext, facts: PhaseFacts) -> Iterator[Finding]:
    """Evaluation on a subset: `[:N]`, `.head(N)`, `.sample(n=...)`, `max_samples=...`, early `break`."""
    if context.is_test:
        return
    for node in context.nodes(ast.Subscript, ast.Call, ast.Assign, ast.AnnAssign, ast.If):
        found = _subset(context, node)
        if found is None:
            continue
        count, what = found
        if count is not None and float(count) in facts.spec_counts:
            continue
        if count is None and _opt_in(context, node):
            continue
        if not shown_to_a_human(context, node):
            yield Finding("eval-subset", node.lineno, f"evaluates on a subset: {what}")  # type: ignore[attr-defined]


def _opt_in(context: FileContext, node: ast.AST) -> bool:
    """Inside `if args.max_eval_samples is not None:`: a limit the user asks for, not a default.

    (The option's default is checked where it is declared: argparse, a dataclass field, a constant.)
    """
    for parent in context.ancestors(node):
        if isinstance(parent, ast.If | ast.IfExp) and any(
            isinstance(sub, ast.Name | ast.Attribute) and _is_limit_name(dotted(sub))
            for sub in ast.walk(parent.test)
        ):
            return True
    return False


def _subset(context: FileContext, node: ast.AST) -> tuple[int | None, str] | None:
    if isinstance(node, ast.Subscript):
        return _slice_subset(context, node)
    if isinstance(node, ast.Call):
        return _call_subset(context, node) or _keyword_subset(context, node)
    if isinstance(node, ast.Assign | ast.AnnAssign):
        return _assigned_limit(context, node)
    if isinstance(node, ast.If):
        return _early_break(context, node)
    return None


def _slice_subset(context: FileContext, node: ast.Subscript) -> tuple[int | None, str] | None:
    part = node.slice
    if not isinstance(part, ast.Slice) or part.step is not None or isinstance(node.ctx, ast.Store):
        return None
    if part.lower is not None and _int_constant(part.lower) != 0:
        return None
    count = _int_constant(part.upper)
    if part.upper is None or (count is None and not _is_limit_name(dotted(part.upper))):
        return None
    words = tokens(_receiver_name(node.value))
    if not words & COLLECTION_WORDS or words & NOT_COLLECTION_WORDS:
        return None
    if not (context.in_eval_path(node) or words & EVAL_DATA_WORDS):
        return None
    return count, f"`{ast.unparse(node)}`"


def _receiver_name(node: ast.AST) -> str:
    """`list(corpus.queries)` -> `corpus.queries`: look through list/sorted/tuple wrappers; the
    pieces of a string split on a separator name the string (`torch.__version__.split(".")[:2]` is
    a version's first two numbers, not a data split)."""
    if split_pieces(node):
        return dotted(node.func.value)  # type: ignore[attr-defined]
    if (
        isinstance(node, ast.Call)
        and call_name(node) in {"list", "sorted", "tuple", "iter"}
        and node.args
    ):
        return dotted(node.args[0])
    return dotted(node)


def _call_subset(context: FileContext, node: ast.Call) -> tuple[int | None, str] | None:
    name = call_name(node)
    method = last_part(name)
    receiver: ast.AST | None = node.func.value if isinstance(node.func, ast.Attribute) else None
    count_node: ast.AST | None
    if (method == "islice" and len(node.args) >= 2) or (method == "Subset" and len(node.args) >= 2):
        receiver, count_node = node.args[0], node.args[1]
        if _one_thing(receiver):
            return None
    elif method in SUBSET_METHODS and receiver is not None:
        if tokens(dotted(receiver)) & {"random", "rng", "np", "numpy", "torch"}:
            return None
        count_node = _subset_count_node(method, node)
    else:
        return None
    if count_node is None or not (context.in_eval_path(node) or _eval_receiver(receiver)):
        return None
    return _count_of(count_node), f"`{ast.unparse(node)}`"


def _one_thing(node: ast.AST) -> bool:
    """`islice(ids, num_ids)`: the ids of one thing (pytest's `_validate_ids`), not a body of data
    (`islice(test_ids, 100)` is one)."""
    words = tokens(_receiver_name(node))
    return bool(words & NOT_COLLECTION_WORDS) and not words & COLLECTION_WORDS


def _subset_count_node(method: str, node: ast.Call) -> ast.AST | None:
    keywords = {keyword.arg: keyword.value for keyword in node.keywords}
    if method == "sample":
        frac = keywords.get("frac")
        if frac is not None:
            value = frac.value if isinstance(frac, ast.Constant) else None
            return frac if isinstance(value, float | int) and value < 1 else None
        return keywords.get("n") or (node.args[0] if node.args else None)
    if method == "select":
        arg = node.args[0] if node.args else None
        is_range = isinstance(arg, ast.Call) and call_name(arg) == "range"
        return arg.args[-1] if is_range and arg.args else None  # type: ignore[union-attr]
    if method == "shard":
        return keywords.get("num_shards") or (node.args[0] if node.args else None)
    return node.args[0] if node.args else (ast.Constant(5) if method == "head" else None)


def _count_of(node: ast.AST) -> int | None:
    if isinstance(node, ast.Call) and call_name(node) == "range" and node.args:
        return _int_constant(node.args[-1])
    return _int_constant(node)


def _keyword_subset(context: FileContext, node: ast.Call) -> tuple[int | None, str] | None:
    argparse_limit = _argparse_limit(node)
    if argparse_limit is not None:
        return argparse_limit
    for keyword in node.keywords:
        count = _int_constant(keyword.value)
        if keyword.arg and count is not None and count > 0 and _is_limit_name(keyword.arg):
            if not (tokens(call_name(node)) & EVAL_CALL_WORDS or context.in_eval_path(node)):
                return None
            return count, f"`{keyword.arg}={count}`"
    return None


def _argparse_limit(node: ast.Call) -> tuple[int | None, str] | None:
    if last_part(call_name(node)) != "add_argument":
        return None
    options = [
        arg.value
        for arg in node.args
        if isinstance(arg, ast.Constant) and isinstance(arg.value, str)
    ]
    defaults = [kw.value for kw in node.keywords if kw.arg == "default"]
    count = _int_constant(defaults[0]) if defaults else None
    for option in options:
        if _is_limit_name(option) and tokens(option) & EVAL_DATA_WORDS and count:
            return count, f"`{option}` defaults to {count}"
    return None


def _assigned_limit(
    context: FileContext, node: ast.Assign | ast.AnnAssign
) -> tuple[int | None, str] | None:
    targets = node.targets if isinstance(node, ast.Assign) else [node.target]
    count = _int_constant(field_default(node.value))
    if not count or count <= 0:
        return None
    for target in targets:
        name = dotted(target)
        words = tokens(name)
        eval_named = words & EVAL_DATA_WORDS or context.in_eval_path(node)
        if name and _is_limit_name(name) and eval_named:
            return count, f"`{name} = {count}`"
    return None


def _early_break(context: FileContext, node: ast.If) -> tuple[int | None, str] | None:
    test = node.test
    if not (isinstance(test, ast.Compare) and len(test.comparators) == 1):
        return None
    if not isinstance(test.ops[0], ast.GtE | ast.Gt | ast.Eq):
        return None
    count = _int_constant(test.comparators[0])
    limit = count is not None or _is_limit_name(dotted(test.comparators[0]))
    if not limit or not any(isinstance(sub, ast.Break) for sub in node.body):
        return None
    if not context.in_eval_path(node):
        return None
    return count, f"stops the evaluation loop early (`{ast.unparse(test)}`)"


# --------------------------------------------------------------------------- leakage

PREPROCESSORS = frozenset(
    {
        "StandardScaler",
        "MinMaxScaler",
        "RobustScaler",
        "MaxAbsScaler",
        "Normalizer",
        "TfidfVectorizer",
        "CountVectorizer",
        "PCA",
        "TruncatedSVD",
        "SimpleImputer",
        "KNNImputer",
        "OneHotEncoder",
        "OrdinalEncoder",
        "SelectKBest",
        "PolynomialFeatures",
        "QuantileTransformer",
        "PowerTransformer",
        "KBinsDiscretizer",
        "Tokenizer",
        "VarianceThreshold",
        "TfidfTransformer",
    }
)
PREPROCESSOR_WORDS = frozenset(
    {
        "scaler",
        "vectorizer",
        "normalizer",
        "imputer",
        "pca",
        "tfidf",
        "selector",
        "encoder",
        "svd",
        "discretizer",
    }
)
FIT_METHODS = frozenset({"fit", "fit_transform", "fit_on_texts", "adapt"})
SPLIT_CALLS = frozenset({"train_test_split", "random_split", "split"})
COMBINE_CALLS = frozenset({"concatenate", "concat", "vstack", "hstack", "cat", "append"})


def _preprocessor_names(context: FileContext) -> set[str]:
    names: set[str] = set()
    for node in context.nodes(ast.Assign):
        value = node.value if isinstance(node, ast.Assign) else None
        if isinstance(value, ast.Call) and last_part(call_name(value)) in PREPROCESSORS:
            names.update(dotted(target) for target in node.targets)  # type: ignore[attr-defined]
    return names


def _is_preprocessor(receiver: ast.AST, known: set[str]) -> bool:
    if isinstance(receiver, ast.Call):
        return last_part(call_name(receiver)) in PREPROCESSORS
    name = dotted(receiver)
    return name in known or bool(tokens(name) & PREPROCESSOR_WORDS)


def check_leakage(context: FileContext, facts: PhaseFacts) -> Iterator[Finding]:
    """Preprocessing fitted on test data, on train+test together, or before the split."""
    if context.is_test or context.tree is None:
        return
    known = _preprocessor_names(context)
    for node in context.nodes(ast.Call):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.args):
            continue
        if node.func.attr not in FIT_METHODS or not _is_preprocessor(node.func.value, known):
            continue
        reason = _leak_reason(context, node)
        if reason:
            yield Finding("preprocessing-leakage", node.lineno, f"`{ast.unparse(node)}` {reason}")


def _leak_reason(context: FileContext, node: ast.Call) -> str | None:
    data = node.args[0]
    words = tokens(dotted(data))
    if words & EVAL_DATA_WORDS:
        return "fits preprocessing on evaluation data"
    if _combines_eval_data(data):
        return "fits preprocessing on train and test data together"
    if words & {"train", "training"}:
        return None
    split_line = _later_split(context, node)
    if split_line:
        return f"fits preprocessing on all data before the train/test split (line {split_line})"
    return None


def _combines_eval_data(data: ast.AST) -> bool:
    """`np.concatenate([X_train, X_test])`, `pd.concat([train, test])`."""
    if not (isinstance(data, ast.Call) and last_part(call_name(data)) in COMBINE_CALLS):
        return False
    return any(tokens(dotted(arg)) & EVAL_DATA_WORDS for sub in data.args for arg in ast.walk(sub))


def _later_split(context: FileContext, node: ast.Call) -> int | None:
    around = context.functions_around(node)
    scope: ast.AST | None = around[0] if around else context.tree
    for sub in ast.walk(scope) if scope is not None else []:
        if (
            isinstance(sub, ast.Call)
            and sub.lineno > node.lineno
            and last_part(call_name(sub)) in SPLIT_CALLS
        ) and (
            last_part(call_name(sub)) != "split"
            or tokens(dotted(sub.func))
            & {
                "kf",
                "kfold",
                "fold",
                "folds",
                "splitter",
                "cv",
                "sss",
                "skf",
            }
        ):
            return sub.lineno
    return None
