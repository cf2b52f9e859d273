"""The status bar as data: one Status value, rendered by one function (no Textual needed),
and the app's bar showing exactly what that function writes for the app's model."""

from __future__ import annotations

from dataclasses import replace

import pytest
from conftest import SMALL_LOG
from textual.widgets import Static
from uihelpers import make_app, settle

from connlog_tui.ui.status import Loading, Status, status_line

SHOWN = Status(shown=12, total=40, filters=("Outcome=failure",), short_filters=("Outcome=f…",))
# Each note field, a value for it, and a phrase the bar then says.
NOTES = [
    ("lean", True, "lean: payloads on disk"),
    ("paged", "archive", "archive: rows read as shown"),
    ("quarantined", 3, "3 quarantined (b lists)"),
    ("skipped", 1, "1 file skipped (b lists)"),
    ("skipped", 2, "2 files skipped (b lists)"),
    ("zone", "Europe/Paris", "times in Europe/Paris"),
    ("export_note", "Exporting 5 of 9 rows", "Exporting 5 of 9 rows"),
    ("analysis_note", "linking login attempts", "linking login attempts"),
    ("follow", "", "following"),
    ("follow", "app.log rotated at 10:00:00", "following · app.log rotated at 10:00:00"),
    ("find", "search AADSTS (3 rows)", "n/N: search AADSTS (3 rows)"),
    ("sort", "Outcome ▲", "sorted by Outcome ▲"),
]


def test_nothing_is_said_before_a_first_result():
    assert status_line(Status(), 80) is None


def test_counts_then_filters():
    line = status_line(SHOWN, 200)
    assert line == "12 of 40 rows · Outcome=failure"


@pytest.mark.parametrize(("field", "value", "said"), NOTES)
def test_each_note_is_said_after_the_filters(field, value, said):
    line = status_line(replace(SHOWN, **{field: value}), 200)
    assert line is not None and line.endswith(" · " + said)
    assert line.index("Outcome=failure") < line.index(said)
    assert said not in (status_line(SHOWN, 200) or "")


@pytest.mark.parametrize(("searching", "word"), [(True, "searching…"), (False, "filtering…")])
def test_a_slow_run_says_what_it_is_doing_before_the_older_counts(searching, word):
    line = status_line(replace(SHOWN, busy=True, searching=searching), 200)
    assert line is not None and line.startswith(f"{word} · 12 of 40 rows")


def test_a_search_under_way_counts_its_matches_so_far():
    line = status_line(replace(SHOWN, complete=False, busy=True), 200)
    assert line is not None and line.startswith("searching… 12 of 40 rows so far")


def test_loading_replaces_the_counts_and_the_pane_note_comes_first():
    loading = Loading(megabytes=250.4, seconds=1.25, shown=500, estimate=1_000_000)
    line = status_line(replace(SHOWN, loading=loading, pane_note="User: jane"), 200) or ""
    assert line.startswith("User: jane · Loading 250 MB… 1.2 s · first 500 rows shown")
    assert "≈1,000,000 rows in all (estimated)" in line and "12 of 40" not in line


def test_filters_are_fitted_to_what_the_counts_and_notes_leave():
    full = "Application is one of: Okta Dashboard, Salesforce, Workday (SAML)"
    crowded = replace(
        SHOWN,
        filters=(full,),
        short_filters=("Application=Okta Dashboard+2",),
        export_note="Exporting 5 of 9 rows",
        sort="Outcome ▲",
    )
    wide, narrow = status_line(crowded, 200) or "", status_line(crowded, 100) or ""
    assert full in wide and full not in narrow
    assert "Application=Okta Dashboard+2" in narrow and narrow.endswith("sorted by Outcome ▲")


def test_an_invalid_search_is_said_first():
    line = status_line(replace(SHOWN, search_error="bad regex", pane_note="User: jane"), 200)
    assert line is not None and line.startswith("bad regex · User: jane · 12 of 40 rows")


def test_control_characters_in_a_note_are_shown_escaped():
    line = status_line(replace(SHOWN, pane_note="User: a\x1b[31mb"), 200) or ""
    assert "\x1b" not in line


async def test_the_bar_shows_the_apps_status_model():
    app = make_app([SMALL_LOG])
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        bar = app.query_one("#status", Static)
        assert app.status.shown == 12 and app.status.total == 12
        assert str(bar.render()) == status_line(app.status, 120)
        app.note_status(export_note="Exporting 1 of 2 rows")
        await pilot.pause()
        assert str(bar.render()) == status_line(app.status, 120)
        assert "Exporting 1 of 2 rows" in str(bar.render())


def test_what_runs_on_a_paged_log_is_said_first_once():
    line = status_line(Status(shown=5, total=10, busy=True, running="counting… 3 s"), 120)
    assert line is not None and line.startswith("counting… 3 s · 5 of 10 rows")
    assert "filtering…" not in line
