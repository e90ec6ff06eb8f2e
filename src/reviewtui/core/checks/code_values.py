"""Provides `extract_code_settings(context)`: where a changed file sets a known hyper-parameter.

Python: assignments, dataclass fields, keyword arguments, argparse defaults, function defaults, dict
literals, `from_pretrained("name")`, optimizer and scheduler constructors. YAML, JSON and TOML configs
and shell scripts (`--lr 2e-5`) are read line by line so every setting keeps its line number. Only
literal values count (`lr=args.lr` sets nothing); tests and dev/debug branches are skipped.
"""

from __future__ import annotations

import ast
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import PurePosixPath

from reviewtui.core.checks.context import FileContext, shown_to_a_human
from reviewtui.core.checks.names import (
    COLLECTION_WORDS,
    DEV_WORDS,
    EVAL_DATA_WORDS,
    EVAL_WORDS,
    NOT_COLLECTION_WORDS,
    call_name,
    dotted,
    field_default,
    last_part,
    tokens,
)
from reviewtui.core.checks.params import (
    BY_NAME,
    CODE_NAMES,
    MODEL_SUFFIXES,
    Parameter,
    code_key,
    parameter_for_code,
    plausible,
)
from reviewtui.core.checks.values import (
    SPLIT_NAMES,
    Value,
    canonical_choice,
    looks_like_model,
    parse_number,
)

SettingKind = str
"""How the code sets it: assignment, field, keyword, argparse, default, dict, call, constant (a module
constant a call reads), slice (`test_set[:500]` on an evaluation path), yaml, json, toml, cli."""


@dataclass
class CodeSetting:
    """A place where the code sets a parameter to a literal value."""

    parameter: str
    value: Value
    text: str
    """The value as the code writes it (`1e-4`, `"left"`); empty when `key` says it (`AdamW()`)."""
    key: str
    """The identifier as the code writes it (`lr`, `--learning-rate`, `optimizer.lr`, `AdamW()`)."""
    path: str
    line: int
    kind: SettingKind
    agrees: bool | None = None
    """Whether it matches a value the spec states (None until compared)."""

    @property
    def location(self) -> str:
        return f"{self.path}:{self.line}"

    @property
    def code(self) -> str:
        """`lr = 1e-4`, `from_pretrained() = "roberta-base"`, `AdamW()`: the setting as code."""
        return f"{self.key} = {self.text}" if self.text else self.key


_OPTIMIZERS = {
    "AdamW": "adamw",
    "Adam": "adam",
    "SGD": "sgd",
    "Adafactor": "adafactor",
    "RMSprop": "rmsprop",
    "Lion": "lion",
    "Adagrad": "adagrad",
}
_SCHEDULERS = {
    "CosineAnnealingLR": "cosine",
    "CosineAnnealingWarmRestarts": "cosine_with_restarts",
    "LinearLR": "linear",
    "ExponentialLR": "exponential",
    "ConstantLR": "constant",
}
_BAD_MODEL_VALUE = re.compile(r"(^[./~]|\.(pt|pth|bin|ckpt|safetensors|json|py)$|\{)")


def convert(parameter: Parameter, raw: object) -> Value | None:
    """A literal from code as the parameter's kind of value, or None when it does not fit."""
    if isinstance(raw, bool) or raw is None:
        return None
    if parameter.kind in {"choice", "model"}:
        if not isinstance(raw, str) or not raw.strip():
            return None
        if parameter.kind == "model" and _BAD_MODEL_VALUE.search(raw.strip()):
            return None
        if parameter.kind == "model":
            return raw.strip()
        choice = canonical_choice(raw)
        if parameter.name == "mixed_precision" and choice not in parameter.choices:
            return None  # `precision = "macro"` is a metric's averaging, not a precision
        return choice
    if parameter.kind == "seeds" and isinstance(raw, list | tuple):
        numbers = [convert(parameter, item) for item in raw]
        return (
            tuple(float(item) for item in numbers if isinstance(item, float))
            if all(isinstance(n, float) for n in numbers) and numbers
            else None
        )
    if isinstance(raw, int | float):
        return _finite(raw)
    return parse_number(raw) if isinstance(raw, str) else None


def _finite(raw: object) -> float | None:
    try:
        value = float(raw)  # type: ignore[arg-type]
    except (OverflowError, TypeError, ValueError):
        return None
    return value if math.isfinite(value) else None


def literal(node: ast.AST | None) -> object:
    """The value of a literal expression (`2e-5`, `-1`, `2 * 10**-5`, `[1, 2]`), or None."""
    if node is None:
        return None
    try:
        return ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return _arithmetic(node)


def _arithmetic(node: ast.AST) -> float | None:
    """`2 * 10**-5`, `1 / 3`: products, quotients and powers of number literals."""
    if not (isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mult | ast.Div | ast.Pow)):
        return None
    left, right = literal(node.left), literal(node.right)
    if not (isinstance(left, int | float) and isinstance(right, int | float)) or abs(right) >= 400:
        return None
    try:
        if isinstance(node.op, ast.Mult):
            return _finite(left * right)
        if isinstance(node.op, ast.Div):
            return _finite(left / right)
        return _finite(left**right)
    except (OverflowError, ZeroDivisionError, TypeError, ValueError):
        return None


def extract_code_settings(context: FileContext) -> list[CodeSetting]:
    """Every literal setting of a known parameter in one file."""
    if context.is_test:
        return []
    if context.tree is not None:
        return list(_python_settings(context))
    readers = {
        "yaml": _yaml_settings,
        "toml": _toml_settings,
        "json": _json_settings,
        "shell": _shell_settings,
    }
    reader = readers.get(context.language)
    return list(reader(context)) if reader else []


def _setting(
    context: FileContext,
    key: str,
    raw: object,
    node: ast.AST,
    kind: SettingKind,
    parameter: Parameter | None = None,
) -> CodeSetting | None:
    parameter = parameter or parameter_for_code(key)
    if parameter is None:
        return None
    built: str | None = None
    if isinstance(raw, ast.AST):
        expression, raw = raw, literal(raw)
        if raw is None and parameter.kind == "model" and not isinstance(expression, ast.Name):
            raw = built = built_text(context, expression)
    if parameter is BY_NAME["mixed_precision"]:
        raw = precision_flag(key, raw)
    parameter = _in_context(context, node, parameter)
    value = convert(parameter, raw)
    if value is None or not plausible(parameter.name, value) or not _named_well(key, value):
        return None
    if context.is_dev_guarded(node) or _dev_call_argument(context, node):
        return None
    if parameter is BY_NAME["max_length"] and not _sequence_length(context, node, kind):
        return None
    line = getattr(node, "lineno", 1)
    text = _written(context, node, raw, kind)
    if built is not None:  # `f"{FAMILY}-{size}" ("EleutherAI/pythia-160m")`
        text = f'{context.source_segment(expression) or ast.unparse(expression)} ("{built}")'
    return CodeSetting(parameter.name, value, text, key, context.path, line, kind)


