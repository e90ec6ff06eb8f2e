"""Untrusted text in `status`, the export and the prompt: the agent's declared deviations (read from
commit bodies), one escaper for control, bidi and zero-width characters, one table-cell escaper."""

from __future__ import annotations

import json

import pytest
from markdown_it import MarkdownIt

from reviewtui.cli import main
from reviewtui.core.deviations import declared_deviations, deviation_blocks
from reviewtui.core.models import CommitInfo
from reviewtui.core.report import export_markdown, status_dict, status_text
from reviewtui.core.safe_text import UNSAFE, visible_controls
from reviewtui.core.session import ReviewSession
from tests.gitrepo import GitRepo

# --------------------------------------------------------------------------- deviations


@pytest.mark.parametrize(
    ("body", "blocks"),
    [
        (
            "Deviations:\n- batch size 64\n- templated paraphrases\n\nSpec: 1.2",
            ["- batch size 64\n- templated paraphrases"],
        ),
        (
            "Did it.\n\n## Deviations\n\n- a\n  more of a\n- b\n\nNotes: later",
            ["- a\n  more of a\n- b"],
        ),
        ("Deviations: evaluated on 500 samples", ["evaluated on 500 samples"]),
        ("**Deviations:**\n1. lr 1e-4\nTests:\n- unit", ["1. lr 1e-4"]),
        ("Deviations from the spec:\n- one\n\n- two", ["- one\n\n- two"]),
        ("Deviations:\n  - indented\n  - list", ["- indented\n- list"]),
        ("Deviations: none", []),
        ("Deviations:\n- None.", []),
        ("Deviations:\n\nSpec: 2", []),
        ("The deviations were small.", []),
        ("Deviations: a\n\nDeviations: b", ["a", "b"]),
    ],
)
def test_deviation_blocks(body: str, blocks: list[str]) -> None:
    assert deviation_blocks(body) == blocks


def test_declared_deviations_keep_the_commit_order() -> None:
    commits = [
        CommitInfo("a" * 40, "first", "Deviations: one"),
        CommitInfo("b" * 40, "second", "no list here"),
        CommitInfo("c" * 40, "third", "Deviations:\n- two"),
    ]
    assert [(d.commit[0], d.text) for d in declared_deviations(commits)] == [
        ("a", "one"),
        ("c", "- two"),
    ]


SPEC = "# Plan\n\n## 1 Data | splits\n\nLoad the ratings with `load_ratings`.\n"
DATA = 'def load_ratings(path):\n    """Load."""\n    return open(path).read()\n'
BODY = (
    "Load ratings\n\nDeviations:\n- evaluation batch size 64\n"
    "- paraphrases are templated, no API key in the sandbox \u202eevil\x1b[2J\n\nSpec: 1"
)


@pytest.fixture
def deviating(git_repo: GitRepo) -> GitRepo:
    git_repo.write("SPEC.md", SPEC)
    git_repo.commit("spec")
    git_repo.git("checkout", "-q", "-b", "agent")
    git_repo.write("src/data.py", DATA)
    git_repo.commit(BODY)
    git_repo.write("src/more.py", "X = 1\n")
    git_repo.commit("More\n\nDeviations: none")
    return git_repo


