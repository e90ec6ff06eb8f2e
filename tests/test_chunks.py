"""Tests of `core/chunks.py`: phases of real git repos (through `gitrange`) cut into chunks, plus
hand-built diffs for the cases git cannot easily make (submodules) and for speed."""

from __future__ import annotations

import os
import random
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path

import pytest

from reviewtui.config import ChunkSettings
from reviewtui.core.chunks import chunk_id, common_symbol, cut_chunks, format_size
from reviewtui.core.gitrange import open_repo, resolve_phase
from reviewtui.core.models import Chunk, DiffLine, FileDiff, Hunk, Phase
from tests.gitrepo import GitRepo

Files = Mapping[str, "str | bytes | None"]


def make_phase(repo: GitRepo, before: Files, after: Files, context: int = 3) -> Phase:
    """Commit `before`, then apply `after` (None deletes a file) as a second commit; diff the two."""
    for path, content in before.items():
        assert content is not None
        repo.write(path, content)
    base = repo.commit("base")
    for path, content in after.items():
        if content is None:
            repo.remove(path)
        else:
            repo.write(path, content)
    head = repo.commit("phase")
    return resolve_phase(open_repo(repo.root), f"{base}..{head}", None, context=context)


def cut(repo: GitRepo, before: Files, after: Files, **settings: int) -> list[Chunk]:
    phase = make_phase(repo, before, after)
    return cut_chunks(phase.files, phase.commits, ChunkSettings(**settings))


def changed_texts(chunk: Chunk) -> list[str]:
    return [f"{line.kind}{line.text}" for line in chunk.changed_lines]


MODEL = """\
import os

SEED = 1


def load_data(path):
    rows = []
    with open(path) as handle:
        rows = handle.readlines()
    return rows


class Trainer:
    lr = 0.1

    def __init__(self, model):
        self.model = model

    def step(self, batch):
        loss = self.model(batch)
        return loss


def evaluate(model):
    def score(item):
        return item * 2

    return [score(x) for x in model]
"""


# --------------------------------------------------------------------------- Python boundaries


def test_change_spanning_two_functions_gives_two_chunks(git_repo: GitRepo) -> None:
    after = MODEL.replace("    return rows\n", "    return rows[:10]\n").replace(
        "class Trainer:\n    lr = 0.1", "class Trainer:\n    lr = 0.2"
    )
    chunks = cut(git_repo, {"model.py": MODEL}, {"model.py": after})
    assert [chunk.symbol for chunk in chunks] == ["load_data", "Trainer"]
    assert changed_texts(chunks[0]) == ["-    return rows", "+    return rows[:10]"]
    assert changed_texts(chunks[1]) == ["-    lr = 0.1", "+    lr = 0.2"]
    assert all(chunk.language == "python" for chunk in chunks)


def test_methods_nested_defs_and_module_level(git_repo: GitRepo) -> None:
    after = (
        MODEL.replace("import os\n", "import os\nimport sys\n")
        .replace("loss = self.model(batch)", "loss = self.model(batch) * 2")
        .replace("return item * 2", "return item * 3")
    )
    chunks = cut(git_repo, {"model.py": MODEL}, {"model.py": after})
    assert [chunk.symbol for chunk in chunks] == [None, "Trainer.step", "evaluate.score"]


def test_change_across_nested_def_and_its_parent_names_the_parent(git_repo: GitRepo) -> None:
    after = MODEL.replace("return item * 2\n\n    return", "return item * 3\n\n    return list(")
    after = after.replace("for x in model]", "for x in model])")
    chunks = cut(git_repo, {"model.py": MODEL}, {"model.py": after})
    assert len(chunks) == 1
    assert chunks[0].symbol == "evaluate"


def test_added_method_is_its_own_chunk(git_repo: GitRepo) -> None:
    after = MODEL.replace(
        "        return loss\n",
        "        return loss\n\n    def reset(self):\n        self.model = None\n",
    )
    chunks = cut(git_repo, {"model.py": MODEL}, {"model.py": after})
    assert len(chunks) == 1
    assert chunks[0].symbol == "Trainer.reset"
    assert chunks[0].added == 3 and chunks[0].removed == 0


