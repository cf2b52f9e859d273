"""Writing an export from a stream of row batches (a remote engine's Arrow batches, an
archive's lazy pieces), in the same bytes as `export.export` writes the whole frame: CSV
with one header, JSON Lines, one JSON array, Parquet under the display headers, a Note
column when the rows carry one; redacted a batch at a time with one key. Atomic as every
export: a temporary file beside the target, renamed over it.

Redaction takes two passes, one key: the first streams the text columns only, learning
every string the patterns find (`redact.Redactor.learn`: the distinct matches are held,
never the rows); the second masks each batch with all of them (`Redactor.frame`), so a
string found in one batch is masked in another where the pattern does not match it, and
the file is the bytes of the whole view redacted in memory.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from pathlib import Path
from typing import IO, Any

import polars as pl
import pyarrow.parquet as pq

from connlog_tui.atomic import export_output, write_atomic
from connlog_tui.export import _check_target, _export_columns, check_stdout
from connlog_tui.logs.base import ExportOptions
from connlog_tui.schema import COLUMNS, NOTE, NOTE_HEADER, SCHEMA

STREAMED = ("csv", "jsonl", "json", "parquet")


def check_target(target: Path, options: ExportOptions) -> None:
    """As export.export checks: never an input, an existing file only with `force`;
    stdout ("-") without a provenance sidecar."""
    if str(target) == "-":
        check_stdout(options)
    else:
        _check_target(target, options)


def write_stream(
    batches: Iterable[pl.DataFrame],
    target: Path,
    fmt: str,
    options: ExportOptions,
    text: Iterable[pl.DataFrame] = (),
) -> int:
    """Write the canonical rows of `batches` to `target` ("-": stdout) in `fmt`; the
    number written. `text`: the same rows' text columns, read first when the export is
    redacted."""
    written = 0
    redactor = _redactor(options.redact)

    def write(out: IO[bytes]) -> None:
        nonlocal written
        for batch in text if redactor is not None else ():
            redactor.learn(batch)
        writer = _Writer(out, fmt, options.guard)
        for batch in batches:
            writer.add(batch if redactor is None else redactor.frame(batch))
            written += batch.height
            if options.progress:
                options.progress(written)
        writer.close()

    if str(target) == "-":  # CSV on stdout, a batch at a time
        with export_output(target) as out:
            write(out)
    else:
        write_atomic(target, write)
    return written


def _redactor(redact: bool) -> Any:
    """One Redactor (one key) for a whole export, when it is redacted."""
    if not redact:
        return None
    from connlog_tui.redact import Redactor

    return Redactor()


def _headers(names: list[str]) -> list[pl.Expr]:
    """The canonical columns (and a Note) under their display headers, typed."""
    named = [pl.col(c.name).alias(c.header) for c in COLUMNS]
    if NOTE in names:
        named.append(pl.col(NOTE).alias(NOTE_HEADER))
    return named


class _Writer:
    """One format's output, a batch at a time (export.write_* for a whole frame)."""

    def __init__(self, out: IO[bytes], fmt: str, guard: bool) -> None:
        self.out, self.fmt, self.guard = out, fmt, guard and fmt == "csv"
        self.first = True
        self.parquet: pq.ParquetWriter | None = None

    def add(self, batch: pl.DataFrame) -> None:
        if batch.height == 0:
            return
        notes = [NOTE] if NOTE in batch.columns else []
        rows = batch.select(*(c.name for c in COLUMNS), *notes)
        if self.fmt == "parquet":
            table = rows.select(_headers(rows.columns)).to_arrow()
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


class PartWriter:
    """One export file written from lazy pieces of rows in turn (an archive's export, a
    date partition at a time: scaleout.LazyView.export): CSV and JSON Lines each
    piece streamed by Polars' sink after the last (one CSV header); a JSON array,
    Parquet and any redacted export a batch at a time into one file."""

    def __init__(self, out: IO[bytes], fmt: str, guard: bool, redact: bool = False) -> None:
        self.out, self.fmt, self.guard = out, fmt, guard and fmt == "csv"
        self.first = True
        self.redactor = _redactor(redact)
        self.batches = _Writer(out, fmt, guard)
        self.parquet: Any = None

    def learn(self, pieces: list[pl.LazyFrame]) -> None:
        """The first pass of a redacted export, before any piece is added: each piece's
        text columns are read (the plan is pruned to them) for what to mask."""
        for rows in pieces if self.redactor is not None else ():
            self.redactor.learn(rows)

    def add(self, rows: pl.LazyFrame) -> None:
        if self.redactor is None and self.fmt == "csv":
            plan = _export_columns(rows, guard=self.guard)
            plan.sink_csv(self.out, include_header=self.first)
        elif self.redactor is None and self.fmt == "jsonl":
            _export_columns(rows, guard=False).sink_ndjson(self.out)
        elif self.fmt == "parquet":
            self._add_parquet(rows)
        else:
            for batch in rows.collect_batches():
                self.batches.add(self._redacted(batch))
        self.first = False

    def _redacted(self, batch: pl.DataFrame) -> pl.DataFrame:
        return batch if self.redactor is None else self.redactor.frame(batch)

    def _add_parquet(self, rows: pl.LazyFrame) -> None:
        headers = _headers(rows.collect_schema().names())
        if self.parquet is None:
            # The schema from the plan, so that an export of no rows has its columns.
            schema = rows.clear().select(headers).collect().to_arrow().schema
            self.parquet = pq.ParquetWriter(self.out, schema)
        for batch in rows.collect_batches():
            table = self._redacted(batch).select(headers).to_arrow()
            self.parquet.write_table(table.cast(self.parquet.schema))

    def close(self) -> None:
        """Ends the file; with no piece added (no day in range), the empty export a
        frame of no rows gives: CSV its header, JSON `[]`, Parquet its columns."""
        if self.parquet is not None:
            self.parquet.close()
        elif self.first or self.fmt == "json" or self.redactor is not None:
            self.batches.close()
