"""A filter state's count and each pane's value counts in one pass over a lazy scan (an
archive's search). The scan keeps the rows of the date and time range (files and row
groups outside it are skipped); a mask of the row conditions (user, text: each row's text
is matched once) and one mask per picked pane are worked out in the scan, and the rows
the row conditions keep are counted by their pane values and masks in the scan's own
streaming group-by, so only the distinct (values, masks) combinations come back. The
count and each pane's counts under the other panes' picks (as `query.run` counts them)
are added up from those. The pass may be asked in parts (a date partition range each,
newest first): `stale()` is asked and the count so far reported between parts.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Sequence

import polars as pl

from connlog_tui.errors import ConnlogError, Stale
from connlog_tui.scaleout import Split


def _mask(column: str) -> str:
    return f"\0pick {column}"  # a name no stored column has


def _kept(picks: Iterable[str], skip: str | None = None) -> pl.Expr:
    """Every pane's pick but `skip`'s, as one condition."""
    return pl.all_horizontal(pl.lit(True), *(pl.col(_mask(c)) for c in picks if c != skip))


def _combinations(
    lazy: pl.LazyFrame, split: Split, columns: list[str], part: pl.Expr | None
) -> pl.LazyFrame:
    """The rows in the range (and `part`) the row conditions keep, counted by their pane
    values and pick masks (`len`)."""
    masks = [e.fill_null(False).alias(_mask(c)) for c, e in split.picks.items()]
    conds = [*split.pruning, *([part] if part is not None else [])]
    plan = lazy.filter(*conds) if conds else lazy
    if split.rows:
        plan = plan.filter(pl.all_horizontal(e.fill_null(False) for e in split.rows))
    keys = [*columns, *(_mask(c) for c in split.picks)]
    if not keys:
        return plan.select(pl.len())
    return plan.select(*(pl.col(c) for c in columns), *masks).group_by(keys).len()


def tally(
    lazy: pl.LazyFrame,
    split: Split,
    facets: Iterable[str],
    *,
    parts: Sequence[pl.Expr | None] = (None,),
    source: str | None = None,
    stale: Callable[[], bool] | None = None,
    each: Callable[[int], None] | None = None,
) -> tuple[int, dict[str, dict[str, int]]]:
    """(count, {pane: {value text: count}}) of the rows of `lazy` that `split` (a
    `scaleout.LazyView.split`) keeps; a pane's counts are under the other panes' picks.
    `parts`: conditions that split the scan (each row in one), asked in turn: `stale()`
    is asked before each and after the last (then Stale, the rest left unread), and
    `each(count so far)` is called after each but the last. A ConnlogError naming
    `source` when the files cannot be read."""
    columns = list(dict.fromkeys(facets))
    count, counts = 0, {c: Counter[str]() for c in columns}
    for n, part in enumerate(parts):
        if stale is not None and stale():
            raise Stale
        try:
            found = _combinations(lazy, split, columns, part).collect(engine="streaming")
        except (pl.exceptions.PolarsError, OSError) as exc:
            lines = str(exc).strip().splitlines()
            raise ConnlogError(
                f"cannot read the Parquet files ({lines[0] if lines else type(exc).__name__})",
                source or None,
            ) from None
        count += int(found.filter(_kept(split.picks)).select(pl.col("len").sum()).item())
        for column in columns:
            rows = found.filter(_kept(split.picks, skip=column))
            grouped = rows.group_by(column).agg(pl.col("len").sum())
            counts[column].update({str(v): int(k) for v, k in grouped.iter_rows() if v is not None})
        if each is not None and n < len(parts) - 1:
            each(count)
    if stale is not None and stale():
        raise Stale
    return count, {c: dict(counts[c]) for c in columns}


__all__ = ["tally"]
