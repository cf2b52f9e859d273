"""Where the payloads should live: in memory, or on disk (lean mode), decided before
Polars is imported, because lean mode also tunes Polars' allocator (jemalloc reads its
settings once, when the library loads)."""

from __future__ import annotations

import os
import re
from pathlib import Path

# Lean mode starts when the files would take more than this share of available memory
# (a loaded frame is about as big as its text; the config's `memory_budget` overrides).
DEFAULT_BUDGET_SHARE = 0.25
# Return freed memory to the system within 10 ms, from one arena: a lean load frees a
# block's buffers before parsing the next, and with Polars' default (500 ms, an arena per
# core) the freed pages stay resident (~25% higher peak RSS on the bench log). Returned
# at once (0 ms), every page of the next batch faults in afresh: a payload search read
# from the cache took twice as long (1.3M page faults for 1M rows). One arena reuses what
# another thread freed (the stitching's peak: -35 MB). A user's own setting wins.
LEAN_MALLOC_CONF = "dirty_decay_ms:10,muzzy_decay_ms:0,narenas:1"
# What importing Polars puts into os.environ when the setting is unset. Found in ours, it
# was passed on by a parent Python process that imported Polars (a script, a test run),
# not chosen by the user: lean mode's setting replaces it (kept, the lean app peaked ~40%
# higher on the bench log).
POLARS_MALLOC_CONF = "dirty_decay_ms:500,muzzy_decay_ms:1000"


def available_memory() -> int | None:
    """Bytes of memory available now (Linux: MemAvailable), else physical memory."""
    try:
        with open("/proc/meminfo", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return physical_memory()


def physical_memory() -> int | None:
    """Bytes of physical memory, or None where the system does not say."""
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        return None


def default_budget() -> int | None:
    available = available_memory()
    return int(available * DEFAULT_BUDGET_SHARE) if available else None


def input_bytes(paths: list[str]) -> int:
    """The size of the files given (a directory: the files under it)."""
    total = 0
    for given in paths:
        path = Path(given)
        try:
            if path.is_dir():
                total += sum(p.stat().st_size for p in path.rglob("*") if p.is_file())
            elif path.is_file():
                total += path.stat().st_size
        except OSError:
            continue
    return total


def parse_size(value: object) -> int:
    """A size in bytes: a whole number, or text like "512MB", "2GB", "1.5 GiB"."""
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return value
    units = {"": 1, "b": 1, "kb": 10**3, "mb": 10**6, "gb": 10**9, "tb": 10**12}
    units |= {"kib": 2**10, "mib": 2**20, "gib": 2**30, "tib": 2**40}
    found = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*", str(value))
    if found and found[2].lower() in units and float(found[1]) > 0:
        return int(float(found[1]) * units[found[2].lower()])
    raise ValueError('want a size like "2GB", "512MB" or a number of bytes')


def configured_budget() -> int | None:
    """The config file's `memory_budget`, read without the rest of connlog (and so
    without Polars); None when unset or unreadable (the config loader reports that)."""
    import platformdirs

    path = Path(platformdirs.user_config_dir("connlog")) / "config.toml"
    try:
        raw = path.read_bytes()
    except OSError:
        return None
    import tomllib  # only once there is a file to parse

    try:
        value = tomllib.loads(raw.decode()).get("memory_budget")
        return None if value is None else parse_size(value)
    except (ValueError, tomllib.TOMLDecodeError):
        return None


def should_be_lean(total_bytes: int, budget: int | None) -> bool:
    budget = default_budget() if budget is None else budget
    return budget is not None and total_bytes > budget


def prepare_lean() -> None:
    """Call before Polars is imported, when the payloads will stay on disk."""
    if os.environ.get("_RJEM_MALLOC_CONF") in (None, POLARS_MALLOC_CONF):
        os.environ["_RJEM_MALLOC_CONF"] = LEAN_MALLOC_CONF


def trim_heap() -> bool:
    """Hand the free memory of glibc's malloc back to the system (`malloc_trim`); False
    where there is none to ask (macOS, Windows).

    Python's big buffers (a lean load's blocks of text) come from glibc, which after
    freeing one serves buffers up to its size from its heap rather than mapping each (its
    mmap threshold rises, up to 32 MB). Freed there, pages go back to the system only
    while the free space is at the heap's top: where the blocks happened to land moved
    the lean app's peak by ~50 MB with unrelated code changes. Trimmed once the load is
    done, the free space goes back wherever it is. (A fixed threshold, every block mapped
    afresh, held the peak down too but made a lean load ~20% slower: 1M more page faults.)"""
    import ctypes

    try:
        malloc_trim = ctypes.CDLL(None).malloc_trim
    except (OSError, AttributeError, TypeError):
        return False
    malloc_trim.argtypes, malloc_trim.restype = [ctypes.c_size_t], ctypes.c_int
    malloc_trim(0)
    return True
