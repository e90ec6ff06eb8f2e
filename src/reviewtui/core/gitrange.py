"""Provides the phase under review: git range resolution, working-tree snapshots and diff extraction.

- `run_git(root, *args)`: git immune to the user's diff/color/quoting/pager/signing config, bytes out,
  `ReviewError` with git's message on failure. Every git call of reviewtui goes through it.
- `open_repo(path)`: the non-bare repository containing `path`. A repository without commits is
  accepted: its working tree is reviewed from the empty tree (nothing there: "no commits yet").
  `find_root(path)`: its working tree's top directory, without loading GitPython (faster start).
- `resolve_phase(repo, range_text, checkpoint)`: a `Phase` with its `FileDiff`s and `CommitInfo`s.
- `snapshot_worktree(repo)`: a commit of the working tree, kept alive by `refs/reviewtui/checkpoints/<n>`.

The working tree (staged, unstaged and untracked-not-ignored files) is turned into a tree object with a
temporary index seeded from the real one, so a phase ending at the working tree is one uniform
tree-to-tree diff. Line-ending conversion (`core.autocrlf`, `.gitattributes`) applies as in `git status`.
`.reviewtui/` is never part of a phase. All diff work is a handful of git calls, whatever the file count.

Reviewing never writes into `.git`: the objects of a working-tree phase go to a temporary object
directory (the repository's own objects, and its alternates, are read through
`GIT_ALTERNATE_OBJECT_DIRECTORIES`), removed afterwards. Only `snapshot_worktree` writes objects and a ref.
The phase's `warnings` name text that is not valid UTF-8, files whose only change is their line
endings, huge untracked files left out, folders of source code git ignores beside the reviewed code
(`core/ignored.py`), and a reversed `A..B`.
"""

from __future__ import annotations

import functools
import hashlib
import os
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from reviewtui.core.diffparse import (
    GITLINK_MODE,
    SYMLINK_MODE,
    RawRecord,
    added_texts,
    pair_files,
    parse_patch,
    parse_raw,
    replace_undecodable,
)
from reviewtui.core.models import WORKTREE, CommitInfo, FileDiff, Phase
from reviewtui.errors import ReviewError

if TYPE_CHECKING:
    import git

Progress = Callable[[str, float], None]

_STATE_ENTRY = b".reviewtui"
"""reviewtui's own folder at the repo root, never part of a phase."""
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
    import git  # GitPython: imported here, for callers that want a `git.Repo`

    try:
        repo = git.Repo(path, search_parent_directories=True)
    except git.NoSuchPathError:
        raise ReviewError(f"no such directory: {path}") from None
    except git.InvalidGitRepositoryError:
        raise ReviewError(f"not a git repository: {path}") from None
    if repo.bare or repo.working_tree_dir is None:
        raise ReviewError(f"{path} is a bare repository")
    return repo


def find_root(path: Path | str) -> Path:
    """The top directory of the working tree of the non-bare repository containing `path`: what
    `repo_root(open_repo(path))` gives, without loading GitPython where git itself answers (one
    `git rev-parse`). Where it does not (no repository, a bare one, inside `.git`, `GIT_DIR` set),
    `open_repo` decides, with its errors."""
    path = Path(path)
    folder = path if path.is_dir() else path.parent
    if folder.is_dir() and not {"GIT_DIR", "GIT_WORK_TREE"} & set(os.environ):
        result = _run(folder, ("rev-parse", "--is-bare-repository", "--show-toplevel"))
        answer = result.stdout.decode("utf-8", "surrogateescape").split("\n")
        if result.returncode == 0 and len(answer) >= 2 and answer[0] == "false" and answer[1]:
            return Path(os.fsdecode(answer[1].encode("utf-8", "surrogateescape")))
    return repo_root(open_repo(path))


def repo_root(repo: git.Repo | Path) -> Path:
    """The top directory of the repository's working tree (a `Path` is taken as that directory)."""
    if isinstance(repo, Path):
        return repo
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


