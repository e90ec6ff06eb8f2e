"""Provides helpers that make untrusted text (diffs, paths, spec text, notes) safe to show.

Nothing shown in the app goes through Rich/Textual markup; on top of that, control characters
(ANSI escape sequences, carriage returns, bidi overrides, zero-width marks: the set
`core.safe_text` escapes for the command line) are replaced by visible stand-ins so a
diff can neither restyle the terminal nor hide what it contains.
"""

from __future__ import annotations

from textual.content import Content

from reviewtui.core.safe_text import UNSAFE

TAB_SIZE = 4


def _visible(char: str) -> str:
    code = ord(char)
    if code < 0x20:
        return chr(0x2400 + code)
    if code == 0x7F:
        return "\u2421"
    if char in UNSAFE:  # C1 controls, bidi overrides and isolates, zero-width and invisible marks
        return f"<U+{code:04X}>"
    return char


def _needs_cleaning(text: str) -> bool:
    return any(ord(char) < 0x20 or char in UNSAFE for char in text)


def clean_line(text: str) -> str:
    """One line of untrusted text: tabs expanded, control and bidi characters made visible."""
    if "\t" in text:
        text = text.expandtabs(TAB_SIZE)
    if not _needs_cleaning(text):
        return text
    return "".join(_visible(char) for char in text)


def clean_block(text: str) -> str:
    """Several lines of untrusted text: each line cleaned, newlines kept."""
    return "\n".join(clean_line(line) for line in text.replace("\r\n", "\n").split("\n"))


def plain(text: str) -> Content:
    """Untrusted text as Textual `Content` (never parsed as markup)."""
    return Content(clean_block(text))


def shorten(text: str, width: int) -> str:
    """`text` cut to `width` characters with an ellipsis."""
    return text if len(text) <= width else text[: max(width - 1, 0)] + "…"
