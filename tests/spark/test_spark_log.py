"""SparkLog against a real Spark Connect server (conftest.py): every answer equals the
in-memory log's on the same rows. The rows are the shipped demo logs written as a
`date=` archive by connlog's own Parquet export (tests/test_logs.py's archive), read by
the server as a path and as a table."""

from __future__ import annotations

import re
from pathlib import Path

import polars as pl
import pytest
from log_contract import (
    FINDS,
    SORTS,
    STATES,
    assert_attempts_agree,
    assert_counts_agree,
    assert_exports_agree,
    assert_next_match_agrees,
    assert_pages_agree,
    assert_redacted_exports_agree,
    assert_rows_agree,
    comparable,
    write_archive,
    write_run_on_archive,
)
from polars.testing import assert_frame_equal

from connlog_tui import sources
from connlog_tui.cli import demo_paths
from connlog_tui.errors import ConnlogError, Stale
from connlog_tui.logs import ExportOptions, Log, Sort, resolve_state
from connlog_tui.logs.memory import MemoryLog
from connlog_tui.query import FilterState

MORE_STATES = {
    "excluded app": FilterState().with_excluded("app", {"Salesforce (SAML)"}),
    "not user, not text": FilterState(exclude_user="ben", exclude_search="samlResponse"),
    "regex": FilterState(regex=r"invalid_?(grant|client)"),
}


@pytest.fixture(scope="module")
def memory() -> MemoryLog:
    loaded = sources.load(demo_paths(), use_cache=False)
    return MemoryLog.from_loaded(loaded, demo_paths())


@pytest.fixture(scope="module")
def archive_dir(memory, tmp_path_factory) -> Path:
    return write_archive(memory, tmp_path_factory.mktemp("archive"))


@pytest.fixture(scope="module")
def spark(spark_url, archive_dir):
    from connlog_tui.logs.spark import SparkLog

    log = SparkLog(spark_url, str(archive_dir))
    yield log
    log.close()


def test_is_a_log_that_names_its_host_only(spark, memory, spark_url):
    assert isinstance(spark, Log)
    info = spark.describe()
    assert info.kind == "spark" and info.rows == memory.describe().rows == 2345
    assert info.extra["host"] == spark_url.removeprefix("sc://")


@pytest.mark.parametrize("name", [*STATES, *MORE_STATES])
def test_counts_and_facets_agree(memory, spark, name):
    assert_counts_agree(memory, spark, {**STATES, **MORE_STATES}[name])


@pytest.mark.parametrize("name", ["everything", "two picks", "payload search", "exclusions"])
def test_pages_agree_in_every_order(memory, spark, name):
    assert_pages_agree(memory, spark, STATES[name])