@dataclass
class WorktreeView:
    """A tree object of the working tree that lives in a temporary object directory."""

    tree: str
    huge: list[str]
    """Untracked files over UNTRACKED_LIMIT left out of the tree."""
    env: dict[str, str]
    """The environment every git call that reads the tree's objects needs."""


@contextmanager
def worktree_view(root: Path) -> Iterator[WorktreeView]:
    """The working tree as a tree object, written to a temporary object directory (removed on exit).

    Nothing is written into the repository: its objects (and its alternates) are reachable through
    `GIT_ALTERNATE_OBJECT_DIRECTORIES`, so the git calls given `view.env` see both.
    """
    with tempfile.TemporaryDirectory(prefix="reviewtui-") as scratch:
        env = scratch_objects_env(root, Path(scratch))
        tree, huge = _write_worktree_tree(root, Path(scratch), env)
        yield WorktreeView(tree, huge, env)


def worktree_tree(root: Path) -> tuple[str, list[str]]:
    """A tree object of the working tree written INTO the repository, and the huge untracked files left out.

    Used by `snapshot_worktree` only (a checkpoint must outlive the call); reviewing uses `worktree_view`.
    """
    with tempfile.TemporaryDirectory(prefix="reviewtui-") as scratch:
        return _write_worktree_tree(root, Path(scratch), {})


def scratch_objects_env(root: Path, scratch: Path) -> dict[str, str]:
    """Environment that sends new objects to `scratch/objects` and reads the repository's as alternates."""
    objects = scratch / "objects"
    objects.mkdir()
    alternates = [_alternate_entry(str(_objects_dir(root)))]
    inherited = os.environ.get("GIT_ALTERNATE_OBJECT_DIRECTORIES")
    if inherited:
        alternates.append(inherited)
    return {
        "GIT_OBJECT_DIRECTORY": str(objects),
        "GIT_ALTERNATE_OBJECT_DIRECTORIES": os.pathsep.join(alternates),
    }


def _objects_dir(root: Path) -> Path:
    """The repository's object directory (the common one for a linked worktree; GIT_OBJECT_DIRECTORY wins)."""
    path = run_git(root, "rev-parse", "--git-path", "objects")
    return root / os.fsdecode(path.rstrip(b"\n"))


def _alternate_entry(path: str) -> str:
    """One entry of GIT_ALTERNATE_OBJECT_DIRECTORIES, C-quoted when it holds the separator or a quote."""
    if os.pathsep not in path and not path.startswith('"') and "\n" not in path:
        return path
    out = ['"']
    for byte in os.fsencode(path):
        if byte in (0x22, 0x5C):
            out.append("\\" + chr(byte))
        elif byte < 0x20 or byte >= 0x7F:
            out.append(f"\\{byte:03o}")
        else:
            out.append(chr(byte))
    return "".join(out) + '"'


def _write_worktree_tree(
    root: Path, scratch: Path, objects_env: dict[str, str]
) -> tuple[str, list[str]]:
    """Build the working tree's tree with a temporary index in `scratch`; objects go where `objects_env` says.

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
    env = {**objects_env, "GIT_INDEX_FILE": str(scratch / "index")}
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
    limit = UNTRACKED_LIMIT
    size = f"{limit // 1_000_000} MB" if limit >= 1_000_000 else f"{limit} bytes"
    return [
        f"left out {len(paths)} untracked file(s) over {size}: {_names(paths)}"
        " (add them to .gitignore)"
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
    refs = checkpoint_refs(root)
    last = refs[-1] if refs else None
    if last is None or last.sha != sha:
        number = last.number + 1 if last else 1
        run_git(root, "update-ref", f"{CHECKPOINT_REFS}{number}", sha, "")


# --------------------------------------------------------------------------- checkpoint refs


@dataclass(frozen=True)
class CheckpointRef:
    """One `refs/reviewtui/checkpoints/<number>` and the commit it keeps alive."""

    number: int
    sha: str
    parent: str | None
    """The commit's first parent (None for a root commit)."""
    snapshot: bool
    """Whether the commit is a working-tree snapshot `snapshot_worktree` wrote (else it is HEAD's)."""
    date: str
    """The commit's committer date, ISO-8601."""

    @property
    def name(self) -> str:
        return f"{CHECKPOINT_REFS}{self.number}"


