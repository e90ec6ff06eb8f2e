"""The review state on disk: atomic, versioned, locked, and never silently lost."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from reviewtui.cli import main
from reviewtui.core.models import Checkpoint, Decision, Request, Severity
from reviewtui.core.state import STATE_VERSION, ReviewState, _fits
from reviewtui.errors import ReviewError
from tests.gitrepo import GitRepo


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
    assert names == [".gitignore", "lock", "state.json"]  # the lock: taken for each unlocked save


@pytest.mark.parametrize(
    "content",
    [
        b"{not json",
        b"[]",
        b'{"decisions": {}}',
        b"\xff\xfe",
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


# --------------------------------------------------------------------------- field types (finding 3)

WRONG_TYPES = {
    "decision status not a string": {"decisions": {"c1": {"chunk_id": "c1", "status": 5}}},
    "decision status unknown": {"decisions": {"c1": {"chunk_id": "c1", "status": "weird"}}},
    "decision note a number": {"decisions": {"c1": {"chunk_id": "c1", "note": 7}}},
    "decision note a list": {"decisions": {"c1": {"chunk_id": "c1", "note": ["a"]}}},
    "decision without chunk id": {"decisions": {"c1": {"status": "approved"}}},
    "decision under another chunk's key": {"decisions": {"c1": {"chunk_id": "c2"}}},
    "decisions a list": {"decisions": [{"chunk_id": "c1"}]},
    "request id a number": {"requests": [{"id": 5, "chunk_id": None, "kind": "fix", "text": "t"}]},
    "request text null": {
        "requests": [{"id": "R1", "chunk_id": None, "kind": "fix", "text": None}]
    },
    "request kind a number": {"requests": [{"id": "R1", "chunk_id": None, "kind": 7, "text": "t"}]},
    "request kind unknown": {
        "requests": [{"id": "R1", "chunk_id": None, "kind": "rewrite", "text": "t"}]
    },
    "request status unknown": {
        "requests": [{"id": "R1", "chunk_id": None, "kind": "fix", "text": "t", "status": "weird"}]
    },
    "request location a number": {
        "requests": [{"id": "R1", "chunk_id": None, "kind": "fix", "text": "t", "location": 5}]
    },
    "request without text": {"requests": [{"id": "R1", "chunk_id": None, "kind": "fix"}]},
    "requests an object": {"requests": {"R1": {}}},
    "exports a string": {"exports": "abc"},
    "exports numbers": {"exports": [1, 2]},
    "manual link a number": {"manual_links": {"c1": 5}},
    "manual links a list": {"manual_links": ["c1"]},
    "checkpoint sha a number": {
        "checkpoints": [{"sha": 5, "head": "x", "created": "x", "label": "y"}]
    },
    "checkpoint a list": {"checkpoints": [["a", "b", "c"]]},
}


UNKNOWN_VALUES = {"decision status unknown", "request kind unknown", "request status unknown"}


@pytest.mark.parametrize(("name", "fields"), list(WRONG_TYPES.items()), ids=list(WRONG_TYPES))
def test_wrong_field_types_are_left_out_reported_and_the_file_kept(
    tmp_path: Path, name: str, fields: dict[str, object]
) -> None:
    """Entry by entry (review N9): the bad entry is left out, the file as read is kept aside (an
    unknown status or kind stays in state.json, written back on save), state.json is not moved."""
    folder = tmp_path / ".reviewtui"
    folder.mkdir()
    content = json.dumps({"version": STATE_VERSION, **fields}).encode()
    (folder / "state.json").write_bytes(content)
    state = ReviewState.load(tmp_path)
    assert (state.decisions, state.requests, state.exports) == ({}, [], [])
    assert (state.manual_links, state.checkpoints) == ({}, [])
    (warning,) = state.warnings
    aside = [path for path in folder.iterdir() if ".corrupt-" in path.name]
    if name in UNKNOWN_VALUES:
        assert "newer reviewtui" in warning and aside == []
    else:
        assert "corrupt" in warning
        assert len(aside) == 1 and aside[0].read_bytes() == content
    assert (folder / "state.json").read_bytes() == content


@pytest.mark.parametrize("version", [1.5, True, "1", 0, -1, None])
def test_a_version_that_is_no_positive_integer_is_corrupt(tmp_path: Path, version: object) -> None:
    folder = tmp_path / ".reviewtui"
    folder.mkdir()
    (folder / "state.json").write_text(json.dumps({"version": version}))
    state = ReviewState.load(tmp_path)
    assert len(state.warnings) == 1 and "corrupt" in state.warnings[0]


def test_the_warning_names_the_bad_field(tmp_path: Path) -> None:
    folder = tmp_path / ".reviewtui"
    folder.mkdir()
    fields = WRONG_TYPES["decision status unknown"]
    (folder / "state.json").write_text(json.dumps({"version": 1, **fields}))
    (warning,) = ReviewState.load(tmp_path).warnings
    assert (
        "decisions['c1'].status must be one of pending, approved, flagged, not 'weird'" in warning
    )
    assert "\n" not in warning


def test_older_and_forward_compatible_files_still_load(tmp_path: Path) -> None:
    """A version-1 file with only some sections, and keys a later reviewtui may add, is not corrupt."""
    folder = tmp_path / ".reviewtui"
    folder.mkdir()
    data = {
        "version": 1,
        "decisions": {
            "c1": {"chunk_id": "c1", "status": "flagged", "note": "why?", "colour": "red"},
            "c2": {"chunk_id": "c2"},
        },
        "requests": [{"id": "R1", "chunk_id": None, "kind": "question", "text": "t"}],
        "manual_links": {"c1": "no-such-section", "c2": None},
        "some_future_section": {"a": 1},
    }
    (folder / "state.json").write_text(json.dumps(data))
    state = ReviewState.load(tmp_path)
    assert state.warnings == []
    assert state.decisions["c1"] == Decision("c1", "flagged", note="why?")
    assert state.decisions["c2"].status == "pending"
    assert state.requests == [Request("R1", None, "question", "t")]
    assert state.manual_links == {"c1": "no-such-section", "c2": None}
    assert state.checkpoints == [] and state.exports == []


SPEC = "# Spec\n\n## 1 Data\n\nLoad the data.\n"


@pytest.mark.parametrize(
    ("fields", "command"),
    [
        (WRONG_TYPES["request text null"], ["requests"]),
        (WRONG_TYPES["request kind a number"], ["requests", "--format", "prompt"]),
        (WRONG_TYPES["decision status not a string"], ["status", "--json", "--no-llm"]),
        (WRONG_TYPES["exports a string"], ["export"]),
    ],
)
def test_commands_on_a_wrongly_typed_state_warn_and_go_on(
    git_repo: GitRepo,
    capsys: pytest.CaptureFixture[str],
    fields: dict[str, object],
    command: list[str],
) -> None:
    git_repo.write("SPEC.md", SPEC)
    git_repo.commit("spec")
    git_repo.write("data.py", "x = 1\n")
    (git_repo.root / ".reviewtui").mkdir()
    (git_repo.root / ".reviewtui" / "state.json").write_text(json.dumps({"version": 1, **fields}))
    code = main([*command, "--repo", str(git_repo.root)])
    err = capsys.readouterr().err
    assert code == 0, err
    assert "Traceback" not in err and "corrupt" in err


# --------------------------------------------------------------------------- atomic writes (finding 13)

WRITE_UNDER_A_FILE_SIZE_LIMIT = """
import json, resource, signal, sys
from pathlib import Path
from reviewtui.core.models import Decision
from reviewtui.core.state import ReviewState