def test_a_page_near_the_end_is_a_top_k_of_the_reversed_order(memory, spark, monkeypatch):
    """The last rows of a view, and of its second half, are the reversed order's first
    rows: Spark keeps only those (a small TakeOrderedAndProject), never every row
    before the offset. The rows are the in-memory log's, in every order."""
    plans: list[str] = []
    asked = spark._arrow

    def recording(frame, kind, stale=None):
        if kind == "page":
            plans.append(frame._explain_string(mode="simple"))
        return asked(frame, kind, stale)

    monkeypatch.setattr(spark, "_arrow", recording)
    state = STATES["everything"]
    count = memory.count(state)
    matches = spark.search(state, facets=())
    for sort in SORTS:
        for query, offset in ((state, count - 3), (matches, count * 2 // 3), (matches, count - 1)):
            plans.clear()
            mine = memory.page(state, offset, 5, sort)
            assert_frame_equal(comparable(spark.page(query, offset, 5, sort)), comparable(mine))
            (plan,) = plans
            limits = [int(n) for n in re.findall(r"TakeOrderedAndProject\(limit=(\d+)", plan)]
            assert limits and max(limits) <= count - offset + 5, plan


def test_a_search_with_picks_is_one_scan(memory, spark, monkeypatch):
    """Count and facet counts come from one scan of the files in which each row's text
    is matched once (not once per facet's grouped count); they are the in-memory ones."""
    plans: list[str] = []
    asked = spark._arrow

    def recording(frame, kind, stale=None):
        if kind == "search":
            plans.append(frame._explain_string(mode="simple"))
        return asked(frame, kind, stale)

    monkeypatch.setattr(spark, "_arrow", recording)
    state = STATES["search and range"].with_picked("outcome", {"failure"})
    state = state.with_picked("app", {"Salesforce (SAML)", "Workday (SAML)"})
    facets = ("app", "action", "outcome")
    found = spark.search(state, facets=facets)
    assert found == memory.search(state, facets=facets) and found.count > 0
    (plan,) = plans
    assert plan.count("FileScan") == 1, plan
    assert len(re.findall(r"rlike\(request#", plan, re.I)) == 1, plan


@pytest.mark.parametrize("name", ["everything", "exclusions"])
def test_next_match_agrees_in_every_order(memory, spark, name):
    assert_next_match_agrees(memory, spark, STATES[name], FINDS)


def test_rows_distinct_and_bounds_agree(memory, spark):
    keys = memory.page(STATES["payload search"], 0, 3)["row_id"]
    assert_rows_agree(memory, spark, keys)
    assert all(memory.row(k)["request"] or memory.row(k)["response"] for k in keys)
    with pytest.raises(KeyError):
        spark.row(10**6)
    for column in ("app", "action", "user", "outcome"):
        assert memory.distinct(column) == spark.distinct(column)
    assert memory.time_bounds() == spark.time_bounds()
    given = FilterState(user="ben").with_picked("action", {"sso failed"})
    assert resolve_state(memory, given) == resolve_state(spark, given)


@pytest.mark.parametrize("suffix", [".csv", ".jsonl", ".json", ".parquet"])
@pytest.mark.parametrize("name", ["everything", "two picks", "search and range", "nothing"])
def test_exports_are_byte_identical(memory, spark, tmp_path, suffix, name):
    assert_exports_agree(memory, spark, STATES[name], tmp_path, suffix)


def test_parquet_pdf_and_redacted_exports(memory, spark, tmp_path):
    state = STATES["range"]
    memory.export(state, str(tmp_path / "m.parquet"), ExportOptions())
    spark.export(state, str(tmp_path / "s.parquet"), ExportOptions())
    assert_frame_equal(
        pl.read_parquet(tmp_path / "m.parquet"),
        pl.read_parquet(tmp_path / "s.parquet"),
        categorical_as_str=True,
    )
    # Redaction's keyed hashes differ per export: no user as spelled reaches the file.
    count = memory.count(state)
    assert spark.export(state, str(tmp_path / "s.csv"), ExportOptions(redact=True)) == count
    redacted = (tmp_path / "s.csv").read_text()
    users = [u for u in memory.distinct("user") if "@" in u]
    assert users and not any(u in redacted for u in users)
    assert spark.export(state, str(tmp_path / "s.pdf"), ExportOptions()) == memory.count(state)


@pytest.mark.parametrize("suffix", [".csv", ".json", ".parquet"])
def test_a_redacted_export_streams_the_in_memory_bytes(
    memory, spark, tmp_path, monkeypatch, suffix
):
    """A redacted export comes from the cluster in Arrow batches (the view is never
    collected whole) and is the in-memory export's bytes, the masks keyed alike."""
    monkeypatch.setattr("connlog_tui.redact.secrets.token_bytes", lambda n: b"k" * n)
    kinds: list[str] = []
    asked = spark._arrow

    def recording(frame, kind, stale=None):
        kinds.append(kind)
        return asked(frame, kind, stale)

    monkeypatch.setattr(spark, "_arrow", recording)
    state, options = STATES["range"], ExportOptions(redact=True)
    mine, theirs = tmp_path / f"m{suffix}", tmp_path / f"s{suffix}"
    assert spark.export(state, str(theirs), options) == memory.export(state, str(mine), options)
    assert "export" not in kinds
    if suffix == ".parquet":
        assert_frame_equal(pl.read_parquet(theirs), pl.read_parquet(mine), categorical_as_str=True)
    else:
        assert theirs.read_bytes() == mine.read_bytes()


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_a_redacted_export_masks_what_the_whole_view_would(
    spark_url, tmp_path, monkeypatch, suffix
):
    """A string the pattern finds in one Arrow batch is masked in another where it does
    not match (tests/log_contract.py's run-on archive, the server sending a row a batch)."""
    from connlog_tui.logs.spark import SparkLog

    monkeypatch.setattr("connlog_tui.redact.secrets.token_bytes", lambda n: b"k" * n)
    memory = write_run_on_archive(tmp_path / "archive")
    log = SparkLog(spark_url, str(tmp_path / "archive"))
    try:
        log.session.conf.set("spark.sql.execution.arrow.maxRecordsPerBatch", "1")
        assert_redacted_exports_agree(memory, log, tmp_path, suffix)
    finally:
        log.close()


@pytest.mark.parametrize("name", ["everything", "range", "nothing"])
def test_an_export_to_stdout_streams_the_in_memory_bytes(
    memory, spark, capsysbinary, monkeypatch, name
):
    """CSV on standard output (`-o -`) comes from the cluster in Arrow batches, as a
    file's export does (the view is never collected whole), and is the in-memory
    export's bytes: one header, the formula guard, the same rows."""
    kinds: list[str] = []
    asked, batches = spark._arrow, spark._batches

    def recording(frame, kind, stale=None):
        kinds.append(kind)
        return asked(frame, kind, stale)

    def streamed(rows):
        kinds.append("batches")
        return batches(rows)

    monkeypatch.setattr(spark, "_arrow", recording)
    monkeypatch.setattr(spark, "_batches", streamed)
    state = STATES[name]
    assert memory.export(state, "-", ExportOptions()) == memory.count(state)
    mine = capsysbinary.readouterr().out
    assert spark.export(state, "-", ExportOptions()) == memory.count(state)
    theirs = capsysbinary.readouterr().out
    assert theirs == mine and mine.startswith(b"Date,") and mine.count(b"\nDate,") == 0
    assert "export" not in kinds and "batches" in kinds


def test_an_export_to_stdout_has_no_provenance_sidecar(spark, capsysbinary):
    options = ExportOptions(provenance={"sources": [], "filters": []})
    with pytest.raises(ConnlogError, match="needs an output file"):
        spark.export(STATES["range"], "-", options)
    assert capsysbinary.readouterr().out == b""


def test_export_is_atomic_and_keeps_files(spark, tmp_path):
    out = tmp_path / "out.csv"
    out.write_text("keep")
    with pytest.raises(ConnlogError, match="file exists"):
        spark.export(FilterState(), str(out), ExportOptions())
    assert out.read_text() == "keep"
    with pytest.raises(ConnlogError, match="invalid regex"):
        spark.export(FilterState(regex="(unclosed"), str(tmp_path / "x.csv"), ExportOptions())
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.csv"]


def test_a_stale_search_is_interrupted(spark):
    with pytest.raises(Stale):
        spark.search(FilterState(search="a needle"), stale=lambda: True)


def test_a_table_answers_as_the_path(memory, spark, spark_url, tmp_path, request):
    from connlog_tui.logs.spark import SparkLog
    from connlog_tui.logs.spark_query import CANONICAL

    # A managed table under canonical names, one file in time order.
    ordered = spark.frame.orderBy("time", "row_id").select(*CANONICAL).coalesce(1)
    ordered.write.mode("overwrite").saveAsTable("demo_events")
    table = SparkLog(spark_url, "demo_events")
    request.addfinalizer(table.close)
    state = STATES["search and range"]
    assert table.count(state) == memory.count(state)
    assert_frame_equal(
        comparable(table.page(state, 0, 9, Sort("app"))),
        comparable(memory.page(state, 0, 9, Sort("app"))),
    )
    table.export(state, str(tmp_path / "t.csv"), ExportOptions())
    memory.export(state, str(tmp_path / "m.csv"), ExportOptions())
    assert (tmp_path / "t.csv").read_bytes() == (tmp_path / "m.csv").read_bytes()


def test_clear_errors(spark_url, tmp_path):
    from connlog_tui.logs.spark import SparkLog

    with pytest.raises(ConnlogError, match="no such table") as missing:
        SparkLog(spark_url, "no_such_table")
    assert "\n" not in str(missing.value)
    with pytest.raises(ConnlogError, match="no such path"):
        SparkLog(spark_url, str(tmp_path / "nothing here"))
    with pytest.raises(ConnlogError, match="cannot reach") as down:
        SparkLog("sc://127.0.0.1:9/;token=s3cr3t-token", "t")
    assert "s3cr3t" not in str(down.value)


def test_bounded_failures_and_diagnosed_export_agree(memory, spark, tmp_path):
    from connlog_tui.logs.failures import bounded_failures, nearest_successes

    state = FilterState(search="okta")
    mine, theirs = (
        bounded_failures(memory, state, limit=20),
        bounded_failures(spark, state, limit=20),
    )
    assert theirs.count == mine.count > 20 and theirs.note == mine.note
    assert comparable(theirs.rows).equals(comparable(mine.rows))
    failed = mine.rows.row(0, named=True)
    near = nearest_successes(spark, failed["app"], failed["time"], 5)
    want = nearest_successes(memory, failed["app"], failed["time"], 5)
    assert near.height and comparable(near).equals(comparable(want))
    options = ExportOptions(diagnose=True)
    failures = FilterState().with_picked("outcome", {"failure"})
    memory.export(failures, str(tmp_path / "memory.csv"), options)
    spark.export(failures, str(tmp_path / "spark.csv"), options)
    assert (tmp_path / "spark.csv").read_bytes() == (tmp_path / "memory.csv").read_bytes()


def test_the_failures_attempts_agree(memory, spark):
    """Paged triage's attempt stitching on Spark gives the triaged failures the attempts
    that stitching the whole loaded log gives them."""
    state = FilterState().with_picked("app", {"Workday (SAML)"})
    got = assert_attempts_agree(memory, spark, state)
    assert got.stitched == got.failures and any(len(ids) > 1 for ids in got.attempts["row_ids"])