def test_decorators_and_comments_belong_to_their_definition(git_repo: GitRepo) -> None:
    after = MODEL.replace(
        "\n\nclass Trainer:",
        "\n\n# Cached so the tests stay fast.\n@functools.cache\n@staticmethod\ndef cached():\n"
        "    return 1\n\n\nclass Trainer:",
    ).replace("def load_data(path):", "@profile\ndef load_data(path):")
    chunks = cut(git_repo, {"model.py": MODEL}, {"model.py": after})
    assert [chunk.symbol for chunk in chunks] == ["load_data", "cached"]
    assert changed_texts(chunks[0]) == ["+@profile"]
    assert changed_texts(chunks[1])[:4] == [
        "+# Cached so the tests stay fast.",
        "+@functools.cache",
        "+@staticmethod",
        "+def cached():",
    ]


def test_renamed_function_header_stays_with_the_new_name(git_repo: GitRepo) -> None:
    after = MODEL.replace("def load_data(path):", "def read_rows(path):")
    chunks = cut(git_repo, {"model.py": MODEL}, {"model.py": after})
    assert len(chunks) == 1
    assert chunks[0].symbol == "read_rows"
    assert changed_texts(chunks[0]) == ["-def load_data(path):", "+def read_rows(path):"]


def test_removed_function_is_a_chunk_named_after_it(git_repo: GitRepo) -> None:
    start = MODEL.index("def load_data")
    end = MODEL.index("class Trainer:")
    chunks = cut(git_repo, {"model.py": MODEL}, {"model.py": MODEL[:start] + MODEL[end:]})
    assert len(chunks) == 1
    assert chunks[0].symbol == "load_data"
    assert chunks[0].added == 0
    assert "-def load_data(path):" in changed_texts(chunks[0])


def test_small_class_is_one_chunk_and_large_class_is_cut_by_method(git_repo: GitRepo) -> None:
    start = MODEL.index("class Trainer:")
    end = MODEL.index("def evaluate")
    phase = make_phase(git_repo, {"model.py": MODEL}, {"model.py": MODEL[:start] + MODEL[end:]})
    [whole] = cut_chunks(phase.files, phase.commits, ChunkSettings())
    assert whole.symbol == "Trainer"
    assert whole.removed == phase.files[0].removed
    by_method = cut_chunks(phase.files, phase.commits, ChunkSettings(max_lines=8))
    assert [chunk.symbol for chunk in by_method] == ["Trainer", "Trainer.__init__", "Trainer.step"]
    assert sum(chunk.removed for chunk in by_method) == phase.files[0].removed


def test_nearby_hunks_in_one_function_merge(git_repo: GitRepo) -> None:
    body = "".join(f"    x{i} = {i}\n" for i in range(20))
    before = f"def long():\n{body}    return x0\n\n\ndef other():\n    return 1\n"
    after = before.replace("x2 = 2", "x2 = 20").replace("x12 = 12", "x12 = 120")
    chunks = cut(git_repo, {"long.py": before}, {"long.py": after})
    assert len(chunks) == 1, [chunk.location for chunk in chunks]
    assert chunks[0].symbol == "long"
    numbers = [line.new_no for line in chunks[0].lines if line.kind != "-"]
    start = chunks[0].new_start
    assert numbers == list(range(start, start + chunks[0].new_lines)), "lines are contiguous"


def test_far_apart_hunks_stay_apart(git_repo: GitRepo) -> None:
    body = "".join(f"    x{i} = {i}\n" for i in range(40))
    before = f"def long():\n{body}    return x0\n"
    after = before.replace("x2 = 2", "x2 = 20").replace("x32 = 32", "x32 = 320")
    chunks = cut(git_repo, {"long.py": before}, {"long.py": after})
    assert [chunk.symbol for chunk in chunks] == ["long", "long"]


