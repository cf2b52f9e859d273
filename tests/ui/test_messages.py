"""Workers hand their results to the UI thread as messages: frequent ones collapse."""

from __future__ import annotations

from pathlib import Path

import polars as pl

import connlog_tui.ui
from connlog_tui.query import FilterState, QueryResult
from connlog_tui.ui import messages as msg


def _result(state: FilterState, partial: bool) -> msg.FilterResult:
    result = QueryResult(pl.Series([], dtype=pl.UInt32), {}, 0, complete=not partial)
    kind = msg.SearchProgress if partial else msg.FilterResult
    return kind(state, result)


def test_a_search_under_way_gives_way_to_any_newer_result():
    state = FilterState(search="x")
    assert _result(state, partial=True).can_replace(_result(state, partial=True))
    assert _result(state, partial=True).can_replace(_result(state, partial=False))
    # A whole result is never dropped for what comes after it.
    assert not _result(state, partial=False).can_replace(_result(state, partial=True))
    assert not _result(state, partial=False).can_replace(_result(state, partial=False))


def test_progress_notes_give_way_to_newer_notes_of_their_kind_only():
    assert msg.ExportProgress("1 of 3").can_replace(msg.ExportProgress(None))
    assert msg.TriageProgress("a").can_replace(msg.TriageProgress("b"))
    assert not msg.ExportProgress("1 of 3").can_replace(msg.TriageProgress("b"))
    assert not msg.TriageProgress("a").can_replace(msg.AttemptsLinked(pl.DataFrame()))


def test_no_worker_calls_into_the_app_through_call_from_thread():
    ui = Path(connlog_tui.ui.__file__).parent
    calling = [p.name for p in ui.glob("*.py") if "call_from_thread" in p.read_text()]
    assert calling == []
