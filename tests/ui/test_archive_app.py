"""`connlog ARCHIVE_DIR`: the browser pages a Parquet archive through the log seam (never
loading it) and shows what the same rows loaded in memory show: counts, pane counts,
the rows at either end, a row's payloads, and an export."""

from __future__ import annotations

import contextlib
import csv
from datetime import timedelta

import pytest
from log_contract import write_archive
from textual.widgets import Input, Static
from textual.worker import WorkerCancelled

from connlog_tui import sources
from connlog_tui.cli import demo_paths
from connlog_tui.logs import ExportOptions, Sort
from connlog_tui.logs.memory import MemoryLog
from connlog_tui.options import Options
from connlog_tui.query import FilterState
from connlog_tui.ui.app import ConnlogApp
from connlog_tui.ui.detail import DetailPanel
from connlog_tui.ui.filters import DateRangePane, FacetPane
from connlog_tui.ui.screens import ExportScreen
from connlog_tui.ui.table import LogTable


@pytest.fixture(scope="module")
def memory() -> MemoryLog:
    return MemoryLog.from_loaded(sources.load(demo_paths(), use_cache=False), demo_paths())


@pytest.fixture(scope="module")
def archive(memory, tmp_path_factory) -> str:
    return str(write_archive(memory, tmp_path_factory.mktemp("archive")))


def archive_app(root: str) -> ConnlogApp:
    options = Options(
        paths=[root], format=None, mappings={}, picked={}, user="", since=None, until=None,
        search="", archive=root,
    )  # fmt: skip
    return ConnlogApp(options)


async def settle(pilot) -> None:
    """Until the log is open, no worker runs, and the current filters' result is shown."""
    app = pilot.app
    for _ in range(200):
        await pilot.pause()
        with contextlib.suppress(WorkerCancelled):
            await app.workers.wait_for_complete()
        await pilot.pause()
        done = app.shown is not None and app.result_state is app.state
        if done and not any(w.is_running for w in app.workers):
            await pilot.pause(0.1)
            return
    raise AssertionError("the app never settled")


def status(app) -> str:
    return str(app.query_one("#status", Static).render())


def newest_key(memory: MemoryLog, state: FilterState) -> int:
    return int(memory.page(state, 0, 1, Sort(descending=True))["row_id"][0])


async def test_browses_an_archive_as_the_loaded_rows(memory, archive, monkeypatch):
    monkeypatch.setattr(sources, "load", None)  # never loaded: paged through the seam
    app = archive_app(archive)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        table = app.query_one(LogTable)
        assert app.frame is None and table.row_count == 2345
        assert "2,345 of 2,345 rows" in status(app) and "archive: rows read" in status(app)
        assert table.current_row == newest_key(memory, FilterState())
        pane = app.query_one("#facet-action", FacetPane)
        assert pane._counts == memory.facets(FilterState())["action"]
        ips = app.query_one("#facet-ip", FacetPane)  # the Okta demo log's client IPs
        assert ips._counts == memory.facets(FilterState())["ip"] and ips._counts
        # Pick the pane's fourth value with the keyboard, as a user would.
        pane.focus()
        await pilot.press("home", "down", "down", "down", "space")
        await settle(pilot)
        state = app.state
        assert len(state.picked["action"]) == 1
        assert table.row_count == memory.count(state) < 2345
        apps = app.query_one("#facet-app", FacetPane)
        assert apps._counts == memory.facets(state)["app"]
        ips = app.query_one("#facet-ip", FacetPane)  # the Okta demo log's client IPs
        assert ips._counts == memory.facets(state)["ip"]
        assert table.current_row == newest_key(memory, state)
        # The oldest row, then a page down: rows from the first blocks.
        table.focus()
        await pilot.press("home", "pagedown")
        await pilot.pause()
        expected = memory.page(state, table.cursor, 1)["row_id"][0]
        assert table.current_row == expected
        await pilot.press("enter")
        await pilot.pause(0.2)
        shown = app.query_one(DetailPanel).row
        assert shown is not None and shown == memory.row(expected)


