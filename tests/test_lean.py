"""Lean mode: payloads stay in the cache's Parquet parts and are read back per row, per
search, per export slice and per triage batch, giving the same answers as in memory."""

from __future__ import annotations

import gc
import os
import platform
import re
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest
from conftest import HEADER, SMALL_LOG

from connlog_tui import cache, cli, memory, query, sources, textsearch, triage
from connlog_tui import payloads as payloads_module
from connlog_tui.cli import demo_paths
from connlog_tui.errors import Stale
from connlog_tui.export import ExportOptions, export
from connlog_tui.payloads import POS, SEPARATE_SCANS, PayloadStore
from connlog_tui.query import FilterState
from connlog_tui.sources import lean as lean_load

DEMO = demo_paths()[0]


def ragged_log(tmp_path: Path) -> Path:
    """Multi-line quoted payloads, doubled quotes and unreadable dates, so block
    boundaries fall inside quotes and quarantined lines must be counted across blocks."""
    lines = [HEADER]
    for i in range(60):
        when = "not a date" if i % 17 == 5 else f"2026-03-01T09:{i // 60:02d}:{i % 60:02d}Z"
        request = f'"<samlp:AuthnRequest ID=""r{i}"">\n  line two {i}\n</samlp:AuthnRequest>"'
        lines.append(
            f"{when},App{i % 3},SSO Failed,Authentication-Connections,u{i}@acme.example,"
            f"{request},resp {i} AADSTS{i:05d}"
        )
    path = tmp_path / "ragged.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def small_blocks(monkeypatch):
    # ~5 records a block: many parts, and block ends inside quoted payloads
    monkeypatch.setattr(lean_load, "BLOCK_BYTES", 400)


def full(result: sources.ReadResult) -> pl.DataFrame:
    """A lean result's frame with every payload read back, as the in-memory load has it."""
    return result.payloads.fill(result.frame).drop(POS)


@pytest.mark.parametrize("use_cache", [True, False])
def test_lean_load_holds_the_same_rows_as_in_memory(tmp_path, small_blocks, use_cache):
    path = ragged_log(tmp_path)
    eager = sources.load([str(path)], use_cache=False)
    lean = sources.load([str(path)], use_cache=use_cache, lean=True)
    assert isinstance(lean.payloads, PayloadStore) and len(lean.payloads.parts) > 5
    assert lean.frame["request"].null_count() == lean.frame.height  # not in memory
    assert full(lean).equals(eager.frame)
    assert lean.quarantine.equals(eager.quarantine) and lean.quarantine.height == 4


def test_text_columns_without_values_come_back_as_nulls_in_every_block(tmp_path, small_blocks):
    # A lean load leaves a text column out of a block (and of its entry's lean file) when
    # no row of the block has a value in it: an IP in one late row only, a reason in none.
    header = "Date,Application To/From,Action,Request Type,Email ID/Login ID,Request,Response,IP"
    rows = [
        f"2026-03-01T09:00:{i:02d}Z,Okta,SSO Failed,Authentication-Connections,u{i}@x.example,"
        f"req{i},resp{i},{'10.0.0.7' if i == 40 else ''}"
        for i in range(50)
    ]
    path = tmp_path / "ips.csv"
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    eager = sources.load([str(path)], use_cache=False)
    cold = sources.load([str(path)], lean=True)
    again = sources.load([str(path)], lean=True)  # from the entry's lean file
    assert len(cold.payloads.parts) > 5 and cache.stats.hits >= 1
    for lean in (cold, again):
        assert full(lean).equals(eager.frame)
        assert lean.frame["ip"].drop_nulls().to_list() == ["10.0.0.7"]
        assert lean.frame["reason"].null_count() == lean.frame.height


def test_lean_reopen_reads_the_cache_entry_not_the_file(tmp_path, small_blocks, monkeypatch):
    path = ragged_log(tmp_path)
    first = sources.load([str(path)], lean=True)
    assert not first.payloads.spools  # the parts became the cache entry
    monkeypatch.setattr(cache, "stats", cache.Stats())
    again = sources.load([str(path)], lean=True)
    assert cache.stats.hits == 1 and cache.stats.misses == 0
    assert full(again).equals(full(first))
    in_memory = sources.load([str(path)])  # the in-memory mode reads the same entry
    assert cache.stats.hits == 2 and in_memory.frame.equals(full(first))


