"""What the app looks like, at 80x24 (an SSH session) and 120x40.

Update after an intended change: python3 -m pytest tests/ui --snapshot-update
"""

from __future__ import annotations

from conftest import SMALL_LOG
from uihelpers import make_app, settle


async def _loaded(pilot) -> None:
    await settle(pilot)


def test_table_80x24(snap_compare):
    assert snap_compare(make_app([SMALL_LOG]), terminal_size=(80, 24), run_before=_loaded)


def test_panes_table_and_detail_120x40(snap_compare):
    assert snap_compare(make_app([SMALL_LOG]), terminal_size=(120, 40), run_before=_loaded)


def test_failures_filtered_with_panes_80x24(snap_compare):
    async def run_before(pilot) -> None:
        await settle(pilot)
        await pilot.press("f")
        await settle(pilot)

    app = make_app([SMALL_LOG], picked={"action": ["SSO Failed", "SLO Failed"]})
    assert snap_compare(app, terminal_size=(80, 24), run_before=run_before)


def test_payload_opened_80x24(snap_compare):
    async def run_before(pilot) -> None:
        await settle(pilot)
        await pilot.press("enter")
        await pilot.pause()

    app = make_app([SMALL_LOG], user="bob.smith", picked={"action": ["SSO Failed"]})
    assert snap_compare(app, terminal_size=(80, 24), run_before=run_before)


def test_hostile_payload_rendered_literally_120x40(snap_compare):
    app = make_app([SMALL_LOG], user="mallory")
    assert snap_compare(app, terminal_size=(120, 40), run_before=_loaded)


def test_help_80x24(snap_compare):
    async def run_before(pilot) -> None:
        await settle(pilot)
        await pilot.press("question_mark")
        await pilot.pause()

    assert snap_compare(make_app([SMALL_LOG]), terminal_size=(80, 24), run_before=run_before)


def test_help_scrolled_to_its_end_80x24(snap_compare):
    # Everything after the payload keys was out of reach at 80x24: help scrolls.
    async def run_before(pilot) -> None:
        await settle(pilot)
        await pilot.press("question_mark", "end")
        await pilot.wait_for_scheduled_animations()
        await pilot.pause()

    assert snap_compare(make_app([SMALL_LOG]), terminal_size=(80, 24), run_before=run_before)


DEMO = "connlog_tui/data/demo_connector_log.csv"


def test_table_light_theme_80x24(snap_compare):
    async def run_before(pilot) -> None:
        await settle(pilot)
        pilot.app.theme = "textual-light"
        await pilot.pause()

    assert snap_compare(make_app([SMALL_LOG]), terminal_size=(80, 24), run_before=run_before)


def test_saml_response_decoded_80x24(snap_compare):
    """A Workday login that failed in the demo's incident: the SAML Response's facts."""

    async def run_before(pilot) -> None:
        await settle(pilot)
        await pilot.press("g", "enter")
        await pilot.pause()
        pilot.app.query_one("TabbedContent").active = "tab-request"
        await pilot.pause()

    app = make_app(
        [DEMO], picked={"app": ["Workday (SAML)"], "action": ["SSO Failed"]}, user="tom.fischer"
    )
    assert snap_compare(app, terminal_size=(80, 24), run_before=run_before)


def test_jwt_decoded_80x24(snap_compare):
    """An Office 365 sign-in's token response: its id_token's claims come first."""

    async def run_before(pilot) -> None:
        await settle(pilot)
        await pilot.press("g", "enter")
        await pilot.pause()

    app = make_app(
        [DEMO],
        picked={"app": ["OAuth 2.0 Office 365"], "action": ["SSO Successful"]},
        user="jane.doe",
    )
    assert snap_compare(app, terminal_size=(80, 24), run_before=run_before)


def test_table_scrolled_right_80x24(snap_compare):
    """The columns past the right edge, reached with →: the header counts those left behind."""

    async def run_before(pilot) -> None:
        await settle(pilot)
        await pilot.press(*["right"] * 6)
        await pilot.pause()

    assert snap_compare(make_app([SMALL_LOG]), terminal_size=(80, 24), run_before=run_before)


def test_table_scrolled_right_with_outcome_120x40(snap_compare):
    async def run_before(pilot) -> None:
        await settle(pilot)
        table = pilot.app.query_one("#table")
        table.show_columns((*table.shown_columns, "outcome", "ip", "format"))
        await pilot.pause()

    assert snap_compare(make_app([SMALL_LOG]), terminal_size=(120, 40), run_before=run_before)
