"""Provides `ignored_code_warning(root, files)`: the one warning a phase ending at the working tree
gives when git ignores a folder of source code next to the code under review.

A `.gitignore` line written for a top-level data folder (`data/`, `models/`, `lib/`) matches folders
at any depth, so it also hides a source package such as `src/pkg/data/`: its untracked files never
reach the review, and nothing says so. The rule, kept narrow so that folders ignored on purpose stay
quiet:

- only folders git ignores as a whole (`git ls-files --others --ignored --directory`), never single
  files (a generated `_version.py` or a local settings file is ignored on purpose);
- the line that ignores the folder is a plain name matching at any depth (`data/`, `data`): no `/`
  but a trailing one, no wildcard. An anchored line (`/local/`, `src/out/`) or a glob (`*.gen.py`,
  `exp_*/`) says what it means to ignore;
- the folder is nested: not directly in the folder of the `.gitignore` holding that line (the root,
  for `.git/info/exclude`). `scratch/` in the root `.gitignore` hiding `scratch/` does what it says;
- the folder's parent holds code under review (a changed file in it or below it);
- the folder itself holds source files of a language under review there (`.py` beside `.py`),
  directly, not deeper down;
- a folder named like build output, an environment, a cache or vendored code (`dist`, `.venv`,
  `node_modules`, …) counts only when it is a Python package (it holds `__init__.py`).

The warning names up to three folders, their source files and the `.gitignore` line that hides
each (`git check-ignore -v`), once for the phase, and how to anchor each line so that it keeps
ignoring its own top-level folder only (`data/` → `/data/`).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from reviewtui.core.gitrange import EXCLUDE_STATE, IgnoreRule, ignoring_rules, run_git
from reviewtui.core.models import FileDiff

CODE_SUFFIXES = frozenset(
    [
        ".py",
        ".pyx",
        ".js",
        ".jsx",
        ".mjs",
        ".cjs",
        ".ts",
        ".tsx",
        ".go",
        ".rs",
        ".java",
        ".kt",
        ".scala",
        ".c",
        ".cc",
        ".cpp",
        ".cxx",
        ".h",
        ".hpp",
        ".cu",
        ".rb",
        ".php",
        ".swift",
        ".cs",
        ".jl",
        ".r",
        ".lua",
        ".sh",
    ]
)
"""Suffixes of source code (not data, config or notebooks): what a hidden folder must hold."""

OUTPUT_FOLDERS = frozenset(
    [
        "dist",
        "build",
        "out",
        "target",
        "node_modules",
        "vendor",
        "third_party",
        ".venv",
        "venv",
        "env",
        ".env",
        ".tox",
        ".nox",
        ".eggs",
        "__pycache__",
        "site-packages",
        "coverage",
        "htmlcov",
        ".next",
        ".nuxt",
        ".cache",
        ".mypy_cache",
        ".pytest_cache",
        ".ruff_cache",
        ".ipynb_checkpoints",
        "tmp",
        "temp",
        "logs",
        "wandb",
        "mlruns",
    ]
)
"""Folder names of build output, environments, caches and vendored code: ignored on purpose."""

SHOWN = 3
"""How many hidden folders the warning names."""


GLOB_CHARACTERS = frozenset("*?[\\")
"""A pattern holding one of these is a glob (or escapes one): it says what it means to match."""


@dataclass
class HiddenFolder:
    """A folder of source code git ignores, next to the code under review."""

    path: str
    """The folder, `/` separated, without its trailing slash."""
    sources: list[str]
    """Names of its source files (direct children), sorted."""
    pattern: str = ""
    """`.gitignore:3: data/`: the line that ignores it, when git names one."""
    rule: IgnoreRule | None = None
    """That line's file, number and pattern."""


def ignored_code_warning(root: Path, files: list[FileDiff]) -> list[str]:
    """The warning for the folders of source code git ignores beside the phase's code (empty
    when there are none)."""
    hidden = hidden_folders(root, files)
    if not hidden:
        return []
    named = "; ".join(_describe(folder) for folder in hidden[:SHOWN])
    more = f"; and {len(hidden) - SHOWN} more" if len(hidden) > SHOWN else ""
    return [
        f"git ignores {len(hidden)} folder(s) of source code beside the reviewed code, left out of"
        f" this review: {named}{more} ({_advice(hidden)})"
    ]


