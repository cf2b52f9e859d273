"""Saved views (`views.toml` in the config directory), and views as plain data (which
connlog_tui.remembered keeps in `state.json` too).

A saved view is a filter state plus the sort and the visible columns, under a name. The
file is meant to be read and edited by hand:

    # failures for the SSO ticket
    [views.sso-failures]
    picked.action = ["SSO Failed"]
    picked.app = ["MangoApps"]
    user = "jane"
    since = "2026-03-01T00:00:00Z"
    until = "2026-03-02T23:59:59.999999Z"
    search = "AADSTS"
    excluded.app = ["Okta"]
    exclude_user = "svc-"
    exclude_search = "healthcheck"
    regex = "aadsts7\\d+"
    sort = "time"
    descending = true
    columns = ["time", "action", "app", "user"]

Every key is optional. Dates are ISO 8601 text (a TOML date-time works too; no offset
means UTC). Saving or deleting one view rewrites only that view's table, so other views,
and comments around them, stay as they were. (Standard-library tomllib only reads TOML;
when an edit cannot be made in place, e.g. a view spread over dotted keys elsewhere in the
file, the whole file is written afresh and comments are lost. Doing better would need a
round-tripping TOML library such as tomlkit.)

A broken file is a ConnlogError naming the file and the line; the app shows it and starts
without saved views.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any

from connlog_tui.atomic import write_text_atomic
from connlog_tui.config import check_columns, config_dir, read_toml
from connlog_tui.errors import ConnlogError
from connlog_tui.isotime import iso_utc
from connlog_tui.query import FilterState, regex_pattern
from connlog_tui.schema import SCHEMA

VIEW_KEYS = (
    "picked",
    "excluded",
    "user",
    "exclude_user",
    "since",
    "until",
    "search",
    "exclude_search",
    "regex",
    "sort",
    "descending",
    "columns",
)
TEXT_KEYS = ("user", "exclude_user", "search", "exclude_search", "regex")
_BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")


@dataclass(frozen=True)
class View:
    """A named filter state with its sort and visible columns (None: the app's default)."""

    name: str
    filters: FilterState = field(default_factory=FilterState)
    sort: str | None = None
    descending: bool = False
    columns: tuple[str, ...] | None = None


def views_path() -> Path:
    return config_dir() / "views.toml"


# --- views <-> plain data (shared by views.toml and state.json) ------------------------


def iso(dt: datetime) -> str:
    """A time as the views and the state file write it: UTC, ISO 8601."""
    return iso_utc(dt.astimezone(UTC), 6)  # microseconds when there are any


def _when(value: Any, key: str, end: bool) -> datetime:
    if isinstance(value, datetime):
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    if isinstance(value, date):
        return datetime.combine(value, time.max if end else time.min, tzinfo=UTC)
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{key}: want an ISO date such as 2026-03-01T09:00:00Z")
    text = value.strip()
    if text[-1:] in "zZ":
        text = text[:-1] + "+00:00"
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{key}: cannot read the date {value!r}") from None
    if len(text) == 10 and end:  # a date alone: the whole day
        parsed = datetime.combine(parsed.date(), time.max)
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def view_to_dict(view: View) -> dict[str, Any]:
    """A view as TOML/JSON-ready data (strings, lists, bools), empty settings left out."""
    data: dict[str, Any] = {}
    state = view.filters
    for key in ("picked", "excluded"):
        values = {col: sorted(vals) for col, vals in getattr(state, key).items() if vals}
        if values:
            data[key] = values
    for key in TEXT_KEYS:
        if getattr(state, key):
            data[key] = getattr(state, key)
    if state.since:
        data["since"] = iso(state.since)
    if state.until:
        data["until"] = iso(state.until)
    if view.sort:
        data["sort"] = view.sort
        data["descending"] = bool(view.descending)
    if view.columns:
        data["columns"] = list(view.columns)
    return data


def _values(data: Mapping, key: str) -> dict[str, frozenset[str]]:
    """`picked` or `excluded`: column -> values; ValueError saying what is wrong."""
    found: dict[str, frozenset[str]] = {}
    raw = data.get(key, {})
    if not isinstance(raw, Mapping):
        raise ValueError(f'{key}: want column = ["value", ...] pairs')
    for column, values in raw.items():
        if column not in SCHEMA or column == "time":
            raise ValueError(f"{key}: unknown column {column!r}")
        if isinstance(values, str):
            values = [values]
        if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
            raise ValueError(f"{key}.{column}: want a list of strings")
        if values:
            found[column] = frozenset(values)
    return found


def view_from_dict(name: str, data: Any) -> View:
    """A view from plain data; ValueError saying which setting is wrong."""
    if not isinstance(data, Mapping):
        raise ValueError("want a table of settings")
    unknown = [k for k in data if k not in VIEW_KEYS]
    if unknown:
        raise ValueError(f"unknown setting {unknown[0]!r} (settings: {', '.join(VIEW_KEYS)})")
    texts = {}
    for key in TEXT_KEYS:
        value = data.get(key, "")
        if not isinstance(value, str):
            raise ValueError(f"{key}: want a string")
        texts[key] = value
    if texts["regex"]:
        try:
            regex_pattern(texts["regex"])
        except ConnlogError as exc:
            raise ValueError(f"regex: {exc}") from None
    since = _when(data["since"], "since", False) if "since" in data else None
    until = _when(data["until"], "until", True) if "until" in data else None
    sort = data.get("sort")
    if sort is not None and (not isinstance(sort, str) or sort not in SCHEMA):
        raise ValueError(f"sort: unknown column {sort!r} (columns: {', '.join(SCHEMA)})")
    descending = data.get("descending", False)
    if not isinstance(descending, bool):
        raise ValueError("descending: want true or false")
    columns = None
    if "columns" in data:
        try:
            columns = check_columns(data["columns"])
        except ValueError as exc:
            raise ValueError(f"columns: {exc}") from None
    filters = FilterState(
        picked=_values(data, "picked"),
        excluded=_values(data, "excluded"),
        since=since,
        until=until,
        **texts,
    )
    return View(name, filters, sort or None, descending, columns)


# --- TOML text ----------------------------------------------------------------------


def _toml_string(text: str) -> str:
    out = []
    for ch in text:
        if ch in '"\\':
            out.append("\\" + ch)
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\t":
            out.append("\\t")
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def _toml_key(key: str) -> str:
    return key if _BARE_KEY.match(key) else _toml_string(key)


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return _toml_string(value)
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    raise TypeError(f"cannot write {type(value).__name__} to TOML")


def render_view(view: View) -> str:
    """The `[views.NAME]` table for a view, as text ending in a newline."""
    lines = [f"[views.{_toml_key(view.name)}]"]
    for key, value in view_to_dict(view).items():
        if key in ("picked", "excluded"):
            lines += [f"{key}.{_toml_key(c)} = {_toml_value(v)}" for c, v in value.items()]
        else:
            lines.append(f"{key} = {_toml_value(value)}")
    return "\n".join(lines) + "\n"


def _header_path(line: str) -> tuple[str, ...] | None:
    """The key path of a table header line (`[views."a b"]` -> ("views", "a b"))."""
    import tomllib  # here, as in config.read_toml: only a views file is parsed with it

    stripped = line.strip()
    if not stripped.startswith("["):
        return None
    try:
        data = tomllib.loads(stripped)
    except tomllib.TOMLDecodeError:
        return None
    path: list[str] = []
    while isinstance(data, dict) and len(data) == 1:
        key, data = next(iter(data.items()))
        path.append(key)
        if isinstance(data, list):  # [[array.of.tables]]
            data = data[-1] if data else {}
    return tuple(path) if path else None


def _segment(lines: list[str], name: str) -> tuple[int, int] | None:
    """Line range [start, end) of a view's table(s): its header (with the comment lines
    right above it) through to the next table that is not part of the view."""
    start = end = None
    for i, line in enumerate(lines):
        path = _header_path(line)
        if path is None:
            continue
        ours = path[:2] == ("views", name)
        if ours and start is None:
            start = i
        elif start is not None and not ours and end is None:
            end = i
    if start is None:
        return None
    end = len(lines) if end is None else end
    while start > 0 and lines[start - 1].lstrip().startswith("#"):
        start -= 1
    # Comments directly above the next table belong to it, not to this view.
    while end > start and lines[end - 1].lstrip().startswith("#"):
        end -= 1
    return start, end


def _parse(text: str, path: Path) -> dict[str, View]:
    data = read_toml(text, str(path))
    unknown = [k for k in data if k != "views"]
    if unknown:
        raise ConnlogError(
            f"unknown table {unknown[0]!r} (saved views go in [views.NAME] tables)", str(path)
        )
    tables = data.get("views", {})
    if not isinstance(tables, dict):
        raise ConnlogError("views: want [views.NAME] tables", str(path))
    lines = text.splitlines()
    views = {}
    for name, table in tables.items():
        try:
            views[name] = view_from_dict(name, table)
        except ValueError as exc:
            where = _segment(lines, name)
            line = ""
            if where:
                header = next(
                    i for i in range(where[0], where[1]) if _header_path(lines[i]) is not None
                )
                line = f"line {header + 1}: "
            raise ConnlogError(f"{line}view {name!r}: {exc}", str(path)) from None
    return views


def read_text(path: Path) -> str:
    """A user's file as text ("" when there is none); ConnlogError naming it when it
    cannot be read or is not UTF-8."""
    try:
        return path.read_bytes().decode("utf-8")
    except FileNotFoundError:
        return ""
    except UnicodeDecodeError:
        raise ConnlogError("not UTF-8 text", str(path)) from None
    except OSError as exc:
        raise ConnlogError(f"cannot read ({exc.strerror or exc})", str(path)) from None


# --- the saved-views API ------------------------------------------------------------


def load_views(path: Path | None = None) -> dict[str, View]:
    """Every saved view by name (empty when there is no file). ConnlogError if broken."""
    path = path or views_path()
    return _parse(read_text(path), path)


def list_views(path: Path | None = None) -> list[str]:
    return sorted(load_views(path), key=str.casefold)


def load_view(name: str, path: Path | None = None) -> View:
    views = load_views(path)
    if name not in views:
        saved = ", ".join(sorted(views, key=str.casefold)) or "none yet"
        raise ConnlogError(f"no saved view {name!r} (saved: {saved})", str(path or views_path()))
    return views[name]


def check_name(name: str) -> str:
    name = name.strip()
    if not name or any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in name):
        raise ConnlogError(f"a view needs a name without control characters, got {name!r}")
    return name


