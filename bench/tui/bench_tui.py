"""Benchmark of the review app on a phase of about 3,000 chunks: launch time and key latency.

    python bench/tui/bench_tui.py [--files 150] [--functions 20] [--presses 300] [--keep DIR]

Builds a repo with a spec (one section per module, a task per module) and one agent commit adding
`files` Python modules of `functions` small functions each (one chunk per function), then runs the
app headless (Textual's Pilot) at 120x40 and measures:

- launch to interactive: from creating the app to the review screen drawn with its first chunk
  (the session is assembled in a worker behind a progress bar; this includes git, chunking,
  linking and checks, also timed alone for comparison);
- key press to repaint: for each `j` (next chunk), from sending the key to the first screen
  update Textual hands to the terminal driver after it (key handling, our redraw, layout and
  compositor render), median and p95, against a 16 ms frame budget. `J` (next section) likewise.
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from benchlib import git

from reviewtui.core.session import ReviewSession
from reviewtui.tui.app import ReviewApp
from reviewtui.tui.screens.review import ReviewScreen

FRAME_BUDGET_MS = 16.0


def spec_text(files: int) -> str:
    parts = ["# Large replication spec\n"]
    for index in range(files):
        parts.append(
            f"\n## {index + 1} Module {index}\n\nThe module `mod_{index}` computes the "
            f"statistics of block {index}: means, sums and scaled values.\n\n"
            f"- [ ] M{index:03d} Write src/pkg/mod_{index}.py\n"
        )
    return "".join(parts)


def module_text(index: int, functions: int) -> str:
    lines = [f'"""Module {index}."""\n']
    for number in range(functions):
        lines.append(
            f"\n\ndef block_{index}_fn_{number}(values, scale={number + 1}):\n"
            f'    """Scaled sum number {number} of block {index}."""\n'
            f"    total = 0\n"
            f"    for value in values:\n"
            f"        total += value * scale\n"
            f"    return total / max(len(values), 1)\n"
        )
    return "".join(lines)


def build_repo(root: Path, files: int, functions: int) -> Path:
    root.mkdir(parents=True)
    git(root, "init", "-q", "-b", "main")
    (root / "SPEC.md").write_text(spec_text(files), encoding="utf-8")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "spec")
    git(root, "checkout", "-q", "-b", "agent")
    package = root / "src" / "pkg"
    package.mkdir(parents=True)
    for index in range(files):
        (package / f"mod_{index}.py").write_text(module_text(index, functions), encoding="utf-8")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "the agent's phase")
    return root


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def session_time(repo: Path) -> float:
    """Seconds to assemble the session alone (git, chunks, links, checks), without the app."""
    start = time.perf_counter()
    ReviewSession.open(repo, no_llm=True).close()
    return time.perf_counter() - start


async def measure(repo: Path, presses: int) -> dict[str, float]:
    start = time.perf_counter()
    app = ReviewApp(repo, no_llm=True)
    async with app.run_test(size=(120, 40)) as pilot:
        while not isinstance(app.screen, ReviewScreen):
            await pilot.pause(0.005)
        await pilot.pause()
        launch = time.perf_counter() - start
        chunks = len(app.session.chunks)
        next_chunk = await timed_presses(pilot, "j", presses)
        next_section = await timed_presses(pilot, "J", max(presses // 5, 10))
    return {
        "chunks": chunks,
        "launch_s": launch,
        "j_median_ms": statistics.median(next_chunk),
        "j_p95_ms": percentile(next_chunk, 0.95),
        "J_median_ms": statistics.median(next_section),
        "J_p95_ms": percentile(next_section, 0.95),
    }


async def timed_presses(pilot, key: str, count: int) -> list[float]:  # type: ignore[no-untyped-def]
    """Milliseconds from sending `key` to the first screen update written after it, `count` times.

    The app's `_display` (where Textual hands a compositor update to the terminal driver) is
    wrapped to stamp each update, so Pilot's own waiting is not counted.
    """
    app = pilot.app
    stamps: list[float] = []
    display = app._display

    def stamped(screen, renderable):  # type: ignore[no-untyped-def]
        if renderable is not None:
            stamps.append(time.perf_counter())
        display(screen, renderable)

    app._display = stamped
    samples = []
    try:
        for _ in range(count):
            seen = len(stamps)
            began = time.perf_counter()
            await pilot.press(key)
            await pilot.pause()
            if len(stamps) > seen:
                samples.append((stamps[seen] - began) * 1000)
    finally:
        app._display = display
    return samples


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=150)
    parser.add_argument("--functions", type=int, default=20)
    parser.add_argument("--presses", type=int, default=300)
    parser.add_argument("--keep", type=Path, help="build the repo here and keep it")
    options = parser.parse_args(argv)
    folder = Path(tempfile.mkdtemp(prefix="reviewtui-bench-")) if options.keep is None else None
    root = options.keep or (folder / "repo")  # type: ignore[operator]
    try:
        if not (root / ".git").exists():
            build_repo(root, options.files, options.functions)
        result = asyncio.run(measure(root, options.presses))
        result["session_s"] = session_time(root)
    finally:
        if folder is not None:
            shutil.rmtree(folder, ignore_errors=True)
    print(f"phase: {result['chunks']:.0f} chunks")
    print(f"launch to interactive: {result['launch_s']:.2f} s")
    print(f"  of which the session alone (git, chunks, links, checks): {result['session_s']:.2f} s")
    for key, name in (("j", "next chunk (j)"), ("J", "next section (J)")):
        median, p95 = result[f"{key}_median_ms"], result[f"{key}_p95_ms"]
        verdict = "within" if p95 <= FRAME_BUDGET_MS else "over"
        print(
            f"{name}: median {median:.1f} ms, p95 {p95:.1f} ms ({verdict} the {FRAME_BUDGET_MS:.0f} ms budget at p95)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
