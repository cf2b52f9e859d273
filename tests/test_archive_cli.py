"""`connlog export ARCHIVE_DIR [FILTERS] -o OUT`: a hive-partitioned Parquet archive,
built with connlog's own Parquet export one UTC day at a time, exports the same bytes as
the same filters over the source logs."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import pytest

from connlog_tui import cli, sources

SOURCES = cli.demo_paths()
FIRST_DAY, DAYS = date(2026, 3, 2), 8  # the demo logs' UTC days


def not_loaded(*args, **kwargs):
    raise AssertionError("the archive was loaded into memory")


def export(*args: str) -> int:
    return cli.main(["export", "--no-cache", *args])


@pytest.fixture(scope="module")
def archive(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("archive") / "connlog"
    with pytest.MonkeyPatch.context() as env:  # no real user config, views or cache
        env.setenv("XDG_CONFIG_HOME", str(root.parent / "config"))
        env.setenv("XDG_STATE_HOME", str(root.parent / "state"))
        for n in range(DAYS):
            day = str(FIRST_DAY + timedelta(days=n))
            out = root / f"date={day}" / "day.parquet"
            out.parent.mkdir(parents=True)
            assert (
                export(*SOURCES, "--tz", "UTC", "--since", day, "--until", day, "-o", str(out)) == 0
            )
    return root


FILTERS = {
    "none": [],
    "picks": [
        "--action",
        "sso failed",
        "--action",
        "SLO FAILED",
        "--app",
        "workday (saml)",
        "--app",
        "SALESFORCE (SAML)",
    ],
    "user and time": ["--user", "BEN", "--since", "2026-03-04 10:30", "--until", "2026-03-07"],
    "search": ["--search", "SAMLResponse", "--request-type", "authentication-applications"],
    "zone": ["--tz", "Europe/Berlin", "--since", "2026-03-05 00:30", "--until", "2026-03-06 01:15"],
}


@pytest.mark.parametrize("name", FILTERS)
def test_archive_exports_the_same_bytes_as_the_sources(
    archive, tmp_path, capsys, monkeypatch, name
):
    theirs, mine = tmp_path / "sources.csv", tmp_path / "archive.csv"
    assert export(*SOURCES, *FILTERS[name], "-o", str(theirs)) == 0
    expected = capsys.readouterr().err
    # The archive is scanned lazily (ArchiveLog), never loaded as a folder of logs.
    monkeypatch.setattr(sources, "load", not_loaded)
    assert export(str(archive), *FILTERS[name], "-o", str(mine)) == 0
    said = capsys.readouterr().err
    assert mine.read_bytes() == theirs.read_bytes()
    assert said.split(" to ")[0] == expected.split(" to ")[0]  # "wrote N of 2345 rows"
    assert "of 2345 rows" in said
    assert list(csv.DictReader(theirs.open(newline="")))  # the filters select some rows


@pytest.mark.parametrize("suffix", [".jsonl", ".json", ".parquet"])
def test_other_formats_match_too(archive, tmp_path, suffix):
    picks = FILTERS["picks"]
    theirs, mine = tmp_path / f"sources{suffix}", tmp_path / f"archive{suffix}"
    assert export(*SOURCES, *picks, "-o", str(theirs)) == 0
    assert export(str(archive), *picks, "-o", str(mine)) == 0
    if suffix == ".parquet":
        import polars as pl

        assert pl.read_parquet(mine).equals(pl.read_parquet(theirs))
    else:
        assert mine.read_bytes() == theirs.read_bytes()


def test_archive_to_stdout_and_redacted(archive):
    run = [sys.executable, "-m", "connlog_tui", "export", "--no-cache"]
    args = [*FILTERS["picks"], "-o", "-"]
    mine = subprocess.run([*run, str(archive), *args], capture_output=True, timeout=120)
    theirs = subprocess.run([*run, *SOURCES, *args], capture_output=True, timeout=120)
    assert mine.returncode == theirs.returncode == 0, mine.stderr
    assert mine.stdout == theirs.stdout and b"@acme-corp.example" in mine.stdout
    # Redaction keys its masks afresh each run: the same rows, none of their addresses.
    masked = subprocess.run([*run, str(archive), *args, "--redact"], capture_output=True)
    assert masked.returncode == 0, masked.stderr
    rows = list(csv.DictReader(io.StringIO(masked.stdout.decode())))
    assert len(rows) == len(list(csv.DictReader(io.StringIO(mine.stdout.decode())))) > 0
    assert all(r["Email ID/Login ID"].startswith("user-") for r in rows)


def test_provenance_names_the_archive(archive, tmp_path):
    out = tmp_path / "failures.csv"
    assert export(str(archive), "--action", "SSO Failed", "--provenance", "-o", str(out)) == 0
    record = json.loads((tmp_path / "failures.csv.provenance.json").read_text())
    assert record["rows"] == len(list(csv.DictReader(out.open(newline="")))) > 0
    assert record["filters"] == ["Action=SSO Failed"]
    assert all(str(archive) in s for s in record["sources"]) and record["sources"]


@pytest.mark.parametrize(
    "flags", [["--failures-only"], ["--diagnose", "--app", "workday (saml)"]], ids=str
)
def test_diagnosed_exports_are_the_loaded_logs(archive, tmp_path, monkeypatch, flags):
    assert export(*SOURCES, *flags, "-o", str(tmp_path / "memory.csv")) == 0
    monkeypatch.setattr(sources, "load", not_loaded)
    assert export(str(archive), *flags, "-o", str(tmp_path / "archive.csv")) == 0
    mine = (tmp_path / "archive.csv").read_bytes()
    assert mine == (tmp_path / "memory.csv").read_bytes()
    assert b"Diagnosis" in mine.splitlines()[0] and len(mine.splitlines()) > 10


def test_diagnoses_of_an_archive_are_bounded(archive, tmp_path, capsys, monkeypatch):
    from connlog_tui.logs import failures

    monkeypatch.setattr(failures, "MAX_TRIAGE_ROWS", 10)
    out = tmp_path / "x.csv"
    assert export(str(archive), "--failures-only", "-o", str(out)) == 2
    err = capsys.readouterr().err
    assert "decode at most 10 rows of this archive; these filters select 147" in err
    assert not out.exists()


def test_what_an_archive_cannot_do_is_one_line(archive, tmp_path, capsys):
    out = str(tmp_path / "x.csv")
    assert export(str(archive), SOURCES[0], "-o", out) == 2
    assert "opened on its own" in capsys.readouterr().err
    assert export(str(archive), "--format", "okta", "-o", out) == 2
    assert "--format and --map" in capsys.readouterr().err
    assert not Path(out).exists()


def test_a_broken_file_in_the_archive_is_named(archive, tmp_path, capsys):
    broken = tmp_path / "broken"
    (broken / "date=2026-03-02").mkdir(parents=True)
    (broken / "date=2026-03-02" / "day.parquet").write_bytes(b"not parquet")
    assert export(str(broken), "-o", str(tmp_path / "x.csv")) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "day.parquet" in err and "Traceback" not in err


def test_report_on_an_archive(archive, tmp_path, capsys):
    assert export(str(archive), "--report", "-o", str(tmp_path / "x.csv")) == 0
    assert "2345 rows (archive: none quarantined)" in capsys.readouterr().err


def test_browsing_an_archive_opens_it_through_the_seam(archive, monkeypatch):
    from connlog_tui.ui.app import ConnlogApp

    opened = []
    monkeypatch.setattr(ConnlogApp, "run", lambda app: opened.append(app.options))
    monkeypatch.setattr(sources, "load", not_loaded)
    assert cli.main([str(archive), "--action", "SSO Failed"]) == 0
    (options,) = opened
    assert options.archive == str(archive) and options.preview is None
    assert cli.main([str(archive), "--follow"]) == 2


@pytest.mark.parametrize("by", ["action", "client.userAgent.browser"])
def test_count_of_an_archive_is_the_count_of_its_sources(archive, monkeypatch, capsys, by):
    picks = FILTERS["user and time"]
    assert cli.main(["count", *SOURCES, "--no-cache", *picks, "--by", by, "--json"]) == 0
    expected = json.loads(capsys.readouterr().out)
    monkeypatch.setattr(sources, "load", not_loaded)
    assert cli.main(["count", str(archive), *picks, "--by", by, "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == expected
    assert expected["values"] and expected["of"] == 2345


def test_archive_to_stdout_whose_reader_goes_away_ends_quietly(archive):
    """`connlog export ARCHIVE -o - | head`: the streamed export meets a closed pipe; it
    ends as a process stopped by SIGPIPE does (141), saying nothing."""
    run = [sys.executable, "-m", "connlog_tui", "export", "--no-cache", str(archive), "-o", "-"]
    proc = subprocess.Popen(run, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdout is not None and proc.stdout.readline().startswith(b"Date,")
    proc.stdout.close()  # the reader goes away with the rest unread (far over a pipe's buffer)
    _, said = proc.communicate(timeout=120)
    assert (proc.returncode, said) == (141, b"")
