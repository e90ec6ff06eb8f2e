"""Provides `extract_spec_values(spec)`: the hyper-parameter values a spec states, with file and line.

Values are read from prose ("a learning rate of 2 × 10⁻⁵", "train for 3 epochs"), list items
(`- batch size: 32`), tables (`| lr | 2e-5 |`) and split notations ("an 80/10/10 split").
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from reviewtui.core.checks.params import BY_NAME, PARAMETERS, Parameter, plausible
from reviewtui.core.checks.values import NUMBER, Value, normalize_text, number_from_match
from reviewtui.core.models import Spec

_FILLER = re.compile(
    r"(?:\s+|[:=(\[{,~≈]|\b(?:of|is|are|to|set|be|should|will|was|equal|equals|at|a|an|the|must|fixed|"
    r"constant|peak|initial|per|device|gpu|value|default|use|using|with|around|approximately|about|"
    r"we|on|=)\b)*",
    re.IGNORECASE,
)
_NOT_BEFORE_COUNT = frozenset(
    {"every", "each", "per", "after", "first", "last", "than", "within", "of", "top", "over"}
)
_MODEL = re.compile(
    r"(?:[\w.-]+/[\w.-]+|(?:bert|roberta|distilbert|deberta|electra|albert|xlnet|xlm|bart|t5|flan-t5|gpt2|"
    r"gpt-\w+|gpt-?j|gpt-neo\w*|llama|mistral|mixtral|qwen|gemma|phi|pythia|opt|falcon|mpt|bloom|vit|resnet|"
    r"clip|whisper|claude|sentence-t5|all-minilm|minilm|e5|bge)[\w.-]*)",
    re.IGNORECASE,
)
_SPLIT = re.compile(
    r"(?<![\w.])(\d{1,2}(?:\.\d+)?)\s*/\s*(\d{1,2}(?:\.\d+)?)(?:\s*/\s*(\d{1,2}(?:\.\d+)?))?\s*%?(?![\w/])"
)
_NUMBER_TEXT = NUMBER.pattern


@dataclass
class SpecValue:
    """A value the spec states for one parameter."""

    parameter: str
    """Canonical parameter name (`learning_rate`), see `params.PARAMETERS`."""
    value: Value
    text: str
    """The value as the spec writes it (`2 × 10⁻⁵`)."""
    label: str
    """The parameter's name as the spec writes it (`learning rate`)."""
    spec: str
    """The spec file, relative to the repo root."""
    line: int

    @property
    def location(self) -> str:
        return f"{self.spec}:{self.line}"


def spec_lines(spec: Spec) -> Iterator[tuple[str, int, str]]:
    """(spec file, line number, text) of every line of every section, each line once."""
    seen: set[tuple[str, int]] = set()
    for section in spec.sections:
        for offset, text in enumerate(section.text.splitlines()):
            key = (section.spec, section.line + offset)
            if key not in seen:
                seen.add(key)
                yield section.spec, section.line + offset, text


def extract_spec_values(spec: Spec) -> list[SpecValue]:
    """Every parameter value the spec states, in document order."""
    found: list[SpecValue] = []
    in_code_block = False
    for path, number, raw in spec_lines(spec):
        if raw.lstrip().startswith(("```", "~~~")):
            in_code_block = not in_code_block
            continue
        if in_code_block:
            continue
        line = normalize_text(raw).replace("`", "").replace("**", "")
        for value in _line_values(line, path, number):
            value.text = _as_written(raw, value.text)
            found.append(value)
        found.extend(_quoted_models(raw, path, number))
    return [value for value in found if plausible(value.parameter, value.value)]


def _as_written(raw: str, text: str) -> str:
    """The piece of the raw spec line that reads as `text` once normalized (`2 × 10⁻⁵`)."""
    if text in raw or not text:
        return text
    for start in (index for index, char in enumerate(raw) if char == text[0]):
        for end in range(start + 1, min(len(raw), start + 3 * len(text)) + 1):
            if normalize_text(raw[start:end]).replace("`", "").replace("**", "") == text:
                return raw[start:end]
    return text


def _line_values(line: str, path: str, number: int) -> Iterator[SpecValue]:
    if line.lstrip().startswith("|"):
        yield from _table_values(line, path, number)
        return
    taken: list[tuple[int, int]] = []
    for start, end, parameter in _name_matches(line):
        if any(start < stop and end > begin for begin, stop in taken):
            continue
        value = _value_after(line, end, parameter)
        if value is not None:
            taken.append((start, end))
            yield _make(parameter, value, line[start:end], path, number)
    yield from _count_values(line, path, number)
    yield from _split_values(line, path, number)


