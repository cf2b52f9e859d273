"""The app in lean mode (payloads on disk) behaves as in memory: search reaches the
payloads, the detail panel shows them decoded, exports carry them."""

from __future__ import annotations

import csv

from conftest import SMALL_LOG
from textual.widgets import Static, TextArea
from uihelpers import make_app, settle

from connlog_tui.ui.detail import DetailPanel
from connlog_tui.ui.table import LogTable


def lean_app(**filters):
    app = make_app([SMALL_LOG], **filters)
    app.options.lean = True
    return app


async def test_lean_search_detail_and_export(tmp_path):
    app = lean_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert app.payloads is not None
        assert app.frame["response"].null_count() == app.frame.height  # not in memory
        assert "lean: payloads on disk" in str(app.query_one("#status", Static).render())
        await pilot.press("slash", *"aadsts70008", "enter")
        await settle(pilot)  # the code is only in a response payload
        assert app.query_one(LogTable).row_count == 1
        await pilot.press("x")
        await settle(pilot)
        await pilot.press("slash", *"invalid_grant", "enter")
        await settle(pilot)
        await pilot.press("enter")
        await pilot.pause()
        response = app.query_one(DetailPanel).query_one("#response", TextArea).text
        assert '"error": "invalid_grant"' in response
        await pilot.press("escape", "e")
        await pilot.pause()
        out = tmp_path / "view.csv"
        app.screen.query_one("Input").value = str(out)
        await pilot.press("enter")
        await settle(pilot)
    rows = list(csv.DictReader(out.open()))
    assert rows and all("invalid_grant" in r["Response"] for r in rows)


async def test_lean_table_shows_payload_columns():
    app = lean_app(user="carol")
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(pilot)
        table = app.query_one(LogTable)
        table.show_columns(("time", "user", "response"))
        await pilot.pause()
        drawn = [table.render_line(y).text for y in range(1, table.visible_rows + 1)]
        assert any("invalid_grant" in line for line in drawn)
