"""Provides `PhaseFacts`: what the rules need to know about the whole phase and spec, computed once.

Some rules depend on more than one file: randomness is only a problem when the spec asks for seeds and
no changed file sets one; an evaluation limit is fine when it is the sample count the spec states.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field

from reviewtui.core.checks.context import FileContext, Finding
from reviewtui.core.checks.names import call_name, last_part, tokens
from reviewtui.core.models import Spec

SEED_ALL = frozenset(
    {
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
"""Helpers (last part of the name) that seed every library at once (transformers, lightning, ...)."""

_SEED_IN_SPEC = re.compile(r"\b(seeds?|seeded|random[ _-]state|reproducib\w*)\b", re.IGNORECASE)
_GENERATION_IN_SPEC = re.compile(
    r"\b(LLMs?|language models?|GPT[-\w.]*|claude[-\w.]*|gemini|llama[-\w.]*|mistral|anthropic|openai"
    r"|(?:model|machine|LLM)[- ]generated|generated (?:by|with|from) (?:the |an? )?(?:model|LLM|API)"
    r"|generate[sd]? (?:\w+ ){0,6}with (?:the |an? )?(?:model|LLM|API)|prompt(?:s|ed|ing)?)\b",
    re.IGNORECASE,
)
"""What a spec says when it wants text written by a model: an LLM, a model name, a prompt."""


@dataclass
class PhaseFacts:
    """Phase-wide facts for the rules: does the spec ask for seeds, does the code set one, ..."""

    spec_asks_seed: bool = False
    """The spec mentions seeds, a random state or reproducibility."""
    seeded: set[str] = field(default_factory=set)
    """Libraries some changed Python file seeds: `python`, `numpy`, `torch`, or `all` (`set_seed`)."""
    spec_counts: set[float] = field(default_factory=set)
    """Sample counts the spec states (an evaluation limit equal to one of them is not a subset)."""
    mismatches: dict[str, list[Finding]] = field(default_factory=dict)
    """path -> `spec-mismatch` findings from the ledger."""
    seed_helpers: dict[str, set[str]] = field(default_factory=dict)
    """Seeding helpers the phase defines (`set_seed`) -> the libraries their bodies seed."""
    spec_wants_generation: bool = False
    """The spec asks for text a model writes (an LLM, a model name, a prompt): text built from a
    template where that text goes (`{"query": q}`), or as the fallback of a model call, is flagged."""


def gather_facts(spec: Spec, contexts: list[FileContext], spec_counts: set[float]) -> PhaseFacts:
    text = "\n".join(section.text for section in spec.sections)
    helpers = _seed_helpers(contexts)
    return PhaseFacts(
        spec_asks_seed=bool(_SEED_IN_SPEC.search(text)),
        spec_wants_generation=bool(_GENERATION_IN_SPEC.search(text)),
        seeded={lib for context in contexts for lib in _seeded_libraries(context, helpers)},
        spec_counts=spec_counts,
        seed_helpers=helpers,
    )


SeedHelpers = dict[str, set[str]]
"""Name of a seeding helper the phase defines -> the libraries its body seeds."""

SEEDING_PACKAGES = frozenset(
    {"transformers", "lightning", "pl", "pytorch_lightning", "L", "accelerate", "keras", "tf"}
)
"""Packages whose `set_seed`/`seed_everything` really seeds every library."""


def _seeded_libraries(context: FileContext, helpers: SeedHelpers | None = None) -> set[str]:
    """The libraries a file's calls seed; a call to a seeding helper the phase defines seeds what
    that helper's body seeds, not everything."""
    found: set[str] = set()
    for node in context.nodes(ast.Call):
        if isinstance(node, ast.Call):
            found |= _call_seeds(node, helpers or {})
    return found


