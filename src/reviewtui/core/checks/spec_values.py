"""Provides `extract_spec_values(spec)`: the hyper-parameter values a spec states, with file and line.

Values are read from prose ("a learning rate of 2 × 10⁻⁵", "train for 3 epochs"), list items
(`- batch size: 32`), tables (`| lr | 2e-5 |`) and split notations ("an 80/10/10 split").
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache

from reviewtui.core.checks.params import (
    BY_NAME,
    COUNTS_PER_ITEM,
    PARAMETERS,
    Parameter,
    plausible,
)
from reviewtui.core.checks.values import (
    MODEL_FAMILIES,
    NUMBER,
    Span,
    Value,
    looks_like_model,
    normalize_text,
    number_from_match,
)
from reviewtui.core.models import Spec

_FILLER = re.compile(
    r"(?:\s+|[:=(\[{,~≈]|\b(?:of|is|are|to|set|be|should|will|was|equal|equals|at|a|an|the|must|fixed|"
    r"constant|peak|initial|per|device|gpu|value|default|use|using|with|around|approximately|about|"
    r"we|on|=)\b)*",
    re.IGNORECASE,
)
_NOT_PER_STEP = frozenset({"effective", "global", "total", "overall", "combined"})
_NOT_BEFORE_COUNT = frozenset(
    {"every", "each", "per", "after", "first", "last", "than", "within", "of", "top", "over"}
)
_MODEL = re.compile(r"(?:[\w.-]+/[\w.-]+|(?:" + MODEL_FAMILIES + r")[\w.-]*)", re.IGNORECASE)
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
    phase: str | None = None
    """The number of the spec phase whose section states it (set by the ledger; None: no phase)."""

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


@dataclass
class _ReadLine:
    """One spec line read: where it is, its text raw and normalized, and the values it states."""

    path: str
    number: int
    raw: str
    line: str
    values: list[SpecValue]


def extract_spec_values(spec: Spec) -> list[SpecValue]:
    """Every parameter value the spec states, in document order; a value a paragraph wraps onto its
    next line ("temperature" / "0.7)") is read across the break."""
    found: list[SpecValue] = []
    in_code_block = False
    header: list[Parameter | None] = []
    previous: _ReadLine | None = None
    for path, number, raw in spec_lines(spec):
        if raw.lstrip().startswith(("```", "~~~")):
            in_code_block, previous = not in_code_block, None
            continue
        if in_code_block:
            continue
        line = normalize_text(raw).replace("`", "").replace("**", "")
        header = _table_header(line, header)
        read = _ReadLine(path, number, raw, line, list(_line_values(line, path, number, header)))
        wrapped = _wrapped_values(previous, read) if previous and _continues(previous, read) else []
        for value in read.values:
            value.text = _as_written(raw, value.text)
        found.extend([*read.values, *wrapped])
        found.extend(_quoted_names(raw, path, number))
        previous = read if _is_prose(raw) else None
    return [value for value in found if plausible(value.parameter, value.value)]


_NOT_PROSE = re.compile(r"^\s*(?:$|#|\||```|~~~|<)")
_ITEM_START = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s")


def _is_prose(raw: str) -> bool:
    """A line of running text (a list item's too), not a heading, table row, blank or fence."""
    return _NOT_PROSE.match(raw) is None


def _continues(previous: _ReadLine, read: _ReadLine) -> bool:
    """Whether `read` goes on with the paragraph (or list item) of the line before it."""
    return (
        read.path == previous.path
        and read.number == previous.number + 1
        and _is_prose(read.raw)
        and _ITEM_START.match(read.raw) is None
    )


def _value_key(value: SpecValue) -> tuple[str, str, str]:
    return value.parameter, repr(value.value), value.text


def _wrapped_values(previous: _ReadLine, read: _ReadLine) -> list[SpecValue]:
    """Values only the two lines together state: a name or noun on one, its value on the other
    (given the line holding the value, as written there)."""
    joined = f"{previous.line} {read.line}"
    alone = Counter(_value_key(value) for value in (*previous.values, *read.values))
    wrapped: list[SpecValue] = []
    for value in _line_values(joined, read.path, read.number, []):
        key = _value_key(value)
        if alone[key] > 0:
            alone[key] -= 1
            continue
        on_next = value.text in read.line or value.text not in previous.line
        source = read if on_next else previous
        value.line, value.text = source.number, _as_written(source.raw, value.text)
        wrapped.append(value)
    return wrapped


def _as_written(raw: str, text: str) -> str:
    """The piece of the raw spec line that reads as `text` once normalized (`2 × 10⁻⁵`)."""
    if text in raw or not text:
        return text
    for start in (index for index, char in enumerate(raw) if char == text[0]):
        for end in range(start + 1, min(len(raw), start + 3 * len(text)) + 1):
            if normalize_text(raw[start:end]).replace("`", "").replace("**", "") == text:
                return raw[start:end]
    return text


def _stated_values(
    line: str, path: str, number: int, header: list[Parameter | None]
) -> Iterator[SpecValue]:
    """Every value one spec line states: after a parameter's name, before a noun, in a phrase, a
    split notation, a model name; a table row by its cells and its table's header."""
    if line.lstrip().startswith("|"):
        yield from _table_values(line, path, number, header)
        return
    taken: list[tuple[int, int]] = []
    for start, end, parameter in _name_matches(line):
        if any(start < stop and end > begin for begin, stop in taken):
            continue
        if parameter.name == "batch_size" and _word_before(line, start) in _NOT_PER_STEP:
            continue  # "an effective batch of 64" is batch size x accumulation x devices
        value = _value_after(line, end, parameter)
        if value is not None:
            taken.append((start, end))
            yield _make(parameter, value, line[start:end], path, number)
    yield from _count_values(line, path, number)
    yield from _split_values(line, path, number)
    yield from _phrase_values(line, path, number)
    yield from _prose_models(line, path, number)
    yield from _optimizer_names(line, path, number)


def _line_values(
    line: str, path: str, number: int, header: list[Parameter | None]
) -> Iterator[SpecValue]:
    """Every value one spec line states (see `_stated_values`); a temperature in a sentence about
    a loss ("InfoNCE with a temperature of 0.05") is the loss's, not the sampling temperature."""
    for value in _stated_values(line, path, number, header):
        if value.parameter == "temperature" and _LOSS_WORDS.search(line):
            value.parameter = "loss_temperature"
        yield value


_LOSS_WORDS = re.compile(
    r"\b(loss|contrastive|info-?nce|nt-?xent|softmax|distil\w*|logits?|similarit\w*|calibrat\w*)\b",
    re.IGNORECASE,
)
_OPTIMIZER_NAME = re.compile(
    r"(?<![\w.-])(AdamW|Adam|SGD|Adafactor|RMSprop|RMSProp|Adagrad)(?![\w-])(?!\s+[A-Z][a-z])"
)
_OPTIMIZING = re.compile(
    r"\b(optimi[sz]\w*|train\w*|fine-?tun\w*|learning\s+rate|lr|weight\s+decay|momentum|betas?|"
    r"schedul\w*|warm-?up|gradients?|updates?)\b",
    re.IGNORECASE,
)


def _optimizer_names(line: str, path: str, number: int) -> Iterator[SpecValue]:
    """ "AdamW with weight decay 0.01", "train with SGD": an optimizer named as such (its own
    capitalization) in a sentence about training, with no "optimizer" word needed."""
    if "ad" not in line.lower() and "SGD" not in line and "RMS" not in line:
        return
    for match in _OPTIMIZER_NAME.finditer(line):
        if _OPTIMIZING.search(_sentence(line, match.start())):
            name = match.group(1)
            yield _make(BY_NAME["optimizer"], (name.lower(), name), "optimizer", path, number)


_QUOTED = re.compile(r"`([^`\s]+)`")
_MODEL_CONTEXT = re.compile(
    r"\b(model|fine-?tune|checkpoint|backbone|encoder|llm|pretrained|base|embed\w*|initiali[sz]\w*)\b",
    re.I,
)
_DATASET_CONTEXT = re.compile(r"\b(datasets?|corpus|corpora|benchmark|hub|hugging\s?face)\b", re.I)


def _quoted_names(raw: str, path: str, number: int) -> Iterator[SpecValue]:
    """A quoted hub id (`meta-llama/Llama-3.2-1B`) or model name (`distilbert-base-uncased`) is a
    model name, even with no "model:" before it; a quoted hub id beside "dataset" or "benchmark"
    (`BeIR/fiqa`) is a dataset."""
    for match in _QUOTED.finditer(raw):
        name = match.group(1).rstrip(".,;:")
        before = raw[max(0, match.start() - 40) : match.start()]
        if (
            looks_like_model(name) and ("/" in name or "-" in name or _MODEL_CONTEXT.search(before))
        ) or (_is_hub_id(name) and _MODEL_CONTEXT.search(before)):
            yield _make(BY_NAME["model_name"], (name, name), "model", path, number)
        elif _is_hub_id(name) and _DATASET_CONTEXT.search(raw):
            yield _make(BY_NAME["dataset_name"], (name, name), "dataset", path, number)


_PATH_LIKE = re.compile(
    r"\.(?:py|json|ya?ml|toml|txt|csv|tsv|jsonl|md|pt|bin)$|^(?:src|data|tests?|configs?|scripts|"
    r"outputs?|runs|results|checkpoints|ckpts?|models|logs|weights)/|^[./~]",
    re.IGNORECASE,
)


def _is_hub_id(name: str) -> bool:
    """`org/name`, not a path (`data/generated/`, `src/dr/data.py`, `./x`)."""
    return re.fullmatch(
        r"[A-Za-z0-9][\w.-]*/[\w.-]*[A-Za-z0-9]", name
    ) is not None and not _PATH_LIKE.search(name)


_PROSE_MODEL = re.compile(
    r"(?<![\w./-])((?:[\w.-]+/)?(?:" + MODEL_FAMILIES + r")[\w.]*(?:-[\w.]+)+)", re.IGNORECASE
)
_MODEL_VERBS = re.compile(
    r"\b(model|fine-?tun\w*|checkpoint|backbone|encoder|embed\w*|initiali[sz]\w*|pretrained|"
    r"llm|base|use|using|train|distil\w*|rerank\w*|retriever)\b",
    re.I,
)


def _prose_models(line: str, path: str, number: int) -> Iterator[SpecValue]:
    """Model names written in prose, unquoted: "embed with bge-base", "fine-tune roberta-large"."""
    if not _may_hold(line, _FAMILY_WORDS):
        return
    for match in _PROSE_MODEL.finditer(line):
        name = match.group(1).rstrip(".,;:")
        if looks_like_model(name) and _MODEL_VERBS.search(_sentence(line, match.start())):
            yield _make(BY_NAME["model_name"], (name, name), "model", path, number)


_FAMILY_WORDS = frozenset(
    {"o1", "o3", "o4"}
    | {
        match.group(0)
        for match in (re.match(r"[a-z0-9]{2,}", word) for word in MODEL_FAMILIES.split("|"))
        if match
    }
)
"""A prefix of every model family: an ASCII line holding none of them names no model."""


_LETTERS = re.compile(r"[a-z]+")


def _first_run(word: str) -> str:
    """The first run of letters of a name's first word (`-shot` -> `shot`, `top-p` -> `top`)."""
    match = _LETTERS.search(word.lower())
    return match.group(0) if match else word.lower()


def _by_first_run(firsts: list[str]) -> dict[str, tuple[int, ...]]:
    """Run of letters -> the indices (in order) of the patterns whose first word starts with it."""
    found: dict[str, list[int]] = {}
    for index, first in enumerate(firsts):
        found.setdefault(_first_run(first), []).append(index)
    return {run: tuple(indices) for run, indices in found.items()}


def _candidates(line: str, index: dict[str, tuple[int, ...]], count: int) -> list[int]:
    """The patterns (indices, in order) that can match `line`: those whose first run of letters is
    a whole run of letters of the line, since every name starts and ends at a non-letter. All of
    them for a non-ASCII line (`re.IGNORECASE` lets `k` match the Kelvin sign)."""
    if not line.isascii():
        return list(range(count))
    runs = set(_LETTERS.findall(line.lower())) & index.keys()
    return sorted(position for run in runs for position in index[run])


_PROSE_NAMES: tuple[tuple[str, re.Pattern[str], Parameter], ...] = tuple(
    (
        alias.split()[0].lower(),
        re.compile(
            r"(?<![\w-])" + re.escape(alias).replace(r"\ ", r"[\s_-]+") + r"(?![\w-])",
            re.IGNORECASE,
        ),
        parameter,
    )
    for parameter in PARAMETERS
    for alias in parameter.prose
)
"""(first word, pattern, parameter) of every prose name of every parameter, compiled once, in
`PARAMETERS` order."""
_PROSE_INDEX = _by_first_run([first for first, _, _ in _PROSE_NAMES])
"""The prose names by the first run of letters of their first word (see `_candidates`)."""


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
    for position in _candidates(line, _PROSE_INDEX, len(_PROSE_NAMES)):
        _first, pattern, parameter = _PROSE_NAMES[position]
        for match in pattern.finditer(line):
            matches.append((match.start(), match.end(), parameter))
    return sorted(matches, key=lambda item: (-(item[1] - item[0]), item[0]))


def _value_after(line: str, end: int, parameter: Parameter) -> tuple[Value, str] | None:
    filler = _FILLER.match(line, end)
    position = filler.end() if filler else end
    between = _BETWEEN.match(line, position)
    if between is not None:
        return _read_value(line[between.end() : between.end() + 80], parameter, between=True)
    return _read_value(line[position : position + 80], parameter)


_BETWEEN = re.compile(r"(?:between|from|in\s+the\s+range(?:\s+of)?)\s+", re.IGNORECASE)


def _read_value(text: str, parameter: Parameter, between: bool = False) -> tuple[Value, str] | None:
    """The parameter's value at the start of `text` and how it is written, or None: a choice word,
    a model name, seeds, a number, a list of numbers or (`between`: only) a range."""
    if parameter.kind == "choice":
        match = re.match(r"(" + "|".join(parameter.choices) + r")\w*", text, re.IGNORECASE)
        return (match.group(1).lower(), match.group(0)) if match else None
    if parameter.kind == "model":
        match = _MODEL.match(text)
        name = match.group(0).rstrip(".,;:") if match else ""
        if not name or (parameter.name == "dataset_name" and not _is_hub_id(name)):
            return None
        return None if _PATH_LIKE.search(name) else (name, name)
    if parameter.kind == "seeds":
        return _read_seeds(text)
    match = NUMBER.match(text)
    value = _number_of(match, parameter)
    if match is None or value is None:
        return None
    more = _more_numbers(text, match, value, parameter, between)
    if between:  # "between 0.1 and 0.3", "from 1e-5 to 5e-5": a range or nothing
        return more if more is not None and isinstance(more[0], Span) else None
    return more or (value, match.group(0).strip())


def _number_of(match: re.Match[str] | None, parameter: Parameter) -> float | None:
    """The number a `NUMBER` match states, if the parameter takes it (an int takes no `0.5`)."""
    value = number_from_match(match) if match else None
    if value is None or (parameter.kind == "int" and value != int(value)):
        return None
    return value


_RANGE_GLUE = re.compile(r"\s*(?:to|–|—|\.\.\.?|-|and)\s*(?=[-+.\d])", re.IGNORECASE)
_LIST_GLUE = re.compile(r"\s*(?:,|/|\bor\b|\band\b)\s*", re.IGNORECASE)
_ITEM_END = re.compile(r"(?=\s*(?:[,;:)\]}/]|$|\.(?!\d)|\s(?:or|and)\b|\s\())", re.IGNORECASE)


def _more_numbers(
    text: str, first: re.Match[str], value: float, parameter: Parameter, between: bool = False
) -> tuple[Value, str] | None:
    """A range ("1e-5 to 5e-5", "3-5") or a list ("16, 32 or 64") that starts with `first`."""
    glue = _RANGE_GLUE.match(text, first.end())
    second = NUMBER.match(text, glue.end()) if glue else None
    high = _number_of(second, parameter)
    ranged = glue is not None and ("and" not in glue.group(0).lower() or between)
    if second is not None and high is not None and ranged:
        low, high = sorted((value, high))
        return Span(low, high), text[: second.end()].strip()
    items, end = [value], first.end()
    while _ITEM_END.match(text, end) and (glue := _LIST_GLUE.match(text, end)):
        item = NUMBER.match(text, glue.end())
        number = _number_of(item, parameter)
        if item is None or number is None or not _ITEM_END.match(text, item.end()):
            break
        items.append(number)
        end = item.end()
    return (tuple(items), text[:end].strip()) if len(items) > 1 else None


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


_COUNT_NOUNS: tuple[tuple[re.Pattern[str], Parameter, str, str], ...] = tuple(
    (_count_pattern(parameter, noun), parameter, noun, noun.split()[0].lower())
    for parameter in PARAMETERS
    for noun in parameter.nouns
)
"""A value followed by each noun of each parameter ("3 epochs"), compiled once, in order."""
_NOUN_INDEX = _by_first_run([first for _, _, _, first in _COUNT_NOUNS])
"""The nouns by the first run of letters of their first word: a line holding none of them as a
whole run of letters states no count with them."""


def _count_values(line: str, path: str, number: int) -> Iterator[SpecValue]:
    """ "3 epochs", "500 warmup steps", "left padding", "AdamW optimizer", "10,000 passages"."""
    counted: list[tuple[int, int]] = []
    for position in _candidates(line, _NOUN_INDEX, len(_COUNT_NOUNS)):
        pattern, parameter, noun, _first = _COUNT_NOUNS[position]
        for match in pattern.finditer(line):
            if _word_before(line, match.start()) in _NOT_BEFORE_COUNT and not _set_of(
                line, match.start()
            ):
                continue
            if not _count_applies(line, match, parameter, counted):
                continue
            value = _read_value(match.group("value"), parameter)
            if value is not None:
                counted.append(match.span())
                yield _make(parameter, _with_low_end(line, match, value), noun, path, number)


_LOW_END = re.compile(f"(?P<low>{_NUMBER_TEXT})\\s*(?:to|–|—|-)\\s*$", re.IGNORECASE | re.VERBOSE)


def _with_low_end(line: str, match: re.Match[str], value: tuple[Value, str]) -> tuple[Value, str]:
    """ "3-5 epochs", "3 to 5 epochs": the count read before the noun is the top of a range;
    "500 or 1,000 examples", "16, 32 and 64 examples": the last of a list."""
    before = line[max(0, match.start() - 60) : match.start()]
    low = _LOW_END.search(before)
    low_value = number_from_match(low) if low else None
    if not isinstance(value[0], float):
        return value
    if low is not None and low_value is not None:
        ends = sorted((low_value, value[0]))
        return Span(ends[0], ends[1]), f"{low.group(0)}{value[1]}"
    items, text = [value[0]], value[1]
    while (item := _LIST_ITEM_BEFORE.search(before)) and (number := number_from_match(item)):
        if len(items) == 1 and not re.search(r"\b(?:or|and)\s*$", item.group(0)):
            break  # "In 2023, 500 examples" is no list: one ends with "or"/"and"
        if _whole(value[0]) and not _whole(number):
            break  # "learning rate 2e-5 and 3 hard negatives": the 2e-5 is another parameter's
        items.insert(0, number)
        text, before = item.group(0) + text, before[: item.start()]
    return (tuple(items), text) if len(items) > 1 else value


def _whole(number: float) -> bool:
    return float(number).is_integer()


_LIST_ITEM_BEFORE = re.compile(
    f"(?<![\\w.])(?P<item>{_NUMBER_TEXT})\\s*(?:,\\s*(?:or|and)?|or|and)\\s*$",
    re.IGNORECASE | re.VERBOSE,
)


def _set_of(line: str, position: int) -> bool:
    """ "the test set of 2,000 examples": a count after "set of" or "split of" is the set's size."""
    return re.search(r"\b(?:set|split|subset)\s+of\s*$", line[:position], re.IGNORECASE) is not None


def _count_applies(
    line: str, match: re.Match[str], parameter: Parameter, counted: list[tuple[int, int]]
) -> bool:
    """Evaluation sample counts need an evaluation sentence; a count of passages or queries is
    not one stated per item ("for each passage, 3 questions") nor one already read as another."""
    sentence = _sentence(line, match.start())
    if parameter.name == "num_samples":
        return _EVALUATION.search(sentence) is not None
    if parameter.name == "num_gpus" and _NOT_GPU_COUNT.match(line, match.end()):
        return False  # "8 GPU hours", "a 24 GPU-day budget"
    if parameter.name in COUNTS_PER_ITEM and _PER_ITEM.search(sentence):
        return False
    start, end = match.span()
    return not any(start < stop and end > begin for begin, stop in counted)


_PER_ITEM = re.compile(r"\b(each|per|every)\b", re.IGNORECASE)
_NOT_GPU_COUNT = re.compile(r"[\s-]*(?:hours?|hrs?|days?|memory|mem|ram|budget|seconds?)\b", re.I)


_EVALUATION = re.compile(r"\b(evaluat\w*|test|validation|benchmark|held[- ]out|dev set)\b", re.I)
_SENTENCE_END = re.compile(r"(?<!\d)[;!?](?!\d)|(?<!\d)\.(?![\w])")


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
            else ["train_size", _held_part(line, match)]
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


_HELD_PART = re.compile(
    r"\b(dev|development|val|validation|valid|test|testing|held[\s-]out)\b", re.I
)


def _held_part(line: str, match: re.Match[str]) -> str:
    """What the smaller part of a two-way split is: `val_size` when the sentence names a dev or
    validation part first ("90/10 into train and dev"), else `test_size`."""
    sentence = _sentence(line, match.start())
    found = _HELD_PART.search(sentence)
    word = found.group(1).lower() if found else "test"
    return (
        "val_size" if word in {"dev", "development", "val", "validation", "valid"} else "test_size"
    )


def _table_cells(line: str) -> list[str]:
    return [cell.strip().strip("*_ ") for cell in line.strip().strip("|").split("|")]


_SEPARATOR = re.compile(r"^\s*\|?\s*:?-{2,}:?\s*(?:\|\s*:?-{2,}:?\s*)*\|?\s*$")


def _table_header(line: str, header: list[Parameter | None]) -> list[Parameter | None]:
    """The parameter named by each column of the table this line is in (`[]` outside tables).

    A table's first row is its header; the header stays for the rows below it."""
    if not line.lstrip().startswith("|"):
        return []
    if header or _SEPARATOR.match(line):
        return header
    return [_parameter_named(cell) for cell in _table_cells(line)]


def _table_values(
    line: str, path: str, number: int, header: list[Parameter | None]
) -> Iterator[SpecValue]:
    """`| learning rate | 2e-5 |`: a cell that is a parameter's name, the next cell its value; and
    `| lr | batch size |` over `| 2e-5 | 32 |`: a column named by its header."""
    if _SEPARATOR.match(line):
        return
    cells = _table_cells(line)
    for index, cell in enumerate(cells[:-1]):
        parameter = _parameter_named(cell)
        if parameter is None:
            continue
        value = _read_value(cells[index + 1], parameter)
        if value is not None:
            yield _make(parameter, value, cell, path, number)
    for cell, parameter in zip(cells, header, strict=False):
        value = _read_value(cell, parameter) if parameter is not None else None
        if parameter is not None and value is not None and _read_whole(cell, value):
            yield _make(parameter, value, parameter.prose[0], path, number)


def _read_whole(cell: str, value: tuple[Value, str]) -> bool:
    """Whether a table cell is its value and little more (`2e-5`, `32 (per device)`), not prose."""
    return len(cell) <= len(value[1]) + 24


@lru_cache(maxsize=1024)
def _parameter_named(cell: str) -> Parameter | None:
    """The parameter a table cell names (`Learning rate (peak)` -> learning_rate), or None."""
    cell = re.sub(r"\([^)]*\)|\[[^\]]*\]", "", cell)
    wanted = re.sub(r"[\s_-]+", " ", cell.lower()).strip(" :")
    if not wanted:
        return None
    for parameter in PARAMETERS:
        if any(re.sub(r"[\s_-]+", " ", alias.lower()) == wanted for alias in parameter.prose):
            return parameter
        if wanted.replace(" ", "_") in parameter.code:
            return parameter
    return None


# --------------------------------------------------------------------------- phrases


_WARMUP_SHARE = re.compile(
    f"(?P<value>{_NUMBER_TEXT})\\s+of\\s+(?:the\\s+)?(?:(?:total|training|optimi[sz]ation|all)\\s+)*"
    r"(?:training|steps|updates|iterations)\b",
    re.IGNORECASE | re.VERBOSE,
)
_TOKEN_LIMIT = re.compile(
    r"\b(?:truncat\w*|at\s+most|up\s+to|maximum(?:\s+of)?|max|limit\w*|capped|no\s+(?:longer|more)\s+"
    r"than)\s+(?:\w+\s+){0,3}?(?:to\s+|at\s+)?(?P<value>\d[\d,]*k?)\s+(?:\w+\s+)?tokens\b",
    re.IGNORECASE,
)
_GENERATION = re.compile(
    r"\b(generat\w*|new\s+tokens|outputs?|completions?|responses?|decod\w*)\b", re.I
)
_NOT_LENGTH = re.compile(r"\b(chunk\w*|window|stride|overlap|budget|vocab\w*)\b", re.IGNORECASE)
_RETRIEVED = r"(?:passages|documents|docs|results|hits|chunks|candidates|contexts|neighbou?rs)"
_TOP_K = re.compile(
    r"\btop[\s-]?(?P<value>\d+)(?:\s+(?:retrieved|ranked|relevant|candidate|scoring|most))*\s+"
    + _RETRIEVED
    + r"\b|\bretriev\w*\s+(?:the\s+)?(?:top[\s-]?)?(?P<value2>\d+)\s+(?:\w+\s+)?"
    + _RETRIEVED
    + r"\b",
    re.IGNORECASE,
)
_EVALUATE_BEFORE = re.compile(
    r"\b(evaluat\w*|report\w*|scor\w*|benchmark\w*|tested|test\s+on|accuracy|f1|exact[\s-]match|"
    r"bleu|rouge|ndcg\S*|recall\S*|precision|perplexity|auc|metrics?)\b",
    re.IGNORECASE,
)
"""Words that, before "on the dev split" in its sentence, make the split the evaluation's."""


def _before_in_sentence(line: str, position: int) -> str:
    """The text of `line` from the start of the sentence holding `position` up to it (80 chars)."""
    starts = [match.end() for match in _SENTENCE_END.finditer(line, 0, position)]
    return line[max(starts[-1] if starts else 0, position - 80) : position]


_SPLIT_WORD = r"(?:dev|development|validation|val|test|train|training)"
_SPLIT_NAME = re.compile(
    r"\b(?:on|using|over|with|against|from|in)\s+(?:the\s+|both\s+)?"
    r"(?:(?!(?:of|from|in|into|than)\s)[\w-]+\s+){0,4}?"
    f"(?P<value>{_SPLIT_WORD}(?:\\s*(?:,|and|or|/)\\s*{_SPLIT_WORD})*)"
    r"(?:\s+|-)(?:splits?|sets?|partitions?)\b",
    re.IGNORECASE,
)
_HOLD_OUT = re.compile(
    f"\\b(?:hold(?:s|ing)?\\s+out|set\\s+aside|reserve|split\\s+off|carve\\s+out|use|keep)\\s+"
    f"(?P<value>{_NUMBER_TEXT})\\s+"
    r"(?:of\s+(?:the\s+)?(?:[\w-]+\s+){1,3}?)?(?:as|for)\s+(?:a|the)\s+"
    r"(?P<which>dev|development|validation|val|test|held-out\s+test)\s+(?:split|set)\b",
    re.IGNORECASE | re.VERBOSE,
)


def _phrase_values(line: str, path: str, number: int) -> Iterator[SpecValue]:
    """Values stated by a phrase rather than a name: "warm up over 10% of the steps", "truncate to
    512 tokens", "the top-20 passages", "evaluate on the dev split", "hold out 10% as a dev split"."""
    lower = line.lower()
    if "warm" in lower:
        yield from _warmup_shares(line, path, number)
    if "token" in lower:
        yield from _token_limits(line, path, number)
    if "top" in lower or "retriev" in lower:
        for match in _TOP_K.finditer(line):
            text = match.group("value") or match.group("value2")
            yield _make(
                BY_NAME["retrieval_top_k"], (float(text), text), "top-k retrieved", path, number
            )
    if "split" in lower or "set" in lower or "partition" in lower:
        yield from _split_names(line, path, number)
    if "%" in line or "hold" in lower or "aside" in lower:
        yield from _held_out(line, path, number)


_PERCENT_SPLIT = re.compile(
    r"(?<![\w.])(?P<value>\d{1,2}(?:\.\d+)?\s*%)\s+(?:(?:stratified|random|held[\s-]out)\s+)?"
    r"(?P<which>dev|development|validation|val|test|held[\s-]out\s+test)\s+(?:split|set|subset)\b",
    re.IGNORECASE,
)


def _warmup_shares(line: str, path: str, number: int) -> Iterator[SpecValue]:
    for match in _WARMUP_SHARE.finditer(line):
        value = _read_value(match.group("value"), BY_NAME["warmup_ratio"])
        sentence = _sentence(line, match.start())
        if value is not None and "%" in value[1] and re.search(r"warm[\s-]?up", sentence, re.I):
            yield _make(BY_NAME["warmup_ratio"], value, "warmup", path, number)


def _token_limits(line: str, path: str, number: int) -> Iterator[SpecValue]:
    for match in _TOKEN_LIMIT.finditer(line):
        if _NOT_LENGTH.search(_sentence(line, match.start())):
            continue
        name = _limited(line, match)
        parameter = BY_NAME[name] if name else None
        value = _read_value(match.group("value"), parameter) if parameter else None
        if parameter is not None and value is not None:
            yield _make(parameter, value, parameter.prose[0], path, number)


def _limited(line: str, match: re.Match[str]) -> str | None:
    """What a token limit limits, by the words just before it: `max_length` for inputs ("inputs are
    truncated to 512 tokens"), `max_new_tokens` for generations ("generate at most 64 tokens"),
    None when it says neither ("summaries are capped at 64 tokens")."""
    if match.group(0).lower().startswith("truncat"):
        return "max_length"
    near = line[max(0, match.start() - 40) : match.end()]
    if _GENERATION.search(near):
        return "max_new_tokens"
    return "max_length" if _INPUTS.search(near) else None


_INPUTS = re.compile(
    r"\b(inputs?|prompts?|sequences?|passages?|documents?|contexts?|texts?|queries|query)\b", re.I
)


def _split_names(line: str, path: str, number: int) -> Iterator[SpecValue]:
    for match in _SPLIT_NAME.finditer(line):
        if _EVALUATE_BEFORE.search(_before_in_sentence(line, match.start())):
            for text in re.findall(_SPLIT_WORD, match.group("value"), re.IGNORECASE):
                value = (text.lower(), text)
                yield _make(BY_NAME["eval_split"], value, "evaluation split", path, number)


def _held_out(line: str, path: str, number: int) -> Iterator[SpecValue]:
    """ "hold out 10% as a dev split", "set aside 5% of the training set for the dev set", "a 5%
    dev split"."""
    matches = [*_HOLD_OUT.finditer(line)]
    spans = [match.span("value") for match in matches]
    matches += [m for m in _PERCENT_SPLIT.finditer(line) if m.span("value") not in spans]
    for match in matches:
        which = "test_size" if "test" in match.group("which").lower() else "val_size"
        value = _read_value(match.group("value"), BY_NAME[which])
        if value is not None:
            yield _make(BY_NAME[which], value, "held out", path, number)


def _make(
    parameter: Parameter, value: tuple[Value, str], label: str, path: str, number: int
) -> SpecValue:
    parsed, text = value
    name = parameter.name
    if name == "warmup_ratio" and isinstance(parsed, float) and parsed >= 1 and "%" not in text:
        name = "warmup_steps"
    return SpecValue(name, parsed, text, label, path, number)
