"""Filtering: a component the app owns that runs the app's filter state on its log in a
worker (group `query`, exclusive: a newer run replaces an older one).

A loaded log (MemoryLog) is searched in one `query.run`, its view the row indices the
table draws from its frame (`view`); a paged log gives its count and facet counts, then
the view's newest rows read ahead so the table draws its first screen without asking the
log. The worker posts `SearchProgress` (a long search's matches so far) and `FilterResult`
to this component, whose handler shows the result if its state is still the app's (the
table, the panes' counts, the status bar) and keeps it (`result`, `result_state`, `shown`,
which the app reads through); `Running` (a paged log's query) bubbles up to the app's
status bar. It keeps the debounce and "busy" timers."""

from __future__ import annotations

import time
from dataclasses import replace
from typing import TYPE_CHECKING

from textual import on, work
from textual.timer import Timer
from textual.widget import Widget

from connlog_tui import query
from connlog_tui.errors import Stale
from connlog_tui.logs import Log, Matches, Sort
from connlog_tui.logs.memory import MemoryLog
from connlog_tui.query import FACETS, FilterState, QueryResult
from connlog_tui.ui import messages as msg
from connlog_tui.ui.filters import FacetPane
from connlog_tui.ui.log_rows import LogRows
from connlog_tui.ui.workers import post_outcome, stale_test

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
        # The last whole result of a filter run, and the filter state it is for; `shown`:
        # what the table shows (a long search's matches so far while it runs).
        self.result: QueryResult | None = None
        self.result_state: FilterState | None = None
        self.shown: QueryResult | Matches | None = None
        self._analyse_when_shown = False  # a load's first whole result starts triage

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

    def analyse_when_shown(self, analyse: bool) -> None:
        """Whether the next whole result shown starts the background triage (a load's)."""
        self._analyse_when_shown = analyse

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
        stale = stale_test(app, state)
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

        def job() -> msg.FilterResult | None:
            matches = log.search(state, stale=stale, partial=partial)
            rows = LogRows(log, matches, Sort(None if column == "time" else column, descending))
            rows.read_ahead(matches.count - 1)
            return None if stale() else msg.FilterResult(state, matches, rows)

        post_outcome(self, job, ended=msg.Running(doing, None))

    @on(msg.FilterResult)
    def _filter_result(self, message: msg.FilterResult) -> None:
        """A filter run's result (or a search's matches so far), shown if its state is
        still the current one."""
        if isinstance(message.result, QueryResult):
            self.show(message.result, message.state)
        elif message.rows is None:
            self._show_log_count(message.result, message.state)
        else:
            self._show_log(message.result, message.rows, message.state)

    def show(self, result: QueryResult, state: FilterState) -> None:
        """Show a filter run's result (or a search's matches so far: the status bar says
        "searching…" until the whole result is in, and the panes keep their counts)."""
        app = self.owner
        frame = app.frame
        if state is not app.state or frame is None:
            return
        self.shown = result
        in_time_order = app.sort == ("time", False)
        # The MemoryLog's frame itself, drawn at the view's indices (see Filterer.view).
        app.table.set_view(
            frame, result.indices, payloads=app.payloads, in_time_order=in_time_order
        )
        notes = {}
        if result.complete:
            self.not_busy()
            notes["busy"] = False
            self.result, self.result_state = result, state
            app.keys.result_shown()
            self._set_pane_counts(result.facets)
            if self._analyse_when_shown:
                self._analyse_when_shown = False
                app.analyse()
            app.verbs.refresh_timeline()
        app.note_status(**notes)
        app.loader.rows_shown(result.count)  # while loading, the full read waits for them

    def _show_log_count(self, matches: Matches, state: FilterState) -> None:
        app = self.owner
        if state is app.state:
            self.shown = matches
            app.note_status()

    def _show_log(self, matches: Matches, rows: LogRows, state: FilterState) -> None:
        app = self.owner
        if state is not app.state:
            return
        self.shown = matches  # the status bar reads count, total and complete
        app.table.set_rows(rows)
        self.not_busy()
        self.result_state = state
        app.keys.result_shown()
        app.verbs.refresh_timeline()
        self._set_pane_counts(matches.facets)
        app.note_status(busy=False)

    def _set_pane_counts(self, facets: dict[str, dict[str, int]]) -> None:
        for pane in self.owner.query(FacetPane):
            if pane.column in FACETS:  # a pane of a picked reason has no counts
                pane.set_counts(facets.get(pane.column, {}))
