"""Saved views, the config file, time zones, columns and export options, in the app."""

from __future__ import annotations

import csv
import os

from conftest import SMALL_LOG
from textual.widgets import Checkbox, Input, Static
from uihelpers import make_app, settle

from connlog_tui import cache, views
from connlog_tui.cli import browse_parser, options_from
from connlog_tui.config import config_path
from connlog_tui.ui.app import ConnlogApp
from connlog_tui.ui.screens import ColumnsScreen, ExportScreen, NameScreen
from connlog_tui.ui.table import LogTable


def status(app) -> str:
    return str(app.query_one("#status", Static).render())


def app_from_args(*args: str) -> ConnlogApp:
    return ConnlogApp(options_from(browse_parser().parse_args([os.path.relpath(SMALL_LOG), *args])))


def first_cell(app) -> str:
    return app.query_one(LogTable).render_line(1).text


async def test_zone_toggle_changes_displayed_times_not_the_data():
    os.environ["TZ"] = "Asia/Kolkata"  # local = UTC+05:30, no daylight saving
    import time

    time.tzset()
    try:
        app = make_app([SMALL_LOG], user="frank")
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            before = app.frame.clone()
            assert first_cell(app).startswith("2026-03-02 09:00:00")
            await pilot.press("z")
            await pilot.pause()
            assert first_cell(app).startswith("2026-03-02 14:30:00")
            assert "Date (local IST)" in app.query_one(LogTable).render_line(0).text
            toast = [n.message for n in app._notifications][-1]
            assert toast == "Times shown in local IST, stored in UTC"
            assert app.frame.equals(before)
            await pilot.press("z")  # no configured zone: back to UTC
            await pilot.pause()
            assert first_cell(app).startswith("2026-03-02 09:00:00")
    finally:
        cache.wait()  # the load's background cache write: setenv/unsetenv are not thread-safe
        del os.environ["TZ"]
        time.tzset()


async def test_dates_typed_in_the_pane_are_read_in_the_display_zone():
    app = app_from_args("--tz", "Europe/Berlin")  # CET, UTC+1 in March
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        since = app.query_one("#since", Input)
        since.value = "2026-03-02 09:30"  # = 08:30 UTC: only frank's row (09:00 UTC)
        since.focus()
        await pilot.press("enter")
        await settle(pilot)
        assert app.query_one(LogTable).row_count == 1
        assert "(Europe/Berlin)" in status(app)


async def test_config_file_sets_zone_theme_and_columns_and_flags_override_it():
    path = config_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        'timezone = "America/New_York"\ntheme = "textual-light"\n'
        'columns = ["time", "user", "action"]\n'
    )
    app = app_from_args()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert app.theme == "textual-light"
        assert app.query_one(LogTable).shown_columns == ("time", "user", "action")
        assert app.query_one(LogTable).render_line(0).text.startswith("Date (America/New_")
        assert "times in America/New_York" in status(app)
    app = app_from_args("--tz", "UTC")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert "Date (UTC)" in app.query_one(LogTable).render_line(0).text


async def test_a_broken_config_warns_and_the_app_still_starts():
    path = config_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text('timezone = "Mars/Olympus"\n')
    app = app_from_args()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert "12 of 12 rows" in status(app)
        messages = " ".join(n.message for n in app._notifications)
        assert "config.toml" in messages and "line 1" in messages


async def test_save_a_view_and_reopen_it_from_the_command_line():
    app = make_app([SMALL_LOG], picked={"action": ["SSO Failed"]})
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        app.sort = ("user", False)
        await app.action_save_view()
        assert isinstance(app.screen, NameScreen)
        await pilot.press(*"sso-failures", "enter")
        await pilot.pause()
    saved = views.load_view("sso-failures")
    assert saved.filters.picked == {"action": frozenset({"SSO Failed"})}
    assert saved.sort == "user"
    assert "sso-failures" in views.views_path().read_text()  # plain, hand-editable TOML
    app = app_from_args("--view", "sso-failures")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert app.query_one(LogTable).row_count == 3
        assert "sorted by Email ID/Login ID" in status(app)
        users = app.frame["user"].gather(app.query_one(LogTable).indices).to_list()
        assert users == sorted(users)


