"""Triage in the app: diagnoses in the detail panel, stitched attempts, n/N."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import polars as pl
from conftest import SMALL_LOG
from textual.widgets import Static, TabbedContent, TextArea
from uihelpers import make_app, settle

from connlog_tui.ui.detail import DetailPanel
from connlog_tui.ui.table import LogTable
from connlog_tui.ui.triage_actions import _Pile

DEMO = Path(__file__).resolve().parents[2] / "connlog_tui" / "data" / "demo_connector_log.csv"


async def test_a_failed_saml_row_shows_its_status_diagnosis_and_attempt():
    # The demo's incident: Workday SSO failures on 9 March, assertions expired on arrival.
    app = make_app(
        [DEMO],
        picked={"app": ["Workday (SAML)"], "action": ["SSO Failed"]},
        since=datetime(2026, 3, 9, tzinfo=UTC),
    )
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        table = app.query_one(LogTable)
        assert table.row_count == 35
        await pilot.press("g", "enter")
        await pilot.pause()
        detail = app.query_one(DetailPanel)
        summary = str(detail.query_one("#summary", Static).render())
        assert "Assertion expired" in summary and "IdP's clock" in summary
        detail.query_one(TabbedContent).active = "tab-request"
        await pilot.pause()
        request = detail.query_one("#request", TextArea).text
        assert "SAML Response" in request
        assert "urn:oasis:names:tc:SAML:2.0:status:Success" in request  # the IdP said yes
        assert "NotOnOrAfter" in request
        attempt = detail.query_one("#attempt", TextArea).text
        assert "linked by saml:" in attempt
        assert "SSO Initiated" in attempt and "SSO Failed" in attempt


async def test_brackets_jump_between_failures():
    app = make_app([SMALL_LOG])
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        table = app.query_one(LogTable)
        users = app.frame["user"]
        await pilot.press("g", "right_square_bracket")
        assert users[table.current_row] == "bob.smith@acme.example"
        await pilot.press("right_square_bracket")
        assert users[table.current_row] == " carol@acme.example "
        await pilot.press("left_square_bracket")
        assert users[table.current_row] == "bob.smith@acme.example"
        await pilot.press("G", "right_square_bracket")  # past the last failure: wraps, says so
        await pilot.pause()
        assert users[table.current_row] == "bob.smith@acme.example"
        assert any("No more failures below" in n.message for n in app._notifications)


async def test_next_failure_right_after_opening_finds_one():
    # The table opens at the newest row, below every failure: ] wraps to the first.
    app = make_app([SMALL_LOG])
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        table = app.query_one(LogTable)
        await pilot.press("right_square_bracket")
        await pilot.pause()
        assert app.frame["outcome"][table.current_row] == "failure"
        assert any("back to the first" in n.message for n in app._notifications)


async def test_diagnoses_are_searchable_once_worked_out():
    app = make_app([DEMO], search="IdP's clock")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        # Found in the Diagnosis column, which no payload contains: the background pass ran.
        assert app.query_one(LogTable).row_count >= 39
        assert app.frame["diagnosis"].is_not_null().sum() >= 95


FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"


async def test_connector_reasons_show_in_the_table_and_detail_panel():
    """The data-connector invariant check and a failed Mixpanel run's error, as a user
    sees them: in the Reason column and under the detail panel's headline."""
    data_connector = FIXTURES / "data_connector" / "admin_log_text.txt"
    mixpanel = FIXTURES / "mixpanel" / "history_pages.jsonl"
    app = make_app([data_connector, mixpanel], search="counts disagree")
    async with app.run_test(size=(250, 40)) as pilot:
        await settle(pilot)
        table = app.query_one(LogTable)
        assert table.row_count >= 1
        header = table.render_line(0).text
        assert "Reason" in header
        assert "counts disagree" in table.render_line(1).text
        summary = str(app.query_one(DetailPanel).query_one("#summary", Static).render())
        assert "counts disagree: available for import" in summary
        app.set_state(app.state.__class__(search="Access Denied"))
        await settle(pilot)
        assert "Access Denied: the service account" in table.render_line(1).text
        summary = str(app.query_one(DetailPanel).query_one("#summary", Static).render())
        assert "(code 403)" in summary


async def test_t_groups_failures_and_picking_a_group_filters_the_table():
    from connlog_tui.ui.triage_screen import TriageScreen

    app = make_app([DEMO])
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("t")
        await pilot.pause()
        assert isinstance(app.screen, TriageScreen)
        await pilot.press("enter")  # the biggest group: Workday's expired assertions
        await settle(pilot)
        table = app.query_one(LogTable)
        reasons = app.frame["failure_reason"].gather(table.indices).unique().to_list()
        apps = app.frame["app"].gather(table.indices).cast(str).unique().to_list()
        assert reasons == ["Assertion expired"] and apps == ["Workday (SAML)"]
        assert table.row_count == 35


async def test_w_compares_a_failure_with_a_working_login():
    from connlog_tui.ui.compare_screen import CompareScreen

    app = make_app([DEMO], picked={"app": ["Salesforce (SAML)"], "action": ["SSO Failed"]})
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        table = app.query_one(LogTable)
        audience = app.frame["failure_reason"].gather(table.indices).to_list()
        table.cursor = audience.index("Audience mismatch")
        await pilot.press("w")
        await settle(pilot)
        assert isinstance(app.screen, CompareScreen)
        fields = [field for field, _, _ in app.screen.comparison]
        assert "Audience" in fields


def test_background_triage_merges_its_small_parts_as_they_come():
    """Keys and diagnoses arrive a few hundred rows at a time: a hundred parts are merged
    into one frame, so a big log's triage does not hold thousands of tiny frames."""
    pile = _Pile()
    parts = [pl.DataFrame({"row_id": list(range(i, i + 10))}) for i in range(0, 2500, 10)]
    for part in parts:
        pile.add(part)
    assert len(pile.merged) == 2 and len(pile.parts) == 50
    assert all(frame.n_chunks() == 1 for frame in pile.merged)
    assert pile.frame().equals(pl.concat(parts))
    assert _Pile().frame() is None


async def test_a_triage_groups_reason_gets_a_pane_where_it_can_be_unticked():
    from connlog_tui.ui.filters import FacetPane

    app = make_app([DEMO])
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("t")
        await pilot.pause()
        await pilot.press("enter")  # Workday's expired assertions
        await settle(pilot)
        (column,) = [c for c in app.state.picked if c.endswith("reason")]
        pane = app.query_one(f"#facet-{column}", FacetPane)
        assert pane.border_title == "Reason"
        assert pane.selected == ["Assertion expired"]
        narrowed = app.query_one(LogTable).row_count
        pane.focus()
        await pilot.press("home", "space")  # untick it, as any pick
        await settle(pilot)
        assert column not in app.state.picked
        assert app.query_one(LogTable).row_count > narrowed
        await pilot.press("x")  # clearing every filter takes the pane away
        await settle(pilot)
        assert not app.query(f"#facet-{column}")
