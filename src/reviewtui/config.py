"""Provides `Settings`: the typed configuration read from `[tool.reviewtui]` in the repo's pyproject.toml.

Every field has a docstring; the README's configuration table lists them. Sub-tables map to the
nested dataclasses: `[tool.reviewtui.chunks]`, `[tool.reviewtui.links]`, `[tool.reviewtui.checks]`,
`[tool.reviewtui.llm]`. Unknown keys are reported as warnings, wrong types as a `ConfigError`.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field, fields, is_dataclass
from pathlib import Path
from typing import Any, get_type_hints

from reviewtui.errors import ReviewError


class ConfigError(ReviewError):
    """The configuration could not be read or has a value of the wrong type."""


@dataclass
class ChunkSettings:
    max_lines: int = field(default=40, metadata={"min": 1})
    """Largest number of changed lines in one chunk before it is split further."""
    context: int = field(default=3, metadata={"min": 0})
    """Lines of unchanged context kept around the changes of a chunk."""
    huge_file_lines: int = field(default=5000, metadata={"min": 1})
    """A file with more changed lines than this becomes one summarized chunk."""
    minified_line_length: int = field(default=500, metadata={"min": 1})
    """A text file whose average line is longer than this is treated as minified (one chunk)."""


@dataclass
class LinkSettings:
    threshold: float = field(default=0.35, metadata={"min": 0.0, "max": 1.0})
    """Below this confidence a chunk stays unlinked ("Unlinked changes")."""


@dataclass
class CheckSettings:
    disabled: list[str] = field(default_factory=list)
    """Rule ids that are switched off."""
    severity: dict[str, str] = field(default_factory=dict)
    """Rule id -> severity (`high`, `medium`, `low`) overriding the rule's own."""
    exclude: list[str] = field(default_factory=list)
    """Glob patterns (`vendor/*`, `*.ipynb`; `*` also crosses folders) of files the checks skip."""


@dataclass
class LLMSettings:
    enabled: bool = True
    """False sends nothing to the LLM (what `--no-llm` sets)."""
    model: str = "claude-sonnet-5-5"
    """The Anthropic model id used for explanations, linking help and drafted fixes."""
    max_tokens: int = field(default=1024, metadata={"min": 1})
    """Largest answer, in tokens, for one request."""
    auto_explain: bool = False
    """Explain the chunk in view automatically (otherwise only on `e`)."""
    prefetch: int = field(default=0, metadata={"min": 0})
    """How many of the next chunks to explain in the background (0: none)."""
    concurrency: int = field(default=2, metadata={"min": 1})
    """Most LLM requests in flight at once."""
    budget_tokens: int = field(default=200_000, metadata={"min": 0})
    """Per-session token budget for background work (prefetch, linking help)."""
    timeout: float = field(default=60.0, metadata={"min": 0.001})
    """Seconds before an LLM request is given up."""
    ignore: list[str] = field(
        default_factory=lambda: [".env*", "*.pem", "*.key", "*credentials*", "*secret*"]
    )
    """Glob patterns of files whose content is never sent to the LLM."""
    max_retries: int = field(default=2, metadata={"min": 0})
    """How often the SDK retries a failed request (429, 5xx, connection errors) before giving up."""
    link_help: bool = True
    """Ask the LLM to link the chunks the lexical linker is unsure of (see `link_recheck_below`)."""
    link_score: float = field(default=0.6, metadata={"min": 0.0, "max": 1.0})
    """Confidence given to a section the LLM picked for a chunk."""
    link_recheck_below: float = field(default=1.0, metadata={"min": 0.0, "max": 1.0})
    """Also ask the LLM about chunks linked on content alone (shared words, structure; no comment,
    commit or path naming the section) at or below this confidence, and let its answer decide them
    (1: all of them; 0: only chunks left unlinked)."""
    price_input: float = field(default=0.0, metadata={"min": 0.0})
    """USD per million input tokens, to show a cost for models not in the built-in table (0: built-in)."""
    price_output: float = field(default=0.0, metadata={"min": 0.0})
    """USD per million output tokens (see `price_input`)."""


@dataclass
class Settings:
    spec: list[str] = field(default_factory=list)
    """Spec files (relative to the repo root) used when no `--spec` is given; empty: discover."""
    phase: str | None = None
    """The spec phase under review (a phase heading's id or number); None: infer."""
    chunks: ChunkSettings = field(default_factory=ChunkSettings)
    links: LinkSettings = field(default_factory=LinkSettings)
    checks: CheckSettings = field(default_factory=CheckSettings)
    llm: LLMSettings = field(default_factory=LLMSettings)
    warnings: list[str] = field(default_factory=list, repr=False)
    """Problems found while reading the configuration (unknown keys), for the user to see."""


