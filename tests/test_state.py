"""The review state on disk: atomic, versioned, locked, and never silently lost."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from reviewtui.core.models import Checkpoint, Decision, Request
from reviewtui.core.state import STATE_VERSION, ReviewState
from reviewtui.errors import ReviewError


def test_missing_state_is_empty(tmp_path: Path) -> None:
    state = ReviewState.load(tmp_path)
    assert state.decisions == {} and state.requests == [] and state.warnings == []
    assert not (tmp_path / ".reviewtui").exists()


def test_round_trip_keeps_everything(tmp_path: Path) -> None:
    state = ReviewState.load(tmp_path)
    state.decisions["abc"] = Decision(
        "abc", "flagged", note="lr is 1e-4, spec says 2e-5", path="train.py"
    )
    state.requests.append(
        Request("R1", "abc", "fix", "use 2e-5", location="train.py:3-9", code="+lr = 1e-4")
    )
    state.manual_links["abc"] = "3-training"
    state.manual_links["def"] = None
    state.checkpoints.append(Checkpoint("1" * 40, "2" * 40, "2026-01-01T00:00:00Z", "HEAD"))
    state.save()

    again = ReviewState.load(tmp_path)
    assert again.decisions == state.decisions
    assert again.requests == state.requests
    assert again.manual_links == {"abc": "3-training", "def": None}
    assert again.checkpoints == state.checkpoints
    data = json.loads((tmp_path / ".reviewtui" / "state.json").read_text())
    assert data["version"] == STATE_VERSION
    assert "cache/" in (tmp_path / ".reviewtui" / ".gitignore").read_text()


def test_save_leaves_no_temp_files(tmp_path: Path) -> None:
    state = ReviewState.load(tmp_path)
    for index in range(5):
        state.decisions[str(index)] = Decision(str(index), "approved")
        state.save()
    names = sorted(path.name for path in (tmp_path / ".reviewtui").iterdir())
    assert names == [".gitignore", "state.json"]


@pytest.mark.parametrize(
    "content",
    [
        b"{not json",
        b"[]",
        b'{"decisions": {}}',
        b"\xff\xfe",
        b'{"version": 1, "decisions": {"a": 3}}',
    ],
)
def test_corrupt_state_is_kept_aside_and_reported(tmp_path: Path, content: bytes) -> None:
    folder = tmp_path / ".reviewtui"
    folder.mkdir()
    (folder / "state.json").write_bytes(content)
    state = ReviewState.load(tmp_path)
    assert state.decisions == {}
    assert len(state.warnings) == 1 and "corrupt" in state.warnings[0]
    aside = [path for path in folder.iterdir() if ".corrupt-" in path.name]
    assert len(aside) == 1 and aside[0].read_bytes() == content
    assert aside[0].name in state.warnings[0]
    assert not (folder / "state.json").exists()


def test_newer_state_version_is_refused_not_overwritten(tmp_path: Path) -> None:
    folder = tmp_path / ".reviewtui"
    folder.mkdir()
    (folder / "state.json").write_text(json.dumps({"version": STATE_VERSION + 1}))
    with pytest.raises(ReviewError, match="newer reviewtui"):
        ReviewState.load(tmp_path)
    assert json.loads((folder / "state.json").read_text())["version"] == STATE_VERSION + 1


def test_second_writer_is_refused_with_the_holders_pid(tmp_path: Path) -> None:
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            (
                "import sys, time; from pathlib import Path; from reviewtui.core.state import ReviewState; "
                f"s = ReviewState.load(Path({str(tmp_path)!r})); s.acquire_lock(); print('locked', flush=True); "
                "sys.stdin.readline()"
            ),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
        state = ReviewState.load(tmp_path)
        with pytest.raises(ReviewError, match=f"pid {holder.pid}"):
            state.acquire_lock()
    finally:
        holder.communicate("\n", timeout=10)
    state.acquire_lock()  # the holder is gone: the lock is free again
    state.release_lock()


def test_a_killed_writer_loses_no_decision(tmp_path: Path) -> None:
    script = (
        "import os, signal; from pathlib import Path; from reviewtui.core.state import ReviewState; "
        "from reviewtui.core.models import Decision; "
        f"s = ReviewState.load(Path({str(tmp_path)!r})); s.acquire_lock(); "
        "s.decisions['c1'] = Decision('c1', 'approved'); s.save(); "
        "os.kill(os.getpid(), signal.SIGKILL)"
    )
    result = subprocess.run([sys.executable, "-c", script], check=False)
    assert result.returncode == -9
    state = ReviewState.load(tmp_path)
    assert state.decisions["c1"].status == "approved"
    state.acquire_lock()  # a killed holder's flock is released by the kernel
    state.release_lock()
    assert os.path.exists(tmp_path / ".reviewtui" / "lock")
