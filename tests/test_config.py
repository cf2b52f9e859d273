"""The config file: defaults, strict validation naming file and line, and flag overrides."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from conftest import SMALL_LOG

from connlog_tui import config
from connlog_tui.config import Config
from connlog_tui.errors import ConnlogError


def write_config(text: str) -> Path:
    path = config.config_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_path_is_in_the_private_config_dir(tmp_path_factory):
    path = config.config_path()
    assert path.name == "config.toml" and path.parent.name == "connlog"
    assert "xdg_config_home" in str(path)


def test_no_file_means_defaults():
    assert config.load() == Config()
    assert config.load_or_default() == (Config(), None)


def test_every_setting_is_read():
    write_config(
        """
# my settings
timezone = "Europe/Berlin"
theme = "textual-light"
date_format = "%d.%m.%Y %H:%M"
columns = ["time", "action", "user"]
export_dir = "~/exports"
formula_guard = false
"""
    )
    loaded = config.load()
    assert loaded.timezone == "Europe/Berlin"
    assert loaded.theme == "textual-light"
    assert loaded.date_format == "%d.%m.%Y %H:%M"
    assert loaded.columns == ("time", "action", "user")
    assert loaded.export_dir == Path("~/exports").expanduser()
    assert loaded.formula_guard is False


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('\n\ntimezone = "Mars/Olympus"\n', "line 3: timezone: unknown time zone 'Mars/Olympus'"),
        ('theme = "hotdog"\n', "line 1: theme: unknown theme 'hotdog'"),
        ('date_format = "plain"\n', "line 1: date_format: want a strftime format"),
        ('columns = ["time", "nope"]\n', "line 1: columns: unknown column 'nope'"),
        ('columns = ["time", "time"]\n', "column 'time' is listed twice"),
        ("columns = []\n", "want a non-empty list"),
        ('formula_guard = "yes"\n', "line 1: formula_guard: want true or false"),
        ("x = 1\ntimzone = 'UTC'\n", "line 1: unknown setting 'x'"),
        ("[display]\ntheme = 'nord'\n", "line 1: unknown setting 'display'"),
    ],
)
def test_invalid_values_name_file_line_and_setting(text, message):
    path = write_config(text)
    with pytest.raises(ConnlogError) as caught:
        config.load()
    assert str(caught.value).startswith(f"{path}: ")
    assert message in str(caught.value)


def test_syntax_error_names_file_and_line():
    path = write_config('theme = "nord"\ntimezone = \n')
    with pytest.raises(ConnlogError, match=r"not valid TOML: .*line 2") as caught:
        config.load()
    assert str(path) in str(caught.value)


def test_export_dir_must_not_be_a_file(tmp_path):
    (tmp_path / "afile").write_text("x")
    write_config(f'export_dir = "{tmp_path / "afile"}"\n')
    with pytest.raises(ConnlogError, match="is not a directory"):
        config.load()


def test_broken_file_lets_the_caller_carry_on_with_defaults():
    write_config("theme = 'nope'\n")
    loaded, warning = config.load_or_default()
    assert loaded == Config()
    assert "unknown theme" in warning and "using the default settings" in warning


def test_zone_spellings_are_canonical():
    assert config.check_zone("utc") == "UTC"
    assert config.check_zone("LOCAL") == "local"
    assert config.check_zone("America/New_York") == "America/New_York"
    with pytest.raises(ValueError):
        config.check_zone("")


def test_flags_override_the_file():
    write_config('timezone = "Europe/Berlin"\ntheme = "nord"\nformula_guard = false\n')
    merged = config.merge(config.load(), {"timezone": "utc", "theme": None, "formula_guard": True})
    assert merged.timezone == "UTC"  # flag wins
    assert merged.theme == "nord"  # not given on the command line: the file's value
    assert merged.formula_guard is True


def test_bad_override_is_a_clear_error():
    with pytest.raises(ConnlogError, match="timezone: unknown time zone 'Nowhere/Land'"):
        config.merge(Config(), {"timezone": "Nowhere/Land"})
    with pytest.raises(ConnlogError, match="unknown setting"):
        config.merge(Config(), {"colour": "red"})


def test_themes_are_textual_themes():
    from textual.theme import BUILTIN_THEMES

    assert set(config.THEMES) <= set(BUILTIN_THEMES)
    assert {"textual-dark", "textual-light"} <= set(config.THEMES)


# --- the command line --------------------------------------------------------------


def connlog(*args: str) -> subprocess.CompletedProcess:
    # The XDG variables set by conftest are inherited: the child sees the private dirs.
    return subprocess.run(
        [sys.executable, "-m", "connlog_tui", *args], capture_output=True, text=True, timeout=120
    )


def test_config_path_flag_prints_the_path():
    result = connlog("--config-path")
    assert result.returncode == 0
    assert result.stdout.strip() == str(config.config_path())


def test_cli_zone_flag_overrides_the_config_zone_for_dates():
    write_config('timezone = "Asia/Tokyo"\n')
    # 2026-03-02 17:00 in Tokyo is 08:00 UTC: the last two rows of the small log.
    tokyo = connlog("export", str(SMALL_LOG), "--since", "2026-03-02 17:00", "-o", "-")
    assert tokyo.returncode == 0 and "wrote 2 of 12" in tokyo.stderr
    utc = connlog("export", str(SMALL_LOG), "--tz", "UTC", "--since", "2026-03-02 17:00", "-o", "-")
    assert "wrote 0 of 12" in utc.stderr


def test_cli_warns_about_a_broken_config_and_carries_on():
    path = write_config("formula_guard = maybe\n")
    result = connlog("export", str(SMALL_LOG), "-o", "-")
    assert result.returncode == 0
    assert f"connlog: {path}: not valid TOML" in result.stderr
    assert "using the default settings" in result.stderr


def test_cli_formula_guard_from_config_and_flag():
    write_config("formula_guard = false\n")
    result = connlog("export", str(SMALL_LOG), "--user", "frank", "-o", "-")
    assert "\n2026-03-02T09:00:00Z" in result.stdout and ",=cmd|" in result.stdout
    write_config("formula_guard = true\n")
    result = connlog("export", str(SMALL_LOG), "--user", "frank", "-o", "-")
    assert ",'=cmd|" in result.stdout
    result = connlog("export", str(SMALL_LOG), "--user", "frank", "--no-formula-guard", "-o", "-")
    assert ",=cmd|" in result.stdout


def test_cli_rejects_a_bad_zone_flag():
    result = connlog("export", str(SMALL_LOG), "--tz", "Nowhere/Land", "-o", "-")
    assert result.returncode == 2 and "unknown time zone 'Nowhere/Land'" in result.stderr
