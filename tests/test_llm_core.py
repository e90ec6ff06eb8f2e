"""The LLM core against the real anthropic SDK and a local Messages API server on 127.0.0.1."""

from __future__ import annotations

import difflib
import json
import logging
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from reviewtui.core.llm import (
    cached_explanation,
    client_for,
    draft_fix,
    explain_chunk,
    keep_patch,
    link_candidates,
    merge_link_help,
    prefetch,
    suggest_links,
)
from reviewtui.core.llm.draft import apply_patch
from reviewtui.core.llm.prompts import enclosing_definition, nearby_context
from reviewtui.core.llm.usage import Usage, cost_usd, describe
from reviewtui.core.models import Chunk, Request, RequestKind
from reviewtui.core.session import ReviewSession
from tests.gitrepo import GitRepo
from tests.llm_server import LLMServer, Reply, closed_port_url
from tests.llm_support import (
    TEST_KEY,
    TRAIN,
    added_chunk,
    build_repo,
    llm_env,
)


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch) -> Iterator[LLMServer]:
    with LLMServer() as running:
        llm_env(monkeypatch, running.url)
        yield running


@pytest.fixture
def session(git_repo: GitRepo) -> ReviewSession:
    opened = ReviewSession.open(build_repo(git_repo))
    opened.relink(train_chunk(opened).id, "31-optimiser")
    return opened


def train_chunk(session: ReviewSession) -> Chunk:
    return next(chunk for chunk in session.chunks if chunk.symbol == "train")


def chunk_at(session: ReviewSession, path: str) -> Chunk:
    return next(chunk for chunk in session.chunks if chunk.path == path)


# --------------------------------------------------------------------------- explain


def test_explain_streams_and_sends_section_chunk_and_redacted_code(
    server: LLMServer, session: ReviewSession
) -> None:
    server.queue(Reply(text="### What it does\nTrains the model.", chunk_size=5))
    pieces: list[str] = []
    answer = explain_chunk(session, train_chunk(session), pieces.append)

    assert answer.ok and not answer.cached and not answer.partial
    assert len(pieces) > 2 and "".join(pieces) == "### What it does\nTrains the model."
    request = server.requests[-1]
    assert request.path == "/v1/messages" and request.body["stream"] is True
    assert request.headers["authorization"] == f"Bearer {TEST_KEY}"
    assert request.body["model"] == session.settings.llm.model
    text = request.prompt_text
    assert "Use AdamW with learning rate 2e-5" in text  # the linked section
    assert "+    optimizer = AdamW(model.parameters(), lr=1e-4)" in text  # the chunk's diff
    assert "File: src/train.py (added)" in text and "    8      optimizer = AdamW" in text
    assert "sk-proj-abcdefghijklmnopqrstuvwxyz0123" not in text  # the secret in the code
    assert "[REDACTED:openai-key]" in text and set(answer.redactions) == {"openai-key"}
    cached_block = request.body["system"][-1]
    assert cached_block["cache_control"] == {"type": "ephemeral"}
    assert "31-optimiser: 3.1 Optimiser" in cached_block["text"]  # outline with ids


def test_second_explain_hits_the_disk_cache(server: LLMServer, session: ReviewSession) -> None:
    first = explain_chunk(session, train_chunk(session))
    assert first.ok and len(server.requests) == 1

    reopened = ReviewSession.open(session.root)  # a new session and client: only the disk is shared
    pieces: list[str] = []
    again = explain_chunk(reopened, train_chunk(reopened), pieces.append)
    assert again.cached and again.text == first.text == "".join(pieces)
    assert cached_explanation(reopened, train_chunk(reopened)) is not None
    assert len(server.requests) == 1  # nothing sent the second time
    assert client_for(reopened).usage.total == 0

    forced = explain_chunk(reopened, train_chunk(reopened), force=True)
    assert forced.ok and not forced.cached and len(server.requests) == 2


def test_the_key_never_reaches_the_cache(server: LLMServer, session: ReviewSession) -> None:
    server.queue(Reply(text=f"echoing {TEST_KEY}? no"))
    explain_chunk(session, train_chunk(session))
    cache = session.root / ".reviewtui" / "cache" / "llm"
    files = [path for path in cache.iterdir() if path.suffix == ".json"]
    assert len(files) == 1
    entry = json.loads(files[0].read_text())
    assert set(entry) == {"model", "kind", "created", "usage", "text"}
    assert "Bearer" not in files[0].read_text()
    assert TEST_KEY not in repr(client_for(session))


