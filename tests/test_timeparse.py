"""Timestamp parsing: every supported form, alone and mixed row by row in one column (as
merged exports write them), read to the same UTC instants; unreadable values stay null
(the readers quarantine those rows)."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import polars as pl
import pytest
from conftest import HEADER
from hypothesis import given, settings
from hypothesis import strategies as st

from connlog_tui import sources, timeparse

NOON = datetime(2026, 3, 1, 12, tzinfo=UTC)
# (text, the instant it means); no offset means UTC.
FORMS = [
    ("2026-03-01T12:00:00Z", NOON),
    ("2026-03-01T12:00:00.125Z", NOON + timedelta(microseconds=125_000)),
    ("2026-03-01T12:00:00.123456Z", NOON + timedelta(microseconds=123_456)),
    ("2026-03-01T12:00:00z", NOON),
    ("2026-03-01T14:00:00+02:00", NOON),
    ("2026-03-01T07:00:00-0500", NOON),
    ("2026-03-01T17:30:00.5+05:30", NOON + timedelta(microseconds=500_000)),
    ("2026-03-01 14:00:00 +02:00", NOON),
    ("2026-03-01 12:00:00 UTC", NOON),
    ("2026-03-01 13:00:00 +0100 UTC", NOON),
    ("2026-03-01T12:00:00", NOON),
    ("2026-03-01T12:00", NOON),
    ("2026-03-01 12:00:00", NOON),
    ("2026-03-01 12:00:00.25", NOON + timedelta(microseconds=250_000)),
    ("2026-03-01 12:00", NOON),
    ("  2026-03-01 12:00:00  ", NOON),
    ("2026-03-01", NOON - timedelta(hours=12)),
    ("03/01/2026 12:00:00 PM", NOON),
    ("03/01/2026 12:30:00 AM", NOON - timedelta(hours=11, minutes=30)),
    ("03/01/2026 01:05:09 pm", NOON + timedelta(hours=1, minutes=5, seconds=9)),
    ("03/01/2026 12:00 PM", NOON),
    ("03/01/2026 12:00:00", NOON),
    ("03/01/2026 12:00", NOON),
    ("03/01/2026", NOON - timedelta(hours=12)),
    ("1772366400", NOON),
    ("1772366400.25", NOON + timedelta(microseconds=250_000)),
    ("1772366400500", NOON + timedelta(microseconds=500_000)),
]
UNREADABLE = ["yesterday", "", "   ", "2026-13-45T99:00:00Z", "02/30/2026 10:00:00 AM", "12345"]


@pytest.mark.parametrize("text, expected", FORMS)
def test_every_form_alone(text, expected):
    assert timeparse.parse_times(pl.Series([text])).to_list() == [expected]


@pytest.mark.parametrize("text", UNREADABLE)
def test_unreadable_values_are_null(text):
    assert timeparse.parse_times(pl.Series([text, None])).to_list() == [None, None]


def test_every_form_mixed_row_by_row_reads_as_alone():
    texts = [t for t, _ in FORMS] * 3 + UNREADABLE + [None]
    random.Random(5).shuffle(texts)
    alone = dict(FORMS)
    parsed = timeparse.parse_times(pl.Series("Date", texts))
    assert parsed.name == "Date"
    assert parsed.dtype == pl.Datetime("us", "UTC")
    assert parsed.to_list() == [alone.get(t) for t in texts]
    # The normalising cascade, which tries every form on every value, agrees.
    assert parsed.to_list() == timeparse._parse_any(pl.Series(texts)).to_list()


def test_a_column_mixing_the_common_forms_skips_the_normalising_cascade(monkeypatch):
    """Each value's shape picks its format: ISO with Z, `YYYY-MM-DD HH:MM:SS`, US
    AM/PM and epoch mixed row by row are read without the per-form cascade (its
    regexes over every value were most of a mixed log's load)."""
    called = []
    real = timeparse._parse_any
    monkeypatch.setattr(timeparse, "_parse_any", lambda v: called.append(v.len()) or real(v))
    texts = ["2026-03-01T12:00:00Z", "2026-03-01 12:00:00", "03/01/2026 12:00:00 PM"]
    texts = (texts + ["1772366400", "2026-03-01T12:00:00.125Z"]) * 40
    parsed = timeparse.parse_times(pl.Series(texts))
    assert called == []
    assert parsed.null_count() == 0
    assert parsed.dt.truncate("1s").unique().to_list() == [NOON]


def test_only_the_unreadable_values_reach_the_cascade(monkeypatch):
    called = []
    real = timeparse._parse_any
    monkeypatch.setattr(timeparse, "_parse_any", lambda v: called.append(v.to_list()) or real(v))
    texts = ["2026-03-01T12:00:00Z", "2026-03-01T12:00:0xZ", "2026-03-01 12:00:00"] * 5
    parsed = timeparse.parse_times(pl.Series(texts))
    assert parsed.to_list() == [NOON, None, NOON] * 5
    assert called == [["2026-03-01T12:00:0xZ"] * 5]


RENDER = [
    lambda t: t.strftime("%Y-%m-%dT%H:%M:%SZ"),
    lambda t: t.strftime("%Y-%m-%d %H:%M:%S"),
    lambda t: t.strftime("%m/%d/%Y %I:%M:%S %p"),
    lambda t: t.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
    lambda t: (t + timedelta(hours=5, minutes=30)).strftime("%Y-%m-%dT%H:%M:%S+05:30"),
    lambda t: str(int(t.timestamp())),
    lambda t: str(int(t.timestamp() * 1000)),
]


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.datetimes(min_value=datetime(2001, 1, 1), max_value=datetime(2099, 12, 31)).map(
                lambda t: t.replace(tzinfo=UTC)
            ),
            st.integers(0, len(RENDER) - 1),
        ),
        min_size=1,
        max_size=40,
    )
)
def test_random_instants_in_random_forms_read_back(rows):
    texts = [RENDER[form](t) for t, form in rows]
    parsed = timeparse.parse_times(pl.Series(texts)).to_list()
    for (t, form), got in zip(rows, parsed, strict=True):
        precise = t if form == 3 else t.replace(microsecond=0)
        if form == 6:
            precise = t.replace(microsecond=t.microsecond // 1000 * 1000)
        assert got == precise, (texts, form)


def test_a_merged_log_quarantines_only_its_unreadable_dates(write):
    dates = ["2026-03-01T10:00:00Z", "2026-03-01 10:00:01", "03/01/2026 10:00:02 AM"] * 3
    dates[4] = "03/01/2026 25:00:02 AM"
    dates[7] = "soon"
    body = "".join(
        f"{d},App,SSO Failed,Authentication-Applications,u{i}@acme.example,,\n"
        for i, d in enumerate(dates)
    )
    result = sources.load([str(write("merged.csv", f"{HEADER}\n{body}"))], use_cache=False)
    assert result.frame.height == 7
    assert result.quarantine.select("line", "reason").rows() == [
        (6, "unreadable date: 03/01/2026 25:00:02 AM"),
        (9, "unreadable date: soon"),
    ]
    start = datetime(2026, 3, 1, 10, tzinfo=UTC)
    seconds = [(t - start).seconds for t in result.frame["time"].to_list()]
    assert seconds == [0, 0, 0, 1, 2, 2, 2]


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.integers(0, 13),
            st.integers(0, 32),
            st.integers(0, 24),
            st.sampled_from([" AM", " PM", " am", " pm", " XM", "AM ", "", " AM!"]),
        ),
        min_size=1,
        max_size=30,
    )
)
def test_us_twelve_hour_times_read_as_chrono_reads_them(rows):
    # The 24-hour shortcut for `MM/DD/YYYY hh:mm:ss AM` gives what `%I:%M:%S %p` gives,
    # hours 00 and 13-23, impossible dates and other suffixes included.
    texts = [f"{m:02}/{d:02}/2026 {h:02}:04:05{half}" for m, d, h, half in rows]
    values = pl.Series("Date", texts)
    direct = values.str.to_datetime("%m/%d/%Y %I:%M:%S %p", strict=False, time_unit="us")
    assert timeparse._us_12h(values).to_list() == direct.dt.replace_time_zone("UTC").to_list()
