"""Provides `sections_before`: the spec sections that had code in the rounds reviewed before the
checkpoint a phase starts from, and the code of the last of those rounds (for its spec phase).

A fix round (the agent fixes the review's findings after `reviewtui checkpoint`) holds only the fixes;
the sections implemented and reviewed in the earlier rounds of the same spec phase have no code in it,
and are not *missing*. The earlier rounds are read as one range: from where the first round started
(the merge-base with the default branch, or the empty tree when the work was on the default branch)
to the checkpoint. Their code is cut and linked as a phase's would be, and a section counts as
implemented by the rule a review uses: linked code (a chunk that only removes code implements
nothing), a citation, or the numbers ledger (the code sets every number the section states).

Each round is the range between two checkpoints in the order they were recorded (the first from
where the work started). A fix round whose own code falls in no spec phase is judged against the
phase of the last round with phase code, as that round's review inferred it
(`EarlierSections.last_round`), not against the earliest phase of all history.

The spec files are never code: neither under their current paths nor under the paths they had at
a round's end (a spec renamed since, `git mv SPEC.md PLAN.md`, found by git's rename detection).
Each round's answer is kept in the review's cache folder, keyed by everything it depends on.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections import Counter
from collections.abc import Collection
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from reviewtui.config import Settings
from reviewtui.core import gitrange
from reviewtui.core.models import WORKTREE, Checkpoint, Phase, Spec
from reviewtui.core.phases import EarlierSections, parse_phases, section_phases
from reviewtui.core.spec import inside_repo

CACHE_VERSION = 2
"""Bumped when what a round's cached answer holds for the same inputs changes."""


@dataclass
class RoundCode:
    """The code of a range of reviewed rounds, as a review would link it."""

    sections: set[str] = field(default_factory=set)
    """Sections implemented: linked, cited, settled by the numbers ledger, and their ancestors."""
    linked: dict[str, int] = field(default_factory=dict)
    """Section id → the number of chunks adding code that are linked to it."""
    sources: list[tuple[str, str]] = field(default_factory=list)
    """(section id, path) of every chunk adding code that is linked to a section."""
    settled: set[str] = field(default_factory=set)
    """Sections whose every stated number the code sets (the numbers ledger)."""


def sections_before(
    root: Path,
    phase: Phase,
    checkpoints: list[Checkpoint],
    spec: Spec,
    settings: Settings,
    *,
    manual_links: dict[str, str | None] | None = None,
    exclude: Collection[str] = (),
    cache_dir: Path | None = None,
) -> EarlierSections:
    """Ids of the sections with code between the first round's start and the checkpoint `phase`
    starts from (empty when it starts from no checkpoint), with the linked code of the last round
    before it that had code in a declared phase (`last_round`). `exclude`: paths never reviewed
    (the spec files, exports); `cache_dir`: where the answers are kept (None: not kept)."""
    position = _position(checkpoints, phase.base)
    if position is None:
        return EarlierSections()
    checkpoint = checkpoints[position]
    start = first_round_base(root, checkpoint)
    reader = _RoundReader(root, spec, settings, manual_links or {}, exclude, cache_dir, phase.head)
    whole = reader.code(start, checkpoint.sha)
    last = _last_phase_round(reader, start, checkpoints[: position + 1], spec)
    linked = last.linked if last else {}
    return EarlierSections(whole.sections, linked, whole.sources, whole.settled)


def _position(checkpoints: list[Checkpoint], base: str | None) -> int | None:
    """The position of the (last recorded) checkpoint at `base`, None when there is none."""
    if base is None:
        return None
    found = [index for index, checkpoint in enumerate(checkpoints) if checkpoint.sha == base]
    return found[-1] if found else None


def _last_phase_round(
    reader: _RoundReader, start: str | None, checkpoints: list[Checkpoint], spec: Spec
) -> RoundCode | None:
    """The code of the last round (newest first, back to where the work started) with code linked
    to a section of a declared phase; None when no round has any."""
    covered = section_phases(spec, parse_phases(spec))
    if not covered:
        return None
    for index in range(len(checkpoints) - 1, -1, -1):
        previous = checkpoints[index - 1].sha if index else None
        if previous is not None and not reader.present(previous):
            return None  # an older checkpoint no longer in the repository: its round is unknown
        first = previous is None or not reader.after(start, previous)
        code = reader.code(start if first else previous, checkpoints[index].sha)
        if any(section_id in covered for section_id in code.linked):
            return code
        if first:
            return None
    return None


