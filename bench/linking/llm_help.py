"""Record the LLM's linking help on the fixtures, to measure it offline.

reviewtui asks the LLM to link the chunks the lexical linker is unsure of (`llm.link_help`). The
harness runs offline, so the model's answers are recorded once and replayed:

    python bench/linking/llm_help.py prompts --set heldout --out DIR --index INDEX.json
        writes DIR/pNN.md: the exact link prompts reviewtui builds (`link_prompt`: instructions,
        spec outline and text, up to 40 chunks), one per batch of every chunk of every fixture's
        content-mode phase, under names that do not say which fixture they come from.
    (the model answers each DIR/pNN.md with DIR/pNN.json: {"links": [{"chunk", "section", "reason"}]})
    python bench/linking/llm_help.py collect DIR --index INDEX.json --into ANSWERS.json
        validates every answer as reviewtui does (`parse_link_answer`) and stores the picks per
        fixture and chunk id (chunk ids depend only on a chunk's path and lines, so they are stable).

    python bench/linking/llm_help.py record --set heldout --into ANSWERS.json [--model ID]
        asks the model through reviewtui's own client instead (the real SDK; needs
        ANTHROPIC_API_KEY), and stores its picks the same way.

`python bench/linking/run.py --set heldout --llm ANSWERS.json` then scores the content mode with the
recorded picks merged as the app merges them (`link_candidates`, `merge_link_help`).
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from fixture_repos import fixture_names
from run import SETS, build_case

from reviewtui.config import LLMSettings
from reviewtui.core.llm.client import LLMClient, Prompt
from reviewtui.core.llm.linking import BATCH, parse_link_answer
from reviewtui.core.llm.prompts import link_prompt
from reviewtui.core.models import Spec

MODE = "content"

Picks = dict[str, dict[str, dict[str, str | None]]]
"""fixture -> chunk id -> {"section": id or None, "reason": the model's one line}."""


@dataclass
class Batch:
    """One link prompt of one fixture, as the app would send it."""

    fixture_set: str
    fixture: str
    spec: Spec
    chunk_ids: list[str]
    prompt: Prompt

    def text(self) -> str:
        system = "\n\n".join(str(block["text"]) for block in self.prompt.system)
        return f"{system}\n\n=== USER MESSAGE ===\n\n{self.prompt.user}\n"


def batches(fixture_set: str, workdir: Path, names: list[str] | None = None) -> list[Batch]:
    """Every chunk of every fixture's content-mode phase, in prompts of `BATCH` chunks."""
    root = SETS[fixture_set]
    found = []
    for name in names or fixture_names(root):
        case = build_case(name, MODE, workdir, root=root)
        for start in range(0, len(case.chunks), BATCH):
            chunks = case.chunks[start : start + BATCH]
            prompt = link_prompt(case.spec, chunks)
            found.append(Batch(fixture_set, name, case.spec, [c.id for c in chunks], prompt))
    return found


def write_prompts(
    fixture_set: str,
    out: Path,
    index_path: Path,
    first: int = 1,
    names: list[str] | None = None,
    seed: int = 5,
) -> int:
    """Write one prompt file per batch; the index maps each file to its fixture and chunk ids."""
    with tempfile.TemporaryDirectory() as folder:
        found = batches(fixture_set, Path(folder), names)
    random.Random(seed).shuffle(found)
    out.mkdir(parents=True, exist_ok=True)
    index: dict[str, dict[str, object]] = {}
    for number, batch in enumerate(found, first):
        stem = f"p{number:02d}"
        (out / f"{stem}.md").write_text(batch.text(), encoding="utf-8")
        index[stem] = {"set": fixture_set, "fixture": batch.fixture, "chunks": batch.chunk_ids}
    index_path.write_text(json.dumps(index, indent=1), encoding="utf-8")
    return len(found)


def collect(folder: Path, index_path: Path, into: Path) -> list[str]:
    """Validate the answers written next to the prompt files and store the picks per fixture;
    returns one line per problem."""
    index = json.loads(index_path.read_text(encoding="utf-8"))
    stored = _load(into)
    problems: list[str] = []
    specs: dict[str, Spec] = {}
    with tempfile.TemporaryDirectory() as work:
        for stem, entry in sorted(index.items()):
            answer = folder / f"{stem}.json"
            if not answer.exists():
                problems.append(f"{stem}: no answer")
                continue
            name = str(entry["fixture"])
            if name not in specs:
                specs[name] = build_case(name, MODE, Path(work), root=SETS[entry["set"]]).spec
            text = answer.read_text(encoding="utf-8")
            chunk_ids = list(entry["chunks"])
            problems.extend(
                f"{stem}: {line}" for line in store(stored, name, specs[name], chunk_ids, text)
            )
    _save(into, stored)
    return problems


def record(
    fixture_set: str, into: Path, settings: LLMSettings, names: list[str] | None = None
) -> list[str]:
    """Ask the configured model through reviewtui's own client (the real SDK: `ANTHROPIC_API_KEY`,
    `ANTHROPIC_BASE_URL`) and store its picks; returns one line per problem."""
    stored = _load(into)
    problems: list[str] = []
    with tempfile.TemporaryDirectory() as folder:
        client = LLMClient(settings, Path(folder))
        if (reason := client.unavailable_reason()) is not None:
            return [reason]
        for number, batch in enumerate(batches(fixture_set, Path(folder), names), 1):
            answer = client.complete(batch.prompt)
            where = f"{batch.fixture} prompt {number}"
            if not answer.ok:
                problems.append(f"{where}: {answer.error}")
                continue
            lines = store(stored, batch.fixture, batch.spec, batch.chunk_ids, answer.text)
            problems.extend(f"{where}: {line}" for line in lines)
    _save(into, stored)
    return problems


def store(stored: Picks, name: str, spec: Spec, chunk_ids: list[str], text: str) -> list[str]:
    """Validate one answer as reviewtui does (`parse_link_answer`) and keep its picks."""
    try:
        links, rejected = parse_link_answer(text, spec, chunk_ids, 1.0)
    except ValueError as error:
        return [str(error)]
    problems = list(rejected)
    missing = [c for c in chunk_ids if c not in links]
    if missing:
        problems.append(f"{len(missing)} chunks not answered")
    reasons = _reasons(text)
    picks = stored.setdefault(name, {})
    for chunk_id, link in links.items():
        picks[chunk_id] = {"section": link.section_id, "reason": reasons.get(chunk_id, "")}
    return problems


def _load(path: Path) -> Picks:
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}


