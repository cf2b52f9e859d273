"""Issue 24's keys, driven with Pilot: -, !text and re: in the search box, n / N, :, #,
m / M / } / {, H and W; the help, the palette and the footer list them."""

from __future__ import annotations

import csv
from datetime import UTC, datetime

import polars as pl
from conftest import SMALL_LOG
from textual.widgets import Input, OptionList, Static, TextArea
from uihelpers import make_app, settle

from connlog_tui.ui.counting import CountScreen
from connlog_tui.ui.detail import DetailPanel
from connlog_tui.ui.filters import FacetPane
from connlog_tui.ui.prompt import PromptScreen
from connlog_tui.ui.screens import HELP, ExportScreen
from connlog_tui.ui.table import LogTable
from connlog_tui.ui.timeline import TimelineStrip
from connlog_tui.ui.verbs import VERB_BINDINGS, VERB_PALETTE

SIZE = (120, 40)


def status(app) -> str:
    return str(app.query_one("#status", Static).render())


def shown(app, column: str) -> list:
    table = app.query_one(LogTable)
    return app.frame[column].gather(table.indices).cast(pl.String).to_list()


async def test_minus_in_a_pane_hides_a_value_and_again_shows_it():
    app = make_app([SMALL_LOG])
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        pane = app.query_one("#facet-app", FacetPane)
        pane.focus()
        target = pane._choices.index("MangoApps")
        await pilot.press("home", *["down"] * target, "minus")
        await settle(pilot)
        assert app.state.excluded == {"app": {"MangoApps"}}
        assert "MangoApps" not in shown(app, "app") and len(shown(app, "app")) == 7
        assert "Application To/From ≠ MangoApps" in status(app)
        prompt = str(pane.get_option_at_index(target).prompt)
        assert prompt.startswith("≠ MangoApps")  # said without colour
        await pilot.press("minus")
        await settle(pilot)
        assert app.state.excluded == {} and len(shown(app, "app")) == 12


async def test_minus_in_the_table_hides_the_cell_value():
    app = make_app([SMALL_LOG])
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        table = app.query_one(LogTable)
        table.focus()
        while table.current_column != "app":
            await pilot.press("right")
        value = app.frame["app"][table.current_row]
        await pilot.press("minus")
        await settle(pilot)
        assert app.state.excluded == {"app": {value}} and value not in shown(app, "app")


async def test_search_box_negation_and_regex():
    app = make_app([SMALL_LOG])
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("slash", *"!samlresponse", "enter")
        await settle(pilot)
        assert app.state.exclude_search == "samlresponse" and len(shown(app, "app")) == 10
        await pilot.press("x", "slash", *r"re:aadsts\d{5}", "enter")
        await settle(pilot)
        assert app.state.regex == r"aadsts\d{5}" and len(shown(app, "app")) == 1
        search = app.query_one("#search", Input)
        search.value = "re:foo("
        await settle(pilot)
        assert "invalid regex 'foo(': unclosed group" in status(app)
        assert search.has_class("-invalid") and app.state.regex == r"aadsts\d{5}"


async def test_n_keeps_the_whole_view_and_jumps_between_matches():
    app = make_app([SMALL_LOG])
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("slash", *"logout", "enter")
        await settle(pilot)
        assert len(shown(app, "app")) == 3
        table = app.query_one(LogTable)
        await pilot.press("g", "n")
        await settle(pilot)
        assert app.state.search == "" and len(shown(app, "app")) == 12  # the whole view
        types = app.frame["request_type"].cast(pl.String)
        first = table.cursor
        assert "Logout" in types[table.current_row]
        await pilot.press("n")
        assert table.cursor > first and "Logout" in types[table.current_row]
        await pilot.press("N")
        assert table.cursor == first
        assert "n/N: search 'logout' (3 rows)" in status(app)
        # The matches are drawn apart (bold italic), the other rows not.
        line = table.render_line(table.cursor - round(table.scroll_offset.y) + 1)
        assert all(seg.style.italic for seg in line if seg.text.strip())
        assert table.matched.to_list() == sorted(app.verbs.find_matches.to_list())
        await pilot.press("x")  # clear: n / N's search goes too
        await settle(pilot)
        assert table.matched is None and app.verbs.find is None and "n/N" not in status(app)


async def test_colon_jumps_to_the_nearest_row_without_filtering():
    app = make_app([SMALL_LOG])
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        table = app.query_one(LogTable)
        await pilot.press("colon")
        assert isinstance(app.screen, PromptScreen)
        await pilot.press(*"2026-03-01 11:29", "enter")
        await pilot.pause()
        assert table.row_count == 12
        when = app.frame["time"][table.current_row]
        assert when == datetime(2026, 3, 1, 11, 30, tzinfo=UTC)
        await pilot.press("colon", *"-2h", "enter")
        await pilot.pause()
        assert app.frame["time"][table.current_row] == datetime(2026, 3, 1, 9, 10, tzinfo=UTC)
        await pilot.press("colon", *"soon", "enter")
        await pilot.pause()
        assert any("cannot read the time 'soon'" in n.message for n in app._notifications)


