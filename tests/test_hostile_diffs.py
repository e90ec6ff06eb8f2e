"""Hostile diffs under a hostile global git config: every case must give the exact same FileDiffs.

Each case builds a "before" commit in a real repo, writes the "after" state, and returns the expected
FileDiff fields. It then runs twice: the after state left in the working tree (range `HEAD`), and
committed (range `HEAD~1..HEAD`). The hostile config is switched on only after the repo is built, so
only reviewtui's own git calls run under it.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from reviewtui.core import gitrange
from reviewtui.core.gitrange import open_repo, resolve_phase
from reviewtui.core.models import FileDiff, Hunk, Phase
from tests.gitrepo import GitRepo

HOSTILE_CONFIG = """
[color]
\tui = always
\tdiff = always
\tstatus = always
[diff]
\tnoprefix = true
\tmnemonicPrefix = true
\texternal = false-command
\trenames = false
\trelative = true
\tsuppressBlankEmpty = true
\tsubmodule = log
\tignoreSubmodules = all
\talgorithm = patience
\tcontext = 0
\tinterHunkContext = 20
\torderFile = /nonexistent/orderfile
\tsrcPrefix = SRC/
\tdstPrefix = DST/
\tcolorMoved = zebra
\twsErrorHighlight = all
\trenameLimit = 1
[core]
\tautocrlf = true
\tsafecrlf = true
\tquotePath = true
\tpager = false-pager
\tabbrev = 12
\thooksPath = /nonexistent/hooks
[log]
\tshowSignature = true
\tshowRoot = false
\tdecorate = full
\tabbrevCommit = true
\tdate = relative
\tfollow = true
[format]
\tpretty = oneline
[i18n]
\tlogOutputEncoding = ISO-8859-1
[commit]
\tgpgSign = true
[gpg]
\tprogram = false
[pager]
\tlog = false-pager
\tdiff = false-pager
[trailer]
\tseparators = "#"
[status]
\tshowUntrackedFiles = no
\tsubmoduleSummary = true
"""

Expected = list[dict[str, Any]]


class OneOf:
    """Equal to any of its values: a blob's size where `core.autocrlf` decides it at `git add` time."""

    def __init__(self, *values: object) -> None:
        self.values = values

    def __eq__(self, other: object) -> bool:
        return other in self.values

    def __repr__(self) -> str:
        return f"OneOf{self.values}"


Case = Callable[[GitRepo], Expected]


