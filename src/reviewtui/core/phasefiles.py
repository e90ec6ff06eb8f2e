"""Provides which of a phase's changed files are reviewed: `review_files(...) -> ReviewFiles`, the
reviewer's spec (`spec_at_base`) and the `spec-edited` flags (`spec_edit_flags`).

Left out of a phase: reviewtui's own exports, while they hold a text reviewtui exported (an
export the agent or anyone changed since, or one an older reviewtui recorded without what it wrote,
stays in the phase, with a warning: `changed_exports`); the spec files, unless the agent edited
them; an agent instructions file (CLAUDE.md / AGENTS.md) whose only change is reviewtui's own
block (`reviewtui init`). Ticking a spec's task boxes (`[ ]` → `[x]`) is expected: those hunks stay out. Any other
change to a spec file that existed at the phase's base stays in the phase (its chunks are flagged
`spec-edited`), and the checks (the ledger among them) read the spec as it was at the base: the
reviewer's spec, not the agent's edit.

A discovered spec file (PLAN.md, TODO.md, `specs/*/tasks.md`, …) that is new in a phase with a
base, while another spec file existed there, is the agent's (`new_spec_files`): it stays in the
phase, flagged `spec-edited`, and leaves the spec (the linker, the checks and `status` read the
reviewer's files only), with a warning. One the reviewer named (`--spec`, the `spec` setting) stays
the spec, with a warning. A spec file outside the repo (absolute, or `../notes.md`) is never part
of a phase nor looked up in git, and the spec at the base is parsed in memory (nothing is written).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path

from reviewtui.core import gitrange
from reviewtui.core.agentdoc import BLOCK_END, BLOCK_START, INSTRUCTION_FILES
from reviewtui.core.models import (
    WORKTREE,
    Chunk,
    DiffLine,
    FileDiff,
    Flag,
    Hunk,
    Phase,
    Severity,
    Spec,
)
from reviewtui.core.spec import inside_repo, load_spec
from reviewtui.core.state import ExportPaths, export_hash
from reviewtui.errors import ReviewError

RULE_ID = "spec-edited"
QUOTE_WIDTH = 70
"""Longest spec line quoted in a `spec-edited` message."""

_TASK_BOX = re.compile(r"^(\s*(?:[-*+]|\d+[.)])\s+)\[[ xX]\]")


@dataclass
class ReviewFiles:
    """A phase's changed files split into what is reviewed and what is left out."""

    files: list[FileDiff]
    """The files under review, the edited spec files among them (their tick-only hunks removed)."""
    spec_edits: list[str] = field(default_factory=list)
    """Paths of the spec files the agent edited beyond ticking task boxes."""
    left_out: set[str] = field(default_factory=set)
    """Paths left out of the phase (spec files, exports, agent files changed only by reviewtui)."""
    agent_specs: list[str] = field(default_factory=list)
    """Paths of the spec files the agent added (also in `spec_edits`): no longer in the spec."""
    changed_exports: list[str] = field(default_factory=list)
    """Paths reviewtui exported to that hold something else now (or whose export is of unknown
    content): kept in the phase, each named in `phase.warnings`."""


def review_files(root: Path, phase: Phase, spec: Spec, exports: Iterable[str]) -> ReviewFiles:
    """Split `phase.files`: exports, unedited spec files and agent files changed only by reviewtui
    go out; a spec file the agent edited stays, without its tick-only hunks.

    A discovered spec file the agent added (`new_spec_files`) stays whole and leaves `spec`, which
    is updated in place (its files, sections and warnings), so that everything reading the spec
    afterwards reads the reviewer's files only.

    An export (`exports`, an `ExportPaths` with the hashes of the texts written; a plain list of
    paths is exports of unknown content) leaves the phase only while it holds an exported text;
    otherwise it is reviewed, and `phase.warnings` says why (`changed_exports`)."""
    result = ReviewFiles(files=[])
    recorded = exports if isinstance(exports, ExportPaths) else ExportPaths(exports)
    result.changed_exports = changed_exports(root, phase, recorded)
    phase.warnings.extend(export_warning(path, recorded) for path in result.changed_exports)
    exports = [path for path in recorded if path not in result.changed_exports]
    new = new_spec_files(root, phase, spec)
    if spec.discovered:
        result.agent_specs.extend(new)
        _leave_spec(root, spec, new)
    else:
        spec.warnings.extend(_named_new_warning(path) for path in new)
    result.left_out.update(spec.files, exports)
    for file in phase.files:
        if file.path in result.agent_specs and file.path not in result.left_out:
            result.files.append(file)
            result.spec_edits.append(file.path)
        elif file.path in spec.files:
            edited = _spec_edit(file)
            if edited is not None:
                result.files.append(edited)
                result.spec_edits.append(file.path)
        elif file.path in result.left_out or _reviewtui_block_only(root, phase, file):
            result.left_out.add(file.path)
        else:
            result.files.append(file)
    result.left_out.difference_update(result.spec_edits)
    return result


