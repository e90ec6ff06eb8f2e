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

`python bench/linking/run.py --set heldout --llm ANSWERS.json` then scores the content mode with the
recorded picks merged as the app merges them (`link_candidates`, `merge_link_help`).
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from fixture_repos import fixture_names
from run import SETS, build_case

from reviewtui.core.llm.linking import BATCH, parse_link_answer
from reviewtui.core.llm.prompts import link_prompt

MODE = "content"


def write_prompts(
    fixture_set: str, out: Path, index_path: Path, first: int = 1, seed: int = 5
) -> int:
    """Write one prompt file per batch; the index maps each file to its fixture and chunk ids."""
    root = SETS[fixture_set]
    batches: list[tuple[str, list[str], str]] = []
    with tempfile.TemporaryDirectory() as folder:
        for name in fixture_names(root):
            case = build_case(name, MODE, Path(folder), root=root)
            for start in range(0, len(case.chunks), BATCH):
                batch = case.chunks[start : start + BATCH]
                prompt = link_prompt(case.spec, batch)
                system = "\n\n".join(str(block["text"]) for block in prompt.system)
                text = f"{system}\n\n=== USER MESSAGE ===\n\n{prompt.user}\n"
                batches.append((name, [c.id for c in batch], text))
    random.Random(seed).shuffle(batches)
    out.mkdir(parents=True, exist_ok=True)
    index: dict[str, dict[str, object]] = {}
    for number, (name, chunk_ids, text) in enumerate(batches, first):
        stem = f"p{number:02d}"
        (out / f"{stem}.md").write_text(text, encoding="utf-8")
        index[stem] = {"set": fixture_set, "fixture": name, "chunks": chunk_ids}
    index_path.write_text(json.dumps(index, indent=1), encoding="utf-8")
    return len(batches)


def collect(folder: Path, index_path: Path, into: Path) -> list[str]:
    """Validate the answers and store the picks per fixture; returns one line per problem."""
    index = json.loads(index_path.read_text(encoding="utf-8"))
    stored: dict[str, dict[str, dict[str, str | None]]] = (
        json.loads(into.read_text(encoding="utf-8")) if into.exists() else {}
    )
    problems: list[str] = []
    specs: dict[str, object] = {}
    with tempfile.TemporaryDirectory() as work:
        for stem, entry in sorted(index.items()):
            answer = folder / f"{stem}.json"
            if not answer.exists():
                problems.append(f"{stem}: no answer")
                continue
            name, chunk_ids = str(entry["fixture"]), list(entry["chunks"])
            if name not in specs:
                specs[name] = build_case(name, MODE, Path(work), root=SETS[entry["set"]]).spec
            try:
                links, rejected = parse_link_answer(
                    answer.read_text(encoding="utf-8"), specs[name], chunk_ids, 1.0
                )
            except ValueError as error:
                problems.append(f"{stem}: {error}")
                continue
            problems.extend(f"{stem}: {line}" for line in rejected)
            missing = [c for c in chunk_ids if c not in links]
            if missing:
                problems.append(f"{stem}: {len(missing)} chunks not answered")
            reasons = _reasons(answer.read_text(encoding="utf-8"))
            picks = stored.setdefault(name, {})
            for chunk_id, link in links.items():
                picks[chunk_id] = {"section": link.section_id, "reason": reasons.get(chunk_id, "")}
    into.write_text(json.dumps(stored, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    return problems


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
    gather = commands.add_parser("collect", help="validate the answers and store the picks")
    gather.add_argument("folder", type=Path)
    gather.add_argument("--index", type=Path, required=True)
    gather.add_argument("--into", type=Path, required=True)
    args = parser.parse_args(argv)
    if args.command == "prompts":
        count = write_prompts(args.fixture_set, args.out, args.index, args.first)
        print(f"{count} prompts in {args.out}")
        return 0
    problems = collect(args.folder, args.index, args.into)
    for line in problems:
        print(line)
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
