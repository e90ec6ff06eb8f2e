"""Tests of the linking rules added after the held-out fixtures and the QA review (issue #5): each
builds a real git repository with a small spec and the code of a phase, runs the real pipeline
(spec parsing, phase resolution, chunking, linking) and checks one rule."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from reviewtui.config import ChunkSettings, LinkSettings
from reviewtui.core.chunks import cut_chunks
from reviewtui.core.gitrange import open_repo, resolve_phase
from reviewtui.core.linking.index import plain_numbers
from reviewtui.core.linking.references import SectionRefs, backlinks
from reviewtui.core.links import link_chunks
from reviewtui.core.models import Chunk, SectionLink, Spec
from reviewtui.core.spec import load_spec
from tests.gitrepo import GitRepo


@dataclass
class Linked:
    """The chunks and links of one phase, found by path and symbol."""

    spec: Spec
    chunks: list[Chunk]
    links: dict[str, SectionLink]

    def of(self, path: str, symbol: str | None = None, line: int | None = None) -> SectionLink:
        for chunk in self.chunks:
            inside = line is None or chunk.new_start <= line < chunk.new_start + chunk.new_lines
            if chunk.path == path and (symbol is None or chunk.symbol == symbol) and inside:
                return self.links[chunk.id]
        raise AssertionError(f"no chunk {path} {symbol} {line}")


def link_phase(
    repo: GitRepo, spec: str, files: dict[str, str], commit: str | None = None
) -> Linked:
    """Commit `SPEC.md`, write `files` (committed with `commit` as message when given, else left in
    the working tree) and link the phase from the spec's commit on."""
    repo.write("SPEC.md", spec)
    base = repo.commit("spec", "SPEC.md")
    for path, text in files.items():
        repo.write(path, text)
    if commit is not None:
        repo.commit(commit, *files)
    parsed = load_spec(repo.root, ["SPEC.md"])
    phase = resolve_phase(open_repo(repo.root), base, None)
    chunks = cut_chunks(phase.files, phase.commits, ChunkSettings())
    texts = {f.path: f.new_text for f in phase.files if f.new_text is not None}
    links = link_chunks(chunks, parsed, phase.commits, LinkSettings(), None, texts)
    return Linked(parsed, chunks, links)


def details(link: SectionLink) -> str:
    return " | ".join(evidence.detail for evidence in link.evidence)


# --------------------------------------------------------------------------- names and values

EVAL_SPEC = """\
# Summaries

## 4. Evaluation

### 4.2 GPT-4 win rate

Ask the judge which summary is better; count wins over comparisons.

### 4.4 Reporting

One CSV row per checkpoint: the win rate, the number of unparsed replies, n.
"""


def test_a_definition_named_as_a_section_title_follows_that_section(git_repo: GitRepo) -> None:
    code = "def win_rate(scored):\n    return sum(s['score'] for s in scored) / len(scored)\n"
    linked = link_phase(git_repo, EVAL_SPEC, {"scripts/judge.py": code})
    link = linked.of("scripts/judge.py", "win_rate")
    assert link.section_id == "42-gpt-4-win-rate"
    assert "defines `win_rate`, as titled '4.2 GPT-4 win rate'" in details(link)


def test_a_definition_named_as_the_opening_words_of_a_long_task_follows_it(
    git_repo: GitRepo,
) -> None:
    spec = (
        "# Feeds\n\n## Storage\n\n"
        "- [ ] upsert entries by id: a re-fetched entry updates title/summary but keeps its "
        "first-seen time and its feed\n"
        "- [ ] tables: entries, feeds and reads with the entry title, summary and time\n"
    )
    code = (
        "def upsert_entries(conn, rows):\n"
        "    conn.executemany('INSERT INTO entries VALUES (?, ?) ON CONFLICT DO UPDATE', rows)\n"
    )
    link = link_phase(git_repo, spec, {"app/store.py": code}).of("app/store.py", "upsert_entries")
    assert "defines `upsert_entries`, as titled" in details(link)
    assert link.section_id is not None and link.section_id.startswith("upsert-entries")


