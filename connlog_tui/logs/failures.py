"""The filtered failures of any log, bounded: what triage, compare and ] / [ ask of a
log the app does not hold as a frame (an archive, a Spark table).

Triage decodes every failure's payloads (about a millisecond a row), so on a lazy or
remote log it runs on at most `MAX_TRIAGE_ROWS` failures, the newest ones, and says so.
Everything here goes through the `Log` protocol only, so each implementation gets it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import cast

import polars as pl

from connlog_tui.errors import ConnlogError, Stale
from connlog_tui.logs.base import TIME_ORDER, ExportOptions, Log
from connlog_tui.query import FilterState
from connlog_tui.schema import ROW_ID

MAX_TRIAGE_ROWS = 50_000  # failures triaged at most on a paged log: the newest ones
FAILURE = "failure"


@dataclass(frozen=True)
class Failures:
    """The newest `rows.height` of the `count` failures a filter state selects, in time
    order (page columns, payloads included)."""

    rows: pl.DataFrame
    count: int

    @property
    def note(self) -> str | None:
        """What a bounded set leaves out, in words (None when it holds every failure)."""
        shown = self.rows.height
        if shown >= self.count:
            return None
        return f"{shown:,} of {self.count:,} failures triaged (the newest {shown:,})"


def failing_state(state: FilterState) -> FilterState | None:
    """`state` narrowed to failed rows, or None when it selects none (it picks other
    outcomes only, or hides failures)."""
    picked = state.picked.get("outcome")
    if (picked and FAILURE not in picked) or FAILURE in state.excluded.get("outcome", ()):
        return None
    return state.with_picked("outcome", {FAILURE})


def _check(stale: Callable[[], bool] | None) -> None:
    if stale is not None and stale():
        raise Stale()


def bounded_failures(
    log: Log,
    state: FilterState,
    limit: int | None = None,
    stale: Callable[[], bool] | None = None,
) -> Failures:
    """The newest `limit` (default MAX_TRIAGE_ROWS) failures among the rows `state`
    selects, and how many there are: one search (counted, cancellable by `stale`) and
    one page of the log."""
    limit = MAX_TRIAGE_ROWS if limit is None else limit
    narrowed = failing_state(state)
    if narrowed is None:
        return Failures(log.page(FilterState(), 0, 0), 0)
    matches = log.search(narrowed, facets=(), stale=stale)
    _check(stale)
    first = max(0, matches.count - limit)
    return Failures(log.page(matches, first, limit, TIME_ORDER), matches.count)


# Events read around the failures to stitch their attempts, at most (the newest): the
# failures, their initiations and steps, and other completions of their applications.
MAX_ATTEMPT_EVENTS = 4 * MAX_TRIAGE_ROWS
ATTEMPT_BLOCK = 10_000  # of them read (their payloads' IDs taken, then dropped) at a time


@dataclass(frozen=True)
class Attempts:
    """The login attempts of bounded failures (`triage.ATTEMPT_SCHEMA`, only those holding
    one of them), stitched from the log's events around them, and those events (no
    payloads; failures with their diagnosis). `stitched` of the `failures` are covered:
    fewer when the events around them exceed the bound (then the newest failures')."""

    attempts: pl.DataFrame
    events: pl.DataFrame
    stitched: int
    failures: int

    @property
    def note(self) -> str | None:
        """What a bounded stitching leaves out, in words (None when it covers them all)."""
        if self.stitched >= self.failures:
            return None
        return f"attempts stitched for the newest {self.stitched:,}"


def _around(failures: pl.DataFrame, window: timedelta) -> FilterState:
    """The login events an attempt of these failures can hold: every event of their
    applications (any application when one has none) from `window` before the first to
    `window` after the last."""
    from connlog_tui.triage.message_ids import EVENT_OUTCOMES

    times = failures["time"].drop_nulls()
    first, last = cast("datetime", times.min()), cast("datetime", times.max())
    state = FilterState(since=first - window, until=last + window)
    state = state.with_picked("outcome", EVENT_OUTCOMES)
    apps = failures["app"].cast(pl.String)
    if apps.null_count():
        return state
    return state.with_picked("app", apps.unique().to_list())


def failure_attempts(
    log: Log,
    failures: pl.DataFrame,
    limit: int | None = None,
    stale: Callable[[], bool] | None = None,
) -> Attempts:
    """The attempts of `failures` (bounded_failures' rows, their diagnoses applied) as
    `triage.stitch_attempts` links them on the whole log, stitched from the events within
    PAIR_WINDOW of them (`_around`): at most `limit` (default MAX_ATTEMPT_EVENTS) of those
    events, the newest, read a block at a time (cancellable by `stale` between blocks).
    A failure whose window reaches before the events read is left out (not counted in
    `Attempts.stitched`). Completions linked by ID to an initiation further away than
    PAIR_WINDOW are not seen (a loaded log links them)."""
    from connlog_tui import triage
    from connlog_tui.triage.attempts import PAIR_WINDOW

    limit = MAX_ATTEMPT_EVENTS if limit is None else limit
    timed = failures.filter(pl.col("time").is_not_null())
    none = Attempts(pl.DataFrame(schema=triage.ATTEMPT_SCHEMA), timed.clear(), 0, failures.height)
    if timed.is_empty():
        return none
    matches = log.search(_around(timed, PAIR_WINDOW), facets=(), stale=stale)
    blocks, keys = [], []
    for offset in range(max(0, matches.count - limit), matches.count, ATTEMPT_BLOCK):
        _check(stale)
        block = log.page(matches, offset, ATTEMPT_BLOCK, TIME_ORDER)
        keys.append(triage.message_keys(block))  # the IDs, read from the payloads here
        blocks.append(block.drop("request", "response"))
    _check(stale)
    if not blocks:
        return none
    events = pl.concat(blocks)
    covered = timed
    if matches.count > limit:  # the oldest failures' windows reach past the events read
        start = cast("datetime", events["time"].min())
        covered = timed.filter(pl.col("time") >= start + PAIR_WINDOW)
    attempts = triage.stitch_attempts(events, pl.concat(keys))
    ids = covered[ROW_ID].cast(pl.UInt32).implode()
    members = attempts.select("attempt_id", "row_ids").explode("row_ids")
    held = members.filter(pl.col("row_ids").is_in(ids))["attempt_id"]
    attempts = attempts.filter(pl.col("attempt_id").is_in(held.implode()))
    events = triage.rows_with_ids(events, attempts["row_ids"].explode())
    events = _with_diagnoses(events, timed)
    return Attempts(attempts, events, covered.height, failures.height)


def _with_diagnoses(events: pl.DataFrame, failures: pl.DataFrame) -> pl.DataFrame:
    """`events` with the triaged failures' diagnosis columns. An attempt's other failures
    (outside the filters, or the bound) keep the connector's own reason."""
    shown = [c for c in failures.columns if c in ("failure_reason", "diagnosis")]
    events = events.with_columns(
        pl.lit(None, failures.schema[c]).alias(c) for c in shown if c not in events.columns
    )
    diagnosed = failures.select(pl.col(ROW_ID).cast(events.schema[ROW_ID]), *shown)
    return events.update(diagnosed, on=ROW_ID)


def nearest_successes(
    log: Log,
    app: str | None,
    moment: datetime,
    n: int,
    window: timedelta = timedelta(days=1),
    stale: Callable[[], bool] | None = None,
) -> pl.DataFrame:
    """Up to `n` successful rows of application `app` on each side of `moment` (within
    `window`), time order: the working logins a failure is compared with. Rows without
    an application are not searched for (the filter state cannot select a null)."""
    if app is None:
        return log.page(FilterState(), 0, 0)
    base = FilterState().with_picked("app", {app}).with_picked("outcome", {"success"})
    before = replace(base, since=moment - window, until=moment)
    after = replace(base, since=moment, until=moment + window)
    found = log.search(before, facets=(), stale=stale)
    _check(stale)
    earlier = log.page(found, max(0, found.count - n), n, TIME_ORDER)
    found = log.search(after, facets=(), stale=stale)
    _check(stale)
    later = log.page(found, 0, n, TIME_ORDER)
    return pl.concat([earlier, later]).unique(ROW_ID, keep="first", maintain_order=True)


def working_rows(log: Log, stale: Callable[[], bool] | None = None) -> pl.DataFrame:
    """The successful rows `triage.baselines` reads of the whole log: for each
    application, its newest successes, read back until each kind (SSO, SLO) has the
    BASELINE_SAMPLE * 4 that baselines keeps or the application has no more (at most
    MAX_TRIAGE_ROWS an application). Their baselines are the whole log's, but for rows
    without an application (a filter state cannot select a null)."""
    from connlog_tui.triage.diagnoses import BASELINE_SAMPLE, kind_expr

    wanted = BASELINE_SAMPLE * 4
    parts = []
    for app in log.distinct("app"):
        state = FilterState().with_picked("app", {app}).with_picked("outcome", {"success"})
        found = log.search(state, facets=(), stale=stale)
        n = wanted * 2
        while True:
            _check(stale)
            rows = log.page(found, max(0, found.count - n), n, TIME_ORDER)
            kinds = rows.select(kind_expr().alias("kind"))["kind"]
            enough = all((kinds == kind).sum() >= wanted for kind in ("SSO", "SLO"))
            if enough or n >= min(found.count, MAX_TRIAGE_ROWS):
                break
            n *= 4
        parts.append(rows)
    if not parts:
        return log.page(FilterState(), 0, 0)
    return pl.concat(parts, how="diagonal_relaxed").sort(ROW_ID)


def export_diagnosed(log: Log, state: FilterState, target: str, options: ExportOptions) -> int:
    """Export the rows `state` selects, failed rows with their diagnosis, as an in-memory
    log writes them: for a log that pages (an archive, Spark), which collects the rows
    here, so at most MAX_TRIAGE_ROWS of them (ConnlogError naming the count beyond)."""
    from connlog_tui import triage
    from connlog_tui.export import export

    count = log.count(state)
    if count > MAX_TRIAGE_ROWS:
        raise ConnlogError(
            f"diagnoses (--diagnose, --failures-only) decode at most {MAX_TRIAGE_ROWS:,} "
            f"rows of this {log.describe().kind}; these filters select {count:,}: narrow them "
            "(--since, --until, --app)"
        )
    rows = log.page(state, 0, count, TIME_ORDER)
    failing = rows.select(pl.arg_where(pl.col("outcome") == FAILURE)).to_series()
    if not failing.is_empty():
        baseline = triage.baselines(working_rows(log))
        found = triage.diagnose_rows(rows, failing, baseline=baseline)
        rows = triage.apply_diagnoses(rows, found)
    return export(rows, target, replace(options, diagnose=False))
