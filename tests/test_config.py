"""Settings come from `[tool.reviewtui]` in pyproject.toml, then environment overrides."""

from __future__ import annotations

from pathlib import Path

import pytest

from reviewtui.config import ConfigError, Settings, load_settings


def write(root: Path, text: str) -> None:
    (root / "pyproject.toml").write_text(text, encoding="utf-8")


def test_defaults_without_pyproject(tmp_path: Path) -> None:
    assert load_settings(tmp_path, environ={}) == Settings()


def test_values_from_pyproject(tmp_path: Path) -> None:
    write(
        tmp_path,
        '[tool.reviewtui]\nspec = ["docs/SPEC.md"]\nphase = "2"\n'
        "[tool.reviewtui.chunks]\nmax-lines = 25\n"
        "[tool.reviewtui.links]\nthreshold = 0.5\n"
        '[tool.reviewtui.checks]\ndisabled = ["stub"]\nseverity = { "eval-subset" = "low" }\n'
        '[tool.reviewtui.llm]\nmodel = "claude-x"\nauto_explain = true\n',
    )
    settings = load_settings(tmp_path, environ={})
    assert settings.spec == ["docs/SPEC.md"] and settings.phase == "2"
    assert settings.chunks.max_lines == 25 and settings.links.threshold == 0.5
    assert settings.checks.disabled == ["stub"] and settings.checks.severity == {
        "eval-subset": "low"
    }
    assert settings.llm.model == "claude-x" and settings.llm.auto_explain is True
    assert settings.warnings == []


def test_unknown_keys_warn(tmp_path: Path) -> None:
    write(tmp_path, "[tool.reviewtui]\ncolour = 1\n[tool.reviewtui.llm]\nmodle = 'x'\n")
    settings = load_settings(tmp_path, environ={})
    assert settings.warnings == [
        "unknown setting tool.reviewtui.colour",
        "unknown setting tool.reviewtui.llm.modle",
    ]


@pytest.mark.parametrize(
    "text",
    [
        "[tool.reviewtui.chunks]\nmax_lines = 'forty'\n",
        "[tool.reviewtui.llm]\nauto_explain = 3\n",
        "[tool.reviewtui]\nspec = 'SPEC.md'\n",
        "[tool.reviewtui]\nchunks = 3\n",
        "[tool.reviewtui\n",
    ],
)
def test_bad_config_is_one_clear_error(tmp_path: Path, text: str) -> None:
    write(tmp_path, text)
    with pytest.raises(ConfigError) as error:
        load_settings(tmp_path, environ={})
    assert "\n" not in str(error.value)


def test_environment_overrides(tmp_path: Path) -> None:
    write(tmp_path, '[tool.reviewtui.llm]\nmodel = "from-file"\n')
    settings = load_settings(
        tmp_path,
        environ={
            "REVIEWTUI_MODEL": "from-env",
            "REVIEWTUI_AUTO_EXPLAIN": "yes",
            "REVIEWTUI_PREFETCH": "3",
        },
    )
    assert settings.llm.model == "from-env"
    assert settings.llm.auto_explain is True and settings.llm.prefetch == 3
    with pytest.raises(ConfigError, match="REVIEWTUI_PREFETCH"):
        load_settings(tmp_path, environ={"REVIEWTUI_PREFETCH": "many"})


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "[tool.reviewtui.links]\nthreshold = 5\n",
            "tool.reviewtui.links.threshold must be at most 1.0, not 5.0",
        ),
        ("[tool.reviewtui.links]\nthreshold = -0.1\n", "threshold must be at least 0.0, not -0.1"),
        (
            "[tool.reviewtui.chunks]\nmax_lines = 0\n",
            "tool.reviewtui.chunks.max_lines must be at least 1, not 0",
        ),
        ('[tool.reviewtui.chunks]\nmax_lines = "ten"\n', "max_lines must be an integer, not 'ten'"),
        ("[tool.reviewtui.llm]\nauto_explain = 3\n", "auto_explain must be true or false, not 3"),
        (
            '[tool.reviewtui]\nspec = "SPEC.md"\n',
            "tool.reviewtui.spec must be a list of strings, not 'SPEC.md'",
        ),
    ],
)
def test_bad_values_say_what_is_expected(tmp_path: Path, text: str, message: str) -> None:
    write(tmp_path, text)
    with pytest.raises(ConfigError) as raised:
        load_settings(tmp_path, environ={})
    assert message in str(raised.value) and "\n" not in str(raised.value)


def test_a_phase_number_may_be_written_as_an_integer(tmp_path: Path) -> None:
    write(tmp_path, "[tool.reviewtui]\nphase = 2\n")
    assert load_settings(tmp_path, environ={}).phase == "2"


def test_environment_values_are_bounded_too(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="REVIEWTUI_LLM_CONCURRENCY must be at least 1, not 0"):
        load_settings(tmp_path, environ={"REVIEWTUI_LLM_CONCURRENCY": "0"})