_REF_FIELDS = ("refname", "objectname", "objecttype", "parent", "authoremail", "subject")
_REF_FORMAT = "%00".join(f"%({name})" for name in (*_REF_FIELDS, "committerdate:iso-strict"))


def is_repository(root: Path) -> bool:
    """Whether `root` is inside a git repository's working tree (or its git folder)."""
    return root.is_dir() and _run(root, ("rev-parse", "--git-dir")).returncode == 0


def checkpoint_refs(root: Path) -> list[CheckpointRef]:
    """The numbered checkpoint refs pointing at commits, lowest number first."""
    listing = run_git(root, "for-each-ref", f"--format={_REF_FORMAT}", CHECKPOINT_REFS)
    refs = [_checkpoint_ref(line) for line in listing.decode("utf-8", "replace").splitlines()]
    return sorted((ref for ref in refs if ref is not None), key=lambda ref: ref.number)


def _checkpoint_ref(line: str) -> CheckpointRef | None:
    parts = line.split("\0")
    if len(parts) != 7:
        return None
    name, sha, kind, parents, email, subject, date = parts
    suffix = name.removeprefix(CHECKPOINT_REFS)
    if kind != "commit" or not suffix.isdigit():
        return None
    parent = parents.split()[0] if parents.split() else None
    author = _SNAPSHOT_IDENTITY["GIT_AUTHOR_EMAIL"]
    snapshot = subject == SNAPSHOT_MESSAGE and email == f"<{author}>"
    return CheckpointRef(int(suffix), sha, parent, snapshot, date)


def missing_commits(root: Path, shas: list[str]) -> set[str]:
    """The shas among `shas` that name no commit in the repository (one `git cat-file` call)."""
    wanted = sorted({sha for sha in shas if sha})
    if not wanted:
        return set()
    output = run_git(
        root,
        "cat-file",
        "--batch-check=%(objectname) %(objecttype)",
        input="\n".join(wanted).encode() + b"\n",
    )
    lines = output.decode("utf-8", "replace").splitlines()
    return {
        sha
        for sha, line in zip(wanted, lines, strict=False)
        if not line.endswith(" commit") or not line.startswith(sha)
    }


def drop_checkpoint_refs(root: Path, sha: str) -> list[str]:
    """Delete every checkpoint ref pointing at `sha` (so `git gc` may collect a snapshot); returns
    the names of the refs deleted."""
    dropped = [ref.name for ref in checkpoint_refs(root) if ref.sha == sha]
    for name in dropped:
        run_git(root, "update-ref", "-d", name, sha)
    return dropped


def is_ancestor(root: Path, older: str, newer: str) -> bool:
    """Whether `older` is an ancestor of (or is) `newer`; False when git cannot tell."""
    return _is_ancestor(root, older, newer)


# --------------------------------------------------------------------------- the range


def resolve_phase(
    repo: git.Repo | Path,
    range_text: str | None,
    checkpoint: str | None,
    progress: Progress | None = None,
    *,
    context: int = 3,
) -> Phase:
    """Resolve RANGE (`A..B`, `A...B`, `A` = A..working tree, None = default rule) into a Phase.
    `repo` is a `git.Repo`, or the top directory of its working tree (`find_root`).

    Writes nothing into the repository (see `worktree_view`).
    """
    report = progress or _no_progress
    root = repo_root(repo)
    report("resolving the range", 0.0)
    bounds = _bounds(root, range_text, checkpoint)
    base, head = bounds.base, bounds.head
    old_tree = base or _empty_tree(root)
    warnings = list(bounds.warnings)
    if head == WORKTREE:
        report("reading the working tree", 0.1)
        with worktree_view(root) as view:
            report("diffing", 0.3)
            diff = read_diff(root, old_tree, view.tree, context=context, env=view.env)
        warnings += huge_untracked_warning(view.huge)
        warnings += _ignored_code(root, diff.files)
    else:
        report("reading the revisions", 0.1)
        report("diffing", 0.3)
        diff = read_diff(root, old_tree, head, context=context)
    if not diff.files and base is None and _head(root) is None:
        raise ReviewError("the repository has no commits yet (and no files to review)")
    report("reading commits", 0.7)
    last = _head(root) if head == WORKTREE else head
    commits = read_commits(root, base, last) if last else []
    if bounds.checkpoint and base and last and not _is_ancestor(root, base, last):
        commits, note = _commits_after_checkpoint(root, base, last, commits)
        warnings += note
    report("done", 1.0)
    warnings += diff.warnings()
    digest = _phase_digest(diff.digest, base, head, last, context)
    return Phase(
        base, head, diff.files, commits=commits, rule=bounds.rule, warnings=warnings, digest=digest
    )


