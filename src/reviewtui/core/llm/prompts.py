"""Provides the prompts reviewtui sends: explain a chunk, help link chunks, draft a fix.

Every prompt puts the spec (outline and text) in a system block marked for prompt caching, so the
many calls of one review share it. Everything taken from the repo (spec, diff, file text) is passed
through `redact` first; chunks of files matched by `llm.ignore`, or that hold credentials by name
(`redaction.CREDENTIAL_FILES`), are never put in a prompt.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from reviewtui.core.llm.client import LLMUnavailable, Prompt
from reviewtui.core.llm.redaction import Redaction, credential_file, matches_ignore, redact
from reviewtui.core.models import Chunk, FileDiff, Flag, Section, Spec

SPEC_LIMIT = 60_000
"""Most characters of spec text in the cached block."""
CONTEXT_RADIUS = 12
"""Lines of file text shown above and below a chunk."""
DEFINITION_LIMIT = 400
"""Most lines searched upwards for the enclosing definition."""
LINK_ANSWER_BASE = 256
LINK_ANSWER_PER_CHUNK = 80
"""Answer tokens allowed for a linking prompt: base plus per chunk (an entry takes ~40 tokens), so
a full batch is not cut off at `llm.max_tokens`."""

EXPLAIN_INSTRUCTIONS = """\
You help a researcher review code that a coding agent wrote to implement a spec.
For the chunk of the diff you are given, answer briefly in markdown with exactly these parts:

### What it does
One to three sentences.

### How it implements the section
How the code realises the linked spec section (or say that it is glue code / unrequested).

### Deviations from the spec
Concrete differences from the spec: values and hyper-parameters, data (synthetic or subsampled data,
templated instead of real queries), evaluation (sample counts, metrics, splits), and silent
fallbacks or swallowed errors. Write "None seen." when there are none.

### What to check
One to three short bullet points for the reviewer.

