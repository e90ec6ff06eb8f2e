"""The README documents what the product does: commands, options, keys and configuration stay true."""

from __future__ import annotations

import re
from dataclasses import fields, is_dataclass
from pathlib import Path

import pytest

from reviewtui.cli import ARGUMENTS, COMMANDS, _parser
from reviewtui.config import Settings

README = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")
KEY_NAMES = {"slash": "/", "question_mark": "?", "down": "↓", "up": "↑"}


def test_the_two_commands_come_first() -> None:
    assert "pip install . && reviewtui demo" in README
    assert "pip install -e '.[test]' && pytest" in README
    assert README.index("pip install . && reviewtui demo") < README.index("## Use")


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_is_documented(command: str) -> None:
    assert re.search(rf"^\| `reviewtui {command}\b", README, re.MULTILINE), command


@pytest.mark.parametrize("command", ["open", *COMMANDS])
def test_every_option_is_documented(command: str) -> None:
    parser = _parser(command)
    options = [
        option
        for action in parser._actions
        for option in action.option_strings
        if option.startswith("-") and option not in {"-h", "--help", "--version"}
    ]
    assert ARGUMENTS[command]
    for option in options:
        assert f"{option}" in README, f"{command} {option}"


def test_every_review_key_is_documented() -> None:
    from reviewtui.tui.screens.review import ReviewScreen

    for binding in ReviewScreen.BINDINGS:
        key = binding.key.split(",")[0]  # type: ignore[union-attr]
        shown = KEY_NAMES.get(key, key)
        assert f"`{shown}`" in README, f"key {key} ({binding.description})"  # type: ignore[union-attr]


def _setting_names(settings: object) -> list[str]:
    names = []
    for field in fields(settings):  # type: ignore[arg-type]
        value = getattr(settings, field.name)
        if field.name == "warnings":
            continue
        if is_dataclass(value):
            names.extend(_setting_names(value))
        else:
            names.append(field.name)
    return names


def test_every_setting_is_documented() -> None:
    config = README[README.index("## Configuration") :]
    for name in _setting_names(Settings()):
        assert f"`{name}`" in config, name


def test_no_placeholder_is_left() -> None:
    assert not re.search(r"\b[A-Z]+-(TABLE|SECTION|FIGURES)\b", README)


def test_local_links_resolve() -> None:
    root = Path(__file__).parent.parent
    for target in re.findall(r"\]\(([^)#:]+)\)", README):
        assert (root / target).exists(), target
