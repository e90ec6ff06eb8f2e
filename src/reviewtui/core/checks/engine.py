"""Provides the rule engine: `Rule`, `RULES`, `run_checks(chunks, files, spec, settings)` and `risk_order`.

Each changed file is parsed once into a `FileContext`; every enabled rule reads it and reports
`Finding`s by line; a finding becomes a `Flag` on the one chunk holding its line (or, when no chunk
adds that line, the first chunk whose added lines its span touches). A summarized chunk (a huge file)
holds the added lines of its range, so huge files are checked too. A line waives a rule with
`# reviewtui: ignore[rule-id]` (several ids comma-separated, `*` for all). Settings switch rules off
(`disabled`) and re-rank them (`severity`). A rule that raises on a file loses its findings there
only; the other rules still run. Its failures become one warning per rule (`PhaseChecks.warnings`),
naming the first file and error and how many files failed, however many files it failed on.

A rule without a `check` (`spec-edited`) is known to the settings (disabled, re-ranked) but runs no
per-file pass: its findings come from where they are known (the session flags the spec's diff).
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from fnmatch import fnmatch

from reviewtui.config import CheckSettings
from reviewtui.core.checks import rules_code, rules_data, rules_eval, rules_torch
from reviewtui.core.checks.context import FileContext, Finding, file_contexts
from reviewtui.core.checks.facts import PhaseFacts, gather_facts
from reviewtui.core.checks.ledger import (
    Ledger,
    build_ledger,
    mismatch_message,
    other_phase_value,
)
from reviewtui.core.gcpause import collector_paused
from reviewtui.core.models import (
    SEVERITY_RANK,
    Chunk,
    DiffLine,
    FileDiff,
    Flag,
    Severity,
    Spec,
)
from reviewtui.core.pysource import SyntaxTrees
from reviewtui.errors import ReviewError

CheckFunction = Callable[[FileContext, PhaseFacts], Iterable[Finding]]


@dataclass(frozen=True)
class Rule:
    """A check: an id for config and waivers, a default severity, a one-line explanation, and the
    function finding it in one file (None for a rule flagged elsewhere: no per-file pass)."""

    id: str
    severity: Severity
    explanation: str
    check: CheckFunction | None = None


def _spec_mismatches(context: FileContext, facts: PhaseFacts) -> Iterable[Finding]:
    return facts.mismatches.get(context.path, [])


RULES: tuple[Rule, ...] = (
    Rule(
        "synthetic-fallback",
        "high",
        "An except (or missing-file) branch carries on with generated or hard-coded data instead of failing.",
        rules_data.check_synthetic_fallback,
    ),
    Rule(
        "synthetic-data",
        "high",
        "Random, dummy or hard-coded data is used where real data belongs, outside tests and dev/debug switches.",
        rules_data.check_synthetic_data,
    ),
    Rule(
        "templated-text",
        "high",
        "A query/response/summary the spec wants generated is filled from a fixed template instead.",
        rules_data.check_templated_text,
    ),
    Rule(
        "eval-subset",
        "high",
        "Evaluation runs on a subset ([:N], .head(N), .sample(n=...), max_samples, an early break).",
        rules_eval.check_eval_subset,
    ),
    Rule(
        "spec-mismatch",
        "high",
        "The code sets a parameter to a value different from the one the spec states.",
        _spec_mismatches,
    ),
    Rule(
        "spec-edited",
        "high",
        "The agent changed the spec in the phase (beyond ticking task boxes); the checks read the spec as it was at the phase's base.",
        None,  # flagged by the session on the spec's diff (`phasefiles.spec_edit_flags`)
    ),
    Rule(
        "hardcoded-metric",
        "high",
        "A metric (accuracy, F1, BLEU, ...) is a typed-in number instead of computed.",
        rules_code.check_hardcoded_metrics,
    ),
    Rule(
        "preprocessing-leakage",
        "high",
        "Preprocessing is fitted on test data, on train+test, or before the train/test split.",
        rules_eval.check_leakage,
    ),
    Rule(
        "swallowed-error",
        "medium",
        "A bare or broad except passes or continues, hiding the failure.",
        rules_code.check_swallowed_errors,
    ),
    Rule(
        "error-default",
        "medium",
        "A bare or broad except turns any error into a default value (None, 0, []).",
        rules_code.check_error_defaults,
    ),
    Rule(
        "stub-code",
        "medium",
        "A placeholder: a pass/... body or raise NotImplementedError outside abstract methods.",
        rules_code.check_stubs,
    ),
    Rule(
        "unseeded-random",
        "medium",
        "The spec asks for seeds but this randomness is never seeded.",
        rules_torch.check_unseeded_random,
    ),
    Rule(
        "eval-mode-missing",
        "medium",
        "A torch evaluation function runs the model without model.eval().",
        rules_torch.check_eval_mode,
    ),
    Rule(
        "no-grad-missing",
        "low",
        "A torch evaluation function runs the model with gradients on (no torch.no_grad()).",
        rules_torch.check_no_grad,
    ),
    Rule(
        "todo-comment",
        "low",
        "A TODO/FIXME/XXX/HACK comment marks unfinished work.",
        rules_code.check_todos,
    ),
)
"""Every rule, most severe first. `reviewtui.core.checks.RULES` is this tuple."""

RULE_IDS = frozenset(rule.id for rule in RULES)


def active_rules(settings: CheckSettings) -> list[tuple[Rule, Severity]]:
    """The enabled rules with their effective severity; unknown ids or severities are a user error."""
    unknown = sorted((set(settings.disabled) | set(settings.severity)) - RULE_IDS)
    if unknown:
        raise ReviewError(
            f"unknown check rule {unknown[0]!r} in [tool.reviewtui.checks] (known: {', '.join(sorted(RULE_IDS))})"
        )
    chosen: list[tuple[Rule, Severity]] = []
    for rule in RULES:
        if rule.id in settings.disabled:
            continue
        severity = settings.severity.get(rule.id, rule.severity)
        if severity not in SEVERITY_RANK:
            raise ReviewError(
                f"severity of {rule.id!r} must be high, medium or low, not {severity!r}"
            )
        chosen.append((rule, severity))  # type: ignore[arg-type]
    return chosen


class PhaseChecks(tuple[dict[str, list[Flag]], Ledger]):
    """What `check_phase` returns: the pair `(flags, ledger)` (so `flags, ledger = check_phase(...)`
    still works), with `warnings`: one line per rule that failed on one file or more (its other
    files and the other rules were still checked)."""

    warnings: list[str]

    def __new__(
        cls, flags: dict[str, list[Flag]], ledger: Ledger, warnings: Sequence[str] = ()
    ) -> PhaseChecks:
        checks = super().__new__(cls, (flags, ledger))
        checks.warnings = list(warnings)
        return checks

    def __getnewargs__(self) -> tuple[dict[str, list[Flag]], Ledger, list[str]]:
        return self[0], self[1], self.warnings

    @property
    def flags(self) -> dict[str, list[Flag]]:
        return self[0]

    @property
    def ledger(self) -> Ledger:
        return self[1]


def run_checks(
    chunks: list[Chunk], files: list[FileDiff], spec: Spec, settings: CheckSettings
) -> dict[str, list[Flag]]:
    """Every chunk id -> its flags, high severity first (an empty list for a clean chunk)."""
    flags, _ledger = check_phase(chunks, files, spec, settings)
    return flags


def check_phase(
    chunks: list[Chunk],
    files: list[FileDiff],
    spec: Spec,
    settings: CheckSettings,
    *,
    trees: SyntaxTrees | None = None,
    phase: str | None = None,
) -> PhaseChecks:
    """`run_checks` and the ledger together, sharing one parse of every file (and with the chunk
    cutter, through `trees`), with the warnings of rules that failed (`PhaseChecks`).

    `phase` names the spec phase under review (`--phase`, config): the ledger judges by its values.
    None (not known before linking): the earliest phase's, and code setting another phase's value
    gets a low note instead of a high mismatch (see `PhaseNote`).

    The cyclic garbage collector is paused meanwhile (its previous state restored after): the syntax
    trees are hundreds of thousands of new objects that each collection would walk again; whatever
    cyclic garbage the checks leave is collected once it resumes."""
    rules = active_rules(settings)
    with collector_paused():
        return _check_phase(chunks, files, spec, settings, rules, trees, phase)


def _check_phase(
    chunks: list[Chunk],
    files: list[FileDiff],
    spec: Spec,
    settings: CheckSettings,
    rules: list[tuple[Rule, Severity]],
    trees: SyntaxTrees | None,
    phase: str | None = None,
) -> PhaseChecks:
    contexts = [c for c in file_contexts(files, trees) if not excluded(c.path, settings.exclude)]
    ledger = build_ledger(spec, files, contexts, phase=phase)
    facts = gather_facts(spec, contexts, ledger.spec_counts())
    facts.mismatches = _mismatch_findings(ledger, phase_known=phase is not None)
    added = _added_lines(chunks, files)
    by_path: dict[str, list[tuple[Finding, Severity]]] = {}
    failures = RuleFailures()
    for context in contexts:
        if context.path in added:  # a file with no added line cannot carry a flag
            found = _file_findings(context, facts, rules, failures)
            by_path[context.path] = _one_flag_per_cut(found)
    flags = _flags_by_chunk(chunks, added, by_path)
    by_id = {chunk.id: flags[position] for position, chunk in enumerate(chunks)}
    return PhaseChecks(by_id, ledger, failures.warnings())


AddedLines = dict[str, tuple[list[int], list[int]]]
"""Path -> (its chunks' added new-side lines, sorted; the position in `chunks` of each line's chunk)."""


def _added_lines(chunks: Sequence[Chunk], files: Sequence[FileDiff] = ()) -> AddedLines:
    by_path = {file.path: file for file in files}
    pairs: dict[str, list[tuple[int, int]]] = {}
    for position, chunk in enumerate(chunks):
        lines = chunk.lines
        if not lines and chunk.summary is not None and chunk.path in by_path:
            lines = _summarized_lines(chunk, by_path[chunk.path])
        for line in lines:
            if line.kind == "+" and line.new_no is not None:
                pairs.setdefault(chunk.path, []).append((line.new_no, position))
    found: AddedLines = {}
    for path, items in pairs.items():
        items.sort()
        found[path] = ([number for number, _ in items], [position for _, position in items])
    return found


def _summarized_lines(chunk: Chunk, file: FileDiff) -> list[DiffLine]:
    """The diff lines a summarized chunk (a huge file: no lines of its own) stands for."""
    end = chunk.new_start + chunk.new_lines
    return [
        line
        for hunk in file.hunks
        for line in hunk.lines
        if line.new_no is not None and chunk.new_start <= line.new_no < end
    ]


def _flags_by_chunk(
    chunks: Sequence[Chunk],
    added: AddedLines,
    by_path: Mapping[str, list[tuple[Finding, Severity]]],
) -> list[list[Flag]]:
    """The flags of every chunk (by position): each finding goes to the one chunk holding its line
    among the chunks whose added lines its span touches (found by bisection, no chunk-by-finding
    product), so a function cut in several chunks is flagged once."""
    found: list[dict[tuple[str, int | None, str], Flag]] = [{} for _ in chunks]
    for path, findings in by_path.items():
        numbers, owners = added.get(path, ([], []))
        for finding, severity in findings:
            start, end = finding.span
            first_touched: dict[int, int] = {}
            for index in range(bisect_left(numbers, start), bisect_right(numbers, end)):
                first_touched.setdefault(owners[index], numbers[index])
            if not first_touched:
                continue
            position = _holder(chunks, first_touched, finding.line)
            flag = _flag(chunks[position], finding, severity, first_touched[position])
            found[position].setdefault((flag.rule, flag.line, flag.message), flag)
    return [
        sorted(
            flags.values(),
            key=lambda flag: (SEVERITY_RANK[flag.severity], flag.line or 0, flag.rule),
        )
        for flags in found
    ]


def _holder(chunks: Sequence[Chunk], touched: Mapping[int, int], line: int) -> int:
    """Of the chunks a finding touches (position -> first touched line), the one holding its
    line: the chunk adding it, else the one whose range covers it, else the first touched."""
    return min(
        touched,
        key=lambda position: (
            not _adds(chunks[position], line),
            not _covers(chunks[position], line),
            touched[position],
        ),
    )


def _flag(chunk: Chunk, finding: Finding, severity: Severity, first_touched: int) -> Flag:
    """The flag of `finding` on `chunk`, at its own line when the chunk shows it, else at the first
    added line of the chunk it touches."""
    line = (
        finding.line
        if _covers(chunk, finding.line) or _adds(chunk, finding.line)
        else first_touched
    )
    return Flag(finding.rule, severity, line, one_line(finding.message))


def _adds(chunk: Chunk, number: int) -> bool:
    return any(line.kind == "+" and line.new_no == number for line in chunk.lines)


def excluded(path: str, patterns: Sequence[str]) -> bool:
    """Whether `path` matches one of the `exclude` globs (fnmatch: `*` also crosses folders)."""
    return any(fnmatch(path, pattern) for pattern in patterns)


@dataclass
class PhaseNote(Finding):
    """A `spec-mismatch` whose code value another phase of the spec states, while the phase under
    review is unknown: the code may be that phase's, so it is a low note, never high."""