def test_size_cap_splits_a_large_definition_at_blank_lines(git_repo: GitRepo) -> None:
    paragraphs = ["".join(f"    v{p}_{i} = {p} + {i}\n" for i in range(12)) for p in range(8)]
    after = "def big():\n" + "\n".join(paragraphs) + "    return 0\n"
    chunks = cut(git_repo, {"keep.txt": "x\n"}, {"big.py": after}, max_lines=40)
    big = [chunk for chunk in chunks if chunk.path == "big.py"]
    assert len(big) >= 3
    assert all(chunk.added <= 40 for chunk in big)
    assert sum(chunk.added for chunk in big) == after.count("\n")
    assert {chunk.symbol for chunk in big} == {"big"}
    for chunk in big[1:]:
        first = chunk.changed_lines[0].text
        assert first.startswith("    v") and first.endswith("+ 0"), "cut after a blank line"


def test_size_cap_without_blank_lines_cuts_at_statements(git_repo: GitRepo) -> None:
    after = "def flat():\n" + "".join(f"    a{i} = {i}\n" for i in range(100))
    chunks = cut(git_repo, {"keep.txt": "x\n"}, {"flat.py": after}, max_lines=30)
    flat = [chunk for chunk in chunks if chunk.path == "flat.py"]
    assert [chunk.added for chunk in flat] == [30, 30, 30, 11]


def test_syntax_error_falls_back_to_text_rules(git_repo: GitRepo) -> None:
    broken = MODEL.replace("    return rows\n", "    return rows[:10\n").replace(
        "lr = 0.1", "lr = 0.2"
    )
    chunks = cut(git_repo, {"model.py": MODEL}, {"model.py": broken})
    assert len(chunks) == 1, "one hunk, no definitions to cut at"
    assert chunks[0].symbol is None
    assert chunks[0].added == 2 and chunks[0].removed == 2


def test_deleted_python_file_is_cut_over_the_old_side(git_repo: GitRepo) -> None:
    chunks = cut(git_repo, {"model.py": MODEL, "keep.txt": "x\n"}, {"model.py": None})
    assert [chunk.symbol for chunk in chunks] == [None, "load_data", "Trainer", "evaluate"]
    assert all(chunk.change == "deleted" and chunk.new_lines == 0 for chunk in chunks)
    assert all(chunk.location.endswith("(deleted)") for chunk in chunks)
    assert sum(chunk.removed for chunk in chunks) == MODEL.count("\n")


# --------------------------------------------------------------------------- other text


def test_markdown_is_cut_at_hunks_and_blank_lines(git_repo: GitRepo) -> None:
    before = "".join(f"line {i}\n" for i in range(60))
    paragraphs = "\n".join("".join(f"new {p}.{i}\n" for i in range(10)) for p in range(5))
    after = before.replace("line 2\n", "line two\n") + paragraphs
    chunks = cut(git_repo, {"NOTES.md": before}, {"NOTES.md": after}, max_lines=25)
    assert changed_texts(chunks[0]) == ["-line 2", "+line two"]
    rest = chunks[1:]
    assert len(rest) >= 3 and all(chunk.added <= 25 for chunk in rest)
    assert all(chunk.changed_lines[0].text.endswith(".0") for chunk in rest)
    assert all(chunk.symbol is None and chunk.language == "markdown" for chunk in chunks)


def test_yaml_chunks_are_named_by_top_level_key(git_repo: GitRepo) -> None:
    before = "data:\n  path: x\n  size: 10\ntraining:\n  lr: 0.1\n  epochs: 3\n"
    after = before.replace("size: 10", "size: 500").replace("lr: 0.1", "lr: 0.01")
    chunks = cut(git_repo, {"config.yaml": before}, {"config.yaml": after})
    assert [chunk.symbol for chunk in chunks] == ["data", "training"]
    assert chunks[0].language == "yaml"


