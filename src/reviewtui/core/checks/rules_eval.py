"""Provides the evaluation rules: `eval-subset` and `preprocessing-leakage`.

Evaluation code paths are found by name (a function called `evaluate`, a variable called `test_df`);
training code (augmentation, shuffling) is left alone, and so are previews inside log messages and
limits equal to a sample count the spec states.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import PurePosixPath

from reviewtui.core.checks.code_values import split_pieces
from reviewtui.core.checks.context import FileContext, Finding, shown_to_a_human
from reviewtui.core.checks.facts import PhaseFacts
from reviewtui.core.checks.names import (
    COLLECTION_WORDS,
    LOG_CALLS,
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


COUNT_QUALIFIERS = frozenset({"max", "num", "n", "limit", "first"})
EVAL_SET_WORDS = EVAL_DATA_WORDS | frozenset(
    {
        "dev",
        "evaluation",
        "evals",
        "tests",
        "queries",
        "questions",
        "examples",
        "samples",
        "items",
        "problems",
        "instances",
        "records",
        "rows",
        "pairs",
        "sentences",
        "images",
        "tasks",
        "batches",
    }
)
"""Words naming the set an evaluation runs over (`max_queries`, `N_EVAL`, `num_test_examples`)."""


def _eval_limit_name(name: str) -> bool:
    """A count of evaluation items: `max_eval_samples`, or a name made only of a count word and
    set words (`max_queries`, `N_EVAL`, `num_test_questions`); `num_eval_beams`, `max_eval_len`
    and `test_size` are not."""
    if _is_limit_name(name):
        return True
    words = tokens(name.rsplit(".", 1)[-1])
    return (
        bool(words & COUNT_QUALIFIERS)
        and bool(words & EVAL_SET_WORDS)
        and words <= COUNT_QUALIFIERS | EVAL_SET_WORDS
    )


_UNRESOLVED = object()


def _bound_value(context: FileContext, node: ast.AST, bound: ast.AST) -> object:
    """The int a limit name stands for: the default of a parameter of the function around
    `node`, a module constant, or an argparse option's or a config field's default (`args.x`);
    None when that default is None (an opt-in limit); `_UNRESOLVED` when unknown."""
    name = bound.id if isinstance(bound, ast.Name) else None
    if name is not None:
        for function in context.functions_around(node):
            found = _parameter_default(function, name)
            if found is not _UNRESOLVED:
                return found
    key = name if name is not None else (bound.attr if isinstance(bound, ast.Attribute) else None)
    if key is None:
        return _UNRESOLVED
    defaults = context.once("eval-subset:defaults", lambda: _file_defaults(context))
    return defaults.get(key, _UNRESOLVED)


def _parameter_default(function: ast.FunctionDef | ast.AsyncFunctionDef, name: str) -> object:
    arguments = function.args
    positional = [*arguments.posonlyargs, *arguments.args]
    defaults: list[ast.expr | None] = [None] * (len(positional) - len(arguments.defaults))
    pairs = list(zip(positional, [*defaults, *arguments.defaults], strict=True))
    pairs += list(zip(arguments.kwonlyargs, arguments.kw_defaults, strict=True))
    for argument, default in pairs:
        if argument.arg == name:
            return _literal_count(default) if default is not None else _UNRESOLVED
    return _UNRESOLVED


def _literal_count(node: ast.AST | None) -> object:
    if isinstance(node, ast.Constant) and node.value is None:
        return None
    count = _int_constant(node)
    return count if count is not None else _UNRESOLVED


def _file_defaults(context: FileContext) -> dict[str, object]:
    """Name -> default of every module constant, class field and argparse option of the file."""
    found: dict[str, object] = {}
    tree = context.tree
    for statement in tree.body if tree is not None else []:
        if isinstance(statement, ast.ClassDef):
            for field_node in statement.body:
                _add_assigned(found, field_node)
        _add_assigned(found, statement)
    for node in context.nodes(ast.Call):
        if isinstance(node, ast.Call) and last_part(call_name(node)) == "add_argument":
            _add_option(found, node)
    return found


def _add_assigned(found: dict[str, object], statement: ast.stmt) -> None:
    if isinstance(statement, ast.Assign) and len(statement.targets) == 1:
        target: ast.AST = statement.targets[0]
    elif isinstance(statement, ast.AnnAssign) and statement.value is not None:
        target = statement.target
    else:
        return
    value = _literal_count(field_default(statement.value))
    if isinstance(target, ast.Name) and value is not _UNRESOLVED:
        found.setdefault(target.id, value)


def _add_option(found: dict[str, object], node: ast.Call) -> None:
    options = [
        a.value for a in node.args if isinstance(a, ast.Constant) and isinstance(a.value, str)
    ]
    keywords = {keyword.arg: keyword.value for keyword in node.keywords}
    dest = keywords.get("dest")
    names = [dest.value] if isinstance(dest, ast.Constant) and isinstance(dest.value, str) else []
    names += [option.lstrip("-").replace("-", "_") for option in options if option.startswith("--")]
    default = keywords.get("default")
    value = _literal_count(default) if default is not None else None
    for name in names[:1]:
        if value is not _UNRESOLVED:
            found.setdefault(name, value)


def _eval_receiver(node: ast.AST) -> bool:
    """`test_ds`, `ds["test"]`, `load_dataset(..., split="validation")`: evaluation data by name."""
    if tokens(dotted(node)) & EVAL_SPLIT_WORDS:  # `dev_set`: the dev split, not a debug switch
        return True
    for sub in ast.walk(node):
        key: ast.AST | None = None
        if isinstance(sub, ast.Subscript):
            key = sub.slice
        elif isinstance(sub, ast.keyword) and sub.arg == "split":
            key = sub.value
        text = key.value if isinstance(key, ast.Constant) else None
        if isinstance(text, str) and tokens(text) & EVAL_SPLIT_WORDS:
            return True
    return False


EVAL_SPLIT_WORDS = EVAL_DATA_WORDS | frozenset({"dev", "evaluation"})
_SLICED_SPLIT = re.compile(r"^\s*([A-Za-z_.-]+)\s*\[\s*0*:\s*(\d+)(%?)\s*\]\s*$")


def _split_string_subset(node: ast.Call) -> tuple[int | None, str] | None:
    """`load_dataset(..., split="test[:500]")` (or `"validation[:10%]"`): a sliced evaluation split."""
    for keyword in node.keywords:
        value = keyword.value
        if keyword.arg != "split" or not isinstance(value, ast.Constant):
            continue
        match = _SLICED_SPLIT.match(value.value) if isinstance(value.value, str) else None
        if match and tokens(match.group(1)) & EVAL_SPLIT_WORDS:
            count = None if match.group(3) else int(match.group(2))
            return count, f"`split={value.value!r}`"
    return None


# --------------------------------------------------------------------------- config files

CONFIG_LANGUAGES = frozenset({"yaml", "json", "toml"})
_CONFIG_KEY = re.compile(
    r"""^(?P<indent>\s*)(?:-\s+)?["']?(?P<key>[A-Za-z_][\w.-]*)["']?\s*[:=]\s*(?P<value>[^#]*?)\s*,?\s*(?:#.*)?$"""
)
_TOML_TABLE = re.compile(r"^\s*\[\[?\s*([^\]]+?)\s*\]\]?\s*$")
TRAIN_KEY_WORDS = frozenset({"train", "training", "finetune", "pretrain", "fit"})
SPLIT_KEY_WORDS = frozenset({"split", "splits", "size", "sizes", "ratio", "fraction"})
"""Keys sizing a split (`splits: {num_val_samples: 5000}`): how the data is cut, not a subset."""
CUT_QUALIFIERS = frozenset({"max", "limit", "first"})
"""`max_queries: 500` limits a set; `num_queries: 500` may only count it."""


