"""Provides the run-hygiene rules: `eval-mode-missing`, `no-grad-missing` and `unseeded-random`.

A torch evaluation function (by name: `evaluate`, `validate`, `predict`, ...) that runs a model, itself
or through a helper of the same file it hands the model to, must put the model in `eval()` mode and turn
gradients off, or be called only from places that do. Randomness must be seeded, library by library
(`random.seed` does not seed torch), when the spec asks for seeds.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator

from reviewtui.core.checks.context import FileContext, Finding, FunctionNode, span_of
from reviewtui.core.checks.facts import PhaseFacts, random_library
from reviewtui.core.checks.names import call_name, dotted, last_part, tokens

MODEL_WORDS = frozenset(
    {
        "model",
        "net",
        "network",
        "classifier",
        "encoder",
        "decoder",
        "module",
        "backbone",
        "reranker",
        "retriever",
    }
)
HOUSEKEEPING = frozenset(
    {
        "generate",  # transformers' generate runs under no_grad itself
        "predict",  # sklearn / keras models: no train mode, no autograd
        "predict_proba",
        "decision_function",
        "score",
        "transform",
        "fit",
        "eval",
        "train",
        "to",
        "cpu",
        "cuda",
        "parameters",
        "named_parameters",
        "state_dict",
        "load_state_dict",
        "zero_grad",
        "save_pretrained",
        "from_pretrained",
        "from_config",
        "half",
        "float",
        "modules",
        "children",
        "requires_grad_",
        "config",
    }
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
BUILDER_WORDS = frozenset(
    {"load", "build", "make", "get", "create", "init", "save", "count", "from", "pretrained"}
)


def _model_named(node: ast.AST) -> bool:
    return bool(tokens(dotted(node)) & MODEL_WORDS) and not isinstance(node, ast.Call)


def _runs_model_directly(function: FunctionNode, library_encoders: bool = False) -> bool:
    """`model(x)`, `self.encoder(x)`, `model.encode(x)` (not `model.to(device)`, `load_model()`).

    With `library_encoders` (the file uses sentence-transformers, whose `encode` sets eval mode and
    turns gradients off itself) `.encode(...)` does not count.
    """
    for node in ast.walk(function):
        if not (isinstance(node, ast.Call) and _is_model_call(node.func)):
            continue
        if library_encoders and isinstance(node.func, ast.Attribute) and node.func.attr == "encode":
            continue
        return True
    return False


def _is_model_call(func: ast.AST) -> bool:
    """Whether a call runs a model: not a class being built (`Classifier(...)`), nor a model
    class or object loaded, saved or built (`Classifier.load(path)`, `model.from_pretrained`)."""
    if isinstance(func, ast.Name):
        words = tokens(func.id)
        return bool(words & MODEL_WORDS) and not words & BUILDER_WORDS and not _class_name(func.id)
    if not isinstance(func, ast.Attribute):
        return False
    if tokens(func.attr) & BUILDER_WORDS:
        return False
    if tokens(func.attr) & MODEL_WORDS:
        return True
    return _model_named(func.value) and func.attr not in HOUSEKEEPING


def _class_name(name: str) -> bool:
    """`SentimentClassifier`: CamelCase, the name of a class (calling it builds an object)."""
    return name[:1].isupper() and not name.isupper() and "_" not in name


def _local_functions(context: FileContext) -> dict[str, FunctionNode]:
    return {
        node.name: node
        for node in context.nodes(ast.FunctionDef, ast.AsyncFunctionDef)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
    }


def _model_helpers(
    function: FunctionNode, local: dict[str, FunctionNode], runs: dict[str, bool]
) -> list[tuple[ast.Call, FunctionNode]]:
    """Calls in `function` to same-file functions that receive a model and run it.

    `runs` remembers, by helper name, whether each helper runs a model (read once per helper)."""
    found = []
    for node in ast.walk(function):
        if not isinstance(node, ast.Call):
            continue
        helper = local.get(last_part(call_name(node)))
        passes_model = any(
            _model_named(arg) for arg in [*node.args, *(kw.value for kw in node.keywords)]
        )
        if helper is None or helper is function or not passes_model:
            continue
        if helper.name not in runs:
            runs[helper.name] = _runs_model_directly(helper)
        if runs[helper.name]:
            found.append((node, helper))
    return found


EvaluationFunction = tuple[FunctionNode, list[tuple[ast.Call, FunctionNode]]]


def _evaluation_functions(context: FileContext) -> list[EvaluationFunction]:
    """Torch evaluation functions that run a model, with the same-file helpers they hand it to."""
    return context.once("torch.evaluation_functions", lambda: list(_find_evaluation(context)))


def _find_evaluation(context: FileContext) -> Iterator[EvaluationFunction]:
    if context.is_test or not context.imports("torch"):
        return
    local = _local_functions(context)
    library_encoders = context.imports("sentence_transformers")
    runs: dict[str, bool] = {}
    for function in local.values():
        if function.name.endswith("_step") or function.name.startswith(("on_", "test_")):
            continue
        if not tokens(function.name) & EVAL_FUNCTION_WORDS:
            continue
        helpers = _model_helpers(function, local, runs)
        if _runs_model_directly(function, library_encoders) or helpers:
            yield function, helpers


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


def _name_of(node: ast.AST) -> str:
    return call_name(node) if isinstance(node, ast.Call) else dotted(node)


def _no_grad_in(scope: ast.AST) -> bool:
    if isinstance(scope, ast.FunctionDef | ast.AsyncFunctionDef) and _decorated_no_grad(scope):
        return True
    for node in ast.walk(scope):
        if isinstance(node, ast.With | ast.AsyncWith) and _is_no_grad_block(node):
            return True
    return False


def _is_no_grad_block(node: ast.With | ast.AsyncWith) -> bool:
    return any(last_part(_name_of(item.context_expr)) in NO_GRAD for item in node.items)


def _decorated_no_grad(function: FunctionNode) -> bool:
    return any(last_part(_name_of(decorator)) in NO_GRAD for decorator in function.decorator_list)


def _inside_no_grad(context: FileContext, node: ast.AST) -> bool:
    for parent in context.ancestors(node):
        if isinstance(parent, ast.With | ast.AsyncWith) and _is_no_grad_block(parent):
            return True
        if isinstance(parent, ast.FunctionDef | ast.AsyncFunctionDef):
            return _decorated_no_grad(parent)
    return False


def _callers(context: FileContext, function: FunctionNode) -> list[ast.AST]:
    """The scopes (functions or the module) that call `function` by name."""
    scopes: list[ast.AST] = []
    for node in _calls_named(context).get(function.name, []):
        if isinstance(node, ast.Call) and last_part(call_name(node)) == function.name:
            around = context.functions_around(node)
            scope: ast.AST | None = around[0] if around else context.tree
            if scope is not None and scope is not function:
                scopes.append(scope)
    return scopes


def _scope_fact(context: FileContext, fact: str, scope: ast.AST) -> bool:
    """`_has_eval_call` ("eval") or `_no_grad_in` ("no_grad") of a calling scope, read once per scope
    (the module is the scope of every top-level call)."""
    check = _has_eval_call if fact == "eval" else _no_grad_in
    return context.once(f"torch.{fact}.{id(scope)}", lambda: check(scope))


def _calls_named(context: FileContext) -> dict[str, list[ast.Call]]:
    """Last part of the called name -> the file's calls to it, in walk order."""

    def index() -> dict[str, list[ast.Call]]:
        found: dict[str, list[ast.Call]] = {}
        for node in context.nodes(ast.Call):
            found.setdefault(last_part(call_name(node)), []).append(node)  # type: ignore[arg-type]
        return found

    return context.once("calls_named", index)


