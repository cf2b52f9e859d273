"""The filtered failures of a log, bounded (logs/failures.py): the in-memory log and an
archive of the same rows give the same failures, the newest when over the bound, and
the same working logins near a failure."""

from __future__ import annotations

import polars as pl
import pytest
from log_contract import assert_attempts_agree, comparable, write_archive
from polars.testing import assert_frame_equal

from connlog_tui import sources, triage
from connlog_tui.cli import demo_paths
from connlog_tui.errors import Stale
from connlog_tui.logs.archive import ArchiveLog
from connlog_tui.logs.failures import (
    bounded_failures,
    failing_state,
    failure_attempts,
    nearest_successes,
    working_rows,
)
from connlog_tui.logs.memory import MemoryLog
from connlog_tui.query import FilterState


@pytest.fixture(scope="module")
def memory() -> MemoryLog:
    return MemoryLog.from_loaded(sources.load(demo_paths(), use_cache=False), demo_paths())


@pytest.fixture(scope="module")
def archive(memory: MemoryLog, tmp_path_factory) -> ArchiveLog:
    return ArchiveLog(write_archive(memory, tmp_path_factory.mktemp("archive")))


def expected(memory: MemoryLog, state: FilterState) -> pl.DataFrame:
    """The failures `state` selects, from the whole frame, without the seam's paging."""
    every = memory.page(state, 0, memory.count(state))
    return every.filter(pl.col("outcome") == "failure")


@pytest.mark.parametrize("search", ["", "okta"])
def test_failures_agree_and_are_every_failure_under_the_bound(memory, archive, search):
    state = FilterState(search=search)
    mine, theirs = bounded_failures(memory, state), bounded_failures(archive, state)
    want = expected(memory, state)
    assert mine.count == theirs.count == want.height > 0
    assert mine.note is None
    assert_frame_equal(comparable(mine.rows), comparable(want))
    assert_frame_equal(comparable(theirs.rows), comparable(want))


def test_over_the_bound_the_newest_are_kept_and_said(memory, archive):
    want = expected(memory, FilterState())
    limit = want.height // 3
    mine = bounded_failures(memory, FilterState(), limit=limit)
    theirs = bounded_failures(archive, FilterState(), limit=limit)
    assert_frame_equal(comparable(mine.rows), comparable(want.tail(limit)))
    assert_frame_equal(comparable(theirs.rows), comparable(want.tail(limit)))
    assert theirs.count == want.height
    assert theirs.note == f"{limit:,} of {want.height:,} failures triaged (the newest {limit:,})"


def test_a_state_without_failures_selects_none(memory, archive):
    hides = FilterState().with_excluded("outcome", {"failure"})
    others = FilterState().with_picked("outcome", {"success"})
    assert failing_state(hides) is None and failing_state(others) is None
    for log in (memory, archive):
        assert bounded_failures(log, others).count == 0
        assert bounded_failures(log, others).rows.is_empty()


def test_a_stale_caller_stops(archive):
    with pytest.raises(Stale):
        bounded_failures(archive, FilterState(search="okta"), stale=lambda: True)


def test_nearest_successes_agree(memory, archive):
    failed = expected(memory, FilterState()).row(0, named=True)
    mine = nearest_successes(memory, failed["app"], failed["time"], 5)
    theirs = nearest_successes(archive, failed["app"], failed["time"], 5)
    assert 0 < mine.height <= 10
    assert set(mine["outcome"]) == {"success"} and set(mine["app"]) == {failed["app"]}
    assert_frame_equal(comparable(mine), comparable(theirs))


def test_the_working_rows_give_the_whole_logs_baselines(memory, archive):
    whole = triage.baselines(memory.frame)
    assert whole.height > 0
    assert_frame_equal(triage.baselines(working_rows(archive)), whole)
    assert_frame_equal(triage.baselines(working_rows(memory)), whole)


@pytest.mark.parametrize(
    "state",
    [
        FilterState(),
        FilterState(search="okta"),
        FilterState().with_picked("app", {"Workday (SAML)"}),
    ],
    ids=["everything", "search", "app"],
)
def test_the_failures_attempts_are_those_the_whole_log_stitches(memory, archive, state):
    got = assert_attempts_agree(memory, archive, state)
    assert got.stitched == got.failures and got.note is None
    if not state.search:  # the demo's Okta failures have no initiation logged
        assert any(len(ids) > 1 for ids in got.attempts["row_ids"])  # linked, not alone


def test_over_the_bound_the_newest_failures_attempts_are_stitched_and_said(memory, archive):
    got = assert_attempts_agree(memory, archive, FilterState(), limit=100)
    assert 0 < got.stitched < got.failures
    assert got.note == f"attempts stitched for the newest {got.stitched:,}"
    stitched = set(got.attempts["row_ids"].explode())
    failures = bounded_failures(archive, FilterState()).rows.sort("time")
    covered = [key in stitched for key in failures["row_id"]]
    assert covered == sorted(covered)  # the newest ones


def test_stitching_a_stale_callers_failures_stops(archive):
    rows = bounded_failures(archive, FilterState()).rows
    with pytest.raises(Stale):
        failure_attempts(archive, rows, stale=lambda: True)