def _config_limits(context: FileContext) -> Iterator[tuple[int, int, str]]:
    """(line, count, what) of every `max_samples: 500`-style key of a YAML, JSON or TOML file
    whose key, enclosing keys or file name speak of evaluation (and not of training)."""
    file_words = tokens(PurePosixPath(context.path).stem)
    parents: list[tuple[int, str]] = []
    table = ""
    for number, line in enumerate(context.lines, start=1):
        table_match = _TOML_TABLE.match(line) if context.language == "toml" else None
        if table_match:
            table, parents = table_match.group(1), []
            continue
        match = _CONFIG_KEY.match(line)
        if match is None:
            continue
        indent, key, value = len(match.group("indent")), match.group("key"), match.group("value")
        parents = [(depth, name) for depth, name in parents if depth < indent]
        if value in {"", "{", "["}:
            parents.append((indent, key))
            continue
        found = _config_limit(key, value, [table, *(name for _, name in parents)], file_words)
        if found is not None:
            yield number, found, f"`{key}: {value.strip(chr(34) + chr(39))}`"


def _config_limit(
    key: str, value: str, around: list[str], file_words: frozenset[str]
) -> int | None:
    """The count a config key limits evaluation to, or None."""
    count = int(value.replace("_", "")) if value.replace("_", "").isdigit() else 0
    limit = _is_limit_name(key) or (_eval_limit_name(key) and tokens(key) & CUT_QUALIFIERS)
    if count <= 0 or not limit:
        return None
    words = tokens(key) | {word for name in around for word in tokens(name)}
    if words & (TRAIN_KEY_WORDS | SPLIT_KEY_WORDS):
        return None
    return count if (words | file_words) & EVAL_SPLIT_WORDS else None


