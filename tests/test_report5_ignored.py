"""The ".gitignore hides source code" warning says only the principled case (review F8): a plain
name matching at any depth (`data/`) that also hides a NESTED folder of source code beside the
reviewed code. Folders a line names where it stands (`scratch/`, `/local/` at the top, `models/`
beside its own `.gitignore`), anchored lines and globs stay quiet, and the advice (anchor the line
as `/data/`) is true: following it brings the hidden folder into the review. Real git repos."""

from __future__ import annotations

import pytest

from reviewtui.cli import main
from reviewtui.core.gitrange import resolve_phase
from reviewtui.core.ignored import hidden_folders
from tests.gitrepo import GitRepo

SPEC = "# Plan\n\n## 1 Retrieval\n\nScore passages with BM25.\n"


@pytest.fixture
def repo(git_repo: GitRepo) -> GitRepo:
    git_repo.write("SPEC.md", SPEC)
    git_repo.write("src/__init__.py", "")
    git_repo.commit("spec")
    git_repo.write("src/data.py", "def load():\n    return []\n")
    git_repo.commit("code\n\nSpec: 1")
    git_repo.write("src/data.py", "def load():\n    return [1]\n")  # a change in the tree
    return git_repo


def warnings_of(repo: GitRepo) -> list[str]:
    phase = resolve_phase(repo.root, None, None)
    return [w for w in phase.warnings if "git ignores" in w]


def ignore(repo: GitRepo, text: str, path: str = ".gitignore") -> None:
    repo.write(path, text)
    repo.commit("ignore", path)


