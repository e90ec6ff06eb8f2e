"""Provides what the benchmark scripts share: a git environment isolated from the user's own
configuration (`ENV`, `isolate_git`), and `git(root, *args)` to build their repositories.

The scripts import it after putting the `bench/` folder on `sys.path`:

    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # from bench/<area>/
    from benchlib import ENV, git
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

GIT_ISOLATION = {
    "GIT_CONFIG_NOSYSTEM": "1",
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_AUTHOR_NAME": "bench",
    "GIT_AUTHOR_EMAIL": "bench@example.invalid",
    "GIT_COMMITTER_NAME": "bench",
    "GIT_COMMITTER_EMAIL": "bench@example.invalid",
    "GIT_AUTHOR_DATE": "2026-01-01T00:00:00+00:00",
    "GIT_COMMITTER_DATE": "2026-01-01T00:00:00+00:00",
}
"""No system or user git config (no color, no hooks, no external diff), a fixed identity and fixed
dates (so the same build gives the same shas)."""

ENV = {**os.environ, **GIT_ISOLATION}
"""The environment for git and reviewtui subprocesses of a benchmark."""


def isolate_git() -> None:
    """Give this process (and git run in-process by reviewtui) the isolation, where the caller's
    environment does not already set a variable."""
    for name, value in GIT_ISOLATION.items():
        os.environ.setdefault(name, value)


def git(root: Path, *args: str) -> str:
    """Run git in `root` with `ENV`; returns stdout (raises CalledProcessError on failure)."""
    result = subprocess.run(
        ["git", *args], cwd=root, env=ENV, check=True, capture_output=True, text=True
    )
    return result.stdout