def test_the_key_never_reaches_a_log(
    server: LLMServer, session: ReviewSession, caplog: pytest.LogCaptureFixture
) -> None:
    server.queue(Reply.error(401, f"invalid x-api-key {TEST_KEY}"))
    with caplog.at_level(logging.DEBUG):
        answer = explain_chunk(session, train_chunk(session))
        explain_chunk(session, train_chunk(session))
    assert caplog.records  # the SDK and httpx did log at debug level
    assert TEST_KEY not in caplog.text
    assert answer.error is not None and TEST_KEY not in answer.error


def test_no_key_sends_nothing_and_says_how_to_enable(
    monkeypatch: pytest.MonkeyPatch, session: ReviewSession
) -> None:
    with LLMServer() as running:
        llm_env(monkeypatch, running.url, key=None)
        answer = explain_chunk(session, train_chunk(session))
        assert not answer.ok and "ANTHROPIC_API_KEY" in (answer.error or "")
        assert running.requests == []


def test_no_llm_sends_nothing(server: LLMServer, git_repo: GitRepo) -> None:
    quiet = ReviewSession.open(build_repo(git_repo), no_llm=True)
    answer = explain_chunk(quiet, train_chunk(quiet))
    help_ = suggest_links(quiet)
    assert "--no-llm" in (answer.error or "") and help_.errors and not help_.links
    assert server.requests == []


def test_ignored_files_are_never_sent(server: LLMServer, git_repo: GitRepo) -> None:
    opened = ReviewSession.open(build_repo(git_repo))
    env_chunk = chunk_at(opened, ".env")
    answer = explain_chunk(opened, env_chunk)
    assert answer.error == "not sent: .env matches llm.ignore"
    assert server.requests == []
    server.queue(Reply(text='{"links": []}'))
    help_ = suggest_links(opened, opened.chunks)
    assert help_.asked == len(opened.chunks) - 1
    assert "hunter2" not in server.requests[-1].prompt_text
    assert env_chunk.id not in server.requests[-1].prompt_text


@pytest.mark.parametrize(
    ("reply", "expected"),
    [
        (Reply.error(401), "the API key was rejected (401)"),
        (Reply.error(429), "rate limited (429)"),
        (Reply.error(500), "internal error (500)"),
        (Reply.error(529), "overloaded (529)"),
        (
            Reply.error(404, "model: nope"),
            "unknown model or endpoint (404); check llm.model: model: nope",
        ),
    ],
)
def test_http_errors_become_one_line(
    server: LLMServer, session: ReviewSession, reply: Reply, expected: str
) -> None:
    server.queue(reply)
    answer = explain_chunk(session, train_chunk(session))
    assert answer.error is not None and expected in answer.error
    assert "\n" not in answer.error and TEST_KEY not in answer.error
    assert not answer.partial and answer.text == ""
    assert not (session.root / ".reviewtui" / "cache" / "llm").exists()  # failures are not cached


@pytest.mark.parametrize(
    ("reply", "expected"),
    [
        (Reply(text="abcdefghijklmnopqrstuvwxyz", break_after=2), "connection broke"),
        (Reply(text="abcdefghijklmnopqrstuvwxyz", error_event_after=2), "stopped mid-way"),
    ],
)
def test_a_stream_failing_midway_keeps_the_partial_text(
    server: LLMServer, session: ReviewSession, reply: Reply, expected: str
) -> None:
    server.queue(reply)
    pieces: list[str] = []
    answer = explain_chunk(session, train_chunk(session), pieces.append)
    assert answer.partial and answer.text == "abcdefghijklmnop" == "".join(pieces)
    assert expected in (answer.error or "")
    assert cached_explanation(session, train_chunk(session)) is None
    retry = explain_chunk(session, train_chunk(session))  # the default reply now
    assert retry.ok and retry.text == "A fine explanation."


def test_timeout_and_refused_connection(
    monkeypatch: pytest.MonkeyPatch, server: LLMServer, session: ReviewSession
) -> None:
    monkeypatch.setenv("REVIEWTUI_LLM_TIMEOUT", "0.3")
    slow = ReviewSession.open(session.root)
    server.queue(Reply(delay=5))
    answer = explain_chunk(slow, train_chunk(slow))
    assert answer.error == "LLM: no answer within 0.3 s (timeout); try again"

    monkeypatch.setenv("ANTHROPIC_BASE_URL", closed_port_url())
    refused = explain_chunk(ReviewSession.open(session.root), train_chunk(slow))
    assert refused.error is not None and "connection failed" in refused.error


