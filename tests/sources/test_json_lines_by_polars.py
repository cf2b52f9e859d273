"""MangoApps JSON Lines: read by Polars when every line is a record of string fields, and
line by line otherwise; both ways give the same rows and quarantine."""

from __future__ import annotations

import json

import polars as pl
import pytest

from connlog_tui import sources
from connlog_tui.sources.mangoapps import MangoAppsReader


def record(n: int, **extra) -> dict:
    found = {
        "Date": ["2026-03-01T09:00:00Z", "2026-03-01 09:00:01", "03/01/2026 09:00:02 AM"][n % 3],
        "Application To/From": "Okta",
        "Action": "SSO Failed",
        "Request Type": "Authentication-Connections",
        "Email ID/Login ID": f"zoë.müller{n}@acme.example",
        "Request": f"SAMLResponse=abc{n}",
        "Response": '{"error": "denied"}',
    }
    return found | extra


def line_by_line(path, monkeypatch) -> sources.ReadResult:
    monkeypatch.setattr(MangoAppsReader, "_json_lines_by_polars", lambda self, source: None)
    return sources.load([str(path)], use_cache=False)


def test_string_fields_are_read_by_polars_as_line_by_line(write, monkeypatch):
    rows = [record(i) for i in range(30)]
    rows[3]["Request"] = ""  # reads as an empty CSV cell: null
    rows[4]["Response"] = None
    del rows[5]["Email ID/Login ID"]
    rows[6]["Date"] = "not a date"  # quarantined with its line
    rows[7]["Request"] = '=HYPERLINK("x")\u2028\u0000tab\there'
    path = write(
        "log.jsonl", "\n".join(json.dumps(r, ensure_ascii=n % 2) for n, r in enumerate(rows))
    )
    parsed = []
    real = json.loads
    monkeypatch.setattr(json, "loads", lambda *a, **k: parsed.append(1) or real(*a, **k))
    fast = sources.load([str(path)], use_cache=False)
    assert len(parsed) <= 30  # the key sample only: Polars read the records
    slow = line_by_line(path, monkeypatch)
    assert len(parsed) > 30
    assert fast.frame.height == 29
    assert fast.frame.equals(slow.frame)
    assert fast.quarantine.equals(slow.quarantine)
    assert fast.quarantine.select("line", "reason").rows() == [(7, "unreadable date: not a date")]


@pytest.mark.parametrize(
    "change",
    [
        lambda lines: lines.__setitem__(2, json.dumps(record(2, Response={"error": "x"}))),
        lambda lines: lines.__setitem__(2, json.dumps(record(2, Date=1772366400))),
        lambda lines: lines.insert(2, ""),
        lambda lines: lines.__setitem__(2, lines[2][:20]),
        lambda lines: lines.__setitem__(2, "[1, 2]"),
        lambda lines: lines.__setitem__(2, lines[2] + ", " + lines[2]),
        lambda lines: lines.__setitem__(slice(2, 3), [lines[2][:40], lines[2][40:]]),
    ],
    ids=[
        "object value",
        "number date",
        "blank line",
        "broken line",
        "not an object",
        "two records on a line",
        "a record over two lines",
    ],
)
def test_other_files_read_line_by_line(write, monkeypatch, change):
    lines = [json.dumps(record(i)) for i in range(6)]
    change(lines)
    path = write("log.jsonl", "\n".join(lines) + "\n")
    reader = MangoAppsReader()
    assert reader._json_lines_by_polars(sources.open_source(path, str(path))) is None
    result = sources.load([str(path)], use_cache=False)
    assert result.frame.height + result.quarantine.height == sum(1 for x in lines if x.strip())
    assert result.frame["user"].cast(pl.String).str.starts_with("zoë").all()


def test_a_bom_or_gzip_json_lines_file_reads_the_same(write, monkeypatch):
    import gzip

    text = "\n".join(json.dumps(record(i)) for i in range(5)) + "\n"
    plain = sources.load([str(write("a.jsonl", text))], use_cache=False)
    for path in (
        write("b.jsonl", "\ufeff" + text),
        write("c.jsonl.gz", gzip.compress(text.encode())),
    ):
        reader = MangoAppsReader()
        assert reader._json_lines_by_polars(sources.open_source(path, str(path))) is not None
        found = sources.load([str(path)], use_cache=False)
        assert found.frame.drop("source").equals(plain.frame.drop("source"))


@pytest.mark.parametrize("bad_date", [False, True])
def test_a_blank_line_past_the_key_sample_reads_as_line_by_line(write, monkeypatch, bad_date):
    """Polars skips a blank line, as the slow path does, so the rows are the same; the
    lines are counted when a row is quarantined, and the row count tells a file with a
    blank line (its rows then numbered by the slow path) from a file of records only."""
    lines = [json.dumps(record(i % 6)) for i in range(1200)]
    lines.insert(1100, "")
    if bad_date:
        lines[1150] = json.dumps(record(0, Date="not a date"))
    path = write("log.jsonl", "\n".join(lines) + "\n")
    reader = MangoAppsReader()
    fast = reader._json_lines_by_polars(sources.open_source(path, str(path)))
    assert (fast is None) == bad_date
    result = sources.load([str(path)], use_cache=False)
    assert result.frame.height + result.quarantine.height == 1200
    slow = line_by_line(path, monkeypatch)
    assert result.frame.equals(slow.frame) and result.quarantine.equals(slow.quarantine)
    if bad_date:
        assert result.quarantine["line"].to_list() == [1151]