_SEQUENCE_LIBRARIES = frozenset(
    {
        "torch",
        "transformers",
        "tensorflow",
        "keras",
        "jax",
        "flax",
        "tokenizers",
        "datasets",
        "sentencepiece",
        "tiktoken",
        "vllm",
        "sentence_transformers",
        "peft",
        "trl",
        "lightning",
        "pytorch_lightning",
        "accelerate",
        "deepspeed",
        "openai",
        "anthropic",
        "nltk",
        "spacy",
        "torchtext",
        "fairseq",
        "evaluate",
        "llama_cpp",
        "mlx",
    }
)
_SEQUENCE_WORDS = frozenset(
    {"tokenizer", "tokenize", "truncation", "input_ids", "attention_mask", "pad_sequence"}
)


def _sequence_length(context: FileContext, node: ast.AST, kind: SettingKind) -> bool:
    """Whether a `max_len`-style setting can be the spec's sequence length. A call's keyword
    (`tokenizer(..., max_length=128)`), a module constant, a config field and a config file say so
    where they are; a local variable, an attribute set in a method or a function default only in a
    file that works on token sequences (it imports an ML/NLP library or reads a tokenizer,
    `input_ids`, ...): `max_len = 10` in an image decoder, `max_length=255` for a domain name, a
    pretty-printer's `self.max_seq_length = 1000` are other lengths."""
    if kind not in {"assignment", "default"} or context.enclosing_function(node) is None:
        return True
    return context.once("ledger-sequence-file", lambda: _works_on_sequences(context))


def _works_on_sequences(context: FileContext) -> bool:
    if context.imported_modules & _SEQUENCE_LIBRARIES:
        return True
    for node in context.nodes(ast.Name, ast.Attribute, ast.keyword):
        if isinstance(node, ast.Name):
            name: str | None = node.id
        elif isinstance(node, ast.Attribute):
            name = node.attr
        else:
            name = node.arg  # type: ignore[attr-defined]
        if name in _SEQUENCE_WORDS:
            return True
    return False


_PRECISION_FLAGS = frozenset({"fp16", "bf16", "tf32", "use_fp16", "use_bf16"})


def precision_flag(key: str, raw: object) -> object:
    """`fp16=True` sets the precision `fp16` (`fp16=False` states none), Lightning's `precision=16`
    is `"16"` (fp16); other keys as they are."""
    name = code_key(key)
    if name == "precision" and isinstance(raw, int) and not isinstance(raw, bool):
        return str(raw)  # Lightning's `precision=16`
    if name not in _PRECISION_FLAGS:
        return raw
    on = raw is True or (isinstance(raw, str) and raw.strip().lower() in {"true", "yes", "1"})
    return name.removeprefix("use_") if on else None


def _in_context(context: FileContext, node: ast.AST, parameter: Parameter) -> Parameter:
    """The parameter a setting sets where it is: a batch size where evaluation data is loaded is the
    evaluation batch size; a temperature of a loss is the loss's, not the sampling temperature."""
    if parameter is BY_NAME["batch_size"] and _evaluation_batch(context, node):
        return BY_NAME["eval_batch_size"]
    if parameter is BY_NAME["temperature"] and _of_a_loss(context, node):
        return BY_NAME["loss_temperature"]
    return parameter


_EVAL_LOADING = (EVAL_WORDS | {"dev", "heldout"}) - {"score", "scoring"}
_TRAINING = frozenset({"train", "training", "fit", "finetune"})


def _evaluation_batch(context: FileContext, node: ast.AST) -> bool:
    """`DataLoader(data["validation"], batch_size=64)`, `val_loader = DataLoader(..., batch_size=64)`,
    a batch size in `evaluate()` or under `torch.no_grad()`: evaluation data, not the training batch."""
    if _evaluation_owner(context, node) or _under_no_grad(context, node):
        return True
    if evaluation_file(context.path) or _evaluation_arguments(context, node):
        return True
    call = context.parents.get(node)
    if not (isinstance(node, ast.keyword) and isinstance(call, ast.Call)):
        return False
    data = [*call.args[:1], *(k.value for k in call.keywords if k.arg in {"dataset", "data"})]
    words: set[str] = set()
    for argument in data:
        words |= tokens(context.source_segment(argument) or "")
    target = context.parents.get(call)
    if isinstance(target, ast.Assign):
        for name in target.targets:
            words |= tokens(dotted(name))
    return bool(words & _EVAL_LOADING) and not words & _TRAINING


def evaluation_file(path: str) -> bool:
    """An evaluation script or config by its file name (`run_eval.py`, `configs/eval.yaml`,
    `evaluate.py`), none named for training: its batch size is the evaluation batch size."""
    words = tokens(PurePosixPath(path).stem)
    return bool(words & _EVAL_LOADING) and not words & _TRAINING


def _evaluation_arguments(context: FileContext, node: ast.AST) -> bool:
    """A parameter default (`def run(model, dev_queries, batch_size=256)`) of a function whose
    other parameters name evaluation data (`dev_queries`, `test_set`) and none training data."""
    function = context.enclosing_function(node)
    if function is None or not any(node is default for default in _defaults(function)):
        return False
    words: set[str] = set()
    for argument in [*function.args.args, *function.args.kwonlyargs]:
        words |= tokens(argument.arg)
    return bool(words & (_EVAL_LOADING - {"evaluate", "evaluation", "eval"})) and not (
        words & _TRAINING
    )


def _defaults(function: ast.FunctionDef | ast.AsyncFunctionDef) -> list[ast.AST]:
    return [*function.args.defaults, *(d for d in function.args.kw_defaults if d is not None)]


