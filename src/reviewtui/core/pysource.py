"""Provides `SyntaxTrees`: each Python source of a phase parsed once, shared by the chunk cutter and
the checks.

Both stages need the syntax tree of every changed Python file's new side, and parsing is the largest
single cost of opening a large phase. A `SyntaxTrees` lives as long as one phase is being assembled
(the session drops it afterwards, so the trees are not kept alive behind the review).

Two sources that differ only by one final newline give the same tree: Python's tokenizer appends a
missing final newline before it reads a source, so `a\\n` and `a` are the same input to the parser.
The chunk cutter parses the lines it split (`"\\n".join(lines)`), the checks the file's text: both
share one parse unless the text holds a carriage return (which each side treats its own way).
"""

from __future__ import annotations

import ast
import warnings

from reviewtui.core.gcpause import collector_paused

PARSE_ERRORS = (SyntaxError, ValueError, RecursionError, MemoryError)
"""What `ast.parse` raises on a source it cannot parse (a null byte is a ValueError)."""


def parse_python(source: str) -> ast.Module | None:
    """The syntax tree of `source`, or None when it does not parse. Warnings about the reviewed
    code (invalid escape sequences...) are not printed, and the cyclic garbage collector is paused
    while the tree is built (it is hundreds of thousands of new objects)."""
    try:
        with warnings.catch_warnings(), collector_paused():
            warnings.simplefilter("ignore")
            return ast.parse(source)
    except PARSE_ERRORS:
        return None


def source_key(source: str) -> str:
    """The text two sources with the same tree share: without one final newline (no CR inside)."""
    if source.endswith("\n") and "\r" not in source:
        return source[:-1]
    return source


class SyntaxTrees:
    """Python sources parsed once: `parse(source)` returns the same tree for the same source."""

    def __init__(self) -> None:
        self._trees: dict[str, ast.Module | None] = {}
        self.parses = 0
        """How many sources were actually parsed (the rest were shared)."""

    def parse(self, source: str) -> ast.Module | None:
        """The tree of `source` (None when it does not parse), parsed on the first request only."""
        key = source_key(source)
        if key in self._trees:
            return self._trees[key]
        self.parses += 1
        tree = self._trees[key] = parse_python(source)
        return tree

    def __len__(self) -> int:
        return len(self._trees)
