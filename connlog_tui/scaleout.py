"""The scale-out path: the same filter state, run lazily against a directory of
hive-partitioned Parquet files (`root/date=2026-03-01/*.parquet`, ...).

Nothing is loaded up front. Each question (how many rows match, this page of them, the
facet counts, write them all out) is one lazy query over the scan: the filter state becomes
the same Polars expressions the in-memory path uses (`connlog_tui.query`), Polars pushes
them into the Parquet scan (partition pruning on the hive columns, row-group statistics
and late materialisation on the rest), and only the answer is materialised: a count, one
page of rows, a few small group-by results, or a streamed export.

The files may carry connlog's canonical column names (`time`, `app`, ...) or the display
headers of connlog's own Parquet export (`Date`, `Application To/From`, ...); both are
renamed and cast to the canonical schema lazily, and `user_key` is derived as in a load.
See docs/scale-out.md for the layout and for object storage.
"""

from __future__ import annotations

import glob
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any, NamedTuple

import polars as pl

from connlog_tui.atomic import export_output
from connlog_tui.errors import ConnlogError
from connlog_tui.export import format_for
from connlog_tui.query import (
    FACETS,
    FilterState,
    facet_columns,
    facet_expr,
    not_user_expr,
    text_exprs,
    time_expr,
    user_expr,
)
from connlog_tui.schema import (
    COLUMNS,
    NOTE,
    ROW_ID,
    SCHEMA,
    USER_KEY,
    Outcome,
    Timestamp,
    identity_key,
    outcome_from_action,
)

PATTERN = "**/*.parquet"
# The hive partition column used to skip whole files for a date range, when present.
DATE_PARTITION = "date"
_CANONICAL = [c.name for c in COLUMNS]
_FROM_HEADER = {c.header: c.name for c in COLUMNS}


def _is_remote(root: str) -> bool:
    return "://" in root


def _glob_for(root: str) -> str:
    """What to scan: a glob or a file as given, else every Parquet file under the root."""
    if root.endswith(".parquet") or any(ch in root for ch in "*?["):
        return root
    return f"{root.rstrip('/')}/{PATTERN}"


def _local_files(root: Path) -> list[Path]:
    """The Parquet files under a local root, in path order (so `date=` partitions come in
    date order), skipping hidden and `_`-prefixed entries (temporary and marker files)."""
    if root.is_file():
        return [root]
    if not root.is_dir():
        raise ConnlogError("no such directory", str(root))
    files = [
        p
        for p in root.rglob("*.parquet")
        if p.is_file() and not any(part[:1] in "._" for part in p.relative_to(root).parts)
    ]
    return sorted(files, key=str)


def _source_names(schema: Mapping[str, pl.DataType]) -> dict[str, str]:
    """canonical name -> the column that carries it in this scan (the canonical name
    itself, else connlog's export header; exact spelling, so a hive `date` is not `Date`)."""
    found: dict[str, str] = {}
    for name in schema:
        if name in SCHEMA:
            found[name] = name
    for name in schema:
        canonical = _FROM_HEADER.get(name)
        if canonical is not None and canonical not in found:
            found[canonical] = name
    return found


def _time_expr(col: pl.Expr, dtype: pl.DataType) -> pl.Expr:
    if dtype == Timestamp:
        return col
    if dtype == pl.String:
        return col.str.to_datetime(time_unit="us", time_zone="UTC")
    if isinstance(dtype, pl.Datetime):
        local = col.dt.replace_time_zone("UTC") if dtype.time_zone is None else col
        return local.dt.convert_time_zone("UTC").cast(Timestamp)
    return col.cast(Timestamp)


