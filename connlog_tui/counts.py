"""Counting a view: distinct values of any column (or of a field inside the JSON
payloads) with their counts and shares, and the view's rows over time. Pure: the count
view, the timeline strip, `connlog count` and the tests ask these functions.

Both take the view as row indices into the loaded frame (`query.run(...).indices`), so
they count under the current filters without filtering again.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

import polars as pl

from connlog_tui.errors import ConnlogError
from connlog_tui.payloads import PAYLOADS, POS, PayloadStore
from connlog_tui.query import FilterState
from connlog_tui.schema import BY_HEADER, SCHEMA

# What a count is keyed on: a canonical column, or a field path inside the payloads.
COLUMN, FIELD = "column", "field"
_PLAIN_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")


@dataclass(frozen=True)
class CountKey:
    kind: str  # COLUMN or FIELD
    name: str  # the canonical column, or the path as the user gave it
    json_path: str = ""  # FIELD: the JSONPath matched in the payloads

    @property
    def label(self) -> str:
        return self.name


def count_key(text: str) -> CountKey:
    """A column (canonical name or export header, any case), else a field path in the
    JSON payloads (`client.userAgent.browser`, or a JSONPath starting with `$`)."""
    given = text.strip()
    lowered = given.lower()
    if lowered in SCHEMA:
        return CountKey(COLUMN, lowered)
    if lowered in BY_HEADER:
        return CountKey(COLUMN, BY_HEADER[lowered])
    if given.startswith("$"):
        return CountKey(FIELD, given, given)
    parts = given.split(".")
    if len(parts) < 2 or not all(parts):
        columns = ", ".join(name for name in SCHEMA if name != "time")
        raise ConnlogError(
            f"cannot count by {given!r}: not a column ({columns}) nor a field path such as "
            "client.userAgent.browser"
        )
    path = "".join(
        f".{p}" if _PLAIN_KEY.fullmatch(p) else "['" + p.replace("'", "\\'") + "']" for p in parts
    )
    return CountKey(FIELD, given, "$" + path)


def _values(
    frame: pl.DataFrame, indices: pl.Series, key: CountKey, payloads: PayloadStore | None
) -> pl.Series:
    """The view's values of the key (null: the row has none)."""
    if key.kind == COLUMN:
        # Grouped as stored (categories group far faster than their text), cast after;
        # a view of every row is counted in place (counts do not depend on row order).
        column = frame[key.name]
        return (column if _whole(frame, indices) else column.gather(indices)).alias("value")
    held = [*PAYLOADS, *([POS] if POS in frame.columns else [])]
    rows = frame.select(held)[indices]
    if payloads is not None:
        rows = payloads.fill(rows)
    # The response first: the readers keep a source's whole event there (Okta, Entra, ...).
    found = rows.select(
        pl.coalesce(
            *(pl.col(c).str.json_path_match(key.json_path) for c in reversed(PAYLOADS))
        ).alias("value")
    )
    return found["value"]


def _whole(frame: pl.DataFrame, indices: pl.Series) -> bool:
    """Whether a view holds every row of the frame (each row once, as views do)."""
    return indices.len() == frame.height


def count_by(
    frame: pl.DataFrame,
    indices: pl.Series,
    by: str | CountKey,
    payloads: PayloadStore | None = None,
) -> pl.DataFrame:
    """Distinct values of `by` in the view with `count` and `share` (of the view's rows),
    most frequent first, ties by value; rows without a value count as one null value.
    `payloads`: a lean load's store, read for a field path."""
    key = count_key(by) if isinstance(by, str) else by
    values = _values(frame, indices, key, payloads)
    return ranked(values.to_frame().group_by("value").len("count"), indices.len())


def key_expr(key: CountKey) -> pl.Expr:
    """The key's value of a row with its payloads in hand, as `value` (a lazy log's)."""
    if key.kind == COLUMN:
        return pl.col(key.name).alias("value")
    # The response first: the readers keep a source's whole event there (Okta, Entra, ...).
    found = (pl.col(c).str.json_path_match(key.json_path) for c in reversed(PAYLOADS))
    return pl.coalesce(*found).alias("value")


def ranked(counted: pl.DataFrame, rows: int) -> pl.DataFrame:
    """`value` and `count` (of `rows` in the view) as text, with `share`, most frequent
    first, ties by value, the rows without a value (null) last among equals."""
    counted = counted.with_columns(pl.col("value").cast(pl.String))
    return counted.with_columns(share=pl.col("count") / max(rows, 1)).sort(
        ["count", "value"], descending=[True, False], nulls_last=True
    )


