"""A columnar cache of loaded files: reopening a log maps (or reads) columns instead of
parsing text.

After a file is read cold, its canonical frame and quarantine are written into the user's
cache directory (`platformdirs.user_cache_dir("connlog")`, or `$CONNLOG_CACHE_DIR`), never
next to the input. An entry is a directory holding the quarantine and the frame, as either
- one uncompressed Arrow IPC file (an in-memory load's entry), which a reopen maps into
  memory rather than reads: the frame is whole at once, and a payload's bytes are read
  from the page cache when first touched (a 2.8 GB log reopens in ~0.1 s, where decoding
  Parquet took 1.5 s), beside a second one of its payloads with ASCII lower-cased, which
  a search scans instead of the payloads (see `write_folded`; not written for an entry
  too big to stay in the page cache, `folded_fits`); or
- Parquet parts (a lean load's entry, streamed to disk a block at a time), in row groups
  of ROW_GROUP_ROWS so lean mode can read one row's payloads cheaply.
An entry is keyed by the file's resolved
path, the name it was given as, its size and mtime (nanoseconds), connlog's
`schema.SCHEMA_VERSION`, this module's `CACHE_VERSION` and the reader options (format,
mappings); any change gives a new key, so a stale entry is never read. Stale entries are
not deleted at once: the size bound (`$CONNLOG_CACHE_MAX_BYTES`, default 4 GiB) evicts the
least recently used entries first (a hit refreshes an entry's time), whenever one is added.
Several files loaded together in memory (a folder) also get a group entry: see
connlog_tui/cache_groups.py.

Writes are atomic (a temporary directory renamed into place) and run in a background thread
by default, so the first load returns as soon as the text is parsed; `wait()` joins them.
Anything wrong with an entry (truncated, unreadable, wrong columns) counts as a miss: the
entry is deleted and rebuilt from the file. The cache never raises to its caller.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import mmap
import os
import shutil
import tempfile
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import polars as pl

from connlog_tui.payloads import GROUP_ROWS, PAYLOADS, fold_arrow, payload_spans, track_mapping
from connlog_tui.schema import QUARANTINE_SCHEMA, SCHEMA, SCHEMA_VERSION
from connlog_tui.sources.base import ReadResult

# Bump when the entry layout changes (3: in-memory entries are Arrow; 4: with folded
# payloads, and the rows in time order).
CACHE_VERSION = 4
DIR_ENV = "CONNLOG_CACHE_DIR"
MAX_ENV = "CONNLOG_CACHE_MAX_BYTES"
# The bound unless CONNLOG_CACHE_MAX_BYTES sets one: a tenth of the disk the cache is on,
# and at least 4 GiB. A big tenant's log makes an entry of several GB (a 7.7 GB log: 4.3 GB),
# and an entry over the bound is never kept, so every open of that log would be cold.
MIN_MAX_BYTES = 4 * 1024**3
DISK_SHARE = 0.1
QUARANTINE_FILE = "quarantine.parquet"
PART_GLOB = "frame-*.parquet"
ARROW_FILE = "frame.arrow"
FOLDED_FILE = "folded.arrow"
FILES_FILE = "files.json"  # a group entry's files (connlog_tui/cache_groups.py)
# The folded copy is written only when the whole entry (frame and copy) stays within this
# share of physical memory. A reopen maps the entry, and it is fast (and the copy's search
# beats the regex) only while the entry stays in the page cache, which it shares with the
# log itself and everything else: a 10M-row log's 14.7 GB entry on a 24 GB machine did
# not (reopen 2.3-3.0 s, search p95 4.5-6.4 s; without the copy 0.59 s and 1.42 s).
FOLDED_MEMORY_SHARE = 0.5
# Rows folded at a time while an entry's folded payloads are written (~90 MB of text on
# the bench log).
FOLD_ROWS = 32_768
# Payloads (base64, JSON, XML) gain little from heavier codecs, and LZ4 decodes at memory
# speed: reopening is what the cache is for.
COMPRESSION: Final = "lz4"
# Small row groups: a reopen decodes them on every core, and lean mode reads one row's
# payloads by decoding only its group.
ROW_GROUP_ROWS = GROUP_ROWS


@dataclass
class Stats:
    hits: int = 0
    misses: int = 0
    writes: int = 0
    errors: int = 0


stats = Stats()
_pending: list[threading.Thread] = []
_lock = threading.Lock()


def cache_dir() -> Path:
    given = os.environ.get(DIR_ENV)
    if given:
        return Path(given)
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("connlog"))


def max_bytes() -> int:
    """The cache's bound in bytes: CONNLOG_CACHE_MAX_BYTES, else a share of its disk."""
    with contextlib.suppress(KeyError, ValueError):
        return int(os.environ[MAX_ENV])
    return default_max_bytes()


