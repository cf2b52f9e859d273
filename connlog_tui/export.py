"""Writing a view to CSV, JSON Lines, JSON, Parquet or PDF: every matching row, atomically.

Exports carry connlog's full canonical columns under their display headers, so connlog
reads its own exports back as they were and a second export is byte-identical.
"""

from __future__ import annotations

import io
import json
import sys
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any, TypeVar

import polars as pl

from connlog_tui import __version__
from connlog_tui.atomic import write_atomic
from connlog_tui.errors import ConnlogError
from connlog_tui.isotime import iso_utc
from connlog_tui.payloads import POS, PayloadStore, fill, release_pages
from connlog_tui.query import FilterState
from connlog_tui.schema import COLUMNS, HEADERS, NOTE, NOTE_HEADER

# Spreadsheets run a cell starting with one of these as a formula. A cell that already
# starts with quotes before one gets one more, so the guard can be undone exactly.
FORMULA_START = r"^'*[=+\-@\t\r]"
FORMULA_FIRST = ["'", "=", "+", "-", "@", "\t", "\r"]  # what such a cell starts with
TIME_FORMAT = "%Y-%m-%dT%H:%M:%S%.fZ"
Frame = TypeVar("Frame", pl.DataFrame, pl.LazyFrame)


def _export_columns(frame: Frame, *, guard: bool) -> Frame:
    """Canonical columns under their headers, times as ISO 8601 UTC text."""
    # A lazy frame too (the archive's streamed export): its schema, not its columns.
    notes = [NOTE] if NOTE in frame.collect_schema().names() else []
    texts = [c.name for c in COLUMNS if c.name != "time"] + notes
    guarded = set(_may_need_guard(frame, texts) if guard else ())
    exprs = [pl.col("time").dt.strftime(TIME_FORMAT).alias(HEADERS["time"])]
    for name in texts:
        text = pl.col(name).cast(pl.String) if name in guarded else pl.col(name)
        if name in guarded:
            text = pl.when(text.str.contains(FORMULA_START)).then("'" + text).otherwise(text)
        exprs.append(text.alias(NOTE_HEADER if name == NOTE else HEADERS[name]))
    return frame.select(exprs)


def _may_need_guard(frame: Frame, names: list[str]) -> list[str]:
    """The columns of `names` the formula guard has to go through: of a loaded frame,
    those with a cell starting as a formula or a quote does (a first character compared
    is cheaper than the guard's pattern and prefixing over every cell); of a lazy frame,
    all of them."""
    if isinstance(frame, pl.LazyFrame) or frame.height == 0:
        return names
    first = [pl.col(n).cast(pl.String).str.head(1).is_in(FORMULA_FIRST).any() for n in names]
    found = frame.select(first).row(0)
    return [name for name, hit in zip(names, found, strict=True) if hit]


CHUNK_ROWS = 100_000
Progress = Callable[[int], None]


def _chunks(
    frame: pl.DataFrame,
    size: int,
    progress: Progress | None = None,
    payloads: PayloadStore | None = None,
):
    """The frame in slices of `size` rows, reporting the rows done after each. With a
    lean load's `payloads`, each slice's payloads are read in as it is written."""
    for start in range(0, frame.height, max(size, 1)):
        chunk = fill(frame.slice(start, size), payloads)
        yield chunk
        release_pages()  # written: a mapped frame's payload pages go back
        if progress:
            progress(start + chunk.height)


@dataclass(frozen=True)
class ExportOptions:
    """How an export is written. The format follows the target's suffix (`format_for`; "-"
    is CSV on stdout). `guard`: the spreadsheet formula guard (CSV). `force`: replace an
    existing file. `inputs`: files never overwritten. `redact`: mask identities first
    (connlog_tui.redact). `provenance`: also write the `OUT.provenance.json` sidecar with
    these fields (see `provenance_record`). `report`: the PDF's title, filters, sources,
    zone (from `provenance` when not given). `progress`: called with the rows written so
    far, after each slice of `chunk_rows`. For a log's export (connlog_tui.logs; `export`
    itself writes the frame it is given): `diagnose` fills the Diagnosis of failed rows,
    `marks` (the log's `marks.Marks`) puts their notes in a Note column."""

    guard: bool = True
    force: bool = False
    inputs: tuple[Path, ...] = ()
    redact: bool = False
    provenance: Mapping[str, Any] | None = None
    report: Mapping[str, Any] | None = None
    progress: Progress | None = None
    chunk_rows: int = CHUNK_ROWS
    diagnose: bool = False
    marks: Any = None