def test_declared_deviations_reach_the_export_status_and_json(
    deviating: GitRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    session = ReviewSession.open(deviating.root)
    sha = next(c.sha for c in session.phase.commits if c.subject == "Load ratings")
    text = export_markdown(session)
    assert text.index("## Deviations the agent declared") < text.index("## Summary")
    assert (
        f"From commit `{sha[:12]}` (Load ratings):\n\n```text\n- evaluation batch size 64\n" in text
    )
    assert "templated, no API key in the sandbox \\u202eevil\\x1b[2J\n```" in text
    assert "\u202e" not in text and "\x1b" not in text

    declared = status_dict(session)["declared_deviations"]
    assert declared == [
        {
            "commit": sha,
            "text": "- evaluation batch size 64\n"
            "- paraphrases are templated, no API key in the sandbox \u202eevil\x1b[2J",
        }
    ]
    assert "  deviations the agent declared: 1 block in 1 commit" in status_text(session)

    assert main(["status", "--json", "--repo", str(deviating.root)]) == 0
    assert json.loads(capsys.readouterr().out)["declared_deviations"] == declared


def test_no_deviations_means_no_heading_and_an_empty_list(git_repo: GitRepo) -> None:
    git_repo.write("SPEC.md", SPEC)
    git_repo.commit("spec")
    git_repo.git("checkout", "-q", "-b", "agent")
    git_repo.write("src/data.py", DATA)
    git_repo.commit("Load\n\nDeviations: none")
    session = ReviewSession.open(git_repo.root)
    assert status_dict(session)["declared_deviations"] == []
    assert "Deviations the agent declared" not in export_markdown(session)
    assert "deviations" not in status_text(session)


# --------------------------------------------------------------------------- safe text


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("\x1b[31mred", "\\x1b[31mred"),
        ("a\rb", "a\\x0db"),
        ("bell\x07", "bell\\x07"),
        ("del\x7f", "del\\x7f"),
        ("c1\x9b2J", "c1\\x9b2J"),
        ('X = "\u202eevil"', 'X = "\\u202eevil"'),
        ("\u2066isolate\u2069", "\\u2066isolate\\u2069"),
        ("\u200emark\u200f\u061c", "\\u200emark\\u200f\\u061c"),
        ("zero\u200bwidth\u200d\u2060", "zero\\u200bwidth\\u200d\\u2060"),
        ("\ufeffbom", "\\ufeffbom"),
        ("line\u2028sep", "line\\u2028sep"),
        (
            "keeps\nnewlines\tand tabs, é, 日本, emoji 🙂",
            "keeps\nnewlines\tand tabs, é, 日本, emoji 🙂",
        ),
    ],
)
def test_visible_controls(raw: str, shown: str) -> None:
    assert visible_controls(raw) == shown


def test_unsafe_holds_every_escaped_character_and_nothing_printable() -> None:
    assert {"\x1b", "\x9b", "\u202e", "\u2066", "\u200b", "\ufeff"} <= UNSAFE
    assert not any(char.isprintable() and char.isalnum() for char in UNSAFE)
    assert "\n" not in UNSAFE and "\t" not in UNSAFE and " " not in UNSAFE


def test_the_cli_export_prints_no_bidi_override(
    git_repo: GitRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    git_repo.write("SPEC.md", SPEC)
    git_repo.commit("spec")
    git_repo.write("src/data.py", 'X = "\u202eevil\u2066"\n')
    assert main(["export", "--repo", str(git_repo.root)]) == 0
    out = capsys.readouterr().out
    assert '+X = "\\u202eevil\\u2066"' in out
    assert not UNSAFE & set(out)


# --------------------------------------------------------------------------- tables


def table_rows(markdown: str, heading: str) -> list[list[str]]:
    """The cells of the first table after `heading`, as a GFM reader splits them."""
    section = markdown.split(heading, 1)[1]
    tokens = MarkdownIt("commonmark").enable("table").parse(section)
    rows: list[list[str]] = []
    for token in tokens:
        if token.type == "tr_open":
            rows.append([])
        elif token.type == "inline" and rows and token.map is not None:
            rows[-1].append(token.content)
        elif token.type == "table_close":
            break
    return rows


def test_a_pipe_in_a_title_or_path_keeps_every_table_whole(git_repo: GitRepo) -> None:
    git_repo.write("SPEC.md", SPEC)
    git_repo.commit("spec")
    code = "def load(path):\n    try:\n        return open(path).read()\n    except Exception:\n        pass\n"
    git_repo.write("src/a|b.py", "# spec: 1-data--splits\n" + code)
    text = export_markdown(ReviewSession.open(git_repo.root))

    summary = table_rows(text, "## Summary")
    checks = table_rows(text, "## Checks, highest severity first")
    assert all(len(row) == 5 for row in summary) and summary[1][0] == "1 Data | splits"
    assert len(checks) == 2 and all(len(row) == 6 for row in checks)
    assert checks[1][1:4] == ["`swallowed-error`", "`src/a|b.py:5`", "1 Data | splits"]


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("1 Data | splits", False),
        ("a \\| b and C:\\new", False),
        ("two\nlines  folded", False),
        ("src/a|b.py:3", True),
        ("C:\\temp\\x|y", True),
    ],
)
def test_a_table_cell_reads_back_as_written(text: str, code: bool) -> None:
    from html import unescape

    from reviewtui.core.markdown_text import inline, table_cell, table_code

    cell = table_code(text) if code else table_cell(text)
    html = (
        MarkdownIt("commonmark")
        .enable("table")
        .render(f"| h | x |\n| --- | --- |\n| {cell} | x |\n")
    )
    row = html.split("<tbody>")[1]
    cells = [part.split("</td>")[0] for part in row.split("<td>")[1:]]
    assert len(cells) == 2
    shown = unescape(cells[0].removeprefix("<code>").removesuffix("</code>"))
    assert shown == inline(text)