Text marked [REDACTED:...] was removed for safety; do not guess it. Be concrete; quote values."""

LINK_INSTRUCTIONS = """\
You help link code changes to the spec section they implement.
For each chunk, pick the id of the one spec section it implements: the most specific section (a task
rather than its heading) whose text asks for what the chunk does. Pick null when it implements none:
glue code that only supports other code (logging setup, seeding, timers, retries, small utilities),
unless a section asks for that very thing, and work the spec does not ask for. Use only section ids
from the outline. Answer with JSON only, one entry per chunk:
{"links": [{"chunk": "<chunk id>", "section": "<section id or null>", "reason": "<one short line>"}]}"""

DRAFT_INSTRUCTIONS = """\
You draft a patch for a reviewer's request on code a coding agent wrote.
Answer with one unified diff only, in a ```diff fenced block, against the file as given (paths
`a/<path>` and `b/<path>`, correct @@ line numbers, a few lines of context). Change only that file,
and only what the request asks. No explanation outside the block."""


# --------------------------------------------------------------------------- shared pieces


def check_sendable(chunk: Chunk, ignore: Iterable[str]) -> None:
    """Raise `LLMUnavailable` when the chunk's file (or its old name) is never sent."""
    if (reason := not_sendable(chunk, ignore)) is not None:
        raise LLMUnavailable(reason)


def not_sendable(chunk: Chunk, ignore: Iterable[str]) -> str | None:
    """Why the chunk's file is never sent (it matches `llm.ignore`, or holds credentials), or None."""
    patterns = list(ignore)
    for path in filter(None, (chunk.path, chunk.old_path)):
        if matches_ignore(path, patterns):
            return f"not sent: {path} matches llm.ignore"
        if credential_file(path):
            return f"not sent: {path} holds credentials"
    return None


def spec_outline(spec: Spec) -> str:
    """One line per section: indentation by level, id and title."""
    base = min((section.level for section in spec.sections), default=1)
    return "\n".join(
        f"{'  ' * (section.level - base)}- {section.id}: {section.title}"
        for section in spec.sections
    )


def spec_text(spec: Spec) -> str:
    """The whole spec in document order, cut at `SPEC_LIMIT` characters."""
    text = "\n\n".join(section.text.strip() for section in spec.sections if section.text.strip())
    return text if len(text) <= SPEC_LIMIT else text[:SPEC_LIMIT] + "\n[... spec truncated ...]"


def system_blocks(instructions: str, spec: Spec, redactions: list[str]) -> list[dict[str, object]]:
    """Instructions, then the spec outline and text in a prompt-cached block."""
    spec_part = _redact(
        f"# Spec outline (section ids)\n{spec_outline(spec)}\n\n# Spec text\n{spec_text(spec)}",
        redactions,
    )
    return [
        {"type": "text", "text": instructions},
        {"type": "text", "text": spec_part, "cache_control": {"type": "ephemeral"}},
    ]


def chunk_diff(chunk: Chunk, limit: int | None = None) -> str:
    """The chunk's lines with `+`/`-`/` ` prefixes (or its summary when it has no lines)."""
    if chunk.summary and not chunk.lines:
        return chunk.summary
    lines = [f"{line.kind}{line.text}" for line in chunk.lines]
    if limit is not None and len(lines) > limit:
        lines = [*lines[:limit], f"[... {len(lines) - limit} more lines ...]"]
    return "\n".join(lines)


_DEFINITION = re.compile(
    r"^(?P<indent>\s*)(?:async\s+def|def|class|function|func|fn|pub\s+fn|sub|impl|struct|interface"
    r"|(?:export\s+)?(?:async\s+)?function)\b"
)


def enclosing_definition(chunk: Chunk, file_text: str | None) -> str | None:
    """The header line of the definition that encloses the chunk (`123: def step(self, batch):`).

    None when the chunk starts at module level, or starts with its own definition (already shown).
    """
    if not file_text or not chunk.new_lines:
        return None
    lines = file_text.splitlines()
    first = next((line.new_no for line in chunk.lines if line.new_no and line.text.strip()), None)
    if first is None or first > len(lines):
        return None
    text = lines[first - 1]
    indent = len(text) - len(text.lstrip())
    if indent == 0 or _DEFINITION.match(text):
        return None
    for number in range(first - 2, max(-1, first - 1 - DEFINITION_LIMIT), -1):
        match = _DEFINITION.match(lines[number])
        if match and len(match.group("indent")) < indent:
            return f"{number + 1}: {lines[number].strip()}"
    return None


def nearby_context(chunk: Chunk, file_text: str | None, radius: int = CONTEXT_RADIUS) -> str | None:
    """The new file's lines around the chunk, numbered, or None when there is no text."""
    if not file_text or not chunk.new_lines:
        return None
    lines = file_text.splitlines()
    start = max(1, chunk.new_start - radius)
    end = min(len(lines), chunk.new_start + chunk.new_lines - 1 + radius)
    return "\n".join(f"{number:>5}  {lines[number - 1]}" for number in range(start, end + 1))


def _redact(text: str, redactions: list[str]) -> str:
    result: Redaction = redact(text)
    redactions.extend(result.kinds)
    return result.text


def _flag_lines(flags: list[Flag]) -> str:
    return "\n".join(
        f"- [{flag.severity}] {flag.rule}"
        + (f" (line {flag.line})" if flag.line else "")
        + f": {flag.message}"
        for flag in flags
    )


# --------------------------------------------------------------------------- explain


def explain_prompt(
    spec: Spec,
    section: Section | None,
    chunk: Chunk,
    file_diff: FileDiff | None,
    flags: list[Flag],
    ignore: Iterable[str] = (),
) -> tuple[Prompt, list[str]]:
    """The prompt explaining `chunk`, and the kinds of secrets redacted from it."""
    check_sendable(chunk, ignore)
    redactions: list[str] = []
    parts = [_section_part(spec, section), _location_part(chunk)]
    if flags:
        parts.append(f"## Flags raised by reviewtui's checks\n{_flag_lines(flags)}")
    parts.append(f"## The chunk's diff\n```diff\n{chunk_diff(chunk)}\n```")
    file_text = file_diff.new_text if file_diff else None
    if (definition := enclosing_definition(chunk, file_text)) is not None:
        parts.append(f"## Enclosing definition\n{definition}")
    if (context := nearby_context(chunk, file_text)) is not None:
        parts.append(f"## Nearby context (new file, numbered)\n```\n{context}\n```")
    user = _redact("\n\n".join(parts), redactions)
    system = system_blocks(EXPLAIN_INSTRUCTIONS, spec, redactions)
    return Prompt(system, user, kind="explain"), redactions


def _section_part(spec: Spec, section: Section | None) -> str:
    if section is None:
        return "## Linked spec section\nNone: the chunk is linked to no section (glue or unrequested code)."
    trail = " > ".join(a.title for a in reversed(spec.ancestors(section.id)))
    where = f" (under {trail})" if trail else ""
    return f"## Linked spec section: {section.id}{where}\n{section.text.strip() or section.title}"


def _location_part(chunk: Chunk) -> str:
    lines = [f"## Chunk\nFile: {chunk.path} ({chunk.change}), lines {chunk.location}"]
    if chunk.old_path and chunk.old_path != chunk.path:
        lines.append(f"Renamed from: {chunk.old_path}")
    if chunk.symbol:
        lines.append(f"Definition: {chunk.symbol}")
    if chunk.language:
        lines.append(f"Language: {chunk.language}")
    return "\n".join(lines)


# --------------------------------------------------------------------------- linking help


def link_prompt(spec: Spec, chunks: list[Chunk], ignore: Iterable[str] = ()) -> Prompt:
    """One batched prompt asking for a section id (or null) per chunk; ignored files left out."""
    redactions: list[str] = []
    parts = []
    for chunk in chunks:
        check_sendable(chunk, ignore)
        header = f"### chunk {chunk.id}\nFile: {chunk.path}" + (
            f", definition {chunk.symbol}" if chunk.symbol else ""
        )
        parts.append(f"{header}\n```diff\n{chunk_diff(chunk, limit=30)}\n```")
    user = _redact("Link these chunks:\n\n" + "\n\n".join(parts), redactions)
    system = system_blocks(LINK_INSTRUCTIONS, spec, redactions)
    return Prompt(
        system, user, kind="link", max_tokens=LINK_ANSWER_BASE + LINK_ANSWER_PER_CHUNK * len(chunks)
    )


# --------------------------------------------------------------------------- draft a fix


def draft_prompt(
    spec: Spec,
    section: Section | None,
    chunk: Chunk,
    file_text: str,
    request_kind: str,
    request_text: str,
    ignore: Iterable[str] = (),
) -> Prompt:
    """A prompt asking for a unified diff that does what the request says for the chunk."""
    check_sendable(chunk, ignore)
    redactions: list[str] = []
    parts = [
        f"## Request ({request_kind})\n{request_text}",
        _section_part(spec, section),
        _location_part(chunk),
        f"## The chunk's diff (what the agent changed)\n```diff\n{chunk_diff(chunk)}\n```",
        f"## The whole file `{chunk.path}` as it is now\n```\n{file_text}\n```",
    ]
    user = _redact("\n\n".join(parts), redactions)
    system = system_blocks(DRAFT_INSTRUCTIONS, spec, redactions)
    return Prompt(system, user, kind="draft", max_tokens=4096)
