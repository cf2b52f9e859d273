"""Decoded facts in the detail panel: a long value goes on under its own column, never
wrapped back to the panel's first column."""

from __future__ import annotations

import re

from conftest import ROOT
from textual.widgets import TextArea
from uihelpers import make_app, settle

DEMO = ROOT / "connlog_tui" / "data" / "demo_connector_log.csv"


async def test_long_saml_fact_values_wrap_under_their_column_at_80x24():
    app = make_app(
        [DEMO], picked={"app": ["Workday (SAML)"], "action": ["SSO Failed"]}, user="tom.fischer"
    )
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("g", "enter")
        await pilot.pause()
        app.query_one("TabbedContent").active = "tab-request"
        await pilot.pause()
        area = app.query_one("#request", TextArea)
        lines = area.text.split("\n")
        facts = [  # `  Key   value` lines, and the lines of a value that goes on
            i for i, line in enumerate(lines) if re.match(r"  (\w[\w .-]*\s{2,}\S|\s{20,}\S)", line)
        ]
        assert any("Destination" in lines[i] for i in facts)
        # No fact line is wrapped by the text area (it would go on at its first column)...
        assert all(area.wrapped_document.get_offsets(i) == [] for i in facts), [
            lines[i] for i in facts if area.wrapped_document.get_offsets(i)
        ]
        # ...and a value cut onto more lines goes on under the value column.
        destination = next(i for i in facts if lines[i].lstrip().startswith("Destination "))
        column = lines[destination].index("https://")
        assert lines[destination + 1][:column].strip() == "" and lines[destination + 1][column:]
        # Resized, the facts are wrapped again for the new width.
        await pilot.resize_terminal(120, 24)
        await pilot.pause()
        lines = app.query_one("#request", TextArea).text.split("\n")
        assert any(line.rstrip().endswith("/acme_corp/login-saml.flex") for line in lines)