state = ReviewState.load(Path(sys.argv[1]))
state.acquire_lock()
for index in range(3000):
    key = f"chunk-{index:05d}"
    state.decisions[key] = Decision(key, "flagged", note="a note long enough to make the file big")
limit = 64 * 1024
resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
signal.signal(signal.SIGXFSZ, signal.SIG_DFL)  # Python ignores it; the default kills the process
if sys.argv[2] == "naive":  # what a non-atomic writer does: rewrite state.json in place
    state.path.write_text(json.dumps(state.to_json()))
else:
    state.save()
print("not killed", flush=True)
"""


@pytest.mark.parametrize("writer", ["save", "naive"])
def test_a_writer_killed_in_the_middle_of_a_write_leaves_the_old_file_whole(
    tmp_path: Path, writer: str
) -> None:
    """The kernel kills the writer (SIGXFSZ) once it has written 64 KiB of a ~600 KiB state, wherever
    it writes: `save` loses nothing, a writer that rewrites state.json in place leaves it torn.
    The naive case proves the kill lands in the middle of the write, so the test has teeth."""
    before = ReviewState.load(tmp_path)
    before.decisions["c1"] = Decision("c1", "approved", path="train.py")
    before.save()
    old = before.path.read_bytes()
    environ = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    result = subprocess.run(
        [sys.executable, "-c", WRITE_UNDER_A_FILE_SIZE_LIMIT, str(tmp_path), writer],
        env=environ,
        capture_output=True,
        check=False,
    )
    assert result.returncode == -signal.SIGXFSZ, result.stderr
    if writer == "naive":
        assert before.path.read_bytes() != old
        assert "corrupt" in ReviewState.load(tmp_path).warnings[0]
        return
    assert before.path.read_bytes() == old
    after = ReviewState.load(tmp_path)
    assert after.warnings == [] and after.decisions == before.decisions
    assert any(path.name.startswith(".state-") for path in after.folder.iterdir())
    after.acquire_lock()  # the next writer clears what the killed one left behind
    after.release_lock()
    assert not any(path.name.startswith(".state-") for path in after.folder.iterdir())


def test_a_failed_rename_keeps_the_old_file_and_says_so_in_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    state = ReviewState.load(tmp_path)
    state.decisions["c1"] = Decision("c1", "approved")
    state.save()
    old = state.path.read_bytes()

    def no_space(source: str, target: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", no_space)
    state.decisions["c2"] = Decision("c2", "flagged")
    with pytest.raises(ReviewError) as caught:
        state.save()
    assert "No space left on device" in str(caught.value) and "\n" not in str(caught.value)
    monkeypatch.undo()
    assert state.path.read_bytes() == old
    assert not any(path.name.startswith(".state-") for path in state.folder.iterdir())


# --------------------------------------------------------------------------- lock, then load (finding 14)


def test_load_with_lock_reads_after_taking_the_lock(tmp_path: Path) -> None:
    first = ReviewState.load(tmp_path, lock=True)
    try:
        assert first.locked_by_me
        with pytest.raises(ReviewError, match=f"pid {os.getpid()}"):
            ReviewState.load(tmp_path, lock=True)
        first.checkpoints.append(Checkpoint("1" * 40, "1" * 40, "2026-01-01T00:00:00Z"))
        first.save()
    finally:
        first.release_lock()
    with ReviewState.locked(tmp_path) as second:  # sees what the first holder wrote
        assert [c.sha for c in second.checkpoints] == ["1" * 40]
        second.checkpoints.append(Checkpoint("2" * 40, "2" * 40, "2026-01-02T00:00:00Z"))
        second.save()
    assert not second.locked_by_me
    assert [c.sha for c in ReviewState.load(tmp_path).checkpoints] == ["1" * 40, "2" * 40]


def test_locked_releases_the_lock_when_the_body_fails(tmp_path: Path) -> None:
    with pytest.raises(RuntimeError), ReviewState.locked(tmp_path):
        raise RuntimeError("boom")
    ReviewState.load(tmp_path, lock=True).release_lock()


def test_load_with_lock_releases_it_when_the_file_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / ".reviewtui"
    folder.mkdir()
    (folder / "state.json").write_text(json.dumps({"version": STATE_VERSION + 1}))
    with pytest.raises(ReviewError, match="newer reviewtui"):
        ReviewState.load(tmp_path, lock=True)
    probe = ReviewState(root=tmp_path)
    probe.acquire_lock()  # not left held by the failed load
    probe.release_lock()


RECORD_CHECKPOINT = """
import sys
from pathlib import Path
from reviewtui.core.models import Checkpoint
from reviewtui.core.state import ReviewState
from reviewtui.errors import ReviewError

