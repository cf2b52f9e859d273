"""Over SSH, for real: an OpenSSH server on 127.0.0.1 (a high port, keys made here), the
real `connlog` run through `ssh -t` inside tmux at 80x24, and a failure triaged with keys
only: filter to SSO Failed, open a payload, copy it, export the view, then resize."""

from __future__ import annotations

import csv
import getpass
import os
import shlex
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import SMALL_LOG

SSHD = shutil.which("sshd") or "/usr/sbin/sshd"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def ssh_server(tmp_path: Path):
    """An sshd on 127.0.0.1 that lets in the key it was made with; stops after the test."""
    keys = tmp_path / "keys"
    keys.mkdir()
    for name in ("host", "client"):
        subprocess.run(
            ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(keys / name)], check=True
        )
    (keys / "authorized_keys").write_text((keys / "client.pub").read_text())
    port = free_port()
    config = tmp_path / "sshd_config"
    config.write_text(
        f"Port {port}\nListenAddress 127.0.0.1\nHostKey {keys / 'host'}\n"
        f"AuthorizedKeysFile {keys / 'authorized_keys'}\nPidFile {tmp_path / 'sshd.pid'}\n"
        "PasswordAuthentication no\nKbdInteractiveAuthentication no\nUsePAM no\n"
        "PermitRootLogin prohibit-password\nStrictModes no\nPrintMotd no\n"
    )
    Path("/run/sshd").mkdir(exist_ok=True)  # sshd's privilege-separation directory
    server = subprocess.Popen([SSHD, "-D", "-E", str(tmp_path / "sshd.log"), "-f", str(config)])
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                break
        time.sleep(0.1)
    else:
        server.kill()
        raise AssertionError(f"sshd did not start: {(tmp_path / 'sshd.log').read_text()}")
    yield port, keys / "client"
    server.terminate()
    server.wait(5)


def test_triage_over_ssh_with_keys_only(ssh_server, terminal, tmp_path: Path):
    port, key = ssh_server
    # The remote side runs the same interpreter's connlog, in this test's private dirs.
    env = " ".join(f"{k}={shlex.quote(v)}" for k, v in os.environ.items() if k.startswith("XDG_"))
    remote = (
        f"cd {shlex.quote(str(tmp_path))} && env {env} TERM=xterm-256color "
        f"{shlex.quote(sys.executable)} -m connlog_tui {shlex.quote(str(SMALL_LOG))}"
    )
    command = (
        f"ssh -t -p {port} -i {key} -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null "
        f"-o LogLevel=ERROR {getpass.getuser()}@127.0.0.1 {shlex.quote(remote)}"
    )
    term = terminal(command, width=80, height=24)
    term.wait_for("12 of 12 rows")
    # Filter to SSO Failed from the Action pane: f shows the panes, the first value of
    # Action (most frequent, ties alphabetical) is SSO Failed.
    term.keys("f")
    term.wait_for("SSO Failed")
    term.keys("Down", "Space")
    term.wait_for("3 of 12 rows")
    term.keys("f")  # hide the panes again: back to the table, at the newest row
    time.sleep(0.3)
    term.keys("g", "Enter")  # the oldest failure: bob's
    screen = term.wait_for("access_denied")
    assert "User account disabled" in screen
    term.keys("y")
    term.wait_for("Copied the response payload")
    term.until(lambda: "access_denied" in term.clipboard(), "nothing copied")
    assert "User account disabled" in term.clipboard()  # OSC 52 came through ssh and tmux
    term.keys("Escape")
    term.wait_for("3 of 12 rows")
    term.keys("e")
    term.wait_for("Export 3 rows")
    # Take the suggested name: a timestamped CSV in the working directory (here tmp_path).
    time.sleep(0.3)
    term.keys("Enter")
    term.until(lambda: list(tmp_path.glob("connlog-export-*.csv")), "no export appeared")
    out = next(tmp_path.glob("connlog-export-*.csv"))
    rows = list(csv.DictReader(out.open()))
    assert [row["Action"] for row in rows] == ["SSO Failed"] * 3
    # A bigger window: the layout follows (panes beside the table, more columns).
    term.resize(130, 40)
    screen = term.wait_for("Application To/From")
    assert "Request Type" in screen and "3 of 12 rows" in screen
    term.keys("q")
    term.wait_for("EXIT=0")


def ssh_connlog(port: int, key: Path, cwd: Path) -> str:
    """The command that runs connlog on SMALL_LOG over `ssh -t`, in `cwd`."""
    env = " ".join(f"{k}={shlex.quote(v)}" for k, v in os.environ.items() if k.startswith("XDG_"))
    remote = (
        f"cd {shlex.quote(str(cwd))} && env {env} TERM=xterm-256color "
        f"{shlex.quote(sys.executable)} -m connlog_tui {shlex.quote(str(SMALL_LOG))}"
    )
    return (
        f"ssh -t -p {port} -i {key} -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null "
        f"-o LogLevel=ERROR {getpass.getuser()}@127.0.0.1 {shlex.quote(remote)}"
    )


def test_keys_typed_in_one_burst_over_ssh(ssh_server, terminal, tmp_path: Path):
    """Typeahead: `e` + a long absolute path + Enter, and `d` + since<Tab>until<Enter>,
    each sent as one write, land in the dialog and the date fields in order."""
    port, key = ssh_server
    term = terminal(ssh_connlog(port, key, tmp_path), width=80, height=24)
    term.wait_for("12 of 12 rows")
    time.sleep(0.5)
    term.type("d2026-03-01 09:00\t2026-03-01 09:06\r")
    term.wait_for("5 of 12 rows")
    term.keys("Escape")  # back to the table; alone: an Escape followed at once by `e` is Alt+e
    time.sleep(1)
    out = tmp_path / "incident-INC0012345" / "workday-sso-failures-2026-03-01-morning.csv"
    out.parent.mkdir()
    term.type(f"e{out}\r")
    term.until(out.exists, f"{out} not written")
    with out.open(newline="") as f:
        assert len(list(csv.DictReader(f))) == 5
    assert not list(tmp_path.glob("connlog-export-*"))  # not the default name
    term.keys("q")
    term.wait_for("EXIT=0")