def ignoring_patterns(root: Path, paths: list[str]) -> dict[str, str]:
    """Path → `source:line: pattern`, the `.gitignore` line that ignores it (`git check-ignore
    -v`; a folder is given with its trailing `/`), for those of `paths` a pattern ignores."""
    return {path: str(rule) for path, rule in ignoring_rules(root, paths).items()}


@dataclass(frozen=True)
class IgnoreRule:
    """The exclude line that ignores a path, as `git check-ignore -v` names it."""

    source: str
    """The file holding it, as git prints it: `.gitignore`, `pkg/.gitignore`, `.git/info/exclude`."""
    line: str
    """Its line number in that file."""
    pattern: str
    """The pattern, as written (`data/`, `/local/`)."""

    def __str__(self) -> str:
        return f"{self.source}:{self.line}: {self.pattern}"


def ignoring_rules(root: Path, paths: list[str]) -> dict[str, IgnoreRule]:
    """Path → the exclude line that ignores it (`git check-ignore -v`; a folder is given with its
    trailing `/`), for those of `paths` a pattern ignores."""
    if not paths:
        return {}
    given = b"".join(os.fsencode(path) + b"\0" for path in paths)
    result = _run(root, ("check-ignore", "-v", "-z", "--stdin"), given)
    if result.returncode not in (0, 1):  # 1: none of them is ignored
        raise ReviewError(f"git check-ignore: {_first_error(result.stderr)}")
    fields = result.stdout.split(b"\0")
    found: dict[str, IgnoreRule] = {}
    for i in range(0, len(fields) - 3, 4):
        source, line, pattern, path = (os.fsdecode(field) for field in fields[i : i + 4])
        if pattern:
            found[path] = IgnoreRule(source, line, pattern)
    return found


def _ignored_code(root: Path, files: list[FileDiff]) -> list[str]:
    """The warning for folders of source code git ignores beside the reviewed code (see
    `core/ignored.py`): the working tree's phase would hold them, were they not ignored."""
    from reviewtui.core.ignored import ignored_code_warning

    return ignored_code_warning(root, files)


def _phase_digest(diff_digest: str, *revisions: object) -> str:
    """The digest of a phase: its raw diff (blob ids included) and its revisions."""
    digest = hashlib.sha256(diff_digest.encode())
    for revision in revisions:
        digest.update(b"\0" + str(revision).encode())
    return digest.hexdigest()


def _no_progress(message: str, fraction: float) -> None:
    """Progress sink used when the caller gives none."""


@dataclass
class _Bounds:
    base: str | None
    head: str
    rule: str
    warnings: list[str] = field(default_factory=list)
    checkpoint: bool = False
    """Whether `base` is the last checkpoint (the default phase after `reviewtui checkpoint`)."""


