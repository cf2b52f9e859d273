"""The MangoApps Connector Log export, and connlog's own exports (the same columns plus
connlog's extra ones), as CSV, JSON (an array), JSON Lines or Parquet."""

from __future__ import annotations

import csv
import itertools
import json
import re
from collections.abc import Callable, Iterator
from functools import cache, partial

import polars as pl

from connlog_tui.errors import ConnlogError
from connlog_tui.schema import HEADERS, TEXT_COLUMNS
from connlog_tui.sources.base import (
    LineReader,
    ReadResult,
    Source,
    build,
    csv_blocks,
    file_lines,
    lines_of,
    quarantine_rows,
    record_starts,
    short_records,
    source_lines,
)
from connlog_tui.sources.json_lines import read_by_polars
from connlog_tui.sources.jsonrecords import array_records, strip_trailing_commas

# Header spellings we accept, after normalising case and spaces.
ALIASES: dict[str, str] = {header.lower(): name for name, header in HEADERS.items()} | {
    "application": "app",
    "application to / from": "app",
    "email id": "user",
    "login id": "user",
    "email id / login id": "user",
    "requesttype": "request_type",
}
REQUIRED = {"time", "app", "action"}
# Cells connlog's CSV export guarded against formula injection; un-guarded when read back.
GUARDED = re.compile(r"^'+[=+\-@\t\r]")
# The preview parses the file's first bytes, not the file: Polars handed the path of a big
# file with `n_rows` still reads far more of it than it keeps (~120 ms of both cores for
# 2.8 GB, taken from the UI's start-up), while a prefix holding the rows takes ~10 ms.
# Longer records than these prefixes hold fall back to the path.
PREVIEW_PREFIXES = (1 << 20, 8 << 20, 64 << 20)


def normalise_header(name: str) -> str:
    return " ".join(name.replace("\ufeff", "").strip().lower().split())


def column_map(names: list[str]) -> dict[str, str]:
    """Source column -> canonical name, for the columns we recognise (first one wins)."""
    mapping: dict[str, str] = {}
    for name in names:
        canonical = ALIASES.get(normalise_header(name))
        if canonical and canonical not in mapping.values():
            mapping[name] = canonical
    return mapping


def _is_connlog_export(mapping: dict[str, str]) -> bool:
    return {"source", "format", "outcome"} <= set(mapping.values())