def first_round_base(root: Path, checkpoint: Checkpoint) -> str | None:
    """Where the review before `checkpoint` started: the merge-base of the checkpointed HEAD with
    the default branch, or None (the empty tree) when that HEAD is on the default branch."""
    default = gitrange.default_branch(root)
    head = checkpoint.head or checkpoint.sha
    if default is None:
        return None
    listing = gitrange.run_git(root, "rev-list", "--boundary", f"{default}..{head}", "--")
    lines = listing.decode().split()
    if not any(not line.startswith("-") for line in lines):
        return None  # HEAD is on the default branch: the first review covered the whole history
    if not any(line.startswith("-") for line in lines):
        return None  # no history in common with the default branch
    return gitrange.run_git(root, "merge-base", default, head).decode().strip() or None


class _RoundReader:
    """Reads the code of ranges of reviewed rounds, each once, from the cache folder when kept."""

    def __init__(
        self,
        root: Path,
        spec: Spec,
        settings: Settings,
        manual_links: dict[str, str | None],
        exclude: Collection[str],
        cache_dir: Path | None,
        head: str,
    ) -> None:
        self.root = root
        self.spec = spec
        self.settings = settings
        self.manual_links = manual_links
        self.exclude = set(exclude)
        self.cache_dir = cache_dir
        self.head = head
        self._read: dict[tuple[str | None, str], RoundCode] = {}
        self._former: dict[str, set[str]] = {}

    def after(self, start: str | None, revision: str) -> bool:
        """True when `revision` comes after the work's `start` (every revision comes after the
        empty tree): a round that begins at `revision` is one of the work's rounds."""
        if start is None:
            return True
        common = gitrange.run_git(self.root, "merge-base", start, revision).decode().strip()
        return common == start and revision != start

    def present(self, revision: str) -> bool:
        """True when the commit `revision` is in the repository (a dropped checkpoint's may not be)."""
        answer = gitrange.run_git(
            self.root, "cat-file", "--batch-check", input=f"{revision}\n".encode()
        )
        return not answer.strip().endswith(b"missing")

    def former_paths(self, end: str) -> set[str]:
        """The paths the spec files had at `end` (see `former_spec_paths`), read once per `end`."""
        if end not in self._former:
            self._former[end] = former_spec_paths(self.root, end, self.spec.files, self.head)
        return self._former[end]

    def code(self, start: str | None, end: str) -> RoundCode:
        """The code between `start` (None: the empty tree) and `end`."""
        if (start, end) not in self._read:
            self._read[start, end] = self._code(start, end)
        return self._read[start, end]

    def _code(self, start: str | None, end: str) -> RoundCode:
        exclude = self.exclude | self.former_paths(end)
        key = _cache_key(start, end, self.spec, self.settings, self.manual_links, exclude)
        cached = _load(self.cache_dir, key)
        if cached is not None:
            return cached
        found = _code_between(
            self.root, start, end, self.spec, self.settings, self.manual_links, exclude
        )
        _store(self.cache_dir, key, found)
        return found


def former_spec_paths(root: Path, revision: str, spec_files: list[str], head: str) -> set[str]:
    """The paths that the spec files (absent from `revision` under their names) had there: the
    spec renamed since `revision` (`git mv SPEC.md PLAN.md`), found by git's rename detection
    between `revision` and `head` (WORKTREE: the working tree)."""
    inside = [path for path in spec_files if inside_repo(path)]
    if not inside:
        return set()
    present = gitrange.run_git(root, "ls-tree", "-r", "-z", "--name-only", revision, "--", *inside)
    absent = set(inside) - {name.decode("utf-8", "replace") for name in present.split(b"\0")}
    if not absent:
        return set()
    if head == WORKTREE:
        with gitrange.worktree_view(root) as view:
            listing = _renames(root, revision, view.tree, view.env)
    else:
        listing = _renames(root, revision, head, None)
    return {old for old, new in listing if new in absent}


def _renames(root: Path, old: str, new: str, env: dict[str, str] | None) -> list[tuple[str, str]]:
    """(old path, new path) of every file renamed or copied between two tree-ishes."""
    output = gitrange.run_git(
        root, "diff-tree", "-r", "-z", "--name-status", "-M", "-C", old, new, "--", env=env
    )
    fields = [item.decode("utf-8", "replace") for item in output.split(b"\0")]
    pairs: list[tuple[str, str]] = []
    index = 0
    while index < len(fields) and fields[index]:
        status = fields[index]
        if status[:1] in ("R", "C"):
            pairs.append((fields[index + 1], fields[index + 2]))
            index += 3
        else:
            index += 2
    return pairs


