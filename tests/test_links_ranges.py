"""A commit or comment that names a range of sections (`spec 2.1-2.3`) names each of them, and a commit
naming several sections lends its weight only to the code whose own words match one: content picks
the section, and a helper that matches none stays unlinked. Real git repos, the real session."""

from __future__ import annotations

import pytest

from reviewtui.core.linking.references import SectionRefs
from reviewtui.core.report import status_dict
from reviewtui.core.session import ReviewSession
from reviewtui.core.spec import load_spec
from tests.gitrepo import GitRepo

SPEC = """\
# Reranker replication

## 2 Data

### 2.1 Corpus
Load the MS MARCO passage collection from the local TSV dump; never use generated passages.

### 2.2 Query generation
For every passage, an LLM writes one synthetic query from a few-shot prompt.

### 2.3 Hard negatives
Mine BM25 top-30 hard negatives for each query and sample three with a seeded RNG.

### 2.4 Splits
Hold out ten percent of the queries as a dev split.

## 3 Model

### 3.1 Encoder
A cross-encoder on top of the pretrained checkpoint.
"""

CORPUS = '''\
def load_collection(tsv_path):
    """Read the passage collection dump: one passage per line."""
    with open(tsv_path) as handle:
        return [line.rstrip("\\n").split("\\t", 1) for line in handle]
'''

QUERIES = '''\
def write_query(client, passage, shots):
    """One synthetic query for the passage, from the few-shot prompt."""
    prompt = "\\n".join(shots) + "\\nPassage: " + passage + "\\nQuery:"
    return client.complete(prompt)
'''

NEGATIVES = '''\
def mine_hard_negatives(bm25, query, rng, k=30):
    """BM25 top-k candidates for the query, three sampled as hard negatives."""
    candidates = bm25.top(query, k)
    return rng.sample(candidates, 3)
'''

REGISTRY = """\
_PLUGINS = {}


def plug(kind, name):
    def wrap(fn):
        _PLUGINS.setdefault(kind, {})[name] = fn
        return fn
    return wrap
"""


@pytest.fixture
def spec_refs(tmp_path) -> SectionRefs:
    (tmp_path / "SPEC.md").write_text(SPEC)
    return SectionRefs.build(load_spec(tmp_path, ["SPEC.md"]))


@pytest.mark.parametrize(
    ("text", "named"),
    [
        (
            "Implements spec 2.1-2.3: the data pipeline",
            ["21-corpus", "22-query-generation", "23-hard-negatives"],
        ),
        ("spec 2.1–2.3", ["21-corpus", "22-query-generation", "23-hard-negatives"]),
        ("Spec 2.2 to 2.4", ["22-query-generation", "23-hard-negatives", "24-splits"]),
        ("spec 2.1..2.2 and 3.1", ["21-corpus", "22-query-generation", "31-encoder"]),
        ("spec 2.3-2.1", ["23-hard-negatives", "21-corpus"]),  # backwards: only its ends
        ("spec 2.1 - the corpus loader", ["21-corpus"]),  # a dash in prose is no range
        ("Spec: 2.2", ["22-query-generation"]),
    ],
)
def test_a_range_names_every_section_in_it(
    spec_refs: SectionRefs, text: str, named: list[str]
) -> None:
    assert spec_refs.in_text(text) == named


def test_a_commit_naming_a_range_links_each_file_by_its_words_and_leaves_the_helper(
    git_repo: GitRepo,
) -> None:
    git_repo.write("SPEC.md", SPEC)
    git_repo.commit("spec")
    git_repo.write("data/corpus.py", CORPUS)
    git_repo.write("data/queries.py", QUERIES)
    git_repo.write("data/negatives.py", NEGATIVES)
    git_repo.write("data/registry.py", REGISTRY)
    git_repo.commit("Add the data pipeline\n\nImplements spec 2.1-2.3: corpus, queries, negatives.")
    session = ReviewSession.open(git_repo.root, no_llm=True)

    def section_of(path: str) -> set[str | None]:
        return {session.link(c.id).section_id for c in session.chunks if c.path == path}

    assert section_of("data/corpus.py") == {"21-corpus"}
    assert section_of("data/queries.py") == {"22-query-generation"}
    assert section_of("data/negatives.py") == {"23-hard-negatives"}
    assert section_of("data/registry.py") == {None}  # shares no word with 2.1, 2.2 or 2.3
    sections = {s["id"]: s for s in status_dict(session)["sections"]}
    assert all(
        sections[s]["chunks"] for s in ("21-corpus", "22-query-generation", "23-hard-negatives")
    )


# --------------------------------------------------------------------------- a marker heading the file

BASELINE = '''\
# spec: 2.3
"""A baseline for the negatives: the top candidates of the first-stage run."""
import json


def first_stage_top(run_path, k=30):
    with open(run_path) as handle:
        return json.load(handle)[:k]


if __name__ == "__main__":
    print(first_stage_top("run.json"))
'''


@pytest.mark.parametrize(
    ("header", "whole_file"),
    [
        ('# spec: 2.3\n"""Module docstring."""\nimport json\n', True),  # docstring, no blank line
        ("# spec: 2.3\nimport json\n", True),  # straight into the imports
        ("// Spec: 2.3\nimport { x } from './x';\n", True),
        ("# spec: 2.3\n\n", True),  # a blank line (the rule before)
        ("# spec: 2.3\n", False),  # right above the first definition: that definition only
    ],
)
def test_a_marker_heading_the_file_covers_it(
    spec_refs: SectionRefs, header: str, whole_file: bool
) -> None:
    from reviewtui.core.linking.regions import marker_regions

    text = header + "def first(a):\n    return a\n\n\ndef second(b):\n    return b\n"
    (region,) = marker_regions(text, spec_refs)
    assert region.whole_file is whole_file
    assert region.section_ids == ("23-hard-negatives",)


def test_the_files_own_marker_beats_a_commit_naming_several_sections(git_repo: GitRepo) -> None:
    git_repo.write("SPEC.md", SPEC)
    git_repo.commit("spec")
    git_repo.write("data/corpus.py", CORPUS)
    git_repo.write("data/baseline.py", BASELINE)
    git_repo.commit("Add the corpus and a baseline\n\nSpec 2.1, 2.2.")
    session = ReviewSession.open(git_repo.root, no_llm=True)
    baseline = [c for c in session.chunks if c.path == "data/baseline.py"]
    assert len(baseline) >= 2
    assert {session.link(c.id).section_id for c in baseline} == {"23-hard-negatives"}
    assert {
        session.link(c.id).section_id for c in session.chunks if c.path == "data/corpus.py"
    } == {"21-corpus"}


def test_a_file_header_naming_one_of_the_commits_sections_lets_content_pick(
    git_repo: GitRepo,
) -> None:
    git_repo.write("SPEC.md", SPEC)
    git_repo.commit("spec")
    git_repo.write(
        "data/pipeline.py",
        "# spec 2.1: the corpus\nimport csv\n\n\n" + CORPUS + "\n\n" + NEGATIVES,
    )
    git_repo.commit("Corpus and negatives\n\nSpec 2.1, 2.3.")
    session = ReviewSession.open(git_repo.root, no_llm=True)
    by_symbol = {c.symbol: session.link(c.id).section_id for c in session.chunks}
    assert by_symbol["load_collection"] == "21-corpus"
    assert by_symbol["mine_hard_negatives"] == "23-hard-negatives"  # the commit names it too