@dataclass
class CutMismatch(Finding):
    """A `spec-mismatch` on a cut of the data (`dev_queries[:8]` against the spec's 6,980 queries):
    the same cause as an `eval-subset` finding on its line, beside which it is a low note."""


def _mismatch_findings(ledger: Ledger, *, phase_known: bool) -> dict[str, list[Finding]]:
    found: dict[str, list[Finding]] = {}
    for entry, setting in ledger.mismatches:
        note = not phase_known and other_phase_value(entry, setting) is not None
        kind = PhaseNote if note else CutMismatch if setting.kind == "slice" else Finding
        finding = kind("spec-mismatch", setting.line, mismatch_message(entry, setting))
        found.setdefault(setting.path, []).append(finding)
    return found


def _file_findings(
    context: FileContext,
    facts: PhaseFacts,
    rules: list[tuple[Rule, Severity]],
    failures: RuleFailures,
) -> list[tuple[Finding, Severity]]:
    """Every unwaived finding of the rules (each with a `check`) on one file. A rule that raises
    loses its findings on this file only: the error is counted in `failures`."""
    found: list[tuple[Finding, Severity]] = []
    for rule, severity in rules:
        if rule.check is None:
            continue
        try:
            findings = list(rule.check(context, facts))
        except Exception as error:  # a rule's bug must not end the review: reported, not hidden
            failures.add(rule.id, context.path, error)
            continue
        found += [(f, _capped(f, severity)) for f in findings if not _waived(context.waivers, f)]
    return found


