"""Reading a file for lean mode (connlog_tui/payloads.py): the rows go to Parquet parts on
disk a block of text at a time, and only the columns the filters read come back.

A cache entry written here holds, besides the parts, `lean.parquet` (the small columns in
one file, for a quick reopen) and `parts.json` (each part's row count). An entry written
by an in-memory load (one Arrow file) serves lean mode too: it is mapped whole, so its
payloads stay in the page cache rather than the heap (see connlog_tui/cache.py).
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, wait
from pathlib import Path

import polars as pl

from connlog_tui.memory import trim_heap
from connlog_tui.payloads import PAYLOADS, POS, Part
from connlog_tui.schema import SCHEMA, empty_frame, empty_quarantine
from connlog_tui.sources.base import Reader, ReadResult, Source, open_source, quarantine_rows
from connlog_tui.sources.mapped import key_mappings

SPOOL = ".spool-"  # parts kept outside the cache: `.spool-<pid>-...`
# Text parsed at a time by a lean load. A block is in memory several times over while it
# is parsed and its part written (its text, its rows, the part being written), so it sets
# most of a lean load's peak; smaller blocks make more parts, which a search reads one by
# one (docs/performance.md: the sizes measured).
BLOCK_BYTES = 8 * 1024**2


def read_file(
    path: Path,
    name: str,
    forced: Reader | None,
    detect: Callable[[Source], Reader],
    format: str | None,
    use_cache: bool,
    mappings: dict[str, str] | None,
    start: int,
) -> tuple[ReadResult, list[Part]]:
    """One file for lean mode: its frame without payloads (each row's `payload_pos`
    counts on from `start`), and the Parquet parts holding the whole canonical rows. A
    cache hit reads only the small columns; otherwise the file is parsed a block at a
    time and each block written as a part, so memory stays bounded. The parts become the
    cache entry when they fit the cache's bound, else a spool deleted with the store."""
    from connlog_tui import cache

    mappings = key_mappings(forced, mappings)
    source = open_source(path, name)
    key = None
    if use_cache and not source.is_parquet:
        key = cache.key_for(path, name, format, mappings)
    found = cache.lookup_parts(key) if key else None
    if key and found is not None and cache.is_arrow(found[0]):
        # An in-memory load's entry: mapped whole, its payloads in the page cache, not
        # the heap. Its rows have no store position: they carry their own payloads.
        mapped = _mapped(key, found)
        if mapped is not None:
            return mapped, []
        found = None
    if found is not None:
        cache.stats.hits += 1
        part_files, quarantine = found
        small = _lean_columns(part_files)
    else:
        if key:
            cache.stats.misses += 1
        directory = _spool_directory(cache)
        reader = forced or detect(source)
        quarantine, part_files, small, part_rows = _write_parts(source, reader, directory, cache)
        trim_heap()  # the blocks' buffers, freed: see memory.trim_heap
        # The small columns in one file too: a reopen reads them in one go (the parts'
        # 1024-row groups would leave them in a thousand chunks).
        small.write_parquet(directory / LEAN_FILE, compression=cache.COMPRESSION)
        (directory / PARTS_FILE).write_text(json.dumps({"rows": part_rows}))
        if key and cache.key_for(path, name, format, mappings) == key:
            size = sum(p.stat().st_size for p in directory.iterdir())
            if size <= cache.max_bytes() and cache.commit(key, directory, quarantine):
                part_files = cache.part_paths(cache.entry_dir(key))
    parts, at = [], start
    for part_file, rows in zip(part_files, _part_rows(part_files), strict=True):
        parts.append(Part(part_file, at, rows))
        at += rows
    # In one select: the payloads and the columns no row has a value in (left out of
    # `small`) stay one null broadcast to every row (added by with_columns, then put in
    # order by a select, they were filled in row by row).
    frame = small.select(
        *(
            pl.col(c) if c in small.columns and c not in PAYLOADS else pl.lit(None, t).alias(c)
            for c, t in SCHEMA.items()
        ),
        (pl.int_range(pl.len(), dtype=pl.UInt64) + start).alias(POS),
    )
    return ReadResult(frame, quarantine), parts


def _mapped(key: str, found: tuple[list[Path], pl.DataFrame]) -> ReadResult | None:
    from connlog_tui import cache

    files, quarantine = found
    try:
        frame = cache.read_frame(files)
    except Exception:  # a damaged entry is a miss, rebuilt from the file
        cache.stats.errors += 1
        cache.remove(key)
        return None
    cache.stats.hits += 1
    frame = frame.with_columns(pl.lit(None, pl.UInt64).alias(POS))
    return ReadResult(frame.select(*SCHEMA, POS), quarantine)


