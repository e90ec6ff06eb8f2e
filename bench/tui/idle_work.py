"""The app's idle work after each move on a section of thousands of chunks (the drawing-ahead).

    python bench/tui/idle_work.py [SRC] [--chunks 3000] [--repo DIR]

Builds (once, in DIR) a repo whose phase has a 2-chunk section, a section of `chunks` small
functions (30 files of 100) and a 1-chunk section, opens the app headless at 120x40 with the LLM
off (the `reviewtui` under SRC/src, default this checkout), and for each move (`j`, `J`, `K`, `o`)
prints the process CPU time per press *including* the idle work that follows, until the app has
drawn nothing for 20 idle moments, and how many chunk-list lines are kept drawn.
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import subprocess
import sys
import time
from pathlib import Path

SPEC = "# Spec\n\n## 1 Loading\n\nLoad rows.\n\n## 2 Scores\n\nMany small scores.\n\n## 3 Report\n\nReport.\n"


def git(repo: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True)


def commit(repo: Path, files: dict[str, str], message: str) -> None:
    for name, text in files.items():
        (repo / name).write_text(text, encoding="utf-8")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", message)


def scores(file: int) -> str:
    return '"""Scores."""' + "".join(
        f"\n\ndef score_{file}_{n}(values):\n    total = {n}\n    for v in values:\n"
        f"        total += v * {n}\n    return total\n"
        for n in range(100)
    )


def build(repo: Path, chunks: int) -> None:
    repo.mkdir(parents=True)
    git(repo, "init", "-q", "-b", "main")
    commit(repo, {"SPEC.md": SPEC}, "spec")
    load = "def load(path):\n    return open(path).read()\n\n\ndef load2(path):\n    return 2\n"
    commit(repo, {"load.py": load}, "loading\n\nSpec: 1-loading")
    files = {f"scores_{f}.py": scores(f) for f in range(max(chunks // 100, 1))}
    commit(repo, files, "scores\n\nSpec: 2-scores")
    commit(repo, {"report.py": "def report(x):\n    return str(x)\n"}, "report\n\nSpec: 3-report")


async def measure(repo: Path) -> None:
    from reviewtui.tui.app import ReviewApp
    from reviewtui.tui.widgets.chunk_list import ChunkList

    calls = {"n": 0}
    real = ChunkList._render_option

    def counting(self: ChunkList, option: object, style: object, index: int) -> object:
        calls["n"] += 1
        return real(self, option, style, index)  # type: ignore[arg-type]

    ChunkList._render_option = counting  # type: ignore[method-assign,assignment]

    async def settle(pilot: object) -> None:
        seen, still = -1, 0
        while still < 20:
            await pilot.pause()  # type: ignore[attr-defined]
            still = still + 1 if calls["n"] == seen else 0
            seen = calls["n"]

    app = ReviewApp(repo, no_llm=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await app.workers.wait_for_complete()
        await settle(pilot)
        screen = app.screen
        navigator = screen.navigator  # type: ignore[attr-defined]
        print("groups", [(g, len(navigator.chunks_of(g))) for g in navigator.groups])
        for keys in (["j"] * 3, ["J"], ["j"] * 5, ["J"], ["j"] * 3, ["K"], ["K"], ["o"], ["j"] * 5):
            cpu, wall = time.process_time(), time.perf_counter()
            for key in keys:
                await pilot.press(key)
                await settle(pilot)
            kept = len(screen.query_one(ChunkList)._rendered)
            print(
                f"{''.join(keys):>6}: {1000 * (time.process_time() - cpu) / len(keys):7.1f} ms CPU "
                f"per press incl. idle ({1000 * (time.perf_counter() - wall) / len(keys):.0f} ms "
                f"wall), {kept} lines kept drawn",
                flush=True,
            )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("src", nargs="?", type=Path, default=Path(__file__).resolve().parents[2])
    parser.add_argument("--chunks", type=int, default=3000)
    parser.add_argument("--repo", type=Path, default=Path("/tmp/reviewtui-idle-work"))
    options = parser.parse_args()
    sys.path.insert(0, str(options.src / "src"))
    if not options.repo.exists():
        build(options.repo, options.chunks)
    shutil.rmtree(options.repo / ".reviewtui", ignore_errors=True)
    asyncio.run(measure(options.repo))


if __name__ == "__main__":
    main()
