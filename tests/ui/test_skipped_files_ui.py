"""Issue 22 item 14 in the browser: a folder with a file no reader knows opens with the
rest, the status bar says files were skipped, and `b` lists them with why."""

from __future__ import annotations

from pathlib import Path

from conftest import HEADER
from textual.widgets import DataTable, Static
from uihelpers import make_app, settle

from connlog_tui.ui.screens import QuarantineScreen

GOOD = HEADER + "\n2026-03-01T09:00:00Z,App,SSO Failed,Authentication-Applications,u@x.example,,\n"
UNKNOWN = '{"txid": "9a1b", "factor": "duo_push", "result": "success", "ts": 1709283600}\n'


def status(app) -> str:
    return str(app.query_one("#status", Static).render())


async def test_skipped_files_are_counted_and_listed(tmp_path):
    (tmp_path / "connector.csv").write_text(GOOD)
    (tmp_path / "duo.jsonl").write_text(UNKNOWN)
    app = make_app([tmp_path])
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert app.fatal_error is None
        assert "1 file skipped (b lists)" in status(app)
        await pilot.press("b")
        await pilot.pause()
        assert isinstance(app.screen, QuarantineScreen)
        table = app.screen.query_one(DataTable)
        cells = [str(cell) for cell in table.get_row_at(0)]
        assert cells[0].endswith("duo.jsonl")
        assert cells[2].startswith("file skipped: format not recognised")


async def test_following_a_folder_leaves_its_skipped_files_alone(tmp_path):
    (tmp_path / "connector.csv").write_text(GOOD)
    (tmp_path / "duo.jsonl").write_text(UNKNOWN)
    app = make_app([tmp_path])
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("F")
        await pilot.pause()
        assert [Path(tail.name).name for tail in app.follower.tails] == ["connector.csv"]
        await pilot.press("F")  # stop following
        await pilot.pause()
