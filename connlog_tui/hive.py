"""The archive layout on disk (`root/date=YYYY-MM-DD/*.parquet`), told apart from a folder
of logs without importing Polars: the command line settles the memory mode (which tunes
Polars' allocator) before Polars loads."""

from __future__ import annotations

from pathlib import Path


def is_archive(path: str | Path) -> bool:
    """A directory holding hive partitions (`key=value/` subdirectories) of Parquet files,
    and no other files (hidden and `_`-prefixed ones aside): how the command line tells an
    archive from a folder of logs (which may hold a Parquet export among its CSVs)."""
    root = Path(path)
    if not root.is_dir():
        return False
    files = [
        p
        for p in root.rglob("*")
        if p.is_file() and not any(part[:1] in "._" for part in p.relative_to(root).parts)
    ]
    hive = any(p.parent != root and "=" in p.relative_to(root).parts[0] for p in files)
    return hive and all(p.suffix.lower() == ".parquet" for p in files)