def _call_seeds(node: ast.Call, helpers: SeedHelpers) -> set[str]:
    library = seed_library(node)
    if library != "all":
        return {library} if library else set()
    name = call_name(node)
    module, _, method = name.rpartition(".")
    if method in helpers and module.split(".")[0] not in SEEDING_PACKAGES:
        return helpers[method]
    return {"all"}


def _seed_helpers(contexts: list[FileContext]) -> SeedHelpers:
    """The seeding helpers (`set_seed`, `fix_random_seeds`, ...) defined in the phase's files, with
    what their bodies seed (helpers calling helpers followed until nothing changes)."""
    bodies: dict[str, list[ast.Call]] = {}
    for context in contexts:
        for function in context.nodes(ast.FunctionDef):
            name = function.name  # type: ignore[attr-defined]
            if seed_library(ast.Call(ast.Name(name), [], [])) == "all":
                calls = [sub for sub in ast.walk(function) if isinstance(sub, ast.Call)]
                bodies.setdefault(name, []).extend(calls)
    helpers: SeedHelpers = {name: set() for name in bodies}
    for _round in range(len(bodies) + 1):
        changed = False
        for name, calls in bodies.items():
            seeds = set().union(*(_call_seeds(call, helpers) for call in calls))
            if not seeds <= helpers[name]:
                helpers[name] |= seeds
                changed = True
        if not changed:
            break
    return helpers


SEED_WORDS = frozenset({"seed", "seeds", "seeding", "reproducible", "reproducibility"})


def seed_library(node: ast.Call) -> str | None:
    """Which library a call seeds: `random.seed` -> python, `np.random.seed` -> numpy, ..."""
    name = call_name(node)
    module, _, method = name.rpartition(".")
    if method in SEED_ALL:
        return "all"
    if method == "seed" and module == "random":
        return "python"
    if method == "seed" and module in {"np.random", "numpy.random"}:
        return "numpy"
    if method in {"manual_seed", "manual_seed_all"} and module.split(".")[0] == "torch":
        return "torch"
    if method not in {"seed", "manual_seed", "manual_seed_all"} and tokens(method) & SEED_WORDS:
        return (
            "all"  # the project's own helper (`utils.fix_random_seeds(cfg.seed)`), maybe unchanged
        )
    return None


RANDOM_SPLITTERS = frozenset(
    {"train_test_split", "KFold", "StratifiedKFold", "ShuffleSplit", "GroupShuffleSplit"}
)
TORCH_RANDOM = frozenset(
    {
        "rand",
        "randn",
        "randint",
        "randperm",
        "randn_like",
        "rand_like",
        "multinomial",
        "bernoulli",
        "normal",
        "random_split",
    }
)
NOT_RANDOM = frozenset(
    {
        "seed",
        "get_state",
        "set_state",
        "getstate",
        "setstate",
        "default_rng",
        "Random",
        "RandomState",
        "Generator",
    }
)


def random_library(node: ast.Call) -> str | None:
    """The library whose global random state a call draws from, or None."""
    name = call_name(node)
    module, _, method = name.rpartition(".")
    keywords = {keyword.arg for keyword in node.keywords}
    if method in NOT_RANDOM:
        return None
    if module == "random":
        return "python"
    if module in {"np.random", "numpy.random"}:
        return "numpy"
    if (
        module in {"torch", "torch.utils.data"}
        and method in TORCH_RANDOM
        and "generator" not in keywords
    ):
        return "torch"
    if last_part(name) in RANDOM_SPLITTERS and not keywords & {"random_state"}:
        shuffled = last_part(name) == "train_test_split" or any(
            k.arg == "shuffle" and isinstance(k.value, ast.Constant) and k.value.value is True
            for k in node.keywords
        )
        return "numpy" if shuffled else None
    if (
        last_part(name) == "DataLoader"
        and "generator" not in keywords
        and any(
            k.arg == "shuffle"
            and not (isinstance(k.value, ast.Constant) and k.value.value is False)
            for k in node.keywords
        )
    ):
        return "torch"
    return None
