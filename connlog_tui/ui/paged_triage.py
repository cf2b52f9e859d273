"""Triage, compare and ] / [ on a log the app pages through the seam (an archive, a
Spark table): the work a worker does, asking the log only (`logs.failures`), and the
message it ends with. Bounded as logs/failures.py says; cancellable between steps.

Triage also stitches the triaged failures' login attempts from the events around them
(`logs.failures.failure_attempts`, bounded too), for the detail panel's Attempt tab.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import polars as pl

from connlog_tui import triage
from connlog_tui.errors import Stale
from connlog_tui.logs import Log
from connlog_tui.logs.failures import (
    MAX_TRIAGE_ROWS,
    Failures,
    bounded_failures,
    failure_attempts,
    nearest_successes,
    working_rows,
)
from connlog_tui.query import FilterState
from connlog_tui.ui import messages as msg
from connlog_tui.ui.log_rows import BLOCK, LogRows

SHOWN = ("failure_reason", "diagnosis")  # the diagnosis columns the triage screen reads


def triage_failures(
    log: Log,
    state: FilterState,
    stale: Callable[[], bool],
    progress: Callable[[str], None],
) -> msg.FailuresTriaged:
    """The newest MAX_TRIAGE_ROWS failures `state` selects, diagnosed, and their login
    attempts stitched: raises Stale when `stale()` turns True between steps (a search, a
    page, 200 rows decoded, a block of the events around the failures)."""
    progress("reading failures")
    found = bounded_failures(log, state, stale=stale)
    if stale():
        raise Stale()
    # What each app's working logins use, judged on the whole log as in memory.
    baseline = triage.baselines(working_rows(log, stale))
    parts, done = [], 0
    for part in triage.iter_diagnoses(
        found.rows, chunk=1000, step=200, between=stale, baseline=baseline
    ):
        parts.append(part)
        done += part.height
        progress(f"diagnosing failures {done:,}/{found.rows.height:,}")
    if stale():
        raise Stale()
    rows = found.rows
    if parts:
        rows = triage.apply_diagnoses(rows, pl.concat(parts), columns=SHOWN)
    progress("linking login attempts")
    attempts = failure_attempts(log, rows, stale=stale)
    return msg.FailuresTriaged(state, Failures(rows, found.count), attempts)


def compare_failure(log: Log, key: int, stale: Callable[[], bool]) -> msg.CompareReady:
    """The failed row `key` beside the nearest successful login of its app, from the
    successes within a day either side of it (MAX_CANDIDATES * 4 each side)."""
    # Here, not at the top: triage.compare brings the payload decoders, which the app's
    # start-up leaves out (see triage/__init__.py).
    from connlog_tui.triage.compare import MAX_CANDIDATES

    failed = log.row(key)
    near = nearest_successes(
        log, failed.get("app"), failed["time"], MAX_CANDIDATES * 4, stale=stale
    )
    frame = pl.concat([log.page(FilterState(), 0, 0), near], how="diagonal_relaxed")
    row = pl.DataFrame([failed], schema=frame.schema)
    comparison = triage.compare_with_working(pl.concat([row, frame]), key)
    found = comparison.working_row_id
    working = log.row(found) if comparison.found_working and found is not None else None
    return msg.CompareReady(comparison, failed, working)


def _positions(count: int, start: int | None, direction: int) -> Iterator[int]:
    """Every position of the view once, from the one after `start` in `direction`,
    wrapping round."""
    first = (-1 if direction > 0 else count) if start is None else start
    for step in range(1, count + 1):
        yield (first + step * direction) % count


def next_failure(
    rows: LogRows, start: int | None, direction: int, stale: Callable[[], bool]
) -> msg.FailureFound:
    """The position of the next failed row of the view from `start` (wrapping round),
    reading at most MAX_TRIAGE_ROWS rows a block at a time; and whether it wrapped."""
    block: tuple[int, pl.Series] | None = None
    for seen, at in enumerate(_positions(rows.count, start, direction)):
        if stale():
            raise Stale()
        if seen >= MAX_TRIAGE_ROWS:
            return msg.FailureFound(None, False)
        number = at // BLOCK
        if block is None or block[0] != number:
            block = number, rows.page(number * BLOCK, BLOCK)["outcome"].cast(pl.String)
        if block[1][at - number * BLOCK] == "failure":
            wrapped = start is not None and (at - start) * direction < 0
            return msg.FailureFound(at, wrapped)
    return msg.FailureFound(None, False)
