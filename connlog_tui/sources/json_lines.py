"""JSON Lines read by Polars, a record a line, when its records allow: the MangoApps
reader's fast path, which gives the rows and quarantine its line-by-line reading gives."""

from __future__ import annotations

import io
import itertools
import json
from collections.abc import Callable
from pathlib import Path

import polars as pl

from connlog_tui.sources.base import ReadResult, Source, build, file_lines

BOM = "\ufeff".encode()


def read_by_polars(
    source: Source,
    recognise: Callable[[list[str]], dict[str, str]],
    select: Callable[[pl.DataFrame], pl.DataFrame],
    format: str,
) -> ReadResult | None:
    """The file read by Polars when the records look as the slow path needs them to:
    every line a record (none broken), and in the first thousand, the key sample, every
    recognised field a string or null. A later field that is a number or an object reads
    as its JSON text, as in the slow path (Polars may spell a float differently: 1e5 as
    100000). `recognise`: the reader's canonical names of the keys it knows; `select`:
    the frame it makes of those columns. None otherwise: the slow path reads it, and
    quarantines what it must."""
    # The path itself when Polars can read the file as it is (twice as fast as bytes):
    # then only the key sample is read here.
    plain = not source.is_gzip and source.encoding == "utf-8"
    plain = plain and not source.raw_head.startswith(BOM)
    data = b"" if plain else source.data()
    sample = _json_sample(source.path if plain else data)
    if not sample or not all(isinstance(record, dict) for record in sample):
        return None
    keys: list[str] = []
    for record in sample:  # in the slow path's order: the first name of a column wins
        keys.extend(k for k in record if k not in keys)
    mapping = recognise(keys)
    if {type(r.get(k)) for r in sample for k in mapping} - {str, type(None)}:
        return None
    given = source.path if plain else io.BytesIO(data)
    try:
        frame = pl.read_ndjson(given, schema=dict.fromkeys(mapping, pl.String))
    except (pl.exceptions.PolarsError, ValueError):
        return None  # a line that is not one record: broken, or several
    raw = frame.select(  # an empty string reads as an empty CSV cell does: null
        pl.when(pl.col(key) != "").then(pl.col(key)).alias(name) for key, name in mapping.items()
    )
    raw = select(raw)

    def lines() -> pl.Series:
        # Record n is on line n unless there are blank lines, which Polars skips (as
        # the slow path does): then the slow path numbers the rows quarantined.
        count = file_lines(source) if plain else data.count(b"\n") + (data[-1:] != b"\n")
        if count != frame.height:
            raise _Renumber
        return pl.int_range(1, frame.height + 1, dtype=pl.Int64, eager=True)

    try:  # `lines` is called only when a row is quarantined
        return build(raw, source=source.name, format=format, lines=lines)
    except _Renumber:
        return None


class _Renumber(Exception):
    """JSON Lines whose quarantined rows need the slow path's line numbers."""


SAMPLE_RECORDS = 1000  # JSON records whose keys name the columns (as in `_from_records`)


def _json_sample(text: Path | bytes) -> list | None:
    """The values of the first `SAMPLE_RECORDS` lines of JSON Lines (a file, or its
    bytes), or None when one of them is not one JSON value (blank, broken, not text)."""
    if isinstance(text, Path):
        with text.open("rb") as fh:
            lines = list(itertools.islice(fh, SAMPLE_RECORDS))
    else:
        lines = list(itertools.islice(io.BytesIO(text), SAMPLE_RECORDS))
    try:  # parsed as one array: a call per line costs more than its parse
        values = json.loads(b"[" + b",".join(lines) + b"]", strict=False)
    except ValueError:  # bad JSON, or bytes that are not text: the slow path says which
        return None
    return values if len(values) == len(lines) else None  # a line held none, or several
