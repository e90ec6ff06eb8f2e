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
