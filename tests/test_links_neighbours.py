"""Tests of the linking rules that read a chunk's place in its file and the words a commit subject
opens with (issue #5): code for one section is written together, so a chunk between two chunks of
the same section follows them when its own words agree; one shared word alone is a weak link; and a
commit subject that opens with a section's number, id or title names that section."""

from __future__ import annotations

import threading

import pytest

from reviewtui.config import LinkSettings
from reviewtui.core.linking.references import SectionRefs
from reviewtui.core.links import link_chunks
from reviewtui.core.spec import load_spec
from reviewtui.errors import ReviewError
from tests.gitrepo import GitRepo
from tests.test_links_heldout import details, link_phase

SPEC = """\
# Warehouse

## Parsing

Parse the order CSV exports into typed rows. Amounts are decimal strings with a currency code;
rows that fail to parse are collected as rejects with the reason, and a load with more than 2% rejected
rows fails.

## Reporting

Write a daily revenue report per country as a markdown table, with the totals in the last line.
"""

PARSE_HEAD = '''\
def parse_order_row(row: dict) -> dict:
    """Parse one order CSV row into typed values; a bad row raises a reject."""
    amount, currency = row["amount"].split()
    return {"order_id": int(row["order_id"]), "amount": amount, "currency": currency}


'''
PARSE_TAIL = '''\


def collect_rejects(rows: list[dict]) -> tuple[list[dict], list[str]]:
    """Parse order rows, collecting rejected rows with the reason; too many rejects fail the load."""
    parsed, rejects = [], []
    for row in rows:
        try:
            parsed.append(parse_order_row(row))
        except (KeyError, ValueError) as error:
            rejects.append(f"{row!r}: {error}")
    if len(rejects) > 0.02 * max(1, len(rows)):
        raise ValueError("too many rejected rows")
    return parsed, rejects
'''


def test_a_chunk_between_two_chunks_of_a_section_follows_them(git_repo: GitRepo) -> None:
    middle = '''def _decimal(text: str) -> str:
    """Keep a decimal string as written."""
    whole, _, cents = text.partition(".")
    return f"{int(whole)}.{cents or '00'}"
'''
    linked = link_phase(git_repo, SPEC, {"wh/ingest.py": PARSE_HEAD + middle + PARSE_TAIL})
    link = linked.of("wh/ingest.py", "_decimal")
    assert link.section_id == "parsing"
    assert "between chunks of wh/ingest.py linked to 'Parsing'" in details(link)


def test_glue_between_two_chunks_of_a_section_stays_unlinked(git_repo: GitRepo) -> None:
    glue = """def setup_logging(verbose: bool) -> None:
    logging.basicConfig(level=logging.DEBUG if verbose else logging.INFO)
"""
    linked = link_phase(git_repo, SPEC, {"wh/ingest.py": PARSE_HEAD + glue + PARSE_TAIL})
    assert linked.of("wh/ingest.py", "parse_order_row").section_id == "parsing"
    assert linked.of("wh/ingest.py", "collect_rejects").section_id == "parsing"
    assert linked.of("wh/ingest.py", "setup_logging").section_id is None


def test_one_shared_word_is_a_weaker_link_than_several(git_repo: GitRepo) -> None:
    flag = (
        "def country_flag(code: str) -> str:\n"
        "    return chr(0x1F1E6 + ord(code[0]) - 65) + chr(0x1F1E6 + ord(code[1]) - 65)\n"
    )
    linked = link_phase(git_repo, SPEC, {"wh/flags.py": flag})
    link = linked.of("wh/flags.py", "country_flag")
    assert link.section_id is None, details(link)  # shares only `country` with 'Reporting'
    assert "shares `country` with 'Reporting'" in details(link)


# --------------------------------------------------------------------------- commit subject prefixes

NUMBERED = """\
# Forecasting

## 6. Experiment runner

Run every method on every dataset and write one results row per cell.

## 7. Configuration

One YAML file with the grid; `--set key=value` overrides a key.

## Row checks

Check the order rows.

## Notes

## Notes
"""


def _refs(git_repo: GitRepo) -> SectionRefs:
    git_repo.write("SPEC.md", NUMBERED)
    return SectionRefs.build(load_spec(git_repo.root, ["SPEC.md"]))


def test_a_subject_opening_with_a_heading_number_names_it(git_repo: GitRepo) -> None:
    refs = _refs(git_repo)
    assert refs.in_subject("7: YAML config with --set overrides") == ["7-configuration"]
    assert refs.in_subject("3 seeds for every cell") == []


