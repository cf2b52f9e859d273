"""The shipped demo data: reproducible, well-formed, and showing every failure it promises.

The payload facts are read here with the standard library only (base64, zlib, json, XML),
independently of connlog's own decoders, so a bug there cannot hide a gap in the data.
"""

from __future__ import annotations

import base64
import csv
import json
import re
import xml.etree.ElementTree as ET
import zlib
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from tools.demo.generate import write_demo

DATA = Path(__file__).resolve().parents[1] / "connlog_tui" / "data"
CSV_PATH = DATA / "demo_connector_log.csv"
OKTA_PATH = DATA / "demo_okta_system_log.jsonl"
HEADER = [
    "Date",
    "Application To/From",
    "Action",
    "Request Type",
    "Email ID/Login ID",
    "Request",
    "Response",
]
END = datetime(2026, 3, 9, 12, 0, 0, tzinfo=UTC)
START = END - timedelta(days=7)

P = "{urn:oasis:names:tc:SAML:2.0:protocol}"
A = "{urn:oasis:names:tc:SAML:2.0:assertion}"
DS = "{http://www.w3.org/2000/09/xmldsig#}"
STATUS = "urn:oasis:names:tc:SAML:2.0:status:"


# --------------------------------------------------------------------------- reading


def load_rows() -> list[dict[str, str]]:
    with CSV_PATH.open(encoding="utf-8", newline="") as f:
        reader = csv.reader(f)
        header = next(reader)
        assert header == HEADER
        return [dict(zip(HEADER, r, strict=True)) for r in reader]


@pytest.fixture(scope="module")
def rows() -> list[dict[str, str]]:
    return load_rows()


def when(row: dict[str, str]) -> datetime:
    return datetime.fromisoformat(row["Date"].replace("Z", "+00:00"))


def who(login: str) -> str:
    """Identity as an admin means it: trimmed, lower-case, no +tag."""
    local, _, domain = login.strip().lower().partition("@")
    return f"{local.split('+')[0]}@{domain}"


def form(text: str) -> dict[str, str]:
    """Query/form parameters of a request line or a form body."""
    text = text.removeprefix("GET ")
    query = urlsplit(text).query if text.startswith("http") else text
    return {k: v[0] for k, v in parse_qs(query).items()}


def posted_xml(row: dict[str, str]) -> ET.Element | None:
    params = form(row["Request"])
    if "SAMLResponse" not in params or row["Request"].startswith("GET "):
        return None
    return ET.fromstring(base64.b64decode(params["SAMLResponse"]))


def redirected_xml(request: str, param: str) -> ET.Element:
    raw = base64.b64decode(form(request)[param])
    return ET.fromstring(zlib.decompress(raw, -15))


def jwt_claims(token: str) -> dict[str, object]:
    header, payload, signature = token.split(".")
    decoded = json.loads(base64.urlsafe_b64decode(header + "=" * (-len(header) % 4)))
    assert decoded["alg"] == "RS256" and decoded["typ"] == "JWT" and decoded["kid"]
    base64.urlsafe_b64decode(signature + "=" * (-len(signature) % 4))
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


def json_body(response: str) -> dict[str, object] | None:
    """The JSON document in a response cell, with or without an HTTP head."""
    text = response.split("\n\n", 1)[1] if response.startswith("HTTP/") else response
    try:
        return json.loads(text)
    except (ValueError, IndexError):
        return None


def saml_time(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


# --------------------------------------------------------------------------- reproducibility


def test_regenerating_gives_identical_files(tmp_path: Path) -> None:
    written = write_demo(tmp_path)
    assert [p.name for p in written] == [CSV_PATH.name, OKTA_PATH.name]
    for path in written:
        shipped = DATA / path.name
        assert path.read_bytes() == shipped.read_bytes(), (
            f"{path.name} differs from the shipped file: run `python -m tools.demo.generate`"
        )


# --------------------------------------------------------------------------- CSV shape


def test_csv_shape(rows: list[dict[str, str]]) -> None:
    assert 1500 <= len(rows) <= 2500
    assert CSV_PATH.stat().st_size < 3_000_000
    assert b"\r" not in CSV_PATH.read_bytes().replace(b"\\r", b"")
    date = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{3})?Z")
    assert all(date.fullmatch(r["Date"]) for r in rows)
    assert any("." in r["Date"] for r in rows)
    times = [when(r) for r in rows]
    assert times == sorted(times)
    assert times[0] >= START and times[-1] < END
    assert {r["Application To/From"] for r in rows} == {
        "MangoApps",
        "OAuth 2.0 Google Apps",
        "OAuth 2.0 Office 365",
        "Salesforce (SAML)",
        "Zoom (SAML)",
        "NetSuite",
        "Workday (SAML)",
    }
    actions = Counter(r["Action"] for r in rows)
    assert set(actions) == {
        "SSO Initiated",
        "SSO Failed",
        "SSO Successful",
        "SLO Initiated",
        "SLO Failed",
        "SLO Successful",
        "NA",
    }
    assert 0.07 <= actions["NA"] / len(rows) <= 0.14
    assert {r["Request Type"] for r in rows} == {
        "Authentication-Applications",
        "Authentication-Connections",
        "Logout-Applications",
        "Logout-Connections",
    }
    # Multi-line and comma-holding payloads survive the CSV round trip.
    assert any("\n" in r["Response"] for r in rows)
    assert any("," in r["Request"] for r in rows)


