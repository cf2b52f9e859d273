"""Log text is untrusted: make it safe to show in a terminal.

Control characters (ESC, other C0/C1 codes, DEL) and bidirectional overrides are replaced
by their visible escapes (`\\x1b`, `\\u202e`), so nothing in a log can style, move or hide
anything on screen. Rich markup is never parsed from log text: the UI builds `Text`
objects from these strings, never markup.
"""

from __future__ import annotations

import re

# Bidirectional marks, overrides and isolates reorder what is displayed; line and
# paragraph separators break lines where the terminal doesn't expect it.
_BIDI = [0x061C, 0x200E, 0x200F, *range(0x202A, 0x202F), *range(0x2066, 0x206A)]
_SEPARATORS = [0x2028, 0x2029]


def _table(keep: str) -> dict[int, str]:
    table = {c: f"\\x{c:02x}" for c in [*range(0x00, 0x20), 0x7F, *range(0x80, 0xA0)]}
    table.update({c: f"\\u{c:04x}" for c in [*_BIDI, *_SEPARATORS, *range(0xD800, 0xE000)]})
    table.update({ord("\t"): "\\t", ord("\r"): "\\r", ord("\n"): "\\n"})
    for ch in keep:
        table.pop(ord(ch), None)
    return table


_ONE_LINE = _table(keep="")
_MULTI_LINE = _table(keep="\n\t")


def escape_controls(text: str, *, multiline: bool = False) -> str:
    """Text with every control character shown as an escape; newlines and tabs are kept
    when `multiline`."""
    return text.translate(_MULTI_LINE if multiline else _ONE_LINE)


def one_line(text: str | None, limit: int = 400) -> str:
    """A table cell: the start of the text on one line, controls escaped."""
    if not text:
        return ""
    return escape_controls(text[:limit].replace("\r\n", "\n").replace("\n", " ⏎ "))


# For JSON output: json.dumps already escapes C0; these are what it leaves raw.
_UNSAFE_JSON = re.compile("[\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


def escape_json_text(dumped: str) -> str:
    """Escape what json.dumps(ensure_ascii=False) leaves raw, as valid JSON escapes."""
    return _UNSAFE_JSON.sub(lambda m: f"\\u{ord(m.group(0)):04x}", dumped)
