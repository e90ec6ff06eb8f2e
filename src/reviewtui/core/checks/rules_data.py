"""Provides the data rules: `synthetic-data`, `synthetic-fallback` and `templated-text`.

They look for generated or hard-coded stand-ins where real data or real model output belongs: random
tensors or `make_dummy_data()` feeding the pipeline, an `except` branch (or a missing-file branch) that
returns generated data, and f-string "queries" or "responses" where the spec wants generated text.
Tests, dev/debug-guarded code and dev-named helpers are left alone.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TypeVar

from reviewtui.core.checks.context import FileContext, Finding, FunctionNode, span_of
from reviewtui.core.checks.facts import PhaseFacts
from reviewtui.core.checks.names import (
    DATA_WORDS,
    LOADER_WORDS,
    SYNTHETIC_WORDS,
    call_name,
    dotted,
    last_part,
    target_names,
    tokens,
)
from reviewtui.core.checks.random_fallback import is_jitter, random_fallbacks

RANDOM_TENSORS = frozenset(
    {
        "randn",
        "rand",
        "randint",
        "normal",
        "uniform",
        "random_sample",
        "randn_like",
        "rand_like",
        "standard_normal",
        "integers",
        "random",
        "binomial",
        "poisson",
    }
)
RANDOM_MODULES = frozenset({"random", "torch", "rng", "np", "numpy", "generator", "tf", "jax"})
MAKE_GENERATORS = frozenset(
    {
        "make_classification",
        "make_regression",
        "make_blobs",
        "make_moons",
        "make_circles",
        "make_swiss_roll",
        "make_friedman1",
        "make_s_curve",
        "make_multilabel_classification",
        "Faker",
    }
)
DATA_CONTAINERS = frozenset({"dataset", "tensordataset", "dataloader", "dataframe", "loader"})
MISSING_FILE_CALLS = frozenset({"exists", "is_file", "isfile", "isdir", "is_dir"})
FILE_TEST_WORDS = frozenset({"exists", "file", "files", "path", "paths", "dir", "is", "os"})
"""The words of a project's own file test (`_exists`, `file_exists`), not `user_exists`."""
MODEL_FUNCTIONS = frozenset({"forward", "__init__", "__call__", "init", "reset", "parameters"})


def _strong_signal(node: ast.Call) -> str | None:
    """A call that produces stand-in data by name: `make_dummy_data()`, `make_classification()`."""
    name = call_name(node)
    words = tokens(name)
    if last_part(name) in MAKE_GENERATORS or words & SYNTHETIC_WORDS:
        return f"{name}()"
    if "random" in words and words & DATA_WORDS and not words & RANDOM_MODULES - {"random"}:
        return f"{name}()"
    return None


def _random_signal(node: ast.Call) -> str | None:
    """A call that draws random values (`np.random.randn`, `torch.rand`); data only in context."""
    name = call_name(node)
    parts = name.split(".")
    if len(parts) >= 2 and parts[-1] in RANDOM_TENSORS and set(parts[:-1]) & RANDOM_MODULES:
        return f"{name}()"
    return None


def _literal_data(node: ast.AST) -> bool:
    """A list/tuple literal of at least three constant records: hard-coded sample data."""
    if not isinstance(node, ast.List | ast.Tuple) or len(node.elts) < 3:
        return False
    return all(_constant_record(element) for element in node.elts)


def _constant_record(node: ast.AST) -> bool:
    """A string, or a non-empty tuple/list/dict of constants holding at least one string."""
    if isinstance(node, ast.Constant):
        return isinstance(node.value, str)
    leaves = node.elts if isinstance(node, ast.Tuple | ast.List) else getattr(node, "values", None)
    if not isinstance(node, ast.Tuple | ast.List | ast.Dict) or not leaves:
        return False
    if not all(isinstance(leaf, ast.Constant) for leaf in leaves):
        return False
    return any(isinstance(leaf, ast.Constant) and isinstance(leaf.value, str) for leaf in leaves)


def _walk_body(statements: list[ast.stmt]) -> Iterator[ast.AST]:
    """Every node of some statements, without entering nested function or class definitions."""
    stack: list[ast.AST] = list(reversed(statements))
    while stack:
        node = stack.pop()
        yield node
        for child in reversed(list(ast.iter_child_nodes(node))):
            if not isinstance(
                child, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef | ast.Lambda
            ):
                stack.append(child)


LOOKUP_WORDS = frozenset(
    {
        "label",
        "labels",
        "class",
        "classes",
        "category",
        "categories",
        "name",
        "names",
        "column",
        "columns",
        "field",
        "fields",
        "header",
        "headers",
        "vocab",
        "vocabulary",
        "stopwords",
        "mapping",
        "lookup",
        "table",
        "keys",
        "choices",
        "options",
        "config",
        "cfg",
        "settings",
        "defaults",
        "params",
        "schema",
        "colors",
        "tags",
        "units",
        "symbols",
        "special",
        "id2label",
        "label2id",
    }
)
"""Words naming a small constant lookup table (label names, columns, a vocabulary), not data."""
OPTIONAL_IMPORT_ERRORS = frozenset({"ImportError", "ModuleNotFoundError"})
TABLE_BUILDERS = frozenset({"from_dict", "from_list", "from_records", "from_pylist", "from_pydict"})
"""Constructors (`Dataset.from_dict`, `pa.Table.from_pylist`) that build a table from rows or columns."""


