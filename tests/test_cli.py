"""The `connlog` command as written in the issue, run as a real process."""

from __future__ import annotations

import csv
import gc
import io
import os
import subprocess
import sys

import pytest
from conftest import SMALL_LOG

from connlog_tui import cli


def connlog(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "connlog_tui", *args],
        capture_output=True,
        text=True,
        input=stdin,
        timeout=120,
    )


def exported(result) -> list[dict]:
    assert result.returncode == 0, result.stderr
    return list(csv.DictReader(io.StringIO(result.stdout)))


def test_export_to_stdout_with_filters():
    result = connlog(
        "export", str(SMALL_LOG), "--action", "sso failed", "--action", "SLO FAILED", "-o", "-"
    )
    rows = exported(result)
    assert [r["Email ID/Login ID"] for r in rows] == [
        "bob.smith@acme.example",
        " carol@acme.example ",
        "jane.doe@acme.example",
        "mallory@acme.example",
    ]
    assert "wrote 4 of 12 rows" in result.stderr


def test_export_filters_user_dates_search_app_request_type():
    rows = exported(connlog("export", str(SMALL_LOG), "--user", "JANE", "-o", "-"))
    assert len(rows) == 4
    rows = exported(
        connlog(
            "export", str(SMALL_LOG), "--since", "2026-03-01", "--until", "2026-03-01", "-o", "-"
        )
    )
    assert len(rows) == 10
    rows = exported(connlog("export", str(SMALL_LOG), "--since", "2026-03-01T11:00:00Z", "-o", "-"))
    assert len(rows) == 6
    rows = exported(connlog("export", str(SMALL_LOG), "--search", "invalid_GRANT", "-o", "-"))
    assert [r["Application To/From"] for r in rows] == ["OAuth 2.0 Office 365"]
    rows = exported(
        connlog(
            "export",
            str(SMALL_LOG),
            "--app",
            "netsuite",
            "--request-type",
            "authentication-connections",
            "-o",
            "-",
        )
    )
    assert [r["Action"] for r in rows] == ["NA"]


def test_export_writes_the_format_its_extension_names(tmp_path):
    for name in ("out.csv", "out.jsonl", "out.json", "out.parquet"):
        result = connlog("export", str(SMALL_LOG), "-o", str(tmp_path / name))
        assert result.returncode == 0, result.stderr
    assert (tmp_path / "out.parquet").read_bytes()[:4] == b"PAR1"
    assert (tmp_path / "out.jsonl").read_text().count("\n") == 12
    again = connlog("export", str(SMALL_LOG), "-o", str(tmp_path / "out.csv"))
    assert again.returncode == 2 and "exists" in again.stderr


@pytest.mark.parametrize(
    "args, message",
    [
        (["export", "/nonexistent/log.csv", "-o", "-"], "/nonexistent/log.csv: no such file"),
        (["export", str(SMALL_LOG), "--since", "someday", "-o", "-"], "cannot read the date"),
        (["export", str(SMALL_LOG)], "required: -o"),
        (["/nonexistent/log.csv"], "/nonexistent/log.csv: no such file"),
        (["--bogus-flag"], "unrecognized arguments"),
    ],
)
def test_bad_input_and_usage_exit_2_without_traceback(args, message):
    result = connlog(*args)
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_error_lines_escape_control_characters(tmp_path):
    evil = tmp_path / "evil\x1b[31m.csv"
    result = connlog("export", str(evil), "-o", "-")
    assert result.returncode == 2
    assert "\x1b" not in result.stderr and "\\x1b[31m" in result.stderr


def test_help_shows_examples_and_formats_lists_readers():
    assert "examples:" in connlog("--help").stdout
    result = connlog("formats")
    assert result.returncode == 0 and "mangoapps" in result.stdout


def test_python_dash_m_and_console_script_agree():
    from tmuxterm import installed_script

    script = installed_script()
    assert script, "the connlog console script is installed by `pip install -e .`"
    result = subprocess.run([script, "formats"], capture_output=True, text=True, timeout=60)
    assert result.stdout == connlog("formats").stdout


def test_plus_addressing_finds_every_spelling_of_a_person():
    demo = str(SMALL_LOG.parents[1] / "connlog_tui" / "data" / "demo_connector_log.csv")
    plain = exported(connlog("export", demo, "--user", "jane.doe@acme-corp", "-o", "-"))
    tagged = exported(
        connlog("export", demo, "--user", "jane.doe@acme-corp", "--plus-addressing", "-o", "-")
    )
    spellings = {r["Email ID/Login ID"] for r in tagged}
    assert "jane.doe+sso@acme-corp.example" in spellings
    assert "jane.doe+sso@acme-corp.example" not in {r["Email ID/Login ID"] for r in plain}
    assert {"Jane.Doe@acme-corp.example", " jane.doe@acme-corp.example "} <= spellings
    assert len(tagged) > len(plain)


def test_no_log_given_offers_the_recent_ones(tmp_path):
    from connlog_tui import remembered

    remembered.add_recent([str(SMALL_LOG)])
    result = connlog()
    assert result.returncode == 2
    assert "no log given" in result.stderr and str(SMALL_LOG) in result.stderr


def test_browse_leaves_the_garbage_collector_on_when_it_stops_early(capsys):
    # Start-up runs with the collector off (see ui.heap.start_up); an error on the way must
    # not leave it off for whoever called main().
    assert cli.main(["/nonexistent/log.csv"]) == 2
    assert "no such file" in capsys.readouterr().err
    assert gc.isenabled()
    assert cli.main(["--config-path"]) == 0
    assert gc.isenabled()


def test_export_search_of_a_reopened_log_matches_the_first(tmp_path):
    """An export after the browser cached the log reopens it from the cache and searches
    its folded payloads: the same rows as the first, which searched the payloads."""
    import os
    from pathlib import Path

    from connlog_tui import cache, sources

    log = tmp_path / "log.csv"
    log.write_bytes(SMALL_LOG.read_bytes())
    first = exported(connlog("export", str(log), "--search", "Internal SERVER", "-o", "-"))
    sources.load([str(log)])  # as the browser opens it: writes the entry
    cache.wait()
    folded = list(Path(os.environ["CONNLOG_CACHE_DIR"]).glob("*/folded.arrow"))
    assert folded
    again = exported(connlog("export", str(log), "--search", "Internal SERVER", "-o", "-"))
    assert again == first and len(first) == 1


def test_a_reader_that_closed_the_pipe_gets_no_traceback():
    # `connlog formats | head -1`: the reader is gone before connlog writes.
    read_end, write_end = os.pipe()
    os.close(read_end)
    with os.fdopen(write_end, "wb") as out:
        result = subprocess.run(
            [sys.executable, "-m", "connlog_tui", "formats"],
            # Buffered, as by default: the write then fails at the last flush.
            env={k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"},
            stdout=out,
            stderr=subprocess.PIPE,
            text=True,
            timeout=60,
        )
    assert "Traceback" not in result.stderr and "Error" not in result.stderr
