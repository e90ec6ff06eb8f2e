"""`reviewtui status --json` keeps DESIGN.md's contract on the demo and on hostile repositories."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from reviewtui.core.demo import build_demo
from tests.gitrepo import GitRepo

NULLABLE_STR = (str, type(None))
SECTION_FIELDS: dict[str, Any] = {
    "id": str,
    "title": str,
    "kind": str,
    "task_id": NULLABLE_STR,
    "parent": NULLABLE_STR,
    "level": int,
    "spec": str,
    "line": int,
    "chunks": int,
    "approved": int,
    "flagged": int,
}
CHUNK_FIELDS: dict[str, Any] = {
    "id": str,
    "path": str,
    "old_path": NULLABLE_STR,
    "change": str,
    "new_start": int,
    "new_lines": int,
    "old_start": int,
    "old_lines": int,
    "added": int,
    "removed": int,
    "section": NULLABLE_STR,
    "confidence": (int, float),
    "evidence": list,
    "flags": list,
    "status": str,
    "note": NULLABLE_STR,
}
REQUEST_FIELDS: dict[str, Any] = {
    "id": str,
    "chunk": NULLABLE_STR,
    "kind": str,
    "text": str,
    "status": str,
}


def check_fields(item: dict[str, Any], fields: dict[str, Any], where: str) -> None:
    missing = set(fields) - set(item)
    assert not missing, f"{where} lacks {missing}"
    for name, kind in fields.items():
        assert isinstance(item[name], kind), f"{where}.{name} = {item[name]!r}"


def check_contract(data: dict[str, Any]) -> None:
    """Every key, type and enumeration DESIGN.md promises."""
    assert isinstance(data["repo"], str)
    assert set(data["range"]) == {"base", "head"}
    assert data["range"]["base"] is None or len(data["range"]["base"]) == 40
    assert data["range"]["head"] == "WORKTREE" or len(data["range"]["head"]) == 40
    assert all(isinstance(path, str) for path in data["specs"])
    section_ids = set()
    for section in data["sections"]:
        check_fields(section, SECTION_FIELDS, "section")
        assert section["kind"] in {"heading", "task"}
        assert section["id"] not in section_ids, "section ids are unique"
        section_ids.add(section["id"])
        if section["kind"] == "task":
            assert section["parent"] is not None
    for section in data["sections"]:
        assert section["parent"] is None or section["parent"] in section_ids
    chunk_ids = set()
    for chunk in data["chunks"]:
        check_fields(chunk, CHUNK_FIELDS, "chunk")
        assert chunk["id"] not in chunk_ids, "chunk ids are unique"
        chunk_ids.add(chunk["id"])
        assert chunk["change"] in {"added", "modified", "deleted", "renamed", "binary"}
        assert chunk["status"] in {"pending", "approved", "flagged"}
        assert chunk["section"] is None or chunk["section"] in section_ids
        assert 0.0 <= chunk["confidence"] <= 1.0
        for evidence in chunk["evidence"]:
            assert set(evidence) >= {"kind", "detail", "score"}
            assert evidence["kind"] in {
                "comment",
                "commit",
                "lexical",
                "path",
                "structure",
                "llm",
                "manual",
            }
        for flag in chunk["flags"]:
            assert set(flag) >= {"rule", "severity", "line", "message"}
            assert flag["severity"] in {"high", "medium", "low"}
            assert flag["line"] is None or isinstance(flag["line"], int)
    for request in data["requests"]:
        check_fields(request, REQUEST_FIELDS, "request")
        assert request["kind"] in {"refactor", "simplify", "fix", "test", "question"}
        assert request["status"] in {"open", "done"}
    total = sum(section["chunks"] for section in data["sections"])
    unlinked = sum(1 for chunk in data["chunks"] if chunk["section"] is None)
    assert total + unlinked == len(data["chunks"]), "every chunk counts in exactly one section"
    check_added_keys(data)


def check_added_keys(data: dict[str, Any]) -> None:
    """Keys added to the contract since DESIGN.md: their shapes hold too."""
    for item in data["declared_deviations"]:
        assert set(item) == {"commit", "text"} and len(item["commit"]) == 40
        assert isinstance(item["text"], str) and item["text"]
    if data["phase"] is not None:
        assert all(isinstance(section_id, str) for section_id in data["phase"]["earlier"])


def status(root: Path, *args: str) -> dict[str, Any]:
    result = subprocess.run(
        [sys.executable, "-m", "reviewtui", "status", "--json", "--no-llm", *args],
        cwd=root,
        capture_output=True,
        text=True,
        env={**os.environ},
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_demo_status_keeps_the_contract(tmp_path: Path) -> None:
    root = build_demo(tmp_path / "demo")
    data = status(root)
    check_contract(data)
    assert data["specs"] == ["SPEC.md"]
    assert data["range"]["head"] == "WORKTREE" and data["range"]["base"] is not None
    assert any(chunk["flags"] for chunk in data["chunks"])
    assert any(chunk["section"] is None for chunk in data["chunks"])
    assert any(chunk["section"] and chunk["evidence"] for chunk in data["chunks"])


HOSTILE_CONFIG = """\
[color]
\tui = always
[diff]
\tnoprefix = true
\tmnemonicPrefix = true
\trenames = false
\texternal = false
[core]
\tquotePath = true
\tautocrlf = true
[log]
\tshowSignature = true
"""


@pytest.fixture
def hostile_repo(git_repo: GitRepo, isolated_env: Path) -> GitRepo:
    """A phase with every awkward kind of change, made under a hostile global git config."""
    git_repo.write(
        "SPEC.md", "# Spec\n\n## 1 Data\n\nLoad the data files.\n\n## 2 Tools\n\nScripts.\n"
    )
    git_repo.write("old name.py", "def load():\n    return 1\n")
    git_repo.write("gone.txt", "bye\n")
    git_repo.write("run.sh", "echo run\n")
    git_repo.write("crlf.txt", b"one\r\ntwo\r\n")
    git_repo.commit("base")
    git_repo.git("checkout", "-q", "-b", "agent")
    with (isolated_env / ".gitconfig").open("a", encoding="utf-8") as config:
        config.write(HOSTILE_CONFIG)
    git_repo.git("mv", "old name.py", "new name.py")
    git_repo.remove("gone.txt")
    (git_repo.root / "run.sh").chmod(0o755)
    git_repo.write("crlf.txt", b"one\r\ntwo\r\nthree\r\n")
    git_repo.write("data/blob.bin", bytes(range(256)) * 4)
    git_repo.write("data/latin1.txt", "café crème\n".encode("latin-1"))
    git_repo.write('data/tab\tand "quote".py', "x = 1")
    git_repo.write("données/ünïcode.py", "def lire():\n    return 'é'\n")
    git_repo.write("markup.py", "print('[bold]x[/red] \x1b[31mred')\n")
    git_repo.commit("awkward changes")
    return git_repo


def test_hostile_status_keeps_the_contract(hostile_repo: GitRepo) -> None:
    data = status(hostile_repo.root)
    check_contract(data)
    by_path: dict[str, list[dict[str, Any]]] = {}
    for chunk in data["chunks"]:
        by_path.setdefault(chunk["path"], []).append(chunk)
    assert set(by_path) == {
        "new name.py",
        "gone.txt",
        "run.sh",
        "crlf.txt",
        "data/blob.bin",
        "data/latin1.txt",
        'data/tab\tand "quote".py',
        "données/ünïcode.py",
        "markup.py",
    }
    assert by_path["new name.py"][0]["change"] == "renamed"
    assert by_path["new name.py"][0]["old_path"] == "old name.py"
    assert by_path["gone.txt"][0]["change"] == "deleted"
    assert by_path["data/blob.bin"][0]["change"] == "binary"
    assert by_path["crlf.txt"][0]["added"] == 1
    assert by_path['data/tab\tand "quote".py'][0]["added"] == 1


def test_status_json_is_plain_json_without_escapes_from_the_terminal(hostile_repo: GitRepo) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "reviewtui", "status", "--json", "--no-llm"],
        cwd=hostile_repo.root,
        capture_output=True,
        env={**os.environ},
    )
    assert b"\x1b" not in result.stdout  # control characters are JSON-escaped
    assert json.loads(result.stdout)["chunks"]


def test_demo_export_lists_findings_highest_severity_first(tmp_path: Path) -> None:
    root = build_demo(tmp_path / "demo")
    result = subprocess.run(
        [sys.executable, "-m", "reviewtui", "export", "--no-llm"],
        cwd=root,
        capture_output=True,
        text=True,
        env={**os.environ},
        check=True,
    )
    text = result.stdout
    table = text[text.index("## Checks, highest severity first") : text.index("## Sections")]
    severities = [
        row.split("|")[1].strip()
        for row in table.splitlines()
        if row.startswith("| ") and "---" not in row
    ][1:]
    assert severities and severities[0] == "high"
    order = {"high": 0, "medium": 1, "low": 2}
    assert [order[s] for s in severities] == sorted(order[s] for s in severities)
    assert "`eval-subset` | `src/dr/evaluate.py:45`" in table
    assert (
        "While you work:" not in text
    )  # the agent's convention belongs to the prompt, not the export
