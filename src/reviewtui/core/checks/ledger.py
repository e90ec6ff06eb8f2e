"""Provides the spec's numbers ledger: `build_ledger(spec, files) -> Ledger` and `ledger_markdown`.

The ledger lists every value the spec states (learning rate, batch size, epochs, padding side, model
name, ...) with its spec line, every place the changed code sets that parameter to a literal, and
whether they agree. It is plain data: the TUI's ledger screen and the export both read it.

    ledger = build_ledger(spec, phase.files)
    for entry in ledger.entries:            # one per parameter the spec states, in spec order
        entry.parameter                     # "learning_rate"
        entry.spec_values                   # [SpecValue(value=2e-05, text="2 × 10⁻⁵", spec="SPEC.md", line=14)]
        entry.code_settings                 # [CodeSetting(value=0.0001, key="lr", path="train.py", line=9, agrees=False)]
        entry.status                        # "agrees" | "disagrees" | "not set"
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

from reviewtui.core.checks.code_values import CodeSetting, extract_code_settings
from reviewtui.core.checks.context import FileContext, file_contexts
from reviewtui.core.checks.names import tokens
from reviewtui.core.checks.params import BY_NAME
from reviewtui.core.checks.spec_values import SpecValue, extract_spec_values, spec_lines
from reviewtui.core.checks.values import is_model_size, model_role, model_sizes, values_agree
from reviewtui.core.markdown_text import table_cell
from reviewtui.core.models import FileDiff, Spec
from reviewtui.core.phases import SpecPhase, find_phase, parse_phases, section_phases
from reviewtui.errors import ReviewError

LedgerStatus = Literal["agrees", "disagrees", "not set"]

__all__ = ["CodeSetting", "Ledger", "LedgerEntry", "SpecValue", "build_ledger", "ledger_markdown"]


@dataclass
class LedgerEntry:
    """One parameter the spec states: its values there, and where the code sets it."""

    parameter: str
    """Canonical name (`learning_rate`, `batch_size`, `padding_side`, `model_name`, ...)."""
    kind: str
    """`number`, `int`, `seeds`, `choice` or `model` (how values are compared)."""
    spec_values: list[SpecValue] = field(default_factory=list)
    """What the spec states, in spec order (a parameter may be stated more than once)."""
    code_settings: list[CodeSetting] = field(default_factory=list)
    """Where the phase's changed files set it to a literal, each with `agrees` filled in."""
    related: list[CodeSetting] = field(default_factory=list)
    """When the code never sets it: where it sets a parameter that stands in for it (the spec's
    warmup ratio, the code's `warmup_steps`; epochs and `max_steps`; a dev share and the code's
    `test_size`), left unjudged."""

    later: list[SpecValue] = field(default_factory=list)
    """Values only sections of another phase state (Phase 2's ablation "1, 3 and 7 negatives" when
    Phase 1's sections say 3; their `phase` says which): shown, never an allowed value (see
    `build_ledger`)."""
    unset: list[SpecValue] = field(default_factory=list)
    """Values the spec states that no setting of the code is judged against although others are:
    the model the spec fine-tunes (`EleutherAI/pythia-410m`) when the code only names the API model
    that writes its data (`claude-haiku-4-5`). Empty when nothing is set (the whole entry is unset)."""

    @property
    def status(self) -> LedgerStatus:
        """`disagrees` if any setting disagrees, `agrees` if all agree and every value the spec
        states is judged, `not set` if none is set or one of its models is set nowhere (`unset`)."""
        if not self.code_settings:
            return "not set"
        if not all(setting.agrees for setting in self.code_settings):
            return "disagrees"
        return "not set" if self.unset else "agrees"

    @property
    def spec_text(self) -> str:
        """The spec's values as written, joined: `2 × 10⁻⁵`."""
        return _joined_text(self.spec_values)

    @property
    def mismatches(self) -> list[CodeSetting]:
        return [setting for setting in self.code_settings if setting.agrees is False]


