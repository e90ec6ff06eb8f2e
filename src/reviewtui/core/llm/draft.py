"""Provides `draft_fix(session, request)`: a patch drafted by the LLM for a queued request, checked by git.

The model gets the request, the chunk, its spec section and the whole file as it is in the working
tree, and answers one unified diff. The diff must touch only the chunk's file and must pass
`git apply --check`; otherwise it is refused with git's one-line reason. `apply_patch` runs
`git apply` (only when the reviewer confirms); `keep_patch` stores it on the request for the export.
"""

from __future__ import annotations

import re
import subprocess
import threading
from dataclasses import dataclass, field
from pathlib import Path

from unidiff import PatchSet
from unidiff.errors import UnidiffParseError

from reviewtui.core.llm.client import LLMUnavailable
from reviewtui.core.llm.explain import SessionLike, client_for
from reviewtui.core.llm.prompts import draft_prompt
from reviewtui.core.llm.usage import Usage
from reviewtui.core.models import Chunk, Request
from reviewtui.errors import ReviewError

DRAFTABLE = {"refactor", "simplify", "fix"}
"""Request kinds a patch can be drafted for."""


@dataclass
class DraftPatch:
    """A drafted patch and whether git accepts it."""

    patch: str | None = None
    """The unified diff the model proposed (None when there was none)."""
    applies: bool = False
    """True when `git apply --check` accepted the patch in the working tree."""
    message: str = ""
    """One line: why it was refused, or that it applies."""
    usage: Usage = field(default_factory=Usage)
    warning: str | None = None
    """A problem that lost nothing (the answer could not be cached), reported once per session."""


def draft_fix(
    session: SessionLike,
    request: Request,
    cancel: threading.Event | None = None,
    *,
    force: bool = False,
) -> DraftPatch:
    """Ask the LLM for a patch doing what `request` says for its chunk, then check it with git."""
    try:
        chunk = _chunk_of(session, request)
        file_text = _worktree_text(session.root, chunk.path)
        section = session.section_of(chunk.id)
        prompt = draft_prompt(
            session.spec,
            section,
            chunk,
            file_text,
            request.kind,
            request.text,
            session.settings.llm.ignore,
        )
    except LLMUnavailable as error:
        return DraftPatch(message=str(error))
    answer = client_for(session).complete(prompt, cancel, force=force)
    if not answer.ok:
        return DraftPatch(message=answer.error or "LLM: failed", usage=answer.usage)
    patch = extract_diff(answer.text)
    if patch is None:
        message = "refused: the answer holds no unified diff"
        return DraftPatch(message=message, usage=answer.usage, warning=answer.warning)
    problem = patch_problem(session.root, patch, chunk.path)
    message = problem or "the patch applies cleanly (git apply --check)"
    return DraftPatch(patch, problem is None, message, answer.usage, answer.warning)


def _chunk_of(session: SessionLike, request: Request) -> Chunk:
    if request.kind not in DRAFTABLE:
        raise LLMUnavailable(f"cannot draft a patch for a {request.kind} request")
    if request.chunk_id is None:
        raise LLMUnavailable("this request is not about a chunk: nothing to patch")
    try:
        return session.chunk(request.chunk_id)
    except (KeyError, ReviewError):
        raise LLMUnavailable("the request's chunk is not part of this phase") from None


def _worktree_text(root: Path, path: str) -> str:
    try:
        return (root / path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        raise LLMUnavailable(f"cannot read {path} in the working tree") from None


_FENCE = re.compile(r"```(?:diff|patch)?[ \t]*\n(.*?)```", re.DOTALL)


def extract_diff(text: str) -> str | None:
    """The unified diff in the answer (in a fenced block, or the bare answer), or None."""
    candidates = [m.group(1) for m in _FENCE.finditer(text)] or [text]
    for candidate in candidates:
        start = re.search(r"^(?:diff --git |--- )", candidate, re.MULTILINE)
        if start and "\n@@ " in candidate:
            patch = candidate[start.start() :].rstrip("\n") + "\n"
            return patch
    return None


def patch_problem(root: Path, patch: str, path: str) -> str | None:
    """Why the patch must be refused (one line), or None when it touches only `path` and applies."""
    try:
        touched = _touched_paths(patch)
    except UnidiffParseError as error:
        return f"refused: not a valid unified diff ({_one_line(str(error))})"
    if not touched:
        return "refused: the patch changes nothing"
    if touched != {path}:
        others = ", ".join(sorted(touched - {path})) or path
        return f"refused: the patch touches other files than {path}: {others}"
    return _git_apply(root, patch, check=True)


def _touched_paths(patch: str) -> set[str]:
    paths: set[str] = set()
    for patched in PatchSet.from_string(patch):
        for name in (patched.source_file, patched.target_file):
            if name and name != "/dev/null":
                paths.add(re.sub(r"^[ab]/", "", name))
    return paths


def _git_apply(root: Path, patch: str, *, check: bool) -> str | None:
    args = ["git", "-c", "core.quotePath=false", "apply", "--whitespace=nowarn"]
    if check:
        args.append("--check")
    result = subprocess.run(
        [*args, "-"], cwd=root, input=patch.encode("utf-8"), capture_output=True, check=False
    )
    if result.returncode == 0:
        return None
    reason = result.stderr.decode("utf-8", "replace").strip().splitlines()
    return "refused: git apply --check failed: " + _one_line(reason[0] if reason else "")


def apply_patch(session: SessionLike, patch: str, path: str) -> None:
    """Apply a drafted patch to the working tree (after the reviewer confirmed); ReviewError if not."""
    problem = patch_problem(session.root, patch, path)
    if problem is None:
        problem = _git_apply(session.root, patch, check=False)
    if problem is not None:
        raise ReviewError(problem)


def keep_patch(session: SessionLike, request: Request, patch: str) -> Request:
    """Store the patch on the request (it appears in the queue export) and save the state."""
    request.patch = patch
    return session.update_request(request.id)


def _one_line(text: str) -> str:
    return " ".join(text.split())[:200]
