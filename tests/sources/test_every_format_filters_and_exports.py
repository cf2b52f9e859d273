"""Every format works with every filter and with `connlog export`, through the real CLI:
the rows exported for a filter are the rows the loaded frame holds for it."""

from __future__ import annotations

import csv
import io
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest
from samples import FIXTURES, shared_sample

from connlog_tui.sources import load

ROOT = Path(__file__).resolve().parents[2]
FORMAT_FILES = {
    "mangoapps": ROOT / "connlog_tui" / "data" / "demo_connector_log.csv",
    "purview": FIXTURES / "purview_ual" / "audit_search_new_layout.csv",
    "purview-api": FIXTURES / "o365_mgmt_api" / "panther_microsoft365_audit_testcases.jsonl",
    "power-platform": FIXTURES / "power_platform",
    "data_connector": FIXTURES / "data_connector" / "admin_log_text.txt",
    "mixpanel": FIXTURES / "mixpanel" / "history_pages.jsonl",
    "okta": ROOT / "connlog_tui" / "data" / "demo_okta_system_log.jsonl",
    "entra": FIXTURES / "entra_graph_exports" / "graph_directory_audits_powershell.json",
    "entra-monitor": FIXTURES
    / "sso"
    / "entra"
    / "panther_azure_monitor_signin_audit_testcases.jsonl",
    "auth0": FIXTURES / "sso" / "auth0" / "panther_auth0_events_testcases.jsonl",
    "google_workspace": FIXTURES
    / "sso"
    / "google_workspace"
    / "reports_api_login_activities.jsonl",
}
# Larger real exports of the same formats, whose licences keep them out of fixtures/.
SHARED_FORMAT_FILES = {
    "purview": "purview_ual/huntress2023_rogue_inbox_purview_export.csv",
    "entra": "entra_graph_exports/mes_20250502131826-AuditLogs.json",
    "google_workspace": "sso/google_workspace/elastic_integrations_google_workspace_login.jsonl",
}


def export_rows(path: Path, *args: str) -> list[dict]:
    result = subprocess.run(
        [sys.executable, "-m", "connlog_tui", "export", str(path), *args, "-o", "-"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return list(csv.DictReader(io.StringIO(result.stdout)))


@pytest.mark.parametrize("name", list(FORMAT_FILES))
def test_filters_and_export_work_on_every_format(name):
    check_filters_and_export(FORMAT_FILES[name], name)


@pytest.mark.parametrize("name", list(SHARED_FORMAT_FILES))
def test_filters_and_export_on_shared_samples(name):
    check_filters_and_export(shared_sample(SHARED_FORMAT_FILES[name]), name)


def check_filters_and_export(path: Path, name: str) -> None:
    frame = load([str(path)], use_cache=False).frame
    assert frame.height > 0
    # The most common action of the log's most common application, as an admin would pick.
    pairs = (
        frame.select(pl.col("action", "app").cast(pl.String))
        .drop_nulls()
        .group_by("action", "app")
        .len()
        .sort(["len", "action", "app"], descending=[True, False, False])
    )
    action, app = pairs["action"][0], pairs["app"][0]
    expected = frame.filter(
        (pl.col("action").cast(pl.String) == action) & (pl.col("app").cast(pl.String) == app)
    )
    rows = export_rows(path, "--action", action.upper(), "--app", app.lower())
    assert len(rows) == expected.height > 0
    assert {r["Action"] for r in rows} == {action}
    # A date range: the day of the newest event, as a whole day.
    day = frame["time"].max().date().isoformat()
    on_day = frame.filter(pl.col("time").dt.date().cast(pl.String) == day).height
    assert len(export_rows(path, "--since", day, "--until", day)) == on_day
    # Free text in a payload, and a user substring, where the log has users.
    users = frame["user"].drop_nulls()
    if len(users):
        user = users[0].strip()
        wanted = frame.filter(
            pl.col("user_key").cast(pl.String).str.contains(user.lower(), literal=True)
        ).height
        assert len(export_rows(path, "--user", user.upper())) == wanted
    word = "success" if name != "data_connector" else "imported"
    searched = frame.filter(
        pl.any_horizontal(
            pl.col(c).cast(pl.String).str.to_lowercase().str.contains(word, literal=True)
            for c in (
                "app",
                "action",
                "request_type",
                "user",
                "request",
                "response",
                "outcome",
                "reason",
                "diagnosis",
                "ip",
                "source",
                "format",
            )
        ).fill_null(False)
    ).height
    assert len(export_rows(path, "--search", word.upper())) == searched
