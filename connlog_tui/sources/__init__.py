"""Readers, one per log format, each producing the canonical frame; and `load`, which
expands paths, picks a reader per file (or the one forced) and merges the results."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from pathlib import Path
from typing import TypeVar

import polars as pl

from connlog_tui.errors import ConnlogError
from connlog_tui.memory import should_be_lean
from connlog_tui.payloads import PayloadStore
from connlog_tui.schema import finish
from connlog_tui.sources import lean as lean_load
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
from connlog_tui.sources.mapped import MappedReader, key_mappings, load_named, saved_names
from connlog_tui.sources.mixpanel import MixpanelReader
from connlog_tui.sources.okta import OktaReader
from connlog_tui.sources.purview import PurviewReader
from connlog_tui.stdin import shown_name

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

# Files of a folder read at a time in memory: one file's reading leaves a core idle part
# of the time (detection, Python-side checks, small frames), which another file's fills.
READ_WORKERS = min(4, os.cpu_count() or 1)

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


def expand_marked(paths: list[str]) -> list[tuple[Path, str, bool]]:
    """`expand`, each file marked with whether it was found inside a directory (such a
    file may be skipped when it cannot be read: see `load`)."""
    found: list[tuple[Path, str, bool]] = []
    for given in paths:
        path = Path(given)
        if path.is_dir():
            inside = sorted(
                p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in LOG_SUFFIXES
            )
            if not inside:
                raise ConnlogError("directory holds no log files", given)
            found.extend((p, str(p), True) for p in inside)
        else:
            found.append((path, shown_name(given), False))
    return found


def expand(paths: list[str]) -> list[tuple[Path, str]]:
    """Paths as given, with each directory replaced by the log files inside it."""
    return [(path, name) for path, name, _ in expand_marked(paths)]


def why(exc: ConnlogError) -> str:
    """A ConnlogError's message without the file name it starts with."""
    return str(exc).removeprefix(f"{exc.path}: ") if exc.path else str(exc)


R = TypeVar("R")


def readable(
    found: list[tuple[Path, str, bool]],
    read: Callable[[Path, str], R],
    workers: int = 1,
) -> tuple[list[tuple[Path, str, R]], list[tuple[str, str]]]:
    """`read(path, name)` of every file, except that a file found inside a directory that
    cannot be read (not a recognised format, empty, binary...) is skipped, with why, so
    one stray file does not stop a folder from opening. A file named on its own stops
    the load with its error, and so does a load where every file was skipped.
    `workers` > 1 reads that many files at a time, on threads (Polars' readers release
    the GIL); results, skips and the error raised are those of reading them in order."""
    done: list[tuple[Path, str, R]] = []
    skipped: list[tuple[str, str]] = []
    attempts = _attempts(found, read, workers)
    for (path, name, in_directory), attempt in zip(found, attempts, strict=True):
        try:
            done.append((path, name, attempt()))
        except ConnlogError as exc:
            if not in_directory:
                raise
            skipped.append((name, why(exc)))
    if skipped and not done:
        name, reason = skipped[0]
        more = f" ({len(skipped) - 1} more files skipped)" if len(skipped) > 1 else ""
        raise ConnlogError(f"no file could be read: {reason}{more}", name)
    return done, skipped


def _attempts(
    found: list[tuple[Path, str, bool]], read: Callable[[Path, str], R], workers: int
) -> Iterator[Callable[[], R]]:
    """Per file, in order, a call giving `read`'s result or raising its error."""
    if workers < 2 or len(found) < 2:
        for path, name, _ in found:
            yield partial(read, path, name)
        return
    with ThreadPoolExecutor(min(workers, len(found)), thread_name_prefix="connlog-read") as pool:
        futures = [pool.submit(read, path, name) for path, name, _ in found]
        try:
            for future in futures:
                yield future.result
        finally:  # a file that stops the load: the ones not started yet are not read
            for future in futures:
                future.cancel()


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
    write_cache: bool = True,
) -> ReadResult:
    forced = _reader_for(format, mappings)

    def read() -> ReadResult:
        source = open_source(path, name)
        reader = forced or detect(source)
        result = reader.read(source)
        if not result.frame["time"].is_sorted():
            # In time order before it is cached, as `merge` would order it: a reopened
            # frame is then used as mapped, and its folded payloads stay row for row.
            result.frame = result.frame.sort("time", maintain_order=True)
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

    mappings = key_mappings(forced, mappings)
    return cache.read_through(path, name, read, format=format, mappings=mappings, write=write_cache)


