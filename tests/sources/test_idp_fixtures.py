"""Okta, Auth0 and Entra readers on small fixtures written from the vendors' documented
fields (fixtures/idp/, origin in fixtures/SOURCES.md): what each event type means."""

from __future__ import annotations

from pathlib import Path

import polars as pl

from connlog_tui.schema import OUTCOMES
from connlog_tui.sources import load
from connlog_tui.triage import failure_groups, stitch_attempts

IDP = Path(__file__).resolve().parents[2] / "fixtures" / "idp"


def read(name: str) -> pl.DataFrame:
    return load([str(IDP / name)], use_cache=False).frame


def by_action(frame: pl.DataFrame) -> dict[str, dict]:
    return {row["action"]: row for row in frame.iter_rows(named=True)}


# -- Okta -------------------------------------------------------------------------------


def test_okta_request_type_names_the_event_family_not_the_word_user():
    rows = by_action(read("okta_system_log.jsonl"))
    assert rows["user.session.start"]["request_type"] == "Session"
    assert rows["user.authentication.sso"]["request_type"] == "Authentication"
    assert rows["user.authentication.auth_via_mfa"]["request_type"] == "Authentication"
    assert rows["user.lifecycle.update"]["request_type"] == "User lifecycle"
    assert rows["policy.evaluate_sign_on"]["request_type"] == "Policy"
    assert "user" not in {row["request_type"] for row in rows.values()}


def test_okta_challenge_is_an_interrupt_not_a_failure():
    rows = by_action(read("okta_system_log.jsonl"))
    assert rows["policy.evaluate_sign_on"]["outcome"] == "interrupt"
    assert rows["user.authentication.auth_via_mfa"]["outcome"] == "failure"


# -- Auth0 ------------------------------------------------------------------------------


def test_auth0_callback_mismatch_takes_its_application_from_the_query_string():
    frame = read("auth0_logs.jsonl")
    mismatches = frame.filter(pl.col("reason").str.starts_with("Callback URL mismatch"))
    assert mismatches.height == 2
    # The client_id of details.qs, named by the client_name other events give that id.
    assert mismatches["app"].cast(pl.String).to_list() == [
        "Payroll Portal",
        "ZzYyXxWwVvUuTtSsRrQqPpOoNnMm9876",
    ]


def test_auth0_mfa_required_is_an_interrupt():
    rows = by_action(read("auth0_logs.jsonl"))
    assert rows["MFA Required (mfar)"]["outcome"] == "interrupt"


# -- Entra ------------------------------------------------------------------------------


def test_entra_interrupts_have_an_outcome_of_their_own():
    assert "interrupt" in OUTCOMES
    frame = read("entra_signins_interrupts.json")
    outcome = {
        row["reason"].split(":")[0] if row["reason"] else "0": row["outcome"]
        for row in frame.iter_rows(named=True)
    }
    assert outcome == {
        "50074": "interrupt",
        "50140": "interrupt",
        "0": "success",
        "50126": "failure",
        "50125": "interrupt",
    }


def test_entra_interrupts_stay_out_of_failure_counts():
    frame = read("entra_signins_interrupts.json")
    groups = failure_groups(frame)
    assert groups["count"].sum() == 1
    assert groups.row(0, named=True)["reason"].startswith("50126")


def test_an_interrupt_is_a_step_of_the_attempt_it_interrupts():
    frame = read("entra_signins_interrupts.json")
    attempts = stitch_attempts(frame)
    emily = frame.filter(pl.col("user") == "emily.nguyen@contoso.example")["row_id"].to_list()
    holding = attempts.filter(pl.col("row_ids").list.contains(emily[-1])).row(0, named=True)
    # MFA prompt, "keep me signed in", then success: one attempt that succeeded.
    assert holding["row_ids"] == emily
    assert holding["outcome"] == "success"


def test_auth0_silent_auth_that_needs_a_login_is_an_interrupt():
    frame = read("auth0_logs.jsonl").filter(pl.col("action") == "Failed Silent Auth (fsa)")
    outcomes = dict(zip(frame["reason"].to_list(), frame["outcome"].to_list(), strict=True))
    assert outcomes == {
        "Login required": "interrupt",
        "Unknown client: AbCdEfGhIjKlMnOpQrStUvWxYz099999": "failure",
    }