def test_a_subject_opening_with_a_section_id_or_title_names_it(git_repo: GitRepo) -> None:
    refs = _refs(git_repo)
    assert refs.in_subject("row-checks: add row-level checks") == ["row-checks"]
    assert refs.in_subject("Row checks: add row-level checks") == ["row-checks"]
    assert refs.in_subject("feat(row-checks): add row-level checks") == ["row-checks"]
    assert refs.in_subject("Configuration: one YAML file") == []
    assert refs.titled_in_subject("Configuration: one YAML file") == "7-configuration"
    assert refs.titled_in_subject("feat(configuration): one YAML file") == "7-configuration"


def test_an_unknown_or_ambiguous_prefix_names_nothing(git_repo: GitRepo) -> None:
    refs = _refs(git_repo)
    assert refs.in_subject("fix: typo in the runner") == []
    assert refs.in_subject("Notes: tidy up") == ["notes"]  # the first section's id
    assert refs.titled_in_subject("Notes: tidy up") is None  # two headings have the title


def test_a_commit_named_by_title_links_its_code(git_repo: GitRepo) -> None:
    code = "def grid(config):\n    return [(m, d) for m in config['methods'] for d in config['data']]\n"
    linked = link_phase(git_repo, NUMBERED, {"fc/grid.py": code}, commit="Row checks: grid")
    link = linked.of("fc/grid.py", "grid")
    assert link.section_id == "row-checks"
    assert any(e.kind == "commit" for e in link.evidence)


# --------------------------------------------------------------------------- explicit references

TRAINING = """\
# LoRA

## 3. Training

Train with AdamW for 10 epochs; evaluate after every epoch and keep the best checkpoint.

### 3.3 Seeds

Run seeds 0, 1 and 2 and report the median; seed python, numpy and torch.
"""


def test_a_comment_naming_a_heading_is_not_moved_to_a_sub_heading(git_repo: GitRepo) -> None:
    code = (
        "def train(config, seed):\n"
        "    # spec: 3\n"
        "    torch.manual_seed(seed)\n"
        "    numpy.random.seed(seed)\n"
        "    for epoch in range(config.epochs):\n"
        "        run_epoch(epoch)\n"
    )
    link = link_phase(git_repo, TRAINING, {"lora/train.py": code}).of("lora/train.py", "train")
    assert link.section_id == "3-training", details(link)


def test_a_subject_naming_a_heading_by_title_lets_a_sub_heading_win(git_repo: GitRepo) -> None:
    code = "def seeds():\n    return [0, 1, 2]  # median over seeds of numpy and torch\n"
    linked = link_phase(git_repo, TRAINING, {"lora/seeds.py": code}, commit="training: seeds")
    link = linked.of("lora/seeds.py", "seeds")
    assert link.section_id == "33-seeds", details(link)
    assert "describes '3. Training'" in details(link)


# --------------------------------------------------------------------------- the call graph

USERS = (
    (PARSE_HEAD + PARSE_TAIL.lstrip("\n"))
    .replace('row["amount"].split()', 'split_amount(row["amount"])')
    .replace("{error}", "{error} {timed()}")
)
"""The parsing code of SPEC, calling two helpers of another file."""


def test_a_helper_used_by_one_sections_code_follows_it(git_repo: GitRepo) -> None:
    helpers = (
        "def split_money(text: str) -> tuple[str, str]:\n"
        "    value, currency = text.split()\n"
        "    return value, currency\n\n\n"
        "def timed() -> float:\n    return time.perf_counter()\n"
    )
    users = USERS.replace("split_amount", "split_money")
    linked = link_phase(git_repo, SPEC, {"wh/ingest.py": users, "wh/util.py": helpers})
    assert linked.of("wh/ingest.py", "collect_rejects").section_id == "parsing"
    link = linked.of("wh/util.py", "split_money")
    assert link.section_id == "parsing", details(link)  # alone, `currency` scores 0.31
    assert "used by `parse_order_row`, linked to 'Parsing'" in details(link)
    assert linked.of("wh/util.py", "timed").section_id is None  # glue: no words of its own


# --------------------------------------------------------------------------- cancel


def test_linking_stops_once_cancel_is_set(git_repo: GitRepo) -> None:
    linked = link_phase(git_repo, SPEC, {"wh/ingest.py": PARSE_HEAD + PARSE_TAIL})
    cancel = threading.Event()
    links = link_chunks(linked.chunks, linked.spec, [], LinkSettings(), cancel=cancel)
    assert set(links) == {chunk.id for chunk in linked.chunks}
    cancel.set()
    with pytest.raises(ReviewError, match="cancelled"):
        link_chunks(linked.chunks, linked.spec, [], LinkSettings(), cancel=cancel)