def cached_folded(
    paths: list[str], format: str | None = None, mappings: dict[str, str] | None = None
) -> pl.DataFrame | None:
    """The folded payloads (ReadResult.folded) of the files' cache entry, mapped: what a
    first load, which has none, can search once its background cache write has ended
    (cache.wait). Of several files, their group entry's (their merged rows, in the order
    the load gave them). None when the entry has none or a file has changed since."""
    from connlog_tui import cache

    marked = expand_marked(paths)
    if len(marked) != 1:
        key = _group_key(marked, format, mappings)
    else:
        path, name, _ = marked[0]
        key = cache.key_for(
            path, name, format, key_mappings(_reader_for(format, mappings), mappings)
        )
    return cache.lookup_folded(key) if key is not None else None


def load(
    paths: list[str],
    format: str | None = None,
    use_cache: bool = True,
    mappings: dict[str, str] | None = None,
    plus_addressing: bool = False,
    lean: bool | None = False,
    memory_budget: int | None = None,
    write_cache: bool = True,
) -> ReadResult:
    """Read every path into one canonical frame, merged in time order. `use_cache`: reopen
    unchanged files from the columnar cache, and cache the ones read cold (unless
    `write_cache` is false: then entries are used, none written; lean mode's cold load
    still streams into the cache, which holds its payloads). `mappings`
    (canonical column -> source field path, from --map) reads every file through them.
    `plus_addressing`: match users ignoring `+tag` in the local part. `lean`: leave the
    payloads on disk (connlog_tui/payloads.py); None decides by the files' size against
    `memory_budget` (bytes; default a share of available memory)."""
    marked = expand_marked(paths)
    if lean is None:
        total = sum(path.stat().st_size for path, _, _ in marked if path.is_file())
        lean = should_be_lean(total, memory_budget)
    store = None
    group = None  # the files' group entry in the cache (in-memory loads of several files)
    if lean:
        parts, start = [], 0
        forced = _reader_for(format, mappings)

        def read_lean(path: Path, name: str) -> ReadResult:
            nonlocal parts, start
            result, file_parts = lean_load.read_file(
                path, name, forced, detect, format, use_cache, mappings, start
            )
            parts += file_parts
            start += result.frame.height
            return result

        done, skipped = readable(marked, read_lean)
        spools = {p.path.parent for p in parts if p.path.parent.name.startswith(lean_load.SPOOL)}
        store = PayloadStore(parts, spools=sorted(spools))
    else:
        group = _group_key(marked, format, mappings) if use_cache else None
        hit = _group_hit(group, plus_addressing) if group else None
        if hit is not None:
            return hit
        done, skipped = readable(
            marked,
            lambda path, name: read_file(path, name, format, use_cache, mappings, write_cache),
            workers=READ_WORKERS,
        )
    found = [(path, name) for path, name, _ in done]
    results = [result for _, _, result in done]
    merged = merge(results)
    merged.skipped = skipped
    merged.payloads = store
    counts = [
        (name, r.frame.height, r.quarantine.height)
        for (_, name), r in zip(found, results, strict=True)
    ]
    # Unless a file changed while it was read: then the merged rows are a mixture.
    if group and write_cache and _group_key(marked, format, mappings) == group:
        from connlog_tui import cache

        files = {"files": counts, "skipped": skipped}
        cache.store_later(group, ReadResult(merged.frame, merged.quarantine), files)
    # finish() adds columns and keeps the rows as they are: `merged.folded` stays aligned.
    merged.frame = finish(merged.frame, plus_addressing=plus_addressing)
    merged.files = counts
    return merged


def _group_key(
    marked: list[tuple[Path, str, bool]], format: str | None, mappings: dict[str, str] | None
) -> str | None:
    """The cache's group entry for several files read in memory (cache_groups.group_key);
    None for one file, or when a file has no entry of its own (stdin, a pipe, Parquet)."""
    from connlog_tui import cache, cache_groups

    # Regular files only: opening a FIFO to see whether it is Parquet would wait for a writer.
    if len(marked) < 2 or not all(path.is_file() for path, _, _ in marked):
        return None
    if any(cache.is_parquet(path) for path, _, _ in marked):
        return None
    mappings = key_mappings(_reader_for(format, mappings), mappings)
    keys = [cache.key_for(p, name, format, mappings) for p, name, _ in marked]
    return cache_groups.group_key(keys)


def _group_hit(key: str, plus_addressing: bool) -> ReadResult | None:
    """The files' merged result from their group entry, finished as a load finishes it."""
    from connlog_tui import cache, cache_groups

    found = cache_groups.lookup_group(key)
    if found is None:
        return None
    cache.stats.hits += 1
    merged, files = found
    merged.frame = finish(merged.frame, plus_addressing=plus_addressing)
    merged.files = [(str(name), int(rows), int(bad)) for name, rows, bad in files["files"]]
    merged.skipped = [(str(name), str(why)) for name, why in files["skipped"]]
    return merged


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
    "expand_marked",
    "load",
    "preview",
    "read_file",
]
