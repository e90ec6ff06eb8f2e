"""Provides the session's outside views: `status_dict` (the `status --json` contract) and
`status_json` (its text), `status_text`, `export_markdown`, and what goes back to the agent: the
request queue as markdown (`requests_markdown`) or as a prompt (`requests_prompt`), which, given the
session, also carry the flagged chunks with the reviewer's notes and what the checks found on them,
the flags from earlier rounds (on chunks no longer in the phase: `core/carried_flags.py`) and (the
prompt) the phase's gaps and the high-severity findings on code the reviewer has not decided on
(`undecided_high`), handed on as not confirmed.

All of them read one `ReviewSession`, so the app, `status` and `export` never disagree. Output is
deterministic (no clock), so it can be diffed and tested. Untrusted text goes through
`visible_controls` (core/safe_text.py) and, in markdown, through the one-line and table-cell escapers
at the end of this file.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from reviewtui.core.agentdoc import SPEC_CONVENTION
from reviewtui.core.carried_flags import EarlierFlag, earlier_flags
from reviewtui.core.coverage import WEAK_EVIDENCE_TEXT
from reviewtui.core.deviations import DeclaredDeviation, declared_deviations
from reviewtui.core.jsontext import indented_json
from reviewtui.core.markdown_text import code_span, fenced, inline, table_cell, table_code
from reviewtui.core.models import SEVERITY_RANK, WORKTREE, Chunk, Flag, Request, Section
from reviewtui.core.safe_text import UNSAFE, visible_controls
from reviewtui.core.uncommitted import uncommitted_lines

__all__ = [
    "earlier_flags",
    "export_markdown",
    "export_requests",
    "export_tail",
    "fenced",
    "flag_findings",
    "plural",
    "request_body",
    "requests_markdown",
    "requests_prompt",
    "sections_without_code",
    "status_dict",
    "status_json",
    "status_text",
    "uncommitted_chunks",
    "undecided_high",
    "visible_controls",
    "weak_evidence",
]

if TYPE_CHECKING:
    from reviewtui.core.checks import LedgerEntry
    from reviewtui.core.session import ReviewSession


# --------------------------------------------------------------------------- status


def status_dict(session: ReviewSession) -> dict[str, Any]:
    """The `status --json` object, exactly as DESIGN.md specifies (extra keys only added)."""
    return {
        "repo": str(session.root),
        "range": {"base": session.phase.base, "head": session.phase.head},
        "specs": list(session.spec.files),
        "sections": [_section_dict(session, section) for section in session.spec.sections],
        "chunks": [_chunk_dict(session, chunk) for chunk in session.chunks],
        "requests": [_request_dict(request) for request in session.requests],
        "progress": _progress_dict(session),
        "phase": _phase_dict(session),
        "ledger": [_ledger_dict(entry) for entry in session.ledger.entries],
        "warnings": list(session.warnings),
        "declared_deviations": [
            {"commit": item.commit, "text": item.text} for item in session_deviations(session)
        ],
        "earlier_flags": [_earlier_dict(flag) for flag in earlier_flags(session)],
    }


def _earlier_dict(flag: EarlierFlag) -> dict[str, Any]:
    """A flag from an earlier round: its chunk (no longer in the phase), file, note, time, the
    checkpoint that ended its round and the pending chunks of this phase that re-opened it."""
    return {
        "chunk": flag.decision.chunk_id,
        "path": flag.decision.path,
        "note": flag.decision.note,
        "updated": flag.decision.updated,
        "checkpoint": flag.checkpoint.sha if flag.checkpoint else None,
        "reopened": [chunk.id for chunk in flag.reopened],
    }


def session_deviations(session: ReviewSession) -> list[DeclaredDeviation]:
    """The `Deviations:` blocks of the phase's commit bodies, oldest commit first."""
    return declared_deviations(session.phase.commits)


def status_json(session: ReviewSession) -> str:
    """What `status --json` prints: `json.dumps(status_dict(session), indent=2, ensure_ascii=False)`
    written several times faster (see `indented_json`), with the characters that could restyle or
    hide text in a terminal (C1 controls, bidi overrides, zero-width marks) as `\\uXXXX` escapes:
    the same JSON once parsed, harmless when printed (json already escapes C0 controls)."""
    return indented_json(status_dict(session)).translate(_JSON_ESCAPES)


_JSON_ESCAPES = {ord(char): f"\\u{ord(char):04x}" for char in UNSAFE if ord(char) >= 0x7F}


def _phase_dict(session: ReviewSession) -> dict[str, Any] | None:
    report = session.coverage.phase_report
    if report is None or report.phase is None:
        return None
    return {
        "number": report.phase.number,
        "title": report.phase.title,
        "reason": report.reason,
        "checkpoint": report.phase.checkpoint,
        "missing": list(report.missing),
        "past_checkpoint": dict(report.past_checkpoint),
        "earlier": list(report.earlier),
    }


def _section_dict(session: ReviewSession, section: Section) -> dict[str, Any]:
    counts = session.section_counts(section.id)
    coverage = session.coverage.get(section.id)
    return {
        "id": section.id,
        "title": section.title,
        "kind": section.kind,
        "task_id": section.task_id,
        "parent": section.parent,
        "level": section.level,
        "spec": section.spec,
        "line": section.line,
        "chunks": counts.chunks,
        "approved": counts.approved,
        "flagged": counts.flagged,
        "coverage": coverage.status if coverage else None,
        "weak_evidence": bool(coverage and coverage.weak_evidence),
        "missing": bool(coverage and coverage.missing),
    }


