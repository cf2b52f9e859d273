"""SSO triage: diagnoses, login attempts, failure groups, histogram, n/N, compare, identities.

Expected values come from reading the fixtures (fixtures/connector_log_small.csv and the
python3-saml samples under fixtures/saml/), not from running the code.
"""

from __future__ import annotations

import base64
import csv
import io
import subprocess
import sys
import zlib
from datetime import UTC, datetime, timedelta
from urllib.parse import quote

import polars as pl
import pytest
from conftest import FIXTURES, SMALL_LOG
from polars.testing import assert_frame_equal

from connlog_tui import query
from connlog_tui.cli import demo_paths
from connlog_tui.sources import load
from connlog_tui.triage import (
    apply_diagnoses,
    attempt_of,
    compare_with_working,
    diagnose_rows,
    failure_groups,
    group_filter,
    histogram,
    identity_key,
    iter_diagnoses,
    kind_expr,
    message_keys,
    next_failure,
    rows_with_ids,
    stitch_attempts,
)
from connlog_tui.triage.compare import ABSENT
from connlog_tui.triage.message_ids import root_ids

HEADER = ["Date", "Application To/From", "Action", "Request Type", "Email ID/Login ID"]
HEADER += ["Request", "Response"]
SAML = FIXTURES / "saml"
T0 = datetime(2026, 3, 5, 10, 0, 0, tzinfo=UTC)

# The python3-saml valid unsigned response, with the values the tests replace.
RESPONSE_XML = base64.b64decode(
    (SAML / "python3-saml__responses_valid_unsigned_response.xml.b64.txt").read_text()
).decode()
ORIGINAL = {
    "in_response_to": "ONELOGIN_5fe9d6e499b2f0913206aab3f7191729049bb807",
    "audience": "https://pitbulk.no-ip.org/newonelogin/demo1/metadata.php</saml:Audience>",
    "destination": "https://pitbulk.no-ip.org/newonelogin/demo1/index.php?acs",
    "name_id": "492882615acf31c8096b627245d76ae53036c090",
}
AUTHN_REQUEST_XML = (SAML / "python3-saml__requests_authn_request.xml").read_text()
AUTHN_REQUEST_ID = "_ONELOGIN103428909abec424fa58327f79474984"
ZOOM_SP = "https://zoom.example/sp"
ZOOM_ACS = "https://zoom.example/saml/acs"


def iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def saml_response(
    issued: datetime,
    *,
    valid_for: timedelta = timedelta(minutes=5),
    audience: str = ZOOM_SP,
    destination: str = ZOOM_ACS,
    in_response_to: str = "_none",
    user: str = "someone@acme.example",
    groups: bool = True,
) -> str:
    """The sample response re-timed and re-addressed, as a POST-binding form body."""
    xml = RESPONSE_XML
    for old, new in (
        ('IssueInstant="2014-02-19T01:37:01Z"', f'IssueInstant="{iso(issued)}"'),
        ('NotBefore="2014-02-19T01:36:31Z"', f'NotBefore="{iso(issued - timedelta(seconds=30))}"'),
        ('NotOnOrAfter="2023-08-23T06:57:01Z"', f'NotOnOrAfter="{iso(issued + valid_for)}"'),
        (ORIGINAL["in_response_to"], in_response_to),
        (ORIGINAL["audience"], f"{audience}</saml:Audience>"),
        (ORIGINAL["destination"], destination),
        (ORIGINAL["name_id"], user),
    ):
        assert old in xml
        xml = xml.replace(old, new)
    if not groups:
        start = xml.index('<saml:Attribute Name="eduPersonAffiliation"')
        end = xml.index("</saml:Attribute>", start) + len("</saml:Attribute>")
        xml = xml[:start] + xml[end:]
    return "SAMLResponse=" + quote(base64.b64encode(xml.encode()).decode(), safe="")


