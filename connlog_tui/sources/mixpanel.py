"""Mixpanel connector run history: responses of
`GET /api/app/projects/{projectId}/connectors/{connectorId}/history`
(`{"status": "ok", "results": {"data": [run, ...], "has_more": ..., "url": ...}}`), one
response or many (JSON Lines, an array of responses, or pretty documents one after
another). Each run is a row: queued / running / success / failed; `0001-01-01 00:00:00
+0000 UTC` and "" mean a time is not set yet; a failed run's error message is its reason.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, cast

from connlog_tui.sources.base import ReadResult, Source
from connlog_tui.sources.jsonrecords import (
    compact,
    dig,
    first,
    keys_lower,
    read_records,
    result_from_rows,
    sniff_records,
    text,
)

OUTCOMES = {
    "success": "success",
    "succeeded": "success",
    "failed": "failure",
    "queued": "pending",
    "running": "pending",
}
COUNTS = (
    ("num_events_imported", "events imported"),
    ("num_events_processed", "events processed"),
    ("num_events_dropped", "events dropped"),
    ("num_files_imported", "files imported"),
    ("size_imported", "bytes imported"),
)


def set_time(value: Any) -> str | None:
    """A run time, or None when Mixpanel reports it as not set."""
    value = text(value)
    if not value or value.strip().startswith("0001-01-01"):
        return None
    return value.strip()


def to_row(run: dict, observed: str | None = None) -> dict[str, Any]:
    status = (text(dig(run, "status")) or "").lower()
    outcome = OUTCOMES.get(status, "info")
    start, end = set_time(dig(run, "start_time")), set_time(dig(run, "end_time"))
    parts = []
    run_id = text(first(run, "id", "run_id"))
    if run_id:
        parts.append(f"run {run_id}")
    parts.append(f"status {status or '?'}")
    progress = dig(run, "progress")
    if isinstance(progress, int | float) and not isinstance(progress, bool):
        parts.append(f"progress {progress:.0%}")
    for key, label in COUNTS:
        value = dig(run, f"connector_properties.{key}")
        if value is not None:
            parts.append(f"{label} {text(value)}")
    if end:
        parts.append(f"ended {end}")
    time = start or end
    if time is None and observed:
        # Not started yet (queued): it comes after every run the file knows of.
        parts.append(f"start time not set (placed at {observed}, the newest time known)")
        time = observed
    reason = None
    if outcome == "failure":
        message = text(dig(run, "error.message"))
        code = text(dig(run, "error.code"))
        reason = message or "failed without an error message"
        if code:
            reason = f"{reason} (code {code})"
    return {
        "time": time,
        "app": "Mixpanel",
        "action": "Import run",
        "request_type": "Connector run",
        "user": None,
        "request": "; ".join(parts),
        "outcome": outcome,
        "reason": reason,
        "ip": None,
        "response": compact(run),
    }


def is_run(record: dict) -> bool:
    keys = keys_lower(record)
    return {"status", "start_time"} <= keys and bool(
        keys & {"connector_properties", "progress", "end_time", "error"}
    )


def _newest(runs: list[tuple[int, dict]]) -> str | None:
    """The newest start or end time among the runs (as text), if any is set."""
    import polars as pl

    from connlog_tui.timeparse import parse_times

    known = [
        t
        for _, run in runs
        for t in (set_time(dig(run, "start_time")), set_time(dig(run, "end_time")))
        if t
    ]
    if not known:
        return None
    newest = cast("datetime | None", parse_times(pl.Series(known, dtype=pl.String)).max())
    return newest.isoformat() if newest is not None else None


def _modified(source: Source) -> str:
    return datetime.fromtimestamp(source.path.stat().st_mtime, UTC).isoformat()


SIGNATURE = {"status", "start_time", "end_time", "progress", "connector_properties", "error"}


class MixpanelReader:
    name = "mixpanel"
    description = "Mixpanel connector run history (API responses, one or many)"

    def sniff(self, source: Source) -> float:
        return sniff_records(source, is_run, SIGNATURE)

    def read(self, source: Source) -> ReadResult:
        good, bad = read_records(source)
        runs = []
        for line, run in good:
            if is_run(run):
                runs.append((line, run))
            else:
                bad.append((line, "not a connector run", compact(run)[:2000]))
        rows, lines = [], []
        observed = _newest(runs) or _modified(source)
        for line, run in runs:
            rows.append(to_row(run, observed))
            lines.append(line)
        return result_from_rows(source, self.name, rows, lines, bad)