def test_neighbouring_one_line_settings_share_a_chunk(git_repo: GitRepo) -> None:
    before = "seed: 1\nlr: 0.1\nbatch: 8\nmodel:\n  layers: 2\n"
    after = before.replace("seed: 1", "seed: 2").replace("batch: 8", "batch: 16")
    chunks = cut(
        git_repo, {"run.yml": before}, {"run.yml": after.replace("layers: 2", "layers: 4")}
    )
    assert [(chunk.symbol, chunk.added) for chunk in chunks] == [(None, 2), ("model", 1)]
    single = cut(git_repo, {"b.yml": before}, {"b.yml": before.replace("lr: 0.1", "lr: 0.3")})
    assert [chunk.symbol for chunk in single] == ["lr"]


def test_toml_and_json_symbols(git_repo: GitRepo) -> None:
    toml_before = 'name = "x"\n\n[tool.ruff]\nline-length = 100\n'
    json_before = '{\n  "model": {\n    "layers": 2\n  },\n  "seed": 1\n}\n'
    chunks = cut(
        git_repo,
        {"cfg.toml": toml_before, "cfg.json": json_before},
        {
            "cfg.toml": toml_before.replace("100", "120"),
            "cfg.json": json_before.replace('"layers": 2', '"layers": 4'),
        },
    )
    assert {chunk.path: chunk.symbol for chunk in chunks} == {
        "cfg.toml": "tool.ruff",
        "cfg.json": "model",
    }


# --------------------------------------------------------------------------- summaries


def test_binary_file_is_one_summarized_chunk(git_repo: GitRepo) -> None:
    old = bytes(range(256)) * 48
    new = bytes(reversed(range(256))) * 56
    chunks = cut(git_repo, {"weights.bin": old}, {"weights.bin": new})
    assert len(chunks) == 1
    assert chunks[0].summary == "binary file, 12.0 KiB → 14.0 KiB"
    assert chunks[0].lines == [] and chunks[0].change == "binary"
    more = cut(git_repo, {}, {"weights.bin": None, "logo.png": old})
    assert {chunk.path: chunk.summary for chunk in more} == {
        "weights.bin": "binary file deleted, 14.0 KiB",
        "logo.png": "binary file added, 12.0 KiB",
    }


def test_huge_and_minified_files_are_summarized(git_repo: GitRepo) -> None:
    huge = "".join(f"row {i}\n" for i in range(120))
    minified = "var a=1;" * 300 + "\n"
    chunks = cut(
        git_repo,
        {"keep.txt": "x\n"},
        {"data.csv": huge, "app.min.js": minified},
        huge_file_lines=100,
    )
    by_path = {chunk.path: chunk for chunk in chunks}
    assert by_path["data.csv"].summary == "huge file, 120 lines added, 0 removed"
    assert by_path["data.csv"].added == 120 and by_path["data.csv"].lines == []
    assert by_path["app.min.js"].summary == "minified file, 1 line, 2.3 KiB changed"


def test_pure_rename_and_mode_change_are_summarized(git_repo: GitRepo) -> None:
    git_repo.write("old_name.py", MODEL)
    git_repo.write("run.sh", "echo hi\n")
    base = git_repo.commit("base")
    git_repo.git("mv", "old_name.py", "new_name.py")
    git_repo.git("update-index", "--chmod=+x", "run.sh")
    git_repo.git("commit", "-q", "-m", "rename and chmod")
    phase = resolve_phase(open_repo(git_repo.root), f"{base}..HEAD", None)
    chunks = cut_chunks(phase.files, phase.commits, ChunkSettings())
    summaries = {chunk.path: chunk.summary for chunk in chunks}
    assert summaries == {
        "new_name.py": "renamed from old_name.py, content unchanged",
        "run.sh": "mode 100644 → 100755",
    }
    assert all(chunk.lines == [] for chunk in chunks)