def test_lean_mode_maps_an_entry_an_in_memory_load_wrote(tmp_path, monkeypatch):
    """An in-memory load's entry is one Arrow file: lean mode maps it whole (its payloads
    live in the page cache, not the heap) rather than reading the log again, and its rows,
    with no store position, keep their own payloads for search, fill and export."""
    path = ragged_log(tmp_path)
    in_memory = sources.load([str(path)])
    cache.wait()  # the entry is written in the background
    monkeypatch.setattr(cache, "stats", cache.Stats())
    lean = sources.load([str(path)], lean=True)
    assert cache.stats.hits == 1 and cache.stats.misses == 0
    assert lean.payloads.parts == [] and lean.frame[POS].null_count() == lean.frame.height
    assert full(lean).equals(in_memory.frame)
    assert lean.quarantine.equals(in_memory.quarantine)
    needle = in_memory.frame["request"].drop_nulls()[3][-12:]
    wanted = query.run(in_memory.frame, FilterState(search=needle)).indices
    got = query.run(lean.frame, FilterState(search=needle), payloads=lean.payloads).indices
    assert wanted.len() >= 1 and got.to_list() == wanted.to_list()


def test_a_spool_outside_the_cache_is_deleted_with_its_store(tmp_path):
    result = sources.load([str(ragged_log(tmp_path))], use_cache=False, lean=True)
    (spool,) = result.payloads.spools
    assert spool.is_dir()
    del result
    gc.collect()
    assert not spool.exists()


def test_an_entry_too_big_for_the_cache_bound_stays_a_spool(tmp_path, monkeypatch):
    monkeypatch.setenv(cache.MAX_ENV, "100")
    result = sources.load([str(ragged_log(tmp_path))], lean=True)
    assert result.payloads.spools and cache.entries() == []
    assert full(result).height == 56


def test_the_memory_budget_decides(tmp_path):
    path = str(ragged_log(tmp_path))
    assert sources.load([path], lean=None, memory_budget=100).payloads is not None
    assert sources.load([path], lean=None, memory_budget=10**9).payloads is None


@pytest.mark.parametrize("needle", ["aadsts00012", "LINE TWO 3", "u7@acme", "App2", "nothing"])
def test_search_reads_payloads_from_disk(tmp_path, small_blocks, needle):
    path = str(ragged_log(tmp_path))
    eager = sources.load([path], use_cache=False)
    lean = sources.load([path], lean=True)
    state = FilterState(search=needle).with_picked("action", {"SSO Failed"})
    want = query.run(eager.frame, state)
    got = query.run(lean.frame, state, payloads=lean.payloads)
    assert got.indices.to_list() == want.indices.to_list()
    assert got.facets == want.facets


def test_a_long_payload_search_shows_its_newest_matches_first(tmp_path, small_blocks, monkeypatch):
    """Read from disk a few rows at a time, the newest first, a search's matches so far
    are the newest of its final ones; the final result is the in-memory one."""
    path = str(ragged_log(tmp_path))
    state = FilterState(search="line two")  # in every row's payload
    want = query.run(sources.load([path], use_cache=False).frame, state).indices.to_list()
    lean = sources.load([path], lean=True)
    small_reads(monkeypatch, 7)
    monkeypatch.setattr(textsearch, "PARTIAL_EVERY", 0)
    reports = []
    got = query.run(lean.frame, state, payloads=lean.payloads, partial=reports.append)
    assert got.indices.to_list() == want
    assert len(reports) >= 2 and reports[0].count < len(want)
    for report in reports:
        assert report.indices.to_list() == want[len(want) - report.count :]


def small_reads(monkeypatch, rows: int) -> None:
    monkeypatch.setattr(textsearch, "STALE_CHECK_ROWS", rows)
    monkeypatch.setattr(payloads_module, "STALE_CHECK_ROWS", rows)


@pytest.mark.parametrize("rows", [1, 7, 1000])
def test_a_search_read_in_slices_finds_the_same_rows(tmp_path, small_blocks, monkeypatch, rows):
    """The payload search reads ~STALE_CHECK_ROWS rows at a time (slices of big parts,
    batches of small ones): whatever the size, the same rows."""
    lean = sources.load([str(ragged_log(tmp_path))], lean=True)
    want = lean.payloads.search("(?i)line two")
    assert want.len() == lean.frame.height  # every row says "line two"
    small_reads(monkeypatch, rows)
    assert lean.payloads.search("(?i)line two").to_list() == want.to_list()


