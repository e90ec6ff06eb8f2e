"""Provides `declared_deviations(commits)`: the `Deviations:` blocks the coding agent wrote in the
bodies of the phase's commits (`reviewtui init` asks it to list its deviations from the spec there).

A block starts at a line `Deviations:` (or `## Deviations`, `**Deviations:**`, text may follow the
colon) and runs to the first blank line that is not followed by more of the list, to a git trailer
after a blank line, or to the next heading. "none" and friends declare nothing. The text is kept as
the agent wrote it (dedented), untrusted: the caller escapes it for where it shows it.
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Iterable
from dataclasses import dataclass

from reviewtui.core.models import CommitInfo

_START = re.compile(
    r"^\s*(?:#{1,6}\s*)?(?:\*\*|__)?deviations?(?: from the spec)?\s*(?::\s*(?:\*\*|__)?|(?:\*\*|__)?\s*:|(?:\*\*|__)?\s*$)(?P<rest>.*)$",
    re.IGNORECASE,
)
_CONTINUES = re.compile(r"^(\s+\S|\s*(?:[-*+]|\d+[.)])\s)")
"""A line that goes on with the block after a blank line: indented, or a list item."""
_HEADING = re.compile(r"^(#{1,6}\s|(?:\*\*)?[A-Z][\w ]{0,40}:(?:\*\*)?\s*$)")
"""A line that starts another block: a markdown heading, or `Something:` alone on its line."""
_TRAILER = re.compile(r"^[A-Za-z][A-Za-z0-9-]*:\s+\S")
"""A git trailer (`Spec: 2.1`, `Co-authored-by: …`): after a blank line it ends the block."""
_NOTHING = {"none", "no deviations", "n/a", "na", "nothing", "no", "-"}


@dataclass(frozen=True)
class DeclaredDeviation:
    """One commit's `Deviations:` block."""

    commit: str
    """The commit's full sha."""
    subject: str
    text: str
    """The block's text as the agent wrote it, dedented, without the heading."""


def declared_deviations(commits: Iterable[CommitInfo]) -> list[DeclaredDeviation]:
    """Every commit's declared deviations, oldest commit first (commits without any are skipped)."""
    found = []
    for commit in commits:
        for text in deviation_blocks(commit.body):
            found.append(DeclaredDeviation(commit.sha, commit.subject, text))
    return found


def deviation_blocks(body: str) -> list[str]:
    """The texts of the `Deviations:` blocks of one commit body, in order; empty ones and "none"
    are left out."""
    lines = body.replace("\r\n", "\n").split("\n")
    blocks = []
    index = 0
    while index < len(lines):
        match = _START.match(lines[index])
        if match is None:
            index += 1
            continue
        block, index = _block(lines, index + 1)
        text = _joined(match.group("rest"), block)
        if text and _plain(text) not in _NOTHING:
            blocks.append(text)
    return blocks


def _block(lines: list[str], index: int) -> tuple[list[str], int]:
    """The lines of a block starting at `index`, and the index after it."""
    block: list[str] = []
    while index < len(lines):
        line = lines[index]
        if not line.strip():
            following = next((later for later in lines[index + 1 :] if later.strip()), "")
            if not _CONTINUES.match(following) and (block or _TRAILER.match(following)):
                break
        elif _HEADING.match(line) or _START.match(line):
            break
        block.append(line)
        index += 1
    return block, index


def _joined(rest: str, block: list[str]) -> str:
    body = textwrap.dedent("\n".join(block)).strip("\n")
    text = "\n".join(part for part in (rest.strip(), body) if part)
    return text.strip()


def _plain(text: str) -> str:
    return re.sub(r"^[-*+\s]+|[.!\s]+$", "", text.lower())
