"""A hive-partitioned Parquet archive (`root/date=YYYY-MM-DD/*.parquet`) behind the `Log`
seam, answered lazily by `scaleout.LazyView`: nothing is loaded up front, each question is
one lazy query whose filters Polars pushes into the scan, and only the answer (a count, a
page, facet counts, a streamed export) is materialised. See docs/scale-out.md.

A row's key (`ROW_ID`) is its position in the scan: files in path order (date order for
`date=` partitions), each file in its own order. That is the archive's time order, as a
loaded log's row number is its.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

import polars as pl

from connlog_tui.counts import CountKey, Timeline, key_expr, ranked, timeline_of
from connlog_tui.errors import ConnlogError, Stale
from connlog_tui.export import check_stdout, format_for, provenance_path, write_provenance
from connlog_tui.export import export as export_frame
from connlog_tui.hive import is_archive
from connlog_tui.logs.archive_pages import Day, day_runs, time_page
from connlog_tui.logs.base import (
    PAGE_COLUMNS,
    TIME_ORDER,
    ExportOptions,
    Find,
    LogInfo,
    Matches,
    Sort,
    from_the_end,
    step_from,
)
from connlog_tui.logs.tally import tally
from connlog_tui.query import FACETS, FilterState
from connlog_tui.scaleout import LazyView, partition_expr, scan_partitioned
from connlog_tui.schema import COLUMNS, NOTE, ROW_ID, empty_quarantine

# Formats the archive streams from the scan to the file (or CSV to stdout), redacted or
# not (the PDF is written from the matching rows collected first: docs/scale-out.md).
STREAMED = ("csv", "jsonl", "json", "parquet")
_CANONICAL = [c.name for c in COLUMNS]
SEARCH_PARTS = 8  # the ranges of days a text search goes in (a report and a stop after each)


class ArchiveLog:
    """`Log` over a Parquet archive (a local directory, a glob, or an object-store URL;
    see `scaleout.scan_partitioned`)."""

    def __init__(
        self,
        root: str | Path,
        *,
        storage_options: Mapping[str, Any] | None = None,
        plus_addressing: bool = False,
    ) -> None:
        """Reads the file footers only; raises ConnlogError naming an unreadable file."""
        self.root = str(root)
        scan = scan_partitioned(
            root,
            storage_options=storage_options,
            plus_addressing=plus_addressing,
            row_index=ROW_ID,
        )
        self.view = LazyView(scan, source=self.root)
        self.view.columns = list(PAGE_COLUMNS)
        self._rows: int | None = None
        self._bounds: tuple | None = None
        self._day_runs: list[Day] | None = None
        self._days_asked = False

    @property
    def lazy(self) -> pl.LazyFrame:
        """The whole archive, lazily (canonical columns, `user_key`, ROW_ID, partitions)."""
        return self.view.lazy

    def _collect(self, plan: pl.LazyFrame, stale: Callable[[], bool] | None = None) -> pl.DataFrame:
        """Collect `plan`, a one-line ConnlogError if the files cannot be read. `stale` is
        asked before and after: a query Polars runs cannot be stopped part way (its
        background collect's cancel lets it run on, and dropping it then aborts)."""
        if stale is not None and stale():
            raise Stale
        (frame,) = self.view.collect([plan])
        if stale is not None and stale():
            raise Stale
        return frame

    # -- the Log questions -----------------------------------------------------------------

    def describe(self) -> LogInfo:
        if self._rows is None:
            self._rows = self.count(FilterState())
        return LogInfo("archive", self.root, (self.root,), self._rows)

    def count(self, state: FilterState) -> int:
        return self.view.count(state)

    def page(
        self, query: FilterState | Matches, offset: int, n: int, sort: Sort = TIME_ORDER
    ) -> pl.DataFrame:
        state = query.state if isinstance(query, Matches) else query
        count = query.count if isinstance(query, Matches) and query.complete else None
        if count is None and offset > 0:
            count = self.count(state)
        if sort.column in (None, "time") and (days := self._days()) is not None:
            # Read from the end of the view the page lies nearest to (archive_pages).
            tail = from_the_end(count, offset, n)
            newest_first = sort.descending != (tail is not None)
            at, length = (offset, n) if tail is None else tail
            rows = time_page(
                self.view, days, state, at, length, newest_first, self._collect, PAGE_COLUMNS, count
            )
            return rows if tail is None else rows.reverse()
        return self._collect(self._page_plan(state, offset, n, sort, count))

    def _days(self) -> list[Day] | None:
        """`archive_pages.day_runs`, asked once (an archive does not change under connlog)."""
        if not self._days_asked:
            self._day_runs, self._days_asked = day_runs(self.view, self._collect), True
        return self._day_runs

    def _page_plan(
        self, state: FilterState, offset: int, n: int, sort: Sort, count: int | None = None
    ) -> pl.LazyFrame:
        """Filter, order, slice. A page in the second half of a view of `count` rows is
        the reversed order's first rows, reversed back: Polars keeps a top-k of them
        rather than ordering (or, in scan order, reading) every row before the page."""
        tail = from_the_end(count, offset, n)
        if tail is None:
            return self._ordered(state, sort, PAGE_COLUMNS).slice(max(offset, 0), max(n, 0))
        return self._ordered(state, sort, PAGE_COLUMNS, reverse=True).slice(*tail).reverse()

    def _ordered(
        self, state: FilterState, sort: Sort, columns: Iterable[str], reverse: bool = False
    ) -> pl.LazyFrame:
        """The view's `columns` in `sort` order. Time order is scan order (descending:
        reversed, as a loaded log's row numbers are); a column orders by its text, nulls
        last, ties in scan order (query.sort_indices' order). `reverse`: that order
        exactly reversed (nulls first, ties in reversed scan order)."""
        if sort.column not in (None, "time", *PAGE_COLUMNS):
            raise ConnlogError(f"cannot sort by {sort.column!r}: not a column")
        rows = self.view.where(state).select(columns)
        if sort.column in (None, "time"):
            if sort.descending != reverse:
                rows = rows.sort(ROW_ID, descending=True)
        else:
            key = pl.col(sort.column).cast(pl.String)
            rows = rows.sort(
                [key, pl.col(ROW_ID)],
                descending=[sort.descending != reverse, reverse],
                nulls_last=not reverse,
            )
        return rows

    def next_match(
        self,
        state: FilterState,
        sort: Sort,
        find: Find,
        position: int | None,
        step: int = 1,
        stale: Callable[[], bool] | None = None,
    ) -> int | None:
        """One lazy query: the view's keys numbered in `sort` order (only the sort
        column read besides), kept where `find` selects the row, and the matching
        positions nearest the start either side and at either end."""
        keys = [ROW_ID] if sort.column in (None, "time") else [ROW_ID, sort.column]
        view = self._ordered(state, sort, keys).select(ROW_ID).with_row_index("_pos")
        if isinstance(find, FilterState):
            hits = self.view.where(find).select(ROW_ID)
        else:
            hits = self.lazy.filter(pl.col(ROW_ID).is_in(sorted(find))).select(ROW_ID)
        at = pl.col("_pos").cast(pl.Int64)
        start = -1 if position is None else position
        plan = view.join(hits, on=ROW_ID, how="semi").select(
            at.filter(at > start).min().alias("after"),
            at.filter(at < start).max().alias("before"),
            at.min().alias("first"),
            at.max().alias("last"),
        )
        after, before, first, last = self._collect(plan, stale).row(0)
        if position is None:
            after = before = None
        return step_from(after, before, first, last, step)

    def facets(
        self, state: FilterState, columns: Iterable[str] = FACETS
    ) -> dict[str, dict[str, int]]:
        return self.search(state, facets=columns).facets

    def search(
        self,
        state: FilterState,
        *,
        facets: Iterable[str] = FACETS,
        stale: Callable[[], bool] | None = None,
        partial: Callable[[Matches], None] | None = None,
    ) -> Matches:
        """Count and facet counts in one pass over the archive (logs.tally): the
        conditions on other columns than the panes' (the text search's among them) are
        evaluated once per row, and the panes counted under each other's picks from the
        rows' distinct combinations. A text search goes in up to SEARCH_PARTS ranges of
        date partitions, newest first: `stale()` is asked before each (the rest is left
        unread) and `partial` sent the count so far after each. Partial matches page as
        the whole state does."""
        facets, total = list(facets), self.describe().rows

        def each(count: int) -> None:
            if partial is not None:
                partial(Matches(state, count, {}, total, complete=False))

        parts = self._parts(state) if state.searches else [None]
        split = self.view.split(state)
        count, counts = tally(
            self.lazy, split, facets, parts=parts, source=self.root, stale=stale, each=each
        )
        return Matches(state, count, counts, total)

    def _parts(self, state: FilterState) -> list[pl.Expr | None]:
        """The date partitions the state's range reaches, newest first, in up to
        SEARCH_PARTS ranges of neighbouring days ([None]: the archive is asked whole)."""
        column = self.view.partition
        if column is None:
            return [None]
        plan = self.lazy.select(pl.col(column).unique())
        if (within := partition_expr(state, column)) is not None:
            plan = plan.filter(within)
        found = self._collect(plan).to_series()
        if found.null_count() or found.is_empty():
            return [None]
        days = found.sort(descending=True).to_list()
        size = -(-len(days) // SEARCH_PARTS)
        ranges = [days[i : i + size] for i in range(0, len(days), size)]
        day = pl.col(column)
        return [(day <= r[0]) & (day >= r[-1]) for r in ranges]

    def row(self, key: int) -> dict[str, Any]:
        if key < 0:
            raise KeyError(key)
        found = self._collect(self.lazy.slice(key, 1).select(PAGE_COLUMNS))
        if found.is_empty() or found[ROW_ID][0] != key:
            raise KeyError(key)
        return found.row(0, named=True)

    def export(self, query: FilterState | Matches, target: str, options: ExportOptions) -> int:
        state = query.state if isinstance(query, Matches) else query
        if options.diagnose:
            from connlog_tui.logs.failures import export_diagnosed

            self._check_target(Path(target), options)
            return export_diagnosed(self, state, target, options)
        notes = self._notes(state, options.marks)
        fmt = format_for(target)
        if fmt not in STREAMED:
            # Written by export.export from the matching rows (the PDF writer takes a
            # frame: fpdf2 holds the whole document until it is written).
            rows = self.view.where(state)
            if notes is not None:
                rows = rows.join(notes.lazy(), on=ROW_ID, how="left", maintain_order="left")
            rows = rows.select(*_CANONICAL, *([NOTE] if notes is not None else []))
            return export_frame(self._collect(rows), target, options)
        self._check_target(Path(target), options)
        written = self.view.export(
            state,
            target,
            guard=options.guard,
            force=options.force,
            notes=notes,
            redact=options.redact,
        )
        if options.provenance is not None:
            write_provenance(
                target,
                options.provenance,
                rows=written,
                redact=options.redact,
                guard=options.guard,
            )
        return written

    def _notes(self, state: FilterState, store: Any) -> pl.DataFrame | None:
        """The notes (ROW_ID, note) of `store` (a `marks.Marks`) on this archive's rows,
        found through the seam; None when no row of the view has one (then, as in
        memory, the export has no Note column)."""
        if store is None or not any(mark.note for mark in store.entries.values()):
            return None
        from connlog_tui.marks import find_in_log

        found = find_in_log(store, self).filter(pl.col(NOTE).is_not_null())
        notes = found.select(ROW_ID, NOTE).unique(ROW_ID)
        view = self.view.where(state).join(notes.lazy(), on=ROW_ID, how="semi")
        return notes if self._collect(view.select(pl.len())).item() else None

    def _check_target(self, target: Path, options: ExportOptions) -> None:
        """As export.export checks: never an input, an existing file only with `force`;
        stdout ("-") without a sidecar."""
        if str(target) == "-":
            return check_stdout(options)
        sidecar = provenance_path(target) if options.provenance is not None else None
        inputs = [*options.inputs, *self._files()]
        for path in (target, sidecar):
            if path is None:
                continue
            if any(path.resolve() == Path(p).resolve() for p in inputs):
                raise ConnlogError("refusing to overwrite an input log", str(path))
            if path.exists() and not options.force:
                raise ConnlogError("file exists (use --force to overwrite)", str(path))

    def _files(self) -> list[Path]:
        root = Path(self.root)
        return list(root.rglob("*.parquet")) if root.is_dir() else []

    def count_by(self, state: FilterState, key: CountKey) -> pl.DataFrame:
        """`counts.count_by` of the rows `state` selects, as one lazy group-by."""
        plan = self.view.where(state).group_by(key_expr(key)).len("count")
        counted = self._collect(plan)
        return ranked(counted, int(counted["count"].sum()))

    def timeline(self, state: FilterState, bars: int) -> Timeline:
        """`counts.timeline` of the rows `state` selects, counted lazily (two queries)."""
        return timeline_of(self.view.where(state), bars, self._collect)

    def distinct(self, column: str) -> list[str]:
        values = self._collect(self.lazy.select(pl.col(column).cast(pl.String).unique()))
        return sorted(values.to_series().drop_nulls().to_list())

    def time_bounds(self) -> tuple[datetime | None, datetime | None]:
        """Asked once (an archive does not change under connlog), then kept."""
        if self._bounds is None:
            first, last = (pl.col("time").min().alias("first"), pl.col("time").max().alias("last"))
            self._bounds = self._collect(self.lazy.select(first, last)).row(0)
        return self._bounds

    def quarantine(self) -> pl.DataFrame:
        return empty_quarantine()


__all__ = ["ArchiveLog", "is_archive"]
