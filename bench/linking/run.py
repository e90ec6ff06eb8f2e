"""Provides the linking benchmark: builds every fixture repository in each mode, runs the real pipeline
(spec discovery and parsing, phase resolution, chunking, linking) and prints accuracy figures.

    python bench/linking/run.py            # all fixtures, all modes, plus the speed benchmark
    python bench/linking/run.py -v         # also list every wrong or unlinked chunk
    python bench/linking/run.py --speed    # only the speed benchmark (3,000 chunks × 200 sections)
    python bench/linking/run.py --set heldout   # the held-out fixtures (bench/linking/heldout/)
    python bench/linking/run.py --no-speed      # accuracy only
    python bench/linking/fixture_repos.py --set heldout --sections   # validate fixtures, list section ids

Figures (per fixture and mode, then totals per mode):
- heading: top-1 accuracy at heading level over chunks with a true section (unlinked counts as wrong);
  a link is right at heading level when it lands under the same heading as the truth, or on the
  requirement/story the true task back-links to;
- task: exact accuracy over chunks whose true section is a task;
- unlinked: share of chunks with a true section that were left unlinked;
- linked acc: heading-level accuracy among the chunks the engine linked;
- glue unl.: share of glue chunks (code nobody asked for) left unlinked.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from fixture_repos import (
    FIXTURES,
    MODES,
    SETS,
    DefinitionSpan,
    build_repo,
    fixture_names,
    load_fixture,
)

from reviewtui.config import ChunkSettings, LinkSettings, LLMSettings
from reviewtui.core.chunks import cut_chunks
from reviewtui.core.gitrange import open_repo, resolve_phase
from reviewtui.core.linking.references import SectionRefs, backlinks
from reviewtui.core.links import link_chunks
from reviewtui.core.llm.linking import LinkHelp, llm_link, merge_link_help, needs_llm
from reviewtui.core.models import Chunk, SectionLink, Spec
from reviewtui.core.spec import discover_specs, load_spec
from reviewtui.errors import ReviewError


@dataclass
class Outcome:
    """The judged links of one fixture in one mode."""

    fixture: str
    mode: str
    with_truth: int = 0
    heading_right: int = 0
    tasks: int = 0
    task_right: int = 0
    unlinked: int = 0
    linked: int = 0
    linked_right: int = 0
    glue: int = 0
    glue_unlinked: int = 0
    seconds: float = 0.0
    misses: list[str] = field(default_factory=list)

    def add(self, other: Outcome) -> None:
        for name in (
            "with_truth",
            "heading_right",
            "tasks",
            "task_right",
            "unlinked",
            "linked",
            "linked_right",
            "glue",
            "glue_unlinked",
        ):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.seconds += other.seconds

    def row(self) -> str:
        return (
            f"{self.fixture:<10} {self.mode:<10} {self.with_truth:>6} {_pct(self.heading_right, self.with_truth)}"
            f" {_pct(self.task_right, self.tasks)} {_pct(self.unlinked, self.with_truth)}"
            f" {_pct(self.linked_right, self.linked)} {_pct(self.glue_unlinked, self.glue)}"
            f" {self.seconds * 1000:>8.1f}"
        )

    @property
    def heading_accuracy(self) -> float:
        return self.heading_right / max(1, self.with_truth)

    @property
    def linked_accuracy(self) -> float:
        return self.linked_right / max(1, self.linked)

    @property
    def glue_unlinked_rate(self) -> float:
        return self.glue_unlinked / max(1, self.glue)

    @property
    def task_accuracy(self) -> float:
        return self.task_right / max(1, self.tasks)


HEADER = (
    f"{'fixture':<10} {'mode':<10} {'chunks':>6} {'heading':>7} {'task':>7} {'unlinked':>7}"
    f" {'lnk acc':>7} {'glue un':>7} {'link ms':>8}"
)


def _pct(part: int, whole: int) -> str:
    return f"{100 * part / whole:6.1f}%" if whole else "     - "


def heading_of(spec: Spec, section_id: str | None) -> str | None:
    """The nearest heading at or above a section."""
    section = spec.get(section_id)
    while section is not None and section.kind != "heading":
        section = spec.get(section.parent)
    return section.id if section is not None else None


def truth_of(chunk: Chunk, spans: dict[str, list[DefinitionSpan]]) -> DefinitionSpan | None:
    """The definition most of the chunk's added lines belong to."""
    votes: dict[int, int] = {}
    file_spans = spans.get(chunk.path, [])
    for line in chunk.lines:
        if line.kind != "+" or line.new_no is None or not line.text.strip():
            continue
        for number, span in enumerate(file_spans):
            if span.first <= line.new_no <= span.last:
                votes[number] = votes.get(number, 0) + 1
    if not votes:
        return None
    return file_spans[max(votes, key=lambda number: votes[number])]