def _hard_coded_statement(context: FileContext, node: ast.stmt) -> tuple[str, str] | None:
    """("hard-coded" or "generated", what) when the statement returns or binds made-up rows
    under a data name (a lookup-table name - `label_names`, `load_classes()` - is left alone)."""
    if isinstance(node, ast.Return | ast.Assign | ast.AugAssign | ast.AnnAssign):
        value = node.value
    else:
        return None
    if value is None:
        return None
    constants = context.once("record-constants", lambda: _record_constants(context.tree))
    found = _hard_coded(value, constants)
    if found is None or _lookup_named(_bound_names(context, node) + _names_read(value)):
        return None
    return found


def _bound_names(context: FileContext, node: ast.stmt) -> list[str]:
    """The names a statement binds, or for a `return` the function it returns from."""
    if isinstance(node, ast.Assign):
        return [name for target in node.targets for name in target_names(target)]
    if isinstance(node, ast.AugAssign | ast.AnnAssign):
        return target_names(node.target)
    functions = context.functions_around(node)
    return [functions[0].name] if functions else []


def _names_read(value: ast.AST) -> list[str]:
    return [value.id] if isinstance(value, ast.Name) else []


def _lookup_named(names: list[str]) -> bool:
    """Whether the names speak of a lookup table (`label_names`) and not of data (`rows`)."""
    words = frozenset(word for name in names for word in tokens(name))
    return bool(words & LOOKUP_WORDS) and not words & (DATA_WORDS - {"labels"})


def _hard_coded(node: ast.AST, constants: frozenset[str]) -> tuple[str, str] | None:
    """Made-up rows: a literal list of records, `[...] * 50`, a DataFrame/Dataset of literals,
    records made up over `range(n)`, or a module constant holding records."""
    if isinstance(node, ast.Name):
        return (
            ("hard-coded", f"{node.id}, a literal list of records")
            if node.id in constants
            else None
        )
    if isinstance(node, ast.List | ast.Tuple) and _record_literal(node.elts):
        return "hard-coded", "a literal list of records"
    if isinstance(node, ast.Tuple):
        return next(filter(None, (_hard_coded(element, constants) for element in node.elts)), None)
    if isinstance(node, ast.BinOp):
        return _hard_coded_operation(node, constants)
    if isinstance(node, ast.Call) and _literal_table(node):
        return "hard-coded", f"{last_part(call_name(node))}() of literals"
    if _made_up_records(node):
        return "generated", "records made up over range()"
    return None


def _hard_coded_operation(node: ast.BinOp, constants: frozenset[str]) -> tuple[str, str] | None:
    """`[records] * 50` (a repeated literal), `rows + [records]`."""
    if isinstance(node.op, ast.Mult):
        for side in (node.left, node.right):
            if isinstance(side, ast.List | ast.Tuple) and _repeated_records(side.elts):
                return "hard-coded", "a literal list of records, repeated"
    if isinstance(node.op, ast.Add):
        return _hard_coded(node.left, constants) or _hard_coded(node.right, constants)
    return None


def _record_kinds(elements: list[ast.expr]) -> list[str] | None:
    """ "text" or "row" per element when every one is a record (a non-empty string, or a
    tuple/list/dict of constants holding a string); None otherwise."""
    kinds: list[str] = []
    for element in elements:
        if isinstance(element, ast.Constant):
            if not (isinstance(element.value, str) and element.value.strip()):
                return None
            kinds.append("text")
        elif _constant_record(element):
            kinds.append("row")
        else:
            return None
    return kinds


def _record_literal(elements: list[ast.expr]) -> bool:
    """Two rows or more (`[("good", 1), ("bad", 0)]`), or three strings or more."""
    kinds = _record_kinds(elements)
    return kinds is not None and (kinds.count("row") >= 2 or len(kinds) >= 3)


def _repeated_records(elements: list[ast.expr]) -> bool:
    """A literal worth repeating into a data set: one row or more, or two strings or more."""
    kinds = _record_kinds(elements) or []
    return "row" in kinds or len(kinds) >= 2


def _literal_table(node: ast.Call) -> bool:
    """`pd.DataFrame({"text": [...], ...})`, `Dataset.from_list([{...}, {...}])` of literals."""
    name = call_name(node)
    builder = last_part(name)
    if builder.lower() not in DATA_CONTAINERS and builder not in TABLE_BUILDERS:
        return False
    data = node.args[0] if node.args else None
    for keyword in node.keywords:
        if keyword.arg in {"data", "mapping"}:
            data = keyword.value
    return data is not None and (_literal_columns(data) or _literal_rows(data))


def _literal_columns(node: ast.AST) -> bool:
    """A dict of named columns, each a list of two constants or more (`{"label": [1, 0]}`)."""
    if not isinstance(node, ast.Dict) or not node.values:
        return False
    named = all(isinstance(key, ast.Constant) and isinstance(key.value, str) for key in node.keys)
    return named and all(_constant_column(value) for value in node.values)


def _constant_column(node: ast.AST) -> bool:
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mult):
        return _constant_column(node.left) or _constant_column(node.right)
    return (
        isinstance(node, ast.List | ast.Tuple)
        and len(node.elts) >= 2
        and all(_constant(element) for element in node.elts)
    )


def _literal_rows(node: ast.AST) -> bool:
    """A list of two rows or more, each a dict/tuple/list of constants (numbers too)."""
    if not isinstance(node, ast.List | ast.Tuple) or len(node.elts) < 2:
        return False
    return all(_constant_row(element) for element in node.elts)