def _code_between(
    root: Path,
    start: str | None,
    end: str,
    spec: Spec,
    settings: Settings,
    manual_links: dict[str, str | None] | None,
    exclude: Collection[str],
) -> RoundCode:
    from reviewtui.core.checks.context import file_contexts  # only on a cache miss: a reopening
    from reviewtui.core.checks.engine import excluded  # skips them
    from reviewtui.core.checks.ledger import build_ledger
    from reviewtui.core.chunks import cut_chunks
    from reviewtui.core.coverage import code_links, settled_sections
    from reviewtui.core.links import link_chunks
    from reviewtui.core.phases import implemented_sections

    old = start or _empty_tree(root)
    files = [f for f in gitrange.diff_trees(root, old, end) if f.path not in exclude]
    commits = gitrange.read_commits(root, start, end)
    chunks = cut_chunks(files, commits, settings.chunks)
    texts = {f.path: f.new_text for f in files if f.new_text is not None}
    links = code_links(
        chunks, link_chunks(chunks, spec, commits, settings.links, manual_links, texts)
    )
    checked = [c for c in file_contexts(files) if not excluded(c.path, settings.checks.exclude)]
    settled = settled_sections(spec, build_ledger(spec, files, checked))
    paths = {chunk.id: chunk.path for chunk in chunks}
    sources = [
        (link.section_id, paths[chunk_id])
        for chunk_id, link in links.items()
        if link.section_id is not None and link.section_id in spec and chunk_id in paths
    ]
    linked = dict(Counter(section_id for section_id, _path in sources))
    return RoundCode(implemented_sections(spec, links, settled), linked, sources, settled)


def _empty_tree(root: Path) -> str:
    return (
        gitrange.run_git(root, "hash-object", "-t", "tree", "--stdin", input=b"").decode().strip()
    )


def _cache_key(
    start: str | None,
    end: str,
    spec: Spec,
    settings: Settings,
    manual_links: dict[str, str | None],
    exclude: Collection[str],
) -> str:
    digest = hashlib.sha256(f"{CACHE_VERSION}\0{start}\0{end}".encode())
    for section in spec.sections:
        digest.update(f"\0{section.id}\0{section.title}\0{section.text}".encode())
    digest.update(json.dumps(sorted(manual_links.items(), key=str)).encode())
    digest.update(json.dumps(sorted(exclude)).encode())
    digest.update(repr((settings.chunks, settings.links, settings.checks.exclude)).encode())
    return digest.hexdigest()


def _load(cache_dir: Path | None, key: str) -> RoundCode | None:
    if cache_dir is None:
        return None
    try:
        data = json.loads((cache_dir / "rounds" / f"{key}.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None  # absent or damaged: computed again and rewritten
    try:
        return _from_json(data)
    except (KeyError, TypeError, ValueError, AttributeError):
        return None  # not what `_store` writes: computed again and rewritten


def _from_json(data: dict[str, Any]) -> RoundCode:
    sections, settled = _strings(data["sections"]), _strings(data["settled"])
    linked = data["linked"]
    if not all(isinstance(name, str) and type(count) is int for name, count in linked.items()):
        raise ValueError("linked")
    sources = [tuple(_strings(pair)) for pair in data["sources"]]
    if not all(len(pair) == 2 for pair in sources):
        raise ValueError("sources")
    return RoundCode(set(sections), dict(linked), [(a, b) for a, b in sources], set(settled))


def _strings(items: Any) -> list[str]:
    if not isinstance(items, list) or not all(isinstance(item, str) for item in items):
        raise ValueError("not a list of strings")
    return items


def _store(cache_dir: Path | None, key: str, code: RoundCode) -> None:
    if cache_dir is None:
        return
    folder = cache_dir / "rounds"
    data = {
        "sections": sorted(code.sections),
        "linked": dict(sorted(code.linked.items())),
        "sources": [list(pair) for pair in code.sources],
        "settled": sorted(code.settled),
    }
    try:
        folder.mkdir(parents=True, exist_ok=True)
        handle, name = tempfile.mkstemp(prefix=f".{key}-", suffix=".tmp", dir=folder)
    except OSError:
        return  # a read-only repository: the answer is computed again next time
    temporary = Path(name)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(json.dumps(data))
        temporary.replace(folder / f"{key}.json")
    except OSError:
        temporary.unlink(missing_ok=True)  # computed again next time