def check_eval_mode(context: FileContext, facts: PhaseFacts) -> Iterator[Finding]:
    """A torch evaluation function that never puts the model in `eval()` mode (nor its callers/helpers)."""
    for function, helpers in _evaluation_functions(context):
        if _has_eval_call(function) or any(_has_eval_call(helper) for _call, helper in helpers):
            continue
        callers = _callers(context, function)
        if callers and all(_scope_fact(context, "eval", scope) for scope in callers):
            continue
        start, end = span_of(function)
        message = f"`{function.name}()` runs the model without `model.eval()` (dropout/batch-norm stay in training mode)"
        yield Finding("eval-mode-missing", start, message, end_line=end)


def check_no_grad(context: FileContext, facts: PhaseFacts) -> Iterator[Finding]:
    """A torch evaluation function that runs the model with gradients on."""
    for function, helpers in _evaluation_functions(context):
        if _no_grad_in(function) and _runs_model_directly(function):
            continue
        if (
            helpers
            and all(
                _no_grad_in(helper) or _inside_no_grad(context, call) for call, helper in helpers
            )
            and (not _runs_model_directly(function) or _no_grad_in(function))
        ):
            continue
        callers = _callers(context, function)
        if callers and all(_scope_fact(context, "no_grad", scope) for scope in callers):
            continue
        start, end = span_of(function)
        message = f"`{function.name}()` runs the model without `torch.no_grad()`/`inference_mode()`"
        yield Finding("no-grad-missing", start, message, end_line=end)


