"""Benchmark: precision and recall of reviewtui's checks on planted defects, decoys and clean phases.

Builds the fixture repos of `tests/fixtures/checks/` (planted defects of every rule with look-alike
decoys; a clean phase of the same experiment) and the bundled demo repo as real git repos, runs the
real pipeline (gitrange -> chunks -> checks) and prints, as markdown:

- recall on planted defects, per rule and overall (target >= 90%);
- false flags on decoys (target: none) and flags on lines with no plant;
- flags per 200 changed lines on the clean phase (target <= 1);
- the demo repo's flags, and any extra `--repo DIR --range A..B` you give (e.g. your own project's
  last phase, with `--spec SPEC.md`), with their flags per 200 changed lines and timings.

    python bench/checks/bench_checks.py [--repo DIR --range RANGE [--spec PATH]...] [--verbose]

Exit code 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
from benchlib import isolate_git  # noqa: E402

isolate_git()

from tests.checks_fixture import FixtureRun, run_fixture  # noqa: E402

from reviewtui.config import CheckSettings, ChunkSettings  # noqa: E402
from reviewtui.core import gitrange  # noqa: E402
from reviewtui.core.checks import RULES, check_phase  # noqa: E402
from reviewtui.core.chunks import cut_chunks  # noqa: E402
from reviewtui.core.demo import build_demo  # noqa: E402
from reviewtui.core.models import Spec  # noqa: E402
from reviewtui.core.spec import load_spec  # noqa: E402


def per_rule_table(run: FixtureRun) -> list[str]:
    planted = Counter(rule for _path, _line, rule in run.plants)
    caught = Counter(rule for _path, _line, rule in run.caught)
    decoys = Counter(rule for _path, _line, rule in run.decoys)
    rows = ["| rule | planted | caught | recall | decoys |", "| --- | ---: | ---: | ---: | ---: |"]
    for rule in RULES:
        total = planted[rule.id]
        recall = f"{caught[rule.id] / total:.0%}" if total else "-"
        rows.append(f"| `{rule.id}` | {total} | {caught[rule.id]} | {recall} | {decoys[rule.id]} |")
    return rows


def run_repo(root: Path, range_text: str, specs: list[str]) -> tuple[int, int, float, list[str]]:
    """(changed lines, flags, seconds, flag lines) of the checks on one phase of a repo."""
    started = time.perf_counter()
    phase = gitrange.resolve_phase(gitrange.open_repo(root), range_text, None)
    files = [file for file in phase.files if file.path not in specs]
    spec = load_spec(root, specs) if specs else Spec([], [])
    chunks = cut_chunks(files, phase.commits, ChunkSettings())
    checks_started = time.perf_counter()
    flags, _ledger = check_phase(chunks, files, spec, CheckSettings())
    seconds = time.perf_counter() - checks_started
    by_id = {chunk.id: chunk for chunk in chunks}
    lines = [
        f"{by_id[cid].path}:{flag.line} {flag.rule} ({flag.severity}): {flag.message}"
        for cid, chunk_flags in flags.items()
        for flag in chunk_flags
    ]
    del started
    changed = sum(file.added + file.removed for file in files)
    return changed, len(lines), seconds, lines


def rate(flags: int, changed: int) -> float:
    return flags / changed * 200 if changed else 0.0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repo", type=Path, help="also measure the checks on this repo")
    parser.add_argument("--range", dest="range_text", default=None, help="git range in --repo")
    parser.add_argument("--spec", action="append", default=[], help="spec file(s) of --repo")
    parser.add_argument("--verbose", action="store_true", help="print every flag")
    args = parser.parse_args(argv)
    ok = True
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        planted = run_fixture("planted", Path(tmp) / "planted")
        clean = run_fixture("clean", Path(tmp) / "clean")
        elapsed = time.perf_counter() - started
        print("## Planted defects and decoys\n")
        print("\n".join(per_rule_table(planted)))
        print(
            f"\nrecall: {planted.recall:.1%} ({len(planted.caught)}/{len(planted.plants)}) - target >= 90%"
        )
        print(
            f"false flags on decoys: {len(planted.false_flags_on_decoys)} of {len(planted.decoys)} decoys - target 0"
        )
        print(f"flags on lines with no plant: {len(planted.unplanned)}")
        for mark in sorted(planted.missed):
            print(f"  missed: {mark[0]}:{mark[1]} {mark[2]}")
        for mark in sorted(planted.false_flags_on_decoys | planted.unplanned):
            print(f"  false flag: {mark[0]}:{mark[1]} {mark[2]}")
        clean_rate = rate(clean.flag_count, clean.changed_lines)
        print("\n## Clean phase\n")
        print(
            f"{clean.flag_count} flags on {clean.changed_lines} changed lines: {clean_rate:.2f} per 200 lines - target <= 1"
        )
        for mark in sorted(clean.flagged):
            print(f"  flag: {mark[0]}:{mark[1]} {mark[2]}")
        print(f"\n(both fixtures built, diffed, chunked and checked in {elapsed:.2f} s)")
        ok = planted.recall >= 0.9 and not planted.false_flags_on_decoys and clean_rate <= 1.0
        demo = build_demo(Path(tmp) / "demo")
        phases = [("bundled demo (main..worktree)", demo, "main", ["SPEC.md"])]
        if args.repo:
            phases.append(
                (
                    f"{args.repo} {args.range_text or '(default range)'}",
                    args.repo,
                    args.range_text,
                    args.spec,
                )
            )
        print("\n## Other phases\n")
        print("| phase | changed lines | flags | per 200 lines | checks time |")
        print("| --- | ---: | ---: | ---: | ---: |")
        details = []
        for label, root, range_text, specs in phases:
            changed, count, seconds, lines = run_repo(root, range_text, specs)
            print(
                f"| {label} | {changed} | {count} | {rate(count, changed):.2f} | {seconds:.2f} s |"
            )
            details.append((label, lines))
        if args.verbose:
            for label, lines in details:
                print(f"\n### {label}\n")
                print("\n".join(f"- {line}" for line in lines))
    print("\nall targets met" if ok else "\nTARGET MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
