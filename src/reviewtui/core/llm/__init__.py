"""The LLM in the loop (Anthropic): explanations, linking help and drafted fixes. No Textual, no Rich.

- `client`: `LLMClient` (SDK, disk cache, budget, concurrency, one-line errors), `Prompt`, `Answer`
- `prompts`: the explain / link / draft prompts (spec in a prompt-cached block)
- `redaction`: `redact(text)`, `is_ignored(path, patterns)`, `credential_file(path)`
- `cache`: `AnswerCache` in `.reviewtui/cache/llm/` (best-effort: a failed write is a warning)
- `usage`: `Usage`, `cost_usd`, `describe`
- `explain`: `client_for(session)`, `explain_chunk`, `cached_explanation`, `prefetch`
- `linking`: `suggest_links(session) -> LinkHelp` (validated `llm` evidence), `merge_link_help`
- `draft`: `draft_fix(session, request) -> DraftPatch`, `apply_patch`, `keep_patch`
"""

from __future__ import annotations

from reviewtui.core.llm.client import Answer, LLMClient, Prompt
from reviewtui.core.llm.draft import DraftPatch, apply_patch, draft_fix, keep_patch
from reviewtui.core.llm.explain import cached_explanation, client_for, explain_chunk, prefetch
from reviewtui.core.llm.linking import LinkHelp, link_candidates, merge_link_help, suggest_links
from reviewtui.core.llm.redaction import is_ignored, redact
from reviewtui.core.llm.usage import Usage

__all__ = [
    "Answer",
    "DraftPatch",
    "LLMClient",
    "LinkHelp",
    "Prompt",
    "Usage",
    "apply_patch",
    "cached_explanation",
    "client_for",
    "draft_fix",
    "explain_chunk",
    "is_ignored",
    "keep_patch",
    "link_candidates",
    "merge_link_help",
    "prefetch",
    "redact",
    "suggest_links",
]
