"""HTTP messages as connectors log them: start line and headers, then a body."""

from connlog_tui.decode import decode_payload


def test_http_response_with_json_error_body():
    decoded = decode_payload(
        "HTTP/1.1 403 Forbidden\r\nContent-Type: application/json\r\n\r\n"
        '{\n  "error": "access_denied",\n  "error_description": "User is not assigned"\n}'
    )
    assert [s.kind for s in decoded.sections] == ["http", "oauth-error"]
    http = decoded.sections[0]
    assert http.title == "HTTP response 403"
    assert ("Content-Type", "application/json") in http.facts
    assert decoded.facts()["error_description"] == "User is not assigned"


def test_redirect_with_saml_request_in_location_is_decoded():
    import base64
    import zlib
    from urllib.parse import quote

    xml = (
        '<samlp:AuthnRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" '
        'ID="_req42" Version="2.0" IssueInstant="2026-03-01T09:00:00Z"/>'
    )
    deflater = zlib.compressobj(wbits=-15)
    packed = base64.b64encode(deflater.compress(xml.encode()) + deflater.flush()).decode()
    decoded = decode_payload(
        f"HTTP/1.1 302 Found\nLocation: https://idp.example/sso?SAMLRequest={quote(packed)}"
    )
    assert decoded.sections[0].kind == "http"
    assert decoded.kind == "saml"
    assert decoded.facts()["ID"] == "_req42"


def test_text_that_only_starts_like_http_is_left_alone():
    decoded = decode_payload("GET is what the client sent\nthen it gave up")
    assert decoded.kind == "text"