def _constant_row(node: ast.AST) -> bool:
    leaves = node.elts if isinstance(node, ast.Tuple | ast.List) else getattr(node, "values", None)
    if not isinstance(node, ast.Tuple | ast.List | ast.Dict) or not leaves:
        return False
    return all(_constant(leaf) for leaf in leaves)


def _constant(node: ast.AST) -> bool:
    """A literal number, string or bool (`-1` too), not None."""
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        node = node.operand
    return isinstance(node, ast.Constant) and node.value is not None


def _made_up_records(node: ast.AST) -> bool:
    """`[{"text": f"example {i}", "label": i % 2} for i in range(100)]`: rows invented in a loop."""
    if not isinstance(node, ast.ListComp | ast.GeneratorExp) or len(node.generators) != 1:
        return False
    source = node.generators[0].iter
    if not (isinstance(source, ast.Call) and call_name(source) == "range"):
        return False
    element = node.elt
    if isinstance(element, ast.Dict):
        leaves: list[ast.expr] = [value for value in element.values if value is not None]
    elif isinstance(element, ast.Tuple | ast.List):
        leaves = element.elts
    else:
        return False
    return len(leaves) >= 2 and any(_text_leaf(leaf) for leaf in leaves)


def _text_leaf(node: ast.AST) -> bool:
    """Literal or templated text: `"good"`, `f"example {i}"`, `"w%d" % i`, `"s{}".format(i)`."""
    if isinstance(node, ast.Constant):
        return isinstance(node.value, str) and bool(node.value.strip())
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mod):
        return _text_leaf(node.left)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        return node.func.attr == "format" and _text_leaf(node.func.value)
    return isinstance(node, ast.JoinedStr)


def _record_constants(tree: ast.Module | None) -> frozenset[str]:
    """Module-level names bound to hard-coded records (`FALLBACK_EXAMPLES = [{...}, {...}]`),
    lookup tables (`LABELS`, `COLUMNS`) aside."""
    found: set[str] = set()
    for statement in tree.body if tree is not None else []:
        if isinstance(statement, ast.Assign | ast.AnnAssign) and statement.value is not None:
            targets = statement.targets if isinstance(statement, ast.Assign) else [statement.target]
            names = [target.id for target in targets if isinstance(target, ast.Name)]
            if names and not _lookup_named(names) and _rows_literal(statement.value):
                found.update(names)
    return frozenset(found)


def _rows_literal(node: ast.AST) -> bool:
    """Two rows or more (`[{"text": ..., "label": 1}, ...]`) or a DataFrame of literals; a list of
    plain strings (file names, allowed modes) is not taken for data at module level."""
    if isinstance(node, ast.Call):
        return _literal_table(node)
    if not isinstance(node, ast.List | ast.Tuple):
        return False
    return (_record_kinds(node.elts) or []).count("row") >= 2


def _branch_signal(context: FileContext, branch: ast.AST) -> tuple[int, str, str] | None:
    """The first stand-in data a fallback branch carries on with, outside dev switches:
    (line, "generated" or "hard-coded", what)."""
    literals_count = not _optional_import(branch)
    for node in _walk_body(_branch_body(branch)):
        if context.is_dev_guarded(node):
            continue
        if isinstance(node, ast.Call):
            found = None if _raised(context, node) else _strong_signal(node) or _random_signal(node)
            if found and is_jitter(context, node):
                found = None  # `time.sleep(2**i + random.random())`: a retry's jitter, not data
            if found:
                return node.lineno, "generated", found
        elif literals_count and isinstance(node, ast.stmt) and not _feeds_an_error(context, node):
            hard_coded = _hard_coded_statement(context, node)
            if hard_coded:
                return node.lineno, *hard_coded
    return None


def _raised(context: FileContext, node: ast.Call) -> bool:
    """`raise MockValidationError(...)`: the exception raised, not data."""
    return isinstance(context.parents.get(node), ast.Raise)


def _feeds_an_error(context: FileContext, node: ast.stmt) -> bool:
    """An assignment in a block that ends by raising (`modes = [...]; raise ValueError(modes)`)."""
    if isinstance(node, ast.Return):
        return False
    parent = context.parents.get(node)
    for field in ("body", "orelse", "finalbody", "handlers"):
        block = getattr(parent, field, None)
        if isinstance(block, list) and node in block:
            return isinstance(block[-1], ast.Raise)
    return False


def _fallback_branches(context: FileContext) -> Iterator[ast.AST]:
    """`except` handlers, and the missing-file side of `if not path.exists():` (or the `else` of
    `if path.exists():`) blocks."""
    for node in context.nodes(ast.ExceptHandler, ast.If):
        if isinstance(node, ast.ExceptHandler) or _missing_file_side(node) is not None:
            yield node


def _branch_body(branch: ast.AST) -> list[ast.stmt]:
    """The statements that run when loading failed or the file is missing."""
    if isinstance(branch, ast.ExceptHandler):
        return branch.body
    return _missing_file_side(branch) or []


def _missing_file_side(node: ast.AST) -> list[ast.stmt] | None:
    """`if not exists(p):` -> its body; `if exists(p): ... else:` -> the else; otherwise None."""
    if not isinstance(node, ast.If):
        return None
    if _is_missing_file_test(node.test):
        return node.body
    if _is_exists_test(node.test) and node.orelse:
        return node.orelse
    return None


