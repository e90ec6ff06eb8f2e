"""Provides `AnswerCache`: LLM answers cached on disk in `.reviewtui/cache/llm/`, keyed by a sha256.

The key is the sha256 of the model id and the whole prompt (which holds the code and the spec), so
reopening a review, or a later phase where a chunk is unchanged, costs nothing. Only complete answers
are stored; an entry holds the text, the token usage and the time, never a key or a header.
A corrupt entry is treated as a miss and overwritten by the next answer. Writing is best-effort for
callers: `put` raises `OSError` (disk full, read-only folder, a file where the folder should be) and
leaves no temp file behind; `LLMClient` turns that into a one-line warning, never a lost answer.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from reviewtui.core.llm.usage import Usage

CACHE_DIR = Path(".reviewtui") / "cache" / "llm"
"""Where answers live, relative to the repo root."""


def cache_key(model: str, prompt: dict[str, Any]) -> str:
    """sha256 over the model id and the canonical JSON of the prompt."""
    canonical = json.dumps(prompt, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(f"{model}\n{canonical}".encode()).hexdigest()


class AnswerCache:
    """A directory of `<key>.json` files, one per cached answer."""

    def __init__(self, root: Path) -> None:
        self.directory = root / CACHE_DIR

    def path(self, key: str) -> Path:
        return self.directory / f"{key}.json"

    def get(self, key: str) -> tuple[str, Usage] | None:
        """The cached text and usage for `key`, or None (missing or unreadable)."""
        try:
            data = json.loads(self.path(key).read_text(encoding="utf-8"))
            return str(data["text"]), Usage(**data.get("usage", {}))
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def put(self, key: str, text: str, usage: Usage, *, model: str, kind: str) -> None:
        """Store a complete answer atomically (write a temp file, then rename).

        Raises `OSError` when the entry cannot be written (text that cannot be encoded counts as
        such); the temp file is removed whatever happens.
        """
        self.directory.mkdir(parents=True, exist_ok=True)
        self._ensure_ignored()
        entry = {
            "model": model,
            "kind": kind,
            "created": datetime.now(UTC).isoformat(timespec="seconds"),
            "usage": asdict(usage),
            "text": text,
        }
        handle, temp = tempfile.mkstemp(dir=self.directory, suffix=".tmp")
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as file:
                json.dump(entry, file, ensure_ascii=False)
            os.replace(temp, self.path(key))
        except UnicodeError as error:
            raise OSError(f"cannot encode the answer: {error}") from error
        finally:
            _remove(temp)

    def _ensure_ignored(self) -> None:
        ignore = self.directory / ".gitignore"
        if not ignore.exists():
            ignore.write_text("*\n", encoding="utf-8")


def _remove(path: str) -> None:
    """Delete `path` if it is still there (a temp file left by a failed write)."""
    try:
        os.unlink(path)
    except FileNotFoundError:
        return
