"""diagnose(): reasons, clock skew and expiry relative to the event time."""

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

from connlog_tui.decode import Diagnosis, diagnose

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
# open_saml_response.xml: Response IssueInstant 2011-06-21T13:54:38.661Z, Conditions
# NotBefore 13:54:38.683Z / NotOnOrAfter 14:09:38.683Z, SubjectConfirmationData
# NotOnOrAfter 14:09:38.676Z, Audience hello.com, Destination https://example.hello.com/access/saml
OPEN_SAML = (FIXTURES / "saml" / "python3-saml__responses_open_saml_response.xml").read_text()
RESPONDER = (
    FIXTURES / "saml" / "python3-saml__responses_invalids_status_code_responer_and_msg.xml.b64.txt"
).read_text()
AUTHN_REQUEST = (FIXTURES / "saml" / "python3-saml__requests_authn_request.xml").read_text()
ENTRA_V1 = (FIXTURES / "jwt" / "entra_docs_sample_id_tokens.txt").read_text().split()[0]


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def test_expired_assertion():
    result = diagnose(None, OPEN_SAML, at("2011-06-21T14:13:38"), app="MangoApps")
    assert result.expired is True
    assert result.summary == (
        "Assertion expired 4 min before it reached MangoApps: check the IdP's clock"
    )
    expected = at("2011-06-21T14:13:38") - at("2011-06-21T13:54:38.661")
    assert result.skew_seconds == expected.total_seconds()
    assert result.audience == "hello.com"
    assert result.destination == "https://example.hello.com/access/saml"
    assert result.reason is None


def test_expiry_uses_the_earliest_not_on_or_after():
    # 14:09:38.680 is after the SubjectConfirmationData limit, before the Conditions one.
    assert diagnose(None, OPEN_SAML, at("2011-06-21T14:09:38.680")).expired is True
    assert diagnose(None, OPEN_SAML, at("2011-06-21T14:09:38.600")).expired is False


def test_not_yet_valid_assertion():
    result = diagnose(None, OPEN_SAML, at("2011-06-21T13:50:00"))
    assert result.expired is True
    assert "not valid until" in result.summary
    assert result.skew_seconds < 0


def test_valid_assertion_has_no_summary():
    result = diagnose(None, OPEN_SAML, at("2011-06-21T13:55:00"))
    assert result.expired is False
    assert result.summary is None
    assert abs(result.skew_seconds - 21.339) < 0.001


def test_naive_and_offset_event_times_are_utc():
    naive = datetime(2011, 6, 21, 14, 13, 38)
    offset = datetime(2011, 6, 21, 16, 13, 38, tzinfo=timezone(timedelta(hours=2)))
    assert diagnose(None, OPEN_SAML, naive).expired
    assert (
        diagnose(None, OPEN_SAML, offset).skew_seconds
        == diagnose(None, OPEN_SAML, naive).skew_seconds
    )


def test_responder_status_gives_reason():
    result = diagnose(AUTHN_REQUEST, RESPONDER, at("2011-08-24T16:36:31"))
    assert result.reason == "Responder: something_is_wrong"
    assert "Responder: something_is_wrong" in result.summary
    assert result.destination == "https://example.com/opensso/Consumer/metaAlias/sp"
    assert result.expired is False
    assert round(result.skew_seconds, 3) == 0.635


def test_jwt_expiry_and_audience():
    result = diagnose(f"id_token={ENTRA_V1}", None, at("2018-09-07T01:00:24"), app="Portal")
    assert result.expired is True  # exp 1536279024 = 2018-09-07T00:10:24Z
    assert result.summary == "Token expired 50 min before it reached Portal: check the IdP's clock"
    assert result.audience == "b14a7505-96e9-4927-91e8-0601d0fc9caa"


def test_oauth_error_reason():
    body = '{"error":"invalid_client","error_description":"AADSTS7000215: Invalid secret"}'
    result = diagnose(None, body, None)
    assert result.reason == "invalid_client: AADSTS7000215: Invalid secret"
    assert result.skew_seconds is None and result.expired is False


def test_nothing_known():
    assert diagnose(None, None, None) == Diagnosis(None, None, False, None, None, None)
    assert diagnose("hello", "world", at("2020-01-01T00:00:00")).summary is None