ENV_OVERRIDES: dict[str, tuple[str, str]] = {
    "REVIEWTUI_MODEL": ("llm", "model"),
    "REVIEWTUI_MAX_TOKENS": ("llm", "max_tokens"),
    "REVIEWTUI_AUTO_EXPLAIN": ("llm", "auto_explain"),
    "REVIEWTUI_PREFETCH": ("llm", "prefetch"),
    "REVIEWTUI_BUDGET_TOKENS": ("llm", "budget_tokens"),
    "REVIEWTUI_LLM_TIMEOUT": ("llm", "timeout"),
    "REVIEWTUI_LLM_CONCURRENCY": ("llm", "concurrency"),
    "REVIEWTUI_LLM_MAX_RETRIES": ("llm", "max_retries"),
}
"""Environment variables that override `[tool.reviewtui.llm]` values."""


def load_settings(repo_root: Path, environ: dict[str, str] | None = None) -> Settings:
    """Read `[tool.reviewtui]` from `repo_root/pyproject.toml` (if any), then apply env overrides."""
    table: dict[str, Any] = {}
    pyproject = repo_root / "pyproject.toml"
    if pyproject.is_file():
        try:
            data = tomllib.loads(pyproject.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
            raise ConfigError(f"cannot read {pyproject.name}: {error}") from None
        table = data.get("tool", {}).get("reviewtui", {})
    settings = Settings()
    _apply(settings, table, "tool.reviewtui", settings.warnings)
    _apply_env(settings, os.environ if environ is None else environ)
    return settings


def _apply(target: Any, table: dict[str, Any], where: str, warnings: list[str]) -> None:
    hints = get_type_hints(type(target))
    known = {f.name: f for f in fields(target) if f.name != "warnings"}
    for key, value in table.items():
        name = key.replace("-", "_")
        if name not in known:
            warnings.append(f"unknown setting {where}.{key}")
            continue
        current = getattr(target, name)
        if is_dataclass(current):
            if not isinstance(value, dict):
                raise ConfigError(f"{where}.{key} must be a table")
            _apply(current, value, f"{where}.{key}", warnings)
        else:
            coerced = _coerce(value, hints[name], f"{where}.{key}")
            _check_bounds(coerced, known[name].metadata, f"{where}.{key}")
            setattr(target, name, coerced)


def _check_bounds(value: Any, metadata: Any, where: str) -> None:
    """A number outside its field's `min`/`max` (a confidence above 1, a negative count) is an error."""
    low, high = metadata.get("min"), metadata.get("max")
    if low is not None and value < low:
        raise ConfigError(f"{where} must be at least {low}, not {value!r}")
    if high is not None and value > high:
        raise ConfigError(f"{where} must be at most {high}, not {value!r}")


_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


def _to_bool(value: Any) -> Any:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in _TRUE | _FALSE:
        return value.lower() in _TRUE
    raise TypeError


def _to_int(value: Any) -> Any:
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise TypeError
    return int(value)


def _to_float(value: Any) -> Any:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise TypeError
    return float(value)


def _to_str(value: Any) -> Any:
    if not isinstance(value, str):
        raise TypeError
    return value


def _to_optional_str(value: Any) -> Any:
    """A name or number (`phase = 2` means the same as `phase = "2"`), or None."""
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return None if value is None else _to_str(value)


def _to_str_list(value: Any) -> Any:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise TypeError
    return list(value)


def _to_str_dict(value: Any) -> Any:
    if not isinstance(value, dict) or not all(isinstance(item, str) for item in value.values()):
        raise TypeError
    return dict(value)


_EXPECTED = {
    "bool": "true or false",
    "int": "an integer",
    "float": "a number",
    "str": "a string",
    "str | None": "a string",
    "list[str]": "a list of strings",
    "dict[str, str]": "a table of strings",
}
"""What a type asks for, in the words of an error message."""

_COERCERS: dict[str, Any] = {
    "bool": _to_bool,
    "int": _to_int,
    "float": _to_float,
    "str": _to_str,
    "str | None": _to_optional_str,
    "list[str]": _to_str_list,
    "dict[str, str]": _to_str_dict,
}


def _coerce(value: Any, hint: Any, where: str) -> Any:
    """Check (and for env strings, convert) a setting's value against its field's type."""
    name = getattr(hint, "__name__", None) if isinstance(hint, type) else str(hint)
    coerce = _COERCERS.get(name or "")
    if coerce is None:
        raise ConfigError(f"{where}: unsupported setting type {hint}")
    try:
        return coerce(value)
    except (TypeError, ValueError):
        expected = _EXPECTED.get(name or "", str(hint))
        raise ConfigError(f"{where} must be {expected}, not {value!r}") from None


def _apply_env(settings: Settings, environ: Any) -> None:
    for variable, (table, name) in ENV_OVERRIDES.items():
        if variable in environ:
            target = getattr(settings, table)
            hint = get_type_hints(type(target))[name]
            value = _coerce(environ[variable], hint, variable)
            _check_bounds(value, _field(target, name).metadata, variable)
            setattr(target, name, value)


def _field(target: Any, name: str) -> Any:
    return next(f for f in fields(target) if f.name == name)