def _is_missing_file_test(test: ast.AST) -> bool:
    """`not os.path.exists(p)`, `not p.is_file()`, or an `or` holding one."""
    if isinstance(test, ast.BoolOp) and isinstance(test.op, ast.Or):
        return any(_is_missing_file_test(value) for value in test.values)
    if not (isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not)):
        return False
    return _is_exists_test(test.operand)


def _is_exists_test(test: ast.AST) -> bool:
    """`os.path.exists(p)`, `p.is_file()`, a helper `_exists(p)` / `file_exists(p)`, or an `and`
    of them."""
    if isinstance(test, ast.BoolOp) and isinstance(test.op, ast.And):
        return all(_is_exists_test(value) for value in test.values)
    if not isinstance(test, ast.Call):
        return False
    called = last_part(call_name(test))
    words = tokens(called)
    return called in MISSING_FILE_CALLS or ("exists" in words and words <= FILE_TEST_WORDS)


def _optional_import(branch: ast.AST) -> bool:
    """`except ImportError:`: an optional dependency, whose stand-in word list is not data."""
    if not isinstance(branch, ast.ExceptHandler) or branch.type is None:
        return False
    caught = branch.type.elts if isinstance(branch.type, ast.Tuple) else [branch.type]
    return all(last_part(dotted(kind)) in OPTIONAL_IMPORT_ERRORS for kind in caught)


def check_synthetic_fallback(context: FileContext, facts: PhaseFacts) -> Iterator[Finding]:
    """An `except` (or missing-file) branch that carries on with generated or hard-coded data."""
    if context.is_test or context.is_speed_bench:
        return
    random_picks = random_fallbacks(context)
    for branch in _fallback_branches(context):
        if context.is_dev_guarded(branch):
            continue
        found = _branch_signal(context, branch)
        if found is None:
            if branch in random_picks:
                yield random_picks[branch]
            continue
        line, kind, what = found
        start, end = span_of(branch)
        when = "loading fails" if isinstance(branch, ast.ExceptHandler) else "the file is missing"
        message = f"falls back to {kind} data ({what}) when {when}, instead of failing"
        yield Finding("synthetic-fallback", line, message, end_line=end, start_line=start)


def _in_fallback(context: FileContext, node: ast.AST) -> bool:
    child = node
    for parent in context.ancestors(node):
        if isinstance(parent, ast.ExceptHandler):
            return True
        side = _missing_file_side(parent)
        if side is not None and child in side:
            return True
        child = parent
    return False


def _data_context(context: FileContext, node: ast.Call) -> bool:
    """Whether a random draw feeds data: a loader function, a data-named target, a Dataset(...)."""
    functions = context.functions_around(node)
    if functions and functions[0].name in MODEL_FUNCTIONS:
        return False
    if functions and tokens(functions[0].name) & LOADER_WORDS:
        return True
    for parent in context.ancestors(node):
        if isinstance(parent, ast.Call) and tokens(call_name(parent)) & DATA_CONTAINERS:
            return True
        if isinstance(parent, ast.Assign | ast.AnnAssign):
            targets = parent.targets if isinstance(parent, ast.Assign) else [parent.target]
            words = {
                word for target in targets for name in target_names(target) for word in tokens(name)
            }
            return bool(words & (DATA_WORDS - {"x", "y", "batch"}))
        if isinstance(parent, ast.stmt):
            return False
    return False


def check_synthetic_data(context: FileContext, facts: PhaseFacts) -> Iterator[Finding]:
    """Generated data used where real data belongs, outside tests and dev switches."""
    if context.is_test or context.is_speed_bench:
        return
    for node in context.nodes(ast.Call, ast.Return):
        what = _synthetic_use(context, node)
        if what is None or _in_fallback(context, node) or context.is_dev_guarded(node):
            continue
        line = getattr(node, "lineno", 1)
        yield Finding(
            "synthetic-data", line, f"uses generated data ({what}) with no dev/debug switch"
        )


def _synthetic_use(context: FileContext, node: ast.AST) -> str | None:
    if isinstance(node, ast.Call):
        strong = _strong_signal(node)
        if strong:
            return strong
        random = _random_signal(node)
        return random if random and _data_context(context, node) else None
    if isinstance(node, ast.Return) and node.value is not None and _literal_data(node.value):
        functions = context.functions_around(node)
        if functions and tokens(functions[0].name) & LOADER_WORDS:
            return "hard-coded records returned by a loader"
    return None


OUTPUT_WORDS = frozenset(
    {
        "query",
        "queries",
        "question",
        "questions",
        "response",
        "responses",
        "completion",
        "completions",
        "generation",
        "generations",
        "generated",
        "summary",
        "summaries",
        "caption",
        "captions",
        "rationale",
        "rationales",
        "paraphrase",
        "paraphrases",
        "explanation",
        "explanations",
        "critique",
        "critiques",
        "feedback",
        "hypothesis",
        "hypotheses",
        "rewrite",
        "rewritten",
        "answer",
        "answers",
        "reasoning",
        "output",
        "outputs",
    }
)
"""Target words for text a model should produce."""
NOT_OUTPUT_WORDS = frozenset(
    {
        "prompt",
        "prompts",
        "template",
        "templates",
        "instruction",
        "instructions",
        "system",
        "message",
        "msg",
        "log",
        "header",
        "key",
        "path",
        "url",
        "file",
        "dir",
        "id",
        "name",
        "format",
        "fmt",
        "col",
        "column",
        "field",
        "prefix",
        "suffix",
        "repr",
        "str",
        "title",
        "label",
        "desc",
        "description",
        "tag",
        "pattern",
        "regex",
        "sql",
        "cmd",
        "command",
    }
)
GENERATION_VERBS = frozenset(
    {
        "generate",
        "generation",
        "llm",
        "gpt",
        "chat",
        "complete",
        "completion",
        "synthesize",
        "paraphrase",
        "summarize",
        "rewrite",
        "respond",
        "ask",
        "critique",
    }
)
ANSWER_WORDS = frozenset(
    {"answer", "answers", "label", "labels", "gold", "target", "targets", "solution"}
)
_WORDS = re.compile(r"[A-Za-z]{2,}")


