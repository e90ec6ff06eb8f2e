"""Tests of how explicit references, file paths and review-wide common words weigh in `link_chunks`:
a commit naming a section never lends its weight to an unrelated task, a task citing the section
inherits it, the one task naming a file beats a moderate lexical match elsewhere, and the project's
name or documentation prose do not link a chunk on their own. Specs are parsed by the real
`load_spec`; chunks and commits are built by hand."""

from __future__ import annotations

from pathlib import Path

import pytest

from reviewtui.config import LinkSettings
from reviewtui.core.linking.common import common_terms, project_keys
from reviewtui.core.linking.references import SectionRefs, backlinks
from reviewtui.core.links import link_chunks
from reviewtui.core.models import Chunk, CommitInfo, DiffLine, Spec
from reviewtui.core.spec import load_spec

SPEC = """\
# Dense retrieval replication

## 1 Data

### 1.1 Source

The corpus, test queries and qrels of FiQA, downloaded once and cached under `data/`.

### 1.2 Preprocessing

Passages go through the tokenizer of the base model unchanged: max length 256, padding side right.

### 1.3 Splits

Hold out 10% of the generated training pairs as a dev split with seed 13.

## 2 Model

A bi-encoder with mean pooling over the encoder states, shared by queries and passages.

## 4 Evaluation

Report nDCG@10 and Recall@100 on the full FiQA test set.

## 6 Phases

### Phase 1: data and model

- [x] T01 Download and cache the FiQA corpus, queries and qrels (1.1) in `src/dr/data.py`
- [x] T02 Tokenize passages and queries as 1.2 says
- [ ] T03 Hold out the dev split of 1.3 and save both splits to disk
- [x] T05 The bi-encoder with mean pooling (2) in `src/dr/model.py`

### Phase 2: evaluation

- [ ] T08 Evaluation on the full test set (4) in `src/dr/evaluate.py`
"""


@pytest.fixture
def spec(tmp_path: Path) -> Spec:
    (tmp_path / "SPEC.md").write_text(SPEC, encoding="utf-8")
    return load_spec(tmp_path, ["SPEC.md"])


def make_chunk(
    path: str, lines: list[str], *, symbol: str | None = None, commits: list[str] | None = None
) -> Chunk:
    diff = [DiffLine("+", text, None, number + 1) for number, text in enumerate(lines)]
    return Chunk(
        id=f"{path}:{symbol}",
        path=path,
        old_path=None,
        change="added",
        lines=diff,
        new_start=1,
        new_lines=len(lines),
        old_start=0,
        old_lines=0,
        added=len(lines),
        removed=0,
        symbol=symbol,
        commits=commits or [],
    )


def section_of(spec: Spec, title_start: str) -> str:
    return next(s.id for s in spec.sections if s.title.startswith(title_start))


DATA_COMMIT = CommitInfo(
    "2bb19ad" + "0" * 33,
    "Load the corpus and tokenize passages",
    trailers={"Spec": ["1.1", "1.2"]},
)
SAVE_SPLITS = [
    "def save_corpus(corpus, out_dir):",
    "    # save both splits to disk",
    "    for split, rows in corpus.items():",
    "        (out_dir / f'{split}.jsonl').write_text(rows)",
]


def test_a_trailer_naming_a_heading_is_not_credited_to_an_unrelated_task(spec: Spec) -> None:
    chunk = make_chunk(
        "src/dr/data.py", SAVE_SPLITS, symbol="save_corpus", commits=[DATA_COMMIT.sha]
    )
    commit = CommitInfo(DATA_COMMIT.sha, DATA_COMMIT.subject, trailers={"Spec": ["1.1"]})
    link = link_chunks([chunk], spec, [commit], LinkSettings())[chunk.id]
    assert link.section_id in {section_of(spec, "1.1"), "T01"}
    assert "trailer Spec: 1.1" in link.evidence[0].detail
    assert all("T03" not in evidence.detail for evidence in link.evidence)


def test_the_task_citing_the_named_section_inherits_the_trailer(spec: Spec) -> None:
    lines = ["def load_tokenizer(name):", "    return AutoTokenizer.from_pretrained(name)"]
    chunk = make_chunk("src/dr/data.py", lines, symbol="load_tokenizer", commits=[DATA_COMMIT.sha])
    others = [
        make_chunk("src/dr/data.py", [f"def {name}():  # spec: T01", "    pass"], symbol=name)
        for name in ("download", "cache")
    ]
    commit = CommitInfo(DATA_COMMIT.sha, DATA_COMMIT.subject, trailers={"Spec": ["1.2"]})
    link = link_chunks([chunk, *others], spec, [commit], LinkSettings())[chunk.id]
    # data.py is named by T01 (and the file's other chunks are T01's), but the commit names 1.2,
    # which T02 cites: the path and the file's neighbours must not win
    assert link.section_id in {section_of(spec, "1.2"), "T02"}
    assert link.confidence >= 0.9
    assert all("T01" not in evidence.detail for evidence in link.evidence)


def test_tasks_cite_headings_by_bare_dotted_numbers(spec: Spec) -> None:
    cited = backlinks(spec, SectionRefs.build(spec))
    assert cited["T01"] == [section_of(spec, "1.1")]
    assert cited["T02"] == [section_of(spec, "1.2")]
    assert cited["T03"] == [section_of(spec, "1.3")]
    assert cited["T05"] == [section_of(spec, "2 ")]


