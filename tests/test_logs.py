"""The log seam: an in-memory log (eager and lean) and a Parquet archive of the same rows
answer every question identically.

The rows are the shipped demo logs (two formats, eight days, tied times); the archive is
built from them with connlog's own Parquet export, one file per UTC day.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import polars as pl
import pytest
from log_contract import (
    FINDS,
    SORTS,
    STATES,
    T,
    assert_counts_agree,
    assert_exports_agree,
    assert_next_match_agrees,
    assert_pages_agree,
    assert_rows_agree,
    comparable,
    write_archive,
)
from polars.testing import assert_frame_equal

from connlog_tui import sources
from connlog_tui.cli import demo_paths
from connlog_tui.counts import count_key
from connlog_tui.errors import ConnlogError, Stale
from connlog_tui.logs import ExportOptions, Log, Matches, Sort, resolve_state
from connlog_tui.logs.archive import ArchiveLog, is_archive
from connlog_tui.logs.memory import MemoryLog
from connlog_tui.query import FilterState
from connlog_tui.schema import COLUMNS


@pytest.fixture(scope="module")
def memory() -> MemoryLog:
    loaded = sources.load(demo_paths(), use_cache=False)
    return MemoryLog.from_loaded(loaded, demo_paths())


@pytest.fixture(scope="module")
def archive(memory: MemoryLog, tmp_path_factory) -> ArchiveLog:
    return ArchiveLog(write_archive(memory, tmp_path_factory.mktemp("archive")))


@pytest.fixture
def lean() -> MemoryLog:
    loaded = sources.load(demo_paths(), use_cache=False, lean=True)
    assert loaded.payloads is not None
    return MemoryLog.from_loaded(loaded, demo_paths())


def test_both_are_logs(memory, archive):
    assert isinstance(memory, Log)
    assert isinstance(archive, Log)
    assert is_archive(archive.root)
    assert not is_archive(Path(demo_paths()[0]).parent)
    assert not is_archive(next(Path(archive.root).rglob("*.parquet")))
    assert memory.describe().rows == archive.describe().rows == 2345
    assert (memory.describe().kind, archive.describe().kind) == ("memory", "archive")


def test_a_folder_of_logs_is_not_an_archive(archive, tmp_path):
    folder = tmp_path / "logs"
    (folder / "date=2026-03-02").mkdir(parents=True)
    day = next(Path(archive.root).rglob("*.parquet"))
    (folder / "date=2026-03-02" / "day.parquet").write_bytes(day.read_bytes())
    (folder / "_SUCCESS").write_text("")
    assert is_archive(folder)
    (folder / "connector.csv").write_text("Date,Action\n")
    assert not is_archive(folder)  # a log beside the Parquet: loaded as a folder of logs


@pytest.mark.parametrize("name", STATES)
def test_counts_and_facets_agree(memory, archive, name):
    state = STATES[name]
    assert_counts_agree(memory, archive, state)
    found = memory.search(state)
    assert found.count == memory.count(state) and found.complete
    if name == "failures":
        assert 0 < found.count < found.total
        assert set(found.facets["outcome"]) > {"failure"}  # its own pick left out


@pytest.mark.parametrize(
    "name", ["everything", "two picks", "range", "payload search", "exclusions", "regex"]
)
def test_pages_agree_in_every_order(memory, archive, name):
    state = STATES[name]
    count = memory.count(state)
    assert count > 3
    assert_pages_agree(memory, archive, state)
    newest = memory.page(state, 0, 1, Sort(descending=True))
    assert_frame_equal(newest, memory.page(state, count - 1, 1))


def test_a_page_near_the_end_is_a_top_k_of_the_reversed_order(memory, archive, monkeypatch):
    """The last rows of a view sorted by a column, and of its second half, are the
    reversed order's first rows: the plan's slices end within the rows after the page,
    never at the offset from the start. The rows are the in-memory log's. (In time order
    a page is read from the days at the view's nearer end: the test below.)"""
    plans: list[str] = []
    collect = archive._collect

    def recording(plan, stale=None):
        plans.append(plan.explain())
        return collect(plan, stale)

    monkeypatch.setattr(archive, "_collect", recording)
    state = STATES["two picks"]
    count = memory.count(state)
    matches = archive.search(state, facets=())
    for sort in (s for s in SORTS if s.column not in (None, "time")):
        for query, offset in ((state, count - 3), (matches, count * 2 // 3), (matches, count - 1)):
            plans.clear()
            mine = memory.page(state, offset, 5, sort)
            assert_frame_equal(comparable(archive.page(query, offset, 5, sort)), comparable(mine))
            plan = plans[-1]
            slices = re.findall(r"(?:SLICE\[offset: |slice: \()(\d+), (?:len: )?(\d+)", plan)
            assert slices and max(int(a) + int(b) for a, b in slices) <= count - offset + 5, plan


def test_rows_agree_payloads_included(memory, archive):
    keys = memory.page(STATES["payload search"], 0, 3)["row_id"]
    assert all(memory.row(k)["request"] or memory.row(k)["response"] for k in keys)
    assert_rows_agree(memory, archive, keys)
    for log in (memory, archive):
        with pytest.raises(KeyError):
            log.row(10**6)


def test_distinct_bounds_and_quarantine_agree(memory, archive):
    for column in ("app", "action", "user", "outcome"):
        assert memory.distinct(column) == archive.distinct(column)
    assert memory.time_bounds() == archive.time_bounds()
    assert memory.quarantine().height == archive.quarantine().height == 0
    given = FilterState(user="ben").with_picked("action", ["sso failed"])
    given = given.with_picked("app", ["SALESFORCE (saml)", "nowhere"])
    given = given.with_excluded("source", [Path(demo_paths()[1]).as_posix().upper()])
    resolved = resolve_state(memory, given)
    assert resolved == resolve_state(archive, given)
    assert resolved.picked["action"] == {"SSO Failed"}
    assert resolved.picked["app"] == {"Salesforce (SAML)"}
    assert resolved.excluded["source"] == {demo_paths()[1]}


@pytest.mark.parametrize("suffix", [".csv", ".jsonl", ".json"])
@pytest.mark.parametrize("name", ["two picks", "search and range", "nothing", "exclusions"])
def test_exports_are_byte_identical(memory, archive, tmp_path, suffix, name):
    assert_exports_agree(memory, archive, STATES[name], tmp_path, suffix)


@pytest.mark.parametrize("suffix", [".csv", ".jsonl"])
def test_an_archive_export_streams_a_date_partition_at_a_time(
    memory, archive, tmp_path, monkeypatch, suffix
):
    """Each sink reads one day's files (so only a day's rows are in flight, whatever the
    archive's size), the days in order, every day with a matching row among them; the
    file is the in-memory export's, bytes and count."""
    sunk: list[str] = []
    for name in ("sink_csv", "sink_ndjson"):
        sink = getattr(pl.LazyFrame, name)

        def recording(self, *args, _sink=sink, **kwargs):
            sunk.append(self.explain())
            return _sink(self, *args, **kwargs)

        monkeypatch.setattr(pl.LazyFrame, name, recording)
    state = STATES["range"]
    found = archive.lazy.filter(archive.view.conditions(state)).select(pl.col("date").unique())
    expected = sorted(str(d) for d in found.collect().to_series())
    assert len(expected) > 1
    assert_exports_agree(memory, archive, state, tmp_path, suffix)
    archive_sinks = [plan for plan in sunk if "Parquet SCAN" in plan]
    days = [re.findall(r'col\("date"\) == ([-0-9]+)', plan) for plan in archive_sinks]
    assert all(len(day) == 1 for day in days), archive_sinks
    in_order = [day for (day,) in days]
    assert in_order == sorted(set(in_order)) and set(expected) <= set(in_order)


@pytest.mark.parametrize(
    ("suffix", "redact"),
    [(".json", False), (".json", True), (".csv", True), (".jsonl", True), (".parquet", True)],
)
def test_json_and_redacted_archive_exports_stream_a_day_at_a_time(
    memory, archive, tmp_path, monkeypatch, suffix, redact
):
    """A JSON array and a redacted export are read from the archive a date partition at
    a time (never the whole view at once), the days in order, and are the in-memory
    export's bytes (Parquet: rows), redaction's masks keyed alike for the comparison."""
    monkeypatch.setattr("connlog_tui.redact.secrets.token_bytes", lambda n: b"k" * n)
    state = STATES["range"]
    options = ExportOptions(redact=redact)
    mine, theirs = tmp_path / f"m{suffix}", tmp_path / f"a{suffix}"
    assert memory.export(state, str(mine), options) == memory.count(state)
    plans = collected_plans(monkeypatch)
    assert archive.export(state, str(theirs), options) == memory.count(state)
    monkeypatch.undo()
    if suffix == ".parquet":
        assert_frame_equal(pl.read_parquet(theirs), pl.read_parquet(mine))
    else:
        assert theirs.read_bytes() == mine.read_bytes()
    if redact:
        users = [u for u in memory.distinct("user") if "@" in u]
        assert users and not any(u.encode() in theirs.read_bytes() for u in users)
    reads = [p for p in plans if "Parquet SCAN" in p and "unique()" not in p]
    rows = [p for p in reads if 'alias("request")' in p]  # the plans reading the rows
    # Redaction reads the days twice, each pass a day at a time: first what to mask is
    # learned from the text (the patterns' matches), then the rows are written.
    learned = [p for p in rows if "extract_all" in p]
    passes = [learned, [p for p in rows if p not in learned]] if redact else [rows]
    for plans_of_pass in passes:
        days = [re.findall(r'col\("date"\) == ([-0-9]+)', plan) for plan in plans_of_pass]
        assert len(days) > 1 and all(len(day) == 1 for day in days), plans_of_pass
        in_order = [day for (day,) in days]
        assert in_order == sorted(set(in_order))


@pytest.mark.parametrize(
    ("name", "redact"),
    [("range", False), ("nothing", False), ("everything", False), ("range", True)],
)
def test_an_archive_export_to_stdout_streams_a_day_at_a_time(
    memory, archive, capsysbinary, monkeypatch, name, redact
):
    """CSV on standard output (`-o -`) is read from the archive a date partition at a
    time, the days in order, as a file's export is (never the whole view collected), and
    is the in-memory export's bytes: one header, the formula guard, the same rows,
    redaction's masks keyed alike for the comparison."""
    monkeypatch.setattr("connlog_tui.redact.secrets.token_bytes", lambda n: b"k" * n)
    state, options = STATES[name], ExportOptions(redact=redact)
    assert memory.export(state, "-", options) == memory.count(state)
    mine = capsysbinary.readouterr().out
    plans = collected_plans(monkeypatch)
    assert archive.export(state, "-", options) == memory.count(state)
    monkeypatch.undo()
    theirs = capsysbinary.readouterr().out
    assert theirs == mine and mine.startswith(b"Date,") and mine.count(b"\nDate,") == 0
    # The plans reading rows (redacted: both passes over the text), not the count.
    marker = 'alias("request")' if redact else 'alias("Date")'
    rows = [p for p in plans if "Parquet SCAN" in p and marker in p]
    days = [re.findall(r'col\("date"\) == ([-0-9]+)', plan) for plan in rows]
    assert len(days) > 1 and all(len(day) == 1 for day in days), rows
    in_order = [day for (day,) in days]
    assert redact or in_order == sorted(set(in_order))


@pytest.mark.parametrize("suffix", [".csv", ".json", ".parquet"])
def test_an_archive_export_of_days_it_lacks_is_a_valid_empty_file(
    memory, archive, tmp_path, suffix
):
    """A date range no partition holds reads no day at all, and still writes the empty
    export in-memory writes: CSV its header, JSON `[]`, Parquet its columns."""
    state = FilterState(since=T - timedelta(days=400), until=T - timedelta(days=399))
    assert_exports_agree(memory, archive, state, tmp_path, suffix)


def test_an_archive_export_to_stdout_has_no_provenance_sidecar(archive, capsysbinary):
    options = ExportOptions(provenance={"sources": [], "filters": []})
    with pytest.raises(ConnlogError, match="needs an output file"):
        archive.export(STATES["range"], "-", options)
    assert capsysbinary.readouterr().out == b""


def test_a_date_range_is_a_condition_of_the_scan_beneath_the_row_keys(
    memory, archive, tmp_path, monkeypatch
):
    """The rows' keys are numbered by the Parquet scan itself, so a date range (and each
    day of an export) is a condition inside the scan, which skips the other days' files,
    not a filter above a numbering of every file's rows; keys and rows are the
    in-memory log's."""
    state = STATES["range"]
    plans = collected_plans(monkeypatch)
    page = archive.page(state, 0, 5)
    archive.export(state, str(tmp_path / "range.csv"), ExportOptions())
    monkeypatch.undo()
    assert_frame_equal(comparable(page), comparable(memory.page(state, 0, 5)))
    reads = [p for p in plans if "Parquet SCAN" in p and "unique()" not in p]
    assert len(reads) > 2
    for plan in reads:
        above, scan = plan.split("Parquet SCAN", 1)
        assert 'col("date")' not in above and 'col("date")' in scan, plan


def test_parquet_exports_hold_the_same_rows(memory, archive, tmp_path):
    assert_exports_agree(memory, archive, STATES["range"], tmp_path, ".parquet")


def test_archive_export_keeps_files_and_refuses_inputs(memory, archive, tmp_path):
    out = tmp_path / "out.csv"
    out.write_text("keep")
    with pytest.raises(ConnlogError, match="file exists"):
        archive.export(FilterState(), str(out), ExportOptions())
    assert out.read_text() == "keep"
    day = next(Path(archive.root).rglob("*.parquet"))
    with pytest.raises(ConnlogError, match="input"):
        archive.export(FilterState(), str(day), ExportOptions(force=True))
    options = ExportOptions(force=True, provenance={"sources": [archive.root]})
    assert archive.export(STATES["failures"], str(out), options) == memory.count(STATES["failures"])
    assert '"rows"' in (tmp_path / "out.csv.provenance.json").read_text()


def test_lean_memory_answers_as_the_archive(lean, archive, tmp_path):
    state = STATES["search and range"]
    assert lean.count(state) == archive.count(state) > 0
    assert lean.facets(state) == archive.facets(state)
    for sort in (Sort(), Sort("app", descending=True)):
        assert_frame_equal(
            comparable(lean.page(state, 0, 7, sort)), comparable(archive.page(state, 0, 7, sort))
        )
    lean.export(state, str(tmp_path / "lean.csv"), ExportOptions())
    archive.export(state, str(tmp_path / "archive.csv"), ExportOptions())
    assert (tmp_path / "lean.csv").read_bytes() == (tmp_path / "archive.csv").read_bytes()


def test_search_stops_when_stale(memory, archive):
    state = FilterState(search="a needle for staleness")
    for log in (memory, archive):
        with pytest.raises(Stale):
            log.search(state, stale=lambda: True)


def test_partial_matches_page_their_own_rows(memory, monkeypatch):
    # Every slice a report: the search reports its matches so far after each.
    monkeypatch.setattr("connlog_tui.textsearch.PARTIAL_EVERY", 0.0)
    monkeypatch.setattr("connlog_tui.textsearch.STALE_CHECK_ROWS", 500)
    reported = []
    log = MemoryLog(memory.frame)
    state = FilterState(search="sso")
    found = log.search(state, partial=reported.append)
    assert reported and not any(m.complete for m in reported)
    assert found.complete and reported[0].count < found.count
    page = log.page(reported[0], 0, reported[0].count)
    assert page.height == reported[0].count
    assert set(page["row_id"]) < set(log.page(found, 0, found.count)["row_id"])


@pytest.mark.parametrize("by", ["app", "Outcome", "user", "client.userAgent.browser"])
@pytest.mark.parametrize("name", ["everything", "range", "exclusions"])
def test_counts_by_any_key_agree(memory, archive, by, name):
    key = count_key(by)
    mine = memory.count_by(STATES[name], key)
    assert mine.height and int(mine["count"].sum()) == memory.count(STATES[name])
    assert_frame_equal(archive.count_by(STATES[name], key), mine)


def collected_plans(monkeypatch) -> list[str]:
    """The plans of every lazy query run from now on (collect, collect_all, batches,
    sinks), as `explain` prints them."""
    plans: list[str] = []

    def spying(run, many=False):
        def spy(*args, **kwargs):
            frames = args[0] if many else [args[0]]
            plans.extend(frame.explain() for frame in frames)
            return run(*args, **kwargs)

        return spy

    monkeypatch.setattr(pl, "collect_all", spying(pl.collect_all, many=True))
    for name in ("collect", "collect_batches", "sink_csv", "sink_ndjson"):
        monkeypatch.setattr(pl.LazyFrame, name, spying(getattr(pl.LazyFrame, name)))
    return plans


def test_an_archive_search_matches_each_rows_text_once(memory, archive, monkeypatch):
    """A search with picks is one query over the archive's files (asked whole), in which
    the text condition appears once (not once per pane's group-by, nor once per day),
    and its counts are the in-memory search's."""
    monkeypatch.setattr("connlog_tui.logs.archive.SEARCH_PARTS", 1)
    state = STATES["search and range"].with_picked("outcome", {"failure"})
    state = state.with_picked("app", {"Salesforce (SAML)", "Workday (SAML)"})
    archive.describe()  # the row count, asked once and kept
    plans = collected_plans(monkeypatch)
    found = archive.search(state, facets=("app", "action", "outcome"))
    monkeypatch.undo()
    assert found == memory.search(state, facets=("app", "action", "outcome"))
    assert found.count > 0 and len(found.facets["app"]) > 1
    scans = [plan for plan in plans if "Parquet SCAN" in plan and "unique()" not in plan]
    assert len(scans) == 1, scans
    assert scans[0].count('col("request")') == 1, scans[0]


def test_an_archive_search_reports_and_stops_a_range_of_days_at_a_time(memory, archive):
    """The count so far is reported after each range of days (newest first), a search
    that finds nothing included, and a stale search stops before the next range."""
    state = STATES["payload search"]
    reported: list[Matches] = []
    found = archive.search(state, partial=reported.append)
    assert found == memory.search(state)
    counts = [m.count for m in reported]
    assert len(counts) >= 3 and counts == sorted(counts) and counts[-1] < found.count
    assert not any(m.complete for m in reported)
    nothing: list[Matches] = []
    assert archive.search(STATES["nothing"], partial=nothing.append).count == 0
    assert len(nothing) == len(counts) and {m.count for m in nothing} == {0}
    asked: list[Matches] = []
    with pytest.raises(Stale):  # a newer filter: the days left are not read
        archive.search(state, partial=asked.append, stale=lambda: len(asked) > 1)
    assert len(asked) == 2


def test_an_archive_of_mixed_spellings_keeps_its_date_order(memory, archive, tmp_path):
    """Days exported with display headers and days with canonical names, alternating:
    the scan still goes in date order, so pages and row keys are the loaded log's."""
    root = tmp_path / "mixed"
    for n, day in enumerate(sorted(Path(archive.root).iterdir())):
        (root / day.name).mkdir(parents=True)
        frame = pl.read_parquet(day / "day.parquet")
        if n % 2:  # canonical names, as a pipeline might write them
            frame = frame.rename({c.header: c.name for c in COLUMNS})
        frame.write_parquet(root / day.name / "day.parquet")
    mixed = ArchiveLog(root)
    assert_pages_agree(memory, mixed, STATES["range"])
    assert_rows_agree(memory, mixed, [0, 1000, 2344])


@pytest.mark.parametrize("name", ["everything", "two picks", "exclusions", "nothing"])
def test_next_match_agrees_in_every_order(memory, archive, name):
    state = STATES[name]
    assert_next_match_agrees(memory, archive, state, FINDS)
    if name == "everything":  # the keys found are the rows found (none is left out)
        assert memory.next_match(state, Sort(), FINDS[-1], None) == 3


@pytest.mark.parametrize("suffix", [".csv", ".parquet", ".json"])
def test_exports_with_notes_agree(memory, archive, tmp_path, suffix):
    from connlog_tui import marks

    store = marks.Marks(tmp_path / "marks.json", [])
    rows = memory.page(FilterState(search="invalid"), 0, 3)
    for key, when, n in zip(marks.row_keys(rows), rows["time"], range(3), strict=True):
        store.set_note(key, when, f"=note {n}")  # the formula guard applies to notes
    store.toggle("no such row", rows["time"][0])  # a mark without a row or a note
    options = ExportOptions(marks=store)
    for name, state in (("all", FilterState()), ("none", FilterState(search="no such text"))):
        mine, theirs = tmp_path / f"m-{name}{suffix}", tmp_path / f"a-{name}{suffix}"
        assert memory.export(state, str(mine), options) == archive.export(
            state, str(theirs), options
        )
        if suffix == ".parquet":
            assert_frame_equal(pl.read_parquet(theirs), pl.read_parquet(mine))
        else:
            assert theirs.read_bytes() == mine.read_bytes()
    if suffix == ".csv":  # a Note column only when a row of the view has a note
        notes = pl.read_csv(tmp_path / "a-all.csv", infer_schema=False)["Note"]
        assert notes.drop_nulls().to_list() == ["'=note 0", "'=note 1", "'=note 2"]
        assert "Note" not in pl.read_csv(tmp_path / "a-none.csv").columns


def fresh_memory() -> MemoryLog:
    loaded = sources.load(demo_paths(), use_cache=False)
    return MemoryLog.from_loaded(loaded, demo_paths())


def test_appended_rows_are_counted_numbered_and_found(tmp_path):
    """Follow mode appends through the log: the new rows get the next row ids, a state
    asked before counts them when asked again (its kept result is dropped), and their
    quarantined lines join the log's."""
    log = fresh_memory()
    failures = STATES["failures"]
    before = log.count(failures)
    new = log.frame.filter(pl.col("outcome") == "failure").head(3).drop("row_id", "user_key")
    bad = log.quarantine().clear()
    bad = pl.concat([bad, pl.DataFrame({c: [None] for c in bad.columns}, schema=bad.schema)])
    start = log.append(new, bad)
    assert start == 2345 and log.frame.height == 2348
    assert log.count(failures) == before + 3
    assert log.row(2347)["row_id"] == 2347
    assert log.quarantine().height == bad.height


def test_a_result_worked_out_on_a_frame_since_replaced_is_not_kept(monkeypatch):
    """A filter run that started before rows were appended answers for the old frame:
    the log does not keep it for the state, so the next run sees the new rows."""
    from connlog_tui import query

    log = fresh_memory()
    state = STATES["failures"]
    new = log.frame.filter(pl.col("outcome") == "failure").head(2).drop("row_id", "user_key")
    real_run = query.run

    def run_then_append(frame, *args, **kwargs):
        result = real_run(frame, *args, **kwargs)
        monkeypatch.setattr(query, "run", real_run)
        log.append(new)  # while the run was going on
        return result

    monkeypatch.setattr(query, "run", run_then_append)
    old = log.search(state).count
    assert log.count(state) == old + 2


def test_columns_set_on_the_frame_are_filtered_by(tmp_path):
    """set_frame (triage's diagnoses filled in) drops kept results: a pick on the
    column is answered from the new values, not from a result kept before."""
    log = fresh_memory()
    state = FilterState().with_picked("diagnosis", ["x"])
    assert log.count(state) == 0
    reason = pl.when(pl.col("outcome") == "failure").then(pl.lit("x")).otherwise(None)
    log.set_frame(log.frame.with_columns(diagnosis=reason))
    assert log.count(state) == log.count(STATES["failures"]) > 0


def test_an_export_of_narrowed_matches_writes_those_rows_in_their_order(memory, tmp_path):
    """The browser exports its view: a MemoryLog's matches with their rows narrowed and
    reordered are written as given; a state, or a search's own matches, in time order."""
    found = memory.search(STATES["failures"])
    narrowed = found.rows.head(5).reverse()
    view = Matches(found.state, 5, found.facets, found.total, rows=narrowed)
    memory.export(view, str(tmp_path / "view.csv"), ExportOptions())
    memory.export(found, str(tmp_path / "all.csv"), ExportOptions())
    memory.export(found.state, str(tmp_path / "state.csv"), ExportOptions())
    everything = pl.read_csv(tmp_path / "all.csv")
    assert (tmp_path / "all.csv").read_bytes() == (tmp_path / "state.csv").read_bytes()
    assert_frame_equal(pl.read_csv(tmp_path / "view.csv"), everything.head(5).reverse())


@pytest.mark.parametrize(
    "name", ["everything", "failures", "payload search", "last day and a half"]
)
def test_the_newest_page_reads_only_the_newest_day(memory, tmp_path, name):
    """In time order a page is read from the days at the view's nearer end, and the older
    days' files are never opened once it is filled: with every other day's file gone
    after the archive is opened, the newest page (as the table asks it in either
    direction) is still the in-memory log's. The older days' data pages are spoilt after
    the archive is opened, their footers kept (they give each day's row count, and the
    scan's row numbers)."""
    log = ArchiveLog(write_archive(memory, tmp_path / "archive"))
    *older, newest = sorted(Path(log.root).glob("date=*"))
    day = datetime.fromisoformat(newest.name.removeprefix("date=")).replace(tzinfo=UTC)
    state = STATES.get(name, FilterState(since=day - timedelta(hours=12)))
    count = memory.count(state)
    newest_first = memory.page(state, 0, 5, Sort(descending=True))
    assert newest_first.height == 5 and newest_first["time"].min() >= day  # in the newest day
    for folder in older:
        for file in folder.glob("*.parquet"):
            spoil_data_pages(file)
    found = log.page(state, 0, 5, Sort(descending=True))
    assert_frame_equal(comparable(found), comparable(newest_first))
    found = log.page(Matches(state, count, {}, 2345), count - 5, 5)
    assert_frame_equal(comparable(found), comparable(newest_first.reverse()))
    nothing = Matches(STATES["nothing"], 0, {}, 2345)  # a view known to be empty: no day read
    assert log.page(nothing, 0, 5, Sort(descending=True)).is_empty()
    with pytest.raises(ConnlogError):  # the older days cannot be read indeed
        log.page(state, 0, 5)


def spoil_data_pages(file: Path) -> None:
    """Zero a Parquet file's data pages, leaving its footer (metadata) readable."""
    data = bytearray(file.read_bytes())
    footer = int.from_bytes(data[-8:-4], "little")
    data[4 : len(data) - 8 - footer] = bytes(len(data) - 12 - footer)
    file.write_bytes(data)


@pytest.mark.parametrize("name", ["everything", "two picks", "range", "payload search"])
def test_time_order_pages_across_days_agree(memory, archive, name):
    """Pages spanning several days, from either end, in both time orders."""
    state = STATES[name]
    count = memory.count(state)
    for sort in (Sort(), Sort(descending=True)):
        for offset in (0, 1, count // 3, count - 400, count - 1, count + 3):
            offset = max(offset, 0)
            mine = memory.page(state, offset, 400, sort)
            assert_frame_equal(comparable(archive.page(state, offset, 400, sort)), comparable(mine))