def test_identities_need_normalising(rows: list[dict[str, str]]) -> None:
    logins = {r["Email ID/Login ID"] for r in rows}
    people = {who(x) for x in logins if x.strip() != "netsuite.sync@acme-corp.example"}
    assert 35 <= len(people) <= 45
    assert all(p.endswith("@acme-corp.example") for p in people)
    assert "Jane.Doe@acme-corp.example" in logins
    assert " jane.doe@acme-corp.example " in logins
    assert "jane.doe+sso@acme-corp.example" in logins


def test_every_completion_follows_its_initiation(rows: list[dict[str, str]]) -> None:
    pending: dict[tuple[str, str], list[datetime]] = {}
    unanswered = 0
    for r in rows:
        key = (r["Application To/From"], who(r["Email ID/Login ID"]))
        kind, _, outcome = r["Action"].partition(" ")
        if outcome == "Initiated":
            pending.setdefault((kind, *key), []).append(when(r))
        elif outcome in ("Successful", "Failed"):
            started = pending.get((kind, *key))
            assert started, f"{r['Action']} without a preceding Initiated: {r['Date']}"
            gap = when(r) - started.pop()
            assert timedelta(0) < gap < timedelta(minutes=3)
    unanswered = sum(len(v) for v in pending.values())
    assert 5 <= unanswered <= 40  # some users gave up at the IdP


# --------------------------------------------------------------------------- payloads


def test_saml_payloads_are_well_formed(rows: list[dict[str, str]]) -> None:
    checked = 0
    for r in rows:
        if r["Action"] == "SSO Initiated" and "SAMLRequest=" in r["Request"]:
            req = redirected_xml(r["Request"], "SAMLRequest")
            assert req.tag == f"{P}AuthnRequest" and req.get("ID")
            assert r["Request"].startswith("GET https://idp.acme-corp.example/")
            checked += 1
        elif r["Action"] == "SSO Successful" and (resp := posted_xml(r)) is not None:
            assert resp.find(f"{P}Status/{P}StatusCode").get("Value") == STATUS + "Success"
            assertion = resp.find(f"{A}Assertion")
            assert assertion.find(f"{DS}Signature/{DS}SignedInfo") is not None
            value = assertion.find(f"{DS}Signature/{DS}SignatureValue").text
            assert base64.b64decode(value, validate=True)
            subject = assertion.find(f"{A}Subject/{A}NameID")
            assert subject.get("Format").endswith("emailAddress")
            assert subject.text == who(r["Email ID/Login ID"])
            names = {a.get("Name") for a in assertion.iter(f"{A}Attribute")}
            assert {"email", "givenName", "groups"} <= names
            assert r["Response"].startswith("HTTP/1.1 302 Found\nLocation: https://")
            checked += 1
        elif r["Action"].startswith("SLO") and "SAML" in r["Request"]:
            param = "SAMLRequest" if r["Action"] == "SLO Initiated" else "SAMLResponse"
            msg = redirected_xml(r["Request"], param)
            expected = "LogoutRequest" if param == "SAMLRequest" else "LogoutResponse"
            assert msg.tag == f"{P}{expected}"
            checked += 1
    assert checked > 500


