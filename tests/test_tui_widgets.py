"""Tests of the TUI's building blocks that take plain models: text cleaning, highlighting, the diff view."""

from __future__ import annotations

from textual.app import App, ComposeResult

from reviewtui.core.models import Chunk, DiffLine, Flag
from reviewtui.core.session import ReviewSession
from reviewtui.tui.highlight import changed_spans, highlight_chunk, lexer_for, tokenize
from reviewtui.tui.screens.help import binding_rows, key_label
from reviewtui.tui.text import clean_block, clean_line
from reviewtui.tui.widgets.diff_view import DiffView
from reviewtui.tui.widgets.requirement import requirement_content
from tests.gitrepo import GitRepo

HOSTILE = [
    "[bold]not bold[/bold]",
    "x = '[/red]'",
    "[link=https://example.invalid]click[/link]",
    "\x1b[31mred\x1b[0m and \x1b]8;;http://x\x07osc",
]


def make_chunk(
    lines: list[DiffLine], path: str = "src/model.py", language: str | None = "python"
) -> Chunk:
    added = sum(1 for line in lines if line.kind == "+")
    removed = sum(1 for line in lines if line.kind == "-")
    return Chunk(
        id=f"c{len(lines)}-{abs(hash(tuple(line.text for line in lines)))}",
        path=path,
        old_path=None,
        change="modified",
        lines=lines,
        new_start=1,
        new_lines=len(lines),
        old_start=1,
        old_lines=len(lines),
        added=added,
        removed=removed,
        symbol="Model.forward",
        language=language,
    )


def numbered(kinds_texts: list[tuple[str, str]]) -> list[DiffLine]:
    old = new = 1
    lines = []
    for kind, text in kinds_texts:
        lines.append(
            DiffLine(kind, text, old if kind != "+" else None, new if kind != "-" else None)
        )  # type: ignore[arg-type]
        old += kind != "+"
        new += kind != "-"
    return lines


def test_clean_line_makes_control_characters_visible() -> None:
    cleaned = clean_line("\x1b[31mred\x1b[0m\tend\r\u202e")
    assert "\x1b" not in cleaned and "\r" not in cleaned and "\u202e" not in cleaned
    assert cleaned.startswith("␛[31mred␛[0m")
    assert "    end" in cleaned and "<U+202E>" in cleaned
    assert clean_block("a\r\nb") == "a\nb"


def test_clean_line_shows_what_the_command_line_escapes_too() -> None:
    # zero-width and invisible marks hide what a line contains, as bidi overrides do
    cleaned = clean_line("pass\u200bword\u2066x\u2069\ufeff\u2028")
    assert cleaned == "pass<U+200B>word<U+2066>x<U+2069><U+FEFF><U+2028>"
    assert clean_line("naïve café – ok") == "naïve café – ok"


def test_tokenize_keeps_lines_and_multiline_strings() -> None:
    lexer = lexer_for("python", "x.py")
    lines = ['s = """one', 'two"""', "x = 1"]
    tokens = tokenize(lexer, lines)
    assert ["".join(text for _, text in runs) for runs in tokens] == lines
    second_line_types = {str(token_type) for token_type, _ in tokens[1]}
    assert any("String" in name for name in second_line_types)


def test_changed_spans_mark_only_the_changed_word() -> None:
    old_spans, new_spans = changed_spans("lr = 0.001  # spec", "lr = 0.01  # spec")
    assert [("lr = 0.001  # spec")[a:b] for a, b in old_spans] == ["0.001"]
    assert [("lr = 0.01  # spec")[a:b] for a, b in new_spans] == ["0.01"]
    assert changed_spans("completely different", "x = y + z * 2") == ([], [])


def test_highlight_pairs_removed_and_added_lines() -> None:
    chunk = make_chunk(numbered([(" ", "def f():"), ("-", "    return 1"), ("+", "    return 2")]))
    rows = highlight_chunk(chunk)
    assert [row.kind for row in rows] == [" ", "-", "+"]
    assert rows[1].text[rows[1].changed[0][0] : rows[1].changed[0][1]] == "1"
    assert rows[2].text[rows[2].changed[0][0] : rows[2].changed[0][1]] == "2"
    assert all("".join(text for _, text in row.tokens) == row.text for row in rows)


def test_unknown_language_still_renders_plain() -> None:
    chunk = make_chunk(numbered([("+", "some text")]), path="notes.unknownext", language=None)
    rows = highlight_chunk(chunk)
    assert "".join(text for _, text in rows[0].tokens) == "some text"


