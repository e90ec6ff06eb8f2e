"""Provides what a check rule looks at: `FileContext` (one changed file, parsed once) and `Finding`.

A rule reads a whole file (so it can tell an evaluation function from a training one, or see the
`if args.dev:` around a line) and reports `Finding`s by new-side line; the engine then attaches each
finding to the chunk whose changed lines it touches.
"""

from __future__ import annotations

import ast
import io
import re
import tokenize
from bisect import bisect_right
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import PurePosixPath
from typing import TypeVar

from reviewtui.core.checks.names import (
    DEV_WORDS,
    EVAL_WORDS,
    LOG_CALLS,
    TRAIN_WORDS,
    call_name,
    dotted,
    tokens,
)
from reviewtui.core.checks.nodeindex import NodeIndex
from reviewtui.core.models import FileDiff
from reviewtui.core.pysource import SyntaxTrees, parse_python

_LINE_COMMENT = re.compile(r"(?:^|(?<=\s))(?:#|//).*$")
_SOURCE_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z")
_WAIVER = re.compile(r"reviewtui:\s*ignore\[([^\]]*)\]")
_FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef)
FunctionNode = ast.FunctionDef | ast.AsyncFunctionDef
T = TypeVar("T")

_LANGUAGES = {
    ".py": "python",
    ".pyi": "python",
    ".yaml": "yaml",
    ".yml": "yaml",
    ".json": "json",
    ".toml": "toml",
    ".sh": "shell",
    ".bash": "shell",
    ".cfg": "ini",
    ".ini": "ini",
    ".md": "markdown",
    ".markdown": "markdown",
    ".rst": "text",
    ".txt": "text",
}


@dataclass
class Finding:
    """One problem a rule found in a file: the line to point at and the span it is about."""

    rule: str
    line: int
    message: str
    end_line: int | None = None
    """Last line of the construct the finding is about (a function, an `except` branch); None: `line`."""
    start_line: int | None = None
    """First line of that construct, when it starts before `line`; None: `line`."""

    @property
    def span(self) -> tuple[int, int]:
        start = self.start_line if self.start_line is not None else self.line
        return min(start, self.line), max(self.end_line or self.line, self.line)


def language_of(path: str) -> str:
    """`python`, `yaml`, `json`, `toml`, `shell`, `markdown`, `text`, ... from the file name."""
    name = PurePosixPath(path).name
    if name in {"Makefile", "makefile"}:
        return "shell"
    return _LANGUAGES.get(PurePosixPath(path).suffix.lower(), "other")


TEST_DIRS = frozenset({"test", "tests", "testing"})
"""Folders whose files are tests."""
FIXTURE_DIRS = frozenset({"fixtures", "testdata", "test_data", "snapshots", "__snapshots__"})
"""Folders of test data: never checked (fixtures may hold planted defects on purpose)."""


SPEED_BENCH_DIRS = frozenset({"bench", "benchmarks", "perf", "profiling"})


def is_fixture_path(path: str) -> bool:
    return any(part in FIXTURE_DIRS for part in PurePosixPath(path).parts[:-1])


def is_test_path(path: str) -> bool:
    """Whether a file is test code (`tests/`, `test_*.py`, `*_test.py`, `conftest.py`)."""
    parts = PurePosixPath(path).parts
    name = parts[-1] if parts else path
    in_test_dir = any(part in TEST_DIRS for part in parts[:-1])
    return (
        in_test_dir
        or name.startswith("test_")
        or name.endswith("_test.py")
        or name == "conftest.py"
    )


