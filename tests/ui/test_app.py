"""The app's behaviour, driven from the keyboard with Textual's Pilot."""

from __future__ import annotations

import csv
import gc
from datetime import UTC, datetime

from conftest import HEADER, SMALL_LOG
from textual.widgets import Input, Static, TextArea
from uihelpers import make_app, on_first_frame, settle

import connlog_tui.options as startup
from connlog_tui.ui.detail import DetailPanel, render_payload
from connlog_tui.ui.filtering import Filterer
from connlog_tui.ui.filters import FacetPane, FilterSidebar
from connlog_tui.ui.screens import ExportScreen, QuarantineScreen
from connlog_tui.ui.table import LogTable


def status(app) -> str:
    return str(app.query_one("#status", Static).render())


async def test_loads_and_shows_counts():
    app = make_app([SMALL_LOG])
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        table = app.query_one(LogTable)
        assert table.row_count == 12
        assert "12 of 12 rows" in status(app)
        assert "no filters" in status(app)


async def test_picking_an_action_filters_rows_and_updates_other_counts():
    app = make_app([SMALL_LOG])
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        pane = app.query_one("#facet-action", FacetPane)
        pane.focus()
        # Values are listed by frequency; walk to "SSO Failed" with the keyboard.
        target = pane._choices.index("SSO Failed")
        await pilot.press("home", *["down"] * target, "space")
        await settle(pilot)
        assert app.query_one(LogTable).row_count == 3
        assert "3 of 12 rows" in status(app) and "Action=SSO Failed" in status(app)
        apps = app.query_one("#facet-app", FacetPane)
        assert apps._counts == {"MangoApps": 2, "OAuth 2.0 Office 365": 1}


async def test_search_box_filters_payloads():
    app = make_app([SMALL_LOG])
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("slash", *"aadsts70008", "enter")
        await settle(pilot)
        assert app.query_one(LogTable).row_count == 1
        assert app.focused is app.query_one(LogTable)
        await pilot.press("x")
        await settle(pilot)
        assert app.query_one(LogTable).row_count == 12
        assert app.query_one("#search", Input).value == ""


async def test_enter_opens_the_payloads_pretty_printed_and_r_shows_raw():
    app = make_app([SMALL_LOG], user="carol")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("enter")
        await pilot.pause()
        detail = app.query_one(DetailPanel)
        assert app.screen.maximized is detail
        assert app.focused is detail.visible_area()  # keys go to the payload, not a hidden box
        response = detail.query_one("#response", TextArea).text
        assert '"error": "invalid_grant"' in response
        detail.action_toggle_raw()
        await pilot.pause()
        raw = detail.query_one("#response", TextArea).text
        assert raw.startswith('{\n  "error": "invalid_grant",')
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen.maximized is None
        assert app.focused is app.query_one(LogTable)


async def test_hostile_payload_is_shown_literally():
    app = make_app([SMALL_LOG], user="mallory")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        detail = app.query_one(DetailPanel)
        detail.action_toggle_raw()
        await pilot.pause()
        request = detail.query_one("#request", TextArea).text
        response = detail.query_one("#response", TextArea).text
        assert "[bold red]x[/]" in request
        assert "\\x1b[31mred\\x1b[0m" in response and "\x1b" not in response


async def test_export_writes_the_current_view(tmp_path):
    out = tmp_path / "view.csv"
    app = make_app([SMALL_LOG], picked={"action": ["SSO Failed"]})
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("e")
        await pilot.pause()
        assert isinstance(app.screen, ExportScreen)
        field = app.screen.query_one(Input)
        assert field.value.startswith("connlog-export-") and field.value.endswith(".csv")
        field.value = str(out)
        await pilot.press("enter")
        await settle(pilot)
    rows = list(csv.DictReader(out.open()))
    assert [r["Action"] for r in rows] == ["SSO Failed"] * 3


