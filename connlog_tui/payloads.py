"""Lean mode: payloads stay on disk, in the Parquet parts of the cache.

A big tenant's log is mostly payload text (a SAML response alone is 4-12 KB). In lean
mode the loaded frame keeps every column the filters read, but its `request` and
`response` are null; each row carries `payload_pos`, its position in the `PayloadStore`,
which reads payloads back from the parts for just the rows that need them: the rows on
screen, the selected row, an export slice, a triage batch. Text search scans the parts on
the streaming engine, so memory grows with the row count, not with payload size.

An in-memory frame reopened from the cache maps its payloads instead (cache.map_arrow):
their pages join the process's resident memory as a scan reads them. `release_pages`
hands them back to the page cache after each slice a scan reads, so reading every payload
(a search, triage, an export) holds one slice's pages, not the whole file's.
"""

from __future__ import annotations

import contextlib
import mmap
import shutil
import threading
import weakref
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from connlog_tui.errors import Stale

POS = "payload_pos"
PAYLOADS = ("request", "response")
# A fetch touching more row groups than this scans the parts instead of slicing them.
MAX_SLICES = 64
# Slices of one part must stay separate scans: merged as one common subplan, each is
# read from the part's start (seconds, and its memory, deep in a big part).
SEPARATE_SCANS = pl.QueryOptFlags(comm_subplan_elim=False)
# A text search reads this many rows between checks that it is still wanted (see
# query.run's `stale`): ~30 ms of scanning on the bench log.
STALE_CHECK_ROWS = 131_072
# Row group size of the cache's parts: a row's payloads are read by decoding its group
# (~2 ms at this size, where 50k-row groups took ~50 ms).
GROUP_ROWS = 1024


def fold_arrow(frame: pl.DataFrame):
    """The payload columns with ASCII letters lower-cased (other bytes as they are), as an
    Arrow table of string views. A search for ASCII text scans these for the lower-cased
    text as a literal (memchr speed): exactly the rows a case-insensitive regex of ASCII
    (`(?i-u)`) finds in the payloads, in half its time (see textsearch.with_folded). Unicode
    lower-casing would not do: it turns the Kelvin sign into "k"."""
    from connlog_tui import arrow

    pa = arrow.pyarrow()  # imported here: only a cache write and a reopen need it
    import pyarrow.compute as pc

    table = frame.select(PAYLOADS).to_arrow()
    return pa.table(
        [pc.ascii_lower(column).cast(pa.string_view()) for column in table.columns],
        names=list(PAYLOADS),
    )


def fold(frame: pl.DataFrame) -> pl.DataFrame:
    """`fold_arrow` as a Polars frame."""
    folded = pl.from_arrow(fold_arrow(frame))
    assert isinstance(folded, pl.DataFrame)
    return folded


# Mapped cache files (alive while a frame uses them) and the spans of each holding payload
# text: (offset, length), whole pages.
_mappings: weakref.WeakKeyDictionary[mmap.mmap, list[tuple[int, int]]] = weakref.WeakKeyDictionary()
_mappings_lock = threading.Lock()  # loads add from workers while a search releases


def track_mapping(mapping: mmap.mmap, spans: list[tuple[int, int]]) -> None:
    """A mapped cache file whose payload `spans` `release_pages` may hand back."""
    with _mappings_lock:
        _mappings[mapping] = spans