def check_eval_subset(context: FileContext, facts: PhaseFacts) -> Iterator[Finding]:
    """Evaluation on a subset: `[:N]`, `.head(N)`, `.sample(n=...)`, `max_samples=...`, early
    `break`, `split="test[:500]"`, and `max_samples: 500` under an evaluation key of a config file."""
    if context.is_test:
        return
    if context.language in CONFIG_LANGUAGES:
        for line, limit, what in _config_limits(context):
            if float(limit) not in facts.spec_counts:
                yield Finding("eval-subset", line, f"evaluates on a subset: {what}")
        return
    for node in context.nodes(ast.Subscript, ast.Call, ast.Assign, ast.AnnAssign, ast.If):
        found = _subset(context, node)
        if found is None:
            continue
        count, what = found
        if count is not None and float(count) in facts.spec_counts:
            continue
        if (count is None and _opt_in(context, node)) or context.is_dev_guarded(node):
            continue
        if not (shown_to_a_human(context, node) or _preview_loop(context, node)):
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
        return (
            _call_subset(context, node)
            or _keyword_subset(context, node)
            or _split_string_subset(node)
        )
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
    bound = _slice_bound(context, node, part.upper) if part.upper is not None else None
    if bound is None:
        return None
    count, default = bound
    if _split_in_two(context, node):
        return None
    words = tokens(_receiver_name(node.value))
    collection = bool(words & COLLECTION_WORDS) and not words & NOT_COLLECTION_WORDS
    eval_here = context.in_eval_path(node) or _evaluated(context, node)
    if collection and (eval_here or words & EVAL_SPLIT_WORDS):
        return count, f"`{ast.unparse(node)}`{default}"
    if context.in_eval_path(node) and _evaluation_set(context, node, words, count):
        return count, f"`{ast.unparse(node)}`{default}"
    return None


def _preview_loop(context: FileContext, node: ast.AST) -> bool:
    """`for q in test_queries[:3]: print(q, model(q))`, `for row in dev.take(3): print(row)`: a
    few items shown, not evaluated; also through a name only such loops read (`worst =
    sorted(scores.items(), ...)[:20]` then `for qid, score in worst: print(qid, score)`)."""
    wrapped, parent = _unwrapped_parent(context, node)
    if isinstance(parent, ast.Assign) and parent.value is wrapped and len(parent.targets) == 1:
        return _only_previewed(context, parent)
    return _looped_to_show(context, node)


def _looped_to_show(context: FileContext, node: ast.AST) -> bool:
    """Whether the node is the iterable of a loop whose body only prints or logs."""
    wrapped, parent = _unwrapped_parent(context, node)
    if not (isinstance(parent, ast.For | ast.AsyncFor) and parent.iter is wrapped):
        return False
    return _only_shows(parent)


