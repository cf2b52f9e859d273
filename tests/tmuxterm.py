"""Driving a real terminal: tmux runs a command at a given size; tests type keys and read
the screen. Shared by the end-to-end tests."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

TMUX = shutil.which("tmux") or "tmux (not installed: apt-get install tmux)"
# How long a wait for the screen may take: starting the app alone takes tens of seconds
# on a loaded 2-core machine. Waits end as soon as what they wait for shows, so a
# generous limit costs a passing test nothing.
WAIT = 120.0


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
        # Let programs set the clipboard with OSC 52: tmux keeps it as a paste buffer.
        self._tmux("set-option", "-g", "set-clipboard", "on")

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

    def type(self, text: str) -> None:
        """Send `text` literally in one burst (send-keys -l), as a paste or an SSH link
        delivers keys typed fast: `\t` is Tab, `\r` is Enter."""
        self._tmux("send-keys", "-t", "e2e", "-l", text)

    def wait_for(self, text: str, timeout: float = WAIT) -> str:
        """The screen once it shows `text`."""
        self.until(lambda: text in self.screen(), f"{text!r} never appeared", timeout)
        return self.screen()

    def until(self, condition: Callable[[], object], what: str, timeout: float = WAIT) -> None:
        """Wait until `condition()` holds; else fail with `what` and the screen."""
        deadline = time.monotonic() + timeout
        while not condition():
            if time.monotonic() > deadline:
                raise AssertionError(f"{what}; screen was:\n{self.screen()}")
            time.sleep(0.1)

    def resize(self, width: int, height: int) -> None:
        self._tmux("resize-window", "-t", "e2e", "-x", str(width), "-y", str(height))

    def clipboard(self) -> str:
        """What the program last copied (an OSC 52 request tmux accepted)."""
        try:
            return self._tmux("show-buffer")
        except subprocess.CalledProcessError:
            return ""

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


def installed_script() -> str | None:
    """The `connlog` console script installed beside this interpreter (a venv's bin/ need
    not be on PATH when its python runs the tests)."""
    beside = Path(sys.executable).with_name("connlog")
    return str(beside) if beside.exists() else shutil.which("connlog")


def connlog_command(*args: str) -> str:
    script = installed_script() or f"{sys.executable} -m connlog_tui"
    return " ".join([script, *(f"'{a}'" for a in args)])