@dataclass
class Ledger:
    """All the spec's numbers against the code's, one entry per parameter, in spec order."""

    entries: list[LedgerEntry] = field(default_factory=list)

    def get(self, parameter: str) -> LedgerEntry | None:
        return next((entry for entry in self.entries if entry.parameter == parameter), None)

    @property
    def mismatches(self) -> list[tuple[LedgerEntry, CodeSetting]]:
        """Every (entry, setting) where the code disagrees with the spec."""
        return [(entry, setting) for entry in self.entries for setting in entry.mismatches]

    def spec_counts(self) -> set[float]:
        """Sample counts the spec states (`num_samples`), for the eval-subset rule."""
        entry = self.get("num_samples")
        counts: set[float] = set()
        for value in entry.spec_values if entry else []:
            if isinstance(value.value, float):
                counts.add(value.value)
            elif isinstance(value.value, tuple):  # "500 or 1,000 examples"
                counts.update(value.value)
        return counts


def build_ledger(
    spec: Spec,
    files: Sequence[FileDiff],
    contexts: Sequence[FileContext] | None = None,
    phase: str | None = None,
) -> Ledger:
    """The ledger of a phase: the spec's values, and where the changed files set them.

    `contexts` lets `run_checks` share its already-parsed files; by default they are built here.
    `phase` names the spec phase under review (`2`, `Phase 2`): a parameter several phases state is
    judged by that phase's values (default: the earliest phase stating it, see
    `_set_other_phases_apart`).
    """
    if contexts is None:
        contexts = file_contexts(files)
    entries: dict[str, LedgerEntry] = {}
    for value in extract_spec_values(spec):
        entry = entries.setdefault(
            value.parameter, LedgerEntry(value.parameter, BY_NAME[value.parameter].kind)
        )
        if not any(_same(value, known) for known in entry.spec_values):
            entry.spec_values.append(value)
    _set_other_phases_apart(spec, entries, phase)
    model_words = _model_line_words(spec, entries.get("model_name"))
    stand_ins: dict[str, list[CodeSetting]] = {}
    for context in contexts if entries else []:
        for setting in _read_as_meant(extract_code_settings(context)):
            found = _entry_for(entries, setting)
            if found is not None and not _known(found, setting):
                if not _other_purpose(setting, model_words):
                    _compare(found, setting)
            elif found is None and setting.parameter in _STANDING_IN:
                stand_ins.setdefault(setting.parameter, []).append(setting)
    for entry in entries.values():
        entry.code_settings.sort(key=lambda setting: (setting.path, setting.line))
        entry.unset = _unset_roles(entry)
        if not entry.code_settings:
            entry.related = [
                s for name in STAND_INS.get(entry.parameter, ()) for s in stand_ins.get(name, [])
            ]
    return Ledger(list(entries.values()))


STAND_INS: dict[str, tuple[str, ...]] = {
    "warmup_ratio": ("warmup_steps",),
    "warmup_steps": ("warmup_ratio",),
    "epochs": ("max_steps",),
    "max_steps": ("epochs",),
    "val_size": ("test_size",),
}
"""Parameter -> the parameters code may set in its place (a ratio as steps, epochs as steps)."""
_STANDING_IN = frozenset(name for names in STAND_INS.values() for name in names)


def _read_as_meant(settings: list[CodeSetting]) -> list[CodeSetting]:
    """A file's settings, less the reading of a constant by its own name where a call reads it as
    another parameter: `TOP_K = 30` given as `get_top_n(..., n=TOP_K)` is a retrieval depth, not the
    sampling top-k its name says."""
    meant = {(s.line, s.key): s.parameter for s in settings if s.kind == "constant"}
    return [
        s
        for s in settings
        if s.kind == "constant" or meant.get((s.line, s.key), s.parameter) == s.parameter
    ]


