"""Line numbers of CSV records: counted cell by cell only when some record spans lines;
either way a quarantined row names the line it starts on."""

from __future__ import annotations

import pytest
from conftest import HEADER

from connlog_tui import sources
from connlog_tui.sources import base, mangoapps


def row(date: str, request: str = "r") -> str:
    return f"{date},App,SSO Failed,Authentication-Applications,u@acme.example,{request},\n"


@pytest.mark.parametrize("trailing_newline", [True, False])
def test_one_line_records_skip_the_cell_by_cell_count(write, monkeypatch, trailing_newline):
    counted = []
    real = base.record_starts
    monkeypatch.setattr(mangoapps, "record_starts", lambda *a: counted.append(1) or real(*a))
    text = HEADER + "\n" + row("2026-03-01T10:00:00Z") + row("soon") + row("2026-03-01 10:00:02")
    path = write("log.csv", text if trailing_newline else text.rstrip("\n"))
    result = sources.load([str(path)], use_cache=False)
    assert counted == []
    assert result.frame.height == 2
    assert result.quarantine.select("line", "reason").rows() == [(3, "unreadable date: soon")]


def test_a_record_spanning_lines_is_counted_cell_by_cell(write, monkeypatch):
    counted = []
    real = base.record_starts
    monkeypatch.setattr(mangoapps, "record_starts", lambda *a: counted.append(1) or real(*a))
    rows = row("2026-03-01T10:00:00Z", '"two\nlines"') + row("soon") + row("2026-03-01T10:00:02Z")
    result = sources.load([str(write("log.csv", HEADER + "\n" + rows))], use_cache=False)
    assert counted == [1]
    assert result.quarantine.select("line", "reason").rows() == [(4, "unreadable date: soon")]


def test_file_lines_counts_lines_not_records(write):
    plain = write("a.csv", HEADER + "\n" + row("x") + row("y"))
    spanning = write("b.csv", HEADER + "\n" + row("x", '"a\nb"') + row("y"))
    cut = write("c.csv", HEADER + "\n" + row("x") + row("y").rstrip("\n"))
    assert base.file_lines(base.open_source(plain, "a")) == 3
    assert base.file_lines(base.open_source(spanning, "b")) == 4
    assert base.file_lines(base.open_source(cut, "c")) == 3


def test_valid_utf8_is_read_once_and_invalid_bytes_are_replaced(write, monkeypatch):
    encodings = []
    real = mangoapps.pl.read_csv
    # The records' parses only (not base.lines_of, which reads a row's line back with
    # another separator when its last field is empty, to count its fields).
    monkeypatch.setattr(
        mangoapps.pl,
        "read_csv",
        lambda *a, **k: (
            (k.get("separator", ",") == "," and encodings.append(k.get("encoding")))
            or real(*a, **k)
        ),
    )
    good = write("good.csv", HEADER + "\n" + row("2026-03-01T10:00:00Z", "café"))
    assert sources.load([str(good)], use_cache=False).frame["request"].to_list() == ["café"]
    assert encodings == ["utf8"]
    bad = write("bad.csv", (HEADER + "\n" + row("2026-03-01T10:00:00Z", "caf#")).encode())
    bad.write_bytes(bad.read_bytes().replace(b"#", b"\xe9"))
    encodings.clear()
    assert sources.load([str(bad)], use_cache=False).frame["request"].to_list() == ["caf\ufffd"]
    assert encodings == ["utf8", "utf8-lossy"]


def test_a_log_without_quarantined_rows_numbers_no_lines(write, monkeypatch):
    # Line numbers serve only quarantine entries: a clean log costs no line count at all.
    counted = []
    monkeypatch.setattr(mangoapps, "record_starts", lambda *a: counted.append("cells"))
    monkeypatch.setattr(mangoapps, "file_lines", lambda *a: counted.append("file"))
    rows = row("2026-03-01T10:00:00Z", '"two\nlines"') + row("2026-03-01 10:00:02")
    rows = rows.replace(",\n", ",ok\n")  # no empty last field: no record can be short
    result = sources.load([str(write("log.csv", HEADER + "\n" + rows))], use_cache=False)
    assert result.frame.height == 2 and result.quarantine.height == 0
    assert counted == []
