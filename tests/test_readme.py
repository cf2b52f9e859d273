"""The README's examples do what it says they do."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

from connlog_tui import cli

README = Path(__file__).resolve().parents[1] / "README.md"


def test_the_decode_example_decodes_a_saml_response(capsys):
    examples = re.findall(r"^connlog decode '[^']+'$", README.read_text(), flags=re.M)
    assert examples, "the README shows `connlog decode '...'`"
    for line in examples:
        assert cli.main(shlex.split(line)[1:]) == 0
        out = capsys.readouterr().out
        assert "SAML Response" in out and "StatusCode" in out
        assert "not valid base64" not in out
