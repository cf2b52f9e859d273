"""End to end, issue 24's verbs: the real `connlog` in tmux, read off the screen."""

from __future__ import annotations

from conftest import SMALL_LOG
from tmuxterm import connlog_command


def test_a_piped_log_is_browsed_with_keys_from_the_terminal(terminal):
    for command in (connlog_command("-"), connlog_command("--exclude-app", "NetSuite")):
        term = terminal(f"cat '{SMALL_LOG}' | {command}", width=120, height=30)
        term.wait_for("of 12 rows", timeout=60)
        term.keys("/", "AADSTS70008", "Enter")
        term.wait_for("1 of 12 rows", timeout=60)
        term.keys("q")
        term.wait_for("EXIT=0", timeout=60)