async def test_open_a_view_from_the_palette_and_restore_the_last_session():
    from dataclasses import replace

    from connlog_tui.query import FilterState

    views.save_view("carol", FilterState(user="carol"))
    app = make_app([SMALL_LOG])
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        commands = [c.title for c in app.get_system_commands(app.screen)]
        assert "Open view: carol" in commands and "Save view" in commands
        app.open_view("carol")
        await settle(pilot)
        assert app.query_one(LogTable).row_count == 1
        app.set_state(replace(app.state, user="jane"))
        await settle(pilot)
    # Quitting remembered the session; a new app can restore it on request.
    app = make_app([SMALL_LOG])
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert app.query_one(LogTable).row_count == 12
        app.action_restore_session()
        await settle(pilot)
        assert app.query_one(LogTable).row_count == 4
        assert "user~jane" in status(app)


async def test_choose_columns_and_widen_one():
    app = make_app([SMALL_LOG])
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("C")
        await pilot.pause()
        assert isinstance(app.screen, ColumnsScreen)
        # The list starts with the shown columns; hide the second (Action), show Outcome.
        choices = app.screen.query_one("SelectionList")
        values = [choices.get_option_at_index(i).value for i in range(choices.option_count)]
        assert values[:2] == ["time", "action"]
        await pilot.press("down", "space")  # highlight the first, move to Action, hide it
        await pilot.press(*["down"] * (values.index("outcome") - 1), "space", "enter")
        # Shown columns keep their order; a newly shown one comes after them, so make room.
        await pilot.pause()
        table = app.query_one(LogTable)
        assert "action" not in table.shown_columns and table.shown_columns[-1] == "outcome"
        table.show_columns(("time", "outcome", "user"))
        await pilot.pause()
        header = table.render_line(0).text
        assert "Outcome" in header and "Action" not in header
        table.focus()
        await pilot.press("right", "greater_than_sign", "greater_than_sign")
        await pilot.pause()
        second = table.drawn()[1][0]
        assert second.name == "outcome" and second.width == 8 + 4  # two steps of 2
        assert table.drawn()[1][1] == 12


async def test_export_dialog_writes_a_redacted_csv_and_a_pdf(tmp_path):
    out = tmp_path / "ticket.csv"
    app = make_app([SMALL_LOG], user="bob.smith")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("e")
        await pilot.pause()
        assert isinstance(app.screen, ExportScreen)
        app.screen.query_one(Input).value = str(out)
        app.screen.query_one("#redact", Checkbox).value = True
        app.screen.query_one("#provenance", Checkbox).value = True
        app.screen.query_one(Input).focus()
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("e")
        await pilot.pause()
        app.screen.query_one(Input).value = str(tmp_path / "report.pdf")
        app.screen.query_one(Input).focus()
        await pilot.press("enter")
        await settle(pilot)
    rows = list(csv.DictReader(out.open()))
    assert len(rows) == 2
    assert all("bob.smith@" not in value for row in rows for value in row.values())
    assert (tmp_path / "ticket.csv.provenance.json").exists()
    from pypdf import PdfReader

    text = "".join(page.extract_text() for page in PdfReader(tmp_path / "report.pdf").pages)
    assert "user~bob.smith" in text and "2" in text


async def test_opening_a_saved_view_sorts_a_loaded_log_by_it():
    """The same filters as shown, another sort: the table takes the view's order."""
    from connlog_tui.query import FilterState

    views.save_view("by-user", FilterState(), sort="user", descending=True)
    app = make_app([SMALL_LOG])
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        app.open_view("by-user")
        await settle(pilot)
        users = app.frame["user"].gather(app.query_one(LogTable).indices).to_list()
        assert users == sorted(users, reverse=True) and len(set(users)) > 1
        assert "sorted by Email ID/Login ID" in status(app)