async def count_screen(app, pilot) -> CountScreen:
    await pilot.press("number_sign")
    await pilot.pause()
    screen = app.screen
    assert isinstance(screen, CountScreen)
    await screen.workers.wait_for_complete()
    await pilot.pause()
    return screen


async def test_count_view_filters_to_a_value_or_hides_it():
    app = make_app([SMALL_LOG])
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = await count_screen(app, pilot)  # the cursor is on Date: by outcome
        options = screen.query_one(OptionList)
        assert screen.values == ["failure", "success", "pending", "info"]
        assert "failure" in str(options.get_option_at_index(0).prompt)
        await pilot.press("enter")
        await settle(pilot)
        assert app.state.picked == {"outcome": {"failure"}} and len(shown(app, "app")) == 4
        await pilot.press("x")
        await settle(pilot)
        screen = await count_screen(app, pilot)
        by = screen.query_one("#count-by", Input)
        by.value = "app"
        by.focus()  # the values have focus once they are in
        await pilot.pause()
        await pilot.press("enter")
        await screen.workers.wait_for_complete()
        await pilot.pause()
        assert screen.values[0] == "MangoApps"
        await pilot.press("minus")
        await settle(pilot)
        assert app.state.excluded == {"app": {"MangoApps"}}


async def test_marks_and_notes_survive_a_restart_and_go_into_the_export(tmp_path):
    out = tmp_path / "marked.csv"
    app = make_app([SMALL_LOG])
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        table = app.query_one(LogTable)
        await pilot.press("g", "m")  # the oldest row
        first = table.current_row
        await pilot.press("down", "down", "M")
        assert isinstance(app.screen, PromptScreen)
        await pilot.press(*"call the IdP", "enter")
        noted = table.current_row
        assert table.marked == {first, noted}
        await pilot.press("G", "right_curly_bracket")  # wraps round to the first mark
        assert table.current_row == first
        await pilot.press("right_curly_bracket")
        assert table.current_row == noted
        await pilot.press("left_curly_bracket")
        assert table.current_row == first
    again = make_app([SMALL_LOG])
    async with again.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("g", "right_curly_bracket")
        table = again.query_one(LogTable)
        assert table.current_row == noted  # the next mark after the first row
        assert table.marked == {first, noted}
        await pilot.press("apostrophe")
        await settle(pilot)
        assert table.indices.to_list() == [first, noted] and "marked rows only" in status(again)
        await pilot.press("apostrophe")
        await settle(pilot)
        assert table.row_count == 12
        await pilot.press("e")
        await pilot.pause()
        assert isinstance(again.screen, ExportScreen)
        again.screen.query_one(Input).value = str(out)
        await pilot.press("enter")
        await settle(pilot)
    rows = list(csv.DictReader(out.open()))
    notes = [r["Note"] for r in rows]
    assert notes.count("call the IdP") == 1 and notes.count("") == 11
    assert rows[noted]["Note"] == "call the IdP"


async def test_the_timeline_narrows_the_dates_to_a_bar_and_w_widens_back():
    app = make_app([SMALL_LOG])
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("H")
        await pilot.pause()
        await pilot.pause()
        strip = app.query_one(TimelineStrip)
        assert strip.display and app.focused is strip
        text = str(strip.render())
        assert text.startswith("all ") and "\nfail " in text and "▲" in text
        bars = strip.line.bars
        assert int(bars["failures"].sum()) == 4 and int(bars["others"].sum()) == 8
        assert bars.height > 10  # as many bars as fit the strip's width, about
        await pilot.press("left")
        while bars["failures"][strip.picked] + bars["others"][strip.picked] == 0:
            await pilot.press("left")  # to a bar with rows in it
        since, until = strip.line.range_of(strip.picked)
        assert "┬" in str(strip.render())
        await pilot.press("enter")
        await settle(pilot)
        assert (app.state.since, app.state.until) == (since, until)
        times = app.frame["time"].gather(app.query_one(LogTable).indices).to_list()
        assert all(app.state.since <= t <= app.state.until for t in times) and times
        await pilot.press("W")
        await settle(pilot)
        assert app.state.since is None and app.state.until is None


async def test_help_and_palette_list_the_new_keys():
    for key in ("!text", "re:PATTERN", "n / N", "] / [", ":", "#", "m / M", "} / {", "'", "H"):
        assert key in HELP
    app = make_app([SMALL_LOG])
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        titles = {c.title for c in app.get_system_commands(app.screen)}
        assert {title for title, *_ in VERB_PALETTE} <= titles
        # The key bar keeps to 80 columns (test_app) and shows n and ] from 120 (below).
        keys = {key for key, *_ in app.active_bindings.items()}
        assert {b.key for b in VERB_BINDINGS} <= keys