LEAN_FILE = "lean.parquet"
PARTS_FILE = "parts.json"  # each part's row count, so a reopen reads no part footers


def _part_rows(part_files: list[Path]) -> list[int]:
    if part_files:
        with contextlib.suppress(OSError, ValueError, TypeError, KeyError):
            rows = json.loads((part_files[0].parent / PARTS_FILE).read_text())["rows"]
            if len(rows) == len(part_files) and all(isinstance(n, int) for n in rows):
                return rows
    return [pl.scan_parquet(p).select(pl.len()).collect().item() for p in part_files]


def _lean_columns(part_files: list[Path]) -> pl.DataFrame:
    """Every column but the payloads, from an entry's lean file if it has one."""
    lean_file = part_files[0].parent / LEAN_FILE
    if lean_file.is_file():
        with contextlib.suppress(Exception):  # damaged: read the parts instead
            small = pl.read_parquet(lean_file)
            # A text column no row has a value in is not in the file (`_without_empty`).
            wanted = _lean_schema()
            left_out = [n for n in wanted if n not in small.columns]
            ours = all(wanted.get(n) == t for n, t in small.schema.items())
            if ours and all(wanted[n] == pl.String for n in left_out):
                return small
    return pl.scan_parquet(part_files).select(pl.exclude(PAYLOADS)).collect().rechunk()


def _without_empty(frame: pl.DataFrame) -> pl.DataFrame:
    """`frame` without its text columns that no row has a value in (a format without IPs,
    diagnoses not yet worked out): read from a file, each is a null text for every row,
    16 bytes a row, where the loaded frame holds one null broadcast instead."""
    empty = [
        n
        for n, t in frame.schema.items()
        if t == pl.String and frame.height and frame[n].null_count() == frame.height
    ]
    return frame.drop(empty)


def _lean_schema() -> pl.Schema:
    return pl.Schema({n: t for n, t in SCHEMA.items() if n not in PAYLOADS})


def _spool_directory(cache) -> Path:
    """Where a lean load writes its parts: in the cache directory, or the system's
    temporary directory when the cache cannot be written."""
    import os
    import tempfile

    prefix = f"{SPOOL}{os.getpid()}-"
    try:
        root = cache.cache_dir()
        root.mkdir(parents=True, exist_ok=True)
        return Path(tempfile.mkdtemp(prefix=prefix, dir=root))
    except OSError:
        return Path(tempfile.mkdtemp(prefix=prefix))


def _write_parts(source: Source, reader: Reader, directory: Path, cache):
    """Parse `source` into Parquet parts in `directory`, a block at a time when its reader
    can; returns (quarantine, part files, the rows without their payloads, each part's
    row count)."""
    read_blocks = getattr(reader, "read_blocks", None)
    blocks = read_blocks(source, BLOCK_BYTES) if read_blocks else None
    files: list[Path] = []
    quarantines: list[pl.DataFrame] = []
    smalls: list[pl.DataFrame] = []
    if blocks is not None:
        # Each part is written while the next block is parsed (both release the GIL);
        # one write in flight at most, so memory stays at about two blocks.
        with ThreadPoolExecutor(1, thread_name_prefix="connlog-part") as writer:
            writing = None
            try:
                for result in blocks:
                    if result.frame.height:
                        smalls.append(_without_empty(result.frame.drop(PAYLOADS)))
                        if writing is not None:
                            files.append(writing.result())
                        writing = writer.submit(
                            cache.write_part, directory, len(files) + 1, result.frame
                        )
                    quarantines.append(result.quarantine)
                if writing is not None:
                    files.append(writing.result())
            except (pl.exceptions.ComputeError, pl.exceptions.NoDataError):
                # Ragged rows or a broken quote: the whole-file reader finds and keeps them.
                if writing is not None:
                    wait([writing])
                for written in directory.glob("frame-*.parquet"):
                    written.unlink(missing_ok=True)
                files, quarantines, smalls, blocks = [], [], [], None
    if blocks is None:
        result = reader.read(source)
        damage = source.damage_row()
        if damage is not None:
            result.quarantine = pl.concat(
                [result.quarantine, quarantine_rows(source.name, [damage])]
            )
        if result.frame.height:
            files.append(cache.write_part(directory, 0, result.frame))
            smalls.append(_without_empty(result.frame.drop(PAYLOADS)))
        quarantines.append(result.quarantine)
    quarantine = pl.concat(quarantines) if quarantines else empty_quarantine()
    # Diagonal: a column one block left out (`_without_empty`) is null in its rows.
    small = pl.concat(smalls, how="diagonal") if smalls else empty_frame().drop(PAYLOADS)
    return quarantine, files, small, [f.height for f in smalls]