def _set_other_phases_apart(
    spec: Spec, entries: dict[str, LedgerEntry], selected: str | None
) -> None:
    """A parameter stated in the sections of several of the spec's phases is judged by one of them
    (and by the sections of no phase): the phase under review when `selected` names one that states
    it, else the earliest. The other phases' other values (an ablation grid, a changed setting) move
    to `later` (one repeating the judged phase's value stays). The checks run before the phase under
    review is inferred: without `selected` the earliest phase is judged, and a mismatch with another
    phase's value names that phase (`other_phase_value`; the engine makes it a low note)."""
    phases = parse_phases(spec)
    if len(phases) < 2:
        return
    order = {phase.number: index for index, phase in enumerate(phases)}
    covering = {**_marked_phases(spec), **section_phases(spec, phases)}
    chosen = _chosen(phases, selected)
    for entry in entries.values():
        numbers = [covering.get(_section_at(spec, value)) for value in entry.spec_values]
        for value, number in zip(entry.spec_values, numbers, strict=True):
            value.phase = number if number in order else None
        ranks = {order[number] for number in numbers if number in order}
        if len(ranks) < 2:
            continue
        judged = _judged_rank(ranks, order.get(chosen) if chosen else None)
        kept = [v.value for v in entry.spec_values if v.phase is None or order[v.phase] == judged]
        entry.later = [
            v
            for v in entry.spec_values
            if v.phase is not None and order[v.phase] != judged and v.value not in kept
        ]
        entry.spec_values = [value for value in entry.spec_values if value not in entry.later]


def _judged_rank(ranks: set[int], chosen: int | None) -> int:
    """The rank of the phase whose values are judged: the latest phase up to the one under review
    that states the parameter (Phase 3 keeps Phase 2's changed value), else the earliest."""
    if chosen is None:
        return min(ranks)
    up_to = [rank for rank in ranks if rank <= chosen]
    return max(up_to) if up_to else min(ranks)


def _chosen(phases: list[SpecPhase], selected: str | None) -> str | None:
    """The number of the phase `selected` names, or None (none named, or none such)."""
    if selected is None:
        return None
    try:
        return find_phase(phases, selected).number
    except ReviewError:
        return None


_PHASE_MARK = re.compile(r"^\s*[(\[*_]+\s*(?:only\s+in\s+|in\s+)?phase\s+(\d+[a-z]?)\b", re.I)


def _marked_phases(spec: Spec) -> dict[str, str]:
    """Section id -> the phase its first paragraph opens with (`(Phase 2.) Report BM25 alone`), for
    the sections no phase lists."""
    marked: dict[str, str] = {}
    for section in spec.sections:
        body = section.text.split("\n", 1)[1] if "\n" in section.text else ""
        match = _PHASE_MARK.match(body.strip())
        if match:
            marked[section.id] = match.group(1)
    return marked


def _section_at(spec: Spec, value: SpecValue) -> str:
    """The id of the innermost section whose own span holds the value's line ("" if none)."""
    found = ""
    for section in spec.sections:
        if section.spec == value.spec and section.line <= value.line <= section.end_line:
            found = section.id
    return found


def _entry_for(entries: dict[str, LedgerEntry], setting: CodeSetting) -> LedgerEntry | None:
    """The entry a setting is judged in: its parameter's; a dev share the code cuts with
    `train_test_split(test_size=...)` is the spec's test share when the spec states no dev share."""
    found = entries.get(setting.parameter)
    if setting.parameter == "model_size":  # `model_size: 160m`: judged with the spec's models
        return entries.get("model_name")
    if found is None and setting.parameter == "val_size" and setting.key == "test_size":
        found = entries.get("test_size")
        if found is not None:
            setting.parameter = "test_size"
    return found


