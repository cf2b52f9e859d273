"""The triage and compare screens, driven from the keyboard with Textual's Pilot.

The screens are pushed inside a minimal host app (and once over the real app), on the
demo log and the small fixture; every number checked here is recomputed in the test with
Polars, not read back from the triage API the screen uses.

Update the snapshots after an intended change:
python3 -m pytest tests/ui/test_triage_screen.py --snapshot-update
"""

from __future__ import annotations

import asyncio
import csv
import io
import os
import re
from functools import cache

import polars as pl
import pytest
from conftest import HEADER, ROOT, SMALL_LOG
from rich.console import Console
from rich.text import Text
from textual.app import App
from textual.widgets import DataTable, Static, TabPane
from textual.widgets._tabbed_content import ContentTabs
from uihelpers import make_app, settle

from connlog_tui import query
from connlog_tui.query import FilterState
from connlog_tui.sources import load
from connlog_tui.triage import apply_diagnoses, compare_with_working, diagnose_rows, payload_facts
from connlog_tui.ui.compare_screen import CompareScreen
from connlog_tui.ui.histogram import FailureHistogram
from connlog_tui.ui.table import LogTable
from connlog_tui.ui.triage_screen import TriageScreen

DEMO_LOG = ROOT / "connlog_tui" / "data" / "demo_connector_log.csv"
SALESFORCE = "Salesforce (SAML)"


@cache
def raw_frame(path: str) -> pl.DataFrame:
    # Relative paths, as the app is given them: nothing shown depends on the checkout.
    return load([os.path.relpath(path)], use_cache=False).frame


@cache
def diagnosed_frame(path: str) -> pl.DataFrame:
    frame = raw_frame(path)
    return apply_diagnoses(frame, diagnose_rows(frame))


def every_row(frame: pl.DataFrame) -> pl.Series:
    return pl.Series("index", range(frame.height), dtype=pl.UInt32)


class Host(App[None]):
    """Pushes one screen and keeps what it is dismissed with."""

    def __init__(self, screen) -> None:
        super().__init__()
        self.screen_under_test = screen
        self.results: list = []

    def on_mount(self) -> None:
        self.push_screen(self.screen_under_test, self.results.append)


def expected_app_groups(frame: pl.DataFrame) -> pl.DataFrame:
    """Failures by application and reason, recomputed here with plain Polars."""
    sources = [c for c in ("failure_reason", "reason", "action") if c in frame.columns]
    reason = pl.coalesce([pl.col(c).cast(pl.String).replace("", None) for c in sources])
    return (
        frame.filter(pl.col("outcome") == "failure")
        .group_by(pl.col("app").cast(pl.String), reason.alias("reason"))
        .agg(pl.len().alias("count"), pl.col("user_key").n_unique().alias("users"))
        .sort("count", "app", "reason", descending=[True, False, False])
    )


def expected_user_groups(frame: pl.DataFrame) -> pl.DataFrame:
    return (
        frame.filter(pl.col("outcome") == "failure")
        .group_by(pl.col("user_key").alias("user"))
        .agg(pl.len().alias("count"), pl.col("app").cast(pl.String).n_unique().alias("apps"))
        .sort("count", "user", descending=[True, False])
    )


def cells(table: DataTable, row: int) -> list[str]:
    return [cell.plain.strip() for cell in table.get_row_at(row)]


def shown(text: str, cell: str) -> bool:
    """A table cell shows the text, or its start when it was cut to fit."""
    return cell == text or (cell.endswith("…") and text.startswith(cell[:-1]))


def static_text(screen, selector: str) -> str:
    """What a Static shows, as plain text (rendered when it holds a Rich table)."""
    content = screen.query_one(selector, Static).content
    if isinstance(content, str | Text):
        return str(content)
    console = Console(width=200, file=io.StringIO(), record=True)
    console.print(content)
    return console.export_text()


# -- the triage screen ------------------------------------------------------------------


