"""Provides `suggest_links(session)`: one batched LLM call that links chunks the lexical linker missed.

The model is asked about the chunks the lexical linker is unsure of (`needs_llm`): those left unlinked
or below `links.threshold`, and those linked on content alone (shared words, structure: no comment,
commit, path or manual link) at or below `llm.link_recheck_below` (by default all of them). They go to the model in batches, least
confident first; it answers JSON naming a section id (or null) with a one-line reason per chunk.
Answers naming a section or chunk that does not exist are rejected, never guessed. Accepted answers
come back as `SectionLink`s carrying one `Evidence(kind="llm", ...)` each, for the session to merge
(`merge_link_help`): the model's pick decides an unsure link, a null unlinks it. A link an explicit
reference (comment, commit, trailer, path) makes at or above `links.threshold` is never overruled. Each accepted pick is cached on disk per chunk, so a
reopened review asks only about new chunks.
"""

from __future__ import annotations

import json
import re
import threading
from dataclasses import dataclass, field
from typing import Any

from reviewtui.core.llm.cache import cache_key
from reviewtui.core.llm.client import Answer, LLMClient
from reviewtui.core.llm.explain import SessionLike, client_for
from reviewtui.core.llm.prompts import LINK_INSTRUCTIONS, chunk_diff, link_prompt, not_sendable
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
    warnings: list[str] = field(default_factory=list)
    """Problems that lost nothing (the picks could not be cached), each reported once per session."""
    usage: Usage = field(default_factory=Usage)
    asked: int = 0
    """How many chunks were sent."""


CONTENT_KINDS = frozenset({"lexical", "structure"})
"""Evidence that rests on the chunk's content alone, which the model may overrule."""


def needs_llm(link: SectionLink, threshold: float, recheck_below: float) -> bool:
    """Whether the model is asked about (and may change) this link.

    Unlinked or below `threshold`; or linked on content alone at or below `recheck_below`. A manual link
    never, nor a link the model has already decided.
    """
    if any(e.kind in {"manual", "llm"} for e in link.evidence):
        return False
    return _unsure(link, threshold, recheck_below)


def _unsure(link: SectionLink, threshold: float, recheck_below: float) -> bool:
    if link.section_id is None or link.confidence < threshold:
        return True
    content_only = all(e.kind in CONTENT_KINDS for e in link.evidence if e.kind != "llm")
    return content_only and link.confidence <= recheck_below


def link_candidates(session: SessionLike) -> list[Chunk]:
    """The chunks `needs_llm` picks, least confident first, minus files never sent."""
    threshold = session.settings.links.threshold
    recheck = session.settings.llm.link_recheck_below
    ignore = session.settings.llm.ignore
    unsure = [link for link in session.links.values() if needs_llm(link, threshold, recheck)]
    unsure.sort(key=lambda link: link.confidence if link.section_id is not None else -1.0)
    result = []
    for link in unsure:
        chunk = session.chunk(link.chunk_id)
        if not_sendable(chunk, ignore) is None:
            result.append(chunk)
    return result


def suggest_links(
    session: SessionLike,
    chunks: list[Chunk] | None = None,
    cancel: threading.Event | None = None,
    *,
    force: bool = False,
    cached_only: bool = False,
) -> LinkHelp:
    """Ask the LLM to link `chunks` (default: `link_candidates(session)`), in batches of `BATCH`.

    Each accepted pick is cached per chunk (keyed by the model, the spec and the chunk's code), so a
    reopened review, or a later phase where the chunk is unchanged, asks only about new chunks.
    `cached_only` sends nothing (for `status` and `export`, so they agree with what the app showed);
    `force` asks again even when a pick is cached.
    """
    ignore = session.settings.llm.ignore
    todo = link_candidates(session) if chunks is None else chunks
    todo = [chunk for chunk in todo if not_sendable(chunk, ignore) is None]
    help_ = LinkHelp()
    client = client_for(session)
    score = session.settings.llm.link_score
    if not force:
        todo = [c for c in todo if not _use_cached_pick(help_, client, session.spec, c, score)]
    if cached_only:
        return help_
    for start in range(0, len(todo), BATCH):
        if cancel is not None and cancel.is_set():
            help_.errors.append("cancelled")
            break
        batch = todo[start : start + BATCH]
        prompt = link_prompt(session.spec, batch, ignore)
        answer = client.complete(prompt, cancel, background=True, force=force)
        help_.asked += len(batch)
        picks = _merge(help_, answer, session.spec, batch, score)
        warnings = [answer.warning]
        for chunk in batch:
            if chunk.id in picks:
                warnings.append(_store_pick(client, session.spec, chunk, picks[chunk.id]))
        help_.warnings.extend(filter(None, warnings))
    return help_


