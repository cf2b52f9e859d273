"""A filter as the AND of its parts, each part a boolean mask over the frame's rows, and
the facet counts worked out from those masks. `query.run` builds the parts; this module
combines them, counts the panes and keeps what may be asked again.

A filter state's parts are independent: the date range, the user text, each facet
column's picks and exclusions, the text search. Each part's mask depends on that part
(and, for the text search, on the parts that narrow what it scans) alone, so a `Masks`
kept between runs (a `MemoryLog` keeps one) recomputes only the part that changed from one
keystroke or pick to the next, and the facet counts of an unchanged set of parts are
reused as they are. Without one, every part is computed (a fresh `Masks` is used).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable, Iterable, Mapping
from dataclasses import dataclass

import polars as pl

# Entries kept per kind: masks are a bit a row (10M rows: 1.25 MB each); counts are small.
KEEP_MASKS = 32
KEEP_COUNTS = 256

# A part's key: ("time", since, until), ("facet", column, picked, excluded), ...
Key = tuple[Hashable, ...]


class Masks:
    """Part masks and facet counts of one frame, kept for the next run on the same frame
    (a run on another frame drops them). Safe to share between threads: entries are
    computed outside the lock, and one computed for a frame no longer bound is dropped."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._frame: pl.DataFrame | None = None
        self._masks: dict[Key, pl.Series] = {}
        self._counts: dict[Key, dict[str, int]] = {}

    def copy(self) -> Masks:
        """A Masks holding what this one holds now (entries added later are its own)."""
        out = Masks()
        with self._lock:
            out._frame, out._masks, out._counts = self._frame, dict(self._masks), dict(self._counts)
        return out

    def clear(self) -> None:
        with self._lock:
            self._frame, self._masks, self._counts = None, {}, {}

    def _bound(self, frame: pl.DataFrame) -> None:
        """(Under the lock.) Bound to `frame`: entries of another frame are dropped."""
        if self._frame is not frame:
            self._frame, self._masks, self._counts = frame, {}, {}

    def mask(self, frame: pl.DataFrame, key: Key, make: Callable[[], pl.Series]) -> pl.Series:
        """The mask of part `key` on `frame`, made by `make()` unless kept."""
        with self._lock:
            self._bound(frame)
            kept = self._masks.get(key)
        if kept is not None:
            return kept
        made = make()
        with self._lock:
            if self._frame is frame:
                _put(self._masks, key, made, KEEP_MASKS)
        return made

    def kept_counts(self, frame: pl.DataFrame, key: Key) -> dict[str, int] | None:
        with self._lock:
            self._bound(frame)
            return self._counts.get(key)

    def keep_counts(self, frame: pl.DataFrame, key: Key, counts: dict[str, int]) -> None:
        with self._lock:
            if self._frame is frame:
                _put(self._counts, key, counts, KEEP_COUNTS)


def _put(into: dict, key: Key, value: object, keep: int) -> None:
    into.pop(key, None)
    into[key] = value  # newest last: the oldest entries go first
    while len(into) > keep:
        del into[next(iter(into))]


@dataclass(frozen=True)
class Part:
    """One condition of a filter: its key (what it depends on) and its rows' mask.
    `facet`: the facet column whose own pane leaves this part out of its counts."""

    key: Key
    mask: pl.Series
    facet: str | None = None


def mask_of(frame: pl.DataFrame | pl.LazyFrame, condition: pl.Expr) -> pl.Series:
    """A condition's rows as a mask without nulls (a row the condition cannot decide is
    not kept, as a filter drops it)."""
    return frame.lazy().select(condition.fill_null(False).alias("m")).collect().to_series()


def numbered_mask(frame: pl.DataFrame, condition: pl.Expr) -> pl.Series:
    """A condition on row numbers (`_i`) and columns as a mask."""
    return mask_of(frame.lazy().with_row_index("_i"), condition)


def part(
    frame: pl.DataFrame,
    masks: Masks,
    key: Key,
    condition: pl.Expr | None,
    facet: str | None = None,
) -> list[Part]:
    """The part of `condition` (none without one), its mask kept in `masks`."""
    if condition is None:
        return []
    return [Part(key, masks.mask(frame, key, lambda: mask_of(frame, condition)), facet)]


def combined(parts: Iterable[Part]) -> pl.Series | None:
    """The AND of the parts' masks (None: no part, every row)."""
    masks = [p.mask for p in parts]
    if not masks:
        return None
    out = masks[0]
    for m in masks[1:]:
        out = out & m
    return out


def indices(height: int, mask: pl.Series | None) -> pl.Series:
    """The row numbers a mask keeps (all rows without one), as `index`."""
    if mask is None:
        return pl.int_range(0, height, dtype=pl.get_index_type(), eager=True).alias("index")
    # Through a lazy query: Series.arg_true took ~10x as long on a 10M-row mask.
    return pl.LazyFrame({"index": mask}).select(pl.col("index").arg_true()).collect().to_series()


def facet_counts(
    frame: pl.DataFrame, parts: list[Part], facets: Iterable[str], masks: Masks
) -> dict[str, dict[str, int]]:
    """Each facet column's value counts (nulls left out) under every part but its own
    facet's: what picking a value would give. Columns sharing the same parts are counted
    from one mask; every count not kept in `masks` is worked out in one Polars query, the
    columns in parallel."""
    counts: dict[str, dict[str, int]] = {}
    todo: dict[str, tuple[Key, list[Part]]] = {}
    for col in facets:
        if frame[col].null_count() == frame.height:
            counts[col] = {}  # (a column the log does not fill: nothing to count)
            continue
        under = [p for p in parts if p.facet != col]
        key: Key = (col, frozenset(p.key for p in under))
        kept = masks.kept_counts(frame, key)
        if kept is not None:
            counts[col] = kept
        else:
            todo[col] = (key, under)
    counts.update(_count(frame, todo, masks))
    return counts


def _count(
    frame: pl.DataFrame, todo: Mapping[str, tuple[Key, list[Part]]], masks: Masks
) -> dict[str, dict[str, int]]:
    """The counts of `todo`'s columns under their parts: one query for each distinct set
    of parts (its rows filtered once, its columns counted), all run together."""
    groups: dict[Hashable, list[str]] = {}
    for col, (key, _) in todo.items():
        groups.setdefault(key[1], []).append(col)
    queries = []
    for cols in groups.values():
        query = frame.lazy().select(cols)
        mask = combined(todo[cols[0]][1])
        if mask is not None:
            query = query.filter(pl.lit(mask))
        queries.append(query.select(pl.col(c).value_counts(name="n").implode() for c in cols))
    found = {}
    for table in pl.collect_all(queries):
        for col, values in table.row(0, named=True).items():
            found[col] = {str(r[col]): int(r["n"]) for r in values if r[col] is not None}
            masks.keep_counts(frame, todo[col][0], found[col])
    return found
