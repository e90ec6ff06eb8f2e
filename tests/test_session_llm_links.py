"""LLM linking picks made in the app reach `status` and `export` too: the session merges the cached
picks when it opens, without sending anything."""

from __future__ import annotations

import json

import pytest

from reviewtui.core.llm.linking import link_candidates, suggest_links
from reviewtui.core.report import status_dict
from reviewtui.core.session import ReviewSession
from tests.gitrepo import GitRepo
from tests.llm_server import LLMServer, Reply
from tests.llm_support import build_repo, link_answer, llm_env


def test_cached_llm_links_are_merged_when_a_session_opens(
    git_repo: GitRepo, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = build_repo(git_repo)
    git_repo.write("src/glue.py", "VERSION = 1\n")
    with LLMServer() as server:
        llm_env(monkeypatch, server.url)
        first = ReviewSession.open(root)
        glue = next(chunk for chunk in first.chunks if chunk.path == "src/glue.py")
        assert first.link(glue.id).section_id is None
        server.queue(Reply(text=link_answer(first, {glue.id: "4-evaluation"})))
        assert first.merge_llm_links(suggest_links(first)) == [glue.id]
        assert first.chunks_in("4-evaluation")[-1].id == glue.id
        sent = len(server.requests)

        reopened = ReviewSession.open(root, no_llm=True)
        assert len(server.requests) == sent  # reading the cache sends nothing
    link = reopened.link(glue.id)
    assert link.section_id == "4-evaluation" and link.evidence[-1].kind == "llm"
    chunk = next(c for c in status_dict(reopened)["chunks"] if c["id"] == glue.id)
    assert chunk["section"] == "4-evaluation"
    assert chunk["evidence"][-1]["kind"] == "llm"


def test_link_help_can_be_switched_off(git_repo: GitRepo, monkeypatch: pytest.MonkeyPatch) -> None:
    root = build_repo(git_repo)
    git_repo.write("src/glue.py", "VERSION = 1\n")
    with LLMServer() as server:
        llm_env(monkeypatch, server.url)
        first = ReviewSession.open(root)
        glue = next(chunk for chunk in first.chunks if chunk.path == "src/glue.py")
        answer = [
            {"chunk": c.id, "section": "4-evaluation", "reason": "?"}
            for c in link_candidates(first)
        ]
        server.queue(Reply(text=json.dumps({"links": answer})))
        first.merge_llm_links(suggest_links(first))
    (root / "pyproject.toml").write_text("[tool.reviewtui.llm]\nlink_help = false\n")
    reopened = ReviewSession.open(root, no_llm=True)
    assert reopened.link(glue.id).section_id is None
