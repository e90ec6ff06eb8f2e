"""Provides `link_chunks`: which spec section each chunk implements, with a confidence and the evidence.

Signals (see `core/linking/`): explicit references in comments and commits, paths and code names the
spec quotes, BM25 lexical similarity, then the code's structure (definitions, tests, files). Per
candidate section the scores combine as a noisy-or; a section also inherits the evidence of its
ancestors, so a commit naming a heading and lexical similarity to one of its tasks pick the task.
Below `LinkSettings.threshold` a chunk stays unlinked; the reviewer's manual choice always wins.
"""

from __future__ import annotations

import threading

from reviewtui.config import LinkSettings
from reviewtui.core.gcpause import collector_paused
from reviewtui.core.linking.signals import (
    Candidates,
    LinkContext,
    comment_evidence,
    commit_evidence,
    lexical_evidence,
    lexical_shares,
    literal_path_evidence,
    name_evidence,
    names_section,
    path_evidence,
    value_evidence,
)
from reviewtui.core.linking.structure import SAME_FILE, Decided, structure_evidence
from reviewtui.core.models import Chunk, CommitInfo, Evidence, SectionLink, Spec
from reviewtui.errors import ReviewError

CANCEL_EVERY = 256
"""How many chunks are linked between two looks at the cancel event (a few milliseconds' work)."""
TIE_BREAK = 0.02
"""How much the relative lexical score separates candidates with the same explicit evidence."""


def link_chunks(
    chunks: list[Chunk],
    spec: Spec,
    commits: list[CommitInfo],
    settings: LinkSettings,
    manual: dict[str, str | None] | None = None,
    file_texts: dict[str, str] | None = None,
    cancel: threading.Event | None = None,
) -> dict[str, SectionLink]:
    """One `SectionLink` per chunk id (section_id None when the chunk stays unlinked).

    `cancel` is checked every `CANCEL_EVERY` chunks: once it is set, ReviewError("cancelled").
    The cyclic garbage collector is paused meanwhile (linking allocates many small, long-lived
    objects that a collection pass would only rescan) and restored afterwards."""
    with collector_paused():
        return _link(chunks, spec, commits, settings, manual or {}, file_texts or {}, cancel)


def _link(
    chunks: list[Chunk],
    spec: Spec,
    commits: list[CommitInfo],
    settings: LinkSettings,
    manual: dict[str, str | None],
    file_texts: dict[str, str],
    cancel: threading.Event | None = None,
) -> dict[str, SectionLink]:
    context = LinkContext.build(spec, commits, file_texts)
    context.prepare(chunks, file_texts)
    candidates: dict[str, Candidates] = {}
    shares: dict[str, dict[str, float]] = {}
    for number, chunk in enumerate(chunks):
        if cancel is not None and number % CANCEL_EVERY == 0 and cancel.is_set():
            raise ReviewError("cancelled")
        candidates[chunk.id], shares[chunk.id] = _signals(chunk, context)
    links = {
        chunk.id: _decide(chunk.id, candidates[chunk.id], shares[chunk.id], context)
        for chunk in chunks
    }
    decided: Decided = {
        chunk_id: (link.section_id, link.confidence)
        for chunk_id, link in links.items()
        if link.confidence >= settings.threshold
    }

    def supports(chunk_id: str, section_id: str) -> bool:
        return _own_support(candidates[chunk_id], section_id, context)

    for chunk_id, pairs in structure_evidence(
        chunks, decided, context.label, context.defined, supports
    ).items():
        for section_id, evidence in pairs:
            candidates[chunk_id].setdefault(section_id, []).append(evidence)
        links[chunk_id] = _decide(chunk_id, candidates[chunk_id], shares[chunk_id], context)
    for link in links.values():
        if link.confidence < settings.threshold:
            link.section_id = None
    _apply_manual(links, manual, spec, context)
    return links


