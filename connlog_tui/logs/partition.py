"""Writing a log's matching rows as connlog's Parquet archive: one file per UTC day,
`ROOT/date=YYYY-MM-DD/events.parquet`, the layout ArchiveLog and Spark read (`date=`
prunes a date range to its days' files).

Writing into an existing archive adds days and replaces the days written again (each
day's file is renamed over the old one, so a reader sees the old day or the new one,
never half); days not in this export are not touched.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from connlog_tui.errors import ConnlogError
from connlog_tui.export import ExportOptions
from connlog_tui.logs.base import Log
from connlog_tui.query import FilterState

DAY_FILE = "events.parquet"
_DAY_END = timedelta(days=1) - timedelta(microseconds=1)


def day_states(log: Log, state: FilterState) -> list[tuple[str, FilterState]]:
    """(YYYY-MM-DD, the state narrowed to that UTC day) for each day with matches."""
    first, last = log.time_bounds()
    if first is None or last is None:
        return []
    first, last = max(first, state.since or first), min(last, state.until or last)
    day = datetime(first.year, first.month, first.day, tzinfo=UTC)
    days = []
    while day <= last:
        since = max(day, state.since) if state.since else day
        until = min(day + _DAY_END, state.until) if state.until else day + _DAY_END
        narrowed = replace(state, since=since, until=until)
        if log.count(narrowed):
            days.append((day.date().isoformat(), narrowed))
        day += timedelta(days=1)
    return days


def export_by_day(log: Log, state: FilterState, root: Path, options: ExportOptions) -> int:
    """Write `state`'s rows under `root` as one Parquet file per UTC day; the rows
    written. A day's file is replaced whole (atomically); other days are kept."""
    if root.exists() and not root.is_dir():
        raise ConnlogError("--partition-by writes a directory, and this is a file", str(root))
    if options.redact or options.provenance is not None:
        raise ConnlogError("--partition-by writes the rows as they are: no --redact, --provenance")
    root.mkdir(parents=True, exist_ok=True)
    written = 0
    for day, narrowed in day_states(log, state):
        folder = root / f"date={day}"
        folder.mkdir(exist_ok=True)
        day_options = replace(options, force=True, progress=None)
        written += log.export(narrowed, str(folder / DAY_FILE), day_options)
        if options.progress:
            options.progress(written)
    return written