def test_oauth_success_carries_a_valid_id_token(rows: list[dict[str, str]]) -> None:
    seen = 0
    for r in rows:
        if r["Action"] == "SSO Successful" and r["Application To/From"].startswith("OAuth"):
            params = form(r["Request"])
            assert params["grant_type"] == "authorization_code"
            assert {"code", "redirect_uri", "client_id"} <= set(params)
            body = json_body(r["Response"])
            claims = jwt_claims(body["id_token"])
            assert {"iss", "sub", "aud", "email", "iat", "nbf", "exp", "nonce"} <= set(claims)
            assert claims["email"] == who(r["Email ID/Login ID"])
            assert claims["nbf"] <= when(r).timestamp() < claims["exp"]
            assert body["access_token"]
            seen += 1
    assert seen > 300


def failure_kinds(rows: list[dict[str, str]]) -> Counter[str]:
    """Classify each failed row by what its payload says, the way an admin would."""
    # What the IdP normally asserts for each SAML app, learnt from successful logins.
    normal: dict[str, Counter[tuple[str, str]]] = {}
    for r in rows:
        if r["Action"] == "SSO Successful" and (resp := posted_xml(r)) is not None:
            audience = resp.find(f"{A}Assertion/{A}Conditions//{A}Audience").text
            normal.setdefault(r["Application To/From"], Counter())[
                (audience, resp.get("Destination"))
            ] += 1
    expected = {app: c.most_common(1)[0][0] for app, c in normal.items()}

    last_request: dict[tuple[str, str], str] = {}
    kinds: Counter[str] = Counter()
    for r in rows:
        app, action, at = r["Application To/From"], r["Action"], when(r)
        key = (app, who(r["Email ID/Login ID"]))
        if action == "SSO Initiated" and "SAMLRequest=" in r["Request"]:
            last_request[key] = redirected_xml(r["Request"], "SAMLRequest").get("ID")
            continue
        if action == "SLO Failed":
            resp = redirected_xml(r["Request"], "SAMLResponse")
            codes = [c.get("Value") for c in resp.iter(f"{P}StatusCode")]
            if codes == [STATUS + "Requester", STATUS + "UnknownPrincipal"]:
                kinds["slo_unknown_principal"] += 1
            continue
        if action != "SSO Failed":
            continue
        if r["Response"].startswith("HTTP/1.1 500") and "<html" in r["Response"]:
            kinds["html_500"] += 1
            continue
        body = json_body(r["Response"])
        if body and "error" in body and app.startswith("OAuth"):
            kinds[f"oauth_{body['error']}"] += 1
            continue
        if body and "id_token" in body:
            if jwt_claims(body["id_token"])["exp"] < at.timestamp():
                kinds["jwt_expired"] += 1
            continue
        resp = posted_xml(r)
        if resp is None:
            continue
        codes = [c.get("Value") for c in resp.iter(f"{P}StatusCode")]
        if codes == [STATUS + "Responder", STATUS + "AuthnFailed"]:
            assert resp.find(f"{P}Status/{P}StatusMessage").text
            kinds["saml_responder_authn_failed"] += 1
            continue
        assertion = resp.find(f"{A}Assertion")
        conditions = assertion.find(f"{A}Conditions")
        confirmation = assertion.find(f"{A}Subject/{A}SubjectConfirmation/")
        audience = conditions.find(f".//{A}Audience").text
        good_audience, good_destination = expected[app]
        if saml_time(conditions.get("NotOnOrAfter")) <= at - timedelta(minutes=2):
            kinds["saml_expired"] += 1
        elif saml_time(conditions.get("NotBefore")) >= at + timedelta(minutes=1):
            kinds["saml_not_yet_valid"] += 1
        elif audience != good_audience:
            kinds["saml_audience_mismatch"] += 1
        elif resp.get("Destination") != good_destination:
            assert confirmation.get("Recipient") == resp.get("Destination")
            kinds["saml_destination_mismatch"] += 1
        elif resp.get("InResponseTo") is None:
            kinds["saml_in_response_to_missing"] += 1
        elif resp.get("InResponseTo") != last_request.get(key):
            kinds["saml_in_response_to_unknown"] += 1
        else:
            kinds["unexplained"] += 1
    return kinds


def test_each_failure_kind_is_present_several_times(rows: list[dict[str, str]]) -> None:
    kinds = failure_kinds(rows)
    for kind in (
        "saml_responder_authn_failed",
        "saml_expired",
        "saml_not_yet_valid",
        "saml_audience_mismatch",
        "saml_destination_mismatch",
        "saml_in_response_to_missing",
        "saml_in_response_to_unknown",
        "oauth_invalid_grant",
        "oauth_invalid_client",
        "oauth_redirect_uri_mismatch",
        "jwt_expired",
        "html_500",
        "slo_unknown_principal",
    ):
        assert kinds[kind] >= 3, (kind, kinds)
    assert kinds["unexplained"] == 0, kinds


