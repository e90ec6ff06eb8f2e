"""Tests of `link_chunks`: every signal (comments, commits, paths, names, BM25, structure), the
threshold, manual links, specificity, and speed. Specs are parsed by the real `load_spec`; chunks
and commits are built by hand so each signal can be isolated."""

from __future__ import annotations

import random
import subprocess
import sys
from pathlib import Path

import pytest

from reviewtui.config import LinkSettings
from reviewtui.core.links import link_chunks, noisy_or
from reviewtui.core.models import Chunk, CommitInfo, DiffLine, SectionLink, Spec
from reviewtui.core.spec import load_spec

SPEC = """\
# Replication of the pooling paper

## 1 Data

### 1.1 Source

Download the SST-2 archive, verify its SHA-256 checksum and read `train.tsv` with csv.

### 1.2 Tokenization

Build a word-level vocabulary keeping words seen at least 2 times; pad on the right to 64 tokens.

## 2 Model

### 2.1 Pooling

Masked mean pooling over the token states (`masked_mean`), never the first token.

### 2.2 Classifier

A linear head from 128 to 2 classes.

## 3 Training

- [ ] 3.1 AdamW with learning rate 5e-4 and weight decay 0.01 in `src/train.py`
- [ ] 3.2 Linear warmup over 400 steps then cosine decay
- [x] 3.3 Early stopping on dev accuracy

## 4 Configuration

All hyper-parameters live in `configs/run.yaml`.
"""


@pytest.fixture
def spec(tmp_path: Path) -> Spec:
    (tmp_path / "SPEC.md").write_text(SPEC, encoding="utf-8")
    return load_spec(tmp_path, ["SPEC.md"])


def make_chunk(
    path: str,
    lines: list[str],
    *,
    symbol: str | None = None,
    commits: list[str] | None = None,
    start: int = 1,
    chunk_id: str | None = None,
) -> Chunk:
    diff = [DiffLine("+", text, None, start + number) for number, text in enumerate(lines)]
    return Chunk(
        id=chunk_id or f"{path}:{start}",
        path=path,
        old_path=None,
        change="added",
        lines=diff,
        new_start=start,
        new_lines=len(lines),
        old_start=0,
        old_lines=0,
        added=len(lines),
        removed=0,
        symbol=symbol,
        commits=commits or [],
    )


POOLING = [
    "def masked_mean(states, mask):",
    "    weights = mask.unsqueeze(-1).float()",
    "    return (states * weights).sum(dim=1) / weights.sum(dim=1).clamp(min=1.0)",
]
GLUE = [
    "def format_seconds(seconds):",
    "    minutes, seconds = divmod(int(seconds), 60)",
    '    return f"{minutes}m{seconds:02d}s"',
]


def link_one(
    spec: Spec, chunk: Chunk, commits: list[CommitInfo] | None = None, **kwargs
) -> SectionLink:
    links = link_chunks([chunk], spec, commits or [], LinkSettings(), **kwargs)
    return links[chunk.id]


def kinds(link: SectionLink) -> set[str]:
    return {evidence.kind for evidence in link.evidence}


# --------------------------------------------------------------------------- lexical and names


def test_lexical_match_links_pooling_code_to_its_heading(spec: Spec) -> None:
    link = link_one(spec, make_chunk("src/model.py", POOLING, symbol="masked_mean"))
    assert link.section_id == "21-pooling"
    assert link.confidence >= LinkSettings().threshold
    assert "lexical" in kinds(link)
    details = " ".join(evidence.detail for evidence in link.evidence)
    assert "`masked_mean`" in details and "2.1 Pooling" in details


def test_glue_code_stays_unlinked(spec: Spec) -> None:
    link = link_one(spec, make_chunk("src/util.py", GLUE, symbol="format_seconds"))
    assert link.section_id is None
    assert link.confidence < LinkSettings().threshold


def test_threshold_is_configurable(spec: Spec) -> None:
    chunk = make_chunk("src/model.py", POOLING, symbol="masked_mean")
    strict = link_chunks([chunk], spec, [], LinkSettings(threshold=0.999))[chunk.id]
    assert strict.section_id is None
    assert strict.confidence > 0  # the best guess is still reported
    assert strict.evidence


def test_numbers_in_code_match_the_spec_text(spec: Spec) -> None:
    lines = ["opt = AdamW(groups, lr=5e-4, weight_decay=0.01)"]
    link = link_one(spec, make_chunk("src/optim.py", lines, symbol="make_optimizer"))
    assert link.section_id == "3.1"


