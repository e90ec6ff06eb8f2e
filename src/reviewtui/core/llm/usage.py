"""Provides `Usage` (token counts of LLM calls) and `cost_usd(usage, model, settings)`.

Prices are US dollars per million tokens, for the models whose prices are known here; other models
report tokens only, unless `llm.price_input` / `llm.price_output` are configured.
Cache writes cost 1.25x the input price and cache reads 0.1x (Anthropic's prompt caching).
"""

from __future__ import annotations

from dataclasses import dataclass

from reviewtui.config import LLMSettings

PRICES: dict[str, tuple[float, float]] = {
    "claude-sonnet-4-5": (3.0, 15.0),
    "claude-sonnet-4-0": (3.0, 15.0),
    "claude-sonnet-4-2025": (3.0, 15.0),
    "claude-3-7-sonnet": (3.0, 15.0),
    "claude-haiku-4-5": (1.0, 5.0),
    "claude-3-5-haiku": (0.8, 4.0),
    "claude-opus-4-5": (5.0, 25.0),
    "claude-opus-4-1": (15.0, 75.0),
    "claude-opus-4-0": (15.0, 75.0),
    "claude-opus-4-2025": (15.0, 75.0),
}
"""Model id prefix -> (input, output) USD per million tokens."""


@dataclass
class Usage:
    """Token counts of one or more LLM calls."""

    input_tokens: int = 0
    output_tokens: int = 0
    cache_creation_input_tokens: int = 0
    cache_read_input_tokens: int = 0

    @property
    def total(self) -> int:
        return (
            self.input_tokens
            + self.output_tokens
            + self.cache_creation_input_tokens
            + self.cache_read_input_tokens
        )

    def add(self, other: Usage) -> None:
        self.input_tokens += other.input_tokens
        self.output_tokens += other.output_tokens
        self.cache_creation_input_tokens += other.cache_creation_input_tokens
        self.cache_read_input_tokens += other.cache_read_input_tokens

    @classmethod
    def from_sdk(cls, usage: object) -> Usage:
        """Read an `anthropic.types.Usage` (missing or None counts are 0)."""

        def count(name: str) -> int:
            return int(getattr(usage, name, 0) or 0)

        return cls(
            count("input_tokens"),
            count("output_tokens"),
            count("cache_creation_input_tokens"),
            count("cache_read_input_tokens"),
        )


def prices_for(model: str, settings: LLMSettings) -> tuple[float, float] | None:
    """(input, output) USD per million tokens for `model`, or None when unknown."""
    if settings.price_input > 0 or settings.price_output > 0:
        return settings.price_input, settings.price_output
    for prefix, prices in PRICES.items():
        if model.startswith(prefix):
            return prices
    return None


def cost_usd(usage: Usage, model: str, settings: LLMSettings) -> float | None:
    """The cost of `usage` in USD, or None when the model's prices are unknown."""
    prices = prices_for(model, settings)
    if prices is None:
        return None
    per_input, per_output = (price / 1_000_000 for price in prices)
    return (
        usage.input_tokens * per_input
        + usage.cache_creation_input_tokens * per_input * 1.25
        + usage.cache_read_input_tokens * per_input * 0.1
        + usage.output_tokens * per_output
    )


def describe(usage: Usage, model: str, settings: LLMSettings) -> str:
    """One line for humans: `1,200 in · 300 out · 900 cached · $0.0081` (cost only when known)."""
    parts = [f"{usage.input_tokens:,} in", f"{usage.output_tokens:,} out"]
    if usage.cache_read_input_tokens:
        parts.append(f"{usage.cache_read_input_tokens:,} cached")
    cost = cost_usd(usage, model, settings)
    if cost is not None:
        parts.append(f"${cost:.4f}")
    return " · ".join(parts)