def test_a_stale_payload_search_stops_before_its_next_read(tmp_path, small_blocks, monkeypatch):
    lean = sources.load([str(ragged_log(tmp_path))], lean=True)
    small_reads(monkeypatch, 7)
    checks = []
    with pytest.raises(Stale):
        lean.payloads.search("(?i)line two", stale=lambda: checks.append(1) or len(checks) > 1)
    assert len(checks) == 2  # one read done, then it stopped


def test_fetch_keeps_order_and_handles_far_apart_rows(tmp_path, small_blocks, monkeypatch):
    lean = sources.load([str(ragged_log(tmp_path))], lean=True)
    positions = [40, 3, 55, 3, 0]
    got = lean.payloads.fetch(positions)
    assert got[POS].to_list() == positions
    assert got["request"][0] == full(lean)["request"][40]
    # Over MAX_SLICES row groups: one filtered scan instead of slices, same answer.
    monkeypatch.setattr("connlog_tui.payloads.GROUP_ROWS", 1)
    monkeypatch.setattr("connlog_tui.payloads.MAX_SLICES", 2)
    assert lean.payloads.fetch(positions).equals(got)


def test_fetch_reads_each_row_group_slice_from_the_part_itself(tmp_path, monkeypatch):
    """A lean load of a file under BLOCK_BYTES writes one part. Each slice must be pushed
    into its own Parquet scan: shared as one cached scan, every slice was cut from a read
    of the part from its start (0.8 s and ~1 GB deep in a 1M-row part)."""
    monkeypatch.setattr("connlog_tui.payloads.GROUP_ROWS", 4)
    path = ragged_log(tmp_path)
    lean = sources.load([str(path)], lean=True)
    assert len(lean.payloads.parts) == 1
    positions = [50, 9, 30]
    plan = lean.payloads.plan(pl.Series(positions, dtype=pl.UInt64))
    text = plan.explain(optimizations=SEPARATE_SCANS)
    assert "CACHE" not in text
    offsets = sorted(int(n) for n in re.findall(r"SLICE: Positive \{ offset: (\d+)", text))
    assert offsets == [8, 28, 48]  # the row groups of 4 rows holding 9, 30 and 50
    assert lean.payloads.fetch(positions)["request"].to_list() == [
        full(lean)["request"][p] for p in positions
    ]


def test_a_wide_fetch_reads_only_the_parts_holding_its_rows(tmp_path, small_blocks, monkeypatch):
    """Past MAX_SLICES row groups a fetch scans and filters, but only the parts holding a
    wanted row: an export slice once read every part of the cache (82 s for a 1M-row
    export of the 10M-row bench log, 12-14 s since)."""
    lean = sources.load([str(ragged_log(tmp_path))], lean=True)
    expected = full(lean)["request"]
    monkeypatch.setattr("connlog_tui.payloads.GROUP_ROWS", 1)
    monkeypatch.setattr("connlog_tui.payloads.MAX_SLICES", 2)
    positions = [25, 20, 22, 21]
    parts = lean.payloads.parts
    holding = [
        p.path.name for p in parts if any(p.start <= x < p.start + p.rows for x in positions)
    ]
    assert 1 < len(holding) < len(parts)
    plan = lean.payloads.plan(pl.Series(positions, dtype=pl.UInt64))
    read = re.findall(r"frame-\d+\.parquet", plan.explain(optimizations=SEPARATE_SCANS))
    assert sorted(read) == sorted(holding)
    assert lean.payloads.fetch(positions)["request"].to_list() == [expected[p] for p in positions]


def test_a_wide_fetch_reads_one_big_part_from_its_first_wanted_row_to_its_last(
    tmp_path, monkeypatch
):
    monkeypatch.setattr("connlog_tui.payloads.GROUP_ROWS", 4)
    monkeypatch.setattr("connlog_tui.payloads.MAX_SLICES", 2)
    path = ragged_log(tmp_path)
    expected = sources.load([str(path)], use_cache=False).frame["request"]
    lean = sources.load([str(path)], lean=True)  # under BLOCK_BYTES: one part
    assert len(lean.payloads.parts) == 1
    positions = [30, 9, 41, 12]  # four row groups of 4 rows: more than MAX_SLICES
    plan = lean.payloads.plan(pl.Series(positions, dtype=pl.UInt64))
    text = plan.explain(optimizations=SEPARATE_SCANS)
    assert re.findall(r"SLICE: Positive \{ offset: (\d+), len: (\d+)", text) == [("9", "33")]
    assert lean.payloads.fetch(positions)["request"].to_list() == [expected[p] for p in positions]


