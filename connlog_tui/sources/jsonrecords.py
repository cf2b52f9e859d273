"""What the JSON-based readers share: finding the records in a JSON document (an array,
JSON Lines, concatenated documents, or an envelope such as Graph's `{"value": [...]}`),
with the line each record starts on and bad lines quarantined; looking up dotted paths
case-insensitively; and turning mapped rows into a ReadResult."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import polars as pl

from connlog_tui.errors import ConnlogError
from connlog_tui.sources.base import (
    ReadResult,
    Source,
    build,
    quarantine_rows,
    record_starts,
    short_records,
    source_lines,
)

Record = dict[str, Any]
Numbered = list[tuple[int, Record]]
Bad = list[tuple[int, str, str]]

# Keys under which envelopes hold their records, tried in order.
ENVELOPE_KEYS = ("value", "records", "data", "results", "items", "logs", "events")
ROW_COLUMNS = (
    "time",
    "app",
    "action",
    "request_type",
    "user",
    "request",
    "response",
    "outcome",
    "reason",
    "ip",
)

_DECODER = json.JSONDecoder(strict=False)  # raw control characters (NUL, tab) in strings
_WS = re.compile(r"\s*")
_TRAILING_COMMA = re.compile(r",\s*[\]}]")
_STRING_OR_TRAILING_COMMA = re.compile(r'"(?:[^"\\]|\\.)*"|,(\s*[\]}])', re.S)


def compact(value: Any) -> str:
    """A record as one line of JSON, as the payload column keeps it."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def text(value: Any) -> str | None:
    """A field as text for a canonical column: None and "" stay None, scalars as written,
    objects and arrays as compact JSON."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    return compact(value)


def strip_trailing_commas(doc: str) -> str:
    """Remove commas before `]` or `}` outside strings (a common hand-edit error, e.g. in
    Microsoft Graph's published sample). Newlines are kept, so line numbers still hold."""
    if not _TRAILING_COMMA.search(doc):
        return doc
    return _STRING_OR_TRAILING_COMMA.sub(lambda m: m.group(1) if m.group(1) else m.group(0), doc)


# -- dotted paths -----------------------------------------------------------------------


def dig(record: Any, path: str, default: Any = None) -> Any:
    """`record["a"]["b"]["c"]` for path "a.b.c"; a key matches exactly or, failing that,
    ignoring case; a number indexes a list. Missing anywhere: `default`."""
    value = record
    for part in path.split("."):
        if isinstance(value, dict):
            if part in value:
                value = value[part]
                continue
            lower = part.lower()
            for key, item in value.items():
                if isinstance(key, str) and key.lower() == lower:
                    value = item
                    break
            else:
                return default
        elif isinstance(value, list) and part.lstrip("-").isdigit():
            index = int(part)
            if not -len(value) <= index < len(value):
                return default
            value = value[index]
        else:
            return default
    return value


def first(record: Any, *paths: str) -> Any:
    """The first of several paths that holds a non-empty value."""
    for path in paths:
        value = dig(record, path)
        if value is not None and value != "":
            return value
    return None


def keys_lower(record: Any) -> set[str]:
    return {k.lower() for k in record} if isinstance(record, dict) else set()


# -- finding the records ------------------------------------------------------------------


class _Lines:
    """Line numbers for ascending positions in a text, counted incrementally."""

    def __init__(self, doc: str) -> None:
        self.doc = doc
        self.pos = 0
        self.line = 1

    def at(self, pos: int) -> int:
        if pos < self.pos:
            self.pos, self.line = 0, 1
        self.line += self.doc.count("\n", self.pos, pos)
        self.pos = pos
        return self.line


def _skip_ws(doc: str, pos: int) -> int:
    match = _WS.match(doc, pos)  # \s* matches everywhere, if only the empty string
    return match.end() if match else pos


def iter_documents(
    doc: str, start: int = 0
) -> Iterator[tuple[int, int, Any, json.JSONDecodeError | None]]:
    """Successive JSON documents in `doc` (JSON Lines, or pretty documents one after the
    other): (line, position, value, None), or (line, position, None, error) for a line
    that does not parse (the rest of that line is skipped)."""
    lines = _Lines(doc)
    pos = _skip_ws(doc, start)
    while pos < len(doc):
        line = lines.at(pos)
        try:
            value, end = _DECODER.raw_decode(doc, pos)
        except json.JSONDecodeError as exc:
            stop = doc.find("\n", pos)
            stop = len(doc) if stop < 0 else stop
            yield line, pos, None, exc
            pos = _skip_ws(doc, stop)
            continue
        yield line, pos, value, None
        pos = _skip_ws(doc, end)


def array_records(doc: str, start: int) -> Iterator[tuple[int, Any, str | None]]:
    """The elements of the array whose `[` is at `start`, reading on past broken ones:
    (line, value, None) for each element, and (line, text, reason) for a part that does
    not parse (a truncated last record, a broken one in the middle); reading resumes at
    the next line that starts an object which parses."""
    lines = _Lines(doc)
    pos = _skip_ws(doc, start + 1)
    while pos < len(doc) and not doc.startswith("]", pos):
        try:
            value, end = _DECODER.raw_decode(doc, pos)
        except json.JSONDecodeError as exc:
            resume = _next_record(doc, pos)
            cut = doc[pos : len(doc) if resume is None else resume].rstrip()
            yield lines.at(pos), cut, f"invalid JSON ({exc.msg})"
            if resume is None:
                return
            pos = resume
            continue
        yield lines.at(pos), value, None
        pos = _skip_ws(doc, end)
        if doc.startswith(",", pos):
            pos = _skip_ws(doc, pos + 1)
        elif not doc.startswith(("]", "{"), pos) and pos < len(doc):
            resume = _next_record(doc, pos)
            cut = doc[pos : len(doc) if resume is None else resume].rstrip()
            yield lines.at(pos), cut, "invalid JSON (expected ',' or ']')"
            if resume is None:
                return
            pos = resume


_RECORD_START = re.compile(r"\n[ \t]*\{")


def _next_record(doc: str, pos: int) -> int | None:
    """Where reading a broken JSON array can resume: the next line after `pos` that
    starts an object which parses."""
    for match in _RECORD_START.finditer(doc, pos + 1):
        start = match.end() - 1
        try:
            _DECODER.raw_decode(doc, start)
        except json.JSONDecodeError:
            continue
        return start
    return None


def iter_array(doc: str, start: int) -> Iterator[tuple[int, Any]]:
    """The elements of the array whose `[` is at `start`, each with its starting line.
    Raises json.JSONDecodeError where the array is broken."""
    lines = _Lines(doc)
    pos = _skip_ws(doc, start + 1)
    if doc.startswith("]", pos):
        return
    while True:
        value, end = _DECODER.raw_decode(doc, pos)
        yield lines.at(pos), value
        pos = _skip_ws(doc, end)
        if doc.startswith(",", pos):
            pos = _skip_ws(doc, pos + 1)
            continue
        if doc.startswith("]", pos):
            return
        raise json.JSONDecodeError("expected ',' or ']'", doc, pos)


def unwrap(value: Any, keys: Iterable[str] = ENVELOPE_KEYS) -> tuple[list | None, str | None]:
    """The record list inside an envelope object, and the dotted path it was found at."""
    if not isinstance(value, dict):
        return None, None
    for key in keys:
        inner = dig(value, key)
        if isinstance(inner, list) and (not inner or isinstance(inner[0], dict)):
            return inner, key
        if isinstance(inner, dict) and key != "data":
            found, path = unwrap(inner, ("data", "value", "records", "items"))
            if found is not None:
                return found, f"{key}.{path}"
    return None, None


def envelope(value: Any, keys: Iterable[str] = ENVELOPE_KEYS) -> tuple[list | None, str | None]:
    """`unwrap` for an object that is only an envelope: besides the path to its record
    list it holds nothing but scalars (`@odata.nextLink`, `has_more`, `status`...). A
    record that happens to hold a list under such a key (Google's `events`) is not one."""
    inner, path = unwrap(value, keys)
    if inner is None or path is None:  # path is None exactly when inner is
        return None, None
    top = path.split(".", 1)[0].lower()
    for key, item in value.items():
        if key.lower() != top and isinstance(item, dict | list):
            return None, None
    return inner, path


def _array_lines(doc: str, envelope_start: int, path: str, count: int) -> list[int] | None:
    """Starting lines of the records in an envelope's array, found by locating the array
    after the envelope key; None when that cannot be done reliably."""
    key = re.escape(path.rsplit(".", 1)[-1])
    match = re.compile(rf'"{key}"\s*:\s*\[', re.I).search(doc, envelope_start)
    if not match:
        return None
    try:
        lines = [line for line, _ in iter_array(doc, match.end() - 1)]
    except json.JSONDecodeError:
        return None
    return lines if len(lines) == count else None


def read_records(
    source: Source,
    *,
    is_envelope: Callable[[dict], bool] | None = None,
    envelope_keys: Iterable[str] = ENVELOPE_KEYS,
) -> tuple[Numbered, Bad]:
    """Every record in a JSON / JSON Lines file, with its line, and the lines that are
    not records. Arrays and envelopes (see `unwrap`) are opened, at top level or line by
    line; trailing commas are forgiven. `is_envelope` says whether an object is an
    envelope to open rather than a record (default: see `envelope`)."""
    doc = strip_trailing_commas(source.text())
    good: Numbered = []
    bad: Bad = []
    keys = tuple(envelope_keys)

    def add(line: int, pos: int, value: Any) -> None:
        if isinstance(value, list):
            try:
                numbered = list(iter_array(doc, pos))
            except json.JSONDecodeError:
                numbered = [(line, item) for item in value]
            for item_line, item in numbered:
                add_record(item_line, item)
            return
        add_record(line, value, pos)

    def add_record(line: int, value: Any, pos: int | None = None) -> None:
        if isinstance(value, dict):
            if is_envelope is None:
                inner, path = envelope(value, keys)
            else:
                inner, path = unwrap(value, keys) if is_envelope(value) else (None, None)
            if inner is not None:
                found = (
                    _array_lines(doc, pos, path, len(inner)) if pos is not None and path else None
                )
                for i, item in enumerate(inner):
                    add_record(found[i] if found else line, item)
                return
            good.append((line, value))
        else:
            bad.append((line, "record is not a JSON object", compact(value)[:2000]))

    for line, pos, value, error in iter_documents(doc):
        if error is None:
            add(line, pos, value)
            continue
        end = doc.find("\n", pos)
        line_text = doc[pos : end if end >= 0 else None]
        if line_text.strip() in ("[", "{"):
            # A pretty-printed document that is broken somewhere inside: no line of it
            # stands on its own, so say where it breaks instead of quarantining fragments.
            raise ConnlogError(
                f"invalid JSON at line {error.lineno} column {error.colno}: {error.msg}",
                source.name,
            )
        bad.append((line, f"invalid JSON ({error.msg})", line_text[:2000]))
    return good, bad


# -- sniffing -----------------------------------------------------------------------------


def head_records(head: str, limit: int = 5) -> list[Record]:
    """The first few records of a JSON head (the first 64 KB, possibly cut mid-record),
    arrays and envelopes opened. Empty when the head is not JSON."""
    doc = head.lstrip("\ufeff \t\r\n")
    if not doc.startswith(("[", "{")):
        return []
    doc = strip_trailing_commas(doc)
    found: list[Record] = []

    def take(value: Any) -> None:
        if isinstance(value, dict):
            inner, _ = envelope(value)
            if inner is not None:
                for item in inner[:limit]:
                    take(item)
            else:
                found.append(value)
        elif isinstance(value, list):
            for item in value[:limit]:
                take(item)

    try:
        if doc.startswith("["):
            for _, value in iter_array(doc, 0):
                take(value)
                if len(found) >= limit:
                    break
        else:
            for _, _, value, error in iter_documents(doc):
                if error:
                    break
                take(value)
                if len(found) >= limit:
                    break
    except json.JSONDecodeError:
        pass
    if not found:
        # A first record longer than the head, or an envelope cut short: its keys.
        names = re.findall(r'"([^"\\]{1,80})"\s*:', doc[:16000])
        if names:
            found.append(dict.fromkeys(names))
    return found[:limit]


def share(records: list[Record], test: Callable[[Record], bool]) -> float:
    """The share of records for which `test` holds."""
    if not records:
        return 0.0
    return sum(1 for r in records if test(r)) / len(records)


# -- building the frame -------------------------------------------------------------------


def result_from_rows(
    source: Source,
    format: str,
    rows: list[dict[str, Any]],
    lines: list[int],
    bad: Bad,
    texts: list[str] | None = None,
) -> ReadResult:
    """Canonical rows (dicts with ROW_COLUMNS keys, values text or None) into a
    ReadResult: times parsed, rows without a readable time quarantined with their line."""
    columns = {name: [row.get(name) for row in rows] for name in ROW_COLUMNS}
    raw = pl.DataFrame(columns, schema=dict.fromkeys(ROW_COLUMNS, pl.String))
    if texts is None:
        texts = [(row.get("response") or "")[:2000] for row in rows]
    result = build(
        raw,
        source=source.name,
        format=format,
        lines=pl.Series(lines, dtype=pl.Int64),
        text=pl.Series(texts, dtype=pl.String),
    )
    if bad:
        result.quarantine = pl.concat([quarantine_rows(source.name, bad), result.quarantine])
        result.quarantine = result.quarantine.sort("line", maintain_order=True)
    return result


def read_mapped(
    source: Source,
    format: str,
    to_row: Callable[[Record], dict[str, Any]],
    **options: Any,
) -> ReadResult:
    """Read a JSON file's records and map each with `to_row`; a record that breaks the
    mapping is quarantined rather than stopping the load."""
    good, bad = read_records(source, **options)
    rows, lines = [], []
    for line, record in good:
        try:
            row = to_row(record)
        except (TypeError, ValueError, AttributeError, KeyError) as exc:
            bad.append((line, f"unexpected record shape ({exc})", compact(record)[:2000]))
            continue
        row.setdefault("response", compact(record))
        rows.append(row)
        lines.append(line)
    return result_from_rows(source, format, rows, lines, bad)


# -- CSV helpers shared by the CSV layouts of these formats ---------------------------------


def csv_header(head: str) -> list[str]:
    """The first CSV record's cells of a head (BOM and surrounding spaces removed)."""
    import csv

    first_line = head.lstrip("\ufeff").split("\n", 1)[0].rstrip("\r")
    try:
        names = next(csv.reader([first_line]))
    except (csv.Error, StopIteration):
        return []
    return [n.replace("\ufeff", "").strip() for n in names]


def read_csv_text(source: Source) -> tuple[pl.DataFrame, list[int], Bad]:
    """A CSV file as text columns (header names stripped of BOM and spaces), the file line
    each record starts on, and the records with too few fields (quarantined, not kept)."""
    try:
        raw = pl.read_csv(
            source.polars_input(), infer_schema=False, encoding="utf8-lossy", quote_char='"'
        )
    except (pl.exceptions.ComputeError, pl.exceptions.NoDataError) as exc:
        raise ConnlogError(f"unreadable CSV ({str(exc).splitlines()[0]})", source.name) from None
    raw = raw.rename(lambda n: n.replace("\ufeff", "").strip())
    starts = record_starts(raw)
    keep, short = short_records(raw, lambda: starts, source_lines(source))
    if keep is not None:
        raw, starts = raw.filter(keep), starts.filter(keep)
    return raw, starts.to_list(), short


def near(records: list[Record], signature: set[str], weight: float = 0.4) -> float:
    """A score below the detection threshold for records that share some of a format's
    keys (lower-case), so an unrecognised file can name its closest formats."""
    if not records:
        return 0.0
    shares = [len(keys_lower(r) & signature) / len(signature) for r in records]
    return weight * sum(shares) / len(shares)


def sniff_records(
    source,
    test: Callable[[Record], bool],
    signature: set[str],
    certainty: float = 0.9,
    each: Callable[[Record], Record] | None = None,
) -> float:
    """How sure a JSON reader is that `source` is its format: `certainty` times the share
    of the first records that pass `test`, or a lower score for records that only carry
    some of the `signature` keys (so a near miss can be named in the error)."""
    if source.is_parquet:
        return 0.0
    records = head_records(source.head)
    if each is not None:
        records = [each(r) for r in records]
    return max(certainty * share(records, test), near(records, signature))
