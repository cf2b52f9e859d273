"""Issue 22 item 5: redaction masks people's names as well as their addresses: the
person-name fields of every supported format (Okta actor/target displayName of a User,
Entra userDisplayName and initiatedBy.user.displayName, Auth0 user_name and the request's
user name, SAML name attributes), in the payloads and the columns, with the same keyed
mask a login gets, so one person is one mask everywhere in an export."""

from __future__ import annotations

import base64
import re
from pathlib import Path

import polars as pl
import pytest

from connlog_tui.redact import Redactor
from connlog_tui.sources import load

KEY = b"test key"
IDP = Path(__file__).resolve().parent.parent / "fixtures" / "idp"
PEOPLE = ("Emily Nguyen", "Raj Patel", "Dana Okafor", "Kwame Mensah")


@pytest.fixture
def r() -> Redactor:
    return Redactor(KEY)


def redacted(name: str) -> pl.DataFrame:
    frame = load([str(IDP / name)], use_cache=False).frame
    return Redactor(KEY).frame(frame)


def every_cell(frame: pl.DataFrame) -> str:
    return "\n".join(str(v) for row in frame.iter_rows() for v in row)


@pytest.mark.parametrize(
    "name", ["okta_system_log.jsonl", "entra_signins_interrupts.json", "auth0_logs.jsonl"]
)
def test_no_persons_name_survives_redaction(name):
    text = every_cell(redacted(name))
    for person in PEOPLE:
        assert person not in text
    assert "Nguyen" not in text and "Mensah" not in text


def test_okta_application_names_stay(r):
    frame = redacted("okta_system_log.jsonl")
    assert "Workday" in every_cell(frame.select("response"))
    assert frame["app"].cast(pl.String).to_list().count("Workday") == 2


def test_a_name_gets_the_same_mask_in_every_payload_and_in_the_user_column(r):
    auth0 = redacted("auth0_logs.jsonl")
    masked = r.login("Kwame Mensah")
    assert auth0["user"].cast(pl.String).to_list().count(masked) == 2
    kwame = auth0.filter(pl.col("user").cast(pl.String) == masked)["response"].to_list()
    assert len(kwame) == 2 and all(f'"user_name":"{masked}"' in p for p in kwame)
    okta = redacted("okta_system_log.jsonl")
    emily = r.login("Emily Nguyen")
    assert sum(f'"displayName":"{emily}"' in p for p in okta["response"].to_list()) == 3


def test_json_person_fields_in_text(r):
    text = (
        '{"userDisplayName":"Emily Nguyen","initiatedBy":{"user":{"id":"1",'
        '"displayName":"Dana Okafor","userPrincipalName":"dana@x.example"}},'
        '"details":{"request":{"auth":{"user":{"email":"h@x.example","name":"Homer Simpson"}}}},'
        '"target":[{"type":"User","alternateId":"raj@x.example","displayName":"Raj Patel"},'
        '{"type":"AppInstance","displayName":"Workday"}],"user_name":"jane@x.example"}'
    )
    masked = r.text(text)
    for person in ("Emily Nguyen", "Dana Okafor", "Homer Simpson", "Raj Patel", "jane@"):
        assert person not in masked
    assert '"displayName":"Workday"' in masked
    assert r.login("Raj Patel") in masked and r.email("jane@x.example") in masked


def test_saml_name_attributes_are_masked_also_inside_base64(r):
    xml = (
        '<saml:AttributeStatement><saml:Attribute Name="displayName">'
        "<saml:AttributeValue>Emily Nguyen</saml:AttributeValue></saml:Attribute>"
        '<saml:Attribute Name="http://schemas.xmlsoap.org/ws/2005/05/identity/claims/givenname">'
        '<saml:AttributeValue xsi:type="xs:string">Emily</saml:AttributeValue></saml:Attribute>'
        '<saml:Attribute Name="department"><saml:AttributeValue>Finance</saml:AttributeValue>'
        "</saml:Attribute></saml:AttributeStatement>"
    )
    masked = r.text(xml)
    assert "Emily" not in masked and r.login("Emily Nguyen") in masked
    assert "Finance" in masked
    blob = base64.b64encode(
        (
            '<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol">'
            + xml
            + "</samlp:Response>"
        ).encode()
    ).decode()
    inside = base64.b64decode(re.sub(r"^SAMLResponse=", "", r.text(f"SAMLResponse={blob}")))
    assert b"Emily" not in inside and b"Finance" in inside