@dataclass
class FileContext:
    """One changed file's new text, parsed once, with the questions rules ask about its nodes."""

    path: str
    text: str
    language: str = ""
    lines: list[str] = field(default_factory=list)
    trees: SyntaxTrees | None = field(default=None, repr=False, compare=False)
    """Parses shared with the chunk cutter (None: this context parses its own text)."""
    _owners: dict[ast.AST, FunctionNode | None] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )
    """Node -> itself if a function, else the innermost function around it (filled as asked)."""
    _chains: dict[ast.AST | None, tuple[FunctionNode, ...]] = field(
        default_factory=lambda: {None: ()}, init=False, repr=False, compare=False
    )
    """Function -> it and the functions around it, innermost first."""
    _memo: dict[tuple[str, ast.AST | None], bool] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )
    """("dev" | "eval", function) and ("test", if-node) -> the answer, computed once."""
    _facts: dict[str, object] = field(default_factory=dict, init=False, repr=False, compare=False)
    """Whole-file facts the rules asked for (`once`)."""

    def __post_init__(self) -> None:
        self.language = self.language or language_of(self.path)
        self.lines = self.text.splitlines()

    @cached_property
    def tree(self) -> ast.Module | None:
        """The Python syntax tree, or None for other languages and files that do not parse."""
        if self.language != "python":
            return None
        if self.trees is not None:
            return self.trees.parse(self.text)
        return parse_python(self.text)

    @cached_property
    def index(self) -> NodeIndex:
        """Every node of the tree, its parent and its type, from one walk (see `NodeIndex`)."""
        return NodeIndex.build(self.tree)

    @property
    def parents(self) -> dict[ast.AST, ast.AST]:
        """Node -> the node that holds it (the module has none)."""
        return self.index.parents

    @cached_property
    def source_lines(self) -> list[str]:
        """The text cut as `ast.get_source_segment` cuts it: at `\\r\\n`, `\\r` and `\\n`, ends kept."""
        return _SOURCE_LINE.findall(self.text)

    def source_segment(self, node: ast.AST) -> str | None:
        """`ast.get_source_segment(self.text, node)`, without cutting the whole text at every call."""
        try:
            if node.end_lineno is None or node.end_col_offset is None:  # type: ignore[attr-defined]
                return None
            first, last = node.lineno - 1, node.end_lineno - 1  # type: ignore[attr-defined]
            start, end = node.col_offset, node.end_col_offset  # type: ignore[attr-defined]
        except AttributeError:
            return None
        lines = self.source_lines
        if first == last:
            return lines[first].encode()[start:end].decode()
        head = lines[first].encode()[start:].decode()
        tail = lines[last].encode()[:end].decode()
        return "".join([head, *lines[first + 1 : last], tail])

    @property
    def is_test(self) -> bool:
        return is_test_path(self.path)

    @property
    def is_speed_bench(self) -> bool:
        """A speed/profiling script (`bench/`, `benchmarks/`, `profiling/`): generated inputs are its job."""
        return any(part in SPEED_BENCH_DIRS for part in PurePosixPath(self.path).parts[:-1])

    @cached_property
    def waivers(self) -> dict[int, set[str]]:
        """Line -> rule ids waived there with `# reviewtui: ignore[rule-id, ...]`."""
        found: dict[int, set[str]] = {}
        for number, line in enumerate(self.lines, start=1):
            match = _WAIVER.search(line)
            if match:
                found[number] = {part.strip() for part in match.group(1).split(",") if part.strip()}
        return found

    @cached_property
    def comments(self) -> list[tuple[int, str]]:
        """(line, text) of every comment: Python comments via tokenize, `#`/`//` lines elsewhere."""
        if self.tree is not None:
            return _python_comments(self.text)
        found = []
        for number, line in enumerate(self.lines, start=1):
            match = _LINE_COMMENT.search(line)
            if match:
                found.append((number, match.group(0).strip()))
        return found

    def comments_matching(self, pattern: re.Pattern[str]) -> list[tuple[int, str]]:
        """The `comments` `pattern` finds something in, in file order. A Python file is not
        tokenized whole, only the innermost statements (or stretches between statements) holding a
        line the pattern finds something in (a comment is part of its line): the same comments."""
        if self.tree is None or "comments" in self.__dict__ or "\r" in self.text:
            return [(line, text) for line, text in self.comments if pattern.search(text)]
        lines = self.text.split("\n")  # the tokenizer's lines (no lone CR: checked above)
        wanted = [number for number, line in enumerate(lines, 1) if pattern.search(line)]
        found: list[tuple[int, str]] = []
        for start, end in _segments_holding(self.tree, wanted, len(lines)):
            for line, text in _python_comments("\n".join(lines[start - 1 : end])):
                if pattern.search(text):
                    found.append((line + start - 1, text))
        return found

    def nodes(self, *types: type[ast.AST]) -> list[ast.AST]:
        """The nodes of the given types (all nodes without types), in `ast.walk` order."""
        return self.index.of_types(types) if types else self.index.nodes

    def ancestors(self, node: ast.AST) -> Iterator[ast.AST]:
        current = self.parents.get(node)
        while current is not None:
            yield current
            current = self.parents.get(current)

    def once(self, key: str, compute: Callable[[], T]) -> T:
        """A fact about the whole file a rule needs again and again: `compute()` runs once per key."""
        if key not in self._facts:
            self._facts[key] = compute()
        return self._facts[key]  # type: ignore[return-value]

    def enclosing_function(self, node: ast.AST) -> FunctionNode | None:
        """The innermost function definition around `node` (not `node` itself), or None."""
        parent = self.parents.get(node)
        return self._owner(parent) if parent is not None else None

    def _owner(self, node: ast.AST) -> FunctionNode | None:
        """`node` if it is a function, else the innermost function around it (memoized per path)."""
        owners = self._owners
        path: list[ast.AST] = []
        found: FunctionNode | None = None
        current: ast.AST | None = node
        while current is not None:
            if current in owners:
                found = owners[current]
                break
            path.append(current)
            if isinstance(current, _FUNCTIONS):
                found = current
                break
            current = self.parents.get(current)
        for visited in path:
            owners[visited] = found
        return found

    def functions_around(self, node: ast.AST) -> tuple[FunctionNode, ...]:
        """Enclosing function definitions, innermost first."""
        return self._chain(self.enclosing_function(node))

    def _chain(self, function: FunctionNode | None) -> tuple[FunctionNode, ...]:
        chain = self._chains.get(function)
        if chain is None:
            assert function is not None
            chain = self._chains[function] = (
                function,
                *self._chain(self.enclosing_function(function)),
            )
        return chain

    def function_words(self, node: ast.AST) -> set[str]:
        words: set[str] = set()
        for function in self.functions_around(node):
            words |= tokens(function.name)
        return words

    def is_dev_guarded(self, node: ast.AST) -> bool:
        """Whether the node only runs behind an explicit dev/debug switch or in a dev-named function."""
        if self._dev_function(self.enclosing_function(node)):
            return True
        child = node
        for parent in self.ancestors(node):
            if isinstance(parent, ast.If | ast.IfExp) and self._guard_branch(parent, child):
                return True
            child = parent
        return False

    def _dev_function(self, function: FunctionNode | None) -> bool:
        """Whether `function` or one around it has a dev/debug name (memoized per function)."""
        known = self._memo.get(("dev", function))
        if known is None:
            known = self._memo[("dev", function)] = any(
                tokens(around.name) & DEV_WORDS for around in self._chain(function)
            )
        return known

    def _guard_branch(self, branch: ast.If | ast.IfExp, child: ast.AST) -> bool:
        """Whether `child` is on the dev side of `if <dev switch>:` (the else side of `if not dev:`)."""
        mentions = self._memo.get(("test", branch))
        if mentions is None:
            mentions = self._memo[("test", branch)] = _mentions_dev(_unnegated(branch))
        return mentions and _on_dev_side(branch, child)

    def in_eval_path(self, node: ast.AST) -> bool:
        """Whether the node sits in an evaluation function (by name, and not a training one)."""
        function = self.enclosing_function(node)
        known = self._memo.get(("eval", function))
        if known is None:
            known = self._memo[("eval", function)] = _eval_chain(self._chain(function))
        return known

    def imports(self, module: str) -> bool:
        """Whether the file imports `module` (or something under it)."""
        return module in self.imported_modules

    @cached_property
    def imported_modules(self) -> frozenset[str]:
        """Top-level names of every module the file imports (`torch` for `import torch.nn`)."""
        found: set[str] = set()
        for node in self.nodes(ast.Import, ast.ImportFrom):
            if isinstance(node, ast.Import):
                found.update(alias.name.split(".")[0] for alias in node.names)
            else:
                found.add((node.module or "").split(".")[0])  # type: ignore[attr-defined]
        return frozenset(found)


