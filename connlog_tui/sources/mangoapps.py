"""The MangoApps Connector Log export, and connlog's own exports (the same columns plus
connlog's extra ones), as CSV, JSON (an array), JSON Lines or Parquet."""

from __future__ import annotations

import csv
import io
import json
import re

import polars as pl

from connlog_tui.errors import ConnlogError
from connlog_tui.schema import HEADERS, TEXT_COLUMNS
from connlog_tui.sources.base import ReadResult, Source, build, quarantine_rows

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
        first_line = head.split("\n", 1)[0]
        try:
            names = next(csv.reader([first_line]))
        except (csv.Error, StopIteration):
            return 0.0
        return 0.95 if set(column_map(names).values()) >= REQUIRED else 0.0

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
            return self._read_csv(source, n_rows=rows, strict=True)
        except (pl.exceptions.PolarsError, ConnlogError):
            return ReadResult()

    # -- CSV ---------------------------------------------------------------------------

    def _read_csv(self, source: Source, n_rows: int | None = None, strict=False) -> ReadResult:
        try:
            raw = pl.read_csv(
                source.polars_input(),
                infer_schema=False,
                encoding="utf8-lossy",
                quote_char='"',
                n_rows=n_rows,
            )
        except (pl.exceptions.ComputeError, pl.exceptions.NoDataError):
            if strict:
                raise
            # Ragged rows or a broken quote: read record by record to find them.
            return self._read_csv_slowly(source)
        raw = raw.rename(lambda n: n.removeprefix("\ufeff"))
        mapping = column_map(raw.columns)
        raw = self._select(raw, mapping, source)
        result = build(raw, source=source.name, format=self.name)
        if result.quarantine.height:
            result.quarantine = _with_csv_lines(result.quarantine, raw)
        return result

    def _read_csv_slowly(self, source: Source) -> ReadResult:
        reader = csv.reader(io.StringIO(source.text(), newline=""))
        try:
            header = next(reader)
        except (csv.Error, StopIteration) as exc:
            raise ConnlogError(f"cannot read the CSV header ({exc})", source.name) from None
        mapping = column_map(header)
        keep = [(i, mapping[name]) for i, name in enumerate(header) if name in mapping]
        rows, lines, bad = [], [], []
        start = reader.line_num + 1
        try:
            for record in reader:
                if len(record) != len(header) and record:
                    reason = f"expected {len(header)} fields, found {len(record)}"
                    bad.append((start, reason, ",".join(record)[:2000]))
                elif record:
                    rows.append([record[i] for i, _ in keep])
                    lines.append(start)
                start = reader.line_num + 1
        except csv.Error as exc:
            bad.append((start, f"unreadable CSV ({exc})", ""))
        raw = pl.DataFrame(rows, schema=[name for _, name in keep], orient="row")
        raw = self._select(raw, {n: n for n in raw.columns}, source)
        result = build(
            raw, source=source.name, format=self.name, lines=pl.Series(lines, dtype=pl.Int64)
        )
        result.quarantine = pl.concat([quarantine_rows(source.name, bad), result.quarantine])
        return result

    def _select(self, raw: pl.DataFrame, mapping: dict[str, str], source: Source) -> pl.DataFrame:
        missing = REQUIRED - set(mapping.values())
        if missing:
            wanted = ", ".join(HEADERS[m] for m in sorted(missing))
            raise ConnlogError(f"not a connector log: no {wanted} column", source.name)
        raw = raw.select(pl.col(src).alias(dst) for src, dst in mapping.items())
        if _is_connlog_export(mapping):
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
        try:
            records = json.loads(source.text())
        except json.JSONDecodeError as exc:
            raise ConnlogError(
                f"invalid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}", source.name
            ) from None
        if isinstance(records, dict):
            records = [records]
        if not isinstance(records, list):
            raise ConnlogError("JSON is not an array of records", source.name)
        good, bad = [], []
        for number, record in enumerate(records, start=1):
            if isinstance(record, dict):
                good.append((number, record))
            else:
                bad.append((number, "record is not a JSON object", json.dumps(record)[:2000]))
        return self._from_records(source, good, bad)

    def _read_json_lines(self, source: Source) -> ReadResult:
        good, bad = [], []
        for number, line in enumerate(source.text().splitlines(), start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as exc:
                bad.append((number, f"invalid JSON ({exc.msg})", line[:2000]))
                continue
            if isinstance(record, dict):
                good.append((number, record))
            else:
                bad.append((number, "record is not a JSON object", line[:2000]))
        return self._from_records(source, good, bad)

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
        except Exception:  # noqa: BLE001 - any failure means "not ours"
            return {}
        mapping = column_map(list(names))
        return mapping if set(mapping.values()) >= REQUIRED else {}

    def _read_parquet(self, source: Source) -> ReadResult:
        mapping = self._parquet_columns(source)
        try:
            raw = pl.read_parquet(source.path, columns=list(mapping))
        except Exception as exc:  # noqa: BLE001
            raise ConnlogError(f"unreadable Parquet file ({exc})", source.name) from None
        raw = raw.select(pl.col(src).alias(dst) for src, dst in mapping.items())
        if raw.schema["time"] != pl.String and raw.schema["time"] != pl.Datetime:
            raw = raw.with_columns(pl.col("time").cast(pl.String))
        return build(raw, source=source.name, format=self.name)


def _text(value: object) -> str | None:
    if value is None or isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)


def _first_json_keys(head: str) -> list[str]:
    """Keys of the first record in a JSON array / JSON Lines head (which may be cut)."""
    decoder = json.JSONDecoder()
    text = head.lstrip()
    if text.startswith("["):
        text = text[1:].lstrip()
    try:
        record, _ = decoder.raw_decode(text)
    except json.JSONDecodeError:
        return re.findall(r'"([^"\\]{1,80})"\s*:', text[:4000])
    return list(record) if isinstance(record, dict) else []


def _with_csv_lines(quarantine: pl.DataFrame, raw: pl.DataFrame) -> pl.DataFrame:
    """Replace record numbers by file line numbers: a record starts one line after the
    previous one ends, and quoted payloads may span several lines."""
    text_cols = [c for c in raw.columns if raw.schema[c] == pl.String]
    newlines = pl.sum_horizontal(
        pl.col(c).str.count_matches("\n", literal=True).fill_null(0) for c in text_cols
    )
    starts = raw.select(
        (pl.lit(2) + pl.int_range(pl.len()) + newlines.cum_sum() - newlines).alias("line")
    )["line"]
    return quarantine.with_columns(line=starts.gather(quarantine["line"] - 1).cast(pl.Int64))
