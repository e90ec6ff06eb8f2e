"""Provides `NodeIndex`: one walk over a Python syntax tree that every rule then reads.

The rules ask the same questions of every file: which nodes are calls (assignments, functions, ...),
what holds this node, in which order `ast.walk` meets them. Walking the whole tree once per rule made
the checks slow on large phases, so the tree is walked once: the nodes in `ast.walk` order, each
node's parent, and the nodes grouped by type. Operator and load/store markers (`ast.Add`,
`ast.Load`, ...) are shared singletons that no rule looks for; they are left out.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from itertools import chain

_NOT_NODES = frozenset(
    {
        "ctx",
        "op",
        "ops",
        "id",
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
"""Fields that only ever hold strings, numbers or the marker singletons (`ctx`, `op`, `ops`): the
walk does not visit them. (`name` is visited: a string in most nodes, a `Name` in `TypeAlias`.)"""
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
    positions: dict[type, list[int]] = field(default_factory=dict)
    """Type -> where its nodes are in `nodes` (to merge several types back into walk order)."""
    _merged: dict[tuple[type, ...], list[ast.AST]] = field(default_factory=dict)

    @classmethod
    def build(cls, tree: ast.AST | None) -> NodeIndex:
        """Walk `tree` once (breadth-first, the order of `ast.walk`); None gives an empty index."""
        index = cls()
        if tree is None:
            return index
        nodes, parents, by_type, positions = (
            index.nodes,
            index.parents,
            index.by_type,
            index.positions,
        )
        nodes.append(tree)
        for position, node in enumerate(
            nodes
        ):  # the list grows as it is read: a breadth-first queue
            kind = type(node)
            if kind not in by_type:
                by_type[kind], positions[kind] = [], []
            by_type[kind].append(node)
            positions[kind].append(position)
            fields = _FIELDS.get(kind)
            for name in fields if fields is not None else _child_fields(kind):
                value = getattr(node, name, None)
                if value.__class__ is list:
                    for item in value:
                        if isinstance(item, ast.AST):
                            parents[item] = node
                            nodes.append(item)
                elif isinstance(value, ast.AST):
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
            else:  # sorting concatenated sorted runs is a cheap merge
                order = sorted(chain.from_iterable(self.positions[kind] for kind in present))
                merged = [self.nodes[position] for position in order]
            self._merged[key] = merged
        return merged


def _expand(types: Sequence[type]) -> Iterator[type]:
    """The classes `isinstance` accepts for `types`: each class and its subclasses (`ast.stmt`
    stands for every statement class)."""
    for kind in types:
        yield kind
        yield from _expand(kind.__subclasses__())
