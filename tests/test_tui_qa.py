"""Pilot tests of what a QA pass over the demo found: a small terminal shows every flag, the outline
follows the chunk in both orders, keys that cannot work say why, the footer keeps Help and Quit."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import DataTable, Input, Label

from reviewtui.tui.app import ReviewApp
from reviewtui.tui.screens.dialogs import TextDialog
from reviewtui.tui.screens.draft import DraftScreen
from reviewtui.tui.screens.requests import RequestQueueScreen
from reviewtui.tui.widgets.diff_view import CLIPPED_RIGHT, DiffView
from reviewtui.tui.widgets.findings import FindingsPanel
from reviewtui.tui.widgets.key_bar import KeyBar
from reviewtui.tui.widgets.outline import SpecOutline
from reviewtui.tui.widgets.requirement import requirement_content
from tests.tui_support import build_toy_repo, review, screen_of, type_and_enter


@pytest.fixture
def demo(demo_copy: Path) -> Path:
    return demo_copy


@pytest.fixture
def toy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    repo, _ = build_toy_repo(tmp_path / "toy", monkeypatch)
    return repo.root


def notifications(app: ReviewApp) -> list[str]:
    return [notification.message for notification in app._notifications]


async def test_small_terminal_shows_every_flag_and_the_evidence(demo: Path) -> None:
    async with review(demo, size=(80, 24)) as (app, pilot):
        screen = screen_of(app)
        assert screen.navigator.order == "risk"  # the demo has deviations: it opens risk first
        chunk = next(c for c in screen.navigator.visible if c.location.startswith("src/dr/eval"))
        flags = app.session.flags_of(chunk.id)
        assert len(flags) >= 3
        screen.go_to_chunk(chunk.id)
        await pilot.pause()
        panel = screen.query_one(FindingsPanel)
        text = str(panel.content)
        for flag in flags:  # every message in full, wrapped (not cut at the line's end)
            assert " ".join(flag.message.split()) in " ".join(text.split())
        box = screen.query_one("#findings-box")
        assert panel.size.height == len(panel.content.wrap(panel.content_size.width))
        assert box.size.height < panel.size.height  # too tall for the box: it scrolls
        assert box.max_scroll_y == panel.outer_size.height - box.size.height
        assert box.focusable
        # The evidence comes right after the heading: a short requirement box still shows it.
        lines = str(requirement_content(app.session, chunk)).split("\n")
        assert lines[1].startswith("confidence")
        assert screen.query_one("#requirement-box").size.height >= 3
        # A code line wider than the pane ends in an arrow (the diff scrolls sideways).
        diff = screen.query_one(DiffView)
        rows = [diff.render_line(y).text for y in range(diff.size.height)]
        assert any(row.rstrip().endswith(CLIPPED_RIGHT) for row in rows)


@pytest.mark.parametrize("order_keys", [(), ("o",)])
async def test_outline_marks_the_section_of_the_chunk_in_view(
    demo: Path, order_keys: tuple[str, ...]
) -> None:
    async with review(demo, size=(120, 40)) as (app, pilot):
        screen = screen_of(app)
        await pilot.press(*order_keys)
        outline = screen.query_one(SpecOutline)
        for _ in range(12):
            chunk = screen.navigator.chunk
            assert chunk is not None
            assert outline.cursor_node is not None
            assert outline.cursor_node.data == screen.navigator.group_of(chunk), chunk.location
            await pilot.press("j")


@pytest.mark.parametrize(("no_llm", "expected"), [(False, "ANTHROPIC_API_KEY"), (True, "--no-llm")])
async def test_explain_without_an_llm_says_how_to_enable_it(
    toy: Path, no_llm: bool, expected: str
) -> None:
    app = ReviewApp(toy, no_llm=no_llm)
    async with app.run_test(size=(120, 40)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        await pilot.press("e")
        await pilot.pause()
        assert any(expected in message for message in notifications(app))


async def test_draft_without_an_llm_offers_only_close(toy: Path) -> None:
    app = ReviewApp(toy, no_llm=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        await pilot.press("r")
        prefilled = app.screen.query_one(Input).value  # the chunk's location
        await type_and_enter(pilot, prefilled + "read lazily")
        await pilot.press("Q")
        await pilot.pause()
        assert isinstance(app.screen, RequestQueueScreen)
        table = app.screen.query_one(DataTable)
        assert str(table.get_row_at(0)[-1]) == "read lazily"  # the location is in its own column
        await pilot.press("d")
        await pilot.pause()
        assert isinstance(app.screen, DraftScreen)
        assert "needs the LLM" in app.screen.status_text
        keys = str(app.screen.query_one(KeyBar).content)
        assert "Apply" not in keys and "Draft again" not in keys and "Close" in keys
        await pilot.press("y")
        await pilot.pause()
        assert isinstance(app.screen, DraftScreen)  # nothing applied, nothing drafted


@pytest.mark.parametrize("width", [80, 100, 140])
async def test_footer_keeps_help_and_quit(toy: Path, width: int) -> None:
    async with review(toy, size=(width, 30)) as (app, _):
        keys = str(screen_of(app).query_one(KeyBar).content)
        assert "? Help" in keys and "q Quit" in keys
        assert len(keys.rstrip()) <= width


async def test_sidebar_grows_with_the_terminal(toy: Path) -> None:
    widths = []
    for width in (80, 120, 200):
        async with review(toy, size=(width, 30)) as (app, _):
            widths.append(screen_of(app).query_one("#sidebar").size.width)
    assert widths[0] < widths[1] < widths[2]
    assert widths[2] >= 55


async def test_empty_flag_note_is_explained_in_the_dialog(toy: Path) -> None:
    async with review(toy) as (app, pilot):
        await pilot.press("f")
        await type_and_enter(pilot, "  ")
        assert isinstance(app.screen, TextDialog)
        assert "needs a note" in str(app.screen.query_one("#dialog-hint", Label).content)
        await pilot.press("escape")
        chunk = screen_of(app).navigator.chunk
        assert chunk is not None and app.session.decision(chunk.id).status == "pending"


async def test_reopen_starts_at_the_first_pending_chunk(toy: Path) -> None:
    async with review(toy) as (app, pilot):
        first = screen_of(app).navigator.chunk
        await pilot.press("a")
    async with review(toy) as (app, _):
        chunk = screen_of(app).navigator.chunk
        assert first is not None and chunk is not None and chunk.id != first.id
        assert app.session.decision(chunk.id).status == "pending"
        assert app.session.decision(first.id).status == "approved"


async def test_command_palette_has_one_help(toy: Path) -> None:
    async with review(toy) as (app, _):
        titles = [command.title for command in app.get_system_commands(app.screen)]
        assert "Keys" not in titles and titles.count("Help") == 1


async def test_outline_rows_keep_their_counts_at_80_columns(demo: Path) -> None:
    async with review(demo, size=(80, 24)) as (app, _):
        outline = screen_of(app).query_one(SpecOutline)
        width = outline.scrollable_content_region.width
        missing = {item.section_id for item in app.session.coverage.missing}
        for line in range(outline.last_line + 1):
            node = outline.get_node_at_line(line)
            assert node is not None and node.data is not None
            label = str(node.label)
            assert len(label) <= width
            tail = "missing" if node.data in missing else ""
            assert label.endswith(tail) and (label.split()[-1][-1].isdigit() or label[-1] in "∅✔g")


async def test_chunk_list_title_leads_with_the_count(toy: Path) -> None:
    async with review(toy, size=(80, 24)) as (app, pilot):
        title = str(screen_of(app).query_one("#chunks-title", Label).content)
        count = len(screen_of(app).navigator.chunks_of("1-data"))
        assert title == f"{count} chunks · 1 Data"
        await pilot.press("o")
        title = str(screen_of(app).query_one("#chunks-title", Label).content)
        assert title == f"{len(app.session.chunks)} chunks · all, risk first"


async def test_a_heading_implemented_through_a_citing_task_points_to_it(demo: Path) -> None:
    async with review(demo, size=(140, 45)) as (app, pilot):
        await pilot.pause()
        outline = screen_of(app).query_one(SpecOutline)
        labels = {sid: node.label.plain for sid, node in outline._section_nodes.items()}
        assert labels["2-model"].endswith("→ T05")  # the model code is linked to T05, which cites 2
        assert labels["4-evaluation"].endswith("→ T08")
        assert "∅" not in labels["2-model"]
        assert labels["13-splits"].endswith("missing")  # really not done in this phase
        assert labels["T09"].endswith("∅")  # a later phase's task with no code