PURPOSES = frozenset(
    {"embed", "embedding", "embeddings", "embedder", "dedupe", "dedup", "judge", "teacher"}
    | {"nli", "reward", "similarity", "sbert", "critic", "grader"}
)
"""Words of a model setting's name that give the model a purpose of its own (`EMBED_MODEL` for
deduplication, `JUDGE_MODEL`): a second model, judged only where the spec names that purpose."""


def _model_line_words(spec: Spec, entry: LedgerEntry | None) -> frozenset[str]:
    """The words of the spec lines that state a model."""
    if entry is None:
        return frozenset()
    places = {(value.spec, value.line) for value in entry.spec_values}
    words: set[str] = set()
    for path, number, text in spec_lines(spec):
        if (path, number) in places:
            words |= tokens(text)
    return frozenset(words)


def _other_purpose(setting: CodeSetting, model_words: frozenset[str]) -> bool:
    """A model the code names for a purpose the spec's model lines never mention
    (`EMBED_MODEL = "all-MiniLM-L6-v2"` beside a fine-tuned `bert-base-uncased`)."""
    if setting.parameter != "model_name":
        return False
    stems = {word[:4] for word in tokens(setting.key) & PURPOSES}  # `embed`, `embedding`
    return bool(stems) and not stems & {word[:4] for word in model_words}


def _known(entry: LedgerEntry, setting: CodeSetting) -> bool:
    """Whether the entry already holds this place (a constant two calls read)."""
    return any(
        (known.path, known.line, known.key) == (setting.path, setting.line, setting.key)
        for known in entry.code_settings
    )


def _compare(entry: LedgerEntry, setting: CodeSetting) -> None:
    """Add `setting` to `entry`, judged against the spec's values it can be compared with; a model
    the spec names none of its role for stays out of the ledger (see `comparable`)."""
    stated = comparable(entry, setting)
    if not stated:
        return
    if setting.parameter == "model_size":
        setting.agrees = any(
            str(setting.value).lower() in model_sizes(str(v.value)) for v in stated
        )
    else:
        setting.agrees = any(values_agree(v.value, setting.value, entry.kind) for v in stated)
    entry.code_settings.append(setting)


def comparable(entry: LedgerEntry, setting: CodeSetting) -> list[SpecValue]:
    """The spec's values `setting` is judged against: all of them, but for a model only those of
    its role: the LLM that writes the data (`claude-haiku-4-5`) is not the encoder the spec names."""
    if entry.parameter != "model_name" or not isinstance(setting.value, str):
        return entry.spec_values
    if setting.parameter == "model_size":  # a size picks a model of the weights the spec names
        if not is_model_size(setting.value):
            return []
        return [
            v
            for v in entry.spec_values
            if model_role(str(v.value)) == "weights" and model_sizes(str(v.value))
        ]
    role = model_role(setting.value)
    return [
        v for v in entry.spec_values if isinstance(v.value, str) and model_role(v.value) == role
    ]


def _unset_roles(entry: LedgerEntry) -> list[SpecValue]:
    """The spec's models of a role (`api` or `weights`) no setting has, when another role's are set."""
    if entry.parameter != "model_name" or not entry.code_settings:
        return []
    roles = {model_role(s.value) for s in entry.code_settings if isinstance(s.value, str)}
    return [
        v
        for v in entry.spec_values
        if isinstance(v.value, str) and model_role(v.value) not in roles
    ]


def _joined_text(values: Sequence[SpecValue]) -> str:
    return " or ".join(dict.fromkeys(value.text for value in values))


def _same(a: SpecValue, b: SpecValue) -> bool:
    return a.spec == b.spec and a.line == b.line and a.value == b.value


