"""Jumping without filtering: to a time, to the next match, to the next mark (issue 24)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import polars as pl
import pytest
from conftest import SMALL_LOG

from connlog_tui import query, sources
from connlog_tui.errors import ConnlogError
from connlog_tui.jump import jump_target, nearest, next_position

ANCHOR = datetime(2026, 3, 9, 11, 30, 5, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "zone", "want"),
    [
        ("-15m", "UTC", ANCHOR - timedelta(minutes=15)),
        ("+2h", "UTC", ANCHOR + timedelta(hours=2)),
        ("- 30 S", "UTC", ANCHOR - timedelta(seconds=30)),
        ("09:14", "UTC", datetime(2026, 3, 9, 9, 14, tzinfo=UTC)),
        ("9:14:30", "UTC", datetime(2026, 3, 9, 9, 14, 30, tzinfo=UTC)),
        # The anchor's day and the clock in the display zone (Berlin is UTC+1 in March).
        ("09:14", "Europe/Berlin", datetime(2026, 3, 9, 8, 14, tzinfo=UTC)),
        ("2026-03-08 23:00", "UTC", datetime(2026, 3, 8, 23, 0, tzinfo=UTC)),
        ("2026-03-08 23:00", "Europe/Berlin", datetime(2026, 3, 8, 22, 0, tzinfo=UTC)),
    ],
)
def test_jump_targets(text, zone, want):
    assert jump_target(text, ANCHOR, zone) == want


@pytest.mark.parametrize("bad", ["25:00", "soon", "", "-15x"])
def test_a_bad_jump_target_is_one_line(bad):
    with pytest.raises(ConnlogError) as caught:
        jump_target(bad, ANCHOR)
    assert "\n" not in str(caught.value)


@pytest.fixture(scope="module")
def frame() -> pl.DataFrame:
    return sources.load([str(SMALL_LOG)], use_cache=False).frame


def test_nearest_row_in_any_order(frame):
    indices = query.run(frame, query.FilterState()).indices
    times = frame["time"].to_list()
    when = datetime(2026, 3, 1, 11, 29, tzinfo=UTC)
    want = min(range(len(times)), key=lambda i: abs(times[i] - when))
    assert nearest(frame, indices, when) == want
    backwards = indices.reverse()
    assert backwards[nearest(frame, backwards, when)] == want
    assert nearest(frame, indices.head(0), when) is None


def test_next_and_previous_position_wrap_round():
    indices = pl.Series([5, 3, 9, 1, 7], dtype=pl.UInt32)
    matches = pl.Series([3, 7], dtype=pl.UInt32)
    assert next_position(indices, matches, None) == 1
    assert next_position(indices, matches, 1) == 4
    assert next_position(indices, matches, 4) == 1  # wraps
    assert next_position(indices, matches, 2, -1) == 1
    assert next_position(indices, matches, 1, -1) == 4  # wraps backwards
    assert next_position(indices, pl.Series([2], dtype=pl.UInt32), 0) is None


def test_nearest_in_order_bisects_to_the_nearest_row_either_way():
    from connlog_tui.jump import nearest_in_order

    start = datetime(2026, 3, 1, 9, tzinfo=UTC)
    times = [start + timedelta(minutes=m) for m in (0, 5, 5, 7, 30, 31, 90)]
    frame = pl.DataFrame({"time": times})
    indices = pl.Series(range(len(times)), dtype=pl.UInt32)
    asked: list[int] = []

    def time_at(at: int):
        asked.append(at)
        return times[at]

    for minutes in (-10, 0, 4, 6, 18, 19, 60, 61, 500):
        when = start + timedelta(minutes=minutes)
        got = nearest_in_order(len(times), time_at, when)
        assert abs(times[got] - when) == abs(times[nearest(frame, indices, when)] - when)
        newest_first = nearest_in_order(len(times), lambda at: times[::-1][at], when, True)
        assert abs(times[::-1][newest_first] - when) == abs(times[got] - when)
    assert len(asked) < 9 * 6  # a few rows asked for each, not the whole view
    assert nearest_in_order(0, time_at, start) is None