CONFIG_SPEC = """\
# DPO replication

## Training

### Hyper-parameters

| | |
|---|---|
| optimiser | RMSprop, lr 1e-6, no weight decay |
| warm-up | linear over 150 steps |

### Checkpoints

Save the policy every 2,000 steps and keep the two newest.

## Data

Load the comparisons; drop prompts over 512 tokens.
"""


def test_spec_numbers_lose_their_thousands_separators() -> None:
    assert plain_numbers("every 2,000 steps, 67,349 rows") == "every 2000 steps, 67349 rows"
    assert plain_numbers("f(0,100) and 3,14") == "f(0,100) and 3,14"


def test_a_value_set_under_a_name_the_spec_states_with_it_is_evidence(git_repo: GitRepo) -> None:
    config = "train:\n  lr: 1.0e-6\n\noutput:\n  save_every: 2000\n"
    linked = link_phase(git_repo, CONFIG_SPEC, {"configs/run.yaml": config})
    train = linked.of("configs/run.yaml", "train")
    assert train.section_id == "hyper-parameters"
    assert "sets `lr` = 1e-06, as 'Hyper-parameters' states" in details(train)
    output = linked.of("configs/run.yaml", "output")
    assert output.section_id == "checkpoints"
    assert "`save_every` = 2000" in details(output)


def test_a_config_file_that_one_section_names_follows_it_not_its_values(
    git_repo: GitRepo,
) -> None:
    spec = CONFIG_SPEC + "\n## Configuration\n\nAll settings live in `configs/run.yaml`.\n"
    config = "train:\n  lr: 1.0e-6\n"
    link = link_phase(git_repo, spec, {"configs/run.yaml": config}).of("configs/run.yaml")
    assert link.section_id == "configuration"
    assert "sets `lr`" not in details(link)


def test_a_config_named_only_as_a_command_option_does_not_follow_that_section(
    git_repo: GitRepo,
) -> None:
    spec = (
        "# Bench\n\n## Training\n\nAdam, lr 1e-3, batch size 32, at most 10 epochs.\n\n"
        "## Runner\n\nOne entry point: `python -m bench.run --config configs/bench.yaml`.\n"
    )
    config = "seed: 7\nworkers: 4\n"
    link = link_phase(git_repo, spec, {"configs/bench.yaml": config}).of("configs/bench.yaml")
    assert link.section_id is None  # a weak path mention, not "the file follows the runner"
    assert all(e.score < 0.6 for e in link.evidence if e.kind == "path")


def test_yaml_is_a_word_the_spec_and_the_code_share(git_repo: GitRepo) -> None:
    spec = (
        "# Run\n\n## Settings\n\nAll of these live in one YAML file per run.\n\n"
        "## Model\n\nA linear head on the pooled states.\n"
    )
    code = (
        "import yaml\n\n\ndef read_settings(path):\n"
        "    with open(path) as handle:\n        return yaml.safe_load(handle)\n"
    )
    link = link_phase(git_repo, spec, {"app/settings.py": code}).of(
        "app/settings.py", "read_settings"
    )
    assert "`yaml`" in details(link)


def test_single_word_config_keys_are_not_quoted_names(git_repo: GitRepo) -> None:
    spec = (
        "# Feeds\n\n## Storage\n\n- [ ] tables: `entries`, `feeds` and `reads`\n\n"
        "## Ingestion\n\n- [ ] parse every RSS and Atom feed\n"
    )
    toml = '[[feeds]]\nname = "blog"\nurl = "https://example.org/rss"\n'
    link = link_phase(git_repo, spec, {"feedwatch.toml": toml}).of("feedwatch.toml")
    assert "defines `feeds`" not in details(link)


# --------------------------------------------------------------------------- files and structure

METRICS_SPEC = """\
# SST-2

## 1. Overview

Everything runs from `scripts/run.sh` on one GPU.

## 5. Evaluation

### 5.1 Metrics

Report accuracy and macro-F1, and write them to `results/metrics.json`.

## 6. Phases

- [x] 1.5 Evaluate the baseline on the full validation set (5.1)
"""


def test_code_writing_a_file_the_spec_names_follows_that_section(git_repo: GitRepo) -> None:
    code = (
        "def compute_scores(model, loader):\n"
        "    labels, preds = predict(model, loader)\n"
        "    metrics = {'accuracy': accuracy_score(labels, preds)}\n"
        "    write_json('results/metrics.json', metrics)\n"
        "    return metrics\n"
    )
    link = link_phase(git_repo, METRICS_SPEC, {"src/evaluate.py": code}).of("src/evaluate.py")
    assert link.section_id in {"51-metrics", "1.5"}
    assert "uses `results/metrics.json`, named in '5.1 Metrics'" in details(link)


