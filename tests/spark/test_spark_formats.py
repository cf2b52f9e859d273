"""Every supported format's canonical frame, served by Spark: a fixture log of each
reader, written as a `date=` archive (`connlog export --partition-by day`), answers on the
real server as the in-memory log of the same file: counts, facet counts, pages in both
time orders and by a column, a search, and the export's bytes."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import FIXTURES
from log_contract import assert_counts_agree, assert_exports_agree, comparable
from polars.testing import assert_frame_equal

from connlog_tui import sources
from connlog_tui.cli import main
from connlog_tui.logs import Sort
from connlog_tui.logs.memory import MemoryLog
from connlog_tui.query import FilterState

# One fixture per reader (sources.READERS), each with rows in more than one row.
LOGS = {
    "mangoapps": "connector_log_small.csv",
    "purview": "purview_ual/audit_search_new_layout.csv",
    "data_connector": "data_connector/admin_log_summary.csv",
    "mixpanel": "mixpanel/history_pages.jsonl",
    "okta": "idp/okta_system_log.jsonl",
    "entra": "idp/entra_signins_interrupts.json",
    "auth0": "idp/auth0_logs.jsonl",
    "google_workspace": "sso/google_workspace/reports_api_login_activities.jsonl",
}


@pytest.mark.parametrize("name", LOGS)
def test_each_formats_rows_answer_as_in_memory(spark_url, tmp_path: Path, name):
    from connlog_tui.logs.spark import SparkLog

    path = str(FIXTURES / LOGS[name])
    loaded = sources.load([path], use_cache=False)
    assert loaded.frame.height > 1
    assert set(loaded.frame["format"].cast(str)) == {name}
    memory = MemoryLog.from_loaded(loaded, [path])
    root = tmp_path / "archive"
    assert main(["export", path, "--partition-by", "day", "-o", str(root)]) == 0
    spark = SparkLog(spark_url, str(root))
    try:
        users = loaded.frame["user"].drop_nulls().cast(str).to_list()
        word = (users[0] if users else "a")[:4]
        for state in (FilterState(), FilterState(search=word)):
            assert_counts_agree(memory, spark, state)
        for sort in (Sort(), Sort(descending=True), Sort("action")):
            assert_frame_equal(
                comparable(spark.page(FilterState(), 0, 50, sort)),
                comparable(memory.page(FilterState(), 0, 50, sort)),
            )
        assert_exports_agree(memory, spark, FilterState(), tmp_path, ".csv")
    finally:
        spark.close()
