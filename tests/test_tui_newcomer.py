"""Pilot tests of what two newcomers found driving the app: the help scrolls, `tab` stops only where
it helps and shows where it is, requests and flags need their text, deleting a request asks first,
the ledger leads with its verdict, a relink keeps the reviewer's place, the app opens on the
deviations, Ctrl+C quits, and the messages point to the next step."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import DataTable, Label

from reviewtui.tui.screens.dialogs import TextDialog
from reviewtui.tui.screens.help import HelpScreen
from reviewtui.tui.screens.ledger import COLUMNS, LedgerScreen
from reviewtui.tui.screens.requests import RequestQueueScreen
from reviewtui.tui.screens.section_picker import SectionPicker
from reviewtui.tui.widgets.key_bar import KeyBar
from reviewtui.tui.widgets.outline import SpecOutline
from tests.gitrepo import GitRepo
from tests.tui_support import build_toy_repo, review, screen_of, type_and_enter


@pytest.fixture
def toy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    repo, _ = build_toy_repo(tmp_path / "toy", monkeypatch, hostile=True)
    return repo.root


def messages(app: object) -> list[str]:
    return [str(n.message) for n in app._notifications]  # type: ignore[attr-defined]


@pytest.mark.parametrize("size", [(80, 24), (120, 35)])
async def test_help_fits_the_terminal_and_scrolls_to_the_last_key(
    demo_copy: Path, size: tuple[int, int]
) -> None:
    async with review(demo_copy, size=size) as (app, pilot):
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        dialog, table = app.screen.query_one("#help"), app.screen.query_one(DataTable)
        hint = app.screen.query_one("#help-hint", Label)
        assert dialog.region.bottom <= size[1] and table.region.bottom <= dialog.region.bottom
        assert hint.region.height == 1 and "closes" in str(hint.content)
        assert table.max_scroll_y > 0  # more keys than rows: the table scrolls
        for _ in range(table.row_count):
            await pilot.press("j")
        await pilot.pause()
        assert table.scroll_y == table.max_scroll_y
        last = [str(table.get_row_at(i)[1]) for i in range(table.row_count - 2, table.row_count)]
        assert last == ["Quit", "Commands"]  # the app's keys, at the end
        await pilot.press("escape")
        assert not isinstance(app.screen, HelpScreen)


async def test_tab_visits_outline_chunks_and_diff_each_visibly_focused(toy: Path) -> None:
    async with review(toy) as (app, pilot):
        seen = []
        for _ in range(4):
            await pilot.press("tab")
            focused = app.focused
            assert focused is not None and focused.styles.border_left[0] == "thick"
            seen.append(focused.id)
        assert seen == ["outline", "chunks", "diff", "outline"]
        await pilot.press("shift+tab")
        assert app.focused is not None and app.focused.id == "diff"
        unfocused = app.screen.query_one("#chunks")
        assert unfocused.styles.border_left[0] == "blank"  # same width, no bar


async def test_the_findings_box_is_a_stop_only_when_it_scrolls(demo_copy: Path) -> None:
    async with review(demo_copy, size=(80, 24)) as (app, pilot):
        screen = screen_of(app)
        chunk = next(c for c in screen.navigator.visible if c.location.startswith("src/dr/eval"))
        screen.go_to_chunk(chunk.id)
        await pilot.pause()
        box = screen.query_one("#findings-box")
        assert box.max_scroll_y > 0
        assert box in screen.focus_stops()


async def test_a_request_needs_more_than_its_prefilled_location(toy: Path) -> None:
    async with review(toy) as (app, pilot):
        await pilot.press("r")
        assert isinstance(app.screen, TextDialog)
        await pilot.press("enter")  # only the prefill
        assert isinstance(app.screen, TextDialog) and app.session.requests == []
        assert "needs a text" in str(app.screen.query_one("#dialog-hint", Label).content)
        assert messages(app) == []  # said in the dialog, no toast left behind
        value = app.screen.query_one("#dialog-input").value  # type: ignore[attr-defined]
        await type_and_enter(pilot, value + "split the loader")
        assert [r.text.endswith("split the loader") for r in app.session.requests] == [True]


async def test_a_flagged_chunk_keeps_its_note_and_approval_clears_it(toy: Path) -> None:
    async with review(toy) as (app, pilot):
        chunk_id = screen_of(app).navigator.chunk_id
        assert chunk_id is not None
        await pilot.press("f")
        await type_and_enter(pilot, "")
        assert isinstance(app.screen, TextDialog) and messages(app) == []  # P10: no stale toast
        await type_and_enter(pilot, "bad logger")
        await pilot.press("n")
        await type_and_enter(pilot, "")
        assert isinstance(app.screen, TextDialog)  # a flag needs a note
        assert "u unflags" in str(app.screen.query_one("#dialog-hint", Label).content)
        await pilot.press("escape")
        decision = app.session.decision(chunk_id)
        assert (decision.status, decision.note) == ("flagged", "bad logger")
        screen_of(app).go_to_chunk(chunk_id)
        await pilot.press("a")
        decision = app.session.decision(chunk_id)
        assert (decision.status, decision.note) == ("approved", None)


async def test_approving_keeps_a_plain_note(toy: Path) -> None:
    async with review(toy) as (app, pilot):
        chunk_id = screen_of(app).navigator.chunk_id
        assert chunk_id is not None
        await pilot.press("n")
        await type_and_enter(pilot, "checked against the csv module")
        await pilot.press("a")
        assert app.session.decision(chunk_id).note == "checked against the csv module"


async def test_deleting_a_request_asks_first_and_a_move_keeps_it(toy: Path) -> None:
    async with review(toy) as (app, pilot):
        chunk_id = screen_of(app).navigator.chunk_id
        for text in ("first [bold]x[/bold]", "second"):
            app.session.add_request(chunk_id, "refactor", text)
        await pilot.press("Q")
        assert isinstance(app.screen, RequestQueueScreen)
        await pilot.press("backspace")
        assert len(app.session.requests) == 2
        assert any("Press del again" in m for m in messages(app))
        await pilot.press("down", "up", "backspace")  # moving away disarms: asks again
        assert len(app.session.requests) == 2
        await pilot.press("backspace")
        assert [r.text for r in app.session.requests] == ["second"]
        notes = list(app._notifications)
        assert notes and all(not n.markup for n in notes)


async def test_the_queue_key_bar_always_says_how_to_go_back(toy: Path) -> None:
    async with review(toy, size=(80, 24)) as (app, pilot):
        await pilot.press("Q")
        await pilot.pause()
        shown = str(app.screen.query_one(KeyBar).render())
        assert "Back to review" in shown and "Help" in shown and "Quit" in shown


async def test_ledger_leads_with_the_verdict_and_shows_stand_ins(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = GitRepo.init(tmp_path / "warm")
    repo.write(
        "SPEC.md",
        "# Spec\n\n## Training\n\nUse a warmup ratio of 10% and a learning rate of 2e-5.\n",
    )
    repo.commit("spec")
    repo.write("train.py", "warmup_steps = 500\nlearning_rate = 1e-4\n")
    async with review(repo.root, size=(80, 24)) as (app, pilot):
        await pilot.press("L")
        assert isinstance(app.screen, LedgerScreen)
        table = app.screen.query_one(DataTable)
        headings = [str(column.label) for column in table.columns.values()]
        assert headings == list(COLUMNS) and headings[0] == "Verdict"
        rows = [[str(cell) for cell in table.get_row_at(i)] for i in range(table.row_count)]
        by_name = {row[1]: row for row in rows}
        assert by_name["learning_rate"][0] == "disagrees"
        warmup = by_name["warmup_ratio"]
        assert warmup[0] == "not set" and "warmup_steps = 500" in warmup[3]
        assert warmup[4] == "train.py:1"
        verdict = table.columns[next(iter(table.columns))]
        assert verdict.get_render_width(table) < 20  # the first, narrow column: on screen at 80


async def test_relink_risk_first_keeps_the_reviewers_place(toy: Path) -> None:
    async with review(toy) as (app, pilot):
        navigator = screen_of(app).navigator
        await pilot.press("o")
        first = navigator.chunk
        following = navigator.peek_chunk(1)
        assert first is not None and following is not None
        assert app.session.link(first.id).section_id is None  # unsure: listed first
        await pilot.press("l")
        await type_and_enter(pilot, "1 Data")
        assert app.session.link(first.id).section_id == "1-data"
        assert navigator.chunk_id == first.id and navigator.visible[0].id == first.id
        await pilot.press("j")
        assert navigator.chunk_id == following.id


async def test_the_demo_opens_risk_first_on_the_riskiest_pending_chunk(demo_copy: Path) -> None:
    async with review(demo_copy) as (app, _):
        navigator = screen_of(app).navigator
        assert navigator.order == "risk"
        riskiest = app.session.ordered_chunks("risk")[0]
        assert navigator.chunk_id == riskiest.id
        assert any(f.severity == "high" for f in app.session.flags_of(riskiest.id))


async def test_a_repo_without_flags_opens_in_spec_order(toy: Path) -> None:
    async with review(toy) as (app, _):
        assert screen_of(app).navigator.order == "spec"


async def test_ctrl_c_quits_like_q(toy: Path) -> None:
    async with review(toy) as (app, pilot):
        await pilot.press("ctrl+c")
        await pilot.pause()
        assert app.return_code == 0  # the app is ending, as with q
        assert not any("ctrl+q" in m for m in messages(app))


async def test_last_approval_points_to_the_next_step(toy: Path) -> None:
    async with review(toy) as (app, pilot):
        for chunk in app.session.chunks[1:]:
            app.session.approve(chunk.id)
        screen = screen_of(app)
        screen.go_to_chunk(app.session.chunks[0].id)
        await pilot.press("a")
        said = " ".join(messages(app))
        assert "x exports" in said and "Q opens the request queue" in said
        assert "reviewtui checkpoint" in said


async def test_outline_opens_at_the_spec_title(demo_copy: Path) -> None:
    async with review(demo_copy, size=(120, 35)) as (app, _):
        outline = screen_of(app).query_one(SpecOutline)
        assert outline.scroll_y == 0
        assert outline.cursor_line < outline.scrollable_content_region.height


async def test_section_picker_says_when_nothing_matches(toy: Path) -> None:
    async with review(toy) as (app, pilot):
        await pilot.press("l")
        await type_and_enter(pilot, "no such section zzz")
        assert isinstance(app.screen, SectionPicker)
        hint = str(app.screen.query_one("#picker-hint", Label).content)
        assert "No section matches" in hint and "zzz" in hint
        await type_and_enter(pilot, "1 Data")
        assert not isinstance(app.screen, SectionPicker)
