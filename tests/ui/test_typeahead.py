"""Keys typed in one burst (a paste, or keystrokes coalesced by an SSH link) reach the
screen or field they were typed for, in order: each test sends its keys all at once."""

from __future__ import annotations

import csv
from pathlib import Path

from conftest import SMALL_LOG
from textual.command import CommandInput, CommandPalette
from textual.containers import VerticalScroll
from textual.widgets import DataTable, Input, OptionList, Static
from uihelpers import burst, make_app, settle

from connlog_tui import views
from connlog_tui.triage import group_filter
from connlog_tui.ui import typeahead
from connlog_tui.ui.screens import HELP, HelpScreen
from connlog_tui.ui.table import LogTable


async def wait_until(pilot, condition, what: str, seconds: float = 10.0) -> None:
    for _ in range(int(seconds / 0.05)):
        if condition():
            return
        await pilot.pause(0.05)
    raise AssertionError(f"never happened: {what}")


async def test_export_path_typed_right_after_e(tmp_path: Path):
    out = tmp_path / "deep" / "INC0012345-workday-failures.csv"
    out.parent.mkdir()
    app = make_app([SMALL_LOG])
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await burst(pilot, "e", str(out), "enter")
        await wait_until(pilot, out.exists, f"{out} written")
        with out.open(newline="") as f:
            assert len(list(csv.DictReader(f))) == 12


async def test_export_typed_right_after_enter_in_the_search_box(tmp_path: Path):
    # Enter leaves the search box at once: the `e` after it opens the dialog, not typed.
    out = tmp_path / "searched.csv"
    app = make_app([SMALL_LOG])
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await burst(pilot, "/", "carol", "enter", "e", "ctrl+u", str(out), "enter")
        await wait_until(pilot, out.exists, f"{out} written")
        assert app.query_one("#search", Input).value == "carol"
        with out.open(newline="") as f:
            rows = list(csv.DictReader(f))
        assert rows and all("carol" in ",".join(r.values()).lower() for r in rows)


async def test_the_wait_after_enter_in_a_field_ends_with_its_result(monkeypatch):
    # Keys held later (for a screen a worker opens) are not released by that wait's timer.
    from connlog_tui.ui import typeahead as typeahead_module

    monkeypatch.setattr(typeahead_module, "FILTER_WAIT", 3.0)
    app = make_app([SMALL_LOG])
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await burst(pilot, "/", "carol", "enter", "j")
        await wait_until(pilot, lambda: app.keys.held is None, "keys released by the result")
        app.hold_keys()
        await pilot.pause(3.5)
        assert app.keys.held == []


async def test_sort_choice_typed_right_after_s():
    app = make_app([SMALL_LOG])
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await burst(pilot, "s", "down", "enter")
        await settle(pilot)
        assert app.sort == ("action", False)


async def test_column_choice_typed_right_after_capital_c():
    app = make_app([SMALL_LOG])
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        before = app.query_one(LogTable).shown_columns
        await burst(pilot, "C", "down", "space", "enter")
        await settle(pilot)
        assert app.query_one(LogTable).shown_columns == before[:1] + before[2:]


async def test_triage_keys_typed_right_after_t():
    app = make_app([SMALL_LOG])
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await burst(pilot, "t", "down")
        await pilot.pause(0.2)
        screen = app.screen
        assert screen.query_one("#app-groups", DataTable).cursor_row == 1
        second = screen.current_group()
        await burst(pilot, "enter")
        await settle(pilot)
        assert app.state == group_filter(screen.state, second)


async def test_triage_group_picked_by_keys_typed_in_one_burst():
    app = make_app([SMALL_LOG])
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("t", "down")  # one key at a time: the group `down` reaches
        second = group_filter(app.state, app.screen.current_group())
        await pilot.press("escape")
        await burst(pilot, "t", "down", "enter")
        await settle(pilot)
        assert app.state == second


