"""A filter state's count and each pane's value counts in one streamed pass over a lazy
scan (an archive's search). The scan keeps the rows of the date and time range (files
and row groups outside it are skipped) and yields them in batches holding only the pane
columns, one mask of the row conditions (user, text: each row's text is matched once)
and one mask per picked pane; each batch's count and group-bys (a pane counted under the
other panes' picks, as `query.run` counts it) are added up. Every scanned row is in a
batch, so a search that matches little still reports and can stop as it goes; only a
batch's pane columns are held, whatever the archive's size.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Iterable

import polars as pl

from connlog_tui.errors import ConnlogError, Stale
from connlog_tui.scaleout import Split

BATCH_ROWS = 100_000  # rows of pane columns a batch holds at most
PARTIAL_EVERY = 0.5  # seconds between two reports of the count so far


MATCH = "\0match"  # the row conditions' mask (a name no stored column has)


def _mask(column: str) -> str:
    return f"\0pick {column}"


def _kept(masks: Iterable[str], skip: str | None = None) -> pl.Expr | None:
    """Every pane's pick but `skip`'s, as one condition (None: no pick to apply)."""
    conds = [pl.col(_mask(c)) for c in masks if c != skip]
    return pl.all_horizontal(conds) if conds else None


def _count(batch: pl.DataFrame, keep: pl.Expr | None) -> int:
    return batch.height if keep is None else int(batch.select(keep.sum()).item())


def _plan(lazy: pl.LazyFrame, split: Split, columns: list[str]) -> pl.LazyFrame:
    """The scan's rows in the range, as the pane columns and the masks."""
    masks = [e.fill_null(False).alias(_mask(c)) for c, e in split.picks.items()]
    if split.rows:
        masks.append(pl.all_horizontal(e.fill_null(False) for e in split.rows).alias(MATCH))
    plan = lazy.filter(*split.pruning) if split.pruning else lazy
    return plan.select(*(pl.col(c) for c in columns), *masks)


def tally(
    lazy: pl.LazyFrame,
    split: Split,
    facets: Iterable[str],
    *,
    source: str | None = None,
    stale: Callable[[], bool] | None = None,
    each: Callable[[int], None] | None = None,
) -> tuple[int, dict[str, dict[str, int]]]:
    """(count, {pane: {value text: count}}) of the rows of `lazy` that `split` (a
    `scaleout.LazyView.split`) keeps; a pane's counts are under the other panes' picks.
    `stale()` is asked after each batch (then Stale, the rest of the scan left unread);
    `each(count so far)` is called at most every PARTIAL_EVERY seconds.
    A ConnlogError naming `source` when the files cannot be read."""
    columns = list(dict.fromkeys(facets))
    picks = list(split.picks)
    count, counts = 0, {c: Counter[str]() for c in columns}
    last = time.monotonic()
    try:
        batches = _plan(lazy, split, columns).collect_batches(
            chunk_size=BATCH_ROWS, maintain_order=False
        )
        for scanned in batches:
            if stale is not None and stale():
                raise Stale
            batch = scanned.filter(pl.col(MATCH)) if split.rows else scanned
            count += _count(batch, _kept(picks))
            for column in columns:
                keep = _kept(picks, skip=column)
                rows = batch if keep is None else batch.filter(keep)
                grouped = rows.group_by(column).len()
                counts[column].update(
                    {str(v): int(n) for v, n in grouped.iter_rows() if v is not None}
                )
            if each is not None and time.monotonic() - last >= PARTIAL_EVERY:
                each(count)
                last = time.monotonic()
    except (pl.exceptions.PolarsError, OSError) as exc:
        lines = str(exc).strip().splitlines()
        raise ConnlogError(
            f"cannot read the Parquet files ({lines[0] if lines else type(exc).__name__})",
            source or None,
        ) from None
    return count, {c: dict(counts[c]) for c in columns}


__all__ = ["BATCH_ROWS", "PARTIAL_EVERY", "tally"]