def default_max_bytes() -> int:
    place = cache_dir()
    while not place.exists() and place != place.parent:  # not made yet: its disk is
        place = place.parent
    try:
        disk = shutil.disk_usage(place).total
    except OSError:
        disk = 0
    return max(MIN_MAX_BYTES, int(disk * DISK_SHARE))


def key_for(
    path: Path, name: str, format: str | None = None, mappings: Mapping[str, str] | None = None
) -> str | None:
    """The entry name for this file as it is now, or None when it cannot be statted."""
    try:
        resolved = path.resolve()
        st = resolved.stat()
    except OSError:
        return None
    parts = {
        "path": str(resolved),
        "name": name,
        "size": st.st_size,
        "mtime_ns": st.st_mtime_ns,
        "schema": SCHEMA_VERSION,
        "cache": CACHE_VERSION,
        "columns": [(n, str(t)) for n, t in SCHEMA.items()],
        "format": format,
        "mappings": sorted((mappings or {}).items()),
    }
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()[:32]


def entry_dir(key: str) -> Path:
    """An entry is a directory: the canonical frame (an Arrow file, or Parquet parts)
    and the quarantine."""
    return cache_dir() / key


def part_paths(directory: Path) -> list[Path]:
    """The entry's frame files: its Arrow file, else its Parquet parts in order."""
    arrow = directory / ARROW_FILE
    if arrow.is_file():
        return [arrow]
    return sorted(directory.glob(PART_GLOB))


def is_arrow(files: list[Path]) -> bool:
    return len(files) == 1 and files[0].name == ARROW_FILE


def map_arrow(path: Path) -> pl.DataFrame:
    """The frame in an Arrow IPC file, memory-mapped, not copied. The mapping outlives
    the file: an entry evicted (unlinked) while a frame maps it stays readable. The pages
    of its payload columns' text are the ones `release_pages` hands back."""
    from connlog_tui import arrow

    pa = arrow.pyarrow()
    from pyarrow import ipc

    with path.open("rb") as fh:  # the mapping keeps the file, not the descriptor
        mapping = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ)
    whole = pa.py_buffer(mapping)
    # Arrow's buffers are slices of the mapping (no copy), and keep it alive.
    table = ipc.open_file(pa.BufferReader(whole)).read_all()
    table.validate()  # buffer sizes against lengths: a damaged file is a miss
    # The payload columns' text buffers (after validity and views/offsets), whose pages
    # can be handed back after a scan.
    text = [
        (buffer.address - whole.address, buffer.size)
        for name in PAYLOADS
        if name in table.column_names
        for chunk in table.column(name).chunks
        for buffer in chunk.buffers()[2:]
        if buffer is not None
    ]
    track_mapping(mapping, payload_spans(text))
    frame = pl.from_arrow(table, rechunk=False)
    if not isinstance(frame, pl.DataFrame):
        raise TypeError(f"{path.name}: not a table")
    return frame


def read_frame(files: list[Path]) -> pl.DataFrame:
    """An entry's canonical frame: mapped from its Arrow file, or read from its parts."""
    frame = map_arrow(files[0]) if is_arrow(files) else pl.read_parquet(files)
    if frame.schema != pl.Schema(SCHEMA):
        if set(frame.columns) != set(SCHEMA):
            raise ValueError("wrong columns")
        frame = frame.select(pl.col(n).cast(t) for n, t in SCHEMA.items())
    return frame


def read_folded(directory: Path, rows: int | None = None) -> pl.DataFrame | None:
    """An entry's folded payloads, mapped (None: the entry has none); raises if they do
    not match its frame of `rows` rows."""
    path = directory / FOLDED_FILE
    if not path.is_file():
        return None
    folded = map_arrow(path)
    wrong_rows = rows is not None and folded.height != rows
    if folded.schema != pl.Schema(dict.fromkeys(PAYLOADS, pl.String)) or wrong_rows:
        raise ValueError(f"{path.name}: does not match the frame")
    return folded


def lookup_folded(key: str) -> pl.DataFrame | None:
    """An entry's folded payloads alone, mapped, or None (no entry, none in it, damaged)."""
    try:
        return read_folded(entry_dir(key))
    except Exception:  # then searches go through the regex, as before
        return None