async def test_groups_by_app_and_reason_match_polars():
    frame = diagnosed_frame(str(DEMO_LOG))
    expected = expected_app_groups(frame)
    host = Host(TriageScreen(frame, every_row(frame), FilterState()))
    async with host.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        screen = host.screen
        table = screen.query_one("#app-groups", DataTable)
        assert host.focused is table
        assert table.row_count == expected.height
        shown_groups = sorted(
            (int(c[0]), int(c[1]), c[2], c[3])
            for c in (cells(table, i) for i in range(table.row_count))
        )
        wanted = sorted(expected.select("count", "users", "app", "reason").iter_rows())
        for got, want in zip(shown_groups, wanted, strict=True):
            assert got[:2] == want[:2]
            assert shown(want[2], got[2]) and shown(want[3], got[3]), (got, want)
        # Most failures first.
        counts = [int(cells(table, i)[0]) for i in range(table.row_count)]
        assert counts == sorted(counts, reverse=True)
        failures = int((frame["outcome"] == "failure").sum())
        title = static_text(screen, "#triage-title")
        assert f"{failures} failures in {frame.height:,} rows" in title
        # The highlighted group is spelled out in full under the table.
        top = expected.row(0, named=True)
        current = static_text(screen, "#app-current")
        assert f"{top['app']} · {top['reason']}" in current
        assert f"{top['count']} failures · {top['users']} users" in current


async def test_enter_on_a_group_returns_the_filter_that_shows_exactly_it():
    frame = diagnosed_frame(str(DEMO_LOG))
    start = FilterState(search="")
    host = Host(TriageScreen(frame, every_row(frame), start))
    async with host.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        table = host.screen.query_one("#app-groups", DataTable)
        target = next(
            i
            for i in range(table.row_count)
            if cells(table, i)[2] == SALESFORCE and cells(table, i)[3] == "Audience mismatch"
        )
        await pilot.press(*["down"] * target, "enter")
        await pilot.pause()
    (state,) = host.results
    assert state == FilterState(
        picked={
            "outcome": frozenset({"failure"}),
            "app": frozenset({SALESFORCE}),
            "failure_reason": frozenset({"Audience mismatch"}),
        }
    )
    rows = frame[query.run(frame, state).indices]
    wanted = frame.filter(
        (pl.col("outcome") == "failure")
        & (pl.col("app") == SALESFORCE)
        & (pl.col("failure_reason") == "Audience mismatch")
    )
    assert rows.height == wanted.height > 0
    assert rows["row_id"].to_list() == wanted["row_id"].to_list()


async def test_user_tab_groups_by_user_and_picks_a_user():
    frame = diagnosed_frame(str(DEMO_LOG))
    expected = expected_user_groups(frame)
    host = Host(TriageScreen(frame, every_row(frame), FilterState()))
    async with host.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await pilot.press("tab")
        await pilot.pause()
        table = host.screen.query_one("#user-groups", DataTable)
        assert host.focused is table
        assert table.row_count == expected.height
        by_user = {}
        for i in range(table.row_count):
            fails, apps, user, *_ = cells(table, i)
            by_user[user] = (int(fails), int(apps))
        for row in expected.iter_rows(named=True):
            matches = [v for k, v in by_user.items() if shown(row["user"], k)]
            assert (row["count"], row["apps"]) in matches, row
        await pilot.press("down", "enter")
        await pilot.pause()
    (state,) = host.results
    second = expected.row(1, named=True)["user"]
    assert state.user == second
    assert state.picked == {"outcome": frozenset({"failure"})}
    rows = frame[query.run(frame, state).indices]
    assert rows.height == expected.row(1, named=True)["count"]


async def test_tab_and_keys_switch_between_the_two_groupings():
    frame = raw_frame(str(SMALL_LOG))
    host = Host(TriageScreen(frame, every_row(frame), FilterState()))
    async with host.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        screen = host.screen
        await pilot.press("tab")
        assert host.focused is screen.query_one("#user-groups")
        await pilot.press("tab")
        assert host.focused is screen.query_one("#app-groups")
        await pilot.press("u")
        assert host.focused is screen.query_one("#user-groups")
        await pilot.press("a")
        assert host.focused is screen.query_one("#app-groups")
        await pilot.press("escape")
        await pilot.pause()
    assert host.results == [None]


async def test_undiagnosed_frame_groups_by_the_connectors_reason_or_action():
    frame = raw_frame(str(SMALL_LOG))
    assert "failure_reason" not in frame.columns
    expected = expected_app_groups(frame)
    host = Host(TriageScreen(frame, every_row(frame), FilterState()))
    async with host.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        table = host.screen.query_one("#app-groups", DataTable)
        assert table.row_count == expected.height == 3
        rows = sorted((c[2], c[3], int(c[0])) for c in (cells(table, i) for i in range(3)))
        wanted = sorted(expected.select("app", "reason", "count").iter_rows())
        for got, want in zip(rows, wanted, strict=True):
            assert shown(want[0], got[0]) and got[1:] == want[1:]
        await pilot.press("enter")
        await pilot.pause()
    (state,) = host.results
    top = expected.row(0, named=True)
    # Without diagnoses the reason is the action, and the filter picks it there.
    assert state.picked["action"] == frozenset({top["reason"]})
    assert state.picked["app"] == frozenset({top["app"]})
    assert query.run(frame, state).count == top["count"]