def _canonical(
    lazy: pl.LazyFrame, schema: Mapping[str, pl.DataType], plus_addressing: bool
) -> pl.LazyFrame:
    """The scan under canonical names and types, plus `user_key`, then any other columns
    (the hive partition columns) as they are. All lazy; a column already of its canonical
    type is passed through untouched, so predicates reach the scan unchanged."""
    names = _source_names(schema)
    action = pl.col(names["action"]) if "action" in names else pl.lit(None, pl.String)
    exprs = []
    for col in COLUMNS:
        source = names.get(col.name)
        if source is None:
            if col.name == "outcome":
                expr = outcome_from_action(action)
            elif col.name == "format":
                expr = pl.lit("parquet")
            else:
                expr = pl.lit(None)
            exprs.append(expr.cast(col.dtype).alias(col.name))
            continue
        expr, dtype = pl.col(source), schema[source]
        if col.name == "time":
            expr = _time_expr(expr, dtype)
        elif dtype == col.dtype:
            pass
        elif col.name == "outcome":
            given = expr.cast(pl.String).str.to_lowercase()
            expr = (
                pl.when(given.is_in(list(Outcome.categories)))
                .then(given)
                .otherwise(None)
                .cast(Outcome)
                .fill_null(outcome_from_action(action))
            )
        else:
            expr = expr.cast(col.dtype)
        exprs.append(expr.alias(col.name))
    used = set(names.values())
    extras = [n for n in schema if n not in used and n not in SCHEMA and n != USER_KEY]
    # From the canonical `user` just built, as schema.finish derives it after a load.
    user_key = identity_key(pl.col("user"), plus_addressing).alias(USER_KEY)
    return (
        lazy.select(*exprs, *extras).with_columns(user_key).select(*_CANONICAL, USER_KEY, *extras)
    )


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


def scan_partitioned(
    root: str | Path,
    *,
    storage_options: Mapping[str, Any] | None = None,
    plus_addressing: bool = False,
    row_index: str | None = None,
) -> pl.LazyFrame:
    """Every Parquet file under `root` (hive-partitioned: `root/date=2026-03-01/x.parquet`)
    as one lazy frame with connlog's canonical columns, `user_key`, and the partition
    columns (e.g. `date`, a Date) after them. Nothing is read but file footers.

    `root` may be a local directory, a single file, a glob, or an object-store URL
    (`s3://bucket/connlog`, with `storage_options` for credentials). Local files are
    checked one by one, so an unreadable file is named; files whose columns differ (some
    exported with display headers, some with canonical names, an older export missing a
    column) are scanned in runs of alike files, stacked in path order. `row_index`: a
    column numbering the rows in that order from 0, by the scan itself (each run starts
    at the rows of the runs before it, counted from the footers), so that a filter on
    the partitions or the stored columns still skips the other files; numbered above
    the scan (`with_row_index`), every file would be read to number the rows before any
    filter. Raises ConnlogError when nothing matches."""
    text = str(root)
    options = dict(storage_options) if storage_options else None
    if _is_remote(text):
        return _scan_remote(text, options, plus_addressing, row_index)
    if any(ch in text for ch in "*?["):
        files = sorted(Path(f) for f in glob.glob(text, recursive=True) if Path(f).is_file())
    else:
        files = _local_files(Path(text))
    if not files:
        raise ConnlogError(f"no Parquet files found (looked for {PATTERN})", text)
    # Runs of neighbouring files with the same columns, in path order: stacked in that
    # order, the scan keeps the files' (date) order.
    groups: list[tuple[tuple, list[str]]] = []
    for path in files:
        try:
            schema = pl.read_parquet_schema(path)
        except (pl.exceptions.PolarsError, OSError) as exc:
            message = f"not a readable Parquet file ({_first_line(exc)})"
            raise ConnlogError(message, str(path)) from None
        key = tuple((k, str(v)) for k, v in schema.items())
        if not groups or groups[-1][0] != key:
            groups.append((key, []))
        groups[-1][1].append(str(path))
    hive = not Path(text).is_file()
    parts, offset = [], 0
    for _, group in groups:
        # The checked file list rather than the glob, so skipped files stay skipped.
        lazy = pl.scan_parquet(
            group, hive_partitioning=hive, row_index_name=row_index, row_index_offset=offset
        )
        try:
            schema = lazy.collect_schema()
            if row_index is not None and len(groups) > 1:  # the footers' row counts
                offset += pl.scan_parquet(group).select(pl.len()).collect().item()
        except (pl.exceptions.PolarsError, OSError) as exc:
            message = f"cannot scan the Parquet files ({_first_line(exc)})"
            raise ConnlogError(message, text) from None
        parts.append(_canonical(lazy, schema, plus_addressing))
    if len(parts) == 1:
        return parts[0]
    return pl.concat(parts, how="diagonal_relaxed")