def filter_to(
    state: FilterState, key: CountKey, value: str | None, exclude: bool = False
) -> FilterState:
    """`state` narrowed to the rows with this value of the key (or, `exclude`, without
    it). A column's value is picked (or added to its excluded values) exactly. A field
    path's value becomes the regex search (replacing any other) for the field's last key
    holding that value in the payload text (`"browser"\\s*:\\s*"CHROME"`): the field
    itself unless another object in the payload holds the same key and value. Hiding a
    field's value is not possible (no negated regex): ConnlogError."""
    if value is None:
        raise ConnlogError(f"rows without a {key.label} cannot be picked or hidden by value")
    if key.kind == COLUMN:
        if exclude:
            return state.with_excluded(key.name, {*state.excluded.get(key.name, ()), value})
        return state.with_picked(key.name, {value})
    if exclude:
        raise ConnlogError(f"a payload field's value cannot be hidden ({key.label})")
    last = re.split(r"[.\[\]'$]+", key.json_path.strip(".[]'$"))[-1]
    pattern = rf'"{re.escape(last)}"\s*:\s*"?{re.escape(value)}"?\s*[,}}\]]'
    return replace(state, regex=pattern)


# --- the timeline ---------------------------------------------------------------------

BUCKETS = tuple(
    timedelta(seconds=s)
    for s in (
        1,
        5,
        10,
        30,
        60,
        5 * 60,
        10 * 60,
        15 * 60,
        30 * 60,
        3600,
        2 * 3600,
        3 * 3600,
        6 * 3600,
        12 * 3600,
        86400,
        7 * 86400,
        30 * 86400,
    )
)


def _no_bars() -> pl.DataFrame:
    return pl.DataFrame(
        schema={"start": SCHEMA["time"], "failures": pl.UInt32, "others": pl.UInt32}
    )


def bucket_size(start: datetime, end: datetime, bars: int = 60) -> timedelta:
    """The smallest round bucket that spans start..end in at most `bars` buckets."""
    span = end - start
    return next((b for b in BUCKETS if span / b < bars), BUCKETS[-1])


@dataclass(frozen=True)
class Timeline:
    """Rows per bucket: `start` (bucket start), `failures`, `others`; every bucket from
    the view's first to its last, empty ones as zeros."""

    bars: pl.DataFrame
    every: timedelta

    def bucket_of(self, when: datetime) -> int | None:
        """Which bar a time falls in (None: outside the timeline)."""
        if self.bars.is_empty():
            return None
        first = self.bars["start"][0]
        position = int((when - first) / self.every)
        return position if 0 <= position < self.bars.height else None

    def range_of(self, bar: int) -> tuple[datetime, datetime]:
        """A bar's time range, inclusive (for narrowing the date range to it)."""
        start = self.bars["start"][bar]
        return start, start + self.every - timedelta(microseconds=1)


def timeline(frame: pl.DataFrame, indices: pl.Series, bars: int = 60) -> Timeline:
    """The view's rows counted per time bucket (`group_by_dynamic`), failures apart from
    the rest; the bucket is chosen from the view's time range for about `bars` bars."""

    def picked(name: str) -> pl.Expr:
        return pl.col(name) if _whole(frame, indices) else pl.col(name).gather(indices)

    rows = frame.select(
        picked("time"), (picked("outcome") == "failure").fill_null(False).alias("failed")
    )
    empty = _no_bars()
    rows = rows.drop_nulls("time")
    if not rows["time"].is_sorted():  # a view in time order (the usual) skips the sort
        rows = rows.sort("time")
    rows = rows.with_columns(pl.col("time").set_sorted())
    if rows.is_empty():
        return Timeline(empty, BUCKETS[0])
    first, last = rows["time"][0], rows["time"][-1]
    every = bucket_size(first, last, bars)
    counted = rows.group_by_dynamic("time", every=every, start_by="window").agg(
        failures=pl.col("failed").sum().cast(pl.UInt32),
        others=(~pl.col("failed")).sum().cast(pl.UInt32),
    )
    return _filled(counted.rename({"time": "start"}), every)


def _filled(counted: pl.DataFrame, every: timedelta) -> Timeline:
    """Counted buckets (start, failures, others; in time order) with the empty buckets
    between them as zeros."""
    starts = pl.datetime_range(
        counted["start"][0], counted["start"][-1], interval=every, eager=True
    ).alias("start")
    full = starts.to_frame().join(counted, on="start", how="left")
    return Timeline(full.fill_null(0), every)


def timeline_of(
    plan: pl.LazyFrame, bars: int, collect: Callable[[pl.LazyFrame], pl.DataFrame]
) -> Timeline:
    """`timeline` of a lazy plan's rows (an archive's view) without loading them: its
    time range, then its rows per bucket, each one query run by `collect`. The buckets
    are `dt.truncate`'s, which are `group_by_dynamic`'s windows without needing the rows
    sorted."""
    bounds = collect(plan.select(first=pl.col("time").min(), last=pl.col("time").max()))
    first, last = bounds["first"][0], bounds["last"][0]
    if first is None:
        return Timeline(_no_bars(), BUCKETS[0])
    every = bucket_size(first, last, bars)
    failed = (pl.col("outcome") == "failure").fill_null(False)
    counted = collect(
        plan.filter(pl.col("time").is_not_null())
        .group_by(pl.col("time").dt.truncate(every).alias("start"))
        .agg(failures=failed.sum().cast(pl.UInt32), others=(~failed).sum().cast(pl.UInt32))
        .sort("start")
    )
    return _filled(counted, every)
