"""Okta, Entra ID, Auth0 and Google Workspace readers on public samples (fixtures/, licences
in fixtures/SOURCES.md; the optional ones from ../shared/samples, see tests/samples.py).
Expected values come from reading the sample files by hand."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import polars as pl
from samples import FIXTURES, shared_sample

from connlog_tui.sources import load

SSO = FIXTURES / "sso"


def read(path: Path):
    return load([str(path)], use_cache=False)


# -- Okta -------------------------------------------------------------------------------


def test_okta_api_response_array():
    frame = read(shared_sample("sso/okta/vector_okta_system_log_api_200_response.json")).frame
    row = frame.row(0, named=True)
    assert frame.height == 1 and row["format"] == "okta"
    assert row["time"] == datetime(2024, 8, 13, 15, 58, 20, 353000, tzinfo=UTC)
    assert (row["action"], row["request_type"]) == ("user.session.start", "Session")
    assert (row["user"], row["ip"], row["outcome"]) == (
        "john.doe@example.com",
        "10.0.0.1",
        "success",
    )
    assert row["request"] == "User login to Okta"


def test_okta_jsonl_with_lower_case_keys_and_missing_dates():
    result = read(SSO / "okta" / "panther_okta_systemlog_testcases.jsonl")
    # 65 events: 3 have published "redacted", 11 have no published at all.
    assert result.frame.height + result.quarantine.height == 65
    reasons = result.quarantine["reason"].to_list()
    assert reasons.count("unreadable date: redacted") == 3
    assert reasons.count("missing date") == 11
    failed = result.frame.filter(pl.col("reason") == "INVALID_CREDENTIALS")
    assert failed.height >= 1
    assert set(failed["outcome"].cast(str)) == {"failure"}
    assert failed["user"][0] == "homer.simpson@duff.com"  # actor under lower-case keys
    deny = result.frame.filter(pl.col("reason").str.contains("Too many requests", literal=True))
    assert set(deny["outcome"].cast(str)) == {"failure"}  # outcome.result DENY


# -- Entra ------------------------------------------------------------------------------


def test_entra_graph_audit_export_with_bom():
    frame = read(shared_sample("entra_graph_exports/mes_20250502131826-AuditLogs.json")).frame
    assert frame.height == 123
    assert set(frame["format"].cast(str)) == {"entra"}
    assert set(frame["outcome"].cast(str)) == {"success"}  # every record says "success"
    added = pl.col("request").str.contains("contractor.menno@", literal=True)
    first = frame.filter((pl.col("action") == "Add user") & added).row(0, named=True)
    assert first["user"] == "charles.taylor@bonacu.onmicrosoft.com"
    assert first["ip"] == "132.164.106.179"
    assert first["app"] == "Core Directory"
    assert "contractor.menno@bonacu.onmicrosoft.com (User)" in first["request"]


def test_entra_graph_audit_export_by_powershell():
    path = FIXTURES / "entra_graph_exports" / "graph_directory_audits_powershell.json"
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")  # ConvertTo-Json's BOM
    frame = read(path).frame
    assert frame.height == 5 and set(frame["format"].cast(str)) == {"entra"}
    failed = frame.filter(pl.col("outcome") == "failure").row(0, named=True)
    assert failed["action"] == "Reset password (by admin)"
    assert failed["reason"] == "The password does not meet the policy"
    assert (failed["user"], failed["ip"]) == ("helpdesk@contoso.onmicrosoft.com", "198.51.100.8")
    assert failed["app"] == "Self-service Password Management"
    assert failed["request"] == "UserManagement: megan.bowen@contoso.onmicrosoft.com (User)"
    assert failed["time"] == datetime(2024, 5, 6, 9, 20, 15, tzinfo=UTC)


def test_entra_graph_sign_in_exports():
    managed = read(
        shared_sample("entra_graph_exports/mes_20250502132321-managedIdentity-SignInLogs.json")
    ).frame
    assert managed.height == 28
    assert set(managed["request_type"].cast(str)) == {"ManagedIdentitySignInLogs"}
    assert set(managed["user"]) == {"tokens-1"}
    # errorCode 0 with failureReason "Other." is a success, and no reason.
    assert set(managed["outcome"].cast(str)) == {"success"}
    assert managed["reason"].null_count() == 28
    sp = read(
        shared_sample(
            "entra_graph_exports/"
            "mes_20250502132320-servicePrincipal-SignInLogs_TRUNCATED_first80of494.json"
        )
    ).frame
    assert sp.height == 80
    assert dict(sp.group_by("app").len().iter_rows()) == {
        "Petra Forwarder": 75,
        "Splunk Connector": 5,
    }


def test_entra_graph_response_with_trailing_comma_is_accepted():
    # The published sample has a comma before "]" (not strict JSON): read leniently.
    frame = read(SSO / "entra" / "msgraph_docs_signins_list_response_INVALID_trailing_comma.json")
    row = frame.frame.row(0, named=True)
    assert frame.frame.height == 1 and frame.quarantine.height == 0
    assert (row["user"], row["app"], row["ip"]) == (
        "testaccount1@contoso.com",
        "Graph explorer",
        "131.107.159.37",
    )
    assert row["time"] == datetime(2020, 3, 13, 19, 15, 41, 619583, tzinfo=UTC)
    assert row["request_type"] == "SignInLogs"


def test_entra_azure_monitor_records():
    frame = read(SSO / "entra" / "panther_azure_monitor_signin_audit_testcases.jsonl").frame
    assert frame.height == 47
    failures = frame.filter(pl.col("outcome") == "failure")
    # 50053 x2, 50126 x2, 7000215 x6 (sign-ins) and one failed "Invite external user".
    assert failures.height == 11
    locked = failures.filter(pl.col("user") == "boromir@lotr.com").row(0, named=True)
    assert locked["reason"].startswith("50053: The account is locked")
    assert locked["ip"] == "4.4.4.4" and locked["app"] == "Microsoft Office"
    cats = dict(frame.group_by("request_type").len().iter_rows())
    assert cats["SignInLogs"] == 15 and cats["AuditLogs"] == 15
    assert cats["ServicePrincipalSignInLogs"] == 8 and cats["NonInteractiveUserSignInLogs"] == 3


def test_entra_azure_monitor_event_hub_sample():
    elastic = read(shared_sample("sso/entra/elastic_integrations_azure_signinlogs_sample.jsonl"))
    elastic = elastic.frame
    assert elastic["user"].to_list() == ["mpliftrelastic20210901@outlook.com"] * 2
    assert elastic["app"].cast(str).to_list() == ["Azure Portal"] * 2


def test_entra_value_envelope(write):
    record = {
        "id": "1",
        "createdDateTime": "2024-02-01T10:00:00Z",
        "userPrincipalName": "a@contoso.com",
        "appDisplayName": "Salesforce",
        "ipAddress": "192.0.2.1",
        "status": {"errorCode": 50126, "failureReason": "Invalid username or password"},
    }
    doc = {"@odata.context": "x", "value": [record, dict(record, id="2")]}
    path = write("signins.json", json.dumps(doc, indent=2))
    frame = read(path).frame
    assert frame["outcome"].cast(str).to_list() == ["failure", "failure"]
    assert frame["reason"][0] == "50126: Invalid username or password"


# -- Auth0 ------------------------------------------------------------------------------


def test_auth0_log_stream_lines():
    frame = read(SSO / "auth0" / "panther_auth0_events_testcases.jsonl").frame
    assert frame.height == 49
    assert set(frame["format"].cast(str)) == {"auth0"}
    api = frame.filter(pl.col("action") == "Success API Operation (sapi)")
    assert api.height == 37
    blocked = frame.filter(pl.col("action") == "Blocked Account (limit_wc)").row(0, named=True)
    assert (blocked["user"], blocked["ip"], blocked["outcome"]) == (
        "john@justice.org",
        "1.2.3.4",
        "failure",
    )
    reuse = frame.filter(pl.col("action").cast(str).str.ends_with("(ferrt)")).row(0, named=True)
    assert "reused refresh token" in reuse["reason"]


def test_auth0_management_api_array(write):
    events = [
        {
            "date": "2024-03-01T10:00:00.000Z",
            "type": "s",
            "client_name": "Portal",
            "user_name": "a@x.com",
            "ip": "192.0.2.5",
            "log_id": "1",
        },
        {
            "date": "2024-03-01T10:01:00.000Z",
            "type": "fp",
            "client_name": "Portal",
            "user_name": "b@x.com",
            "ip": "192.0.2.6",
            "description": "Wrong email or password.",
            "log_id": "2",
        },
        {
            "date": "2024-03-01T10:02:00.000Z",
            "type": "fu",
            "client_name": "Portal",
            "user_name": "nobody@x.com",
            "description": "Wrong email or password.",
            "log_id": "3",
        },
    ]
    frame = read(write("auth0.json", json.dumps(events))).frame
    assert frame["action"].cast(str).to_list() == [
        "Success Login (s)",
        "Failed Login (Incorrect Password) (fp)",
        "Failed Login (Invalid Email/Username) (fu)",
    ]
    assert frame["outcome"].cast(str).to_list() == ["success", "failure", "failure"]
    assert frame["reason"][1] == "Wrong email or password."


# -- Google Workspace -------------------------------------------------------------------


def test_google_events_as_object():
    path = shared_sample("sso/google_workspace/elastic_integrations_google_workspace_login.jsonl")
    frame = read(path).frame
    assert frame.height == 17
    failure = frame.filter(pl.col("action") == "login_failure").row(0, named=True)
    assert failure["outcome"] == "failure"
    assert failure["reason"] == "login_failure_access_code_disallowed"
    assert (failure["user"], failure["ip"]) == ("foo@bar.com", "67.43.156.13")
    assert frame.filter(pl.col("action") == "login_success").height == 2


def test_google_reports_api_events_as_array_or_object():
    path = FIXTURES / "sso" / "google_workspace" / "reports_api_login_activities.jsonl"
    frame = read(path).frame
    assert frame["action"].cast(str).to_list() == [
        "login_success",
        "login_failure",
        "login_challenge",
        "login_success",  # "events" is an object on this line
        "logout",
        "login_failure",  # and on this one
        "login_challenge",  # asked for a second step, no result yet
    ]
    challenges = frame.filter(pl.col("action") == "login_challenge")
    # Passed is a success; a challenge with no status is a step of a login, like Entra's MFA.
    assert challenges["outcome"].cast(str).to_list() == ["success", "interrupt"]
    failures = frame.filter(pl.col("outcome") == "failure")
    assert failures["reason"].to_list() == [
        "login_failure_invalid_password",
        "login_failure_access_code_disallowed",
    ]
    assert (failures["user"][1], failures["ip"][1]) == ("sam@example.com", "192.0.2.200")


def test_google_flattened_events_and_missing_times():
    result = read(
        SSO / "google_workspace" / "panther_gsuite_activityevent_login_saml_token_testcases.jsonl"
    )
    # 22 records; only 4 carry id.time (one saml, three token).
    assert result.frame.height == 4
    assert result.quarantine.height == 18
    token = result.frame.filter(pl.col("action") == "authorize")
    assert token["app"][0] == "SuspiciousThirdPartyApp"


def test_google_events_array_gives_a_row_per_event(write):
    activity = {
        "kind": "admin#reports#activity",
        "id": {"time": "2024-01-02T03:04:05Z", "applicationName": "login"},
        "actor": {"email": "u@x.com"},
        "ipAddress": "192.0.2.9",
        "events": [
            {
                "type": "login",
                "name": "login_failure",
                "parameters": [
                    {"name": "login_failure_type", "value": "login_failure_invalid_password"}
                ],
            },
            {"type": "login", "name": "login_success", "parameters": []},
        ],
    }
    frame = read(
        write("g.json", json.dumps({"kind": "admin#reports#activities", "items": [activity]}))
    )
    frame = frame.frame
    assert frame["action"].cast(str).to_list() == ["login_failure", "login_success"]
    assert frame["reason"][0] == "login_failure_invalid_password"
