"""SAML samples from python3-saml; expected values were read from the XML by hand."""

from pathlib import Path
from urllib.parse import quote

import pytest

from connlog_tui.decode import decode_payload

SAML = Path(__file__).resolve().parents[2] / "fixtures" / "saml"
SUCCESS = "urn:oasis:names:tc:SAML:2.0:status:Success"


def saml_section(name: str):
    decoded = decode_payload((SAML / f"python3-saml__{name}").read_text())
    assert decoded.kind == "saml", decoded.sections
    return next(s for s in decoded.sections if s.kind == "saml")


CASES = {
    "logout_requests_logout_request.xml": {
        "Message": "LogoutRequest",
        "ID": "ONELOGIN_21584ccdfaca36a145ae990442dcd96bfe60151e",
        "IssueInstant": "2013-12-10T04:39:31Z",
        "Issuer": "http://idp.example.com/",
        "Destination": "http://stuff.com/endpoints/endpoints/sls.php",
        "NameID": "ONELOGIN_1e442c129e1f822c8096086a1103c5ee2c7cae1c",
        "NameID Format": "urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified",
        "Signed": "no",
    },
    "logout_responses_logout_response.xml.b64.txt": {
        "Message": "LogoutResponse",
        "ID": "_f9ee61bd9dbf63606faa9ae3b10548d5b3656fb859",
        "InResponseTo": "ONELOGIN_21584ccdfaca36a145ae990442dcd96bfe60151e",
        "IssueInstant": "2013-12-10T04:39:31Z",
        "Issuer": "http://idp.example.com/",
        "StatusCode": SUCCESS,
    },
    "requests_authn_request.xml": {
        "Message": "AuthnRequest",
        "ID": "_ONELOGIN103428909abec424fa58327f79474984",
        "IssueInstant": "2014-11-13T11:39:34Z",
        "Issuer": "http://idp.example.com/metadata",
        "AssertionConsumerServiceURL": "http://example.com/acs",
    },
    "requests_authn_request.xml.b64.txt": {
        "Message": "AuthnRequest",
        "ID": "_ONELOGIN103428909abec424fa58327f79474984",
        "Issuer": "http://idp.example.com/metadata",
    },
    "responses_adfs_response.xml.b64.txt": {
        "Message": "Response",
        "ID": "_0263a07b-205f-479c-90fc-7495715ecbbf",
        "InResponseTo": "_fc4a34b0-7efb-012e-caae-782bcb13bb38",
        "IssueInstant": "2011-06-22T12:49:30.348Z",
        "Issuer": "http://login.example.com/issuer",
        "Destination": "https://someone.example.com/endpoint",
        "StatusCode": SUCCESS,
        "NameID": "hello@example.com",
        "Audience": "example.com",
        "Recipient": "https://someone.example.com/endpoint",
        "NotBefore": "2011-06-22T12:49:30.332Z",
        "NotOnOrAfter": "2011-06-22T13:49:30.332Z",
        "AuthnInstant": "2011-06-22T12:49:30.112Z",
        "SessionIndex": "_721b4a5a-d7e1-4861-9754-a9b197b6f9ab",
        "Signed": "Assertion",
        "EncryptedAssertion": "no",
    },
    "responses_open_saml_response.xml": {
        "Message": "Response",
        "ID": "jVFQbyEpSfUwqhZtJtarIaGoshwuAQMDwLoiMhzJXsv",
        "Issuer": "https://idm.orademo.com",
        "NameID": "someone@example.org",
        "Audience": "hello.com",
        "NotOnOrAfter": "2011-06-21T14:09:38.683Z",
        "Attribute[FirstName]": "Someone",
        "Attribute[LastName]": "Special",
        "Signed": "Response",
    },
    "responses_simple_saml_php.xml": {
        "ID": "pfxc32aed67-820f-4296-0c20-205a10dd5787",
        "Issuer": "https://federate.example.net/saml/saml2/idp/metadata.php",
        "NameID": "someone@example.com",
        "SessionIndex": "_51be37965feb5579d803141076936dc2e9d1d98ebf",
        "Signed": "Response, Assertion",
    },
    "responses_valid_unsigned_response.xml.b64.txt": {
        "ID": "pfx05f3ce10-1615-f3ea-a988-60e380b3299f",
        "InResponseTo": "ONELOGIN_5fe9d6e499b2f0913206aab3f7191729049bb807",
        "NameID Format": "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress",
        "Recipient": "https://pitbulk.no-ip.org/newonelogin/demo1/index.php?acs",
        "NotBefore": "2014-02-19T01:36:31Z",
        "NotOnOrAfter": "2023-08-23T06:57:01Z",
        "Attribute[uid]": "smartin",
        "Attribute[eduPersonAffiliation]": "user, admin",
        "Signed": "no",
    },
    "responses_valid_response.xml.b64.txt": {
        "ID": "pfx42be40bf-39c3-77f0-c6ae-8bf2e23a1a2e",
        "Issuer": "http://idp.example.com/",
        "Signed": "Response, Assertion",
    },
    # Despite the .xml name this file holds base64 (wrapped at 60 columns).
    "responses_response_with_ampersands.xml": {
        "ID": "YoERhSFAXaxVR1j5jX2ZuL8BJBQ",
        "Issuer": "PF-DEMO",
        "Attribute[companyName]": "B & G",
        "Attribute[forename]": "John&",
    },
    "metadata_idp_metadata.xml": {
        "Message": "EntityDescriptor",
        "ID": "https://app.onelogin.com/saml/metadata/383123",
    },
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_sample_facts(name):
    facts = dict(saml_section(name).facts)
    for key, expected in CASES[name].items():
        assert facts.get(key) == expected, key


def test_post_binding_is_named_in_title_and_body_is_indented_xml():
    section = saml_section("responses_valid_unsigned_response.xml.b64.txt")
    assert section.title.startswith("SAML Response (")
    assert "base64" in section.title and "DEFLATE" not in section.title
    assert "\n  <saml:Issuer>" in section.body


def test_deflated_logout_request_decodes_through_redirect_binding():
    section = saml_section("logout_requests_logout_request_deflated.xml.b64.txt")
    assert section.title == "SAML LogoutRequest (HTTP-Redirect: base64+DEFLATE)"
    facts = dict(section.facts)
    assert facts["ID"] == "ONELOGIN_21584ccdfaca36a145ae990442dcd96bfe60151e"
    assert facts["NameID"] == "ONELOGIN_1e442c129e1f822c8096086a1103c5ee2c7cae1c"


def test_redirect_binding_in_a_query_string_url():
    blob = (SAML / "python3-saml__logout_requests_logout_request_deflated.xml.b64.txt").read_text()
    url = (
        "https://idp.example.com/slo?SAMLRequest="
        + quote(blob.strip(), safe="")
        + "&RelayState=%2Fhome&SigAlg=http%3A%2F%2Fwww.w3.org%2F2000%2F09%2Fxmldsig%23rsa-sha1"
    )
    decoded = decode_payload(url)
    assert [s.kind for s in decoded.sections] == ["form", "saml"]
    form, saml = decoded.sections
    assert dict(form.facts)["RelayState"] == "/home"
    assert "HTTP-Redirect" in saml.title
    assert decoded.facts()["Issuer"] == "http://idp.example.com/"


def test_post_form_body_and_url_safe_base64():
    blob = (SAML / "python3-saml__responses_adfs_response.xml.b64.txt").read_text()
    compact = "".join(blob.split())
    body = "SAMLResponse=" + quote(compact, safe="") + "&RelayState=abc"
    assert decode_payload(body).facts()["ID"] == "_0263a07b-205f-479c-90fc-7495715ecbbf"
    urlsafe = compact.replace("+", "-").replace("/", "_").rstrip("=")
    assert decode_payload(urlsafe).facts()["ID"] == "_0263a07b-205f-479c-90fc-7495715ecbbf"


def test_unencoded_plus_signs_in_form_value_survive():
    blob = (SAML / "python3-saml__responses_adfs_response.xml.b64.txt").read_text()
    compact = "".join(blob.split())
    assert "+" in compact
    decoded = decode_payload("SAMLResponse=" + compact)
    assert decoded.kind == "saml"


def test_invalid_responder_status_gives_status_and_message():
    section = saml_section("responses_invalids_status_code_responer_and_msg.xml.b64.txt")
    facts = dict(section.facts)
    assert facts["StatusCode"] == "urn:oasis:names:tc:SAML:2.0:status:Responder"
    assert facts["StatusMessage"] == "something_is_wrong"
    assert facts["ID"] == "_a71bbf22-90a9-4a96-b9ce-ea5ba30aee65"
    assert facts["Issuer"] == "http://idp.example.com/adfs/services/trust"
    # The attribute value starts with a newline in the file; shown trimmed.
    assert facts["Destination"] == "https://example.com/opensso/Consumer/metaAlias/sp"
    assert "Responder" in section.title


def test_encrypted_assertion_is_reported():
    section = saml_section("responses_signed_encrypted_assertion.xml.b64.txt")
    facts = dict(section.facts)
    assert facts["EncryptedAssertion"] == "yes"
    assert facts["ID"] == "_9c2af9434e294b0cb2d5c44ed49b3a725f04a1d26d"
    assert "NameID" not in facts
    assert any("encrypted" in note for note in section.notes)


def test_signature_wrapping_sample_is_flagged():
    section = saml_section("responses_invalids_signature_wrapping_attack.xml.b64.txt")
    facts = dict(section.facts)
    # The assertion directly under the Response is the injected one.
    assert facts["Attribute[uid]"] == "hacker"
    assert facts["Signed"] == "no"
    assert any("2 Assertion elements" in note for note in section.notes)


def test_signed_messages_say_signature_not_verified():
    section = saml_section("responses_signed_message_response.xml.b64.txt")
    assert "signature not verified" in section.notes


def test_truncated_saml_xml_is_shown_as_far_as_it_decodes_with_message():
    path = SAML / "python3-saml__responses_valid_response.xml.b64.txt"
    blob = "".join(path.read_text().split())
    decoded = decode_payload(blob[:1000])
    assert decoded.kind == "partial"
    assert decoded.sections[0].notes
    assert "<saml:Issuer>http://idp.example.com/" in decoded.sections[0].body
