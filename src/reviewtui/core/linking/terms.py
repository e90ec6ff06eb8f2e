"""Provides the term extraction shared by spec sections and chunks: identifiers split on snake and
camel case, light stemming, stop words dropped, numbers normalised (`3e-4` and `0.0003` are one term).

Compound identifiers (`mean_pool`, `warmupSteps`) also yield the whole identifier as one extra term, so
a name the spec quotes matches the code exactly and counts more than its parts.
"""

from __future__ import annotations

import re
from functools import lru_cache

TOKEN = re.compile(r"[A-Za-z_]\w*|\d+(?:\.\d+(?:[eE][-+]?\d+)?|[eE][-+]?\d+)?", re.ASCII)
"""An identifier, or a number (`3`, `0.5`, `3e-4`, `1.5e-3`). Identifiers come first and the number
alternatives share their digits: the same tokens as three separate number patterns, found faster."""
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")

_STOP_TEXT = """
    a an the of to in on at by for from with without into onto as is are was were be been being it its
    this that these those there here and or not no nor but if then else elif when while where which who
    whom whose what how why all any each every some such only own same so than too very can could should
    would will shall may might must do does did done doing have has had having we you they he she i our
    your their them us me my also just more most other use used using via per both either one two
    def class return import self cls none true false pass raise try except finally lambda yield async
    await global nonlocal del assert break continue print str int float bool list dict set tuple len
    range isinstance type object args kwargs init main new get make value values item items result
    results tmp foo bar src py md txt json cfg ini lib test tests util utils
    todo note notes see e g ie eg etc x y n k v t f s
"""
STOP_WORDS = frozenset(_STOP_TEXT.split())
"""Words that say nothing about which section a piece of code implements."""


def stem(word: str) -> str:
    """A deliberately small suffix stripper: plurals, `-ing`, `-ed`; enough to join `loads`/`loading`."""
    if len(word) <= 3 or word[0].isdigit():
        return word
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith("sses"):
        return word[:-2]
    if word.endswith("ing") and len(word) > 5:
        return word[:-3]
    if word.endswith("ed") and len(word) > 4 and not word.endswith("eed"):
        return word[:-2]
    if word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


_GENERIC_TEXT = """
start end begin stop time label name value key keys id index count size length number total max min
path file files folder line lines text string str item list read write load save open close run
step call wrap inner function func method param params option options default config setting
setting update add remove create delete find check format info log message error output input
state current first last next prev previous old new other copy temp buffer handle handler
request response
"""
GENERIC_TERMS = frozenset(stem(word) for word in _GENERIC_TEXT.split())
"""Words of everyday code: they still count, at a lower weight (see `signals.GENERIC_WEIGHT`)."""


@lru_cache(maxsize=65536)
def token_terms(token: str) -> tuple[str, ...]:
    """The terms of one token: a number normalised, or an identifier split, stemmed and filtered."""
    if token[0].isdigit():
        return _number(token)
    parts = [part for piece in token.split("_") for part in _CAMEL.split(piece) if part]
    terms = [stem(part.lower()) for part in parts if not part.isdigit()]
    terms = [term for term in terms if len(term) > 1 and term not in STOP_WORDS]
    if len(parts) > 1:
        terms.append("_".join(part.lower() for part in parts))
    return tuple(terms)


def _number(token: str) -> tuple[str, ...]:
    if "." in token or "e" in token or "E" in token:
        try:
            return (repr(float(token)),)
        except ValueError:
            return ()
    return (token,) if len(token) >= 2 else ()


def terms_of(text: str) -> list[str]:
    """The terms of a text, in order, repeats kept."""
    out: list[str] = []
    for token in TOKEN.findall(text):
        out.extend(token_terms(token))
    return out


def identifier_key(name: str) -> str:
    """A case- and separator-insensitive key for an identifier: `MeanPool`, `mean_pool` → `meanpool`."""
    return name.replace("_", "").replace("-", "").lower()