def _eval_chain(functions: Sequence[FunctionNode]) -> bool:
    """Whether the innermost evaluation- or training-named function of the chain is an evaluation one."""
    for function in functions:
        words = tokens(function.name)
        if words & EVAL_WORDS:
            return True
        if words & TRAIN_WORDS:
            return False
    return False


def _unnegated(branch: ast.If | ast.IfExp) -> ast.AST:
    test = branch.test
    return test.operand if isinstance(test, ast.UnaryOp) else test


def _on_dev_side(branch: ast.If | ast.IfExp, child: ast.AST) -> bool:
    """Whether `child` runs when the dev switch `branch` tests is on (the body of `if dev:`, the
    else of `if not dev:`)."""
    test = branch.test
    negated = isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not)
    in_body = child in branch.body if isinstance(branch.body, list) else child is branch.body
    if child is branch.test:
        return False
    return in_body != negated


def _mentions_dev(test: ast.AST) -> bool:
    for node in ast.walk(test):
        if isinstance(node, ast.Name | ast.Attribute) and tokens(dotted(node)) & DEV_WORDS:
            return True
        if (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and len(node.value) < 30
            and tokens(node.value) & DEV_WORDS
        ):
            return True
    return False


def _segments_holding(tree: ast.Module, numbers: list[int], last: int) -> list[tuple[int, int]]:
    """The (first, last) lines of the innermost statement, or stretch between two statements,
    holding each of `numbers`: places where the tokenizer starts afresh (no open bracket, string or
    continuation), as at the start of the file. In file order, each once."""
    found: dict[tuple[int, int], None] = {}
    for number in numbers:
        found[_segment_holding(tree.body, number, 1, last)] = None
    return sorted(found)