def authn_request(request_id: str) -> str:
    """The sample AuthnRequest with another ID, in the redirect binding (DEFLATE)."""
    xml = AUTHN_REQUEST_XML.replace(AUTHN_REQUEST_ID, request_id).encode()
    packer = zlib.compressobj(9, zlib.DEFLATED, -15)
    deflated = packer.compress(xml) + packer.flush()
    encoded = quote(base64.b64encode(deflated).decode(), safe="")
    return f"GET https://idp.example/sso?SAMLRequest={encoded}&RelayState=x"


def write_log(write, rows: list[tuple]) -> pl.DataFrame:
    """Rows (time, app, action, request type, user, request, response) as a connector
    log CSV, loaded the way the app loads it."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(HEADER)
    for time, *rest in rows:
        writer.writerow([iso(time) if isinstance(time, datetime) else time, *rest])
    return load([str(write("log.csv", out.getvalue()))], use_cache=False).frame


def row_of(frame: pl.DataFrame, **match) -> dict:
    found = frame
    for column, value in match.items():
        found = found.filter(pl.col(column).cast(pl.String) == value)
    assert found.height == 1, match
    return found.row(0, named=True)


@pytest.fixture
def small() -> pl.DataFrame:
    return load([str(SMALL_LOG)], use_cache=False).frame


@pytest.fixture
def zoom(write) -> pl.DataFrame:
    """Three good Zoom logins, an expired assertion, one for the wrong audience, one
    sent to the wrong endpoint, and a failure of an app with no successful login."""
    ok = "Authentication-Applications"
    rows = [
        (T0, "Zoom", "SSO Successful", ok, "ann@acme.example", saml_response(T0), ""),
        (
            T0 + timedelta(minutes=1),
            "Zoom",
            "SSO Successful",
            ok,
            "ben@acme.example",
            saml_response(T0 + timedelta(minutes=1)),
            "",
        ),
        (
            T0 + timedelta(hours=2),
            "Zoom",
            "SSO Successful",
            ok,
            "cat@acme.example",
            saml_response(T0 + timedelta(hours=2)),
            "",
        ),
        # Issued 10:10, valid 5 min, reached Zoom at 10:19: expired 4 min before.
        (
            T0 + timedelta(minutes=19),
            "Zoom",
            "SSO Failed",
            ok,
            "dan@acme.example",
            saml_response(T0 + timedelta(minutes=10), groups=False),
            "",
        ),
        (
            T0 + timedelta(minutes=30),
            "Zoom",
            "SSO Failed",
            ok,
            "eve@acme.example",
            saml_response(T0 + timedelta(minutes=30), audience="urn:wrong"),
            "",
        ),
        (
            T0 + timedelta(minutes=40),
            "Zoom",
            "SSO Failed",
            ok,
            "fay@acme.example",
            saml_response(T0 + timedelta(minutes=40), destination="http://zoom.example/old"),
            "",
        ),
        (
            T0 + timedelta(minutes=50),
            "Lonely",
            "SSO Failed",
            ok,
            "gus@acme.example",
            saml_response(T0 + timedelta(minutes=50)),
            "",
        ),
    ]
    return write_log(write, rows)


# -- identities ---------------------------------------------------------------------------


def test_identity_key_lowercases_trims_and_optionally_drops_plus_tags():
    users = pl.DataFrame({"u": [" Jane.Doe+SSO@Acme.example ", "bob@acme.example", None, "a+b"]})
    plain = users.select(identity_key(pl.col("u"))).to_series().to_list()
    assert plain == ["jane.doe+sso@acme.example", "bob@acme.example", None, "a+b"]
    plus = users.select(identity_key(pl.col("u"), plus_addressing=True)).to_series().to_list()
    # No @: nothing to strip a tag from.
    assert plus == ["jane.doe@acme.example", "bob@acme.example", None, "a+b"]


# -- diagnoses ----------------------------------------------------------------------------


def test_small_log_failures_are_diagnosed(small):
    diagnoses = diagnose_rows(small)
    failing = small.filter(pl.col("outcome") == "failure")
    assert sorted(diagnoses["row_id"]) == sorted(failing["row_id"])
    by_user = {
        row_of(small, row_id=str(r["row_id"]))["user_key"]: r
        for r in diagnoses.iter_rows(named=True)
    }
    # bob: a SAML Response with Responder / AuthnFailed and "User account disabled".
    bob = by_user["bob.smith@acme.example"]
    assert bob["failure_reason"] == "Responder / AuthnFailed: User account disabled"
    assert bob["diagnosis"] == (
        "Sign-in refused by the identity provider: Responder / AuthnFailed: User account disabled"
    )
    # carol: an OAuth invalid_grant JSON error.
    carol = by_user["carol@acme.example"]
    assert carol["failure_reason"] == (
        "invalid_grant: AADSTS70008: The provided authorization code has expired, reissue"
    )
    # jane's logout failed with an HTML 500 page and nothing else.
    jane = by_user["jane.doe@acme.example"]
    assert jane["failure_reason"] == "HTTP 500 Internal Server Error"
    assert jane["diagnosis"] == "OAuth 2.0 Office 365 answered HTTP 500 Internal Server Error"
    # mallory's payloads are markup and escapes, no reason at all.
    mallory = by_user["mallory@acme.example"]
    assert mallory["failure_reason"] == "No reason recorded"
    assert mallory["diagnosis"] == "SSO Failed with no reason in the log"
    for text in diagnoses["diagnosis"]:
        assert text.isprintable()


def test_expired_assertion(zoom):
    dan = row_of(zoom, user_key="dan@acme.example")
    d = diagnose_rows(zoom).filter(pl.col("row_id") == dan["row_id"]).row(0, named=True)
    assert d["diagnosis"] == "Assertion expired 4 min before it reached Zoom: check the IdP's clock"
    assert d["failure_reason"] == "Assertion expired"
    assert d["expired"] is True
    assert d["skew_seconds"] == 9 * 60.0  # issued 10:10, event 10:19
    assert d["audience"] == ZOOM_SP and d["mismatch"] is None


def test_audience_and_destination_mismatch_against_successful_logins(zoom):
    diagnoses = diagnose_rows(zoom)

    def of(user: str) -> dict:
        rid = row_of(zoom, user_key=user)["row_id"]
        return diagnoses.filter(pl.col("row_id") == rid).row(0, named=True)

    eve = of("eve@acme.example")
    assert eve["mismatch"] == "audience" and eve["expired"] is False
    assert eve["failure_reason"] == "Audience mismatch"
    assert eve["diagnosis"] == (
        f"Audience 'urn:wrong' differs from the '{ZOOM_SP}' that Zoom's successful logins use"
    )
    fay = of("fay@acme.example")
    assert fay["mismatch"] == "destination"
    assert fay["diagnosis"] == (
        f"Destination 'http://zoom.example/old' differs from the '{ZOOM_ACS}' "
        "that Zoom's successful logins use"
    )
    # An app without a successful login has nothing to compare with.
    gus = of("gus@acme.example")
    assert gus["mismatch"] is None and gus["failure_reason"] == "No reason recorded"


def test_iter_diagnoses_in_chunks_equals_the_whole(zoom):
    chunks = list(iter_diagnoses(zoom, chunk=2))
    assert [c.height for c in chunks] == [2, 2]  # four failures
    assert pl.concat(chunks).equals(diagnose_rows(zoom))
    # Decoded a step at a time within a chunk, with a call between steps: the same rows.
    calls = []

    def carry_on() -> bool:
        calls.append(1)
        return False

    stepped = list(iter_diagnoses(zoom, chunk=3, step=1, between=carry_on))
    assert [c.height for c in stepped] == [3, 1] and len(calls) == 4
    assert pl.concat(stepped).equals(diagnose_rows(zoom))
    # `between` saying stop ends it mid-chunk: that chunk is not yielded.
    assert list(iter_diagnoses(zoom, chunk=3, step=1, between=lambda: True)) == []
    # Given rows: only those.
    one = diagnose_rows(zoom, pl.Series([3]))
    assert one["row_id"].to_list() == [zoom["row_id"][3]]


def test_apply_diagnoses_joins_on_row_id_in_frame_order(small):
    diagnoses = diagnose_rows(small).reverse()
    applied = apply_diagnoses(small, diagnoses)
    assert applied["row_id"].equals(small["row_id"])
    assert applied.columns[: small.width] == small.columns
    assert applied.filter(pl.col("outcome") == "failure")["diagnosis"].null_count() == 0
    assert applied.filter(pl.col("outcome") != "failure")["diagnosis"].null_count() == 8
    assert {"failure_reason", "skew_seconds", "expired", "mismatch"} <= set(applied.columns)
    # Applying again replaces rather than duplicates the derived columns.
    again = apply_diagnoses(applied, diagnoses)
    assert again.columns == applied.columns and again.equals(applied)
    # Only the columns asked for (what the browser shows), the same values.
    shown = apply_diagnoses(small, diagnoses, columns=("failure_reason", "diagnosis"))
    assert shown.columns == [*small.columns, "failure_reason"]
    assert shown.select("failure_reason", "diagnosis").equals(
        applied.select("failure_reason", "diagnosis")
    )


# -- login attempts -----------------------------------------------------------------------


def test_attempts_are_stitched_by_request_id_not_by_nearness(write):
    app, kind, user = "Zoom", "Authentication-Applications", "ann@acme.example"
    logout = "Logout-Applications"
    deflated = SAML / "python3-saml__logout_requests_logout_request_deflated.xml.b64.txt"
    logout_response = SAML / "python3-saml__logout_responses_logout_response.xml.b64.txt"
    slo_request = "GET /slo?SAMLRequest=" + quote(deflated.read_text().strip(), safe="")
    slo_response = "SAMLResponse=" + quote(logout_response.read_text().strip(), safe="")
    frame = write_log(
        write,
        [
            (T0, app, "SSO Initiated", kind, user, authn_request("_first"), ""),
            (
                T0 + timedelta(seconds=30),
                app,
                "SSO Initiated",
                kind,
                user,
                authn_request("_2nd"),
                "",
            ),
            (
                T0 + timedelta(seconds=60),
                app,
                "SSO Successful",
                kind,
                user,
                saml_response(T0 + timedelta(seconds=60), in_response_to="_first"),
                "",
            ),
            (T0 + timedelta(hours=1), app, "SLO Initiated", logout, user, slo_request, ""),
            (
                T0 + timedelta(hours=1, seconds=3),
                app,
                "SLO Successful",
                logout,
                user,
                "",
                slo_response,
            ),
        ],
    )
    keys = message_keys(frame)
    assert keys.filter(pl.col("row_id") == 0)["saml_id"].to_list() == ["_first"]
    assert keys.filter(pl.col("row_id") == 2)["in_response_to"].to_list() == ["_first"]
    attempts = stitch_attempts(frame, keys)
    assert attempts.height == 3
    sso = attempt_of(attempts, 2)
    assert sso["row_ids"] == [0, 2]  # the answered request, though the 2nd is nearer
    assert (sso["kind"], sso["outcome"], sso["inferred"]) == ("SSO", "success", False)
    assert sso["duration_seconds"] == 60.0 and sso["link"] == "saml:_first"
    abandoned = attempt_of(attempts, 1)
    assert abandoned["row_ids"] == [1] and abandoned["outcome"] == "pending"
    slo = attempt_of(attempts, 4)
    assert slo["row_ids"] == [3, 4] and slo["kind"] == "SLO" and slo["inferred"] is False
    assert slo["link"] == "saml:ONELOGIN_21584ccdfaca36a145ae990442dcd96bfe60151e"
    assert [attempt_of(attempts, i)["attempt_id"] for i in range(5)] == [0, 1, 0, 3, 3]


def test_attempts_without_ids_are_paired_and_marked_inferred(small):
    attempts = stitch_attempts(small)

    def attempt(**match) -> dict:
        return attempt_of(attempts, row_of(small, **match)["row_id"])

    # Bob.Smith@ initiated at 09:05:00 (no payload); bob.smith@ failed at 09:05:01 with a
    # response to "_a2", a request the log does not hold.
    bob = attempt(user_key="bob.smith@acme.example", action="SSO Failed")
    initiated = row_of(small, user="Bob.Smith@acme.example")["row_id"]
    assert initiated in bob["row_ids"] and len(bob["row_ids"]) == 2
    assert (bob["outcome"], bob["inferred"], bob["duration_seconds"]) == ("failure", True, 1.0)
    logout = attempt(user_key="jane.doe@acme.example", action="SLO Failed")
    assert (logout["kind"], logout["outcome"], logout["duration_seconds"]) == (
        "SLO",
        "failure",
        2.0,
    )
    assert logout["inferred"] is True and len(logout["row_ids"]) == 2
    google = attempt(user_key="jane.doe@acme.example", action="SSO Successful")
    assert google["outcome"] == "success" and len(google["row_ids"]) == 2
    # Singles: dave, carol, erin, mallory, frank. NetSuite's "NA" row is not an attempt.
    assert attempts.height == 8
    assert attempt(action="NA") is None
    carol = attempt(user_key="carol@acme.example")
    assert carol["inferred"] is False and carol["duration_seconds"] == 0.0


def test_attempts_do_not_depend_on_the_frames_row_order():
    # A loaded frame is in time order, which stitching uses rather than sorting; a frame
    # in any other order (its rows keeping their row_ids) gives the same attempts.
    frame = load(demo_paths(), use_cache=False).frame
    attempts = stitch_attempts(frame)
    assert attempts.height > 100 and attempts["inferred"].any()
    shuffled = frame.sample(fraction=1.0, shuffle=True, seed=7)
    assert not shuffled["time"].is_sorted()
    assert_frame_equal(stitch_attempts(shuffled), attempts, categorical_as_str=True)


def test_attempts_do_not_depend_on_the_order_of_rows_logged_at_one_time():
    # Events at one time (here: times cut to the minute) in either order, the frame still
    # in time order: the same attempts, their events in time order then row order.
    frame = load(demo_paths(), use_cache=False).frame
    frame = frame.with_columns(pl.col("time").dt.truncate("1m"))
    attempts = stitch_attempts(frame)
    ties_reversed = frame.sort("time", "row_id", descending=[False, True])
    assert ties_reversed["time"].is_sorted() and not ties_reversed["row_id"].is_sorted()
    assert_frame_equal(stitch_attempts(ties_reversed), attempts, categorical_as_str=True)


def _with_interrupts(frame: pl.DataFrame) -> pl.DataFrame:
    """`frame` with every fifth initiation turned into an interrupt: steps before paired,
    linked and lone completions, and steps that join none."""
    pending = frame.select(pl.arg_where(pl.col("outcome") == "pending")).to_series()
    steps = pending.gather_every(5)
    outcome = pl.when(pl.col("row_id").is_in(steps.implode())).then(pl.lit("interrupt"))
    outcome = outcome.otherwise(pl.col("outcome")).cast(frame.schema["outcome"])
    return frame.with_columns(outcome.alias("outcome"))


@pytest.mark.parametrize("interrupts", [False, True])
def test_attempts_of_one_event_left_out_are_worked_out_alike(interrupts):
    # The app keeps only the attempts of several events (singles=False) and works out an
    # event's own attempt when asked: every row's attempt is the one the whole set holds.
    frame = load(demo_paths(), use_cache=False).frame
    frame = _with_interrupts(frame) if interrupts else frame
    whole = stitch_attempts(frame)
    several = stitch_attempts(frame, singles=False)
    sizes = whole["row_ids"].list.len()
    assert (sizes == 1).sum() > 100 and (sizes > 1).sum() > 100
    assert_frame_equal(several, whole.filter(sizes > 1), categorical_as_str=True)
    for row_id in frame["row_id"].gather_every(3).to_list():
        assert attempt_of(several, row_id, frame) == attempt_of(whole, row_id), row_id
    assert attempt_of(None, 0, frame) is None  # none stitched yet


def test_rows_with_ids_picks_the_same_rows_whatever_the_frames_order(small):
    ids = [7, 2, 5, 2, small.height + 3]  # repeated, unsorted, and one not in the frame
    picked = rows_with_ids(small, ids)
    assert picked["row_id"].to_list() == [2, 5, 7]
    assert_frame_equal(picked, small.filter(pl.col("row_id").is_in([2, 5, 7])))
    # Rows out of position (a filtered or shuffled frame): found by their row_id.
    shuffled = small.sample(fraction=1.0, shuffle=True, seed=3)
    assert_frame_equal(rows_with_ids(shuffled, ids).sort("row_id"), picked)
    assert rows_with_ids(small.tail(3), [0, 1]).is_empty()


def test_inferred_pairing_respects_the_window(write):
    app, kind, user = "Zoom", "Authentication-Applications", "ann@acme.example"
    frame = write_log(
        write,
        [
            (T0, app, "SSO Initiated", kind, user, "", ""),
            (T0 + timedelta(minutes=6), app, "SSO Failed", kind, user, "", ""),
        ],
    )
    assert stitch_attempts(frame).height == 2
    paired = stitch_attempts(frame, window=timedelta(minutes=10))
    assert paired.height == 1 and paired.row(0, named=True)["duration_seconds"] == 360.0


@pytest.mark.parametrize(
    "value",
    ["", "not base64 at all", "PHNhbWxw", "%%%", "A" * 10_000, "<notsaml/>", "eJzLSM3JyQcACQ"],
)
def test_root_ids_never_raise(value):
    assert root_ids(value) == (None, None, None)


def test_root_ids_read_redirect_and_post_bindings():
    assert root_ids(authn_request("_x").split("SAMLRequest=")[1].split("&")[0]) == (
        "AuthnRequest",
        "_x",
        None,
    )
    posted = saml_response(T0, in_response_to="_y").removeprefix("SAMLResponse=")
    assert root_ids(posted) == ("Response", "pfx05f3ce10-1615-f3ea-a988-60e380b3299f", "_y")


# -- groups, histogram, n/N ------------------------------------------------------------


def test_failure_groups_by_app_and_reason_and_user(small):
    groups = failure_groups(small)
    # Undiagnosed: the fixture gives no reasons, so the action names the group.
    assert groups.select("app", "reason", "count", "users").rows() == [
        ("MangoApps", "SSO Failed", 2, 2),
        ("OAuth 2.0 Office 365", "SLO Failed", 1, 1),
        ("OAuth 2.0 Office 365", "SSO Failed", 1, 1),
    ]
    mango = groups.row(0, named=True)
    assert mango["first_seen"] == datetime(2026, 3, 1, 9, 5, 1, tzinfo=UTC)
    assert mango["last_seen"] == datetime(2026, 3, 2, 8, 0, 0, 250000, tzinfo=UTC)
    state = group_filter(query.FilterState(), mango)
    picked = small[query.run(small, state).indices]
    assert sorted(picked["user_key"]) == ["bob.smith@acme.example", "mallory@acme.example"]

    users = failure_groups(small, "user")
    assert users.height == 4 and set(users["count"]) == {1}
    bob = users.filter(pl.col("user") == "bob.smith@acme.example").row(0, named=True)
    picked = small[query.run(small, group_filter(query.FilterState(), bob)).indices]
    assert picked["action"].cast(pl.String).to_list() == ["SSO Failed"]  # not the Initiated


def test_failure_groups_use_the_diagnosis_and_filter_to_it(zoom):
    diagnosed = apply_diagnoses(zoom, diagnose_rows(zoom))
    groups = failure_groups(diagnosed)
    assert groups.select("app", "reason", "reason_column").rows() == [
        # same count: the newest first
        ("Lonely", "No reason recorded", "failure_reason"),
        ("Zoom", "Destination mismatch", "failure_reason"),
        ("Zoom", "Audience mismatch", "failure_reason"),
        ("Zoom", "Assertion expired", "failure_reason"),
    ]
    audience = groups.row(2, named=True)
    state = group_filter(query.FilterState(), audience)
    assert state.picked["failure_reason"] == {"Audience mismatch"}
    rows = diagnosed[query.run(diagnosed, state).indices]
    assert rows["user_key"].to_list() == ["eve@acme.example"]


def test_histogram_counts_failures_and_successes_per_app(small):
    # The small log spans 2026-03-01T09:00:00Z to 2026-03-02T09:00:00Z: 2 slots of 12 h.
    hist = histogram(small, 2)
    assert hist.height == 4 * 2  # Google, MangoApps, NetSuite, Office 365
    table = {
        (r["app"], r["bucket"]): (r["failures"], r["successes"]) for r in hist.iter_rows(named=True)
    }
    assert table[("MangoApps", 0)] == (1, 2)  # bob failed; dave and erin succeeded
    assert table[("MangoApps", 1)] == (1, 0)  # mallory, the next morning
    assert table[("OAuth 2.0 Office 365", 0)] == (2, 0)  # carol, jane's logout
    assert table[("OAuth 2.0 Google Apps", 0)] == (0, 1)
    assert table[("OAuth 2.0 Google Apps", 1)] == (0, 1)  # frank, the last event
    assert table[("NetSuite", 0)] == (0, 0)
    first = hist.filter(pl.col("bucket") == 1).row(0, named=True)
    assert first["start"] == datetime(2026, 3, 1, 21, 0, tzinfo=UTC)
    assert first["end"] == datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    assert hist["failures"].sum() == 4 and hist["successes"].sum() == 4
    assert histogram(small.clear(), 10).is_empty()


def test_next_failure_both_directions_and_at_the_ends(small):
    # In time order the failures are rows 4 (bob), 5 (carol), 7 (jane's logout) and
    # 10 (mallory) of 12.
    view = query.run(small, query.FilterState()).indices
    assert [next_failure(small, view, p, +1) for p in (None, 0, 4, 5, 7, 10)] == [
        4,
        4,
        5,
        7,
        10,
        None,
    ]
    assert [next_failure(small, view, p, -1) for p in (None, 11, 10, 5, 4)] == [10, 10, 7, 4, None]
    assert next_failure(small, view, 10, +1, wrap=True) == 4
    assert next_failure(small, view, 4, -1, wrap=True) == 10
    # A filtered view: positions are the view's own.
    mango = query.run(small, query.build_state(small, {"app": ["MangoApps"]})).indices
    failing = [i for i, r in enumerate(mango) if small["outcome"][r] == "failure"]
    assert next_failure(small, mango, None, +1) == failing[0]
    assert next_failure(small, mango, failing[0], +1) == failing[1]
    assert next_failure(small, mango, failing[1], +1) is None
    nothing = query.run(small, query.build_state(small, {"app": ["NetSuite"]})).indices
    assert next_failure(small, nothing, None, +1) is None


def test_next_failure_is_vectorised_on_a_million_rows():
    frame = pl.DataFrame(
        {
            "outcome": pl.Series(["success"] * 999_999 + ["failure"]).cast(
                pl.Enum(["failure", "success"])
            )
        }
    )
    view = pl.int_range(frame.height, eager=True).cast(pl.UInt32)
    start = datetime.now()
    assert next_failure(frame, view, 0, +1) == 999_999
    assert next_failure(frame, view, 999_999, +1) is None
    assert datetime.now() - start < timedelta(seconds=2)


# -- compare with a working login --------------------------------------------------------


def test_compare_with_the_nearest_working_login(zoom):
    dan = row_of(zoom, user_key="dan@acme.example")
    result = compare_with_working(zoom, dan["row_id"])
    # The nearest successful Zoom login is ben's at 10:01 (dan failed at 10:19).
    assert result.working_row_id == row_of(zoom, user_key="ben@acme.example")["row_id"]
    diffs = {field: (failed, working) for field, failed, working in result}
    assert diffs["Attribute[eduPersonAffiliation]"] == (ABSENT, "user, admin")
    assert diffs["validity left at the event"] == ("-4 min (already past)", "5 min")
    assert diffs["issued before the event"] == ("9 min", "0 s")
    assert "Audience" not in diffs and "NameID" not in diffs  # same audience; other users
    eve = row_of(zoom, user_key="eve@acme.example")
    diffs = {f: (a, b) for f, a, b in compare_with_working(zoom, eve["row_id"])}
    assert diffs == {"Audience": ("urn:wrong", ZOOM_SP)}


def test_compare_without_a_working_login_says_so(zoom):
    gus = row_of(zoom, user_key="gus@acme.example")
    result = compare_with_working(zoom, gus["row_id"])
    assert result == [] and result.working_row_id is None and not result.found_working
    assert "no successful login of Lonely" in result.note


def test_compare_follows_the_attempt_to_its_failure(small):
    attempts = stitch_attempts(small)
    initiated = row_of(small, user="Bob.Smith@acme.example")
    failed = row_of(small, user_key="bob.smith@acme.example", action="SSO Failed")
    result = compare_with_working(small, initiated["row_id"], attempts)
    assert result.failed_row_id == failed["row_id"]
    # dave's MangoApps success (09:00) is the nearest working login.
    assert result.working_row_id == row_of(small, user_key="dave@acme.example")["row_id"]
    diffs = {f: (a, b) for f, a, b in result}
    assert diffs["StatusCode"] == (
        "urn:oasis:names:tc:SAML:2.0:status:Responder",
        "urn:oasis:names:tc:SAML:2.0:status:Success",
    )
    assert diffs["StatusMessage"] == ("User account disabled", ABSENT)


# -- command line and layering ------------------------------------------------------------


def test_export_failures_only_writes_failures_with_their_diagnosis():
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "connlog_tui",
            "export",
            str(SMALL_LOG),
            "--failures-only",
            "-o",
            "-",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert "Diagnosis" in rows[0]
    assert [r["Action"] for r in rows] == ["SSO Failed", "SSO Failed", "SLO Failed", "SSO Failed"]
    assert all(r["Diagnosis"] for r in rows)
    bob = next(r for r in rows if r["Email ID/Login ID"] == "bob.smith@acme.example")
    assert bob["Diagnosis"].endswith("Responder / AuthnFailed: User account disabled")
    assert "wrote 4 of 12 rows" in result.stderr


def test_triage_imports_without_textual():
    code = (
        "import sys, connlog_tui.triage\n"
        # The package loads its submodules on first use: use every one of them.
        "for n in connlog_tui.triage.__all__: getattr(connlog_tui.triage, n)\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('textual', 'rich')))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_kind_is_slo_when_action_or_request_type_speaks_of_logging_out():
    rows = [
        ("SSO Initiated", "Authentication-Applications", "SSO"),
        ("SLO Initiated", "Authentication-Applications", "SLO"),
        ("NA", "Logout-Connections", "SLO"),
        ("User sign out", None, "SLO"),
        ("Sign-out failed", "Authentication-Connections", "SLO"),
        ("SLOW login", "Authentication-Applications", "SSO"),  # a word, not SLO
        (None, None, "SSO"),
    ]
    frame = pl.DataFrame(
        {"action": [a for a, _, _ in rows], "request_type": [r for _, r, _ in rows]},
        schema={"action": pl.Categorical, "request_type": pl.Categorical},
    )
    kind = kind_expr().alias("kind")
    assert frame.select(kind)["kind"].to_list() == [k for _, _, k in rows]
    # Worked out on the rows it is given, after a filter too.
    kept = frame.lazy().filter(pl.col("action") != "NA").select(kind).collect()
    assert kept["kind"].to_list() == [k for a, _, k in rows if a not in ("NA", None)]


def test_kind_is_the_same_row_by_row_in_a_lazy_query():
    # A lazy query may work the column's distinct values out more than once: the logout
    # ones picked from one pass must be those of the other (attempts paired by kind).
    actions = [f"{'SLO' if i % 2 else 'SSO'} Initiated {i}" for i in range(200)]
    frame = pl.DataFrame(
        {"action": actions, "request_type": [None] * len(actions)},
        schema={"action": pl.Categorical, "request_type": pl.Categorical},
    )
    for _ in range(5):
        kinds = frame.lazy().select(kind_expr().alias("kind")).collect()["kind"]
        assert kinds.to_list() == [action[:3] for action in actions]
