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
from collections.abc import Awaitable, Callable
from contextlib import nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from benchlib import git

from reviewtui.core.session import ReviewSession
from reviewtui.tui.app import ReviewApp
from reviewtui.tui.screens.review import ReviewScreen

sys.path.insert(0, str(Path(__file__).parent))
from press_trace import PressTrace

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


@dataclass(frozen=True)
class Move:
    """A move timed by the benchmark: `key` pressed `count(presses)` times."""

    name: str
    label: str
    key: str
    count: Callable[[int], int]
    before: Callable[[Any], Awaitable[None]] | None = None
    """Runs once, untimed, before the first press."""
    each: Callable[[Any], Awaitable[None]] | None = None
    """Runs untimed before every press."""


async def measure(
    repo: Path, presses: int, moves: list[Move], trace: PressTrace | None = None, gap: float = 0.0
) -> dict[str, Any]:
    """Launch the app on `repo`, then time each move in turn."""
    start = time.perf_counter()
    app = ReviewApp(repo, no_llm=True)
    result: dict[str, Any] = {}
    async with app.run_test(size=(120, 40)) as pilot:
        while not isinstance(app.screen, ReviewScreen):
            await pilot.pause(0.005)
        await pilot.pause()
        result["launch_s"] = time.perf_counter() - start
        result["chunks"] = len(app.session.chunks)
        with trace.active(app.screen) if trace else nullcontext():
            for move in moves:
                if move.before is not None:
                    await move.before(pilot)
                count = move.count(presses)
                if trace:
                    trace.clear()
                result[move.name], result[f"{move.name} cpu"] = await timed_presses(
                    pilot, move.key, count, move.each, trace, gap
                )
                if trace:
                    trace.report(move.label, count)
    return result


async def to_last_section(pilot: Any) -> None:
    """Show the last section, so each `K` from there shows a section not shown before."""
    await _show_group(pilot, -1)


async def to_first_section(pilot: Any) -> None:
    await _show_group(pilot, 0)


async def _show_group(pilot: Any, index: int) -> None:
    screen = pilot.app.screen
    screen.navigator.select_group(screen.navigator.groups[index])
    screen.redraw()
    await pilot.pause()


async def open_filter(pilot: Any) -> None:
    """`/` and a path pattern typed in the dialog (the timed key is the Enter that applies it)."""
    await pilot.press("slash")
    await pilot.press(*"mod_1")
    await pilot.pause()


async def apply_filter(pilot: Any) -> None:
    """A filter applied (the timed key is the Escape that clears it)."""
    await open_filter(pilot)
    await pilot.press("enter")
    await pilot.pause()


