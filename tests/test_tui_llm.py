"""Pilot and snapshot tests of explanations streaming into the review app's chunk view.

The real app opens a real repo; the real anthropic SDK talks to the local `LLMServer`.
"""

from __future__ import annotations

import difflib
import shutil
import threading
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from textual.app import App, ComposeResult
from textual.pilot import Pilot

from reviewtui.core.llm.linking import suggest_links
from reviewtui.core.models import Chunk, Request
from reviewtui.core.session import ReviewSession
from reviewtui.tui.app import ReviewApp
from reviewtui.tui.screens.draft import DraftScreen
from reviewtui.tui.screens.review import ReviewScreen
from reviewtui.tui.widgets.diff_view import DiffView
from reviewtui.tui.widgets.explanation import ExplanationPanel
from reviewtui.tui.widgets.outline import SpecOutline
from tests.gitrepo import GitRepo
from tests.llm_server import LLMServer, Reply
from tests.llm_support import build_repo, link_answer, llm_env

EXPLANATION = (
    "### What it does\nBuilds AdamW and trains for 3 epochs. [bold]not markup[/bold]\n\n"
    "### Deviations from the spec\n- learning rate `1e-4`, spec says `2e-5`\n"
)


HOSTILE = "\n### What to check\n- escape \x1b[31mred\x1b[0m and [/red] [link=x]here[/link]\n"


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch) -> Iterator[LLMServer]:
    with LLMServer() as running:
        llm_env(monkeypatch, running.url)
        yield running


@pytest.fixture
def repo(git_repo: GitRepo, server: LLMServer) -> Path:
    """The LLM test repo, its LLM linking picks already cached (the app sends no linking help when
    it opens), so each test here sees only the requests it makes."""
    root = build_repo(git_repo)
    session = ReviewSession.open(root)
    server.queue(Reply(text=link_answer(session, {})))
    assert not suggest_links(session).errors
    server.requests.clear()
    return root


def notifications(app: App) -> list[str]:
    return [notification.message for notification in app._notifications]