def test_cancel_stops_the_stream(server: LLMServer, session: ReviewSession) -> None:
    server.queue(Reply(text="x" * 400, chunk_size=4))
    cancel = threading.Event()
    pieces: list[str] = []

    def on_text(piece: str) -> None:
        pieces.append(piece)
        cancel.set()

    answer = explain_chunk(session, train_chunk(session), on_text, cancel)
    assert answer.error == "cancelled" and answer.partial and len(pieces) == 1


def test_cancel_returns_at_once_while_the_server_holds_the_request(
    server: LLMServer, session: ReviewSession
) -> None:
    gate = threading.Event()  # never opened: the server sits on the request
    cancel = threading.Event()
    server.queue(Reply(gate=gate))
    server.on_request = lambda _request: cancel.set()
    answer = explain_chunk(session, train_chunk(session), cancel=cancel)
    assert answer.error == "cancelled" and not answer.partial and len(server.requests) == 1


def test_usage_and_cost_are_reported(server: LLMServer, session: ReviewSession) -> None:
    server.queue(Reply(usage={"input_tokens": 1000, "output_tokens": 200}))
    explain_chunk(session, train_chunk(session))
    client = client_for(session)
    assert (client.usage.input_tokens, client.usage.output_tokens) == (1000, 200)
    settings = session.settings.llm
    assert cost_usd(Usage(1_000_000, 0), "claude-sonnet-4-5", settings) == pytest.approx(3.0)
    assert cost_usd(client.usage, "claude-unknown-9", settings) is None
    assert describe(client.usage, "claude-haiku-4-5", settings) == "1,000 in · 200 out · $0.0020"
    settings.price_input, settings.price_output = 2.0, 10.0
    assert "$0.0040" in client.usage_line()


def test_background_work_stops_at_the_budget(
    monkeypatch: pytest.MonkeyPatch, server: LLMServer, git_repo: GitRepo
) -> None:
    root = build_repo(git_repo)
    git_repo.write("src/eval.py", "def evaluate(model, data):\n    return model(data[:500])\n")
    monkeypatch.setenv("REVIEWTUI_BUDGET_TOKENS", "100")
    monkeypatch.setenv("REVIEWTUI_LLM_CONCURRENCY", "1")
    opened = ReviewSession.open(root)
    chunks = [train_chunk(opened), chunk_at(opened, "src/eval.py")]
    answers = prefetch(opened, chunks)
    assert len(server.requests) == 1  # 160 tokens spent: the second is over budget
    errors = [a.error for a in answers.values() if not a.ok]
    assert errors == ["LLM budget of 100 background tokens used up"]
    foreground = explain_chunk(opened, chunks[1])  # `e` is never budget-limited
    assert foreground.ok and len(server.requests) == 2


def test_background_concurrency_is_limited_but_e_never_waits(
    monkeypatch: pytest.MonkeyPatch, server: LLMServer, git_repo: GitRepo
) -> None:
    root = build_repo(git_repo)
    git_repo.write("src/eval.py", "def evaluate(model, data):\n    return model(data[:500])\n")
    monkeypatch.setenv("REVIEWTUI_LLM_CONCURRENCY", "1")
    opened = ReviewSession.open(root)
    gate, first_arrived = threading.Event(), threading.Event()
    server.queue(Reply(text="held", gate=gate))
    server.on_request = lambda _request: first_arrived.set()
    background = threading.Thread(
        target=prefetch, args=(opened, [train_chunk(opened), chunk_at(opened, "src/eval.py")])
    )
    background.start()
    try:
        assert first_arrived.wait(10)
        other = next(c for c in opened.chunks if c.path == "src/train.py" and c.symbol != "train")
        assert explain_chunk(opened, other).ok  # the reviewer's `e` does not queue behind it
        assert len(server.requests) == 2  # the second background request waits for the slot
    finally:
        gate.set()
        background.join(10)
    assert len(server.requests) == 3


# --------------------------------------------------------------------------- linking help