async def test_export_path_cleared_with_ctrl_u_and_retyped(tmp_path):
    # The end-to-end tests (and a user) replace the suggested path this way.
    out = tmp_path / "retyped.csv"
    app = make_app([SMALL_LOG])
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("e")
        await pilot.pause()
        field = app.screen.query_one(Input)
        assert field.value.startswith("connlog-export-")
        await pilot.press("ctrl+u")
        assert field.value == ""
        await pilot.press(*str(out))
        assert field.value == str(out)
        await pilot.press("enter")
        await settle(pilot)
    assert len(list(csv.DictReader(out.open()))) == 12


async def test_export_asks_before_overwriting(tmp_path):
    out = tmp_path / "view.csv"
    out.write_text("old")
    app = make_app([SMALL_LOG])
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("e")
        await pilot.pause()
        app.screen.query_one(Input).value = str(out)
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, ExportScreen)
        assert "exists" in str(app.screen.query_one("#confirm", Static).render())
        assert out.read_text() == "old"
        await pilot.press("enter")
        await settle(pilot)
    assert out.read_text().startswith("Date,")


async def test_quick_date_range_and_narrow_layout():
    app = make_app([SMALL_LOG])
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        sidebar = app.query_one(FilterSidebar)
        assert not sidebar.display  # narrow: panes are a toggle
        await pilot.press("f")
        await pilot.pause()
        assert sidebar.display
        app.query_one("#quick-1h").focus()
        await pilot.press("enter")
        await settle(pilot)
        assert app.query_one(LogTable).row_count == 2
        assert app.query_one("#since", Input).value == "2026-03-02 08:00:00"


async def test_quarantined_rows_are_counted_and_listed(write):
    header = "Date,Application To/From,Action,Request Type,Email ID/Login ID,Request,Response"
    log = write(
        "bad.csv",
        f"{header}\n2026-03-01T09:00:00Z,A,NA,Logout-Connections,u1,,\n"
        "not a date,A,NA,Logout-Connections,u2,,\n",
    )
    app = make_app([log])
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert "1 quarantined" in status(app)
        await pilot.press("b")
        await pilot.pause()
        assert isinstance(app.screen, QuarantineScreen)
        assert app.screen.quarantine["line"].to_list() == [3]


async def test_load_error_exits_with_message(tmp_path):
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    app = make_app([empty])
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
    assert app.fatal_error and "empty file" in app.fatal_error


def hold_the_load(monkeypatch):
    """The app's full load waits until the returned event is set."""
    import threading

    release = threading.Event()
    real_load = startup.load_options

    def slow_load(options):
        assert release.wait(30), "the test never released the load"
        return real_load(options)

    monkeypatch.setattr(startup, "load_options", slow_load)
    return release


async def test_first_rows_show_before_a_slow_load_completes(monkeypatch):
    release = hold_the_load(monkeypatch)
    app = make_app([SMALL_LOG])
    async with app.run_test(size=(120, 40)) as pilot:
        for _ in range(100):
            await pilot.pause(0.05)
            if app.query_one(LogTable).row_count:
                break
        assert app.query_one(LogTable).row_count == 12  # the preview: the whole small file
        assert "Loading" in status(app) and "first 12 rows shown" in status(app)
        assert app.query_one("#loading").display  # the progress bar runs while loading
        release.set()
        await settle(pilot)
        assert "12 of 12 rows" in status(app) and "Loading" not in status(app)
        assert not app.query_one("#loading").display


async def test_first_rows_read_after_the_ui_started_are_filtered_without_a_worker(
    monkeypatch,
):
    """Rows the load worker reads after mount are filtered on the UI thread (500 rows:
    ~5 ms), not sent to the query worker and back: that round trip and the next screen
    update put them on screen ~35-50 ms later."""
    release = hold_the_load(monkeypatch)
    app = make_app([SMALL_LOG])
    runs = []
    real_run = Filterer.run_filter
    monkeypatch.setattr(Filterer, "run_filter", lambda self: (runs.append(1), real_run(self)))
    async with app.run_test(size=(120, 40)) as pilot:
        for _ in range(100):
            await pilot.pause(0.05)
            if app.query_one(LogTable).row_count:
                break
        assert app.query_one(LogTable).row_count == 12 and runs == []
        assert "first 12 rows shown" in status(app)
        release.set()
        await settle(pilot)


