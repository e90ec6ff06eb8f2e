"""Provides the phase under review: git range resolution, working-tree snapshots and diff extraction.

- `run_git(root, *args)`: git immune to the user's diff/color/quoting/pager/signing config, bytes out,
  `ReviewError` with git's message on failure. Every git call of reviewtui goes through it.
- `open_repo(path)`: the non-bare repository containing `path`. A repository without commits is
  accepted: its working tree is reviewed from the empty tree (nothing there: "no commits yet").
- `resolve_phase(repo, range_text, checkpoint)`: a `Phase` with its `FileDiff`s and `CommitInfo`s.
- `snapshot_worktree(repo)`: a commit of the working tree, kept alive by `refs/reviewtui/checkpoints/<n>`.

The working tree (staged, unstaged and untracked-not-ignored files) is turned into a tree object with a
temporary index seeded from the real one, so a phase ending at the working tree is one uniform
tree-to-tree diff. Line-ending conversion (`core.autocrlf`, `.gitattributes`) applies as in `git status`.
`.reviewtui/` is never part of a phase. All diff work is a handful of git calls, whatever the file count.
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
import tempfile
from collections.abc import Callable
from pathlib import Path

import git

from reviewtui.core.diffparse import (
    GITLINK_MODE,
    RawRecord,
    added_texts,
    pair_files,
    parse_patch,
    parse_raw,
)
from reviewtui.core.models import WORKTREE, CommitInfo, FileDiff, Phase
from reviewtui.errors import ReviewError

Progress = Callable[[str, float], None]

EXCLUDE_STATE = ":(exclude).reviewtui"
"""Pathspec that keeps reviewtui's own state out of every phase."""
CHECKPOINT_REFS = "refs/reviewtui/checkpoints/"
"""Snapshot commits live under these refs so that git's gc keeps them."""
NEW_TEXT_LIMIT = 2_000_000
"""Largest blob, in bytes, whose whole text is loaded into `FileDiff.new_text`."""
UNTRACKED_LIMIT = 50_000_000
"""Untracked files larger than this (bytes) are left out of the working tree's phase, with a warning."""
COMMIT_LIMIT = 1000
"""Most commits (the newest) read into `Phase.commits`."""
SNAPSHOT_MESSAGE = "reviewtui checkpoint"

_SAFE_CONFIG = (
    "core.quotePath=false",
    "core.safecrlf=false",
    "core.fsmonitor=false",
    "core.pager=cat",
    "color.ui=never",
    "color.diff=never",
    "diff.noprefix=false",
    "diff.mnemonicPrefix=false",
    "diff.relative=false",
    "diff.ignoreSubmodules=none",
    "diff.renameLimit=1000",
    "i18n.logOutputEncoding=UTF-8",
    "trailer.separators=:",
    "log.showSignature=false",
    "commit.gpgSign=false",
)
_DROPPED_ENV = (
    "GIT_INDEX_FILE",
    "GIT_EXTERNAL_DIFF",
    "GIT_DIFF_OPTS",
    "GIT_PAGER",
    "GIT_LITERAL_PATHSPECS",
    "GIT_GLOB_PATHSPECS",
    "GIT_NOGLOB_PATHSPECS",
    "GIT_ICASE_PATHSPECS",
)
_DIFF_OPTIONS = (
    "--no-color",
    "--no-ext-diff",
    "--no-textconv",
    "--src-prefix=a/",
    "--dst-prefix=b/",
    "--submodule=short",
    "--diff-algorithm=myers",
    "--indent-heuristic",
)
_SNAPSHOT_IDENTITY = {
    "GIT_AUTHOR_NAME": "reviewtui",
    "GIT_AUTHOR_EMAIL": "reviewtui@localhost",
    "GIT_COMMITTER_NAME": "reviewtui",
    "GIT_COMMITTER_EMAIL": "reviewtui@localhost",
}


# --------------------------------------------------------------------------- running git


def run_git(
    root: Path, *args: str, input: bytes | None = None, env: dict[str, str] | None = None
) -> bytes:
    """Run git in `root` with config-proof options; return stdout bytes or raise ReviewError."""
    result = _run(root, args, input, env)
    if result.returncode != 0:
        raise ReviewError(f"git {args[0] if args else ''}: {_first_error(result.stderr)}")
    return result.stdout


