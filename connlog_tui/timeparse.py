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


# Formats tried on the raw text before anything else: a log usually writes one format
# throughout, and parsing it directly skips the normalising regexes (the slow part).
_DIRECT = (
    ("%Y-%m-%dT%H:%M:%SZ", False),
    ("%Y-%m-%dT%H:%M:%S%.fZ", False),
    ("%Y-%m-%d %H:%M:%S", False),
    ("%Y-%m-%dT%H:%M:%S%.f%:z", True),
    ("%m/%d/%Y %I:%M:%S %p", False),
)


def _direct(values: pl.Series) -> pl.Series | None:
    """Parse with the one format that fits a sample of the values, if there is one."""
    sample = values.drop_nulls().head(200)
    for fmt, aware in _DIRECT:
        parsed = sample.str.to_datetime(fmt, strict=False, time_unit="us")
        if len(sample) and parsed.null_count() == 0:
            parsed = values.str.to_datetime(fmt, strict=False, time_unit="us")
            if aware:
                return parsed.dt.convert_time_zone("UTC").cast(Timestamp)
            return parsed.dt.replace_time_zone("UTC").cast(Timestamp)
    return None


def parse_times(values: pl.Series) -> pl.Series:
    """Parse a column of timestamp text to UTC datetimes; null where nothing fits."""
    values = values.cast(pl.String)
    direct = _direct(values)
    if direct is not None:
        missed = direct.is_null() & values.is_not_null()
        if not missed.any():
            return direct.alias(values.name)
        rest = _parse_any(values.filter(missed))
        return direct.scatter(missed.arg_true(), rest).alias(values.name)
    return _parse_any(values).alias(values.name)


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