def _segment_holding(
    statements: list[ast.stmt], number: int, first: int, last: int
) -> tuple[int, int]:
    """Within lines `first`..`last` holding `statements` (in order), the innermost statement or
    stretch between statements that holds line `number`."""
    while True:
        spans = _statement_spans(statements)
        index = bisect_right([start for start, _end, _group in spans], number) - 1
        if index < 0 or number > spans[index][1]:  # between statements (or before the first)
            after = spans[index][1] + 1 if index >= 0 else first
            before = spans[index + 1][0] - 1 if index + 1 < len(spans) else last
            return after, before
        start, end, group = spans[index]
        inner = _child_statements(group[0]) if len(group) == 1 else []
        if not inner:
            return start, end
        statements, first, last = inner, start, end


def _statement_spans(statements: list[ast.stmt]) -> list[tuple[int, int, list[ast.stmt]]]:
    """(first line with decorators, last line, statements) in order; statements sharing a line
    (`a = 1; b = 2`) make one span."""
    spans: list[tuple[int, int, list[ast.stmt]]] = []
    for statement in statements:
        decorators = getattr(statement, "decorator_list", [])
        start = min([statement.lineno, *(decorator.lineno for decorator in decorators)])
        end = statement.end_lineno or statement.lineno
        if spans and start <= spans[-1][1]:
            previous = spans.pop()
            spans.append((previous[0], max(previous[1], end), [*previous[2], statement]))
        else:
            spans.append((start, end, [statement]))
    return spans


def _child_statements(statement: ast.stmt) -> list[ast.stmt]:
    """The statements directly inside a compound statement (bodies, handlers, cases), in order."""
    found: list[ast.stmt] = []
    pending: list[ast.AST] = list(ast.iter_child_nodes(statement))
    while pending:
        node = pending.pop()
        if isinstance(node, ast.stmt):
            found.append(node)
        elif isinstance(node, ast.ExceptHandler | ast.match_case):
            pending.extend(ast.iter_child_nodes(node))
    return sorted(found, key=lambda child: (child.lineno, child.col_offset))


def _python_comments(text: str) -> list[tuple[int, str]]:
    found: list[tuple[int, str]] = []
    try:
        for token in tokenize.generate_tokens(io.StringIO(text).readline):
            if token.type == tokenize.COMMENT:
                found.append((token.start[0], token.string))
    except (tokenize.TokenError, IndentationError, SyntaxError):
        return found
    return found


def span_of(node: ast.AST) -> tuple[int, int]:
    start = getattr(node, "lineno", 1)
    return start, getattr(node, "end_lineno", None) or start


def file_contexts(files: Sequence[FileDiff], trees: SyntaxTrees | None = None) -> list[FileContext]:
    """One parsed context per changed text file that still exists (test fixtures left out);
    `trees` shares the parses with the chunk cutter."""
    return [
        FileContext(diff.path, diff.new_text, trees=trees)
        for diff in files
        if diff.new_text is not None
        and diff.change != "deleted"
        and not diff.binary
        and not is_fixture_path(diff.path)
    ]


def shown_to_a_human(context: FileContext, node: ast.AST) -> bool:
    """Whether the node is only shown to a human: inside an f-string or a print/log call of its
    statement (a preview, not a setting or a subset the code uses)."""
    for parent in context.ancestors(node):
        if isinstance(parent, ast.JoinedStr):
            return True
        if isinstance(parent, ast.Call) and tokens(call_name(parent)) & LOG_CALLS:
            return True
        if isinstance(parent, ast.stmt):
            return False
    return False
