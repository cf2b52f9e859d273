"""Marks and one-line notes on rows, kept per log (per set of opened files) in the state
directory, so they survive a restart and travel into exports (a Note column).

A row is known by a key made of what it says, not where it sits: a hash of its time,
app, user, action, request and response. Appending rows, merging more files or reading
the log afresh leaves the key of every old row as it was; two rows saying exactly the
same thing at the same microsecond share a key (and a mark). Finding the marked rows
again only hashes the rows at a marked time, not the whole log.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import platformdirs
import polars as pl

from connlog_tui.atomic import write_text_atomic
from connlog_tui.config import APP_NAME
from connlog_tui.errors import ConnlogError, Stale
from connlog_tui.logs.base import Log
from connlog_tui.payloads import PayloadStore, fill
from connlog_tui.query import FilterState
from connlog_tui.remembered import file_set
from connlog_tui.schema import NOTE, ROW_ID
from connlog_tui.stdin import SPOOL_NAME, is_spooled
from connlog_tui.views import read_text

MARKS_VERSION = 1
KEY_COLUMNS = ("time", "app", "user", "action", "request", "response")
NOTE_LIMIT = 500  # characters kept of a note
SPARK_PREFIX = "spark:"  # a Spark table or path's marks: spark:TABLE (never the URL)


def marks_dir() -> Path:
    return Path(platformdirs.user_state_dir(APP_NAME)) / "marks"


def marks_path(paths: Iterable[str | Path], folder: Path | None = None) -> Path:
    """The marks file of a set of opened files (their absolute paths, sorted, hashed).
    A log piped in is `stdin` there, whatever its temporary file: marks on piped logs
    share one file, and find their rows again when the same log is piped in again."""
    files = "\n".join(identity(paths))
    name = hashlib.sha256(files.encode("utf-8")).hexdigest()[:24]
    return (folder or marks_dir()) / f"{name}.json"


def identity(paths: Iterable[str | Path]) -> list[str]:
    """What names a log's marks: its files' absolute paths, `stdin` for a piped log, and
    a location on a remote store or cluster (`s3://...`, `spark:TABLE`) as given."""
    given = [str(p) for p in paths]
    remote = sorted({p for p in given if "://" in p or p.startswith(SPARK_PREFIX)})
    piped = [SPOOL_NAME] if any(is_spooled(p) for p in given) else []
    files = [p for p in given if not is_spooled(p) and p not in remote]
    return file_set(files) + remote + piped


def one_line(note: str) -> str:
    """A note as stored: control characters and line breaks become spaces, trimmed."""
    cleaned = "".join(ch if ch.isprintable() else " " for ch in note)
    return " ".join(cleaned.split())[:NOTE_LIMIT]


def row_keys(frame: pl.DataFrame, payloads: PayloadStore | None = None) -> list[str]:
    """Each row's key (see the module's docstring); `payloads`: a lean load's store."""
    rows = fill(frame, payloads).select(
        pl.col("time").dt.strftime("%Y-%m-%dT%H:%M:%S%.6f"),
        *(pl.col(c).cast(pl.String) for c in KEY_COLUMNS[1:]),
    )
    keys = []
    for values in rows.iter_rows():
        text = "\x1f".join("\x00" if v is None else v for v in values)
        keys.append(hashlib.sha256(text.encode("utf-8")).hexdigest()[:32])
    return keys


@dataclass
class Mark:
    time: datetime
    note: str = ""


@dataclass
class Marks:
    """The marks of one log: key -> Mark. Change with `toggle` / `set_note`, then `save`."""

    path: Path
    files: list[str]
    entries: dict[str, Mark] = field(default_factory=dict)

    @classmethod
    def load(cls, paths: Iterable[str | Path], folder: Path | None = None) -> Marks:
        """This log's marks (none yet: empty). ConnlogError naming the file if broken."""
        paths = list(paths)
        path = marks_path(paths, folder)
        marks = cls(path, identity(paths))
        text = read_text(path)
        if not text.strip():
            return marks
        try:
            data = json.loads(text)
            for key, entry in data["marks"].items():
                when = datetime.fromisoformat(entry["time"]).astimezone(UTC)
                marks.entries[str(key)] = Mark(when, one_line(str(entry.get("note", ""))))
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise ConnlogError(f"not a connlog marks file ({exc})", str(path)) from None
        return marks

    def save(self) -> None:
        data = {
            "version": MARKS_VERSION,
            "files": self.files,
            "marks": {
                key: {"time": mark.time.isoformat(), "note": mark.note}
                for key, mark in sorted(self.entries.items(), key=lambda kv: kv[1].time)
            },
        }
        write_text_atomic(self.path, json.dumps(data, indent=2, ensure_ascii=False) + "\n")

    def toggle(self, key: str, when: datetime) -> bool:
        """Mark a row, or unmark it (its note goes with it). True if now marked."""
        if key in self.entries:
            del self.entries[key]
            return False
        self.entries[key] = Mark(when)
        return True

    def set_note(self, key: str, when: datetime, note: str) -> None:
        """Give a row a note (marking it); an empty note leaves the mark without one."""
        self.entries.setdefault(key, Mark(when)).note = one_line(note)

    def find(self, frame: pl.DataFrame, payloads: PayloadStore | None = None) -> pl.DataFrame:
        """The frame's marked rows: `row_id`, `key` and `note` (null without a note), in
        row order. Only rows at a marked time are hashed."""
        empty = pl.DataFrame(schema={ROW_ID: pl.UInt32, "key": pl.String, NOTE: pl.String})
        if not self.entries or frame.is_empty():
            return empty
        times = pl.Series([m.time for m in self.entries.values()]).cast(frame.schema["time"])
        candidates = frame.filter(pl.col("time").is_in(times.implode()))
        if candidates.is_empty():
            return empty
        keyed = candidates.select(ROW_ID).with_columns(
            key=pl.Series(row_keys(candidates, payloads), dtype=pl.String)
        )
        notes = pl.DataFrame(
            {
                "key": list(self.entries),
                NOTE: [m.note or None for m in self.entries.values()],
            },
            schema={"key": pl.String, NOTE: pl.String},
        )
        return keyed.join(notes, on="key", how="inner").sort(ROW_ID)


# Rows read at one marked time at most (rows at one microsecond: a few, in any real log).
AT_ONE_TIME = 1000


def find_in_log(store: Marks, log: Log, stale: Callable[[], bool] | None = None) -> pl.DataFrame:
    """`Marks.find` on a log not held in memory (an archive, a Spark table): the rows at
    each marked time are read through the `logs` seam, a page a time, and hashed."""
    times = sorted({mark.time for mark in store.entries.values()})
    pages = [log.page(FilterState(since=t, until=t), 0, AT_ONE_TIME) for t in times]
    if stale is not None and stale():
        raise Stale()
    rows = pl.concat(pages, how="diagonal_relaxed") if pages else log.page(FilterState(), 0, 0)
    return store.find(rows)


def note_column(indices: pl.Series, found: pl.DataFrame) -> pl.Series | None:
    """The notes of a view's rows (`indices`, in view order) from `Marks.find`'s rows, as
    a `note` column; None when none of them has a note (exports then have no Note)."""
    notes = found.filter(pl.col(NOTE).is_not_null()).select(ROW_ID, NOTE)
    if notes.is_empty():
        return None
    rows = pl.DataFrame({ROW_ID: indices.cast(pl.UInt32)})
    column = rows.join(notes, on=ROW_ID, how="left", maintain_order="left")[NOTE]
    return column if column.null_count() < column.len() else None
