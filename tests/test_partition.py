"""`connlog export ... --partition-by day -o ARCHIVE_DIR`: one Parquet file per UTC day,
read back as an archive with the rows of the log; a day exported again is replaced,
the other days are kept byte for byte."""

from __future__ import annotations

import pytest

from connlog_tui import sources
from connlog_tui.cli import demo_paths, main
from connlog_tui.logs.archive import ArchiveLog, is_archive
from connlog_tui.logs.memory import MemoryLog
from connlog_tui.query import FilterState


@pytest.fixture(scope="module")
def memory() -> MemoryLog:
    return MemoryLog.from_loaded(sources.load(demo_paths(), use_cache=False), demo_paths())


def test_an_archive_by_day_holds_the_logs_rows(memory, tmp_path, capsys):
    root = tmp_path / "archive"
    assert main(["export", *demo_paths(), "--partition-by", "day", "-o", str(root)]) == 0
    days = sorted(p.parent.name for p in root.rglob("*.parquet"))
    assert len(days) == len(set(days)) == 8 and days[0].startswith("date=2026-")
    assert is_archive(root)
    archive = ArchiveLog(root)
    assert archive.count(FilterState()) == memory.count(FilterState()) == 2345
    state = FilterState().with_picked("outcome", {"failure"})
    assert archive.facets(state) == memory.facets(state)
    assert "wrote 2345 of 2345 rows" in capsys.readouterr().err


def test_a_day_written_again_is_replaced_and_others_kept(memory, tmp_path):
    root = tmp_path / "archive"
    main(["export", *demo_paths(), "--partition-by", "day", "-o", str(root)])
    before = {p: p.read_bytes() for p in root.rglob("*.parquet")}
    day = sorted(before)[3].parent.name.removeprefix("date=")
    flags = ["--since", f"{day}T00:00:00Z", "--until", f"{day}T23:59:59Z"]
    flags += ["--action", "SSO Failed"]
    assert main(["export", *demo_paths(), *flags, "--partition-by", "day", "-o", str(root)]) == 0
    after = {p: p.read_bytes() for p in root.rglob("*.parquet")}
    assert set(after) == set(before)
    changed = [p for p in after if after[p] != before[p]]
    assert [p.parent.name for p in changed] == [f"date={day}"]
    replaced = ArchiveLog(changed[0])
    assert (
        0
        < replaced.count(FilterState())
        == replaced.count(FilterState().with_picked("action", {"SSO Failed"}))
    )
    assert not [p for p in root.rglob("*") if p.name.endswith(".tmp")]


def test_partition_by_refuses_a_file(tmp_path, capsys):
    out = tmp_path / "out.csv"
    out.write_text("keep")
    assert main(["export", *demo_paths(), "--partition-by", "day", "-o", str(out)]) == 2
    assert "directory" in capsys.readouterr().err
    assert out.read_text() == "keep"
