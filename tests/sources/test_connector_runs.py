"""Purview data-connector admin logs and Mixpanel connector run history.

No public sample of either exists. The fixtures under fixtures/data_connector/ were written
by us from Microsoft's published field list ("View admin logs for data connectors": Import
completion time, Items available from source / for import, Items imported successfully,
Items partially imported (attachments dropped), Items skipped (duplicates), Items failed,
Failed Item Details: Item Id, Source User ID, M365 User ID, Failure Reason; "No items
ingested on mm/dd/yyyy."). Those under fixtures/mixpanel/ were written from Mixpanel's
published "List Connector Logs" reference (response envelope, run fields, statuses, unset
times). Expected values below are read from those files."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import polars as pl

from connlog_tui.sources import load

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
DC = FIXTURES / "data_connector"
MIX = FIXTURES / "mixpanel"


def read(*paths: Path):
    return load([str(p) for p in paths], use_cache=False)


def test_data_connector_text_layout():
    frame = read(DC / "admin_log_text.txt").frame
    assert set(frame["format"].cast(str)) == {"data_connector"}
    actions = dict(frame.group_by("action").len().iter_rows())
    # five imports, 3 + 1 failed items, one empty day, one day missing (03/05)
    assert actions == {"Import": 5, "Item failed": 4, "No items ingested": 1, "Missing day": 1}
    assert set(frame["app"].cast(str)) >= {"Acme Chat archive"}


def test_data_connector_invariant_flag_in_reason():
    frame = read(DC / "admin_log_text.txt").frame
    imports = frame.filter(pl.col("action") == "Import")
    broken = imports.filter(pl.col("time") == datetime(2024, 3, 4, 6, 15, 51, tzinfo=UTC))
    row = broken.row(0, named=True)
    # 1480 + 4 + 6 + 2 = 1492, not the 1500 available for import.
    assert row["outcome"] == "failure"
    assert row["reason"] == (
        "counts disagree: available for import 1500 != imported 1480 + partially imported 4 "
        "+ skipped 6 + failed 2 = 1492"
    )
    by_day = {r["time"].day: r for r in imports.iter_rows(named=True)}
    assert by_day[1]["outcome"] == "success" and by_day[1]["reason"] is None
    assert by_day[2]["reason"] == "3 of 980 items failed"
    assert "available for import 1248" in by_day[1]["request"]


def test_data_connector_failed_items_linked_to_their_import():
    frame = read(DC / "admin_log_text.txt").frame
    items = frame.filter(pl.col("action") == "Item failed")
    reasons = items["reason"].to_list()
    assert "Recipient mailbox not found" in reasons
    assert "Attachment could not be downloaded from source" in reasons
    unmapped = items.filter(pl.col("reason") == "User mapping not found for source user")
    row = unmapped.row(0, named=True)
    assert row["user"] == "asmith@chat.example"  # no M365 User ID: the source user
    assert row["time"] == datetime(2024, 3, 2, 6, 10, 5, tzinfo=UTC)
    assert "import completed 03/02/2024 06:10:05 AM" in row["request"]


def test_data_connector_missing_and_empty_days():
    frame = read(DC / "admin_log_text.txt").frame
    missing = frame.filter(pl.col("action") == "Missing day").row(0, named=True)
    assert missing["time"] == datetime(2024, 3, 5, tzinfo=UTC)
    assert missing["outcome"] == "failure" and "03/05/2024" in missing["reason"]
    empty = frame.filter(pl.col("action") == "No items ingested").row(0, named=True)
    assert empty["time"] == datetime(2024, 3, 3, tzinfo=UTC)
    assert empty["response"] == "No items ingested on 03/03/2024."


def test_data_connector_csv_layout():
    frame = read(DC / "admin_log_summary.csv").frame
    assert frame["action"].cast(str).to_list() == [
        "Import",
        "Item failed",
        "Item failed",
        "Import",
        "No items ingested",
        "Import",
    ]
    flagged = frame.row(3, named=True)
    assert flagged["reason"].startswith("counts disagree: available for import 510 != ")
    assert flagged["reason"].endswith("= 509")
    assert frame["reason"][2] == "User mapping not found for source user, item skipped"
    assert frame["outcome"].cast(str).to_list()[-1] == "success"


def test_mixpanel_failed_run_reason_and_statuses():
    frame = read(MIX / "history_pages.jsonl").frame
    assert frame.height == 4
    assert set(frame["action"].cast(str)) == {"Import run"}
    failed = frame.filter(pl.col("outcome") == "failure").sort("time")
    assert failed["reason"].to_list() == [
        "failed without an error message",
        "Access Denied: the service account cannot read gs://acme-events/2020/09/16/ (code 403)",
    ]
    ok = frame.filter(pl.col("time") == datetime(2020, 9, 17, 7, tzinfo=UTC)).row(0, named=True)
    assert ok["outcome"] == "success"
    assert "events imported 184220" in ok["request"] and "events dropped 280" in ok["request"]


def test_mixpanel_unset_times_and_pretty_responses():
    frame = read(MIX / "history_queued_then_running.json").frame
    assert frame["outcome"].cast(str).to_list() == ["pending", "pending"]
    queued = frame.filter(pl.col("request").str.contains("status queued")).row(0, named=True)
    # start_time 0001-01-01 means unset: placed at the newest time the file knows of.
    assert queued["time"] == datetime(2020, 9, 16, 7, tzinfo=UTC)
    assert "start time not set" in queued["request"]
    running = frame.filter(pl.col("request").str.contains("status running")).row(0, named=True)
    assert "progress 25%" in running["request"]


def test_formats_open_together_in_time_order():
    paths = [
        DC / "admin_log_text.txt",
        MIX / "history_pages.jsonl",
        FIXTURES / "power_platform" / "connector_events_mgmt_api.jsonl",
        FIXTURES / "connector_log_small.csv",
    ]
    result = read(*paths)
    frame = result.frame
    assert frame["time"].is_sorted()
    assert set(frame["format"].cast(str)) == {"data_connector", "mixpanel", "purview", "mangoapps"}
    assert set(frame["source"].cast(str)) == {str(p) for p in paths}
    assert frame.filter(pl.col("format") == "mixpanel").height == 4