def test_a_task_taking_a_link_keeps_no_evidence_naming_an_unrelated_heading(
    git_repo: GitRepo,
) -> None:
    spec = METRICS_SPEC.replace(
        "Report accuracy", "Evaluate on the full validation set. Report accuracy"
    )
    script = "#!/bin/sh\npython -m app.evaluate --full\n"
    link = link_phase(git_repo, spec, {"scripts/run.sh": script}).of("scripts/run.sh")
    text = details(link)
    assert not ("named in '1. Overview'" in text and "task 1.5" in text), text
    assert link.section_id is None  # the task's own words alone stay under the threshold


def test_module_level_code_calling_main_follows_main(git_repo: GitRepo) -> None:
    code = (
        "def main():\n    write_json('results/metrics.json', evaluate())\n\n\n"
        'if __name__ == "__main__":\n    main()\n'
    )
    linked = link_phase(git_repo, METRICS_SPEC, {"src/report.py": code})
    tail = linked.of("src/report.py", None, line=5)
    assert linked.of("src/report.py", "main").section_id == tail.section_id
    assert "calls `main`, defined in this file" in details(tail)


def test_tests_follow_code_names_not_config_keys(git_repo: GitRepo) -> None:
    spec = (
        "# Pairs\n\n## Data\n\n### Cleaning\n\nDrop pairs over 512 tokens; the `data` config.\n\n"
        "### Prompt format\n\nThe template `format_prompt` writes TITLE and POST.\n"
    )
    files = {
        "configs/run.yaml": "data:\n  max_prompt_tokens: 512\n",
        "app/prompt.py": "def format_prompt(info):\n    return f\"TITLE: {info['title']}\"\n",
        "tests/test_prompt.py": (
            "from app import data\n\n\n"
            "def test_rows():\n    rows = data.rows(data.PATH)\n    assert data.valid(rows)\n"
        ),
    }
    link = link_phase(git_repo, spec, files).of("tests/test_prompt.py", "test_rows")
    assert "tests `data`" not in details(link)


def test_a_file_nudge_alone_does_not_inherit_the_parent_headings_evidence(
    git_repo: GitRepo,
) -> None:
    spec = (
        "# Pairs\n\n## 1. Data\n\nLoad the comparisons as preference pairs: prompt, chosen, "
        "rejected, from the choice index.\n\n### Prompt format\n\nThe SUBREDDIT / TITLE / POST "
        "template, `format_prompt`, and the `PairCollator` padding.\n"
    )
    code = (
        "def format_prompt(info):\n    return f\"TITLE: {info['title']}\"\n\n\n"
        "class PairCollator:\n    pad = 0\n\n\n"
        "def load_comparisons(rows):\n"
        "    return [(r['prompt'], r['chosen'], r['rejected'], r['choice']) for r in rows]\n"
    )
    link = link_phase(git_repo, spec, {"app/data.py": code}).of("app/data.py", "load_comparisons")
    assert link.section_id == "1-data"


# --------------------------------------------------------------------------- ids

TWIN_SPEC = """\
# SST-2

## 2. Data

### 2.1 Source

Load GLUE SST-2 with the datasets library.

### 2.2 Tokenization

Use the distilbert tokenizer, truncation to 128 tokens, right padding.

## 5. Evaluation

### 5.2 Error analysis

Write the 50 most confident mistakes to results/errors.csv.

## 6. Phases

### Phase 1

- [x] 1.1 Load SST-2 and tokenize it (2.1, 2.2)

### Phase 2

- [ ] 2.1 Early stopping on the dev set
- [ ] 2.2 Error analysis (5.2)
"""


def test_a_task_citing_a_number_means_the_heading_not_the_task_with_that_id(
    tmp_path: Path,
) -> None:
    (tmp_path / "SPEC.md").write_text(TWIN_SPEC, encoding="utf-8")
    spec = load_spec(tmp_path, ["SPEC.md"])
    cited = backlinks(spec, SectionRefs.build(spec))
    assert cited["1.1"] == ["21-source", "22-tokenization"]
    assert cited["2.2"] == ["52-error-analysis"]
    assert "2.1" not in cited  # its own id is not a citation


