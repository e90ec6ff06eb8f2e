"""Provides the evaluation rules: `eval-subset`, `eval-mode-missing`, `no-grad-missing`,
`unseeded-random` and `preprocessing-leakage`.

Evaluation code paths are found by name (a function called `evaluate`, a variable called `test_df`);
training code (augmentation, shuffling) is left alone, and so are previews inside log messages and
limits equal to a sample count the spec states.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator

from reviewtui.core.checks.context import FileContext, Finding, FunctionNode, span_of
from reviewtui.core.checks.facts import PhaseFacts
from reviewtui.core.checks.names import (
    COLLECTION_WORDS,
    LOG_CALLS,
    call_name,
    dotted,
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


def _in_log(context: FileContext, node: ast.AST) -> bool:
    """Whether the node is only shown to a human: inside an f-string or a print/log call."""
    for parent in context.ancestors(node):
        if isinstance(parent, ast.JoinedStr):
            return True
        if isinstance(parent, ast.Call) and tokens(call_name(parent)) & LOG_CALLS:
            return True
        if isinstance(parent, ast.stmt):
            return False
    return False


def _eval_receiver(node: ast.AST) -> bool:
    return bool(tokens(dotted(node)) & EVAL_DATA_WORDS)


def check_eval_subset(context: FileContext, facts: PhaseFacts) -> Iterator[Finding]:
    """Evaluation on a subset: `[:N]`, `.head(N)`, `.sample(n=...)`, `max_samples=...`, early `break`."""
    if context.is_test:
        return
    for node in context.nodes():
        found = _subset(context, node)
        if found is None:
            continue
        count, what = found
        if count is not None and float(count) in facts.spec_counts:
            continue
        if not _in_log(context, node):
            yield Finding("eval-subset", node.lineno, f"evaluates on a subset: {what}")  # type: ignore[attr-defined]


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
    words = tokens(dotted(node.value))
    if not words & COLLECTION_WORDS or words & NOT_COLLECTION_WORDS:
        return None
    if not (context.in_eval_path(node) or words & EVAL_DATA_WORDS):
        return None
    return count, f"`{ast.unparse(node)}`"


def _call_subset(context: FileContext, node: ast.Call) -> tuple[int | None, str] | None:
    name = call_name(node)
    method = last_part(name)
    receiver = node.func.value if isinstance(node.func, ast.Attribute) else None
    if (method == "islice" and len(node.args) >= 2) or (method == "Subset" and len(node.args) >= 2):
        receiver, count_node = node.args[0], node.args[1]
    elif method in SUBSET_METHODS and receiver is not None:
        if tokens(dotted(receiver)) & {"random", "rng", "np", "numpy", "torch"}:
            return None
        count_node = _subset_count_node(method, node)
    else:
        return None
    if count_node is None or not (context.in_eval_path(node) or _eval_receiver(receiver)):
        return None
    return _count_of(count_node), f"`{ast.unparse(node)}`"


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
    eval_call = bool(
        tokens(call_name(node)) & EVAL_DATA_WORDS | tokens(call_name(node)) & {"evaluate"}
    )
    if not (eval_call or context.in_eval_path(node)):
        return None
    for keyword in node.keywords:
        count = _int_constant(keyword.value)
        if keyword.arg and _is_limit_name(keyword.arg) and count is not None and count > 0:
            return count, f"`{keyword.arg}={count}`"
    return _argparse_limit(node)


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
    count = _int_constant(node.value)
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


# --------------------------------------------------------------------------- eval mode and no_grad

MODEL_WORDS = frozenset(
    {"model", "net", "network", "classifier", "encoder", "decoder", "module", "backbone"}
)
EVAL_FUNCTION_WORDS = frozenset(
    {
        "eval",
        "evaluate",
        "evaluation",
        "validate",
        "validation",
        "val",
        "test",
        "predict",
        "inference",
        "infer",
    }
)
NO_GRAD = frozenset({"no_grad", "inference_mode"})


def _evaluation_functions(context: FileContext) -> Iterator[FunctionNode]:
    if context.is_test or not context.imports("torch"):
        return
    for node in context.nodes():
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        if node.name.endswith("_step") or node.name.startswith(("on_", "test_")):
            continue
        if tokens(node.name) & EVAL_FUNCTION_WORDS and _calls_model(node):
            yield node


def _calls_model(function: FunctionNode) -> bool:
    for node in ast.walk(function):
        if isinstance(node, ast.Call) and tokens(last_part(call_name(node))) & MODEL_WORDS:
            return True
    return False


def _has_eval_call(scope: ast.AST) -> bool:
    for node in ast.walk(scope):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            if node.func.attr == "eval" and not node.args:
                return True
            if node.func.attr == "train" and node.args and _is_false(node.args[0]):
                return True
    return False


def _is_false(node: ast.AST) -> bool:
    return isinstance(node, ast.Constant) and node.value is False


def _no_grad_in(scope: ast.AST) -> bool:
    for node in ast.walk(scope):
        if isinstance(node, ast.With | ast.AsyncWith):
            if any(last_part(call_name_of(item.context_expr)) in NO_GRAD for item in node.items):
                return True
    return False


def call_name_of(node: ast.AST) -> str:
    return call_name(node) if isinstance(node, ast.Call) else dotted(node)


def _decorated_no_grad(function: FunctionNode) -> bool:
    return any(
        last_part(call_name_of(decorator)) in NO_GRAD for decorator in function.decorator_list
    )


def _callers(context: FileContext, function: FunctionNode) -> list[ast.AST]:
    """The statements' enclosing scopes (functions or module) that call `function` by name."""
    scopes: list[ast.AST] = []
    for node in context.nodes():
        if isinstance(node, ast.Call) and last_part(call_name(node)) == function.name:
            around = context.functions_around(node)
            scope: ast.AST | None = around[0] if around else context.tree
            if scope is not None and scope is not function:
                scopes.append(scope)
    return scopes


