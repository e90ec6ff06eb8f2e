"""Provides the escapers that put untrusted text (titles, paths, notes, messages) into markdown
without changing its structure: `inline` (one line), `code_span` (inside backticks), `table_cell` and
`table_code` (a GFM table cell, plain or as code: every table of the export uses these two), and
`fenced` (a code block whose fence outlasts any backtick run inside).

Control, bidi and zero-width characters are a separate concern: `safe_text.visible_controls`.
"""

from __future__ import annotations

import re


def inline(text: str) -> str:
    """Untrusted text on one markdown line: newlines and runs of blanks folded to one space."""
    return " ".join(text.split())


def code_span(text: str) -> str:
    """Untrusted text to put between single backticks: one line, backticks turned to `'`."""
    return inline(text).replace("`", "'")


def table_cell(text: str) -> str:
    """Untrusted text as one GFM table cell: one line, `\\` and `|` escaped so the row keeps its
    cells and a reader sees the text as written."""
    return inline(text).replace("\\", "\\\\").replace("|", "\\|")


def table_code(text: str) -> str:
    """Untrusted text as a code span in a GFM table cell: GFM splits the row before it reads code
    spans, so `|` is escaped there too (shown as `|`); backslashes stay literal in code."""
    return "`" + code_span(text).replace("|", "\\|") + "`"


def fenced(code: str, language: str = "") -> str:
    """A fenced code block whose fence is longer than any backtick run inside the code."""
    longest = max((len(run) for run in re.findall(r"`+", code)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}{language}\n{code}\n{fence}"
