"""Make decoded text safe to print: nothing from a payload may drive the terminal."""

from __future__ import annotations

import re

# C0 except \t and \n, DEL, C1, Unicode line/paragraph separators, bidi overrides and
# isolates (they reorder what is displayed), lone surrogates (unencodable).
_UNSAFE = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]"
)
# For JSON output: json.dumps already escapes C0; these are what it leaves raw.
_UNSAFE_JSON = re.compile("[\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group(0))
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def escape_controls(text: str) -> str:
    """ESC -> '\\x1b', other C0/C1 controls -> '\\xNN'; \\n and \\t kept, CRLF -> LF."""
    return _UNSAFE.sub(_escape, text.replace("\r\n", "\n"))


def escape_json_text(dumped: str) -> str:
    """Escape what json.dumps(ensure_ascii=False) leaves raw, as valid JSON escapes."""
    return _UNSAFE_JSON.sub(lambda m: f"\\u{ord(m.group(0)):04x}", dumped)
