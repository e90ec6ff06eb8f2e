"""Provides the checks fixture repos (planted defects, decoys, a clean phase) built as real git repos,
run through the real pipeline (gitrange -> chunks -> checks), and scored against their markers.

A fixture is a folder under `tests/fixtures/checks/`: `SPEC.md` is the base commit, every other file
is the phase under review. A line carrying `plant: rule-id[, rule-id]` must be flagged by those rules
on that line; a line carrying `decoy: rule-id` must carry no flag at all. A `<file>.markers` sidecar
(`<line> plant: rule-id`) marks files that cannot hold comments (JSON); it is not committed.
Used by `tests/test_checks_fixture.py` and `bench/checks/bench_checks.py`.
"""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from reviewtui.config import CheckSettings, ChunkSettings
from reviewtui.core import gitrange
from reviewtui.core.checks import Ledger, check_phase, run_checks
from reviewtui.core.checks.engine import PhaseChecks
from reviewtui.core.chunks import cut_chunks
from reviewtui.core.models import Chunk, DiffLine, FileDiff, Flag, Hunk, Phase, Section, Spec
from reviewtui.core.spec import load_spec

FIXTURES = Path(__file__).parent / "fixtures" / "checks"
_MARKER = re.compile(r"\b(plant|decoy):\s*([\w-]+(?:\s*,\s*[\w-]+)*)")

Mark = tuple[str, int, str]
"""(path, line, rule id)."""


@dataclass
class FixtureRun:
    """A fixture phase after the real pipeline and the checks ran on it."""

    phase: Phase
    spec: Spec
    chunks: list[Chunk]
    flags: dict[str, list[Flag]]
    ledger: Ledger
    plants: set[Mark] = field(default_factory=set)
    decoys: set[Mark] = field(default_factory=set)

    @property
    def flagged(self) -> set[Mark]:
        """(path, line, rule) of every flag raised."""
        by_id = {chunk.id: chunk for chunk in self.chunks}
        return {
            (by_id[chunk_id].path, flag.line or 0, flag.rule)
            for chunk_id, flags in self.flags.items()
            for flag in flags
        }

    @property
    def caught(self) -> set[Mark]:
        return self.plants & self.flagged

    @property
    def missed(self) -> set[Mark]:
        return self.plants - self.flagged

    @property
    def recall(self) -> float:
        return len(self.caught) / len(self.plants) if self.plants else 1.0

    @property
    def false_flags_on_decoys(self) -> set[Mark]:
        """Flags (any rule) raised on a line marked as a decoy."""
        decoy_lines = {(path, line) for path, line, _rule in self.decoys}
        return {mark for mark in self.flagged if (mark[0], mark[1]) in decoy_lines}

    @property
    def unplanned(self) -> set[Mark]:
        """Flags on lines that carry no plant of that rule (decoy lines included)."""
        return self.flagged - self.plants

    @property
    def changed_lines(self) -> int:
        return sum(file.added + file.removed for file in self.phase.files)

    @property
    def flag_count(self) -> int:
        return sum(len(flags) for flags in self.flags.values())


def _git(root: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=root, check=True, capture_output=True)


def build_fixture_repo(name: str, root: Path) -> Path:
    """Copy fixture `name` into a fresh git repo at `root`: the spec first, then the phase commit."""
    source = FIXTURES / name
    root.mkdir(parents=True, exist_ok=True)
    _git(root, "init", "-q", "-b", "main")
    _git(root, "config", "user.name", "Fixture")
    _git(root, "config", "user.email", "fixture@example.invalid")
    (root / "SPEC.md").write_bytes((source / "SPEC.md").read_bytes())
    _git(root, "add", "SPEC.md")
    _git(root, "commit", "-q", "-m", "spec")
    for path in sorted(source.rglob("*")):
        relative = path.relative_to(source)
        if path.is_file() and relative.name != "SPEC.md" and path.suffix != ".markers":
            target = root / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(path.read_bytes())
    _git(root, "add", "-A")
    _git(root, "commit", "-q", "-m", "agent phase")
    return root


