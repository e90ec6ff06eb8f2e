"""Provides `suggest_links(session)`: one batched LLM call that links chunks the lexical linker missed.

Chunks left unlinked or below `links.threshold` (and not in ignored files) go to the model in batches;
it answers JSON naming a section id (or null) with a one-line reason per chunk. Answers naming a
section or chunk that does not exist are rejected, never guessed. Accepted answers come back as
`SectionLink`s carrying one `Evidence(kind="llm", ...)` each, for the session to merge; the answer
text is cached on disk like every LLM answer, so a reopened review asks nothing.
"""

from __future__ import annotations

import json
import re
import threading
from dataclasses import dataclass, field
from typing import Any

from reviewtui.core.llm.client import Answer
from reviewtui.core.llm.explain import SessionLike, client_for
from reviewtui.core.llm.prompts import link_prompt
from reviewtui.core.llm.redaction import is_ignored
from reviewtui.core.llm.usage import Usage
from reviewtui.core.models import Chunk, Evidence, SectionLink, Spec

BATCH = 40
"""Most chunks in one linking call."""


@dataclass
class LinkHelp:
    """The outcome of linking help."""

    links: dict[str, SectionLink] = field(default_factory=dict)
    """chunk id -> the model's pick: `section_id` set (confidence `llm.link_score`), or None
    (the model says the chunk implements no section; confidence 0)."""
    rejected: list[str] = field(default_factory=list)
    """One line per answer that was refused (unknown section or chunk id, bad shape)."""
    errors: list[str] = field(default_factory=list)
    """One line per batch that failed (no key, HTTP error, unreadable JSON, ...)."""
    usage: Usage = field(default_factory=Usage)
    asked: int = 0
    """How many chunks were sent."""


def link_candidates(session: SessionLike) -> list[Chunk]:
    """Chunks the lexical linker left unlinked or below the threshold, minus ignored files."""
    threshold = session.settings.links.threshold
    ignore = session.settings.llm.ignore
    result = []
    for chunk_id, link in session.links.items():
        if link.section_id is not None and link.confidence >= threshold:
            continue
        if any(e.kind in {"manual", "llm"} for e in link.evidence):
            continue
        chunk = session.chunk(chunk_id)
        if not is_ignored(chunk.path, ignore):
            result.append(chunk)
    return result


def suggest_links(
    session: SessionLike,
    chunks: list[Chunk] | None = None,
    cancel: threading.Event | None = None,
    *,
    force: bool = False,
) -> LinkHelp:
    """Ask the LLM to link `chunks` (default: `link_candidates(session)`), in batches of `BATCH`."""
    ignore = session.settings.llm.ignore
    todo = link_candidates(session) if chunks is None else chunks
    todo = [chunk for chunk in todo if not is_ignored(chunk.path, ignore)]
    help_ = LinkHelp()
    client = client_for(session)
    for start in range(0, len(todo), BATCH):
        if cancel is not None and cancel.is_set():
            help_.errors.append("cancelled")
            break
        batch = todo[start : start + BATCH]
        prompt = link_prompt(session.spec, batch, session.settings.llm.ignore)
        answer = client.complete(prompt, cancel, background=True, force=force)
        help_.asked += len(batch)
        _merge(help_, answer, session.spec, batch, session.settings.llm.link_score)
    return help_


def _merge(help_: LinkHelp, answer: Answer, spec: Spec, batch: list[Chunk], score: float) -> None:
    help_.usage.add(answer.usage)
    if not answer.ok:
        help_.errors.append(answer.error or "LLM: failed")
        return
    try:
        links, rejected = parse_link_answer(answer.text, spec, [c.id for c in batch], score)
    except ValueError as error:
        help_.errors.append(f"LLM: unreadable linking answer ({error})")
        return
    help_.links.update(links)
    help_.rejected.extend(rejected)


def parse_link_answer(
    text: str, spec: Spec, chunk_ids: list[str], score: float
) -> tuple[dict[str, SectionLink], list[str]]:
    """Validate the model's JSON against real section and chunk ids; raises ValueError on bad JSON."""
    items = _items(text)
    wanted = set(chunk_ids)
    links: dict[str, SectionLink] = {}
    rejected: list[str] = []
    for item in items:
        chunk_id, section_id, reason = _fields(item)
        if chunk_id not in wanted:
            rejected.append(f"unknown chunk {chunk_id!r}")
        elif section_id is not None and section_id not in spec:
            rejected.append(f"chunk {chunk_id}: unknown section {section_id!r}")
        else:
            links[chunk_id] = _link(chunk_id, section_id, reason, score)
    return links, rejected


def _items(text: str) -> list[Any]:
    match = re.search(r"\{.*\}", text, re.DOTALL)
    if match is None:
        raise ValueError("no JSON object")
    data = json.loads(match.group(0))
    items = data.get("links") if isinstance(data, dict) else None
    if not isinstance(items, list):
        raise ValueError('no "links" list')
    return items


def _fields(item: Any) -> tuple[str, str | None, str]:
    if not isinstance(item, dict):
        return repr(item), None, ""
    section = item.get("section")
    section_id = str(section) if section not in (None, "", "null", "none") else None
    reason = " ".join(str(item.get("reason") or "").split())[:200]
    return str(item.get("chunk")), section_id, reason


def _link(chunk_id: str, section_id: str | None, reason: str, score: float) -> SectionLink:
    target = section_id or "no section"
    detail = f"LLM picked {target}: {reason}" if reason else f"LLM picked {target}"
    confidence = score if section_id else 0.0
    return SectionLink(chunk_id, section_id, confidence, [Evidence("llm", detail, confidence)])
