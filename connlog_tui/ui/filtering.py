"""Filtering: a component the app owns that runs the app's filter state on its log in a
worker (group `query`, exclusive: a newer run replaces an older one).

A loaded log (MemoryLog) is searched in one `query.run`, its view the row indices the
table draws from its frame (`view`); a paged log gives its count and facet counts, then
the view's newest rows read ahead so the table draws its first screen without asking the
log. The worker posts `SearchProgress` (a long search's matches so far) and `FilterResult`,
and `Running` (a paged log's query, said in the status bar while it runs), which bubble
up to the app, whose handlers own what is shown. It keeps the debounce and "busy" timers."""

from __future__ import annotations

import time
from dataclasses import replace
from typing import TYPE_CHECKING

from textual import work
from textual.timer import Timer
from textual.widget import Widget
from textual.worker import get_current_worker

from connlog_tui import query
from connlog_tui.errors import ConnlogError, Stale
from connlog_tui.logs import Log, Matches, Sort
from connlog_tui.logs.memory import MemoryLog
from connlog_tui.query import FilterState, QueryResult
from connlog_tui.ui import messages as msg
from connlog_tui.ui.log_rows import LogRows

if TYPE_CHECKING:
    from connlog_tui.ui.app import ConnlogApp

BUSY_AFTER = 0.15  # a filter run still going after this many seconds says so


class Filterer(Widget):
    """Never drawn: a widget for its worker, its timers and its place in the message chain."""

    DEFAULT_CSS = "Filterer { display: none; }"

    def __init__(self, app: ConnlogApp) -> None:
        super().__init__()
        self.owner = app  # not `self.app`: Textual's, set once mounted
        self._debounce: Timer | None = None
        self._busy_timer: Timer | None = None

    def schedule(self, delay: float) -> None:
        """Run the app's current state after `delay` seconds of no newer state (typing)."""
        if self._debounce is not None:
            self._debounce.stop()
        if delay:
            self._debounce = self.set_timer(delay, self.refilter)
        else:
            self.refilter()

    def refilter(self) -> None:
        """Run the current filter state in the background; if it takes a while (a payload
        search over a big log), the status bar says so until its result is shown."""
        if self._busy_timer is not None:
            self._busy_timer.stop()
        self._busy_timer = self.set_timer(BUSY_AFTER, self._show_busy)
        self.run_filter()

    def not_busy(self) -> None:
        """A whole result is shown: no "busy" note for it."""
        if self._busy_timer is not None:
            self._busy_timer.stop()

    def _show_busy(self) -> None:
        self.owner.note_status(busy=True)

    @work(thread=True, exclusive=True, group="query")
    def run_filter(self) -> None:
        """Run the current filter state. A newer run replaces this one: a text search
        stops part way (a slice of rows at a time), any other result is dropped rather
        than shown, so typing never queues stale work."""
        app = self.owner
        log, state = app.current_log, app.state
        worker = get_current_worker()

        def stale() -> bool:
            return worker.is_cancelled or state is not app.state

        if isinstance(log, MemoryLog):
            self._query_memory(log, state, stale)
        elif log is not None:
            self._query_log(log, state, stale)

    def _query_memory(self, log: MemoryLog, state: FilterState, stale) -> None:
        """A filter run on a loaded log: one `query.run` (the log keeps its result), a
        long search's matches so far shown while it goes on."""

        def partial(found: Matches) -> None:
            if not stale():
                self.post_message(msg.SearchProgress(state, self.view(log, found)))

        try:
            matches = log.search(state, stale=stale, partial=partial)
        except Stale:
            return
        if not stale():
            self.post_message(msg.FilterResult(state, self.view(log, matches)))

    def view(self, log: MemoryLog, matches: Matches) -> QueryResult:
        """A loaded log's matches as the table shows them. MemoryLog's fast path: its
        matches' rows are row indices into its frame, and the table draws straight from
        that frame at these indices (no copy, no page asked of the log), the unmarked
        rows left out while ' is on, in the sort order."""
        result = QueryResult(matches.rows, matches.facets, matches.total, matches.complete)
        result = self.owner.verbs.keep_marked(result)  # ' : the marked rows only
        column, descending = self.owner.sort
        if (column, descending) != ("time", False):
            order = Sort(column, descending)
            # The log keeps a whole result's order (the same state asked again is not
            # sorted again); matches so far are sorted as they come.
            if matches.complete and result.indices is matches.rows:
                indices = log.sorted_indices(result.indices, order)
            else:
                indices = query.sort_indices(log.frame, result.indices, column, descending)
            result = replace(result, indices=indices)
        return result

    def _query_log(self, log: Log, state: FilterState, stale) -> None:
        """A filter run on a paged log: counts and facet counts (a search's count so far
        in the status bar as it goes), then the view's newest rows read ahead here, so the
        table draws its first screen without asking the log."""
        column, descending = self.owner.sort
        doing = "searching" if state.searches else "counting"
        self.post_message(msg.Running(doing, time.monotonic()))

        def partial(found: Matches) -> None:
            # A search's count so far (the table keeps the rows shown until the end).
            if not stale():
                self.post_message(msg.SearchProgress(state, found))

        try:
            matches = log.search(state, stale=stale, partial=partial)
            rows = LogRows(log, matches, Sort(None if column == "time" else column, descending))
            rows.read_ahead(matches.count - 1)
        except Stale:
            return
        except ConnlogError as exc:
            self.post_message(msg.Failed(str(exc)))
            return
        finally:
            self.post_message(msg.Running(doing, None))
        if not stale():
            self.post_message(msg.FilterResult(state, matches, rows))
