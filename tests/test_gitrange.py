"""Tests of `core/gitrange.py`: range forms, the default phase rule, checkpoints, errors, commit info."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from reviewtui.core import gitrange
from reviewtui.core.diffparse import RawRecord, pair_files, parse_patch, unquote_path
from reviewtui.core.gitrange import open_repo, resolve_phase, run_git, snapshot_worktree
from reviewtui.core.models import WORKTREE, Phase
from reviewtui.errors import ReviewError
from tests.gitrepo import GitRepo


def phase_of(repo: GitRepo, range_text: str | None = None, checkpoint: str | None = None) -> Phase:
    return resolve_phase(open_repo(repo.root), range_text, checkpoint)


def paths(phase: Phase) -> list[str]:
    return [file.path for file in phase.files]


@pytest.fixture(scope="module")
def history_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Built once per module, in its own isolated git environment: main: add a -> add b -> add c."""
    home = tmp_path_factory.mktemp("template-home")
    (home / ".gitconfig").write_text(
        "[user]\n\tname = Test Reviewer\n\temail = reviewer@example.invalid\n", encoding="utf-8"
    )
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("HOME", str(home))
        patch.setenv("GIT_CONFIG_GLOBAL", str(home / ".gitconfig"))
        patch.setenv("GIT_CONFIG_NOSYSTEM", "1")
        repo = GitRepo.init(tmp_path_factory.mktemp("template") / "repo")
        for name in "abc":
            repo.write(f"{name}.txt", f"{name}\n")
            repo.commit(f"add {name}")
    return repo.root


@pytest.fixture
def history(history_template: Path, tmp_path: Path) -> GitRepo:
    """A fresh copy of the three-commit template repository in `tmp_path / "repo"`."""
    root = tmp_path / "repo"
    shutil.copytree(history_template, root, symlinks=True)
    return GitRepo(root)


def rev(repo: GitRepo, name: str) -> str:
    return repo.git("rev-parse", name).strip()


# --------------------------------------------------------------------------- range forms


def test_two_dot_range_is_between_commits(history: GitRepo) -> None:
    history.write("dirty.txt", "not in a commit range\n")
    phase = phase_of(history, "HEAD~2..HEAD~1")
    assert (phase.base, phase.head) == (rev(history, "HEAD~2"), rev(history, "HEAD~1"))
    assert paths(phase) == ["b.txt"]
    assert phase.rule == "range HEAD~2..HEAD~1"
    assert [commit.subject for commit in phase.commits] == ["add b"]


def test_single_revision_runs_to_the_working_tree(history: GitRepo) -> None:
    history.write("a.txt", "a changed\n")
    history.write("untracked.txt", "new\n")
    phase = phase_of(history, "HEAD~1")
    assert (phase.base, phase.head) == (rev(history, "HEAD~1"), WORKTREE)
    assert paths(phase) == ["a.txt", "c.txt", "untracked.txt"]
    assert [commit.subject for commit in phase.commits] == ["add c"]


def test_open_ended_ranges_mean_head(history: GitRepo) -> None:
    assert phase_of(history, "HEAD~1..").head == rev(history, "HEAD")
    assert phase_of(history, "..HEAD~1").base == rev(history, "HEAD")


def test_three_dot_range_starts_at_the_merge_base(history: GitRepo) -> None:
    history.git("checkout", "-q", "-b", "side", "HEAD~1")
    history.write("side.txt", "side\n")
    history.commit("side work")
    phase = phase_of(history, "main...side")
    assert phase.base == rev(history, "main~1")
    assert paths(phase) == ["side.txt"]


@pytest.mark.parametrize("text", ["nope", "HEAD~9", "--output=/tmp/x", "main..nope", "a.txt"])
def test_unknown_revision_is_a_user_error(history: GitRepo, text: str) -> None:
    bad = text.partition("..")[2] if ".." in text else text
    with pytest.raises(ReviewError, match=f"^unknown revision: {re.escape(bad)}$"):
        phase_of(history, text)


def test_empty_range_is_a_user_error(history: GitRepo) -> None:
    with pytest.raises(ReviewError, match="empty range"):
        phase_of(history, "  ")


def test_phase_of_a_commit_range_ignores_the_working_tree(history: GitRepo) -> None:
    history.write("c.txt", "edited later\n")
    phase = phase_of(history, "HEAD~1..HEAD")
    assert phase.files[0].new_text == "c\n"


# --------------------------------------------------------------------------- the working tree


