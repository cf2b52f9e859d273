"""The filter panes and the status bar: values told apart when cut to fit, picks told
apart without colour, and every active filter named or counted at 80 columns."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from conftest import HEADER, SMALL_LOG
from textual.widgets import Static
from uihelpers import make_app, settle

from connlog_tui.ui.filters import FacetPane

# Values alike for longer than a pane is wide, as IdPs name event types and apps.
APPS = (
    "Workday Production Tenant (SAML) EU",
    "Workday Production Tenant (SAML) US",
    "Workday Production Tenant (SAML) US-2",
)
TYPES = ("user.authentication.sso", "user.authentication.auth_via_mfa")


def alike_log(write):
    rows = [
        f"2026-03-01T09:0{i}:00Z,{app},SSO Failed,{kind},u{i}@acme.example,,"
        for i, (app, kind) in enumerate(zip(APPS * 2, TYPES * 3, strict=False))
    ]
    return write("alike.csv", "\n".join([HEADER, *rows]) + "\n")


def pane_lines(pane: FacetPane) -> list[str]:
    return [pane.render_line(y).text for y in range(pane.option_count)]


def visible_status(app) -> str:
    return app.query_one("#status", Static).render_line(0).text.strip()


async def test_values_cut_to_fit_stay_distinct_and_the_whole_value_is_shown(write):
    app = make_app([alike_log(write)])
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        for column, values in (("app", APPS), ("request_type", TYPES)):
            pane = app.query_one(f"#facet-{column}", FacetPane)
            labels = [re.sub(r"\s+\d+\s*$", "", line[4:]).strip() for line in pane_lines(pane)]
            assert len(set(labels)) == len(values), labels
            assert all(label.strip() not in values for label in labels)  # they were cut
        pane = app.query_one("#facet-app", FacetPane)
        pane.focus()
        await pilot.press("down")
        await pilot.pause()
        value = pane.get_option_at_index(pane.highlighted).value
        assert f"Application To/From: {value}" in visible_status(app)
        assert pane.tooltip == value
        app.query_one("#table").focus()
        await pilot.pause()
        assert value not in visible_status(app)


async def test_a_picked_value_is_told_from_an_unpicked_one_without_colour(monkeypatch):
    monkeypatch.setenv("NO_COLOR", "1")
    app = make_app([SMALL_LOG], picked={"action": ["SSO Failed"]})
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        pane = app.query_one("#facet-action", FacetPane)
        boxes = {
            pane.get_option_at_index(y).value: pane.render_line(y).text[:3]
            for y in range(pane.option_count)
        }
        picked = boxes.pop("SSO Failed")
        assert all(box != picked for box in boxes.values()), (picked, boxes)


async def test_the_80_column_status_names_or_counts_every_filter():
    app = make_app(
        [SMALL_LOG],
        picked={
            "action": ["SSO Failed", "SLO Failed"],
            "app": ["OAuth 2.0 Office 365", "MangoApps"],
            "request_type": ["Authentication-Applications", "Logout-Applications"],
        },
        user="jane.doe@acme.example",
        since=datetime(2026, 3, 1, 9, tzinfo=UTC),
        until=datetime(2026, 3, 2, 10, tzinfo=UTC),
    )
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        line = visible_status(app)
        assert re.match(r"\d+ of 12 rows · ", line), line
        named = sum(
            word in line
            for word in ("Action=", "Application To/From=", "Request Type=", "user~", "since")
        )
        more = re.search(r"\+(\d+) more", line)
        assert named >= 1 and named + (int(more[1]) if more else 0) == 5, line
        await pilot.resize_terminal(260, 24)
        await pilot.pause()
        line = visible_status(app)
        assert "more" not in line and "Request Type=Authentication-Applications|" in line


async def test_an_outcome_pane_and_a_triage_group_picks_shown_in_the_panes():
    app = make_app([SMALL_LOG])
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        outcome = app.query_one("#facet-outcome", FacetPane)
        values = [outcome.get_option_at_index(i).value for i in range(outcome.option_count)]
        present = set(app.frame["outcome"].drop_nulls().cast(str))
        assert set(values) == present and "failure" in values
        await pilot.press("t")
        await pilot.pause()
        await pilot.press("enter")  # the largest group: its app's failures
        await settle(pilot)
        assert app.state.picked["outcome"] == {"failure"}
        assert set(outcome.selected) == {"failure"}
        app_pane = app.query_one("#facet-app", FacetPane)
        assert set(app_pane.selected) == app.state.picked["app"]
        # The group's reason, which has no pane, is named in the status bar as a Reason.
        reason = next(c for c in ("failure_reason", "reason") if c in app.state.picked)
        assert f"Reason={min(app.state.picked[reason])}" in visible_status(app)
        # Taken off in its pane, like any pick: no hidden filter left that only x clears.
        outcome.focus()
        outcome.deselect("failure")
        await settle(pilot)
        assert "outcome" not in app.state.picked
