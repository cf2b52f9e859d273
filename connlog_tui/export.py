"""Writing a view to CSV, JSON Lines, JSON or Parquet: every matching row, atomically.

Exports carry connlog's full canonical columns under their display headers, so connlog
reads its own exports back as they were and a second export is byte-identical.
"""

from __future__ import annotations

import io
import os
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

import polars as pl

from connlog_tui.errors import ConnlogError
from connlog_tui.schema import COLUMNS, HEADERS

# Spreadsheets run a cell starting with one of these as a formula. A cell that already
# starts with quotes before one gets one more, so the guard can be undone exactly.
FORMULA_START = r"^'*[=+\-@\t\r]"
TIME_FORMAT = "%Y-%m-%dT%H:%M:%S%.fZ"


def _export_columns(frame: pl.DataFrame, *, guard: bool) -> pl.DataFrame:
    """Canonical columns under their headers, times as ISO 8601 UTC text."""
    exprs = []
    for col in COLUMNS:
        expr = pl.col(col.name)
        if col.name == "time":
            expr = expr.dt.strftime(TIME_FORMAT)
        elif guard:
            text = expr.cast(pl.String)
            expr = pl.when(text.str.contains(FORMULA_START)).then("'" + text).otherwise(text)
        exprs.append(expr.alias(col.header))
    return frame.select(exprs)


def write_csv(frame: pl.DataFrame, out: io.BufferedIOBase, *, guard: bool = True) -> None:
    _export_columns(frame, guard=guard).write_csv(out, datetime_format=None)


def write_jsonl(frame: pl.DataFrame, out: io.BufferedIOBase, *, guard: bool = True) -> None:
    _export_columns(frame, guard=False).write_ndjson(out)


def write_json(frame: pl.DataFrame, out: io.BufferedIOBase, *, guard: bool = True) -> None:
    _export_columns(frame, guard=False).write_json(out)


def write_parquet(frame: pl.DataFrame, out: io.BufferedIOBase, *, guard: bool = True) -> None:
    typed = frame.select(pl.col(c.name).alias(c.header) for c in COLUMNS)
    typed.write_parquet(out)


Writer = Callable[..., None]
WRITERS: dict[str, Writer] = {
    "csv": write_csv,
    "jsonl": write_jsonl,
    "json": write_json,
    "parquet": write_parquet,
}
SUFFIXES = {".csv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "json"}
SUFFIXES[".parquet"] = "parquet"


def format_for(path: str) -> str:
    """The export format an output name asks for; CSV unless the extension says otherwise."""
    if path == "-":
        return "csv"
    return SUFFIXES.get(Path(path).suffix.lower(), "csv")


def export(
    frame: pl.DataFrame,
    out: str,
    *,
    guard: bool = True,
    force: bool = False,
    inputs: list[Path] | tuple[Path, ...] = (),
) -> int:
    """Write `frame` to `out` ("-" is stdout, as CSV). Returns the number of rows written.

    The file appears whole or not at all: it is written to a temporary file in the target
    directory and renamed over. An existing file is kept unless `force`, and an input log
    is never overwritten.
    """
    writer = WRITERS[format_for(out)]
    frame = frame.select(HEADERS.keys())
    if out == "-":
        buffer = io.BytesIO()
        writer(frame, buffer, guard=guard)
        sys.stdout.buffer.write(buffer.getvalue())
        sys.stdout.flush()
        return frame.height
    target = Path(out)
    if any(target.resolve() == Path(p).resolve() for p in inputs):
        raise ConnlogError("refusing to overwrite an input log", out)
    if target.exists() and not force:
        raise ConnlogError("file exists (use --force to overwrite)", out)
    if not target.parent.is_dir():
        raise ConnlogError("no such directory", str(target.parent))
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            writer(frame, fh, guard=guard)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, target)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise ConnlogError(f"cannot write ({exc.strerror or exc})", out) from None
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return frame.height
