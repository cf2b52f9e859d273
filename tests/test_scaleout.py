"""The scale-out path: the in-memory filter state, run lazily over hive-partitioned Parquet.

Each test writes a small `date=YYYY-MM-DD/` dataset (connlog's own Parquet exports, or
canonical-name files from `write_parquet(partition_by=...)`) and checks the lazy answers
against `query.run` on the same rows loaded in memory, and that the filters reach the scan.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from connlog_tui import query
from connlog_tui.errors import ConnlogError
from connlog_tui.export import export
from connlog_tui.query import FilterState
from connlog_tui.scaleout import LazyView, partition_expr, scan_partitioned
from connlog_tui.schema import COLUMNS, HEADERS, USER_KEY, conform
from connlog_tui.sources import load

CANONICAL = list(HEADERS)
T0 = datetime(2026, 3, 1, tzinfo=UTC)
DAYS = 6


def make_log(rows: int = 120) -> pl.DataFrame:
    """A canonical log over DAYS days, one event every 1h12m (distinct times)."""
    apps = ["Okta", "Salesforce", "Zoom", "Slack"]
    actions = ["SSO Failed", "SSO Initiated", "SSO Success"]
    users = ["Jo@Example.com", " jo@example.com", "amy@example.com", "Bob+sso@example.com", None]
    frame = pl.DataFrame(
        {
            "time": [T0 + timedelta(minutes=72 * i) for i in range(rows)],
            "app": [apps[i % 4] for i in range(rows)],
            "action": [actions[(i * 7) % 3] for i in range(rows)],
            "request_type": [
                "Authentication-Applications" if i % 2 else "API" for i in range(rows)
            ],
            "user": [users[i % 5] for i in range(rows)],
            "request": [f"<samlp:AuthnRequest ID='{i}'/>" for i in range(rows)],
            "response": [
                None if i % 6 == 0 else f"status {i % 9} InvalidNameID" for i in range(rows)
            ],
            "ip": [f"10.0.0.{i % 11}" for i in range(rows)],
        }
    )
    return conform(frame, source="connector.csv", format="mangoapps")


def day_of(frame: pl.DataFrame) -> pl.Expr:
    return pl.col("time").dt.date()


def write_exports(frame: pl.DataFrame, root: Path, days: set[int] | None = None) -> list[Path]:
    """One `connlog export` Parquet file per day: `root/date=YYYY-MM-DD/day.parquet`."""
    paths = []
    for (day,), part in frame.group_by(day_of(frame), maintain_order=True):
        if days is not None and day.day not in days:
            continue
        folder = root / f"date={day}"
        folder.mkdir(parents=True, exist_ok=True)
        export(part, str(folder / "day.parquet"))
        paths.append(folder / "day.parquet")
    return paths


def write_canonical(frame: pl.DataFrame, root: Path, days: set[int] | None = None) -> None:
    """Canonical column names, partitioned by Polars itself (`date=.../*.parquet`)."""
    data = frame.with_columns(day_of(frame).alias("date"))
    if days is not None:
        data = data.filter(pl.col("date").dt.day().is_in(sorted(days)))
    data.write_parquet(root, partition_by="date")


@pytest.fixture
def log() -> pl.DataFrame:
    return make_log()


@pytest.fixture
def dataset(tmp_path: Path, log: pl.DataFrame) -> tuple[Path, pl.DataFrame]:
    """The exported dataset and the same files loaded in memory by connlog's readers."""
    root = tmp_path / "connlog"
    paths = write_exports(log, root)
    memory = load([str(p) for p in paths], use_cache=False).frame
    assert memory.height == log.height
    return root, memory


SINCE, UNTIL = datetime(2026, 3, 2, 6, tzinfo=UTC), datetime(2026, 3, 4, 18, tzinfo=UTC)
STATES = {
    "everything": FilterState(),
    "date range": FilterState(since=SINCE, until=UNTIL),
    "since only": FilterState(since=datetime(2026, 3, 5, tzinfo=UTC)),
    "picks and user": FilterState(user=" JO@", since=SINCE).with_picked("app", ["Okta", "Zoom"]),
    "two picks": FilterState()
    .with_picked("action", ["SSO Failed"])
    .with_picked("request_type", ["API"]),
    "search": FilterState(search="invalidnameid", until=UNTIL),
    "search payload": FilterState(search="ID='7'"),
    "nothing": FilterState(search="no such text anywhere"),
    "excluded and picked": FilterState()
    .with_excluded("app", ["Okta"])
    .with_picked("action", ["SSO Failed", "SSO Success"])
    .with_excluded("action", ["SSO Success"]),
    "excluded user": FilterState(exclude_user="jo@"),
    "negated search": FilterState(exclude_search="invalidnameid", since=SINCE),
    "regex": FilterState(regex=r"status [0-3] INVALID"),
}


