"""Readers, one per log format, each producing the canonical frame; and `load`, which
expands paths, picks a reader per file (or the one forced) and merges the results."""

from __future__ import annotations

import contextlib
import json
from concurrent.futures import ThreadPoolExecutor, wait
from pathlib import Path

import polars as pl

from connlog_tui.errors import ConnlogError
from connlog_tui.memory import should_be_lean
from connlog_tui.payloads import PAYLOADS, POS, Part, PayloadStore
from connlog_tui.schema import SCHEMA, empty_frame, empty_quarantine, finish
from connlog_tui.sources.auth0 import Auth0Reader
from connlog_tui.sources.base import (
    Reader,
    ReadResult,
    Source,
    merge,
    open_source,
    quarantine_rows,
)
from connlog_tui.sources.data_connector import DataConnectorReader
from connlog_tui.sources.entra import EntraReader
from connlog_tui.sources.google_workspace import GoogleWorkspaceReader
from connlog_tui.sources.mangoapps import MangoAppsReader
from connlog_tui.sources.mapped import MappedReader, load_named, saved_names
from connlog_tui.sources.mixpanel import MixpanelReader
from connlog_tui.sources.okta import OktaReader
from connlog_tui.sources.purview import PurviewReader

# Order matters only for ties in sniffing: more specific formats first.
READERS: list[Reader] = [
    MangoAppsReader(),
    PurviewReader(),
    DataConnectorReader(),
    MixpanelReader(),
    OktaReader(),
    EntraReader(),
    Auth0Reader(),
    GoogleWorkspaceReader(),
]

LOG_SUFFIXES = {".csv", ".json", ".jsonl", ".ndjson", ".log", ".txt", ".parquet", ".gz"}


def reader_named(name: str) -> Reader:
    for reader in READERS:
        if reader.name == name:
            return reader
    saved = load_named(name)  # a mapping saved as formats/NAME.toml in the config dir
    if saved is not None:
        return saved
    known = ", ".join([r.name for r in READERS] + saved_names())
    raise ConnlogError(f"unknown format {name!r} (known: {known})")


def describe_formats() -> list[tuple[str, str]]:
    """(name, one-line description) of every format, saved mappings included."""
    found = [(r.name, r.description) for r in READERS]
    for name in saved_names():
        try:
            reader = load_named(name)
        except ConnlogError as exc:
            found.append((name, f"saved mapping (unreadable: {exc})"))
            continue
        if reader is not None:
            found.append((name, f"saved mapping: {reader.description}"))
    return found


def _reader_for(format: str | None, mappings: dict[str, str] | None) -> Reader | None:
    if mappings:
        return MappedReader(format or "mapped", mappings)
    return reader_named(format) if format else None


def expand(paths: list[str]) -> list[tuple[Path, str]]:
    """Paths as given, with each directory replaced by the log files inside it."""
    found: list[tuple[Path, str]] = []
    for given in paths:
        path = Path(given)
        if path.is_dir():
            inside = sorted(
                p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in LOG_SUFFIXES
            )
            if not inside:
                raise ConnlogError("directory holds no log files", given)
            found.extend((p, str(p)) for p in inside)
        else:
            found.append((path, given))
    return found


def detect(source: Source) -> Reader:
    scored = sorted(((r.sniff(source), i, r) for i, r in enumerate(READERS)), reverse=True)
    best_score, _, best = scored[0]
    if best_score >= 0.5:
        return best
    near = [f"{r.name} ({score:.2f})" for score, _, r in scored[:3] if score > 0]
    closest = f"closest: {', '.join(near)}" if near else "no format comes close"
    raise ConnlogError(
        f"format not recognised ({closest}; try --format or --map; `connlog formats` lists them)",
        source.name,
    )


def read_file(
    path: Path,
    name: str,
    format: str | None = None,
    use_cache: bool = True,
    mappings: dict[str, str] | None = None,
) -> ReadResult:
    forced = _reader_for(format, mappings)

    def read() -> ReadResult:
        source = open_source(path, name)
        reader = forced or detect(source)
        result = reader.read(source)
        damage = source.damage_row()
        if damage is not None:  # a cut-off gzip file: say where it stops, keep its last line
            cut = quarantine_rows(name, [damage])
            result.quarantine = pl.concat([result.quarantine, cut])
        return result

    if not use_cache:
        return read()
    if not path.is_file():
        open_source(path, name)  # missing, a directory, a FIFO...: its error, before the
        # cache opens it (opening a FIFO would wait for a writer)
    from connlog_tui import cache  # Parquet cache of earlier loads (connlog_tui/cache.py)

    if isinstance(forced, MappedReader):
        mappings = forced.mappings  # a saved mapping's content is part of the cache key
    return cache.read_through(path, name, read, format=format, mappings=mappings)


