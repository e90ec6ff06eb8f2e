"""Tests of the spec model: discovery, parsing into sections, ids, spans, tasks, refs, errors."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from reviewtui.core.models import Spec
from reviewtui.core.spec import (
    NO_SPEC_MESSAGE,
    discover_specs,
    extract_refs,
    load_spec,
    slugify,
)
from reviewtui.errors import ReviewError
from tests.gitrepo import GitRepo

FIXTURES = Path(__file__).parent / "fixtures" / "specs"


def checkout(git_repo: GitRepo, *fixtures: str) -> Path:
    """Copy fixture spec trees into the real repo and commit them; returns the repo root."""
    for name in fixtures:
        shutil.copytree(FIXTURES / name, git_repo.root, dirs_exist_ok=True)
    git_repo.commit("add the spec")
    return git_repo.root


def parse(root: Path) -> Spec:
    return load_spec(root, discover_specs(root, []))


def write_spec(git_repo: GitRepo, text: str | bytes, name: str = "SPEC.md") -> Spec:
    git_repo.write(name, text)
    git_repo.commit("spec")
    return load_spec(git_repo.root, [name])


# --------------------------------------------------------------------------- slugify


@pytest.mark.parametrize(
    ("text", "slug"),
    [
        ("2.1 Source", "21-source"),
        ("Phase 1: Setup (Shared Infrastructure)", "phase-1-setup-shared-infrastructure"),
        (
            "User Story 1 - Create an album (Priority: P1)",
            "user-story-1---create-an-album-priority-p1",
        ),
        ("snake_case and kebab-case", "snake_case-and-kebab-case"),
        ("Über Größe", "über-größe"),
        ("日本語 の 見出し", "日本語-の-見出し"),
        ("C++ & Rust!", "c--rust"),
        ("🎯 MVP", "-mvp"),
        ("  Trimmed  ", "trimmed"),
    ],
)
def test_slugify_is_github_style(text: str, slug: str) -> None:
    assert slugify(text) == slug


# --------------------------------------------------------------------------- fixtures

DISCOVERED = {
    "ml-replication": ["SPEC.md"],
    "speckit": [
        "specs/001-photo-albums/spec.md",
        "specs/001-photo-albums/plan.md",
        "specs/001-photo-albums/tasks.md",
    ],
    "kiro": [
        ".kiro/specs/experiment-tracking/requirements.md",
        ".kiro/specs/experiment-tracking/design.md",
        ".kiro/specs/experiment-tracking/tasks.md",
    ],
    "todo": ["TODO.md"],
}

ORDER = {
    "ml-replication": [
        "replication-small-transformers-learn-arithmetic",
        "1-data",
        "11-source",
        "12-splits",
        "2-method",
        "21-model",
        "22-training-trainpy",
        "optimizer-notes",
        "3-evaluation",
        "4-phases",
        "phase-1-data-pipeline",
        "1.1",
        "1.2",
        "1.3",
        "phase-2-training",
        "2.1",
        "2.2",
        "4-phases-1",
    ],
    "speckit": [
        "feature-specification-photo-albums",
        "user-scenarios--testing-mandatory",
        "user-story-1---create-an-album-priority-p1",
        "user-story-2---share-an-album-priority-p2",
        "edge-cases",
        "requirements-mandatory",
        "functional-requirements",
        "implementation-plan-photo-albums",
        "summary",
        "technical-context",
        "project-structure",
        "notes",
        "tasks-photo-albums",
        "format-id-p-story-description",
        "phase-1-setup-shared-infrastructure",
        "T001",
        "T002",
        "phase-3-user-story-1---create-an-album-priority-p1--mvp",
        "implementation-for-user-story-1",
        "T012",
        "T013",
        "notes-1",
    ],
    "kiro": [
        "requirements-document",
        "introduction",
        "requirements",
        "requirement-1",
        "acceptance-criteria",
        "requirement-2",
        "acceptance-criteria-1",
        "design-document",
        "overview",
        "components-and-interfaces",
        "error-handling",
        "implementation-plan",
        "1",
        "2",
        "2.1",
        "2.2",
        "2.3",
    ],
    "todo": [
        "todomd",
        "1.1",
        "2.1",
        "check-the-padding-side-is-left",
        "write-the-readme",
        "write-the-readme-1",
        "update-the-tests-ac-1-3",
    ],
}

# fixture, section id, expected attributes
EXPECTED: list[tuple[str, str, dict[str, Any]]] = [
    (
        "ml-replication",
        "replication-small-transformers-learn-arithmetic",
        {
            "kind": "heading",
            "level": 1,
            "parent": None,
            "line": 5,
            "end_line": 8,
            "spec": "SPEC.md",
        },
    ),
    ("ml-replication", "1-data", {"title": "1 Data", "level": 2, "line": 10, "end_line": 12}),
    (
        "ml-replication",
        "11-source",
        {"title": "1.1 Source", "parent": "1-data", "level": 3, "line": 14, "end_line": 17},
    ),
    ("ml-replication", "12-splits", {"line": 19, "end_line": 26, "children": []}),
    ("ml-replication", "2-method", {"line": 28, "end_line": 28, "text": "## 2 Method"}),
    (
        "ml-replication",
        "22-training-trainpy",
        {"title": "2.2 Training train.py", "parent": "2-method", "line": 35, "end_line": 43},
    ),
    (
        "ml-replication",
        "optimizer-notes",
        {
            "title": "Optimizer notes",
            "level": 2,
            "parent": "replication-small-transformers-learn-arithmetic",
            "line": 45,
            "end_line": 48,
        },
    ),
    (
        "ml-replication",
        "phase-1-data-pipeline",
        {
            "parent": "4-phases",
            "line": 56,
            "end_line": 62,
            "children": ["1.1", "1.2", "1.3"],
            "text": "### Phase 1: data pipeline\n\nCheckpoint: stop after Phase 1 and wait for review.",
        },
    ),
    (
        "ml-replication",
        "1.1",
        {
            "kind": "task",
            "task_id": "1.1",
            "checked": True,
            "level": 4,
            "parent": "phase-1-data-pipeline",
            "line": 58,
            "end_line": 58,
            "title": "1.1 Write the generator wrapper in src/data.py",
            "text": "- [x] 1.1 Write the generator wrapper in `src/data.py`",
        },
    ),
    ("ml-replication", "1.3", {"checked": False, "line": 60, "end_line": 60}),
    (
        "ml-replication",
        "2.1",
        {
            "task_id": "2.1",
            "parent": "phase-2-training",
            "line": 66,
            "end_line": 68,
            "title": "2.1 Implement the model (see 2.1 Model)",
            "text": "- [ ] 2.1 Implement the model (see [2.1 Model](#21-model))\n"
            "  - use `torch.nn.TransformerDecoder`\n  - no custom attention",
        },
    ),
    ("ml-replication", "4-phases-1", {"title": "4 Phases", "line": 71, "end_line": 73}),
    (
        "speckit",
        "user-story-1---create-an-album-priority-p1",
        {"level": 3, "parent": "user-scenarios--testing-mandatory", "line": 9, "end_line": 15},
    ),
    (
        "speckit",
        "user-scenarios--testing-mandatory",
        {"title": "User Scenarios & Testing (mandatory)", "spec": "specs/001-photo-albums/spec.md"},
    ),
    ("speckit", "notes", {"spec": "specs/001-photo-albums/plan.md", "line": 23}),
    ("speckit", "notes-1", {"spec": "specs/001-photo-albums/tasks.md", "line": 27, "children": []}),
    (
        "speckit",
        "T002",
        {
            "kind": "task",
            "task_id": "T002",
            "checked": True,
            "level": 3,
            "parent": "phase-1-setup-shared-infrastructure",
            "title": "T002 [P] Configure ruff in pyproject.toml",
            "refs": [],
            "line": 13,
        },
    ),
    (
        "speckit",
        "T012",
        {
            "task_id": "T012",
            "checked": False,
            "level": 4,
            "parent": "implementation-for-user-story-1",
            "refs": ["US1"],
            "spec": "specs/001-photo-albums/tasks.md",
            "line": 21,
            "end_line": 21,
        },
    ),
    (
        "speckit",
        "T013",
        {
            "refs": ["US1"],
            "line": 22,
            "end_line": 23,
            "text": (
                "- [ ] T013 [US1] Implement AlbumService in src/services/album_service.py"
                " (depends on T012)\n  - keep photo order (FR-002)"
            ),
        },
    ),
    (
        "speckit",
        "implementation-for-user-story-1",
        {
            "end_line": 25,
            "children": ["T012", "T013"],
            "text": "### Implementation for User Story 1\n\n**Checkpoint**: User Story 1 works on its own.",
        },
    ),
    ("kiro", "acceptance-criteria-1", {"parent": "requirement-2", "level": 4, "line": 22}),
    (
        "kiro",
        "1",
        {
            "kind": "task",
            "task_id": "1",
            "checked": True,
            "level": 2,
            "parent": "implementation-plan",
            "refs": ["1.1"],
            "title": "1. Set up the run directory layout",
            "line": 3,
            "end_line": 5,
        },
    ),
    (
        "kiro",
        "2",
        {
            "checked": False,
            "children": ["2.1", "2.2", "2.3"],
            "refs": [],
            "line": 7,
            "end_line": 14,
            "text": "- [ ] 2. Implement the tracker",
        },
    ),
    (
        "kiro",
        "2.1",
        {
            "parent": "2",
            "level": 3,
            "checked": True,
            "refs": ["1.1", "1.2"],
            "line": 8,
            "end_line": 10,
            "text": "- [x] 2.1 Write the resolved config\n  - Serialize with `yaml.safe_dump`\n"
            "  - _Requirements: 1.1, 1.2_",
        },
    ),
    (
        "kiro",
        "2.3",
        {"checked": False, "refs": ["1.1", "2.1"], "title": "2.3 Write unit tests for the tracker"},
    ),
    (
        "todo",
        "todomd",
        {
            "title": "TODO.md",
            "kind": "heading",
            "level": 1,
            "line": 1,
            "end_line": 10,
            "text": "Agent TODO for the arithmetic replication. Keep this list current.\n\n"
            "Notes: the full run needs 4 GPUs.",
        },
    ),
    (
        "todo",
        "2.1",
        {"parent": "todomd", "level": 2, "children": ["check-the-padding-side-is-left"]},
    ),
    (
        "todo",
        "check-the-padding-side-is-left",
        {"parent": "2.1", "level": 3, "task_id": None, "checked": False, "line": 5},
    ),
    ("todo", "write-the-readme-1", {"task_id": None, "line": 7, "title": "Write the README"}),
    ("todo", "update-the-tests-ac-1-3", {"refs": ["AC1", "AC3"]}),
]


@pytest.mark.parametrize(("fixture", "files"), DISCOVERED.items())
def test_discovers_each_layout(git_repo: GitRepo, fixture: str, files: list[str]) -> None:
    assert discover_specs(checkout(git_repo, fixture), []) == files


@pytest.mark.parametrize(("fixture", "ids"), ORDER.items())
def test_sections_in_document_order(git_repo: GitRepo, fixture: str, ids: list[str]) -> None:
    spec = parse(checkout(git_repo, fixture))
    assert [section.id for section in spec.sections] == ids
    assert spec.files == DISCOVERED[fixture]


@pytest.mark.parametrize(("fixture", "section_id", "expected"), EXPECTED)
def test_section_attributes(
    git_repo: GitRepo, fixture: str, section_id: str, expected: dict[str, Any]
) -> None:
    section = parse(checkout(git_repo, fixture)).get(section_id)
    assert section is not None
    assert {name: getattr(section, name) for name in expected} == expected


@pytest.mark.parametrize("fixture", list(DISCOVERED))
def test_tree_is_consistent(git_repo: GitRepo, fixture: str) -> None:
    spec = parse(checkout(git_repo, fixture))
    position = {section.id: index for index, section in enumerate(spec.sections)}
    for section in spec.sections:
        parent = spec.get(section.parent)
        if parent is not None:
            assert section.id in parent.children
            assert position[parent.id] < position[section.id]
            assert section.level > parent.level
            if section.kind == "task":
                assert section.level == parent.level + 1
        assert [position[child] for child in section.children] == sorted(
            position[child] for child in section.children
        )
        assert section.line <= section.end_line
        assert section.text.splitlines()[0].strip() if section.text else section.kind == "heading"


def test_fenced_and_front_matter_lines_are_not_headings(git_repo: GitRepo) -> None:
    spec = parse(checkout(git_repo, "ml-replication", "speckit"))
    titles = [section.title for section in spec.sections]
    assert not [title for title in titles if "Fake heading" in title or "not a heading" in title]
    assert not [title for title in titles if title.startswith(("title:", "owner:"))]
    assert spec.sections[0].line == 5


def test_ids_are_unique_across_files(git_repo: GitRepo) -> None:
    root = checkout(git_repo, "ml-replication", "todo", "speckit", "kiro")
    files = discover_specs(root, [])
    assert files == [
        "SPEC.md",
        *DISCOVERED["speckit"],
        *DISCOVERED["kiro"],
        "TODO.md",
    ]
    spec = load_spec(root, files)
    ids = [section.id for section in spec.sections]
    assert len(ids) == len(set(ids))
    ml_task = spec.get("2.1")
    assert ml_task is not None and ml_task.spec == "SPEC.md"
    kiro_task = spec.get("2.1-1")
    assert kiro_task is not None and kiro_task.task_id == "2.1" and kiro_task.parent == "2"
    todo_task = spec.get("2.1-2")
    assert todo_task is not None and todo_task.spec == "TODO.md" and todo_task.task_id == "2.1"
    assert todo_task.children == ["check-the-padding-side-is-left"]
    assert "TODO.md:4: task id 2.1 is used twice; renamed 2.1-2" in spec.warnings
    assert "TODO.md has no headings; treated as one section" in spec.warnings


# --------------------------------------------------------------------------- markdown details


def test_setext_and_inline_markup_titles(git_repo: GitRepo) -> None:
    spec = write_spec(
        git_repo,
        "Data *loading* with `pandas`\n============================\n\n"
        "Body.\n\n"
        "## See [the **paper**](https://example.org) &amp; notes <span>x</span>\n"
        "## Escaped \\*stars\\* and ![logo](logo.png)\n"
        "Two line\nsetext\n------\n",
    )
    assert [(s.id, s.title, s.level, s.line, s.end_line) for s in spec.sections] == [
        ("data-loading-with-pandas", "Data loading with pandas", 1, 1, 4),
        ("see-the-paper--notes-x", "See the paper & notes x", 2, 6, 6),
        ("escaped-stars-and-logo", "Escaped *stars* and logo", 2, 7, 7),
        ("two-line-setext", "Two line setext", 2, 8, 10),
    ]
    assert spec.sections[1].parent == "data-loading-with-pandas"


def test_tasks_before_the_first_heading_have_no_parent(git_repo: GitRepo) -> None:
    spec = write_spec(git_repo, "- [ ] T001 Bootstrap\n\n# Title\n\n- [x] T002 Next\n")
    first, heading, second = spec.sections
    assert (first.id, first.parent, first.level, first.line) == ("T001", None, 1, 1)
    assert (second.parent, second.level, second.checked) == (heading.id, 2, True)
    assert heading.children == ["T002"]


def test_which_list_items_are_tasks(git_repo: GitRepo) -> None:
    spec = write_spec(
        git_repo,
        "# Tasks\n\n"
        "- T020 [US2] Share link (spec-kit id without a box)\n"
        "- T5 encoder, 0.5 dropout (a plain bullet)\n"
        "- 2.5 GB of data (a plain bullet)\n"
        "1. [ ] ordered item with a box\n"
        "- [X] 3.2.1. Deep id with a trailing dot\n"
        "- [ ] 7 GPUs reserved\n"
        "- Group\n"
        "  - [ ] nested under a plain bullet\n",
    )
    tasks = [s for s in spec.sections if s.kind == "task"]
    assert [(t.id, t.task_id, t.checked, t.parent) for t in tasks] == [
        ("T020", "T020", None, "tasks"),
        ("ordered-item-with-a-box", None, False, "tasks"),
        ("3.2.1", "3.2.1", True, "tasks"),
        ("7-gpus-reserved", None, False, "tasks"),
        ("nested-under-a-plain-bullet", None, False, "tasks"),
    ]
    assert tasks[0].refs == ["US2"]
    heading = spec.sections[0]
    assert heading.text == (
        "# Tasks\n\n- T5 encoder, 0.5 dropout (a plain bullet)\n- 2.5 GB of data (a plain bullet)\n"
        "- Group"
    )
    assert heading.end_line == 10


def test_odd_markdown_does_not_break_parsing(git_repo: GitRepo) -> None:
    spec = write_spec(
        git_repo,
        "> ## Quoted heading\n\n- ## Heading inside an item\n  - [ ] task inside\n- [ ]\n\n"
        "#\n\n- [ ] !!!\n\n<!-- ## html comment -->\n",
    )
    ids = [s.id for s in spec.sections]
    assert len(ids) == len(set(ids))
    assert "quoted-heading" in ids and "heading-inside-an-item" in ids
    assert "section" in ids  # an empty heading still gets an id
    assert "task" in ids  # a box with a text that slugs to nothing
    assert not [s for s in spec.sections if "html comment" in s.title]


def test_crlf_bom_and_latin1(git_repo: GitRepo) -> None:
    crlf = write_spec(git_repo, "\ufeff# One\r\n\r\ntext\r\n## Two\r\n- [x] T001 Done\r\n")
    assert [(s.id, s.line, s.end_line) for s in crlf.sections] == [
        ("one", 1, 3),
        ("two", 4, 5),
        ("T001", 5, 5),
    ]
    assert crlf.sections[0].text == "# One\n\ntext"
    assert crlf.warnings == []
    latin = write_spec(git_repo, "# Caf\xe9 r\xe9sum\xe9\n".encode("latin-1"), "PLAN.md")
    assert latin.sections[0].title == "Caf\ufffd r\ufffdsum\ufffd"
    assert latin.warnings == ["PLAN.md is not valid UTF-8; undecodable bytes were replaced"]


def test_no_headings_and_empty_files(git_repo: GitRepo) -> None:
    plain = write_spec(git_repo, "Just prose.\n\n- [ ] do this\n")
    assert [(s.id, s.title, s.kind, s.parent) for s in plain.sections] == [
        ("specmd", "SPEC.md", "heading", None),
        ("do-this", "do this", "task", "specmd"),
    ]
    assert plain.warnings == ["SPEC.md has no headings; treated as one section"]
    empty = write_spec(git_repo, "", "TODO.md")
    assert [(s.id, s.title, s.line, s.end_line, s.text) for s in empty.sections] == [
        ("todomd", "TODO.md", 1, 1, "")
    ]
    assert empty.warnings == ["TODO.md is empty and has no headings; treated as one section"]


@pytest.mark.parametrize(
    ("text", "refs"),
    [
        ("- [ ] 2.1 Do\n  - _Requirements: 1.1, 2.3_", ["1.1", "2.3"]),
        ("**Requirements**: FR-001; FR-002", ["FR-001", "FR-002"]),
        ("- [ ] T012 [P] [US1] Create model", ["US1"]),
        ("- [ ] Task 1 (AC: 1, 3)\n- [ ] Task 2 (AC: 2)", ["AC1", "AC3", "AC2"]),
        ("[US2] first, then _Requirements: 1.1_ and [US2] again", ["US2", "1.1"]),
        ("see [GPT2](https://example.org) and [P] and [x]", []),
        ("The requirements: fast training", []),
    ],
)
def test_extract_refs(text: str, refs: list[str]) -> None:
    assert extract_refs(text) == refs


# --------------------------------------------------------------------------- discovery


def test_discovery_order_and_case_variants(git_repo: GitRepo) -> None:
    for path in [
        "PLAN.md",
        "todo.md",
        ".kiro/specs/b/tasks.md",
        ".kiro/specs/a/design.md",
        ".kiro/specs/a/requirements.md",
        "specs/002-b/tasks.md",
        "specs/001-a/tasks.md",
        "specs/001-a/plan.md",
        "specs/002-b/spec.md",
        "specs/001-a/spec.md",
        "spec.md",
        "README.md",
        "docs/SPEC.md",
    ]:
        git_repo.write(path, "# x\n")
    (git_repo.root / "specs" / "003-empty").mkdir()
    git_repo.commit("layout")
    assert discover_specs(git_repo.root, []) == [
        "spec.md",
        "specs/001-a/spec.md",
        "specs/002-b/spec.md",
        "specs/001-a/plan.md",
        "specs/001-a/tasks.md",
        "specs/002-b/tasks.md",
        ".kiro/specs/a/requirements.md",
        ".kiro/specs/a/design.md",
        ".kiro/specs/b/tasks.md",
        "todo.md",
        "PLAN.md",
    ]


def test_upper_case_spec_comes_first(git_repo: GitRepo) -> None:
    git_repo.write("spec.md", "# lower\n")
    git_repo.write("SPEC.md", "# upper\n")
    git_repo.commit("both")
    found = discover_specs(git_repo.root, [])
    if (git_repo.root / "Spec.MD").exists():  # a case-insensitive file system keeps one file
        assert len(found) == 1
    else:
        assert found == ["SPEC.md", "spec.md"]


def test_nothing_to_discover(git_repo: GitRepo) -> None:
    git_repo.write("README.md", "# readme\n")
    git_repo.write("specs/notes.md", "# not in a feature folder\n")
    git_repo.commit("no spec")
    with pytest.raises(ReviewError) as caught:
        discover_specs(git_repo.root, [])
    assert str(caught.value) == NO_SPEC_MESSAGE == "no spec found: pass --spec PATH or add SPEC.md"


def test_configured_paths_win(git_repo: GitRepo) -> None:
    root = checkout(git_repo, "ml-replication", "speckit")
    configured = [
        "specs/001-photo-albums/tasks.md",
        str(root / "SPEC.md"),
        "./SPEC.md",
        "specs/*/spec.md",
    ]
    files = discover_specs(root, configured)
    assert files == ["specs/001-photo-albums/tasks.md", "SPEC.md", "specs/001-photo-albums/spec.md"]
    assert load_spec(root, files).sections[0].id == "tasks-photo-albums"
    with pytest.raises(ReviewError, match=r"^spec not found: docs/\*\.md$"):
        discover_specs(root, ["docs/*.md"])


def test_spec_path_relative_to_the_current_directory(
    git_repo: GitRepo, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = checkout(git_repo, "ml-replication")
    (root / "src").mkdir()
    monkeypatch.chdir(root / "src")
    spec = load_spec(root, ["../SPEC.md"])
    assert spec.files == ["SPEC.md"]
    assert spec.sections[0].spec == "SPEC.md"


# --------------------------------------------------------------------------- errors


def test_missing_spec_is_a_review_error(git_repo: GitRepo) -> None:
    root = checkout(git_repo, "ml-replication")
    with pytest.raises(ReviewError) as caught:
        load_spec(root, ["SPEC.md", "docs/NOPE.md"])
    assert str(caught.value) == "spec not found: docs/NOPE.md"
    (root / "docs").mkdir()
    with pytest.raises(ReviewError, match=r"^spec is not a file: docs$"):
        load_spec(root, ["docs"])


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="needs file permissions")
def test_unreadable_spec_is_a_review_error(git_repo: GitRepo) -> None:
    path = git_repo.write("SPEC.md", "# secret\n")
    path.chmod(0)
    try:
        with pytest.raises(ReviewError, match=r"^cannot read spec SPEC\.md: Permission denied$"):
            load_spec(git_repo.root, ["SPEC.md"])
    finally:
        path.chmod(0o644)


# --------------------------------------------------------------------------- speed and hygiene


def big_spec(sections: int) -> str:
    parts = ["# Big spec\n"]
    for index in range(sections // 2):
        parts.append(f"## {index} Part\n\nSome text about part {index}.\n")
        parts.append(f"- [ ] {index}.1 Do part {index} (_Requirements: {index}.1_)\n  - detail\n")
    return "\n".join(parts)


def test_large_specs_parse_completely(git_repo: GitRepo) -> None:
    """Size only; the time it takes is measured by bench/status.py, not asserted here."""
    git_repo.write("SPEC.md", big_spec(200))
    git_repo.write("BIG.md", big_spec(2000))
    git_repo.commit("big")
    spec = load_spec(git_repo.root, ["SPEC.md"])
    assert len(spec.sections) == 201
    big = load_spec(git_repo.root, ["BIG.md"])
    assert len(big.sections) == 2001
    assert big.sections[-1].line == big_spec(2000).count("\n") - 1


def test_spec_module_imports_no_textual_or_rich() -> None:
    code = (
        "import sys, reviewtui.core.spec; "
        "assert not {'textual', 'rich'} & set(sys.modules), sorted(sys.modules)"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def _story(status_block: str, title: str) -> str:
    return (
        f"# Story {title}\n\n{status_block}\n\n## Tasks / Subtasks\n- [ ] Task 1: do it (AC: 1)\n"
    )


def test_bmad_stories_not_done_are_discovered(git_repo: GitRepo) -> None:
    git_repo.write("docs/stories/1.1.story.md", _story("## Status\nDone", "1.1: Setup"))
    git_repo.write("docs/stories/1.2.story.md", _story("## Status\n\nReview", "1.2: Borrow"))
    git_repo.write("docs/stories/1.10.story.md", _story("## Status: Draft", "1.10: Later"))
    git_repo.write("docs/stories/1.9.story.md", _story("**Status:** Done", "1.9: Old"))
    git_repo.write("docs/prd.md", "# PRD\n")
    git_repo.commit("stories")
    assert discover_specs(git_repo.root, []) == [
        "docs/stories/1.2.story.md",
        "docs/stories/1.10.story.md",
    ]


def test_when_every_bmad_story_is_done_the_last_one_is_the_spec(git_repo: GitRepo) -> None:
    for name in ("1.1.story.md", "1.10.story.md", "1.9.story.md"):
        git_repo.write(f"docs/stories/{name}", _story("## Status\nDone", name))
    git_repo.write("SPEC.md", "# Spec\n")
    git_repo.commit("stories")
    assert discover_specs(git_repo.root, []) == ["SPEC.md", "docs/stories/1.10.story.md"]


def test_without_bmad_stories_nothing_changes(git_repo: GitRepo) -> None:
    git_repo.write("docs/stories/notes.txt", "not a story\n")
    git_repo.commit("no stories")
    with pytest.raises(ReviewError, match="no spec found"):
        discover_specs(git_repo.root, [])


def test_a_task_written_over_several_lines_keeps_its_whole_title(git_repo: GitRepo) -> None:
    spec = write_spec(
        git_repo,
        "# Plan\n\n## Tasks\n"
        "- [ ] Add migration `003_loans.sql`: the `loans` table, plus a partial unique index so\n"
        "      that a book can have only one active loan\n"
        "  - [ ] T02 Sub-task on one line\n",
    )
    wrapped, single = [section for section in spec.sections if section.kind == "task"]
    assert wrapped.title == (
        "Add migration 003_loans.sql: the loans table, plus a partial unique index so"
        " that a book can have only one active loan"
    )
    # the id stays the slug of the first line, so rewrapping the text keeps it
    assert wrapped.id == "add-migration-003_loanssql-the-loans-table-plus-a-partial-unique-index-so"
    assert (single.id, single.title, single.parent) == (
        "T02",
        "T02 Sub-task on one line",
        wrapped.id,
    )
