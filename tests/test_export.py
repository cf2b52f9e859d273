"""Exports: every row, every format, atomic, guarded, and read back as they were."""

from __future__ import annotations

import csv
import io
import json

import polars as pl
import pytest
from conftest import SMALL_LOG

from connlog_tui import query
from connlog_tui.errors import ConnlogError
from connlog_tui.export import ExportOptions, export
from connlog_tui.schema import HEADERS
from connlog_tui.sources import load


def whole_view(path) -> pl.DataFrame:
    frame = load([str(path)]).frame
    return query.view_frame(frame, query.run(frame, query.FilterState()).indices)


@pytest.mark.parametrize("suffix", [".csv", ".jsonl", ".json", ".parquet"])
def test_export_then_export_the_export_is_byte_identical(tmp_path, suffix):
    first = tmp_path / f"first{suffix}"
    second = tmp_path / f"second{suffix}"
    assert export(whole_view(SMALL_LOG), str(first)) == 12
    assert export(whole_view(first), str(second)) == 12
    assert first.read_bytes() == second.read_bytes()
    # ...and the rows read back are the rows exported, source column included.
    assert whole_view(first).equals(whole_view(SMALL_LOG))


def test_csv_export_has_display_headers_and_utc_iso_times(tmp_path):
    out = tmp_path / "out.csv"
    export(whole_view(SMALL_LOG), str(out))
    rows = list(csv.DictReader(io.StringIO(out.read_text())))
    assert list(rows[0]) == list(HEADERS.values())
    assert rows[1]["Date"] == "2026-03-01T09:00:00Z"  # was 10:00:00+01:00 in the log
    assert rows[10]["Date"] == "2026-03-02T08:00:00.250Z"
    assert rows[0]["Source"] == str(SMALL_LOG)


def test_csv_export_guards_formula_cells(tmp_path):
    out = tmp_path / "out.csv"
    export(whole_view(SMALL_LOG), str(out))
    rows = list(csv.DictReader(io.StringIO(out.read_text())))
    by_user = {r["Email ID/Login ID"]: r for r in rows}
    assert by_user["frank@acme.example"]["Response"] == "'=cmd|' /C calc'!A0"
    for row in rows:
        for value in row.values():
            assert not value or value[0] not in "=+-@\t\r"
    raw = tmp_path / "raw.csv"
    export(whole_view(SMALL_LOG), str(raw), ExportOptions(guard=False))
    raw_rows = list(csv.DictReader(io.StringIO(raw.read_text())))
    assert raw_rows[-1]["Response"] == "=cmd|' /C calc'!A0"


def test_guard_is_undone_exactly_even_for_quoted_values(write, tmp_path):
    header = "Date,Application To/From,Action,Request Type,Email ID/Login ID,Request,Response"
    log = write("q.csv", f"{header}\n2026-03-01T09:00:00Z,A,NA,Logout-Connections,u,'=x,-1\n")
    out = tmp_path / "out.csv"
    export(whole_view(log), str(out))
    assert "''=x,'-1" in out.read_text()
    back = whole_view(out).row(0, named=True)
    assert (back["request"], back["response"]) == ("'=x", "-1")


def test_guard_leaves_quoted_text_that_is_no_formula(write, tmp_path):
    """A cell starting with a quote but no formula after it is written as it is; only the
    columns with a formula-like cell are guarded, in every slice of the export."""
    header = "Date,Application To/From,Action,Request Type,Email ID/Login ID,Request,Response"
    rows = "\n".join(
        f"2026-03-01T09:00:0{i}Z,A,NA,Logout-Connections,u{i},'plain,{'@x' if i else 'ok'}"
        for i in range(3)
    )
    log = write("q.csv", f"{header}\n{rows}\n")
    out = tmp_path / "out.csv"
    export(whole_view(log), str(out), ExportOptions(chunk_rows=1))
    got = list(csv.DictReader(io.StringIO(out.read_text())))
    assert [(r["Request"], r["Response"]) for r in got] == [
        ("'plain", "ok"),
        ("'plain", "'@x"),
        ("'plain", "'@x"),
    ]


def test_json_exports_hold_every_column(tmp_path):
    out = tmp_path / "out.json"
    export(whole_view(SMALL_LOG), str(out))
    records = json.loads(out.read_text())
    assert len(records) == 12 and list(records[0]) == list(HEADERS.values())


def test_export_refuses_to_overwrite_without_force_and_never_an_input(tmp_path):
    out = tmp_path / "out.csv"
    out.write_text("keep me")
    with pytest.raises(ConnlogError, match="exists"):
        export(whole_view(SMALL_LOG), str(out))
    assert out.read_text() == "keep me"
    export(whole_view(SMALL_LOG), str(out), ExportOptions(force=True))
    assert out.read_text().startswith("Date,")
    with pytest.raises(ConnlogError, match="input log"):
        export(
            whole_view(SMALL_LOG), str(SMALL_LOG), ExportOptions(force=True, inputs=(SMALL_LOG,))
        )


def test_a_failed_export_leaves_no_partial_file(tmp_path, monkeypatch):
    out = tmp_path / "out.csv"

    def broken(frame, fh, options, payloads):
        fh.write(b"Date,half a row")
        raise OSError(28, "No space left on device")

    monkeypatch.setitem(__import__("connlog_tui.export").export.WRITERS, "csv", broken)
    with pytest.raises(ConnlogError, match="No space left"):
        export(whole_view(SMALL_LOG), str(out))
    assert list(tmp_path.iterdir()) == []


def test_empty_view_writes_a_header_only_file(tmp_path):
    frame = load([str(SMALL_LOG)]).frame
    empty = query.view_frame(frame, query.run(frame, query.FilterState(search="zzz")).indices)
    out = tmp_path / "none.csv"
    assert export(empty, str(out)) == 0
    assert out.read_text().strip() == ",".join(HEADERS.values())


def test_export_into_a_device_or_pipe_writes_into_it_and_keeps_it(tmp_path):
    import os
    import stat
    import threading

    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    received = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()))
    reader.start()
    assert export(whole_view(SMALL_LOG), str(fifo)) == 12
    reader.join(10)
    assert received[0].startswith(b"Date,") and received[0].count(b"\n") > 12
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)  # still a pipe, not a file renamed over it