@asynccontextmanager
async def review(root: Path, no_llm: bool = False) -> AsyncIterator[tuple[ReviewApp, Pilot]]:
    app = ReviewApp(root, no_llm=no_llm)
    async with app.run_test(size=(120, 40)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        yield app, pilot


async def settle(app: App, pilot: Pilot) -> None:
    await app.workers.wait_for_complete()
    await pilot.pause()
    await app.workers.wait_for_complete()
    await pilot.pause()


def panel_of(app: ReviewApp) -> ExplanationPanel:
    assert isinstance(app.screen, ReviewScreen), type(app.screen)
    return app.screen.query_one(ExplanationPanel)


async def go_to(app: ReviewApp, pilot: Pilot, wanted: Callable[[Chunk], bool]) -> None:
    """Move with j / k to the first chunk that `wanted` accepts (wherever the linker put it)."""
    screen = app.screen
    assert isinstance(screen, ReviewScreen)
    for key in ["j"] * 6 + ["k"] * 12:
        chunk = screen.navigator.chunk
        if chunk is not None and wanted(chunk):
            return
        await pilot.press(key)
    raise AssertionError("the chunk is not reachable with j / k")


async def go_to_train(app: ReviewApp, pilot: Pilot) -> None:
    await go_to(app, pilot, lambda chunk: chunk.symbol == "train")


async def move_away(app: ReviewApp, pilot: Pilot) -> Chunk:
    """Move to a neighbouring chunk (next, or previous at the end); returns it."""
    screen = app.screen
    assert isinstance(screen, ReviewScreen)
    start = screen.navigator.chunk
    for key in ("j", "k"):
        await pilot.press(key)
        if screen.navigator.chunk is not start and screen.navigator.chunk is not None:
            return screen.navigator.chunk
    raise AssertionError("no other chunk to move to")


async def test_e_streams_an_explanation_while_the_app_stays_usable(
    server: LLMServer, repo: Path
) -> None:
    gate = threading.Event()
    server.queue(Reply(text=EXPLANATION, chunk_size=7, gate=gate))
    async with review(repo) as (app, pilot):
        await go_to_train(app, pilot)
        screen = app.screen
        assert isinstance(screen, ReviewScreen)
        train = screen.navigator.chunk
        panel = panel_of(app)
        assert panel.status_text == "Press e to explain this chunk with the LLM."
        assert server.requests == []
        await pilot.press("e")
        await pilot.pause()
        assert panel.status_text.startswith("Explaining")
        decided = await move_away(app, pilot)  # move away and decide while the answer comes
        assert decided is not train
        await pilot.press("a")
        assert screen.session.decision(decided.id).status == "approved"
        gate.set()
        await settle(app, pilot)
        await go_to_train(app, pilot)
        assert panel.body_text.strip() == EXPLANATION.strip()
        assert panel.status_text.startswith("Explanation · 120 in · 40 out")
        assert "1 secret redacted" in panel.status_text  # the key on line 3, in the context
        sent = server.requests[-1].prompt_text
        assert "Use AdamW with learning rate 2e-5" in sent and "spec-mismatch" in sent
        assert "sk-proj-abcdefghijklmnopqrstuvwxyz0123" not in sent


async def test_errors_show_one_line_keep_partial_text_and_retry(
    server: LLMServer, repo: Path
) -> None:
    server.queue(
        Reply.error(429),
        Reply(text="Partial words that stop", chunk_size=4, break_after=3),
        Reply(text=EXPLANATION),
    )
    async with review(repo) as (app, pilot):
        await go_to_train(app, pilot)
        panel = panel_of(app)
        await pilot.press("e")
        await settle(app, pilot)
        assert (
            panel.status_text == "LLM: rate limited (429); try again in a moment · press e to retry"
        )
        assert panel.has_class("-error") and panel.body_text == ""
        await pilot.press("e")
        await settle(app, pilot)
        assert panel.status_text.startswith("Partial answer — LLM: the connection broke")
        assert panel.has_class("-partial") and panel.body_text == "Partial word"
        await pilot.press("e")
        await settle(app, pilot)
        assert panel.body_text.strip() == EXPLANATION.strip() and len(server.requests) == 3
        await go_to(app, pilot, lambda c: c.path == "src/train.py" and c.symbol != "train")
        assert panel.status_text == "Press e to explain this chunk with the LLM."


async def test_a_long_explanation_gets_about_half_the_pane_and_scrolls(
    server: LLMServer, repo: Path
) -> None:
    long_answer = "### What it does\n" + "".join(f"- point {n} of the answer\n" for n in range(40))
    server.queue(Reply(text=long_answer, chunk_size=200))
    async with review(repo) as (app, pilot):
        await go_to_train(app, pilot)
        await pilot.press("e")
        await settle(app, pilot)
        panel = panel_of(app)
        main = app.screen.query_one("#main")
        assert 8 < panel.size.height <= main.size.height * 0.45 + 1
        assert panel.max_scroll_y > 0  # the rest scrolls inside the panel
        assert app.screen.query_one(DiffView).size.height >= 5


async def test_without_a_key_the_panel_says_how_to_enable_and_sends_nothing(
    monkeypatch: pytest.MonkeyPatch, repo: Path
) -> None:
    with LLMServer() as running:
        llm_env(monkeypatch, running.url, key=None)
        async with review(repo) as (app, pilot):
            await go_to_train(app, pilot)
            assert "set ANTHROPIC_API_KEY" in panel_of(app).status_text
            await pilot.press("e")
            await settle(app, pilot)
            assert "set ANTHROPIC_API_KEY" in panel_of(app).status_text
            assert panel_of(app).has_class("-error")
            await pilot.press("a")  # reviewing works without the LLM
        assert running.requests == []


async def test_auto_explain_prefetch_and_the_cache_on_reopening(
    monkeypatch: pytest.MonkeyPatch, server: LLMServer, repo: Path
) -> None:
    monkeypatch.setenv("REVIEWTUI_AUTO_EXPLAIN", "1")
    monkeypatch.setenv("REVIEWTUI_PREFETCH", "3")
    async with review(repo) as (app, pilot):
        await go_to_train(app, pilot)
        await settle(app, pilot)
        assert panel_of(app).body_text == "A fine explanation."
    sent = len(server.requests)
    paths = {r.prompt_text.split("File: ")[1].split(" ")[0] for r in server.requests}
    assert paths == {"src/train.py"}  # two chunks of train.py; `.env` is never sent
    assert sent == 2
    monkeypatch.setenv("REVIEWTUI_AUTO_EXPLAIN", "0")
    async with review(repo) as (app, pilot):
        await go_to_train(app, pilot)
        panel = panel_of(app)
        assert panel.body_text == "A fine explanation."
        assert "cached, no tokens spent" in panel.status_text
        await go_to(app, pilot, lambda chunk: chunk.path == ".env")
        assert panel.status_text == "not sent: .env matches llm.ignore (never sent to the LLM)."
        await pilot.press("e")
        await settle(app, pilot)
        assert panel.status_text.startswith("not sent: .env") and panel.body_text == ""
    assert len(server.requests) == sent


# --------------------------------------------------------------------------- linking help


def glue_repo(git_repo: GitRepo) -> tuple[Path, str, str]:
    """The LLM test repo plus a file the lexical linker cannot place; returns (root, the glue
    chunk's id, the linking answer that puts it under 4 Evaluation and nothing else anywhere)."""
    root = build_repo(git_repo)
    git_repo.write("src/glue.py", "VERSION = 1\n")
    probe = ReviewSession.open(root)
    glue = next(chunk for chunk in probe.chunks if chunk.path == "src/glue.py")
    assert probe.link(glue.id).section_id is None
    return root, glue.id, link_answer(probe, {glue.id: "4-evaluation"})


async def test_link_help_runs_in_the_background_and_relinks_the_lists(
    server: LLMServer, git_repo: GitRepo
) -> None:
    root, glue, answer = glue_repo(git_repo)
    gate = threading.Event()
    server.queue(Reply(text=answer, gate=gate))
    async with review(root) as (app, pilot):
        screen = app.screen
        assert isinstance(screen, ReviewScreen)
        first = screen.navigator.chunk_id
        await pilot.press("j")  # the answer is held back: the app stays usable meanwhile
        assert screen.navigator.chunk_id != first
        assert app.session.link(glue).section_id is None
        gate.set()
        await settle(app, pilot)
        assert app.session.link(glue).section_id == "4-evaluation"
        assert app.session.link(glue).evidence[-1].kind == "llm"
        assert glue in [c.id for c in screen.navigator.chunks_of("4-evaluation")]
        label = str(screen.query_one(SpecOutline)._section_nodes["4-evaluation"].label)
        assert label.startswith("4 Evaluation  1")
        assert "LLM relinked 1 chunk." in notifications(app)
        assert len(server.requests) == 1 and "src/glue.py" in server.requests[0].prompt_text


async def test_no_llm_sends_no_link_help(server: LLMServer, git_repo: GitRepo) -> None:
    root, glue, answer = glue_repo(git_repo)
    server.queue(Reply(text=answer))
    async with review(root, no_llm=True) as (app, pilot):
        await settle(app, pilot)
        assert app.session.link(glue).section_id is None
    assert server.requests == []


async def test_quitting_cancels_the_link_help(server: LLMServer, git_repo: GitRepo) -> None:
    root, glue, answer = glue_repo(git_repo)
    gate = threading.Event()
    server.queue(Reply(text=answer, gate=gate))
    async with review(root) as (app, pilot):
        screen = app.screen
        assert isinstance(screen, ReviewScreen)
        await pilot.press("q")
    assert screen._link_cancel.is_set()  # the app ended while the server held the answer back
    assert ReviewSession.open(root, no_llm=True).link(glue).section_id is None
    gate.set()


class PanelHost(App[None]):
    """The explanation panel alone, on a real session (so the snapshot shows only this work)."""

    CSS = "ExplanationPanel { height: 1fr; max-height: 100%; }"

    def __init__(self, root: Path) -> None:
        super().__init__()
        self.session = ReviewSession.open(root)
        self.train = next(chunk for chunk in self.session.chunks if chunk.symbol == "train")

    def compose(self) -> ComposeResult:
        yield ExplanationPanel(id="explanation")

    def on_mount(self) -> None:
        self.query_one(ExplanationPanel).show_chunk(self.session, self.train)


def test_snapshot_of_a_streamed_explanation(
    snap_compare,  # type: ignore[no-untyped-def]
    server: LLMServer,
    repo: Path,
) -> None:
    server.queue(Reply(text=EXPLANATION + HOSTILE, chunk_size=9))

    async def run_before(pilot: Pilot) -> None:
        app = pilot.app
        assert isinstance(app, PanelHost)
        panel = app.query_one(ExplanationPanel)
        panel.explain(app.session, app.train)
        await settle(app, pilot)
        assert panel.body_text.startswith("### What it does")

    assert snap_compare(PanelHost(repo), terminal_size=(90, 16), run_before=run_before)


# --------------------------------------------------------------------------- draft a fix


class DraftHost(App[None]):
    """Opens the draft screen for one request of a real session and records its outcome."""

    def __init__(self, session: ReviewSession, request: Request) -> None:
        super().__init__()
        self.session = session
        self.request = request
        self.outcome: str | None = "open"

    def on_mount(self) -> None:
        self.push_screen(DraftScreen(self.session, self.request), self._record_outcome)

    def _record_outcome(self, outcome: str | None) -> None:
        self.outcome = outcome


def _train_request(repo: Path) -> tuple[ReviewSession, Request]:
    session = ReviewSession.open(repo)
    train = next(chunk for chunk in session.chunks if chunk.symbol == "train")
    return session, session.add_request(train.id, "fix", "use the spec's learning rate 2e-5")


def _fenced_patch(repo: Path, old: str, new: str) -> str:
    before = (repo / "src/train.py").read_text().splitlines(keepends=True)
    after = [line.replace(old, new) for line in before]
    patch = "".join(difflib.unified_diff(before, after, "a/src/train.py", "b/src/train.py"))
    return f"Here is the patch:\n```diff\n{patch}```\n"


async def test_draft_shows_the_patch_and_applies_it_on_confirm(
    server: LLMServer, repo: Path
) -> None:
    server.queue(Reply(text=_fenced_patch(repo, "lr=1e-4", "lr=2e-5")))
    session, request = _train_request(repo)
    app = DraftHost(session, request)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, DraftScreen)
        assert screen.status_text.startswith("the patch applies cleanly (git apply --check)")
        shown = screen.query_one(DiffView).chunk
        assert shown is not None and [line.text for line in shown.changed_lines] == [
            "    optimizer = AdamW(model.parameters(), lr=1e-4)  # [bold]not markup[/bold]",
            "    optimizer = AdamW(model.parameters(), lr=2e-5)  # [bold]not markup[/bold]",
        ]
        assert "lr=1e-4" in (repo / "src/train.py").read_text()  # nothing applied before `y`
        await pilot.press("y")
        await settle(app, pilot)
    assert app.outcome == "applied"
    assert "lr=2e-5" in (repo / "src/train.py").read_text()
    saved = ReviewSession.open(repo).request(request.id)
    assert saved.status == "done" and saved.patch and "+    optimizer" in saved.patch
    session.close()