def as_text(frame: pl.DataFrame) -> pl.DataFrame:
    """Categoricals compared by value, whichever frame they came from."""
    return frame.with_columns(pl.col(pl.Categorical, pl.Enum).cast(pl.String))


@pytest.mark.parametrize("name", list(STATES))
def test_lazy_answers_equal_the_in_memory_query(dataset, name):
    root, memory = dataset
    state = STATES[name]
    view = LazyView.open(root)
    expected = query.run(memory, state)

    assert view.count(state) == expected.count
    assert view.facets(state) == expected.facets
    for offset, length in ((0, 10), (7, 25), (expected.count - 3, 50)):
        offset = max(offset, 0)
        want = query.rows(memory, expected.indices, offset, length).select(*CANONICAL, USER_KEY)
        assert_frame_equal(as_text(view.page(state, offset, length)), as_text(want))


@pytest.mark.parametrize(("column", "descending"), [("app", False), ("user", True), ("time", True)])
def test_sorted_pages_equal_the_in_memory_sort(dataset, column, descending):
    root, memory = dataset
    state = STATES["date range"]
    view = LazyView.open(root)
    result = query.run(memory, state)
    order = query.sort_indices(memory, result.indices, column, descending)
    want = query.rows(memory, order, 5, 20).select(*CANONICAL, USER_KEY)
    got = view.page(state, 5, 20, sort=column, descending=descending)
    assert_frame_equal(as_text(got), as_text(want))


def test_one_pass_query_equals_the_separate_questions(dataset):
    root, _ = dataset
    state = STATES["picks and user"]
    view = LazyView.open(root)
    result = view.query(state, offset=2, length=5)
    assert result.count == view.count(state)
    assert result.facets == view.facets(state)
    assert_frame_equal(result.page, view.page(state, 2, 5))


def _scan_part(plan: str) -> tuple[str, str]:
    """The optimised plan split into what runs above the Parquet scan and the scan."""
    above, _, scan = plan.partition("Parquet SCAN")
    assert scan, plan
    return above, scan


def test_date_range_and_picks_are_pushed_into_the_scan(dataset):
    root, _ = dataset
    view = LazyView.open(root)
    state = FilterState(since=SINCE, until=UNTIL).with_picked("app", ["Okta"])
    plan = view.where(state).explain(optimized=True)
    above, scan = _scan_part(plan)
    selection = scan[scan.index("SELECTION") :]
    # The hive partition (whole files skipped) and the row conditions, on the stored
    # columns (`Date` is the export's header for `time`), are all evaluated by the scan...
    assert re.search(r'col\("date"\) >= 2026-03-01', selection), plan
    assert re.search(r'col\("date"\) <= 2026-03-05', selection), plan
    assert 'col("Date") >= 2026-03-02 06:00:00' in selection, plan
    assert 'col("Date") <= 2026-03-04 18:00:00' in selection, plan
    assert "Okta" in selection, plan
    # ...and nothing is left to filter above it.
    assert "FILTER" not in above, plan
    # The page query keeps the slice on top of the same pushed-down scan.
    page_plan = view._page_plan(state, 0, 10).explain(optimized=True)
    assert "SLICE" in page_plan and 'col("date") >= 2026-03-01' in page_plan, page_plan


def test_pruned_partitions_are_never_opened(tmp_path, log):
    """Proof by sabotage: after the view is opened, the last day's file is overwritten
    with garbage. A date range that excludes that day still answers (its file is skipped
    by partition pruning, never read); one that includes it fails with a clear error."""
    root = tmp_path / "connlog"
    paths = write_exports(log, root)
    view = LazyView.open(root)
    last = paths[-1]
    assert "date=2026-03-06" in str(last)
    last.write_bytes(b"not parquet at all" * 10)

    early = FilterState(until=datetime(2026, 3, 3, 12, tzinfo=UTC))
    memory = load([str(p) for p in paths[:-1]], use_cache=False).frame
    assert view.count(early) == query.run(memory, early).count > 0
    assert view.facets(early) == query.run(memory, early).facets
    with pytest.raises(ConnlogError) as caught:
        view.count(FilterState(since=datetime(2026, 3, 5, 6, tzinfo=UTC)))
    assert "\n" not in str(caught.value)
    assert str(root) in str(caught.value)


