"""Provides the review checks: rules that flag what agents get wrong in ML experiments, and the
spec's numbers ledger.

    flags = run_checks(chunks, phase.files, spec, settings.checks)   # chunk id -> [Flag], high first
    ledger = build_ledger(spec, phase.files)                           # spec values vs code settings
    ledger_markdown(ledger)                                            # a table for the export
    RULES                                                              # (Rule(id, severity, explanation, check), ...)
"""

from __future__ import annotations

from reviewtui.core.checks.code_values import CodeSetting
from reviewtui.core.checks.engine import (
    RULES,
    Rule,
    check_phase,
    risk_key,
    risk_order,
    rules_markdown,
    run_checks,
)
from reviewtui.core.checks.ledger import Ledger, LedgerEntry, build_ledger, ledger_markdown
from reviewtui.core.checks.spec_values import SpecValue

__all__ = [
    "RULES",
    "CodeSetting",
    "Ledger",
    "LedgerEntry",
    "Rule",
    "SpecValue",
    "build_ledger",
    "check_phase",
    "ledger_markdown",
    "risk_key",
    "risk_order",
    "rules_markdown",
    "run_checks",
]
