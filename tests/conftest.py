"""Shared fixtures: an isolated environment (no user git config, no API key, no user dirs) and a
builder for real git repositories in `tmp_path`."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.gitrepo import GitRepo


@pytest.fixture(autouse=True)
def isolated_env(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Path]:
    """Keep every test away from the user's own git config, home, config dirs and API keys."""
    home = tmp_path_factory.mktemp("home")
    gitconfig = home / ".gitconfig"
    gitconfig.write_text(
        "[user]\n\tname = Test Reviewer\n\temail = reviewer@example.invalid\n"
        "[init]\n\tdefaultBranch = main\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(gitconfig))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / ".cache"))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / ".local" / "share"))
    for name in list(os.environ):
        if name.startswith(
            ("ANTHROPIC_", "REVIEWTUI_", "GIT_AUTHOR_", "GIT_COMMITTER_")
        ) or name in {
            "GIT_DIR",
            "GIT_WORK_TREE",
            "GIT_INDEX_FILE",
        }:
            monkeypatch.delenv(name, raising=False)
    yield home


@pytest.fixture
def git_repo(tmp_path: Path) -> GitRepo:
    """An empty git repository (no commits yet) in `tmp_path / "repo"`."""
    return GitRepo.init(tmp_path / "repo")


@pytest.fixture(scope="session")
def built_demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundled demo repo, built once per test session; tests that change it use `demo_copy`."""
    from reviewtui.core.demo import build_demo

    return build_demo(tmp_path_factory.mktemp("built") / "demo")


@pytest.fixture
def demo_copy(built_demo: Path, tmp_path: Path) -> Path:
    """A private copy of the demo repo for one test (decisions, requests and all)."""
    target = tmp_path / "demo"
    shutil.copytree(built_demo, target, symlinks=True)
    return target


def run_git(cwd: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=cwd, check=True, capture_output=True, text=True
    ).stdout