@pytest.mark.parametrize("suffix", [".csv", ".jsonl", ".parquet"])
def test_lean_exports_are_byte_identical(tmp_path, small_blocks, suffix):
    path = str(ragged_log(tmp_path))
    eager = sources.load([path], use_cache=False)
    lean = sources.load([path], lean=True)
    view = query.run(lean.frame, FilterState(user="acme")).indices
    export(
        query.view_frame(eager.frame, view),
        str(tmp_path / f"a{suffix}"),
        ExportOptions(chunk_rows=7),
    )
    export(
        query.view_frame(lean.frame, view),
        str(tmp_path / f"b{suffix}"),
        ExportOptions(chunk_rows=7),
        payloads=lean.payloads,
    )
    assert (tmp_path / f"a{suffix}").read_bytes() == (tmp_path / f"b{suffix}").read_bytes()


def test_cli_export_in_lean_mode(tmp_path, capsys):
    out_a, out_b = tmp_path / "a.csv", tmp_path / "b.csv"
    assert cli.main(["export", str(DEMO), "--lean", "--search", "saml", "-o", str(out_a)]) == 0
    assert cli.main(["export", str(DEMO), "--in-memory", "--search", "saml", "-o", str(out_b)]) == 0
    assert out_a.read_bytes() == out_b.read_bytes()
    assert len(out_a.read_bytes().splitlines()) > 2


def test_triage_diagnoses_lean_rows_as_in_memory():
    eager = sources.load([str(DEMO)], use_cache=False)
    lean = sources.load([str(DEMO)], lean=True)
    want = triage.diagnose_rows(eager.frame)
    got = triage.diagnose_rows(lean.frame, payloads=lean.payloads)
    assert want.height and got.equals(want)
    keys = pl.concat(list(triage.iter_message_keys(lean.frame, payloads=lean.payloads)))
    assert keys.equals(triage.message_keys(eager.frame))
    # Attempts linked by OAuth code too: the codes come from the payloads, read with the keys.
    attempts = triage.stitch_attempts(lean.frame, keys)
    assert attempts.equals(triage.stitch_attempts(eager.frame))
    assert attempts["link"].str.starts_with("code:").sum() > 100


def test_small_fixture_round_trips(small_blocks):
    eager = sources.load([str(SMALL_LOG)], use_cache=False)
    lean = sources.load([str(SMALL_LOG)], lean=True)
    assert full(lean).equals(eager.frame)


def test_a_block_polars_cannot_parse_falls_back_to_the_whole_file_reader(tmp_path, small_blocks):
    path = ragged_log(tmp_path)
    text = path.read_text().splitlines()
    text.insert(40, "2026-03-01T10:00:00Z,App1,SSO Failed,x,y,z,too,many,fields")
    path.write_text("\n".join(text) + "\n")
    eager = sources.load([str(path)], use_cache=False)
    lean = sources.load([str(path)], use_cache=False, lean=True)
    assert full(lean).equals(eager.frame)
    assert lean.quarantine.equals(eager.quarantine)
    assert "expected 7 fields" in " ".join(lean.quarantine["reason"])
    assert len(lean.payloads.parts) == 1


def test_cli_decides_lean_from_flags_size_and_configured_budget(tmp_path, monkeypatch):
    from connlog_tui import memory
    from connlog_tui.config import config_path

    monkeypatch.delenv("_RJEM_MALLOC_CONF", raising=False)
    path = str(ragged_log(tmp_path))

    def decided(*flags: str) -> bool:
        args = cli.browse_parser().parse_args([path, *flags])
        cli.decide_memory(args)
        return args.lean

    assert decided() is False  # a small file, the default budget
    config_path().parent.mkdir(parents=True, exist_ok=True)
    config_path().write_text('memory_budget = "1KB"\n')
    assert memory.configured_budget() == 1000
    assert decided("--in-memory") is False
    assert "_RJEM_MALLOC_CONF" not in memory.os.environ
    assert decided() is True  # over the configured budget
    assert memory.os.environ["_RJEM_MALLOC_CONF"] == memory.LEAN_MALLOC_CONF


