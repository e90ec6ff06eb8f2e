"""The LLM's linking help also rechecks links that rest on content alone: which links it is asked
about (`needs_llm`, `link_candidates`), how its answer is merged (`merge_link_help`), and what
`status --json` then shows, through the real SDK against the local Messages-API server."""

from __future__ import annotations

from pathlib import Path

import pytest

from reviewtui.core.llm import linking
from reviewtui.core.llm.linking import (
    LinkHelp,
    link_candidates,
    llm_link,
    merge_link_help,
    needs_llm,
    suggest_links,
)
from reviewtui.core.llm.prompts import link_prompt
from reviewtui.core.models import Evidence, SectionLink
from reviewtui.core.report import status_dict
from reviewtui.core.session import ReviewSession
from reviewtui.core.spec import load_spec
from tests.gitrepo import GitRepo
from tests.llm_server import LLMServer, Reply
from tests.llm_support import added_chunk, build_repo, link_answer, llm_env

THRESHOLD = 0.35


def lexical(section: str | None, confidence: float, *kinds: str) -> SectionLink:
    evidence = [Evidence(kind, f"{kind} evidence", confidence) for kind in kinds or ("lexical",)]  # type: ignore[arg-type]
    return SectionLink("c1", section, confidence, evidence)


def merged(
    link: SectionLink, pick: str | None, recheck: float = 1.0
) -> tuple[SectionLink, list[str]]:
    links = {"c1": link}
    help_ = LinkHelp(links={"c1": llm_link("c1", pick, "because", 0.6)})
    return links["c1"], merge_link_help(links, help_, THRESHOLD, recheck_below=recheck)


# --------------------------------------------------------------------------- which links are asked about


@pytest.mark.parametrize(
    ("link", "recheck", "asked"),
    [
        (lexical(None, 0.0), 0.0, True),  # unlinked: always
        (lexical("a", 0.8, "lexical", "structure"), 1.0, True),  # content alone
        (lexical("a", 0.8), 0.7, False),  # content alone, above the recheck level
        (lexical("a", 0.7), 0.7, True),  # at the level
        (lexical("a", 0.8, "lexical", "commit"), 1.0, False),  # a commit names it
        (lexical("a", 0.8, "comment"), 1.0, False),
        (lexical("a", 0.8, "path"), 1.0, False),
        (lexical("a", 0.2, "commit"), 1.0, True),  # explicit but below the threshold
        (lexical("a", 1.0, "manual"), 1.0, False),
        (lexical(None, 0.0, "lexical", "llm"), 1.0, False),  # the model already answered
    ],
)
def test_which_links_the_model_is_asked_about(
    link: SectionLink, recheck: float, asked: bool
) -> None:
    assert needs_llm(link, THRESHOLD, recheck) is asked


# --------------------------------------------------------------------------- how an answer is merged


def test_a_null_unlinks_a_link_that_rests_on_shared_words() -> None:
    link, changed = merged(lexical("a", 0.9), None)
    assert changed == ["c1"] and link.section_id is None and link.confidence == 0.0
    assert [e.kind for e in link.evidence] == ["lexical", "llm"]  # both reasons stay visible
    assert link.evidence[-1].detail == "LLM picked no section: because"


def test_another_section_replaces_a_content_link() -> None:
    link, changed = merged(lexical("a", 0.9, "lexical", "structure"), "b")
    assert changed == ["c1"] and link.section_id == "b" and link.confidence == 0.6


def test_agreeing_keeps_the_higher_confidence() -> None:
    link, changed = merged(lexical("a", 0.9), "a")
    assert changed == [] and (link.section_id, link.confidence) == ("a", 0.9)
    weak, changed = merged(lexical("a", 0.4), "a")
    assert changed == [] and (weak.section_id, weak.confidence) == ("a", 0.6)


def test_explicit_evidence_wins_over_the_model() -> None:
    link, changed = merged(lexical("a", 0.8, "lexical", "commit"), None)
    assert changed == [] and link.section_id == "a" and link.confidence == 0.8
    assert link.evidence[-1].kind == "llm"  # the disagreement is shown, not acted on
    relinked, changed = merged(lexical("a", 0.8, "comment"), "b")
    assert changed == [] and relinked.section_id == "a"


def test_recheck_off_leaves_content_links_alone() -> None:
    link, changed = merged(lexical("a", 0.9), None, recheck=0.0)
    assert changed == [] and link.section_id == "a"
    unlinked, changed = merged(lexical(None, 0.0), "b", recheck=0.0)
    assert changed == ["c1"] and unlinked.section_id == "b" and unlinked.confidence == 0.6


def test_a_manual_link_is_never_touched() -> None:
    link, changed = merged(lexical("a", 1.0, "manual"), None)
    assert (
        changed == [] and link.section_id == "a" and [e.kind for e in link.evidence] == ["manual"]
    )


# --------------------------------------------------------------------------- a real session


def test_status_shows_the_model_unlinking_a_content_link_and_the_order_of_asking(
    git_repo: GitRepo, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = build_repo(git_repo)
    with LLMServer() as server:
        llm_env(monkeypatch, server.url)
        session = ReviewSession.open(root)
        train = next(c for c in session.chunks if c.symbol == "train")
        before = session.link(train.id)
        assert before.section_id == "31-optimiser"  # on shared words alone
        assert {e.kind for e in before.evidence} == {"lexical"}
        candidates = link_candidates(session)
        assert candidates[-1].id == train.id  # the only link, asked about last
        assert all(session.link(c.id).section_id is None for c in candidates[:-1])
        server.queue(Reply(text=link_answer(session, {train.id: None})))
        changed = session.merge_llm_links(suggest_links(session))

        sent = server.requests[-1]
        assert sent.body["max_tokens"] == 256 + 80 * len(candidates)
    assert changed == [train.id]
    entry = next(c for c in status_dict(session)["chunks"] if c["id"] == train.id)
    assert entry["section"] is None
    assert [e["kind"] for e in entry["evidence"]] == ["lexical", "llm"]
    assert entry["evidence"][-1]["detail"] == "LLM picked no section: picked"
    assert train.id in [c.id for c in session.chunks_in(None)]
    assert "31-optimiser" not in {c["section"] for c in status_dict(session)["chunks"]}


def test_a_full_batch_of_linking_prompts_may_answer_past_the_default_max_tokens(
    tmp_path: Path,
) -> None:
    chunks = [added_chunk(f"src/m{n}.py", f"def f{n}():\n    return {n}\n") for n in range(40)]
    (tmp_path / "SPEC.md").write_text("# Spec\n\n## Data\nLoad it.\n")
    spec = load_spec(tmp_path, ["SPEC.md"])
    assert link_prompt(spec, chunks).max_tokens == 256 + 80 * 40
    assert link_prompt(spec, chunks[:1]).max_tokens == 336


def test_picks_cached_under_other_instructions_are_not_reused(
    git_repo: GitRepo, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = build_repo(git_repo)
    with LLMServer() as server:
        llm_env(monkeypatch, server.url)
        session = ReviewSession.open(root)
        server.queue(Reply(text=link_answer(session, {})))
        asked = suggest_links(session)
        assert asked.links and not asked.errors
        assert suggest_links(session, cached_only=True).links.keys() == asked.links.keys()
        monkeypatch.setattr(linking, "LINK_INSTRUCTIONS", "Revised instructions.")
        assert suggest_links(session, cached_only=True).links == {}
