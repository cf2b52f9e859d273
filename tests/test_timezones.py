"""Display zones: the z cycle, formatting, and date filters read in the display zone."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest

from connlog_tui import timezones as tz
from connlog_tui.errors import ConnlogError

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)


@pytest.fixture
def berlin_local(monkeypatch):
    """The machine's local zone is Europe/Berlin for the test."""
    monkeypatch.setenv("TZ", "Europe/Berlin")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def test_cycle_goes_utc_local_configured():
    assert tz.cycle("UTC", "Asia/Tokyo") == "local"
    assert tz.cycle("local", "Asia/Tokyo") == "Asia/Tokyo"
    assert tz.cycle("Asia/Tokyo", "Asia/Tokyo") == "UTC"


def test_cycle_skips_a_missing_or_repeated_configured_zone():
    assert tz.cycle("local", None) == "UTC"
    assert tz.cycle("local", "UTC") == "UTC"
    assert tz.cycle("UTC", "local") == "local"
    assert tz.cycle("Europe/Paris", None) == "UTC"  # unknown current: start over


def test_format_time_in_zones(berlin_local):
    winter = datetime(2026, 3, 1, 9, 5, 1, tzinfo=UTC)
    summer = datetime(2026, 7, 1, 9, 5, 1, tzinfo=UTC)
    assert tz.format_time(winter, "UTC") == "2026-03-01 09:05:01"
    assert tz.format_time(winter, "Asia/Tokyo") == "2026-03-01 18:05:01"
    assert tz.format_time(winter, "local") == "2026-03-01 10:05:01"
    assert tz.format_time(summer, "local") == "2026-07-01 11:05:01"  # daylight saving
    assert tz.format_time(winter, "UTC", "%H:%M") == "09:05"
    assert tz.format_time(None, "UTC") == ""
    naive = datetime(2026, 3, 1, 9, 5, 1)
    assert tz.format_time(naive, "Asia/Tokyo") == "2026-03-01 18:05:01"


def test_parse_in_zone_reads_wall_clock_in_the_zone():
    parsed = tz.parse_in_zone("2026-03-01 10:00", "Europe/Berlin")
    assert parsed == datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
    assert tz.parse_in_zone("2026-07-01T10:00:00", "Europe/Berlin").hour == 8
    assert tz.parse_in_zone("2026-03-01 10:00", "UTC") == datetime(2026, 3, 1, 10, tzinfo=UTC)


def test_parse_in_zone_local(berlin_local):
    assert tz.parse_in_zone("2026-03-01 10:00", "local") == datetime(2026, 3, 1, 9, tzinfo=UTC)


def test_a_date_alone_is_the_whole_day_in_the_zone():
    start = tz.parse_in_zone("2026-03-01", "Asia/Tokyo")
    end = tz.parse_in_zone("2026-03-01", "Asia/Tokyo", end=True)
    assert start == datetime(2026, 2, 28, 15, tzinfo=UTC)
    assert end == datetime(2026, 3, 1, 14, 59, 59, 999999, tzinfo=UTC)


@pytest.mark.parametrize(
    "text",
    ["2026-03-01T10:00:00Z", "2026-03-01T11:00:00+01:00", "2026-03-01 10:00 UTC", "1772359200"],
)
def test_explicit_offsets_and_epochs_keep_their_instant(text):
    assert tz.parse_in_zone(text, "Asia/Tokyo") == datetime(2026, 3, 1, 10, tzinfo=UTC)


def test_relative_times_ignore_the_zone():
    assert tz.parse_in_zone("24h", "Asia/Tokyo", now=NOW) == datetime(2026, 3, 9, 12, tzinfo=UTC)


def test_bad_dates_are_connlog_errors():
    with pytest.raises(ConnlogError, match="cannot read the date"):
        tz.parse_in_zone("yesterday-ish", "UTC")


def test_describe_says_which_zone():
    since = datetime(2026, 3, 1, 9, tzinfo=UTC)
    assert tz.describe(since, None, "Europe/Berlin") == "since 2026-03-01 10:00:00 (Europe/Berlin)"
    assert tz.describe(None, None, "UTC") == ""
    assert tz.label("local").startswith("local ") and "(" not in tz.label("local")


def test_iso_utc_writes_every_instant_one_way():
    from datetime import timedelta, timezone

    from connlog_tui.isotime import iso_utc

    berlin = timezone(timedelta(hours=1))
    moment = datetime(2026, 3, 1, 13, 0, 5, 123456, tzinfo=berlin)
    assert iso_utc(moment) == "2026-03-01T12:00:05.123Z"  # payload times: milliseconds
    assert iso_utc(moment, 6) == "2026-03-01T12:00:05.123456Z"  # saved views
    whole = moment.replace(microsecond=0)
    assert iso_utc(whole, 6) == "2026-03-01T12:00:05Z"
    assert iso_utc(whole, 6, always=True) == "2026-03-01T12:00:05.000000Z"  # provenance
    assert iso_utc(datetime(2026, 3, 1, 12, 0)) == "2026-03-01T12:00:00Z"  # naive is UTC
