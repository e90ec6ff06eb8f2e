"""A `.gitignore` line that hides a folder of source code beside the reviewed code is said, once
(QA devs D-18): `data/` written for datasets also ignores `pkg/data/`, whose untracked modules
would otherwise be in the working tree's phase. Data folders, environments, build output, caches,
single ignored files and other languages stay quiet. Real git repos, real `status`."""

from __future__ import annotations

import pytest

from reviewtui.cli import main
from reviewtui.core.gitrange import resolve_phase
from reviewtui.core.ignored import hidden_folders
from tests.gitrepo import GitRepo

SPEC = "# Plan\n\n## 1 Data\n\nLoad the corpus with `load_corpus`.\n"


@pytest.fixture
def repo(git_repo: GitRepo) -> GitRepo:
    git_repo.write("SPEC.md", SPEC)
    git_repo.write(".gitignore", "__pycache__/\n*.pyc\ndata/\n.venv/\ndist/\nbuild/\n_version.py\n")
    git_repo.commit("spec")
    git_repo.write("inpars/__init__.py", "")
    git_repo.write(
        "inpars/train.py",
        "from .data.corpus import load_corpus\n\n\ndef train():\n    return load_corpus()\n",
    )
    git_repo.commit("Train\n\nSpec: 1")
    return git_repo


def warnings_of(repo: GitRepo, range_text: str | None = None) -> list[str]:
    phase = resolve_phase(repo.root, range_text, None)
    return [w for w in phase.warnings if "git ignores" in w]


def test_an_ignored_package_beside_the_reviewed_code_is_said_once(repo: GitRepo) -> None:
    repo.write("inpars/data/__init__.py", "")
    repo.write("inpars/data/corpus.py", "def load_corpus():\n    return []\n")
    repo.write("inpars/data/negatives.py", "def sample():\n    return []\n")
    repo.write("inpars/data/query_gen.py", "def generate():\n    return []\n")
    repo.write("inpars/data/splits.py", "def split():\n    return []\n")
    found = warnings_of(repo)
    assert len(found) == 1
    assert (
        "inpars/data/ (__init__.py, corpus.py, negatives.py and 2 more; by .gitignore:3: data/)"
        in found[0]
    )
    assert "anchor it as `/data/`" in found[0]


def test_status_prints_it_on_stderr(repo: GitRepo, capsys: pytest.CaptureFixture[str]) -> None:
    repo.write("inpars/data/corpus.py", "def load_corpus():\n    return []\n")
    assert main(["status", "--no-llm", "--repo", str(repo.root)]) == 0
    err = capsys.readouterr().err
    assert err.count("git ignores 1 folder(s) of source code") == 1
    assert "inpars/data/ (corpus.py; by .gitignore:3: data/)" in err


def test_a_nested_gitignore_is_named(repo: GitRepo) -> None:
    """`models/` in `inpars/.gitignore` names `inpars/models/` (quiet, review F8) and also
    hides the deeper `inpars/rank/models/` (said)."""
    repo.write("inpars/.gitignore", "models/\n")
    repo.commit("ignore models", "inpars/.gitignore")
    repo.write("inpars/models/reranker.py", "class Reranker:\n    pass\n")
    assert warnings_of(repo) == []
    repo.write("inpars/rank/__init__.py", "")
    repo.write("inpars/rank/models/reranker.py", "class Reranker:\n    pass\n")
    found = warnings_of(repo)
    assert (
        len(found) == 1
        and "inpars/rank/models/ (reranker.py; by inpars/.gitignore:1: models/)" in found[0]
    )


@pytest.mark.parametrize(
    "files",
    [
        {"data/train.csv": "a,b\n1,2\n", "data/queries.jsonl": "{}\n"},  # a data folder
        {".venv/pyvenv.cfg": "home = /usr\n", ".venv/lib/site/x.py": "x = 1\n"},  # an environment
        {"inpars/__pycache__/train.cpython-311.pyc": "\0"},  # bytecode
        {"build/lib/inpars/train.py": "x = 1\n", "dist/inpars.py": "x = 1\n"},  # build output
        {"inpars/_version.py": "version = '1.0'\n"},  # one ignored file, on purpose
        {"inpars/data/loader.js": "export const x = 1;\n"},  # a language not reviewed there
        {"inpars/data/README.md": "# data\n", "inpars/data/rows.csv": "a\n"},  # no code
    ],
)
def test_folders_ignored_on_purpose_stay_quiet(repo: GitRepo, files: dict[str, str]) -> None:
    for path, text in files.items():
        repo.write(path, text)
    assert warnings_of(repo) == []


def test_an_output_named_folder_that_is_a_package_is_said(repo: GitRepo) -> None:
    repo.write("inpars/build/__init__.py", "")
    repo.write("inpars/build/index.py", "def build_index():\n    return {}\n")
    found = warnings_of(repo)
    assert len(found) == 1 and "inpars/build/" in found[0]


def test_ignored_code_far_from_the_reviewed_code_stays_quiet(repo: GitRepo) -> None:
    """The folder's parent must hold reviewed code: `tools/` has none in this phase."""
    repo.write("tools/README.md", "tools\n")
    repo.commit("tools readme", "tools/README.md")
    repo.write("tools/data/gen.py", "x = 1\n")
    base = repo.head()
    repo.write("inpars/train.py", "def train():\n    return 1\n")
    phase = resolve_phase(repo.root, base, None)
    assert hidden_folders(repo.root, phase.files) == []


def test_a_committed_range_has_no_working_tree_to_warn_about(repo: GitRepo) -> None:
    repo.write("inpars/data/corpus.py", "def load_corpus():\n    return []\n")
    first = repo.git("rev-list", "--max-parents=0", "HEAD").strip()
    assert warnings_of(repo, f"{first}..HEAD") == []


def test_an_anchored_pattern_leaves_the_package_in_the_review(repo: GitRepo) -> None:
    repo.write(".gitignore", "/data/\n")
    repo.write("inpars/data/corpus.py", "def load_corpus():\n    return []\n")
    phase = resolve_phase(repo.root, None, None)
    assert "inpars/data/corpus.py" in {file.path for file in phase.files}
    assert [w for w in phase.warnings if "git ignores" in w] == []


def test_a_folder_whose_files_each_match_a_file_pattern_stays_quiet(repo: GitRepo) -> None:
    """`*.gen.py` ignores generated files one by one, on purpose: git lists their folder as
    ignored, but no pattern names the folder."""
    repo.write(".gitignore", "*.gen.py\n")
    repo.commit("ignore generated", ".gitignore")
    repo.write("inpars/gen/a.gen.py", "x = 1\n")
    repo.write("inpars/gen/b.gen.py", "y = 2\n")
    assert warnings_of(repo) == []
