"""Provides `SpecMentions`: the file paths and code names (`mean_pool`, `batch_size`) that the text of
each spec section names, and `defined_names`: the names a chunk defines (functions, classes,
assignments, config keys), so a chunk defining a name a task asks for is linked to that task.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from reviewtui.core.linking.terms import STOP_WORDS, identifier_key, terms_of, token_terms
from reviewtui.core.models import Chunk, Spec

_EXTENSIONS = (
    "py|pyi|ipynb|yaml|yml|json|toml|cfg|ini|md|txt|sh|js|ts|tsx|jsx|go|rs|java|kt|rb|c|h|cc|cpp|hpp|cs|"
    "sql|r|jl|scala|swift|php|lua|html|css|scss|proto"
)
_PATH = re.compile(rf"(?<![\w/.-])((?:[\w.-]+/)*[\w-]+(?:\.[\w-]+)*\.(?:{_EXTENSIONS}))(?![\w/])")
_QUOTED_PATH = re.compile(
    rf"""["'](?:\./)?((?:[\w.-]+/)*[\w-]+(?:\.[\w-]+)*\.(?:{_EXTENSIONS}))["']"""
)
"""A file path written as a string literal in code (`"results/metrics.json"`)."""
_BACKTICK = re.compile(r"`([^`\n]{2,80})`")
_FILE_NAME = re.compile(r"[\w-]+(?:\.[\w-]+)*\.[a-z0-9]{1,5}")
"""`train.tsv`, `access.log.2.gz`: a file name, whose parts are not code names."""
_SNAKE = re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b")
_NAME_IN_CODE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
MAX_PATHS_PER_SECTION = 4
"""A section naming more paths than this is a layout listing (plan.md "Project structure"): ignored."""

_CODE_DEFINITION = re.compile(
    r"^\s*(?:export\s+)?(?:async\s+def|def|class|function|func|fn|interface|struct|type|const|let|var)"
    r"\s+([A-Za-z_]\w*)|^([A-Za-z_][\w.]*)\s*(?::[^=\n]*)?=(?!=)"
)
"""A definition line in code: `def`/`class`/`function`…, or a module-level assignment."""
_NAME_START = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_")
_DEFINITION_WORDS = (
    "export",
    "async",
    "def",
    "class",
    "function",
    "func",
    "fn",
    "interface",
    "struct",
    "type",
    "const",
    "let",
    "var",
)
"""What a `_CODE_DEFINITION` line starts with (a name) or, after its indent, begins with."""
_CONFIG_KEY = re.compile(
    r"^\s*-?\s*[\"']?([A-Za-z_][\w.-]*)[\"']?\s*[:=](?!:)|^\s*\[([\w.-]+)\]\s*$"
)
"""A key in YAML, JSON, TOML or INI (`lr: 3e-4`, `"lr": 3e-4`, `lr = 3e-4`, `[train]`)."""
CONFIG_SUFFIXES = (".yaml", ".yml", ".json", ".toml", ".ini", ".cfg", ".env", ".conf")


@dataclass
class SpecMentions:
    """Which sections name which paths and code names."""

    paths: dict[str, list[str]] = field(default_factory=dict)
    """Normalized path → section ids naming it, document order."""
    names: dict[str, list[str]] = field(default_factory=dict)
    """`identifier_key` of a code name → section ids naming it."""
    spellings: dict[str, str] = field(default_factory=dict)
    """`identifier_key` → the name as the spec writes it."""
    section_paths: dict[str, list[str]] = field(default_factory=dict)
    """Section id → the paths its text names (the inverse of `paths`)."""
    arguments: dict[str, set[str]] = field(default_factory=dict)
    """Normalized path → the sections that name it only as a command's argument (`python -m app.run
    --config configs/bench.yaml`): they say how to run with the file, not what it holds."""
    titles: dict[tuple[str, ...], list[str]] = field(default_factory=dict)
    """Every run of two or more consecutive terms of a short title (`GPT-4 win rate` → `(win,
    rate)`, `(gpt, win, rate)`…) → the sections so titled: a definition named `win_rate` is what
    that section is about."""

    @classmethod
    def build(cls, spec: Spec) -> SpecMentions:
        mentions = cls()
        for section in spec.sections:
            text = section.text or section.title
            paths = _unique(match.group(1).lstrip("./") for match in _PATH.finditer(text))
            for path in _unique(_argument_paths(text)):
                mentions.arguments.setdefault(path, set()).add(section.id)
            if len(paths) <= MAX_PATHS_PER_SECTION:
                for path in paths:
                    mentions.paths.setdefault(path, []).append(section.id)
                    mentions.section_paths.setdefault(section.id, []).append(path)
            for run in _title_runs(section.title):
                titled = mentions.titles.setdefault(run, [])
                if section.id not in titled:
                    titled.append(section.id)
            for name in _names(text):
                key = identifier_key(name)
                mentions.spellings.setdefault(key, name)
                sections = mentions.names.setdefault(key, [])
                if section.id not in sections:
                    sections.append(section.id)
        return mentions

    def sections_naming_path(self, path: str) -> list[tuple[str, str]]:
        """(section id, path as named) for every mention that refers to `path`."""
        found: list[tuple[str, str]] = []
        for named, sections in self.paths.items():
            if (
                path == named
                or path.endswith("/" + named)
                or (named.endswith("/") and path.startswith(named))
            ):
                found.extend((section_id, named) for section_id in sections)
        if any("/" in named for _, named in found):
            found = [(section_id, named) for section_id, named in found if "/" in named]
        return found