async def test_a_draft_that_does_not_apply_is_refused(server: LLMServer, repo: Path) -> None:
    bad = _fenced_patch(repo, "lr=1e-4", "lr=2e-5").replace("lr=1e-4)", "lr=3e-3)")
    server.queue(Reply(text=bad), Reply(text="I would rather not."))
    session, request = _train_request(repo)
    app = DraftHost(session, request)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, DraftScreen)
        assert screen.status_text.startswith("refused: git apply --check failed")
        assert screen.has_class("-refused")
        await pilot.press("y", "k")  # neither applies nor keeps a refused patch
        assert app.screen is screen
        await pilot.press("r")
        await settle(app, pilot)
        assert screen.status_text.startswith("refused: the answer holds no unified diff")
        await pilot.press("escape")
        await pilot.pause()
    assert app.outcome is None
    assert "lr=1e-4" in (repo / "src/train.py").read_text()
    assert ReviewSession.open(repo).request(request.id).patch is None
    session.close()


def block_cache(root: Path) -> None:
    """A file where the answer cache's folder must go: every cache write fails (even as root)."""
    folder = root / ".reviewtui" / "cache"
    folder.mkdir(parents=True, exist_ok=True)
    shutil.rmtree(folder / "llm", ignore_errors=True)
    (folder / "llm").write_text("not a folder", encoding="utf-8")


