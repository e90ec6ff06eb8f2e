"""Provides `visible_controls`: untrusted text (diffs, paths, commit messages, spec text, LLM output,
error messages) with every character that could act on a terminal or hide what the text says written
as a visible escape (`\\x1b`, `\\u202e`), so neither a terminal, a markdown viewer nor an agent reading
a prompt is fooled by it.

Escaped: C0 controls except newline and tab (ESC, CR, BEL, ...), DEL and the C1 controls; the bidi
marks, embeddings, overrides and isolates ("Trojan Source": U+061C, U+200E-U+200F, U+202A-U+202E,
U+2066-U+2069); zero-width and invisible characters (U+200B-U+200D, U+2060-U+2064, U+FEFF); and the
Unicode line and paragraph separators (U+2028, U+2029). `UNSAFE` is the set, for other renderers.
"""

from __future__ import annotations

import re

_C0_C1 = r"\x00-\x08\x0b-\x1f\x7f-\x9f"
_BIDI = r"\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"
_INVISIBLE = r"\u200b-\u200d\u2060-\u2064\ufeff\u2028\u2029"
_UNSAFE = re.compile(f"[{_C0_C1}{_BIDI}{_INVISIBLE}]")

UNSAFE: frozenset[str] = frozenset(
    chr(code) for code in range(0x10000) if _UNSAFE.fullmatch(chr(code))
)
"""Every character `visible_controls` escapes."""


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def visible_controls(text: str) -> str:
    """`text` with the characters of `UNSAFE` written as `\\x1b` / `\\u202e` escapes; newlines and
    tabs stay, everything else is returned as it is."""
    return _UNSAFE.sub(_escape, text)