def _save(path: Path, stored: Picks) -> None:
    path.write_text(json.dumps(stored, indent=1, sort_keys=True) + "\n", encoding="utf-8")


def _reasons(text: str) -> dict[str, str]:
    """chunk id -> the model's one-line reason, from an answer `parse_link_answer` accepted."""
    data = json.loads(text[text.index("{") : text.rindex("}") + 1])
    return {
        str(item.get("chunk")): " ".join(str(item.get("reason") or "").split())[:200]
        for item in data["links"]
        if isinstance(item, dict)
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    commands = parser.add_subparsers(dest="command", required=True)
    prompts = commands.add_parser("prompts", help="write the link prompts of every fixture")
    prompts.add_argument("--set", choices=sorted(SETS), default="heldout", dest="fixture_set")
    prompts.add_argument("--out", type=Path, required=True)
    prompts.add_argument("--index", type=Path, required=True)
    prompts.add_argument("--first", type=int, default=1, help="number of the first prompt file")
    prompts.add_argument("fixtures", nargs="*", help="fixture names (default: all of the set)")
    gather = commands.add_parser("collect", help="validate the answers and store the picks")
    gather.add_argument("folder", type=Path)
    gather.add_argument("--index", type=Path, required=True)
    gather.add_argument("--into", type=Path, required=True)
    asking = commands.add_parser("record", help="ask the configured model through the real SDK")
    asking.add_argument("--set", choices=sorted(SETS), default="heldout", dest="fixture_set")
    asking.add_argument("--into", type=Path, required=True)
    asking.add_argument("--model", default=None, help="the model id (default: reviewtui's)")
    asking.add_argument("fixtures", nargs="*", help="fixture names (default: all of the set)")
    args = parser.parse_args(argv)
    if args.command == "prompts":
        count = write_prompts(
            args.fixture_set, args.out, args.index, args.first, args.fixtures or None
        )
        print(f"{count} prompts in {args.out}")
        return 0
    if args.command == "record":
        settings = LLMSettings() if args.model is None else LLMSettings(model=args.model)
        problems = record(args.fixture_set, args.into, settings, args.fixtures or None)
    else:
        problems = collect(args.folder, args.index, args.into)
    for line in problems:
        print(line)
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