async def test_the_key_bar_shows_match_and_failure_keys_when_wide_enough():
    from textual.widgets._footer import FooterKey

    def keys(app) -> dict[str, str]:
        return {key.description: key.key_display for key in app.screen.query(FooterKey)}

    app = make_app([SMALL_LOG])
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        footer = app.screen.query_one("Footer")
        shown_keys = keys(app)
        assert shown_keys["Next match"] == "n" and shown_keys["Next failure"] == "]"
        bar = footer.region
        assert sum(key.region.width for key in app.screen.query(FooterKey)) <= bar.width
        await pilot.resize_terminal(80, 24)
        await pilot.pause(0.2)
        assert "Next match" not in keys(app) and "Help" in keys(app)


def drawn_matches(area: TextArea) -> list[str]:
    """The pieces of the payload drawn reversed (a match of the search), line by line."""
    found = []
    for index in range(area.document.line_count):
        line = area.get_line(index)
        found += [line.plain[s.start : s.end] for s in line.spans if "reverse" in str(s.style)]
    return found


async def test_the_search_is_highlighted_in_the_payloads_literally():
    app = make_app([SMALL_LOG], user="carol")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("slash", *"INVALID_grant", "enter")
        await settle(pilot)
        app.query_one(LogTable).focus()
        await pilot.press("enter")
        await pilot.pause()
        response = app.query_one(DetailPanel).query_one("#response", TextArea)
        every = ["invalid_grant"] * response.text.count("invalid_grant")
        assert len(every) == 3 and drawn_matches(response) == every  # the facts and the body
        await pilot.press("escape", "slash", "ctrl+u", *r"re:invalid_\w+", "enter")
        await settle(pilot)
        app.query_one(LogTable).focus()
        await pilot.press("enter")
        await pilot.pause()
        assert drawn_matches(response) == every
        await pilot.press("escape", "n")  # n / N's search, off the view, still drawn
        await settle(pilot)
        await pilot.press("enter")
        await pilot.pause()
        assert drawn_matches(response) == every
        await pilot.press("escape", "x")
        await settle(pilot)
        await pilot.press("enter")
        await pilot.pause()
        assert drawn_matches(response) == []


async def test_a_search_in_a_hostile_payload_draws_its_markup_as_text():
    app = make_app([SMALL_LOG], user="mallory")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("slash", *"red]", "enter")
        await settle(pilot)
        app.query_one(LogTable).focus()
        await pilot.press("enter")
        await pilot.pause()
        detail = app.query_one(DetailPanel)
        detail.action_toggle_raw()
        await pilot.pause()
        request = detail.query_one("#request", TextArea)
        assert "[bold red]x[/]" in request.text and drawn_matches(request) == ["red]"]


async def test_the_timeline_labels_its_range_in_the_display_zone():
    from connlog_tui import timezones as tz

    app = make_app([SMALL_LOG])
    app.zone = "Asia/Kolkata"  # as --tz sets it: UTC+05:30
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("H")
        await pilot.pause()
        await pilot.pause()
        strip = app.query_one(TimelineStrip)
        first = strip.line.bars["start"][0]
        text = str(strip.render())
        shown, in_utc = (tz.format_time(first, z, "%m-%d %H:%M") for z in (app.zone, "UTC"))
        assert shown != in_utc and f"{shown} → " in text and "Asia/Kolkata" in text
        assert "UTC" not in text
        await pilot.press("z")  # the zone cycles: the strip follows
        await pilot.pause()
        assert tz.label(app.zone) in str(strip.render()) and app.zone != "Asia/Kolkata"


OKTA_LOG = SMALL_LOG.parents[1] / "connlog_tui" / "data" / "demo_okta_system_log.jsonl"


async def test_an_ip_pane_picks_and_hides_client_ips_where_the_log_has_them():
    app = make_app([SMALL_LOG])  # a connector log: no client IPs, no IP pane
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert app.query("#facet-app") and not app.query("#facet-ip")
    app = make_app([OKTA_LOG])
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        pane = app.query_one("#facet-ip", FacetPane)
        assert pane.border_title == "IP"
        ips = app.frame["ip"].value_counts(sort=True)
        top, n_top = ips.row(0)
        assert pane._choices[0] == top  # most frequent first
        pane.focus()
        await pilot.press("home", "enter")  # tick the first value
        await settle(pilot)
        assert app.state.picked == {"ip": {top}} and set(shown(app, "ip")) == {top}
        assert len(shown(app, "ip")) == n_top and f"IP={top}" in status(app)
        await pilot.press("enter", "minus")  # untick it, then hide it
        await settle(pilot)
        assert app.state.excluded == {"ip": {top}} and top not in shown(app, "ip")
        assert len(shown(app, "ip")) == app.frame.height - n_top
        assert f"IP ≠ {top}" in status(app)
