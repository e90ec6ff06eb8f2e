"""Provides `NodeIndex`: one walk over a Python syntax tree that every rule then reads.

The rules ask the same questions of every file: which nodes are calls (assignments, functions, ...),
what holds this node, in which order `ast.walk` meets them. Walking the whole tree once per rule made
the checks slow on large phases, so the tree is walked once: the nodes in `ast.walk` order, each
node's parent, and the nodes grouped by type. Operator and load/store markers (`ast.Add`,
`ast.Load`, ...) are shared singletons that no rule looks for; they are left out.
"""

from __future__ import annotations

import ast
import gc
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field

_MARKERS = (ast.expr_context, ast.boolop, ast.operator, ast.unaryop, ast.cmpop)
_NOT_NODES = frozenset(
    {
        "ctx",
        "op",
        "ops",
        "id",
        "name",
        "arg",
        "attr",
        "module",
        "level",
        "conversion",
        "kind",
        "type_comment",
        "is_async",
        "simple",
        "asname",
    }
)
"""Fields that only ever hold strings, numbers or marker singletons, never a child node to visit."""
_FIELDS: dict[type, tuple[str, ...]] = {}


def _child_fields(cls: type) -> tuple[str, ...]:
    fields = _FIELDS.get(cls)
    if fields is None:
        fields = _FIELDS[cls] = tuple(
            name for name in getattr(cls, "_fields", ()) if name not in _NOT_NODES
        )
    return fields


@dataclass
class NodeIndex:
    """The nodes of a tree in `ast.walk` (breadth-first) order, their parents, and by type."""

    nodes: list[ast.AST] = field(default_factory=list)
    parents: dict[ast.AST, ast.AST] = field(default_factory=dict)
    by_type: dict[type, list[ast.AST]] = field(default_factory=dict)
    _merged: dict[tuple[type, ...], list[ast.AST]] = field(default_factory=dict)

    @classmethod
    def build(cls, tree: ast.AST | None) -> NodeIndex:
        """Walk `tree` once (breadth-first, the order of `ast.walk`); None gives an empty index."""
        index = cls()
        if tree is None:
            return index
        nodes, parents, by_type = index.nodes, index.parents, index.by_type
        nodes.append(tree)
        position = 0
        while position < len(nodes):  # a list used as the walk's queue: nodes end up in walk order
            node = nodes[position]
            position += 1
            kind = type(node)
            same = by_type.get(kind)
            if same is None:
                by_type[kind] = [node]
            else:
                same.append(node)
            for name in _child_fields(kind):
                value = getattr(node, name, None)
                if isinstance(value, list):
                    for item in value:
                        if isinstance(item, ast.AST) and not isinstance(item, _MARKERS):
                            parents[item] = node
                            nodes.append(item)
                elif isinstance(value, ast.AST) and not isinstance(value, _MARKERS):
                    parents[value] = node
                    nodes.append(value)
        return index

    def of_types(self, types: Sequence[type]) -> list[ast.AST]:
        """Nodes whose exact type is one of `types`, in walk order (cached per set of types)."""
        key = tuple(types)
        merged = self._merged.get(key)
        if merged is None:
            wanted = set(_expand(types))
            present = [kind for kind in wanted if kind in self.by_type]
            if len(present) <= 1:
                merged = self.by_type[present[0]] if present else []
            else:
                merged = [node for node in self.nodes if type(node) in wanted]
            self._merged[key] = merged
        return merged


def _expand(types: Sequence[type]) -> Iterator[type]:
    """The classes `isinstance` accepts for `types`: each class and its subclasses (`ast.stmt`
    stands for every statement class)."""
    for kind in types:
        yield kind
        yield from _expand(kind.__subclasses__())


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector (a syntax tree is hundreds of thousands of new objects:
    each collection during the parse would walk them all); restores the previous state."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