def test_an_id_naming_a_heading_and_a_task_is_decided_by_content(git_repo: GitRepo) -> None:
    files = {
        "src/tokenize_fast.py": (
            "# spec: 2.2\n"
            "def tokenizer_cache_key(name, max_length=128, padding_side='right'):\n"
            "    return f'{name}-{max_length}-{padding_side}-truncation'\n"
        ),
        "src/errors.py": (
            "# spec: 2.2\n"
            "def write_mistakes(mistakes, k=50):\n"
            "    most_confident = sorted(mistakes, key=lambda m: -m.confidence)[:k]\n"
            "    save_csv('results/errors.csv', most_confident)\n"
        ),
    }
    linked = link_phase(git_repo, TWIN_SPEC, files)
    tokenizer = linked.of("src/tokenize_fast.py", "tokenizer_cache_key")
    errors = linked.of("src/errors.py", "write_mistakes")
    assert tokenizer.section_id == "22-tokenization"
    assert errors.section_id == "2.2"
    assert "the same number names task 2.2" in details(tokenizer)


def test_ids_opening_lines_in_a_numbering_scheme_name_their_heading(git_repo: GitRepo) -> None:
    spec = (
        "# Bench\n\n## 2. Data\n\n### 2.2 Splits\n\nR2.2 Chronological, never shuffled.\n\n"
        "### 2.3 Scaling\n\nR2.3 Z-score with train statistics.\n\n"
        "## Open questions\n\n- GPT-4 drift: pin the snapshot.\n"
    )
    code = "def borders(n):\n    return (0, int(0.7 * n)), (int(0.7 * n), n)\n"
    linked = link_phase(git_repo, spec, {"bench/borders.py": code}, commit="Borders (R2.2)")
    link = linked.of("bench/borders.py", "borders")
    assert link.section_id == "22-splits"
    assert any(e.kind == "commit" and e.score >= 0.8 for e in link.evidence)
    refs = SectionRefs.build(linked.spec)
    assert refs.resolve("R2.3") == "23-scaling"
    assert refs.resolve("GPT-4") is None  # one line in one section is not a numbering scheme


HELPERS_SPEC = """\
# SST-2

## 1. Overview

All randomness is seeded with seed 13 (`random`, `numpy`, `torch`).

## 2. Data

### 2.3 Paraphrase augmentation

Ask the LLM for one paraphrase of every training sentence; cache the answers.

## 6. Phases

- [x] 1.2 Paraphrase augmentation with the LLM (2.3)
"""


def test_a_commit_subject_describing_work_speaks_less_for_helpers_committed_with_it(
    git_repo: GitRepo,
) -> None:
    files = {
        "src/augment.py": (
            "def paraphrase(sentence, cache):\n"
            "    if sentence not in cache:\n"
            "        cache[sentence] = ask_llm('Paraphrase: ' + sentence)\n"
            "    return cache[sentence]\n"
        ),
        "src/utils.py": (
            "def human_bytes(n):\n"
            "    for unit in ['B', 'KiB', 'MiB']:\n"
            "        if n < 1024:\n"
            "            return f'{n:.0f} {unit}'\n"
            "        n /= 1024\n"
            "    return f'{n:.1f} GiB'\n\n\n"
            "def set_seed(seed):\n"
            "    random.seed(seed)\n    numpy.random.seed(seed)\n    torch.manual_seed(seed)\n"
        ),
    }
    linked = link_phase(
        git_repo, HELPERS_SPEC, files, commit="Add paraphrase augmentation and helpers"
    )
    assert linked.of("src/augment.py", "paraphrase").section_id in {
        "1.2",
        "23-paraphrase-augmentation",
    }
    helper = linked.of("src/utils.py", "human_bytes")
    assert helper.section_id is None
    assert all(e.score < 0.35 for e in helper.evidence if e.kind == "commit")
    seeding = linked.of("src/utils.py", "set_seed")
    assert (
        seeding.section_id != "1.2"
    )  # the commit alone does not carry '1. Overview''s words to 1.2
