"""Issue 22 item 6: a CSV record with too FEW fields (a line cut short) is not a record:
every CSV-based reader quarantines it with its line number and why, on the fast path and
record by record, whole and in lean mode's blocks, and keeps the well-formed rows (an
empty last field, quoted or not, is well formed)."""

from __future__ import annotations

from pathlib import Path

import polars as pl
from conftest import FIXTURES, HEADER

from connlog_tui import sources

SHORT = "2026-03-01 10:00:01,MangoApps,SSO Failed"


def row(n: int, last: str = "") -> str:
    return (
        f"2026-03-01T09:00:{n:02d}Z,App,SSO Failed,Authentication-Applications,"
        f'u{n}@acme.example,"GET /a, b",{last}'
    )


def connector_log(rows: list[str]) -> str:
    return HEADER + "\n" + "".join(r + "\n" for r in rows)


def load(path: Path, **options) -> sources.ReadResult:
    return sources.load([str(path)], use_cache=False, **options)


def quarantined(result: sources.ReadResult) -> list[tuple[int, str]]:
    return result.quarantine.select("line", "reason").rows()


def test_connector_log_fast_path_quarantines_a_short_row(write):
    path = write("short.csv", connector_log([row(0), row(1, '""'), SHORT, row(3, "ok")]))
    result = load(path)
    assert quarantined(result) == [(4, "expected 7 fields, found 3")]
    assert result.quarantine["text"].to_list() == [SHORT]
    assert sorted(result.frame["user"].to_list()) == [f"u{i}@acme.example" for i in (0, 1, 3)]


def test_connector_log_short_row_after_multiline_payloads_keeps_its_line(write):
    multi = row(0).replace('"GET /a, b"', '"line one\nline two\nline three"')
    path = write("short_multi.csv", connector_log([multi, row(1), SHORT, row(3)]))
    assert quarantined(load(path)) == [(6, "expected 7 fields, found 3")]


def test_connector_log_record_by_record_quarantines_short_and_long_rows(write):
    rows = [row(0), row(1) + ",extra", SHORT, row(3)]
    result = load(write("ragged.csv", connector_log(rows)))
    assert quarantined(result) == [
        (3, "expected 7 fields, found 8"),
        (4, "expected 7 fields, found 3"),
    ]
    assert result.frame.height == 2


def test_connector_log_in_lean_blocks_quarantines_a_short_row(write, monkeypatch):
    monkeypatch.setattr("connlog_tui.sources.lean.BLOCK_BYTES", 4096)  # several blocks
    rows = [row(i % 60) for i in range(400)]
    rows[250] = SHORT
    result = load(write("lean.csv", connector_log(rows)), lean=True)
    assert quarantined(result) == [(252, "expected 7 fields, found 3")]
    assert result.frame.height == 399


def test_purview_csv_quarantines_a_short_row(write):
    text = (FIXTURES / "purview_ual" / "audit_search_new_layout.csv").read_text()
    lines = text.splitlines()
    cut = "6f1e2d3c-0000-4000-8000-0000000000ff,4/2/2024 8:09:00 AM,15,UserLoggedIn"
    lines.insert(2, cut)
    result = load(write("purview.csv", "\n".join(lines) + "\n"))
    assert (3, "expected 8 fields, found 4") in quarantined(result)
    assert result.frame.height == len(lines) - 2


def test_mapped_csv_quarantines_a_short_row(write):
    text = "ts,who,what,status\n2026-03-01T09:00:00Z,a@x.example,login,ok\n2026-03-01T09:00:01Z\n"
    path = write("mapped.csv", text + "2026-03-01T09:00:02Z,b@x.example,login,failed\n")
    result = sources.load(
        [str(path)],
        use_cache=False,
        mappings={"time": "ts", "user": "who", "action": "what", "outcome": "status"},
    )
    assert quarantined(result) == [(3, "expected 4 fields, found 1")]
    assert result.frame["user"].to_list() == ["a@x.example", "b@x.example"]


def test_data_connector_csv_quarantines_a_short_row_but_not_a_no_items_line(write):
    text = (FIXTURES / "data_connector" / "admin_log_summary.csv").read_text()
    lines = text.splitlines()
    lines.insert(2, "03/10/2024 08:00:00 AM,400,400")
    result = load(write("connector.csv", "\n".join(lines) + "\n"))
    assert quarantined(result) == [(3, "expected 11 fields, found 3")]
    assert "No items ingested" in result.frame["action"].cast(pl.String).to_list()
