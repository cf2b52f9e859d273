"""A log served by Apache Spark over Spark Connect (`sc://host:port`) behind the `Log` seam:
a table (`security.sso_events`) or a path the cluster reads (`s3a://.../archive/`) of
Parquet in connlog's archive layout. Every question runs on the cluster as Spark
expressions (logs.spark_query); only the answer comes back, as Arrow into Polars: a
count, one page, facet counts, one row, or the export's rows streamed in Arrow batches.

A row's key (`ROW_ID`) is its position in the archive's scan order, as ArchiveLog's:
files in path order, each file in its own order (Spark's `_metadata.file_path` and
`_metadata.row_index`), so the same archive gives the same keys and pages here and in
ArchiveLog. A source without file metadata is numbered in time order instead.

Each query runs under a Spark Connect operation tag; a newer query of the same kind
(a page, a search) interrupts the older one on the cluster (`interruptTag`), and so does
a `stale()` check turning True while it runs. The URL's token never leaves this module:
`host` (host:port) is what is shown, logged and written into provenance.
"""

from __future__ import annotations

import bisect
import contextlib
import itertools
import threading
import uuid
import warnings
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import polars as pl

from connlog_tui.errors import ConnlogError, Stale
from connlog_tui.export import export as export_frame
from connlog_tui.export import format_for, write_provenance
from connlog_tui.logs import spark_query as sq
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
from connlog_tui.logs.stream import STREAMED, check_target, write_stream
from connlog_tui.query import FACETS, FilterState
from connlog_tui.redact import TEXT_COLUMNS
from connlog_tui.schema import COLUMNS, ROW_ID, SCHEMA, empty_quarantine

INSTALL_HINT = "Spark support is not installed: pip install 'connlog[spark]'"
# How often a running query's `stale()` is asked (its interruption then reaches the cluster).
STALE_POLL = 0.1
_ROW_ID_TYPE = pl.UInt32  # as the other logs number rows


def host_of(url: str) -> str:
    """`host:port` of a Spark Connect URL: all of it that may be shown (the URL's
    parameters may hold a token)."""
    parts = urlsplit(url.replace("sc://", "http://", 1) if url.startswith("sc://") else url)
    if not parts.hostname:
        return "spark"
    return f"{parts.hostname}:{parts.port}" if parts.port else parts.hostname


def connect(url: str) -> Any:
    """A new Spark Connect session on `url`, its time zone UTC (canonical times)."""
    try:
        from pyspark.sql.connect.session import SparkSession
    except ImportError:
        raise ConnlogError(INSTALL_HINT) from None
    if not url.startswith("sc://"):
        raise ConnlogError("a Spark Connect URL starts with sc:// (sc://host:15002)")
    session = None
    try:
        session = SparkSession.builder.remote(url).create()
        # The first contact gives up within ~10 s (the client's default keeps retrying a
        # server that is down for 10 minutes); later queries keep the default, which
        # rides out a cluster that is starting or restarting.
        policies = session.client.get_retry_policies()
        session.client.set_retry_policies([_first_contact_policy()])
        try:
            with warnings.catch_warnings():  # its RETRIES_EXCEEDED: said as our one line
                warnings.simplefilter("ignore")
                session.conf.set("spark.sql.session.timeZone", "UTC")
        finally:
            session.client.set_retry_policies(policies)
    except Exception as exc:
        if session is not None:
            # Closed, so that the client's exit hook does not retry a server that is not
            # there for minutes.
            with contextlib.suppress(Exception):
                session.client.close()
        raise error_for(exc, url, host_of(url)) from None
    return session


def _first_contact_policy() -> Any:
    from pyspark.sql.connect.client.retries import DefaultPolicy

    return DefaultPolicy(max_retries=5, backoff_multiplier=2.0, initial_backoff=250)


