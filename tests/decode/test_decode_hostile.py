"""Hostile and malformed input: a refusal or a text section with a message, never raise."""

import base64
import json
import random
import time
import zlib

from hypothesis import given, settings
from hypothesis import strategies as st

from connlog_tui.decode import decode_payload, diagnose, pretty

KINDS = {"saml", "jwt", "oauth-error", "json", "xml", "form", "html", "text", "partial", "refused"}

BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol">&lol9;</samlp:Response>"""


def all_text(decoded) -> str:
    return json.dumps(decoded.to_json())


def assert_message(decoded):
    assert decoded.kind in ("text", "refused")
    assert any(s.notes for s in decoded.sections), decoded.sections


def test_billion_laughs_refused():
    decoded = decode_payload(BILLION_LAUGHS)
    assert decoded.kind == "refused"
    assert "entity" in decoded.sections[0].notes[0]
    assert "lollollol" not in all_text(decoded)
    b64 = decode_payload(base64.b64encode(BILLION_LAUGHS.encode()).decode())
    assert b64.kind == "refused"


def test_external_entity_not_read(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-MARKER")
    for target in ("file:///etc/passwd", secret.as_uri()):
        xml = (
            f'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "{target}">]>'
            "<samlp:Response xmlns:samlp='urn:oasis:names:tc:SAML:2.0:protocol'>&x;"
            "</samlp:Response>"
        )
        decoded = decode_payload(xml)
        assert decoded.kind == "refused"
        assert "external entity" in decoded.sections[0].notes[0]
        text = all_text(decoded)
        assert "TOP-SECRET-MARKER" not in text and "root:x:0" not in text


def test_external_dtd_refused():
    decoded = decode_payload('<!DOCTYPE r SYSTEM "http://attacker.invalid/x.dtd"><r/>')
    assert decoded.kind == "refused"


def test_deflate_bomb_refused_quickly():
    packer = zlib.compressobj(9, zlib.DEFLATED, -15)
    chunks = [packer.compress(b"<r>")]
    chunks += [packer.compress(bytes(2**20)) for _ in range(64)]
    blob = base64.b64encode(b"".join(chunks) + packer.flush()).decode()
    start = time.monotonic()
    decoded = decode_payload("SAMLRequest=" + blob.replace("+", "%2B") + "&RelayState=x")
    assert time.monotonic() - start < 5
    assert decoded.kind == "refused"
    assert "refused" in decoded.sections[-1].notes[0]


def test_truncated_base64_gives_message():
    blob = base64.b64encode(b"<samlp:Response>" * 20).decode()
    assert_message(decode_payload(blob[:101]))  # cut mid-quantum


def test_bad_deflate_gives_message():
    good = zlib.compressobj(9, zlib.DEFLATED, -15)
    data = good.compress(b"<samlp:LogoutRequest>" * 50) + good.flush()
    for broken in (data[: len(data) // 2], b"\x00\xff" + data[2:]):
        decoded = decode_payload("SAMLRequest=" + base64.urlsafe_b64encode(broken).decode())
        assert any(s.notes for s in decoded.sections if s.kind != "form")


def test_ten_megabyte_payloads_return_quickly():
    for size in (10 * 2**20, 10 * 2**20 + 1):
        for payload in ("A" * size, "<" + "a" * (size - 1), "{" * size):
            start = time.monotonic()
            decoded = decode_payload(payload)
            assert time.monotonic() - start < 5
            assert decoded.kind == "text"
    too_big = decode_payload("x" * (10 * 2**20 + 1))
    assert "not decoded" in too_big.sections[0].notes[0]


def test_deeply_nested_documents():
    for payload in ("[" * 100000, "<a>" * 50000 + "</a>" * 50000, '{"a":' * 50000):
        assert decode_payload(payload).sections


def test_random_bytes_as_latin1():
    rng = random.Random(1234)
    for _ in range(20):
        junk = bytes(rng.randrange(256) for _ in range(rng.randrange(1, 4000)))
        decoded = decode_payload(junk.decode("latin-1"))
        assert decoded.kind in KINDS
    binary = decode_payload(bytes(range(256)).decode("latin-1") * 4)
    assert binary.kind == "text" and binary.sections[0].notes


def test_none_and_empty():
    for value in (None, "", "   \n"):
        decoded = decode_payload(value)
        assert decoded.kind == "text"
        assert decoded.sections[0].notes == ("empty payload",)


PREFIXES = ["", "<", "{", "[", "eyJ", "SAMLResponse=", "https://x/?error=", "<!DOCTYPE ", "<html>"]


@settings(max_examples=300, deadline=None)
@given(
    st.sampled_from(PREFIXES),
    st.text(),
    st.text(alphabet="ABCDEFGHabcdefgh0123456789+/=-_.<>{}[]\"':&?% \n"),
)
def test_decode_payload_never_raises(prefix, free, structured):
    for text in (free, prefix + free, prefix + structured):
        decoded = decode_payload(text)
        assert decoded.kind in KINDS
        assert decoded.sections
        json.dumps(decoded.to_json())
        assert isinstance(decoded.facts(), dict)
        assert isinstance(pretty(text), str)


@settings(max_examples=100, deadline=None)
@given(st.text(), st.text())
def test_diagnose_never_raises(request, response):
    result = diagnose(request, response, None)
    assert isinstance(result.expired, bool)