@dataclass
class Case:
    """One fixture built in one mode and linked: what `_judge` scores."""

    name: str
    mode: str
    spec: Spec
    chunks: list[Chunk]
    links: dict[str, SectionLink]
    spans: dict[str, list[DefinitionSpan]]
    seconds: float


def build_case(
    name: str,
    mode: str,
    workdir: Path,
    settings: LinkSettings | None = None,
    root: Path = FIXTURES,
) -> Case:
    """Build one fixture in one mode and run the pipeline on it (`link_chunks` timed)."""
    fixture = load_fixture(name, root)
    root = workdir / f"{name}-{mode}"
    spec_for_refs = load_spec(fixture.folder, fixture.spec_files)
    sections = {s.id: (s.task_id, s.title) for s in spec_for_refs.sections}
    range_text, spans = build_repo(fixture, root, mode, sections)
    spec = load_spec(root, _spec_files(root, fixture.spec_files))
    phase = resolve_phase(open_repo(root), range_text, None)
    chunks = cut_chunks(phase.files, phase.commits, ChunkSettings())
    file_texts = {f.path: f.new_text for f in phase.files if f.new_text is not None}
    started = time.perf_counter()
    links = link_chunks(chunks, spec, phase.commits, settings or LinkSettings(), None, file_texts)
    return Case(name, mode, spec, chunks, links, spans, time.perf_counter() - started)


def run_case(
    name: str,
    mode: str,
    workdir: Path,
    settings: LinkSettings | None = None,
    root: Path = FIXTURES,
) -> Outcome:
    """Build one fixture in one mode, run the pipeline, judge every chunk."""
    case = build_case(name, mode, workdir, settings, root)
    return judge_case(case)


def judge_case(case: Case) -> Outcome:
    """Score every chunk of a built case against its fixture's truth."""
    outcome = Outcome(case.name, case.mode, seconds=case.seconds)
    _judge(outcome, case.spec, case.chunks, case.links, case.spans)
    return outcome


def with_llm_help(
    case: Case, picks: dict[str, dict[str, str | None]], threshold: float, llm: LLMSettings
) -> Case:
    """The case with the recorded picks of the chunks the app would ask about merged as it merges
    them (`needs_llm`, `merge_link_help`); a chunk without a recorded pick keeps its link."""
    recheck = llm.link_recheck_below
    help_ = LinkHelp()
    for link in case.links.values():
        pick = picks.get(link.chunk_id)
        if pick is not None and needs_llm(link, threshold, recheck):
            reason = str(pick.get("reason") or "")
            help_.links[link.chunk_id] = llm_link(
                link.chunk_id, pick["section"], reason, llm.link_score
            )
    merge_link_help(case.links, help_, threshold, recheck_below=recheck)
    return Case(
        case.name, f"{case.mode}+llm", case.spec, case.chunks, case.links, case.spans, case.seconds
    )


def _spec_files(root: Path, declared: list[str]) -> list[str]:
    """The spec files reviewtui finds on its own, else the fixture's (what a user passes as `--spec`
    when the spec has a name discovery does not look for, such as `docs/replication.md`)."""
    try:
        return discover_specs(root, [])
    except ReviewError:
        return declared


def _judge(
    outcome: Outcome,
    spec: Spec,
    chunks: list[Chunk],
    links: dict[str, SectionLink],
    spans: dict[str, list[DefinitionSpan]],
) -> None:
    story = backlinks(spec, SectionRefs.build(spec))
    for chunk in chunks:
        span = truth_of(chunk, spans)
        if span is None or span.definition.kind == "imports":
            continue
        predicted = links[chunk.id].section_id
        truth = span.definition.truth
        if truth is None:
            outcome.glue += 1
            outcome.glue_unlinked += predicted is None
            if predicted is not None:
                outcome.misses.append(f"glue {chunk.location} → {predicted}")
            continue
        if truth not in spec:
            raise SystemExit(f"{outcome.fixture}: unknown true section {truth!r}")
        right = predicted is not None and (
            heading_of(spec, predicted) == heading_of(spec, truth)
            or predicted in story.get(truth, [])
        )
        outcome.with_truth += 1
        outcome.heading_right += right
        outcome.unlinked += predicted is None
        outcome.linked += predicted is not None
        outcome.linked_right += right
        section = spec.get(truth)
        if section is not None and section.kind == "task":
            outcome.tasks += 1
            outcome.task_right += predicted == truth
        if predicted != truth:
            evidence = "; ".join(e.detail for e in links[chunk.id].evidence[:2])
            outcome.misses.append(
                f"{'ok ' if right else 'BAD'} {chunk.location} [{chunk.symbol}] truth {truth} → {predicted}"
                f" ({links[chunk.id].confidence:.2f}: {evidence})"
            )


