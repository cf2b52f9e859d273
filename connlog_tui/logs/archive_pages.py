"""Pages of an archive in time order, read a `date=` partition at a time from the end of
the view they lie nearest to, stopping once the page is filled (see `ArchiveLog.page`).

An archive's time order is its scan order (`ROW_ID`: files in path order, each file in
its own order). When every day's rows are one run of keys (its files are neighbours in
path order, as under `root/date=YYYY-MM-DD/`), the view in that order is its days in key
order, each day's matching rows in key order. So the newest page of a view lies in its
newest days: they are read first, and the older days' rows are never read once the page
is filled (only their footers, for the scan's row numbers). Ordered whole instead, a page
is a top-k over every row of the view.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from datetime import date
from functools import partial
from typing import NamedTuple

import polars as pl

from connlog_tui.query import FilterState
from connlog_tui.scaleout import LazyView, partition_expr
from connlog_tui.schema import ROW_ID

Collect = Callable[[pl.LazyFrame], pl.DataFrame]


class Day(NamedTuple):
    """A `date=` partition: its value, its first key and its number of rows."""

    value: date
    first: int
    rows: int


def day_runs(view: LazyView, collect: Collect) -> list[Day] | None:
    """The view's date partitions in key order (from the partition values and the scan's
    row numbers: no stored column is read). None when the view has no date partition, a
    row has none, or a day's keys are not one run: then a day is not a piece of the time
    order, and pages are ordered whole."""
    if view.partition is None:
        return None
    key = pl.col(ROW_ID)
    plan = view.lazy.group_by(view.partition).agg(
        key.min().alias("first"), key.max().alias("last"), pl.len().alias("rows")
    )
    found = collect(plan.sort("first"))
    if found.is_empty() or found[view.partition].null_count():
        return None
    if ((found["last"] - found["first"] + 1) != found["rows"]).any():
        return None
    return [Day(*row) for row in found.select(view.partition, "first", "rows").iter_rows()]


def _in_range(view: LazyView, days: list[Day], state: FilterState) -> list[Day]:
    """The days the state's date range reaches (`partition_expr`: the scan's pruning)."""
    assert view.partition is not None
    within = partition_expr(state, view.partition)
    if within is None:
        return days
    values = pl.DataFrame(
        {view.partition: [d.value for d in days]}, schema={view.partition: pl.Date}
    )
    kept = values.select(within).to_series().to_list()
    return [day for day, keep in zip(days, kept, strict=True) if keep]


def _run(day: Day, dtype: pl.DataType, newest_first: bool) -> pl.Series:
    run = pl.int_range(day.first, day.first + day.rows, eager=True).cast(dtype)
    return run.reverse() if newest_first else run


def _keys(
    view: LazyView, days: list[Day], state: FilterState, newest_first: bool, collect: Collect
) -> Iterator[tuple[int, Callable[[], pl.Series]]]:
    """The view's keys a few days at a time in walk order: (how many, a call giving the
    keys in walk order). With no condition every row of a day is in the view (its keys
    are its run, no query); otherwise each step asks the matching keys of twice as many
    days as the last (a filtered newest page mostly lies in the newest day)."""
    conditions = view.conditions(state)
    if not conditions:
        dtype = view.lazy.collect_schema()[ROW_ID]
        for day in days:
            yield day.rows, partial(_run, day, dtype, newest_first)
        return
    assert view.partition is not None
    start, size = 0, 1
    while start < len(days):
        batch = [d.value for d in days[start : start + size]]
        start, size = start + size, size * 2
        plan = view.lazy.filter(pl.col(view.partition).is_in(batch), *conditions)
        found = collect(plan.select(ROW_ID)).to_series().sort(descending=newest_first)
        yield found.len(), found.clone


def time_page(
    view: LazyView,
    days: list[Day],
    state: FilterState,
    offset: int,
    n: int,
    newest_first: bool,
    collect: Collect,
    columns: Sequence[str],
    count: int | None = None,
) -> pl.DataFrame:
    """Rows `offset .. offset+n` of the view counted from its newest end (`newest_first`)
    or its oldest, in that order: the days walked from that end until the page is filled
    (or the view's `count` rows, when known, are found), then the page's rows read from
    the days holding them."""
    assert view.partition is not None
    days = _in_range(view, days, state)
    if newest_first:
        days = days[::-1]
    offset, end = max(offset, 0), max(offset, 0) + max(n, 0)
    end = end if count is None else min(end, count)
    seen, taken = 0, []
    for rows, keys in _keys(view, days, state, newest_first, collect) if end > offset else ():
        if seen + rows > offset:
            start = max(offset - seen, 0)
            taken.append(keys().slice(start, end - seen - start))
        seen += rows
        if seen >= end:  # before the next days are asked
            break
    page = pl.concat(taken) if taken else pl.Series(ROW_ID, [], pl.Int64)
    if page.is_empty():
        return collect(view.lazy.select(columns).clear())
    low, high = page.min(), page.max()
    assert isinstance(low, int) and isinstance(high, int)
    holding = [d.value for d in days if d.first <= high and d.first + d.rows > low]
    on_page = pl.col(ROW_ID).is_in(page.implode())
    plan = view.lazy.filter(pl.col(view.partition).is_in(holding), on_page)
    return collect(plan.select(columns).sort(ROW_ID, descending=newest_first))