def test_top_level_folders_ignored_on_purpose_stay_quiet(
    repo: GitRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    """The reviewer's repro: the researcher's own scratch folders, one anchored."""
    ignore(repo, "scratch/\n.ipynb_checkpoints/\nwandb/\n/local/\n")
    repo.write("scratch/try_bm25.py", "x = 1\n")
    repo.write("local/mine.py", "y = 2\n")
    assert warnings_of(repo) == []
    assert main(["status", "--no-llm", "--repo", str(repo.root)]) == 0
    assert "git ignores" not in capsys.readouterr().err


@pytest.mark.parametrize(
    ("lines", "files"),
    [
        ("lib/\n", {"lib/helpers.py": "x = 1\n"}),  # a plain name hiding the top-level folder
        ("data\n", {"data/make.py": "x = 1\n"}),  # the same without the slash
        ("/src/data/\n", {"src/data/corpus.py": "x = 1\n"}),  # anchored: meant
        ("src/data/\n", {"src/data/corpus.py": "x = 1\n"}),  # a path: meant
        ("**/data/\n", {"src/data/corpus.py": "x = 1\n"}),  # any depth, said so
        ("exp_*/\n", {"src/exp_1/run.py": "x = 1\n"}),  # a glob: meant to match many
        ("dat[a]/\n", {"src/data/corpus.py": "x = 1\n"}),  # a bracket glob
    ],
)
def test_lines_that_say_what_they_mean_stay_quiet(
    repo: GitRepo, lines: str, files: dict[str, str]
) -> None:
    ignore(repo, lines)
    for path, text in files.items():
        repo.write(path, text)
    assert warnings_of(repo) == []


def test_a_nested_gitignore_naming_its_own_folder_stays_quiet(repo: GitRepo) -> None:
    """`models/` in `src/.gitignore` names `src/models/`: anchoring it would change nothing."""
    ignore(repo, "models/\n", "src/.gitignore")
    repo.write("src/models/reranker.py", "class Reranker:\n    pass\n")
    assert warnings_of(repo) == []


def test_an_excluded_top_level_folder_stays_quiet(repo: GitRepo) -> None:
    """`.git/info/exclude` patterns are relative to the top, like the root `.gitignore`."""
    (repo.root / ".git" / "info").mkdir(exist_ok=True)
    (repo.root / ".git" / "info" / "exclude").write_text("notes/\n")
    repo.write("notes/try.py", "x = 1\n")
    assert warnings_of(repo) == []


def test_a_plain_name_hiding_a_nested_package_is_said_with_true_advice(repo: GitRepo) -> None:
    ignore(repo, "__pycache__/\ndata/\n")
    repo.write("data/train.csv", "a,b\n1,2\n")  # the folder the line was written for
    repo.write("src/data/__init__.py", "")
    repo.write("src/data/corpus.py", "def corpus():\n    return []\n")
    found = warnings_of(repo)
    assert len(found) == 1
    assert "src/data/ (__init__.py, corpus.py; by .gitignore:2: data/)" in found[0]
    assert "data/` in .gitignore matches folders at any depth" in found[0]
    assert "anchor it as `/data/` to ignore only `data/` and review `src/data/`" in found[0]
    assert "local/" not in found[0] and "top-level" not in found[0]
    # following the advice reviews the package and still ignores the data folder
    repo.write(".gitignore", "__pycache__/\n/data/\n")
    phase = resolve_phase(repo.root, None, None)
    paths = {file.path for file in phase.files}
    assert {"src/data/__init__.py", "src/data/corpus.py"} <= paths
    assert "data/train.csv" not in paths
    assert [w for w in phase.warnings if "git ignores" in w] == []


def test_a_line_without_its_slash_gets_advice_without_one(repo: GitRepo) -> None:
    ignore(repo, "lib\n")
    repo.write("src/lib/util.py", "def f():\n    return 1\n")
    found = warnings_of(repo)
    assert len(found) == 1 and "anchor it as `/lib` to ignore only `lib`" in found[0]
    repo.write(".gitignore", "/lib\n")
    assert "src/lib/util.py" in {f.path for f in resolve_phase(repo.root, None, None).files}


def test_a_nested_gitignore_hiding_a_deeper_folder_names_its_own_folder(repo: GitRepo) -> None:
    ignore(repo, "models/\n", "src/.gitignore")
    repo.write("src/rank/__init__.py", "")
    repo.write("src/rank/models/reranker.py", "class Reranker:\n    pass\n")
    found = warnings_of(repo)
    assert len(found) == 1
    assert "src/rank/models/ (reranker.py; by src/.gitignore:1: models/)" in found[0]
    assert (
        "`models/` in src/.gitignore matches folders at any depth: anchor it as `/models/` to"
        " ignore only `src/models/` and review `src/rank/models/`"
    ) in found[0]
    repo.write("src/.gitignore", "/models/\n")
    files = {f.path for f in resolve_phase(repo.root, None, None).files}
    assert "src/rank/models/reranker.py" in files


def test_an_excluded_nested_folder_is_said_with_its_source(repo: GitRepo) -> None:
    (repo.root / ".git" / "info").mkdir(exist_ok=True)
    (repo.root / ".git" / "info" / "exclude").write_text("data/\n")
    repo.write("src/data/corpus.py", "x = 1\n")
    found = warnings_of(repo)
    assert len(found) == 1
    assert "`data/` in .git/info/exclude matches folders at any depth" in found[0]


def test_each_line_gets_its_advice_once(repo: GitRepo) -> None:
    ignore(repo, "data/\nlib/\nscratch/\n")
    repo.write("scratch/try.py", "x = 1\n")  # top level: quiet
    repo.write("src/data/corpus.py", "x = 1\n")
    repo.write("src/lib/util.py", "x = 1\n")
    repo.write("src/eval/__init__.py", "")
    repo.write("src/eval/data/dev.py", "x = 1\n")
    found = warnings_of(repo)
    assert len(found) == 1
    assert "git ignores 3 folder(s)" in found[0] and "scratch" not in found[0]
    assert found[0].count("anchor it as `/data/`") == 1
    assert found[0].count("anchor it as `/lib/`") == 1
    names = [folder.path for folder in hidden_folders(repo.root, [])]
    assert names == []  # nothing reviewed beside them: nothing said