def test_symlinks_are_one_summarized_chunk_naming_their_target(git_repo: GitRepo) -> None:
    os.symlink("old/target", git_repo.root / "changed")
    os.symlink("/etc/shadow", git_repo.root / "removed")
    os.symlink("kept", git_repo.root / "before_rename")
    git_repo.write("was_a_file", "x = 1\ny = 2\n")
    git_repo.write("becomes_a_file", "z = 3\n")
    base = git_repo.commit("base")
    os.symlink("/etc/passwd", git_repo.root / "added")
    (git_repo.root / "changed").unlink()
    os.symlink("new/target", git_repo.root / "changed")
    git_repo.remove("removed")
    git_repo.git("mv", "before_rename", "after_rename")
    git_repo.remove("was_a_file")
    os.symlink("../escape", git_repo.root / "was_a_file")
    git_repo.remove("becomes_a_file")
    os.symlink("z", git_repo.root / "becomes_a_file")  # committed, then turned back into a file
    git_repo.commit("links")
    git_repo.remove("becomes_a_file")
    git_repo.write("becomes_a_file", "z = 4\n")
    phase = resolve_phase(open_repo(git_repo.root), base, None)
    chunks = cut_chunks(phase.files, phase.commits, ChunkSettings())
    assert {chunk.path: chunk.summary for chunk in chunks} == {
        "added": "symlink → /etc/passwd (added)",
        "after_rename": "symlink → kept (renamed from before_rename)",
        "becomes_a_file": None,
        "changed": "symlink → new/target (was → old/target)",
        "removed": "symlink → /etc/shadow (removed)",
        "was_a_file": "symlink → ../escape (replaced a regular file)",
    }
    summarized = [chunk for chunk in chunks if chunk.summary]
    assert all(chunk.lines == [] for chunk in summarized)
    assert len({chunk.id for chunk in summarized}) == len(summarized)
    added = next(chunk for chunk in chunks if chunk.path == "added")
    assert (added.added, added.removed, added.commits) == (1, 0, [phase.commits[0].sha])


def test_symlink_target_with_a_newline_stays_on_one_line() -> None:
    hunk = Hunk(0, 0, 1, 2, [DiffLine("+", "evil", None, 1), DiffLine("+", "\x1b[2J", None, 2)])
    file = FileDiff("link", None, "added", [hunk], new_mode="120000")
    [chunk] = cut_chunks([file], [], ChunkSettings())
    assert chunk.summary == "symlink → evil\\n\\x1b[2J (added)"


def test_submodule_change_is_summarized() -> None:
    old, new = "a" * 40, "b" * 40
    hunk = Hunk(1, 1, 1, 1, [DiffLine("-", f"Subproject commit {old}", 1, None),
                             DiffLine("+", f"Subproject commit {new}", None, 1)])  # fmt: skip
    file = FileDiff("vendor/lib", None, "modified", [hunk], submodule=True)
    [chunk] = cut_chunks([file], [], ChunkSettings())
    assert chunk.summary == "submodule aaaaaaa → bbbbbbb"
    changed = replace(
        file, hunks=[replace(hunk, lines=[hunk.lines[0], DiffLine("+", "c", None, 1)])]
    )
    assert cut_chunks([changed], [], ChunkSettings())[0].id != chunk.id


def test_summary_texts() -> None:
    assert format_size(512) == "512 B"
    assert format_size(12_595) == "12.3 KiB"
    assert format_size(3 * 1024 * 1024) == "3.0 MiB"
    added = FileDiff("logo.png", None, "added", binary=True, new_size=2048)
    deleted = FileDiff("logo.png", None, "deleted", binary=True, old_size=1024)
    empty = FileDiff("__init__.py", None, "added")
    summaries = [
        cut_chunks([file], [], ChunkSettings())[0].summary for file in (added, deleted, empty)
    ]
    assert summaries == [
        "binary file added, 2.0 KiB",
        "binary file deleted, 1.0 KiB",
        "empty file added",
    ]


# --------------------------------------------------------------------------- ids


def test_chunk_id_ignores_context_and_numbers_but_not_text() -> None:
    lines = [DiffLine(" ", "a", 1, 1), DiffLine("+", "b", None, 2)]
    moved = [DiffLine(" ", "other", 40, 50), DiffLine("+", "b", None, 51)]
    assert chunk_id("x.py", lines) == chunk_id("x.py", moved)
    assert len(chunk_id("x.py", lines)) == 12
    assert chunk_id("x.py", lines) != chunk_id("y.py", lines)
    assert chunk_id("x.py", lines) != chunk_id("x.py", [DiffLine("-", "b", 2, None)])
    assert chunk_id("x.py", lines) != chunk_id("x.py", [DiffLine("+", "b ", None, 2)])


