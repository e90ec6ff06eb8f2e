"""`find_root` finds the working tree's top directory as `open_repo` does, with its errors, and a
session opens without loading GitPython."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from reviewtui.core.gitrange import find_root, open_repo, repo_root
from reviewtui.errors import ReviewError
from tests.gitrepo import GitRepo


def _repo(git_repo: GitRepo) -> GitRepo:
    git_repo.write("SPEC.md", "# Spec\n\n## 1 Data\n\nLoad the data.\n")
    git_repo.commit("spec")
    git_repo.write("src/deep/data.py", "def load_data(path):\n    return open(path).read()\n")
    return git_repo


@pytest.mark.parametrize("where", [".", "src", "src/deep", "src/deep/data.py"])
def test_the_top_directory_is_the_one_open_repo_gives(git_repo: GitRepo, where: str) -> None:
    root = _repo(git_repo).root
    start = root / where
    assert find_root(start).resolve() == repo_root(open_repo(start)).resolve() == root.resolve()


def test_the_errors_are_open_repos(tmp_path: Path, git_repo: GitRepo) -> None:
    plain = tmp_path / "plain"
    plain.mkdir()
    with pytest.raises(ReviewError, match=f"^not a git repository: {re.escape(str(plain))}$"):
        find_root(plain)
    with pytest.raises(ReviewError, match="no such directory"):
        find_root(tmp_path / "missing")
    bare = tmp_path / "bare.git"
    subprocess.run(["git", "init", "-q", "--bare", str(bare)], check=True)
    with pytest.raises(ReviewError, match=f"^{re.escape(str(bare))} is a bare repository$"):
        find_root(bare)


def test_inside_the_git_folder_open_repo_decides(git_repo: GitRepo) -> None:
    root = _repo(git_repo).root
    assert find_root(root / ".git").resolve() == repo_root(open_repo(root / ".git")).resolve()


def test_a_session_opens_without_gitpython(git_repo: GitRepo) -> None:
    root = _repo(git_repo).root
    script = (
        "import sys\n"
        "from pathlib import Path\n"
        "from reviewtui.core.session import ReviewSession\n"
        f"session = ReviewSession.open(Path({str(root)!r}), no_llm=True)\n"
        "assert session.chunks\n"
        "print('git' in sys.modules)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "False"


def test_a_path_given_as_a_string_is_found_too(git_repo: GitRepo) -> None:
    assert find_root(str(git_repo.root)) == find_root(git_repo.root)
