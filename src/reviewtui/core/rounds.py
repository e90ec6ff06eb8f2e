"""Provides `sections_before`: the spec sections that had code in the rounds reviewed before the
checkpoint a phase starts from.

A fix round (the agent fixes the review's findings after `reviewtui checkpoint`) holds only the fixes;
the sections implemented and reviewed in the earlier rounds of the same spec phase have no code in it,
and are not *missing*. The earlier rounds are read as one range: from where the first round started
(the merge-base with the default branch, or the empty tree when the work was on the default branch)
to the checkpoint. Their code is cut and linked as a phase's would be (no checks), and the answer is
kept in the review's cache folder, keyed by everything it depends on.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Collection
from pathlib import Path

from reviewtui.config import Settings
from reviewtui.core import gitrange
from reviewtui.core.models import Checkpoint, Phase, Spec
from reviewtui.core.phases import implemented_sections

CACHE_VERSION = 1
"""Bumped when what `sections_before` answers for the same inputs changes."""


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
) -> set[str]:
    """Ids of the sections with code between the first round's start and the checkpoint `phase`
    starts from (empty when it starts from no checkpoint). `exclude`: paths never reviewed (the spec
    files, exports); `cache_dir`: where the answer is kept (None: not kept)."""
    checkpoint = next((cp for cp in checkpoints if cp.sha == phase.base), None)
    if checkpoint is None or phase.base is None:
        return set()
    start = first_round_base(root, checkpoint)
    key = _cache_key(start, checkpoint.sha, spec, settings, manual_links or {}, exclude)
    cached = _load(cache_dir, key)
    if cached is not None:
        return cached
    found = _implemented_between(root, start, checkpoint.sha, spec, settings, manual_links, exclude)
    _store(cache_dir, key, found)
    return found


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


def _implemented_between(
    root: Path,
    start: str | None,
    end: str,
    spec: Spec,
    settings: Settings,
    manual_links: dict[str, str | None] | None,
    exclude: Collection[str],
) -> set[str]:
    from reviewtui.core.chunks import cut_chunks  # only on a cache miss: a reopening skips them
    from reviewtui.core.links import link_chunks

    old = start or _empty_tree(root)
    files = [f for f in gitrange.diff_trees(root, old, end) if f.path not in exclude]
    commits = gitrange.read_commits(root, start, end)
    chunks = cut_chunks(files, commits, settings.chunks)
    texts = {f.path: f.new_text for f in files if f.new_text is not None}
    links = link_chunks(chunks, spec, commits, settings.links, manual_links, texts)
    return implemented_sections(spec, links)


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
    digest.update(repr((settings.chunks, settings.links)).encode())
    return digest.hexdigest()


def _load(cache_dir: Path | None, key: str) -> set[str] | None:
    if cache_dir is None:
        return None
    try:
        data = json.loads((cache_dir / "rounds" / f"{key}.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None  # absent or damaged: computed again and rewritten
    if not isinstance(data, list) or not all(isinstance(item, str) for item in data):
        return None
    return set(data)


def _store(cache_dir: Path | None, key: str, sections: set[str]) -> None:
    if cache_dir is None:
        return
    folder = cache_dir / "rounds"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        temporary = folder / f"{key}.tmp"
        temporary.write_text(json.dumps(sorted(sections)), encoding="utf-8")
        temporary.replace(folder / f"{key}.json")
    except OSError:
        return  # a read-only repository: the answer is computed again next time