async def test_the_full_read_starts_once_the_first_rows_are_on_screen(monkeypatch):
    """Both cores go to the full read only once a frame with the first rows is out."""
    frames_with_rows = []
    rows_drawn_at_load = []
    real_load = startup.load_options

    def load(options):
        rows_drawn_at_load.append(len(frames_with_rows))
        return real_load(options)

    monkeypatch.setattr(startup, "load_options", load)
    app = make_app([SMALL_LOG])
    app.options.preview = startup.start_preview(app.options)
    app.options.preview.result(timeout=30)
    real_display = type(app)._display

    def display(self, screen, renderable):
        result = real_display(self, screen, renderable)
        if renderable is not None and self.query_one(LogTable).row_count:
            frames_with_rows.append(renderable)
        return result

    monkeypatch.setattr(type(app), "_display", display)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert len(rows_drawn_at_load) == 1 and rows_drawn_at_load[0] >= 1
        assert "12 of 12 rows" in status(app)


async def test_a_preview_read_before_the_ui_started_is_on_its_first_frame(monkeypatch):
    """The CLI reads the first rows while Textual imports: the first frame drawn shows
    them, with no worker round trip (the load itself is held back here)."""
    release = hold_the_load(monkeypatch)
    app = make_app([SMALL_LOG])
    app.options.preview = startup.start_preview(app.options)
    app.options.preview.result(timeout=30)
    first_frame_rows = []
    real_display = type(app)._display

    def display(self, screen, renderable):
        if renderable is not None and not first_frame_rows:
            first_frame_rows.append(self.query_one(LogTable).row_count)
        return real_display(self, screen, renderable)

    monkeypatch.setattr(type(app), "_display", display)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        assert first_frame_rows == [12]
        assert "first 12 rows shown" in status(app)
        release.set()
        await settle(pilot)
        assert "12 of 12 rows" in status(app)


async def test_starts_at_the_newest_row_and_sorts_by_a_column():
    app = make_app([SMALL_LOG])
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        table = app.query_one(LogTable)
        assert table.cursor == 11 and app.frame["user"][table.current_row] == "frank@acme.example"
        await pilot.press("s")
        await pilot.pause()
        # Sort by user: the menu lists Date, Action, Application, Email ID/Login ID, ...
        await pilot.press("down", "down", "down", "enter")
        await settle(pilot)
        users = app.frame["user"].gather(table.indices).to_list()
        assert users == sorted(users)
        assert "sorted by Email ID/Login ID ▲" in status(app)
        # The selected row stays selected through the re-ordering.
        assert app.frame["user"][table.current_row] == "frank@acme.example"
        await pilot.press("s", "enter")  # the same column again: reversed
        await settle(pilot)
        users = app.frame["user"].gather(table.indices).to_list()
        assert users == sorted(users, reverse=True)


async def test_copy_sends_osc52_and_says_what_was_copied():
    import base64
    import json

    app = make_app([SMALL_LOG], user="carol")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        written: list[str] = []
        original = app._driver.write
        app._driver.write = lambda data: (written.append(data), original(data))[1]
        await pilot.press("c")
        await pilot.pause()
        osc = [w for w in written if w.startswith("\x1b]52;c;")]
        assert osc, "an OSC 52 clipboard request was written to the terminal"
        copied = json.loads(base64.b64decode(osc[-1][len("\x1b]52;c;") : -1]))
        assert copied["Email ID/Login ID"] == " carol@acme.example "
        assert copied["Date"] == "2026-03-01T09:10:00.000000Z"
        await pilot.press("y")
        await pilot.pause()
        assert "invalid_grant" in app._clipboard
        messages = [n.message for n in app._notifications]
        assert any("Copied the selected row" in m for m in messages)
        assert any("response payload" in m for m in messages)


