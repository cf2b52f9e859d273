"""Filter parts kept between runs (query_masks.Masks): the same answers as a fresh run,
and only the changed part worked out again."""

from __future__ import annotations

from datetime import UTC, datetime

import polars as pl
import pytest
from conftest import SMALL_LOG

from connlog_tui import query, query_masks
from connlog_tui.query import FilterState
from connlog_tui.query_masks import Masks
from connlog_tui.sources import load


@pytest.fixture(scope="module")
def frame() -> pl.DataFrame:
    return load([str(SMALL_LOG)]).frame


def states(frame: pl.DataFrame) -> list[FilterState]:
    """A browsing session's states, each a step from the one before."""
    none = FilterState()
    app = none.with_picked("app", ["MangoApps"])
    both = app.with_picked("action", ["SSO Failed", "SLO Failed"])
    hidden = both.with_excluded("outcome", ["success"])
    since = datetime(2026, 3, 1, 10, tzinfo=UTC)
    dated = FilterState(since=since, user="acme", picked=both.picked)
    searched = FilterState(search="acme", picked=app.picked)
    return [
        none,
        app,
        both,
        hidden,
        app,
        dated,
        FilterState(exclude_user="bob"),
        FilterState(search="acme"),
        searched,
        FilterState(search="acme", picked={"action": frozenset({"SSO Failed"})}),
        FilterState(regex="b.b", user="o").with_picked("outcome", ["failure"]),
        FilterState(exclude_search="mallory", picked=both.picked),
        none,
    ]


def same(a: query.QueryResult, b: query.QueryResult) -> None:
    assert a.indices.to_list() == b.indices.to_list()
    assert a.facets == b.facets
    assert a.total == b.total


def test_kept_masks_give_the_answers_of_fresh_runs(frame):
    masks = Masks()
    for state in states(frame):
        same(query.run(frame, state, masks=masks), query.run(frame, state))


def test_a_copy_of_kept_masks_gives_the_same_answers(frame):
    opened = Masks()
    query.run(frame, FilterState(), masks=opened)
    for state in states(frame):
        same(query.run(frame, state, masks=opened.copy()), query.run(frame, state))


def test_a_search_is_not_scanned_again_when_only_the_picks_change(frame):
    masks, checks = Masks(), []

    def stale() -> bool:
        checks.append(1)
        return False

    query.run(frame, FilterState(search="acme"), masks=masks, stale=stale)
    scanned = len(checks)
    assert scanned > 0
    picked = FilterState(search="acme").with_picked("app", ["MangoApps"])
    result = query.run(frame, picked, masks=masks, stale=stale)
    assert len(checks) == scanned
    same(result, query.run(frame, picked))
    # A date range narrows what the search reads: that search is a new one.
    dated = FilterState(search="acme", since=datetime(2026, 3, 1, 10, tzinfo=UTC))
    query.run(frame, dated, masks=masks, stale=stale)
    assert len(checks) > scanned


def test_masks_kept_for_one_frame_are_not_used_for_another(frame):
    masks = Masks()
    state = FilterState().with_picked("app", ["MangoApps"])
    query.run(frame, state, masks=masks)
    longer = pl.concat([frame, frame])
    same(query.run(longer, state, masks=masks), query.run(longer, state))
    same(query.run(frame, state, masks=masks), query.run(frame, state))


def test_kept_masks_are_bounded(frame, monkeypatch):
    monkeypatch.setattr(query_masks, "KEEP_MASKS", 3)
    masks = Masks()
    for user in ("a", "b", "c", "d", "e"):
        query.run(frame, FilterState(user=user), masks=masks)
    assert len(masks._masks) == 3