def run_all(
    workdir: Path,
    names: list[str] | None = None,
    modes: tuple[str, ...] = MODES,
    settings: LinkSettings | None = None,
    root: Path = FIXTURES,
) -> list[Outcome]:
    return [
        run_case(name, mode, workdir, settings, root)
        for mode in modes
        for name in (names or fixture_names(root))
    ]


LLM_MODES = ("content", "commits")
"""The modes scored with the recorded picks: chunk ids depend only on a chunk's path and lines, so
the picks recorded on the content mode's chunks hold for the same code committed."""


def run_llm(
    workdir: Path,
    names: list[str] | None,
    settings: LinkSettings,
    root: Path,
    answers: Path,
    llm: LLMSettings,
    modes: tuple[str, ...] = LLM_MODES,
) -> list[Outcome]:
    """Each mode without and with the recorded LLM picks (fixtures without picks skipped)."""
    picks = json.loads(answers.read_text(encoding="utf-8"))
    plain, helped = [], []
    for mode in modes:
        for name in names or fixture_names(root):
            if name not in picks:
                continue
            case = build_case(name, mode, workdir, settings, root)
            plain.append(judge_case(case))
            helped.append(judge_case(with_llm_help(case, picks[name], settings.threshold, llm)))
    return plain + helped


def totals(outcomes: list[Outcome]) -> dict[str, Outcome]:
    summed: dict[str, Outcome] = {}
    for outcome in outcomes:
        summed.setdefault(outcome.mode, Outcome("TOTAL", outcome.mode)).add(outcome)
    return summed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "-v", "--verbose", action="store_true", help="list wrong and unlinked chunks"
    )
    parser.add_argument("--speed", action="store_true", help="run only the speed benchmark")
    parser.add_argument(
        "--no-speed", action="store_true", help="skip the speed benchmark (accuracy only)"
    )
    parser.add_argument(
        "--threshold", type=float, default=None, help="override LinkSettings.threshold"
    )
    parser.add_argument(
        "--set",
        choices=sorted(SETS),
        default="tuning",
        dest="fixture_set",
        help="which fixtures: the tuning set (default) or the held-out set",
    )
    parser.add_argument(
        "--llm",
        type=Path,
        metavar="ANSWERS",
        help="also score the content mode with the LLM's recorded linking picks (llm_help.py)",
    )
    parser.add_argument(
        "--recheck-below",
        type=float,
        default=None,
        help="override LLMSettings.link_recheck_below (with --llm)",
    )
    parser.add_argument("fixtures", nargs="*", help="fixture names (default: all)")
    args = parser.parse_args(argv)
    if not args.speed:
        settings = (
            LinkSettings() if args.threshold is None else LinkSettings(threshold=args.threshold)
        )
        with tempfile.TemporaryDirectory() as folder:
            if args.llm is None:
                outcomes = run_all(
                    Path(folder),
                    args.fixtures or None,
                    settings=settings,
                    root=SETS[args.fixture_set],
                )
            else:
                llm = LLMSettings()
                if args.recheck_below is not None:
                    llm = LLMSettings(link_recheck_below=args.recheck_below)
                outcomes = run_llm(
                    Path(folder),
                    args.fixtures or None,
                    settings,
                    SETS[args.fixture_set],
                    args.llm,
                    llm,
                )
        print(HEADER)
        for outcome in outcomes:
            print(outcome.row())
            if args.verbose:
                for miss in outcome.misses:
                    print("    " + miss)
        print()
        for outcome in totals(outcomes).values():
            print(outcome.row())
    if args.no_speed:
        return 0
    from link_speed import speed_benchmark

    print()
    print(speed_benchmark())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