async def test_a_stale_filter_run_is_dropped_not_shown(monkeypatch):
    import time as _time
    from dataclasses import replace as _replace

    from connlog_tui import query as query_module

    app = make_app([SMALL_LOG])
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        real_run = query_module.run
        runs, shown = [], []

        def slow_run(frame, state, *args, **kwargs):
            runs.append(state.search)
            _time.sleep(0.3)
            return real_run(frame, state, *args, **kwargs)

        monkeypatch.setattr(query_module, "run", slow_run)
        real_show = app.filterer.show
        app.filterer.show = lambda result, state: (
            shown.append(state.search),
            real_show(result, state),
        )
        for text in ("a", "aa", "aad", "aadsts"):  # typed faster than a run takes
            app.set_state(_replace(app.state, search=text))
            await pilot.pause(0.05)
        await settle(pilot)
        assert shown == ["aadsts"]  # only the newest state's result reached the screen
        assert app.query_one(LogTable).row_count == 1
        assert runs[-1] == "aadsts"


async def test_a_search_run_is_told_when_a_newer_state_replaces_it(monkeypatch):
    """Each run gets a `stale()` check (the query layer asks it between slices of a text
    search): true once a newer filter state has replaced the run's own."""
    from dataclasses import replace as _replace

    from connlog_tui import query as query_module

    app = make_app([SMALL_LOG])
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        real_run = query_module.run
        checks = {}

        def spy(frame, state, *args, stale=None, **kwargs):
            checks[state.search] = stale
            return real_run(frame, state, *args, stale=stale, **kwargs)

        monkeypatch.setattr(query_module, "run", spy)
        app.set_state(_replace(app.state, search="acme"))
        await settle(pilot)
        assert checks["acme"]() is False
        app.set_state(_replace(app.state, search="aadsts"))
        await settle(pilot)
        assert checks["acme"]() is True and checks["aadsts"]() is False
        assert app.query_one(LogTable).row_count == 1


async def test_a_slow_search_says_searching_until_its_rows_are_shown(monkeypatch):
    """A payload search over a big log takes a while: after BUSY_AFTER the status bar says
    "searching…" (its count is still the previous filters'), until the new rows come."""
    import time as _time
    from dataclasses import replace as _replace

    from connlog_tui import query as query_module

    app = make_app([SMALL_LOG])
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert "searching" not in status(app)
        real_run = query_module.run

        def slow_run(*args, **kwargs):
            _time.sleep(0.6)
            return real_run(*args, **kwargs)

        monkeypatch.setattr(query_module, "run", slow_run)
        app.set_state(_replace(app.state, search="aadsts"))
        await pilot.pause(0.4)
        assert status(app).startswith("searching… · 12 of 12 rows")
        await settle(pilot)
        assert "searching" not in status(app) and "1 of 12 rows" in status(app)


