"""`indented_json` writes exactly what `json.dumps(value, indent=2, ensure_ascii=False)` writes, and
`status_json` exactly what `status --json` printed before it."""

from __future__ import annotations

import enum
import json
import math
from pathlib import Path
from typing import Any

import pytest

from reviewtui.core.jsontext import indented_json
from reviewtui.core.report import status_dict, status_json
from reviewtui.core.session import ReviewSession


class Color(enum.StrEnum):
    RED = "red"


class Level(enum.IntEnum):
    HIGH = 3


VALUES: list[Any] = [
    {},
    [],
    (),
    "plain",
    'quote " backslash \\ tab \t newline \n nul \0 é 漢 😀 \u2028',
    0,
    -7,
    10**30,
    1.5,
    0.1,
    1e-300,
    math.inf,
    -math.inf,
    math.nan,
    True,
    False,
    None,
    {"a": {}, "b": [], "c": [{}], "d": [[]], "e": {"f": {"g": []}}},
    {"mixed": [1, "two", None, {"three": 3}, [4, [5, {}]], 6.0, True]},
    {"plain": 1, "then": {"nested": [1, 2]}, "plain again": "x", "last": [{"k": None}]},
    {1: "int key", 2.5: "float key", False: "bool key", None: "none key", "s": [1]},
    {math.inf: [1], -math.inf: "x", 3: {4: 5}},
    [Color.RED, Level.HIGH, {"enum": Color.RED, "int": Level.HIGH}, {"list": [Level.HIGH]}],
    {"tuple": (1, (2, 3), ({"a": (4,)},))},
    {"é": "漢", "\n": "\0"},
    [[[[[[[[[["deep"]]]]]]]]]],
]


@pytest.mark.parametrize("value", VALUES, ids=range(len(VALUES)))
def test_the_text_is_json_dumps_with_indent_2(value: Any) -> None:
    assert indented_json(value) == json.dumps(value, indent=2, ensure_ascii=False)


def test_values_json_cannot_write_raise_type_error() -> None:
    for value in ({"a": object()}, [1, {2}], {(1, 2): "tuple key"}, {"a": [b"bytes"]}):
        with pytest.raises(TypeError):
            json.dumps(value, indent=2, ensure_ascii=False)
        with pytest.raises(TypeError):
            indented_json(value)


def test_the_status_of_the_demo_is_the_same_text(built_demo: Path) -> None:
    session = ReviewSession.open(built_demo, no_llm=True)
    expected = json.dumps(status_dict(session), indent=2, ensure_ascii=False)
    assert status_json(session) == expected
    assert expected.count('"id"') > 20  # sections and chunks were written, not an empty object