def mismatch_message(entry: LedgerEntry, setting: CodeSetting) -> str:
    """`spec says learning rate = 2 × 10⁻⁵ (SPEC.md:14); code sets lr = 1e-4`; a value the spec
    states twice is written once, with both places (`3 (SPEC.md:31, SPEC.md:66)`)."""
    values = comparable(entry, setting) or entry.spec_values
    places: dict[str, list[str]] = {}
    for value in values:
        places.setdefault(value.text, []).append(value.location)
    stated = "; ".join(
        f"{text} ({', '.join(where[:3])})" for text, where in list(places.items())[:3]
    )
    label = values[0].label if values else entry.parameter
    return (
        f"spec says {label} = {stated}; code sets {setting.code}{_of_later_phase(entry, setting)}"
    )


def _of_later_phase(entry: LedgerEntry, setting: CodeSetting) -> str:
    """` (Phase 2's value: 1, 3 and 7, SPEC.md:87)` when the code's value is one of those."""
    value = other_phase_value(entry, setting)
    if value is None:
        return ""
    return f" (Phase {value.phase}'s value: {value.text}, {value.location})"


def other_phase_value(entry: LedgerEntry, setting: CodeSetting) -> SpecValue | None:
    """The value another phase of the spec states that the code's value is (Phase 2's ablation
    grid "1, 3 and 7" for `num_negatives = 7`), or None."""
    for value in entry.later:
        if values_agree(value.value, setting.value, entry.kind):
            return value
    return None


def ledger_markdown(ledger: Ledger) -> str:
    """The ledger as a markdown table for the export (empty string when the spec states nothing)."""
    if not ledger.entries:
        return ""
    rows = [
        "| parameter | spec | spec line | code | where | agrees |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for entry in ledger.entries:
        if not entry.code_settings:
            rows.append(
                _row(entry.parameter, entry.spec_text, _lines(entry.spec_values), "", "", "not set")
            )
        for setting in entry.code_settings:
            stated = comparable(entry, setting) or entry.spec_values
            verdict = "yes" if setting.agrees else "**no**"
            rows.append(
                _row(
                    entry.parameter,
                    _joined_text(stated),
                    _lines(stated),
                    setting.code,
                    setting.location,
                    verdict,
                )
            )
        if entry.unset:
            rows.append(
                _row(
                    entry.parameter,
                    _joined_text(entry.unset),
                    _lines(entry.unset),
                    "",
                    "",
                    "not set",
                )
            )
    unset = [entry for entry in ledger.entries if not entry.code_settings or entry.unset]
    if unset:
        rows += ["", "Stated in the spec, set nowhere in this phase: " + _listed(unset) + "."]
    later = [entry for entry in ledger.entries if entry.later]
    if later:
        rows += ["", "Stated for a later phase, not allowed in this one: " + _later(later) + "."]
    return "\n".join(rows) + "\n"


def _later(entries: list[LedgerEntry]) -> str:
    """`num_negatives (1, 3 and 7, SPEC.md:87)`: markdown-safe."""
    return ", ".join(
        table_cell(f"{e.parameter} ({_joined_text(e.later)}, {e.later[0].location})")
        for e in entries
    )


def _lines(values: Sequence[SpecValue]) -> str:
    return ", ".join(dict.fromkeys(value.location for value in values))


def _listed(entries: list[LedgerEntry]) -> str:
    """`val_size (5%, SPEC.md:11), warmup_ratio (10%, SPEC.md:53; the code sets warmup_steps = 500
    at src/train.py:12 instead)`: markdown-safe (a model of a role set nowhere: that model)."""
    listed = []
    for entry in entries:
        values = entry.unset or entry.spec_values
        if values:
            text = f"{_joined_text(values)}, {values[0].location}{_instead(entry)}"
            listed.append(table_cell(f"{entry.parameter} ({text})"))
    return ", ".join(listed)


def _instead(entry: LedgerEntry) -> str:
    if not entry.related:
        return ""
    places = " and ".join(f"{s.code} at {s.location}" for s in entry.related[:3])
    return f"; the code sets {places} instead"


def _row(*cells: str) -> str:
    return "| " + " | ".join(table_cell(cell) for cell in cells) + " |"
