"""Writing an export from a stream of row batches (a remote engine's Arrow batches), in the
same bytes as `export.export` writes the whole frame: CSV with one header, JSON Lines,
one JSON array, Parquet under the display headers. Atomic as every export: a temporary
file beside the target, renamed over it.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from pathlib import Path
from typing import IO

import polars as pl
import pyarrow.parquet as pq

from connlog_tui.atomic import write_atomic
from connlog_tui.export import _check_target, _export_columns
from connlog_tui.logs.base import ExportOptions
from connlog_tui.schema import COLUMNS, SCHEMA

STREAMED = ("csv", "jsonl", "json", "parquet")


def check_target(target: Path, options: ExportOptions) -> None:
    """As export.export checks: never an input, an existing file only with `force`."""
    _check_target(target, options)


def write_stream(
    batches: Iterable[pl.DataFrame], target: Path, fmt: str, options: ExportOptions
) -> int:
    """Write the canonical rows of `batches` to `target` in `fmt`; the number written."""
    written = 0

    def write(out: IO[bytes]) -> None:
        nonlocal written
        writer = _Writer(out, fmt, options.guard)
        for batch in batches:
            writer.add(batch)
            written += batch.height
            if options.progress:
                options.progress(written)
        writer.close()

    write_atomic(target, write)
    return written


class _Writer:
    """One format's output, a batch at a time (export.write_* for a whole frame)."""

    def __init__(self, out: IO[bytes], fmt: str, guard: bool) -> None:
        self.out, self.fmt, self.guard = out, fmt, guard and fmt == "csv"
        self.first = True
        self.parquet: pq.ParquetWriter | None = None

    def add(self, batch: pl.DataFrame) -> None:
        if batch.height == 0:
            return
        rows = batch.select(c.name for c in COLUMNS)
        if self.fmt == "parquet":
            table = rows.select(pl.col(c.name).alias(c.header) for c in COLUMNS).to_arrow()
            if self.parquet is None:
                self.parquet = pq.ParquetWriter(self.out, table.schema)
            self.parquet.write_table(table.cast(self.parquet.schema))
        elif self.fmt == "csv":
            data = _export_columns(rows, guard=self.guard)
            data.write_csv(self.out, include_header=self.first, datetime_format=None)
        elif self.fmt == "jsonl":
            _export_columns(rows, guard=False).write_ndjson(self.out)
        else:
            buffer = io.BytesIO()
            _export_columns(rows, guard=False).write_json(buffer)
            inner = buffer.getvalue().strip()[1:-1]
            self.out.write(b"[" if self.first else b",")
            self.out.write(inner)
        self.first = False

    def close(self) -> None:
        empty = pl.DataFrame(schema=SCHEMA)
        if self.fmt == "parquet":
            if self.parquet is None:
                empty.select(pl.col(c.name).alias(c.header) for c in COLUMNS).write_parquet(
                    self.out
                )
            else:
                self.parquet.close()
        elif self.fmt == "csv" and self.first:
            _export_columns(empty, guard=self.guard).write_csv(self.out, datetime_format=None)
        elif self.fmt == "json":
            self.out.write(b"[]" if self.first else b"]")