@dataclass(frozen=True)
class Canned:
    """A file's module-level canned text: lists of phrases (`OPENERS = ["what is", ...]`,
    `TEMPLATES = ["what is {kw}", ...]`) and single templates (`TEMPLATE = "what is {kw}"`);
    prompt-named ones (`FEW_SHOT`, `PROMPT_TEMPLATE`) are left out: filling them is the way to ask
    a model."""

    phrases: frozenset[str] = frozenset()
    templates: frozenset[str] = frozenset()


NO_CANNED = Canned()
PROMPT_WORDS = frozenset(
    {
        "prompt",
        "prompts",
        "instruction",
        "instructions",
        "system",
        "message",
        "messages",
        "few",
        "shot",
        "fewshot",
        "demonstration",
        "demonstrations",
        "header",
        "log",
        "url",
        "path",
        "sql",
        "cmd",
        "command",
        "input",
    }
)
"""Words of a template that asks a model (`PROMPT_TEMPLATE`, `FEW_SHOT`), or of non-text templates."""
_SLOT = re.compile(r"\{[A-Za-z_]\w*\}|\{\}|%s")


def _canned(tree: ast.Module | None) -> Canned:
    phrases: set[str] = set()
    templates: set[str] = set()
    for statement in tree.body if tree is not None else []:
        if not isinstance(statement, ast.Assign | ast.AnnAssign) or statement.value is None:
            continue
        targets = statement.targets if isinstance(statement, ast.Assign) else [statement.target]
        names = [
            t.id for t in targets if isinstance(t, ast.Name) and not tokens(t.id) & PROMPT_WORDS
        ]
        value = statement.value
        if _string_list(value):
            phrases.update(names)
        elif _slotted_text(value):
            templates.update(names)
    return Canned(frozenset(phrases), frozenset(templates))


def _slotted_text(node: ast.AST) -> bool:
    """A string literal of two words or more with `{slots}` or `%s` to fill."""
    text = node.value if isinstance(node, ast.Constant) else None
    return isinstance(text, str) and bool(_SLOT.search(text)) and len(_WORDS.findall(text)) >= 2


def _template_receiver(node: ast.AST, canned: Canned) -> bool:
    """A literal string, a module template (`TEMPLATE`), or one picked from a canned list
    (`random.choice(TEMPLATES)`, `TEMPLATES[i]`): what `.format()` or `%` fills."""
    if isinstance(node, ast.Constant):
        return isinstance(node.value, str)
    if isinstance(node, ast.Name):
        return node.id in canned.templates
    return _canned_pick(node, canned.phrases)


def _templated(node: ast.AST | None, canned: Canned = NO_CANNED) -> str | None:
    """A string built by filling slots of literal text: an f-string, `.format()`, or `%` (of a
    literal, or of a canned template of the file)."""
    if isinstance(node, ast.JoinedStr):
        literal = " ".join(
            part.value
            for part in node.values
            if isinstance(part, ast.Constant) and isinstance(part.value, str)
        )
        slots: list[ast.AST] = [
            part for part in node.values if isinstance(part, ast.FormattedValue)
        ]
        return _slots_text(slots) if slots and len(_WORDS.findall(literal)) >= 2 else None
    if (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "format"
    ) and _template_receiver(node.func.value, canned):
        return _slots_text([*node.args, *(kw.value for kw in node.keywords)])
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mod):
        left = node.left
        if isinstance(left, ast.Constant):
            text = left.value
            words = len(_WORDS.findall(text)) if isinstance(text, str) else 0
            return _slots_text([node.right]) if words >= 2 else None
        if _template_receiver(left, canned):
            return _slots_text([node.right])
    if isinstance(node, ast.ListComp | ast.GeneratorExp):
        return _templated(node.elt, canned)
    if isinstance(node, ast.List | ast.Tuple) and node.elts:
        filled = [_templated(element, canned) for element in node.elts]
        return next((text for text in filled if text is not None), None)
    return None


def _slots_text(slots: list[ast.AST]) -> str:
    names = {
        word
        for slot in slots
        for sub in ast.walk(slot)
        if isinstance(sub, ast.Name)
        for word in tokens(sub.id)
    }
    attrs = {
        word
        for slot in slots
        for sub in ast.walk(slot)
        if isinstance(sub, ast.Constant) and isinstance(sub.value, str)
        for word in tokens(sub.value)
    }
    leaked = sorted((names | attrs) & ANSWER_WORDS)
    return f" from the {leaked[0]}" if leaked else ""


def _output_target(names: list[str]) -> str | None:
    for name in names:
        words = tokens(name)
        if words & OUTPUT_WORDS and not words & NOT_OUTPUT_WORDS:
            return name
    return None


