"""End to end: `connlog --spark URL PATH` in a real terminal (tmux) against the real
server: pick a pane value, search, open a row's payloads, export; the export holds the
rows the same filters give from the files."""

from __future__ import annotations

import time
from pathlib import Path

from tmuxterm import connlog_command

from connlog_tui import sources
from connlog_tui.cli import demo_paths, main
from connlog_tui.logs import ExportOptions, Sort
from connlog_tui.logs.memory import MemoryLog
from connlog_tui.query import FilterState

# The cluster answers each key press: generous waits on a loaded machine.
WAIT = 120.0


def test_browse_search_open_and_export_a_spark_log(spark_url, terminal, tmp_path: Path):
    root = tmp_path / "archive"
    assert main(["export", *demo_paths(), "--partition-by", "day", "-o", str(root)]) == 0
    memory = MemoryLog.from_loaded(sources.load(demo_paths(), use_cache=False), demo_paths())
    picked = FilterState().with_picked("action", {"SSO Initiated"})
    searched = FilterState(search="samlrequest").with_picked("action", {"SSO Initiated"})
    total, first, found = (memory.count(s) for s in (FilterState(), picked, searched))
    assert 0 < found < first < total
    newest = str(memory.page(searched, 0, 1, Sort(descending=True))["user"][0])

    out = tmp_path / "picked.csv"
    term = terminal(f"cd {tmp_path} && " + connlog_command("--spark", spark_url, str(root)))
    term.wait_for(f"{total:,} of {total:,} rows", timeout=WAIT)
    term.keys("f")  # the panes; Action's first value is its most frequent: SSO Initiated
    term.wait_for("SSO Initiated", timeout=WAIT)
    term.keys("Down", "Space")
    term.wait_for(f"{first:,} of {total:,} rows", timeout=WAIT)
    term.keys("f")
    time.sleep(0.3)
    term.keys("/", "samlrequest", "Enter")
    term.wait_for(f"{found:,} of {total:,} rows", timeout=WAIT)
    term.keys("Enter")
    # The newest match's payloads, decoded (the table opens at the newest row).
    screen = term.wait_for("decoded", timeout=WAIT)
    assert newest in screen
    term.keys("Escape")
    term.wait_for(f"{found:,} of {total:,} rows", timeout=WAIT)
    term.keys("e")
    term.wait_for(f"Export {found} rows", timeout=WAIT)
    time.sleep(1.0)  # the path box takes focus once the dialog is mounted
    term.keys("C-u", str(out))
    term.wait_for(out.name)
    term.keys("Enter")
    term.wait_for(f"Exported {found} rows", timeout=WAIT)
    term.keys("q")
    term.wait_for("EXIT=0", timeout=WAIT)
    assert spark_url.removeprefix("sc://") not in out.read_text()
    expected = tmp_path / "expected.csv"
    memory.export(searched, str(expected), ExportOptions())
    assert out.read_bytes() == expected.read_bytes()