def test_task_is_preferred_over_its_heading(spec: Spec) -> None:
    lines = [
        "def warmup_cosine(optimizer, warmup_steps=400, total_steps=10000):",
        "    # linear warmup, then cosine decay",
        "    return LambdaLR(optimizer, schedule(warmup_steps, total_steps))",
    ]
    link = link_one(spec, make_chunk("src/schedule.py", lines, symbol="warmup_cosine"))
    assert link.section_id == "3.2"


def test_config_file_named_by_a_section_follows_it(spec: Spec) -> None:
    link = link_one(
        spec, make_chunk("configs/run.yaml", ["logging:", "  every: 50"], symbol="logging")
    )
    assert link.section_id == "4-configuration"
    assert any(e.kind == "path" and "configs/run.yaml" in e.detail for e in link.evidence)


# --------------------------------------------------------------------------- explicit references


def test_comment_marker_in_the_chunk_wins(spec: Spec) -> None:
    lines = ["# spec: 1.2", *GLUE]
    link = link_one(spec, make_chunk("src/util.py", lines, symbol="format_seconds"))
    assert link.section_id == "12-tokenization"
    assert link.confidence >= 0.9
    assert any(e.kind == "comment" and "src/util.py:1" in e.detail for e in link.evidence)


def test_comment_marker_above_an_unchanged_definition_covers_its_chunks(spec: Spec) -> None:
    text = "\n".join(
        ["import math", "", "# spec: 3.2", *GLUE, "", "def other():", "    return 1", ""]
    )
    inside = make_chunk("src/util.py", [GLUE[1]], symbol="format_seconds", start=5)
    outside = make_chunk("src/util.py", ["    return 1"], symbol="other", start=8)
    links = link_chunks(
        [inside, outside], spec, [], LinkSettings(), file_texts={"src/util.py": text}
    )
    assert links[inside.id].section_id == "3.2"
    assert links[outside.id].section_id is None


def test_docstring_marker_covers_the_rest_of_the_body(spec: Spec) -> None:
    text = "\n".join(
        [
            "def load():",
            '    """Implements spec 1.1."""',
            "    rows = read()",
            "    return rows",
            "",
        ]
    )
    chunk = make_chunk("src/data.py", ["    return rows"], symbol="load", start=4)
    link = link_one(spec, chunk, file_texts={"src/data.py": text})
    assert link.section_id == "11-source"


def test_commit_trailer_names_the_section(spec: Spec) -> None:
    commit = CommitInfo("a" * 40, "Add helpers", trailers={"Spec": ["2.2"]})
    link = link_one(spec, make_chunk("src/util.py", GLUE, commits=[commit.sha]), [commit])
    assert link.section_id == "22-classifier"
    assert any(e.kind == "commit" and "trailer Spec: 2.2" in e.detail for e in link.evidence)


@pytest.mark.parametrize(
    ("subject", "expected"),
    [
        ("3.1: optimizer with decoupled decay", "3.1"),
        ("[3.2] schedule", "3.2"),
        ("Implement section 1.1", "11-source"),
    ],
)
def test_commit_subject_naming_an_id(spec: Spec, subject: str, expected: str) -> None:
    commit = CommitInfo("b" * 40, subject)
    link = link_one(spec, make_chunk("src/util.py", GLUE, commits=[commit.sha]), [commit])
    assert link.section_id == expected
    assert f"commit {'b' * 7}" in link.evidence[0].detail


def test_commit_subject_without_ids_describing_a_task(spec: Spec) -> None:
    commit = CommitInfo("c" * 40, "Early stopping on dev accuracy")
    lines = ["if patience_left == 0:", "    break"]
    link = link_one(spec, make_chunk("src/loop.py", lines, commits=[commit.sha]), [commit])
    assert link.section_id == "3.3"
    assert "describes task 3.3" in " ".join(e.detail for e in link.evidence)


def test_commit_that_only_shares_generic_lines_counts_less(spec: Spec) -> None:
    own = CommitInfo(
        "d" * 40, "1.2: vocabulary", added_lines={"src/x.py": {"return rows", "x = 1"}}
    )
    other = CommitInfo("e" * 40, "2.2: head", added_lines={"src/x.py": {"return rows"}})
    chunk = make_chunk(
        "src/x.py", ["x = 1", "y = 2", "z = 3", "return rows"], commits=[own.sha, other.sha]
    )
    link = link_one(spec, chunk, [own, other])
    assert link.section_id == "12-tokenization"