def check_templated_text(context: FileContext, facts: PhaseFacts) -> Iterator[Finding]:
    """Template text standing in for generated output (queries, responses, ...): an f-string,
    `.format()` or `%` of literal or canned text bound to an output name; where the spec wants
    model-written text, also a template whose value goes into an output (`{"query": q}`) and the
    template a model-calling function falls back to."""
    if context.is_test:
        return
    canned = context.once("templated:canned", lambda: _canned(context.tree))
    for node in context.nodes(
        ast.Assign, ast.AnnAssign, ast.Call, ast.FunctionDef, ast.AsyncFunctionDef
    ):
        found = _templated_assignment(context, node, canned, facts) or _templated_generator(
            node, context, canned, facts
        )
        if found and not context.is_dev_guarded(node):
            line, message = found
            yield Finding("templated-text", line, message)


def _assigned(node: ast.AST) -> tuple[list[str], ast.AST] | None:
    """(names bound, value) of an assignment or of `outputs.append(value)`."""
    if isinstance(node, ast.Assign | ast.AnnAssign) and node.value is not None:
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        return [name for target in targets for name in target_names(target)], node.value
    if (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.args
        and node.func.attr in {"append", "add"}
    ):
        return [dotted(node.func.value)], node.args[0]
    return None


def _templated_assignment(
    context: FileContext, node: ast.AST, canned: Canned, facts: PhaseFacts
) -> tuple[int, str] | None:
    assigned = _assigned(node)
    if assigned is None:
        return None
    names, value = assigned
    target = _output_target(names)
    wants = facts.spec_wants_generation
    if target is None and not wants:
        return None
    slots = _templated(value, canned)
    joined = slots is None and wants and bool(canned.phrases) and _joined(value)
    if (slots is None and not joined) or _wraps_generated_text(value):
        return None
    function = context.enclosing_function(node)
    if joined and function is not None:
        local = _function_fact(context, "locals", function, _local_values)
        slots = _canned_join(value, local, canned)
    if slots is None:
        return None
    if (target is None or joined) and function is not None:
        # the output (`{"query": q}`) a local name goes into, where the spec wants a model
        flows = _function_fact(context, "flows", function, _output_flows)
        flowing = next((flows[name] for name in names if name in flows), None)
        target = flowing if joined else target or flowing
    if target is None:
        return None
    line = getattr(node, "lineno", 1)
    source = _canned_source(value, canned)
    if function is not None and _asks_a_model(function):
        if _from_the_model(context, function, value):
            return None
        return line, (
            f"`{target}` falls back to a fixed template{source}{slots} instead of the model's output"
        )
    return line, f"`{target}` is filled from a fixed template{source}{slots}, not generated"


def _joined(value: ast.AST) -> bool:
    """Text joined from pieces: an f-string, or `a + b`."""
    return isinstance(value, ast.JoinedStr) or (
        isinstance(value, ast.BinOp) and isinstance(value.op, ast.Add)
    )


def _canned_source(value: ast.AST, canned: Canned) -> str:
    """` (QUERY_TEMPLATES)`: the canned text of the file a value is built from, or nothing."""
    for sub in ast.walk(value):
        if isinstance(sub, ast.Name) and sub.id in canned.phrases | canned.templates:
            return f" ({sub.id})"
    return ""


T = TypeVar("T")


def _function_fact(
    context: FileContext, key: str, function: FunctionNode, compute: Callable[[FunctionNode], T]
) -> T:
    """`compute(function)`, once per function and key."""
    known: dict[FunctionNode, T] = context.once(f"templated:{key}", dict)
    if function not in known:
        known[function] = compute(function)
    return known[function]


def _output_flows(function: FunctionNode) -> dict[str, str]:
    """Local name -> the output it goes into: `{"query": q}`, `Row(query=q)`, `queries.append(q)`."""
    found: dict[str, str] = {}
    for sub in _walk_body(function.body):
        pairs: list[tuple[str, ast.AST]] = []
        if isinstance(sub, ast.Dict):
            pairs = [
                (key.value, value)
                for key, value in zip(sub.keys, sub.values, strict=True)
                if isinstance(key, ast.Constant) and isinstance(key.value, str)
            ]
        elif isinstance(sub, ast.Call):
            pairs = [(kw.arg, kw.value) for kw in sub.keywords if kw.arg]
            assigned = _assigned(sub)
            if assigned is not None:
                pairs.append((assigned[0][0], assigned[1]))
        elif isinstance(sub, ast.Assign) and len(sub.targets) == 1:
            pairs = [(name, sub.value) for name in target_names(sub.targets[0])]
        for output, value in pairs:
            words = tokens(output)
            if isinstance(value, ast.Name) and words & FLOW_WORDS and not words & NOT_OUTPUT_WORDS:
                found.setdefault(value.id, output)
    return found


FLOW_WORDS = frozenset(
    {
        "query",
        "queries",
        "question",
        "questions",
        "summary",
        "summaries",
        "caption",
        "captions",
        "paraphrase",
        "paraphrases",
        "rewrite",
        "rewritten",
        "hypothesis",
        "hypotheses",
        "critique",
        "critiques",
    }
)
"""Outputs whose text the spec wants a model to write (`{"query": q}`); an `output` or `answer`
field built from a label is how instruction data is formatted, not a stand-in."""


def _wraps_generated_text(value: ast.AST) -> bool:
    """Whether a template only wraps text that already is a query, question, ... (`f"query:
    {query}"`, `TEMPLATE.format(question)`): an input format, not a stand-in for the text."""
    return any(
        tokens(dotted(slot)) & FLOW_WORDS  # not `answer`: a question made from it is a leak
        for slot in _slot_values(value)
        if isinstance(slot, ast.Name | ast.Attribute)
    )