_QUOTED = re.compile(r"`([^`\s]+)`")
_MODEL_FAMILY = re.compile(_MODEL.pattern.split("|", 1)[1][:-1], re.IGNORECASE)
_MODEL_CONTEXT = re.compile(
    r"\b(model|fine-?tune|checkpoint|backbone|encoder|llm|pretrained|base)\b", re.I
)


def _quoted_models(raw: str, path: str, number: int) -> Iterator[SpecValue]:
    """A quoted hub id (`meta-llama/Llama-3.2-1B`) is a model name, even with no "model:" before it."""
    for match in _QUOTED.finditer(raw):
        name = match.group(1)
        if "/" not in name or re.search(r"\.\w{1,5}$|^[./~]", name):
            continue
        family = _MODEL_FAMILY.match(name.split("/", 1)[1])
        if family or _MODEL_CONTEXT.search(raw[max(0, match.start() - 40) : match.start()]):
            yield _make(BY_NAME["model_name"], (name, name), "model", path, number)


_PROSE_NAMES: tuple[tuple[re.Pattern[str], Parameter], ...] = tuple(
    (
        re.compile(
            r"(?<![\w-])" + re.escape(alias).replace(r"\ ", r"[\s_-]+") + r"(?![\w-])",
            re.IGNORECASE,
        ),
        parameter,
    )
    for parameter in PARAMETERS
    for alias in parameter.prose
)
"""Every prose name of every parameter, compiled once, in `PARAMETERS` order."""
_PROSE_WORDS = frozenset(
    alias.split()[0].lower() for parameter in PARAMETERS for alias in parameter.prose
)
"""The first word of every prose name: an ASCII line holding none of them names no parameter."""


def _may_hold(line: str, words: frozenset[str]) -> bool:
    """False only when no pattern starting with one of `words` can match the line, case ignored.

    (Lines with non-ASCII text always pass: `re.IGNORECASE` lets `k` match the Kelvin sign.)"""
    if not line.isascii():
        return True
    lower = line.lower()
    return any(word in lower for word in words)


def _name_matches(line: str) -> list[tuple[int, int, Parameter]]:
    """Every prose name of every parameter in the line, longest first at each position."""
    matches: list[tuple[int, int, Parameter]] = []
    if not _may_hold(line, _PROSE_WORDS):
        return matches
    for pattern, parameter in _PROSE_NAMES:
        for match in pattern.finditer(line):
            matches.append((match.start(), match.end(), parameter))
    return sorted(matches, key=lambda item: (-(item[1] - item[0]), item[0]))


def _value_after(line: str, end: int, parameter: Parameter) -> tuple[Value, str] | None:
    filler = _FILLER.match(line, end)
    position = filler.end() if filler else end
    return _read_value(line[position : position + 80], parameter)


def _read_value(text: str, parameter: Parameter) -> tuple[Value, str] | None:
    if parameter.kind == "choice":
        match = re.match(r"(" + "|".join(parameter.choices) + r")\w*", text, re.IGNORECASE)
        return (match.group(1).lower(), match.group(0)) if match else None
    if parameter.kind == "model":
        match = _MODEL.match(text)
        return (match.group(0).rstrip(".,;:"), match.group(0).rstrip(".,;:")) if match else None
    if parameter.kind == "seeds":
        return _read_seeds(text)
    match = NUMBER.match(text)
    if match is None:
        return None
    value = number_from_match(match)
    if value is None or (parameter.kind == "int" and value != int(value)):
        return None
    return value, match.group(0).strip()


def _read_seeds(text: str) -> tuple[Value, str] | None:
    match = re.match(r"[{\[(]?\s*(\d+(?:\s*(?:,|and|or|/)\s*\d+)*)", text)
    if match is None:
        return None
    items = tuple(float(item) for item in re.findall(r"\d+", match.group(1)))
    return items, match.group(0).strip()


def _noun_pattern(noun: str) -> str:
    return re.escape(noun).replace(r"\ ", r"[\s_-]+")


def _count_pattern(parameter: Parameter, noun: str) -> re.Pattern[str]:
    if parameter.kind == "choice":
        value_pattern = r"(?<![\w-])(?:" + "|".join(parameter.choices) + r")\w*"
    else:
        value_pattern = _NUMBER_TEXT
    pattern = f"(?P<value>{value_pattern})\\s*-?\\s*{_noun_pattern(noun)}(?![\\w])"
    return re.compile(pattern, re.IGNORECASE | re.VERBOSE)


