"""Makes `screenshots/*.svg` and `*.png` of reviewtui's main screens from the bundled demo repo.

    python scripts/screenshots.py [--out screenshots]

The demo is built in a temporary directory (its content and shas are fixed), the app runs headless
at fixed terminal sizes with the LLM off, and each scene is exported as SVG by Textual and converted
to PNG with cairosvg (it needs the Fira Code font: `apt-get install fonts-firacode` on Debian).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from textual.pilot import Pilot
from textual.widgets import DataTable, Input

from reviewtui.core.demo import build_demo
from reviewtui.tui.app import ReviewApp
from reviewtui.tui.screens.coverage import CHUNK_ROW

Steps = Callable[[Pilot[Any]], Awaitable[None]]


@dataclass
class Scene:
    name: str
    """File name without extension."""
    size: tuple[int, int]
    steps: Steps


async def nothing(pilot: Pilot[Any]) -> None:
    return None


async def flagged(pilot: Pilot[Any]) -> None:
    await pilot.press("o", "j", "j", "f")
    pilot.app.screen.query_one(Input).value = "Padding side must be right, as the spec says"
    await pilot.press("enter")


async def queue(pilot: Pilot[Any]) -> None:
    session = pilot.app.session
    risky = session.ordered_chunks("risk")
    session.add_request(risky[0].id, "fix", "Set padding_side to 'right' as SPEC.md 1.2 says")
    session.add_request(risky[1].id, "fix", "Learning rate 2e-5 (SPEC.md 3), not 5e-5")
    session.add_request(risky[2].id, "refactor", "Stop with a clear error when the download fails")
    await pilot.press("Q")


async def help_screen(pilot: Pilot[Any]) -> None:
    await pilot.press("question_mark")


async def filtered(pilot: Pilot[Any]) -> None:
    await pilot.press("slash")
    pilot.app.screen.query_one("#filter-path", Input).value = "evaluate"
    await pilot.press("enter")


async def ledger(pilot: Pilot[Any]) -> None:
    await pilot.press("L")


async def coverage(pilot: Pilot[Any]) -> None:
    await pilot.press("c")


async def past_checkpoint(pilot: Pilot[Any]) -> None:
    """From the coverage screen, the first chunk past the spec phase's checkpoint."""
    await pilot.press("c")
    table = pilot.app.screen.query_one(DataTable)
    keys = [str(row.key.value) for row in table.ordered_rows]
    table.move_cursor(row=next(i for i, key in enumerate(keys) if key.startswith(CHUNK_ROW)))
    await pilot.press("enter")


async def small(pilot: Pilot[Any]) -> None:
    await pilot.press("J")


SCENES = [
    Scene("main", (130, 38), nothing),
    Scene("flagged", (130, 38), flagged),
    Scene("filter", (130, 38), filtered),
    Scene("request-queue", (110, 20), queue),
    Scene("help", (100, 40), help_screen),
    Scene("ledger", (130, 24), ledger),
    Scene("coverage", (110, 30), coverage),
    Scene("past-checkpoint", (130, 38), past_checkpoint),
    Scene("small-80x24", (80, 24), small),
]


async def shoot(repo: Path, scene: Scene) -> str:
    """Run the app on a fresh copy of the demo, play the scene, return the SVG."""
    app = ReviewApp(repo, no_llm=True)
    async with app.run_test(size=scene.size) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        await scene.steps(pilot)
        await app.workers.wait_for_complete()
        await pilot.pause()
        return app.export_screenshot(title=f"reviewtui · {scene.name}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("screenshots"))
    options = parser.parse_args(argv)
    import cairosvg  # a dev dependency: only this script needs it

    options.out.mkdir(parents=True, exist_ok=True)
    for scene in SCENES:
        with tempfile.TemporaryDirectory(prefix="reviewtui-shot-") as folder:
            repo = build_demo(Path(folder) / "demo")
            svg = asyncio.run(shoot(repo, scene))
        svg_path = options.out / f"{scene.name}.svg"
        svg_path.write_text(svg, encoding="utf-8")
        cairosvg.svg2png(bytestring=svg.encode("utf-8"), write_to=str(svg_path.with_suffix(".png")))
        print(f"wrote {svg_path} and .png", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