def read_marks(name: str) -> tuple[set[Mark], set[Mark]]:
    """(plants, decoys) of fixture `name`, from inline markers and `.markers` sidecars."""
    plants: set[Mark] = set()
    decoys: set[Mark] = set()
    source = FIXTURES / name
    for path in sorted(source.rglob("*")):
        if not path.is_file() or path.name == "SPEC.md":
            continue
        sidecar = path.suffix == ".markers"
        relative = path.relative_to(source).as_posix().removesuffix(".markers")
        for number, text in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            line = int(text.split()[0]) if sidecar and text.strip() else number
            for kind, rules in _MARKER.findall(text):
                target = plants if kind == "plant" else decoys
                target.update((relative, line, rule.strip()) for rule in rules.split(","))
    return plants, decoys


def run_fixture(name: str, root: Path, settings: CheckSettings | None = None) -> FixtureRun:
    """Build fixture `name` at `root` and run the real pipeline and the checks on its phase."""
    build_fixture_repo(name, root)
    repo = gitrange.open_repo(root)
    phase = gitrange.resolve_phase(repo, "HEAD~1..HEAD", None)
    spec = load_spec(root, ["SPEC.md"])
    chunks = cut_chunks(phase.files, phase.commits, ChunkSettings())
    flags, ledger = check_phase(chunks, phase.files, spec, settings or CheckSettings())
    plants, decoys = read_marks(name)
    return FixtureRun(phase, spec, chunks, flags, ledger, plants, decoys)


# --------------------------------------------------------------------------- unit-test builders


def added_file(path: str, text: str) -> tuple[FileDiff, Chunk]:
    """A new file whose every line is added, and one chunk holding all of it."""
    lines = [DiffLine("+", line, None, number) for number, line in enumerate(text.splitlines(), 1)]
    count = len(lines)
    diff = FileDiff(path, None, "added", [Hunk(0, 0, 1, count, lines)], new_text=text)
    chunk = Chunk(f"{path}#1", path, None, "added", lines, 1, count, 0, 0, count, 0)
    return diff, chunk


def one_section_spec(markdown: str, path: str = "SPEC.md") -> Spec:
    """A spec of one section holding the whole markdown (line numbers are the file's)."""
    count = max(1, len(markdown.splitlines()))
    section = Section("spec", "Spec", "heading", 1, path, 1, count, text=markdown)
    return Spec([path], [section])


def check_text(
    path: str, text: str, spec_text: str = "", settings: CheckSettings | None = None
) -> list[Flag]:
    """The flags the checks raise on a new file `path` holding `text`."""
    diff, chunk = added_file(path, text)
    flags = run_checks([chunk], [diff], one_section_spec(spec_text), settings or CheckSettings())
    return flags[chunk.id]


def check_files(
    root: Path,
    spec_text: str,
    files: dict[str, str],
    chunk_settings: ChunkSettings | None = None,
    settings: CheckSettings | None = None,
) -> tuple[list[Chunk], PhaseChecks]:
    """A real git repo at `root`: `spec_text` as SPEC.md first, then `files` as the phase commit;
    the chunks of that phase and the checks' result on it."""
    root.mkdir(parents=True, exist_ok=True)
    _git(root, "init", "-q", "-b", "main")
    (root / "SPEC.md").write_text(spec_text, encoding="utf-8")
    _git(root, "add", "SPEC.md")
    _git(
        root,
        "-c",
        "user.name=F",
        "-c",
        "user.email=f@example.invalid",
        "commit",
        "-q",
        "-m",
        "spec",
    )
    for path, text in files.items():
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text(text, encoding="utf-8")
    _git(root, "add", "--", *files)
    _git(
        root,
        "-c",
        "user.name=F",
        "-c",
        "user.email=f@example.invalid",
        "commit",
        "-q",
        "-m",
        "phase",
    )
    phase = gitrange.resolve_phase(gitrange.open_repo(root), "HEAD~1..HEAD", None)
    spec = load_spec(root, ["SPEC.md"])
    chunks = cut_chunks(phase.files, phase.commits, chunk_settings or ChunkSettings())
    return chunks, check_phase(chunks, phase.files, spec, settings or CheckSettings())


def flag_marks(chunks: list[Chunk], checks: PhaseChecks) -> list[Mark]:
    """(path, line, rule) of every flag, sorted (a repeated flag shows twice)."""
    paths = {chunk.id: chunk.path for chunk in chunks}
    return sorted(
        (paths[chunk_id], flag.line or 0, flag.rule)
        for chunk_id, flags in checks.flags.items()
        for flag in flags
    )