def test_worktree_covers_staged_unstaged_and_untracked_but_not_ignored(history: GitRepo) -> None:
    history.write(".gitignore", "*.log\n")
    history.commit("ignore logs")
    history.write("a.txt", "a staged\n")
    history.git("add", "a.txt")
    history.write("b.txt", "b unstaged\n")
    history.write("new.txt", "untracked\n")
    history.write("debug.log", "ignored\n")
    history.write("staged_then_deleted.txt", "x\n")
    history.git("add", "staged_then_deleted.txt")
    history.remove("staged_then_deleted.txt")
    history.remove("c.txt")
    phase = phase_of(history, "HEAD")
    changes = {file.path: file.change for file in phase.files}
    assert changes == {
        "a.txt": "modified",
        "b.txt": "modified",
        "c.txt": "deleted",
        "new.txt": "added",
    }


def test_tracked_but_ignored_files_are_not_shown_as_deleted(history: GitRepo) -> None:
    history.write("a.txt", "a edited\n")
    history.write(".gitignore", "a.txt\n")
    history.git("add", ".gitignore")
    assert paths(phase_of(history, "HEAD")) == [".gitignore", "a.txt"]


def test_resolving_leaves_the_index_and_worktree_untouched(history: GitRepo) -> None:
    history.write("a.txt", "a staged\n")
    history.git("add", "a.txt")
    history.write("a.txt", "a unstaged on top\n")
    history.write("new.txt", "untracked\n")
    status = history.git("status", "--porcelain")  # refreshes (rewrites) the index first
    index = (history.root / ".git" / "index").read_bytes()
    phase = phase_of(history)
    assert phase.files[0].new_text == "a unstaged on top\n"
    assert (history.root / ".git" / "index").read_bytes() == index
    assert history.git("status", "--porcelain") == status


def test_state_dir_is_never_part_of_a_phase(history: GitRepo) -> None:
    history.write(".reviewtui/state.json", "{}\n")
    history.write("code.py", "x = 1\n")
    history.commit("state committed by mistake")
    history.write(".reviewtui/state.json", '{"changed": true}\n')
    history.write(".reviewtui/cache/blob", "cached\n")
    assert paths(phase_of(history, "HEAD~1..HEAD")) == ["code.py"]
    assert paths(phase_of(history, "HEAD~1")) == ["code.py"]
    assert ".reviewtui/state.json" not in paths(phase_of(history))
    added = {path for commit in phase_of(history).commits for path in commit.added_lines}
    assert added == {"a.txt", "b.txt", "c.txt", "code.py"}


# --------------------------------------------------------------------------- the default rule


def test_default_on_the_default_branch_is_the_whole_history(history: GitRepo) -> None:
    history.write("wip.txt", "work in progress\n")
    phase = phase_of(history)
    assert (phase.base, phase.head) == (None, WORKTREE)
    assert phase.rule == "whole history (no checkpoint yet)"
    assert paths(phase) == ["a.txt", "b.txt", "c.txt", "wip.txt"]
    assert [commit.subject for commit in phase.commits] == ["add a", "add b", "add c"]


def test_default_on_a_feature_branch_starts_at_the_merge_base(history: GitRepo) -> None:
    history.git("checkout", "-q", "-b", "feature")
    history.write("feature.txt", "feature\n")
    history.commit("feature work")
    history.git("checkout", "-q", "main")
    history.write("a.txt", "main moved on\n")
    history.commit("main work")
    history.git("checkout", "-q", "feature")
    history.write("wip.txt", "wip\n")
    phase = phase_of(history)
    assert phase.base == rev(history, "main~1")
    assert phase.rule == "merge-base with main"
    assert paths(phase) == ["feature.txt", "wip.txt"]
    assert [commit.subject for commit in phase.commits] == ["feature work"]


def test_default_on_a_branch_not_ahead_is_the_whole_history(history: GitRepo) -> None:
    history.git("checkout", "-q", "-b", "fresh")
    assert phase_of(history).base is None


def test_default_with_a_detached_head_ahead_of_main(history: GitRepo) -> None:
    history.git("checkout", "-q", "--detach")
    history.write("d.txt", "detached\n")
    history.commit("detached work")
    phase = phase_of(history)
    assert phase.base == rev(history, "main")
    assert paths(phase) == ["d.txt"]


def test_default_prefers_origin_head_and_its_local_twin(tmp_path: Path, history: GitRepo) -> None:
    history.git("branch", "-m", "main", "trunk")
    history.git("branch", "master")
    clone = GitRepo(tmp_path / "clone")
    subprocess.run(["git", "clone", "-q", str(history.root), str(clone.root)], check=True)
    clone.git("checkout", "-q", "-b", "topic")
    clone.write("topic.txt", "t\n")
    clone.commit("topic work")
    phase = phase_of(clone)
    assert phase.rule == "merge-base with trunk"
    assert paths(phase) == ["topic.txt"]
    clone.git("branch", "-D", "trunk")
    assert phase_of(clone).rule == "merge-base with origin/trunk"
    assert gitrange.default_branch(clone.root) == "refs/remotes/origin/trunk"