def save_view(
    name: str,
    filters: FilterState,
    *,
    sort: str | None = None,
    descending: bool = False,
    columns: Iterable[str] | None = None,
    path: Path | None = None,
) -> View:
    """Save (or replace) a view; other views and comments in the file are kept."""
    view = View(check_name(name), filters, sort, descending, tuple(columns) if columns else None)
    try:
        view_from_dict(view.name, view_to_dict(view))  # the same checks as reading it back
    except ValueError as exc:
        raise ConnlogError(f"view {view.name!r}: {exc}") from None
    _edit(path or views_path(), view.name, view)
    return view


def delete_view(name: str, path: Path | None = None) -> bool:
    """Delete a view; False if there was none by that name."""
    path = path or views_path()
    if name not in load_views(path):
        return False
    _edit(path, name, None)
    return True


def _edit(path: Path, name: str, view: View | None) -> None:
    text = read_text(path)
    views = _parse(text, path)
    if view is None:
        views.pop(name, None)
    else:
        views[name] = view
    lines = text.splitlines(keepends=True)
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += "\n"
    where = _segment(lines, name)
    table = render_view(view) if view else ""
    if where and view is None:
        new = lines[: where[0]] + lines[where[1] :]  # the table and its comments
    elif where:
        start, end = where
        # Keep the comment lines above the table and the blank lines after it.
        while start < end and lines[start].lstrip().startswith("#"):
            start += 1
        while end > start and not lines[end - 1].strip():
            end -= 1
        new = lines[:start] + [table] + lines[end:]
    else:
        sep = "\n" if lines and lines[-1].strip() else ""
        new = lines + [sep, table]
    candidate = "".join(new)
    if _parses_as(candidate, path, views):
        write_text_atomic(path, candidate)
        return
    # The in-place edit did not give the expected views: write the file afresh.
    fresh = "# connlog saved views (rewritten; earlier comments could not be kept)\n"
    fresh += "\n".join(render_view(v) for v in views.values())
    write_text_atomic(path, fresh)


def _parses_as(text: str, path: Path, views: dict[str, View]) -> bool:
    try:
        return _parse(text, path) == views
    except ConnlogError:
        return False
