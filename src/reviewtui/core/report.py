"""Provides the session's outside views: `status_dict` (the `status --json` contract) and
`status_json` (its text), `status_text`,
`export_markdown`, and the request queue as markdown or as a prompt for the agent.

All of them read one `ReviewSession`, so the app, `status` and `export` never disagree. Output is
deterministic (no clock), so it can be diffed and tested.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from reviewtui.core.agentdoc import SPEC_CONVENTION
from reviewtui.core.jsontext import indented_json
from reviewtui.core.models import SEVERITY_RANK, WORKTREE, Chunk, Request, Section

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
    }


def status_json(session: ReviewSession) -> str:
    """What `status --json` prints: `json.dumps(status_dict(session), indent=2, ensure_ascii=False)`
    byte for byte, written several times faster (see `indented_json`)."""
    return indented_json(status_dict(session))


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
    }


def status_text(session: ReviewSession) -> str:
    """A one-screen human summary of the phase and its progress (warnings go to stderr)."""
    progress = session.progress()
    linked_sections = {session.link(c.id).section_id for c in session.chunks} - {None}
    unlinked = len(session.chunks_in(None))
    missing = sections_without_code(session)
    lines = [
        f"Phase {session.phase.label}: {plural(progress.total, 'chunk')} in"
        f" {plural(len(linked_sections), 'section')} · {progress.approved} approved"
        f" · {progress.flagged} flagged · {unlinked} unlinked"
        f" · {plural(len(missing), 'section')} with no code",
        f"  range: {session.phase.rule}" if session.phase.rule else "",
        f"  spec: {', '.join(session.spec.files)}",
        _phase_line(session),
        f"  requests: {progress.requests_open} open",
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
    """The whole review as markdown: summary, every chunk with its code and decision, gaps, requests."""
    parts = [
        _export_header(session),
        _export_summary(session),
        _export_findings(session),
        _export_sections(session),
        _export_unlinked(session),
        _export_missing(session),
        _export_ledger(session),
        "## Requests\n\n"
        + (requests_markdown(session.requests, heading_level=3) or "No requests.\n"),
    ]
    return visible_controls("\n".join(part for part in parts if part).rstrip() + "\n")


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
    )


def _export_summary(session: ReviewSession) -> str:
    rows = [
        "| Section | Chunks | Approved | Flagged | Pending |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    for section in session.spec.sections:
        counts = session.section_counts(section.id)
        if counts.chunks:
            rows.append(
                f"| {_cell(section.title)} | {counts.chunks} | {counts.approved} | {counts.flagged} | {counts.pending} |"
            )
    unlinked = session.section_counts(None)
    if unlinked.chunks:
        rows.append(
            f"| *Unlinked changes* | {unlinked.chunks} | {unlinked.approved} | {unlinked.flagged} | {unlinked.pending} |"
        )
    return "## Summary\n\n" + "\n".join(rows) + "\n"


def _export_findings(session: ReviewSession) -> str:
    """Every finding of the checks, highest severity first (risk-first order), before the sections."""
    rows = []
    for chunk in session.ordered_chunks("risk"):
        for flag in session.flags_of(chunk.id):
            line = flag.line or chunk.new_start or chunk.old_start
            section = session.section_of(chunk.id)
            where = _inline(section.title) if section else "*unlinked*"
            rows.append(
                (
                    SEVERITY_RANK.get(flag.severity, 3),
                    f"| {flag.severity} | `{flag.rule}` | `{_code_span(chunk.path)}:{line}` | {where} "
                    f"| {_cell(flag.message)} | {session.decision(chunk.id).status} |",
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


def _export_sections(session: ReviewSession) -> str:
    blocks = ["## Sections\n"]
    for section in session.spec.sections:
        chunks = session.chunks_in(section.id)
        if not chunks:
            continue
        blocks.append(f"### {_inline(section.title)} (`{section.id}`)\n")
        blocks.extend(_export_chunk(session, chunk) for chunk in chunks)
    return "\n".join(blocks) if len(blocks) > 1 else ""


def _export_unlinked(session: ReviewSession) -> str:
    chunks = session.chunks_in(None)
    if not chunks:
        return ""
    intro = "Changes that belong to no section of the spec: glue code, or work nobody asked for.\n"
    return (
        "## Unlinked changes\n\n"
        + intro
        + "\n"
        + "\n".join(_export_chunk(session, c) for c in chunks)
    )


def _export_missing(session: ReviewSession) -> str:
    """Coverage: the spec phase under review, what it misses, code past its checkpoint, and the
    sections with no code."""
    parts = [_export_phase(session)]
    claimed = [
        s for s in sections_without_code(session) if _status(session, s.id) == "claimed-done"
    ]
    if claimed:
        parts.append("### Claimed done, no code seen\n\n" + _section_list(claimed))
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
        f"Spec phase under review: **{_inline(report.phase.title)}** ({_inline(report.reason)})."
    ]
    if report.phase.checkpoint:
        lines.append(f"Its checkpoint: {_inline(report.phase.checkpoint)}")
    text = "\n".join(lines) + "\n"
    missing = [s for sid in report.missing if (s := session.spec.get(sid)) is not None]
    if missing:
        text += "\n### Missing from this phase\n\n" + _section_list(missing)
    if report.past_checkpoint:
        rows = []
        for chunk in session.chunks:
            later = report.past_checkpoint.get(chunk.id)
            if later is not None:
                section = session.section_of(chunk.id)
                title = _inline(section.title) if section else "?"
                rows.append(f"- `{_code_span(chunk.location)}` → {title} (phase {_inline(later)})")
        text += (
            "\n### Past the checkpoint\n\nCode for sections of a later phase:\n\n"
            + "\n".join(rows)
            + "\n"
        )
    return text


def _status(session: ReviewSession, section_id: str) -> str | None:
    item = session.coverage.get(section_id)
    return item.status if item else None


def _is_missing(session: ReviewSession, section_id: str) -> bool:
    item = session.coverage.get(section_id)
    return bool(item and item.missing)


def _section_list(sections: list[Section]) -> str:
    return (
        "\n".join(
            f"- {_inline(section.title)} (`{section.id}`, {section.spec}:{section.line})"
            for section in sections
        )
        + "\n"
    )


def _export_ledger(session: ReviewSession) -> str:
    from reviewtui.core.checks import ledger_markdown

    table = ledger_markdown(session.ledger)
    return f"## The spec's numbers\n\n{table.strip()}\n" if table.strip() else ""


def _export_chunk(session: ReviewSession, chunk: Chunk) -> str:
    decision = session.decision(chunk.id)
    link = session.link(chunk.id)
    title = f"#### `{_code_span(chunk.location)}`"
    if chunk.symbol:
        title += f" — `{_code_span(chunk.symbol)}`"
    moved = (
        f" from `{_code_span(chunk.old_path)}`"
        if chunk.old_path and chunk.old_path != chunk.path
        else ""
    )
    lines = [
        title,
        "",
        f"- Decision: **{decision.status}**"
        + (f" — {_inline(decision.note)}" if decision.note else ""),
    ]
    lines.append(f"- Chunk: `{chunk.id}` · {chunk.change}{moved} · +{chunk.added} −{chunk.removed}")
    if link.section_id:
        lines.append(f"- Link confidence: {link.confidence:.2f}")
    lines.extend(
        f"- Evidence ({e.kind}, {e.score:.2f}): {_inline(e.detail)}" for e in link.evidence
    )
    lines.extend(
        f"- Check **{f.severity}** `{f.rule}`"
        + (f" (line {f.line})" if f.line else "")
        + f": {_inline(f.message)}"
        for f in session.flags_of(chunk.id)
    )
    if chunk.summary:
        lines.append(f"- {_inline(chunk.summary)}")
    if chunk.lines:
        lines += ["", fenced("\n".join(f"{line.kind}{line.text}" for line in chunk.lines), "diff")]
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------- requests


def requests_markdown(
    requests: Iterable[Request], *, heading_level: int = 2, open_only: bool = False
) -> str:
    """The request queue as markdown, one block per request, in queue order."""
    marks = "#" * heading_level
    blocks = []
    for request in requests:
        if open_only and request.status != "open":
            continue
        done = " (done)" if request.status == "done" else ""
        where = f" — `{_code_span(request.location)}`" if request.location else ""
        block = [
            f"{marks} {request.id} · {request.kind}{done}{where}",
            "",
            request_body(request) or "(no text)",
        ]
        if request.code:
            block += ["", fenced(request.code, "diff")]
        if request.patch:
            block += ["", "Drafted patch:", "", fenced(request.patch, "diff")]
        blocks.append("\n".join(block) + "\n")
    return visible_controls("\n".join(blocks))


PROMPT_INTRO = (
    "The reviewer went through your last phase and queued the changes below. Make each of them, "
    "keep everything else as it is, and stop when they are done.\n"
)


def request_body(request: Request) -> str:
    """The request's text without the location the request dialog pre-fills (it is shown apart)."""
    text = request.text.strip()
    if request.location and text.startswith(request.location):
        rest = text[len(request.location) :]
        rest = re.sub(r"^\s*(\([^)]*\))?\s*:\s*", "", rest, count=1)
        return rest.strip() or text
    return text


