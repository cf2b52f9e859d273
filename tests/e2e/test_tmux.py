"""End to end: the real `connlog` command in a real terminal (tmux), read off the screen."""

from __future__ import annotations

from pathlib import Path

from conftest import SMALL_LOG

# The `terminal` fixture comes from tests/tmuxterm.py. tmux is not optional: these tests
# are the proof that the real command works in a terminal.
from tmuxterm import connlog_command


def wait_for_export(term, out: Path, rows: int) -> None:
    """The export's toast; when it never shows, say whether the file was written, to tell
    a missed toast from an export that never ran (a CI run once timed out here)."""
    try:
        term.wait_for(f"Exported {rows} rows")
    except AssertionError as exc:
        written = f"{out.stat().st_size} bytes" if out.exists() else "not written"
        raise AssertionError(f"{exc}\n(the export file: {written})") from None


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
    term.keys("C-u", str(out))
    term.wait_for(out.name)  # typed into the path box (it has focus once the dialog is up)
    term.keys("Enter")
    wait_for_export(term, out, 1)
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


def test_lean_mode_reads_payloads_from_disk(terminal, tmp_path: Path):
    # --lean: the payloads stay in the Parquet cache; search, the payload panel and an
    # export still reach them.
    out = tmp_path / "lean.csv"
    term = terminal(f"cd {tmp_path} && " + connlog_command(str(SMALL_LOG), "--lean"))
    screen = term.wait_for("12 of 12 rows")
    assert "lean: payloads on disk" in screen
    term.keys("/", "AADSTS70008", "Enter")  # only in a response payload
    term.wait_for("1 of 12 rows")
    term.keys("Enter")
    term.wait_for("The provided authorization code has")
    term.keys("Escape")
    term.wait_for("1 of 12 rows")
    term.keys("e")
    term.wait_for("Export 1 rows")
    term.keys("C-u", str(out))
    term.wait_for(out.name)
    term.keys("Enter")
    wait_for_export(term, out, 1)
    assert "AADSTS70008" in out.read_text()
    term.keys("q")
    term.wait_for("EXIT=0")
