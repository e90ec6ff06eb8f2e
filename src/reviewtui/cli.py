"""Provides the `reviewtui` command line: open the app, `status`, `export`, `requests`, `checkpoint`,
`init` and `demo`.

Exit codes: 0 ok, 1 a user error (one line on stderr, no traceback), 2 a usage error.
"""

from __future__ import annotations

import argparse
import codecs
import difflib
import gc
import os
import shutil
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from reviewtui import __version__
from reviewtui.core.report import plural, visible_controls
from reviewtui.errors import ReviewError

if TYPE_CHECKING:
    import git

    from reviewtui.core.session import ReviewSession
    from reviewtui.core.state import ReviewState

COMMANDS = ("status", "export", "requests", "checkpoint", "init", "demo")

DESCRIPTION = """\
Review a coding agent's phase of work against the spec, chunk by chunk.

commands:
  reviewtui [RANGE]          open the review app (default)
  reviewtui status [RANGE]   progress of the review (--json for tools)
  reviewtui export [RANGE]   the review as markdown (-o FILE)
  reviewtui requests [RANGE] the open request queue and flags (--format markdown|prompt)
  reviewtui checkpoint       record the end of this phase; the next one starts here
  reviewtui init             ask the agent (CLAUDE.md / AGENTS.md) to make its work reviewable
  reviewtui demo [DIR]       build the bundled demo repo and open it

RANGE is git's A..B, or A (A to the working tree), or nothing: the default phase, from the last
checkpoint to the working tree. Run `reviewtui COMMAND --help` for a command's options."""


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line (`argv`, default this process's); returns the exit code."""
    code = _run(argv)
    if argv is None:  # the process's own command line: it ends now
        ending_process()
    return code


def ending_process() -> None:
    """Move every object alive to the collector's permanent generation before the interpreter
    exits: its exit then skips walking them (a big phase's chunks, and those of a loading the
    reviewer quit: seconds between the quit and the shell's prompt)."""
    gc.freeze()


def _run(argv: Sequence[str] | None) -> int:
    """`main`'s work: parse, run the command, map errors to exit codes."""
    _escape_unencodable_output()
    args = list(sys.argv[1:] if argv is None else argv)
    command = args[0] if args and args[0] in COMMANDS else "open"
    if command != "open":
        args = args[1:]
    parser = _parser(command)
    options = parser.parse_args(args)
    try:
        _require_git()
        if command == "open":
            _preflight(parser, options)
        code = HANDLERS[command](options)
        _flush_output()
        return code
    except ReviewError as error:
        _error(str(error))
        return 1
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        _silence_stdout()
        return 0
    except OSError as error:
        _error(os_error_line(error))
        return 1


def os_error_line(error: OSError) -> str:
    """What failed, in one line: `path: reason` (both paths of a rename) when the error names a
    file. One that names none comes from reading: writes to stdout are said apart
    (`OutputFailed`), and the files reviewtui writes report their own errors with their path."""
    reason = error.strerror or str(error) or type(error).__name__
    if error.filename is None:
        return f"cannot read the repository or its settings: {reason}"
    names = os.fsdecode(error.filename)
    if error.filename2 is not None:
        names += f" -> {os.fsdecode(error.filename2)}"
    return f"{names}: {reason}"


def _require_git() -> None:
    if shutil.which("git") is None:
        raise ReviewError("git is not installed (or not on PATH); reviewtui needs it")


def _preflight(parser: argparse.ArgumentParser, options: argparse.Namespace) -> None:
    """Catch what would otherwise only show after the full-screen app started: a mistyped command,
    a folder that is no repository, a revision git does not know, or no terminal at all."""
    from reviewtui.core import gitrange

    repo = gitrange.open_repo(options.repo)
    if options.range and ".." not in options.range:
        try:
            gitrange.resolve_commit(gitrange.repo_root(repo), options.range)
        except ReviewError:
            close = difflib.get_close_matches(options.range, COMMANDS, n=1, cutoff=0.6)
            if close:
                parser.error(f"unknown command {options.range!r} (did you mean {close[0]!r}?)")
            raise
    _require_terminal()


def _require_terminal() -> None:
    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        raise ReviewError(
            "the review app needs a terminal; in scripts use `reviewtui status` or `reviewtui export`"
        )


# --------------------------------------------------------------------------- parsers


def _parser(command: str) -> argparse.ArgumentParser:
    if command == "open":
        parser = argparse.ArgumentParser(
            prog="reviewtui",
            description=DESCRIPTION,
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        parser.add_argument("--version", action="version", version=f"reviewtui {__version__}")
    else:
        parser = argparse.ArgumentParser(
            prog=f"reviewtui {command}", description=SUMMARIES[command]
        )
    for add in ARGUMENTS[command]:
        add(parser)
    return parser


def _range(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "range",
        nargs="?",
        metavar="RANGE",
        help="A..B, A (to the working tree), or none: the default phase",
    )


def _spec(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--spec",
        action="append",
        metavar="PATH",
        default=None,
        help="a spec file (repeat for several); default: discovered (SPEC.md, specs/*/, .kiro/specs/*/, TODO.md…)",
    )


def _repo(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--repo", metavar="DIR", type=Path, default=Path("."), help="the repository (default: here)"
    )


def _phase(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--phase",
        metavar="N",
        help="the spec's phase under review (its number, e.g. 2); default: `phase` in the config, else inferred",
    )


def _no_llm(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--no-llm", action="store_true", help="send nothing to the LLM")


def _json(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print the status as one JSON object")


def _output(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "-o", "--output", metavar="FILE", type=Path, help="write to FILE instead of stdout"
    )
    parser.add_argument(
        "--force",
        action="store_true",
        help="let -o overwrite a FILE that is not a reviewtui export (a tracked file, your notes)",
    )


def _format(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--format",
        choices=("markdown", "prompt"),
        default="markdown",
        help="markdown (default) or prompt: text ready to paste to the agent",
    )
    parser.add_argument(
        "--all", action="store_true", help="include requests marked done (markdown only)"
    )


def _demo(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "dir",
        nargs="?",
        metavar="DIR",
        type=Path,
        help="where to build it (default: reviewtui/demo in your user cache folder)",
    )
    parser.add_argument(
        "--no-open", action="store_true", help="build the demo repo and print its path"
    )
    parser.add_argument(
        "--fresh",
        action="store_true",
        help="rebuild a previous demo from scratch (its review is lost); by default it is reopened as you left it",
    )


def _checkpoint_actions(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_mutually_exclusive_group()
    actions.add_argument(
        "--list", action="store_true", help="list the checkpoints, oldest first, and record nothing"
    )
    actions.add_argument(
        "--drop",
        action="store_true",
        help="forget the last checkpoint (and delete its git ref): the phase starts where it did before",
    )


SUMMARIES = {
    "status": "Print the review's progress for a phase (--json: the machine-readable object).",
    "export": "Write the review of a phase as markdown.",
    "requests": "Print the open request queue for the agent.",
    "checkpoint": "Record the end of this phase: the next default phase starts here.",
    "init": "Add a short block to CLAUDE.md or AGENTS.md asking the agent to make its work reviewable.",
    "demo": "Build the bundled demo repo (a small ML replication with an agent's phase) and open it.",
}

ARGUMENTS: dict[str, list[Callable[[argparse.ArgumentParser], None]]] = {
    "open": [_range, _spec, _repo, _phase, _no_llm],
    "status": [_range, _spec, _repo, _phase, _json, _no_llm],
    "export": [_range, _spec, _repo, _phase, _output, _no_llm],
    "requests": [_range, _spec, _repo, _phase, _format],
    "checkpoint": [_repo, _checkpoint_actions],
    "init": [_repo],
    "demo": [_demo, _no_llm],
}


# --------------------------------------------------------------------------- commands


def run_open(options: argparse.Namespace) -> int:
    from reviewtui.tui.app import run_app

    return run_app(options.repo, options.range, options.spec, options.no_llm, phase=options.phase)


def _open_session(options: argparse.Namespace) -> ReviewSession:
    """The session of `status` and `export`: an empty phase is a state to report, not an error."""
    from reviewtui.core.session import ReviewSession

    return ReviewSession.open(
        options.repo,
        options.range,
        options.spec,
        no_llm=options.no_llm,
        spec_phase=options.phase,
        allow_empty=True,
    )


def run_status(options: argparse.Namespace) -> int:
    from reviewtui.core.report import status_json, status_text
    from reviewtui.core.session import nothing_to_review_line

    session = _open_session(options)
    _warn_all(session.warnings)
    if options.json:
        _write(status_json(session) + "\n")
    elif session.is_empty:
        _write_line(nothing_to_review_line(session.phase))
    else:
        _write_line(status_text(session))
    return 0


def run_export(options: argparse.Namespace) -> int:
    if options.output and not options.force:
        _refuse_overwrite(options.repo, options.output)  # before the phase is assembled
    session = _open_session(options)  # the export of an empty phase says there is nothing to review
    _warn_all(session.warnings)
    if options.output:
        path = session.export_to(options.output)
        print(terminal_safe(f"wrote {path}"), file=sys.stderr)
    else:
        text = session.export_markdown()
        _write(text)
    return 0


def _refuse_overwrite(repo: Path, output: Path) -> None:
    """ReviewError when `export -o` would overwrite a file that is not a reviewtui export."""
    from reviewtui.core import gitrange
    from reviewtui.core.export_target import overwrite_refusal

    refusal = overwrite_refusal(gitrange.find_root(repo), output)
    if refusal is not None:
        raise ReviewError(f"not exported: {refusal} (--force overwrites it)")


def run_requests(options: argparse.Namespace) -> int:
    from reviewtui.core import gitrange
    from reviewtui.core.report import requests_markdown, requests_prompt
    from reviewtui.core.state import ReviewState

    root = gitrange.find_root(options.repo).resolve()
    _check_range(root, options.range)
    state = ReviewState.load(root)
    _warn_all(state.warnings)
    session = _requests_session(options, state)
    requests = session.requests if session is not None else state.requests
    if options.format == "prompt":
        text = requests_prompt(requests, session)
    else:
        text = requests_markdown(requests, open_only=not options.all, session=session)
    if not text:
        print("no open requests", file=sys.stderr)
        return 0
    _write(text)
    return 0


def _check_range(root: Path, range_text: str | None) -> None:
    """A RANGE naming a revision git does not know is an error even where the phase is not read
    (a script would otherwise read "no open requests" for a typo)."""
    from reviewtui.core import gitrange

    if range_text is None:
        return
    if not range_text.strip():
        raise ReviewError("empty range")
    separator = "..." if "..." in range_text else ".."
    for side in range_text.split(separator, 1):
        if side.strip():
            gitrange.resolve_commit(root, side.strip())


def _requests_session(options: argparse.Namespace, state: ReviewState) -> ReviewSession | None:
    """The phase's session when `requests` has something to take from it, else None (no phase
    is read: the answer comes from the state alone, at once).

    The flags it hands on (of this phase and of earlier rounds) are decisions of the state: without
    a flagged decision the markdown is the queue alone. The prompt adds the phase's gaps (missing
    sections, weak evidence, code past its checkpoint) to the open requests, so it always reads the
    phase: with nothing queued or flagged, the gaps are still what the agent must do next. The
    session reads the phase cache first (see `PhaseCache`), so the phase is assembled only when no
    earlier opening stored it."""
    if options.format == "prompt":
        return _phase_session(options)
    if any(decision.status == "flagged" for decision in state.decisions.values()):
        return _phase_session(options)
    return None


def _phase_session(options: argparse.Namespace) -> ReviewSession | None:
    """The session of the phase `requests` was given (RANGE, --spec, --phase; default: the
    default phase), for the flags and gaps it hands on with the queue; None (said on stderr)
    when it cannot be opened, e.g. without a spec: the queue alone then."""
    from reviewtui.core.session import ReviewSession

    try:
        return ReviewSession.open(
            options.repo,
            options.range,
            options.spec,
            no_llm=True,
            spec_phase=options.phase,
            allow_empty=True,
        )
    except ReviewError as error:
        _warn(f"the queue only (flags and the phase's gaps left out): {error}")
        return None


def run_checkpoint(options: argparse.Namespace) -> int:
    from reviewtui.core import gitrange
    from reviewtui.core.state import STATE_DIR, ReviewState

    repo = gitrange.open_repo(options.repo)
    root = gitrange.repo_root(repo)
    if options.list:
        return _list_checkpoints(ReviewState.load(root))
    fresh_folder = not (root / STATE_DIR).exists()
    state = ReviewState.load(
        root, lock=True
    )  # lock, then read: a concurrent checkpoint is never lost
    _warn_all(state.warnings)
    try:
        if options.drop:
            message = _drop_checkpoint(state)
        else:
            _warn_pending(state)
            message = _record_checkpoint(repo, root, state)
    except BaseException:
        state.release_lock()
        if fresh_folder:
            shutil.rmtree(state.folder, ignore_errors=True)
        raise
    state.release_lock()
    _write_line(message)
    return 0


def _record_checkpoint(repo: git.Repo, root: Path, state: ReviewState) -> str:
    from reviewtui.core import gitrange
    from reviewtui.core.models import Checkpoint
    from reviewtui.core.state import now_iso

    last = state.last_checkpoint
    # compare trees before snapshotting: a snapshot is a new commit (and ref) even when nothing changed
    if last is not None and _tree(root, last.sha) == gitrange.worktree_tree(root)[0]:
        return f"nothing changed since checkpoint {last.sha[:12]}; not recorded again"
    sha = gitrange.snapshot_worktree(repo)
    current = gitrange.head_sha(repo)  # None without commits: the snapshot is a root commit
    head = current or sha
    label = "HEAD" if sha == current else "working tree"
    state.checkpoints.append(Checkpoint(sha=sha, head=head, created=now_iso(), label=label))
    state.save()
    return f"checkpoint {sha[:12]} recorded ({label}); the next phase starts here"


def _list_checkpoints(state: ReviewState) -> int:
    """Print the checkpoints, oldest first, marking the one the default phase starts from."""
    _warn_all(state.warnings)
    if not state.checkpoints:
        print(
            "no checkpoint yet: the default phase is chosen as before any review", file=sys.stderr
        )
        return 0
    base = state.last_checkpoint
    for number, checkpoint in enumerate(state.checkpoints, start=1):
        mark = ""
        if state.checkpoint_is_missing(checkpoint):
            mark = "  (gone from the repository)"
        elif checkpoint is base:
            mark = "  (the default phase starts here)"
        line = f"{number}  {checkpoint.sha[:12]}  {checkpoint.created}  {checkpoint.label}{mark}"
        _write_line(line)
    return 0


def _drop_checkpoint(state: ReviewState) -> str:
    """Forget the last checkpoint; say where the default phase starts now."""
    result = state.drop_last_checkpoint()
    if result is None:
        raise ReviewError("there is no checkpoint to drop")
    dropped, refs = result
    gone = f" and {', '.join(refs)}" if refs else ""
    base = state.last_checkpoint
    now = (
        f"the phase starts at checkpoint {base.sha[:12]} again"
        if base is not None
        else "no checkpoint left: the phase is chosen as before any review"
    )
    return f"dropped checkpoint {dropped.sha[:12]}{gone}; {now}"


def _tree(root: Path, commit: str) -> str | None:
    from reviewtui.core import gitrange

    try:
        return (
            gitrange.run_git(root, "rev-parse", "--verify", "--quiet", f"{commit}^{{tree}}")
            .decode()
            .strip()
        )
    except ReviewError:
        return None


def _warn_pending(state: ReviewState) -> None:
    """Say how much of the default phase is still undecided before it is closed. The chunks come
    from the phase cache when an earlier opening stored them, else are cut here without checks or
    linking (`PhaseProbe`): the count never needs the whole phase assembled."""
    from reviewtui.core.phaseprobe import probe_phase

    try:
        progress = probe_phase(state.root, state).progress()
    except ReviewError:
        return  # no spec, say: nothing to warn about
    if progress.pending:
        verb = "is" if progress.pending == 1 else "are"
        _warn(
            f"{progress.pending} of {plural(progress.total, 'chunk')} in this phase {verb} still pending"
        )
    if progress.flagged:
        _warn(
            f"{plural(progress.flagged, 'flagged chunk')} with your notes:"
            " `reviewtui requests --format prompt` keeps handing them to the agent"
            " until you clear them"
        )


def run_init(options: argparse.Namespace) -> int:
    from reviewtui.core import gitrange
    from reviewtui.core.agentdoc import init_agent_instructions, instructions_path

    repo = gitrange.open_repo(options.repo)
    root = Path(repo.working_tree_dir or options.repo)
    existed = instructions_path(root).exists()
    path, changed = init_agent_instructions(root)
    if not changed:
        _write_line(f"already up to date: {path}")
    else:
        _write_line(f"{'updated' if existed else 'created'} {path}")
    return 0


def run_demo(options: argparse.Namespace) -> int:
    from reviewtui.core.demo import default_demo_dir, open_demo

    if not options.no_open:
        _require_terminal()
    target, built = open_demo(options.dir or default_demo_dir(), fresh=options.fresh)
    if built:
        _note(f"built the demo in {target}; run the other commands there (cd {target})")
    else:
        _note(f"reopening the demo in {target} as you left it; --fresh rebuilds it")
    if options.no_open:
        _write_line(str(target))
        return 0
    from reviewtui.tui.app import run_app

    return run_app(target, None, None, options.no_llm)


HANDLERS: dict[str, Callable[[argparse.Namespace], int]] = {
    "open": run_open,
    "status": run_status,
    "export": run_export,
    "requests": run_requests,
    "checkpoint": run_checkpoint,
    "init": run_init,
    "demo": run_demo,
}


# --------------------------------------------------------------------------- output


def terminal_safe(text: str) -> str:
    """Text with terminal control characters (ESC and friends) shown as escapes, never interpreted."""
    return visible_controls(text)


def _error(message: str) -> None:
    one_line = " ".join(message.split()) or "unknown error"
    print(f"reviewtui: error: {terminal_safe(one_line)}", file=sys.stderr)


def _warn_all(messages: list[str]) -> None:
    for message in messages:
        _warn(message)


def _note(message: str) -> None:
    print(f"reviewtui: {terminal_safe(' '.join(message.split()))}", file=sys.stderr)


def _warn(message: str) -> None:
    print(f"reviewtui: warning: {terminal_safe(' '.join(message.split()))}", file=sys.stderr)


class OutputFailed(ReviewError):
    """Writing to stdout failed (a full disk, a closed terminal): not the repo nor a file."""


OUTPUT_ERRORS = "reviewtui-escape"
"""The error handler of stdout: a character its encoding cannot write is printed as a JSON-style
`\\uXXXX` escape (valid inside `status --json` strings, readable in text), never a traceback."""


def _escape(error: UnicodeError) -> tuple[str, int]:
    if not isinstance(error, UnicodeEncodeError):
        raise error
    escaped = []
    for char in error.object[error.start : error.end]:
        code = ord(char)
        if code > 0xFFFF:  # JSON spells it as a surrogate pair
            code -= 0x10000
            escaped.append(f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}")
        else:
            escaped.append(f"\\u{code:04x}")
    return "".join(escaped), error.end


codecs.register_error(OUTPUT_ERRORS, _escape)


def _escape_unencodable_output() -> None:
    """Make stdout escape what its encoding cannot write (`PYTHONIOENCODING=ascii`, a C locale)."""
    reconfigure = getattr(sys.stdout, "reconfigure", None)
    if reconfigure is not None:
        try:
            reconfigure(errors=OUTPUT_ERRORS)
        except (ValueError, OSError):
            return  # a closed or detached stream: writing to it fails on its own, said then


def _write(text: str) -> None:
    """Write `text` to stdout; a failure says it is the output that could not be written."""
    try:
        sys.stdout.write(text)
    except BrokenPipeError:
        raise
    except OSError as error:
        raise OutputFailed(f"cannot write the output: {error.strerror or error}") from error


def _write_line(text: str) -> None:
    """Write one line of text that may hold untrusted characters (shown as escapes)."""
    _write(terminal_safe(text) + "\n")


def _flush_output() -> None:
    try:
        sys.stdout.flush()
    except BrokenPipeError:
        raise
    except OSError as error:
        raise OutputFailed(f"cannot write the output: {error.strerror or error}") from error


def _silence_stdout() -> None:
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
