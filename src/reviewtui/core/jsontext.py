"""Provides `indented_json(value)`: exactly `json.dumps(value, indent=2, ensure_ascii=False)`, faster.

With `indent` set, Python 3.11's `json` encodes in Python, one generator step per value: on a large
phase's `status --json` (six thousand chunks, three quarters of a million values) that is most of a
second. Here each container whose values are all plain (strings, numbers, booleans, None) is
encoded in one call of the C encoder, with the indented item separator of its depth; only
containers that hold containers are walked in Python. The text is byte for byte the same.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import lru_cache
from json.encoder import c_make_encoder, encode_basestring  # type: ignore[attr-defined]
from typing import Any

_PLAIN = frozenset({str, int, float, bool, type(None)})
"""Exact types the C encoder writes as `json.dumps` does (subclasses go the general way)."""

INDENT = "  "


def indented_json(value: Any) -> str:
    """`json.dumps(value, indent=2, ensure_ascii=False)`, byte for byte (TypeError on values
    `json` cannot encode; no check for circular references)."""
    parts: list[str] = []
    _encode(value, 0, parts)
    return "".join(parts)


@lru_cache(maxsize=64)
def _encoder(depth: int) -> Callable[[Any], str]:
    """A one-line encoder whose item separator starts a new line at `depth`'s indentation: the C
    encoder itself, made once (`JSONEncoder.encode` would make a new one at every call)."""
    separator = ",\n" + INDENT * depth
    if c_make_encoder is None:  # no C accelerator: the pure-Python encoder, same text
        return json.JSONEncoder(ensure_ascii=False, separators=(separator, ": ")).encode
    encoder = c_make_encoder(
        None, _unsupported, encode_basestring, None, ": ", separator, False, False, True
    )
    return lambda value: "".join(encoder(value, 0))


def _unsupported(value: Any) -> Any:
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


def _encode(value: Any, depth: int, parts: list[str]) -> None:
    if isinstance(value, dict):
        _encode_dict(value, depth, parts)
    elif isinstance(value, list | tuple):
        _encode_list(value, depth, parts)
    else:
        parts.append(_encoder(0)(value))


def _encode_dict(value: dict[Any, Any], depth: int, parts: list[str]) -> None:
    if not value:
        parts.append("{}")
        return
    parts.extend(("{\n", INDENT * (depth + 1)))
    separator = ",\n" + INDENT * (depth + 1)
    plain: dict[Any, Any] = {}
    first = True
    for key, item in value.items():
        if type(item) in _PLAIN:
            plain[key] = item
            continue
        if plain:
            first = _flush(plain, depth + 1, parts, separator, first)
            plain = {}
        if not first:
            parts.append(separator)
        first = False
        parts.extend((_key_text(key), ": "))
        _encode(item, depth + 1, parts)
    if plain:
        _flush(plain, depth + 1, parts, separator, first)
    parts.extend(("\n", INDENT * depth, "}"))


def _flush(
    plain: dict[Any, Any], depth: int, parts: list[str], separator: str, first: bool
) -> bool:
    """Append a run of plain items, encoded in one call; returns False (no longer the first item)."""
    if not first:
        parts.append(separator)
    parts.append(_encoder(depth)(plain)[1:-1])
    return False


def _encode_list(value: list[Any] | tuple[Any, ...], depth: int, parts: list[str]) -> None:
    if not value:
        parts.append("[]")
        return
    inner = INDENT * (depth + 1)
    if all(type(item) in _PLAIN for item in value):
        flat = _encoder(depth + 1)(list(value))
        parts.extend(("[\n", inner, flat[1:-1], "\n", INDENT * depth, "]"))
        return
    parts.extend(("[\n", inner))
    separator = ",\n" + inner
    for position, item in enumerate(value):
        if position:
            parts.append(separator)
        _encode(item, depth + 1, parts)
    parts.extend(("\n", INDENT * depth, "]"))


def _key_text(key: Any) -> str:
    """A dict key as `json` writes it: strings quoted, numbers, booleans and None as JSON text in
    quotes (the C encoder coerces them as `json` does)."""
    if type(key) is str:
        return encode_basestring(key)
    return _encoder(0)({key: 0})[1:-4]