def test_partition_slack_keeps_rows_filed_under_a_local_date(tmp_path, log):
    """A dataset partitioned by a local date (UTC-5 here) still answers exactly: the
    partition condition has a day of slack, the `time` condition decides."""
    local = log.with_columns(
        pl.col("time").dt.convert_time_zone("America/New_York").dt.date().alias("date")
    )
    local.write_parquet(tmp_path / "ny", partition_by="date")
    view = LazyView.open(tmp_path / "ny")
    memory = load_frame(log)
    for state in (STATES["date range"], STATES["since only"], STATES["picks and user"]):
        assert view.count(state) == query.run(memory, state).count
        assert view.facets(state) == query.run(memory, state).facets


def load_frame(frame: pl.DataFrame) -> pl.DataFrame:
    from connlog_tui.schema import finish

    return finish(frame)


def test_partition_expr_is_the_date_range_with_a_day_of_slack():
    assert partition_expr(FilterState()) is None
    frame = pl.DataFrame({"date": [datetime(2026, 3, d).date() for d in range(1, 8)]})
    state = FilterState(since=datetime(2026, 3, 3, 23, tzinfo=UTC), until=SINCE)
    assert frame.filter(partition_expr(state))["date"].dt.day().to_list() == [2, 3]
    state = FilterState(since=datetime(2026, 3, 3, 1, tzinfo=UTC))
    assert frame.filter(partition_expr(state))["date"].min().day == 2
    state = FilterState(until=datetime(2026, 3, 3, 1, tzinfo=UTC))
    assert frame.filter(partition_expr(state))["date"].max().day == 4


def test_canonical_names_and_polars_partitioning(tmp_path, log):
    write_canonical(log, tmp_path / "canon")
    lazy = scan_partitioned(tmp_path / "canon")
    assert lazy.collect_schema().names()[: len(CANONICAL) + 1] == [*CANONICAL, USER_KEY]
    assert lazy.collect_schema()["date"] == pl.Date
    view = LazyView(lazy)
    memory = load_frame(log)
    for state in STATES.values():
        expected = query.run(memory, state)
        assert view.count(state) == expected.count
        assert view.facets(state) == expected.facets
    plan = view.where(STATES["date range"]).explain()
    _, scan = _scan_part(plan)
    assert 'col("time") >= 2026-03-02 06:00:00' in scan, plan


def test_mixed_exports_and_canonical_files_stack(tmp_path, log):
    """Some days exported by connlog (display headers), some written by a pipeline with
    canonical names, one of them missing a column: one dataset all the same."""
    root = tmp_path / "mixed"
    write_exports(log, root, days={1, 2, 3})
    older = log.drop("diagnosis", "ip")
    write_canonical(older, root, days={4, 5, 6})
    view = LazyView.open(root)
    memory = load_frame(log.with_columns(pl.lit(None, pl.String).alias("ip")))
    memory = memory.with_columns(
        pl.when(pl.col("time").dt.day() <= 3).then(log["ip"]).otherwise(None).alias("ip")
    )
    for state in STATES.values():
        expected = query.run(memory, state)
        assert view.count(state) == expected.count
        assert view.facets(state) == expected.facets
        want = query.rows(memory, expected.indices, 0, 200).select(*CANONICAL, USER_KEY)
        assert_frame_equal(as_text(view.page(state, 0, 200)), as_text(want))


def test_plus_addressing_user_key(tmp_path, log):
    write_exports(log, tmp_path / "ds")
    view = LazyView.open(tmp_path / "ds", plus_addressing=True)
    assert view.count(FilterState(user="bob@example.com")) == log.height // 5
    assert LazyView.open(tmp_path / "ds").count(FilterState(user="bob@example.com")) == 0


@pytest.mark.parametrize("suffix", [".csv", ".jsonl", ".parquet"])
def test_streamed_export_matches_connlog_export(dataset, tmp_path, suffix):
    root, memory = dataset
    state = STATES["picks and user"]
    view = LazyView.open(root)
    lazy_out, memory_out = tmp_path / f"lazy{suffix}", tmp_path / f"memory{suffix}"
    written = view.export(state, lazy_out)
    expected = query.run(memory, state)
    assert written == expected.count > 0
    export(query.view_frame(memory, expected.indices), str(memory_out))
    if suffix == ".parquet":
        got, want = pl.read_parquet(lazy_out), pl.read_parquet(memory_out)
        assert got.columns == [c.header for c in COLUMNS]
        assert_frame_equal(got, want)
    else:
        assert lazy_out.read_bytes() == memory_out.read_bytes()
    # Atomic: nothing but the outputs in the directory, no temporary files left over.
    assert sorted(p.name for p in tmp_path.iterdir() if p.is_file()) == sorted(
        [lazy_out.name, memory_out.name]
    )


