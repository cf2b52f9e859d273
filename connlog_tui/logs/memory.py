"""A log held in memory: a loaded frame (`sources.load`), with a lean load's payload store,
a reopened log's folded copy for search, and the quarantined rows, behind the `Log` seam.

Every answer is `query.run` on the frame (the engine the browser has always used), so
nothing is slower than asking query.py directly: the last few results are kept, and a
page, count or facet question about a state already evaluated reuses its row indices.
The log owns its frame: rows appended (follow mode) or columns added (triage's diagnoses)
go through `append` and `set_frame`, which drop the kept results.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

import polars as pl

from connlog_tui import query
from connlog_tui.counts import CountKey, count_by
from connlog_tui.export import export
from connlog_tui.jump import next_position
from connlog_tui.logs.base import (
    PAGE_COLUMNS,
    TIME_ORDER,
    ExportOptions,
    Find,
    LogInfo,
    Matches,
    Sort,
)
from connlog_tui.payloads import POS, PayloadStore, fill
from connlog_tui.query import FACETS, FilterState, QueryResult, sort_indices, view_frame
from connlog_tui.query_masks import Masks
from connlog_tui.schema import ROW_ID, USER_KEY, empty_quarantine, finish

# Filter results kept for reuse (the browser asks count, facets and pages of one state).
KEEP_RESULTS = 4


class MemoryLog:
    """`Log` over an in-memory canonical frame (see `sources.load`'s ReadResult)."""

    def __init__(
        self,
        frame: pl.DataFrame,
        *,
        quarantine: pl.DataFrame | None = None,
        payloads: PayloadStore | None = None,
        folded: pl.DataFrame | None = None,
        name: str = "",
        sources: Iterable[str] = (),
    ) -> None:
        """`frame`: canonical columns; the derived `row_id` and `user_key` are added if
        missing (`schema.finish`). `payloads`, `folded`: see `query.run`."""
        if ROW_ID not in frame.columns or USER_KEY not in frame.columns:
            frame = finish(frame)
        self.frame = frame
        self.payloads = payloads
        self.folded = folded
        self._quarantine = quarantine if quarantine is not None else empty_quarantine()
        self.sources = tuple(str(s) for s in sources)
        self.name = name or ", ".join(self.sources) or "memory"
        self._results: list[tuple[FilterState, frozenset[str], QueryResult]] = []
        self._sorted: list[tuple[pl.Series, Sort, pl.Series]] = []
        # Each filter condition's rows and the pane counts, kept between states: a pick
        # or keystroke recomputes only the condition it changed (see query_masks).
        self._masks = Masks()
        self._lock = threading.Lock()
        # Bumped when the frame changes: a result worked out on the frame before is not kept.
        self._generation = 0
        # Of a load: (file name, rows loaded, rows quarantined) per input file.
        self.files: list[tuple[str, int, int]] = []
        # Files of a folder that could not be read and were left out: (name, why).
        self.skipped: list[tuple[str, str]] = []

    @classmethod
    def from_loaded(cls, loaded: Any, sources: Iterable[str] = ()) -> MemoryLog:
        """From a `sources.load` result (frame, quarantine, payloads, folded, files)."""
        log = cls(
            loaded.frame,
            quarantine=loaded.quarantine,
            payloads=loaded.payloads,
            folded=loaded.folded,
            sources=sources,
        )
        log.files = list(loaded.files)
        log.skipped = list(getattr(loaded, "skipped", ()))
        return log

    # -- query.run, kept -------------------------------------------------------------------

    def _kept(self, state: FilterState, facets: frozenset[str]) -> QueryResult | None:
        with self._lock:
            for kept_state, kept_facets, result in self._results:
                if kept_state == state and facets <= kept_facets:
                    return result
        return None

    def _keep(
        self, state: FilterState, facets: frozenset[str], result: QueryResult, generation: int
    ) -> None:
        with self._lock:
            if generation == self._generation:  # else the frame changed while it ran
                self._results = [(state, facets, result), *self._results][:KEEP_RESULTS]

    def _changed(self) -> None:
        """The frame changed: kept results and orders no longer describe it."""
        with self._lock:
            self._generation += 1
            self._results, self._sorted = [], []
        self._masks.clear()

    def append(self, rows: pl.DataFrame, quarantine: pl.DataFrame | None = None) -> int:
        """Add rows read after the others (follow mode) and their quarantined lines. Their
        row ids go on from the last (`schema.finish`), so ids stay frame positions; rows
        may lack derived columns the frame has (triage's: null for them). Returns the
        position of the first new row."""
        start = self.frame.height
        if rows.height:
            added = finish(rows, start=start)
            self.frame = pl.concat([self.frame, added], how="diagonal_relaxed")
        if quarantine is not None and quarantine.height:
            self._quarantine = pl.concat([self._quarantine, quarantine])
        self._changed()
        return start

    def add_folded(self, folded: pl.DataFrame) -> None:
        """The payloads' folded copy, written by the cache after the log was read (if it
        had none): searches go through it from now on, finding the same rows faster."""
        if self.folded is None:
            self.folded = folded

    def set_frame(self, frame: pl.DataFrame) -> None:
        """The same rows in the same order with columns added (triage's diagnoses). The
        kept results go: a filter may read the new columns (a diagnosed reason's pick)."""
        self.frame = frame
        self._changed()

    def result(
        self,
        state: FilterState,
        facets: Iterable[str] = (),
        stale: Callable[[], bool] | None = None,
        partial: Callable[[QueryResult], None] | None = None,
    ) -> QueryResult:
        """`query.run` of `state` on the frame (row indices in time order and facet
        counts), reused when the same state was evaluated with these facets."""
        wanted = frozenset(facets)
        kept = self._kept(state, wanted)
        if kept is not None:
            return kept
        with self._lock:
            frame, generation = self.frame, self._generation
        result = query.run(
            frame,
            state,
            facets=tuple(f for f in FACETS if f in wanted) + tuple(sorted(wanted - set(FACETS))),
            payloads=self.payloads,
            stale=stale,
            partial=partial,
            folded=self.folded,
            masks=self._masks,
        )
        self._keep(state, wanted, result, generation)
        return result

    def _matches(self, state: FilterState, result: QueryResult) -> Matches:
        return Matches(
            state=state,
            count=result.count,
            facets=result.facets,
            total=result.total,
            complete=result.complete,
            rows=result.indices,
        )

    def sorted_indices(self, indices: pl.Series, sort: Sort) -> pl.Series:
        """`indices` in `sort` order (query.sort_indices), the last few orders kept."""
        if sort.column in (None, "time") and not sort.descending:
            return indices
        with self._lock:
            for kept, kept_sort, order in self._sorted:
                if kept is indices and kept_sort == sort:
                    return order
            frame, generation = self.frame, self._generation
        order = sort_indices(frame, indices, sort.column, sort.descending)
        with self._lock:
            # Keyed by the identity of the indices, held here so it cannot be reused.
            if generation == self._generation:
                self._sorted = [(indices, sort, order), *self._sorted][:KEEP_RESULTS]
        return order

    # -- the Log questions -----------------------------------------------------------------

    def describe(self) -> LogInfo:
        info = {"lean": self.payloads is not None}
        return LogInfo("memory", self.name, self.sources, self.frame.height, info)

    def count(self, state: FilterState) -> int:
        return self.result(state).count

    def page(
        self, query: FilterState | Matches, offset: int, n: int, sort: Sort = TIME_ORDER
    ) -> pl.DataFrame:
        ordered = self.sorted_indices(self._indices(query), sort)
        rows = fill(self.frame[ordered.slice(max(offset, 0), max(n, 0))], self.payloads)
        return _page_columns(rows)

    def _indices(self, query: FilterState | Matches) -> pl.Series:
        """The rows of a Matches (as a search gave them, or narrowed by its caller), else
        of the state's result."""
        if isinstance(query, Matches) and query.rows is not None:
            return query.rows
        return self.result(query.state if isinstance(query, Matches) else query).indices

    def facets(
        self, state: FilterState, columns: Iterable[str] = FACETS
    ) -> dict[str, dict[str, int]]:
        columns = [c for c in columns if c in self.frame.columns]
        counts = self.result(state, columns).facets
        return {c: counts.get(c, {}) for c in columns}

    def search(
        self,
        state: FilterState,
        *,
        facets: Iterable[str] = FACETS,
        stale: Callable[[], bool] | None = None,
        partial: Callable[[Matches], None] | None = None,
    ) -> Matches:
        def report(result: QueryResult) -> None:
            if partial is not None:  # only handed on when it is
                partial(self._matches(state, result))

        columns = [c for c in facets if c in self.frame.columns]
        given = report if partial is not None else None
        return self._matches(state, self.result(state, columns, stale, given))

    def next_match(
        self,
        state: FilterState,
        sort: Sort,
        find: Find,
        position: int | None,
        step: int = 1,
        stale: Callable[[], bool] | None = None,
    ) -> int | None:
        ordered = self.sorted_indices(self.result(state, stale=stale).indices, sort)
        if isinstance(find, FilterState):
            found = self.result(find, stale=stale).indices
        else:  # row ids as frame positions
            where = pl.arg_where(pl.col(ROW_ID).is_in(sorted(find)))
            found = self.frame.select(where).to_series()
        return next_position(ordered, found, position, step)

    def row(self, key: int) -> dict[str, Any]:
        at = self._position(key)
        return _page_columns(fill(self.frame.slice(at, 1), self.payloads)).row(0, named=True)

    def _position(self, key: int) -> int:
        # Row ids are frame positions (schema.finish numbers them, follow mode goes on).
        ids = self.frame[ROW_ID]
        if 0 <= key < ids.len() and ids[key] == key:
            return key
        hits = (ids == key).arg_true()
        if hits.is_empty():
            raise KeyError(key)
        return int(hits[0])

    def export(self, query: FilterState | Matches, target: str, options: ExportOptions) -> int:
        indices = self._indices(query)
        if options.diagnose:
            view = with_diagnoses(self.frame, indices, self.payloads)
        else:
            view = view_frame(self.frame, indices)
        if options.marks is not None:
            view = self._with_notes(view, indices, options.marks)
        return export(view, target, options, payloads=self.payloads)

    def _with_notes(self, view: pl.DataFrame, indices: pl.Series, marks: Any) -> pl.DataFrame:
        """The view with a Note column when rows of it have notes (connlog_tui.marks)."""
        from connlog_tui.marks import note_column

        column = note_column(indices, marks.find(self.frame, self.payloads))
        return view if column is None else view.with_columns(column)

    def count_by(self, state: FilterState, key: CountKey) -> pl.DataFrame:
        """`counts.count_by` of the rows `state` selects (a column or a payload field)."""
        return count_by(self.frame, self.result(state).indices, key, self.payloads)

    def distinct(self, column: str) -> list[str]:
        # Distinct first, then text: a categorical column cast to text first would hold a
        # text per row (~50 MB more at 1M rows, some of it for good).
        values = self.frame[column].unique().drop_nulls().cast(pl.String)
        return sorted(values.to_list())

    def time_bounds(self) -> tuple[datetime | None, datetime | None]:
        times = self.frame["time"]
        return times.min(), times.max()  # type: ignore[return-value]

    def quarantine(self) -> pl.DataFrame:
        return self._quarantine


def _page_columns(rows: pl.DataFrame) -> pl.DataFrame:
    """PAGE_COLUMNS, then the frame's derived triage columns (not its internal ones)."""
    internal = {USER_KEY, *PAGE_COLUMNS}
    extra = [c for c in rows.columns if c not in internal and c != POS and c[:1] != "_"]
    return rows.select(*PAGE_COLUMNS, *extra)


def with_diagnoses(
    frame: pl.DataFrame, indices: pl.Series, payloads: PayloadStore | None = None
) -> pl.DataFrame:
    """The view to export, its failed rows carrying their diagnosis (decoding their
    payloads: about 1 ms a failed row). Mismatches are judged against the whole log's
    successful logins, not just the view's."""
    from connlog_tui import triage

    failing = indices.filter(frame["outcome"].gather(indices) == "failure")
    if failing.is_empty():
        return view_frame(frame, indices)
    found = triage.diagnose_rows(frame, failing, payloads=payloads)
    view = triage.apply_diagnoses(frame[indices], found)
    return view_frame(view, pl.int_range(view.height, eager=True))


__all__ = ["MemoryLog", "with_diagnoses"]