class MangoAppsReader:
    name = "mangoapps"
    description = "MangoApps Connector Log export (CSV, JSON, JSON Lines) and connlog's exports"

    def sniff(self, source: Source) -> float:
        if source.is_parquet:
            return 0.9 if self._parquet_columns(source) else 0.0
        head = source.head.lstrip()
        if head.startswith(("[", "{")):
            keys = _first_json_keys(head)
            return 0.9 if set(column_map(keys).values()) >= REQUIRED else 0.0
        return 0.95 if _delimiter(head) else 0.0

    def read(self, source: Source) -> ReadResult:
        if source.is_parquet:
            return self._read_parquet(source)
        head = source.head.lstrip()
        if head.startswith("["):
            return self._read_json_array(source)
        if head.startswith("{"):
            return self._read_json_lines(source)
        return self._read_csv(source)

    def preview(self, source: Source, rows: int) -> ReadResult:
        """The first `rows` records of a plain CSV (others: nothing, the load is quick)."""
        if source.is_parquet or source.is_gzip or source.head.lstrip().startswith(("[", "{")):
            return ReadResult()
        try:
            return self._read_csv(
                source, n_rows=rows, strict=True, raw=self._csv_head(source, rows)
            )
        except (pl.exceptions.PolarsError, ConnlogError):
            return ReadResult()

    def _csv_head(self, source: Source, rows: int) -> pl.DataFrame | None:
        """The first `rows` records of a plain UTF-8 CSV, parsed from a prefix of the file
        (None: gzip, another encoding, or records too long for the prefixes)."""
        if source.is_gzip or source.encoding != "utf-8":
            return None
        options = _csv_options(_delimiter(source.head.lstrip()) or ",")
        with source.path.open("rb") as fh:
            for size in PREVIEW_PREFIXES:
                fh.seek(0)
                data = fh.read(size)
                whole = len(data) < size
                # A prefix may end inside a record, which Polars reads as a short one or
                # fails on: a record more than wanted shows the wanted ones all ended.
                try:
                    raw = pl.read_csv(data, n_rows=rows + 1, **options)
                except pl.exceptions.PolarsError:
                    if whole:
                        raise
                    continue
                if raw.height > rows or whole:
                    return raw.head(rows)
        return None

    def read_blocks(self, source: Source, block_bytes: int) -> Iterator[ReadResult] | None:
        """A plain UTF-8 CSV read a block of records at a time (for lean mode's bounded
        memory); None for the other layouts, which are read whole. A block Polars cannot
        parse raises, and the caller reads the file whole (record by record)."""
        if source.is_parquet or source.is_gzip or source.encoding != "utf-8":
            return None
        head = source.head.lstrip()
        if head.startswith(("[", "{")):
            return None
        delimiter = _delimiter(head) or ","
        return self._csv_blocks(source, delimiter, block_bytes)

    def _csv_blocks(self, source: Source, delimiter: str, block_bytes: int):
        options = _csv_options(delimiter)
        names = None
        for header, body, first_line in csv_blocks(source.path, block_bytes):
            if names is None:
                names = pl.read_csv(header, **options).columns
            # The header is parsed once; each block is read as headerless records.
            raw = pl.read_csv(body, has_header=False, new_columns=names, **options)
            lines = partial(lines_of, body)
            yield self._from_csv_records(
                raw, source, lines, delimiter, first_line, lines_from=first_line
            )

    # -- CSV ---------------------------------------------------------------------------

    def _read_csv(
        self,
        source: Source,
        n_rows: int | None = None,
        strict=False,
        raw: pl.DataFrame | None = None,
    ) -> ReadResult:
        """The CSV's records (`raw`: the records already parsed as text, by `_csv_head`).
        Records with too many fields make Polars fail (then they are found record by
        record); records with too few are quarantined here (`short_records`)."""
        delimiter = _delimiter(source.head.lstrip()) or ","
        whole_file = raw is None and n_rows is None
        try:
            if raw is None:
                raw = _read_records(source, n_rows, delimiter)
        except (pl.exceptions.ComputeError, pl.exceptions.NoDataError):
            if strict:
                raise
            # Ragged rows or a broken quote: read record by record to find them.
            return self._read_csv_slowly(source)
        raw = raw.rename(lambda n: n.removeprefix("\ufeff"))
        count = partial(file_lines, source) if whole_file else None
        return self._from_csv_records(raw, source, source_lines(source), delimiter, count=count)

    def _from_csv_records(
        self,
        raw: pl.DataFrame,
        source: Source,
        read_lines: LineReader,
        delimiter: str,
        first_line: int = 2,
        count: Callable[[], int | None] | None = None,
        lines_from: int = 1,
    ) -> ReadResult:
        """A ReadResult of CSV records parsed by Polars (`raw`, every header column, from
        the file's line `first_line` on), short records quarantined (`read_lines` gives
        the text's lines from line `lines_from`). `count`: the text's line count, if it
        can be had. Records' line numbers are worked out only when a row is quarantined
        (only a quarantine entry names them)."""
        starts = _record_lines(raw, first_line, count)
        keep, short = short_records(raw, starts, read_lines, delimiter, lines_from)
        lines = starts
        if keep is not None:
            raw = raw.filter(keep)
            lines = cache(lambda: starts().filter(keep))
        raw = self._select(raw, column_map(raw.columns), source, unguard=True)
        result = build(raw, source=source.name, format=self.name, lines=lines)
        if short:
            found = pl.concat([quarantine_rows(source.name, short), result.quarantine])
            result.quarantine = found.sort("line", maintain_order=True)
        return result

    def _read_csv_slowly(self, source: Source) -> ReadResult:
        """Record by record: a record with too many or too few fields is quarantined with
        its line (a line cut short is not a record). A record with the
        wrong number of fields that spans several lines most likely opened a quote it
        never closed, swallowing the lines after it: only its first line is quarantined,
        and reading starts again on the next line, so the rows it swallowed are kept."""
        delimiter = _delimiter(source.head.lstrip()) or ","
        lines = source.text().split("\n")
        lines = [line + "\n" for line in lines[:-1]] + ([lines[-1]] if lines[-1] else [])
        try:
            header = next(csv.reader(lines[:1], delimiter=delimiter))
        except (csv.Error, StopIteration) as exc:
            raise ConnlogError(f"cannot read the CSV header ({exc})", source.name) from None
        mapping = column_map(header)
        keep = [(i, mapping[name]) for i, name in enumerate(header) if name in mapping]
        rows, numbers, bad = [], [], []
        at = 1  # index in `lines` of the next record's first line
        while at < len(lines):
            reader = csv.reader(itertools.islice(lines, at, None), delimiter=delimiter)
            restart = None
            done = 0  # lines of this reader consumed by earlier records
            while True:
                start = at + done
                try:
                    record = next(reader)
                except StopIteration:
                    break
                except csv.Error as exc:
                    bad.append((start + 1, f"unreadable CSV ({exc})", lines[start][:2000]))
                    restart = start + 1
                    break
                spans = reader.line_num - done
                done = reader.line_num
                if not record or record == [""] and not lines[start].strip():
                    continue
                if len(record) == len(header):
                    rows.append([record[i] or None for i, _ in keep])
                    numbers.append(start + 1)
                    continue
                reason = f"expected {len(header)} fields, found {len(record)}"
                if spans > 1:
                    reason += " (a quote left open?)"
                    bad.append((start + 1, reason, lines[start].rstrip("\r\n")[:2000]))
                    restart = start + 1
                    break
                bad.append((start + 1, reason, delimiter.join(record)[:2000]))
            if restart is None:
                break
            at = restart
        raw = pl.DataFrame(rows, schema=[name for _, name in keep], orient="row")
        raw = self._select(raw, {n: n for n in raw.columns}, source, unguard=True)
        result = build(
            raw, source=source.name, format=self.name, lines=pl.Series(numbers, dtype=pl.Int64)
        )
        result.quarantine = pl.concat([quarantine_rows(source.name, bad), result.quarantine])
        result.quarantine = result.quarantine.sort("line", maintain_order=True)
        return result

    def _select(
        self, raw: pl.DataFrame, mapping: dict[str, str], source: Source, unguard: bool = False
    ) -> pl.DataFrame:
        """The recognised columns under their canonical names. `unguard`: undo the formula
        guard of connlog's CSV exports (its JSON exports are never guarded)."""
        missing = REQUIRED - set(mapping.values())
        if missing:
            wanted = ", ".join(HEADERS[m] for m in sorted(missing))
            raise ConnlogError(f"not a connector log: no {wanted} column", source.name)
        raw = raw.select(pl.col(src).alias(dst) for src, dst in mapping.items())
        if unguard and _is_connlog_export(mapping):
            raw = raw.with_columns(
                pl.when(pl.col(c).str.contains(GUARDED.pattern))
                .then(pl.col(c).str.slice(1))
                .otherwise(pl.col(c))
                .alias(c)
                for c in raw.columns
                if c in TEXT_COLUMNS and raw.schema[c] == pl.String
            )
        return raw

    # -- JSON ----------------------------------------------------------------------------

    def _read_json_array(self, source: Source) -> ReadResult:
        """A JSON array of records. Trailing commas are forgiven; a record that does not
        parse (a truncated last record, a broken one in the middle) is quarantined with its
        line, and reading picks up again at the next line that starts a record."""
        doc = strip_trailing_commas(source.text())
        good: list[tuple[int, dict]] = []
        bad: list[tuple[int, str, str]] = []
        if "[" not in doc:  # a damaged .gz cut inside the first line: nothing left to read
            return self._from_records(source, good, bad)
        for number, value, reason in array_records(doc, doc.index("[")):
            if reason is not None:
                bad.append((number, reason, value[:2000]))
            elif isinstance(value, dict):
                good.append((number, value))
            else:
                bad.append((number, "record is not a JSON object", json.dumps(value)[:2000]))
        return self._from_records(source, good, bad)

    def _read_json_lines(self, source: Source) -> ReadResult:
        fast = self._json_lines_by_polars(source)
        if fast is not None:
            return fast
        good, bad = [], []
        # Only "\n" ends a record: str.splitlines would also split at U+2028, \x1c, \x85...
        for number, line in enumerate(source.text().split("\n"), start=1):
            line = line.removesuffix("\r")
            if not line.strip():
                continue
            try:
                record = json.loads(line, strict=False)  # raw control characters allowed
            except json.JSONDecodeError as exc:
                bad.append((number, f"invalid JSON ({exc.msg})", line[:2000]))
                continue
            if isinstance(record, dict):
                good.append((number, record))
            else:
                bad.append((number, "record is not a JSON object", line[:2000]))
        return self._from_records(source, good, bad)

    def _json_lines_by_polars(self, source: Source) -> ReadResult | None:
        """The file read by Polars when its records allow (json_lines.read_by_polars);
        None: the slow path reads it."""

        def select(raw: pl.DataFrame) -> pl.DataFrame:
            return self._select(raw, {n: n for n in raw.columns}, source)

        return read_by_polars(source, column_map, select, self.name)

    def _from_records(self, source: Source, good: list, bad: list) -> ReadResult:
        keys: list[str] = []
        for _, record in good[:1000]:
            keys.extend(k for k in record if k not in keys)
        mapping = column_map(keys)
        columns: dict[str, list] = {name: [] for name in mapping.values()}
        for _, record in good:
            for key, name in mapping.items():
                columns[name].append(_text(record.get(key)))
        raw = pl.DataFrame(columns, schema={n: pl.String for n in columns})
        raw = self._select(raw, {n: n for n in raw.columns}, source)
        lines = pl.Series([n for n, _ in good], dtype=pl.Int64)
        result = build(raw, source=source.name, format=self.name, lines=lines)
        result.quarantine = pl.concat([quarantine_rows(source.name, bad), result.quarantine])
        return result

    # -- Parquet -------------------------------------------------------------------------

    def _parquet_columns(self, source: Source) -> dict[str, str]:
        try:
            names = pl.read_parquet_schema(source.path).keys()
        except Exception:  # any failure means "not ours"
            return {}
        mapping = column_map(list(names))
        return mapping if set(mapping.values()) >= REQUIRED else {}

    def _read_parquet(self, source: Source) -> ReadResult:
        mapping = self._parquet_columns(source)
        try:
            raw = pl.read_parquet(source.path, columns=list(mapping))
        except Exception as exc:
            raise ConnlogError(f"unreadable Parquet file ({exc})", source.name) from None
        raw = raw.select(pl.col(src).alias(dst) for src, dst in mapping.items())
        if raw.schema["time"] != pl.String and raw.schema["time"] != pl.Datetime:
            raw = raw.with_columns(pl.col("time").cast(pl.String))
        return build(raw, source=source.name, format=self.name)