def test_commit_naming_a_task_and_its_story_counts_once(tmp_path: Path) -> None:
    (tmp_path / "tasks.md").write_text(
        "# Tasks\n\n## User Story 2 - Collections\n\n- [ ] T012 [US2] Collection endpoints\n"
        "- [ ] T013 [US2] Search endpoint\n",
        encoding="utf-8",
    )
    spec = load_spec(tmp_path, ["tasks.md"])
    commit = CommitInfo("f" * 40, "T012 [US2] Collection endpoints")
    link = link_one(spec, make_chunk("src/routes.py", GLUE, commits=[commit.sha]), [commit])
    assert link.section_id == "T012"
    assert link.confidence >= 0.8


# --------------------------------------------------------------------------- structure and manual


def test_chunks_of_one_definition_follow_the_confident_one(spec: Spec) -> None:
    first = make_chunk("src/model.py", POOLING, symbol="Pool.forward", start=10)
    second = make_chunk("src/model.py", ["    out = out + 0"], symbol="Pool.forward", start=30)
    links = link_chunks([first, second], spec, [], LinkSettings())
    assert links[first.id].section_id == "21-pooling"
    assert links[second.id].section_id == "21-pooling"
    assert any(e.kind == "structure" for e in links[second.id].evidence)


def test_tests_follow_the_code_they_test(spec: Spec) -> None:
    code = make_chunk("src/model.py", POOLING, symbol="masked_mean")
    test = make_chunk(
        "tests/test_model.py",
        ["def test_zero_mask():", "    assert masked_mean(x, m).shape == (2, 4)"],
        symbol="test_zero_mask",
    )
    links = link_chunks([code, test], spec, [], LinkSettings())
    assert links[test.id].section_id == "21-pooling"
    assert any("tests `masked_mean`" in e.detail for e in links[test.id].evidence)


def test_manual_links_win_and_can_unlink(spec: Spec) -> None:
    pooling = make_chunk("src/model.py", POOLING, symbol="masked_mean")
    glue = make_chunk("src/util.py", GLUE)
    manual: dict[str, str | None] = {pooling.id: None, glue.id: "3.3", "gone": "3.1"}
    links = link_chunks([pooling, glue], spec, [], LinkSettings(), manual=manual)
    assert links[pooling.id].section_id is None
    assert links[glue.id].section_id == "3.3"
    assert links[glue.id].confidence == 1.0
    assert [e.kind for e in links[glue.id].evidence] == ["manual"]
    assert "gone" not in links


def test_manual_link_to_a_vanished_section_is_ignored(spec: Spec) -> None:
    pooling = make_chunk("src/model.py", POOLING, symbol="masked_mean")
    links = link_chunks([pooling], spec, [], LinkSettings(), manual={pooling.id: "9-removed"})
    assert links[pooling.id].section_id == "21-pooling"


def test_one_link_per_chunk_and_evidence_sorted(spec: Spec) -> None:
    chunks = [make_chunk(f"src/m{n}.py", POOLING if n % 2 else GLUE, start=n) for n in range(6)]
    links = link_chunks(chunks, spec, [], LinkSettings())
    assert list(links) == [chunk.id for chunk in chunks]
    for chunk in chunks:
        link = links[chunk.id]
        assert link.chunk_id == chunk.id
        scores = [e.score for e in link.evidence]
        assert scores == sorted(scores, reverse=True)
        assert 0.0 <= link.confidence <= 1.0


def test_empty_spec_and_no_chunks() -> None:
    assert link_chunks([], Spec([], []), [], LinkSettings()) == {}
    chunk = make_chunk("a.py", GLUE)
    assert link_chunks([chunk], Spec([], []), [], LinkSettings())[chunk.id].section_id is None


def test_noisy_or_combines_independent_signals() -> None:
    assert noisy_or([]) == 0.0
    assert noisy_or([0.5, 0.5]) == pytest.approx(0.75)
    assert noisy_or([1.0]) < 1.0


def test_untrusted_text_in_evidence_is_kept_verbatim(spec: Spec) -> None:
    commit = CommitInfo("9" * 40, "[bold]3.1[/bold]: optimizer \x1b[31m")
    link = link_one(spec, make_chunk("src/x.py", GLUE, commits=[commit.sha]), [commit])
    assert "[bold]3.1[/bold]" in link.evidence[0].detail