async def test_a_long_search_shows_the_newest_matches_while_it_runs(monkeypatch):
    """A search that scans for a while shows the matches found so far (newest rows
    first), says it is still searching, and will not export or triage a view that is
    not whole yet; then the whole result replaces them."""
    import threading

    from connlog_tui import query as query_module
    from connlog_tui import textsearch
    from connlog_tui.ui import typeahead as typeahead_module

    monkeypatch.setattr(textsearch, "STALE_CHECK_ROWS", 2)  # 12 rows: 6 slices
    monkeypatch.setattr(textsearch, "PARTIAL_EVERY", 0)
    real_run = query_module.run
    # The rest of a long scan: each slice after its matches are shown waits for this,
    # so what is shown is the first slice's matches until the test lets the scan go on.
    go_on = threading.Event()

    def slow_run(*args, partial=None, **kwargs):
        def shown_then_wait(result):
            partial(result)
            go_on.wait(timeout=30)

        return real_run(*args, partial=shown_then_wait if partial else None, **kwargs)

    async def searching(pilot) -> str:
        for _ in range(200):
            await pilot.pause(0.05)
            if "so far" in status(pilot.app):
                return status(pilot.app)
        raise AssertionError("no matches so far were shown")

    monkeypatch.setattr(query_module, "run", slow_run)
    monkeypatch.setattr(typeahead_module, "FILTER_WAIT", 60.0)
    app = make_app([SMALL_LOG])
    async with app.run_test(size=(120, 40)) as pilot:
        try:
            await settle(pilot)
            await pilot.press("slash", *"https", "enter")
            assert (await searching(pilot)).startswith("searching… 1 of 12 rows so far")
            table = app.query_one(LogTable)
            assert table.row_count == 1 and table.current_row == 10  # the newest match
            await pilot.press("e")  # typed after Enter: waits for the search's whole result
            await pilot.pause()
            assert not isinstance(app.screen, ExportScreen)
            go_on.set()
            await settle(pilot)
            assert "searching" not in status(app) and "3 of 12 rows" in status(app)
            assert table.row_count == 3
            assert isinstance(app.screen, ExportScreen) and app.screen.rows == 3
            await pilot.press("escape")
            # Past the wait for a filter field's result, a key is refused until it is in.
            go_on.clear()
            monkeypatch.setattr(typeahead_module, "FILTER_WAIT", 0.3)
            await pilot.press("slash", *"s", "enter")
            await searching(pilot)
            await pilot.pause(0.5)
            await pilot.press("e")
            await pilot.pause()
            assert not isinstance(app.screen, ExportScreen)
            assert any("Still searching" in n.message for n in app._notifications)
        finally:
            go_on.set()


async def test_layout_follows_the_terminal_size():
    app = make_app([SMALL_LOG])
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert not app.query_one(FilterSidebar).display
        assert not app.query_one(DetailPanel).display
        await pilot.resize_terminal(130, 40)
        await pilot.pause(0.2)
        assert app.query_one(FilterSidebar).display
        assert app.query_one(DetailPanel).display
        await pilot.resize_terminal(80, 24)
        await pilot.pause(0.2)
        assert not app.query_one(FilterSidebar).display


async def test_keys_typed_right_after_slash_reach_the_search_box():
    # All queued at once, as a paste or a fast typist over SSH delivers them.
    from textual import events

    app = make_app([SMALL_LOG])
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        for key, char in [("slash", "/"), *[(c, c) for c in "aadsts70008"], ("enter", None)]:
            event = events.Key(key, char)
            event.set_sender(app)
            app._driver.send_message(event)  # no waiting in between, unlike pilot.press
        await settle(pilot)
        assert app.query_one("#search", Input).value == "aadsts70008"
        assert app.query_one(LogTable).row_count == 1


async def test_background_triage_steps_aside_while_keys_come_in():
    import time
    from types import SimpleNamespace

    app = make_app([SMALL_LOG])
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert app.user_active_until < time.monotonic()
        await pilot.press("down")
        assert app.user_active_until > time.monotonic()  # a worker would wait now
        cancelled = SimpleNamespace(is_cancelled=True)
        app.wait_while_user_is_active(cancelled)  # but never past its cancellation
        await settle(pilot)
        assert app.status.analysis_note is None  # and the triage still finishes
        assert app.attempts is not None


async def test_diagnoses_show_before_the_login_attempts_are_linked(monkeypatch):
    """Linking attempts is most of a big log's triage: the diagnoses are shown first."""
    import threading

    from connlog_tui import triage

    linking = threading.Event()
    real_keys = triage.iter_message_keys

    def held_keys(*args, **kwargs):
        linking.wait(timeout=30)
        yield from real_keys(*args, **kwargs)

    monkeypatch.setattr(triage, "iter_message_keys", held_keys)
    app = make_app([SMALL_LOG])
    async with app.run_test(size=(120, 40)) as pilot:

        def diagnosed() -> int:
            return 0 if app.frame is None else app.frame["diagnosis"].drop_nulls().len()

        # The diagnoses and the "linking" note reach the UI as two calls: wait for both.
        for _ in range(100):
            await pilot.pause(0.05)
            if diagnosed() and "linking" in (app.status.analysis_note or ""):
                break
        assert diagnosed()
        assert app.attempts is None and "linking" in app.status.analysis_note
        linking.set()
        await settle(pilot)
        assert app.attempts is not None and app.status.analysis_note is None


