"""Provides `ReviewApp`, the Textual app, and `run_app`, the entry point the CLI calls.

The app opens the `ReviewSession` in a thread (the phase may be large) behind a loading screen
with a progress bar, then shows the review screen. A `ReviewError` or an `OSError` while loading ends
the app; `run_app` prints its one-line message to stderr and returns 1 (any other exception is a bug
and keeps its traceback). The session is opened with the writer's lock
and closed when the app ends.

Quitting while the phase loads (or reloads) is prompt: the loader runs in a daemon thread that the
app's worker only watches, so the app (and the process) never waits for it. The quit sets the
cancel event, so the loader stops at its next step and stores nothing; where it cannot stop (the
checks take no cancel event) it is dropped with the process, whose exit releases the writer's lock.
No decision exists while loading, and the loader writes nothing to `state.json`.

`R` on the review screen reloads: the session is assembled again from disk in a worker (the review
stays usable meanwhile), then continues the old one's state (lock, decisions, requests) and replaces
the review screen at the same chunk (or the nearest), with a line saying what changed. A reload
that comes back while a dialog or another screen is open waits until the review screen is back.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from textual import on, work
from textual.app import App, SystemCommand
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.screen import Screen
from textual.worker import get_current_worker

from reviewtui.errors import ReviewError
from reviewtui.tui.collector import LongLivedObjects
from reviewtui.tui.reloading import ReloadSummary, carry_over, code_fingerprint, nearest_chunk
from reviewtui.tui.saving import saved
from reviewtui.tui.screens.help import key_label
from reviewtui.tui.screens.loading import LoadingScreen
from reviewtui.tui.text import clean_line

if TYPE_CHECKING:
    from reviewtui.core.session import ReviewSession

LOADER_LOOK = 0.02
"""Seconds between the loading worker's looks at its loader thread (and at the app's quit)."""


class ReviewApp(App[int]):
    """Review a phase of agent work beside its spec, from the keyboard."""

    CSS_PATH = "app.tcss"
    TITLE = "reviewtui"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("q", "quit", "Quit"),
        # Priority: it quits from every screen, dialogs with a text field too (the field would
        # otherwise take it as "copy"), and while the session loads; every decision is saved already.
        Binding("ctrl+c", "quit", "Quit", show=False, priority=True),
        Binding("ctrl+p", "command_palette", "Commands", show=False),
    ]

    @dataclass
    class LoadProgress(Message):
        """The session loader reached a step (sent from the loading thread)."""

        step: str
        fraction: float

    @dataclass
    class SessionLoaded(Message):
        """The session is ready (sent from the loading thread)."""

        session: ReviewSession
        fingerprint: str | None = None
        """`code_fingerprint` of the repo taken before the session was assembled."""

    @dataclass
    class SessionReloaded(Message):
        """A reload assembled the session again (sent from the reload thread)."""

        session: ReviewSession
        fingerprint: str | None

    @dataclass
    class ReloadFailed(Message):
        """A reload failed with a user error; the review goes on with the session it had."""

        message: str

    @dataclass
    class LoadFailed(Message):
        """Opening the session failed with a user error (sent from the loading thread)."""

        message: str

    def __init__(
        self,
        repo: Path,
        range_text: str | None = None,
        specs: list[str] | None = None,
        no_llm: bool = False,
        *,
        phase: str | None = None,
    ) -> None:
        super().__init__()
        self.repo = repo
        self.range_text = range_text
        self.specs = specs
        self.no_llm = no_llm
        self.phase = phase
        """The spec phase under review (`--phase`); None: the config's, else inferred."""
        self.session: ReviewSession | None = None
        self.error: str | None = None
        self._cancel = threading.Event()
        """Set when the app quits: the loader and a reload stop at their next step."""
        self._handover = threading.Lock()
        """Held while the loader hands its session over, and while the app sets `_cancel` on
        unmount: a session is either handed over (and closed by the app) or closed by the loader."""
        self._long_lived = LongLivedObjects()
        """The session's objects, kept out of the garbage collector's full passes."""
        self._pending_reload: ReviewApp.SessionReloaded | None = None
        """A reloaded session waiting for the review screen to be in view."""

    def on_mount(self) -> None:
        self.push_screen(LoadingScreen())
        self.load_session()

    @work(thread=True, exclusive=True, group="load")
    def load_session(self) -> None:
        """Assemble the phase in a loader thread; the result comes back as a message."""
        self._watch(self._open_session, "reviewtui-load")

    def _watch(self, work: Callable[[], None], name: str) -> None:
        """Run `work` in a daemon thread and watch it from this worker until it ends, or until
        the app quits or the worker is cancelled: then return at once, so that neither the app's
        exit nor the process's waits for it. A bug in `work` is raised here, as from any worker."""
        bugs: list[BaseException] = []
        thread = threading.Thread(target=_keeping_bugs, args=(work, bugs), name=name, daemon=True)
        thread.start()
        worker = get_current_worker()
        while thread.is_alive() and not worker.is_cancelled:
            if self._cancel.wait(LOADER_LOOK):
                return
        if bugs and not self._cancel.is_set():
            raise bugs[0]

    def _open_session(self) -> None:
        """Assemble the phase (in the loader thread); the result comes back as a message."""
        self.post_message(self.LoadProgress("loading reviewtui", 0.0))
        # Imported here, in the loading thread: the pipeline, the review screen and the LLM
        # client take seconds to import, and the loading screen is already up meanwhile.
        from reviewtui.core.session import ReviewSession
        from reviewtui.tui.screens import review  # noqa: F401 - warm the import for `_loaded`

        try:
            fingerprint = code_fingerprint(self.repo)  # first: a change made meanwhile counts
            session = ReviewSession.open(
                self.repo,
                self.range_text,
                self.specs,
                no_llm=self.no_llm,
                lock=True,
                spec_phase=self.phase,
                progress=self._report_progress,
                cancel=self._cancel,
            )
        except (ReviewError, OSError) as error:  # a real bug keeps its traceback
            if not self._cancel.is_set():  # after a quit the app is ending already: exit code 0
                self.post_message(self.LoadFailed(load_error_line(error)))
            return
        with self._handover:  # the app cannot end between the look at cancel and the freeze
            if self._cancel.is_set():
                session.close()
                return
            self._long_lived.freeze()  # here, while the progress bar is still up
            if not self.post_message(self.SessionLoaded(session, fingerprint)):
                session.close()

    def _report_progress(self, step: str, fraction: float) -> None:
        """The loader's progress callback (runs in the loading thread)."""
        self.post_message(self.LoadProgress(step, fraction))

    @on(LoadProgress)
    def _progress(self, event: LoadProgress) -> None:
        if isinstance(self.screen, LoadingScreen):
            self.screen.show_progress(event.step, event.fraction)

    @on(SessionLoaded)
    def _loaded(self, event: SessionLoaded) -> None:
        self.session = event.session
        from reviewtui.tui.screens.review import ReviewScreen

        self.switch_screen(ReviewScreen(event.session, fingerprint=event.fingerprint))
        self.call_after_refresh(self._long_lived.freeze, collect=False)  # and the screen's widgets

    # ------------------------------------------------------------------ reloading

    def on_review_screen_reload_requested(self) -> None:
        """`R` on the review screen: assemble the session again, in a worker."""
        if self.session is not None:
            self.notify("Reloading the review from disk…", timeout=3)
            self.reload_session()

    @work(thread=True, exclusive=True, group="reload", exit_on_error=False)
    def reload_session(self) -> None:
        """Assemble the session again in a thread the app's exit does not wait for."""
        self._watch(self._reopen_session, "reviewtui-reload")

    def _reopen_session(self) -> None:
        """Assemble the session again without the lock (this app holds it: the reloaded session
        takes the old one's state over on the UI thread)."""
        from reviewtui.core.session import ReviewSession

        try:
            fingerprint = code_fingerprint(self.repo)
            session = ReviewSession.open(
                self.repo,
                self.range_text,
                self.specs,
                no_llm=self.no_llm,
                spec_phase=self.phase,
                cancel=self._cancel,
            )
        except (ReviewError, OSError) as error:
            self.post_message(self.ReloadFailed(load_error_line(error)))
            return
        if not self._cancel.is_set():
            self.post_message(self.SessionReloaded(session, fingerprint))

    @on(ReloadFailed)
    def _reload_failed(self, event: ReloadFailed) -> None:
        message = f"Not reloaded: {clean_line(event.message)}"
        self.notify(message, severity="error", markup=False, timeout=10)

    @on(SessionReloaded)
    def _reloaded(self, event: SessionReloaded) -> None:
        self._pending_reload = event
        self.apply_pending_reload()

    def on_review_screen_resumed(self) -> None:
        """The review screen is back in view: a reload that waited for it goes in now (after the
        dialog's answer, which is handled first)."""
        if self._pending_reload is not None:
            self.call_after_refresh(self.apply_pending_reload)

    def apply_pending_reload(self) -> None:
        """Replace the review screen by one on the reloaded session, where the reviewer was."""
        from reviewtui.tui.screens.review import ReviewScreen

        event, old, screen = self._pending_reload, self.session, self.screen
        if event is None or old is None or not isinstance(screen, ReviewScreen):
            return  # not now: a dialog or another screen is in view
        self._pending_reload = None
        new = event.session
        summary = ReloadSummary.between(old.chunks, new.chunks)
        saved(self, lambda: carry_over(old, new))  # the state is shared even when a relink fails
        position = screen.position()
        resume = replace(position, chunk_id=nearest_chunk(old, new, position.chunk_id, summary))
        self.session = new
        fresh = ReviewScreen(new, fingerprint=event.fingerprint, resume=resume, known=old.warnings)
        self.switch_screen(fresh)
        self.notify(summary.describe(), markup=False, timeout=6)
        self.call_after_refresh(self._long_lived.freeze, collect=False)

    @on(LoadFailed)
    def _failed(self, event: LoadFailed) -> None:
        self.error = event.message
        self.exit(1, return_code=1)

    async def action_quit(self) -> None:
        """Quit; a loading under way is cancelled now (it stops at its next step)."""
        self._cancel.set()
        self.exit()

    def on_unmount(self) -> None:
        with self._handover:
            self._cancel.set()
        self.close_session()
        self._long_lived.release()

    def close_session(self) -> None:
        """Release the session's lock (safe to call twice)."""
        if self.session is not None:
            self.session.close()

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        """The command palette offers every described binding of the screen in view.

        Textual's own "Keys" panel is left out: our Help (generated from the bindings) says more."""
        for command in super().get_system_commands(screen):
            if command.title != "Keys":
                yield command
        for binding in screen.BINDINGS:
            if isinstance(binding, Binding) and binding.description and binding.key != "escape":
                help_text = f"key: {key_label(binding.key)}"
                yield SystemCommand(
                    binding.description, help_text, partial(screen.run_action, binding.action)
                )


def _keeping_bugs(work: Callable[[], None], bugs: list[BaseException]) -> None:
    """Run `work`; an exception it raises (a bug: user errors are messages) goes to `bugs`."""
    try:
        work()
    except BaseException as error:
        bugs.append(error)


def load_error_line(error: ReviewError | OSError) -> str:
    """The one line a failed load prints: the user error's message, or the file and the reason."""
    if isinstance(error, ReviewError):
        return str(error)
    if error.filename is not None and error.strerror:
        return f"cannot open the review: {error.filename}: {error.strerror}"
    return f"cannot open the review: {error}"


def run_app(
    repo: Path,
    range_text: str | None,
    specs: list[str] | None,
    no_llm: bool,
    *,
    phase: str | None = None,
) -> int:
    """Run the review app; 0 when it ends normally, 1 (message on stderr) when the review cannot open.

    `phase` is the spec phase under review (`--phase`); None: the config's, else inferred."""
    app = ReviewApp(repo, range_text, specs, no_llm, phase=phase)
    app.run()
    app.close_session()
    if app.error is not None:
        one_line = " ".join(app.error.split()) or "unknown error"
        print(f"reviewtui: error: {clean_line(one_line)}", file=sys.stderr)
        return 1
    return app.return_code or 0