MAX_TITLE_TERMS = 6
"""Titles with more terms than this are sentences (a task's text): only their opening two or three
words (`upsert entries by id — …`) name the work."""


def _title_runs(title: str) -> list[tuple[str, ...]]:
    words = [term for term in terms_of(title) if not term[0].isdigit() and "_" not in term]
    if len(words) < 2:
        return []
    if len(words) > MAX_TITLE_TERMS:  # a sentence: only its opening words name the work
        return [tuple(words[:2]), tuple(words[:3])]
    return [
        tuple(words[start:end])
        for start in range(len(words) - 1)
        for end in range(start + 2, len(words) + 1)
    ]


def name_words(name: str) -> tuple[str, ...]:
    """The terms of a compound code name, in order (`win_rate` → `(win, rate)`), or `()` for a
    single word."""
    words = tuple(term for term in token_terms(name) if "_" not in term)
    return words if len(words) >= 2 else ()


_ARGUMENT_PATH = re.compile(
    rf"(?:^|\s)--?[\w-]+(?:=|\s+)(?:\./)?((?:[\w.-]+/)*[\w-]+(?:\.[\w-]+)*\.(?:{_EXTENSIONS}))(?![\w/])"
)


def _argument_paths(text: str) -> list[str]:
    """Paths a text names as a command-line option's value (`--config configs/bench.yaml`)."""
    return [match.group(1) for match in _ARGUMENT_PATH.finditer(text)]


def quoted_paths(lines: Iterable[str]) -> list[str]:
    """File paths that code lines write as string literals, in order, no repeats."""
    found: list[str] = []
    for line in lines:
        if "." in line and ('"' in line or "'" in line):
            found.extend(match.group(1) for match in _QUOTED_PATH.finditer(line))
    return _unique(found)


def _unique(items: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(items))


def _names(text: str) -> list[str]:
    names: list[str] = []
    for quoted in _BACKTICK.findall(text):
        if _PATH.fullmatch(quoted.strip()) or "/" in quoted or _FILE_NAME.fullmatch(quoted.strip()):
            continue
        for name in _NAME_IN_CODE.findall(quoted.split("(")[0]):
            if _is_specific(name):
                names.append(name)
    names.extend(name for name in _SNAKE.findall(text) if _is_specific(name))
    return _unique(names)


def _is_specific(name: str) -> bool:
    return len(name) >= 2 and name.lower() not in STOP_WORDS and not name.isdigit()


def defined_names(chunk: Chunk) -> list[str]:
    """Names the chunk defines: its symbol's parts, definitions and module-level assignments on
    its added lines (deleted lines for a pure deletion), every key in a config file."""
    names: list[str] = chunk.symbol.split(".") if chunk.symbol else []
    pattern = _CONFIG_KEY if chunk.path.endswith(CONFIG_SUFFIXES) else _CODE_DEFINITION
    kind = "-" if chunk.added == 0 else "+"
    code = pattern is _CODE_DEFINITION
    for line in chunk.lines:
        if line.kind == kind:
            text = line.text
            if (
                code
                and text[:1] not in _NAME_START
                and not text.lstrip().startswith(_DEFINITION_WORDS)
            ):
                continue  # cannot match: neither a name at column 0 nor a definition word
            match = pattern.match(text)
            if match:
                name = next(group for group in match.groups() if group)
                names.extend(name.split("."))
    return _unique(name for name in names if _is_specific(name))