def raise_boom(*args: object, **kwargs: object) -> object:
    raise RuntimeError("boom")


async def test_a_bug_in_the_explanation_worker_is_one_line_and_e_retries(
    server: LLMServer, repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import reviewtui.tui.widgets.explanation as explanation

    real = explanation.explain_chunk
    monkeypatch.setattr(explanation, "explain_chunk", raise_boom)
    server.queue(Reply(text=EXPLANATION))
    async with review(repo) as (app, pilot):
        await go_to_train(app, pilot)
        panel = panel_of(app)
        await pilot.press("e")
        await settle(app, pilot)
        assert panel.status_text == "internal error: LLM: RuntimeError: boom · press e to retry"
        assert panel.has_class("-error") and app.is_running
        monkeypatch.setattr(explanation, "explain_chunk", real)
        await pilot.press("e")
        await settle(app, pilot)
        assert panel.body_text.strip() == EXPLANATION.strip() and len(server.requests) == 1


async def test_an_answer_that_could_not_be_cached_says_so(server: LLMServer, repo: Path) -> None:
    server.queue(Reply(text=EXPLANATION))
    async with review(repo) as (app, pilot):
        block_cache(repo)  # once open: the linking picks came from the cache
        await go_to_train(app, pilot)
        await pilot.press("e")
        await settle(app, pilot)
        status = panel_of(app).status_text
        assert status.startswith("Explanation · ") and "· LLM cache not written" in status
        assert panel_of(app).body_text.strip() == EXPLANATION.strip()


async def test_link_help_cache_warnings_and_bugs_are_notified(
    server: LLMServer, git_repo: GitRepo, monkeypatch: pytest.MonkeyPatch
) -> None:
    root, glue, answer = glue_repo(git_repo)
    block_cache(root)
    server.queue(Reply(text=answer))
    async with review(root) as (app, pilot):
        await settle(app, pilot)
        assert app.session.link(glue).section_id == "4-evaluation"
        assert any("LLM cache not written" in line for line in notifications(app))
    import reviewtui.core.llm.linking as linking

    monkeypatch.setattr(linking, "suggest_links", raise_boom)
    async with review(root) as (app, pilot):
        await settle(app, pilot)
        assert app.is_running
        expected = "LLM linking help: internal error: LLM: RuntimeError: boom"
        assert expected in notifications(app)


async def test_a_bug_in_the_draft_worker_is_one_line_and_r_drafts_again(
    server: LLMServer, repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import reviewtui.tui.screens.draft as draft

    real = draft.draft_fix
    monkeypatch.setattr(draft, "draft_fix", raise_boom)
    server.queue(Reply(text=_fenced_patch(repo, "lr=1e-4", "lr=2e-5")))
    session, request = _train_request(repo)
    app = DraftHost(session, request)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, DraftScreen)
        assert screen.status_text == "internal error: LLM: RuntimeError: boom · r drafts again"
        monkeypatch.setattr(draft, "draft_fix", real)
        await pilot.press("r")
        await settle(app, pilot)
        assert screen.status_text.startswith("the patch applies cleanly")
    session.close()


async def test_an_applied_draft_whose_save_fails_keeps_the_request_open(
    server: LLMServer, repo: Path
) -> None:
    server.queue(Reply(text=_fenced_patch(repo, "lr=1e-4", "lr=2e-5")))
    session, request = _train_request(repo)
    app = DraftHost(session, request)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(app, pilot)
        state = repo / ".reviewtui" / "state.json"
        state.rename(state.with_name("state.aside"))
        state.mkdir()  # every save fails (even as root)
        await pilot.press("y")
        await settle(app, pilot)
        assert isinstance(app.screen, DraftScreen) and app.outcome == "open"
        assert "lr=2e-5" in (repo / "src/train.py").read_text()  # git apply ran
        assert app.screen.status_text.startswith("Applied to the working tree, but the request")
        assert request.status == "open" and request.patch is None
        errors = [n.message for n in app._notifications if n.severity == "error"]
        assert len(errors) == 1 and errors[0].startswith("Not saved: cannot save")
        state.rmdir()
        state.with_name("state.aside").rename(state)
    assert ReviewSession.open(repo).request(request.id).patch is None
    session.close()
