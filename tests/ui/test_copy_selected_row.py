"""Issue 22 item 3: `y` copies the payload of the row selected in the table, never the one
the detail panel showed last (it is hidden at 24 lines, and lags the cursor by a moment);
with no row selected it says to open one. The toasts of `c` and `y` name the row."""

from __future__ import annotations

from conftest import SMALL_LOG
from uihelpers import make_app, settle

from connlog_tui.ui.detail import DetailPanel, render_payload
from connlog_tui.ui.table import LogTable


def toasts(app) -> list[str]:
    return [n.message for n in app._notifications]


async def test_y_with_the_panel_closed_copies_the_selected_rows_payload():
    app = make_app([SMALL_LOG])
    async with app.run_test(size=(100, 24)) as pilot:
        await settle(pilot)
        table = app.query_one(LogTable)
        detail = app.query_one(DetailPanel)
        assert not detail.display  # 24 lines: no room for the panel
        await pilot.press("enter")  # open the first row's payloads, then close them
        await settle(pilot)
        opened = detail.row
        await pilot.press("escape")
        await settle(pilot)
        assert not detail.display
        # Up (the table opens at the newest row) to a row whose response differs.
        for _ in range(table.row_count):
            await pilot.press("up")
            await pilot.pause()
            selected = app.row(table.current_row)
            if selected["response"] and selected["response"] != opened["response"]:
                break
        else:
            raise AssertionError("no row with another response")
        assert detail.row == opened  # what the hidden panel still holds
        await pilot.press("y")
        await pilot.pause()
        assert app._clipboard == render_payload(selected["response"], False)
        assert selected["user"].strip() in toasts(app)[-1]


async def test_y_right_after_the_cursor_moved_copies_the_new_row():
    app = make_app([SMALL_LOG])
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        table = app.query_one(LogTable)
        first = app.row(table.current_row)
        for _ in range(table.row_count):
            await pilot.press("up", "y")  # before the panel follows the cursor
            selected = app.row(table.current_row)
            if selected["response"] and selected["response"] != first["response"]:
                break
        else:
            raise AssertionError("no row with another response")
        await pilot.pause()
        assert app._clipboard == render_payload(selected["response"], False)


async def test_y_and_c_with_no_row_say_so():
    app = make_app([SMALL_LOG], user="nobody-at-all")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert app.query_one(LogTable).row_count == 0
        await pilot.press("y")
        await pilot.pause()
        assert app._clipboard in (None, "")
        assert "open a row first" in toasts(app)[-1].lower()


async def test_c_names_the_row_it_copied():
    app = make_app([SMALL_LOG], user="carol")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("c")
        await pilot.pause()
        assert "carol@acme.example" in toasts(app)[-1]
