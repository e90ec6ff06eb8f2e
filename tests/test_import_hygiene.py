"""The domain core is usable without a terminal: it imports neither Textual nor Rich."""

from __future__ import annotations

import subprocess
import sys

CORE_MODULES = [
    "reviewtui.config",
    "reviewtui.core.models",
    "reviewtui.core.state",
    "reviewtui.core.gitrange",
    "reviewtui.core.spec",
    "reviewtui.core.chunks",
    "reviewtui.core.links",
    "reviewtui.core.checks",
    "reviewtui.core.session",
    "reviewtui.core.report",
    "reviewtui.core.demo",
    "reviewtui.core.llm",
]


def test_core_imports_no_textual_or_rich() -> None:
    code = (
        "import importlib, sys\n"
        f"for name in {CORE_MODULES!r}:\n"
        "    importlib.import_module(name)\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in {'textual', 'rich'})\n"
        "print(','.join(bad))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "", f"the core imported: {result.stdout.strip()}"