def test_id_is_stable_when_the_change_moves_and_across_phases(
    git_repo: GitRepo, tmp_path: Path
) -> None:
    edited = MODEL.replace("loss = self.model(batch)", "loss = self.model(batch).mean()")
    first = cut(git_repo, {"model.py": MODEL}, {"model.py": edited})
    padding = "\n\ndef helper():\n    return 0\n" * 5
    shifted_before = MODEL.replace("\n\nclass Trainer:", padding + "\n\nclass Trainer:")
    shifted_after = edited.replace("\n\nclass Trainer:", padding + "\n\nclass Trainer:")
    second = cut(git_repo, {"model.py": shifted_before}, {"model.py": shifted_after})
    assert [chunk.id for chunk in first] == [chunk.id for chunk in second]
    assert first[0].new_start != second[0].new_start
    other = GitRepo.init(tmp_path / "other")
    changed = cut(other, {"model.py": MODEL}, {"model.py": edited.replace(".mean()", ".sum()")})
    assert [chunk.symbol for chunk in changed] == ["Trainer.step"]
    assert changed[0].id != first[0].id
    same = cut(GitRepo.init(tmp_path / "same"), {"model.py": MODEL}, {"model.py": edited})
    assert same[0].id == first[0].id


def test_identical_duplicates_get_unique_deterministic_ids(git_repo: GitRepo) -> None:
    before = "def a():\n    x = 1\n    return x\n\n\ndef b():\n    x = 1\n    return x\n"
    after = before.replace("x = 1", "x = 2")
    chunks = cut(git_repo, {"dup.py": before}, {"dup.py": after})
    assert [chunk.symbol for chunk in chunks] == ["a", "b"]
    assert chunks[0].id != chunks[1].id
    plain = chunk_id("dup.py", chunks[0].changed_lines)
    assert plain not in {chunks[0].id, chunks[1].id}  # a copy never takes the plain content id
    again = cut(git_repo, {"dup.py": before}, {"dup.py": after})
    assert [chunk.id for chunk in again] == [chunk.id for chunk in chunks]
    repeat = cut_chunks(make_phase(git_repo, {}, {"dup.py": before}).files, [], ChunkSettings())
    assert len({chunk.id for chunk in repeat}) == len(repeat)


# --------------------------------------------------------------------------- attribution, order, numbers


def test_commit_attribution(git_repo: GitRepo) -> None:
    git_repo.write("model.py", MODEL)
    base = git_repo.commit("base")
    step = MODEL.replace("return loss", "return loss.detach()")
    git_repo.write("model.py", step)
    first = git_repo.commit("detach the loss")
    git_repo.write("model.py", step.replace("import os\n", "import os\nimport json\n"))
    second = git_repo.commit("import json")
    phase = resolve_phase(open_repo(git_repo.root), f"{base}..{second}", None)
    chunks = cut_chunks(phase.files, phase.commits, ChunkSettings())
    assert {chunk.symbol: chunk.commits for chunk in chunks} == {
        None: [second],
        "Trainer.step": [first],
    }


def test_commit_attribution_follows_a_rename(git_repo: GitRepo) -> None:
    git_repo.write("old.py", MODEL)
    base = git_repo.commit("base")
    git_repo.write("old.py", MODEL.replace("SEED = 1\n", "SEED = 1\nWORKERS = 4\n"))
    edit = git_repo.commit("add workers")
    git_repo.git("mv", "old.py", "new.py")
    git_repo.commit("rename")
    phase = resolve_phase(open_repo(git_repo.root), f"{base}..HEAD", None)
    [chunk] = cut_chunks(phase.files, phase.commits, ChunkSettings())
    assert (chunk.path, chunk.old_path, chunk.change) == ("new.py", "old.py", "renamed")
    assert chunk.commits == [edit]