# --------------------------------------------------------------------------- exports


def changed_exports(root: Path, phase: Phase, exports: ExportPaths) -> list[str]:
    """The exports among the phase's files that do not hold a text reviewtui exported: the agent
    (or anyone) wrote over them, or what was exported is unknown (no hash recorded). A deleted
    export counts as unchanged when it held an exported text at the base."""
    listed = set(exports)
    changed = []
    for file in phase.files:
        if file.path not in listed:
            continue
        known = exports.hashes.get(file.path, [])
        if not known or _export_content_hash(root, phase, file) not in known:
            changed.append(file.path)
    return changed


def _export_content_hash(root: Path, phase: Phase, file: FileDiff) -> str | None:
    """The hash of what the export `file` holds at the phase's head (at its base when deleted);
    None when it cannot be read (then it is reviewed)."""
    try:
        if file.change == "deleted":
            return None if phase.base is None else export_hash(_blob(root, phase.base, file.path))
        if phase.head == WORKTREE:
            return export_hash((root / file.path).read_bytes())
        return export_hash(_blob(root, phase.head, file.path))
    except (OSError, ReviewError):
        return None


def export_warning(path: str, exports: ExportPaths) -> str:
    """Why the export `path` is part of the phase."""
    if exports.hashes.get(path):
        return (
            f"{path} was exported to by reviewtui but has changed since: reviewed as part of the"
            " phase"
        )
    return (
        f"{path} was exported to by reviewtui, which did not record what it wrote (an older"
        " reviewtui): reviewed as part of the phase; export to it again to leave it out while it"
        " holds the export"
    )


# --------------------------------------------------------------------------- spec files


def new_spec_files(root: Path, phase: Phase, spec: Spec) -> list[str]:
    """The spec files added in the phase while another spec file existed at its base: the agent's
    plan (PLAN.md, TODO.md) when discovered. [] without a base (a first phase: its new spec file is
    the reviewer's)."""
    if phase.base is None:
        return []
    added = [f.path for f in phase.files if f.change == "added" and f.path in spec.files]
    others = [path for path in spec.files if path not in added and inside_repo(path)]
    if not added or not _any_at(root, phase.base, others):
        return []
    return added


def _any_at(root: Path, revision: str, paths: list[str]) -> bool:
    """True when any of `paths` (no newline in them) is a file of the commit `revision`."""
    names = [path for path in paths if "\n" not in path]
    if not names:
        return False
    query = "".join(f"{revision}:{path}\n" for path in names).encode("utf-8", "surrogateescape")
    answer = gitrange.run_git(root, "cat-file", "--batch-check", input=query)
    return any(not line.endswith(b" missing") for line in answer.splitlines() if line)


def _leave_spec(root: Path, spec: Spec, agents: list[str]) -> None:
    """Take the agent's spec files `agents` out of `spec` (in place), with one warning each."""
    if not agents:
        return
    kept = load_spec(root, [path for path in spec.files if path not in agents])
    spec.files, spec.sections = kept.files, kept.sections
    spec.warnings[:] = [*kept.warnings, *(_agent_warning(path) for path in agents)]
    spec.__post_init__()  # its index of sections by id


def _agent_warning(path: str) -> str:
    return (
        f"{path} is new in this phase: read as the agent's, not the spec (its diff is under review,"
        " flagged spec-edited); pass --spec to choose the spec files"
    )


def _named_new_warning(path: str) -> str:
    return f"{path} is new in this phase: read as the spec, as you named it (--spec or the spec setting)"


def _spec_edit(file: FileDiff) -> FileDiff | None:
    """The spec file's diff without tick-only hunks, or None when nothing else changed (or the file
    is new in the phase: the reviewer's spec, not an edit of it)."""
    if file.change != "modified" or file.binary:
        return None
    hunks = [untick_hunk(hunk) for hunk in file.hunks if not ticks_only(hunk)]
    if not hunks:
        return None
    return replace(file, hunks=hunks)


def ticks_only(hunk: Hunk) -> bool:
    """True when every change of the hunk ticks (or unticks) a task box and nothing else."""
    return not any(line.kind != " " for line in untick_hunk(hunk).lines)


def untick_hunk(hunk: Hunk) -> Hunk:
    """The hunk with each line whose only change is its task box shown as unchanged (new text)."""
    lines: list[DiffLine] = []
    run: list[DiffLine] = []
    for line in [*hunk.lines, None]:
        if line is not None and line.kind != " ":
            run.append(line)
            continue
        lines.extend(_untick_run(run))
        run = []
        if line is not None:
            lines.append(line)
    return replace(hunk, lines=lines)