async def test_only_the_current_view_is_triaged():
    frame = diagnosed_frame(str(DEMO_LOG))
    state = FilterState().with_picked("app", {"Zoom (SAML)"})
    indices = query.run(frame, state).indices
    view = frame[indices]
    host = Host(TriageScreen(frame, indices, state))
    async with host.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        screen = host.screen
        table = screen.query_one("#app-groups", DataTable)
        assert table.row_count == expected_app_groups(view).height
        assert {cells(table, i)[2] for i in range(table.row_count)} == {"Zoom (SAML)"}
        failures = int((view["outcome"] == "failure").sum())
        title = static_text(screen, "#triage-title")
        assert f"{failures} failures in {view.height:,} of {frame.height:,} rows" in title
        await pilot.press("enter")
        await pilot.pause()
    (picked,) = host.results
    # The group's filter keeps what was already chosen and narrows it.
    assert picked.picked["app"] == frozenset({"Zoom (SAML)"})
    assert picked.picked["outcome"] == frozenset({"failure"})


async def test_no_failures_in_the_view():
    frame = diagnosed_frame(str(DEMO_LOG))
    state = FilterState().with_picked("outcome", {"success"})
    indices = query.run(frame, state).indices
    host = Host(TriageScreen(frame, indices, state))
    async with host.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        screen = host.screen
        assert not screen.query(DataTable)
        assert "No failures in the current view" in static_text(screen, "#triage-empty")
        assert "no failures in" in static_text(screen, "#triage-title")
        await pilot.press("enter", "tab")  # nothing to pick or switch: no error, no dismiss
        await pilot.pause()
        assert host.screen is screen and host.results == []
        # The histogram still shows the successes: no failure anywhere, every success.
        lines = screen.query_one(FailureHistogram).render().plain.split("\n")[1:-1]
        totals = [line.split()[-2:] for line in lines]
        assert {fails for fails, _ in totals} == {"0"}
        assert sum(int(oks) for _, oks in totals) == len(indices)
        await pilot.press("escape")
        await pilot.pause()
    assert host.results == [None]


@pytest.mark.parametrize("held", [ContentTabs, TabPane], ids=["tabs", "tables"])
async def test_quitting_while_the_triage_screen_mounts_closes_cleanly(monkeypatch, held):
    """The app closing while the screen is still mounting (as when q follows t on a busy
    machine): the widgets mounted after the app stopped never run, so the screen's tabs
    or tables are missing when it finishes mounting; closing raises nothing."""
    mount = held.mount_composed_widgets
    reached = asyncio.Event()

    async def held_until_the_app_stops(self, widgets):
        reached.set()
        while self.app.is_running:
            await asyncio.sleep(0.01)
        await mount(self, widgets)

    monkeypatch.setattr(held, "mount_composed_widgets", held_until_the_app_stops)
    frame = diagnosed_frame(str(DEMO_LOG))
    host, screen = App(), TriageScreen(frame, every_row(frame), FilterState())
    async with host.run_test(size=(120, 30)):
        host.push_screen(screen)
        await asyncio.wait_for(reached.wait(), timeout=30)
        assert host.screen is screen and not screen.is_mounted  # the app closes now
    # Leaving run_test has re-raised whatever the app raised while closing: nothing.


async def test_empty_view():
    frame = raw_frame(str(SMALL_LOG))
    indices = pl.Series("index", [], dtype=pl.UInt32)
    host = Host(TriageScreen(frame, indices, FilterState()))
    async with host.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        histogram = str(host.screen.query_one(FailureHistogram).render())
        assert "no events in the current view" in histogram
        await pilot.press("escape")
        await pilot.pause()
    assert host.results == [None]