async def test_compare_keys_typed_right_after_w():
    app = make_app([SMALL_LOG], picked={"action": ["SSO Failed"]})
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await burst(pilot, "w", "down", "down")
        await wait_until(pilot, lambda: app.screen.query(DataTable), "the compare screen")
        await pilot.pause(0.2)
        table = app.screen.query_one(DataTable)
        assert table.row_count > 2
        assert table.cursor_row == 2


async def test_quarantine_keys_typed_right_after_b(write):
    bad = "2026-03-01 10:00:0{},App,SSO Failed,SAML,u{}@x.io,,,extra"
    rows = "\n".join(bad.format(i, i) for i in range(3))
    log = write("bad.csv", SMALL_LOG.read_text() + rows + "\n")
    app = make_app([log])
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert app.quarantine.height >= 3
        await burst(pilot, "b", "down", "down")
        await pilot.pause(0.2)
        assert app.screen.query_one(DataTable).cursor_row == 2


async def test_help_scrolled_by_keys_typed_right_after_question_mark():
    app = make_app([SMALL_LOG])
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await burst(pilot, "?", "end")
        assert isinstance(app.screen, HelpScreen)
        scroll = app.screen.query_one(VerticalScroll)
        await wait_until(pilot, lambda: scroll.scroll_y == scroll.max_scroll_y > 0, "at the end")


async def test_palette_text_typed_right_after_ctrl_p():
    app = make_app([SMALL_LOG])
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await burst(pilot, "ctrl+p", "export")
        await pilot.pause(0.2)
        assert app.screen.query_one(CommandInput).value == "export"


async def test_view_name_typed_right_after_choosing_save_view():
    app = make_app([SMALL_LOG])
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+p", *"save view")
        await wait_until(
            pilot,
            lambda: app.screen.query(OptionList) and app.screen.query_one(OptionList).option_count,
            "palette matches",
        )
        await burst(pilot, "down", "enter", "incident-42", "enter")
        await wait_until(pilot, lambda: views.list_views(), "a view saved")
        assert views.list_views() == ["incident-42"]


async def test_quitting_while_keys_wait_on_the_palette_closes_cleanly(monkeypatch):
    # Enter in the palette holds the keys after it and checks again a moment later
    # whether the palette is still open. The app may have closed by then (q typed right
    # after, a loaded machine): that check must not fail for want of a screen. The wait is
    # made long here so that the keys are still held when the test looks.
    monkeypatch.setattr(typeahead, "PALETTE_WAIT", 60.0)
    app = make_app([SMALL_LOG])
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+p")
        await wait_until(pilot, lambda: isinstance(app.screen, CommandPalette), "the palette")
        # What the app does for Enter in the palette when Enter leaves it open (it only
        # highlighted a match): hold the keys typed after it, and look again later.
        then = app.keys.after_enter()
        assert then is not None
        then()
        assert app.keys.held is not None  # held, waiting on the palette
    assert not app.screen_stack
    app.keys._release_if_palette_open()  # what its timer runs, after the screens are gone


def test_help_fits_80_columns():
    # The help box at 80 columns: a border and a space each side, a 1-column scrollbar.
    assert max(len(line) for line in HELP.splitlines()) <= 80 - 2 - 2 - 1


async def test_export_dialog_shows_the_absolute_target_and_stays_open_on_a_missing_folder(
    tmp_path: Path, monkeypatch
):
    monkeypatch.chdir(tmp_path)
    app = make_app([SMALL_LOG])
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("e")
        await pilot.pause()
        screen = app.screen
        target = str(screen.query_one("#target", Static).render())
        assert str(tmp_path) in target  # the relative default name, made absolute
        missing = tmp_path / "no-such-folder" / "out.csv"
        await pilot.press(*str(missing), "enter")  # replaces the name, selected on focus
        await pilot.pause()
        assert app.screen is screen  # still open, with the typed path and the error
        assert screen.query_one("#path", Input).value == str(missing)
        assert "No folder" in str(screen.query_one("#confirm", Static).render())