def _chunk_dict(session: ReviewSession, chunk: Chunk) -> dict[str, Any]:
    link = session.link(chunk.id)
    decision = session.decision(chunk.id)
    return {
        "id": chunk.id,
        "path": chunk.path,
        "old_path": chunk.old_path,
        "change": chunk.change,
        "new_start": chunk.new_start,
        "new_lines": chunk.new_lines,
        "old_start": chunk.old_start,
        "old_lines": chunk.old_lines,
        "added": chunk.added,
        "removed": chunk.removed,
        "section": link.section_id,
        "confidence": round(link.confidence, 3),
        "evidence": [
            {"kind": e.kind, "detail": e.detail, "score": round(e.score, 3)} for e in link.evidence
        ],
        "flags": [
            {"rule": f.rule, "severity": f.severity, "line": f.line, "message": f.message}
            for f in session.flags_of(chunk.id)
        ],
        "status": decision.status,
        "note": decision.note,
        "symbol": chunk.symbol,
        "summary": chunk.summary,
        "past_checkpoint": session.coverage.past_checkpoint.get(chunk.id),
        "uncommitted": uncommitted_lines(chunk, session.phase),
    }


def _ledger_dict(entry: LedgerEntry) -> dict[str, Any]:
    return {
        "parameter": entry.parameter,
        "status": entry.status,
        "spec": [
            {"text": value.text, "spec": value.spec, "line": value.line}
            for value in entry.spec_values
        ],
        "code": [
            {
                "text": setting.text or setting.key,
                "path": setting.path,
                "line": setting.line,
                "agrees": setting.agrees,
            }
            for setting in entry.code_settings
        ],
        "related": [
            {
                "parameter": setting.parameter,
                "text": setting.text or setting.key,
                "code": setting.code,
                "path": setting.path,
                "line": setting.line,
            }
            for setting in entry.related
        ],
    }


def _request_dict(request: Request) -> dict[str, Any]:
    return {
        "id": request.id,
        "chunk": request.chunk_id,
        "kind": request.kind,
        "text": request.text,
        "status": request.status,
        "location": request.location,
    }


def _progress_dict(session: ReviewSession) -> dict[str, int]:
    progress = session.progress()
    return {
        "total": progress.total,
        "approved": progress.approved,
        "flagged": progress.flagged,
        "pending": progress.pending,
        "requests_open": progress.requests_open,
        "unlinked": len(session.chunks_in(None)),
        "sections_without_code": len(sections_without_code(session)),
        "weak_evidence": len(session.coverage.weakly_evidenced),
    }


def status_text(session: ReviewSession) -> str:
    """A one-screen human summary of the phase and its progress (warnings go to stderr)."""
    progress = session.progress()
    linked_sections = {session.link(c.id).section_id for c in session.chunks} - {None}
    unlinked = len(session.chunks_in(None))
    missing = sections_without_code(session)
    lines = [
        f"changes: {session.phase.label} · {plural(progress.total, 'chunk')} in"
        f" {plural(len(linked_sections), 'section')} · {progress.approved} approved"
        f" · {progress.flagged} flagged · {unlinked} unlinked"
        f" · {plural(len(missing), 'section')} with no code",
        _rule_line(session.phase.rule),
        f"  spec: {', '.join(session.spec.files)}",
        _phase_line(session),
        _weak_line(weak_evidence(session)),
        _uncommitted_line(session),
        f"  requests: {progress.requests_open} open",
        _earlier_line(earlier_flags(session)),
        _deviations_line(session_deviations(session)),
    ]
    found = [(chunk, flag) for chunk in session.chunks for flag in session.flags_of(chunk.id)]
    high = [(chunk, flag) for chunk, flag in found if flag.severity == "high"]
    if found:
        lines.append(
            f"  checks: {plural(len(found), 'finding')} on"
            f" {plural(len({chunk.id for chunk, _ in found}), 'chunk')}, {len(high)} of high severity"
        )
        lines.extend(
            f"    {chunk.path}:{flag.line or chunk.new_start}  {flag.message}"
            for chunk, flag in high[:10]
        )
    return "\n".join(line for line in lines if line)


def uncommitted_chunks(session: ReviewSession) -> list[Chunk]:
    """The chunks holding lines no commit of the phase added (staged, unstaged or untracked work),
    in chunk order; none when the phase ends at a commit."""
    return [chunk for chunk in session.chunks if uncommitted_lines(chunk, session.phase)]


UNCOMMITTED_TEXT = "not committed yet (staged, unstaged or untracked)"


def _uncommitted_line(session: ReviewSession) -> str:
    """`  uncommitted: 2 chunks with lines not committed yet (…): a.py:3-9, b.py:1-4`."""
    found = uncommitted_chunks(session)
    if not found:
        return ""
    where = ", ".join(visible_controls(chunk.location) for chunk in found[:3])
    more = f", … {len(found) - 3} more" if len(found) > 3 else ""
    return (
        f"  uncommitted: {plural(len(found), 'chunk')} with lines {UNCOMMITTED_TEXT}: {where}{more}"
    )


