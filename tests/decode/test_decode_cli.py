"""`connlog decode`: text, stdin, --json, refusals, usage errors and terminal safety."""

import base64
import io
import json
import zlib
from pathlib import Path

from connlog_tui.decode import decode_cli

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
RFC_JWT = (FIXTURES / "jwt" / "rfc7519_section3.1_example_jwt.txt").read_text()
LOGOUT = (
    FIXTURES / "saml" / "python3-saml__logout_responses_logout_response.xml.b64.txt"
).read_text()


def run(argv, stdin=""):
    out, err = io.StringIO(), io.StringIO()
    source = stdin if hasattr(stdin, "read") else io.StringIO(stdin)
    code = decode_cli(argv, source, out, err)
    return code, out.getvalue(), err.getvalue()


def test_text_argument_prints_title_facts_body():
    code, out, err = run([RFC_JWT])
    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert lines[0] == "JWT — signature not verified"
    assert "iss: joe" in lines
    assert "exp: 2011-03-22T18:43:00Z" in lines
    assert '  "iss": "joe",' in lines


def test_facts_are_aligned():
    code, out, _ = run([LOGOUT])
    assert code == 0
    facts = [line for line in out.splitlines() if line.startswith(("ID:", "Issuer:", "Message:"))]
    assert len(facts) == 3
    columns = {len(line) - len(line.split(":", 1)[1].lstrip()) for line in facts}
    assert len(columns) == 1
    assert "ID:           _f9ee61bd9dbf63606faa9ae3b10548d5b3656fb859" in out


def test_stdin_dash_and_no_argument():
    for argv in (["-"], []):
        code, out, _ = run(argv, stdin=LOGOUT)
        assert code == 0
        assert out.startswith("SAML LogoutResponse (")


def test_stdin_bytes_that_are_not_utf8():
    raw = io.TextIOWrapper(io.BytesIO(b"\xff\xfe\x00garbage \xc3\x28 here"), encoding="utf-8")
    code, out, _ = run([], stdin=raw)
    assert code == 0 and out


def test_json_output():
    code, out, _ = run(["--json", RFC_JWT])
    assert code == 0
    data = json.loads(out)
    assert data["kind"] == "jwt"
    assert data["sections"][0]["facts"]["iss"] == "joe"


def test_refusal_exit_code_and_one_line():
    bomb = '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><x>&a;</x>'
    for argv in ([bomb], ["--json", bomb]):
        code, out, err = run(argv)
        assert code == 2
        assert out == ""
        assert err.startswith("connlog decode: refused: ")
        assert err.count("\n") == 1


def test_deflate_bomb_refused():
    packer = zlib.compressobj(9, zlib.DEFLATED, -15)
    data = b"".join(packer.compress(bytes(2**20)) for _ in range(40)) + packer.flush()
    code, _, err = run([base64.b64encode(data).decode()])
    assert code == 2
    assert err.startswith("connlog decode: refused: ")


def test_empty_input():
    for argv, stdin in (([""], ""), ([], "  \n")):
        code, out, err = run(argv, stdin)
        assert code == 2 and out == ""
        assert err == "connlog decode: empty input\n"


def test_usage_errors_return_2_without_exiting():
    code, out, err = run(["--bogus"])
    assert code == 2 and out == ""
    assert err.startswith("connlog decode: ")
    code, _, err = run(["a", "b"])
    assert code == 2


def test_help_goes_to_stdout():
    code, out, err = run(["--help"])
    assert code == 0 and err == ""
    assert "--json" in out


def test_control_characters_are_escaped():
    payload = '{"msg": "x\\u001b[2J\\u009b31m\\u0007 done\\r\\nnext\\ttab"}'
    code, out, _ = run([payload])
    assert code == 0
    assert "\x1b" not in out and "\x9b" not in out and "\x07" not in out and "\r" not in out
    assert "\\x1b[2J" in out and "\\x9b" in out and "\\x07" in out
    code, out, _ = run(["plain \x1b]0;title\x07 text\nline2\tend"])
    assert out.endswith("plain \\x1b]0;title\\x07 text\nline2\tend\n")
    code, out, _ = run(["--json", payload])
    assert "\x9b" not in out
    assert json.loads(out)["sections"][0]["facts"]["msg"] == "x\x1b[2J\x9b31m\x07 done\r\nnext\ttab"