def error_for(exc: BaseException, url: str, host: str, what: str = "") -> Exception:
    """A Spark Connect failure as one line naming the host and never the URL's token:
    server down, credentials refused, table or path missing, else the first line said."""
    text = str(exc).replace(url, host)
    for param in url.split(";")[1:]:
        value = param.partition("=")[2]
        if value:
            text = text.replace(value, "***")
    lowered = text.lower()
    if "operation_canceled" in lowered or "interrupted" in lowered:
        return Stale()
    if (
        "unavailable" in lowered
        or "failed to connect" in lowered
        or "connection refused" in lowered
    ):
        return ConnlogError(f"cannot reach the Spark Connect server at {host}")
    if "unauthenticated" in lowered or "permission_denied" in lowered or "401" in lowered:
        return ConnlogError(f"the Spark Connect server at {host} refused the credentials")
    if "table_or_view_not_found" in lowered:
        return ConnlogError(f"no such table on {host}", what or None)
    if "path_not_found" in lowered or "path does not exist" in lowered:
        return ConnlogError(f"no such path on {host}", what or None)
    first = next((ln.strip() for ln in text.splitlines() if ln.strip()), type(exc).__name__)
    return ConnlogError(f"Spark at {host}: {first[:300]}", what or None)


def to_polars(table: Any) -> pl.DataFrame:
    """An Arrow table from Spark as canonical Polars columns (categoricals, enum, UTC)."""
    frame = pl.from_arrow(table)
    assert isinstance(frame, pl.DataFrame)
    casts = [pl.col(n).cast(SCHEMA[n]) for n in frame.columns if n in SCHEMA]
    if ROW_ID in frame.columns:
        casts.append(pl.col(ROW_ID).cast(_ROW_ID_TYPE))
    return frame.with_columns(casts)