def _rule_line(rule: str) -> str:
    """How the changes were chosen: `checkpoint 3e1f2a0`, `the range main..agent`, …"""
    if not rule:
        return ""
    if rule.startswith("range "):
        rule = "the " + rule
    return f"  changes chosen by: {rule}"


def _earlier_line(carried: list[EarlierFlag]) -> str:
    """`  flags from earlier rounds: 2 not cleared (…)`: flags on code no longer in the phase."""
    if not carried:
        return ""
    reopened = sum(1 for flag in carried if flag.reopened)
    return (
        f"  {EARLIER_FLAGS_TITLE.lower()}: {len(carried)} not cleared, {reopened} re-opened by"
        " this phase's code (`reviewtui requests` hands them on)"
    )


def _deviations_line(found: list[DeclaredDeviation]) -> str:
    if not found:
        return ""
    commits = len({item.commit for item in found})
    return (
        f"  deviations the agent declared: {len(found)} block{'s' if len(found) != 1 else ''}"
        f" in {plural(commits, 'commit')} (`reviewtui export` lists them)"
    )


def _weak_line(weak: list[Section]) -> str:
    """`  claimed done, weak evidence: 2 tasks (T001, T004)`: ticked tasks with word matches only."""
    if not weak:
        return ""
    ids = ", ".join(visible_controls(section.id) for section in weak[:WEAK_LINE_IDS])
    more = f", … {len(weak) - WEAK_LINE_IDS} more" if len(weak) > WEAK_LINE_IDS else ""
    return f"  {WEAK_EVIDENCE_TEXT}: {plural(len(weak), 'task')} ({ids}{more})"


WEAK_LINE_IDS = 8
"""How many weakly evidenced task ids `status` names before it counts the rest."""


def _phase_line(session: ReviewSession) -> str:
    report = session.coverage.phase_report
    if report is None or report.phase is None:
        return ""
    return (
        f"  spec phase: {report.phase.label} ({report.reason})"
        f" · {plural(len(report.missing), 'section')} missing"
        f" · {plural(len(report.past_checkpoint), 'chunk')} past its checkpoint"
    )


def plural(count: int, word: str) -> str:
    """`1 chunk`, `2 chunks`."""
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def sections_without_code(session: ReviewSession) -> list[Section]:
    """Sections with no code of their own or below them, and none through a task that cites them
    (coverage `not-implemented` or `claimed-done`), in spec order."""
    return [
        section
        for item in session.coverage.sections
        if item.status in GAP_STATUSES
        and (section := session.spec.get(item.section_id)) is not None
    ]


GAP_STATUSES = ("not-implemented", "claimed-done")


# --------------------------------------------------------------------------- export


def export_markdown(session: ReviewSession) -> str:
    """The whole review as markdown, what needs acting on first: the agent's declared deviations,
    the summary, what the reviewer decided (the chunks flagged, the flags from earlier rounds, the
    open requests) and what is missing (the coverage gaps, code past the checkpoint), the checks'
    findings; then every chunk with its code and decision, and the spec's numbers."""
    carried = earlier_flags(session)
    reopened = _reopened_by(carried)
    parts = [
        _export_header(session),
        _export_deviations(session),
        _export_summary(session),
        _export_flagged(session),
        export_tail(session, carried),
        _export_missing(session),
        _export_findings(session),
        _export_sections(session, reopened),
        _export_unlinked(session, reopened),
        _export_ledger(session),
    ]
    return visible_controls("\n".join(part for part in parts if part).rstrip() + "\n")


def export_tail(session: ReviewSession, carried: list[EarlierFlag] | None = None) -> str:
    """The end of every export: the flags from earlier rounds (if any), then `## Requests` with the
    open requests. Also the end of the export of an empty phase (right after a checkpoint)."""
    if carried is None:
        carried = earlier_flags(session)
    flags = _earlier_flags_markdown(session, carried, "##")
    return (flags + "\n" if flags else "") + "## Requests\n\n" + export_requests(session.requests)


def export_requests(requests: list[Request]) -> str:
    """The open requests as markdown (level-3 blocks), and how many done ones are left out."""
    done = sum(1 for request in requests if request.status != "open")
    text = requests_markdown(requests, heading_level=3, open_only=True)
    if done:
        text += (
            "\n" if text else ""
        ) + f"{plural(done, 'done request')} not listed (`reviewtui requests --all` lists them).\n"
    return text or "No requests.\n"


ReopenedNotes = dict[str, list[EarlierFlag]]
"""chunk id -> the flags from earlier rounds whose file the chunk re-opened."""


def _reopened_by(carried: list[EarlierFlag]) -> ReopenedNotes:
    found: ReopenedNotes = {}
    for flag in carried:
        for chunk in flag.reopened:
            found.setdefault(chunk.id, []).append(flag)
    return found


def _export_header(session: ReviewSession) -> str:
    progress = session.progress()
    head = "the working tree" if session.phase.head == WORKTREE else session.phase.head[:12]
    base = session.phase.base[:12] if session.phase.base else "the empty tree"
    return (
        f"# Review of {session.phase.label}\n\n"
        f"- Range: {base} → {head}"
        + (f" ({session.phase.rule})" if session.phase.rule else "")
        + "\n"
        f"- Spec: {', '.join(f'`{path}`' for path in session.spec.files)}\n"
        f"- Progress: {progress.reviewed}/{progress.total} reviewed · {progress.approved} approved · "
        f"{progress.flagged} flagged · {progress.pending} pending · {plural(progress.requests_open, 'open request')}\n"
        + _uncommitted_header(session)
    )