def _scan_remote(
    root: str, options: dict[str, Any] | None, plus_addressing: bool, row_index: str | None
) -> pl.LazyFrame:
    """A URL (s3://, gs://, az://, https://, file://): one glob scan, no per-file listing."""
    try:
        lazy = pl.scan_parquet(
            _glob_for(root),
            hive_partitioning=True,
            hidden_file_prefix=(".", "_"),
            storage_options=options,
            row_index_name=row_index,
        )
        schema = lazy.collect_schema()
    except (pl.exceptions.PolarsError, OSError) as exc:
        if "expanded paths were empty" in str(exc):
            message = f"no Parquet files found (looked for {PATTERN})"
        else:
            message = f"cannot scan the Parquet files ({_first_line(exc)})"
        raise ConnlogError(message, root) from None
    return _canonical(lazy, schema, plus_addressing)


def partition_expr(state: FilterState, column: str = DATE_PARTITION) -> pl.Expr | None:
    """The date range as a condition on a hive `date=YYYY-MM-DD` partition column, so
    Polars skips whole files. One day of slack on each side: the exact `time` condition
    still decides, and a dataset partitioned by local rather than UTC dates still prunes
    correctly."""
    conds = []
    if state.since:
        conds.append(pl.col(column) >= (state.since - timedelta(days=1)).date())
    if state.until:
        conds.append(pl.col(column) <= (state.until + timedelta(days=1)).date())
    return pl.all_horizontal(conds) if conds else None


class Split(NamedTuple):
    """A filter state's predicates by what they read (see `LazyView.split`)."""

    pruning: list[pl.Expr]
    rows: list[pl.Expr]
    picks: dict[str, pl.Expr]


@dataclass(frozen=True)
class LazyResult:
    """What a screen needs, from one lazy pass: matching rows, one page, facet counts."""

    count: int
    page: pl.DataFrame
    facets: dict[str, dict[str, int]]


