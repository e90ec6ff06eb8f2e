"""Provides `init_agent_instructions` (for `reviewtui init`): adds a short, marked block to the repo's
agent instructions (CLAUDE.md or AGENTS.md, whichever exists, else CLAUDE.md) asking the coding agent
to name spec section/task ids in commit trailers and comments, to stop at the spec's checkpoints and to
list its deviations. Running it again changes nothing; an outdated block is replaced in place.

`SPEC_CONVENTION` is the same convention as plain text, for the requests prompt handed to the agent.
"""

from __future__ import annotations

from pathlib import Path

from reviewtui.errors import ReviewError

BLOCK_START = "<!-- reviewtui:start -->"
BLOCK_END = "<!-- reviewtui:end -->"
INSTRUCTION_FILES = ("CLAUDE.md", "AGENTS.md")
"""Looked for in this order; the first that exists gets the block (CLAUDE.md is created otherwise)."""

SPEC_CONVENTION = """\
- Name the spec section or task you implement: add a `Spec: <id>` trailer to every commit \
(for example `Spec: 2.1` or `Spec: T012`), and a `# spec: <id>` comment above each function, \
class or config block you write for it.
- Stop at the spec's checkpoints: when a phase's checkpoint is reached, commit and wait for review \
instead of starting the next phase.
- List your deviations from the spec (changed parameters, skipped steps, substitutes such as \
synthetic data or subsampled evaluation) in your final message and in the last commit's body, \
under a `Deviations:` heading."""
"""The conventions reviewtui asks of the agent; the requests prompt repeats them."""

BLOCK = f"""{BLOCK_START}
## Working with reviewtui

This repository is reviewed with reviewtui, which pairs the spec with the code written for it.

{SPEC_CONVENTION}
{BLOCK_END}
"""


def instructions_path(root: Path) -> Path:
    """The agent instructions file to use: an existing CLAUDE.md or AGENTS.md, else CLAUDE.md."""
    for name in INSTRUCTION_FILES:
        if (root / name).is_file():
            return root / name
    return root / INSTRUCTION_FILES[0]


def init_agent_instructions(root: Path) -> tuple[Path, bool]:
    """Add (or refresh) the reviewtui block; returns (the file, whether it changed)."""
    path = instructions_path(root)
    try:
        text = path.read_text(encoding="utf-8") if path.exists() else ""
    except (OSError, UnicodeDecodeError) as error:
        raise ReviewError(f"cannot read {path.name}: {error}") from None
    updated = with_block(text)
    if updated == text:
        return path, False
    try:
        path.write_text(updated, encoding="utf-8")
    except OSError as error:
        raise ReviewError(f"cannot write {path.name}: {error}") from None
    return path, True


def with_block(text: str) -> str:
    """`text` with exactly one current reviewtui block (replacing an old one, else appended)."""
    start = text.find(BLOCK_START)
    end = text.find(BLOCK_END, start + 1) if start >= 0 else -1
    if start >= 0 and end < 0:
        raise ReviewError(f"the reviewtui block has no end marker {BLOCK_END}: fix it by hand")
    if start >= 0:
        tail = text[end + len(BLOCK_END) :].removeprefix("\n")
        return text[:start] + BLOCK + tail
    if not text:
        return BLOCK
    separator = "" if text.endswith("\n\n") else ("\n" if text.endswith("\n") else "\n\n")
    return text + separator + BLOCK