async def test_triage_starts_once_the_loaded_logs_first_result_is_shown(monkeypatch):
    """Triage takes both cores for a long while: it waits for the loaded log's first
    result to be on screen, instead of slowing the query that makes it."""
    from connlog_tui.ui.app import ConnlogApp

    started_with = []
    real_analyse = ConnlogApp.analyse

    def analyse(self):
        current = self.result_state is self.state  # the result is the loaded log's
        started_with.append((self.loader.progress, current, self.shown.count, self.table.row_count))
        return real_analyse(self)

    monkeypatch.setattr(ConnlogApp, "analyse", analyse)
    app = make_app([SMALL_LOG])
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert started_with == [(None, True, 12, 12)]
        assert app.attempts is not None and app.frame["diagnosis"].drop_nulls().len()


async def test_the_loaded_heap_is_kept_out_of_full_garbage_collections():
    """Once the log is loaded and triaged, what is alive then is frozen: a full collection
    no longer walks it (over a big log one took ~35 ms, now and then on a key press)."""
    app = make_app([SMALL_LOG])
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert app.attempts is not None  # background triage has ended
        assert gc.get_freeze_count() > 0
        # gc.get_objects() lists what collections walk: the frozen objects are not in it.
        assert not any(obj is app.table for obj in gc.get_objects())


async def test_the_payload_tabs_come_after_the_first_frame_and_fill_in(monkeypatch):
    """The detail panel's three text areas are mounted once the first frame is out (they
    cost ~40 ms of start-up), then show the selected row like any other time."""
    app = make_app([SMALL_LOG])
    tabs_on_first_frame = on_first_frame(
        monkeypatch, app, lambda: len(app.query_one(DetailPanel).query(TextArea))
    )
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert tabs_on_first_frame == [0]
        detail = app.query_one(DetailPanel)
        row = app.frame.row(app.table.current_row, named=True)
        shown = detail.query_one("#response", TextArea).text
        assert shown == render_payload(row["response"], raw=False) and "calc" in shown
        await pilot.press("enter")
        assert app.focused is detail.visible_area()


async def test_the_user_and_date_panes_come_after_the_first_frame_and_fill_in(monkeypatch):
    """The sidebar's user box and date range are mounted once the first frame is out
    (~30 ms of start-up), then show the filters given on the command line."""
    since = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
    app = make_app([SMALL_LOG], user="carol", since=since)
    inputs_on_first_frame = on_first_frame(
        monkeypatch, app, lambda: len(app.query_one(FilterSidebar).query(Input))
    )
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert inputs_on_first_frame == [0]
        assert app.query_one("#user", Input).value == "carol"
        assert app.query_one("#since", Input).value.startswith("2026-03-01 09:00")
        await pilot.press("f", "f")  # hidden, then shown: focus goes to the first pane
        assert isinstance(app.focused, FacetPane)


def logins_a_minute_apart(write, rows: int) -> str:
    """A log of `rows` successful logins, user000@acme.example onwards, a minute apart."""
    lines = [HEADER] + [
        f"2026-03-01T{i // 60:02d}:{i % 60:02d}:00Z,Zoom,SSO Successful,"
        f"Authentication-Applications,user{i:03d}@acme.example,,"
        for i in range(rows)
    ]
    return str(write(f"logins_{rows}.csv", "\n".join(lines) + "\n"))


async def test_a_long_log_fills_the_table_to_its_last_line(write):
    # Columns are fitted to the width (never scrolled sideways): beside the vertical
    # scrollbar, a horizontal one took the table's last line at 80x24.
    app = make_app([logins_a_minute_apart(write, 100)])
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        table = app.query_one(LogTable)
        assert table.show_vertical_scrollbar and not table.show_horizontal_scrollbar
        last = table.size.height - 1
        assert "user099@acme" in table.render_line(last).text  # the newest row, at the bottom