def test_export_keeps_an_existing_file_unless_forced(dataset, tmp_path):
    root, _ = dataset
    view = LazyView.open(root)
    out = tmp_path / "out.csv"
    out.write_text("keep me")
    with pytest.raises(ConnlogError, match="file exists"):
        view.export(FilterState(), out)
    assert out.read_text() == "keep me"
    assert view.export(FilterState(), out, force=True) == 120
    assert out.read_text().startswith("Date,Application To/From")
    with pytest.raises(ConnlogError, match="no such directory"):
        view.export(FilterState(), tmp_path / "missing" / "out.csv")


def test_empty_result_exports_a_valid_file(dataset, tmp_path):
    root, _ = dataset
    view = LazyView.open(root)
    assert view.export(STATES["nothing"], tmp_path / "none.parquet") == 0
    back = pl.read_parquet(tmp_path / "none.parquet")
    assert back.height == 0 and back.columns == [c.header for c in COLUMNS]


def one_line_error(call) -> str:
    with pytest.raises(ConnlogError) as caught:
        call()
    message = str(caught.value)
    assert "\n" not in message
    return message


def test_clear_errors_name_the_path(tmp_path, log):
    empty = tmp_path / "empty"
    (empty / "date=2026-03-01").mkdir(parents=True)
    message = one_line_error(lambda: scan_partitioned(empty))
    assert str(empty) in message and "no Parquet files" in message

    missing = tmp_path / "missing"
    assert str(missing) in one_line_error(lambda: scan_partitioned(missing))

    root = tmp_path / "ds"
    paths = write_exports(log, root)
    paths[2].write_bytes(b"PAR1 this is not a parquet file")
    message = one_line_error(lambda: LazyView.open(root))
    assert str(paths[2]) in message and "not a readable Parquet file" in message


def test_hidden_and_temporary_files_are_skipped(tmp_path, log):
    root = tmp_path / "ds"
    write_exports(log, root)
    (root / "date=2026-03-01" / ".day.parquet.x1y2.tmp.parquet").write_bytes(b"partial")
    (root / "_temporary").mkdir()
    (root / "_temporary" / "part.parquet").write_bytes(b"partial")
    assert LazyView.open(root).count(FilterState()) == log.height


def test_a_glob_selects_partitions(tmp_path, log):
    root = tmp_path / "ds"
    write_exports(log, root)
    view = LazyView.open(f"{root}/date=2026-03-0[12]/*.parquet")
    assert view.partition == "date"
    memory = load_frame(log.filter(pl.col("time").dt.day() <= 2))
    for state in STATES.values():
        assert view.count(state) == query.run(memory, state).count
    with pytest.raises(ConnlogError, match="not a column"):
        view.page(FilterState(), 0, 10, sort="nope")


def test_url_roots_take_the_object_storage_path(dataset, tmp_path):
    """A `file://` URL goes through the same code as `s3://...` (one glob scan with hive
    partitioning, storage options passed through), without a network."""
    root, memory = dataset
    (root / "date=2026-03-01" / ".partial.parquet").write_bytes(b"partial")
    view = LazyView.open(root.as_uri(), storage_options={})
    assert view.partition == "date"
    for state in STATES.values():
        expected = query.run(memory, state)
        assert view.count(state) == expected.count
        assert view.facets(state) == expected.facets
    plan = view.where(STATES["date range"]).explain()
    _, scan = _scan_part(plan)
    assert 'col("date") >= 2026-03-01' in scan and 'col("Date") >= 2026-03-02' in scan, plan
    message = one_line_error(lambda: scan_partitioned((tmp_path / "nothing").as_uri()))
    assert "no Parquet files found" in message and "nothing" in message


def test_scaleout_is_data_layer_only():
    """Usable without Textual, like the rest of the data layer (see test_layering)."""
    import subprocess
    import sys

    code = (
        "import sys, connlog_tui.scaleout\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('textual', 'rich')))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
