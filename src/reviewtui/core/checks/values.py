"""Provides unit-aware parsing and comparison of the values a spec states and code sets.

`2e-5`, `2 × 10⁻⁵`, `2x10^-5`, `$2 \\times 10^{-5}$`, `0.00002` are one number; `10%` is `0.1`;
`1,000` and `1k` are `1000`. Categorical values (`left`, `AdamW`, `bert-base-uncased`) compare after
normalization.
"""

from __future__ import annotations

import math
import re

Value = float | str | tuple[float, ...]
"""A parsed value: a number, a normalized word or name, or a list of numbers (seeds)."""

_SUPERSCRIPT = {
    "⁰": "0",
    "¹": "1",
    "²": "2",
    "³": "3",
    "⁴": "4",
    "⁵": "5",
    "⁶": "6",
    "⁷": "7",
    "⁸": "8",
    "⁹": "9",
    "⁻": "-",
    "⁺": "+",
}
_SUPER_RUN = re.compile("[" + "".join(_SUPERSCRIPT) + "]+")

NUMBER = re.compile(
    r"""(?<![\w.])
    (?P<mant>[-+]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?|[-+]?\.\d+)
    (?:
        (?P<exp>[eE][-+]?\d+)
      | \s*[×x*·⋅]\s*10\s*(?:\^|\*\*)\s*\{?\s*(?P<pow>[-+]?\d+)\s*\}?
      | (?P<bare>(?:\^|\*\*)\s*\{?\s*[-+]?\d+\s*\}?)
    )?
    (?P<suffix>\s?%|[kKM](?![\w-]))?
    (?![\w.]*[A-Za-z/])""",
    re.VERBOSE,
)


def normalize_text(text: str) -> str:
    """Turn typeset maths into plain text: superscripts to `^`, `\\times` to `×`, `−` to `-`."""
    text = _SUPER_RUN.sub(lambda m: "^" + "".join(_SUPERSCRIPT[c] for c in m.group(0)), text)
    for typeset, plain in (
        ("\\times", "×"),
        ("\\cdot", "·"),
        ("−", "-"),
        ("$", ""),
        ("\u00a0", " "),
    ):
        text = text.replace(typeset, plain)
    return text


def number_from_match(match: re.Match[str]) -> float | None:
    """The number a `NUMBER` match states, or None when it is out of range (`10^999`)."""
    try:
        value = _number(match)
    except (OverflowError, ValueError):
        return None
    return value if math.isfinite(value) else None


def _number(match: re.Match[str]) -> float:
    mantissa = float(match.group("mant").replace(",", ""))
    if match.group("exp"):
        mantissa = float(match.group("mant").replace(",", "") + match.group("exp"))
    elif match.group("pow"):
        mantissa *= 10.0 ** int(match.group("pow"))
    elif match.group("bare"):
        power = int(re.sub(r"[^\d+-]", "", match.group("bare")))
        mantissa = mantissa**power
    suffix = (match.group("suffix") or "").strip()
    scale = {"%": 0.01, "k": 1e3, "K": 1e3, "M": 1e6}.get(suffix, 1.0)
    return mantissa * scale


def parse_number(text: str) -> float | None:
    """The number a whole string states (`'2 × 10⁻⁵'` -> 2e-05), or None."""
    cleaned = normalize_text(text).strip().strip("`*'\"")
    match = NUMBER.fullmatch(cleaned)
    return number_from_match(match) if match else None


def numbers_equal(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-6, abs_tol=1e-12)


def format_number(value: float) -> str:
    """A short human form: `2e-05`, `32`, `0.1`."""
    if value == int(value) and abs(value) < 1e15:
        return str(int(value))
    return f"{value:g}"


def format_value(value: Value) -> str:
    if isinstance(value, tuple):
        return ", ".join(format_number(item) for item in value)
    if isinstance(value, float):
        return format_number(value)
    return value


def normalize_name(text: str) -> str:
    """A model or choice name compared case-insensitively, quotes and trailing `/` dropped."""
    return text.strip().strip("`'\"").rstrip("/").lower()


def values_agree(spec: Value, code: Value, kind: str) -> bool:
    """Whether a value the code sets is the value the spec states (lists: membership)."""
    if isinstance(spec, str) or isinstance(code, str):
        return _names_agree(str(spec), str(code), kind)
    spec_items = spec if isinstance(spec, tuple) else (spec,)
    code_items = code if isinstance(code, tuple) else (code,)
    return all(any(numbers_equal(item, allowed) for allowed in spec_items) for item in code_items)


def _names_agree(spec: str, code: str, kind: str) -> bool:
    spec, code = normalize_name(spec), normalize_name(code)
    if spec == code:
        return True
    if kind == "model":
        return code.endswith("/" + spec) or spec.endswith("/" + code)
    if kind == "choice":
        return canonical_choice(code) == canonical_choice(spec)
    return False


CHOICE_PREFIXES = (
    "cosine_with_restarts",
    "constant_with_warmup",
    "adamw",
    "adafactor",
    "adagrad",
    "adam",
    "sgd",
    "rmsprop",
    "lion",
    "linear",
    "cosine",
    "constant",
    "polynomial",
    "exponential",
    "plateau",
    "step",
    "left",
    "right",
)


def canonical_choice(text: str) -> str:
    """`adamw_torch` -> `adamw`, `get_cosine_schedule_with_warmup` -> `cosine`, `AdamW` -> `adamw`."""
    lowered = normalize_name(text).removeprefix("get_")
    for prefix in CHOICE_PREFIXES:
        if lowered.startswith(prefix):
            return prefix
    return lowered
