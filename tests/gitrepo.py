"""Provides `GitRepo`: a tiny builder of real git repositories for tests."""

from __future__ import annotations

import subprocess
from pathlib import Path


class GitRepo:
    """A real git repository on disk, with helpers to write files and commit them."""

    def __init__(self, root: Path) -> None:
        self.root = root

    @classmethod
    def init(cls, root: Path) -> GitRepo:
        root.mkdir(parents=True, exist_ok=True)
        repo = cls(root)
        repo.git("init", "-q", "-b", "main")
        return repo

    def git(self, *args: str, input: bytes | None = None) -> str:
        result = subprocess.run(
            ["git", *args], cwd=self.root, check=True, capture_output=True, input=input
        )
        return result.stdout.decode("utf-8", "replace")

    def write(self, path: str, content: str | bytes) -> Path:
        target = self.root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            target.write_bytes(content)
        else:
            target.write_bytes(content.encode("utf-8"))
        return target

    def remove(self, path: str) -> None:
        (self.root / path).unlink()

    def commit(self, message: str, *paths: str) -> str:
        """Stage `paths` (everything when none) and commit; returns the new sha."""
        self.git("add", "-A", *(["--", *paths] if paths else []))
        self.git("commit", "-q", "--allow-empty", "-m", message)
        return self.head()

    def head(self) -> str:
        return self.git("rev-parse", "HEAD").strip()