class SparkLog:
    """`Log` over a Spark table or path, through a Spark Connect session."""

    kind = "spark"

    def __init__(
        self, url: str, target: str, *, plus_addressing: bool = False, session: Any = None
    ) -> None:
        """Connects and reads the source's schema and file layout (two small queries);
        ConnlogError when the server, the credentials or the table say no."""
        self._url, self.host, self.target = url, host_of(url), target
        self.session = session if session is not None else connect(url)
        self._latest: dict[str, str] = {}
        self._lock = threading.Lock()
        self._rows: int | None = None
        try:
            self.frame = self._guard(lambda: self._open(plus_addressing))
        except BaseException:
            if session is None:
                self.close()
            raise

    # -- building the source frame -----------------------------------------------------------

    def _read(self) -> Any:
        if "/" in self.target or "://" in self.target:
            return self.session.read.option("mergeSchema", "true").parquet(self.target)
        return self.session.read.table(self.target)

    def _open(self, plus_addressing: bool) -> Any:
        # Column names as spelled: an export's `Date` column is not the `date=` partition.
        self.session.conf.set("spark.sql.caseSensitive", "true")
        raw = self._read()
        types = dict(raw.dtypes)
        self.partition = sq.DATE_PARTITION if types.get(sq.DATE_PARTITION) == "date" else None
        extras = [self.partition] if self.partition else []
        F = sq.functions()
        columns = [*sq.canonical_columns(types, plus_addressing), *(F.col(e) for e in extras)]
        return raw.select(*columns, self._row_id(raw))

    def _row_id(self, raw: Any) -> Any:
        """ROW_ID: the row's position in file path order (see the module's docstring)."""
        F = sq.functions()
        try:
            path, index = F.col("_metadata.file_path"), F.col("_metadata.row_index")
            counted = self._arrow(raw.groupBy(path.alias("f")).count(), "open")
        except ConnlogError:
            from pyspark.sql.connect.window import Window

            return (F.row_number().over(Window.orderBy("time")) - 1).alias(ROW_ID)
        names, sizes = counted.column("f").to_pylist(), counted.column("count").to_pylist()
        files = sorted(zip(names, sizes, strict=True))
        self._files = [f for f, _ in files]
        self._offsets = [0, *itertools.accumulate(n for _, n in files)]
        self._rows = self._offsets[-1]
        if not files:
            return F.lit(0).cast("long").alias(ROW_ID)
        pairs = [F.lit(x) for f, o in zip(self._files, self._offsets, strict=False) for x in (f, o)]
        return (F.element_at(F.create_map(*pairs), path) + index).alias(ROW_ID)

    # -- running queries ---------------------------------------------------------------------

    def _guard(self, work: Callable[[], Any]) -> Any:
        try:
            return work()
        except (ConnlogError, Stale):
            raise
        except Exception as exc:
            raise error_for(exc, self._url, self.host, self.target) from None

    def _arrow(self, frame: Any, kind: str, stale: Callable[[], bool] | None = None) -> Any:
        """Run `frame` under a fresh operation tag and return its Arrow table. The last
        query of the same `kind` still running is interrupted first; `stale()` turning
        True interrupts this one (then Stale)."""
        if stale is not None and stale():
            raise Stale
        tag = f"connlog-{kind}-{uuid.uuid4().hex[:12]}"
        with self._lock:
            older = self._latest.get(kind)
            self._latest[kind] = tag
        if older is not None:
            self._interrupt(older)
        done = threading.Event()
        if stale is not None:
            threading.Thread(target=self._watch, args=(tag, stale, done), daemon=True).start()
        self.session.addTag(tag)
        try:
            return self._guard(frame.toArrow)
        finally:
            done.set()
            self.session.removeTag(tag)
            with self._lock:
                if self._latest.get(kind) == tag:
                    del self._latest[kind]

    def _watch(self, tag: str, stale: Callable[[], bool], done: threading.Event) -> None:
        while not done.wait(STALE_POLL):
            if stale():
                self._interrupt(tag)
                return

    def _interrupt(self, tag: str) -> None:
        # The operation may have ended meanwhile: nothing to stop then.
        with contextlib.suppress(Exception):
            self.session.interruptTag(tag)

    def cancel(self) -> None:
        """Interrupt every query of this log still running on the cluster."""
        with self._lock:
            tags = list(self._latest.values())
        for tag in tags:
            self._interrupt(tag)

    def close(self) -> None:
        """End the session on the server (its cached plans, its pending releases): the
        client would otherwise send them at the interpreter's exit, retrying for minutes
        if the server has gone."""
        self.cancel()
        with contextlib.suppress(Exception):
            self.session.stop()

    def where(self, state: FilterState, skip: str | None = None) -> Any:
        """The matching rows as a Spark DataFrame (lazily: nothing runs)."""
        frame = self.frame
        for cond in sq.conditions(state, skip, self.partition):
            frame = frame.filter(cond)
        return frame

    # -- the Log questions -------------------------------------------------------------------

    def describe(self) -> LogInfo:
        if self._rows is None:
            self._rows = self.count(FilterState())
        name = f"{self.target} on {self.host}"
        return LogInfo(self.kind, name, (self.target,), self._rows, {"host": self.host})

    def count(self, state: FilterState) -> int:
        F = sq.functions()
        table = self._arrow(self.where(state).select(F.count(F.lit(1)).alias("n")), "count")
        return int(table.column("n")[0].as_py())

    def page(
        self, query: FilterState | Matches, offset: int, n: int, sort: Sort = TIME_ORDER
    ) -> pl.DataFrame:
        state = query.state if isinstance(query, Matches) else query
        if sort.column not in (None, "time", *PAGE_COLUMNS):
            raise ConnlogError(f"cannot sort by {sort.column!r}: not a column")
        rows = self.where(state).select(*PAGE_COLUMNS)
        count = query.count if isinstance(query, Matches) and query.complete else None
        if count is None and offset > 0:
            count = self.count(state)
        tail = from_the_end(count, offset, n)
        if tail is None:
            rows = rows.orderBy(*sq.order_by(sort.column, sort.descending))
            rows = rows.offset(max(offset, 0)).limit(max(n, 0))
            return to_polars(self._arrow(rows, "page"))
        # Near the end: the reversed order's first rows, a top-k on the cluster (an
        # offset from the start gathers every row before it into one task).
        skip, length = tail
        rows = rows.orderBy(*sq.order_by(sort.column, sort.descending, reverse=True))
        rows = (rows.offset(skip) if skip else rows).limit(length)
        return to_polars(self._arrow(rows, "page")).reverse()

    def facets(
        self, state: FilterState, columns: Iterable[str] = FACETS
    ) -> dict[str, dict[str, int]]:
        return self._counts(state, list(columns), None)[1]

    def next_match(
        self,
        state: FilterState,
        sort: Sort,
        find: Find,
        position: int | None,
        step: int = 1,
        stale: Callable[[], bool] | None = None,
    ) -> int | None:
        """One query: the view's keys numbered in page order (a window over the whole
        view, as `page`'s offset orders it), kept where `find` selects the row, and the
        matching positions nearest the start either side and at either end."""
        from pyspark.sql.connect.window import Window

        F = sq.functions()
        if sort.column not in (None, "time", *PAGE_COLUMNS):
            raise ConnlogError(f"cannot sort by {sort.column!r}: not a column")
        numbered = F.row_number().over(Window.orderBy(*sq.order_by(sort.column, sort.descending)))
        view = self.where(state).select(F.col(ROW_ID), (numbered - 1).alias("_pos"))
        if isinstance(find, FilterState):
            hits = self.where(find).select(ROW_ID)
        else:
            hits = self.frame.filter(F.col(ROW_ID).isin(sorted(find))).select(ROW_ID)
        at, start = F.col("_pos"), -1 if position is None else position
        nearest = view.join(hits, on=ROW_ID, how="left_semi").agg(
            F.min(F.when(at > start, at)).alias("after"),
            F.max(F.when(at < start, at)).alias("before"),
            F.min(at).alias("first"),
            F.max(at).alias("last"),
        )
        with warnings.catch_warnings():
            # Spark warns that an unpartitioned window runs on one partition: the view's
            # numbering is one global order, as `page`'s offset is (stderr is the screen).
            warnings.simplefilter("ignore")
            table = self._arrow(nearest, "next-match", stale)
        after, before, first, last = (table.column(c)[0].as_py() for c in table.column_names)
        if position is None:
            after = before = None
        return step_from(after, before, first, last, step)

    def _counts(
        self, state: FilterState, columns: list[str], stale: Callable[[], bool] | None
    ) -> tuple[int, dict[str, dict[str, int]]]:
        """The count and each facet's value counts in one query over one scan: each row
        the conditions on other columns keep (its text matched once) becomes an entry
        for the count if every pick keeps it and one for each facet whose other picks
        keep it, and the entries are counted by (facet, value); one round trip."""
        F = sq.functions()
        picks = sq.pick_conditions(state)
        entry = F.struct(F.lit("").alias("facet"), F.lit(None).cast("string").alias("value"))
        entries = [F.when(sq.all_of(list(picks.values())), entry)]
        for column in columns:
            others = [cond for c, cond in picks.items() if c != column]
            entry = F.struct(F.lit(column).alias("facet"), F.col(column).alias("value"))
            entries.append(F.when(sq.all_of(others), entry))
        rows = self.frame
        for cond in sq.row_conditions(state, self.partition):
            rows = rows.filter(cond)
        found = rows.select(F.explode(F.array(*entries)).alias("e")).where(F.col("e").isNotNull())
        grouped = found.select("e.facet", "e.value").groupBy("facet", "value").count()
        table = self._arrow(grouped, "search", stale)
        total, counts = 0, {c: dict[str, int]() for c in columns}
        columns_ = (table.column(c).to_pylist() for c in ("facet", "value", "count"))
        for facet, value, n in zip(*columns_, strict=True):
            if facet == "":
                total = int(n)
            elif value is not None:
                counts[facet][str(value)] = int(n)
        return total, {c: dict(sorted(v.items())) for c, v in counts.items()}

    def search(
        self,
        state: FilterState,
        *,
        facets: Iterable[str] = FACETS,
        stale: Callable[[], bool] | None = None,
        partial: Callable[[Matches], None] | None = None,
    ) -> Matches:
        """Count and facet counts in one query, interrupted on the cluster when `stale()`
        turns True. No partial results: the cluster answers once."""
        count, counts = self._counts(state, list(facets), stale)
        return Matches(state=state, count=count, facets=counts, total=self.describe().rows)

    def row(self, key: int) -> dict[str, Any]:
        if key < 0:
            raise KeyError(key)
        F = sq.functions()
        frame = self.frame
        if getattr(self, "_files", None):
            # Only the file holding the row is read.
            at = bisect.bisect_right(self._offsets, key) - 1
            if at >= len(self._files):
                raise KeyError(key)
            frame = frame.filter(F.col("_metadata.file_path") == self._files[at])
        found = to_polars(
            self._arrow(frame.filter(F.col(ROW_ID) == key).select(*PAGE_COLUMNS), "row")
        )
        if found.is_empty():
            raise KeyError(key)
        return found.row(0, named=True)

    def distinct(self, column: str) -> list[str]:
        F = sq.functions()
        values = self.frame.select(F.col(column).cast("string").alias("v")).distinct()
        found = self._arrow(values, f"distinct-{column}").column("v").to_pylist()
        return sorted(v for v in found if v is not None)

    def time_bounds(self) -> tuple[datetime | None, datetime | None]:
        F = sq.functions()
        bounds = self.frame.select(F.min("time").alias("a"), F.max("time").alias("b"))
        row = to_polars(self._arrow(bounds, "bounds")).row(0)
        return row[0], row[1]

    def quarantine(self) -> pl.DataFrame:
        return empty_quarantine()

    # -- export ------------------------------------------------------------------------------

    def export(self, query: FilterState | Matches, target: str, options: ExportOptions) -> int:
        """Every matching row in time order. CSV, JSON Lines, JSON and Parquet files (and
        CSV on stdout) are streamed from the cluster in Arrow batches (atomic, as
        export.export writes them); redacted or not; the PDF is written by export.export
        from the rows collected (fpdf2 holds the whole document: docs/scale-out.md)."""
        state = query.state if isinstance(query, Matches) else query
        if options.marks is not None and any(m.note for m in options.marks.entries.values()):
            raise ConnlogError("notes are not exported from Spark (no Note column)", self.host)
        if options.diagnose:
            from connlog_tui.logs.failures import export_diagnosed

            return export_diagnosed(self, state, target, options)
        rows = self.where(state).orderBy(*sq.order_by(None, False))
        rows = rows.select(*(c.name for c in COLUMNS))
        fmt = format_for(target)
        if fmt not in STREAMED:
            frame = to_polars(self._arrow(rows, "export"))
            return export_frame(frame, target, options)
        check_target(Path(target), options)
        # Redaction's first pass reads the text columns only, unordered (logs.stream).
        text = self.where(state).select(*TEXT_COLUMNS)
        batches = self._batches(rows)
        written = write_stream(batches, Path(target), fmt, options, self._batches(text))
        if options.provenance is not None:
            write_provenance(
                target,
                options.provenance,
                rows=written,
                redact=options.redact,
                guard=options.guard,
            )
        return written

    def _batches(self, rows: Any) -> Iterator[pl.DataFrame]:
        """The rows as Polars frames, one per Arrow batch the server sends."""
        client = self.session.client
        plan = rows._plan.to_proto(client)
        # pyspark's own toLocalIterator runs on this (it yields Row objects; the Arrow
        # batches are what is wanted here).
        stream = self._guard(
            lambda: iter(client.to_table_as_iterator(plan, rows._plan.observations))
        )
        while True:
            item = self._guard(lambda: next(stream, None))
            if item is None:
                return
            if hasattr(item, "num_rows"):
                yield to_polars(item)


__all__ = ["INSTALL_HINT", "SparkLog", "connect", "host_of"]