def write_csv(
    frame: pl.DataFrame, out: IO[bytes], options: ExportOptions, payloads: PayloadStore | None
) -> None:
    """CSV in slices of `chunk_rows` appended to `out` (the bytes are the same as one
    write); just the header when there are no rows."""
    if frame.height == 0:
        _export_columns(frame, guard=options.guard).write_csv(out, datetime_format=None)
        return
    chunks = _chunks(frame, options.chunk_rows, options.progress, payloads)
    for i, chunk in enumerate(chunks):
        data = _export_columns(chunk, guard=options.guard)
        data.write_csv(out, include_header=i == 0, datetime_format=None)


def write_jsonl(
    frame: pl.DataFrame, out: IO[bytes], options: ExportOptions, payloads: PayloadStore | None
) -> None:
    """One JSON object a line; an empty file (no records) when there are no rows."""
    for chunk in _chunks(frame, options.chunk_rows, options.progress, payloads):
        _export_columns(chunk, guard=False).write_ndjson(out)


def write_json(
    frame: pl.DataFrame, out: IO[bytes], options: ExportOptions, payloads: PayloadStore | None
) -> None:
    """One JSON array of records, written slice by slice; `[]` when there are no rows."""
    out.write(b"[")
    chunks = _chunks(frame, options.chunk_rows, options.progress, payloads)
    for i, chunk in enumerate(chunks):
        buffer = io.BytesIO()
        _export_columns(chunk, guard=False).write_json(buffer)
        inner = buffer.getvalue().strip()[1:-1]
        if i and inner:
            out.write(b",")
        out.write(inner)
    out.write(b"]")


def write_parquet(
    frame: pl.DataFrame, out: IO[bytes], options: ExportOptions, payloads: PayloadStore | None
) -> None:
    """Typed columns under the display headers (a valid file with the schema when empty)."""
    notes = [pl.col(NOTE).alias(NOTE_HEADER)] if NOTE in frame.columns else []
    typed = frame.select(*(pl.col(c.name).alias(c.header) for c in COLUMNS), *notes)
    typed.write_parquet(out)
    if options.progress:
        options.progress(frame.height)


def write_pdf(
    frame: pl.DataFrame, out: IO[bytes], options: ExportOptions, payloads: PayloadStore | None
) -> None:
    """A landscape report (see export_pdf); `report` carries title, filters and sources."""
    from connlog_tui.export_pdf import write_pdf as write_report

    write_report(frame, out, progress=options.progress, **dict(options.report or {}))