async def test_search_and_export_from_an_archive(memory, archive, tmp_path):
    app = archive_app(archive)
    out = tmp_path / "view.csv"
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        await pilot.press("slash", *"samlresponse", "enter")
        await settle(pilot)
        state = FilterState(search="samlresponse")
        assert app.query_one(LogTable).row_count == memory.count(state) > 0
        await pilot.press("e")
        await pilot.pause()
        assert isinstance(app.screen, ExportScreen)
        app.screen.query_one(Input).value = str(out)
        await pilot.press("enter")
        await settle(pilot)
        for _ in range(50):
            if out.exists():
                break
            await pilot.pause(0.1)
    memory.export(state, str(tmp_path / "memory.csv"), ExportOptions())
    assert out.read_bytes() == (tmp_path / "memory.csv").read_bytes()


async def test_follow_is_off_on_an_archive(memory, archive):
    app = archive_app(archive)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        # A quick range counts back from the archive's newest event, as from a log's.
        app.query_one(DateRangePane).post_message(DateRangePane.Changed("", "", "24h"))
        await settle(pilot)
        newest = memory.time_bounds()[1]
        state = FilterState(since=newest - timedelta(hours=24), until=newest)
        assert app.state == state
        assert app.query_one(LogTable).row_count == memory.count(state) < 2345
        await pilot.press("F")
        await pilot.pause()
        assert app.screen is app.screen_stack[0] and not app.follower.tails
        assert app.check_action("toggle_follow", ()) is False


async def test_the_count_view_counts_an_archive_through_the_seam(memory, archive):
    from connlog_tui import counts
    from connlog_tui.ui.counting import CountScreen

    app = archive_app(archive)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        app.query_one(LogTable).focus()
        await pilot.press("number_sign")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, CountScreen)
        await screen.workers.wait_for_complete()
        await pilot.pause()
        want = memory.count_by(FilterState(), counts.count_key(screen.by))
        assert screen.values == want["value"].to_list() and screen.values
        await pilot.press("enter")  # filters the archive's view to the first value
        await settle(pilot)
        assert app.query_one(LogTable).row_count == int(want["count"][0]) < 2345


async def test_the_timeline_of_an_archive_is_the_loaded_rows(memory, archive):
    from connlog_tui import counts
    from connlog_tui.ui.timeline import TimelineStrip

    app = archive_app(archive)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        await pilot.press("H")
        strip = app.query_one(TimelineStrip)
        for _ in range(100):
            await pilot.pause(0.05)
            if strip.line is not None:
                break
        indices = memory.result(FilterState()).indices
        loaded = counts.timeline(memory.frame, indices, strip.bars_width())
        assert strip.line is not None and strip.line.bars.equals(loaded.bars)
        assert "▲" in str(strip.render())  # the cursor's row is on it