done = 0
while done < 5:
    try:
        with ReviewState.locked(Path(sys.argv[1])) as state:
            state.checkpoints.append(Checkpoint(f"{sys.argv[2]}-{done}", "h", "t"))
            state.save()
            done += 1
    except ReviewError:
        pass  # the other recorder holds the lock: try again
"""


def test_concurrent_lock_then_load_writers_lose_no_checkpoint(tmp_path: Path) -> None:
    writers = [
        subprocess.Popen([sys.executable, "-c", RECORD_CHECKPOINT, str(tmp_path), name])
        for name in ("a", "b")
    ]
    assert [writer.wait(timeout=60) for writer in writers] == [0, 0]
    shas = sorted(c.sha for c in ReviewState.load(tmp_path).checkpoints)
    assert shas == sorted(f"{name}-{index}" for name in "ab" for index in range(5))


# --------------------------------------------------------------------------- exports (finding 2)


def test_an_unlocked_stale_save_cannot_overwrite_the_holders_decisions(tmp_path: Path) -> None:
    stale = ReviewState.load(tmp_path)
    with ReviewState.locked(tmp_path) as app:
        app.decisions["c1"] = Decision("c1", "approved")
        app.save()
        stale.exports.append("review.md")
        with pytest.raises(ReviewError, match="already reviewing"):
            stale.save()
        assert set(ReviewState.load(tmp_path).decisions) == {"c1"}
    assert not stale.locked_by_me


def test_an_export_recorded_while_the_app_holds_the_lock_keeps_every_decision(
    tmp_path: Path,
) -> None:
    exporter = ReviewState.load(tmp_path)  # loaded at start-up, before the reviewer's decisions
    with ReviewState.locked(tmp_path) as app:
        app.decisions["c1"] = Decision("c1", "approved")
        app.save()
        assert exporter.record_export(tmp_path / "docs" / "review.md") == "docs/review.md"
        assert exporter.exports == ["docs/review.md"]
        app.decisions["c2"] = Decision("c2", "flagged", note="why")
        app.save()  # the app's copy knows nothing of the export
    state = ReviewState.load(tmp_path)
    assert set(state.decisions) == {"c1", "c2"}
    assert state.exports == ["docs/review.md"]
    assert state.warnings == []


def test_exports_merge_the_older_state_files_list_without_repeats(tmp_path: Path) -> None:
    folder = tmp_path / ".reviewtui"
    folder.mkdir()
    (folder / "state.json").write_text(json.dumps({"version": 1, "exports": ["a.md", "b.md"]}))
    state = ReviewState.load(tmp_path)
    assert state.record_export(Path("b.md")) == "b.md"  # relative to the repo root
    assert state.record_export(tmp_path / "c.md") == "c.md"
    assert ReviewState.load(tmp_path).exports == ["a.md", "b.md", "c.md"]
    recorded = json.loads((folder / "exports.json").read_text())
    assert recorded == {"version": 1, "exports": ["b.md", "c.md"]}


def test_exports_outside_the_repo_or_in_the_state_folder_are_not_recorded(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    root.mkdir()
    state = ReviewState.load(root)
    assert state.record_export(tmp_path / "elsewhere.md") is None
    assert state.record_export(root / ".reviewtui" / "review.md") is None
    assert state.record_export(root / "sub" / ".." / ".." / "out.md") is None
    assert state.exports == []
    assert not (root / ".reviewtui" / "exports.json").exists()


def test_a_corrupt_exports_file_is_kept_aside_and_decisions_are_untouched(tmp_path: Path) -> None:
    state = ReviewState.load(tmp_path)
    state.decisions["c1"] = Decision("c1", "approved")
    state.save()
    (state.folder / "exports.json").write_text('{"version": 1, "exports": "abc"}')
    again = ReviewState.load(tmp_path)
    assert set(again.decisions) == {"c1"} and again.exports == []
    assert len(again.warnings) == 1 and "exports was corrupt" in again.warnings[0]
    assert any(p.name.startswith("exports.json.corrupt-") for p in state.folder.iterdir())
    assert again.record_export(tmp_path / "review.md") == "review.md"
    assert ReviewState.load(tmp_path).exports == ["review.md"]


RECORD_EXPORTS = """
import sys
from pathlib import Path
from reviewtui.core.state import ReviewState