class DiffApp(App[None]):
    def __init__(self, chunk: Chunk, flags: list[Flag] | None = None) -> None:
        super().__init__()
        self.chunk, self.flags = chunk, flags or []

    def compose(self) -> ComposeResult:
        yield DiffView(id="diff")

    def on_mount(self) -> None:
        self.query_one(DiffView).show_chunk(self.chunk, self.flags)


async def test_diff_view_renders_untrusted_text_literally() -> None:
    chunk = make_chunk(numbered([("+", text) for text in HOSTILE]))
    app = DiffApp(chunk, [Flag("synthetic-data", "high", 2, "x")])
    async with app.run_test(size=(120, 20)) as pilot:
        await pilot.pause()
        view = app.query_one(DiffView)
        texts = [view.render_line(y).text for y in range(len(HOSTILE))]
        assert "[bold]not bold[/bold]" in texts[0]
        assert "'[/red]'" in texts[1]
        assert "[link=https://example.invalid]click[/link]" in texts[2]
        assert "␛[31mred␛[0m" in texts[3] and "\x1b" not in "".join(texts)
        assert "▲" in texts[1] and "▲" not in texts[0]
        assert texts[0].split()[:2] == ["1", "+"]


async def test_diff_view_draws_only_visible_lines_and_scrolls() -> None:
    lines = numbered([("+", f"value_{index} = {index}") for index in range(2000)])
    app = DiffApp(make_chunk(lines))
    async with app.run_test(size=(80, 12)) as pilot:
        view = app.query_one(DiffView)
        view.focus()
        await app.workers.wait_for_complete()  # a chunk this big is highlighted in a worker
        await pilot.pause()
        assert view.rows[0].tokens and len(view.rows[0].tokens) > 1
        assert view.virtual_size.height == 2000
        assert not view.children
        await pilot.press("end")
        await pilot.pause()
        assert view.scroll_offset.y > 1900
        last = view.render_line(view.scrollable_content_region.height - 1).text
        assert "value_1999" in last


async def test_big_chunk_is_drawn_plain_first() -> None:
    lines = numbered([("+", f"value_{index} = {index}") for index in range(1000)])
    app = DiffApp(make_chunk(numbered([("+", "x = 1")])))
    async with app.run_test(size=(80, 12)) as pilot:
        view = app.query_one(DiffView)
        view.show_chunk(make_chunk(lines))
        assert view.rows[0].tokens == [] and view.rows[0].text == "value_0 = 0"
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert [text for _, text in view.rows[0].tokens][:1] == ["value_0"]


def test_help_rows_come_from_bindings() -> None:
    from reviewtui.tui.screens.review import ReviewScreen

    rows = dict((description, keys) for keys, description in binding_rows(ReviewScreen.BINDINGS))
    assert rows["Approve"] == "a"
    assert rows["Next chunk"] == "j / ↓"
    assert rows["Filter"] == "/"
    assert key_label("question_mark") == "?"


async def test_loading_screen_shows_the_step_and_progress() -> None:
    from textual.widgets import Label, ProgressBar

    from reviewtui.tui.screens.loading import LoadingScreen

    class LoadingApp(App[None]):
        def on_mount(self) -> None:
            self.push_screen(LoadingScreen())

    app = LoadingApp()
    async with app.run_test() as pilot:
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, LoadingScreen)
        screen.show_progress("linking chunks [bold]to[/bold] the spec", 0.7)
        await pilot.pause()
        assert str(screen.query_one("#loading-step", Label).render()) == (
            "linking chunks [bold]to[/bold] the spec"
        )
        assert screen.query_one(ProgressBar).progress == 0.7


F19_SPEC = """\
# Plan

## 2 Data

### 2.4 Splits

Hold out 5% of the training set as a dev set, stratified by label.

## Phases

- [ ] 1.3 Dev split (2.4)
"""


def test_a_task_with_no_text_shows_the_section_it_cites(git_repo: GitRepo) -> None:
    git_repo.write("SPEC.md", F19_SPEC)
    git_repo.commit("spec")
    git_repo.git("checkout", "-q", "-b", "agent")
    git_repo.write("src/split.py", "def split_dev(train):\n    return train.split(0.05)\n")
    git_repo.commit("Dev split\n\nSpec: 1.3")
    session = ReviewSession.open(git_repo.root, no_llm=True)
    (chunk,) = session.chunks
    assert session.link(chunk.id).section_id == "1.3"
    text = requirement_content(session, chunk).plain
    assert "2.4 Splits\nHold out 5% of the training set" in text
    assert "(no text of its own)" not in text