def _one_flag_per_cut(
    found: list[tuple[Finding, Severity]],
) -> list[tuple[Finding, Severity]]:
    """The findings, each `CutMismatch` on a line an `eval-subset` finding is on made a low note (one
    high flag per line per cause; the note still says the spec's count)."""
    subset_lines = {finding.line for finding, _ in found if finding.rule == "eval-subset"}
    return [
        (finding, "low" if _same_cut(finding, subset_lines) else severity)
        for finding, severity in found
    ]


def _same_cut(finding: Finding, subset_lines: set[int]) -> bool:
    return isinstance(finding, CutMismatch) and finding.line in subset_lines


def _capped(finding: Finding, severity: Severity) -> Severity:
    """The severity a finding is shown with: a `PhaseNote` is at most low."""
    return "low" if isinstance(finding, PhaseNote) else severity


class RuleFailures:
    """The files each rule raised on, gathered into one warning per rule (a rule with a systematic
    bug fails on every file: a thousand files give one line, not a thousand)."""

    def __init__(self) -> None:
        self._first: dict[str, tuple[str, str]] = {}
        """Rule id -> the first file it failed on and that error (one line), in order of failure."""
        self._files: dict[str, int] = {}
        """Rule id -> how many files it failed on."""

    def add(self, rule_id: str, path: str, error: Exception) -> None:
        """Count that `rule_id` raised `error` on `path`."""
        self._first.setdefault(rule_id, (path, error_line(error)))
        self._files[rule_id] = self._files.get(rule_id, 0) + 1

    def warnings(self) -> list[str]:
        """One line per rule that failed, in the order of the first failures."""
        return [
            rule_failure_summary(rule_id, self._files[rule_id], path, detail)
            for rule_id, (path, detail) in self._first.items()
        ]


