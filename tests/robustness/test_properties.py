"""Property-based tests (hypothesis) of the readers and decoders: arbitrary bytes never
raise anything but ConnlogError; arbitrary field text in a log connlog writes itself
survives load -> export JSON Lines -> load unchanged; the payload decoder and the
terminal escaper never raise, and the escaper leaves no control character behind."""

from __future__ import annotations

import csv
import gzip
import io
import json
import tempfile
import unicodedata
from datetime import UTC, datetime
from pathlib import Path

import polars as pl
from conftest import HEADER
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

from connlog_tui import sources
from connlog_tui.decode import decode_payload
from connlog_tui.errors import ConnlogError
from connlog_tui.export import export
from connlog_tui.textsafe import escape_controls, one_line

FAST = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
NAMES = ["log.csv", "log.jsonl", "log.json", "log.csv.gz", "log.txt"]

# Bytes that start like something connlog reads, then go wrong in any way.
PREFIXES = [
    b"",
    HEADER.encode() + b"\n",
    HEADER.replace(",", ";").encode() + b"\n",
    b"\xef\xbb\xbf" + HEADER.encode() + b"\n2026-03-01T09:00:00Z,App,",
    b'{"Date": "2026-03-01T09:00:00Z", "Application To/From": "A", "Action": "B"}\n',
    b'[{"Date": "2026-03-01T09:00:00Z", "Application To/From": "A", "Action": "B"},',
    b'{"value": [{"createdDateTime": "2026-03-01T09:00:00Z", "userPrincipalName": "a",',
    b'{"published": "2026-03-01T09:00:00Z", "eventType": "user.session.start", ',
    b"\xff\xfe" + HEADER.encode("utf-16-le"),
    b"PAR1",
]


@st.composite
def hostile_bytes(draw) -> bytes:
    body = draw(st.binary(max_size=600))
    data = draw(st.sampled_from(PREFIXES)) + body
    if draw(st.booleans()) and draw(st.booleans()):
        data = gzip.compress(data)
        data = data[: draw(st.integers(min_value=2, max_value=len(data)))]  # maybe cut
    return data


@given(data=hostile_bytes(), name=st.sampled_from(NAMES))
@FAST
def test_arbitrary_bytes_load_or_raise_connlog_error(data, name):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / name
        path.write_bytes(data)
        try:
            result = sources.load([str(path)], use_cache=False)
        except ConnlogError as exc:
            assert str(path) in str(exc)  # the message names the file
            return
        assert result.files == [(str(path), result.frame.height, result.quarantine.height)]


# -- round trip of field text -----------------------------------------------------------------

# Any text, control characters, quotes, newlines, commas, `=` and NUL included; surrogates
# cannot be stored as UTF-8 at all.
FIELD = st.text(
    alphabet=st.one_of(
        st.characters(exclude_categories=("Cs",)),
        st.sampled_from(list("\x00\r\n\t\",;='+-@\\{}[]\x1b\x85\u2028\ufeff ")),
    ),
    max_size=40,
)
TIME = st.datetimes(min_value=datetime(1, 1, 1), max_value=datetime(9999, 12, 31, 23, 59, 59)).map(
    lambda t: t.replace(tzinfo=UTC)
)
ROW = st.tuples(TIME, *[FIELD] * 6)


def _write_csv(rows) -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)  # "\r\n" line ends: fields holding \r or \n get quoted
    writer.writerow(HEADER.split(","))
    for time, *fields in rows:
        writer.writerow([time.strftime("%Y-%m-%dT%H:%M:%S.%fZ"), *fields])
    return buffer.getvalue().encode("utf-8")


def _write_jsonl(rows) -> bytes:
    lines = []
    for time, *fields in rows:
        record = dict(zip(HEADER.split(","), [time.isoformat(), *fields], strict=True))
        lines.append(json.dumps(record, ensure_ascii=bool(len(fields[0]) % 2)))
    return ("\n".join(lines) + "\n").encode("utf-8")


def _canonical(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.with_columns(pl.col(pl.Categorical).cast(pl.String))


@given(rows=st.lists(ROW, min_size=1, max_size=6), kind=st.sampled_from(["csv", "jsonl"]))
@FAST
def test_field_text_round_trips_through_json_lines(rows, kind):
    with tempfile.TemporaryDirectory() as folder:
        log = Path(folder) / f"log.{kind}"
        log.write_bytes(_write_csv(rows) if kind == "csv" else _write_jsonl(rows))
        first = sources.load([str(log)], use_cache=False)
        # Every row has a readable date: all loaded, none quarantined.
        assert (first.frame.height, first.quarantine.height) == (len(rows), 0)
        expected = sorted(
            ((t, *(f or None for f in fields)) for t, *fields in rows),
            key=lambda r: r[0],
        )
        got = first.frame.select(
            "time", "app", "action", "request_type", "user", "request", "response"
        )
        got = _canonical(got).rows()
        assert [r[0] for r in got] == [r[0] for r in expected]
        assert sorted(got, key=repr) == sorted(expected, key=repr)
        out = Path(folder) / "again.jsonl"
        export(first.frame, str(out))
        second = sources.load([str(out)], use_cache=False)
        assert second.quarantine.height == 0
        assert_frame_equal(_canonical(second.frame), _canonical(first.frame))


# -- decoders and the terminal escaper ------------------------------------------------------------

PAYLOAD_PREFIXES = [
    "",
    "SAMLResponse=",
    "SAMLRequest=fZ",
    "eyJhbGciOiJIUzI1NiJ9.",
    "<samlp:Response ",
    '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "',
    '{"error": "',
    "[",
    "error=access_denied&error_description=",
    "<html><form><input name=SAMLResponse value=",
    "https://idp.example/sso?SAMLRequest=",
]
PAYLOAD = st.builds(
    lambda prefix, body: prefix + body,
    st.sampled_from(PAYLOAD_PREFIXES),
    st.text(max_size=300) | st.binary(max_size=300).map(lambda b: b.hex()),
)


@given(text=PAYLOAD)
@FAST
def test_decode_payload_never_raises(text):
    decoded = decode_payload(text)
    assert decoded.sections


def _controls(text: str) -> set[str]:
    return {ch for ch in text if unicodedata.category(ch) == "Cc"}


@given(text=st.text(alphabet=st.characters(), max_size=200))
@settings(max_examples=200, deadline=None)
def test_escape_controls_leaves_no_control_characters(text):
    assert _controls(escape_controls(text)) == set()
    assert _controls(escape_controls(text, multiline=True)) <= {"\n", "\t"}
    assert _controls(one_line(text)) == set()
    for bidi in "\u202e\u2066\u200f\u2028":
        assert bidi not in escape_controls(text, multiline=True)