def test_default_falls_back_to_master(git_repo: GitRepo) -> None:
    git_repo.git("checkout", "-q", "-b", "master")
    git_repo.write("a.txt", "a\n")
    git_repo.commit("on master")
    git_repo.git("checkout", "-q", "-b", "work")
    git_repo.write("b.txt", "b\n")
    git_repo.commit("work")
    assert phase_of(git_repo).rule == "merge-base with master"


# --------------------------------------------------------------------------- checkpoints


def test_snapshot_of_a_dirty_worktree_is_a_kept_commit(history: GitRepo) -> None:
    history.write("a.txt", "a staged\n")
    history.git("add", "a.txt")
    history.write("new.txt", "untracked\n")
    history.write(".reviewtui/state.json", "{}\n")
    status = history.git("status", "--porcelain")
    sha = snapshot_worktree(open_repo(history.root))
    assert history.git("log", "-1", "--format=%s%n%P", sha).split() == [
        "reviewtui",
        "checkpoint",
        rev(history, "HEAD"),
    ]
    assert history.git("ls-tree", "--name-only", sha).split() == [
        "a.txt",
        "b.txt",
        "c.txt",
        "new.txt",
    ]
    assert history.git("show", f"{sha}:a.txt") == "a staged\n"
    assert rev(history, "refs/reviewtui/checkpoints/1") == sha
    assert history.git("status", "--porcelain") == status
    assert rev(history, "HEAD") == rev(history, "main")


def test_snapshot_of_a_clean_worktree_is_head(history: GitRepo) -> None:
    history.write(".reviewtui/state.json", "{}\n")
    sha = snapshot_worktree(open_repo(history.root))
    assert sha == rev(history, "HEAD")
    assert rev(history, "refs/reviewtui/checkpoints/1") == sha
    assert snapshot_worktree(open_repo(history.root)) == sha
    refs = history.git("for-each-ref", "--format=%(refname)", "refs/reviewtui/").split()
    assert refs == ["refs/reviewtui/checkpoints/1"]


def test_snapshots_are_numbered(history: GitRepo) -> None:
    repo = open_repo(history.root)
    history.write("one.txt", "1\n")
    first = snapshot_worktree(repo)
    history.write("two.txt", "2\n")
    second = snapshot_worktree(repo)
    assert first != second
    assert rev(history, "refs/reviewtui/checkpoints/1") == first
    assert rev(history, "refs/reviewtui/checkpoints/2") == second


def test_next_default_phase_starts_at_the_checkpoint(history: GitRepo) -> None:
    history.write("a.txt", "reviewed change\n")
    history.write("reviewed.txt", "reviewed\n")
    sha = snapshot_worktree(open_repo(history.root))
    history.write("next.txt", "next phase\n")
    history.commit("next phase commit")
    history.write("b.txt", "b changed after\n")
    phase = phase_of(history, checkpoint=sha)
    assert (phase.base, phase.head, phase.rule) == (sha, WORKTREE, f"checkpoint {sha[:7]}")
    assert paths(phase) == ["b.txt", "next.txt"]
    assert [commit.subject for commit in phase.commits] == ["next phase commit"]


def test_a_range_wins_over_the_checkpoint(history: GitRepo) -> None:
    sha = snapshot_worktree(open_repo(history.root))
    assert phase_of(history, "HEAD~2..HEAD~1", checkpoint=sha).rule == "range HEAD~2..HEAD~1"


def test_missing_checkpoint_is_a_user_error(history: GitRepo) -> None:
    with pytest.raises(ReviewError, match="checkpoint 0123456789ab is not in this repository"):
        phase_of(history, checkpoint="0123456789abcdef0123456789abcdef01234567")


def test_snapshot_ignores_hooks_and_signing_config(history: GitRepo, isolated_env: Path) -> None:
    with (isolated_env / ".gitconfig").open("a", encoding="utf-8") as config:
        config.write(
            "[commit]\n\tgpgSign = true\n[gpg]\n\tprogram = false\n[user]\n\tuseConfigOnly = true\n"
        )
    history.write("x.txt", "x\n")
    sha = snapshot_worktree(open_repo(history.root))
    assert history.git("cat-file", "-t", sha).strip() == "commit"


# --------------------------------------------------------------------------- opening repositories


def test_open_repo_from_a_subdirectory(history: GitRepo) -> None:
    (history.root / "deep" / "er").mkdir(parents=True)
    repo = open_repo(history.root / "deep" / "er")
    assert Path(repo.working_tree_dir or "") == history.root


