"""Provides `redact(text)` and `is_ignored(path, patterns)`: what is removed before text goes to the LLM.

Likely secrets (API keys and tokens of the common providers, private keys, passwords in URLs,
`.env`-style assignments of secret-named variables, quoted secrets assigned in code) are replaced by
`[REDACTED:<kind>]`. Files matched by the ignore list (`llm.ignore`) are never sent at all.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from pathlib import PurePosixPath

_SECRET_NAME = r"[A-Za-z0-9_.-]*(?:KEY|TOKEN|SECRET|PASSWORD|PASSWD|PWD|CREDENTIALS?|AUTH)\b"
_NOT_A_SECRET = r"(?![0-9.]+\b|true\b|false\b|none\b|null\b)"

_TOKEN_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    (
        "private-key",
        re.compile(
            r"-----BEGIN [A-Z0-9 ]*PRIVATE KEY( BLOCK)?-----"
            r"(?:[\s\S]*?-----END [A-Z0-9 ]*PRIVATE KEY( BLOCK)?-----|[\s\S]*\Z)"
        ),
    ),
    ("anthropic-key", re.compile(r"\bsk-ant-[A-Za-z0-9_-]{16,}")),
    ("openai-key", re.compile(r"\bsk-(?:proj-|svcacct-)?[A-Za-z0-9_-]{20,}")),
    ("aws-access-key", re.compile(r"\b(?:AKIA|ASIA|AGPA|AIDA|AROA)[0-9A-Z]{16}\b")),
    ("github-token", re.compile(r"\b(?:gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{22,})")),
    ("gitlab-token", re.compile(r"\bglpat-[A-Za-z0-9_-]{20,}")),
    ("slack-token", re.compile(r"\bxox[abposr]-[A-Za-z0-9-]{10,}")),
    ("google-api-key", re.compile(r"\bAIza[0-9A-Za-z_-]{35}")),
    ("stripe-key", re.compile(r"\b(?:sk|rk|pk)_(?:live|test)_[A-Za-z0-9]{16,}")),
    ("huggingface-token", re.compile(r"\bhf_[A-Za-z0-9]{30,}")),
    ("jwt", re.compile(r"\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}")),
]

_URL_PASSWORD = re.compile(
    r"(?P<head>\b[a-zA-Z][a-zA-Z0-9+.-]*://[^\s:/@'\"]+:)(?P<secret>[^\s@/'\"]+)(?=@)"
)

_ENV_ASSIGNMENT = re.compile(
    r"(?im)^(?P<head>[+\- ]?[ \t]*(?:export[ \t]+)?" + _SECRET_NAME + r"[ \t]*[=:][ \t]*)"
    r"(?P<quote>[\"']?)"
    + _NOT_A_SECRET
    + r"(?P<secret>[^\s\"'#()\[\]{},;<>]{6,})(?P=quote)[ \t]*(?:#.*)?$"
)

_CODE_ASSIGNMENT = re.compile(
    r"(?i)(?P<head>\b[A-Za-z0-9_]*(?:api_?key|secret|token|password|passwd|credentials?)\b"
    r"[\"']?\s*(?:=|:|=>)\s*)(?P<quote>[\"'])(?P<secret>[^\"'\s<>]{6,})(?P=quote)"
)


@dataclass
class Redaction:
    """Text with likely secrets replaced, and what was replaced (kinds only, never the values)."""

    text: str
    kinds: list[str] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.kinds)


def redact(text: str) -> Redaction:
    """Replace likely secrets in `text` by `[REDACTED:<kind>]` markers."""
    kinds: list[str] = []
    for kind, pattern in _TOKEN_PATTERNS:
        text = pattern.sub(_marker(kind, kinds), text)
    text = _URL_PASSWORD.sub(_keep_head("url-password", kinds), text)
    text = _ENV_ASSIGNMENT.sub(_keep_head("assignment", kinds), text)
    text = _CODE_ASSIGNMENT.sub(_keep_head("assignment", kinds), text)
    return Redaction(text, kinds)


def _marker(kind: str, kinds: list[str]) -> Callable[[re.Match[str]], str]:
    def replace(match: re.Match[str]) -> str:
        kinds.append(kind)
        return f"[REDACTED:{kind}]"

    return replace


def _keep_head(kind: str, kinds: list[str]) -> Callable[[re.Match[str]], str]:
    def replace(match: re.Match[str]) -> str:
        secret = match.group("secret")
        if secret.startswith("[REDACTED"):
            return match.group(0)
        kinds.append(kind)
        quote = match.groupdict().get("quote") or ""
        return f"{match.group('head')}{quote}[REDACTED:{kind}]{quote}"

    return replace


def is_ignored(path: str, patterns: Iterable[str]) -> bool:
    """True when `path` (repo-relative, `/`-separated) matches an ignore glob by full path or name."""
    name = PurePosixPath(path).name
    return any(fnmatchcase(path, pattern) or fnmatchcase(name, pattern) for pattern in patterns)