def _commits_after_checkpoint(
    root: Path, checkpoint: str, last: str, commits: list[CommitInfo]
) -> tuple[list[CommitInfo], list[str]]:
    """The phase's own commits when the checkpoint is not an ancestor of HEAD, and a warning.

    `checkpoint..HEAD` then holds commits whose changes the checkpoint already held: a working-tree
    checkpoint the agent committed afterwards, or the earlier rounds rewritten by a rebase. The newest
    commit whose tree is the checkpoint's marks where the checkpoint sits in HEAD's history: it and
    its ancestors are left out. A working-tree checkpoint committed as it was needs no warning."""
    if not commits:
        return commits, []  # HEAD is still where the (working-tree) checkpoint was taken
    match = _commit_with_tree(root, checkpoint, last)
    if match is None:
        return commits, [
            f"checkpoint {checkpoint[:7]} is not in the history of HEAD (a rebase, or the"
            " checkpointed work committed with more changes?): the phase's commits may include"
            " commits reviewed before the checkpoint"
        ]
    earlier = set(run_git(root, "rev-list", f"{checkpoint}..{match}", "--").decode().split())
    own = [commit for commit in commits if commit.sha not in earlier]
    parent = _optional(root, "rev-parse", "--verify", "--quiet", f"{checkpoint}^1")
    if parent is not None and _is_ancestor(root, parent, match) and _is_snapshot(root, checkpoint):
        return own, []
    return own, [
        f"checkpoint {checkpoint[:7]} is not in the history of HEAD (a rebase?); commit"
        f" {match[:7]} holds the same files, so the phase's commits start after it"
    ]


def _commit_with_tree(root: Path, checkpoint: str, last: str) -> str | None:
    """The newest commit in checkpoint..last holding the checkpoint's files (`.reviewtui/` aside,
    as in every phase), or None when there is none."""
    listing = run_git(root, "rev-list", "--topo-order", f"{checkpoint}..{last}", "--").decode()
    commits = listing.split()
    if not commits:
        return None
    wanted, *trees = _trees_without_state(root, [checkpoint, *commits])
    return next((sha for sha, tree in zip(commits, trees, strict=True) if tree == wanted), None)