def _own_support(own: Candidates, section_id: str, context: LinkContext) -> bool:
    """Whether a chunk's own content (words, names, values, an explicit reference) speaks for a
    section, a section under it or one it back-links to — not merely for a heading above it, where
    its lines already belong: what a neighbour's link needs before the chunk follows it."""
    ancestors = context.ancestors.get(section_id, [])
    return any(
        member in own
        and member not in ancestors
        and any(item.kind in CONTENT_KINDS for item in own[member])
        for member in context.families.get(section_id, (section_id,))
    )


def _signals(chunk: Chunk, context: LinkContext) -> tuple[Candidates, dict[str, float]]:
    candidates: Candidates = {}
    comment_evidence(chunk, context, candidates)
    commit_evidence(chunk, context, candidates)
    path_evidence(chunk, context, candidates)
    literal_path_evidence(chunk, context, candidates)
    name_evidence(chunk, context, candidates)
    value_evidence(chunk, context, candidates)
    scores = lexical_evidence(chunk, context, candidates)
    return candidates, lexical_shares(scores, candidates, context)


def noisy_or(scores: list[float]) -> float:
    """The chance that at least one of several independent signals is right."""
    miss = 1.0
    for score in scores:
        miss *= 1.0 - (0.99 if score > 0.99 else score if score > 0.0 else 0.0)
    return 1.0 - miss


CONTENT_KINDS = ("comment", "commit", "manual", "lexical")
"""Evidence about what a chunk says (not where it sits): what a neighbour's link needs to agree with."""
EXPLICIT_KINDS = ("comment", "commit", "manual")
"""Evidence that names a section on purpose: it is never credited to an unrelated section."""


def _decide(
    chunk_id: str, candidates: Candidates, shares: dict[str, float], context: LinkContext
) -> SectionLink:
    best: tuple[float, int, str] | None = None
    best_evidence: list[Evidence] = []
    for section_id in _pool(candidates, context):
        own = candidates.get(section_id, [])
        inherited = _inherited(section_id, candidates, context)
        if inherited and not _own_signal(own):
            inherited = []
        evidence = _strongest_per_detail(own + inherited) if inherited or len(own) > 1 else own
        confidence = noisy_or([e.score for e in evidence])
        depth = len(context.ancestors.get(section_id, []))
        key = (confidence + TIE_BREAK * shares.get(section_id, 0.0), depth, section_id)
        if best is None or key > best:
            best, best_evidence = key, evidence
    if best is None:
        return SectionLink(chunk_id, None, 0.0, [])
    best, best_evidence = _prefer_task_candidate(best, best_evidence, candidates, context)
    confidence = round(min(noisy_or([e.score for e in best_evidence]), 1.0), 3)
    ordered = sorted(best_evidence, key=lambda e: -e.score)
    return SectionLink(chunk_id, best[2], confidence, ordered)


def _own_signal(own: list[Evidence]) -> bool:
    """Whether a section has evidence of its own beyond the weak nudge of its file's other links: a
    nudge alone must not lift a section above its ancestor by inheriting the ancestor's evidence
    (`load_comparisons` matching '1. Data' stays there, not in '1. Data > Prompt format')."""
    for item in own:
        if item.kind != "structure" or item.score > SAME_FILE:
            return True
    return not own


def _pool(candidates: Candidates, context: LinkContext) -> list[str]:
    """The candidate sections, plus the one task citing a section that explicit evidence names
    (`Spec: 1.1` and `T01 … (1.1)`: the task is the unit of work that implements 1.1)."""
    pool = list(candidates)
    cited_by = context.cited_by
    extra = [
        citing[0]
        for section_id, evidence in candidates.items()
        if (citing := cited_by.get(section_id)) is not None
        and len(citing) == 1
        and citing[0] not in candidates
        and _explicit(evidence)
    ]
    return list(dict.fromkeys(pool + extra)) if extra else pool


def _explicit(evidence: list[Evidence]) -> list[Evidence]:
    return [item for item in evidence if item.kind in EXPLICIT_KINDS]