def test_linking_answers_are_validated_against_real_ids(
    server: LLMServer, git_repo: GitRepo
) -> None:
    root = build_repo(git_repo)
    git_repo.write("src/eval.py", "def evaluate(model, data):\n    return model(data[:500])\n")
    git_repo.write("src/glue.py", "VERSION = 1\n")
    opened = ReviewSession.open(root)
    train, evaluate, glue = (
        chunk_at(opened, f"src/{name}.py") for name in ("train", "eval", "glue")
    )
    train = train_chunk(opened)
    answer = {
        "links": [
            {"chunk": train.id, "section": "31-optimiser", "reason": "builds AdamW"},
            {"chunk": evaluate.id, "section": "9-made-up", "reason": "invented"},
            {"chunk": glue.id, "section": None, "reason": "glue"},
            {"chunk": "nope", "section": "4-evaluation", "reason": "?"},
        ]
    }
    server.queue(Reply(text=f"Here you go:\n```json\n{json.dumps(answer)}\n```"))
    help_ = suggest_links(opened, [train, evaluate, glue])

    assert help_.asked == 3 and not help_.errors
    link = help_.links[train.id]
    assert link.section_id == "31-optimiser" and link.confidence == 0.6
    assert link.evidence[0].kind == "llm" and "builds AdamW" in link.evidence[0].detail
    assert help_.links[glue.id].section_id is None
    assert evaluate.id not in help_.links
    assert help_.rejected == [
        f"chunk {evaluate.id}: unknown section '9-made-up'",
        "unknown chunk 'nope'",
    ]
    sent = server.requests[-1]
    assert sent.body.get("stream") is not True and "31-optimiser: 3.1 Optimiser" in sent.prompt_text

    reopened = ReviewSession.open(root)
    again = suggest_links(reopened, [glue, evaluate, train])  # same code: new ids not needed
    assert len(server.requests) == 2  # only the rejected chunk is asked about again
    assert evaluate.id in server.requests[-1].prompt_text
    assert train.id not in server.requests[-1].prompt_text and again.asked == 1
    assert again.links[train.id].section_id == "31-optimiser"
    assert "builds AdamW" in again.links[train.id].evidence[0].detail


def test_link_help_merges_into_the_links_and_is_reused_from_the_cache(
    server: LLMServer, git_repo: GitRepo
) -> None:
    root = build_repo(git_repo)
    git_repo.write("src/glue.py", "VERSION = 1\n")
    opened = ReviewSession.open(root)
    glue, train = chunk_at(opened, "src/glue.py"), train_chunk(opened)
    assert opened.links[glue.id].section_id is None
    offline = suggest_links(opened, cached_only=True)
    assert offline.links == {} and server.requests == []  # nothing on disk yet, nothing sent
    candidates = link_candidates(opened)
    assert glue in candidates and all(c.path != ".env" for c in candidates)
    answer = [  # the model agrees with every lexical link, and links the glue
        {"chunk": c.id, "section": opened.links[c.id].section_id, "reason": "same"}
        for c in candidates
    ]
    answer[candidates.index(glue)]["section"] = "4-evaluation"
    server.queue(Reply(text=json.dumps({"links": answer})))

    changed = merge_link_help(
        opened.links, suggest_links(opened), opened.settings.links.threshold, recheck_below=1.0
    )
    assert changed == [glue.id] and opened.links[glue.id].section_id == "4-evaluation"
    assert opened.links[glue.id].confidence == 0.6
    assert [e.kind for e in opened.links[glue.id].evidence][-1] == "llm"

    opened.relink(train.id, None)  # a manual link is never overridden
    pick = {"links": [{"chunk": train.id, "section": "4-evaluation", "reason": "?"}]}
    server.queue(Reply(text=json.dumps(pick)))
    manual = suggest_links(opened, [train], force=True)
    assert manual.links[train.id].section_id == "4-evaluation"
    assert merge_link_help(opened.links, manual, 0.35, recheck_below=1.0) == []
    assert opened.links[train.id].section_id is None
    assert [e.kind for e in opened.links[train.id].evidence] == ["manual"]

    before = len(server.requests)
    reopened = ReviewSession.open(root)  # the cached pick is merged when the session opens
    assert reopened.link(glue.id).section_id == "4-evaluation" and len(server.requests) == before
    assert reopened.link(glue.id).evidence[-1].kind == "llm"
    again = suggest_links(reopened, [reopened.chunk(glue.id)], cached_only=True)
    assert again.links[glue.id].section_id == "4-evaluation" and len(server.requests) == before