def test_not_a_repository(tmp_path: Path) -> None:
    plain = tmp_path / "plain"
    plain.mkdir()
    with pytest.raises(ReviewError, match=f"^not a git repository: {re.escape(str(plain))}$"):
        open_repo(plain)


def test_missing_directory(tmp_path: Path) -> None:
    with pytest.raises(ReviewError, match="no such directory"):
        open_repo(tmp_path / "missing")


def test_bare_repository(tmp_path: Path) -> None:
    bare = tmp_path / "bare.git"
    subprocess.run(["git", "init", "-q", "--bare", str(bare)], check=True)
    with pytest.raises(ReviewError, match=f"^{re.escape(str(bare))} is a bare repository$"):
        open_repo(bare)


def test_empty_repository_without_files(git_repo: GitRepo) -> None:
    git_repo.write(".reviewtui/state.json", "{}\n")
    repo = open_repo(git_repo.root)
    with pytest.raises(ReviewError, match=r"^the repository has no commits yet"):
        resolve_phase(repo, None, None)
    with pytest.raises(ReviewError, match=r"^the repository has no commits yet"):
        snapshot_worktree(repo)


def test_empty_repository_with_files_is_reviewed_from_the_empty_tree(git_repo: GitRepo) -> None:
    git_repo.write("train.py", "print('hi')\n")
    git_repo.write("staged.py", "x = 1\n")
    git_repo.git("add", "staged.py")
    phase = phase_of(git_repo)
    assert (phase.base, phase.head, phase.commits) == (None, WORKTREE, [])
    assert paths(phase) == ["staged.py", "train.py"]
    sha = snapshot_worktree(open_repo(git_repo.root))
    assert git_repo.git("log", "--format=%P", "-1", sha).strip() == ""
    git_repo.write("more.py", "y = 2\n")
    assert paths(phase_of(git_repo, checkpoint=sha)) == ["more.py"]


# --------------------------------------------------------------------------- running git


def test_run_git_reports_gits_error_line(history: GitRepo) -> None:
    with pytest.raises(ReviewError, match=r"^git rev-parse: fatal: Needed a single revision$"):
        run_git(history.root, "rev-parse", "--verify", "nope")


def test_run_git_returns_bytes_without_color(history: GitRepo, isolated_env: Path) -> None:
    with (isolated_env / ".gitconfig").open("a", encoding="utf-8") as config:
        config.write("[color]\n\tui = always\n[core]\n\tquotePath = true\n")
    history.write("é.txt", "x\n")
    output = run_git(history.root, "status", "--porcelain")
    assert output == "?? é.txt\n".encode()


# --------------------------------------------------------------------------- commits


def test_commit_info_subject_body_trailers_and_added_lines(git_repo: GitRepo) -> None:
    git_repo.write("base.py", "x = 0\n")
    base = git_repo.commit("base")
    git_repo.write("data.py", "def load():\n    return read('data.csv')\n\n")
    message = "Load the dataset\n\nReads the CSV from disk.\nSecond line.\n\nSpec: 2.1\nRefs: T012\nRefs: T013\n"
    git_repo.git("add", "data.py")
    git_repo.git("commit", "-q", "-F", "-", input=message.encode())
    git_repo.write("data.py", "def load():\n    return read('data.csv', sep=';')\n\n")
    git_repo.write("base.py", "x = 1\n")
    git_repo.commit("Tune loading\n\nCo-authored-by: Agent <agent@example.invalid>")
    phase = phase_of(git_repo, f"{base}..HEAD")
    first, second = phase.commits
    assert first.subject == "Load the dataset"
    assert (
        first.body == "Reads the CSV from disk.\nSecond line.\n\nSpec: 2.1\nRefs: T012\nRefs: T013"
    )
    assert first.trailers == {"Spec": ["2.1"], "Refs": ["T012", "T013"]}
    assert first.added_lines == {"data.py": {"def load():", "return read('data.csv')"}}
    assert second.trailers == {"Co-authored-by": ["Agent <agent@example.invalid>"]}
    assert second.added_lines == {
        "data.py": {"return read('data.csv', sep=';')"},
        "base.py": {"x = 1"},
    }
    assert first.sha == rev(git_repo, "HEAD~1") and second.sha == rev(git_repo, "HEAD")


def test_merge_commits_are_listed(history: GitRepo) -> None:
    history.git("checkout", "-q", "-b", "side", "HEAD~1")
    history.write("side.txt", "side\n")
    history.commit("side work")
    history.git("checkout", "-q", "main")
    history.git("merge", "-q", "--no-edit", "-m", "merge side", "side")
    phase = phase_of(history, "HEAD~1..HEAD")
    assert [commit.subject for commit in phase.commits] == ["side work", "merge side"]
    assert phase.commits[1].added_lines == {}
    assert paths(phase) == ["side.txt"]