def _record_lines(
    raw: pl.DataFrame, first_line: int, count: Callable[[], int | None] | None
) -> Callable[[], pl.Series]:
    """The file line each of `raw`'s records starts on, worked out when first asked for.
    A text whose line count (`count`) is its records plus the lines before them has one
    line per record, so the lines need not be counted in every cell (`record_starts`)."""

    @cache
    def starts() -> pl.Series:
        if count is not None and raw.height and count() == raw.height + first_line - 1:
            return pl.int_range(first_line, raw.height + first_line, dtype=pl.Int64, eager=True)
        return record_starts(raw, first_line)

    return starts


def _delimiter(head: str) -> str | None:
    """The delimiter (comma, semicolon, tab or pipe) that splits the first line of a CSV
    head into the connector log's columns; None when none does."""
    first_line = head.split("\n", 1)[0].rstrip("\r")
    for delimiter in (",", ";", "\t", "|"):
        if delimiter not in first_line:
            continue
        try:
            names = next(csv.reader([first_line], delimiter=delimiter))
        except (csv.Error, StopIteration):
            continue
        if set(column_map(names).values()) >= REQUIRED:
            return delimiter
    return None


def _text(value: object) -> str | None:
    if value is None or value == "":
        return None  # as an empty CSV cell reads
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)