def _pick_key(client: LLMClient, spec: Spec, chunk: Chunk) -> str:
    outline = [(section.id, section.title) for section in spec.sections]
    payload = {
        "kind": "link",
        "instructions": LINK_INSTRUCTIONS,  # a revised prompt asks again
        "outline": outline,
        "path": chunk.path,
        "code": chunk_diff(chunk),
    }
    return cache_key(client.settings.model, payload)


def _use_cached_pick(
    help_: LinkHelp, client: LLMClient, spec: Spec, chunk: Chunk, score: float
) -> bool:
    hit = client.cache.get(_pick_key(client, spec, chunk))
    if hit is None:
        return False
    try:
        data = json.loads(hit[0])
    except ValueError:
        return False
    section_id, detail = data.get("section"), str(data.get("detail", ""))
    if section_id is not None and section_id not in spec:
        return False
    confidence = score if section_id else 0.0
    evidence = [Evidence("llm", detail, confidence)]
    help_.links[chunk.id] = SectionLink(chunk.id, section_id, confidence, evidence)
    return True


def _store_pick(client: LLMClient, spec: Spec, chunk: Chunk, link: SectionLink) -> str | None:
    """Cache one pick (best-effort); the cache warning when this is the session's first failure."""
    text = json.dumps({"section": link.section_id, "detail": link.evidence[0].detail})
    return client.store(_pick_key(client, spec, chunk), text, Usage(), kind="link")


def _merge(
    help_: LinkHelp, answer: Answer, spec: Spec, batch: list[Chunk], score: float
) -> dict[str, SectionLink]:
    help_.usage.add(answer.usage)
    if not answer.ok:
        help_.errors.append(answer.error or "LLM: failed")
        return {}
    try:
        links, rejected = parse_link_answer(answer.text, spec, [c.id for c in batch], score)
    except ValueError as error:
        help_.errors.append(f"LLM: unreadable linking answer ({error})")
        return {}
    help_.links.update(links)
    help_.rejected.extend(rejected)
    return links


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
            links[chunk_id] = llm_link(chunk_id, section_id, reason, score)
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


def llm_link(chunk_id: str, section_id: str | None, reason: str, score: float) -> SectionLink:
    """The model's pick as a link with its one `llm` evidence ("no section" has confidence 0)."""
    target = section_id or "no section"
    detail = f"LLM picked {target}: {reason}" if reason else f"LLM picked {target}"
    confidence = score if section_id else 0.0
    return SectionLink(chunk_id, section_id, confidence, [Evidence("llm", detail, confidence)])


def merge_link_help(
    links: dict[str, SectionLink], help_: LinkHelp, threshold: float, *, recheck_below: float
) -> list[str]:
    """Merge the model's picks into `links` (in place); returns the ids of chunks whose section changed.

    A manual link is never touched, nor one at or above `threshold` with evidence beyond shared
    words and structure (a comment, commit, trailer or path naming the section). An unsure link
    (see `needs_llm`: also one an explicit reference makes below `threshold`) takes the model's pick: its section (confidence at least
    `llm.link_score` and `threshold`), or, for "no section", unlinked. The `llm` evidence is added
    either way, so `status --json` and the requirement panel show why.
    """
    changed: list[str] = []
    for chunk_id, suggestion in help_.links.items():
        current = links.get(chunk_id)
        if current is None or any(e.kind == "manual" for e in current.evidence):
            continue
        unsure = _unsure(current, threshold, recheck_below)
        current.evidence = [e for e in current.evidence if e.kind != "llm"]
        current.evidence.extend(suggestion.evidence)
        if not unsure or (suggestion.section_id is None and current.section_id is None):
            continue
        if current.section_id != suggestion.section_id:
            changed.append(chunk_id)
        if suggestion.section_id is None:
            current.section_id, current.confidence = None, 0.0
        elif current.section_id == suggestion.section_id and current.confidence >= threshold:
            current.confidence = max(current.confidence, suggestion.confidence)
        else:
            current.section_id = suggestion.section_id
            current.confidence = max(suggestion.confidence, threshold)
    return changed