def _untick_run(run: list[DiffLine]) -> list[DiffLine]:
    """A run of changed lines; when it removes as many lines as it adds, each pair differing only
    in its task box becomes one unchanged line."""
    removed = [line for line in run if line.kind == "-"]
    added = [line for line in run if line.kind == "+"]
    if len(removed) != len(added) or len(removed) + len(added) != len(run):
        return run
    lines: list[DiffLine] = []
    for old, new in zip(removed, added, strict=True):
        if _untick(old.text) == _untick(new.text):
            lines.append(DiffLine(" ", new.text, old.old_no, new.new_no, new.no_newline))
        else:
            lines.extend((old, new))
    return lines


def _untick(text: str) -> str:
    return _TASK_BOX.sub(r"\1[ ]", text)


def spec_at_base(root: Path, base: str | None, spec: Spec, edited: list[str]) -> Spec:
    """The spec with its `edited` files read as they were at `base` (the others as they are now),
    parsed in memory; `spec` itself when none of its files was edited. A file outside the repo is
    never looked up in git, and an agent's spec file (no longer in `spec`) is not read."""
    at_base = [path for path in edited if path in spec.files and inside_repo(path)]
    if not at_base or base is None:
        return spec
    texts = {path: _blob(root, base, path) for path in at_base}
    reviewers = load_spec(root, list(spec.files), texts=texts)
    return Spec(reviewers.files, reviewers.sections, list(spec.warnings), spec.discovered)


def _blob(root: Path, revision: str, path: str) -> bytes:
    return gitrange.run_git(root, "cat-file", "blob", f"{revision}:{path}")


def spec_edit_flags(chunks: list[Chunk], edited: list[str], severity: Severity) -> dict[str, Flag]:
    """Chunk id -> its `spec-edited` flag, for the chunks of the edited spec files."""
    return {
        chunk.id: Flag(RULE_ID, severity, _first_line(chunk), spec_edit_message(chunk))
        for chunk in chunks
        if chunk.path in edited
    }


def spec_edit_message(chunk: Chunk) -> str:
    """ "the agent changed the spec: …" with the first line it removed and the first it added
    ("the agent added this spec file …" for a spec file new in the phase)."""
    removed = [line.text.strip() for line in chunk.lines if line.kind == "-" and line.text.strip()]
    added = [line.text.strip() for line in chunk.lines if line.kind == "+" and line.text.strip()]
    if removed and added:
        what = f"{_quote(removed[0])} became {_quote(added[0])}"
    elif added:
        what = f"added {_quote(added[0])}"
    elif removed:
        what = f"removed {_quote(removed[0])}"
    else:
        what = "blank lines"
    more = max(len(removed), len(added)) - 1
    suffix = f" (and {more} more line{'s' if more > 1 else ''})" if more > 0 else ""
    if chunk.change == "added" and added:
        what = _quote(added[0])
        return f"the agent added this spec file (read as its own, not the spec): {what}{suffix}"
    return f"the agent changed the spec: {what}{suffix}"


def _quote(text: str) -> str:
    short = text if len(text) <= QUOTE_WIDTH else text[: QUOTE_WIDTH - 1] + "…"
    return f'"{short}"'


def _first_line(chunk: Chunk) -> int | None:
    changed: list[DiffLine] = [line for line in chunk.lines if line.kind != " "]
    for line in changed:
        if line.new_no is not None and line.kind == "+":
            return line.new_no
    return changed[0].old_no if changed else None


# --------------------------------------------------------------------------- agent instructions


def _reviewtui_block_only(root: Path, phase: Phase, file: FileDiff) -> bool:
    """True for CLAUDE.md / AGENTS.md (at the repo root) whose only change in the phase is
    reviewtui's own block."""
    if file.path not in INSTRUCTION_FILES or file.binary or file.old_path is not None:
        return False
    if file.change not in ("added", "modified") or file.new_text is None:
        return False
    base = None if file.change == "added" else phase.base
    old = "" if base is None else _blob(root, base, file.path).decode("utf-8", "replace")
    return without_block(old) == without_block(file.new_text)


def without_block(text: str) -> str:
    """`text` without reviewtui's block, blank runs collapsed (the block brings its own spacing)."""
    start = text.find(BLOCK_START)
    end = text.find(BLOCK_END, start + 1) if start >= 0 else -1
    if start >= 0 and end >= 0:
        text = text[:start] + "\n" + text[end + len(BLOCK_END) :]
    text = text.replace("\r\n", "\n")
    return re.sub(r"\n\s*\n+", "\n\n", text).strip()