def test_the_incident_is_visible(rows: list[dict[str, str]]) -> None:
    """A burst of SSO failures for one app over a few hours of the last day."""
    last_day = [r for r in rows if r["Date"] >= "2026-03-09" and r["Action"] == "SSO Failed"]
    by_app = Counter(r["Application To/From"] for r in last_day)
    app, count = by_app.most_common(1)[0]
    assert count >= 15
    burst = [when(r) for r in last_day if r["Application To/From"] == app]
    assert burst[-1] - burst[0] <= timedelta(hours=4)
    before = [
        r
        for r in rows
        if r["Application To/From"] == app and r["Action"] == "SSO Failed" and when(r) < burst[0]
    ]
    assert len(before) < count / 3


def test_hostile_text_is_present_verbatim(rows: list[dict[str, str]]) -> None:
    payloads = "\n".join(r["Request"] + "\n" + r["Response"] for r in rows)
    assert "[bold red]x[/]" in payloads
    assert "[link=https://evil.example]click[/link]" in payloads
    assert "\x1b[31mred\x1b[0m" in payloads


def test_netsuite_rows_are_api_calls(rows: list[dict[str, str]]) -> None:
    calls = [r for r in rows if r["Application To/From"] == "NetSuite"]
    assert all(r["Action"] == "NA" for r in calls)
    statuses = Counter(int(r["Response"].split()[1]) for r in calls)
    assert statuses[200] and statuses[204]
    assert sum(n for s, n in statuses.items() if 400 <= s < 500) >= 5
    for r in calls:
        if "\n\n{" in r["Response"]:
            assert json_body(r["Response"]) is not None


# --------------------------------------------------------------------------- Okta log


def test_okta_log_matches_the_same_people_and_window(rows: list[dict[str, str]]) -> None:
    lines = OKTA_PATH.read_text(encoding="utf-8").splitlines()
    events = [json.loads(line) for line in lines]
    assert 500 <= len(events) <= 800
    published = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z")
    for e in events:
        assert {
            "uuid",
            "published",
            "eventType",
            "displayMessage",
            "severity",
            "actor",
            "client",
            "outcome",
            "target",
            "authenticationContext",
            "transaction",
        } <= set(e)
        assert published.fullmatch(e["published"])
        assert e["outcome"]["result"] in ("SUCCESS", "FAILURE", "DENY")
        assert {"rawUserAgent", "os", "browser"} <= set(e["client"]["userAgent"])
        assert {"city", "country"} <= set(e["client"]["geographicalContext"])
    stamps = [e["published"] for e in events]
    assert stamps == sorted(stamps)
    assert stamps[0] >= "2026-03-02T12:00:00.000Z" and stamps[-1] < "2026-03-09T12:00:00.000Z"

    types = Counter(e["eventType"] for e in events)
    for t in ("user.session.start", "user.authentication.sso", "user.authentication.auth_via_mfa"):
        assert types[t] >= 20
    reasons = Counter(e["outcome"]["reason"] for e in events if e["outcome"]["result"] != "SUCCESS")
    for reason in ("INVALID_CREDENTIALS", "VERIFICATION_ERROR", "User locked out"):
        assert reasons[reason] >= 2, reasons

    csv_people = {who(r["Email ID/Login ID"]) for r in rows}
    assert {e["actor"]["alternateId"] for e in events} <= csv_people
    apps = {t["displayName"] for e in events for t in e["target"] if t["type"] == "AppInstance"}
    assert apps == {"MangoApps", "Salesforce.com", "Zoom", "Workday"}

    # Every IdP-side SSO failure has a connector-side SSO failure for the same user
    # within a couple of minutes.
    failed = [(who(r["Email ID/Login ID"]), when(r)) for r in rows if r["Action"] == "SSO Failed"]
    okta_failures = [
        e
        for e in events
        if e["eventType"] == "user.authentication.sso" and e["outcome"]["result"] == "FAILURE"
    ]
    assert len(okta_failures) >= 6
    for e in okta_failures:
        at = datetime.fromisoformat(e["published"].replace("Z", "+00:00"))
        user = e["actor"]["alternateId"]
        assert any(u == user and abs(t - at) < timedelta(minutes=2) for u, t in failed)
