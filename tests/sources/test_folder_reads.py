"""A folder's files are read in memory several at a time (issue 25: a merged directory
opens as fast as one file of its rows); what the load returns, skips or raises is what
reading them one by one gives."""

from __future__ import annotations

import threading
from pathlib import Path

import polars as pl
import pytest
from conftest import HEADER

from connlog_tui import sources
from connlog_tui.errors import ConnlogError


def test_files_are_read_at_the_same_time():
    both = threading.Barrier(2, timeout=10)  # each read waits until the other has started

    def read(path: Path, name: str) -> str:
        both.wait()
        return name.upper()

    found = [(Path("a"), "a", True), (Path("b"), "b", True)]
    done, skipped = sources.readable(found, read, workers=2)
    assert [result for _, _, result in done] == ["A", "B"] and skipped == []


@pytest.mark.parametrize("workers", [1, 2, 4])
def test_results_skips_and_errors_are_those_read_in_order(workers):
    def read(path: Path, name: str) -> str:
        if name.startswith("bad"):
            raise ConnlogError("format not recognised", name)
        return name

    found = [(Path(n), n, inside) for n, inside in [("x", True), ("bad1", True), ("y", True)]]
    done, skipped = sources.readable(found, read, workers=workers)
    assert [name for _, name, _ in done] == ["x", "y"]
    assert skipped == [("bad1", "format not recognised")]
    named = found + [(Path("bad2"), "bad2", False), (Path("bad3"), "bad3", False)]
    with pytest.raises(ConnlogError, match="bad2"):
        sources.readable(named, read, workers=workers)


def test_a_folder_loads_the_same_read_file_by_file(tmp_path, monkeypatch):
    root = tmp_path / "logs"
    root.mkdir()
    for n in range(6):
        day = f"2026-03-0{n + 1}"
        rows = [
            f"{day}T0{h}:00:0{n}Z,App{n},SSO Failed,Authentication-Applications,u{h}@x.example,,"
            for h in range(5)
        ]
        text = "\n".join([HEADER, *rows, "not a date,A,B,C,D,,"]) + "\n"
        (root / f"part{n}.csv").write_text(text)
    (root / "notes.txt").write_text("\x00\x01\x02" * 400)
    together = sources.load([str(root)], use_cache=False)
    monkeypatch.setattr(sources, "READ_WORKERS", 1)
    alone = sources.load([str(root)], use_cache=False)
    assert together.frame.height == 30
    assert together.frame.with_columns(pl.col(pl.Categorical).cast(pl.String)).equals(
        alone.frame.with_columns(pl.col(pl.Categorical).cast(pl.String))
    )
    assert together.quarantine.equals(alone.quarantine) and together.quarantine.height == 6
    assert together.files == alone.files and together.skipped == alone.skipped
    assert together.skipped and together.skipped[0][0].endswith("notes.txt")