async def test_colon_jumps_to_a_time_on_an_archive(memory, archive):
    from connlog_tui import jump

    app = archive_app(archive)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        table = app.query_one(LogTable)
        indices = memory.result(FilterState()).indices
        times = memory.frame["time"].gather(indices)
        when = times[len(times) // 3] + timedelta(seconds=1)
        await pilot.press("colon", *f"{when:%Y-%m-%d %H:%M:%S}", "enter")
        for _ in range(100):
            await pilot.pause(0.05)
            if table.cursor != table.row_count - 1 and not app.workers:
                break
        want = times[jump.nearest(memory.frame, indices, when.replace(microsecond=0))]
        assert memory.row(table.current_row)["time"] == want
        assert table.row_count == 2345  # nothing filtered out


async def eventually(pilot, check, seconds: float = 20.0) -> None:
    """Until `check()` holds (an answer found on a thread), or fail."""
    for _ in range(int(seconds / 0.05)):
        if check():
            return
        await pilot.pause(0.05)
    assert check()


async def test_n_jumps_between_matches_on_an_archive(memory, archive):
    found = FilterState(search="invalid")
    matches = memory.page(found, 0, memory.count(found))["row_id"].to_list()
    assert len(matches) > 2
    app = archive_app(archive)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        table = app.query_one(LogTable)
        await pilot.press("slash", *"invalid", "enter")
        await settle(pilot)
        assert table.current_row == matches[-1]  # the newest match
        table.focus()
        await pilot.press("n")  # the whole view back, the search kept for n / N
        await settle(pilot)
        assert app.state.search == "" and app.verbs.find == found
        assert table.row_count == 2345
        # From the newest match, n goes round to the first.
        await eventually(pilot, lambda: table.current_row == matches[0])
        await pilot.press("n")
        await eventually(pilot, lambda: table.current_row == matches[1])
        await pilot.press("N", "N")
        await eventually(pilot, lambda: table.current_row == matches[-1])
        assert table.row_count == 2345  # nothing filtered out


async def test_marks_and_notes_on_an_archive(memory, archive, tmp_path):
    out = tmp_path / "marked.csv"
    app = archive_app(archive)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        table = app.query_one(LogTable)
        table.focus()
        newest = table.current_row
        await pilot.press("m")
        await eventually(pilot, lambda: table.marked == {newest})
        await pilot.press("g", "down", "down", "M")
        await pilot.press(*"call the IdP", "enter")
        noted = table.current_row
        await eventually(pilot, lambda: table.marked == {newest, noted})
        await pilot.press("right_curly_bracket")  # from the third row: on to the newest
        await eventually(pilot, lambda: table.current_row == newest)
        await pilot.press("right_curly_bracket")  # round to the first mark
        await eventually(pilot, lambda: table.current_row == noted)
        await pilot.press("apostrophe")  # said, not done: the view keeps every row
        await pilot.pause()
        assert table.row_count == 2345
        assert "marks: no ' (marked only) on an archive" in status(app)
    again = archive_app(archive)
    async with again.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        table = again.query_one(LogTable)
        await eventually(pilot, lambda: table.marked == {newest, noted})  # found again
        await pilot.press("e")
        await pilot.pause()
        assert isinstance(again.screen, ExportScreen)
        again.screen.query_one(Input).value = str(out)
        await pilot.press("enter")
        await eventually(pilot, out.exists)
        await settle(pilot)
    rows = list(csv.DictReader(out.open(newline="", encoding="utf-8")))
    assert len(rows) == 2345
    assert [r["Note"] for r in rows if r["Note"]] == ["call the IdP"]
    assert rows[noted]["Note"] == "call the IdP"


async def test_a_query_running_on_the_archive_is_said_with_its_time_until_it_ends(archive):
    # Running bubbles up to the app from any component's worker (filter, triage, n / N).
    import time

    from connlog_tui.ui import messages as msg

    app = archive_app(archive)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        app.filterer.post_message(msg.Running("counting", time.monotonic() - 3))
        await pilot.pause(0.1)
        assert app.status.running is not None and app.status.running.startswith("counting… 3")
        app.filterer.post_message(msg.Running("counting", None))
        await pilot.pause(0.1)
        assert app.status.running is None


@pytest.mark.parametrize(
    "state",
    [FilterState(), FilterState().with_picked("outcome", {"failure"})],
    ids=["sort", "sort-and-filters"],
)
async def test_opening_a_saved_view_sorts_and_filters_the_archive(memory, archive, state):
    """A saved view's sort and filters are the table's order and rows on an archive, as
    they are on the same rows in memory."""
    from connlog_tui import views

    views.save_view("failures-by-user", state, sort="user", descending=True)
    order = Sort("user", descending=True)
    app = archive_app(archive)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        app.open_view("failures-by-user")
        await settle(pilot)
        table = app.query_one(LogTable)
        assert app.state == state and app.sort == ("user", True)
        assert table.row_count == memory.count(state)
        for at in (0, 1, table.row_count // 2, table.row_count - 1):
            table.cursor = at
            assert table.current_row == memory.page(state, at, 1, order)["row_id"][0]
