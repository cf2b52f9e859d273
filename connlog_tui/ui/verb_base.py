"""What the verbs (ui/verbs.Verbs) share: their owner, whether the log is loaded as a
frame, and moving the cursor to the next row of a set (n / N's matches, } / {'s marks):
in the view's rows, or on a paged log through `Log.next_match` on a thread."""

from __future__ import annotations

from typing import TYPE_CHECKING

import polars as pl
from textual.widget import Widget

from connlog_tui import jump
from connlog_tui.logs.base import Find, Log, Sort
from connlog_tui.ui import messages as msg
from connlog_tui.ui.workers import StaleTest, run_query

if TYPE_CHECKING:
    from connlog_tui.ui.app import ConnlogApp


class VerbBase(Widget):
    """The base of the verbs' parts (ui/finding, marking, jumping, counting, timeline), each
    a mixin of the one `Verbs` component: they share its state and workers, and reach the
    app through its public state and methods only."""

    owner: ConnlogApp

    def _loaded_frame(self, what: str) -> bool:
        """Whether the log is loaded as a frame; an archive paged through the seam says
        that `what` needs one."""
        if self.owner.frame is not None:
            return True
        if self.owner.paged_log is not None:
            self.notify(f"{what}: not on an archive yet (open the log itself)", timeout=3)
        return False

    def _step_paged(
        self, log: Log, find: Find, step: int, what: str, selected: int | None = None
    ) -> None:
        """n / N or } / { on a paged log: `Log.next_match` on a thread, from the cursor's
        position (or the `selected` row's, found again in a view that just changed)."""
        column, descending = self.owner.sort
        sort = Sort(None if column == "time" else column, descending)
        start = None if selected is not None else self.owner.table.cursor
        state = self.owner.state

        def job(stale: StaleTest) -> msg.MatchFound:
            at = start
            if selected is not None:
                at = log.next_match(state, sort, frozenset({selected}), None, 1, stale)
            return msg.MatchFound(state, log.next_match(state, sort, find, at, step, stale), what)

        run_query(self.owner, self, "finding a row", "find", job)

    def on_match_found(self, message: msg.MatchFound) -> None:
        if message.state is not self.owner.state:
            return  # the filters changed meanwhile
        if message.position is None:
            self.notify(f"No {message.what} in the view")
        else:  # now, or once the view it counts in is shown (n just widened it)
            self.owner.table.move_in_view(message.state, message.position)

    def _step_to(self, rows: pl.Series, step: int, what: str) -> None:
        table = self.owner.table
        found = jump.next_position(table.indices, rows, table.cursor, step)
        if found is None:
            self.notify(f"No {what} in the view")
            return
        table.cursor = found