_COUNT_NOUNS: tuple[tuple[re.Pattern[str], Parameter, str], ...] = tuple(
    (_count_pattern(parameter, noun), parameter, noun)
    for parameter in PARAMETERS
    for noun in parameter.nouns
)
"""A value followed by each noun of each parameter ("3 epochs"), compiled once, in order."""
_NOUN_WORDS = frozenset(noun.split()[0].lower() for _, _, noun in _COUNT_NOUNS)
"""The first word of every noun: an ASCII line holding none of them states no count."""


def _count_values(line: str, path: str, number: int) -> Iterator[SpecValue]:
    """ "3 epochs", "500 warmup steps", "left padding", "AdamW optimizer"."""
    if not _may_hold(line, _NOUN_WORDS):
        return
    for pattern, parameter, noun in _COUNT_NOUNS:
        for match in pattern.finditer(line):
            if _word_before(line, match.start()) in _NOT_BEFORE_COUNT:
                continue
            if parameter.name == "num_samples" and not _EVALUATION.search(
                _sentence(line, match.start())
            ):
                continue
            value = _read_value(match.group("value"), parameter)
            if value is not None:
                yield _make(parameter, value, noun, path, number)


_EVALUATION = re.compile(r"\b(evaluat\w*|test|validation|benchmark|held[- ]out|dev set)\b", re.I)
_SENTENCE_END = re.compile(r"(?<!\d)[.;!?](?!\d)")


def _sentence(line: str, position: int) -> str:
    """The sentence of `line` around `position` (`0.7` does not end one)."""
    starts = [match.end() for match in _SENTENCE_END.finditer(line, 0, position)]
    end = _SENTENCE_END.search(line, position)
    return line[starts[-1] if starts else 0 : end.start() if end else len(line)]


def _word_before(line: str, position: int) -> str:
    words = re.findall(r"[A-Za-z]+", line[:position])
    return words[-1].lower() if words else ""


def _split_values(line: str, path: str, number: int) -> Iterator[SpecValue]:
    """`80/10/10 train/val/test split`, `an 80/20 split`."""
    if not re.search(r"\bsplit", line, re.IGNORECASE):
        return
    for match in _SPLIT.finditer(line):
        parts = [float(part) for part in match.groups() if part is not None]
        if abs(sum(parts) - 100) > 0.5 and abs(sum(parts) - 1) > 0.005:
            continue
        scale = 100.0 if sum(parts) > 1.5 else 1.0
        names = (
            ["train_size", "val_size", "test_size"]
            if len(parts) == 3
            else ["train_size", "test_size"]
        )
        text = match.group(0).strip()
        for name, part in zip(names, parts, strict=True):
            yield _make(BY_NAME[name], (part / scale, text), "split", path, number)
        if len(parts) == 3 and parts[1] + parts[2] > 0:
            # the usual two-stage split: hold out val+test, then cut that part in two
            held_out = parts[1] + parts[2]
            yield _make(BY_NAME["test_size"], (held_out / scale, text), "split", path, number)
            yield _make(BY_NAME["test_size"], (parts[2] / held_out, text), "split", path, number)
            yield _make(BY_NAME["val_size"], (parts[1] / held_out, text), "split", path, number)


def _table_values(line: str, path: str, number: int) -> Iterator[SpecValue]:
    """`| learning rate | 2e-5 |`: a cell that is a parameter's name, the next cell its value."""
    cells = [cell.strip().strip("*_ ") for cell in line.strip().strip("|").split("|")]
    for index, cell in enumerate(cells[:-1]):
        parameter = _parameter_named(cell)
        if parameter is None:
            continue
        value = _read_value(cells[index + 1], parameter)
        if value is not None:
            yield _make(parameter, value, cell, path, number)


def _parameter_named(cell: str) -> Parameter | None:
    wanted = re.sub(r"[\s_-]+", " ", cell.lower()).strip()
    for parameter in PARAMETERS:
        if any(re.sub(r"[\s_-]+", " ", alias.lower()) == wanted for alias in parameter.prose):
            return parameter
        if wanted.replace(" ", "_") in parameter.code:
            return parameter
    return None


def _make(
    parameter: Parameter, value: tuple[Value, str], label: str, path: str, number: int
) -> SpecValue:
    parsed, text = value
    name = parameter.name
    if name == "warmup_ratio" and isinstance(parsed, float) and parsed >= 1 and "%" not in text:
        name = "warmup_steps"
    return SpecValue(name, parsed, text, label, path, number)
