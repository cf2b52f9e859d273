"""Text fields on the main screen: the date range typed in one burst, Escape leaving a
field, the focus visible without colour, and the key bar in a field."""

from __future__ import annotations

from datetime import UTC, datetime

from conftest import SMALL_LOG
from textual.widgets import Input, Static, TabbedContent
from uihelpers import burst, make_app, settle

from connlog_tui.ui.filters import FacetPane, FilterSidebar
from connlog_tui.ui.screens import HELP
from connlog_tui.ui.table import LogTable


def status(app) -> str:
    return str(app.query_one("#status", Static).render())


async def in_since(pilot) -> Input:
    """The app loaded at 120x40 (panes shown), the focus in `since`."""
    await settle(pilot)
    since = pilot.app.query_one("#since", Input)
    pilot.app.screen.set_focus(since)
    await pilot.pause()
    return since


async def test_date_range_typed_in_one_burst_applies_tab_in_order():
    app = make_app([SMALL_LOG])
    async with app.run_test(size=(120, 40)) as pilot:
        await in_since(pilot)
        await burst(pilot, "2026-03-01 09:00", "tab", "2026-03-01 09:06", "enter")
        await settle(pilot)
        assert app.state.since == datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
        assert app.state.until is not None and app.state.until.minute == 6
        assert app.query_one(LogTable).row_count == 5  # 10:00+01:00 is 09:00 UTC


async def test_text_typed_after_an_enter_that_reported_an_error_is_kept():
    app = make_app([SMALL_LOG])
    async with app.run_test(size=(120, 40)) as pilot:
        since = await in_since(pilot)
        await burst(pilot, "2026-03-01 09:0x", "enter", "backspace", "0", "enter")
        await settle(pilot)
        assert since.value == "2026-03-01 09:00"
        assert app.state.since == datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


async def test_a_bad_date_left_without_enter_is_not_shown_as_applied():
    app = make_app([SMALL_LOG])
    async with app.run_test(size=(120, 40)) as pilot:
        since = await in_since(pilot)
        await burst(pilot, "yesterday-ish", "escape")
        await settle(pilot)
        assert app.focused is app.query_one(LogTable)
        assert since.value == ""  # the range in use: none
        assert app.state.since is None
        messages = " ".join(str(n.message) for n in app._notifications)
        assert "not applied" in messages


async def test_escape_leaves_a_date_field_before_the_keys_after_it():
    app = make_app([SMALL_LOG])
    async with app.run_test(size=(120, 40)) as pilot:
        since = await in_since(pilot)
        await burst(pilot, "escape", "?")
        await pilot.pause(0.2)
        assert since.value == ""
        assert type(app.screen).__name__ == "HelpScreen"


async def test_the_sidebar_is_not_a_tab_stop():
    app = make_app([SMALL_LOG])
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert not any(isinstance(w, FilterSidebar) for w in app.screen.focus_chain)


async def test_d_then_a_date_range_in_one_burst_at_80_columns():
    app = make_app([SMALL_LOG])
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await burst(pilot, "d", "2026-03-01 09:00", "tab", "2026-03-01 09:06", "enter")
        await settle(pilot)
        assert app.state.since == datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
        assert app.query_one(LogTable).row_count == 5


def screen_text(app) -> list[str]:
    """The screen's characters, line by line: what shows without any colour."""
    return [strip.text for strip in app.screen._compositor.render_strips()]


async def test_focus_shows_without_colour():
    app = make_app([SMALL_LOG])
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        search = app.query_one("#search", Input)
        x, y = search.region.x, search.region.y
        before = screen_text(app)[y][x]
        await pilot.press("slash")
        await pilot.pause()
        assert before == " " and screen_text(app)[y][x] == "▌"  # a bar, not a colour
        pane = app.query(FacetPane).first()
        top = pane.region.y
        assert screen_text(app)[top][pane.region.x] == "╭"
        await pilot.press("escape", "f", "f")  # panes hidden, shown: focus on the first
        await pilot.pause()
        assert app.focused is pane and screen_text(app)[top][pane.region.x] == "┏"


async def test_key_bar_shows_keys_in_a_text_field():
    app = make_app([SMALL_LOG])
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("slash")
        await pilot.pause()
        shown = {
            key: b.binding.description
            for key, b in app.screen.active_bindings.items()
            if b.binding.show and b.enabled
        }
        assert "escape" in shown


async def test_left_right_switch_payload_tabs_and_say_so():
    app = make_app([SMALL_LOG], user="carol")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("enter")
        await pilot.pause()
        tabs = app.query_one(TabbedContent)
        assert tabs.active == "tab-response"
        shown = {
            b.binding.description for b in app.screen.active_bindings.values() if b.binding.show
        }
        assert "Tabs" in shown  # in the key bar
        await pilot.press("right")
        await pilot.pause()
        assert tabs.active == "tab-request" and app.focused.id == "request"
        await pilot.press("left", "left")
        await pilot.pause()
        assert tabs.active == "tab-attempt"
        assert "left/right" in HELP and "Attempt tab" in HELP