# Every writer takes the frame (payloads filled in, or a lean view's positions with the
# store that holds them), the open binary output and the export's options.
Writer = Callable[[pl.DataFrame, IO[bytes], ExportOptions, "PayloadStore | None"], None]
WRITERS: dict[str, Writer] = {
    "csv": write_csv,
    "jsonl": write_jsonl,
    "json": write_json,
    "parquet": write_parquet,
    "pdf": write_pdf,
}
SUFFIXES = {".csv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "json"}
SUFFIXES[".parquet"] = "parquet"
SUFFIXES[".pdf"] = "pdf"
PROVENANCE_SUFFIX = ".provenance.json"


def provenance_path(out: str | Path) -> Path:
    """Where an export's provenance sidecar goes: `OUT.provenance.json`."""
    return Path(f"{out}{PROVENANCE_SUFFIX}")


def provenance_record(
    *,
    sources: Iterable[str | Path] = (),
    filters: Iterable[str] | None = None,
    state: FilterState | None = None,
    **extra,
) -> dict:
    """What a caller knows about an export: its source files and the filters (phrases from
    `FilterState.describe()`). `export` adds the rest (rows, version, time)."""
    if filters is None:
        filters = state.describe() if state is not None else []
    return {"sources": [str(s) for s in sources], "filters": list(filters), **extra}


def format_for(path: str) -> str:
    """The export format an output name asks for; CSV unless the extension says otherwise."""
    if path == "-":
        return "csv"
    return SUFFIXES.get(Path(path).suffix.lower(), "csv")


def export(
    frame: pl.DataFrame,
    out: str,
    options: ExportOptions = ExportOptions(),
    *,
    payloads: PayloadStore | None = None,
) -> int:
    """Write `frame` to `out` ("-" is stdout, as CSV) as `options` say. Returns the number
    of rows written.

    The file appears whole or not at all: it is written to a temporary file in the target
    directory and renamed over. An existing file is kept unless `options.force`, and an
    input log is never overwritten. With provenance, `OUT.provenance.json` is written
    beside it: sources, filters, row count, connlog version and the UTC time of export.
    With no rows, every format still writes a valid file (CSV: the header). `payloads`: a
    lean load's store; CSV and JSON read each slice's payloads as they go, the other
    formats (and redaction) read the whole view's first.
    """
    fmt = format_for(out)
    writer = WRITERS[fmt]
    streamed = payloads is not None and POS in frame.columns
    if payloads is not None and streamed and (options.redact or fmt not in STREAMED):
        frame, streamed = payloads.fill(frame), False
    notes = [NOTE] if NOTE in frame.columns else []  # a view's notes (connlog_tui.marks)
    frame = frame.select(*HEADERS.keys(), *notes, *([POS] if streamed else []))
    if options.redact:
        from connlog_tui.redact import redact_frame

        frame = redact_frame(frame)
    options = replace(options, report=_report(options, fmt))
    store = payloads if streamed else None

    def write(fh: IO[bytes]) -> None:
        writer(frame, fh, options, store)

    if out == "-":
        check_stdout(options)
        buffer = io.BytesIO()
        write(buffer)
        sys.stdout.buffer.write(buffer.getvalue())
        sys.stdout.flush()
        return frame.height
    target = Path(out)
    if target.exists() and not target.is_file() and not target.is_dir():
        # A device or pipe (/dev/null, a FIFO): write into it; renaming a temporary file
        # over it would replace the device itself.
        with target.open("wb") as fh:
            write(fh)
        return frame.height
    _check_target(target, options)
    write_atomic(target, write)
    if options.provenance is not None:
        write_provenance(
            target,
            options.provenance,
            rows=frame.height,
            redact=options.redact,
            guard=options.guard,
        )
    return frame.height


STREAMED = ("csv", "jsonl", "json")  # the formats written a slice at a time


def _report(options: ExportOptions, fmt: str) -> Mapping[str, Any] | None:
    """The PDF's report fields: as given, else the provenance's filters and sources."""
    report, provenance = options.report, options.provenance
    if report is None and provenance is not None:
        report = {k: provenance[k] for k in ("filters", "sources") if k in provenance}
    if fmt == "pdf":
        report = {"title": "connlog export", **(report or {})}
    return report


def check_stdout(options: ExportOptions) -> None:
    """An export to stdout ("-") has nowhere to put a provenance sidecar."""
    if options.provenance is not None:
        raise ConnlogError("a provenance sidecar needs an output file, not stdout")


def _check_target(target: Path, options: ExportOptions) -> None:
    """Never an input log; an existing file (or sidecar) only with `force`."""
    sidecar = provenance_path(target) if options.provenance is not None else None
    for path in (target, sidecar):
        if path is None:
            continue
        if any(path.resolve() == Path(p).resolve() for p in options.inputs):
            raise ConnlogError("refusing to overwrite an input log", str(path))
        if path.exists() and not options.force:
            raise ConnlogError("file exists (use --force to overwrite)", str(path))
    if not target.parent.is_dir():
        raise ConnlogError("no such directory", str(target.parent))


def write_provenance(
    target: str | Path, provenance: Mapping, *, rows: int, redact: bool, guard: bool
) -> None:
    """Write `OUT.provenance.json` beside an export to `target` (atomically): the
    caller's `provenance` (see `provenance_record`) plus output, format, row count,
    connlog version, the UTC time, and whether it was redacted (and guarded, for CSV)."""
    target = Path(target)
    fmt = format_for(str(target))
    record = {
        "sources": [],
        "filters": [],
        **dict(provenance),
        "output": target.name,
        "format": fmt,
        "rows": rows,
        "connlog_version": __version__,
        "exported_at": iso_utc(datetime.now(UTC), 6, always=True),
        "redacted": redact,
    }
    if fmt == "csv":
        record["formula_guard"] = guard
    text = json.dumps(record, indent=2, ensure_ascii=False, default=str) + "\n"
    write_atomic(provenance_path(target), lambda fh: fh.write(text.encode("utf-8")))
