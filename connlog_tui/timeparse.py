"""Timestamps in the forms connector logs write them, normalised to UTC.

ISO 8601 (with `Z`, an offset, or none; fractional seconds allowed), `YYYY-MM-DD HH:MM:SS`,
US `MM/DD/YYYY hh:mm:ss AM/PM`, and epoch seconds or milliseconds. No offset means UTC.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta

import polars as pl

from connlog_tui.errors import ConnlogError
from connlog_tui.schema import Timestamp

# Tried in order, each only on the values still unparsed, so a uniform column costs one pass.
_WITH_OFFSET = ("%Y-%m-%d %H:%M:%S%.f%:z", "%Y-%m-%d %H:%M:%S%.f%z", "%Y-%m-%d %H:%M%:z")
_NAIVE = (
    "%Y-%m-%d %H:%M:%S%.f",
    "%Y-%m-%d %H:%M",
    "%m/%d/%Y %I:%M:%S %p",
    "%m/%d/%Y %I:%M %p",
    "%m/%d/%Y %H:%M:%S",
    "%m/%d/%Y %H:%M",
    "%Y-%m-%d",
    "%m/%d/%Y",
)


def _normalise(text: pl.Expr) -> pl.Expr:
    # One spelling for the variants chrono's formats don't cover: `T` separator, `Z`,
    # lower-case am/pm, a trailing " UTC" after an offset (Go's time format).
    return (
        text.str.strip_chars()
        .str.replace(r"^(\d{4}-\d{2}-\d{2})T", "$1 ")
        .str.replace(r"(?i)\s*(Z|UTC|GMT)$", "+00:00")
        .str.replace(r"\s+([+-]\d{2}:?\d{2})\+00:00$", "$1")
        .str.replace(r"(\d)\s+([+-]\d{2}:?\d{2})$", "$1$2")
        .str.to_uppercase()
    )


def _epoch(text: pl.Expr) -> pl.Expr:
    digits = text.str.strip_chars()
    is_epoch = digits.str.contains(r"^\d{9,14}(\.\d+)?$")
    seconds = digits.cast(pl.Float64, strict=False)
    micros = (
        pl.when(seconds >= 1e11).then(seconds * 1_000).otherwise(seconds * 1_000_000).cast(pl.Int64)
    )
    return pl.when(is_epoch).then(pl.from_epoch(micros, time_unit="us")).dt.replace_time_zone("UTC")


# Formats tried on the raw text before the normalising cascade (`_parse_any`, whose
# regexes are the slow part). `_EPOCH` stands for epoch seconds or milliseconds.
_EPOCH = "epoch"
_DIRECT = (
    ("%Y-%m-%dT%H:%M:%SZ", False),
    ("%Y-%m-%dT%H:%M:%S%.fZ", False),
    ("%Y-%m-%d %H:%M:%S", False),
    ("%Y-%m-%dT%H:%M:%S%.f%:z", True),
    ("%m/%d/%Y %I:%M:%S %p", False),  # read by `_us_12h`
    (_EPOCH, False),
)
_SAMPLE = 64  # values of a group looked at to pick its format
_MAX_GROUPS = 32  # more distinct lengths than this: free text, not a few formats


def parse_times(values: pl.Series) -> pl.Series:
    """Parse a column of timestamp text to UTC datetimes; null where nothing fits.

    Values are grouped by byte length (a cheap stand-in for their shape: each format
    writes a fixed length, so a merged log's formats fall in separate groups) and each
    group is parsed with the format its values fit, so a column mixing formats costs
    about one parse of each value. Values no direct format reads go through the
    normalising cascade, which reads every supported form.
    """
    values = values.cast(pl.String).rename(values.name)
    lengths = values.str.len_bytes()
    distinct = lengths.drop_nulls().unique()
    if distinct.len() <= 1 or distinct.len() > _MAX_GROUPS:
        return _parse_group(values).alias(values.name)
    # Filtering and scattering the integers under the datetimes: a string gather or a
    # time-zone-aware scatter copies far more.
    micros = pl.Series(values.name, [None], dtype=pl.Int64).extend_constant(None, values.len())
    for length in distinct:
        group = lengths == length
        micros.scatter(group.arg_true(), _parse_group(values.filter(group)).to_physical())
    return micros.head(values.len()).cast(Timestamp)


def _parse_group(values: pl.Series) -> pl.Series:
    """Each format in turn, picked from the values still unparsed, applied to all of
    them; what none reads goes through `_parse_any`. Nulls stay null."""
    todo = values.drop_nulls()
    rows = values.is_not_null().arg_true()
    parsed = _with_format(todo, _format_of(todo)) if todo.len() else None
    if parsed is not None and parsed.null_count() == 0 and rows.len() == values.len():
        return parsed  # one format throughout: the usual log
    micros = pl.Series(values.name, [None], dtype=pl.Int64).extend_constant(None, values.len())
    for _ in _DIRECT:
        if parsed is None:
            break
        hit = parsed.is_not_null()
        micros.scatter(rows.filter(hit), parsed.filter(hit).to_physical())
        todo, rows = todo.filter(~hit), rows.filter(~hit)
        parsed = _with_format(todo, _format_of(todo)) if todo.len() else None
    if todo.len():
        micros.scatter(rows, _parse_any(todo).to_physical())
    return micros.head(values.len()).cast(Timestamp)


def _format_of(values: pl.Series) -> tuple[str, bool] | None:
    """The first direct format that reads any of the first values, if one does."""
    sample = values.head(_SAMPLE)
    for fmt in _DIRECT:
        if _parsed(sample, fmt).null_count() < sample.len():
            return fmt
    return None


def _with_format(values: pl.Series, fmt: tuple[str, bool] | None) -> pl.Series | None:
    return None if fmt is None else _parsed(values, fmt)


def _parsed(values: pl.Series, fmt: tuple[str, bool]) -> pl.Series:
    pattern, aware = fmt
    if pattern == _EPOCH:
        return values.to_frame("raw").select(_epoch(pl.col("raw")).cast(Timestamp)).to_series()
    if pattern == _US_12H:
        return _us_12h(values)
    # No cache: it pays only where values repeat, and log timestamps rarely do.
    parsed = values.str.to_datetime(pattern, strict=False, time_unit="us", cache=False)
    if aware:
        return parsed.dt.convert_time_zone("UTC").cast(Timestamp)
    return parsed.dt.replace_time_zone("UTC").cast(Timestamp)


_US_12H = "%m/%d/%Y %I:%M:%S %p"
_US_24H = "%m/%d/%Y %H:%M:%S"


def _us_12h(values: pl.Series) -> pl.Series:
    """`MM/DD/YYYY hh:mm:ss AM` (or PM), as `_US_12H` reads it. Polars parses the 24-hour
    form without AM/PM several times faster, so values of exactly that shape are read as
    24-hour time and moved by their AM/PM (12 AM is midnight, 12 PM noon; an hour outside
    1-12 reads as nothing, as with `%I`); any other value goes through `_US_12H` itself."""
    text = pl.col("raw")
    clock = text.str.slice(0, 19).str.to_datetime(
        _US_24H, strict=False, time_unit="us", cache=False
    )
    half, hour = pl.col("half"), pl.col("clock").dt.hour()
    shift = pl.when(hour == 12).then(0).otherwise(12) - pl.when(half == " AM").then(12).otherwise(0)
    fast = (
        pl.when(half.is_in([" AM", " PM"]) & hour.is_between(1, 12))
        .then(pl.col("clock") + pl.duration(hours=shift))
        .dt.replace_time_zone("UTC")
        .cast(Timestamp)
    )
    parts = values.to_frame("raw").select(clock.alias("clock"), text.str.slice(19).alias("half"))
    parsed = parts.select(fast).to_series()
    missed = parsed.is_null() & values.is_not_null()
    if missed.any():
        slow = values.filter(missed).str.to_datetime(_US_12H, strict=False, time_unit="us")
        parsed = parsed.scatter(missed.arg_true(), slow.dt.replace_time_zone("UTC").cast(Timestamp))
    return parsed.alias(values.name)


def _parse_any(values: pl.Series) -> pl.Series:
    """Every supported form, tried in turn on what is still unparsed."""
    frame = pl.DataFrame({"raw": values}).with_columns(norm=_normalise(pl.col("raw")))
    result = frame.select(_epoch(pl.col("raw")).cast(Timestamp)).to_series()
    for fmt in _WITH_OFFSET + _NAIVE:
        todo = result.is_null() & frame["norm"].is_not_null()
        if not todo.any():
            break
        norm = frame["norm"]
        if fmt in _WITH_OFFSET:
            parsed = norm.str.to_datetime(fmt, strict=False, time_unit="us", time_zone="UTC")
        else:
            parsed = norm.str.to_datetime(fmt, strict=False, time_unit="us").dt.replace_time_zone(
                "UTC"
            )
        result = result.fill_null(parsed.cast(Timestamp))
    return result


_RELATIVE = re.compile(r"^(\d+)\s*([mhdw])$")
_UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def parse_when(text: str, *, end: bool = False, now: datetime | None = None) -> datetime:
    """A time given on the command line or in the date pane, as a UTC datetime.

    A date alone means the whole day: its start for `since`, its last microsecond for
    `until` (end=True). `24h`, `7d` and the like count back from `now`.
    """
    text = text.strip()
    if not text:
        raise ConnlogError("empty date")
    if match := _RELATIVE.match(text.lower()):
        if now is None:
            now = datetime.now(UTC)
        return now - timedelta(**{_UNITS[match[2]]: int(match[1])})
    parsed = parse_times(pl.Series([text]))[0]
    if parsed is None:
        raise ConnlogError(
            f"cannot read the date {text!r} (try 2026-03-01, 2026-03-01T14:00 or 24h)"
        )
    if end and _is_date_only(text):
        return datetime.combine(parsed.date(), time.max, tzinfo=UTC)
    return parsed


def _is_date_only(text: str) -> bool:
    try:
        date.fromisoformat(text)
        return True
    except ValueError:
        return bool(re.fullmatch(r"\d{1,2}/\d{1,2}/\d{4}", text))