def lookup_parts(key: str) -> tuple[list[Path], pl.DataFrame] | None:
    """An entry's frame files (left on disk; see `part_paths`) and its quarantine, or
    None on a miss."""
    directory = entry_dir(key)
    q_path = directory / QUARANTINE_FILE
    parts = part_paths(directory)
    if not parts or not q_path.is_file():
        return None
    try:
        quarantine = pl.read_parquet(q_path)
        if quarantine.schema != pl.Schema(QUARANTINE_SCHEMA):
            quarantine = quarantine.select(pl.col(n).cast(t) for n, t in QUARANTINE_SCHEMA.items())
        if not is_arrow(parts):  # an Arrow file's schema is checked as it is mapped
            for part in parts:
                if set(pl.read_parquet_schema(part)) != set(SCHEMA):
                    raise ValueError(f"{part.name}: wrong columns")
    except Exception:  # a damaged entry is rebuilt, never an error
        stats.errors += 1
        remove(key)
        return None
    touch(key)
    return parts, quarantine


def lookup(key: str) -> ReadResult | None:
    """The cached result for `key` (an Arrow entry mapped, with its folded payloads;
    Parquet parts read into memory), or None (a missing or damaged entry is a miss)."""
    found = lookup_parts(key)
    if found is None:
        return None
    parts, quarantine = found
    try:
        frame = read_frame(parts)
        folded = read_folded(entry_dir(key), frame.height) if is_arrow(parts) else None
    except Exception:
        stats.errors += 1
        remove(key)
        return None
    return ReadResult(frame, quarantine, folded=folded)


def touch(key: str) -> None:
    """Mark an entry recently used: evicted last."""
    now = time.time()
    with contextlib.suppress(OSError):
        os.utime(entry_dir(key), (now, now))


def new_entry() -> Path:
    """A temporary directory in the cache to write an entry's parts into."""
    root = cache_dir()
    root.mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(prefix=".", suffix=".tmp", dir=root))


def write_part(directory: Path, number: int, frame: pl.DataFrame) -> Path:
    path = directory / f"frame-{number:05d}.parquet"
    frame.write_parquet(
        path, compression=COMPRESSION, statistics=False, row_group_size=ROW_GROUP_ROWS
    )
    return path


def write_arrow(directory: Path, frame: pl.DataFrame) -> Path:
    """The frame as an uncompressed Arrow IPC file in Polars' own layout (string views),
    so a reopen maps it as it is (see `map_arrow`)."""
    path = directory / ARROW_FILE
    frame.write_ipc(path, compression="uncompressed", compat_level=pl.CompatLevel.newest())
    return path


def write_folded(directory: Path, frame: pl.DataFrame) -> Path:
    """The frame's payloads with ASCII lower-cased (`payloads.fold_arrow`), as an Arrow
    file a reopen maps beside the frame's: a search for ASCII text then scans it for the
    lower-cased text as a literal (query.with_folded). It doubles an entry's size; a search
    of every payload of the bench log took ~0.45 s through the case-insensitive regex,
    ~0.2 s this way. Written a slice at a time: the copy is never in memory whole."""
    from connlog_tui import arrow

    arrow.pyarrow()  # imported as connlog imports it
    from pyarrow import ipc

    path = directory / FOLDED_FILE
    with ipc.new_file(str(path), fold_arrow(frame.head(0)).schema) as writer:
        for start in range(0, frame.height, FOLD_ROWS):
            writer.write_table(fold_arrow(frame.slice(start, FOLD_ROWS)))
    return path


def folded_fits(frame_bytes: int, frame: pl.DataFrame) -> bool:
    """Whether an entry of `frame_bytes` plus a folded copy of `frame`'s payloads (their
    bytes and a 16-byte view a value: within kBs of the file written) stays within the
    cache's bound, and within FOLDED_MEMORY_SHARE of physical memory (where known).
    Decided before the copy is written: a copy over the bound was GBs written in vain."""
    from connlog_tui.memory import physical_memory

    # Summed as 64-bit: lengths are 32-bit, and a 10M-row log's payloads (6.6 GB) wrapped.
    lengths = pl.col(PAYLOADS).str.len_bytes().cast(pl.UInt64)
    payload_bytes = frame.select(pl.sum_horizontal(lengths.sum())).item() or 0
    whole = frame_bytes + payload_bytes + 16 * len(PAYLOADS) * frame.height
    physical = physical_memory()
    return whole <= max_bytes() and (not physical or whole <= physical * FOLDED_MEMORY_SHARE)


def commit(key: str, directory: Path, quarantine: pl.DataFrame) -> bool:
    """Make a temporary directory of parts the entry for `key` (atomically, by renaming
    it), then evict over the bound. Returns whether the entry was kept."""
    try:
        quarantine.write_parquet(directory / QUARANTINE_FILE, compression=COMPRESSION)
        target = entry_dir(key)
        if target.exists():
            remove(key)
        os.replace(directory, target)
    except Exception:  # a full disk or read-only cache must not stop a load
        stats.errors += 1
        shutil.rmtree(directory, ignore_errors=True)
        return False
    stats.writes += 1
    evict(keep=key)
    return target.exists()


