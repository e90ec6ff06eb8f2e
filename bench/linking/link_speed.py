"""Provides `speed_benchmark`: times `link_chunks` on a phase of 3,000 chunks against a 200-section spec
(generated deterministically: headings with tasks, code lines built from a shared vocabulary)."""

from __future__ import annotations

import random
import time

from reviewtui.config import LinkSettings
from reviewtui.core.links import link_chunks
from reviewtui.core.models import Chunk, CommitInfo, DiffLine, Section, Spec

SECTIONS = 200
CHUNKS = 3000


def _vocabulary(rng: random.Random, size: int = 3000) -> list[str]:
    letters = "abcdefghijklmnopqrstuvwxyz"
    return ["".join(rng.choice(letters) for _ in range(rng.randint(4, 9))) for _ in range(size)]


def synthetic_spec(rng: random.Random, words: list[str], count: int = SECTIONS) -> Spec:
    sections: list[Section] = []
    heading = ""
    for number in range(count):
        text = " ".join(rng.choice(words) for _ in range(rng.randint(20, 80)))
        if number % 5 == 0:
            heading = f"h{number}"
            sections.append(
                Section(
                    heading,
                    f"{number} {text[:30]}",
                    "heading",
                    2,
                    "SPEC.md",
                    number,
                    number,
                    text=text,
                )
            )
        else:
            task = f"T{number:03d}"
            sections.append(
                Section(
                    task,
                    f"{task} {text[:40]}",
                    "task",
                    3,
                    "SPEC.md",
                    number,
                    number,
                    parent=heading,
                    task_id=task,
                    text=f"- [ ] {task} {text} in `src/mod{number % 40}.py`",
                )
            )
    for section in sections:
        if section.parent:
            next(s for s in sections if s.id == section.parent).children.append(section.id)
    return Spec(["SPEC.md"], sections)


def synthetic_chunks(rng: random.Random, words: list[str], count: int = CHUNKS) -> list[Chunk]:
    """Chunks of 4-30 added lines whose identifiers come from a pool of 8,000 names (as in a codebase)."""
    names = [f"{rng.choice(words)}_{rng.choice(words)}" for _ in range(8000)] + words
    chunks: list[Chunk] = []
    for number in range(count):
        lines = [
            DiffLine(
                "+",
                f"    {rng.choice(names)} = {rng.choice(names)}({rng.choice(names)}, 3)",
                None,
                n + 1,
            )
            for n in range(rng.randint(4, 30))
        ]
        chunks.append(
            Chunk(
                f"c{number}",
                f"src/mod{number % 60}.py",
                None,
                "added",
                lines,
                1,
                len(lines),
                0,
                0,
                len(lines),
                0,
                symbol=f"{rng.choice(words)}_{number}",
                commits=["a" * 40],
            )
        )
    return chunks


def speed_benchmark(repeats: int = 5) -> str:
    """A one-line report: the best of `repeats` runs, as CPU time of this process (what the
    algorithm costs, whatever else the machine is doing) and as wall time."""
    rng = random.Random(7)
    words = _vocabulary(rng)
    spec = synthetic_spec(rng, words)
    chunks = synthetic_chunks(rng, words)
    commits = [CommitInfo("a" * 40, "T012 implement the thing", trailers={"Spec": ["T013"]})]
    timings = [_timed(chunks, spec, commits) for _ in range(repeats)]
    cpu = min(cpu for cpu, _ in timings)
    wall = min(wall for _, wall in timings)
    return (
        f"speed: {len(chunks)} chunks × {len(spec.sections)} sections linked in {cpu:.3f} s CPU"
        f" ({wall:.3f} s wall), best of {repeats}"
    )


def _timed(chunks: list[Chunk], spec: Spec, commits: list[CommitInfo]) -> tuple[float, float]:
    cpu, wall = time.process_time(), time.perf_counter()
    link_chunks(chunks, spec, commits, LinkSettings())
    return time.process_time() - cpu, time.perf_counter() - wall


if __name__ == "__main__":
    print(speed_benchmark())
