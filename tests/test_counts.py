"""Count by any column or payload field, and the timeline of a view (issue 24)."""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, datetime, timedelta

import polars as pl
import pytest
from conftest import HEADER, SMALL_LOG

from connlog_tui import counts, query, sources
from connlog_tui.counts import COLUMN, FIELD, count_by, count_key, timeline
from connlog_tui.errors import ConnlogError
from connlog_tui.query import FilterState


@pytest.fixture(scope="module")
def frame() -> pl.DataFrame:
    return sources.load([str(SMALL_LOG)], use_cache=False).frame


def view(frame, state: FilterState | None = None) -> pl.Series:
    return query.run(frame, state or FilterState()).indices


@pytest.mark.parametrize("column", ["app", "outcome", "user", "source", "format", "ip"])
def test_count_by_a_column_under_the_filters(frame, column):
    state = FilterState().with_excluded("action", {"SSO Initiated"})
    indices = view(frame, state)
    got = count_by(frame, indices, column)
    rows = frame[indices][column].cast(pl.String).to_list()
    want = Counter(rows)
    assert dict(zip(got["value"], got["count"], strict=True)) == want
    assert got["share"].to_list() == pytest.approx([n / len(rows) for n in got["count"]])
    # Most frequent first.
    assert got["count"].to_list() == sorted(got["count"].to_list(), reverse=True)


def test_headers_and_any_case_name_the_columns():
    assert count_key("Outcome") == count_key("outcome") == counts.CountKey(COLUMN, "outcome")
    assert count_key("Application To/From").name == "app"
    assert count_key("IP").name == "ip"


@pytest.mark.parametrize("bad", ["nope", "a..b", ".x", ""])
def test_an_unknown_key_is_one_line(bad):
    with pytest.raises(ConnlogError) as caught:
        count_key(bad)
    assert "\n" not in str(caught.value) and "cannot count by" in str(caught.value)


EVENTS = [
    {"client": {"userAgent": {"browser": "CHROME"}}, "outcome": {"result": "FAILURE"}},
    {"client": {"userAgent": {"browser": "SAFARI"}}, "outcome": {"result": "SUCCESS"}},
    {"client": {"userAgent": {"browser": "CHROME"}}, "outcome": {"result": "SUCCESS"}},
    {"client": {"userAgent": {"browser": "CHROME"}}, "odd key": 3},
    {"client": {}},
]


@pytest.fixture(scope="module")
def events(tmp_path_factory) -> sources.ReadResult:
    """A connector log whose responses hold JSON events, and one that is not JSON."""
    lines = [HEADER]
    for i, event in enumerate(EVENTS):
        body = json.dumps(event, separators=(",", ":")).replace('"', '""')
        lines.append(
            f'2026-03-01T09:00:0{i}Z,Okta,SSO Failed,Authentication-Applications,u,,"{body}"'
        )
    lines.append("2026-03-01T09:00:09Z,Okta,NA,Authentication-Applications,u,,not json")
    path = tmp_path_factory.mktemp("events") / "events.csv"
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.mark.parametrize("lean", [False, True])
def test_count_by_a_field_path_inside_the_payloads(events, lean):
    loaded = sources.load([str(events)], use_cache=False, lean=lean)
    indices = view(loaded.frame)
    got = count_by(loaded.frame, indices, "client.userAgent.browser", loaded.payloads)
    assert got.rows() == [
        ("CHROME", 3, 0.5),
        (None, 2, pytest.approx(2 / 6)),
        ("SAFARI", 1, pytest.approx(1 / 6)),
    ]
    odd = count_by(loaded.frame, indices, "odd key.x", loaded.payloads)
    assert odd["count"].to_list() == [6]  # no such field anywhere: one null value
    assert count_key("$['odd key']").kind == FIELD
    got = count_by(loaded.frame, indices, "$['odd key']", loaded.payloads)
    assert got.rows()[1] == ("3", 1, pytest.approx(1 / 6))


def test_enter_on_a_value_filters_to_it_and_exclude_hides_it(events, frame):
    state = counts.filter_to(FilterState(), count_key("app"), "MangoApps")
    assert state.picked == {"app": {"MangoApps"}}
    state = counts.filter_to(state, count_key("outcome"), "failure", exclude=True)
    assert state.excluded == {"outcome": {"failure"}}
    shown = frame[view(frame, state)]
    assert set(shown["app"]) == {"MangoApps"} and "failure" not in set(shown["outcome"])
    loaded = sources.load([str(events)], use_cache=False)
    key = count_key("client.userAgent.browser")
    state = counts.filter_to(FilterState(), key, "CHROME")
    assert query.run(loaded.frame, state).indices.to_list() == [0, 2, 3]
    with pytest.raises(ConnlogError):
        counts.filter_to(FilterState(), key, "CHROME", exclude=True)
    with pytest.raises(ConnlogError):
        counts.filter_to(FilterState(), key, None)


def test_bucket_size_is_round_and_gives_at_most_the_bars_asked():
    start = datetime(2026, 3, 1, tzinfo=UTC)
    for span, bars in ((timedelta(hours=1), 60), (timedelta(days=7), 60), (timedelta(0), 60)):
        size = counts.bucket_size(start, start + span, bars)
        assert size in counts.BUCKETS and span / size < bars
    assert counts.bucket_size(start, start + timedelta(hours=1), 60) == timedelta(minutes=5)


def test_the_timeline_counts_failures_apart_from_the_rest(frame):
    indices = view(frame)
    line = timeline(frame, indices, bars=30)
    bars = line.bars
    assert bars["failures"].sum() == (frame["outcome"] == "failure").sum()
    assert bars["failures"].sum() + bars["others"].sum() == frame.height
    # Every bucket from first to last, each `every` apart, empty ones as zeros.
    steps = bars["start"].diff().drop_nulls().unique().to_list()
    assert steps == [line.every] and bars.height <= 31
    for when, failed in frame.select("time", pl.col("outcome") == "failure").iter_rows():
        bar = line.bucket_of(when)
        start, end = line.range_of(bar)
        assert start <= when <= end
        assert bars["failures" if failed else "others"][bar] >= 1
    assert line.bucket_of(bars["start"][0] - timedelta(days=1)) is None


def test_the_timeline_of_an_empty_view(frame):
    line = timeline(frame, pl.Series("index", [], dtype=pl.UInt32))
    assert line.bars.is_empty() and line.bucket_of(datetime(2026, 3, 1, tzinfo=UTC)) is None


@pytest.mark.parametrize("bars", [5, 30, 200])
def test_a_lazy_plans_timeline_is_the_frames(frame, bars):
    # An archive's view is a lazy plan: its timeline, counted without loading its rows,
    # is the one the same rows loaded give.
    state = FilterState(picked={"app": frozenset({"MangoApps"})})
    for indices, plan in (
        (view(frame), frame.lazy()),
        (view(frame, state), frame.lazy().filter(pl.col("app") == "MangoApps")),
    ):
        lazy = counts.timeline_of(plan, bars, pl.LazyFrame.collect)
        loaded = timeline(frame, indices, bars)
        assert lazy.every == loaded.every and lazy.bars.equals(loaded.bars)
    empty = counts.timeline_of(frame.lazy().head(0), 30, pl.LazyFrame.collect)
    assert empty.bars.is_empty()