def _first_json_keys(head: str) -> list[str]:
    """Keys of the first record in a JSON array / JSON Lines head (which may be cut)."""
    decoder = json.JSONDecoder(strict=False)
    text = head.lstrip()
    if text.startswith("["):
        text = text[1:].lstrip()
    try:
        record, _ = decoder.raw_decode(text)
    except json.JSONDecodeError:
        return re.findall(r'"([^"\\]{1,80})"\s*:', text[:4000])
    return list(record) if isinstance(record, dict) else []


def _read_records(source: Source, n_rows: int | None, delimiter: str) -> pl.DataFrame:
    """The CSV's records as text. Read as strict UTF-8 first, which Polars checks ~1.5x
    faster than it repairs; a file with invalid bytes fails that and is read again with
    them replaced (U+FFFD), as is a file Polars cannot read at all (it fails again)."""
    options = _csv_options(delimiter)
    try:
        return pl.read_csv(source.polars_input(), n_rows=n_rows, **options | {"encoding": "utf8"})
    except pl.exceptions.ComputeError:
        return pl.read_csv(source.polars_input(), n_rows=n_rows, **options)


def _csv_options(delimiter: str) -> dict:
    """How Polars reads the CSV layout: every field as text (parsed later, per column)."""
    return {
        "infer_schema": False,
        "encoding": "utf8-lossy",
        "quote_char": '"',
        "separator": delimiter,
    }
