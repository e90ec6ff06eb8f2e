"""Provides `build_demo`: builds the bundled demo repository, offline and byte-for-byte reproducible.

The demo is a small ML replication (a dense retriever for FiQA trained on LLM-generated queries):
a researcher's scaffold commit with `SPEC.md` on `main`, then a coding agent's phase on the branch
`agent/phase-1` (several commits, a staged file, a modified file and an untracked file). Because
the agent's branch is checked out and `main` is the default branch, reviewtui's default range (the
merge-base with the default branch to the working tree) is exactly the agent's work.

The repository's content and history live in `reviewtui/demo_data/` (see its `script.toml`). Every
git call runs with a fixed author, committer and date and ignores the user's git configuration, so
the commit shas are the same on every machine.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tomllib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path, PurePosixPath

import platformdirs

from reviewtui.errors import ReviewError

ProgressCallback = Callable[[str, float], None]

DEMO_BRANCH = "agent/phase-1"
"""The branch holding the agent's phase; it is checked out when the demo is built."""
DEFAULT_BRANCH = "main"
"""The researcher's branch: the scaffold commit only."""
MARKER_NAME = "reviewtui-demo"
"""A file inside `.git/` marking a directory as a demo that `build_demo` may rebuild."""
MARKER_TEXT = "reviewtui demo repository v1\n"
DATA_SUFFIX = ".txt"
"""Every file of a step directory carries this extra suffix, removed when it is written out."""
DOT_PREFIX = "dot-"
"""A leading `dot-` in a packaged file name stands for `.` (`dot-gitignore.txt` → `.gitignore`)."""
ACTIONS = ("commit", "stage", "write")

_GIT_CONFIG = (
    "commit.gpgsign=false",
    "tag.gpgsign=false",
    "core.autocrlf=false",
    "core.safecrlf=false",
    "core.fileMode=true",
    "init.defaultBranch=" + DEFAULT_BRANCH,
    "advice.detachedHead=false",
)
"""Config passed with `-c` to every git call, on top of ignoring the system and global files."""


@dataclass(frozen=True)
class Person:
    name: str
    email: str


@dataclass(frozen=True)
class DemoStep:
    """One step of the demo's history: copy a directory of files, then commit, stage or leave them."""

    dir: str
    action: str
    branch: str | None = None
    author: Person | None = None
    date: str | None = None
    message: str = ""


def default_demo_dir() -> Path:
    """Where `reviewtui demo` builds the demo when no DIR is given."""
    return platformdirs.user_cache_path("reviewtui", appauthor=False) / "demo"


def is_demo(path: Path) -> bool:
    """True when `path` holds a demo built by `build_demo` (its `.git/` carries the marker)."""
    marker = path / ".git" / MARKER_NAME
    try:
        return marker.is_file() and marker.read_text(encoding="utf-8").startswith("reviewtui demo")
    except OSError:
        return False


def open_demo(
    target: Path, progress: ProgressCallback | None = None, *, fresh: bool = False
) -> tuple[Path, bool]:
    """The demo in `target`: a previous demo is kept as it is (the reviewer's work included) unless
    `fresh`; anything else is built with `build_demo`. Returns the path and whether it was built."""
    root = Path(target).expanduser().absolute()
    if is_demo(root) and not fresh:
        return root, False
    return build_demo(root, progress), True


def build_demo(target: Path, progress: ProgressCallback | None = None) -> Path:
    """Build the demo repository in `target` (new, empty, or a previous demo) and return its path.

    Raises ReviewError when `target` is a file or a non-empty directory that is not a previous demo,
    or when git is missing or fails.
    """
    root = Path(target).expanduser().absolute()
    steps = load_script()
    report = progress or _no_progress
    try:
        _prepare_target(root)
        report("creating the demo repository", 0.0)
        _git(root, "init", "-q", "-b", DEFAULT_BRANCH)
        (root / ".git" / MARKER_NAME).write_text(MARKER_TEXT, encoding="utf-8")
        _replay(root, steps, report)
    except OSError as error:
        raise ReviewError(f"cannot build the demo in {root}: {error.strerror or error}") from None
    report("demo ready", 1.0)
    return root


def load_script() -> list[DemoStep]:
    """The demo's steps, read from the packaged `demo_data/script.toml`."""
    data = tomllib.loads(_data_root().joinpath("script.toml").read_text(encoding="utf-8"))
    people = {key: Person(value["name"], value["email"]) for key, value in data["people"].items()}
    return [_parse_step(raw, people) for raw in data["step"]]


def demo_files(step: DemoStep) -> dict[str, bytes]:
    """The files a step writes: repo-relative posix path -> content, in a stable order."""
    base = _data_root().joinpath(step.dir)
    if not base.is_dir():
        raise ValueError(f"demo step directory {step.dir!r} is missing from the package")
    return {_target_path(parts): item.read_bytes() for parts, item in sorted(_walk(base, ()))}


# --------------------------------------------------------------------------- building


def _replay(root: Path, steps: list[DemoStep], report: ProgressCallback) -> None:
    branch = DEFAULT_BRANCH
    last: DemoStep | None = None
    for number, step in enumerate(steps):
        report(f"demo step {number + 1}/{len(steps)}: {step.dir}", number / len(steps))
        written = _write_files(root, demo_files(step))
        if step.action == "commit":
            branch = _switch_branch(root, branch, step)
            _git(root, "add", "-A", step=step)
            _git(root, "commit", "-q", "--no-verify", "-F", "-", step=step, input=_message(step))
            last = step
        elif step.action == "stage":
            _git(root, "add", "--", *written, step=last)


