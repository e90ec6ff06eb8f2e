"""Provides `SpecValues`: the numbers each spec section states together with the words of the same
line (`| optimiser | RMSprop, lr 1e-6 |`, `kernel 25`), and `value_pairs`: the sections whose stated
values a chunk sets under a matching name (`lr: 1.0e-6`, `kernel_size: 25`). A config key or a
default argument set to the value the spec states is strong evidence of which section it follows.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from reviewtui.core.linking.index import plain_numbers
from reviewtui.core.linking.terms import terms_of
from reviewtui.core.models import Spec


@dataclass
class SpecValues:
    """Number term → (section id, the terms of the spec line stating it) for every stated value."""

    stated: dict[str, list[tuple[str, frozenset[str]]]] = field(default_factory=dict)

    @classmethod
    def build(cls, spec: Spec, skip: set[str]) -> SpecValues:
        """Index the values of every section but those in `skip` (process sections)."""
        values = cls()
        for section in spec.sections:
            if section.id in skip:
                continue
            for line in (section.text or section.title).splitlines():
                if any(char.isdigit() for char in line):
                    values._add_line(section.id, plain_numbers(line))
        return values

    def _add_line(self, section_id: str, line: str) -> None:
        terms = terms_of(line)
        words = frozenset(term for term in terms if not term[0].isdigit())
        if not words:
            return
        for number in dict.fromkeys(term for term in terms if term[0].isdigit()):
            self.stated.setdefault(number, []).append((section_id, words))


_ASSIGNED = re.compile(
    r"""([A-Za-z_][\w.-]*)["']?\s*(?::\s*\w+\s*)?[:=]\s*(-?\d[\d_]*(?:\.\d+)?(?:[eE][-+]?\d+)?)\s*[,;)\]}]?\s*(?:#.*)?$"""
)
"""A name set to a number, the whole value of the line: `lr: 1.0e-6`, `"lr": 3e-4,`, `lr = 3e-4`,
`max_prompt_tokens: int = 512,` (a trailing comment allowed)."""


def value_pairs(lines: Iterable[str], values: SpecValues) -> dict[str, list[tuple[str, str]]]:
    """Section id → the (name, number) pairs of `lines` it states: a line setting a name to a
    number, and a spec line of the section stating that number with one of the name's words."""
    found: dict[str, list[tuple[str, str]]] = {}
    stated = values.stated
    for line in lines:
        if "=" not in line and ":" not in line:
            continue
        match = _ASSIGNED.search(line)
        if match is None:
            continue
        numbers = [term for term in terms_of(match.group(2).replace("_", "")) if term in stated]
        if not numbers:
            continue
        name = match.group(1).rsplit(".", 1)[-1]
        words = set(terms_of(name))
        for section_id, spec_words in stated[numbers[0]]:
            if words & spec_words:
                pairs = found.setdefault(section_id, [])
                if (name, numbers[0]) not in pairs:
                    pairs.append((name, numbers[0]))
    return found