def _evaluation_owner(context: FileContext, node: ast.AST) -> bool:
    """Inside functions or a class named for evaluation and none named for training
    (`evaluate()`, `class EvalConfig`; not `train_and_evaluate()`)."""
    words: set[str] = set()
    for parent in context.ancestors(node):
        if isinstance(parent, ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            words |= tokens(parent.name)
    return bool(words & _EVAL_LOADING) and not words & _TRAINING


_NO_GRAD = frozenset({"no_grad", "inference_mode"})


def _under_no_grad(context: FileContext, node: ast.AST) -> bool:
    """Inside `with torch.no_grad():` or a function decorated with it."""
    for parent in context.ancestors(node):
        if isinstance(parent, ast.With | ast.AsyncWith):
            items = [item.context_expr for item in parent.items]
        elif isinstance(parent, ast.FunctionDef | ast.AsyncFunctionDef):
            items = parent.decorator_list
        else:
            continue
        if any(
            last_part(call_name(item) if isinstance(item, ast.Call) else dotted(item)) in _NO_GRAD
            for item in items
        ):
            return True
    return False


_LOSS_NAME = re.compile(
    r"loss|contrastive|info_?nce|nt_?xent|distil|simcse|criterion|calibrat|similarity|softmax|(?:^|_)kd(?:_|$)"
)


def _of_a_loss(context: FileContext, node: ast.AST) -> bool:
    """A temperature given to a loss (`InfoNCELoss(temperature=0.05)`) or set in a loss's class or
    function (`class ContrastiveLoss: def __init__(self, temperature=0.05)`)."""
    call = context.parents.get(node)
    names = [call_name(call)] if isinstance(call, ast.Call) else []
    for parent in context.ancestors(node):
        if isinstance(parent, ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            names.append(parent.name)
    return any(_LOSS_NAME.search(name.lower()) for name in names)


def _dev_call_argument(context: FileContext, node: ast.AST) -> bool:
    """An argument of a synthetic or dev generator: `synthetic_corpus(n_passages=2_000)` sets
    nothing of the run (a dev-named function's own defaults are dev-guarded already)."""
    parent = context.parents.get(node)
    return isinstance(parent, ast.Call) and bool(tokens(call_name(parent)) & DEV_WORDS)


_LOOSE_MODEL_KEYS = frozenset(
    {
        "model",
        "llm",
        "llm_model",
        "encoder_name",
        "encoder_model",
        "tokenizer_name",
        "cross_encoder",
    }
)
"""Keys that hold a model name only sometimes (`model="rbf"`): the value must look like one."""
_DATASET_ID = re.compile(r"[A-Za-z0-9][\w.-]*(?:/[\w.-]+)?")


def _named_well(key: str, value: Value) -> bool:
    """A loose key's value names what the parameter holds: `model="bge-base-en"` is a model,
    `model="linear"` is not; a dataset is an id (`BeIR/fiqa`, `imdb`), not a path or a split."""
    name = code_key(key)
    if name in _LOOSE_MODEL_KEYS or (name not in CODE_NAMES and name.endswith(MODEL_SUFFIXES)):
        return isinstance(value, str) and looks_like_model(value)
    if parameter_for_code(key) is BY_NAME["dataset_name"] and isinstance(value, str):
        return (
            _DATASET_ID.fullmatch(value) is not None
            and value.lower() not in SPLIT_NAMES
            and not _BAD_MODEL_VALUE.search(value)
        )
    return True


def _written(context: FileContext, node: ast.AST, raw: object, kind: SettingKind) -> str:
    """The value as the code writes it (`1e-4`, not `0.0001`); empty for a constructor call."""
    if kind == "slice" or (kind == "call" and not isinstance(node, ast.Constant)):
        return ""
    if isinstance(node, ast.keyword | ast.Assign | ast.AnnAssign) and node.value is not None:
        node = field_default(node.value) or node.value
    if isinstance(node, ast.expr):
        return context.source_segment(node) or ast.unparse(node)
    return repr(raw)


def _python_settings(context: FileContext) -> Iterator[CodeSetting]:
    for node in context.nodes(
        ast.Assign,
        ast.AnnAssign,
        ast.Call,
        ast.Dict,
        ast.FunctionDef,
        ast.AsyncFunctionDef,
        ast.Subscript,
        ast.For,
    ):
        for setting in _node_settings(context, node):
            if setting is not None:
                yield setting


def _node_settings(context: FileContext, node: ast.AST) -> Iterator[CodeSetting | None]:
    if isinstance(node, ast.Assign):
        for target in node.targets:
            yield from _assign(context, target, node)
    elif isinstance(node, ast.AnnAssign) and node.value is not None:
        in_class = isinstance(context.parents.get(node), ast.ClassDef)
        yield from _assign(context, node.target, node, "field" if in_class else "assignment")
    elif isinstance(node, ast.Call):
        yield from _call_settings(context, node)
    elif isinstance(node, ast.Dict):
        yield from _dict_settings(context, node)
    elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
        yield from _default_settings(context, node)
        yield from _returned_settings(context, node)
    elif isinstance(node, ast.Subscript):
        yield _slice_setting(context, node)
    elif isinstance(node, ast.For):
        yield _early_break(context, node)


def _dict_settings(context: FileContext, node: ast.Dict) -> Iterator[CodeSetting | None]:
    """`{"lr": 2e-5}`; a zero in an optimizer parameter group (`{"params": ..., "weight_decay": 0.0}`)
    is the usual no-decay group, not a setting of the run."""
    keys = {key.value for key in node.keys if isinstance(key, ast.Constant)}
    search = _search_options(context, node)
    for key, value in zip(node.keys, node.values, strict=True):
        if isinstance(key, ast.Constant) and isinstance(key.value, str):
            if search and key.value in _RETRIEVAL_KEYWORDS:
                top_k = BY_NAME["retrieval_top_k"]
                yield _setting(context, key.value, value, value, "dict", top_k)
                continue
            if parameter_for_code(key.value) is None:
                continue
            raw = literal(value)
            if "params" in keys and raw == 0:
                continue
            yield _setting(context, key.value, raw, value, "dict")


def _search_options(context: FileContext, node: ast.Dict) -> bool:
    """`as_retriever(search_kwargs={"k": 4})`: the dict holds a retriever's search options."""
    parent = context.parents.get(node)
    return isinstance(parent, ast.keyword) and parent.arg in {"search_kwargs", "retriever_kwargs"}


def _assign(
    context: FileContext,
    target: ast.AST,
    node: ast.Assign | ast.AnnAssign,
    kind: SettingKind = "assignment",
) -> Iterator[CodeSetting | None]:
    if isinstance(target, ast.Name | ast.Attribute):
        name = dotted(target)
        value = field_default(node.value)
        if _accumulator(context, target, name, value) or _unset_bound(name, value, kind):
            return
        yield _setting(context, name, value, node, kind)
    elif (
        isinstance(target, ast.Subscript)
        and isinstance(target.slice, ast.Constant)
        and isinstance(target.slice.value, str)
    ):
        yield _setting(context, target.slice.value, field_default(node.value), node, kind)


_BOUND_NAME = re.compile(r"^(?:max|min)(?:_|[a-z]*$)|_(?:len|length)$")
"""`max_len`, `min_length`, `maxlen`, `seq_len`: names a running maximum or minimum starts from."""


def _unset_bound(name: str, value: ast.AST | None, kind: SettingKind) -> bool:
    """`max_len = 0` / `longest_len = -1` before a loop: the start of a running maximum (whichever
    way it is updated afterwards), not a length the run uses. (`None` converts to nothing already.)"""
    if kind != "assignment" or literal(value) not in (0, -1):
        return False
    parameter = parameter_for_code(name)
    return (
        parameter is not None
        and parameter.kind == "int"
        and bool(_BOUND_NAME.search(code_key(name)))
    )


def _accumulator(context: FileContext, target: ast.AST, name: str, value: ast.AST | None) -> bool:
    """Whether this literal starts a running maximum/minimum (`max_len = ...` then `max_len =
    max(max_len, len(ids))`, also `self.max_len` updated in another method), or a count from 0/-1
    (`seq_len = 0` then `seq_len += len(ids)`): where an accumulator starts, not a setting. A
    literal a count moves from (`seed = 42` then `seed += rank`, `patience = 5` then `patience -=
    1`) stays the setting."""
    ways = context.once("ledger-accumulators", lambda: _accumulators(context))
    way = ways.get((_scope(context, target), name))
    return way == "extreme" or (way == "count" and literal(value) in (0, -1))


def _scope(context: FileContext, target: ast.AST) -> ast.AST | None:
    """Where a name lives: a `self.x` attribute in its class, a plain name in its function (None:
    the module)."""
    if isinstance(target, ast.Attribute):
        for parent in context.ancestors(target):
            if isinstance(parent, ast.ClassDef):
                return parent
        return None
    return context.enclosing_function(target)


def _accumulators(context: FileContext) -> dict[tuple[ast.AST | None, str], str]:
    """(scope, name) -> "extreme" for every name the file keeps a running maximum/minimum in,
    "count" for one it only adds to or subtracts from."""
    found: dict[tuple[ast.AST | None, str], str] = {}
    for node in context.nodes(ast.Assign, ast.AugAssign):
        if isinstance(node, ast.AugAssign):
            counted = isinstance(node.op, ast.Add | ast.Sub)
            pairs = [(node.target, "count" if counted else None)]
        else:
            pairs = [(t, _updated_from(dotted(t), node.value)) for t in node.targets]  # type: ignore[attr-defined]
        for target, way in pairs:
            if way is None or not isinstance(target, ast.Name | ast.Attribute):
                continue
            if way == "extreme" and isinstance(target, ast.Name) and not _in_loop(context, node):
                continue  # `lr = max(lr, min_lr)` once: a clamp of the setting, not a running max
            key = (_scope(context, target), dotted(target))
            if found.get(key) != "extreme":
                found[key] = way
    return found


def _in_loop(context: FileContext, node: ast.AST) -> bool:
    """Inside a `for`/`while` loop of its own function."""
    for parent in context.ancestors(node):
        if isinstance(parent, ast.For | ast.AsyncFor | ast.While):
            return True
        if isinstance(parent, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda | ast.ClassDef):
            return False
    return False


def _updated_from(name: str, value: ast.AST) -> str | None:
    """ "extreme" for `max(name, ...)` / `min(...)`, "count" for `name + ...` / `name - ...`, else
    None (`lr = lr * scale`, `name = name.lower()` keep the literal as the base setting)."""
    if isinstance(value, ast.Call) and call_name(value) in {"max", "min"}:
        operands, way = list(value.args), "extreme"
    elif isinstance(value, ast.BinOp) and isinstance(value.op, ast.Add | ast.Sub):
        operands, way = [value.left, value.right], "count"
    else:
        return None
    reads = any(
        isinstance(operand, ast.Name | ast.Attribute) and dotted(operand) == name
        for operand in operands
    )
    return way if reads else None


_MODEL_LOADERS = frozenset({"from_pretrained", "SentenceTransformer", "CrossEncoder", "LLM"})
"""Calls whose first argument is a model name (`pipeline`'s first is its task: `model=` names it)."""
_DATASET_LOADERS = frozenset({"load_dataset", "load_from_hub", "GenericDataLoader"})
_SEEDERS = frozenset(
    {
        "manual_seed",
        "manual_seed_all",
        "seed",
        "set_seed",
        "seed_everything",
        "default_rng",
        "RandomState",
        "PRNGKey",
        "set_random_seed",
    }
)
"""Calls whose first argument is the seed: `torch.manual_seed(0)`, `np.random.default_rng(42)`."""
_SUBSET_METHODS = frozenset({"head", "take", "select", "sample"})
_CLIPPERS = frozenset({"clip_grad_norm_", "clip_grad_norm"})
"""Calls whose second argument is the gradient norm: `clip_grad_norm_(params, 1.0)`."""
_NAMED_ARGUMENTS = (
    _MODEL_LOADERS | _DATASET_LOADERS | _SEEDERS | _SUBSET_METHODS | _CLIPPERS | {"topk", "islice"}
)
"""Call names whose positional arguments the ledger reads."""


def _call_settings(context: FileContext, node: ast.Call) -> Iterator[CodeSetting | None]:
    """The settings a call makes: its keywords, and what its name says its arguments are."""
    full = call_name(node)
    name = last_part(full)
    if name == "add_argument":
        yield _argparse_setting(context, node)
        return
    for keyword in node.keywords:
        yield _keyword_setting(context, node, keyword)
    if name in _NAMED_ARGUMENTS:
        yield from _argument_settings(context, node, name)
    choice = _OPTIMIZERS.get(name) or _SCHEDULERS.get(name) or _schedule_name(name)
    if choice:
        parameter = BY_NAME["optimizer"] if name in _OPTIMIZERS else BY_NAME["lr_scheduler"]
        yield _setting(context, f"{name}()", choice, node, "call", parameter)


def _keyword_setting(
    context: FileContext, node: ast.Call, keyword: ast.keyword
) -> CodeSetting | None:
    """`lr=2e-5`; `split="test"` where evaluation data is loaded; `k=10` in a retrieval call."""
    if not keyword.arg:
        return None
    if keyword.arg == "split":
        return _split_setting(context, node, keyword)
    if keyword.arg == "test_size" and _splits_off_dev(context, node):
        dev = BY_NAME["val_size"]
        return _setting(context, keyword.arg, keyword.value, keyword, "keyword", dev)
    parameter = parameter_for_code(keyword.arg)
    if keyword.arg in _RETRIEVAL_KEYWORDS and _is_retrieval_call(context, node):
        parameter = BY_NAME["retrieval_top_k"]
    if parameter is not None and isinstance(keyword.value, ast.Name):
        return _constant_read(context, node, keyword, parameter)
    return _setting(context, keyword.arg, keyword.value, keyword, "keyword", parameter)


def _constant_read(
    context: FileContext, node: ast.Call, keyword: ast.keyword, parameter: Parameter
) -> CodeSetting | None:
    """`max_tokens=MAX_TOKENS`, `get_top_n(q, docs, n=TOP_K)`: a module constant the keyword reads
    sets the keyword's parameter, reported where the constant is written. A constant whose own name
    says that parameter is reported there already; one named for another (`TOP_K`, the sampling
    top-k, read as a retrieval depth) is the keyword's (see `ledger.build_ledger`)."""
    name = keyword.value.id  # type: ignore[attr-defined]
    constant = _module_constants(context).get(name)
    if constant is None or parameter_for_code(name) is parameter:
        return None
    if context.is_dev_guarded(node) or _dev_call_argument(context, keyword):
        return None
    parameter = _in_context(context, keyword, parameter)
    value = literal(constant.value)
    if parameter.kind == "model" and not (isinstance(value, str) and looks_like_model(value)):
        return None  # `model_name=CHECKPOINT_DIR`: a path, not the model the spec names
    return _setting(context, name, value, constant, "constant", parameter)


_DEV_SPLIT = frozenset({"dev", "val", "valid", "validation", "development"})


def _splits_off_dev(context: FileContext, node: ast.Call) -> bool:
    """`train, dev = train_test_split(..., test_size=0.05)`: the "test" part is the dev split."""
    target = context.parents.get(node)
    if last_part(call_name(node)) != "train_test_split" or not isinstance(target, ast.Assign):
        return False
    names = target.targets[0]
    last = names.elts[-1] if isinstance(names, ast.Tuple | ast.List) and names.elts else None
    return last is not None and bool(tokens(dotted(last)) & _DEV_SPLIT)


def _argument_settings(
    context: FileContext, node: ast.Call, name: str
) -> Iterator[CodeSetting | None]:
    """Positional arguments a call's name gives a meaning: a model or dataset to load, a seed, a
    retrieval depth, an evaluation subset's size."""
    if name in _MODEL_LOADERS and node.args:
        yield _first_argument(context, node, name, BY_NAME["model_name"])
    elif name in _DATASET_LOADERS and node.args:
        yield _first_argument(context, node, name, BY_NAME["dataset_name"])
    elif name == "topk" and _is_retrieval_call(context, node):
        yield _topk_setting(context, node)
    elif name in _SEEDERS and node.args and not isinstance(node.args[0], ast.Starred):
        seeder = f"{call_name(node)}()"
        yield _setting(context, seeder, node.args[0], node.args[0], "call", BY_NAME["seed"])
    elif name in _SUBSET_METHODS and isinstance(node.func, ast.Attribute):
        yield _subset_call_setting(context, node, name)
    elif name == "islice" and len(node.args) == 2:  # `islice(passages, n_samples)`
        yield _subset_setting(context, node, node.args[0], node.args[1])
    elif name in _CLIPPERS and len(node.args) >= 2:
        clip = BY_NAME["max_grad_norm"]
        yield _setting(context, f"{name}()", node.args[1], node.args[1], "call", clip)


_RETRIEVAL_WORDS = frozenset(
    {"search", "retrieve", "retriever", "retrieval", "similarity", "knn", "topk", "rank", "query"}
    | {"bm25"}
)
_RETRIEVAL_KEYWORDS = frozenset(
    {"k", "top_k", "topk", "n_results", "num_results", "similarity_top_k", "top_n", "n"}
)


def _is_retrieval_call(context: FileContext, node: ast.Call) -> bool:
    """`index.search(q, k=10)`, `retriever.retrieve(q, top_k=20)`; a tensor's `.topk(k)` only on an
    evaluation or retrieval path (not hard-negative mining in training)."""
    words = tokens(call_name(node))
    if not words & _RETRIEVAL_WORDS:
        return False
    if "topk" in words or "rank" in words:
        return context.in_eval_path(node) or bool(context.function_words(node) & _RETRIEVAL_WORDS)
    return True


def _topk_setting(context: FileContext, node: ast.Call) -> CodeSetting | None:
    """`scores.topk(20)`, `torch.topk(scores, 20)` (`k=` is read with the other keywords)."""
    position = 1 if call_name(node) == "torch.topk" else 0
    if len(node.args) <= position:
        return None
    argument = node.args[position]
    return _setting(context, "topk()", argument, argument, "call", BY_NAME["retrieval_top_k"])


def _first_argument(
    context: FileContext, node: ast.Call, name: str, parameter: Parameter
) -> CodeSetting | None:
    """`from_pretrained("roberta-base")`, `load_dataset(BEIR_CORPUS)` with `BEIR_CORPUS = "BeIR/fiqa"`
    at module level (then reported where the constant is written)."""
    first = node.args[0]
    value = literal(first)
    if isinstance(value, str):
        return _setting(context, f"{name}()", value, first, "call", parameter)
    if isinstance(first, ast.JoinedStr | ast.BinOp | ast.Call):
        return _setting(context, f"{name}()", first, first, "call", parameter)
    if isinstance(first, ast.Name):
        constant = _module_constants(context).get(first.id)
        if constant is not None and parameter_for_code(first.id) is None:
            return _setting(context, first.id, constant.value, constant, "constant", parameter)
    return None


def _module_constants(context: FileContext) -> dict[str, ast.Assign]:
    """Module-level `NAME = <literal>` assignments, by name (computed once per file)."""

    def compute() -> dict[str, ast.Assign]:
        found: dict[str, ast.Assign] = {}
        for statement in context.tree.body if context.tree is not None else []:
            if (
                isinstance(statement, ast.Assign)
                and len(statement.targets) == 1
                and isinstance(statement.targets[0], ast.Name)
                and isinstance(statement.value, ast.Constant)
            ):
                found[statement.targets[0].id] = statement
        return found

    return context.once("ledger-module-constants", compute)


def _split_setting(
    context: FileContext, node: ast.Call, keyword: ast.keyword
) -> CodeSetting | None:
    """`load_dataset(..., split="train")` where evaluation data is loaded: the evaluation split."""
    value = literal(keyword.value)
    if (
        not isinstance(value, str)
        or SPLIT_NAMES.get(value.split("[", 1)[0].strip().lower()) is None
    ):
        return None
    if not (context.in_eval_path(node) or _assigned_to_eval_data(context, node)):
        return None
    return _setting(context, "split", value, keyword, "keyword", BY_NAME["eval_split"])


def _assigned_to_eval_data(context: FileContext, node: ast.AST) -> bool:
    """`test_ds = load_dataset(..., split=...)`: the call's value lands in an evaluation name."""
    parent = context.parents.get(node)
    if isinstance(parent, ast.Assign):
        return any(tokens(dotted(target)) & EVAL_DATA_WORDS for target in parent.targets)
    return False


def _early_break(context: FileContext, node: ast.For) -> CodeSetting | None:
    """`for i, p in enumerate(passages): if i >= n_samples: break`: the loop takes the first N items
    (counted like a cut `passages[:n_samples]`, see `_subset_setting`)."""
    loop = node.iter
    if not (
        isinstance(loop, ast.Call)
        and call_name(loop) == "enumerate"
        and loop.args
        and isinstance(node.target, ast.Tuple)
        and node.target.elts
        and isinstance(node.target.elts[0], ast.Name)
    ):
        return None
    index = node.target.elts[0].id
    if tokens(_receiver(loop.args[0])) & _BATCHED:
        return None  # `for step, batch in enumerate(loader)`: a number of batches, not of items
    for statement in node.body:
        bound = _break_bound(statement, index)
        if bound is not None:
            written = [context.source_segment(n) or ast.unparse(n) for n in (node.target, loop)]
            test = statement.test  # type: ignore[attr-defined]
            key = f"for {written[0]} in {written[1]}: if {context.source_segment(test)}: break"
            return _subset_setting(context, statement, loop.args[0], bound, key)
    return None


_BATCHED = frozenset(
    {"loader", "dataloader", "dl", "batches", "batch", "iterator", "iter", "steps"}
)


def _break_bound(statement: ast.stmt, index: str) -> ast.expr | None:
    """`N` of `if i >= N: break` / `if i == N: break` on the loop's index (None otherwise)."""
    if not (
        isinstance(statement, ast.If)
        and len(statement.body) == 1
        and isinstance(statement.body[0], ast.Break)
        and not statement.orelse
    ):
        return None
    test = statement.test
    if (
        isinstance(test, ast.Compare)
        and isinstance(test.left, ast.Name)
        and test.left.id == index
        and len(test.ops) == 1
        and isinstance(test.ops[0], ast.GtE | ast.Eq)
    ):
        return test.comparators[0]
    return None


def _slice_setting(context: FileContext, node: ast.Subscript) -> CodeSetting | None:
    """`list(corpus.queries)[:500]` on an evaluation path: the number of evaluation samples."""
    part = node.slice
    if not isinstance(part, ast.Slice) or part.step is not None or isinstance(node.ctx, ast.Store):
        return None
    if part.lower is not None and literal(part.lower) != 0:
        return None
    return _subset_setting(context, node, node.value, part.upper)


def _subset_setting(
    context: FileContext,
    node: ast.AST,
    receiver: ast.AST,
    argument: ast.AST | None,
    key: str | None = None,
) -> CodeSetting | None:
    """A subset of `receiver` of `argument` items: on an evaluation path the number of evaluation
    samples (`[:500]`, `.head(100)`, `[:MAX_QUERIES]`), elsewhere a count of passages or queries
    (`passages[:n_samples]`). A name is read as a module constant or the default of the enclosing
    function's parameter (`def generate(passages, n_samples: int = 500)`); a name that says the
    parameter itself (`[:N_EVAL_SAMPLES]`, `[:max_passages]`) is read where it is set."""
    if not isinstance(argument, ast.Name | ast.Constant | ast.BinOp):
        return None
    if not _may_be_the_specs_count(context, node, receiver):
        return None
    if _evaluation_data(context, node, receiver):
        parameter: Parameter | None = BY_NAME["num_samples"]
    else:
        parameter = _counted(context, node, receiver, argument)
    if parameter is None:
        return None
    count, named = literal(argument), ""
    if isinstance(argument, ast.Name):
        if parameter_for_code(argument.id) is parameter:
            return None
        count, named = _bound(context, argument), argument.id
    if not isinstance(count, int) or isinstance(count, bool) or count <= 0:
        return None
    key = key or context.source_segment(node) or ast.unparse(node)
    setting = _setting(context, key, count, node, "slice", parameter)
    if setting is not None and named:
        setting.text = str(count)  # `queries[:N_EVAL] = 500`: the number the name stands for
    return setting


_OTHER_SETS = frozenset({"train", "training", "warmup"})
"""Words of a collection that is not the set the spec counts (its dev or test set): a slice of the
training queries, a warm-up batch."""
_VALIDATION = frozenset({"val", "valid", "validation"})
_RANKED = frozenset({"mrr", "score", "scores", "metric", "metrics", "loss", "losses", "per"})
"""Words of a collection of results per query (`per_query_mrr`): its cut is the best or worst few."""


def _may_be_the_specs_count(context: FileContext, node: ast.AST, receiver: ast.AST) -> bool:
    """Whether a cut of `receiver` may be the count of the set the spec counts: not of training
    data (`train_queries[:500]`), nor of validation data inside training (`val_queries[:1000]` in
    `train()`), nor of per-query results ranked for error analysis
    (`sorted(per_query_mrr.items(), key=...)[:20]`)."""
    words = tokens(_receiver(receiver))
    if words & (_OTHER_SETS | _RANKED):
        return False
    if words & _VALIDATION and context.function_words(node) & _TRAINING:
        return False
    return not _ranked(receiver)


def _ranked(node: ast.AST) -> bool:
    """`sorted(scores, key=...)`, `sorted(..., reverse=True)`: a ranking by a score (the best or
    worst few are cut from it), not the data in its own order (`sorted(queries)`)."""
    return (
        isinstance(node, ast.Call)
        and call_name(node) == "sorted"
        and any(keyword.arg in {"key", "reverse"} for keyword in node.keywords)
    )


def _bound(context: FileContext, name: ast.Name) -> object:
    """The literal a slice's bound names: the enclosing function's parameter default, else (a name
    the function does not bind) a module constant; None when only the run knows it."""
    function = context.enclosing_function(name)
    if function is not None:
        found, default = _parameter_default(function, name.id)
        if found:
            return literal(default)
        if name.id in _bound_names(context, function):
            return None
    constant = _module_constants(context).get(name.id)
    return literal(constant.value) if constant else None


_COUNTED = {
    "passages": "num_passages",
    "documents": "num_passages",
    "docs": "num_passages",
    "corpus": "num_passages",
    "queries": "num_queries",
    "questions": "num_queries",
}
"""Words naming a collection whose cut is a count the spec states (`passages[:500]`)."""
_NOT_COUNTED = frozenset(
    {"top", "ranked", "retrieved", "results", "hits", "candidates", "scores", "scored", "sorted"}
    | {"neighbors", "neighbours", "negatives", "neg", "negs", "positives", "pos", "batch", "chunk"}
    | {"k", "topk", "depth", "bs", "window", "preview", "sample", "examples", "shown"}
)
"""Words of a collection or a bound that make a cut a ranking's depth, a batch or a preview."""


def _counted(
    context: FileContext, node: ast.AST, receiver: ast.AST, argument: ast.AST | None
) -> Parameter | None:
    """The count a cut of passages or queries off an evaluation path sets (`passages[:n_samples]`
    -> `num_passages`), or None: a cut of ranked results, a retrieval function's, a preview."""
    if split_pieces(receiver) or context.in_eval_path(node):
        return None
    words = tokens(_receiver(receiver))
    if isinstance(argument, ast.Name):
        words = words | tokens(argument.id)
    names = [_COUNTED[word] for word in words if word in _COUNTED]
    if len(set(names)) != 1 or words & (_NOT_COUNTED | NOT_COLLECTION_WORDS):
        return None
    if context.function_words(node) & (_RETRIEVAL_WORDS | _PREVIEWING):
        return None
    return None if shown_to_a_human(context, node) else BY_NAME[names[0]]


_PREVIEWING = frozenset(
    {"show", "preview", "print", "display", "peek", "inspect", "describe", "summarize", "plot"}
    | {"log", "report", "head", "sample", "examples", "demo", "visualize", "dump"}
)
"""Words of a function that shows a few items to a human: its cut is a preview, not a count."""


def _subset_call_setting(context: FileContext, node: ast.Call, name: str) -> CodeSetting | None:
    """`test_df.head(100)`, `ds["test"].select(range(1000))`, `test_df.sample(n=200)` on an
    evaluation path: the number of evaluation samples; `random.sample(passages, 500)`: a count."""
    if name == "sample" and len(node.args) == 2 and not node.keywords:
        return _subset_setting(context, node, node.args[0], node.args[1])
    if name == "sample":
        counts = [keyword.value for keyword in node.keywords if keyword.arg == "n"]
        argument = counts[0] if counts else None
    elif name == "select":
        inner = node.args[0] if len(node.args) == 1 else None
        ranged = isinstance(inner, ast.Call) and call_name(inner) == "range"
        argument = inner.args[0] if ranged and len(inner.args) == 1 else None  # type: ignore[union-attr]
    else:
        argument = node.args[0] if len(node.args) == 1 and not node.keywords else None
    return _subset_setting(context, node, node.func.value, argument)  # type: ignore[attr-defined]


_QUERY_WORDS = frozenset({"q", "query", "queries", "question", "questions", "topic", "topics"})


def _query_ids_as_queries(words: frozenset[str]) -> frozenset[str]:
    """`qids`, `query_ids`, `question_ids`: the ids of the queries evaluated are the evaluation set
    (`qids[:500]` evaluates 500 queries), not the ids of one thing."""
    if "qids" in words or ("ids" in words and words & _QUERY_WORDS):
        return (words - NOT_COLLECTION_WORDS - {"qids"}) | {"queries"}
    return words


def _evaluation_data(context: FileContext, node: ast.AST, receiver: ast.AST) -> bool:
    """Whether `receiver` is a body of data evaluated here (not one shown in a log message)."""
    words = _query_ids_as_queries(tokens(_receiver(receiver)))
    if not words & COLLECTION_WORDS or words & NOT_COLLECTION_WORDS:
        return False
    if not (words & EVAL_DATA_WORDS or context.in_eval_path(node)):
        return False
    return not shown_to_a_human(context, node)


_STRING_SPLITS = frozenset({"split", "rsplit", "partition", "rpartition"})
_LINE_BREAKS = frozenset({"\n", "\r\n", "\r"})


def split_pieces(node: ast.AST) -> bool:
    """`text.split(".")`, `name.rsplit("/", 1)`, `line.split()`: pieces of one string (a version, a
    path, a line), not records. Splitting on a line break gives the lines of a file: records."""
    if not (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr in _STRING_SPLITS
    ):
        return False
    separator = node.args[0] if node.args else None
    return not (isinstance(separator, ast.Constant) and separator.value in _LINE_BREAKS)


_ORDERS = frozenset({"shuffle", "sort", "filter", "sort_values", "reset_index"})
"""Methods that reorder or filter data without cutting it: a subset after them is of the data."""


def _receiver(node: ast.AST) -> str:
    """`list(corpus.queries)` -> `corpus.queries`: look through list/sorted/tuple wrappers; a
    string's pieces (`torch.__version__.split(".")`) name the string."""
    if split_pieces(node):
        return dotted(node.func.value)  # type: ignore[attr-defined]
    if isinstance(node, ast.Call) and call_name(node) in {"list", "sorted", "tuple"} and node.args:
        return dotted(node.args[0])
    if (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr in _ORDERS
    ):
        return _receiver(node.func.value)  # `ds["test"].shuffle(seed=0).select(range(500))`
    if isinstance(node, ast.Subscript) and isinstance(key := literal(node.slice), str):
        return f"{_receiver(node.value)}.{key}"  # `raw["validation"]`
    return dotted(node)

    return False


_SCHEDULE = re.compile(r"get_(\w+?)_schedule(?:_with_warmup)?")


def _schedule_name(name: str) -> str | None:
    """`get_cosine_schedule_with_warmup` -> `cosine`."""
    match = _SCHEDULE.fullmatch(name) if name.startswith("get_") else None
    return match.group(1) if match else None


def _argparse_setting(context: FileContext, node: ast.Call) -> CodeSetting | None:
    defaults = [keyword.value for keyword in node.keywords if keyword.arg == "default"]
    options = [
        arg.value
        for arg in node.args
        if isinstance(arg, ast.Constant) and isinstance(arg.value, str)
    ]
    if not defaults:
        return None
    for option in options:
        setting = _setting(context, option, defaults[0], defaults[0], "argparse")
        if setting is not None:
            return setting
    return None


def _default_settings(
    context: FileContext, node: ast.FunctionDef | ast.AsyncFunctionDef
) -> Iterator[CodeSetting | None]:
    arguments = node.args
    positional = [*arguments.posonlyargs, *arguments.args]
    pairs = list(
        zip(
            positional[len(positional) - len(arguments.defaults) :], arguments.defaults, strict=True
        )
    )
    pairs += [
        (arg, default)
        for arg, default in zip(arguments.kwonlyargs, arguments.kw_defaults, strict=True)
        if default is not None
    ]
    for arg, default in pairs:
        setting = _setting(context, arg.arg, default, default, "default")
        yield setting


# --------------------------------------------------------------------------- config files

_YAML = re.compile(
    r"^(?P<indent>\s*)(?:-\s+)?(?P<key>[A-Za-z_][\w.-]*)\s*:\s*(?P<value>[^#]*?)\s*(?:#.*)?$"
)
_TOML = re.compile(r"^\s*(?P<key>[A-Za-z_][\w.-]*|\"[^\"]+\")\s*=\s*(?P<value>[^#]*?)\s*(?:#.*)?$")
_TOML_TABLE = re.compile(r"^\s*\[+\s*(?P<name>[^\]]+?)\s*\]+")
_JSON = re.compile(
    r"\"(?P<key>[^\"]+)\"\s*:\s*(?P<value>\"(?:[^\"\\]|\\.)*\"|[-+\d.eE]+|\[[-+\d.eE,\s]*\])"
)
_SHELL = re.compile(r"--(?P<key>[A-Za-z][\w-]*)(?:=|\s+)(?P<value>[^\s\\;|&]+)")


def _scalar(text: str) -> object:
    text = text.strip()
    if text.startswith("[") and text.endswith("]"):
        items = [_scalar(item) for item in text[1:-1].split(",") if item.strip()]
        return items
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "\"'":
        return text[1:-1]
    number = parse_number(text)
    return number if number is not None else text


def _config_setting(
    context: FileContext, keys: list[str], value: str, line: int, kind: SettingKind
) -> CodeSetting | None:
    """Try the last key, then `parent_last` (`model: {name: ...}` sets `model_name`)."""
    candidates = [keys[-1]] + (["_".join(keys[-2:])] if len(keys) > 1 else [])
    for key in candidates:
        parameter = parameter_for_code(key)
        if parameter is None:
            continue
        if parameter is BY_NAME["batch_size"] and (
            any(tokens(k) & _EVAL_LOADING for k in keys[:-1]) or evaluation_file(context.path)
        ):
            parameter = BY_NAME["eval_batch_size"]  # `eval: {batch_size: 64}`
        raw = _scalar(value)
        if parameter is BY_NAME["mixed_precision"]:
            raw = precision_flag(key, raw)
        converted = convert(parameter, raw)
        if converted is None or not _named_well(key, converted):
            continue
        if plausible(parameter.name, converted):
            return CodeSetting(
                parameter.name, converted, value.strip(), ".".join(keys), context.path, line, kind
            )
    return None


def _yaml_settings(context: FileContext) -> Iterator[CodeSetting]:
    stack: list[tuple[int, str]] = []
    for number, line in enumerate(context.lines, start=1):
        match = _YAML.match(line)
        if not match:
            continue
        indent = len(match.group("indent"))
        stack = [(level, key) for level, key in stack if level < indent]
        stack.append((indent, match.group("key")))
        if match.group("value"):
            setting = _config_setting(
                context, [key for _, key in stack], match.group("value"), number, "yaml"
            )
            if setting:
                yield setting


def _toml_settings(context: FileContext) -> Iterator[CodeSetting]:
    table: list[str] = []
    for number, line in enumerate(context.lines, start=1):
        header = _TOML_TABLE.match(line)
        if header and "=" not in line.split("]")[0]:
            table = header.group("name").split(".")
            continue
        match = _TOML.match(line)
        if match:
            keys = [*table, *match.group("key").strip('"').split(".")]
            setting = _config_setting(context, keys, match.group("value"), number, "toml")
            if setting:
                yield setting


_JSON_TOKEN = re.compile(
    r"\"(?P<open>[^\"]+)\"\s*:\s*\{|(?P<close>\})|\"(?:[^\"\\]|\\.)*\"(?!\s*:)|" + _JSON.pattern
)


def _json_settings(context: FileContext) -> Iterator[CodeSetting]:
    """Keys with their parent objects' keys (`{"model": {"name": ...}}` sets `model_name`)."""
    parents: list[str | None] = []
    for number, line in enumerate(context.lines, start=1):
        for token in _JSON_TOKEN.finditer(line):
            if token.group("open") is not None:
                parents.append(token.group("open"))
            elif token.group("close") is not None:
                parents = parents[:-1]
            elif token.group("key") is not None:
                keys = [key for key in parents if key is not None] + [token.group("key")]
                setting = _config_setting(context, keys, token.group("value"), number, "json")
                if setting:
                    yield setting


def _shell_settings(context: FileContext) -> Iterator[CodeSetting]:
    for number, line in enumerate(context.lines, start=1):
        if line.lstrip().startswith("#"):
            continue
        for match in _SHELL.finditer(line):
            setting = _config_setting(
                context, [match.group("key")], match.group("value"), number, "cli"
            )
            if setting:
                yield setting


# --------------------------------------------------------------------------- built strings

_MAX_DEPTH = 6


def built_text(context: FileContext, node: ast.AST, depth: int = 0) -> str | None:
    """The string an expression builds from literals and constants, or None when a part is only
    known at run time: `f"{MODEL_FAMILY}-{size}"` with `MODEL_FAMILY = "EleutherAI/pythia"` and
    `def model_name(size: str = MODEL_SIZE)`, `ORG + "/" + NAME`, `"{}-{}".format(FAMILY, SIZE)`."""
    if depth > _MAX_DEPTH:
        return None
    if isinstance(node, ast.Constant):
        return node.value if isinstance(node.value, str) else None
    if isinstance(node, ast.JoinedStr):
        return _joined(context, node, depth)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left = built_text(context, node.left, depth + 1)
        right = built_text(context, node.right, depth + 1) if left is not None else None
        return None if left is None or right is None else left + right
    if isinstance(node, ast.Name):
        return _name_text(context, node, depth)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        return _formatted(context, node, depth)
    return None


def _joined(context: FileContext, node: ast.JoinedStr, depth: int) -> str | None:
    parts: list[str] = []
    for value in node.values:
        if isinstance(value, ast.FormattedValue):
            plain = value.format_spec is None and value.conversion in (-1, ord("s"))
            part = built_text(context, value.value, depth + 1) if plain else None
        else:
            part = built_text(context, value, depth + 1)
        if part is None:
            return None
        parts.append(part)
    return "".join(parts)


def _formatted(context: FileContext, node: ast.Call, depth: int) -> str | None:
    """`"{}-{}".format(FAMILY, SIZE)` with every part known."""
    func = node.func
    if not isinstance(func, ast.Attribute) or func.attr != "format":
        return None
    template = built_text(context, func.value, depth + 1)
    args = [built_text(context, arg, depth + 1) for arg in node.args]
    kwargs = {kw.arg: built_text(context, kw.value, depth + 1) for kw in node.keywords if kw.arg}
    if template is None or None in args or None in kwargs.values():
        return None
    if len(kwargs) != len(node.keywords) or any(isinstance(a, ast.Starred) for a in node.args):
        return None
    try:
        return template.format(*args, **kwargs)
    except (IndexError, KeyError, ValueError, AttributeError):
        return None


def _name_text(context: FileContext, node: ast.Name, depth: int) -> str | None:
    """A name's string: the default of the enclosing function's parameter of that name, else (a
    name the function never binds) the module-level constant."""
    function = context.enclosing_function(node)
    if function is not None:
        found, default = _parameter_default(function, node.id)
        if found:
            return built_text(context, default, depth + 1) if default is not None else None
        if node.id in _bound_names(context, function):
            return None
    value = _module_values(context).get(node.id)
    return built_text(context, value, depth + 1) if value is not None else None


def _parameter_default(
    function: ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda, name: str
) -> tuple[bool, ast.AST | None]:
    """(whether `name` is a parameter of `function`, its default or None)."""
    arguments = function.args
    positional = [*arguments.posonlyargs, *arguments.args]
    defaults: list[ast.expr | None] = [None] * (len(positional) - len(arguments.defaults))
    pairs = [
        *zip(positional, [*defaults, *arguments.defaults], strict=True),
        *zip(arguments.kwonlyargs, arguments.kw_defaults, strict=True),
    ]
    for arg, default in pairs:
        if arg.arg == name:
            return True, default
    extra = [arguments.vararg, arguments.kwarg]
    return any(arg is not None and arg.arg == name for arg in extra), None


def _bound_names(context: FileContext, function: ast.AST) -> set[str]:
    """Names a function assigns itself (then a module constant of that name is not what it reads)."""
    return {
        node.id
        for node in ast.walk(function)
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store | ast.Del)
    }


def _module_values(context: FileContext) -> dict[str, ast.AST]:
    """Module-level names assigned exactly once, with the expression assigned (computed once)."""

    def compute() -> dict[str, ast.AST]:
        found: dict[str, ast.AST] = {}
        seen: set[str] = set()
        for statement in context.tree.body if context.tree is not None else []:
            if isinstance(statement, ast.Assign) and len(statement.targets) == 1:
                target, value = statement.targets[0], statement.value
            elif isinstance(statement, ast.AnnAssign) and statement.value is not None:
                target, value = statement.target, statement.value
            else:
                continue
            if isinstance(target, ast.Name):
                if target.id in seen:
                    found.pop(target.id, None)
                else:
                    found[target.id] = value
                seen.add(target.id)
        return found

    return context.once("ledger-module-values", compute)


_FUNCTION_BOUNDARY = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)


def _returned_settings(
    context: FileContext, node: ast.FunctionDef | ast.AsyncFunctionDef
) -> Iterator[CodeSetting | None]:
    """`def model_name(size=MODEL_SIZE): return f"{MODEL_FAMILY}-{size}"`: what a function named
    for a model (or dataset) returns is its setting."""
    parameter = parameter_for_code(node.name.removeprefix("get_"))
    if parameter is None or parameter.kind != "model":
        return
    for returned in _returns(node):
        yield _setting(context, f"{node.name}()", returned, returned, "return", parameter)


def _returns(function: ast.AST) -> Iterator[ast.expr]:
    """The values the function's own `return` statements give (not those of nested functions)."""
    stack = list(ast.iter_child_nodes(function))
    while stack:
        node = stack.pop()
        if isinstance(node, ast.Return) and node.value is not None:
            yield node.value
        elif not isinstance(node, _FUNCTION_BOUNDARY):
            stack.extend(ast.iter_child_nodes(node))
