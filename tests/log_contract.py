"""What every `logs.Log` implementation must answer as the in-memory log does, on the same
rows: counts, facet counts, pages in every order, rows by key, and export bytes. A new
implementation's tests call these with a `MemoryLog` of the rows it serves (see
tests/test_logs.py for the archive's)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import polars as pl
from polars.testing import assert_frame_equal

from connlog_tui.export import export
from connlog_tui.logs import PAGE_COLUMNS, ExportOptions, Log, Sort
from connlog_tui.logs.failures import Attempts
from connlog_tui.logs.memory import MemoryLog
from connlog_tui.query import FilterState
from connlog_tui.schema import conform
from connlog_tui.sources import load

FACET_COLUMNS = ("action", "app", "request_type", "source", "outcome", "ip")
T = datetime(2026, 3, 4, 6, tzinfo=UTC)  # inside the demo logs' eight days
# Filter states over the demo logs (connlog_tui/data), each selecting some rows.
STATES = {
    "everything": FilterState(),
    "failures": FilterState().with_picked("outcome", {"failure"}),
    "two picks": FilterState()
    .with_picked("action", {"SSO Failed"})
    .with_picked("app", {"Salesforce (SAML)", "Workday (SAML)"}),
    "user": FilterState(user="  BENJAMIN"),
    "range": FilterState(since=T, until=T + timedelta(days=2, hours=3)),
    "payload search": FilterState(search="invalid"),
    "search and range": FilterState(search="samlResponse", since=T),
    "nothing": FilterState(search="no such text anywhere"),
    "exclusions": FilterState(exclude_user="benjamin", exclude_search="okta")
    .with_excluded("action", {"SSO Initiated"})
    .with_picked("outcome", {"failure", "success"}),
    "regex": FilterState(regex=r"saml(request|response)=", since=T),
}
# What n / N (a search) and } / { (marked rows' keys) look for in a view.
FINDS = (
    FilterState(search="invalid"),
    FilterState(regex=r"saml(request|response)="),
    FilterState(search="no such text anywhere"),
    frozenset({3, 40, 41, 700, 1500, 2300}),  # marked rows, some outside the views
)
SORTS = (
    Sort(),
    Sort(descending=True),
    Sort("app"),
    Sort("app", descending=True),
    Sort("user", descending=True),
    Sort("ip"),
)


DAY_END = timedelta(days=1) - timedelta(microseconds=1)

# A token and an address in two days' text: on the first where the pattern does not find
# them (run on from a word character, so its word boundary fails), on the second where it
# does. A redaction of the whole view masks them on both days.
TOKEN, ADDRESS = "Zx9fQ2abc", "10.20.30.40"
RUN_ON = f"retried with upstream_access_token={TOKEN} via gw{ADDRESS}"
FOUND = f"GET /cb?access_token={TOKEN} from {ADDRESS}"


def write_run_on_archive(root: Path) -> MemoryLog:
    """The two days as an archive (root/date=DAY/day.parquet), and loaded in memory."""
    day, rows, paths = datetime(2026, 3, 2, 9, tzinfo=UTC), 6, []
    frame = pl.DataFrame(
        {
            "time": [day + timedelta(hours=5 * i) for i in range(rows)],  # 3 rows a day
            "app": ["Okta"] * rows,
            "action": ["SSO Failed"] * rows,
            "request_type": ["Authentication-Applications"] * rows,
            "user": ["ops@example.com"] * rows,
            "request": [None, None, "GET /", FOUND, None, None],
            "response": [RUN_ON, None, "ok", None, "denied", None],
            "reason": [None, RUN_ON, None, None, None, FOUND],
            "ip": ["10.0.0.1"] * rows,
        }
    )
    frame = conform(frame, source="okta.csv", format="okta")
    for (date,), part in frame.group_by(pl.col("time").dt.date(), maintain_order=True):
        folder = root / f"date={date}"
        folder.mkdir(parents=True)
        export(part, str(folder / "day.parquet"))
        paths.append(str(folder / "day.parquet"))
    assert len(paths) == 2
    return MemoryLog.from_loaded(load(paths, use_cache=False), paths)


def assert_redacted_exports_agree(reference: Log, other: Log, tmp_path: Path, suffix: str) -> None:
    """A redacted export of the run-on archive is the reference's, bytes (Parquet: rows)
    and count, with the masks keyed alike (the caller fixes Redactor's key), and holds
    neither the token nor the address."""
    options, state = ExportOptions(redact=True), FilterState()
    mine, theirs = tmp_path / f"m{suffix}", tmp_path / f"o{suffix}"
    assert other.export(state, str(theirs), options) == reference.export(state, str(mine), options)
    if suffix == ".parquet":
        assert_frame_equal(pl.read_parquet(theirs), pl.read_parquet(mine), categorical_as_str=True)
    else:
        assert theirs.read_bytes() == mine.read_bytes()
    data = theirs.read_bytes()
    assert TOKEN.encode() not in data and ADDRESS.encode() not in data
    assert b"upstream_access_token=token-" in data  # masked, not dropped


def write_archive(log: Log, root: Path) -> Path:
    """One `connlog export` Parquet file per UTC day of the log: root/date=DAY/day.parquet."""
    first, last = log.time_bounds()
    assert first is not None and last is not None
    day = datetime(first.year, first.month, first.day, tzinfo=UTC)
    while day <= last:
        folder = root / f"date={day.date()}"
        folder.mkdir(parents=True)
        state = FilterState(since=day, until=day + DAY_END)
        log.export(state, str(folder / "day.parquet"), ExportOptions())
        day += timedelta(days=1)
    return root


def comparable(frame: pl.DataFrame) -> pl.DataFrame:
    """A page's PAGE_COLUMNS, categoricals as text (each log has its own category pool)."""
    return frame.select(PAGE_COLUMNS).with_columns(
        pl.col(name).cast(pl.String)
        for name, dtype in frame.schema.items()
        if isinstance(dtype, pl.Categorical | pl.Enum)
    )


def assert_counts_agree(reference: Log, other: Log, state: FilterState) -> None:
    assert other.count(state) == reference.count(state)
    assert other.facets(state, FACET_COLUMNS) == reference.facets(state, FACET_COLUMNS)
    assert other.search(state, facets=FACET_COLUMNS) == reference.search(
        state, facets=FACET_COLUMNS
    )


def assert_pages_agree(reference: Log, other: Log, state: FilterState, n: int = 5) -> None:
    """Pages at the start, middle and end, in every order of SORTS."""
    count = reference.count(state)
    for sort in SORTS:
        for offset in sorted({0, count // 2, max(count - 2, 0)}):
            mine = reference.page(state, offset, n, sort)
            assert mine.height == max(min(n, count - offset), 0)
            assert_frame_equal(comparable(other.page(state, offset, n, sort)), comparable(mine))


def assert_rows_agree(reference: Log, other: Log, keys) -> None:
    """Rows by key, payloads included; compared as text (datetimes and categories alike)."""
    for key in keys:
        mine, theirs = reference.row(key), other.row(key)
        assert {k: str(v) for k, v in theirs.items()} == {k: str(v) for k, v in mine.items()}


def assert_exports_agree(
    reference: Log, other: Log, state: FilterState, folder: Path, suffix: str = ".csv"
) -> None:
    """The same bytes (Parquet: the same rows) and the same row count."""
    mine, theirs = folder / f"reference{suffix}", folder / f"other{suffix}"
    written = reference.export(state, str(mine), ExportOptions())
    assert other.export(state, str(theirs), ExportOptions()) == written == reference.count(state)
    if suffix == ".parquet":
        assert_frame_equal(pl.read_parquet(theirs), pl.read_parquet(mine), categorical_as_str=True)
    else:
        assert theirs.read_bytes() == mine.read_bytes()


def assert_attempts_agree(
    reference: MemoryLog, other: Log, state: FilterState, limit: int | None = None
) -> Attempts:
    """Paged triage's attempts of `state`'s bounded failures on `other` are those that
    stitching the whole loaded log gives them, their events' text included (the detail
    panel's Attempt tab); a failure left out by `limit` has none. Returns them."""
    from connlog_tui import triage
    from connlog_tui.logs.failures import bounded_failures, failure_attempts, working_rows
    from connlog_tui.ui.detail import render_attempt
    from connlog_tui.ui.paged_triage import SHOWN

    frame = reference.frame
    whole = triage.stitch_attempts(frame)
    frame = triage.apply_diagnoses(frame, triage.diagnose_rows(frame), columns=SHOWN)
    found = bounded_failures(other, state)
    baseline = triage.baselines(working_rows(other))
    rows = found.rows
    rows = triage.apply_diagnoses(rows, triage.diagnose_rows(rows, baseline=baseline), SHOWN)
    got = failure_attempts(other, rows, limit=limit)
    assert got.failures == rows.height > 0
    stitched = 0
    for key in rows["row_id"]:
        mine = triage.attempt_of(got.attempts, key)
        if mine is None:
            continue
        stitched += 1
        want = triage.attempt_of(whole, key)
        assert mine == want
        events = [
            triage.rows_with_ids(f, want["row_ids"]).sort("time") for f in (frame, got.events)
        ]
        assert render_attempt((mine, events[1].to_dicts())) == render_attempt(
            (want, events[0].to_dicts())
        )
    assert stitched == got.stitched
    return got


def expected_next(view: list[int], found: set[int], position: int | None, step: int):
    """n / N worked out by hand over the view's keys in order: the nearest row after
    (before) `position` whose key is found, else round from the other end."""
    hits = [at for at, key in enumerate(view) if key in found]
    if not hits:
        return None
    if position is None:
        return hits[0] if step > 0 else hits[-1]
    if step > 0:
        return next((at for at in hits if at > position), hits[0])
    return next((at for at in reversed(hits) if at < position), hits[-1])


def assert_next_match_agrees(reference: Log, other: Log, state: FilterState, finds) -> None:
    """`next_match` of both logs is the nearest matching position worked out from the
    reference's pages, in every order of SORTS, from either end and the middle."""
    count = reference.count(state)
    for sort in SORTS:
        view = reference.page(state, 0, count, sort)["row_id"].to_list()
        for find in finds:
            if isinstance(find, FilterState):
                found = set(reference.page(find, 0, reference.count(find))["row_id"].to_list())
            else:
                found = set(find)
            for position in (None, 0, count // 2, max(count - 1, 0)):
                for step in (1, -1):
                    want = expected_next(view, found, position, step)
                    assert reference.next_match(state, sort, find, position, step) == want
                    assert other.next_match(state, sort, find, position, step) == want