def requests_prompt(requests: Iterable[Request]) -> str:
    """The open requests as text to paste to the coding agent: each item stands alone."""
    items = [request for request in requests if request.status == "open"]
    if not items:
        return ""
    parts = [PROMPT_INTRO]
    for number, request in enumerate(items, start=1):
        where = f" in `{_code_span(request.location)}`" if request.location else ""
        part = [f"{number}. {request.kind.capitalize()}{where}: {request_body(request)}"]
        if request.code:
            part += [
                "",
                "   The code this is about:",
                "",
                _indent(fenced(request.code, "diff"), "   "),
            ]
        parts.append("\n".join(part) + "\n")
    parts.append("While you work:\n" + SPEC_CONVENTION + "\n")
    return visible_controls("\n".join(parts))


# --------------------------------------------------------------------------- markdown helpers


_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def visible_controls(text: str) -> str:
    """Text with control characters (ANSI escapes and friends) written as `\\x1b`, so neither a
    terminal printing it nor a markdown viewer acts on them; newlines and tabs stay."""
    return _CONTROL.sub(lambda match: f"\\x{ord(match.group()):02x}", text)


def fenced(code: str, language: str = "") -> str:
    """A fenced code block whose fence is longer than any backtick run inside the code."""
    longest = max((len(run) for run in re.findall(r"`+", code)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}{language}\n{code}\n{fence}"


def _code_span(text: str) -> str:
    """Untrusted text inside a one-line code span: no backticks, no line breaks."""
    return _inline(text).replace("`", "'")


def _inline(text: str) -> str:
    """Untrusted text on one markdown line: newlines folded."""
    return " ".join(text.split())


def _cell(text: str) -> str:
    return _inline(text).replace("|", "\\|")


def _indent(text: str, prefix: str) -> str:
    return "\n".join(prefix + line if line else line for line in text.splitlines())
