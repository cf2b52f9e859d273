"""The user's configuration file: `config.toml` in the platform's config directory.

Every key is optional; a missing file means the defaults. The file is read strictly: an
unknown key, a wrong type or a bad value is a ConnlogError naming the file and the line,
and so is a TOML syntax error. Callers decide what to do with it; the app and the CLI warn
and carry on with the defaults (`load_or_default`). Command-line flags win over the file
(`merge`).

    # ~/.config/connlog/config.toml
    timezone = "Europe/Berlin"      # "UTC" (default), "local" or an IANA zone name
    theme = "textual-light"         # one of THEMES
    date_format = "%Y-%m-%d %H:%M"  # strftime format for the Date column
    columns = ["time", "action", "app", "user", "outcome"]   # canonical column names
    export_dir = "~/connlog-exports"
    formula_guard = true            # quote CSV cells that spreadsheets would run
    memory_budget = "2GB"           # bigger logs open in lean mode (payloads on disk)
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import platformdirs

from connlog_tui.errors import ConnlogError
from connlog_tui.schema import SCHEMA

APP_NAME = "connlog"

# Textual's built-in themes (textual 8). Kept here rather than asked of Textual so the
# config is validated without importing the UI toolkit.
THEMES: tuple[str, ...] = (
    "textual-dark",
    "textual-light",
    "ansi-dark",
    "ansi-light",
    "atom-one-dark",
    "atom-one-light",
    "catppuccin-frappe",
    "catppuccin-latte",
    "catppuccin-macchiato",
    "catppuccin-mocha",
    "dracula",
    "flexoki",
    "gruvbox",
    "monokai",
    "nord",
    "rose-pine",
    "rose-pine-dawn",
    "rose-pine-moon",
    "solarized-dark",
    "solarized-light",
    "tokyo-night",
)
# The table's columns when the config names none (the results table's own default).
DEFAULT_COLUMNS: tuple[str, ...] = (
    "time",
    "action",
    "app",
    "user",
    "reason",
    "request_type",
    "source",
)


@dataclass(frozen=True)
class Config:
    timezone: str = "UTC"
    theme: str = "textual-dark"
    date_format: str = "%Y-%m-%d %H:%M:%S"
    columns: tuple[str, ...] = DEFAULT_COLUMNS
    export_dir: Path | None = None
    formula_guard: bool = True
    memory_budget: int | None = None  # bytes; None: a quarter of available memory


KEYS = tuple(f.name for f in fields(Config))


def config_dir() -> Path:
    return Path(platformdirs.user_config_dir(APP_NAME))


def config_path() -> Path:
    """Where the config file lives (`connlog --config-path` prints it)."""
    return config_dir() / "config.toml"


# --- validation: each checker returns the clean value or raises ValueError -------------


def check_zone(value: Any) -> str:
    """ "UTC", "local" or an IANA zone name; the canonical spelling is returned."""
    if not isinstance(value, str) or not value.strip():
        raise ValueError("want a zone name: UTC, local or an IANA name like Europe/Berlin")
    value = value.strip()
    if value.upper() == "UTC":
        return "UTC"
    if value.lower() == "local":
        return "local"
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            f"unknown time zone {value!r} (use UTC, local or an IANA name like Europe/Berlin)"
        ) from None
    return value


def check_theme(value: Any) -> str:
    if not isinstance(value, str) or value not in THEMES:
        raise ValueError(f"unknown theme {value!r} (one of: {', '.join(THEMES)})")
    return value


def check_date_format(value: Any) -> str:
    if not isinstance(value, str) or "%" not in value:
        raise ValueError("want a strftime format such as '%Y-%m-%d %H:%M:%S'")
    try:
        datetime(2026, 3, 1, 9, 5, 1).strftime(value)
    except ValueError as exc:
        raise ValueError(f"bad date format {value!r}: {exc}") from None
    return value


def check_columns(value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list | tuple) or not value:
        raise ValueError("want a non-empty list of column names")
    names = []
    for item in value:
        if not isinstance(item, str) or item not in SCHEMA:
            raise ValueError(f"unknown column {item!r} (columns: {', '.join(SCHEMA)})")
        if item in names:
            raise ValueError(f"column {item!r} is listed twice")
        names.append(item)
    return tuple(names)


def check_export_dir(value: Any) -> Path:
    if not isinstance(value, str | Path) or not str(value).strip():
        raise ValueError("want a directory path")
    path = Path(str(value).strip()).expanduser()
    if path.exists() and not path.is_dir():
        raise ValueError(f"{str(path)!r} is not a directory")
    return path


def check_bool(value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValueError("want true or false")
    return value


def check_size(value: Any) -> int:
    from connlog_tui.memory import parse_size

    return parse_size(value)


CHECKS = {
    "timezone": check_zone,
    "theme": check_theme,
    "date_format": check_date_format,
    "columns": check_columns,
    "export_dir": check_export_dir,
    "formula_guard": check_bool,
    "memory_budget": check_size,
}


def key_line(text: str, key: str) -> int | None:
    """The line (1-based) where a top-level key is set, for error messages."""
    name = rf"""(?:{re.escape(key)}|"{re.escape(key)}"|'{re.escape(key)}')"""
    pattern = re.compile(rf"^\s*(?:{name}\s*[=.]|\[+\s*{name}\s*[\].])")
    for number, line in enumerate(text.splitlines(), 1):
        if pattern.match(line):
            return number
    return None


def read_toml(text: str, path: str) -> dict[str, Any]:
    """TOML text's table; ConnlogError(path) naming the line if it is not valid TOML (the
    config and the saved views' file)."""
    import tomllib  # here: most starts have no config or views file to parse

    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        if "end of document" in message:
            message += f" (line {len(text.splitlines()) or 1})"
        raise ConnlogError(f"not valid TOML: {message}", path) from None


def parse(text: str, path: str = "config.toml") -> Config:
    """A config from TOML text; ConnlogError(path) naming the line on any problem."""
    data = read_toml(text, path)
    values: dict[str, Any] = {}
    for key, value in data.items():
        line = key_line(text, key)
        where = f"line {line}: " if line else ""
        if key not in CHECKS:
            known = ", ".join(KEYS)
            raise ConnlogError(f"{where}unknown setting {key!r} (settings: {known})", path)
        try:
            values[key] = CHECKS[key](value)
        except ValueError as exc:
            raise ConnlogError(f"{where}{key}: {exc}", path) from None
    return Config(**values)


def load(path: Path | None = None) -> Config:
    """The config file's settings (defaults when there is no file)."""
    path = path or config_path()
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return Config()
    except OSError as exc:
        raise ConnlogError(f"cannot read ({exc.strerror or exc})", str(path)) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise ConnlogError("not UTF-8 text", str(path)) from None
    return parse(text, str(path))


def load_or_default(path: Path | None = None) -> tuple[Config, str | None]:
    """The config, or the defaults and the message saying why the file was not used."""
    try:
        return load(path), None
    except ConnlogError as exc:
        return Config(), f"{exc} (using the default settings)"


def merge(config: Config, overrides: Mapping[str, Any]) -> Config:
    """The config with command-line values on top; None means "not given". Overrides are
    validated like the file (ConnlogError naming the setting)."""
    changes: dict[str, Any] = {}
    for key, value in overrides.items():
        if value is None:
            continue
        if key not in CHECKS:
            raise ConnlogError(f"unknown setting {key!r}")
        try:
            changes[key] = CHECKS[key](value)
        except ValueError as exc:
            raise ConnlogError(f"{key}: {exc}") from None
    return replace(config, **changes)