def _only_previewed(context: FileContext, assignment: ast.Assign) -> bool:
    """Whether every later read of the name the assignment binds is a preview loop's iterable."""
    target = assignment.targets[0]
    scope = context.enclosing_function(assignment)
    if not isinstance(target, ast.Name) or scope is None:
        return False
    reads = [
        sub
        for sub in ast.walk(scope)
        if isinstance(sub, ast.Name) and sub.id == target.id and isinstance(sub.ctx, ast.Load)
    ]
    return bool(reads) and all(_looped_to_show(context, read) for read in reads)


def _only_shows(loop: ast.For | ast.AsyncFor) -> bool:
    """Whether the loop's body only prints or logs."""
    return all(
        isinstance(statement, ast.Expr)
        and isinstance(statement.value, ast.Call)
        and bool(tokens(last_part(call_name(statement.value))) & LOG_CALLS)
        for statement in loop.body
    )


EVALUATE_CALLS = frozenset({"evaluate", "eval", "evaluation", "benchmark"})


def _evaluated(context: FileContext, node: ast.AST) -> bool:
    """`evaluate(model, queries[:500])`: the slice is handed straight to an evaluation call."""
    parent = context.parents.get(node)
    if isinstance(parent, ast.keyword):
        parent = context.parents.get(parent)
    return isinstance(parent, ast.Call) and bool(tokens(call_name(parent)) & EVALUATE_CALLS)


def _split_in_two(context: FileContext, node: ast.Subscript) -> bool:
    """`data[:n_val]` next to `data[n_val:]` in the same function: a split, not a subset."""
    upper = node.slice.upper  # type: ignore[attr-defined]
    receiver, bound = ast.unparse(node.value), ast.unparse(upper)
    scope = context.enclosing_function(node) or context.tree
    for sub in ast.walk(scope) if scope is not None else []:
        part = sub.slice if isinstance(sub, ast.Subscript) else None
        if (
            isinstance(part, ast.Slice)
            and part.upper is None
            and part.lower is not None
            and ast.unparse(part.lower) == bound
            and ast.unparse(sub.value) == receiver  # type: ignore[attr-defined]
        ):
            return True
    return False


def _slice_bound(
    context: FileContext, node: ast.AST, upper: ast.AST
) -> tuple[int | None, str] | None:
    """(count or None, a note on where the count comes from) of a slice's upper bound that
    limits a set: a number, or a limit name (`max_queries`, `args.n_eval`) with its default when
    the file states it. None for anything else, and for a limit that defaults to None (opt-in)."""
    count = _int_constant(upper)
    if count is not None:
        return count, ""
    name = dotted(upper) if isinstance(upper, ast.Name | ast.Attribute) else ""
    if not name or not _eval_limit_name(name):
        return None
    value = _bound_value(context, node, upper)
    if value is None:
        return None
    if isinstance(value, int):
        return value, f" (`{name}` = {value} by default)"
    return None, ""


ONE_THING_WORDS = NOT_COLLECTION_WORDS - {"ids", "id"} | frozenset(
    {
        "input",
        "attention",
        "chars",
        "char",
        "words",
        "word",
        "line",
        "lines",
        "prefix",
        "version",
        "passage",
        "document",
        "doc",
        "sentence",
        "query",
        "question",
        "answer",
        "context",
        "prompt",
        "response",
        "message",
        "content",
        "title",
        "body",
    }
)
"""Words naming one thing or its parts (`input_ids`, `passage`, `words`): `[:N]` truncates it."""
TOKEN_ID_WORDS = frozenset({"input", "attention", "token", "tokens", "position", "type", "label"})
"""Words of id lists that belong to one input (`input_ids`, `token_type_ids`), not to a set."""
RANKING_WORDS = frozenset(
    {
        "rank",
        "ranks",
        "ranking",
        "rankings",
        "ranked",
        "top",
        "topk",
        "candidates",
        "candidate",
        "hits",
        "results",
        "run",
        "retrieved",
        "preds",
        "predictions",
        "scores",
        "scored",
        "neighbors",
        "nearest",
        "logits",
        "probs",
        "order",
        "sorted",
        "best",
    }
)
"""Words naming a ranking: `[:10]` of it is a metric's cut-off (MRR@10), not a subset."""
SMALLEST_SET = 50
"""Below this, `[:N]` of an unnamed list in an evaluation function reads as a cut-off, not a subset."""


