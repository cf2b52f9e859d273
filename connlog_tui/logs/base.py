"""The log seam: what a front end (the browser, `connlog export`, saved views) may ask of
a log, whatever holds its rows: an in-memory frame (`MemoryLog`), a lazily scanned
Parquet archive (`ArchiveLog`), or a remote engine.

Every question takes the same `query.FilterState` and answers with small values (counts,
one page of rows, facet counts) or writes a file; no front end holds an implementation's
frame. Every implementation answers the same question on the same rows identically: the
same counts, the same rows in the same order, the same export bytes (the tests in
tests/test_logs.py ask both implementations each question).

Rows come back as Polars frames of the canonical columns (`schema.COLUMNS`) plus `ROW_ID`,
a key that `Log.row` takes back. No Textual here: this layer sits under the UI.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol, runtime_checkable

import polars as pl

from connlog_tui import query
from connlog_tui.export import ExportOptions
from connlog_tui.query import FACETS, FilterState
from connlog_tui.schema import COLUMNS, ROW_ID

# What a page holds: the canonical columns (payloads included), then the row's key.
PAGE_COLUMNS: tuple[str, ...] = (*(c.name for c in COLUMNS), ROW_ID)


@dataclass(frozen=True)
class Sort:
    """A page's order. `column` None (or "time") is time order, the order rows are loaded
    in; another column orders by its value as text, nulls last, ties in time order."""

    column: str | None = None
    descending: bool = False


TIME_ORDER = Sort()  # the default order: oldest first, as loaded
# What `Log.next_match` looks for: the rows a filter state selects, or these ROW_IDs.
Find = FilterState | frozenset[int]


def from_the_end(count: int | None, offset: int, n: int) -> tuple[int, int] | None:
    """Rows `offset .. offset+n` of a view of `count` rows as a slice of the view in the
    reversed order, `(offset, length)` (its rows reversed back are the page), when the
    page lies in the view's second half (None: read from the start, or `count` unknown).
    A lazy engine finds a few first rows of an order without ordering the rest (a top-k),
    but the rows before a large offset are all gathered."""
    if count is None or offset <= 0 or 2 * offset + n <= count:
        return None
    end = min(offset + max(n, 0), count)
    return count - end, max(end - offset, 0)


def step_from(
    after: int | None, before: int | None, first: int | None, last: int | None, step: int
) -> int | None:
    """`next_match`'s answer from the matching positions' neighbours of the start: the
    nearest after it (`after`) or before it (`before`), else wrap round to the `first` or
    `last` of them."""
    if step > 0:
        return after if after is not None else first
    return before if before is not None else last


@dataclass(frozen=True)
class Matches:
    """What a filter state selects: how many rows, and each facet's value counts under
    the *other* conditions (what picking a value would give). `complete` False: a text
    search's matches so far, reported while it runs (no facet counts then). `total`:
    the log's row count, for "N of M"."""

    state: FilterState
    count: int
    facets: dict[str, dict[str, int]]
    total: int
    complete: bool = True
    # The implementation's own record of the rows (in memory: their indices), so that
    # `Log.page` pages exactly these matches; opaque to front ends.
    rows: Any = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class LogInfo:
    """What a log says about itself, for the status bar and an export's provenance.
    `kind`: "memory", "archive", ...; `name`: a short label (never a credential);
    `sources`: the files or locations read."""

    kind: str
    name: str
    sources: tuple[str, ...] = ()
    rows: int = 0
    extra: Mapping[str, Any] = field(default_factory=dict)