@pytest.fixture
def hostile(isolated_env: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[[], None]:
    """Switch on a hostile global git config and environment (call it after building the repo)."""

    def activate() -> None:
        attributes = isolated_env / "hostile-attributes"
        attributes.write_text("* diff=shout\n", encoding="utf-8")
        with (isolated_env / ".gitconfig").open("a", encoding="utf-8") as config:
            config.write(HOSTILE_CONFIG)
            config.write(f"[core]\n\tattributesFile = {attributes}\n")
            config.write('[diff "shout"]\n\ttextconv = false-textconv\n\tcommand = false-command\n')
        monkeypatch.setenv("GIT_EXTERNAL_DIFF", "false")
        monkeypatch.setenv("GIT_PAGER", "false-pager")
        monkeypatch.setenv("GIT_LITERAL_PATHSPECS", "1")
        monkeypatch.setenv("LANG", "de_DE.UTF-8")

    return activate


def file_entry(
    path: str, change: str, hunks: list[Any] | None = None, **fields: Any
) -> dict[str, Any]:
    """The expected summary of a FileDiff; fields not given take their plain defaults."""
    entry: dict[str, Any] = {
        "path": path,
        "old_path": None,
        "change": change,
        "binary": False,
        "submodule": False,
        "old_mode": None,
        "new_mode": None,
        "similarity": None,
        "copied": False,
        "old_size": None,
        "new_size": None,
        "new_text": None,
        "hunks": hunks or [],
    }
    unknown = set(fields) - set(entry)
    assert not unknown, unknown
    entry.update(fields)
    return entry


def summarize(file: FileDiff) -> dict[str, Any]:
    """Every field of a FileDiff; lines as `kind+text`, followed by `\\` when they lack a final newline."""
    return {
        "path": file.path,
        "old_path": file.old_path,
        "change": file.change,
        "binary": file.binary,
        "submodule": file.submodule,
        "old_mode": file.old_mode,
        "new_mode": file.new_mode,
        "similarity": file.similarity,
        "copied": file.copied,
        "old_size": file.old_size,
        "new_size": file.new_size,
        "new_text": file.new_text,
        "hunks": [
            (hunk.old_start, hunk.old_lines, hunk.new_start, hunk.new_lines, _hunk_lines(hunk))
            for hunk in file.hunks
        ],
    }


def _hunk_lines(hunk: Hunk) -> list[str]:
    lines: list[str] = []
    for line in hunk.lines:
        lines.append(line.kind + line.text)
        if line.no_newline:
            lines.append("\\")
    return lines


def assert_numbering(hunk: Hunk) -> None:
    """Old/new line numbers run consecutively from the hunk header's starts."""
    old_no, new_no = hunk.old_start, hunk.new_start
    if hunk.old_lines == 0:
        old_no += 1
    if hunk.new_lines == 0:
        new_no += 1
    for line in hunk.lines:
        assert line.old_no == (None if line.kind == "+" else old_no)
        assert line.new_no == (None if line.kind == "-" else new_no)
        old_no += line.kind != "+"
        new_no += line.kind != "-"
    assert old_no - hunk.old_start == hunk.old_lines + (hunk.old_lines == 0)
    assert new_no - hunk.new_start == hunk.new_lines + (hunk.new_lines == 0)


# --------------------------------------------------------------------------- the cases


def case_modified(repo: GitRepo) -> Expected:
    repo.write("a.py", "one\ntwo\nthree\n")
    repo.commit("before")
    repo.write("a.py", "one\n2\nthree\nfour\n")
    hunk = (1, 3, 1, 4, [" one", "-two", "+2", " three", "+four"])
    return [
        file_entry(
            "a.py", "modified", [hunk], old_size=14, new_size=17, new_text="one\n2\nthree\nfour\n"
        )
    ]


def case_added_and_deleted(repo: GitRepo) -> Expected:
    repo.write("gone.txt", "bye now\n")
    repo.commit("before")
    repo.remove("gone.txt")
    repo.write("new.txt", "hello\n")
    return [
        file_entry("gone.txt", "deleted", [(1, 1, 0, 0, ["-bye now"])], old_size=8),
        file_entry("new.txt", "added", [(0, 0, 1, 1, ["+hello"])], new_size=6, new_text="hello\n"),
    ]


MODULE = "".join(f"line {i} of the module body\n" for i in range(1, 11))


def case_rename_with_edit(repo: GitRepo) -> Expected:
    repo.write("old_name.py", MODULE)
    repo.commit("before")
    repo.remove("old_name.py")
    renamed = MODULE.replace("line 5 of", "LINE FIVE of")
    repo.write("new_name.py", renamed)
    hunk = (2, 7, 2, 7, [
        " line 2 of the module body", " line 3 of the module body", " line 4 of the module body",
        "-line 5 of the module body", "+LINE FIVE of the module body",
        " line 6 of the module body", " line 7 of the module body", " line 8 of the module body",
    ])  # fmt: skip
    return [
        file_entry(
            "new_name.py", "renamed", [hunk], old_path="old_name.py", similarity=89,
            old_size=len(MODULE), new_size=len(renamed), new_text=renamed,
        )
    ]  # fmt: skip


CODE = "".join(f"def f{i}(): return {i}\n" for i in range(1, 11))


def case_copy(repo: GitRepo) -> Expected:
    repo.write("base.py", CODE)
    repo.commit("before")
    repo.write("copy.py", CODE)
    edited = CODE.replace("f3", "g3")
    repo.write("base.py", edited)
    hunk = (1, 6, 1, 6, [
        " def f1(): return 1", " def f2(): return 2", "-def f3(): return 3", "+def g3(): return 3",
        " def f4(): return 4", " def f5(): return 5", " def f6(): return 6",
    ])  # fmt: skip
    return [
        file_entry("base.py", "modified", [hunk], old_size=len(CODE), new_size=len(edited), new_text=edited),
        file_entry(
            "copy.py", "added", old_path="base.py", copied=True, similarity=100,
            old_size=len(CODE), new_size=len(CODE), new_text=CODE,
        ),
    ]  # fmt: skip


def case_mode_change(repo: GitRepo) -> Expected:
    repo.write("run.sh", "echo hi\n")
    repo.commit("before")
    os.chmod(repo.root / "run.sh", 0o755)
    return [
        file_entry(
            "run.sh", "modified", old_mode="100644", new_mode="100755",
            old_size=8, new_size=8, new_text="echo hi\n",
        )
    ]  # fmt: skip


def case_binary(repo: GitRepo) -> Expected:
    repo.write("img.bin", b"\x89PNG\x00\x01\x02")
    repo.commit("before")
    repo.write("img.bin", b"\x89PNG\x00\x01\x02\x03\x04")
    repo.write("new.bin", b"\x00" * 100)
    return [
        file_entry("img.bin", "binary", binary=True, old_size=7, new_size=9),
        file_entry("new.bin", "binary", binary=True, new_size=100),
    ]


def case_no_final_newline(repo: GitRepo) -> Expected:
    repo.write("end.txt", "a\nb")
    repo.write("fixed.txt", "x\ny")
    repo.commit("before")
    repo.write("end.txt", "a\nc")
    repo.write("fixed.txt", "x\ny\n")
    return [
        file_entry("end.txt", "modified", [(1, 2, 1, 2, [" a", "-b", "\\", "+c", "\\"])],
                   old_size=3, new_size=3, new_text="a\nc"),
        file_entry("fixed.txt", "modified", [(1, 2, 1, 2, [" x", "-y", "\\", "+y"])],
                   old_size=3, new_size=4, new_text="x\ny\n"),
    ]  # fmt: skip


def case_crlf(repo: GitRepo) -> Expected:
    repo.write(".gitattributes", "*.bat -text\n")
    repo.write("x.bat", "one\r\ntwo\r\n")
    repo.commit("before")
    repo.write("x.bat", "one\r\nTWO\r\n")
    repo.write("mixed.txt", "a\r\nb\nc\r\n")
    mixed = [(0, 0, 1, 3, ["+a", "+b", "+c"])]
    return [
        file_entry("mixed.txt", "added", mixed, new_size=OneOf(6, 8), new_text="a\nb\nc\n"),
        file_entry("x.bat", "modified", [(1, 2, 1, 2, [" one", "-two", "+TWO"])],
                   old_size=10, new_size=10, new_text="one\nTWO\n"),
    ]  # fmt: skip


def case_invalid_utf8(repo: GitRepo) -> Expected:
    repo.write("latin.txt", "caf\xe9 ok\n".encode("latin-1"))
    repo.commit("before")
    repo.write("latin.txt", "caf\xe9 ok\nna\xefve\n".encode("latin-1") + b"\xff\xfe broken\n")
    hunk = (1, 1, 1, 3, [" caf\ufffd ok", "+na\ufffdve", "+\ufffd\ufffd broken"])
    text = "caf\ufffd ok\nna\ufffdve\n\ufffd\ufffd broken\n"
    return [file_entry("latin.txt", "modified", [hunk], old_size=8, new_size=24, new_text=text)]


HOSTILE_PATHS = [
    "with space.txt",
    "tab\there.txt",
    'quote"d.txt',
    "new\nline.txt",
    "back\\slash.txt",
    "données/é.py",
    "-dash.txt",
    ":(exclude)magic.txt",
]


def case_hostile_paths(repo: GitRepo) -> Expected:
    repo.write('old "q" name.txt', "moved content line\n" * 3)
    repo.commit("before")
    expected = []
    for path in HOSTILE_PATHS:
        repo.write(path, f"{path}\n")
        text = f"{path}\n"
        lines = [f"+{line}" for line in text.split("\n")[:-1]]
        expected.append(
            file_entry(
                path,
                "added",
                [(0, 0, 1, len(lines), lines)],
                new_size=len(text.encode()),
                new_text=text,
            )
        )
    latin = os.fsdecode(b"caf\xe9.txt")
    (repo.root / latin).write_text("latin name\n", encoding="utf-8")
    expected.append(file_entry("caf\ufffd.txt", "added", [(0, 0, 1, 1, ["+latin name"])], new_size=11,
                               new_text="latin name\n"))  # fmt: skip
    repo.remove('old "q" name.txt')
    repo.write("new\tq.txt", "moved content line\n" * 3)
    expected.append(file_entry("new\tq.txt", "renamed", old_path='old "q" name.txt', similarity=100,
                               old_size=57, new_size=57, new_text="moved content line\n" * 3))  # fmt: skip
    return sorted(expected, key=lambda entry: entry["path"].encode("utf-8", "surrogateescape"))


def case_submodule(repo: GitRepo) -> Expected:
    sub = GitRepo.init(repo.root / "sub")
    sub.write("f.txt", "1\n")
    first = sub.commit("s1")
    repo.write("top.txt", "top\n")
    repo.commit("before")
    sub.write("f.txt", "2\n")
    second = sub.commit("s2")
    hunk = (1, 1, 1, 1, [f"-Subproject commit {first}", f"+Subproject commit {second}"])
    return [file_entry("sub", "modified", [hunk], submodule=True)]


def case_empty_file(repo: GitRepo) -> Expected:
    repo.write("keep.txt", "k\n")
    repo.commit("before")
    repo.write("empty.txt", "")
    return [file_entry("empty.txt", "added", new_size=0, new_text="")]


def case_type_change(repo: GitRepo) -> Expected:
    repo.write("link", "target\n")
    repo.commit("before")
    repo.remove("link")
    os.symlink("target", repo.root / "link")
    hunks = [(1, 1, 0, 0, ["-target"]), (0, 0, 1, 1, ["+target", "\\"])]
    return [
        file_entry("link", "modified", hunks, old_mode="100644", new_mode="120000",
                   old_size=7, new_size=6, new_text="target"),
    ]  # fmt: skip


def case_symlinks(repo: GitRepo) -> Expected:
    os.symlink("old/target", repo.root / "moved")
    os.symlink("doomed", repo.root / "gone")
    repo.commit("before")
    os.symlink("/etc/passwd", repo.root / "passwd")
    (repo.root / "moved").unlink()
    os.symlink("new target", repo.root / "moved")
    repo.remove("gone")
    return [
        file_entry("gone", "deleted", [(1, 1, 0, 0, ["-doomed", "\\"])], old_mode="120000",
                   old_size=6),
        file_entry("moved", "modified", [(1, 1, 1, 1, ["-old/target", "\\", "+new target", "\\"])],
                   old_mode="120000", new_mode="120000", old_size=10, new_size=10,
                   new_text="new target"),
        file_entry("passwd", "added", [(0, 0, 1, 1, ["+/etc/passwd", "\\"])], new_mode="120000",
                   new_size=11, new_text="/etc/passwd"),
    ]  # fmt: skip


TRICKY_BEFORE = "--- a/x\n+++ b/x\n@@ -1 +1 @@\ndiff --git a/x b/x\nkeep\n"
TRICKY_AFTER = (
    "keep\n-- x\n++ y\n\\ No newline at end of file\n0123456789abcdef0123456789abcdef01234567\n"
    "[bold]markup[/bold] \x1b[31mred\x1b[0m\n\n"
)


def case_header_lookalikes(repo: GitRepo) -> Expected:
    repo.write("tricky.txt", TRICKY_BEFORE)
    repo.commit("before")
    repo.write("tricky.txt", TRICKY_AFTER)
    hunk = (1, 5, 1, 7, [
        "---- a/x", "-+++ b/x", "-@@ -1 +1 @@", "-diff --git a/x b/x", " keep",
        "+-- x", "+++ y", "+\\ No newline at end of file", "+0123456789abcdef0123456789abcdef01234567",
        "+[bold]markup[/bold] \x1b[31mred\x1b[0m", "+",
    ])  # fmt: skip
    return [
        file_entry("tricky.txt", "modified", [hunk], old_size=len(TRICKY_BEFORE),
                   new_size=len(TRICKY_AFTER), new_text=TRICKY_AFTER),
    ]  # fmt: skip


def case_line_separators(repo: GitRepo) -> Expected:
    repo.write("keep.txt", "k\n")
    repo.commit("before")
    text = "a\x0cb\nc\u2028d\ne\x1cf\rg\n"
    repo.write("seps.txt", text)
    lines = ["+a\x0cb", "+c\u2028d", "+e\x1cf\rg"]
    return [
        file_entry(
            "seps.txt", "added", [(0, 0, 1, 3, lines)], new_size=len(text.encode()), new_text=text
        )
    ]


def case_state_dir_excluded(repo: GitRepo) -> Expected:
    repo.write("keep.txt", "k\n")
    repo.commit("before")
    repo.write(".reviewtui/state.json", '{"version": 1}\n')
    repo.write(".reviewtui/cache/x", "cached\n")
    repo.write("real.txt", "real\n")
    return [
        file_entry("real.txt", "added", [(0, 0, 1, 1, ["+real"])], new_size=5, new_text="real\n")
    ]


CASES: dict[str, Case] = {
    "modified": case_modified,
    "added-deleted": case_added_and_deleted,
    "rename": case_rename_with_edit,
    "copy": case_copy,
    "mode": case_mode_change,
    "binary": case_binary,
    "no-final-newline": case_no_final_newline,
    "crlf": case_crlf,
    "invalid-utf8": case_invalid_utf8,
    "hostile-paths": case_hostile_paths,
    "submodule": case_submodule,
    "empty-file": case_empty_file,
    "type-change": case_type_change,
    "symlinks": case_symlinks,
    "header-lookalikes": case_header_lookalikes,
    "line-separators": case_line_separators,
    "state-dir": case_state_dir_excluded,
}


WARNINGS: dict[str, list[str]] = {
    "invalid-utf8": [
        "1 file(s) are not valid UTF-8 (latin-1?); their undecodable bytes are shown as \ufffd:"
        " latin.txt"
    ],
}
"""The phase's warnings for each case (none for the cases not listed)."""


@pytest.mark.parametrize("where", ["worktree", "committed"])
@pytest.mark.parametrize("name", list(CASES))
def test_hostile_case(
    git_repo: GitRepo, hostile: Callable[[], None], name: str, where: str
) -> None:
    expected = CASES[name](git_repo)
    if where == "committed":
        git_repo.commit("after")
    hostile()
    phase = resolve_phase(
        open_repo(git_repo.root), "HEAD" if where == "worktree" else "HEAD~1..HEAD", None
    )
    actual = [summarize(file) for file in phase.files]
    assert actual == expected
    assert phase.warnings == WARNINGS.get(name, [])
    for file in phase.files:
        for hunk in file.hunks:
            assert_numbering(hunk)
    if where == "committed":
        _assert_commit_lines(phase)


def _assert_commit_lines(phase: Phase) -> None:
    """The one commit of the phase added exactly the `+` lines of every text file that is not a copy."""
    assert [commit.subject for commit in phase.commits] == ["after"]
    added = phase.commits[0].added_lines
    for file in phase.files:
        texts = {
            line.text.strip() for hunk in file.hunks for line in hunk.lines if line.kind == "+"
        }
        texts.discard("")
        if not file.copied and not file.binary:
            assert added.get(file.path, set()) == texts, file.path


def test_the_hostile_config_breaks_naive_git(
    git_repo: GitRepo, hostile: Callable[[], None]
) -> None:
    """The config really is hostile: porcelain `git diff` fails, and is colored and prefixless."""
    git_repo.write("a.txt", "a\n")
    git_repo.commit("base")
    git_repo.write("a.txt", "b\n")
    hostile()
    naive = subprocess.run(["git", "diff"], cwd=git_repo.root, capture_output=True, check=False)
    assert naive.returncode != 0 and b"orderfile" in naive.stderr
    colored = subprocess.run(
        ["git", "diff", "--no-ext-diff", "--no-textconv", "-O/dev/null"],
        cwd=git_repo.root,
        capture_output=True,
        check=True,
    )
    assert b"\x1b[" in colored.stdout and b"a/a.txt" not in colored.stdout
    assert [file.path for file in resolve_phase(open_repo(git_repo.root), None, None).files] == [
        "a.txt"
    ]


def test_commit_messages_under_hostile_config(
    git_repo: GitRepo, hostile: Callable[[], None]
) -> None:
    git_repo.write("a.txt", "a\n")
    git_repo.commit("base")
    git_repo.write("a.txt", "b\n")
    git_repo.commit("Café données ✓\n\nBody with ünïcode.\n\nSpec: 2.1\nRefs: T012")
    hostile()
    (commit,) = resolve_phase(open_repo(git_repo.root), "HEAD~1..HEAD", None).commits
    assert commit.subject == "Café données ✓"
    assert commit.body == "Body with ünïcode.\n\nSpec: 2.1\nRefs: T012"
    assert commit.trailers == {"Spec": ["2.1"], "Refs": ["T012"]}
    assert commit.added_lines == {"a.txt": {"b"}}


def test_new_text_is_left_out_above_the_size_limit(
    git_repo: GitRepo, hostile: Callable[[], None], monkeypatch: pytest.MonkeyPatch
) -> None:
    git_repo.write("small.txt", "tiny\n")
    git_repo.write("big.txt", "x" * 40 + "\n")
    hostile()
    monkeypatch.setattr(gitrange, "NEW_TEXT_LIMIT", 20)
    phase = resolve_phase(open_repo(git_repo.root), None, None)
    by_path = {file.path: file for file in phase.files}
    assert by_path["small.txt"].new_text == "tiny\n"
    assert by_path["big.txt"].new_text is None
    assert by_path["big.txt"].new_size == 41
    assert by_path["big.txt"].added == 1
