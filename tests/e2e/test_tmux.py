"""End to end: the real `connlog` command in a real terminal (tmux), read off the screen."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import SMALL_LOG

# Not skipped when missing: this test is the proof the real command works in a terminal.
TMUX = shutil.which("tmux") or "tmux (not installed: apt-get install tmux)"


class Terminal:
    def __init__(self, command: str, width: int = 80, height: int = 24) -> None:
        self.socket = f"connlog-e2e-{os.getpid()}-{time.monotonic_ns()}"
        self._tmux(
            "new-session",
            "-d",
            "-s",
            "e2e",
            "-x",
            str(width),
            "-y",
            str(height),
            f"{command}; echo EXIT=$?; sleep 30",
        )

    def _tmux(self, *args: str) -> str:
        env = dict(os.environ, TERM="xterm-256color")
        result = subprocess.run(
            [TMUX, "-L", self.socket, *args], capture_output=True, text=True, env=env, check=True
        )
        return result.stdout

    def screen(self) -> str:
        return self._tmux("capture-pane", "-p", "-J", "-t", "e2e")

    def keys(self, *keys: str) -> None:
        for key in keys:
            self._tmux("send-keys", "-t", "e2e", key)
            time.sleep(0.05)

    def wait_for(self, text: str, timeout: float = 30.0) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            screen = self.screen()
            if text in screen:
                return screen
            time.sleep(0.1)
        raise AssertionError(f"{text!r} never appeared; screen was:\n{self.screen()}")

    def close(self) -> None:
        subprocess.run([TMUX, "-L", self.socket, "kill-server"], capture_output=True)


@pytest.fixture
def terminal():
    opened: list[Terminal] = []

    def _open(command: str, width: int = 80, height: int = 24) -> Terminal:
        opened.append(Terminal(command, width, height))
        return opened[-1]

    yield _open
    for term in opened:
        term.close()


def connlog_command(*args: str) -> str:
    script = shutil.which("connlog") or f"{sys.executable} -m connlog_tui"
    return " ".join([script, *(f"'{a}'" for a in args)])


def test_triage_a_failure_with_keys_only(terminal, tmp_path: Path):
    out = tmp_path / "failures.csv"
    term = terminal(f"cd {tmp_path} && " + connlog_command(str(SMALL_LOG)))
    screen = term.wait_for("12 of 12 rows")
    assert "Date (UTC)" in screen and "Email ID/Login ID" in screen
    term.keys("/", "AADSTS70008", "Enter")
    term.wait_for("1 of 12 rows")
    term.keys("Enter")
    screen = term.wait_for("The provided authorization code has")
    assert "OAuth error: invalid_grant" in screen
    term.keys("Escape")
    term.wait_for("1 of 12 rows")  # the status bar is back: the payloads closed
    term.keys("e")
    term.wait_for("Export 1 rows")
    term.keys("C-u", str(out), "Enter")
    term.wait_for("Exported 1 rows")
    assert out.read_text().count("OAuth 2.0 Office 365") == 1
    term.keys("q")
    term.wait_for("EXIT=0")


def test_bad_input_prints_one_line_and_exits_2(terminal, tmp_path: Path):
    term = terminal(connlog_command(str(tmp_path / "missing.csv")))
    screen = term.wait_for("EXIT=2")
    assert "missing.csv: no such file" in screen
    assert "Traceback" not in screen


def test_hostile_text_never_reaches_the_terminal(terminal):
    term = terminal(connlog_command(str(SMALL_LOG), "--user", "mallory"), width=120, height=40)
    term.wait_for("1 of 12 rows")
    # The response holds Rich markup and a real ESC sequence: both show as plain text.
    screen = term.wait_for("[link=https://evil.example]click[/link]")
    assert "\\x1b[31mred\\x1b[0m" in screen
