"""The triage screen's words agree with its numbers, and reasons are shown whole."""

from __future__ import annotations

import re

from conftest import HEADER, ROOT
from textual.widgets import DataTable, Static
from uihelpers import make_app, settle

from connlog_tui.ui.histogram import FailureHistogram
from connlog_tui.ui.triage_screen import TriageScreen

DEMO = ROOT / "connlog_tui" / "data" / "demo_connector_log.csv"


def many_apps_log(write, apps: int, failing: int):
    rows = []
    for i in range(apps):
        action = "SSO Failed" if i < failing else "SSO Successful"
        for minute in range(2):
            rows.append(
                f"2026-03-01T09:{i:02d}:{minute:02d}Z,App {i:02d},{action},"
                f"Authentication-Applications,u{minute}@acme.example,,"
            )
    return write("apps.csv", "\n".join([HEADER, *rows]) + "\n")


async def open_triage(pilot) -> TriageScreen:
    await settle(pilot)
    await pilot.press("t")
    await pilot.pause()
    assert isinstance(pilot.app.screen, TriageScreen)
    return pilot.app.screen


async def test_the_histogram_counts_left_out_applications_as_the_title_does(write):
    app = make_app([many_apps_log(write, apps=40, failing=12)])
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_triage(pilot)
        title = str(screen.query_one("#triage-title", Static).render())
        assert "12 applications" in title
        histogram = screen.query_one(FailureHistogram)
        lines = histogram.render().plain.splitlines()
        shown = [line for line in lines if re.match(r"App \d\d ", line)]
        failing_shown = sum(1 for line in shown if int(line.split()[-2]) > 0)
        more = next(line for line in lines if line.startswith("… "))
        left_out = re.match(r"… (\d+) more applications? with failures, (\d+) without", more)
        assert left_out, more
        assert failing_shown + int(left_out[1]) == 12
        assert len(shown) + int(left_out[1]) + int(left_out[2]) == 40


async def test_a_long_idp_message_is_shown_whole_at_200_columns():
    app = make_app([DEMO], search="AADSTS7000222")
    async with app.run_test(size=(200, 50)) as pilot:
        await settle(pilot)
        for _ in range(300):  # the background pass diagnoses the failures
            if "failure_reason" in app.frame.columns:
                break
            await pilot.pause(0.1)
        await settle(pilot)
        screen = await open_triage(pilot)
        table = screen.query_one("#app-groups", DataTable)
        message = screen.by_app["reason"][0]
        # The IdP's whole message, less the trace ID and time Entra adds to each one (which
        # would make every failure a group of its own).
        assert message.endswith("Visit the Azure portal to create new keys for your app.")
        assert screen.by_app["count"][0] == 6
        reason = table.get_row_at(0)[3].plain.strip()
        assert len(reason) > 120 and message.startswith(reason.rstrip("…"))
        current = str(screen.query_one("#app-current", Static).render())
        assert message in current.replace("\n", "")