def _evaluation_set(
    context: FileContext, node: ast.Subscript, words: frozenset[str], count: int | None
) -> bool:
    """Whether `xs[:N]` in an evaluation function cuts the set it evaluates, whatever its name
    (`qids = qids[:500]` then `for qid in qids:`): the slice (or the name it is bound to) is what the
    function loops over, outside any other loop, and the list is not one thing's parts or a ranking."""
    one_thing = ONE_THING_WORDS if "ids" not in words else TOKEN_ID_WORDS  # `query_ids`: a set
    if words & (one_thing | RANKING_WORDS) or (count is not None and count < SMALLEST_SET):
        return False
    if split_pieces(node.value):  # `text.split()[:300]`: the first words of one text
        return False
    return not _inside_a_loop(context, node) and _iterated(context, node)


_LOOP_WRAPPERS = frozenset(
    {"enumerate", "tqdm", "list", "sorted", "tuple", "iter", "zip", "trange"}
)


def _unwrapped_parent(context: FileContext, node: ast.AST) -> tuple[ast.AST, ast.AST | None]:
    """(the node or the `enumerate(...)`/`tqdm(...)` call wrapping it, what holds that)."""
    parent = context.parents.get(node)
    while isinstance(parent, ast.Call) and last_part(call_name(parent)) in _LOOP_WRAPPERS:
        node, parent = parent, context.parents.get(parent)
    return node, parent


def _is_iteration(node: ast.AST, parent: ast.AST | None) -> bool:
    return isinstance(parent, ast.For | ast.AsyncFor | ast.comprehension) and parent.iter is node


def _iterated(context: FileContext, node: ast.Subscript) -> bool:
    """Whether the slice is looped over, directly or through the name it is assigned to."""
    wrapped, parent = _unwrapped_parent(context, node)
    if _is_iteration(wrapped, parent):
        return True
    if not (
        isinstance(parent, ast.Assign) and parent.value is wrapped and len(parent.targets) == 1
    ):
        return False
    target = parent.targets[0]
    if not isinstance(target, ast.Name):
        return False
    scope = context.enclosing_function(node)
    for sub in ast.walk(scope) if scope is not None else []:
        if isinstance(sub, ast.Name) and sub.id == target.id and isinstance(sub.ctx, ast.Load):
            inner, holder = _unwrapped_parent(context, sub)
            if _is_iteration(inner, holder) and sub.lineno > parent.lineno:
                return True
    return False


