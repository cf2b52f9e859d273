"""Marks and notes: kept per log in the state directory, found again by what rows say,
and exported as a Note column (issue 24)."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys

import polars as pl
import pytest
from conftest import HEADER, SMALL_LOG

from connlog_tui import marks, sources
from connlog_tui.errors import ConnlogError
from connlog_tui.marks import Marks, row_keys
from connlog_tui.schema import ROW_ID

EXTRA = (
    "2026-02-28T08:00:00Z,Zoom,SSO Failed,Authentication-Applications,zed@acme.example,,\n"
    "2026-03-01T09:05:01Z,MangoApps,SSO Failed,Authentication-Connections,"
    "other@acme.example,,\n"
)


def mark_rows(paths, frame, rows: dict[str, str]) -> None:
    """Mark the rows of these users (user as spelled -> note, "" for none) and save."""
    store = Marks.load(paths)
    picked = frame.filter(pl.col("user").cast(pl.String).is_in(list(rows)))
    assert picked.height == len(rows)
    for user, key, when in zip(picked["user"], row_keys(picked), picked["time"], strict=True):
        store.toggle(key, when)
        if rows[user]:
            store.set_note(key, when, rows[user])
    store.save()


def users_of(frame, found) -> dict[str, str | None]:
    return {frame["user"][r]: n for r, n in zip(found[ROW_ID], found["note"], strict=True)}


def test_marks_survive_a_restart_and_find_their_rows_when_rows_move(write):
    log = write("log.csv", SMALL_LOG.read_text())
    frame = sources.load([str(log)], use_cache=False).frame
    mark_rows(
        [log],
        frame,
        {"bob.smith@acme.example": "bob's\tfailure\nsee ticket", " carol@acme.example ": ""},
    )
    assert marks.marks_path([log]).parent == marks.marks_dir()
    found = Marks.load([log]).find(frame)
    assert users_of(frame, found) == {
        "bob.smith@acme.example": "bob's failure see ticket",
        " carol@acme.example ": None,
    }
    # The same file, now with rows before them (merged in time order): the rows moved.
    log.write_text(SMALL_LOG.read_text() + EXTRA)
    grown = sources.load([str(log)], use_cache=False).frame
    assert grown.height == frame.height + 2
    assert grown["user"].to_list().index("bob.smith@acme.example") != frame["user"].to_list().index(
        "bob.smith@acme.example"
    )
    assert users_of(grown, Marks.load([log]).find(grown)) == users_of(frame, found)


def test_each_set_of_files_has_its_own_marks(write):
    one = write("one.csv", SMALL_LOG.read_text())
    two = write("two.csv", f"{HEADER}\n{EXTRA}")
    frame = sources.load([str(one)], use_cache=False).frame
    mark_rows([one], frame, {"erin@acme.example": "x"})
    assert Marks.load([one, two]).entries == {}
    assert len(Marks.load([one]).entries) == 1


def test_unmarking_removes_the_note_too(write):
    log = write("log.csv", SMALL_LOG.read_text())
    frame = sources.load([str(log)], use_cache=False).frame
    mark_rows([log], frame, {"erin@acme.example": "n"})
    store = Marks.load([log])
    ((key, mark),) = store.entries.items()
    assert store.toggle(key, mark.time) is False
    store.save()
    assert Marks.load([log]).find(frame).is_empty()


def test_lean_rows_have_the_same_keys(write):
    log = write("log.csv", SMALL_LOG.read_text())
    eager = sources.load([str(log)], use_cache=False)
    lean = sources.load([str(log)], use_cache=False, lean=True)
    assert row_keys(lean.frame, lean.payloads) == row_keys(eager.frame)
    assert len(set(row_keys(eager.frame))) == eager.frame.height


def test_a_broken_marks_file_names_itself(write):
    log = write("log.csv", SMALL_LOG.read_text())
    path = marks.marks_path([log])
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text('{"marks": {"k": {"note": "no time"}}}')
    with pytest.raises(ConnlogError, match=f"^{path}: not a connlog marks file"):
        Marks.load([log])


def test_note_column_follows_the_view_order():
    found = pl.DataFrame(
        {ROW_ID: [2, 5, 7], "key": ["a", "b", "c"], "note": ["two", None, "seven"]},
        schema={ROW_ID: pl.UInt32, "key": pl.String, "note": pl.String},
    )
    column = marks.note_column(pl.Series([7, 1, 5, 2], dtype=pl.UInt32), found)
    assert column.to_list() == ["seven", None, None, "two"]
    assert marks.note_column(pl.Series([1, 5], dtype=pl.UInt32), found) is None


def connlog(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "connlog_tui", *args], capture_output=True, text=True, timeout=120
    )


@pytest.mark.parametrize("suffix", [".csv", ".jsonl", ".parquet"])
def test_exports_carry_a_note_column_when_rows_have_notes(write, tmp_path, suffix):
    log = write("log.csv", SMALL_LOG.read_text())
    plain = connlog("export", str(log), "-o", "-")
    assert "Note" not in plain.stdout.splitlines()[0]
    frame = sources.load([str(log)], use_cache=False).frame
    mark_rows(
        [log], frame, {"bob.smith@acme.example": "=first bad one", "mallory@acme.example": ""}
    )
    out = tmp_path / f"out{suffix}"
    result = connlog("export", str(log), "--action", "SSO Failed", "-o", str(out))
    assert result.returncode == 0, result.stderr
    if suffix == ".csv":
        rows = list(csv.DictReader(io.StringIO(out.read_text())))
    elif suffix == ".jsonl":
        rows = [json.loads(line) for line in out.read_text().splitlines()]
    else:
        rows = pl.read_parquet(out).to_dicts()
    notes = {r["Email ID/Login ID"]: r["Note"] for r in rows}
    guarded = "'=first bad one" if suffix == ".csv" else "=first bad one"
    assert notes["bob.smith@acme.example"] == guarded
    assert notes["mallory@acme.example"] in (None, "")  # marked without a note
    assert sum(1 for n in notes.values() if n) == 1


def test_the_pdf_report_puts_a_note_first_in_the_reason_cell(tmp_path):
    from pypdf import PdfReader

    from connlog_tui.export import ExportOptions, export

    frame = sources.load([str(SMALL_LOG)], use_cache=False).frame
    view = frame.filter(pl.col("action") == "SSO Failed").drop(ROW_ID, "user_key")
    notes = [None] * view.height
    notes[0] = "ticket 4711"
    out = tmp_path / "report.pdf"
    export(view.with_columns(note=pl.Series(notes, dtype=pl.String)), str(out), ExportOptions())
    text = "\n".join(page.extract_text() for page in PdfReader(out).pages)
    assert "Note: ticket 4711" in text and text.count("Note:") == 1


@pytest.mark.parametrize("lean", [False, True])
def test_a_piped_log_is_named_stdin_and_its_marks_come_back_when_piped_again(lean):
    from connlog_tui import stdin

    first = stdin.spool(io.BytesIO(SMALL_LOG.read_bytes()))
    frame = sources.load([str(first)], use_cache=False, lean=lean).frame
    assert frame["source"].cast(pl.String).unique().to_list() == ["stdin"]  # not the temp file
    mark_rows([first], frame, {"bob.smith@acme.example": "piped in"})
    again = stdin.spool(io.BytesIO(SMALL_LOG.read_bytes()))
    assert again != first and marks.marks_path([again]) == marks.marks_path([first])
    assert marks.marks_path([again]) != marks.marks_path([SMALL_LOG])
    frame = sources.load([str(again)], use_cache=False, lean=lean).frame
    found = Marks.load([again]).find(frame)
    assert users_of(frame, found) == {"bob.smith@acme.example": "piped in"}


def test_marks_of_a_spark_table_or_a_remote_archive_are_named_as_given(tmp_path, monkeypatch):
    given = ["spark:security.sso_events", "s3://bucket/archive/"]
    before = [marks.marks_path([p], tmp_path) for p in given]
    monkeypatch.chdir(tmp_path)  # not a path under the folder connlog was started in
    assert [marks.marks_path([p], tmp_path) for p in given] == before
    assert marks.identity(given) == sorted(given)
    assert marks.identity(["log.csv"]) == [str(tmp_path / "log.csv")]