def load(
    paths: list[str],
    format: str | None = None,
    use_cache: bool = True,
    mappings: dict[str, str] | None = None,
    plus_addressing: bool = False,
    lean: bool | None = False,
    memory_budget: int | None = None,
) -> ReadResult:
    """Read every path into one canonical frame, merged in time order. `use_cache`: reopen
    unchanged files from the columnar cache, and cache the ones read cold. `mappings`
    (canonical column -> source field path, from --map) reads every file through them.
    `plus_addressing`: match users ignoring `+tag` in the local part. `lean`: leave the
    payloads on disk (connlog_tui/payloads.py); None decides by the files' size against
    `memory_budget` (bytes; default a share of available memory)."""
    found = expand(paths)
    if lean is None:
        total = sum(path.stat().st_size for path, _ in found if path.is_file())
        lean = should_be_lean(total, memory_budget)
    store = None
    if lean:
        results, parts, start = [], [], 0
        for path, name in found:
            result, file_parts = read_file_lean(path, name, format, use_cache, mappings, start)
            results.append(result)
            parts += file_parts
            start += result.frame.height
        spools = {p.path.parent for p in parts if p.path.parent.name.startswith(SPOOL_PREFIX)}
        store = PayloadStore(parts, spools=sorted(spools))
    else:
        results = [read_file(path, name, format, use_cache, mappings) for path, name in found]
    merged = merge(results)
    merged.payloads = store
    merged.frame = finish(merged.frame, plus_addressing=plus_addressing)
    merged.files = [
        (name, r.frame.height, r.quarantine.height)
        for (_, name), r in zip(found, results, strict=True)
    ]
    return merged


SPOOL_PREFIX = ".spool-"
BLOCK_BYTES = 16 * 1024**2  # text parsed at a time by a lean load


def read_file_lean(
    path: Path,
    name: str,
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

    forced = _reader_for(format, mappings)
    if isinstance(forced, MappedReader):
        mappings = forced.mappings
    source = open_source(path, name)
    key = None
    if use_cache and not source.is_parquet:
        key = cache.key_for(path, name, format, mappings)
    found = cache.lookup_parts(key) if key else None
    if found is not None:
        cache.stats.hits += 1
        part_files, quarantine = found
        small = _lean_columns(part_files)
    else:
        if key:
            cache.stats.misses += 1
        directory = _spool_directory(cache)
        quarantine, part_files, small, part_rows = _write_parts(source, forced, directory, cache)
        # The small columns in one file too: a reopen reads them in one go (the parts'
        # 1024-row groups would leave them in a thousand chunks).
        small.write_parquet(directory / LEAN_FILE, compression=cache.COMPRESSION)
        (directory / PARTS_FILE).write_text(json.dumps({"rows": part_rows}))
        if key and cache.key_for(path, name, format, mappings) == key:
            size = sum(p.stat().st_size for p in directory.iterdir())
            if size <= cache.max_bytes() and cache.commit(key, directory, quarantine):
                part_files = cache.part_paths(cache.entry_dir(key))
    parts = []
    for part_file, rows in zip(part_files, _part_rows(part_files), strict=True):
        parts.append(Part(part_file, start + sum(p.rows for p in parts), rows))
    frame = small.with_columns(pl.lit(None, pl.String).alias(c) for c in PAYLOADS).with_columns(
        (pl.int_range(pl.len(), dtype=pl.UInt64) + start).alias(POS)
    )
    return ReadResult(frame.select(*SCHEMA, POS), quarantine), parts


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
            if small.schema == _lean_schema():
                return small
    return pl.scan_parquet(part_files).select(pl.exclude(PAYLOADS)).collect().rechunk()


def _lean_schema() -> pl.Schema:
    return pl.Schema({n: t for n, t in SCHEMA.items() if n not in PAYLOADS})


def _spool_directory(cache) -> Path:
    """Where a lean load writes its parts: in the cache directory, or the system's
    temporary directory when the cache cannot be written."""
    import os
    import tempfile

    prefix = f"{SPOOL_PREFIX}{os.getpid()}-"
    try:
        root = cache.cache_dir()
        root.mkdir(parents=True, exist_ok=True)
        return Path(tempfile.mkdtemp(prefix=prefix, dir=root))
    except OSError:
        return Path(tempfile.mkdtemp(prefix=prefix))


def _write_parts(source: Source, forced: Reader | None, directory: Path, cache):
    """Parse `source` into Parquet parts in `directory`, a block at a time when its reader
    can; returns (quarantine, part files, the rows without their payloads, each part's
    row count)."""
    reader = forced or detect(source)
    read_blocks = getattr(reader, "read_blocks", None)
    blocks = read_blocks(source, BLOCK_BYTES) if read_blocks else None
    files, quarantines, smalls = [], [], []
    if blocks is not None:
        # Each part is written while the next block is parsed (both release the GIL);
        # one write in flight at most, so memory stays at about two blocks.
        with ThreadPoolExecutor(1, thread_name_prefix="connlog-part") as writer:
            writing = None
            try:
                for result in blocks:
                    if result.frame.height:
                        smalls.append(result.frame.drop(PAYLOADS))
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
            smalls.append(result.frame.drop(PAYLOADS))
        quarantines.append(result.quarantine)
    quarantine = pl.concat(quarantines) if quarantines else empty_quarantine()
    small = pl.concat(smalls) if smalls else empty_frame().drop(PAYLOADS)
    return quarantine, files, small, [f.height for f in smalls]


def preview(paths: list[str], format: str | None = None, rows: int = 500) -> ReadResult | None:
    """The first rows of the first file, read cheaply, to show while the full load runs.
    None when its reader cannot read a part of a file (or there are several files, whose
    merged order only the full load knows)."""
    found = expand(paths)
    if len(found) != 1:
        return None
    source = open_source(*found[0])
    reader = reader_named(format) if format else detect(source)
    read_head = getattr(reader, "preview", None)
    if read_head is None:
        return None
    result = read_head(source, rows)
    result.frame = finish(result.frame)
    return result


__all__ = [
    "READERS",
    "ReadResult",
    "Reader",
    "Source",
    "describe_formats",
    "detect",
    "expand",
    "load",
    "preview",
    "read_file",
]