def _inside_a_loop(context: FileContext, node: ast.AST) -> bool:
    """Whether the node runs once per item of another loop of its function (a per-query cut-off)."""
    child = node
    for parent in context.ancestors(node):
        if isinstance(parent, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
            return False
        if isinstance(parent, ast.For | ast.AsyncFor) and child is not parent.iter:
            return True
        if isinstance(parent, ast.While):
            return True
        if isinstance(parent, ast.ListComp | ast.SetComp | ast.GeneratorExp | ast.DictComp):
            iterated = any(child is generator for generator in parent.generators[:1])
            if not iterated:
                return True
        child = parent
    return False


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
    elif receiver is not None and tokens(dotted(receiver)) & RANDOM_RECEIVERS:
        return _random_subset(context, node, method)
    elif method in SUBSET_METHODS and receiver is not None:
        count_node = _subset_count_node(method, node)
    else:
        return None
    if count_node is None or not (context.in_eval_path(node) or _eval_receiver(receiver)):
        return None
    return _count_of(count_node), f"`{ast.unparse(node)}`"


RANDOM_PICKS = frozenset({"sample", "choice", "choices"})
RANDOM_RECEIVERS = frozenset({"random", "rng", "np", "numpy", "torch"})


def _random_subset(
    context: FileContext, node: ast.Call, method: str
) -> tuple[int | None, str] | None:
    """`random.sample(test_queries, 500)`, `rng.choice(len(dev_set), 500)`: evaluation data drawn
    down to a random subset (50 items or more: fewer are examples to look at)."""
    if method not in RANDOM_PICKS or not node.args:
        return None
    keywords = {keyword.arg: keyword.value for keyword in node.keywords}
    count_node = node.args[1] if len(node.args) > 1 else keywords.get("k") or keywords.get("size")
    if count_node is None:
        return None
    bound = _slice_bound(context, node, count_node)
    if bound is None or (bound[0] is not None and bound[0] < SMALLEST_SET):
        return None
    words = tokens(_receiver_name(_sized(node.args[0])))
    collection = bool(words & COLLECTION_WORDS) and not words & NOT_COLLECTION_WORDS
    if words & EVAL_SPLIT_WORDS or (collection and context.in_eval_path(node)):
        return bound[0], f"`{ast.unparse(node)}`{bound[1]}"
    return None


def _sized(node: ast.AST) -> ast.AST:
    """`len(test_set)` and `range(len(test_set))` -> `test_set`."""
    while isinstance(node, ast.Call) and call_name(node) in {"len", "range"} and node.args:
        node = node.args[-1]
    return node


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
        if not (is_range and arg.args) or _whole_size(arg.args[-1], node):  # type: ignore[union-attr]
            return None
        return arg.args[-1]  # type: ignore[union-attr]
    if method == "shard":
        return keywords.get("num_shards") or (node.args[0] if node.args else None)
    return node.args[0] if node.args else (ast.Constant(5) if method == "head" else None)


SIZE_ATTRIBUTES = frozenset({"num_rows", "size", "n_rows"})


def _whole_size(bound: ast.AST, call: ast.Call) -> bool:
    """`test.select(range(len(test)))`, `range(test.num_rows)`: the bound is the size of the set
    the call selects from, so the whole set is selected."""
    receiver = call.func.value if isinstance(call.func, ast.Attribute) else None
    if receiver is None:
        return False
    if isinstance(bound, ast.Call) and call_name(bound) == "len" and len(bound.args) == 1:
        return ast.unparse(bound.args[0]) == ast.unparse(receiver)
    if isinstance(bound, ast.Attribute) and bound.attr in SIZE_ATTRIBUTES:
        return ast.unparse(bound.value) == ast.unparse(receiver)
    return False


def _count_of(node: ast.AST) -> int | None:
    if isinstance(node, ast.Call) and call_name(node) == "range" and node.args:
        return _int_constant(node.args[-1])
    return _int_constant(node)


def _keyword_subset(context: FileContext, node: ast.Call) -> tuple[int | None, str] | None:
    argparse_limit = _argparse_limit(context, node)
    if argparse_limit is not None:
        return argparse_limit
    for keyword in node.keywords:
        count = _int_constant(keyword.value)
        if keyword.arg and count is not None and count > 0 and _is_limit_name(keyword.arg):
            if not (tokens(call_name(node)) & EVAL_CALL_WORDS or context.in_eval_path(node)):
                return None
            return count, f"`{keyword.arg}={count}`"
    return None


def _argparse_limit(context: FileContext, node: ast.Call) -> tuple[int | None, str] | None:
    """`--max_eval_samples` (or `--max_queries` in an evaluation script) defaulting to a number."""
    if last_part(call_name(node)) != "add_argument":
        return None
    options = [
        arg.value
        for arg in node.args
        if isinstance(arg, ast.Constant) and isinstance(arg.value, str)
    ]
    defaults = [kw.value for kw in node.keywords if kw.arg == "default"]
    count = _int_constant(defaults[0]) if defaults else None
    eval_file = _eval_file(context) or context.in_eval_path(node)
    for option in options:
        if not (count and _eval_limit_name(option)):
            continue
        if tokens(option) & EVAL_DATA_WORDS or eval_file:
            return count, f"`{option}` defaults to {count}"
    return None


def _eval_file(context: FileContext) -> bool:
    """Whether the file is an evaluation script by its name (`evaluate.py`, `eval_msmarco.py`)."""
    stem = PurePosixPath(context.path).stem
    return bool(tokens(stem) & (EVAL_DATA_WORDS | {"evaluate", "evaluation"}))


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
    bound = _slice_bound(context, node, test.comparators[0])
    if bound is None or not any(isinstance(sub, ast.Break) for sub in node.body):
        return None
    count, default = bound
    if not context.in_eval_path(node):
        return None
    return count, f"stops the evaluation loop early (`{ast.unparse(test)}`){default}"


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
