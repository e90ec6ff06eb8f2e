"""Provides unit-aware parsing and comparison of the values a spec states and code sets.

`2e-5`, `2 × 10⁻⁵`, `2x10^-5`, `$2 \\times 10^{-5}$`, `0.00002` are one number; `10%` is `0.1`;
`1,000` and `1k` are `1000`. Categorical values (`left`, `AdamW`, `bert-base-uncased`) compare after
normalization.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Span:
    """A range the spec allows ("1e-5 to 5e-5", "3-5 epochs", "between 0.1 and 0.3")."""

    low: float
    high: float

    def holds(self, value: float) -> bool:
        return self.low <= value <= self.high or any(
            numbers_equal(value, end) for end in (self.low, self.high)
        )


Value = float | str | tuple[float, ...] | Span
"""A parsed value: a number, a normalized word or name, a list of numbers (seeds, "16 or 32"), or a
range."""

_SUPERSCRIPT = {
    "⁰": "0",
    "¹": "1",
    "²": "2",
    "³": "3",
    "⁴": "4",
    "⁵": "5",
    "⁶": "6",
    "⁷": "7",
    "⁸": "8",
    "⁹": "9",
    "⁻": "-",
    "⁺": "+",
}
_SUPER_RUN = re.compile("[" + "".join(_SUPERSCRIPT) + "]+")

NUMBER = re.compile(
    r"""(?<![\w.])
    (?P<mant>[-+]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?|[-+]?\.\d+)
    (?:
        (?P<exp>[eE][-+]?\d+)
      | \s*[×x*·⋅]\s*10\s*(?:\^|\*\*)\s*\{?\s*(?P<pow>[-+]?\d+)\s*\}?
      | (?P<bare>(?:\^|\*\*)\s*\{?\s*[-+]?\d+\s*\}?)
    )?
    (?P<suffix>\s?%|[kKM](?![\w-]))?
    (?![\w.]*[A-Za-z/])""",
    re.VERBOSE,
)


MODEL_FAMILIES = (
    r"bert|roberta|distilbert|deberta|electra|albert|xlnet|xlm|bart|t5|flan-t5|gpt2|gpt-\w+|gpt-?j|"
    r"gpt-neo\w*|llama|mistral|mixtral|qwen|gemma|phi|pythia|opt|falcon|mpt|bloom|vit|resnet|clip|"
    r"whisper|claude|sentence-t5|all-minilm|all-mpnet|minilm|mpnet|e5|bge|gte|contriever|colbert|"
    r"splade|dpr|msmarco|multi-qa|paraphrase|stella|nomic-embed|jina-embeddings|olmo|smollm|tinyllama|"
    r"vicuna|zephyr|deepseek|yi|starcoder|codellama|gemini|o[134]|command-r"
)
"""Model families a name can start with (`bge-base-en-v1.5`, `distilbert-base-uncased`)."""
_FAMILY_NAME = re.compile(r"(?:" + MODEL_FAMILIES + r")[\w.]*(?:-[\w.]+)*", re.IGNORECASE)
_NOT_A_MODEL = re.compile(
    r"-(?:style|like|based|sized|family|type|models?|encoders?|level|wise|generated|written|"
    r"produced|labell?ed|annotated|judged|graded|rated|evaluated|scores?|scoring|tokenizers?|"
    r"tokenization|vocab|compatible|"
    r"specific|only|free|friendly|series|variants?)$|^opt-(?:in|out)\b",
    re.I,
)


def looks_like_model(name: str) -> bool:
    """Whether a string names a model: a hub id (`org/name`) or a known family's name with a
    variant (`distilbert-base-uncased`, `gpt2-xl`, `bge-base`), not `bert-style` or a file path."""
    name = name.strip()
    if re.search(
        r"\.(?:py|json|ya?ml|toml|txt|csv|tsv|jsonl|pt|pth|bin|ckpt|safetensors|md)$", name
    ):
        return False
    if name.startswith((".", "/", "~")) or _NOT_A_MODEL.search(name):
        return False
    last = name.rsplit("/", 1)[-1]
    if _FAMILY_NAME.fullmatch(last) is None:
        return False
    return "-" in last or "/" in name or any(char.isdigit() for char in last)


def normalize_text(text: str) -> str:
    """Turn typeset maths into plain text: superscripts to `^`, `\\times` to `×`, `−` to `-`."""
    text = _SUPER_RUN.sub(lambda m: "^" + "".join(_SUPERSCRIPT[c] for c in m.group(0)), text)
    for typeset, plain in (
        ("\\times", "×"),
        ("\\cdot", "·"),
        ("−", "-"),
        ("$", ""),
        ("\u00a0", " "),
    ):
        text = text.replace(typeset, plain)
    return text


def number_from_match(match: re.Match[str]) -> float | None:
    """The number a `NUMBER` match states, or None when it is out of range (`10^999`)."""
    try:
        value = _number(match)
    except (OverflowError, ValueError):
        return None
    return value if math.isfinite(value) else None


def _number(match: re.Match[str]) -> float:
    mantissa = float(match.group("mant").replace(",", ""))
    if match.group("exp"):
        mantissa = float(match.group("mant").replace(",", "") + match.group("exp"))
    elif match.group("pow"):
        mantissa *= 10.0 ** int(match.group("pow"))
    elif match.group("bare"):
        power = int(re.sub(r"[^\d+-]", "", match.group("bare")))
        mantissa = mantissa**power
    suffix = (match.group("suffix") or "").strip()
    scale = {"%": 0.01, "k": 1e3, "K": 1e3, "M": 1e6}.get(suffix, 1.0)
    return mantissa * scale


def parse_number(text: str) -> float | None:
    """The number a whole string states (`'2 × 10⁻⁵'` -> 2e-05), or None."""
    cleaned = normalize_text(text).strip().strip("`*'\"")
    match = NUMBER.fullmatch(cleaned)
    return number_from_match(match) if match else None


def numbers_equal(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-6, abs_tol=1e-12)


def format_number(value: float) -> str:
    """A short human form: `2e-05`, `32`, `0.1`."""
    if value == int(value) and abs(value) < 1e15:
        return str(int(value))
    return f"{value:g}"


def normalize_name(text: str) -> str:
    """A model or choice name compared case-insensitively, quotes and trailing `/` dropped."""
    return text.strip().strip("`'\"").rstrip("/").lower()


def values_agree(spec: Value, code: Value, kind: str) -> bool:
    """Whether a value the code sets is the value the spec states (lists: membership)."""
    if isinstance(spec, str) or isinstance(code, str):
        return _names_agree(str(spec), str(code), kind)
    if isinstance(code, Span):
        return spec == code
    code_items = code if isinstance(code, tuple) else (code,)
    if isinstance(spec, Span):
        return all(spec.holds(item) for item in code_items)
    spec_items = spec if isinstance(spec, tuple) else (spec,)
    return all(any(numbers_equal(item, allowed) for allowed in spec_items) for item in code_items)


def _names_agree(spec: str, code: str, kind: str) -> bool:
    spec, code = normalize_name(spec), normalize_name(code)
    if spec == code:
        return True
    if kind == "model":
        return models_agree(spec, code)
    if kind == "choice":
        return canonical_choice(code) == canonical_choice(spec)
    return False


_SIZE_WORD = re.compile(
    r"(?:tiny|mini|small|base|medium|large|xl|xxl|huge|giant|\d+(?:\.\d+)?[bmk]|\d+x\d+[bm]?)$"
)
"""A name segment that picks a model size (`large`, `xl`, `7b`, `350m`): a different model."""


def models_agree(spec: str, code: str) -> bool:
    """`bert-base-uncased` is `google-bert/bert-base-uncased`; a spec's short name (`bge-base`) is
    any model it begins, at a `-`, that adds no size (`bge-base-en-v1.5`, not `gpt2` -> `gpt2-xl`)."""
    if code.endswith("/" + spec) or spec.endswith("/" + code):
        return True
    if "/" in spec:
        return False
    name = code.rsplit("/", 1)[-1]
    if not name.startswith(spec + "-"):
        return False
    extra = re.split(r"[-_]", name[len(spec) + 1 :])
    return not any(_SIZE_WORD.match(segment) for segment in extra)


def model_sizes(name: str) -> set[str]:
    """The size segments of a model name: `EleutherAI/pythia-410m` -> {`410m`}, `bert-base-uncased`
    -> {`base`}."""
    last = normalize_name(name).rsplit("/", 1)[-1]
    return {part for part in re.split(r"[-_]", last) if _SIZE_WORD.fullmatch(part)}


def is_model_size(text: str) -> bool:
    """Whether a value names a model size (`160m`, `7B`, `large`), as a `model_size` setting does."""
    return _SIZE_WORD.fullmatch(normalize_name(text)) is not None


_API_MODEL = re.compile(
    r"(?:claude|gpt-3\.5|gpt-4|gpt-5|chatgpt|o[1345](?:-|$)|gemini|command-|text-davinci|"
    r"text-embedding|mistral-(?:large|medium|small)-latest)",
    re.IGNORECASE,
)


def model_role(name: str) -> str:
    """`api` for a model served behind an API (`claude-haiku-4-5`, `gpt-4o`), else `weights`
    (`bert-base-uncased`): the spec's encoder is not the LLM that writes its training data."""
    return "api" if _API_MODEL.match(name.rsplit("/", 1)[-1]) else "weights"


