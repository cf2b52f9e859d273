"""Any other log in CSV, JSON or JSON Lines, read through a mapping from canonical columns
to the log's own fields: `--map time=ts --map user=actor.email` on the command line
(nested fields as dotted paths; in a CSV, `Column.path` looks inside a JSON cell), or a
named mapping saved as TOML in the user's config directory, used as `--format NAME`:

    # ~/.config/connlog/formats/mylog.toml  (platformdirs.user_config_dir("connlog"))
    description = "Our billing connector's sync log"
    [map]
    time = "timestamp"
    action = "event.type"
    user = "actor.email"
    outcome = "status"
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from connlog_tui.errors import ConnlogError
from connlog_tui.schema import OUTCOMES
from connlog_tui.sources.base import ReadResult, Source
from connlog_tui.sources.jsonrecords import (
    ROW_COLUMNS,
    compact,
    dig,
    read_csv_text,
    read_records,
    result_from_rows,
    text,
)

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
_FAILURE = re.compile(
    r"(?i)^(fail\w*|error|errored|denied|deny|rejected|invalid|false|severe|blocked)$"
)
_SUCCESS = re.compile(r"(?i)^(success\w*|succeeded|ok|true|pass(ed)?|allow(ed)?|completed?|done)$")
_PENDING = re.compile(r"(?i)^(pending|queued|running|in ?progress|started)$")
_INTERRUPT = re.compile(r"(?i)^(interrupt(ed)?|challenge[sd]?|mfa[ _-]?required)$")


def formats_dir() -> Path:
    from platformdirs import user_config_dir

    return Path(user_config_dir("connlog")) / "formats"


def check_mappings(mappings: dict[str, str]) -> dict[str, str]:
    """Validated mappings: known canonical columns, non-empty paths, a time column."""
    unknown = sorted(set(mappings) - set(ROW_COLUMNS))
    if unknown:
        known = ", ".join(ROW_COLUMNS)
        raise ConnlogError(f"--map: unknown column {unknown[0]!r} (columns: {known})")
    empty = [c for c, p in mappings.items() if not str(p).strip()]
    if empty:
        raise ConnlogError(f"--map: no field given for {empty[0]!r}")
    if "time" not in mappings:
        raise ConnlogError("--map: map the time column too (e.g. --map time=timestamp)")
    return {c: str(p).strip() for c, p in mappings.items()}


def outcome_word(value: str | None) -> str | None:
    """A source's status word as a canonical outcome (None: let the action decide)."""
    if not value:
        return None
    word = value.strip()
    if word.lower() in OUTCOMES:
        return word.lower()
    if _FAILURE.match(word):
        return "failure"
    if _SUCCESS.match(word):
        return "success"
    if _PENDING.match(word):
        return "pending"
    if _INTERRUPT.match(word):
        return "interrupt"
    if word.lower() in ("info", "information", "warning", "debug", "notice"):
        return "info"
    return None


class MappedReader:
    """A reader made from a mapping; `name` is "mapped" or the saved mapping's name."""

    def __init__(self, name: str, mappings: dict[str, str], description: str = "") -> None:
        self.name = name
        self.mappings = check_mappings(mappings)
        self.description = description or "mapped with " + ", ".join(
            f"{c}={p}" for c, p in self.mappings.items()
        )

    def sniff(self, source: Source) -> float:
        return 0.0  # only ever chosen by name

    def read(self, source: Source) -> ReadResult:
        if source.is_parquet:
            raise ConnlogError("mapped formats read CSV, JSON or JSON Lines", source.name)
        head = source.head.lstrip("\ufeff \t\r\n")
        if head.startswith(("[", "{")):
            good, bad = read_records(source)
        else:
            good, bad = self._csv_records(source)
        rows, lines = [], []
        for line, record in good:
            rows.append(self._row(record))
            lines.append(line)
        return result_from_rows(source, self.name, rows, lines, bad)

    def _csv_records(self, source: Source) -> tuple[list, list]:
        raw, starts, short = read_csv_text(source)
        wanted = {p.split(".", 1)[0] for p in self.mappings.values()}
        present = {c.lower() for c in raw.columns}
        missing = sorted(w for w in wanted if w not in raw.columns and w.lower() not in present)
        if missing:
            raise ConnlogError(
                f"no column {missing[0]!r} (columns: {', '.join(raw.columns[:20])})", source.name
            )
        return list(zip(starts, raw.iter_rows(named=True), strict=True)), short

    def _row(self, record: dict[str, Any]) -> dict[str, Any]:
        row: dict[str, Any] = {}
        for column, path in self.mappings.items():
            row[column] = text(_lookup(record, path))
        if "outcome" in row:
            row["outcome"] = outcome_word(row["outcome"])
        if not row.get("response"):
            row["response"] = compact(record)
        return row


def _lookup(record: dict[str, Any], path: str) -> Any:
    """A dotted path; in a CSV row the first part is a column, the rest a path into the
    JSON in that cell; a key that itself contains dots matches whole."""
    if path in record:
        return record[path]
    value = dig(record, path)
    if value is not None:
        return value
    column, _, rest = path.partition(".")
    cell = dig(record, column)
    if rest and isinstance(cell, str) and cell.lstrip().startswith(("{", "[")):
        try:
            return dig(json.loads(cell), rest)
        except json.JSONDecodeError:
            return None
    return None


# -- saved mappings -----------------------------------------------------------------------


def saved_names() -> list[str]:
    folder = formats_dir()
    if not folder.is_dir():
        return []
    return sorted(p.stem for p in folder.glob("*.toml") if _NAME.match(p.stem))


def key_mappings(reader: object, mappings: dict[str, str] | None) -> dict[str, str] | None:
    """The mappings a file's cache key names: a saved mapping's content, not its name."""
    return reader.mappings if isinstance(reader, MappedReader) else mappings


def load_named(name: str) -> MappedReader | None:
    """The saved mapping called `name`, or None if there is none."""
    if not _NAME.match(name):
        return None
    path = formats_dir() / f"{name}.toml"
    if not path.is_file():
        return None
    import tomllib  # here: only a saved format is read with it

    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConnlogError(f"cannot read saved format ({exc})", str(path)) from None
    mapping = data.get("map")
    if not isinstance(mapping, dict) or not all(isinstance(v, str) for v in mapping.values()):
        raise ConnlogError('saved format needs a [map] table of column = "field"', str(path))
    try:
        return MappedReader(name, mapping, str(data.get("description", "")))
    except ConnlogError as exc:
        raise ConnlogError(str(exc), str(path)) from None


def save_mapping(name: str, mappings: dict[str, str], description: str = "") -> Path:
    """Write a named mapping (TOML) so `--format NAME` uses it; returns its path."""
    if not _NAME.match(name):
        raise ConnlogError(f"format name {name!r}: use letters, digits, '.', '_' or '-'")
    mappings = check_mappings(mappings)
    folder = formats_dir()
    folder.mkdir(parents=True, exist_ok=True)
    lines = []
    if description:
        lines.append(f"description = {json.dumps(description)}")
    lines.append("[map]")
    lines += [f"{column} = {json.dumps(path)}" for column, path in mappings.items()]
    path = folder / f"{name}.toml"
    tmp = path.with_suffix(".toml.tmp")
    tmp.write_text("\n".join(lines) + "\n", encoding="utf-8")
    tmp.replace(path)
    return path
