"""Provides `PhaseFacts`: what the rules need to know about the whole phase and spec, computed once.

Some rules depend on more than one file: randomness is only a problem when the spec asks for seeds and
no changed file sets one; an evaluation limit is fine when it is the sample count the spec states.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field

from reviewtui.core.checks.context import FileContext, Finding
from reviewtui.core.checks.names import call_name, last_part
from reviewtui.core.models import Spec

SEED_CALLS = frozenset(
    {
        "seed",
        "manual_seed",
        "manual_seed_all",
        "set_seed",
        "seed_everything",
        "set_random_seed",
        "set_global_seed",
        "set_all_seeds",
        "seed_all",
        "fix_seed",
        "set_seeds",
    }
)
"""Call names (last part) that seed a random generator."""

_SEED_IN_SPEC = re.compile(r"\b(seeds?|seeded|random[ _-]state|reproducib\w*)\b", re.IGNORECASE)


@dataclass
class PhaseFacts:
    """Phase-wide facts for the rules: does the spec ask for seeds, does the code set one, ..."""

    spec_asks_seed: bool = False
    """The spec mentions seeds, a random state or reproducibility."""
    seeded: bool = False
    """Some changed Python file seeds a random generator (`torch.manual_seed`, `set_seed`, ...)."""
    spec_counts: set[float] = field(default_factory=set)
    """Sample counts the spec states (an evaluation limit equal to one of them is not a subset)."""
    mismatches: dict[str, list[Finding]] = field(default_factory=dict)
    """path -> `spec-mismatch` findings from the ledger."""


def gather_facts(spec: Spec, contexts: list[FileContext], spec_counts: set[float]) -> PhaseFacts:
    text = "\n".join(section.text for section in spec.sections)
    return PhaseFacts(
        spec_asks_seed=bool(_SEED_IN_SPEC.search(text)),
        seeded=any(_sets_seed(context) for context in contexts),
        spec_counts=spec_counts,
    )


def _sets_seed(context: FileContext) -> bool:
    for node in context.nodes():
        if isinstance(node, ast.Call) and last_part(call_name(node)) in SEED_CALLS:
            return True
    return False