def store(key: str, result: ReadResult, files: Mapping[str, object] | None = None) -> bool:
    """Write an entry atomically, then evict the least recently used ones over the bound.
    `files`: a group entry's FILES_FILE (connlog_tui/cache_groups.py). Returns whether the
    entry was kept."""
    try:
        directory = new_entry()
    except OSError:
        stats.errors += 1
        return False
    try:
        if files is not None:
            (directory / FILES_FILE).write_text(json.dumps(files), encoding="utf-8")
        arrow = write_arrow(directory, result.frame)
        # Without the copy when it does not fit: a reopen is still mapped, its search
        # goes through the regex.
        if folded_fits(arrow.stat().st_size, result.frame):
            write_folded(directory, result.frame)
    except Exception:
        stats.errors += 1
        shutil.rmtree(directory, ignore_errors=True)
        return False
    return commit(key, directory, result.quarantine)


def store_later(key: str, result: ReadResult, files: Mapping[str, object] | None = None) -> None:
    """`store` in a background thread (`wait` joins it)."""
    thread = threading.Thread(target=store, args=(key, result, files), name="connlog-cache")
    with _lock:
        _pending[:] = [t for t in _pending if t.is_alive()]
        _pending.append(thread)
    thread.start()


def remove(key: str) -> None:
    shutil.rmtree(entry_dir(key), ignore_errors=True)


def entries() -> list[tuple[str, float, int]]:
    """(key, last used, bytes) for each entry, least recently used first."""
    root = cache_dir()
    found = []
    try:
        listing = [p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")]
    except OSError:
        return []
    for directory in listing:
        try:
            used = directory.stat().st_mtime
            size = sum(p.stat().st_size for p in directory.iterdir())
        except OSError:
            continue
        found.append((directory.name, used, size))
    return sorted(found, key=lambda e: e[1])


def evict(keep: str | None = None, limit: int | None = None) -> list[str]:
    """Delete least recently used entries until the cache fits its bound. `keep` goes
    last, and goes too only if it alone is over the bound. Returns the keys removed."""
    limit = max_bytes() if limit is None else limit
    listed = entries()
    listed.sort(key=lambda e: (e[0] == keep, e[1]))
    total = sum(n for _, _, n in listed)
    removed = []
    for key, _, size in listed:
        if total <= limit:
            break
        remove(key)
        removed.append(key)
        total -= size
    _sweep_temporaries()
    return removed


def _sweep_temporaries(older_than: float = 3600.0) -> None:
    """Temporary entries a killed writer left behind, and the spools of lean loads whose
    process is gone."""
    cutoff = time.time() - older_than
    root = cache_dir()
    with contextlib.suppress(OSError):
        for path in root.glob(".*.tmp"):
            with contextlib.suppress(OSError):
                if path.stat().st_mtime < cutoff:
                    if path.is_dir():
                        shutil.rmtree(path, ignore_errors=True)
                    else:
                        path.unlink()
        for path in root.glob(".spool-*"):  # a lean load's parts, if its process is gone
            pid = path.name.split("-")[1]
            if pid.isdigit() and not _alive(int(pid)):
                shutil.rmtree(path, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # exists, owned by someone else
    return True


def read_through(
    path: Path,
    name: str,
    read: Callable[[], ReadResult],
    *,
    format: str | None = None,
    mappings: Mapping[str, str] | None = None,
    background: bool = True,
    write: bool = True,
) -> ReadResult:
    """`read()`'s result for this file: from the cache when an entry matches, otherwise
    read and, if `write`, stored (in a background thread unless `background` is false).
    A one-shot command passes write=False: the process would otherwise wait at exit for a
    write that costs more than its own work."""
    key = key_for(path, name, format, mappings)
    if key is None or is_parquet(path):
        return read()
    if (cached := lookup(key)) is not None:
        with _lock:  # the files of a folder are read on several threads
            stats.hits += 1
        return cached
    with _lock:
        stats.misses += 1
    result = read()
    if not write or key_for(path, name, format, mappings) != key:
        return result  # not wanted, or the file changed while it was read (a mixture)
    if background:
        store_later(key, result)
    else:
        store(key, result)
    return result


def wait(timeout: float | None = None) -> None:
    """Block until background cache writes have finished."""
    with _lock:
        threads = list(_pending)
    for thread in threads:
        thread.join(timeout)


def is_parquet(path: Path) -> bool:
    """Parquet inputs are already columnar: caching them gains nothing."""
    try:
        with path.open("rb") as fh:
            return fh.read(4) == b"PAR1"
    except OSError:
        return False