def test_commit_added_lines_with_quoted_paths(git_repo: GitRepo) -> None:
    git_repo.write("keep.txt", "k\n")
    git_repo.commit("base")
    git_repo.write("tab\tand é.py", "value = 42\n")
    git_repo.commit("odd name")
    phase = phase_of(git_repo, "HEAD~1..HEAD")
    assert phase.commits[0].added_lines == {"tab\tand é.py": {"value = 42"}}


@pytest.mark.parametrize(
    ("quoted", "plain"),
    [
        ('"tab\\there"', "tab\there"),
        ('"caf\\303\\251"', "café"),
        ('"q\\"uote\\\\back"', 'q"uote\\back'),
        ('"new\\nline"', "new\nline"),
        ("plain name", "plain name"),
        ('"bad\\377"', "bad\ufffd"),
    ],
)
def test_unquote_path(quoted: str, plain: str) -> None:
    assert unquote_path(quoted) == plain


# --------------------------------------------------------------------------- progress, speed, layering


def test_progress_is_reported_in_order(history: GitRepo) -> None:
    seen: list[tuple[str, float]] = []
    resolve_phase(
        open_repo(history.root), None, None, lambda step, fraction: seen.append((step, fraction))
    )
    fractions = [fraction for _, fraction in seen]
    assert fractions == sorted(fractions) and fractions[0] == 0.0 and fractions[-1] == 1.0
    assert all(step for step, _ in seen)


def test_line_numbers_of_a_modified_file(git_repo: GitRepo) -> None:
    git_repo.write("m.py", "".join(f"line {i}\n" for i in range(1, 21)))
    git_repo.commit("base")
    git_repo.write("m.py", "".join(f"line {i}\n" if i != 10 else "changed\n" for i in range(1, 21)))
    (hunk,) = phase_of(git_repo, "HEAD").files[0].hunks
    assert (hunk.old_start, hunk.old_lines, hunk.new_start, hunk.new_lines) == (7, 7, 7, 7)
    numbered = [(line.kind, line.old_no, line.new_no) for line in hunk.lines]
    assert numbered[2:6] == [(" ", 9, 9), ("-", 10, None), ("+", None, 10), (" ", 11, 11)]


def test_large_phase_resolves_completely(git_repo: GitRepo) -> None:
    """Size only; the time it takes is measured by bench/status.py, not asserted here."""
    for index in range(60):
        git_repo.write(f"pkg/mod_{index}.py", "".join(f"x_{index}_{i} = {i}\n" for i in range(200)))
    git_repo.commit("base")
    for index in range(60):
        body = "".join(
            f"y_{index}_{i} = compute({i})\n" if i % 2 else f"x_{index}_{i} = {i}\n"
            for i in range(200)
        )
        git_repo.write(
            f"pkg/mod_{index}.py", body + "".join(f"z_{index}_{i} = {i}\n" for i in range(740))
        )
    git_repo.commit("the agent's phase")
    git_repo.write("pkg/extra.py", "".join(f"w = {i}\n" for i in range(500)))
    phase = phase_of(git_repo, "HEAD~1")
    assert sum(file.added for file in phase.files) == 60 * 840 + 500
    assert sum(len(texts) for texts in phase.commits[0].added_lines.values()) == 60 * 840


def test_gitrange_imports_no_ui_library() -> None:
    code = "import sys, reviewtui.core.gitrange; print(sorted(m for m in ('textual', 'rich') if m in sys.modules))"
    output = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert output.stdout.strip() == "[]"