def hidden_folders(root: Path, files: list[FileDiff]) -> list[HiddenFolder]:
    """The nested folders a plain `.gitignore` name ignores that hold source code of a language
    reviewed beside them (see the module docstring), in git's order."""
    reviewed = [PurePosixPath(file.path) for file in files if file.change != "deleted"]
    found: list[HiddenFolder] = []
    for entry in _ignored_folders(root):
        parent = PurePosixPath(entry).parent
        if str(parent) == ".":  # a top-level folder: no line names it by mistake
            continue
        suffixes = {p.suffix for p in reviewed if parent in p.parents} & CODE_SUFFIXES
        sources = _sources(root / entry, suffixes) if suffixes else []
        if sources and (
            PurePosixPath(entry).name not in OUTPUT_FOLDERS or "__init__.py" in sources
        ):
            found.append(HiddenFolder(entry, sources))
    rules = ignoring_rules(root, [folder.path + "/" for folder in found])
    for folder in found:
        folder.rule = rules.get(folder.path + "/")
        folder.pattern = str(folder.rule) if folder.rule else ""
    # a folder listed only because each of its files is ignored (`*.gen.py`) is ignored on purpose
    return [
        folder for folder in found if folder.rule and _matched_by_mistake(folder.path, folder.rule)
    ]


def _matched_by_mistake(path: str, rule: IgnoreRule) -> bool:
    """True when `rule` is a plain name matching at any depth (`data/`) and `path` is not
    directly in the folder of the file holding it: the line meant a folder there, not this one."""
    name = rule.pattern.removesuffix("/")
    if not name or "/" in name or name.startswith("!") or GLOB_CHARACTERS & set(name):
        return False
    base = _base_of(rule.source)
    folder = PurePosixPath(path)
    if base != PurePosixPath(".") and base not in folder.parents:
        return False  # a source git names differently: cannot tell, stay quiet
    return folder.parent != base


def _base_of(source: str) -> PurePosixPath:
    """The folder a pattern of `source` is relative to: a `.gitignore`'s own folder; the
    repository's top for `.git/info/exclude` and the user's excludes file."""
    path = PurePosixPath(source)
    if path.name != ".gitignore" or path.is_absolute() or path.parts[0] in (".git", ".."):
        return PurePosixPath(".")
    return path.parent


def _ignored_folders(root: Path) -> list[str]:
    """The folders git ignores as a whole, `/` separated, without the trailing slash."""
    listing = run_git(
        root, "ls-files", "-z", "--others", "--ignored", "--exclude-standard", "--directory",
        "--", ".", EXCLUDE_STATE,
    )  # fmt: skip
    entries = [os.fsdecode(item) for item in listing.split(b"\0") if item]
    return [entry.rstrip("/") for entry in entries if entry.endswith("/")]


def _sources(folder: Path, suffixes: set[str]) -> list[str]:
    """Names of the folder's own files with one of `suffixes` (none when it cannot be read)."""
    try:
        with os.scandir(folder) as entries:
            return sorted(
                entry.name
                for entry in entries
                if entry.is_file(follow_symlinks=False)
                and PurePosixPath(entry.name).suffix in suffixes
            )
    except OSError:
        return []


def _describe(folder: HiddenFolder) -> str:
    """`src/pkg/data/ (corpus.py, negatives.py and 2 more; by .gitignore:1: data/)`."""
    names = ", ".join(folder.sources[:SHOWN])
    if len(folder.sources) > SHOWN:
        names += f" and {len(folder.sources) - SHOWN} more"
    by = f"; by {folder.pattern}" if folder.pattern else ""
    return f"{folder.path}/ ({names}{by})"


def _advice(hidden: list[HiddenFolder]) -> str:
    """How to anchor each line that hides one of the folders named (`data/` → `/data/`), so it
    ignores only the folder beside its `.gitignore` and the hidden one is reviewed."""
    advice: dict[IgnoreRule, str] = {}
    for folder in hidden[:SHOWN]:
        rule = folder.rule
        if rule is None or rule in advice:
            continue
        base = _base_of(rule.source)
        own = rule.pattern if base == PurePosixPath(".") else f"{base}/{rule.pattern}"
        advice[rule] = (
            f"`{rule.pattern}` in {rule.source} matches folders at any depth: anchor it as"
            f" `/{rule.pattern}` to ignore only `{own}` and review `{folder.path}/`"
        )
    return "; ".join(advice.values())