def test_a_dotted_value_that_is_no_heading_number_is_no_citation(tmp_path: Path) -> None:
    text = "# Plan\n\n## 1 Data\n\n- [ ] T01 Sample with temperature 0.7 and top-p 0.95\n"
    (tmp_path / "SPEC.md").write_text(text, encoding="utf-8")
    spec = load_spec(tmp_path, ["SPEC.md"])
    assert "T01" not in backlinks(spec, SectionRefs.build(spec))


ENCODE = [
    "def encode_texts(bi_encoder, texts):",
    "    states = bi_encoder.encoder(texts)",
    "    return mean_pooling(states)",
]
EVALUATE = [
    "def recall_at_k(ranked, qrels, k=100):",
    "    # Recall@100 over the full test set",
    "    hits = [doc for doc in ranked[:k] if doc in qrels]",
    "    return len(hits) / len(qrels)",
]
NDCG = [
    "def ndcg_at_k(ranked, qrels, k=10):",
    "    # nDCG@10 over the full test set",
    "    gains = [qrels.get(doc, 0) for doc in ranked[:k]]",
    "    return dcg(gains) / dcg(sorted(gains, reverse=True))",
]


def test_the_one_task_naming_the_file_beats_a_lexical_match_to_a_task_naming_another(
    spec: Spec,
) -> None:
    chunks = [
        make_chunk("src/dr/evaluate.py", ENCODE, symbol="encode_texts"),
        make_chunk("src/dr/evaluate.py", EVALUATE, symbol="recall_at_k"),
        make_chunk("src/dr/evaluate.py", NDCG, symbol="ndcg_at_k"),
    ]
    links = link_chunks(chunks, spec, [], LinkSettings())
    assert links[chunks[1].id].section_id in {"T08", section_of(spec, "4 ")}
    assert links[chunks[2].id].section_id in {"T08", section_of(spec, "4 ")}
    encode = links[chunks[0].id]
    assert encode.section_id == "T08"
    assert any(e.kind == "path" and "src/dr/evaluate.py" in e.detail for e in encode.evidence)


def test_a_lexical_match_in_the_file_a_task_names_is_kept(spec: Spec) -> None:
    chunk = make_chunk("src/dr/model.py", ENCODE, symbol="encode_texts")
    link = link_chunks([chunk], spec, [], LinkSettings())[chunk.id]
    assert link.section_id == "T05"


README_RUN = [
    "## Running phase 1",
    "",
    "This downloads FiQA into `data/` and runs the FiQA pipeline: FiQA in, FiQA out.",
    "FiQA questions and FiQA answers.",
]
PYPROJECT = '[project]\nname = "fiqa-synthetic-dr"\nversion = "0.1.0"\n'


def test_the_project_name_alone_does_not_link_documentation(spec: Spec) -> None:
    chunk = make_chunk("README.md", README_RUN)
    texts = {"pyproject.toml": PYPROJECT, "README.md": "\n".join(README_RUN)}
    link = link_chunks([chunk], spec, [], LinkSettings(), file_texts=texts)[chunk.id]
    assert link.section_id is None
    # the same words in code, without the project name file, still point at the FiQA task
    code = make_chunk("src/dr/data.py", ["FIQA_QRELS = 'BeIR/fiqa-qrels'  # corpus and qrels"])
    assert link_chunks([code], spec, [], LinkSettings())[code.id].section_id is not None


def test_project_keys_come_from_project_files_and_readme_titles() -> None:
    keys = project_keys(
        {"pyproject.toml": PYPROJECT, "docs/guide.md": "# Guide\n", "README.md": "# fiqa-dr\n"}
    )
    assert {"fiqa", "synthetic", "dr", "fiqasyntheticdr"} <= keys
    assert "guide" not in keys
    assert project_keys({"src/app.py": 'name = "x"\n'}) == set()


def test_terms_in_most_chunks_or_paths_are_common() -> None:
    terms = {"FiQA": ("fi", "qa", "fi_qa"), "corpus": ("corpus",), "dr": ("dr",), "x": ()}
    chunks = [["corpus", "x"]] * 5 + [["FiQA"]] + [["x"]] * 4
    paths = ["src/dr/a.py", "src/dr/b.py", "src/dr/c.py", "README.md"]
    path_terms = {"src/dr/a.py": ("dr", "a"), "src/dr/b.py": ("dr",), "src/dr/c.py": ("dr",)}
    common = common_terms(
        chunks,
        paths,
        terms.__getitem__,
        lambda path: path_terms.get(path, ()),
        {"fiqa"},
    )
    assert common == {"corpus", "dr", "fi", "qa", "fi_qa"}
    few = common_terms(chunks[:3], paths[:2], terms.__getitem__, lambda p: ("dr",), set())
    assert few == frozenset()


@pytest.mark.parametrize(
    "text", ["implements 1.1, and 1.2", "spec: and 1.2", "see section 1.1 / and 1.2"]
)
def test_a_marker_with_an_empty_part_between_separators_does_not_crash(
    spec: Spec, text: str
) -> None:
    # `and 1.2` reads as one id and as a separator: splitting it leaves an empty part
    found = SectionRefs.build(spec).in_text(text, bare=False)
    assert section_of(spec, "1.2") in found