async def test_histogram_has_a_line_per_app_with_its_totals_and_fits_the_width():
    frame = diagnosed_frame(str(DEMO_LOG))
    totals = (
        frame.group_by(pl.col("app").cast(pl.String))
        .agg(
            (pl.col("outcome") == "failure").sum().alias("f"),
            (pl.col("outcome") == "success").sum().alias("s"),
        )
        .sort("f", "s", descending=True)
    )
    for width in (80, 140):
        host = Host(TriageScreen(frame, every_row(frame), FilterState()))
        async with host.run_test(size=(width, 50)) as pilot:
            await pilot.pause()
            histogram = host.screen.query_one(FailureHistogram)
            lines = histogram.render().plain.split("\n")
            assert all(len(line) <= histogram.content_size.width for line in lines)
            body = lines[1 : 1 + totals.height]
            for line, row in zip(body, totals.iter_rows(named=True), strict=True):
                label, *_, fails, oks = line.split()
                assert row["app"].startswith(label.rstrip("…")), (line, row)
                assert (int(fails), int(oks)) == (row["f"], row["s"])
            # The bars use the width: more time slots when the terminal is wider.
            slots = histogram.slots(histogram.content_size.width)
            assert histogram.data(slots)["bucket"].n_unique() == slots
            assert slots > width // 2


async def test_histogram_with_more_apps_than_lines_says_how_many_are_left_out():
    frame = raw_frame(str(DEMO_LOG)).with_columns(
        pl.format("App {}", pl.col("row_id") % 30).alias("app")
    )
    host = Host(TriageScreen(frame, every_row(frame), FilterState()))
    async with host.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        histogram = host.screen.query_one(FailureHistogram)
        lines = histogram.render().plain.split("\n")
        assert len(lines) == histogram.content_size.height < 24
        shown_apps = len(lines) - 3  # the title, the "more" line and the time axis
        left_out = re.fullmatch(
            r"… (\d+) more applications? with failures, (\d+) without", lines[-2]
        )
        assert left_out and int(left_out[1]) + int(left_out[2]) == 30 - shown_apps, lines[-2]
        # The groups table still gets the most of the screen.
        assert host.screen.query_one("#app-groups").size.height >= 5


async def test_log_text_is_shown_literally_never_as_markup(write):
    rows = [
        ("2026-03-01T09:00:00Z", "[bold red]Evil[/] app", "SSO Successful", "x", "ok@x", "", ""),
        (
            "2026-03-01T09:05:00Z",
            "[bold red]Evil[/] app",
            "SSO Failed",
            "x",
            "\x1b[31mmallory@x",
            "",
            '{"error": "[link=https://evil.example]bad[/link]"}',
        ),
    ]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(HEADER.split(","))
    writer.writerows(rows)
    frame = load([str(write("hostile.csv", out.getvalue()))], use_cache=False).frame
    frame = apply_diagnoses(frame, diagnose_rows(frame))
    host = Host(TriageScreen(frame, every_row(frame), FilterState()))
    async with host.run_test(size=(120, 30)) as pilot:
        await pilot.pause()
        screen = host.screen
        app_cells = cells(screen.query_one("#app-groups", DataTable), 0)
        assert app_cells[2] == "[bold red]Evil[/] app"
        assert "[link=https://evil.example]bad[/link]" in static_text(screen, "#app-current")
        user_cells = cells(screen.query_one("#user-groups", DataTable), 0)
        assert user_cells[2] == "\\x1b[31mmallory@x"
        assert "\x1b" not in str(screen.query_one(FailureHistogram).render())
        assert "[bold red]Evil[/] app" in screen.query_one(FailureHistogram).render().plain


async def test_picking_a_group_over_the_real_app_filters_its_table():
    app = make_app([DEMO_LOG])
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        frame = app.frame
        indices = app.result.indices
        app.push_screen(TriageScreen(frame, indices, app.state), app.set_state)
        await pilot.pause()
        group = app.screen.current_group()
        await pilot.press("enter")
        await settle(pilot)
        assert app.query_one(LogTable).row_count == group["count"]
        wanted = frame.filter(
            (pl.col("outcome") == "failure")
            & (pl.col("app").cast(pl.String) == group["app"])
            & (pl.col(group["reason_column"]).cast(pl.String) == group["reason"])
        )
        assert wanted.height == group["count"]


# -- the compare screen -----------------------------------------------------------------