def test_lean_mode_replaces_the_allocator_setting_polars_passed_on_not_a_users(
    tmp_path, monkeypatch
):
    from connlog_tui import memory
    from connlog_tui.config import config_path

    # The value a parent process that imported Polars passes on is the installed Polars'.
    clean = {k: v for k, v in os.environ.items() if k != "_RJEM_MALLOC_CONF"}
    probe = "import os, polars; print(os.environ['_RJEM_MALLOC_CONF'])"
    found = subprocess.run(
        [sys.executable, "-c", probe], env=clean, capture_output=True, text=True, check=True
    )
    assert found.stdout.strip() == memory.POLARS_MALLOC_CONF
    config_path().parent.mkdir(parents=True, exist_ok=True)
    config_path().write_text('memory_budget = "1KB"\n')
    args = cli.browse_parser().parse_args([str(ragged_log(tmp_path))])
    monkeypatch.setenv("_RJEM_MALLOC_CONF", memory.POLARS_MALLOC_CONF)
    cli.decide_memory(args)
    assert args.lean and memory.os.environ["_RJEM_MALLOC_CONF"] == memory.LEAN_MALLOC_CONF
    monkeypatch.setenv("_RJEM_MALLOC_CONF", "background_thread:true")  # the user's own
    cli.decide_memory(args)
    assert memory.os.environ["_RJEM_MALLOC_CONF"] == "background_thread:true"


@pytest.mark.parametrize(
    ("text", "size"), [("2GB", 2 * 10**9), ("512 MiB", 512 * 2**20), ("1.5gb", 1.5e9), (100, 100)]
)
def test_sizes(text, size):
    from connlog_tui.memory import parse_size

    assert parse_size(text) == size


def test_rows_without_a_position_keep_their_own_payloads(tmp_path):
    # Follow mode appends rows read from the live file: they have no place in the store.
    lean = sources.load([str(ragged_log(tmp_path))], lean=True)
    appended = sources.load([str(SMALL_LOG)]).frame
    frame = pl.concat([lean.frame, appended], how="diagonal_relaxed")
    filled = lean.payloads.fill(frame)
    assert filled["request"].tail(appended.height).equals(appended["request"])
    assert filled["request"].head(lean.frame.height).equals(full(lean)["request"])


def test_several_files_and_formats_in_lean_mode(tmp_path, small_blocks):
    # A CSV read in blocks beside a JSON Lines file read whole: one store, positions
    # counted on across files, rows merged in time order as in memory.
    okta = Path(cli.demo_paths()[0]).with_name("demo_okta_system_log.jsonl")
    paths = [str(ragged_log(tmp_path)), str(SMALL_LOG), str(okta)]
    eager = sources.load(paths, use_cache=False)
    lean = sources.load(paths, lean=True)
    assert full(lean).equals(eager.frame)
    assert lean.files == eager.files
    state = FilterState(search="session")
    want = query.run(eager.frame, state).indices.to_list()
    assert query.run(lean.frame, state, payloads=lean.payloads).indices.to_list() == want


def test_reopen_takes_part_sizes_from_the_entry_or_the_footers(tmp_path, small_blocks):
    path = str(ragged_log(tmp_path))
    first = sources.load([path], lean=True)
    listing = first.payloads.parts[0].path.parent / lean_load.PARTS_FILE
    assert listing.is_file()
    assert sources.load([path], lean=True).payloads.parts == first.payloads.parts
    listing.write_text("{not json")  # damaged: the part footers say the same
    assert sources.load([path], lean=True).payloads.parts == first.payloads.parts


def _rss_anon() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("RssAnon:"):
            return int(line.split()[1]) * 1024
    raise AssertionError("no RssAnon")


@pytest.mark.skipif(
    not Path("/proc/self/status").exists() or platform.libc_ver()[0] != "glibc",
    reason="glibc's malloc on Linux",
)
def test_trimming_the_heap_returns_free_memory_held_below_its_top():
    """Buffers freed below a live one stay resident (glibc returns only free space at the
    heap's top) until memory.trim_heap hands them back."""
    held = [bytes(100_000) for _ in range(2000)]  # ~200 MB from glibc's heap
    pin = held.pop()  # the last, above the others: their free space is not at the top
    del held[:]
    before = _rss_anon()
    assert memory.trim_heap()
    assert before - _rss_anon() > 100 * 1024**2
    del pin