def test_order_follows_the_files_then_position(git_repo: GitRepo) -> None:
    after = {"b.md": "b\n\n" + "x\n" * 20 + "\nend\n", "a.md": "a\n"}
    phase = make_phase(git_repo, {"b.md": "b\n\n" + "x\n" * 20 + "\nold\n"}, after)
    files = sorted(phase.files, key=lambda file: file.path, reverse=True)
    chunks = cut_chunks(files, [], ChunkSettings())
    assert [chunk.path for chunk in chunks] == [file.path for file in files]
    reversed_chunks = cut_chunks(list(reversed(files)), [], ChunkSettings())
    assert [chunk.path for chunk in reversed_chunks] == ["a.md", "b.md"]


def test_context_and_line_numbers(git_repo: GitRepo) -> None:
    before = "".join(f"line {i}\n" for i in range(1, 21))
    after = before.replace("line 10\n", "line 10\ninserted\n")
    phase = make_phase(git_repo, {"f.txt": before}, {"f.txt": after})
    [wide] = cut_chunks(phase.files, [], ChunkSettings(context=3))
    assert (wide.new_start, wide.new_lines, wide.old_start, wide.old_lines) == (8, 7, 8, 6)
    [narrow] = cut_chunks(phase.files, [], ChunkSettings(context=1))
    assert [line.text for line in narrow.lines] == ["line 10", "inserted", "line 11"]
    assert (narrow.new_start, narrow.new_lines, narrow.old_start, narrow.old_lines) == (
        10,
        3,
        10,
        2,
    )
    [bare] = cut_chunks(phase.files, [], ChunkSettings(context=0))
    assert (bare.new_start, bare.new_lines, bare.old_start, bare.old_lines) == (11, 1, 10, 0)
    assert bare.location == "f.txt:11-11"


def test_common_symbol() -> None:
    assert common_symbol({"Trainer.step", "Trainer.fit"}) == "Trainer"
    assert common_symbol({"evaluate", "evaluate.score"}) == "evaluate"
    assert common_symbol({"a", "b"}) is None
    assert common_symbol({"a", None}) is None


# --------------------------------------------------------------------------- speed


def _big_python_file(index: int, functions: int) -> FileDiff:
    lines: list[DiffLine] = []
    for f in range(functions):
        lines.append(DiffLine("+", f"def f{f}():", None, len(lines) + 1))
        lines.extend(
            DiffLine("+", f"    v{i} = {f} + {i}", None, len(lines) + 1 + i) for i in range(12)
        )
        lines.append(DiffLine("+", "", None, len(lines) + 1))
    for number, line in enumerate(lines, 1):
        line.new_no = number
    text = "\n".join(line.text for line in lines) + "\n"
    hunk = Hunk(0, 0, 1, len(lines), lines)
    return FileDiff(f"pkg/mod{index}.py", None, "added", [hunk], new_text=text)


def _big_text_file(index: int, lines: int) -> FileDiff:
    suffix = ".yaml" if index % 2 else ".md"
    texts = [f"key_{n}: {n}" if n % 7 else "" for n in range(lines)]
    diff_lines = [DiffLine("+", text, None, number) for number, text in enumerate(texts, 1)]
    hunk = Hunk(0, 0, 1, lines, diff_lines)
    return FileDiff(
        f"docs/f{index}{suffix}", None, "added", [hunk], new_text="\n".join(texts) + "\n"
    )


def test_fifty_thousand_lines_are_cut_completely() -> None:
    """Size only; the time it takes is measured by bench/status.py, not asserted here."""
    python = [_big_python_file(index, 60) for index in range(60)]
    text = [_big_text_file(index, 840) for index in range(60)]
    assert sum(file.added for file in python) >= 50_000
    assert sum(file.added for file in text) >= 50_000
    text_chunks = cut_chunks(text, [], ChunkSettings())
    python_chunks = cut_chunks(python, [], ChunkSettings())
    assert len(python_chunks) == 60 * 60
    assert all(chunk.added <= 40 for chunk in text_chunks)
    assert sum(chunk.added for chunk in text_chunks) == sum(file.added for file in text)
    assert sum(chunk.added for chunk in python_chunks) == sum(file.added for file in python)