def payload_spans(buffers: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    """The whole pages inside these (offset, length) buffers of payload text, neighbours
    merged: only these are handed back, so the small columns sharing the file (which every
    filter and page of rows reads) stay mapped in."""
    merged: list[list[int]] = []
    for start, end in sorted((at, at + size) for at, size in buffers if size):
        if merged and start - merged[-1][1] < mmap.PAGESIZE:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    page = mmap.PAGESIZE
    spans = [(-(-start // page) * page, end // page * page) for start, end in merged]
    return [(lo, hi - lo) for lo, hi in spans if hi > lo]


def release_pages() -> None:
    """Drop the pages of mapped payloads from this process's resident memory. They stay in
    the page cache: reading them again maps them back (a minor fault; a whole search of
    the bench log pays ~0.1 s for it) with the same bytes. A no-op without madvise."""
    if not hasattr(mmap, "MADV_DONTNEED"):  # Windows
        return
    with _mappings_lock:
        mappings = list(_mappings.items())
    for mapping, spans in mappings:
        for offset, length in spans:
            with contextlib.suppress(OSError, ValueError):  # closed meanwhile
                mapping.madvise(mmap.MADV_DONTNEED, offset, length)


@dataclass(frozen=True)
class Part:
    path: Path
    start: int  # store position of its first row
    rows: int


@dataclass
class PayloadStore:
    """The payload columns of a lean load, left in Parquet parts."""

    parts: list[Part]
    # Directories of parts not kept in the cache (too big for its bound, or --no-cache):
    # deleted when the store is (or at exit).
    spools: list[Path] = field(default_factory=list)

    def __post_init__(self) -> None:
        for spool in self.spools:
            weakref.finalize(self, shutil.rmtree, str(spool), ignore_errors=True)

    def _scan(self, part: Part, first: int = 0, rows: int | None = None) -> pl.LazyFrame:
        """The part's payloads with their positions; `first` and `rows` (counted in the
        part) read only that slice. The slice goes before the row index: after it,
        Polars reads the part from its start (seconds, and its memory, deep in a big
        part)."""
        scan = pl.scan_parquet(part.path).select(PAYLOADS)
        if first or rows is not None:
            scan = scan.slice(first, rows)
        return scan.with_row_index(POS, offset=part.start + first).with_columns(
            pl.col(POS).cast(pl.UInt64)
        )

    def plan(self, wanted: pl.Series) -> pl.LazyFrame | None:
        """The read behind `fetch` (collect it with SEPARATE_SCANS): a slice of each row
        group holding a wanted row, or, past MAX_SLICES groups, a filtered scan of each
        part's stretch between its first and last wanted row."""
        groups = (wanted // GROUP_ROWS).drop_nulls().unique()  # null: a followed row
        scans = []
        if groups.len() <= MAX_SLICES:
            # Reading a slice decodes only the row groups it covers.
            for group in groups.to_list():
                first = group * GROUP_ROWS
                for part in self.parts:
                    lo, hi = max(first, part.start), min(first + GROUP_ROWS, part.start + part.rows)
                    if lo < hi:
                        scans.append(self._scan(part, lo - part.start, hi - lo))
        else:
            keep = wanted.drop_nulls().unique().sort()
            for part in self.parts:
                first = keep.search_sorted(part.start, "left")
                end = keep.search_sorted(part.start + part.rows, "left")
                inside = keep.slice(first, end - first)
                if inside.is_empty():
                    continue
                # Only the stretch of the part from its first wanted row to its last: an
                # export slice of a time-ordered view is one stretch of the file, where a
                # scan of every part read the whole cache once per slice.
                lo, hi = inside[0] - part.start, inside[-1] - part.start
                scan = self._scan(part, lo, hi - lo + 1)
                scans.append(scan.filter(pl.col(POS).is_in(inside.implode())))
        # Streaming: a scan over every part keeps a few row groups in memory, not all.
        return pl.concat(scans) if scans else None

    def fetch(self, positions: Iterable[int] | pl.Series) -> pl.DataFrame:
        """`payload_pos`, `request`, `response` for these positions, in the order given."""
        wanted = pl.Series(POS, positions, dtype=pl.UInt64)
        if wanted.is_empty():
            return pl.DataFrame(
                schema={POS: pl.UInt64, "request": pl.String, "response": pl.String}
            )
        plan = self.plan(wanted)
        got = None
        if plan is not None:
            got = plan.collect(engine="streaming", optimizations=SEPARATE_SCANS)
        found = wanted.to_frame()
        if got is None:
            return found.with_columns(pl.lit(None, pl.String).alias(c) for c in PAYLOADS)
        return found.join(got, on=POS, how="left", maintain_order="left")

    def fill(self, frame: pl.DataFrame) -> pl.DataFrame:
        """These rows of a lean frame with their payloads read back in."""
        if POS not in frame.columns or frame.is_empty():
            return frame
        got = self.fetch(frame[POS])
        # Rows appended by follow mode have no position: they keep their own payloads.
        return frame.with_columns(pl.coalesce(pl.lit(got[c]), pl.col(c)).alias(c) for c in PAYLOADS)

    def search(
        self,
        pattern: str,
        stale: Callable[[], bool] | None = None,
        each: Callable[[pl.Series], None] | None = None,
    ) -> pl.Series:
        """Positions (in order) of the rows whose payloads match the regex `pattern`, by
        streaming through the parts (every core, a few row groups in memory at a time),
        about STALE_CHECK_ROWS rows per read, the newest rows first; before each, `stale()`
        may stop it (`Stale`), and after each, `each` is given that read's positions."""
        hit = pl.any_horizontal(pl.col(c).str.contains(pattern).fill_null(False) for c in PAYLOADS)
        found = [pl.Series(POS, [], dtype=pl.UInt64)]
        for scans in reversed(list(self._batches(STALE_CHECK_ROWS))):
            if stale is not None and stale():
                raise Stale
            read = pl.concat([scan.filter(hit).select(POS) for scan in scans])
            found.append(read.collect(engine="streaming", optimizations=SEPARATE_SCANS)[POS])
            if each is not None:
                each(found[-1])
        return pl.concat(found).sort()

    def _batches(self, rows: int) -> Iterator[list[pl.LazyFrame]]:
        """Scans of every part, grouped into reads of about `rows` rows (a bigger part
        is read a slice at a time)."""
        batch, size = [], 0
        for part in self.parts:
            for first in range(0, part.rows, rows):
                count = min(rows, part.rows - first)
                whole = count == part.rows
                batch.append(self._scan(part) if whole else self._scan(part, first, count))
                size += count
                if size >= rows:
                    yield batch
                    batch, size = [], 0
        if batch:
            yield batch


def fill(frame: pl.DataFrame, store: PayloadStore | None) -> pl.DataFrame:
    """`frame` with payloads, whether or not it came from a lean load."""
    return store.fill(frame) if store is not None else frame
