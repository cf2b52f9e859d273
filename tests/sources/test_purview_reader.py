"""Purview audit log reader. Expected values are read from the samples by hand (see
fixtures/SOURCES.md; the optional Huntress export is read from ../shared/samples). The Power
Platform fixtures under fixtures/power_platform/ were written by us from Microsoft's published
tables (the connector event names in "View the Power Platform connector activity logs", the
Management Activity API common schema, and the AdditionalInfo EnvironmentName / ActionName,
UserType and ResourceId fields): no public sample of these records exists. Their Workload
value "PowerPlatform" is our assumption."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import polars as pl
import pytest
from samples import FIXTURES, shared_sample

from connlog_tui.errors import ConnlogError
from connlog_tui.export import export
from connlog_tui.sources import detect, load
from connlog_tui.sources.base import open_source

ROOT = Path(__file__).resolve().parents[2]
PP = FIXTURES / "power_platform"
# A real tenant's export (a CTF's file, no licence stated): optional, not in fixtures/.
HUNTRESS_CSV = "purview_ual/huntress2023_rogue_inbox_purview_export.csv"
HUNTRESS_JSONL = "o365_mgmt_api/huntress2023_auditdata_unwrapped.jsonl"


def read(path: Path, **kw) -> pl.DataFrame:
    result = load([str(path)], use_cache=False, **kw)
    return result.frame


def test_portal_csv_new_layout():
    frame = read(shared_sample(HUNTRESS_CSV))
    assert frame.height == 219
    assert set(frame["format"].cast(str)) == {"purview"}
    counts = dict(frame.group_by("action").len().iter_rows())
    assert counts["New-InboxRule"] == 38
    assert counts["Reset user password."] == 34
    assert counts["UserLoggedIn"] == 20
    failed = frame.filter(pl.col("action") == "UserLoginFailed").row(0, named=True)
    assert failed["user"] == "DebraB@M365B132131.OnMicrosoft.com"
    assert failed["ip"] == "185.73.124.135"
    assert failed["outcome"] == "failure"
    assert "InvalidUserNameOrPassword" in failed["reason"] and "50126" in failed["reason"]
    assert failed["time"] == datetime(2023, 9, 26, 1, 51, 13, tzinfo=UTC)
    assert failed["request_type"] == "AzureActiveDirectoryStsLogon"
    # The payload is the AuditData cell, unescaped.
    assert failed["response"].startswith('{"CreationTime":"2023-09-26T01:51:13"')


def test_portal_csv_new_layout_written_from_the_schema():
    frame = read(FIXTURES / "purview_ual" / "audit_search_new_layout.csv")
    assert frame.height == 7 and set(frame["format"].cast(str)) == {"purview"}
    failed = frame.filter(pl.col("action") == "UserLoginFailed").row(0, named=True)
    assert (failed["user"], failed["ip"]) == ("megan.bowen@contoso.onmicrosoft.com", "203.0.113.77")
    assert failed["outcome"] == "failure"
    assert failed["reason"] == "InvalidUserNameOrPassword (50126)"
    assert failed["time"] == datetime(2024, 4, 2, 8, 3, 40, tzinfo=UTC)
    assert failed["request_type"] == "AzureActiveDirectoryStsLogon"
    rule = frame.filter(pl.col("action") == "New-InboxRule").row(0, named=True)
    assert rule["ip"] == "203.0.113.77"  # the port Exchange appends is dropped
    assert rule["request"] == "Name=Move to RSS; MoveToFolder=RSS Feeds"
    assert json.loads(rule["response"])["Id"] == "6f1e2d3c-0000-4000-8000-000000000004"


def test_csv_and_management_api_jsonl_agree():
    csv_frame = read(shared_sample(HUNTRESS_CSV))
    json_frame = read(shared_sample(HUNTRESS_JSONL))
    cols = ["time", "app", "action", "user", "outcome", "ip"]
    assert csv_frame.select(cols).equals(json_frame.select(cols))
    # Payloads: the CSV cell verbatim, the JSON record re-serialised; the same JSON.
    pairs = zip(csv_frame["response"], json_frame["response"], strict=True)
    assert all(json.loads(a) == json.loads(b) for a, b in pairs)


def test_format_list_text_single_line_and_pretty_audit_data():
    ome = read(FIXTURES / "purview_ual" / "msdocs_search-unifiedauditlog_formatlist_omeportal.txt")
    assert ome["action"].cast(str).to_list() == ["MessageAccess", "AttachmentReview"]
    assert ome["request_type"].cast(str).to_list() == ["OMEPortal", "OMEPortal"]
    assert ome["outcome"].cast(str).to_list() == ["success", "failure"]
    assert ome["time"][0] == datetime(2023, 3, 22, 19, 0, 59, tzinfo=UTC)
    aip = read(
        FIXTURES
        / "purview_ual"
        / "msdocs_search-unifiedauditlog_formatlist_aipdiscover_multiline.txt"
    )
    row = aip.row(0, named=True)
    assert (row["user"], row["ip"], row["app"]) == (
        "ipadmin@champion365.onmicrosoft.com",
        "104.190.163.53",
        "Aip",
    )
    assert row["request_type"] == "AipDiscover"
    assert '"ProtectionType":"Custom"' in row["response"]  # pretty JSON kept, compacted


def test_management_api_array_with_login_error():
    frame = read(
        FIXTURES / "o365_mgmt_api" / "msdocs_mgmt_api_retrieve_content_sample_response.json"
    )
    assert frame.height == 3
    first = frame.row(0, named=True)
    assert first["action"] == "PasswordLogonInitialAuthUsingPassword"
    assert first["outcome"] == "failure"
    assert "PP_E_BAD_PASSWORD" in first["reason"]
    assert first["ip"] == "134.170.188.221"
    assert frame["action"][2] == "Add User."


def test_lower_case_keys_are_read():
    frame = read(FIXTURES / "o365_mgmt_api" / "panther_microsoft365_audit_testcases.jsonl")
    assert frame.height == 19
    mailbox = frame.filter(pl.col("action") == "Set-Mailbox")
    assert mailbox.height >= 1
    assert mailbox["app"][0] == "Exchange"
    assert "ForwardingSmtpAddress=smtp:" in mailbox["request"][0]


def test_power_platform_connector_events():
    frame = read(PP / "connector_events_mgmt_api.jsonl")
    assert frame.height == 8
    assert frame["action"][3] == "Connection created or edited"
    shared = frame.filter(pl.col("action") == "Connection permission added or edited").row(
        0, named=True
    )
    assert shared["outcome"] == "failure"
    assert "ActionName: ShareConnection" in shared["request"]
    assert "EnvironmentName: Default-5f1c3c0e-7d0a-4d33-9b51-1f0a2b7c4e90" in shared["request"]
    assert (
        "ResourceId: /providers/Microsoft.PowerApps/apis/shared_sql/connections/"
        in (shared["request"])
    )
    dlp = frame.filter(pl.col("action") == "Added ConnectionDlpEvaluationResult").row(0, named=True)
    assert "UserType: 2 (Admin)" in dlp["request"]
    assert dlp["user"] == "admin@contoso.onmicrosoft.com"


def test_power_platform_portal_csv_old_layout():
    frame = read(PP / "connector_events_portal_old_layout.csv")
    assert frame["action"].cast(str).to_list() == [
        "API made solution-aware",
        "API permission removed",
        "Gateway permission added or edited",
        "API deleted",
    ]
    assert frame["time"][0] == datetime(2024, 5, 7, 14, 20, 33, tzinfo=UTC)
    assert frame["outcome"].cast(str).to_list() == ["success", "success", "failure", "success"]


@pytest.mark.parametrize("suffix", [".csv", ".jsonl", ".json", ".parquet"])
def test_power_platform_export_round_trip(tmp_path, suffix):
    loaded = load([str(PP)], use_cache=False)
    assert loaded.frame.height == 12
    first = tmp_path / f"first{suffix}"
    second = tmp_path / f"second{suffix}"
    export(loaded.frame, str(first))
    again = load([str(first)], use_cache=False).frame
    assert set(again["format"].cast(str)) == {"purview"}  # kept from the export
    assert again.select("time", "action", "request", "reason").equals(
        loaded.frame.select("time", "action", "request", "reason")
    )
    export(again, str(second))
    assert first.read_bytes() == second.read_bytes()


def test_old_layout_bad_audit_data_is_quarantined_with_its_line(write):
    path = write(
        "old.csv",
        "CreationDate,UserIds,Operations,AuditData\r\n"
        '5/7/2024 2:20:33 PM,a@x.com,API created,"{""CreationTime"":""2024-05-07T14:20:33"",'
        '""Operation"":""API created"",""Workload"":""PowerPlatform""}"\r\n'
        '5/7/2024 2:21:00 PM,b@x.com,API edited,"{not json"\r\n',
    )
    result = load([str(path)], use_cache=False)
    assert result.frame.height == 1
    assert result.quarantine["line"].to_list() == [3]
    assert "AuditData is not valid JSON" in result.quarantine["reason"][0]


def test_sniffed_from_content_not_name(write):
    path = write("export.txt", (PP / "connector_events_mgmt_api.jsonl").read_text())
    assert detect(open_source(path)).name == "purview"


def test_broken_pretty_json_names_the_line(write):
    path = write(
        "broken.json",
        '[\n  {\n    "CreationTime": "2024-01-01T00:00:00",\n    "Operation": x\n  }\n]\n',
    )
    with pytest.raises(ConnlogError, match=r"broken.json: invalid JSON at line 4"):
        load([str(path)], format="purview", use_cache=False)