def _slot_values(value: ast.AST) -> list[ast.AST]:
    if isinstance(value, ast.JoinedStr):
        return [part.value for part in value.values if isinstance(part, ast.FormattedValue)]
    if isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute):
        return [*value.args, *(keyword.value for keyword in value.keywords)]
    if isinstance(value, ast.BinOp) and isinstance(value.op, ast.Mod):
        right = value.right
        return list(right.elts) if isinstance(right, ast.Tuple) else [right]
    return []


def _model_names(function: FunctionNode) -> frozenset[str]:
    """Local names holding a model's output: bound from a model call, or from such names."""
    assignments = [
        (names, sub.value)
        for sub in _walk_body(function.body)
        if isinstance(sub, ast.Assign)
        for names in [[n for t in sub.targets for n in target_names(t)]]
    ]
    found: set[str] = set()
    changed = True
    while changed:
        changed = False
        for names, value in assignments:
            if not set(names) <= found and _uses_the_model(value, found):
                found.update(names)
                changed = True
    return frozenset(found)


def _uses_the_model(value: ast.AST, model_names: set[str] | frozenset[str]) -> bool:
    for sub in ast.walk(value):
        if isinstance(sub, ast.Name) and sub.id in model_names:
            return True
        if isinstance(sub, ast.Call) and tokens(call_name(sub)) & MODEL_CALL_WORDS:
            return True
    return False


def _from_the_model(context: FileContext, function: FunctionNode, value: ast.AST) -> bool:
    """Whether a value is built from the model's output (`f"{opener} {reply.text}"`)."""
    return _uses_the_model(value, _function_fact(context, "model", function, _model_names))


def _canned_join(value: ast.AST, local: dict[str, ast.AST], canned: Canned) -> str | None:
    """The slots of text joined from a canned phrase (`f"{random.choice(OPENERS)} {kw}"`, or a
    local name holding such a pick), or None."""
    picked = {name for name, bound in local.items() if _canned_pick(bound, canned.phrases)}
    parts = _joined_parts(value)
    if len(parts) < 2 and not isinstance(value, ast.JoinedStr):
        return None
    if any(_canned_pick(part, canned.phrases) or _names(part) & picked for part in parts):
        return _slots_text([part for part in parts if not isinstance(part, ast.Constant)])
    return None


STAND_IN_WORDS = frozenset(
    {
        "template",
        "templated",
        "templates",
        "fallback",
        "heuristic",
        "canned",
    }
)
"""Words of a function that makes output without a model (`fallback_query`, `template_question`)."""


def _templated_generator(
    node: ast.AST, context: FileContext, canned: Canned, facts: PhaseFacts
) -> tuple[int, str] | None:
    """A generate/LLM-named function that only returns template text and calls no model (the
    template's words may live in a list of canned phrases it picks from); where the spec wants
    model-written text, also one that calls a model but returns template text on another path."""
    if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
        return None
    words = tokens(node.name)
    if not words & (GENERATION_VERBS | STAND_IN_WORDS):
        return None
    if words & (NOT_OUTPUT_WORDS - {"template", "templates"}):
        return None
    if not words & GENERATION_VERBS and not _stands_in_for_output(context, node.name, words):
        return None
    returns = [sub for sub in _walk_body(node.body) if isinstance(sub, ast.Return) and sub.value]
    if not returns:
        return None
    local = _function_fact(context, "locals", node, _local_values)
    if _calls_a_model(node):
        if not _asks_a_model(node):
            return None
        return _template_fallback(context, node, returns, local, canned, facts)
    slots = [_returned_template(ret.value, local, canned) for ret in returns]
    if any(slot is None for slot in slots):
        return None
    source = _canned_source(_bound_value(returns[0].value, local), canned)
    message = f"`{node.name}()` returns template text{source}{slots[0]} instead of generating it"
    return returns[0].lineno, message


def _stands_in_for_output(context: FileContext, name: str, words: frozenset[str]) -> bool:
    """Whether a `fallback_*`/`template_*` function's text stands in for model-written output: its
    name says it makes a query, question, summary, ... (`fallback_query`), or the file puts what it
    returns into such an output (`{"query": fallback_text(p)}`). A `fallback_answer` returning "I
    could not find an answer" is a reply to the user, not a stand-in, wherever it is not so used."""
    if words & FLOW_WORDS:
        return True
    return any(
        _flows_into_output(context, call)
        for call in context.nodes(ast.Call)
        if isinstance(call, ast.Call) and last_part(call_name(call)) == name
    )


def _flows_into_output(context: FileContext, call: ast.Call) -> bool:
    """`{"query": f(p)}`, `Row(query=f(p))`, `queries.append(f(p))`, `query = f(p)`."""
    parent = context.parents.get(call)
    names: list[str] = []
    if isinstance(parent, ast.Dict):
        names = [
            key.value
            for key, value in zip(parent.keys, parent.values, strict=True)
            if value is call and isinstance(key, ast.Constant) and isinstance(key.value, str)
        ]
    elif isinstance(parent, ast.keyword) and parent.arg:
        names = [parent.arg]
    elif isinstance(parent, ast.Assign | ast.AnnAssign | ast.Call):
        assigned = _assigned(parent)
        names = assigned[0] if assigned is not None and assigned[1] is call else []
    return any(tokens(name) & FLOW_WORDS and not tokens(name) & NOT_OUTPUT_WORDS for name in names)


