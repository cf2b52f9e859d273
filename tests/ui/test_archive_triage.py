"""Triage (t), next failure (] / [) and compare (w) on a Parquet archive the app pages
through the seam: the same groups, failures and working login as the triage layer
gives on the same rows in memory, the bound said when the failures exceed it, and the
status bar saying what runs on the log and for how long."""

from __future__ import annotations

import threading
import time

import polars as pl
import pytest
from log_contract import write_archive
from test_archive_app import archive_app, settle, status

from connlog_tui import sources, triage
from connlog_tui.cli import demo_paths
from connlog_tui.logs import failures
from connlog_tui.logs.archive import ArchiveLog
from connlog_tui.logs.memory import MemoryLog
from connlog_tui.query import FilterState
from connlog_tui.ui.compare_screen import CompareScreen
from connlog_tui.ui.paged_triage import SHOWN
from connlog_tui.ui.table import LogTable
from connlog_tui.ui.triage_screen import TriageScreen


@pytest.fixture(scope="module")
def memory() -> MemoryLog:
    return MemoryLog.from_loaded(sources.load(demo_paths(), use_cache=False), demo_paths())


@pytest.fixture(scope="module")
def archive(memory, tmp_path_factory) -> str:
    return str(write_archive(memory, tmp_path_factory.mktemp("archive")))


def diagnosed(memory) -> pl.DataFrame:
    """Every row of the log in memory, its failures diagnosed by the triage layer."""
    frame = memory.frame
    return triage.apply_diagnoses(frame, triage.diagnose_rows(frame), columns=SHOWN)


async def open_triage(pilot) -> TriageScreen:
    await pilot.press("t")
    for _ in range(200):
        await pilot.pause(0.05)
        if isinstance(pilot.app.screen, TriageScreen):
            return pilot.app.screen
    raise AssertionError("the triage screen never opened")


async def test_triage_on_an_archive_groups_as_in_memory(memory, archive):
    app = archive_app(archive)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        screen = await open_triage(pilot)
        want = diagnosed(memory).filter(pl.col("outcome") == "failure")
        assert screen.failures == want.height > 0 and screen.note is None
        title = str(screen._title())
        assert f"{want.height:,} failures in the filtered view" in title
        assert "against successes" not in str(screen.query_one("#histogram").render())
        expected = triage.failure_groups(want, by="app_reason")
        assert screen.by_app.drop("first_seen", "last_seen").equals(
            expected.drop("first_seen", "last_seen")
        )
        # Picking a group filters the archive's view to it.
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen is app.screen_stack[0]
        assert app.query_one(LogTable).row_count == memory.count(app.state) > 0


async def test_triage_over_the_bound_says_so(memory, archive, monkeypatch):
    monkeypatch.setattr(failures, "MAX_TRIAGE_ROWS", 10)
    count = memory.count(FilterState().with_picked("outcome", {"failure"}))
    app = archive_app(archive)
    async with app.run_test(size=(200, 40)) as pilot:
        await settle(pilot)
        screen = await open_triage(pilot)
        assert screen.failures == 10
        note = f"10 of {count:,} failures triaged (the newest 10)"
        assert screen.note == note and note in str(screen._title())


async def test_next_failure_steps_through_the_archive_view(memory, archive):
    outcomes = memory.page(FilterState(), 0, memory.count(FilterState()))["outcome"]
    failing = (outcomes.cast(pl.String) == "failure").arg_true().to_list()
    app = archive_app(archive)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        table = app.query_one(LogTable)
        # The view opens at its newest row: going on wraps round to the first failure.
        for key, want in (("]", failing[0]), ("]", failing[1]), ("[", failing[0])):
            await pilot.press(key)
            await settle(pilot)
            assert table.cursor == want


