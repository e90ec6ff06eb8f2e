"""Benchmark: `reviewtui status --json --no-llm` on a large phase, beside `git diff` on the same range.

Builds a repo with a spec and a phase of about 50,000 changed lines over 60 files (Python, YAML and
markdown, committed and uncommitted), then prints wall times (best of N runs) and peak memory: once
with the phase cache emptied before every run (the first opening of a phase), once with it kept
(opening the same phase again). The cache goes to a temporary folder, never the user's.

    python bench/status.py [--lines 50000] [--files 60] [--runs 3] [--keep DIR]
"""

from __future__ import annotations

import argparse
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchlib import ENV, git


def spec_text(sections: int) -> str:
    parts = ["# Large replication spec\n"]
    for index in range(1, sections + 1):
        parts.append(
            f"\n## {index} Component {index}\n\nImplement `component_{index}` with the "
            f"loader_{index} and the metric_{index} as described.\n"
        )
        parts.extend(
            f"- [ ] {index}.{task} Write step_{index}_{task} for component {index}\n"
            for task in range(1, 4)
        )
    return "".join(parts)


def python_file(index: int, lines: int) -> str:
    body = [f'"""Component {index}."""\n\nimport math\n\n']
    function = 0
    while sum(chunk.count("\n") for chunk in body) < lines:
        function += 1
        body.append(
            f"\ndef step_{index}_{function}(values, scale={function}):\n"
            f'    """Step {function} of component_{index}."""\n'
            f"    total = 0.0\n"
            f"    for value in values:\n"
            f"        total += math.sqrt(abs(value)) * scale\n"
            f"    return total / max(len(values), 1)\n"
        )
    return "".join(body)


def build(root: Path, total_lines: int, files: int) -> str:
    """Build the repo; returns the sha of the spec commit, where the phase starts."""
    root.mkdir(parents=True)
    git(root, "init", "-q", "-b", "main")
    (root / "SPEC.md").write_text(spec_text(60))
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "spec")
    base = git(root, "rev-parse", "HEAD").strip()
    per_file = total_lines // files
    for index in range(1, files + 1):
        if index % 10 == 0:
            text = "".join(f"key_{index}_{n}: {n}\n" for n in range(per_file))
            (root / f"configs/c{index}.yaml").parent.mkdir(exist_ok=True)
            (root / f"configs/c{index}.yaml").write_text(text)
        else:
            (root / f"src/component_{index}.py").parent.mkdir(exist_ok=True)
            (root / f"src/component_{index}.py").write_text(python_file(index, per_file))
        if index <= files // 2:
            git(root, "add", "-A")
            git(root, "commit", "-q", "-m", f"Component {index}\n\nSpec: {index}")
    return base


def timed(
    command: list[str], cwd: Path, runs: int, env: dict[str, str], fresh: Path | None = None
) -> tuple[float, int]:
    """Best wall time of `runs` runs and the output size; `fresh`: a folder emptied before each run
    (the phase cache, for a cold run)."""
    best = float("inf")
    for _ in range(runs):
        if fresh is not None:
            shutil.rmtree(fresh, ignore_errors=True)
        start = time.perf_counter()
        result = subprocess.run(command, cwd=cwd, env=env, capture_output=True)
        best = min(best, time.perf_counter() - start)
        if result.returncode != 0:
            sys.exit(f"failed: {' '.join(command)}\n{result.stderr.decode(errors='replace')}")
    return best, len(result.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=50_000)
    parser.add_argument("--files", type=int, default=60)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--keep", type=Path, help="build the repo here and keep it")
    options = parser.parse_args()
    root = options.keep or Path(tempfile.mkdtemp(prefix="reviewtui-bench-")) / "repo"
    if root.exists():
        shutil.rmtree(root)
    base = build(root, options.lines, options.files)
    git(root, "add", "-A", "--intent-to-add")  # so `git diff` shows the untracked files too
    git_time, git_bytes = timed(
        ["git", "diff", "--no-color", "-M", "-C", base, "--"], root, options.runs, ENV
    )
    git(root, "reset", "-q")
    cache = Path(tempfile.mkdtemp(prefix="reviewtui-bench-cache-"))
    env = {**ENV, "XDG_CACHE_HOME": str(cache)}  # the phase cache, away from the user's own
    command = [sys.executable, "-m", "reviewtui", "status", "--json", "--no-llm", base]
    cold, json_bytes = timed(command, root, options.runs, env, fresh=cache)
    warm, _ = timed(command, root, options.runs, env)
    shutil.rmtree(cache, ignore_errors=True)
    peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    print(
        f"phase: {options.lines} changed lines in {options.files} files (half committed, half in the working tree)"
    )
    print(
        f"git diff (same range):              {git_time * 1000:8.0f} ms  ({git_bytes / 1e6:.1f} MB of diff)"
    )
    print(
        f"reviewtui status --json --no-llm:   {cold * 1000:8.0f} ms  ({cold / git_time:.1f}x git diff)"
        "  first opening of the phase"
    )
    print(
        f"  the same phase again:             {warm * 1000:8.0f} ms  ({warm / git_time:.1f}x git diff)"
        "  chunks, flags and links from the phase cache"
    )
    print(f"peak memory (largest child):        {peak_kib / 1024:8.0f} MiB")
    print(f"status json: {json_bytes / 1e6:.1f} MB")


if __name__ == "__main__":
    main()