def _uncommitted_header(session: ReviewSession) -> str:
    """`- Uncommitted: 2 chunks with lines not committed yet (…)`, when any does."""
    found = uncommitted_chunks(session)
    if not found:
        return ""
    return f"- Uncommitted: {plural(len(found), 'chunk')} with lines {UNCOMMITTED_TEXT}\n"


def _export_deviations(session: ReviewSession) -> str:
    """The `Deviations:` blocks of the phase's commits, each in a fence (the agent's own words)."""
    found = session_deviations(session)
    if not found:
        return ""
    blocks = [
        f"From commit `{item.commit[:12]}` ({inline(item.subject) or 'no subject'}):\n\n"
        + fenced(item.text, "text")
        + "\n"
        for item in found
    ]
    return "## Deviations the agent declared\n\n" + "\n".join(blocks)


def _export_summary(session: ReviewSession) -> str:
    rows = [
        "| Section | Chunks | Approved | Flagged | Pending |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    for section in session.spec.sections:
        counts = session.section_counts(section.id)
        if counts.chunks:
            rows.append(
                f"| {table_cell(section.title)} | {counts.chunks} | {counts.approved} | {counts.flagged} | {counts.pending} |"
            )
    unlinked = session.section_counts(None)
    if unlinked.chunks:
        rows.append(
            f"| *Unlinked changes* | {unlinked.chunks} | {unlinked.approved} | {unlinked.flagged} | {unlinked.pending} |"
        )
    return "## Summary\n\n" + "\n".join(rows) + "\n"


FLAGGED_TITLE = "## Flagged by the reviewer"


def _export_flagged(session: ReviewSession) -> str:
    """The chunks the reviewer flagged, in spec order: where, the section, the note, and what the
    checks found there (the code is under its section further down)."""
    chunks = flagged_chunks(session)
    if not chunks:
        return ""
    return FLAGGED_TITLE + "\n\n" + "\n".join(_flagged_line(session, c) for c in chunks) + "\n"


def _flagged_line(session: ReviewSession, chunk: Chunk) -> str:
    """`` - `a.py:1-9` (`load`, spec 2.1 Corpus): note``, the checks' findings indented under it."""
    note = (session.decision(chunk.id).note or "").strip()
    lines = [
        f"- `{code_span(chunk.location)}`{_where(session, chunk)}: {inline(note) or '(no note)'}"
    ]
    lines += [
        f"  - check **{flag.severity}** {_finding_text(chunk, flag)}"
        for flag in session.flags_of(chunk.id)
    ]
    return "\n".join(lines)


def _export_findings(session: ReviewSession) -> str:
    """Every finding of the checks, highest severity first (risk-first order), before the sections."""
    rows = []
    for chunk in session.ordered_chunks("risk"):
        for flag in session.flags_of(chunk.id):
            line = flag.line or chunk.new_start or chunk.old_start
            section = session.section_of(chunk.id)
            where = table_cell(section.title) if section else "*unlinked*"
            rows.append(
                (
                    SEVERITY_RANK.get(flag.severity, 3),
                    f"| {table_cell(flag.severity)} | {table_code(flag.rule)} "
                    f"| {table_code(f'{chunk.path}:{line}')} | {where} "
                    f"| {table_cell(flag.message)} | {session.decision(chunk.id).status} |",
                )
            )
    if not rows:
        return ""
    rows.sort(key=lambda row: row[0])
    header = "| severity | rule | where | section | finding | decision |\n| --- | --- | --- | --- | --- | --- |"
    return (
        "## Checks, highest severity first\n\n"
        + header
        + "\n"
        + "\n".join(r for _, r in rows)
        + "\n"
    )


def _export_sections(session: ReviewSession, reopened: ReopenedNotes) -> str:
    blocks = ["## Sections\n"]
    for section in session.spec.sections:
        chunks = session.chunks_in(section.id)
        if not chunks:
            continue
        blocks.append(f"### {inline(section.title)} (`{section.id}`)\n")
        blocks.extend(_export_chunk(session, chunk, reopened) for chunk in chunks)
    return "\n".join(blocks) if len(blocks) > 1 else ""


def _export_unlinked(session: ReviewSession, reopened: ReopenedNotes) -> str:
    chunks = session.chunks_in(None)
    if not chunks:
        return ""
    intro = "Changes that belong to no section of the spec: glue code, or work nobody asked for.\n"
    return (
        "## Unlinked changes\n\n"
        + intro
        + "\n"
        + "\n".join(_export_chunk(session, c, reopened) for c in chunks)
    )


def _export_missing(session: ReviewSession) -> str:
    """Coverage: the spec phase under review, what it misses, code past its checkpoint, and the
    sections with no code."""
    parts = [_export_phase(session)]
    claimed = claimed_done(session)
    if claimed:
        parts.append("### Claimed done, no code seen\n\n" + _section_list(claimed))
    weak = weak_evidence(session)
    if weak:
        parts.append(
            "### Claimed done, weak evidence\n\n"
            "Ticked in the spec; the only code linked to them matches their words, with no comment,"
            " commit or reviewer naming them:\n\n" + _weak_list(session, weak)
        )
    others = [
        s
        for s in sections_without_code(session)
        if _status(session, s.id) == "not-implemented" and not _is_missing(session, s.id)
    ]
    if others:
        parts.append("### Not implemented in this phase\n\n" + _section_list(others))
    body = "\n".join(part for part in parts if part)
    return "## Coverage\n\n" + body if body else ""


def _export_phase(session: ReviewSession) -> str:
    report = session.coverage.phase_report
    if report is None or report.phase is None:
        return ""
    lines = [
        f"Spec phase under review: **{inline(report.phase.title)}** ({inline(report.reason)})."
    ]
    if report.phase.checkpoint:
        lines.append(f"Its checkpoint: {inline(report.phase.checkpoint)}")
    text = "\n".join(lines) + "\n"
    missing = phase_missing(session)
    if missing:
        text += "\n### Missing from this phase\n\n" + _section_list(missing)
    earlier = [s for sid in report.earlier if (s := session.spec.get(sid)) is not None]
    if earlier:
        text += (
            "\n### Implemented before the last checkpoint\n\n"
            "No new code in this round; code in a round reviewed before:\n\n"
            + _section_list(earlier)
        )
    rows = [f"- {line}" for line in _past_lines(session)]
    if rows:
        text += (
            "\n### Past the checkpoint\n\nCode for sections of a later phase:\n\n"
            + "\n".join(rows)
            + "\n"
        )
    return text


def phase_missing(session: ReviewSession) -> list[Section]:
    """The sections of the spec phase under review with no code, less those claimed done (a task
    ticked with no code is listed as claimed done, never twice)."""
    report = session.coverage.phase_report
    if report is None:
        return []
    return [
        section
        for section_id in report.missing
        if (section := session.spec.get(section_id)) is not None
        and _status(session, section_id) != "claimed-done"
    ]


def claimed_done(session: ReviewSession) -> list[Section]:
    """Sections ticked or said done in the spec with no code seen, in spec order."""
    return [s for s in sections_without_code(session) if _status(session, s.id) == "claimed-done"]


def weak_evidence(session: ReviewSession) -> list[Section]:
    """Tasks ticked in the spec whose only code is linked by word matches, weakly (coverage
    `weak_evidence`), in spec order."""
    return [
        section
        for item in session.coverage.weakly_evidenced
        if (section := session.spec.get(item.section_id)) is not None
    ]


def _weak_list(session: ReviewSession, sections: list[Section]) -> str:
    """One line per task: where it is in the spec, then its code and the best link's confidence."""
    lines = []
    for section in sections:
        chunks = _subtree_chunks(session, section.id)
        best = max((session.link(chunk.id).confidence for chunk in chunks), default=0.0)
        lines.append(
            f"- {inline(section.title)} (`{section.id}`, {section.spec}:{section.line}):"
            f" {_locations(chunks)}, best link confidence {best:.2f}"
        )
    return "\n".join(lines) + "\n"


def _locations(chunks: list[Chunk], shown: int = 3) -> str:
    """`` `a.py:1-9`, `b.py:4-7` and 2 more ``: where the first `shown` chunks are."""
    where = ", ".join(f"`{code_span(chunk.location)}`" for chunk in chunks[:shown])
    return where + (f" and {len(chunks) - shown} more" if len(chunks) > shown else "")


def _subtree_chunks(session: ReviewSession, section_id: str) -> list[Chunk]:
    """The chunks linked to a section or to any section below it, in spec order."""
    return [
        chunk
        for chunk in session.chunks
        if (linked := session.link(chunk.id).section_id) is not None
        and (
            linked == section_id or any(a.id == section_id for a in session.spec.ancestors(linked))
        )
    ]


def _past_lines(session: ReviewSession) -> list[str]:
    """`` `path:1-9` → 3 Training (phase 2)`` for each chunk past the checkpoint, in chunk order."""
    report = session.coverage.phase_report
    if report is None or not report.past_checkpoint:
        return []
    lines = []
    for chunk in session.chunks:
        later = report.past_checkpoint.get(chunk.id)
        if later is not None:
            section = session.section_of(chunk.id)
            title = inline(section.title) if section else "?"
            lines.append(f"`{code_span(chunk.location)}` → {title} (phase {inline(later)})")
    return lines


def _status(session: ReviewSession, section_id: str) -> str | None:
    item = session.coverage.get(section_id)
    return item.status if item else None


def _is_missing(session: ReviewSession, section_id: str) -> bool:
    item = session.coverage.get(section_id)
    return bool(item and item.missing)


def _section_list(sections: list[Section]) -> str:
    return (
        "\n".join(
            f"- {inline(section.title)} (`{section.id}`, {section.spec}:{section.line})"
            for section in sections
        )
        + "\n"
    )


def _export_ledger(session: ReviewSession) -> str:
    from reviewtui.core.checks import ledger_markdown

    table = ledger_markdown(session.ledger)
    return f"## The spec's numbers\n\n{table.strip()}\n" if table.strip() else ""


def _export_chunk(
    session: ReviewSession, chunk: Chunk, reopened: ReopenedNotes | None = None
) -> str:
    decision = session.decision(chunk.id)
    link = session.link(chunk.id)
    title = f"#### `{code_span(chunk.location)}`"
    if chunk.symbol:
        title += f" — `{code_span(chunk.symbol)}`"
    moved = (
        f" from `{code_span(chunk.old_path)}`"
        if chunk.old_path and chunk.old_path != chunk.path
        else ""
    )
    lines = [
        title,
        "",
        f"- Decision: **{decision.status}**"
        + (f" — {inline(decision.note)}" if decision.note else ""),
    ]
    lines.extend(
        f"- Flagged in an earlier round{_flag_origin(flag)}: {inline(flag.note) or '(no note)'}"
        for flag in (reopened or {}).get(chunk.id, [])
    )
    lines.append(f"- Chunk: `{chunk.id}` · {chunk.change}{moved} · +{chunk.added} −{chunk.removed}")
    uncommitted = uncommitted_lines(chunk, session.phase)
    if uncommitted:
        lines.append(f"- Uncommitted: {plural(uncommitted, 'added line')} {UNCOMMITTED_TEXT}")
    if link.section_id:
        lines.append(f"- Link confidence: {link.confidence:.2f}")
    lines.extend(f"- Evidence ({e.kind}, {e.score:.2f}): {inline(e.detail)}" for e in link.evidence)
    lines.extend(
        f"- Check **{f.severity}** `{f.rule}`"
        + (f" (line {f.line})" if f.line else "")
        + f": {inline(f.message)}"
        for f in session.flags_of(chunk.id)
    )
    if chunk.summary:
        lines.append(f"- {inline(chunk.summary)}")
    if chunk.lines:
        lines += ["", fenced("\n".join(f"{line.kind}{line.text}" for line in chunk.lines), "diff")]
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------- requests


def requests_markdown(
    requests: Iterable[Request],
    *,
    heading_level: int = 2,
    open_only: bool = True,
    session: ReviewSession | None = None,
) -> str:
    """The request queue as markdown, one block per request, in queue order (the open ones only,
    unless `open_only=False`); given the session, followed by one block per flagged chunk of the
    phase (its note is the instruction) and the group of flags from earlier rounds. The `requests`
    list of `status --json` keeps only the queued requests: flags are not requests there."""
    marks = "#" * heading_level
    blocks = [
        _request_block(request, marks)
        for request in requests
        if not (open_only and request.status != "open")
    ]
    if session is not None:
        blocks += [_flagged_block(session, chunk, marks) for chunk in flagged_chunks(session)]
        blocks.append(_earlier_flags_markdown(session, earlier_flags(session), marks))
    return visible_controls("\n".join(block for block in blocks if block))


def _request_block(request: Request, marks: str) -> str:
    done = " (done)" if request.status == "done" else ""
    where = f" — `{code_span(request.location)}`" if request.location else ""
    block = [
        f"{marks} {request.id} · {request.kind}{done}{where}",
        "",
        request_body(request) or "(no text)",
    ]
    if request.code:
        block += ["", fenced(request.code, "diff")]
    if request.patch:
        block += ["", "Drafted patch:", "", fenced(request.patch, "diff")]
    return "\n".join(block) + "\n"


def _flagged_block(session: ReviewSession, chunk: Chunk, marks: str) -> str:
    symbol = f" (`{code_span(chunk.symbol)}`)" if chunk.symbol else ""
    block = [
        f"{marks} flagged — `{code_span(chunk.location)}`{symbol}",
        "",
        flag_instruction(session, chunk),
    ]
    code = "\n".join(f"{line.kind}{line.text}" for line in chunk.lines) or chunk.summary
    if code:
        block += ["", fenced(code, "diff")]
    findings = flag_findings(session, chunk)
    if findings:
        block += ["", findings]
    return "\n".join(block) + "\n"


EARLIER_FLAGS_TITLE = "Flags from earlier rounds"
EARLIER_FLAGS_INTRO = (
    "Flags the reviewer put on code that has since changed or left the phase under review; each"
    " stays open until the reviewer clears it (reviews the code that re-opened it, or approves or"
    " resets the flagged chunk in its own round)."
)


def _earlier_flags_markdown(session: ReviewSession, carried: list[EarlierFlag], marks: str) -> str:
    """The group of flags from earlier rounds: a heading at `marks`, one block a level below each."""
    if not carried:
        return ""
    blocks = [f"{marks} {EARLIER_FLAGS_TITLE}\n\n{EARLIER_FLAGS_INTRO}\n"]
    blocks += [_earlier_block(session, flag, marks + "#") for flag in carried]
    return "\n".join(blocks)


def _earlier_block(session: ReviewSession, flag: EarlierFlag, marks: str) -> str:
    block = [
        f"{marks} flagged earlier — `{code_span(flag.where)}`{_flagged_symbol(flag)}",
        "",
        f"Flagged{f' {flag.when}' if flag.when else ''} on chunk `{code_span(flag.decision.chunk_id)}`"
        f"{_round_text(session, flag)}.",
        "",
        earlier_instruction(flag),
    ]
    if flag.flagged is not None:
        block += ["", fenced(chunk_diff(flag.flagged), "diff")]
    if flag.reopened:
        block += ["", _reopened_text(flag) + "."]
    return "\n".join(block) + "\n"


def earlier_instruction(flag: EarlierFlag) -> str:
    """What a flag from an earlier round asks: the note, else the checks' findings on its chunk."""
    if flag.note:
        return flag.note
    findings = "; ".join(
        f"{inline(found.message)} (`{code_span(found.rule)}`)" for found in flag.findings
    )
    if findings:
        return f"Flagged without a note; the checks found: {findings}"
    return NO_NOTE


def _flagged_symbol(flag: EarlierFlag) -> str:
    """`` (`load_rows`)``: the flagged chunk's symbol, when its round is known and it has one."""
    symbol = flag.flagged.symbol if flag.flagged is not None else None
    return f" (`{code_span(symbol)}`)" if symbol else ""


def chunk_diff(chunk: Chunk) -> str:
    """A chunk's lines with their `+`/`-`/` ` marks (its summary for a binary or huge file)."""
    return "\n".join(f"{line.kind}{line.text}" for line in chunk.lines) or chunk.summary or ""


NO_NOTE = "Flagged without a note: ask the reviewer what is wrong before changing it."


def _flag_origin(flag: EarlierFlag) -> str:
    """` (2026-11-25)`: when the flag was made, if the state knows."""
    return f" ({flag.when})" if flag.when else ""


def _round_text(session: ReviewSession, flag: EarlierFlag) -> str:
    """`, in the round that ended at checkpoint c858452 (`reviewtui a329..c858` reopens it)`."""
    if flag.checkpoint is None:
        return ", on code changed since in this round"
    end = flag.checkpoint.sha[:12]
    checkpoints = session.state.checkpoints
    index = checkpoints.index(flag.checkpoint)
    if index == 0:
        return f", in the round that ended at checkpoint `{end}`"
    start = checkpoints[index - 1].sha[:12]
    return (
        f", in the round that ended at checkpoint `{end}` (`reviewtui {start}..{end}` reopens it)"
    )


def _reopened_text(flag: EarlierFlag) -> str:
    """`Changed since, not yet reviewed: `a.py:3-20` (`load`)`: the code that re-opened the flag."""
    where = ", ".join(
        f"`{code_span(chunk.location)}`"
        + (f" (`{code_span(chunk.symbol)}`)" if chunk.symbol else "")
        for chunk in flag.reopened
    )
    return f"Its file changed since, not yet reviewed: {where}"


def flagged_chunks(session: ReviewSession) -> list[Chunk]:
    """The chunks of the phase the reviewer flagged, in spec order."""
    return [c for c in session.ordered_chunks("spec") if session.decision(c.id).status == "flagged"]


def flag_instruction(session: ReviewSession, chunk: Chunk) -> str:
    """What a flagged chunk asks of the agent: the reviewer's note, else the checks' findings."""
    note = (session.decision(chunk.id).note or "").strip()
    if note:
        return note
    findings = "; ".join(inline(flag.message) for flag in session.flags_of(chunk.id))
    if findings:
        return f"Flagged without a note; the checks found: {findings}"
    return NO_NOTE


def flag_findings(session: ReviewSession, chunk: Chunk) -> str:
    """What the checks found on a flagged chunk the reviewer wrote a note for, one line each with
    its line and rule (a terse note such as "wrong, see spec" leaves the agent the details); ""
    when there is no note (`flag_instruction` then gives the findings) or no finding."""
    flags = session.flags_of(chunk.id)
    if not flags or not (session.decision(chunk.id).note or "").strip():
        return ""
    return "The checks found on this code:\n" + "\n".join(
        f"- {_finding_text(chunk, flag)}" for flag in flags
    )


def _finding_text(chunk: Chunk, flag: Flag) -> str:
    """`line 22: spec says … (`spec-mismatch`)`: one finding, where it is and which rule."""
    line = flag.line or chunk.new_start or chunk.old_start
    return f"line {line}: {inline(flag.message)} (`{code_span(flag.rule)}`)"


PROMPT_INTRO = (
    "The reviewer went through your last phase. Work through the items below, most important "
    "first; change nothing they do not ask for, and stop when they are done.\n"
)


def request_body(request: Request) -> str:
    """The request's text without the location the request dialog pre-fills (it is shown apart)."""
    text = request.text.strip()
    if request.location and text.startswith(request.location):
        rest = text[len(request.location) :]
        rest = re.sub(r"^\s*(\([^)]*\))?\s*:\s*", "", rest, count=1)
        return rest.strip() or text
    return text


def requests_prompt(requests: Iterable[Request], session: ReviewSession | None = None) -> str:
    """Text to paste to the coding agent, most important first: the open requests and, given the
    session, every flagged chunk with the reviewer's note and the checks' findings on it, the spec
    phase's missing and claimed-done sections, the ticked tasks with weak evidence, code past its
    checkpoint, and the high-severity findings on code the reviewer has not decided on (counted,
    marked as not confirmed); then the working convention. Every item stands alone; "" when there
    is nothing to ask."""
    groups = [_request_items([r for r in requests if r.status == "open"])]
    if session is not None:
        groups += _session_groups(session)
    groups = [(title, items) for title, items in groups if items]
    if not groups:
        return ""
    parts, number = [PROMPT_INTRO], 1
    for title, items in groups:
        parts.append(title + "\n")
        for item in items:
            parts.append(_numbered(number, item) + "\n")
            number += 1
    parts.append("While you work:\n" + SPEC_CONVENTION + "\n")
    return visible_controls("\n".join(parts))


PromptGroup = tuple[str, list[str]]
"""A titled group of prompt items (each item's text, unnumbered)."""


def _request_items(requests: list[Request]) -> PromptGroup:
    items = []
    for request in requests:
        where = f" in `{code_span(request.location)}`" if request.location else ""
        item = f"{request.kind.capitalize()}{where}: {request_body(request)}"
        if request.code:
            item += "\n\nThe code this is about:\n\n" + fenced(request.code, "diff")
        items.append(item)
    return "Requests:", items


def _session_groups(session: ReviewSession) -> list[PromptGroup]:
    report = session.coverage.phase_report
    phase = report.phase.label if report is not None and report.phase is not None else ""
    flagged = [_flagged_item(session, chunk) for chunk in flagged_chunks(session)]
    earlier = [_earlier_item(flag) for flag in earlier_flags(session)]
    missing = [_section_item(section) for section in phase_missing(session)]
    claimed = [_section_item(section) for section in claimed_done(session)]
    weak = [_weak_item(session, section) for section in weak_evidence(session)]
    return [
        ("Code the reviewer flagged (the note says what is wrong; fix it):", flagged),
        (
            f"{EARLIER_FLAGS_TITLE}, not cleared yet (the note says what was wrong; fix it"
            " where your code still does it):",
            earlier,
        ),
        (f"Missing from {phase} of the spec (implement it):", missing),
        (
            "Marked done in the spec, but no code was seen (implement it, or name where it is):",
            claimed,
        ),
        (
            "Marked done in the spec, but the only code seen for it shares a few words with it"
            " (name the task in a `Spec:` trailer on the commit or a `# spec:` comment on the code"
            " that implements it, or show where that code is):",
            weak,
        ),
        (
            f"Code past the checkpoint of {phase or 'this phase'}, for a later phase (revert it,"
            " or hold it until the reviewer starts that phase):",
            _past_lines(session),
        ),
        _undecided_group(session),
    ]


def undecided_high(session: ReviewSession) -> list[tuple[Chunk, Flag]]:
    """The high-severity findings of the checks on chunks the reviewer has neither approved nor
    flagged, in risk order: what the prompt hands on as not confirmed yet."""
    return [
        (chunk, flag)
        for chunk in session.ordered_chunks("risk")
        if session.decision(chunk.id).status == "pending"
        for flag in session.flags_of(chunk.id)
        if flag.severity == "high"
    ]


UNDECIDED_TITLE = (
    "Not reviewed yet: {count} of reviewtui's checks on code the reviewer has not decided on."
    " The reviewer has not confirmed them: check each against the spec, fix the code where the"
    " spec agrees with the finding, and where it does not, leave the code and say why when you"
    " report back:"
)


def _undecided_group(session: ReviewSession) -> PromptGroup:
    """The undecided high findings (`undecided_high`), one item each, under a title that counts them."""
    found = undecided_high(session)
    items = [
        f"`{code_span(chunk.path)}:{flag.line or chunk.new_start or chunk.old_start}`"
        f"{_where(session, chunk)}: {inline(flag.message)} (`{code_span(flag.rule)}`)"
        for chunk, flag in found
    ]
    count = plural(len(found), "high-severity finding")
    return UNDECIDED_TITLE.format(count=count), items


def _flagged_item(session: ReviewSession, chunk: Chunk) -> str:
    """`` `a.py:1-9` (`load`, spec 2.1 Corpus): note``, then what the checks found on it."""
    item = (
        f"`{code_span(chunk.location)}`{_where(session, chunk)}: {flag_instruction(session, chunk)}"
    )
    findings = flag_findings(session, chunk)
    return item + ("\n\n" + findings if findings else "")


def _earlier_item(flag: EarlierFlag) -> str:
    """`` `src/data.py` (flagged 2026-11-25): note``, then the code that re-opened it, if any."""
    symbol = flag.flagged.symbol if flag.flagged is not None else None
    about = [f"`{code_span(symbol)}`"] if symbol else []
    about += [f"flagged {flag.when}"] if flag.when else []
    where = f" ({', '.join(about)})" if about else ""
    item = f"`{code_span(flag.where)}`{where}: {earlier_instruction(flag)}"
    if flag.flagged is not None:
        item += "\n\nThe code it was about:\n\n" + fenced(chunk_diff(flag.flagged), "diff")
    if flag.reopened:
        item += "\n\n" + _reopened_text(flag)
    return item


def _where(session: ReviewSession, chunk: Chunk) -> str:
    """` (`Trainer.step`, spec 4 Training)`: the chunk's symbol and section, those it has."""
    section = session.section_of(chunk.id)
    parts = [f"`{code_span(chunk.symbol)}`"] if chunk.symbol else []
    if section is not None:
        parts.append(f"spec {inline(section.title)}")
    return f" ({', '.join(parts)})" if parts else ""


def _section_item(section: Section) -> str:
    return f"{inline(section.title)} (`{section.id}`, {section.spec}:{section.line})"


def _weak_item(session: ReviewSession, section: Section) -> str:
    """The task, then the code that matches it by words alone (what the agent should confirm)."""
    chunks = _subtree_chunks(session, section.id)
    return f"{_section_item(section)}; the only code linked to it: {_locations(chunks)}"


def _numbered(number: int, text: str) -> str:
    """`3. text`, its further lines indented under the number."""
    first, _, rest = text.partition("\n")
    head = f"{number}. {first}"
    return head + ("\n" + _indent(rest, "   ") if rest else "")


# --------------------------------------------------------------------------- markdown helpers


def _indent(text: str, prefix: str) -> str:
    return "\n".join(prefix + line if line else line for line in text.splitlines())