def _run(
    root: Path, args: tuple[str, ...], input: bytes | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[bytes]:
    command = ["git", "--no-pager"]
    for setting in _SAFE_CONFIG:
        command += ["-c", setting]
    try:
        return subprocess.run(
            [*command, *args],
            cwd=root,
            input=input,
            capture_output=True,
            env=_git_env(env),
            check=False,
        )
    except FileNotFoundError:
        raise ReviewError("git is not installed (or not on PATH)") from None


def _git_env(extra: dict[str, str] | None) -> dict[str, str]:
    env = {name: value for name, value in os.environ.items() if name not in _DROPPED_ENV}
    env.update(LC_ALL="C", LANGUAGE="C", GIT_TERMINAL_PROMPT="0")
    env.update(extra or {})
    return env


def _first_error(stderr: bytes) -> str:
    lines = [
        line.strip() for line in stderr.decode("utf-8", "replace").splitlines() if line.strip()
    ]
    for line in lines:
        if line.startswith(("fatal:", "error:")):
            return _printable(line)
    return _printable(lines[0]) if lines else "failed"


def _printable(text: str) -> str:
    return "".join(char if char.isprintable() else "?" for char in text)


def _optional(root: Path, *args: str) -> str | None:
    """stdout of a git query that may legitimately fail (unborn HEAD, detached HEAD, no merge base)."""
    result = _run(root, args)
    return result.stdout.decode("utf-8", "replace").strip() if result.returncode == 0 else None


# --------------------------------------------------------------------------- the repository


def open_repo(path: Path) -> git.Repo:
    """The non-bare repository containing `path` (parent directories are searched)."""
    try:
        repo = git.Repo(path, search_parent_directories=True)
    except git.NoSuchPathError:
        raise ReviewError(f"no such directory: {path}") from None
    except git.InvalidGitRepositoryError:
        raise ReviewError(f"not a git repository: {path}") from None
    if repo.bare or repo.working_tree_dir is None:
        raise ReviewError(f"{path} is a bare repository")
    return repo


def repo_root(repo: git.Repo) -> Path:
    """The top directory of the repository's working tree."""
    if repo.working_tree_dir is None:
        raise ReviewError(f"{repo.git_dir} is a bare repository")
    return Path(repo.working_tree_dir)


def _head(root: Path) -> str | None:
    return _optional(root, "rev-parse", "--verify", "--quiet", "HEAD^{commit}")


@functools.lru_cache(maxsize=64)
def _empty_tree(root: Path) -> str:
    return run_git(root, "hash-object", "-t", "tree", "--stdin", input=b"").decode().strip()


def _tree_of(root: Path, commit: str | None) -> str:
    if commit is None:
        return _empty_tree(root)
    return run_git(root, "rev-parse", "--verify", f"{commit}^{{tree}}").decode().strip()


# --------------------------------------------------------------------------- the working tree


def worktree_tree(root: Path) -> tuple[str, list[str]]:
    """A tree object of the working tree, and the huge untracked files left out of it.

    The tree holds staged, unstaged and untracked-not-ignored files, never `.reviewtui/`. Untracked
    files over UNTRACKED_LIMIT bytes (datasets, model weights) are left out rather than copied into
    the object database; the same rule holds for snapshots, so they never show up as changes.
    """
    index = (
        root / run_git(root, "rev-parse", "--git-path", "index").decode("utf-8", "replace").strip()
    )
    huge = _huge_untracked(root)
    pathspecs = b"\0".join(
        [b".", EXCLUDE_STATE.encode(), *(b":(exclude,literal)" + path for path in huge)]
    )
    with tempfile.TemporaryDirectory(prefix="reviewtui-") as scratch:
        env = {"GIT_INDEX_FILE": str(Path(scratch) / "index")}
        if index.is_file():
            # copy2 keeps the mtime: git's check for entries racing the index depends on it
            shutil.copy2(index, env["GIT_INDEX_FILE"])
        elif _head(root) is not None:
            run_git(root, "read-tree", "HEAD", env=env)
        add = ("add", "-A", "--pathspec-from-file=-", "--pathspec-file-nul")
        run_git(root, *add, input=pathspecs + b"\0", env=env)
        tree = run_git(root, "write-tree", env=env).decode().strip()
    return tree, [path.decode("utf-8", "replace") for path in huge]


def _huge_untracked(root: Path) -> list[bytes]:
    """Untracked, not ignored files larger than UNTRACKED_LIMIT (paths as git prints them)."""
    listing = run_git(
        root, "ls-files", "-z", "--others", "--exclude-standard", "--", ".", EXCLUDE_STATE
    )
    huge: list[bytes] = []
    for path in filter(None, listing.split(b"\0")):
        try:
            size = (root / os.fsdecode(path)).lstat().st_size
        except FileNotFoundError:  # removed since the listing: `git add` will not see it either
            continue
        if size > UNTRACKED_LIMIT:
            huge.append(path)
    return huge


def huge_untracked_warning(paths: list[str]) -> list[str]:
    """The user-facing warning for untracked files left out of a phase (empty when there are none)."""
    if not paths:
        return []
    shown = ", ".join(paths[:3]) + (f" and {len(paths) - 3} more" if len(paths) > 3 else "")
    limit = UNTRACKED_LIMIT
    size = f"{limit // 1_000_000} MB" if limit >= 1_000_000 else f"{limit} bytes"
    return [
        f"left out {len(paths)} untracked file(s) over {size}: {shown} (add them to .gitignore)"
    ]


def head_sha(repo: git.Repo) -> str | None:
    """HEAD's full sha, or None in a repository without commits."""
    return _head(repo_root(repo))


def snapshot_worktree(repo: git.Repo) -> str:
    """A commit of the working tree (parent HEAD), or HEAD's sha when clean; kept alive by a checkpoint ref."""
    root = repo_root(repo)
    tree, _ = worktree_tree(root)
    head = _head(root)
    if head is not None and tree == _tree_of(root, head):
        sha = head
    elif head is None and tree == _empty_tree(root):
        raise ReviewError("the repository has no commits yet (and no files to checkpoint)")
    else:
        parents = ["-p", head] if head else []
        command = ("commit-tree", "--no-gpg-sign", tree, *parents, "-m", SNAPSHOT_MESSAGE)
        sha = run_git(root, *command, env=_SNAPSHOT_IDENTITY).decode().strip()
    _keep_alive(root, sha)
    return sha


def _keep_alive(root: Path, sha: str) -> None:
    listing = run_git(
        root, "for-each-ref", "--format=%(refname) %(objectname)", CHECKPOINT_REFS
    ).decode()
    numbered: dict[int, str] = {}
    for line in listing.splitlines():
        name, _, target = line.partition(" ")
        suffix = name.removeprefix(CHECKPOINT_REFS)
        if suffix.isdigit():
            numbered[int(suffix)] = target
    last = max(numbered, default=0)
    if numbered.get(last) != sha:
        run_git(root, "update-ref", f"{CHECKPOINT_REFS}{last + 1}", sha, "")


# --------------------------------------------------------------------------- the range


def resolve_phase(
    repo: git.Repo,
    range_text: str | None,
    checkpoint: str | None,
    progress: Progress | None = None,
    *,
    context: int = 3,
) -> Phase:
    """Resolve RANGE (`A..B`, `A...B`, `A` = A..working tree, None = default rule) into a Phase."""
    report = progress or _no_progress
    root = repo_root(repo)
    report("resolving the range", 0.0)
    base, head, rule = _bounds(root, range_text, checkpoint)
    report("reading the working tree" if head == WORKTREE else "reading the revisions", 0.1)
    new_tree, skipped = worktree_tree(root) if head == WORKTREE else (head, [])
    report("diffing", 0.3)
    files = diff_trees(root, base or _empty_tree(root), new_tree, context=context)
    if not files and base is None and _head(root) is None:
        raise ReviewError("the repository has no commits yet (and no files to review)")
    report("reading commits", 0.7)
    last = _head(root) if head == WORKTREE else head
    commits = read_commits(root, base, last) if last else []
    report("done", 1.0)
    warnings = huge_untracked_warning(skipped)
    return Phase(base, head, files, commits=commits, rule=rule, warnings=warnings)


def _no_progress(message: str, fraction: float) -> None:
    """Progress sink used when the caller gives none."""


def _bounds(
    root: Path, range_text: str | None, checkpoint: str | None
) -> tuple[str | None, str, str]:
    if range_text is not None:
        return _parse_range(root, range_text)
    if checkpoint:
        sha = _optional(
            root, "rev-parse", "--verify", "--quiet", "--end-of-options", f"{checkpoint}^{{commit}}"
        )
        if sha is None:
            raise ReviewError(
                f"checkpoint {checkpoint[:12]} is not in this repository (give a RANGE)"
            )
        return sha, WORKTREE, f"checkpoint {sha[:7]}"
    base, rule = _default_base(root)
    return base, WORKTREE, rule


def _parse_range(root: Path, range_text: str) -> tuple[str | None, str, str]:
    text = range_text.strip()
    if not text:
        raise ReviewError("empty range")
    rule = f"range {text}"
    if "..." in text:
        left, _, right = text.partition("...")
        head = resolve_commit(root, right or "HEAD")
        base = _optional(root, "merge-base", resolve_commit(root, left or "HEAD"), head)
        if base is None:
            raise ReviewError(f"no common ancestor in range: {text}")
        return base, head, rule
    if ".." in text:
        left, _, right = text.partition("..")
        return resolve_commit(root, left or "HEAD"), resolve_commit(root, right or "HEAD"), rule
    return resolve_commit(root, text), WORKTREE, rule


def resolve_commit(root: Path, revision: str) -> str:
    """The full sha of the commit `revision` names, or ReviewError "unknown revision: X"."""
    sha = _optional(
        root, "rev-parse", "--verify", "--quiet", "--end-of-options", f"{revision}^{{commit}}"
    )
    if not sha:
        raise ReviewError(f"unknown revision: {revision}")
    return sha


def _default_base(root: Path) -> tuple[str | None, str]:
    """From the merge-base with the default branch when HEAD is a branch ahead of it, else the whole history."""
    head = _head(root)
    default = default_branch(root)
    whole = "whole history (no checkpoint yet)"
    if head is None or default is None or _optional(root, "symbolic-ref", "-q", "HEAD") == default:
        return None, whole
    base = _optional(root, "merge-base", default, head)
    if base is None or base == head:
        return None, whole
    return base, f"merge-base with {_short_ref(default)}"


def default_branch(root: Path) -> str | None:
    """The full ref name of the default branch: origin's HEAD (its local twin first), else main, else master."""
    listing = run_git(
        root, "for-each-ref", "--format=%(refname) %(symref)", "refs/heads/", "refs/remotes/origin/"
    )
    refs: dict[str, str] = {}
    for line in listing.decode("utf-8", "replace").splitlines():
        name, _, target = line.partition(" ")
        refs[name] = target
    origin_head = refs.get("refs/remotes/origin/HEAD", "")
    candidates = []
    if origin_head.startswith("refs/remotes/origin/"):
        candidates += [
            "refs/heads/" + origin_head.removeprefix("refs/remotes/origin/"),
            origin_head,
        ]
    candidates += ["refs/heads/main", "refs/heads/master"]
    return next((ref for ref in candidates if ref in refs), None)


def _short_ref(ref: str) -> str:
    return ref.removeprefix("refs/heads/").removeprefix("refs/remotes/")


# --------------------------------------------------------------------------- diffs


def diff_trees(root: Path, old_tree: str, new_tree: str, *, context: int = 3) -> list[FileDiff]:
    """Every file change between two tree-ishes (renames and copies detected), with sizes and new texts."""
    output = run_git(
        root, "diff-tree", "-r", "-z", "--raw", "-p", "-M", "-C", f"-U{context}", *_DIFF_OPTIONS,
        old_tree, new_tree, "--", ".", EXCLUDE_STATE,
    )  # fmt: skip
    records, patch_start = parse_raw(output)
    sections = parse_patch(output[patch_start:].decode("utf-8", "replace"))
    files = pair_files(records, sections)
    _add_blob_data(root, records, files)
    return files


def _add_blob_data(root: Path, records: list[RawRecord], files: list[FileDiff]) -> None:
    sizes = _blob_sizes(root, [rec for rec in records if not rec.submodule])
    wanted: dict[str, FileDiff] = {}
    for record, file in zip(records, files, strict=True):
        if record.submodule:
            continue
        file.old_size = sizes.get(record.old_id)
        file.new_size = sizes.get(record.new_id)
        size = file.new_size
        if record.status != "D" and not file.binary and size is not None and size <= NEW_TEXT_LIMIT:
            wanted[record.new_id] = file
    for blob_id, text in _read_blobs(root, list(wanted)).items():
        wanted[blob_id].new_text = text.replace("\r\n", "\n")
    _share_texts(records, files, wanted)


def _share_texts(
    records: list[RawRecord], files: list[FileDiff], wanted: dict[str, FileDiff]
) -> None:
    """Files with identical new content share one read; give each of them the text."""
    for record, file in zip(records, files, strict=True):
        owner = wanted.get(record.new_id)
        if owner is not None and owner is not file and file.new_text is None and not file.binary:
            file.new_text = owner.new_text


def _blob_sizes(root: Path, records: list[RawRecord]) -> dict[str, int]:
    ids = {blob for rec in records for blob in (rec.old_id, rec.new_id) if blob.strip("0")}
    if not ids:
        return {}
    output = run_git(
        root, "cat-file", "--batch-check", input="\n".join(sorted(ids)).encode() + b"\n"
    )
    sizes: dict[str, int] = {}
    for line in output.decode("ascii", "replace").splitlines():
        parts = line.split(" ")
        if len(parts) == 3 and parts[2].isdigit():
            sizes[parts[0]] = int(parts[2])
    return sizes


def _read_blobs(root: Path, ids: list[str]) -> dict[str, str]:
    """The contents of blobs, read in one `git cat-file --batch` call, decoded with replacement."""
    if not ids:
        return {}
    output = run_git(root, "cat-file", "--batch", input="\n".join(ids).encode() + b"\n")
    texts: dict[str, str] = {}
    pos = 0
    while pos < len(output):
        end = output.index(b"\n", pos)
        blob_id, _, size = output[pos:end].decode("ascii").split(" ")
        start = end + 1
        texts[blob_id] = output[start : start + int(size)].decode("utf-8", "replace")
        pos = start + int(size) + 1
    return texts


# --------------------------------------------------------------------------- commits


def read_commits(root: Path, base: str | None, head: str) -> list[CommitInfo]:
    """The commits in base..head (oldest first, the newest COMMIT_LIMIT), with trailers and added lines."""
    span = f"{base}..{head}" if base else head
    output = run_git(
        root, "log", "-z", "--reverse", "--no-show-signature", "--no-color", f"--max-count={COMMIT_LIMIT}",
        "--format=%H%x00%s%x00%b%x00%(trailers:only,unfold)", span, "--",
    )  # fmt: skip
    fields = output.decode("utf-8", "replace").split("\0")
    commits = [
        CommitInfo(sha=sha, subject=subject, body=body.strip(), trailers=parse_trailers(trailers))
        for sha, subject, body, trailers in zip(
            fields[0::4], fields[1::4], fields[2::4], fields[3::4], strict=False
        )
        if sha
    ]
    added = _added_lines(root, [commit.sha for commit in commits])
    for commit in commits:
        commit.added_lines = added.get(commit.sha, {})
    return commits


def parse_trailers(text: str) -> dict[str, list[str]]:
    """`Key: value` lines (as printed by `%(trailers:only,unfold)`) grouped by key, values in order."""
    trailers: dict[str, list[str]] = {}
    for line in text.splitlines():
        key, separator, value = line.partition(":")
        if separator and key.strip() and value.strip():
            trailers.setdefault(key.strip(), []).append(value.strip())
    return trailers


def _added_lines(root: Path, shas: list[str]) -> dict[str, dict[str, set[str]]]:
    """sha -> path -> stripped texts of the lines that commit added (one `diff-tree --stdin` call)."""
    if not shas:
        return {}
    output = run_git(
        root, "diff-tree", "--stdin", "-r", "-p", "-U0", "--inter-hunk-context=0", "-M", "--root", *_DIFF_OPTIONS, "--", ".", EXCLUDE_STATE,
        input="\n".join(shas).encode() + b"\n",
    )  # fmt: skip
    return added_texts(output.decode("utf-8", "replace"))


__all__ = [
    "CHECKPOINT_REFS",
    "EXCLUDE_STATE",
    "GITLINK_MODE",
    "default_branch",
    "diff_trees",
    "head_sha",
    "huge_untracked_warning",
    "open_repo",
    "read_commits",
    "repo_root",
    "resolve_commit",
    "resolve_phase",
    "run_git",
    "snapshot_worktree",
    "worktree_tree",
]
