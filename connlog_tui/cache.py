"""A columnar cache of loaded files: reopening a log reads Parquet instead of parsing text.

After a file is read cold, its canonical frame and quarantine are written as Parquet into
the user's cache directory (`platformdirs.user_cache_dir("connlog")`, or
`$CONNLOG_CACHE_DIR`), never next to the input. An entry is keyed by the file's resolved
path, the name it was given as, its size and mtime (nanoseconds), connlog's
`schema.SCHEMA_VERSION`, this module's `CACHE_VERSION` and the reader options (format,
mappings); any change gives a new key, so a stale entry is never read. Stale entries are
not deleted at once: the size bound (`$CONNLOG_CACHE_MAX_BYTES`, default 4 GiB) evicts the
least recently used entries first (a hit refreshes an entry's time), whenever one is added.

Writes are atomic (a temporary file renamed into place) and run in a background thread
by default, so the first load returns as soon as the text is parsed; `wait()` joins them.
Anything wrong with an entry (truncated, unreadable, wrong columns) counts as a miss: the
entry is deleted and rebuilt from the file. The cache never raises to its caller.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from connlog_tui.schema import QUARANTINE_SCHEMA, SCHEMA, SCHEMA_VERSION
from connlog_tui.sources.base import ReadResult

CACHE_VERSION = 1  # bump when the entry layout changes
DIR_ENV = "CONNLOG_CACHE_DIR"
MAX_ENV = "CONNLOG_CACHE_MAX_BYTES"
DEFAULT_MAX_BYTES = 4 * 1024**3
FRAME_SUFFIX = ".frame.parquet"
QUARANTINE_SUFFIX = ".quarantine.parquet"
# Payloads (base64, JSON, XML) gain little from heavier codecs, and LZ4 decodes at memory
# speed: reopening is what the cache is for.
COMPRESSION = "lz4"


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
    try:
        return int(os.environ.get(MAX_ENV, DEFAULT_MAX_BYTES))
    except ValueError:
        return DEFAULT_MAX_BYTES


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


def lookup(key: str) -> ReadResult | None:
    """The cached result for `key`, or None (a missing or damaged entry is a miss)."""
    root = cache_dir()
    frame_path, q_path = root / (key + FRAME_SUFFIX), root / (key + QUARANTINE_SUFFIX)
    if not frame_path.is_file() or not q_path.is_file():
        return None
    try:
        frame = pl.read_parquet(frame_path)
        quarantine = pl.read_parquet(q_path)
        if frame.schema != pl.Schema(SCHEMA):
            frame = frame.select(pl.col(n).cast(t) for n, t in SCHEMA.items())
        if quarantine.schema != pl.Schema(QUARANTINE_SCHEMA):
            quarantine = quarantine.select(pl.col(n).cast(t) for n, t in QUARANTINE_SCHEMA.items())
    except Exception:  # noqa: BLE001 - a damaged entry is rebuilt, never an error
        stats.errors += 1
        _remove(key)
        return None
    now = time.time()
    for p in (frame_path, q_path):
        with contextlib.suppress(OSError):
            os.utime(p, (now, now))  # recently used: evicted last
    return ReadResult(frame, quarantine)


def store(key: str, result: ReadResult) -> bool:
    """Write an entry atomically, then evict the least recently used ones over the bound.
    Returns whether the entry was kept."""
    root = cache_dir()
    try:
        root.mkdir(parents=True, exist_ok=True)
        _write_atomic(root / (key + QUARANTINE_SUFFIX), result.quarantine)
        # The frame last: an entry counts only once its frame is there.
        _write_atomic(root / (key + FRAME_SUFFIX), result.frame)
    except Exception:  # noqa: BLE001 - a full disk or read-only cache must not stop a load
        stats.errors += 1
        _remove(key)
        return False
    stats.writes += 1
    evict(keep=key)
    return (root / (key + FRAME_SUFFIX)).exists()


def _write_atomic(target: Path, frame: pl.DataFrame) -> None:
    fd, tmp = tempfile.mkstemp(prefix=".", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            frame.write_parquet(fh, compression=COMPRESSION, statistics=False)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _remove(key: str) -> None:
    root = cache_dir()
    for suffix in (FRAME_SUFFIX, QUARANTINE_SUFFIX):
        with contextlib.suppress(OSError):
            (root / (key + suffix)).unlink()


def entries() -> list[tuple[str, float, int]]:
    """(key, last used, bytes) for each entry, least recently used first."""
    root = cache_dir()
    found: dict[str, list[float]] = {}
    try:
        listing = list(root.iterdir())
    except OSError:
        return []
    for path in listing:
        for suffix in (FRAME_SUFFIX, QUARANTINE_SUFFIX):
            if path.name.endswith(suffix):
                try:
                    st = path.stat()
                except OSError:
                    continue
                entry = found.setdefault(path.name.removesuffix(suffix), [0.0, 0])
                entry[0] = max(entry[0], st.st_mtime)
                entry[1] += st.st_size
    return sorted(((k, t, int(n)) for k, (t, n) in found.items()), key=lambda e: e[1])


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
        _remove(key)
        removed.append(key)
        total -= size
    _sweep_temporaries()
    return removed


def _sweep_temporaries(older_than: float = 3600.0) -> None:
    """Temporary files a killed writer left behind."""
    cutoff = time.time() - older_than
    with contextlib.suppress(OSError):
        for path in cache_dir().glob(".*.tmp"):
            with contextlib.suppress(OSError):
                if path.stat().st_mtime < cutoff:
                    path.unlink()


def read_through(
    path: Path,
    name: str,
    read: Callable[[], ReadResult],
    *,
    format: str | None = None,
    mappings: Mapping[str, str] | None = None,
    background: bool = True,
) -> ReadResult:
    """`read()`'s result for this file: from the cache when an entry matches, otherwise
    read and stored (in a background thread unless `background` is false)."""
    key = key_for(path, name, format, mappings)
    if key is None or _is_parquet(path):
        return read()
    cached = lookup(key)
    if cached is not None:
        stats.hits += 1
        return cached
    stats.misses += 1
    result = read()
    if key_for(path, name, format, mappings) != key:
        return result  # the file changed while it was read: don't cache a mixture
    if background:
        thread = threading.Thread(target=store, args=(key, result), name="connlog-cache")
        with _lock:
            _pending[:] = [t for t in _pending if t.is_alive()]
            _pending.append(thread)
        thread.start()
    else:
        store(key, result)
    return result


def wait(timeout: float | None = None) -> None:
    """Block until background cache writes have finished."""
    with _lock:
        threads = list(_pending)
    for thread in threads:
        thread.join(timeout)


def _is_parquet(path: Path) -> bool:
    """Parquet inputs are already columnar: caching them gains nothing."""
    try:
        with path.open("rb") as fh:
            return fh.read(4) == b"PAR1"
    except OSError:
        return False