async def test_compare_on_an_archive_finds_the_working_login_memory_finds(memory, archive):
    frame = memory.frame
    failed = frame.filter(pl.col("outcome") == "failure")
    key = int(failed["row_id"][failed.height // 2])
    want = triage.compare_with_working(frame, key)
    assert want.found_working
    position = memory.page(FilterState(), 0, frame.height)["row_id"].to_list().index(key)
    app = archive_app(archive)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        app.query_one(LogTable).cursor = position
        await pilot.press("w")
        for _ in range(200):
            await pilot.pause(0.05)
            if isinstance(app.screen, CompareScreen):
                break
        screen = app.screen
        assert isinstance(screen, CompareScreen)
        assert screen.comparison.working_row_id == want.working_row_id
        assert list(screen.comparison) == list(want)


async def test_the_status_bar_says_what_runs_and_for_how_long(archive, monkeypatch):
    release = threading.Event()
    search = ArchiveLog.search

    def slow(self, state, **kwargs):
        if state.search == "slow":
            release.wait(timeout=30)
        return search(self, state, **kwargs)

    monkeypatch.setattr(ArchiveLog, "search", slow)
    app = archive_app(archive)
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(pilot)
        await pilot.press("slash", *"slow", "enter")
        try:
            for _ in range(100):
                await pilot.pause(0.1)
                if "searching… 2 s" in status(app):
                    break
            assert status(app).startswith("searching… 2 s")
        finally:
            release.set()
        await settle(pilot)
        assert "searching…" not in status(app)


async def test_new_filters_cancel_a_running_triage(archive, monkeypatch):
    release = threading.Event()
    search = ArchiveLog.search

    def slow(self, state, **kwargs):
        if state.picked.get("outcome") == {"failure"}:
            release.wait(timeout=30)
        return search(self, state, **kwargs)

    monkeypatch.setattr(ArchiveLog, "search", slow)
    app = archive_app(archive)
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(pilot)
        await pilot.press("t")
        try:
            for _ in range(100):
                await pilot.pause(0.1)
                if "triage… 1 s" in status(app):
                    break
            assert "reading failures" in status(app) and "triage… 1 s" in status(app)
            await pilot.press("slash", *"okta", "enter")
        finally:
            release.set()
        await settle(pilot)
        await pilot.pause(0.5)
        assert app.screen is app.screen_stack[0]  # no triage screen for the old filters
        assert "triage" not in status(app) and "reading failures" not in status(app)


async def test_next_failure_in_a_view_without_failures_says_so(archive):
    app = archive_app(archive)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        app.set_state(FilterState().with_picked("outcome", {"success"}))
        await settle(pilot)
        table = app.query_one(LogTable)
        before = table.cursor
        await pilot.press("]")
        await settle(pilot)
        assert table.cursor == before
        assert [n.message for n in app._notifications] == ["No failures in this view"]


async def test_keys_typed_while_comparing_go_to_the_comparison(memory, archive, monkeypatch):
    search = ArchiveLog.search

    def slow(self, state, **kwargs):  # the working logins take a while to find
        if state.picked.get("outcome") == {"success"}:
            time.sleep(0.5)
        return search(self, state, **kwargs)

    monkeypatch.setattr(ArchiveLog, "search", slow)
    frame = memory.frame
    key = int(frame.filter(pl.col("outcome") == "failure")["row_id"][0])
    position = memory.page(FilterState(), 0, frame.height)["row_id"].to_list().index(key)
    app = archive_app(archive)
    opened = []
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        open_screen = app.open_screen

        async def recorded(screen, callback=None):
            opened.append(screen)
            await open_screen(screen, callback)

        app.open_screen = recorded  # type: ignore[method-assign]
        app.query_one(LogTable).cursor = position
        await pilot.press("w", "escape")  # escape typed before the comparison is up
        await settle(pilot)
        await pilot.pause(0.3)
        assert [type(s) for s in opened] == [CompareScreen]
        assert app.screen is app.screen_stack[0]  # the escape closed it


async def test_triage_on_an_archive_stitches_the_failures_attempts_as_in_memory(memory, archive):
    """After t, a triaged failure's Attempt tab shows what the loaded log shows for it."""
    from connlog_tui.ui.detail import DetailPanel, render_attempt

    frame = diagnosed(memory)
    whole = triage.stitch_attempts(memory.frame)
    failed = frame.filter(pl.col("outcome") == "failure")["row_id"]
    key = next(k for k in failed if len(triage.attempt_of(whole, k)["row_ids"]) > 1)
    facts = triage.attempt_of(whole, key)
    events = triage.rows_with_ids(frame, facts["row_ids"]).sort("time").to_dicts()
    want = render_attempt((facts, events))
    position = memory.page(FilterState(), 0, frame.height)["row_id"].to_list().index(key)
    app = archive_app(archive)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        app.query_one(LogTable).cursor = position
        await settle(pilot)
        detail = app.query_one(DetailPanel)
        assert detail.row["row_id"] == key and detail.attempt is None  # not stitched yet
        await open_triage(pilot)
        await pilot.press("escape")
        await settle(pilot)
        assert detail.row["row_id"] == key
        assert render_attempt(detail.attempt) == want


async def test_an_untriaged_rows_attempt_tab_says_how_an_archive_stitches(memory, archive):
    """Before triage, an archive row's Attempt tab says that triage stitches attempts
    (an archive has no background stitching after a load to wait for)."""
    from textual.widgets import TextArea

    from connlog_tui.ui.detail import DetailPanel

    app = archive_app(archive)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        app.query_one(LogTable).cursor = 3
        await settle(pilot)
        await pilot.pause(0.5)
        detail = app.query_one(DetailPanel)
        assert detail.row is not None and detail.attempt is None
        said = detail.query_one("#attempt", TextArea).text
        assert "triage (t)" in said and "after loading" not in said


async def test_attempts_over_their_bound_are_said_in_the_triage_title(archive, monkeypatch):
    monkeypatch.setattr(failures, "MAX_ATTEMPT_EVENTS", 100)
    app = archive_app(archive)
    async with app.run_test(size=(200, 40)) as pilot:
        await settle(pilot)
        screen = await open_triage(pilot)
        assert screen.note is not None and screen.note.startswith(
            "attempts stitched for the newest"
        )
        assert screen.note in str(screen._title())