def audience_mismatch(frame: pl.DataFrame) -> tuple[dict, str, set[str]]:
    """A failed Salesforce login whose decoded Audience no successful Salesforce login
    uses, that audience, and the audiences the working logins use."""
    salesforce = frame.filter(pl.col("app") == SALESFORCE)

    def audience(row: dict) -> str | None:
        return payload_facts(row["request"], row["response"]).get("Audience")

    working = {
        a
        for row in salesforce.filter(pl.col("outcome") == "success").iter_rows(named=True)
        if (a := audience(row))
    }
    for row in salesforce.filter(pl.col("outcome") == "failure").iter_rows(named=True):
        found = audience(row)
        if found and found not in working:
            return row, found, working
    raise AssertionError("the demo log has no audience-mismatch Salesforce failure")


async def test_compare_lists_the_differences_with_a_working_login():
    frame = raw_frame(str(DEMO_LOG))
    failed, bad_audience, good_audiences = audience_mismatch(frame)
    comparison = compare_with_working(frame, failed["row_id"])
    assert comparison.found_working
    working = frame.row(comparison.working_row_id, named=True)
    host = Host(CompareScreen(comparison, failed, working))
    async with host.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        screen = host.screen
        table = screen.query_one("#differences", DataTable)
        assert host.focused is table
        assert table.row_count == len(comparison)
        rows = [cells(table, i) for i in range(table.row_count)]
        audience = next(r for r in rows if r[0] == "Audience")
        assert shown(bad_audience, audience[1])
        assert any(shown(good, audience[2]) for good in good_audiences)
        header = static_text(screen, "#compare-rows")
        assert failed["user"].strip() in header and working["user"].strip() in header
        assert failed["time"].strftime("%Y-%m-%d %H:%M:%S") in header
        assert working["time"].strftime("%Y-%m-%d %H:%M:%S") in header
        assert comparison.note in static_text(screen, "#compare-note")
        # The highlighted difference is shown in full under the table.
        target = rows.index(audience)
        await pilot.press(*["down"] * target)
        current = static_text(screen, "#compare-current")
        assert bad_audience in current and comparison[target][2] in current
        await pilot.press("escape")
        await pilot.pause()
    assert host.results == [None]


async def test_compare_without_a_working_login_shows_the_note():
    frame = raw_frame(str(SMALL_LOG))
    failed = frame.filter(
        (pl.col("outcome") == "failure") & (pl.col("app") == "OAuth 2.0 Office 365")
    ).row(0, named=True)
    comparison = compare_with_working(frame, failed["row_id"])
    assert not comparison.found_working
    host = Host(CompareScreen(comparison, failed, None))
    async with host.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        screen = host.screen
        assert not screen.query(DataTable)
        assert comparison.note in static_text(screen, "#compare-note")
        assert "none found" in static_text(screen, "#compare-rows")
        await pilot.press("escape")
        await pilot.pause()
    assert host.results == [None]


# -- snapshots --------------------------------------------------------------------------


async def _shown(pilot) -> None:
    await pilot.pause()


def test_triage_80x24(snap_compare):
    frame = diagnosed_frame(str(DEMO_LOG))
    host = Host(TriageScreen(frame, every_row(frame), FilterState()))
    assert snap_compare(host, terminal_size=(80, 24), run_before=_shown)


def test_triage_by_user_80x24(snap_compare):
    async def run_before(pilot) -> None:
        await pilot.pause()
        await pilot.press("tab", "down")
        await pilot.pause()

    frame = raw_frame(str(SMALL_LOG))
    host = Host(TriageScreen(frame, every_row(frame), FilterState()))
    assert snap_compare(host, terminal_size=(80, 24), run_before=run_before)


def test_compare_80x24(snap_compare):
    frame = diagnosed_frame(str(DEMO_LOG))
    failed, _, _ = audience_mismatch(frame)
    comparison = compare_with_working(frame, failed["row_id"])
    working = frame.row(comparison.working_row_id, named=True)
    host = Host(CompareScreen(comparison, failed, working))
    assert snap_compare(host, terminal_size=(80, 24), run_before=_shown)


def test_compare_without_working_login_80x24(snap_compare):
    frame = diagnosed_frame(str(SMALL_LOG))
    failed = frame.filter(
        (pl.col("outcome") == "failure") & (pl.col("app") == "OAuth 2.0 Office 365")
    ).row(0, named=True)
    host = Host(CompareScreen(compare_with_working(frame, failed["row_id"]), failed, None))
    assert snap_compare(host, terminal_size=(80, 24), run_before=_shown)