def test_unreadable_linking_answer_is_an_error(server: LLMServer, session: ReviewSession) -> None:
    server.queue(Reply(text="I think it is section 3."))
    help_ = suggest_links(session, [train_chunk(session)])
    assert help_.links == {} and help_.errors == ["LLM: unreadable linking answer (no JSON object)"]


# --------------------------------------------------------------------------- draft a fix


def _patch(root: Path, new_text: str) -> str:
    old = (root / "src/train.py").read_text().splitlines(keepends=True)
    new = new_text.splitlines(keepends=True)
    return "".join(difflib.unified_diff(old, new, "a/src/train.py", "b/src/train.py"))


def _request(session: ReviewSession, kind: RequestKind = "fix") -> Request:
    return session.add_request(train_chunk(session).id, kind, "use the spec's learning rate 2e-5")


def test_a_drafted_patch_that_applies_is_applied_on_confirm(
    server: LLMServer, session: ReviewSession
) -> None:
    fixed = TRAIN.replace("lr=1e-4", "lr=2e-5")
    server.queue(Reply(text=f"```diff\n{_patch(session.root, fixed)}```"))
    request = _request(session)
    draft = draft_fix(session, request)
    assert draft.applies and draft.patch and "+    optimizer = AdamW" in draft.patch
    assert "use the spec's learning rate 2e-5" in server.requests[-1].prompt_text
    assert (session.root / "src/train.py").read_text() == TRAIN  # not applied yet
    keep_patch(session, request, draft.patch)
    stored = json.loads((session.root / ".reviewtui" / "state.json").read_text())
    assert stored["requests"][0]["patch"] == draft.patch
    assert "Drafted patch" in session.export_markdown()
    review_files = [*(session.root / ".reviewtui").rglob("*"), session.export_to()]
    assert all(TEST_KEY not in p.read_text() for p in review_files if p.is_file())
    apply_patch(session, draft.patch, "src/train.py")
    assert (session.root / "src/train.py").read_text() == fixed


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        (
            "--- a/src/train.py\n+++ b/src/train.py\n@@ -40,2 +40,2 @@\n-nothing\n+here\n x\n",
            "git apply --check failed",
        ),
        ("--- a/README.md\n+++ b/README.md\n@@ -0,0 +1 @@\n+hi\n", "touches other files"),
        ("Sorry, I cannot do that.", "holds no unified diff"),
    ],
)
def test_a_drafted_patch_that_does_not_apply_is_refused(
    server: LLMServer, session: ReviewSession, answer: str, expected: str
) -> None:
    server.queue(Reply(text=answer))
    draft = draft_fix(session, _request(session))
    assert not draft.applies and expected in draft.message
    with pytest.raises(Exception, match="refused"):
        apply_patch(session, draft.patch or answer, "src/train.py")
    assert (session.root / "src/train.py").read_text() == TRAIN


def test_draft_refuses_requests_without_code(server: LLMServer, session: ReviewSession) -> None:
    assert "question request" in draft_fix(session, _request(session, "question")).message
    orphan = Request("R9", None, "refactor", "tidy up")
    assert "not about a chunk" in draft_fix(session, orphan).message
    assert server.requests == []


def test_enclosing_definition_and_nearby_context() -> None:
    text = "".join(f"line {n}\n" for n in range(1, 30)) + TRAIN  # train() is at line 35
    inner = added_chunk("src/train.py", "        for batch in data:\n            loss = 1\n", 39)
    assert enclosing_definition(inner, text) == "35: def train(model, data):"
    own = added_chunk("src/train.py", "\n\ndef train(model, data):\n", 33)
    assert enclosing_definition(own, text) is None  # the chunk starts with its own definition
    top = added_chunk("src/train.py", "import os\n", 30)
    assert enclosing_definition(top, text) is None  # module level
    context = nearby_context(inner, text, radius=2) or ""
    assert context.splitlines()[0] == (
        "   37      optimizer = AdamW(model.parameters(), lr=1e-4)  # [bold]not markup[/bold]"
    )
    assert len(context.splitlines()) == 6


def test_core_llm_imports_no_textual() -> None:
    code = (
        "import sys, reviewtui.core.llm; print('textual' in sys.modules or 'rich' in sys.modules)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "False"