SPLIT_NAMES = {
    "dev": "validation",
    "development": "validation",
    "val": "validation",
    "valid": "validation",
    "validation": "validation",
    "train": "train",
    "training": "train",
    "test": "test",
    "testing": "test",
}
"""A dataset split as written -> its canonical name (`dev` and `val` are `validation`)."""


def split_name(text: str) -> str | None:
    """The canonical split a lowered name is (`test[:500]` -> `test`), by its first dotted or
    hyphenated word too (`dev.small`, `dev-2019`, `test.clean` -> `validation`, `test`), or None."""
    name = text.split("[", 1)[0].strip()
    return SPLIT_NAMES.get(name) or SPLIT_NAMES.get(re.split(r"[.-]", name, maxsplit=1)[0])


PRECISIONS = {
    "bfloat16": "bf16",
    "bf16_mixed": "bf16",
    "float16": "fp16",
    "half": "fp16",
    "16": "fp16",
    "16_mixed": "fp16",
    "float32": "fp32",
    "32": "fp32",
}
"""Ways code and specs write a precision (`torch.bfloat16`, Lightning's `"16-mixed"`) -> its name."""

CHOICE_PREFIXES = (
    "bf16",
    "fp16",
    "fp32",
    "tf32",
    "cosine_with_restarts",
    "constant_with_warmup",
    "adamw",
    "adafactor",
    "adagrad",
    "adam",
    "sgd",
    "rmsprop",
    "lion",
    "linear",
    "cosine",
    "constant",
    "polynomial",
    "exponential",
    "plateau",
    "step",
    "left",
    "right",
)


def canonical_choice(text: str) -> str:
    """`adamw_torch` -> `adamw`, `get_cosine_schedule_with_warmup` -> `cosine`, `AdamW` -> `adamw`,
    `torch.bfloat16` / `"bf16-mixed"` -> `bf16`."""
    lowered = normalize_name(text).removeprefix("get_")
    precision = PRECISIONS.get(lowered.removeprefix("torch.").replace("-", "_"))
    if precision is not None:
        return precision
    split = split_name(lowered)
    if split is not None:
        return split
    for prefix in CHOICE_PREFIXES:
        if lowered.startswith(prefix):
            return prefix
    return lowered