# --------------------------------------------------------------------------- seeds

UNSEEDED_GENERATORS = frozenset({"default_rng", "Random", "RandomState", "Generator"})


def check_unseeded_random(context: FileContext, facts: PhaseFacts) -> Iterator[Finding]:
    """Randomness from a library no changed file seeds, when the spec asks for seeds."""
    if context.is_test or not facts.spec_asks_seed or context.tree is None:
        return
    seen: set[tuple[int, str]] = set()
    for node in context.nodes(ast.Call):
        if not isinstance(node, ast.Call):
            continue
        if _unseeded_generator(context, node):
            message = (
                f"`{call_name(node)}()` creates a generator without a seed; the spec asks for seeds"
            )
            yield Finding("unseeded-random", node.lineno, message)
            continue
        library = random_library(node)
        if library is None or library in facts.seeded or "all" in facts.seeded:
            continue
        scope = (id(next(iter(context.functions_around(node)), context.tree)), library)
        if scope not in seen:
            seen.add(scope)
            message = f"`{call_name(node)}()` is random but no changed file seeds {library}{_helpers_note(facts)}; the spec asks for seeds"
            yield Finding("unseeded-random", node.lineno, message)


def _helpers_note(facts: PhaseFacts) -> str:
    """` (set_seed() seeds only numpy, torch)`: why the phase's own seeding helper is not enough."""
    name, seeds = next(iter(sorted(facts.seed_helpers.items())), ("", set()))
    if not name:
        return ""
    return f" (`{name}()` seeds only {', '.join(sorted(seeds)) or 'nothing'})"


def _unseeded_generator(context: FileContext, node: ast.Call) -> bool:
    if last_part(call_name(node)) not in UNSEEDED_GENERATORS or node.args or node.keywords:
        return False
    return not _seeded_later(context, node)


def _seeded_later(context: FileContext, node: ast.Call) -> bool:
    """`generator = torch.Generator(); generator.manual_seed(seed)`: seeded after creation."""
    parent = context.parents.get(node)
    if not (isinstance(parent, ast.Assign) and len(parent.targets) == 1):
        return False
    name = dotted(parent.targets[0])
    scope = context.parents.get(parent)
    if scope is None:
        return False
    calls = _calls_named(context)
    for sub in [*calls.get("manual_seed", []), *calls.get("seed", [])]:
        func = sub.func
        if not (isinstance(func, ast.Attribute) and func.attr in {"manual_seed", "seed"}):
            continue
        if dotted(func.value) == name and scope in context.ancestors(sub):
            return True
    return False