def test_huge_untracked_files_are_left_out_with_a_warning(
    history: GitRepo, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(gitrange, "UNTRACKED_LIMIT", 100)
    history.write("model weights.pt", b"\x00" * 500)
    history.write("tracked_big.txt", "y" * 300)
    history.git("add", "tracked_big.txt")
    history.write("small.txt", "s\n")
    phase = phase_of(history, "HEAD")
    assert paths(phase) == ["small.txt", "tracked_big.txt"]
    assert phase.warnings == [
        "left out 1 untracked file(s) over 100 bytes: model weights.pt (add them to .gitignore)"
    ]
    blob = history.git("hash-object", "model weights.pt").strip()
    missing = subprocess.run(["git", "cat-file", "-e", blob], cwd=history.root, check=False)
    assert missing.returncode != 0
    sha = snapshot_worktree(open_repo(history.root))
    assert "model weights.pt" not in history.git("ls-tree", "--name-only", sha)
    assert paths(phase_of(history, checkpoint=sha)) == []


def test_head_sha(git_repo: GitRepo) -> None:
    git_repo.write("a.txt", "a\n")
    assert gitrange.head_sha(open_repo(git_repo.root)) is None
    sha = git_repo.commit("first")
    assert gitrange.head_sha(open_repo(git_repo.root)) == sha


def test_linked_worktree_uses_its_own_index(tmp_path: Path, history: GitRepo) -> None:
    linked = GitRepo(tmp_path / "linked")
    history.git("worktree", "add", "-q", "-b", "agent", str(linked.root))
    linked.write("agent.txt", "agent work\n")
    linked.git("add", "agent.txt")
    history.write("main_only.txt", "not in the linked worktree\n")
    phase = phase_of(linked, "HEAD")
    assert paths(phase) == ["agent.txt"]
    assert Path(open_repo(linked.root).working_tree_dir or "") == linked.root


def test_short_sha_and_branch_names_resolve_to_full_shas(history: GitRepo) -> None:
    short = rev(history, "HEAD~1")[:8]
    phase = phase_of(history, f"{short}..main")
    assert (phase.base, phase.head) == (rev(history, "HEAD~1"), rev(history, "main"))
    assert phase.label == f"{short[:7]}..{rev(history, 'main')[:7]}"


def test_same_size_edit_in_the_same_second_as_the_index_is_seen(git_repo: GitRepo) -> None:
    """git's racy-entry check compares entries with the index file's mtime: the copy must keep it."""
    git_repo.git("config", "core.trustctime", "false")
    then = 1_700_000_000
    git_repo.write("a.txt", "one\n")
    os.utime(git_repo.root / "a.txt", (then, then))
    git_repo.commit("base")
    git_repo.write("a.txt", "two\n")
    os.utime(git_repo.root / "a.txt", (then, then))
    os.utime(git_repo.root / ".git" / "index", (then, then))
    (file,) = phase_of(git_repo, "HEAD").files
    assert file.new_text == "two\n"


def test_parse_patch_reads_hunks_by_count_and_rejects_garbage() -> None:
    text = (
        "diff --git a/x b/x\n--- a/x\n+++ b/x\n@@ -1,2 +1 @@\n--- a/y\n-diff --git a/z b/z\n+only\n"
    )
    (section,) = parse_patch(text)
    assert [line.kind + line.text for line in section.hunks[0].lines] == [
        "--- a/y",
        "-diff --git a/z b/z",
        "+only",
    ]
    with pytest.raises(ValueError, match="malformed hunk header"):
        parse_patch("diff --git a/x b/x\n@@ nonsense @@\n")
    record = RawRecord("100644", "100644", "1" * 40, "2" * 40, "M", None, "x")
    with pytest.raises(ValueError, match="2 patch sections for 1 file changes"):
        pair_files([record], [section, section])


# --------------------------------------------------------------------------- reviewing never writes


def git_dir_state(git_dir: Path, objects: str = "objects" + os.sep) -> dict[str, tuple[int, int]]:
    """Every file and directory under a .git directory with its size and mtime (ns).

    The mtime of an existing object, pack file or shared index is left out: git "freshens" (utime)
    an object it is asked to write again and a shared index it reads, to protect them from gc and
    expiry; that writes no data, and on a read-only repository it fails silently (see the
    read-only test).
    """
    state: dict[str, tuple[int, int]] = {}
    for path in git_dir.rglob("*"):
        info = path.lstat()
        name = str(path.relative_to(git_dir))
        freshened = path.is_file() and name.startswith((objects, "sharedindex."))
        state[name] = (info.st_size, 0 if freshened else info.st_mtime_ns)
    return state


@pytest.fixture
def scratch_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private temporary directory for `tempfile`, to check that the scratch space is removed."""
    scratch = tmp_path / "scratch-tmp"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    return scratch


def test_reviewing_the_worktree_writes_nothing_into_git(
    history: GitRepo, scratch_tmp: Path
) -> None:
    history.write("a.txt", "a staged\n")
    history.git("add", "a.txt")
    history.write("b.txt", "b unstaged\n")
    history.write("weights.txt", "".join(f"row {i}\n" for i in range(5000)))
    before = git_dir_state(history.root / ".git")
    phase = phase_of(history)
    assert paths(phase) == ["a.txt", "b.txt", "c.txt", "weights.txt"]
    assert phase.files[-1].new_text is not None and phase.files[-1].new_text.startswith("row 0\n")
    assert [line.text for line in phase.files[0].hunks[0].lines] == ["a staged"]
    assert phase_of(history, "HEAD~1").files[0].path == "a.txt"
    assert git_dir_state(history.root / ".git") == before
    assert list(scratch_tmp.iterdir()) == []
    blob = history.git("hash-object", "weights.txt").strip()
    assert subprocess.run(["git", "cat-file", "-e", blob], cwd=history.root).returncode != 0


def test_checkpoint_still_writes_real_objects(history: GitRepo, scratch_tmp: Path) -> None:
    history.write("new.txt", "kept by the checkpoint\n")
    phase_of(history)
    sha = snapshot_worktree(open_repo(history.root))
    assert history.git("show", f"{sha}:new.txt") == "kept by the checkpoint\n"
    assert list(scratch_tmp.iterdir()) == []


def test_alternates_chain_and_odd_repository_paths(tmp_path: Path, history: GitRepo) -> None:
    """A clone of a clone, both `--shared`: its objects live two alternates away; ':' in the path."""
    odd = tmp_path / "with:colon and space"
    middle, last = GitRepo(odd / "middle"), GitRepo(odd / "last")
    subprocess.run(
        ["git", "clone", "-q", "--shared", str(history.root), str(middle.root)], check=True
    )
    subprocess.run(["git", "clone", "-q", "--shared", str(middle.root), str(last.root)], check=True)
    assert not list((last.root / ".git" / "objects").glob("??/*"))
    last.write("a.txt", "a\nedited through alternates\n")
    last.write("fresh.txt", "fresh\n")
    states = {repo: git_dir_state(repo / ".git") for repo in (history.root, middle.root, last.root)}
    phase = phase_of(last, "HEAD~1")
    assert paths(phase) == ["a.txt", "c.txt", "fresh.txt"]
    assert [line.kind + line.text for line in phase.files[0].hunks[0].lines] == [
        " a",
        "+edited through alternates",
    ]
    assert phase.files[0].old_size == 2
    assert {repo: git_dir_state(repo / ".git") for repo in states} == states


def test_split_index_repository_writes_nothing(git_repo: GitRepo) -> None:
    git_repo.git("config", "core.splitIndex", "true")
    for index in range(5):
        git_repo.write(f"f{index}.txt", f"{index}\n")
    git_repo.commit("base")
    git_repo.write("f0.txt", "staged\n")
    git_repo.git("add", "f0.txt")
    git_repo.write("new.txt", "new\n")
    assert list((git_repo.root / ".git").glob("sharedindex.*"))
    before = git_dir_state(git_repo.root / ".git")
    assert paths(phase_of(git_repo, "HEAD")) == ["f0.txt", "new.txt"]
    assert git_dir_state(git_repo.root / ".git") == before


def test_linked_worktree_review_writes_nothing(tmp_path: Path, history: GitRepo) -> None:
    linked = GitRepo(tmp_path / "linked")
    history.git("worktree", "add", "-q", "-b", "agent", str(linked.root))
    linked.write("agent.txt", "agent work\n")
    before = git_dir_state(history.root / ".git")
    assert paths(phase_of(linked, "HEAD")) == ["agent.txt"]
    assert git_dir_state(history.root / ".git") == before


def test_inherited_object_directory_variables_are_honoured(
    tmp_path: Path, history: GitRepo, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A repository whose objects live elsewhere (GIT_OBJECT_DIRECTORY) with extra alternates."""
    store, extra = tmp_path / "store", tmp_path / "extra"
    shutil.move(str(history.root / ".git" / "objects"), store)
    (history.root / ".git" / "objects").mkdir()
    extra.mkdir()
    monkeypatch.setenv("GIT_OBJECT_DIRECTORY", str(store))
    monkeypatch.setenv("GIT_ALTERNATE_OBJECT_DIRECTORIES", str(extra))
    history.write("b.txt", "b\nmore\n")
    history.write("new.txt", "new\n")
    before = git_dir_state(store, objects="")
    phase = phase_of(history, "HEAD~1")
    assert paths(phase) == ["b.txt", "c.txt", "new.txt"]
    assert phase.files[0].hunks[0].lines[0].text == "b"
    assert git_dir_state(store, objects="") == before


# --------------------------------------------------------------------------- warnings


def test_reversed_range_is_warned_about(history: GitRepo) -> None:
    phase = phase_of(history, "HEAD~1..HEAD~2")
    assert phase.warnings == [
        "the range HEAD~1..HEAD~2 is reversed: HEAD~2 is older than HEAD~1"
        " (did you mean HEAD~2..HEAD~1?)"
    ]
    assert [file.change for file in phase.files] == ["deleted"]
    assert phase_of(history, "..HEAD~1").warnings == [
        "the range HEAD..HEAD~1 is reversed: HEAD~1 is older than HEAD (did you mean HEAD~1..HEAD?)"
    ]
    assert phase_of(history, "HEAD~2..HEAD~1").warnings == []
    assert phase_of(history, "HEAD..HEAD").warnings == []
    history.git("checkout", "-q", "-b", "side", "HEAD~1")
    history.write("side.txt", "side\n")
    history.commit("side work")
    assert phase_of(history, "main..side").warnings == []
    assert phase_of(history, "side..main").warnings == []


LATIN = "caf\xe9 = 1\n".encode("latin-1")


@pytest.mark.parametrize("where", ["worktree", "committed"])
def test_text_that_is_not_utf8_is_named_in_a_warning(git_repo: GitRepo, where: str) -> None:
    git_repo.write("gone.py", LATIN)
    git_repo.write("far.py", LATIN + b"".join(b"x_%d = %d\n" % (i, i) for i in range(30)))
    git_repo.write("fine.py", "caf\xe9 = '\ufffd is valid UTF-8'\n")
    base = git_repo.commit("base")
    git_repo.remove("gone.py")
    git_repo.write("far.py", LATIN + b"".join(b"x_%d = %d\n" % (i, i) for i in range(29)))
    for name in "abcd":
        git_repo.write(f"{name}.py", name.encode() * 20 + LATIN)
    if where == "committed":
        git_repo.commit("phase")
    phase = phase_of(git_repo, f"{base}..HEAD" if where == "committed" else base)
    assert phase.warnings == [
        "6 file(s) are not valid UTF-8 (latin-1?); their undecodable bytes are shown as \ufffd:"
        " a.py, b.py, c.py and 3 more"
    ]
    by_path = {file.path: file for file in phase.files}
    assert by_path["a.py"].hunks[0].lines[0].text == "a" * 20 + "caf\ufffd = 1"
    assert by_path["gone.py"].hunks[0].lines[0].text == "caf\ufffd = 1"
    assert "\ufffd" not in "".join(line.text for line in by_path["far.py"].hunks[0].lines)
    assert (by_path["far.py"].new_text or "").startswith("caf\ufffd = 1\n")


def test_valid_utf8_gives_no_warning(git_repo: GitRepo) -> None:
    git_repo.write("fine.py", "caf\xe9 = '\ufffd données ✓'\n")
    assert phase_of(git_repo).warnings == []


@pytest.mark.parametrize("where", ["worktree", "committed"])
def test_line_ending_only_changes_are_named_in_a_warning(git_repo: GitRepo, where: str) -> None:
    git_repo.write("unix.py", "a = 1\nb = 2\n")
    git_repo.write("edited.py", "a = 1\nb = 2\n")
    git_repo.write("final.py", "a = 1")
    git_repo.write("dos.bat", "echo 1\r\necho 2\r\n")
    base = git_repo.commit("base")
    git_repo.write("unix.py", "a = 1\r\nb = 2\r\n")
    git_repo.write("edited.py", "a = 1\r\nb = 3\r\n")
    git_repo.write("final.py", "a = 1\n")
    git_repo.write("dos.bat", "echo 1\necho 2\n")
    if where == "committed":
        git_repo.commit("phase")
    phase = phase_of(git_repo, f"{base}..HEAD" if where == "committed" else base)
    assert paths(phase) == ["dos.bat", "edited.py", "final.py", "unix.py"]
    assert phase.warnings == [
        "2 file(s) changed only their line endings (LF/CRLF): dos.bat, unix.py"
    ]


READ_ONLY_REVIEW = """
set -e
mount --bind "$1" "$1" 2>/dev/null || exit 77
mount -o remount,bind,ro "$1" 2>/dev/null || exit 77
if touch "$1/.git/probe" 2>/dev/null; then exit 77; fi
exec "$2" -c "$3" "$1"
"""
REVIEW_SCRIPT = (
    "import sys; from pathlib import Path;"
    "from reviewtui.core.gitrange import open_repo, resolve_phase;"
    "phase = resolve_phase(open_repo(Path(sys.argv[1])), None, None);"
    "print([(f.path, f.new_text) for f in phase.files])"
)


def test_a_read_only_repository_can_be_reviewed(history: GitRepo) -> None:
    """A read-only bind mount of the repository (in a private mount namespace; skipped where the
    system does not allow one). chmod would not do: the tests may run as root."""
    history.write("a.txt", "a\nedited\n")
    history.write("new.txt", "untracked\n")
    if shutil.which("unshare") is None:
        pytest.skip("unshare is not available")
    command = ["unshare", "-m", "sh", "-c", READ_ONLY_REVIEW, "sh", str(history.root)]
    result = subprocess.run(
        [*command, sys.executable, REVIEW_SCRIPT], capture_output=True, text=True, check=False
    )
    if result.returncode == 77 or "unshare failed" in result.stderr:
        pytest.skip("no permission for a read-only bind mount")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == str(
        [
            ("a.txt", "a\nedited\n"),
            ("b.txt", "b\n"),
            ("c.txt", "c\n"),
            ("new.txt", "untracked\n"),
        ]
    )