def check_eval_mode(context: FileContext, facts: PhaseFacts) -> Iterator[Finding]:
    """A torch evaluation function that never puts the model in `eval()` mode (nor do its callers)."""
    for function in _evaluation_functions(context):
        callers = _callers(context, function)
        if _has_eval_call(function) or (
            callers and all(_has_eval_call(scope) for scope in callers)
        ):
            continue
        start, end = span_of(function)
        message = f"`{function.name}()` runs the model without `model.eval()` (dropout/batch-norm stay in training mode)"
        yield Finding("eval-mode-missing", start, message, end_line=end)


def check_no_grad(context: FileContext, facts: PhaseFacts) -> Iterator[Finding]:
    """A torch evaluation function that runs the model with gradients on."""
    for function in _evaluation_functions(context):
        if _decorated_no_grad(function) or _no_grad_in(function):
            continue
        callers = _callers(context, function)
        if callers and all(_no_grad_in(scope) for scope in callers):
            continue
        start, end = span_of(function)
        message = f"`{function.name}()` runs the model without `torch.no_grad()`/`inference_mode()`"
        yield Finding("no-grad-missing", start, message, end_line=end)


# --------------------------------------------------------------------------- seeds

RANDOM_CALL_MODULES = frozenset({"random", "np.random", "numpy.random", "torch"})
TORCH_RANDOM = frozenset(
    {
        "rand",
        "randn",
        "randint",
        "randperm",
        "randn_like",
        "rand_like",
        "multinomial",
        "bernoulli",
        "normal",
    }
)
UNSEEDED_GENERATORS = frozenset({"default_rng", "Random", "RandomState", "Generator"})


def _random_use(node: ast.Call) -> str | None:
    name = call_name(node)
    module, _, method = name.rpartition(".")
    if module in {"random", "np.random", "numpy.random"} and method not in {
        "seed",
        "get_state",
        "set_state",
        "getstate",
        "setstate",
    }:
        return name
    if module == "torch" and method in TORCH_RANDOM:
        return name
    keywords = {keyword.arg for keyword in node.keywords}
    if method in {
        "train_test_split",
        "random_split",
        "KFold",
        "StratifiedKFold",
        "ShuffleSplit",
    } and not keywords & {"random_state", "generator", "seed"}:
        return name
    if last_part(name) == "DataLoader" and any(
        kw.arg == "shuffle" and not _is_false(kw.value) for kw in node.keywords
    ):
        if "generator" not in keywords:
            return name
    return None


def check_unseeded_random(context: FileContext, facts: PhaseFacts) -> Iterator[Finding]:
    """Randomness with no seed set anywhere in the phase, when the spec asks for seeds."""
    if context.is_test or not facts.spec_asks_seed or context.tree is None:
        return
    seen_scopes: set[int] = set()
    for node in context.nodes():
        if not isinstance(node, ast.Call):
            continue
        unseeded_generator = (
            last_part(call_name(node)) in UNSEEDED_GENERATORS
            and not node.args
            and not node.keywords
        )
        use = _random_use(node)
        if unseeded_generator:
            yield Finding(
                "unseeded-random",
                node.lineno,
                f"`{call_name(node)}()` creates a generator without a seed; the spec asks for seeds",
            )
        elif use and not facts.seeded:
            scope = id(next(iter(context.functions_around(node)), context.tree))
            if scope not in seen_scopes:
                seen_scopes.add(scope)
                yield Finding(
                    "unseeded-random",
                    node.lineno,
                    f"`{use}()` is random but no changed file sets a seed; the spec asks for seeds",
                )


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
    for node in context.nodes():
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call):
            if last_part(call_name(node.value)) in PREPROCESSORS:
                names.update(dotted(target) for target in node.targets)
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
    for node in context.nodes():
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
    if isinstance(data, ast.Call) and last_part(call_name(data)) in COMBINE_CALLS:
        if any(tokens(dotted(arg)) & EVAL_DATA_WORDS for sub in data.args for arg in ast.walk(sub)):
            return "fits preprocessing on train and test data together"
    if words & {"train", "training"}:
        return None
    split_line = _later_split(context, node)
    if split_line:
        return f"fits preprocessing on all data before the train/test split (line {split_line})"
    return None


def _later_split(context: FileContext, node: ast.Call) -> int | None:
    around = context.functions_around(node)
    scope: ast.AST | None = around[0] if around else context.tree
    for sub in ast.walk(scope) if scope is not None else []:
        if (
            isinstance(sub, ast.Call)
            and sub.lineno > node.lineno
            and last_part(call_name(sub)) in SPLIT_CALLS
        ):
            if last_part(call_name(sub)) != "split" or tokens(dotted(sub.func)) & {
                "kf",
                "kfold",
                "fold",
                "folds",
                "splitter",
                "cv",
                "sss",
                "skf",
            }:
                return sub.lineno
    return None