def _trees_without_state(root: Path, revisions: list[str]) -> list[bytes]:
    """The raw top-level tree of each revision without its `.reviewtui` entry (one `cat-file` call)."""
    request = "".join(f"{revision}^{{tree}}\n" for revision in revisions).encode()
    output = run_git(root, "cat-file", "--batch", input=request)
    trees: list[bytes] = []
    pos = 0
    while pos < len(output):
        end = output.index(b"\n", pos)
        header = output[pos:end].split(b" ")
        if len(header) != 3 or header[1] != b"tree":
            raise ReviewError(f"git cat-file: no tree for {revisions[len(trees)][:12]}")
        start = end + 1
        size = int(header[2])
        trees.append(_without_entry(output[start : start + size], len(header[0]) // 2))
        pos = start + size + 1
    return trees


def _without_entry(tree: bytes, hash_size: int, name: bytes = _STATE_ENTRY) -> bytes:
    """A raw tree object's entries (`<mode> <name>\\0<hash>`) without the one called `name`."""
    kept: list[bytes] = []
    pos = 0
    while pos < len(tree):
        nul = tree.index(b"\0", pos)
        end = nul + 1 + hash_size
        if tree[pos:nul].partition(b" ")[2] != name:
            kept.append(tree[pos:end])
        pos = end
    return b"".join(kept)


def _is_snapshot(root: Path, sha: str) -> bool:
    """Whether `sha` is a working-tree commit `snapshot_worktree` wrote."""
    subject = _optional(root, "log", "-1", "--no-color", "--format=%ae %s", sha, "--")
    return subject == f"{_SNAPSHOT_IDENTITY['GIT_AUTHOR_EMAIL']} {SNAPSHOT_MESSAGE}"


def _bounds(root: Path, range_text: str | None, checkpoint: str | None) -> _Bounds:
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
        return _Bounds(sha, WORKTREE, f"checkpoint {sha[:7]}", checkpoint=True)
    base, rule = _default_base(root)
    return _Bounds(base, WORKTREE, rule)


def _parse_range(root: Path, range_text: str) -> _Bounds:
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
        return _Bounds(base, head, rule)
    if ".." in text:
        left, _, right = (part.strip() or "HEAD" for part in text.partition(".."))
        base, head = resolve_commit(root, left), resolve_commit(root, right)
        return _Bounds(base, head, rule, _reversed_warning(root, base, head, left, right))
    return _Bounds(resolve_commit(root, text), WORKTREE, rule)


def _reversed_warning(root: Path, base: str, head: str, left: str, right: str) -> list[str]:
    """A warning when B is a strict ancestor of A in `A..B`: everything would show as deleted."""
    if base == head or not _is_ancestor(root, head, base):
        return []
    return [
        f"the range {left}..{right} is reversed: {right} is older than {left}"
        f" (did you mean {right}..{left}?)"
    ]


def _is_ancestor(root: Path, older: str, newer: str) -> bool:
    """Whether `older` is an ancestor of `newer` (False when git cannot tell, e.g. a shallow history:
    the answer only decides a warning, both commits are already known to exist)."""
    return _run(root, ("merge-base", "--is-ancestor", older, newer)).returncode == 0


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


@dataclass
class TreeDiff:
    """The file changes between two trees, and what is worth a warning about them."""

    files: list[FileDiff]
    undecodable: list[str] = field(default_factory=list)
    """Paths of files with text that is not valid UTF-8 (shown with U+FFFD)."""
    digest: str = ""
    """sha256 of git's raw output (the file list with blob ids, and the patch) the files come from."""

    def warnings(self) -> list[str]:
        """The user-facing warning lines about these changes (empty when there is nothing to say)."""
        lines: list[str] = []
        if self.undecodable:
            lines.append(
                f"{len(self.undecodable)} file(s) are not valid UTF-8 (latin-1?); their"
                f" undecodable bytes are shown as \ufffd: {_names(self.undecodable)}"
            )
        endings = [file.path for file in self.files if line_endings_only(file)]
        if endings:
            lines.append(
                f"{len(endings)} file(s) changed only their line endings (LF/CRLF):"
                f" {_names(endings)}"
            )
        return lines


def _names(paths: list[str], shown: int = 3) -> str:
    """`a, b, c and 4 more`: a few names for a one-line message."""
    names = ", ".join(_printable(path) for path in paths[:shown])
    return names + (f" and {len(paths) - shown} more" if len(paths) > shown else "")


def line_endings_only(file: FileDiff) -> bool:
    """True when each removed line comes back with the same text and only its CR differs.

    Line texts carry no trailing CR, so equal texts with equal final-newline marks can only differ
    in their line ending.
    """
    if file.binary or file.submodule or not file.hunks:
        return False
    cr_change = False
    for hunk in file.hunks:
        removed = [line for line in hunk.lines if line.kind == "-"]
        added = [line for line in hunk.lines if line.kind == "+"]
        if len(removed) != len(added):
            return False
        for old, new in zip(removed, added, strict=True):
            if old.text != new.text:
                return False
            cr_change = cr_change or old.no_newline == new.no_newline
    return cr_change


def diff_trees(root: Path, old_tree: str, new_tree: str, *, context: int = 3) -> list[FileDiff]:
    """Every file change between two tree-ishes (renames and copies detected), with sizes and new texts."""
    return read_diff(root, old_tree, new_tree, context=context).files


def read_diff(
    root: Path,
    old_tree: str,
    new_tree: str,
    *,
    context: int = 3,
    env: dict[str, str] | None = None,
) -> TreeDiff:
    """`diff_trees` plus the files whose text is not valid UTF-8; `env` reaches a temporary object dir."""
    output = run_git(
        root, "diff-tree", "-r", "-z", "--raw", "-p", "-M", "-C", f"-U{context}", *_DIFF_OPTIONS,
        old_tree, new_tree, "--", ".", EXCLUDE_STATE, env=env,
    )  # fmt: skip
    records, patch_start = parse_raw(output)
    patch = output[patch_start:]
    try:
        text, lossy = patch.decode("utf-8"), False
    except UnicodeDecodeError:
        text, lossy = patch.decode("utf-8", "surrogateescape"), True
    files = pair_files(records, parse_patch(text))
    undecodable = {file.path for file in files if lossy and replace_undecodable(file)}
    undecodable.update(_add_blob_data(root, records, files, env))
    return TreeDiff(
        files,
        [file.path for file in files if file.path in undecodable],
        digest=hashlib.sha256(output).hexdigest(),
    )


def _add_blob_data(
    root: Path, records: list[RawRecord], files: list[FileDiff], env: dict[str, str] | None
) -> set[str]:
    """Fill sizes and new texts; return the paths whose new text is not valid UTF-8."""
    sizes = _blob_sizes(root, [rec for rec in records if not rec.submodule], env)
    wanted: dict[str, FileDiff] = {}
    for record, file in zip(records, files, strict=True):
        if record.submodule:
            continue
        file.old_size = sizes.get(record.old_id)
        file.new_size = sizes.get(record.new_id)
        size = file.new_size
        if record.status != "D" and not file.binary and size is not None and size <= NEW_TEXT_LIMIT:
            wanted[record.new_id] = file
    texts, lossy = _read_blobs(root, list(wanted), env)
    for blob_id, text in texts.items():
        wanted[blob_id].new_text = text.replace("\r\n", "\n")
    _share_texts(records, files, wanted)
    return {
        file.path
        for record, file in zip(records, files, strict=True)
        if record.new_id in lossy and file.new_text is not None
    }


def _share_texts(
    records: list[RawRecord], files: list[FileDiff], wanted: dict[str, FileDiff]
) -> None:
    """Files with identical new content share one read; give each of them the text."""
    for record, file in zip(records, files, strict=True):
        owner = wanted.get(record.new_id)
        if owner is not None and owner is not file and file.new_text is None and not file.binary:
            file.new_text = owner.new_text


def _blob_sizes(root: Path, records: list[RawRecord], env: dict[str, str] | None) -> dict[str, int]:
    ids = {blob for rec in records for blob in (rec.old_id, rec.new_id) if blob.strip("0")}
    if not ids:
        return {}
    output = run_git(
        root, "cat-file", "--batch-check", input="\n".join(sorted(ids)).encode() + b"\n", env=env
    )
    sizes: dict[str, int] = {}
    for line in output.decode("ascii", "replace").splitlines():
        parts = line.split(" ")
        if len(parts) == 3 and parts[2].isdigit():
            sizes[parts[0]] = int(parts[2])
    return sizes


def _read_blobs(
    root: Path, ids: list[str], env: dict[str, str] | None
) -> tuple[dict[str, str], set[str]]:
    """The contents of blobs (one `git cat-file --batch` call), decoded with replacement; and the ids
    of those that were not valid UTF-8."""
    if not ids:
        return {}, set()
    output = run_git(root, "cat-file", "--batch", input="\n".join(ids).encode() + b"\n", env=env)
    texts: dict[str, str] = {}
    lossy: set[str] = set()
    pos = 0
    while pos < len(output):
        end = output.index(b"\n", pos)
        blob_id, _, size = output[pos:end].decode("ascii").split(" ")
        start = end + 1
        data = output[start : start + int(size)]
        try:
            texts[blob_id] = data.decode("utf-8")
        except UnicodeDecodeError:
            texts[blob_id] = data.decode("utf-8", "replace")
            lossy.add(blob_id)
        pos = start + int(size) + 1
    return texts, lossy


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
    "SYMLINK_MODE",
    "CheckpointRef",
    "IgnoreRule",
    "TreeDiff",
    "WorktreeView",
    "checkpoint_refs",
    "default_branch",
    "diff_trees",
    "drop_checkpoint_refs",
    "head_sha",
    "huge_untracked_warning",
    "ignoring_patterns",
    "ignoring_rules",
    "is_ancestor",
    "is_repository",
    "line_endings_only",
    "missing_commits",
    "open_repo",
    "read_commits",
    "read_diff",
    "repo_root",
    "resolve_commit",
    "resolve_phase",
    "run_git",
    "scratch_objects_env",
    "snapshot_worktree",
    "worktree_tree",
    "worktree_view",
]
