"""`connlog decode [TEXT | -] [--json]`: decode one payload to plain, safe text."""

from __future__ import annotations

import argparse
import json
import sys
from typing import TextIO

from connlog_tui.textsafe import escape_controls, escape_json_text

from .core import decode_payload
from .model import MAX_PAYLOAD_CHARS, Decoded, Section

PROG = "connlog decode"


class _Exit(Exception):
    def __init__(self, status: int, message: str | None = None) -> None:
        super().__init__(message or "")
        self.status = status


class _Parser(argparse.ArgumentParser):
    """argparse that reports through exceptions and our streams, never sys.exit/sys.stdout."""

    def __init__(self, stdout: TextIO, stderr: TextIO) -> None:
        super().__init__(
            prog=PROG,
            description="Decode a logged SSO payload (SAML, JWT, OAuth error, JSON, XML, form).",
            exit_on_error=False,
        )
        self._streams = (stdout, stderr)

    def _print_message(self, message: str, file=None) -> None:
        if message:
            (self._streams[1] if file is sys.stderr else self._streams[0]).write(message)

    def exit(self, status: int = 0, message: str | None = None):
        raise _Exit(status, message)

    def error(self, message: str):
        raise _Exit(2, message)


def decode_cli(argv: list[str], stdin: TextIO, stdout: TextIO, stderr: TextIO) -> int:
    """Run `connlog decode`; returns the exit status (2 for usage errors and refusals)."""
    parser = _Parser(stdout, stderr)
    parser.add_argument("text", nargs="?", default="-", help="payload; '-' or omitted: stdin")
    parser.add_argument("--json", action="store_true", help="print the layers as JSON")
    try:
        args = parser.parse_args(argv)
    except _Exit as exc:
        if exc.status:
            stderr.write(f"{PROG}: {escape_controls(str(exc)).strip()}\n")
        return exc.status
    except argparse.ArgumentError as exc:
        stderr.write(f"{PROG}: {escape_controls(str(exc))}\n")
        return 2

    text = _read_stdin(stdin) if args.text == "-" else args.text
    if not text.strip():
        stderr.write(f"{PROG}: empty input\n")
        return 2
    if len(text) > MAX_PAYLOAD_CHARS:
        stderr.write(f"{PROG}: refused: input is over {MAX_PAYLOAD_CHARS // 2**20} MB\n")
        return 2

    decoded = decode_payload(text)
    refused = next((s for s in decoded.sections if s.kind == "refused"), None)
    if refused is not None:
        message = refused.notes[0] if refused.notes else refused.body
        if not message.startswith("refused"):
            message = f"refused: {message}"
        stderr.write(f"{PROG}: {escape_controls(' '.join(message.split()))}\n")
        return 2
    if args.json:
        dumped = json.dumps(decoded.to_json(), indent=2, ensure_ascii=False)
        stdout.write(escape_json_text(dumped) + "\n")
    else:
        stdout.write(render_text(decoded))
    return 0


def _read_stdin(stdin: TextIO) -> str:
    """Read stdin as bytes when possible, so undecodable input cannot raise."""
    buffer = getattr(stdin, "buffer", None)
    if buffer is None:
        return stdin.read(MAX_PAYLOAD_CHARS + 1)
    data = buffer.read(4 * MAX_PAYLOAD_CHARS + 1)
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", "replace")
    return data.decode("utf-8-sig", "replace")


def render_text(decoded: Decoded) -> str:
    """Sections as plain text: title, aligned facts, notes, body; control chars escaped."""
    return "\n".join(_render_section(s) for s in decoded.sections)


def _render_section(section: Section) -> str:
    lines = [section.title, "-" * min(len(section.title), 78)]
    width = max((len(k) for k, _ in section.facts), default=0) + 1
    for key, value in section.facts:
        lines.append(f"{key + ':':<{width}} {value.replace(chr(10), ' ')}")
    lines += [f"note: {note}" for note in section.notes]
    if section.body:
        lines += ["", section.body]
    text = ("\n".join(lines) + "\n").replace("\r\n", "\n")
    return escape_controls(text, multiline=True)
