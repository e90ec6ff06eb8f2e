"""Smoke test of the installed `reviewtui` in a real terminal (tmux): open the demo repo, review
from the keyboard, quit, and check what `reviewtui status --json` reports. Also the error path: a
directory that is not a git repo ends with exit code 1 and a one-line message, no traceback.

Skipped when tmux or the `reviewtui` command is missing. The tmux server is private to the test
(its own socket), so it inherits the test's isolated environment and is killed at the end.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from reviewtui.core.demo import build_demo

TMUX = shutil.which("tmux")
REVIEWTUI = shutil.which("reviewtui")
pytestmark = pytest.mark.skipif(
    TMUX is None or REVIEWTUI is None, reason="needs tmux and the installed reviewtui command"
)
TIMEOUT = 40.0


class Terminal:
    """One tmux session on a private server."""

    def __init__(self, socket: Path) -> None:
        self.socket = socket

    def tmux(self, *args: str) -> str:
        command = [str(TMUX), "-S", str(self.socket), *args]
        return subprocess.run(command, check=True, capture_output=True, text=True).stdout

    def start(self, cwd: Path, command: str) -> None:
        self.tmux(
            "new-session", "-d", "-s", "review", "-x", "120", "-y", "36", "-c", str(cwd), command
        )

    def screen(self) -> str:
        return self.tmux("capture-pane", "-p", "-t", "review")

    def keys(self, *keys: str) -> None:
        for key in keys:
            self.tmux("send-keys", "-t", "review", key)

    def text(self, text: str) -> None:
        self.tmux("send-keys", "-t", "review", "-l", text)


def record(path: Path) -> str:
    """Shell code that writes the last exit code to `path` atomically, then keeps the pane open."""
    return f"echo $? > {path}.tmp && mv {path}.tmp {path}; sleep 30"


def wait_for(condition: Callable[[], bool], what: str) -> None:
    """Poll a condition on the external terminal until it holds (the app runs in another process)."""
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture
def terminal(tmp_path: Path) -> Iterator[Terminal]:
    term = Terminal(tmp_path / "tmux.sock")
    yield term
    subprocess.run([str(TMUX), "-S", str(term.socket), "kill-server"], capture_output=True)


def status_json(repo: Path) -> dict:
    result = subprocess.run(
        [str(REVIEWTUI), "status", "--json", "--no-llm"],
        cwd=repo,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(result.stdout)


def test_review_the_demo_from_the_keyboard(terminal: Terminal, tmp_path: Path) -> None:
    repo = build_demo(tmp_path / "demo")
    exit_file = tmp_path / "exit-code"
    terminal.start(repo, f"{REVIEWTUI} --no-llm; {record(exit_file)}")
    wait_for(
        lambda: "0/" in terminal.screen() and "reviewed" in terminal.screen(), "the review screen"
    )
    total = len(status_json(repo)["chunks"])
    assert f"0/{total} reviewed" in terminal.screen()
    terminal.keys("a")
    wait_for(lambda: f"1/{total} reviewed" in terminal.screen(), "the first approval")
    terminal.keys("a")
    wait_for(lambda: f"2/{total} reviewed" in terminal.screen(), "the second approval")
    terminal.keys("f")
    wait_for(lambda: "what is wrong?" in terminal.screen(), "the flag dialog")
    terminal.text("uses the wrong split")
    terminal.keys("Enter")
    wait_for(lambda: "1 flagged" in terminal.screen(), "the flag")
    terminal.keys("r")
    wait_for(lambda: "request for the agent" in terminal.screen(), "the request dialog")
    terminal.text("name the magic number")
    terminal.keys("Enter")
    wait_for(lambda: "1 request" in terminal.screen(), "the request")
    terminal.keys("q")
    wait_for(exit_file.exists, "the app to quit")
    assert exit_file.read_text().strip() == "0"

    status = status_json(repo)
    statuses = [chunk["status"] for chunk in status["chunks"]]
    assert len(statuses) == total
    assert statuses.count("approved") == 2 and statuses.count("flagged") == 1
    flagged = next(chunk for chunk in status["chunks"] if chunk["status"] == "flagged")
    assert flagged["note"] == "uses the wrong split"
    assert [(r["kind"], r["status"]) for r in status["requests"]] == [("refactor", "open")]
    assert status["requests"][0]["text"].endswith("name the magic number")


def test_not_a_repo_exits_with_one_line(terminal: Terminal, tmp_path: Path) -> None:
    folder = tmp_path / "plain"
    folder.mkdir()
    err, code = tmp_path / "stderr", tmp_path / "exit-code"
    terminal.start(folder, f"{REVIEWTUI} --no-llm 2> {err}; {record(code)}")
    wait_for(code.exists, "the app to end")
    assert code.read_text().strip() == "1"
    output = err.read_text(encoding="utf-8")  # Textual drives the terminal through stderr too
    assert "Traceback" not in output
    message = output[output.index("reviewtui: error:") :].strip()
    assert "not a git repository" in message and "\n" not in message