async def test_the_key_bar_fits_80_columns_and_grows_with_the_terminal():
    from textual.widgets._footer import FooterKey

    def keys(app) -> list[str]:
        return [key.description for key in app.screen.query(FooterKey)]

    app = make_app([SMALL_LOG])
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        footer = app.screen.query_one("Footer")
        assert footer.compact and "Help" in keys(app) and "palette" not in keys(app)
        bar = footer.region
        assert sum(key.region.width for key in app.screen.query(FooterKey)) <= bar.width
        await pilot.resize_terminal(130, 30)
        await pilot.pause(0.2)
        assert not footer.compact and "palette" in keys(app)


async def test_paging_shows_each_screens_rows_and_keeps_few_drawn(monkeypatch, write):
    # The table draws a page ahead while idle and keeps drawn rows in a cache: what is on
    # screen must still be the view's rows at the scroll offset, and the cache bounded.
    import connlog_tui.ui.table as table_module

    monkeypatch.setattr(table_module, "LINE_CACHE", 40)
    app = make_app([logins_a_minute_apart(write, 400)])
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        table = app.query_one(LogTable)
        await pilot.press("g")
        for _ in range(12):
            await pilot.press("pagedown")
            await pilot.pause()
            first = round(table.scroll_offset.y)
            assert first > 0 and table.cursor == first + table.visible_rows - 1
            for y in range(1, table.visible_rows + 1):
                user = app.frame["user"][int(table.indices[first + y - 1])]
                assert f" {user} " in table.render_line(y).text
            assert len(table._lines) <= 40 + 2 * (table.visible_rows + 1)


async def test_a_reopened_log_is_searched_through_its_folded_payloads(tmp_path, monkeypatch):
    """Opened again, a log comes from the cache with its payloads' folded copy, and the
    search box scans that copy (the same rows as scanning the payloads)."""
    import os
    import shutil

    from connlog_tui import cache, query, sources

    log = tmp_path / "log.csv"
    shutil.copy(SMALL_LOG, log)
    sources.load([os.path.relpath(log)])  # named as make_app names it: the same entry
    cache.wait()
    scanned = []
    real = query.with_folded

    def spy(frame, folded):
        scanned.append(folded is not None and folded.height)
        return real(frame, folded)

    monkeypatch.setattr(query, "with_folded", spy)
    app = make_app([log])
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert app.folded is not None and app.folded.height == app.frame.height == 12
        await pilot.press("slash", *"AADSTS70008", "enter")
        await settle(pilot)
        assert app.query_one(LogTable).row_count == 1
        # Under load the box's debounce may also run a search of a prefix typed so
        # far: each search, however many, went through the folded copy.
        assert scanned and set(scanned) == {12}


async def test_a_first_open_searches_through_the_folded_payloads_once_cached(tmp_path):
    """A first load has no folded copy; once the background cache write has made one, the
    app picks it up, and searches find the same rows through it."""
    import shutil

    from connlog_tui import cache

    log = tmp_path / "first.csv"
    shutil.copy(SMALL_LOG, log)
    app = make_app([log])
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        cache.wait()
        await settle(pilot)
        assert cache.stats.writes >= 1
        assert app.folded is not None and app.folded.height == app.frame.height == 12
        assert app.folded["request"].to_list() == [
            None if v is None else v.lower() for v in app.frame["request"]
        ]
        await pilot.press("slash", *"Internal Server", "enter")
        await settle(pilot)
        assert app.query_one(LogTable).row_count == 1


async def test_export_redact_box_says_it_masks_names_and_fits_80_columns():
    # docs/redaction.md: Redact masks people's names as well as emails, IDs and secrets.
    app = make_app([SMALL_LOG])
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("e")
        await pilot.pause()
        box = app.screen.query_one("#redact")
        shown = "".join(strip.text for strip in app.screen._compositor.render_strips())
        label = box.label.plain
        assert "names" in label and label in shown  # whole, on one line
