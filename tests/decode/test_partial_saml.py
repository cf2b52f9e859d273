"""Issue 22 item 4: a SAML message cut short (exporters cut payload columns) is shown as
far as it decodes, under the error, in the browser's Request/Response tabs as `connlog
decode` shows it: POST binding, redirect binding (a DEFLATE stream cut short) and XML
logged as is."""

from __future__ import annotations

import base64
import zlib
from pathlib import Path
from urllib.parse import quote

from connlog_tui.decode import decode_payload
from connlog_tui.decode.cli import render_text
from connlog_tui.ui.detail import render_payload

SAML = Path(__file__).resolve().parents[2] / "fixtures" / "saml"


def xml(name: str) -> str:
    text = (SAML / f"python3-saml__{name}").read_text()
    return (
        text if text.lstrip().startswith("<") else base64.b64decode("".join(text.split())).decode()
    )


def shown_after_error(payload: str, expected: str) -> None:
    """The tab shows the error, then the decoded text up to the cut."""
    shown = render_payload(payload, raw=False)
    error = shown.find("truncated?")
    assert error >= 0, shown
    assert shown.find(expected, error) > error, shown
    assert expected in render_text(decode_payload(payload))  # as `connlog decode` does


def test_post_binding_cut_short():
    blob = base64.b64encode(xml("responses_valid_response.xml.b64.txt").encode()).decode()
    shown_after_error("SAMLResponse=" + quote(blob[:1200]), "<saml:Issuer>http://idp.example.com/")


def test_redirect_binding_with_its_deflate_stream_cut_short():
    packer = zlib.compressobj(9, zlib.DEFLATED, -15)
    message = xml("requests_authn_request.xml")
    packed = packer.compress(message.encode()) + packer.flush()
    blob = base64.b64encode(packed[: len(packed) * 2 // 3]).decode()
    shown = render_payload(f"https://idp.example/sso?SAMLRequest={quote(blob)}", raw=False)
    assert "cut short" in shown
    assert "AuthnRequest" in shown.split("cut short", 1)[1]


def test_xml_logged_as_is_and_cut_short_inside_a_form():
    message = xml("responses_valid_response.xml.b64.txt")
    payload = "RelayState=abc&SAMLResponse=" + quote(message[:800])
    shown_after_error(payload, "<saml:Issuer>http://idp.example.com/")
