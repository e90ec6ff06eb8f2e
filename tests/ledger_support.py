"""Provides `review(repo, spec, files)` for the ledger tests: the spec and the agent's phase committed
in a real repo, then the real chunk cutter and checks; returns the ledger and every flag."""

from __future__ import annotations

from reviewtui.config import CheckSettings, ChunkSettings
from reviewtui.core import gitrange
from reviewtui.core.checks import check_phase
from reviewtui.core.checks.ledger import Ledger
from reviewtui.core.chunks import cut_chunks
from reviewtui.core.models import Flag
from reviewtui.core.spec import load_spec
from tests.gitrepo import GitRepo


def review(repo: GitRepo, spec: str, files: dict[str, str]) -> tuple[Ledger, list[Flag]]:
    """Commit `spec` as SPEC.md, then `files` as the agent's phase; the ledger and the flags."""
    repo.write("SPEC.md", spec)
    repo.commit("spec")
    for path, text in files.items():
        repo.write(path, text)
    repo.commit("agent phase")
    phase = gitrange.resolve_phase(gitrange.open_repo(repo.root), "HEAD~1..HEAD", None)
    chunks = cut_chunks(phase.files, phase.commits, ChunkSettings())
    spec_ = load_spec(repo.root, ["SPEC.md"])
    flags, ledger = check_phase(chunks, phase.files, spec_, CheckSettings())
    return ledger, [flag for found in flags.values() for flag in found]