def _inherited(section_id: str, candidates: Candidates, context: LinkContext) -> list[Evidence]:
    """Evidence a section inherits: its ancestors' (for a sub-heading, not the explicit references:
    `spec: 3` names '3. Training', not '3.3 Seeds' below it; a task, the unit of work, inherits
    them all), and, for a task, the explicit evidence of the sections it cites or back-links to."""
    section = context.spec.get(section_id)
    task = section is not None and section.kind == "task"
    found = [
        item
        for ancestor in context.ancestors.get(section_id, [])
        for item in candidates.get(ancestor, [])
        if task or not names_section(item)
    ]
    targets = context.backlinks.get(section_id)
    if targets and task:
        for target in targets:
            found.extend(_explicit(candidates.get(target, [])))
    return found


TASK_CANDIDATE_SHARE = 0.35
"""A task candidate whose own evidence reaches this share of a describing heading's takes the link."""


def _prefer_task_candidate(
    best: tuple[float, int, str],
    evidence: list[Evidence],
    candidates: Candidates,
    context: LinkContext,
) -> tuple[tuple[float, int, str], list[Evidence]]:
    """When a heading that describes (not contains) a task wins, the task with enough evidence of its
    own takes the link, keeping the heading's evidence: tasks are the units of work and coverage.
    From a heading the task does not cite, only the shared words come along: a path or the file's
    other links name that heading, not the task (they would add confidence for another section).
    A heading that explicit evidence names (a `Spec: 1.1` trailer) only yields to a task that
    cites or back-links to it; a heading the task does not cite only yields to a task whose own
    evidence is about the content (words, names, paths), not merely the commit that wrote it."""
    section = context.spec.get(best[2])
    if section is None or section.kind == "task":
        return best, evidence
    named = bool(_explicit(candidates.get(best[2], [])))
    tasks = [
        (noisy_or([e.score for e in own]), section_id)
        for section_id, own in candidates.items()
        if (task := context.spec.get(section_id)) is not None
        and task.kind == "task"
        and best[2] not in context.ancestors.get(section_id, [])
        and (not named or _related(section_id, best[2], context))
        and (_describes(own) or _related(section_id, best[2], context))
    ]
    if not tasks:
        return best, evidence
    score, task_id = max(tasks)
    if score < TASK_CANDIDATE_SHARE * best[0]:
        return best, evidence
    if not _related(task_id, best[2], context):
        evidence = [item for item in evidence if item.kind == "lexical"]
    merged = _strongest_per_detail(candidates[task_id] + evidence)
    return (best[0], best[1], task_id), merged


def _describes(evidence: list[Evidence]) -> bool:
    return any(item.kind in ("lexical", "path") for item in evidence)


def _related(task_id: str, heading_id: str, context: LinkContext) -> bool:
    """Whether a task cites or back-links to a heading, or to a section under or above it."""
    family = context.families.get(heading_id, set())
    return any(target in family for target in context.backlinks.get(task_id, []))


def _strongest_per_detail(evidence: list[Evidence]) -> list[Evidence]:
    """Drop repeats of the same observation (one comment seen twice counts once)."""
    kept: dict[str, Evidence] = {}
    for item in evidence:
        if item.detail not in kept or kept[item.detail].score < item.score:
            kept[item.detail] = item
    return list(kept.values())


def _apply_manual(
    links: dict[str, SectionLink], manual: dict[str, str | None], spec: Spec, context: LinkContext
) -> None:
    for chunk_id, section_id in manual.items():
        if chunk_id not in links or (section_id is not None and section_id not in spec):
            continue
        if section_id is None:
            evidence = Evidence("manual", "unlinked by the reviewer", 1.0)
        else:
            evidence = Evidence(
                "manual", f"linked by the reviewer to {context.label(section_id)}", 1.0
            )
        links[chunk_id] = SectionLink(chunk_id, section_id, 1.0, [evidence])