class LazyView:
    """A filter state's questions answered against a lazy scan (see `scan_partitioned`).
    Takes the same FilterState as `query.run`; only the answers are materialised."""

    def __init__(
        self, lazy: pl.LazyFrame, *, source: str = "", partition: str | None = DATE_PARTITION
    ):
        """`lazy`: a frame from `scan_partitioned` (or any lazy frame with the canonical
        columns and `user_key`). `partition`: the hive column holding each file's date,
        used to skip files for a date range (only if it is a Date column; None: never)."""
        self.lazy = lazy
        self.source = source
        schema = lazy.collect_schema()
        self.partition = partition if partition and schema.get(partition) == pl.Date else None
        self.columns = [*_CANONICAL, USER_KEY]

    @classmethod
    def open(
        cls,
        root: str | Path,
        *,
        storage_options: Mapping[str, Any] | None = None,
        plus_addressing: bool = False,
    ) -> LazyView:
        lazy = scan_partitioned(
            root, storage_options=storage_options, plus_addressing=plus_addressing
        )
        return cls(lazy, source=str(root))

    # -- the lazy queries -------------------------------------------------------------

    def split(self, state: FilterState) -> Split:
        """The filter state's predicates in three, built by query.py's own builders:
        those that prune the scan (partition and time range), those on rows (user and
        excluded user, then the text searches: literal, negated, regex), and each pane
        column's pick and exclusion by column. A search matches each row's text once
        and counts each pane under the other panes' picks (logs.tally). ConnlogError
        for an invalid regex."""
        pruning = [partition_expr(state, self.partition) if self.partition else None]
        pruning.append(time_expr(state))
        rows = [user_expr(state.user), not_user_expr(state.exclude_user), *text_exprs(state)]
        picks = {col: facet_expr(state, col) for col in facet_columns(state)}
        return Split(
            [c for c in pruning if c is not None],
            [c for c in rows if c is not None],
            {col: e for col, e in picks.items() if e is not None},
        )

    def conditions(self, state: FilterState, skip: str | None = None) -> list[pl.Expr]:
        """The filter state as separate predicates (`split`'s, the panes' picks first;
        `skip` leaves one pane's pick and exclusion out, as `query.cheap_expr` does).
        Kept apart, each predicate that reads only stored columns is pushed into the
        Parquet scan on its own."""
        pruning, rows, picks = self.split(state)
        return [*pruning, *(e for col, e in picks.items() if col != skip), *rows]

    def _filtered(self, state: FilterState, skip: str | None = None) -> pl.LazyFrame:
        conds = self.conditions(state, skip)
        return self.lazy.filter(*conds) if conds else self.lazy

    def where(self, state: FilterState) -> pl.LazyFrame:
        """The matching rows, lazily."""
        return self._filtered(state)

    def _facet_plan(self, state: FilterState, column: str) -> pl.LazyFrame:
        # The facet's own pick left out, as query.run counts it.
        return self._filtered(state, skip=column).group_by(column).len()

    def _page_plan(
        self,
        state: FilterState,
        offset: int,
        length: int,
        sort: str | None = None,
        descending: bool = False,
    ) -> pl.LazyFrame:
        if sort is not None and sort not in self.columns:
            raise ConnlogError(f"cannot sort by {sort!r}: not a column")
        lazy = self.where(state).select(self.columns)
        if sort is not None or descending:
            # Time order (None) or a column as text, nulls last; ties keep scan order,
            # as query.sort_indices does in memory.
            key = pl.col("time") if sort in (None, "time") else pl.col(sort).cast(pl.String)
            lazy = lazy.sort(key, descending=descending, nulls_last=True, maintain_order=True)
        return lazy.slice(offset, length)

    def collect(self, plans: list[pl.LazyFrame]) -> list[pl.DataFrame]:
        """The plans collected together (Polars shares their scans); a one-line
        ConnlogError naming the source when the files cannot be read."""
        try:
            return pl.collect_all(plans)
        except (pl.exceptions.PolarsError, OSError) as exc:
            raise ConnlogError(
                f"cannot read the Parquet files ({_first_line(exc)})", self.source or None
            ) from None

    @staticmethod
    def counts_of(frame: pl.DataFrame) -> dict[str, int]:
        """A group-by's (value, count) rows as value text -> count, nulls left out."""
        return {str(v): int(n) for v, n in frame.iter_rows() if v is not None}

    # -- the questions ----------------------------------------------------------------

    def count(self, state: FilterState) -> int:
        """How many rows match."""
        (frame,) = self.collect([self.where(state).select(pl.len())])
        return int(frame.item())

    def page(
        self,
        state: FilterState,
        offset: int,
        length: int,
        sort: str | None = None,
        descending: bool = False,
    ) -> pl.DataFrame:
        """Rows `offset .. offset+length` of the view: filter, (sort), slice, collect.
        Without `sort` the rows come in scan order: files in path order (date order for
        `date=` partitions), each file in its own order."""
        (frame,) = self.collect([self._page_plan(state, offset, length, sort, descending)])
        return frame

    def facets(
        self, state: FilterState, columns: Iterable[str] = FACETS
    ) -> dict[str, dict[str, int]]:
        """For each column, the counts of its values under all the other conditions (so a
        pane shows what picking a value would give), collected together."""
        columns = list(columns)
        frames = self.collect([self._facet_plan(state, c) for c in columns])
        return {c: self.counts_of(f) for c, f in zip(columns, frames, strict=True)}

    def query(
        self,
        state: FilterState,
        offset: int = 0,
        length: int = 100,
        facets: Iterable[str] = FACETS,
        sort: str | None = None,
        descending: bool = False,
    ) -> LazyResult:
        """Count, page and facet counts in one `collect_all` (Polars shares the scans)."""
        columns = list(facets)
        plans = [
            self.where(state).select(pl.len()),
            self._page_plan(state, offset, length, sort, descending),
            *(self._facet_plan(state, c) for c in columns),
        ]
        count, page, *counts = self.collect(plans)
        return LazyResult(
            count=int(count.item()),
            page=page,
            facets={c: self.counts_of(f) for c, f in zip(columns, counts, strict=True)},
        )

    def export(
        self,
        state: FilterState,
        out: str | Path,
        *,
        guard: bool = True,
        force: bool = False,
        notes: pl.DataFrame | None = None,
        redact: bool = False,
    ) -> int:
        """Stream every matching row to `out` (CSV, JSON Lines, JSON or Parquet, by suffix;
        "-": CSV on stdout) in the bytes of `connlog export`; `redact`: masked as the whole
        view would be, after a first pass learning what to mask (logs.stream). Written a
        date partition at a time, in scan order (only a day's rows in flight), to a
        temporary file beside `out` renamed over it. Returns the rows written."""
        target = Path(out)
        fmt = format_for(str(target))
        if fmt not in ("csv", "jsonl", "json", "parquet"):
            raise ConnlogError("the lazy export writes CSV, JSON Lines, JSON or Parquet", str(out))
        if str(out) != "-" and target.exists() and not force:
            raise ConnlogError("file exists (use --force to overwrite)", str(target))
        if not target.parent.is_dir():
            raise ConnlogError("no such directory", str(target.parent))
        from connlog_tui.logs.stream import PartWriter  # pyarrow only when exporting

        try:
            with export_output(out) as fh:
                writer = PartWriter(fh, fmt, guard, redact)
                view = self.where(state)
                pieces = [view if p is None else view.filter(p) for p in self._parts(state)]
                writer.learn(pieces)  # redaction's first pass (the text columns)
                for rows in pieces:
                    if notes is not None:  # a Note column (ROW_ID, note: connlog_tui.marks)
                        rows = rows.join(notes.lazy(), on=ROW_ID, how="left", maintain_order="left")
                    writer.add(rows.select(*_CANONICAL, *([NOTE] if notes is not None else [])))
                writer.close()
            (counted,) = self.collect([self.where(state).select(pl.len())])
        except BrokenPipeError:
            raise  # stdout's reader went away (`-o - | head`): the CLI ends quietly
        except (pl.exceptions.PolarsError, OSError) as exc:
            raise ConnlogError(f"cannot export ({_first_line(exc)})", str(target)) from None
        return int(counted.item())

    def _parts(self, state: FilterState) -> list[pl.Expr | None]:
        """The export's pieces in scan order: one per date partition the state's range
        reaches (their path order is date order), or [None] (the whole view) when the
        archive has no date partitions or a file outside them."""
        if self.partition is None:
            return [None]
        column = pl.col(self.partition)
        plan = self.lazy.select(column.unique())
        if (within := partition_expr(state, self.partition)) is not None:
            plan = plan.filter(within)
        (days,) = self.collect([plan])
        found = days.to_series()
        if found.null_count():
            return [None]
        return [column == day for day in found.sort().to_list()]


__all__ = [
    "DATE_PARTITION",
    "LazyResult",
    "LazyView",
    "Split",
    "partition_expr",
    "scan_partitioned",
]
