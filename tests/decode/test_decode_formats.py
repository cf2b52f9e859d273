"""JWT, OAuth errors, JSON, XML, forms and HTML; JWT expectations decoded by hand."""

import json
from pathlib import Path

from connlog_tui.decode import decode_payload, pretty

JWT = Path(__file__).resolve().parents[2] / "fixtures" / "jwt"
ENTRA_V1, ENTRA_V2 = (JWT / "entra_docs_sample_id_tokens.txt").read_text().split()
RFC = (JWT / "rfc7519_section3.1_example_jwt.txt").read_text().strip()


def only(decoded, kind):
    sections = [s for s in decoded.sections if s.kind == kind]
    assert len(sections) == 1, decoded.sections
    return sections[0]


def test_rfc7519_example_jwt():
    decoded = decode_payload(RFC)
    assert decoded.kind == "jwt"
    section = only(decoded, "jwt")
    facts = dict(section.facts)
    assert facts["alg"] == "HS256"
    assert facts["iss"] == "joe"
    assert facts["exp"] == "2011-03-22T18:43:00Z"  # 1300819380
    assert "signature not verified" in section.title
    assert '"http://example.com/is_root": true' in section.body


def test_entra_v1_token_with_nonstandard_padding():
    assert ENTRA_V1.split(".")[1].endswith("=")
    facts = dict(only(decode_payload(ENTRA_V1), "jwt").facts)
    assert facts["iss"] == "https://sts.windows.net/fa15d692-e9c7-4460-a743-29f2956fd429/"
    assert facts["aud"] == "b14a7505-96e9-4927-91e8-0601d0fc9caa"
    assert facts["iat"] == "2018-09-06T23:05:24Z"  # 1536275124
    assert facts["exp"] == "2018-09-07T00:10:24Z"  # 1536279024
    assert facts["kid"] == "7_Zuf1tvkwLxYaHS3q6lUjUYIGw"


def test_entra_v2_token():
    facts = dict(only(decode_payload(ENTRA_V2), "jwt").facts)
    assert facts["iss"] == (
        "https://login.microsoftonline.com/9122040d-6c67-4c5b-b112-36a304b66dad/v2.0"
    )
    assert facts["exp"] == "2018-09-07T23:03:31Z"  # 1536361411
    assert facts["preferred_username"] == "AbeLi@microsoft.com"


def test_tokens_in_json_token_response_are_labelled():
    body = json.dumps({"access_token": ENTRA_V2, "token_type": "Bearer", "id_token": ENTRA_V1})
    decoded = decode_payload(body)
    assert [s.kind for s in decoded.sections] == ["json", "jwt", "jwt"]
    titles = [s.title for s in decoded.sections[1:]]
    assert titles == [
        "JWT (access_token) — signature not verified",
        "JWT (id_token) — signature not verified",
    ]
    assert decoded.sections[0].body.startswith('{\n  "access_token"')


def test_tokens_in_form_and_bearer_header():
    form = decode_payload(f"id_token={ENTRA_V2}&state=abc")
    assert [s.kind for s in form.sections] == ["form", "jwt"]
    assert "(id_token)" in form.sections[1].title
    headers = f"POST /api HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {RFC}\r\n"
    decoded = decode_payload(headers)
    assert decoded.kind == "jwt"
    assert "(Bearer)" in only(decoded, "jwt").title


def test_oauth_error_json():
    decoded = decode_payload(
        '{"error":"invalid_grant","error_description":"AADSTS70008: expired code",'
        '"error_codes":[70008],"error_uri":"https://login.example/error"}'
    )
    assert decoded.kind == "oauth-error"
    facts = decoded.facts()
    assert facts["error"] == "invalid_grant"
    assert facts["error_description"] == "AADSTS70008: expired code"
    assert facts["error_uri"] == "https://login.example/error"
    assert decoded.sections[0].body.startswith('{\n  "error": "invalid_grant"')


def test_oauth_error_in_redirect_url_query_and_fragment():
    decoded = decode_payload(
        "https://app.example.com/cb?error=access_denied&error_description=User+cancelled&state=s1"
    )
    assert decoded.kind == "oauth-error"
    assert decoded.facts()["error_description"] == "User cancelled"
    fragment = decode_payload("https://app.example.com/cb#error=login_required&state=s1")
    assert fragment.facts()["error"] == "login_required"


def test_form_body_and_url_query_as_facts():
    decoded = decode_payload("grant_type=authorization_code&code=abc%2F123&redirect_uri=x")
    assert decoded.kind == "form"
    assert decoded.facts()["code"] == "abc/123"
    url = decode_payload("https://sp.example.com/acs?a=1&b=two")
    assert url.facts() == {"URL": "https://sp.example.com/acs", "a": "1", "b": "two"}


def test_json_and_xml_pretty():
    assert decode_payload('{"a":1,"b":[true]}').sections[0].body == (
        '{\n  "a": 1,\n  "b": [\n    true\n  ]\n}'
    )
    assert pretty('{"a":1}') == '{\n  "a": 1\n}'
    xml = "<r xmlns:x='urn:x'><x:c>t</x:c><d/></r>"
    assert pretty(xml) == '<r xmlns:x="urn:x">\n  <x:c>t</x:c>\n  <d/>\n</r>'
    assert pretty("plain words") == "plain words"
    assert pretty("<broken") == "<broken"


def test_soap_fault_facts():
    decoded = decode_payload(
        '<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>'
        "<soap:Fault><faultcode>soap:Server</faultcode><faultstring>Boom</faultstring>"
        "</soap:Fault></soap:Body></soap:Envelope>"
    )
    assert decoded.kind == "xml"
    assert decoded.facts()["faultstring"] == "Boom"


def test_html_error_page_visible_text_title_first():
    decoded = decode_payload(
        "<!DOCTYPE html><html><head><title>502 Bad Gateway</title><style>p{}</style></head>"
        "<body><h1>Bad Gateway</h1><p>Upstream &amp; proxy failed</p>"
        "<script>var x = 1;</script></body></html>"
    )
    assert decoded.kind == "html"
    body = decoded.sections[0].body
    assert body.splitlines()[0] == "502 Bad Gateway"
    assert "Upstream & proxy failed" in body
    assert "var x" not in body and "<" not in body


def test_unknown_text_is_one_text_section():
    decoded = decode_payload("connection reset by peer")
    assert decoded.kind == "text"
    assert len(decoded.sections) == 1
    assert decoded.sections[0].body == "connection reset by peer"


def test_to_json_shape():
    data = decode_payload(RFC).to_json()
    assert data["kind"] == "jwt"
    section = data["sections"][0]
    assert set(section) == {"kind", "title", "body", "facts", "notes"}
    assert section["facts"]["iss"] == "joe"
    assert isinstance(section["notes"], list)
    json.dumps(data)