@pytest.mark.parametrize("text", ["[/red]", "[bold]x", "\x1b[31mred"])
def test_untrusted_text_passes_through_unchanged(git_repo: GitRepo, text: str) -> None:
    chunks = cut(git_repo, {"n.txt": "a\n"}, {"n.txt": f"a\n{text}\n"})
    assert changed_texts(chunks[0]) == [f"+{text}"]


def test_odd_bytes_do_not_shift_python_lines(git_repo: GitRepo) -> None:
    before = 'def a():\n    return "x\ry"\n\n\ndef b():\n    return 1\n'
    chunks = cut(git_repo, {"odd.py": before}, {"odd.py": before.replace("return 1", "return 2")})
    assert [chunk.symbol for chunk in chunks] == ["b"]
    lines = [DiffLine("+", "def f():", None, 1), DiffLine("+", "    return '\0'", None, 2)]
    nul = FileDiff(
        "nul.py", None, "added", [Hunk(0, 0, 1, 2, lines)], new_text="def f():\n    return '\0'\n"
    )
    [chunk] = cut_chunks([nul], [], ChunkSettings())
    assert (chunk.added, chunk.symbol) == (2, None), "does not parse: text rules"


def test_missing_final_newline(git_repo: GitRepo) -> None:
    chunks = cut(git_repo, {"f.py": "def f():\n    return 1"}, {"f.py": "def f():\n    return 2"})
    assert [chunk.symbol for chunk in chunks] == ["f"]
    assert chunks[0].lines[-1].no_newline


def test_fixed_syntax_error_stays_with_its_function(git_repo: GitRepo) -> None:
    broken = MODEL.replace("    return rows\n", "    return rows[:\n")
    chunks = cut(git_repo, {"model.py": broken}, {"model.py": MODEL})
    assert [chunk.symbol for chunk in chunks] == ["load_data"]
    assert changed_texts(chunks[0]) == ["-    return rows[:", "+    return rows"]


def _mutate(text: str, seed: int) -> str:
    """Deterministic random edits: replace, insert and delete lines."""
    rng = random.Random(seed)
    lines = text.splitlines()
    for _ in range(12):
        at = rng.randrange(len(lines))
        action = rng.choice(["replace", "insert", "delete", "insert_block"])
        if action == "replace":
            lines[at] = lines[at] + f"  # edit {rng.randrange(100)}"
        elif action == "insert":
            lines.insert(at, f"{' ' * 4 * rng.randrange(2)}value_{rng.randrange(100)} = 1")
        elif action == "insert_block":
            lines[at:at] = ["", "", f"def added_{at}():", "    return 1", ""]
        elif len(lines) > 5:
            del lines[at]
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize("path", ["model.py", "notes.md"])
def test_every_changed_line_lands_in_exactly_one_chunk(
    git_repo: GitRepo, seed: int, path: str
) -> None:
    before = MODEL * 3
    phase = make_phase(git_repo, {path: before}, {path: _mutate(before, seed)})
    settings = ChunkSettings(max_lines=6, context=seed % 3)
    chunks = cut_chunks(phase.files, phase.commits, settings)
    expected = [
        (line.kind, line.old_no, line.new_no)
        for file in phase.files
        for hunk in file.hunks
        for line in hunk.lines
        if line.kind != " "
    ]
    got = [
        (line.kind, line.old_no, line.new_no) for chunk in chunks for line in chunk.changed_lines
    ]
    assert got == expected
    assert len({chunk.id for chunk in chunks}) == len(chunks)
    for chunk in chunks:
        assert 0 < chunk.added + chunk.removed <= settings.max_lines
        new_numbers = [line.new_no for line in chunk.lines if line.new_no is not None]
        assert new_numbers == list(range(chunk.new_start, chunk.new_start + chunk.new_lines))
        old_numbers = [line.old_no for line in chunk.lines if line.old_no is not None]
        assert old_numbers == list(range(chunk.old_start, chunk.old_start + chunk.old_lines))