# --------------------------------------------------------------------------- speed and hygiene


def _synthetic(sections: int, chunks: int) -> tuple[Spec, list[Chunk]]:
    rng = random.Random(3)
    words = ["".join(rng.choice("abcdefghijklmnop") for _ in range(6)) for _ in range(2000)]
    lines = ["# Spec", ""]
    for number in range(sections):
        lines += [f"## {number} {rng.choice(words)} {rng.choice(words)}", ""]
        lines += [" ".join(rng.choice(words) for _ in range(40)), ""]
    spec_text = "\n".join(lines)
    made = [
        make_chunk(
            f"src/m{n % 50}.py",
            [
                f"{rng.choice(words)}_{rng.choice(words)} = {rng.choice(words)}(3)"
                for _ in range(12)
            ],
            symbol=rng.choice(words),
            start=n,
        )
        for n in range(chunks)
    ]
    return _spec_from_text(spec_text), made


def _spec_from_text(text: str) -> Spec:
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        Path(folder, "SPEC.md").write_text(text, encoding="utf-8")
        return load_spec(Path(folder), ["SPEC.md"])


def test_three_thousand_chunks_against_two_hundred_sections_are_all_linked() -> None:
    # speed is measured by the benchmark (bench/linking/run.py --speed), not asserted here
    spec, chunks = _synthetic(200, 3000)
    links = link_chunks(chunks, spec, [], LinkSettings())
    assert set(links) == {chunk.id for chunk in chunks}
    assert all(link.section_id is None or link.section_id in spec for link in links.values())


def test_linking_imports_no_textual() -> None:
    code = "import sys, reviewtui.core.links, reviewtui.core.coverage, reviewtui.core.phases; "
    code += "print('textual' in sys.modules or 'rich' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "False"


# --------------------------------------------------------------------------- odd chunks


def test_deleted_code_links_by_its_removed_lines(spec: Spec) -> None:
    lines = [DiffLine("-", text, number + 1, None) for number, text in enumerate(POOLING)]
    deleted = Chunk(
        "del", "src/model.py", None, "deleted", lines, 0, 0, 1, 3, 0, 3, symbol="masked_mean"
    )
    link = link_one(spec, deleted)
    assert link.section_id == "21-pooling"


def test_summarized_binary_chunk_without_lines(spec: Spec) -> None:
    binary = Chunk(
        "bin",
        "assets/logo.png",
        None,
        "binary",
        [],
        0,
        0,
        0,
        0,
        0,
        0,
        summary="binary file, 1.0 KiB",
    )
    link = link_one(spec, binary)
    assert link.section_id is None


def test_header_comment_covers_the_whole_file(spec: Spec) -> None:
    text = "# Training schedule, spec: 3.2\n\nimport math\n\n" + "\n".join(GLUE) + "\n"
    chunk = make_chunk("src/sched.py", [GLUE[2]], symbol="format_seconds", start=7)
    link = link_one(spec, chunk, file_texts={"src/sched.py": text})
    assert link.section_id == "3.2"
    assert link.evidence[0].kind == "comment"


def test_yaml_marker_covers_its_block_only(spec: Spec) -> None:
    text = "# spec: 1.2\ntokenizer:\n  max_len: 64\n\nother:\n  x: 1\n"
    inside = make_chunk("configs/a.yaml", ["  max_len: 64"], start=3)
    outside = make_chunk("configs/a.yaml", ["  x: 1"], start=6)
    links = link_chunks(
        [inside, outside], spec, [], LinkSettings(), file_texts={"configs/a.yaml": text}
    )
    assert links[inside.id].section_id == "12-tokenization"
    assert links[outside.id].section_id != "12-tokenization"


def test_bare_task_id_in_a_comment(tmp_path: Path) -> None:
    (tmp_path / "tasks.md").write_text("# Tasks\n\n- [ ] T003 Models\n- [ ] T004 Routes\n", "utf-8")
    spec = load_spec(tmp_path, ["tasks.md"])
    chunk = make_chunk("src/x.py", ["# T004: the routes", "x = 1"])
    assert link_one(spec, chunk).section_id == "T004"
    code_only = make_chunk("src/y.py", ['name = "T004"'])
    assert "comment" not in kinds(link_one(spec, code_only))
