"""`--map` mappings, saved TOML mappings (`--format NAME`), format detection and its error,
`describe_formats`, and every public sample of a supported format loading by detection.
Samples come from fixtures/ (licences in fixtures/SOURCES.md) or, the optional ones whose
licences keep them out of this repository, from ../shared/samples (tests/samples.py)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import polars as pl
import pytest
from samples import FIXTURES, shared_sample

from connlog_tui.errors import ConnlogError
from connlog_tui.sources import describe_formats, detect, load
from connlog_tui.sources.base import open_source
from connlog_tui.sources.mapped import formats_dir, save_mapping

# file -> (format, rows, quarantined), counted by reading each file (see SOURCES.md).
EXPECTED = {
    "purview_ual/audit_search_new_layout.csv": ("purview", 7, 0),
    "entra_graph_exports/graph_directory_audits_powershell.json": ("entra", 5, 0),
    "sso/google_workspace/reports_api_login_activities.jsonl": ("google_workspace", 7, 0),
    "purview_ual/huntress2023_rogue_inbox_purview_export.csv": ("purview", 219, 0),
    "purview_ual/msdocs_search-unifiedauditlog_formatlist_omeportal.txt": ("purview", 2, 0),
    "purview_ual/msdocs_search-unifiedauditlog_formatlist_aipdiscover_multiline.txt": (
        "purview",
        1,
        0,
    ),
    "o365_mgmt_api/huntress2023_auditdata_unwrapped.jsonl": ("purview", 219, 0),
    "o365_mgmt_api/beats_o365_04-sharepoint.jsonl": ("purview", 4, 0),
    "o365_mgmt_api/beats_o365_25-ms-teams.jsonl": ("purview", 4, 0),
    "o365_mgmt_api/beats_o365_40-sec-comp-alerts.jsonl": ("purview", 3, 0),
    "o365_mgmt_api/beats_o365_stringly-json_powerbi.jsonl": ("purview", 1, 0),
    "o365_mgmt_api/msdocs_mgmt_api_retrieve_content_sample_response.json": ("purview", 3, 0),
    "o365_mgmt_api/panther_microsoft365_audit_testcases.jsonl": ("purview", 19, 0),
    "sso/okta/vector_okta_system_log_api_200_response.json": ("okta", 1, 0),
    "sso/okta/panther_okta_systemlog_testcases.jsonl": ("okta", 51, 14),
    "entra_graph_exports/mes_20250502131826-AuditLogs.json": ("entra", 123, 0),
    "entra_graph_exports/mes_20250502132321-managedIdentity-SignInLogs.json": ("entra", 28, 0),
    "entra_graph_exports/mes_20250502132320-servicePrincipal-SignInLogs_TRUNCATED_first80of494"
    ".json": ("entra", 80, 0),
    "sso/entra/elastic_integrations_azure_signinlogs_sample.jsonl": ("entra", 2, 0),
    "sso/entra/msgraph_docs_signins_list_response_INVALID_trailing_comma.json": ("entra", 1, 0),
    "sso/entra/panther_azure_monitor_signin_audit_testcases.jsonl": ("entra", 47, 0),
    "sso/auth0/panther_auth0_events_testcases.jsonl": ("auth0", 49, 0),
    "sso/google_workspace/elastic_integrations_google_workspace_login.jsonl": (
        "google_workspace",
        17,
        0,
    ),
    "sso/google_workspace/panther_gsuite_activityevent_login_saml_token_testcases.jsonl": (
        "google_workspace",
        4,
        18,
    ),
}


def sample(name: str) -> Path:
    """fixtures/NAME when the sample is kept there, else the optional shared copy."""
    copy = FIXTURES / name
    return copy if copy.is_file() else shared_sample(name)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_every_sample_of_a_supported_format_loads(name):
    format, rows, quarantined = EXPECTED[name]
    path = sample(name)
    assert detect(open_source(path)).name == format
    result = load([str(path)])
    assert (result.frame.height, result.quarantine.height) == (rows, quarantined)


def test_unrecognised_file_names_the_closest_formats(write):
    path = write("odd.jsonl", json.dumps({"eventType": "x", "when": "2024-01-01"}) + "\n")
    with pytest.raises(ConnlogError, match=r"odd.jsonl: format not recognised \(closest: okta"):
        load([str(path)])
    # An ETL tool's run log ("time component > message" lines, as Airbyte writes them).
    run_log = write(
        "sync.log",
        "2024-10-01 10:00:00 replication-orchestrator > starting sync\n"
        "2024-10-01 10:00:05 replication-orchestrator > read 1200 records from source\n"
        "2024-10-01 10:00:09 replication-orchestrator > sync summary: {\n"
        '  "status" : "completed",\n'
        '  "recordsSynced" : 1200\n'
        "}\n",
    )
    with pytest.raises(ConnlogError, match="no format comes close"):
        load([str(run_log)])


def test_describe_formats_lists_every_reader_and_saved_mappings():
    save_mapping("billing", {"time": "ts", "action": "event"}, "Billing sync log")
    names = dict(describe_formats())
    for name in ("mangoapps", "purview", "data_connector", "mixpanel", "okta", "entra"):
        assert name in names
    assert "auth0" in names and "google_workspace" in names
    assert names["billing"] == "saved mapping: Billing sync log"


def test_map_csv_columns_and_a_path_inside_a_json_cell():
    path = FIXTURES / "etl_connector_runs" / "fivetran_dbt_fivetran_log__log.csv"
    mappings = {
        "time": "time_stamp",
        "app": "connection_id",
        "action": "message_event",
        "outcome": "event",
        "reason": "message_data.message",
    }
    result = load([str(path)], mappings=mappings, use_cache=False)
    frame = result.frame
    assert set(frame["format"].cast(str)) == {"mapped"}
    warning = frame.filter(pl.col("app") == "legislative_lazy").row(0, named=True)
    assert warning["time"] == datetime(2021, 2, 13, 13, 34, 3, 343000, tzinfo=UTC)
    assert warning["action"] == "warning"
    assert warning["reason"].startswith("salesforce.affectlayer__AffectLayer_User_Setting__")
    assert warning["outcome"] == "info"  # WARNING is not a failure
    api = frame.filter(pl.col("app") == "paint_wedges").row(0, named=True)
    assert api["action"] == "api_call"
    assert (
        json.loads(api["response"])["message_data"] == '{"method":"GET","uri":"https://google.com"}'
    )


def test_map_a_bom_csv_with_us_dates():
    path = shared_sample("entra_graph_exports/mes_202504220931-RiskyDetections.csv")
    mappings = {
        "time": "ActivityDateTime",
        "action": "RiskEventType",
        "user": "UserPrincipalName",
        "ip": "IPAddress",
        "request_type": "RiskLevel",
    }
    frame = load([str(path)], mappings=mappings, use_cache=False).frame
    assert frame.height == 58
    assert frame["time"].min() <= datetime(2025, 1, 26, 20, 20, 44, tzinfo=UTC)


def test_map_nested_json_paths_and_saved_format(write):
    records = [
        {
            "ts": "2024-06-01T12:00:00Z",
            "event": {"type": "sync.failed"},
            "actor": {"email": "a@x"},
            "status": "error",
            "error": {"detail": "token expired"},
        },
        {
            "ts": "2024-06-01T12:05:00Z",
            "event": {"type": "sync.done"},
            "actor": {"email": "b@x"},
            "status": "ok",
        },
    ]
    path = write("custom.jsonl", "\n".join(json.dumps(r) for r in records) + "\n")
    mappings = {
        "time": "ts",
        "action": "event.type",
        "user": "actor.email",
        "outcome": "status",
        "reason": "error.detail",
    }
    direct = load([str(path)], mappings=mappings, use_cache=False).frame
    assert direct["action"].cast(str).to_list() == ["sync.failed", "sync.done"]
    assert direct["outcome"].cast(str).to_list() == ["failure", "success"]
    assert direct["reason"].to_list() == ["token expired", None]
    saved = save_mapping("mylog", mappings, "My connector")
    assert saved == formats_dir() / "mylog.toml"
    again = load([str(path)], format="mylog", use_cache=False).frame
    assert set(again["format"].cast(str)) == {"mylog"}
    assert again.drop("format").equals(direct.drop("format"))


def test_map_errors_are_one_line(write):
    path = write("c.csv", "when,what\n2024-01-01,x\n")
    with pytest.raises(ConnlogError, match="unknown column 'colour'"):
        load([str(path)], mappings={"time": "when", "colour": "what"})
    with pytest.raises(ConnlogError, match="map the time column"):
        load([str(path)], mappings={"action": "what"})
    with pytest.raises(ConnlogError, match="no column 'nope'"):
        load([str(path)], mappings={"time": "nope"}, use_cache=False)
    with pytest.raises(ConnlogError, match="unknown format 'nosuch'"):
        load([str(path)], format="nosuch")
