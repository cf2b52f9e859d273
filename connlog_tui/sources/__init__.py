"""Readers, one per log format, each producing the canonical frame; and `load`, which
expands paths, picks a reader per file (or the one forced) and merges the results."""

from __future__ import annotations

from pathlib import Path

from connlog_tui.errors import ConnlogError
from connlog_tui.schema import finish
from connlog_tui.sources.base import Reader, ReadResult, Source, merge, open_source
from connlog_tui.sources.entra import EntraReader
from connlog_tui.sources.mangoapps import MangoAppsReader
from connlog_tui.sources.okta import OktaReader
from connlog_tui.sources.purview import PurviewReader

# Order matters only for ties in sniffing: more specific formats first.
READERS: list[Reader] = [MangoAppsReader(), PurviewReader(), OktaReader(), EntraReader()]

LOG_SUFFIXES = {".csv", ".json", ".jsonl", ".ndjson", ".log", ".txt", ".parquet", ".gz"}


def reader_named(name: str) -> Reader:
    for reader in READERS:
        if reader.name == name:
            return reader
    known = ", ".join(r.name for r in READERS)
    raise ConnlogError(f"unknown format {name!r} (known: {known})")


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
    raise ConnlogError(
        "format not recognised (try --format; `connlog formats` lists them)", source.name
    )


def read_file(
    path: Path, name: str, format: str | None = None, use_cache: bool = True
) -> ReadResult:
    def read() -> ReadResult:
        source = open_source(path, name)
        reader = reader_named(format) if format else detect(source)
        return reader.read(source)

    if not use_cache:
        return read()
    from connlog_tui import cache  # Parquet cache of earlier loads (connlog_tui/cache.py)

    return cache.read_through(path, name, read, format=format)


def load(paths: list[str], format: str | None = None, use_cache: bool = True) -> ReadResult:
    """Read every path into one canonical frame, merged in time order. `use_cache`: reopen
    unchanged files from the columnar cache, and cache the ones read cold."""
    results = [read_file(path, name, format, use_cache) for path, name in expand(paths)]
    merged = merge(results)
    merged.frame = finish(merged.frame)
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
    "detect",
    "expand",
    "load",
    "preview",
    "read_file",
]