def _sections(presses: int) -> int:
    return max(presses // 5, 10)


MOVES = [
    Move("j", "next chunk (j)", "j", lambda presses: presses),
    Move("J", "next section (J)", "J", _sections),
    Move("K", "previous section (K)", "K", _sections, before=to_last_section),
    Move("a", "approve and move on (a)", "a", _sections, before=to_first_section),
    Move("o", "order spec / risk first (o)", "o", lambda presses: 10),
    Move("filter", "apply a filter (/ … Enter)", "enter", lambda presses: 5, each=open_filter),
    Move("clear", "clear the filter (Esc)", "escape", lambda presses: 5, each=apply_filter),
]


async def timed_presses(
    pilot: Any,
    key: str,
    count: int,
    each: Callable[[Any], Awaitable[None]] | None = None,
    trace: PressTrace | None = None,
    gap: float = 0.0,
) -> tuple[list[float], list[float]]:
    """Milliseconds from sending `key` to the first screen update written after it, `count` times
    (`each`, when given, runs untimed before every press; `gap` seconds pass between presses):
    the wall-clock time, and the CPU time the app's thread spent meanwhile.

    The app's `_display` (where Textual hands a compositor update to the terminal driver) is
    wrapped to stamp each update, so Pilot's own waiting is not counted. On a shared machine the
    wall-clock time also counts waiting for a core; the CPU time is the app's own work (the app
    runs in this thread), which other processes barely change.
    """
    app = pilot.app
    stamps: list[tuple[float, float]] = []
    display = app._display

    def stamped(screen, renderable):  # type: ignore[no-untyped-def]
        if renderable is not None:
            stamps.append((time.perf_counter(), time.thread_time()))
        display(screen, renderable)

    samples: list[float] = []
    cpu: list[float] = []
    for _ in range(count):
        if gap:
            await pilot.pause(gap)
        if each is not None:
            if trace:
                trace.recording = False
            await each(pilot)
            if trace:
                trace.recording = True
        app._display = stamped
        try:
            seen = len(stamps)
            began, began_cpu = time.perf_counter(), time.thread_time()
            await pilot.press(key)
            await pilot.pause()
            if len(stamps) > seen:
                samples.append((stamps[seen][0] - began) * 1000)
                cpu.append((stamps[seen][1] - began_cpu) * 1000)
        finally:
            app._display = display
    return samples, cpu


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=150)
    parser.add_argument("--functions", type=int, default=20)
    parser.add_argument("--presses", type=int, default=300)
    parser.add_argument("--runs", type=int, default=1, help="fresh app launches; figures per run")
    parser.add_argument(
        "--moves", default=",".join(move.name for move in MOVES), help="which moves, e.g. j,J"
    )
    parser.add_argument("--trace", action="store_true", help="print what one press costs")
    parser.add_argument(
        "--gap", type=float, default=0.0, help="milliseconds between presses (0: back to back)"
    )
    parser.add_argument("--keep", type=Path, help="build the repo here and keep it")
    options = parser.parse_args(argv)
    chosen = options.moves.split(",")
    moves = [move for move in MOVES if move.name in chosen]
    folder = Path(tempfile.mkdtemp(prefix="reviewtui-bench-")) if options.keep is None else None
    root = options.keep or (folder / "repo")  # type: ignore[operator]
    runs = []
    try:
        if not (root / ".git").exists():
            build_repo(root, options.files, options.functions)
        for _ in range(options.runs):
            shutil.rmtree(root / ".reviewtui", ignore_errors=True)  # every run starts unreviewed
            trace = PressTrace() if options.trace else None
            gap = options.gap / 1000
            runs.append(asyncio.run(measure(root, options.presses, moves, trace, gap)))
        session_s = session_time(root)
    finally:
        if folder is not None:
            shutil.rmtree(folder, ignore_errors=True)
    print_figures(runs, moves, session_s)
    return 0


def print_figures(runs: list[dict[str, Any]], moves: list[Move], session_s: float) -> None:
    """Per move: median / p95 of each run, wall-clock then CPU time of the app's thread."""
    print(f"phase: {runs[0]['chunks']:.0f} chunks")
    launches = ", ".join(f"{run['launch_s']:.2f}" for run in runs)
    print(f"launch to interactive: {launches} s")
    print(f"  of which the session alone (git, chunks, links, checks): {session_s:.2f} s")
    print("key press to repaint, median / p95 ms per run; wall clock | CPU time of the app")
    for move in moves:
        wall = _figures(runs, move.name)
        cpu = _figures(runs, f"{move.name} cpu")
        p95 = statistics.median(p95 for _, p95 in wall)
        verdict = "within" if p95 <= FRAME_BUDGET_MS else "over"
        presses = len(runs[0][move.name])
        print(
            f"{move.label}: {_shown(wall)} | {_shown(cpu)} "
            f"({presses} presses; {verdict} {FRAME_BUDGET_MS:.0f} ms at p95)"
        )


def _figures(runs: list[dict[str, Any]], name: str) -> list[tuple[float, float]]:
    return [(statistics.median(run[name]), percentile(run[name], 0.95)) for run in runs]


def _shown(figures: list[tuple[float, float]]) -> str:
    return "; ".join(f"{median:.1f} / {p95:.1f}" for median, p95 in figures)


if __name__ == "__main__":
    sys.exit(main())