@runtime_checkable
class Log(Protocol):
    """A log the front ends ask questions of. Methods may be slow on a big or remote log
    (call them from a worker, not the UI thread); each raises `errors.ConnlogError` (one
    line naming the path) when its data cannot be read, and `errors.Stale` when a
    `stale()` check given to it says the caller no longer wants the answer."""

    def describe(self) -> LogInfo:
        """Kind, name, sources and row count (cheap after the first call: a lazy log may
        count its rows then)."""
        ...

    def count(self, state: FilterState) -> int:
        """How many rows `state` selects."""
        ...

    def page(
        self, query: FilterState | Matches, offset: int, n: int, sort: Sort = TIME_ORDER
    ) -> pl.DataFrame:
        """Rows `offset .. offset+n` of the matches in `sort` order: PAGE_COLUMNS first
        (payloads filled in), then any derived columns the log holds (triage's); fewer
        (or none) past the end. Only these rows are read. `query`: a filter state, or
        the `Matches` a search returned or reported (partial ones page the rows found so
        far, without running the search again)."""
        ...

    def facets(
        self, state: FilterState, columns: Iterable[str] = FACETS
    ) -> dict[str, dict[str, int]]:
        """For each column, value -> count among the rows all *other* conditions keep (a
        column's own pick is left out, as query.run counts). Nulls are not counted."""
        ...

    def search(
        self,
        state: FilterState,
        *,
        facets: Iterable[str] = FACETS,
        stale: Callable[[], bool] | None = None,
        partial: Callable[[Matches], None] | None = None,
    ) -> Matches:
        """Evaluate `state` (a text search is the slow part) to its count and facet
        counts. `stale()` is asked between slices of the work: when True it stops with
        `Stale`. `partial`, if given, may be sent `Matches(complete=False)` with the
        matches found so far while a long search runs. After it returns, `count`,
        `page` and `facets` of the same state reuse its work where the log can keep it."""
        ...

    def row(self, key: int) -> dict[str, Any]:
        """One row by its ROW_ID, every canonical column, payloads included. Raises
        KeyError for a key the log does not have."""
        ...

    def export(self, query: FilterState | Matches, target: str, options: ExportOptions) -> int:
        """Write every row `query` selects to `target` in time order, atomically (a
        temporary file renamed over it; stdout for "-"). The bytes are the same whatever
        the implementation. Returns the number of rows written. `query`: a filter state,
        or the `Matches` a search returned; a log that keeps its matches' rows (a
        MemoryLog's row indices) writes those rows in their order, so a front end may
        narrow and order them (the browser's marked rows only, its sort); another writes
        its state's rows."""
        ...

    def next_match(
        self,
        state: FilterState,
        sort: Sort,
        find: Find,
        position: int | None,
        step: int = 1,
        stale: Callable[[], bool] | None = None,
    ) -> int | None:
        """n / N and } / { without the rows in hand: the position in the view (the rows
        `state` selects, in `sort` order, as `page` numbers them) of the next (`step` > 0)
        or previous row after / before `position` that `find` selects too, wrapping round
        (from the first / last when `position` is None). `find`: a filter state (a
        search), or a set of ROW_IDs (marked rows). None when no row of the view is
        found. Only the view's keys and positions are read, not its rows."""
        ...

    def distinct(self, column: str) -> list[str]:
        """The column's distinct non-null values as text, sorted."""
        ...

    def time_bounds(self) -> tuple[datetime | None, datetime | None]:
        """The oldest and newest event time (None, None when there are no rows)."""
        ...

    def quarantine(self) -> pl.DataFrame:
        """The rows that could not be read (`schema.QUARANTINE_SCHEMA`): empty for a
        log whose rows were checked when written (an archive)."""
        ...


@runtime_checkable
class Counts(Protocol):
    """A log that counts by any key (`connlog count`, the count view): the distinct values
    of a column or of a field inside the payloads among the rows `state` selects, as
    `counts.count_by` gives them (value, count, share; most frequent first)."""

    def count_by(self, state: FilterState, key: Any) -> pl.DataFrame: ...


def resolve_state(log: Log, state: FilterState) -> FilterState:
    """`state` with its picked and excluded values matched against the log's values
    exactly but for case, as `query.resolve_state` matches them against a frame (the
    command line's `--action "sso failed"` is the log's "SSO Failed")."""
    columns = sorted({*state.picked, *state.excluded})
    values = {column: log.distinct(column) for column in columns}
    height = max((len(v) for v in values.values()), default=0)
    # One text column per facet, padded with nulls (resolve_values drops them).
    frame = pl.DataFrame(
        [pl.Series(c, v + [None] * (height - len(v)), dtype=pl.String) for c, v in values.items()]
    )
    return query.resolve_state(frame, state)