def _bound_value(value: ast.AST | None, local: dict[str, ast.AST]) -> ast.AST:
    """The value a returned local name was last assigned (the returned value itself otherwise)."""
    if isinstance(value, ast.Name) and value.id in local:
        return local[value.id]
    return value if value is not None else ast.Constant(None)


def _template_fallback(
    context: FileContext,
    function: FunctionNode,
    returns: list[ast.Return],
    local: dict[str, ast.AST],
    canned: Canned,
    facts: PhaseFacts,
) -> tuple[int, str] | None:
    """The first return of template text, not built from the model's output, of a function that
    also calls a model (`if client: return client...; return f"{random.choice(OPENERS)} {kw}"`)."""
    if not facts.spec_wants_generation:
        return None
    for ret in returns:
        value = ret.value
        if value is None or _from_the_model(context, function, value):
            continue
        bound = local.get(value.id) if isinstance(value, ast.Name) else None
        if bound is not None and _from_the_model(context, function, bound):
            continue
        slots = _returned_template(value, local, canned)
        if slots is not None:
            source = _canned_source(_bound_value(value, local), canned)
            return ret.lineno, (
                f"`{function.name}()` falls back to template text{source}{slots}"
                " instead of the model's output"
            )
    return None


def _returned_template(
    value: ast.AST | None, local: dict[str, ast.AST], canned: Canned
) -> str | None:
    """`_templated` of a returned value (a local name stands for the value last assigned to it),
    or the text joined from a picked canned phrase (`f"{random.choice(OPENERS)} {sentence}"`)."""
    if isinstance(value, ast.Name) and value.id in local:
        name, value = value.id, local[value.id]
        if _output_target([name]) and _templated(value, canned) is not None:
            return None  # `check_templated_text` flags the assignment already
    found = _templated(value, canned)
    if found is not None or value is None:
        return found
    return _canned_join(value, local, canned)


def _joined_parts(node: ast.AST) -> list[ast.AST]:
    """The pieces a string is joined from: an f-string's slots and text, `a + b`'s operands."""
    if isinstance(node, ast.JoinedStr):
        return [
            part.value if isinstance(part, ast.FormattedValue) else part for part in node.values
        ]
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return [*_joined_parts(node.left), *_joined_parts(node.right)]
    return [node]


def _names(node: ast.AST) -> set[str]:
    return {node.id} if isinstance(node, ast.Name) else set()


def _local_values(function: FunctionNode) -> dict[str, ast.AST]:
    """Local name -> the value last assigned to it in the function's own body (simple names)."""
    found: dict[str, ast.AST] = {}
    for sub in _walk_body(function.body):
        if isinstance(sub, ast.Assign) and len(sub.targets) == 1:
            target = sub.targets[0]
            if isinstance(target, ast.Name):
                found[target.id] = sub.value
    return found


def _string_list(node: ast.AST) -> bool:
    return (
        isinstance(node, ast.List | ast.Tuple | ast.Set)
        and len(node.elts) >= 2
        and all(isinstance(e, ast.Constant) and isinstance(e.value, str) for e in node.elts)
    )


def _canned_pick(node: ast.AST, phrases: frozenset[str]) -> bool:
    """`random.choice(OPENERS)`, `OPENERS[i]`, `rng.choice(["...", "..."])`: a canned phrase."""
    if isinstance(node, ast.Call) and node.args:
        if last_part(call_name(node)) not in {"choice", "choices", "sample"}:
            return False
        source = node.args[0]
    elif isinstance(node, ast.Subscript):
        source = node.value
    else:
        return False
    return (isinstance(source, ast.Name) and source.id in phrases) or _string_list(source)


MODEL_CALL_WORDS = frozenset(
    {
        "create",
        "generate",
        "complete",
        "completion",
        "completions",
        "chat",
        "invoke",
        "predict",
        "model",
        "client",
        "llm",
        "pipeline",
        "api",
        "request",
        "post",
        "messages",
        "call",
        "run",
        "forward",
        "ask",
        "query",
        "openai",
        "anthropic",
        "prompt",
        "send",
        "stream",
    }
)


LLM_CALL_WORDS = frozenset(
    {
        "generate",
        "completion",
        "completions",
        "chat",
        "invoke",
        "llm",
        "openai",
        "anthropic",
        "gpt",
        "claude",
    }
)
"""Words of a call that asks a language model (`call_llm`, `model.generate`, `chat.completions`)."""
CLIENT_CALLS = frozenset({"create", "stream", "complete", "messages"})


def _asks_a_model(function: FunctionNode) -> bool:
    """Whether the function calls a language model by a telling name (`client.messages.create`,
    `call_llm`), not any `run()`, `call()` or `observe_messages()`."""
    for sub in _walk_body(function.body):
        if isinstance(sub, ast.Call):
            words = tokens(call_name(sub))
            if words & LLM_CALL_WORDS or ("client" in words and words & CLIENT_CALLS):
                return True
            if {"messages", "create"} <= words:
                return True
    return False


def _calls_a_model(function: FunctionNode) -> bool:
    """Whether the function calls anything that could be a model or an API (`client.messages.create`)."""
    for sub in _walk_body(function.body):
        if isinstance(sub, ast.Call) and tokens(call_name(sub)) & MODEL_CALL_WORDS:
            return True
    return False
