"""Group entries of the cache (connlog_tui/cache.py): several files loaded together in
memory (a folder) are also cached as one entry, keyed by the files' own keys, holding
their merged rows in time order (with the folded payloads, as one file's entry), the
files' row counts and the files skipped (cache.FILES_FILE). A reopen of the unchanged
folder maps that one entry as it would one file's: no per-file lookups, no sort, and a
folded copy row for row with the merged frame. After a file changes, the group entry
misses, and the other files still come from their own entries."""

from __future__ import annotations

import hashlib
import json

from connlog_tui import cache
from connlog_tui.sources.base import ReadResult


def group_key(keys: list[str | None]) -> str | None:
    """The entry name of several files loaded together (a folder), from their own keys:
    their merged frame, in time order, as one entry, which a reopen maps as it would one
    file's (no per-file reads, no sort, folded payloads kept). None if a file has no key."""
    if len(keys) < 2 or any(k is None for k in keys):
        return None
    text = json.dumps({"group": keys, "cache": cache.CACHE_VERSION})
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def lookup_group(key: str) -> tuple[ReadResult, dict] | None:
    """A group entry's merged result and its FILES_FILE (the files' row counts and the
    files skipped), or None on a miss (a damaged entry is removed)."""
    found = cache.lookup(key)
    if found is None:
        return None
    try:
        files = json.loads((cache.entry_dir(key) / cache.FILES_FILE).read_text(encoding="utf-8"))
        if not isinstance(files, dict) or not {"files", "skipped"} <= files.keys():
            raise ValueError("not a group entry")
    except (OSError, ValueError):
        cache.stats.errors += 1
        cache.remove(key)
        return None
    return found, files
