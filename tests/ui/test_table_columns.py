"""The results table never drops a column: what does not fit is scrolled to sideways,
and the header counts the columns out of sight on either side."""

from __future__ import annotations

import re

from conftest import SMALL_LOG
from uihelpers import make_app, settle

from connlog_tui.ui.columns import BY_NAME
from connlog_tui.ui.table import LogTable


def in_sight(table: LogTable) -> tuple[list[str], int, int]:
    """The shown columns whose titles the header shows, and the header's counts of
    columns out of sight to the left (`← 2`) and right (`3 more →`)."""
    header = table.render_line(0).text
    left = re.match(r"← (\d+) ", header)
    right = re.search(r"(\d+) more →$", header)
    titles = [
        name
        for name in table.shown_columns
        if (BY_NAME[name].title[:5] if name != "time" else "Date ") in header
    ]
    return titles, int(left[1]) if left else 0, int(right[1]) if right else 0


def assert_every_column_accounted_for(table: LogTable) -> set[str]:
    titles, left, right = in_sight(table)
    assert len(titles) + left + right == len(table.shown_columns), table.render_line(0).text
    return set(titles)


async def test_columns_that_do_not_fit_are_counted_and_scrolled_to():
    app = make_app([SMALL_LOG])
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        table = app.query_one(LogTable)
        assert len(table.shown_columns) == 7
        seen = assert_every_column_accounted_for(table)
        assert in_sight(table)[2] > 0  # some are out of sight: the header says how many
        for _ in table.shown_columns:
            await pilot.press("right")
            await pilot.pause()
            seen |= assert_every_column_accounted_for(table)
        assert seen == set(table.shown_columns)
        # Their cells come with them: the last column's values are on the rows.
        assert "connecto" in table.render_line(1).text
        for _ in table.shown_columns:
            await pilot.press("left")
        await pilot.pause()
        assert in_sight(table)[1] == 0 and "Date (UTC)" in table.render_line(0).text


async def test_a_column_turned_on_is_shown_and_widening_one_drops_none():
    app = make_app([SMALL_LOG])
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        table = app.query_one(LogTable)
        table.show_columns((*table.shown_columns, "outcome"))  # what C's dialog does
        await pilot.pause()
        assert "outcome" in assert_every_column_accounted_for(table)
        await pilot.press("home")
        for _ in table.shown_columns:
            await pilot.press("left")
        for _ in range(10):
            await pilot.press("greater_than_sign")
        await pilot.pause()
        assert_every_column_accounted_for(table)
        assert table.drawn()[0][1] == 19 + 20
        seen: set[str] = set()
        for _ in table.shown_columns:
            seen |= assert_every_column_accounted_for(table)
            await pilot.press("right")
            await pilot.pause()
        assert seen == set(table.shown_columns)


async def test_the_columns_dialog_shows_a_column_turned_on():
    app = make_app([SMALL_LOG])
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("C")
        await pilot.pause()
        choices = app.screen.query_one("SelectionList")
        values = [choices.get_option_at_index(i).value for i in range(choices.option_count)]
        choices.select("outcome")
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        table = app.query_one(LogTable)
        assert "outcome" in table.shown_columns and "outcome" in values
        assert "Outcome" in table.render_line(0).text


async def test_sources_keep_their_file_names_in_the_table_and_the_quarantine_list(write):
    from conftest import HEADER
    from textual.widgets import DataTable

    folder = "incident-2026-03-09/exports-from-the-connector-admin-page/tenant-eu-west"
    log = write(
        f"{folder}/okta_prod.csv",
        f"{HEADER}\n2026-03-01T09:00:00Z,A,NA,Logout-Connections,u1,,\nnot a date,A,NA,x,u2,,\n",
    )
    app = make_app([log])
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        table = app.query_one(LogTable)
        for _ in table.shown_columns:
            await pilot.press("right")
        await pilot.pause()
        assert "…/okta_prod.csv" in table.render_line(1).text
        await pilot.press("b")
        await pilot.pause()
        source = app.screen.query_one(DataTable).get_row_at(0)[0].plain
        assert source.endswith("/okta_prod.csv") and len(source) <= 40


async def test_the_columns_dialog_title_fits_80x24():
    from textual.geometry import Region

    app = make_app([SMALL_LOG])
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("C")
        await pilot.pause()
        choices = app.screen.query_one("SelectionList")
        top = choices.render_lines(Region(0, 0, choices.outer_size.width, 1))[0].text
        assert str(choices.border_title) in top, top
        bottom_row = choices.region.bottom
        assert bottom_row <= 24 and choices.option_count == len(BY_NAME)


async def test_the_columns_dialog_ticks_shown_columns_without_colour(monkeypatch):
    monkeypatch.setenv("NO_COLOR", "1")
    app = make_app([SMALL_LOG])
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("C")
        await pilot.pause()
        choices = app.screen.query_one("SelectionList")
        boxes = {
            choices.get_option_at_index(y).value: choices.render_line(y).text[:3]
            for y in range(choices.option_count)
        }
        shown = {boxes[name] for name in app.query_one(LogTable).shown_columns}
        hidden = {
            box for name, box in boxes.items() if name not in app.query_one(LogTable).shown_columns
        }
        assert len(shown) == 1 and len(hidden) == 1 and shown != hidden, boxes


async def test_the_save_view_prompt_is_shown_whole_at_80x24():
    from textual.widgets import Input, Static

    from connlog_tui.ui.screens import NameScreen

    app = make_app([SMALL_LOG])
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await app.action_save_view()
        await pilot.pause()
        assert isinstance(app.screen, NameScreen)
        prompt = app.screen.query_one(Static)
        shown = " ".join(
            prompt.render_line(y).text.strip() for y in range(prompt.size.height)
        ).strip()
        assert shown == app.screen.prompt and shown.endswith(":")  # a whole question
        assert app.screen.query_one(Input).region.right <= 80


async def test_the_cursor_row_shows_without_colour(monkeypatch):
    # NO_COLOR strips every colour and keeps text styles (textual.filter.NoColor): the
    # cursor row must differ from the others in those.
    monkeypatch.setenv("NO_COLOR", "1")
    app = make_app([SMALL_LOG])
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        table = app.query_one(LogTable)
        assert app.no_color and table.row_count > 2

        def looks(row: int) -> set:
            y = row - round(table.scroll_offset.y) + 1  # the header is line 0
            return {seg.style.without_color for seg in table.render_line(y) if seg.style}

        cursor = table.cursor
        others = [r for r in range(table.row_count) if r != cursor][-5:]
        assert all(looks(cursor) != looks(r) for r in others)
        table.focus()
        await pilot.pause()
        assert all(looks(cursor) != looks(r) for r in others)