state = ReviewState.load(Path(sys.argv[1]))
for index in range(15):
    state.record_export(Path(f"{sys.argv[2]}-{index}.md"))
"""


def test_concurrent_exporters_lose_no_export(tmp_path: Path) -> None:
    """Each exporter re-reads the list under its lock: no read-modify-write race drops a path."""
    ReviewState.load(tmp_path).ensure_folder()
    writers = [
        subprocess.Popen([sys.executable, "-c", RECORD_EXPORTS, str(tmp_path), name])
        for name in ("a", "b", "c")
    ]
    assert [writer.wait(timeout=60) for writer in writers] == [0, 0, 0]
    exports = ReviewState.load(tmp_path).exports
    assert sorted(exports) == sorted(f"{name}-{index}.md" for name in "abc" for index in range(15))


def test_the_gitignore_an_older_reviewtui_wrote_gains_the_exports_lock(tmp_path: Path) -> None:
    folder = tmp_path / ".reviewtui"
    folder.mkdir()
    old = "# Written by reviewtui: the cache and the lock are not worth committing.\ncache/\nlock\n"
    (folder / ".gitignore").write_text(old)
    (tmp_path / "own").mkdir()
    ((tmp_path / "own") / ".gitignore").write_text("mine\n")
    ReviewState.load(tmp_path).ensure_folder()
    assert "exports.lock" in (folder / ".gitignore").read_text()
    user_owned = folder / ".gitignore"
    user_owned.write_text("my own rules\n")
    ReviewState.load(tmp_path).ensure_folder()
    assert user_owned.read_text() == "my own rules\n"


@pytest.mark.parametrize(
    ("value", "hint", "fits"),
    [
        (["a", "b"], list[str], True),
        (["a", 1], list[str], False),
        ({"k": 1.5}, dict[str, float], True),
        ({"k": True}, dict[str, float], False),
        (3, int | None, True),
        (False, int | None, False),
        ("high", Severity, True),
        ("urgent", Severity, False),
    ],
)
def test_field_checks_cover_the_types_a_later_field_may_have(
    value: object, hint: object, fits: bool
) -> None:
    assert _fits(value, hint) is fits


def test_a_field_type_the_check_does_not_know_is_a_loud_programming_error() -> None:
    """Never mistaken for a corrupt file (which would move the reviewer's state aside)."""
    with pytest.raises(NotImplementedError):
        _fits({1, 2}, set[int])