def error_line(error: BaseException) -> str:
    """An error as one line: its type and message."""
    return one_line(f"{type(error).__name__}: {error}")


def rule_failure_summary(rule_id: str, files: int, path: str, detail: str) -> str:
    """The warning for a rule that raised on `files` files, the first `path` with error `detail`."""
    if files == 1:
        where = f"on {path} and was skipped there: {detail}"
    else:
        where = f"on {files:,} files and was skipped there (first {path}: {detail})"
    return f"check {rule_id} failed {where} (please report this)"


def _waived(waivers: Mapping[int, set[str]], finding: Finding) -> bool:
    start, _end = finding.span
    for line in {finding.line, start}:
        ids = waivers.get(line, set())
        if finding.rule in ids or "*" in ids:
            return True
    return False


MESSAGE_LIMIT = 200
"""Longest flag message, in characters (quoted code is cut with `…`)."""


def one_line(message: str) -> str:
    """A flag message on one line, at most `MESSAGE_LIMIT` characters."""
    flat = " ".join(message.split())
    return flat if len(flat) <= MESSAGE_LIMIT else flat[: MESSAGE_LIMIT - 1] + "…"


def _covers(chunk: Chunk, line: int) -> bool:
    return chunk.new_start <= line < chunk.new_start + chunk.new_lines


def risk_key(flags: Sequence[Flag]) -> tuple[int, int]:
    """Sort key putting the riskiest chunk first: best severity present, then more flags first."""
    if not flags:
        return (len(SEVERITY_RANK), 0)
    return (min(SEVERITY_RANK[flag.severity] for flag in flags), -len(flags))


def risk_order(chunks: Sequence[Chunk], flags: Mapping[str, Sequence[Flag]]) -> list[Chunk]:
    """Chunks reordered risk-first (high-severity flags first); ties keep their original order."""
    return sorted(chunks, key=lambda chunk: risk_key(flags.get(chunk.id, ())))


def rules_markdown() -> str:
    """The rule table for the README and the help screen."""
    rows = ["| rule | severity | what it flags |", "| --- | --- | --- |"]
    rows += [f"| `{rule.id}` | {rule.severity} | {rule.explanation} |" for rule in RULES]
    return "\n".join(rows) + "\n"
