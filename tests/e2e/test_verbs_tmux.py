"""End to end, issue 24's verbs: the real `connlog` in tmux, read off the screen."""

from __future__ import annotations

import time

from conftest import SMALL_LOG
from tmuxterm import connlog_command


def test_a_piped_log_is_browsed_with_keys_from_the_terminal(terminal):
    for command in (connlog_command("-"), connlog_command("--exclude-app", "NetSuite")):
        term = terminal(f"cat '{SMALL_LOG}' | {command}", width=120, height=30)
        term.wait_for("of 12 rows")
        term.keys("/", "AADSTS70008", "Enter")
        term.wait_for(" 1 of 12 rows · ")  # not "11 of 12"
        term.keys("q")
        term.wait_for("EXIT=0")


def test_exclude_regex_next_match_jump_count_mark_and_export(terminal, tmp_path):
    import csv

    out = tmp_path / "marked.csv"
    log = tmp_path / "log.csv"
    log.write_bytes(SMALL_LOG.read_bytes())
    term = terminal(f"cd {tmp_path} && " + connlog_command(str(log)), width=150, height=40)
    term.wait_for("12 of 12 rows")
    term.keys("Right", "Right")  # the column cursor on Application To/From
    term.keys("-")  # hide the selected (newest) row's app
    term.wait_for("≠ OAuth 2.0 Google Apps")
    term.wait_for("9 of 12 rows")
    term.keys("/", r"re:aadsts\d+", "Enter")
    term.wait_for("1 of 12 rows")
    term.keys("n")  # the whole view back, the cursor on the match
    term.wait_for("n/N: regex")
    term.wait_for("9 of 12 rows")
    term.keys(":")
    term.wait_for("Jump to a time")
    term.keys("2026-03-01 11:29", "Enter")
    term.wait_for("2026-03-01 11:30:00 UTC  SLO Initiated")  # in the detail panel
    term.keys("#")
    term.wait_for("values in 9 rows · enter filters, - hides")
    term.keys("Escape")
    time.sleep(1)  # an escape followed at once by a key is read as alt+key
    term.keys("m")
    term.wait_for("Marked the row")
    term.keys("M")
    term.wait_for("A note on this row")
    term.keys("call the IdP", "Enter")
    term.wait_for("Note kept")
    term.keys("e")
    term.wait_for("Export 9 rows")
    time.sleep(0.5)  # the path box takes the keys once the dialog has focused it
    term.keys("C-u", str(out))
    term.wait_for(out.name)
    term.keys("Enter")
    term.wait_for("Exported 9 rows")
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    noted = [r for r in rows if r["Note"]]
    assert [(r["Note"], r["Request"]) for r in noted] == [("call the IdP", "GET /logout?user=jane")]
    term.keys("q")
    term.wait_for("EXIT=0")