def _switch_branch(root: Path, current: str, step: DemoStep) -> str:
    wanted = step.branch or current
    if wanted != current:
        _git(root, "switch", "-q", "-c", wanted, step=step)
    return wanted


def _write_files(root: Path, contents: dict[str, bytes]) -> list[str]:
    for path, data in contents.items():
        destination = root.joinpath(*PurePosixPath(path).parts)
        destination.parent.mkdir(parents=True, exist_ok=True)
        destination.write_bytes(data)
    return list(contents)


def _message(step: DemoStep) -> bytes:
    return (step.message.strip() + "\n").encode("utf-8")


def _prepare_target(root: Path) -> None:
    if root.exists() and not root.is_dir():
        raise ReviewError(f"cannot build the demo in {root}: it is not a directory")
    if not root.exists():
        root.mkdir(parents=True)
        return
    if not any(root.iterdir()):
        return
    if not is_demo(root):
        raise ReviewError(
            f"{root} is not empty and is not a reviewtui demo: choose a new or empty directory"
        )
    _refuse_if_open(root)
    for child in root.iterdir():
        if child.is_dir() and not child.is_symlink():
            shutil.rmtree(child)
        else:
            child.unlink()


def _refuse_if_open(root: Path) -> None:
    """A demo that another reviewtui has open is never wiped under it."""
    from reviewtui.core.state import ReviewState

    if not (root / ".reviewtui").is_dir():
        return
    state = ReviewState(root=root)
    try:
        state.acquire_lock()
    except ReviewError:
        raise ReviewError(
            f"the demo in {root} is open in another reviewtui; close it before rebuilding"
        ) from None
    state.release_lock()


def _git(root: Path, *args: str, step: DemoStep | None = None, input: bytes | None = None) -> None:
    """Run git in `root`, deaf to the user's config, with the step's fixed identity and date."""
    person = (step.author if step else None) or Person("reviewtui demo", "demo@example.org")
    identity = ("-c", f"user.name={person.name}", "-c", f"user.email={person.email}")
    config = [part for item in _GIT_CONFIG for part in ("-c", item)]
    command = ["git", *identity, *config, *args]
    try:
        result = subprocess.run(
            command, cwd=root, env=_git_env(person, step), input=input, capture_output=True
        )
    except FileNotFoundError:
        raise ReviewError("git is not installed or not on PATH") from None
    if result.returncode != 0:
        detail = result.stderr.decode("utf-8", "replace").strip().splitlines()
        reason = detail[0] if detail else f"exit code {result.returncode}"
        raise ReviewError(f"git {args[0]} failed while building the demo: {reason}")


def _git_env(person: Person, step: DemoStep | None) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("GIT_")}
    env.update(
        GIT_CONFIG_NOSYSTEM="1",
        GIT_CONFIG_GLOBAL=os.devnull,
        GIT_TERMINAL_PROMPT="0",
        GIT_AUTHOR_NAME=person.name,
        GIT_AUTHOR_EMAIL=person.email,
        GIT_COMMITTER_NAME=person.name,
        GIT_COMMITTER_EMAIL=person.email,
    )
    if step is not None and step.date:
        env.update(GIT_AUTHOR_DATE=step.date, GIT_COMMITTER_DATE=step.date)
    return env


def _no_progress(message: str, fraction: float) -> None:
    """The default progress callback: report nothing."""


# --------------------------------------------------------------------------- package data


def _data_root() -> Traversable:
    return files("reviewtui").joinpath("demo_data")


def _walk(
    folder: Traversable, prefix: tuple[str, ...]
) -> Iterator[tuple[tuple[str, ...], Traversable]]:
    for item in folder.iterdir():
        if item.name == "__pycache__":
            continue
        if item.is_dir():
            yield from _walk(item, (*prefix, item.name))
        else:
            yield (*prefix, item.name), item


def _target_path(parts: tuple[str, ...]) -> str:
    """The repo path of a packaged file: `.txt` suffix removed, `dot-` prefixes turned into `.`."""
    *folders, name = parts
    if not name.endswith(DATA_SUFFIX):
        raise ValueError(f"demo data file {'/'.join(parts)!r} lacks the {DATA_SUFFIX} suffix")
    names = [*folders, name[: -len(DATA_SUFFIX)]]
    return "/".join(
        "." + part[len(DOT_PREFIX) :] if part.startswith(DOT_PREFIX) else part for part in names
    )


def _parse_step(raw: dict[str, object], people: dict[str, Person]) -> DemoStep:
    action = str(raw.get("action", ""))
    if action not in ACTIONS:
        raise ValueError(f"demo step {raw.get('dir')!r} has an unknown action {action!r}")
    author = people[str(raw["author"])] if "author" in raw else None
    step = DemoStep(
        dir=str(raw["dir"]),
        action=action,
        branch=str(raw["branch"]) if "branch" in raw else None,
        author=author,
        date=str(raw["date"]) if "date" in raw else None,
        message=str(raw.get("message", "")),
    )
    if action == "commit" and not (step.author and step.date and step.message.strip()):
        raise ValueError(f"demo commit step {step.dir!r} needs an author, a date and a message")
    return step
