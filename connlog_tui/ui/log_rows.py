"""The rows of a view the table pages from a log behind the seam (`logs.Log`), for a log
the app does not hold as a frame (a Parquet archive): blocks of rows are asked of the log
as the table reaches them (`Log.page`), and the last few are kept."""

from __future__ import annotations

import threading
from collections import OrderedDict

import polars as pl

from connlog_tui.logs import Log, Matches, Sort
from connlog_tui.schema import ROW_ID

BLOCK = 256  # rows asked of the log at a time: a few screenfuls
KEEP_BLOCKS = 16  # blocks kept: paging back and forth does not ask again


class LogRows:
    """`count` rows of `matches` in `sort` order, read a block at a time."""

    def __init__(self, log: Log, matches: Matches, sort: Sort) -> None:
        self.log, self.matches, self.sort = log, matches, sort
        self.count = matches.count
        self._blocks: OrderedDict[int, pl.DataFrame] = OrderedDict()
        self._lock = threading.Lock()  # a worker may read ahead while the UI draws

    def __len__(self) -> int:
        return self.count

    def _block(self, number: int) -> pl.DataFrame:
        with self._lock:
            if number in self._blocks:
                self._blocks.move_to_end(number)
                return self._blocks[number]
        block = self.log.page(self.matches, number * BLOCK, BLOCK, self.sort)
        with self._lock:
            self._blocks[number] = block
            while len(self._blocks) > KEEP_BLOCKS:
                self._blocks.popitem(last=False)
        return block

    def read_ahead(self, position: int) -> None:
        """Read the block holding `position` now (in a worker, before the table needs it)."""
        if 0 <= position < self.count:
            self._block(position // BLOCK)

    def page(self, first: int, count: int) -> pl.DataFrame:
        """Rows `first .. first+count` of the view (fewer past its end)."""
        end = min(first + count, self.count)
        first = max(first, 0)
        if end <= first:
            return self._block(0).clear()
        blocks = [self._block(n) for n in range(first // BLOCK, (end - 1) // BLOCK + 1)]
        joined = pl.concat(blocks) if len(blocks) > 1 else blocks[0]
        return joined.slice(first - first // BLOCK * BLOCK, end - first)

    def key(self, position: int) -> int | None:
        """The ROW_ID of the row at `position` of the view (what `Log.row` takes)."""
        if not 0 <= position < self.count:
            return None
        found = self.page(position, 1)
        return int(found[ROW_ID][0]) if found.height else None
