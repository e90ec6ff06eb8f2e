"""Provides the vocabulary the check rules share: identifier tokens, dotted names and word sets.

Rules reason about names (`eval_dataset`, `args.dev`, `np.random.randn`), so they need one way to split
an identifier into lower-case words and one list of the words that mean "evaluation", "data",
"development flag" and so on.
"""

from __future__ import annotations

import ast
import re
from functools import lru_cache

_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
_SPLIT = re.compile(r"[^A-Za-z0-9]+")

DEV_WORDS = frozenset(
    {
        "dev",
        "debug",
        "debugging",
        "smoke",
        "dry",
        "dryrun",
        "quick",
        "toy",
        "synthetic",
        "dummy",
        "fake",
        "mock",
        "sanity",
        "demo",
        "tiny",
    }
)
"""Words that mark an explicit development/debug switch (`--dev`, `args.debug`, `if smoke_test:`)."""

SYNTHETIC_WORDS = frozenset({"synthetic", "dummy", "fake", "mock", "toy"})
"""Words that mark generated stand-in data."""

DATA_WORDS = frozenset(
    {
        "data",
        "dataset",
        "datasets",
        "features",
        "labels",
        "inputs",
        "targets",
        "texts",
        "samples",
        "examples",
        "corpus",
        "df",
        "images",
        "queries",
        "documents",
        "sentences",
        "records",
        "x",
        "y",
        "batch",
        "batches",
        "rows",
        "instances",
        "pairs",
        "questions",
        "answers",
    }
)
"""Words that name a body of data."""

LOADER_WORDS = frozenset(
    {"load", "read", "fetch", "download", "dataset", "data", "corpus", "loader"}
)
"""Words in a function name that make it a data-loading function."""

EVAL_WORDS = frozenset(
    {
        "eval",
        "evaluate",
        "evaluation",
        "evaluator",
        "validate",
        "validation",
        "valid",
        "val",
        "test",
        "testing",
        "benchmark",
        "holdout",
        "score",
        "scoring",
        "inference",
        "predict",
        "prediction",
    }
)
"""Words in a function or variable name that put it on an evaluation path."""

TRAIN_WORDS = frozenset({"train", "training", "fit", "augment", "augmentation", "finetune"})

COLLECTION_WORDS = DATA_WORDS | frozenset(
    {
        "eval",
        "val",
        "valid",
        "validation",
        "test",
        "holdout",
        "benchmark",
        "set",
        "split",
        "items",
        "problems",
        "loader",
        "dl",
        "ds",
    }
)
"""Words naming a collection whose slice `[:N]` would be a subset of the data."""

EVAL_DATA_WORDS = frozenset({"eval", "val", "valid", "validation", "test", "holdout", "benchmark"})
"""Words in a data variable's name that make it evaluation data (`test_df`, `eval_set`)."""

NOT_COLLECTION_WORDS = frozenset(
    {"ids", "id", "tokens", "token", "text", "string", "str", "name", "path"}
)
"""Words naming one thing, not a body of data: `[:N]` of them is a truncation, not a subset."""

LOG_CALLS = frozenset(
    {
        "print",
        "log",
        "logger",
        "logging",
        "info",
        "debug",
        "warning",
        "warn",
        "error",
        "exception",
        "write",
        "echo",
        "pprint",
        "display",
        "tqdm",
        "set_description",
        "set_postfix",
    }
)
"""Call names whose arguments are only shown to a human (a `[:5]` there is a preview)."""


@lru_cache(maxsize=1 << 16)
def tokens(name: str) -> frozenset[str]:
    """Lower-case words of an identifier or dotted name: `evalDataset.head` -> {eval, dataset, head}.

    Memoized: rules ask for the words of the same few thousand names again and again."""
    spaced = _CAMEL.sub(" ", name)
    return frozenset(part.lower() for part in _SPLIT.split(spaced) if part)


def dotted(node: ast.AST | None) -> str:
    """`np.random.randn` for a Name/Attribute chain; calls and subscripts are looked through."""
    parts: list[str] = []
    while node is not None:
        if isinstance(node, ast.Name):
            parts.append(node.id)
            break
        if isinstance(node, ast.Attribute):
            parts.append(node.attr)
            node = node.value
        elif isinstance(node, ast.Call):
            node = node.func
        elif isinstance(node, ast.Subscript):
            node = node.value
        else:
            break
    return ".".join(reversed(parts))


_CALL_NAME = "_reviewtui_call_name"


def call_name(node: ast.Call) -> str:
    """The dotted name of the function a call invokes (`torch.randn`, `self.model`).

    Kept on the node once computed: every rule asks it of every call of the file."""
    cached = node.__dict__.get(_CALL_NAME)
    if cached is None:
        cached = node.__dict__[_CALL_NAME] = dotted(node.func)
    return cached


def last_part(name: str) -> str:
    return name.rsplit(".", 1)[-1]


def target_names(target: ast.AST) -> list[str]:
    """The dotted names an assignment target binds (tuples unpacked; `d["k"]` gives `k`)."""
    if isinstance(target, ast.Tuple | ast.List):
        return [name for element in target.elts for name in target_names(element)]
    if isinstance(target, ast.Subscript) and isinstance(target.slice, ast.Constant):
        key = target.slice.value
        return [key] if isinstance(key, str) else []
    name = dotted(target)
    return [name] if name else []


def field_default(node: ast.AST | None) -> ast.AST | None:
    """`field(default=128, ...)` / `Field(128)` -> the `128` node; any other node as it is."""
    if not isinstance(node, ast.Call) or last_part(call_name(node)) not in {"field", "Field"}:
        return node
    for keyword in node.keywords:
        if keyword.arg == "default":
            return keyword.value
    return node.args[0] if node.args and last_part(call_name(node)) == "Field" else None
