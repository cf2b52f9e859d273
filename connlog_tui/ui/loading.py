"""Loading: a component the app owns that reads the files (or opens an archive or Spark
table) in a worker and hands the log to the app.

A loaded log's first rows (a 500-row preview, often read by the CLI while Textual was
importing) are shown at once; the full read waits until they are on screen, then takes both
cores. While it runs this holds the preview's estimate for the status bar (`estimate()`).
The worker posts `PreviewRead`, then `LogLoaded` or `LogOpened` (or `LoadFailed`) to this
component, which hands the log to the app's public `show_preview` / `take_log` (the app owns
the log, the filter state and the panes); `FoldedReady` gives a first load's folded copy of
its payloads to its MemoryLog once the cache has written it.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING

import polars as pl
from textual import on, work
from textual.timer import Timer
from textual.widget import Widget
from textual.worker import get_current_worker

from connlog_tui import options as startup
from connlog_tui.errors import ConnlogError
from connlog_tui.logs import resolve_state
from connlog_tui.logs.memory import MemoryLog
from connlog_tui.query import FilterState
from connlog_tui.sources import expand
from connlog_tui.ui import messages as msg
from connlog_tui.ui.heap import keep_out_of_gc
from connlog_tui.ui.status import Loading

if TYPE_CHECKING:
    from connlog_tui.ui.app import ConnlogApp


class Loader(Widget):
    """Never drawn: a widget for its workers, its timer and its place in the message chain."""

    DEFAULT_CSS = "Loader { display: none; }"

    def __init__(self, app: ConnlogApp) -> None:
        super().__init__()
        self.owner = app  # not `self.app`: Textual's, set once mounted
        # While loading: (rows shown from the preview, when loading started, file bytes,
        # rows estimated from the preview's bytes per row).
        self.progress: tuple[int, float, int, int] | None = None
        self._timer: Timer | None = None
        self._first_paint = threading.Event()

    def estimate(self) -> Loading | None:
        """How far the load has got, for the status bar (None once loaded)."""
        if self.progress is None:
            return None
        shown, started, size, estimate = self.progress
        return Loading(size / 1e6, time.monotonic() - started, shown, estimate)

    def start(self) -> None:
        """Show a preview the CLI has read already (on the very first frame), then load."""
        pending = getattr(self.owner.options, "preview", None)
        if pending is not None and pending.done() and pending.exception() is None:
            first = pending.result()
            if first is not None and first.frame.height:
                self.preview(first.frame, time.monotonic())
        self.load()

    def rows_shown(self, count: int) -> None:
        """The current filters' first whole result is shown: while loading, the full read
        waits for that (for these rows to be drawn)."""
        if self.progress is None:
            return
        if count:
            self.owner.table.call_after_rows_drawn(self._first_paint.set)
        else:
            self.owner.call_after_refresh(self._first_paint.set)

    @work(thread=True, exclusive=True, group="load")
    def load(self) -> None:
        from connlog_tui import sources

        options = self.owner.options
        started = time.monotonic()
        if options.archive is not None or options.spark is not None:
            self._open_log()
            return
        try:
            previewed = self.owner.current_log is not None  # shown on mount
            if not previewed:
                pending = getattr(options, "preview", None)
                if pending is not None:  # started by the CLI before the UI was imported
                    first = pending.result()  # raises its ConnlogError, handled below
                else:
                    first = sources.preview(options.paths, options.format)
                if first is not None and first.frame.height:
                    self.post_message(msg.PreviewRead(first.frame, started))
                    previewed = True
            if previewed:
                # Let the first rows reach the screen before the full read takes both cores.
                self._first_paint.wait(timeout=2)
            loaded = startup.load_options(options)
        except ConnlogError as exc:
            self.post_message(msg.LoadFailed(str(exc)))
            return
        log = MemoryLog.from_loaded(loaded, sources=[str(p) for p in options.paths])
        # The panes' values, counted here rather than on the UI thread (the log keeps the
        # result: the first filter run of no filters reuses it).
        self.post_message(msg.LogLoaded(log, log.facets(FilterState())))

    def _open_log(self) -> None:
        """Open the archive (file footers only), resolve the command line's filters
        against it and count the panes' values: all on this worker."""
        options = self.owner.options
        try:
            log = startup.open_log(options, options.archive)
            state = startup.filter_state(options, log)
            counts = log.facets(FilterState())
            log.describe()  # its row count and time range (quick date ranges), asked here
            log.time_bounds()  # rather than on the UI thread
        except ConnlogError as exc:
            self.post_message(msg.LoadFailed(str(exc)))
            return
        self.post_message(msg.LogOpened(log, state, counts))

    @on(msg.PreviewRead)
    def _preview_read(self, message: msg.PreviewRead) -> None:
        self.preview(message.frame, message.started)

    def preview(self, frame: pl.DataFrame, started: float) -> None:
        """Show the file's first rows while the full load runs. Filtered on the UI thread,
        not on a worker: 500 rows take ~5 ms, where the worker's round trip and the next
        screen update put them on screen ~35-50 ms later."""
        app = self.owner
        if app.current_log is not None:
            return
        size = sum(p.stat().st_size for p, _ in expand(app.options.paths) if p.exists())
        text = [c for c, t in frame.schema.items() if t == pl.String]
        row_bytes = frame.select(pl.sum_horizontal(pl.col(text).str.len_bytes()).sum()).item()
        per_row = (row_bytes or 0) / frame.height + 30  # + the date and separators
        self.progress = (frame.height, started, size, round(size / per_row))
        app.show_preview(MemoryLog(frame))
        self._timer = self.set_interval(0.2, app.note_status)

    @on(msg.LoadFailed)
    def _load_failed(self, message: msg.LoadFailed) -> None:
        self.owner.fail(message.error)

    @on(msg.LogOpened)
    def _log_opened(self, message: msg.LogOpened) -> None:
        log = message.log
        self.owner.take_log(log, message.state, message.counts, log.describe().name)

    @on(msg.LogLoaded)
    def _loaded(self, message: msg.LogLoaded) -> None:
        app, log = self.owner, message.log
        if self._timer is not None:
            self._timer.stop()
        self.progress = None
        if log.folded is None and log.payloads is None and app.options.use_cache:
            self._await_folded(log.frame.height)
        names = sorted({Path(s).name for s in log.distinct("source")})
        if app.state.is_empty:
            state = startup.filter_state(app.options, log)
        else:  # the user may have started filtering the preview: keep what they chose
            state = resolve_state(log, app.state)
        # Triage takes both cores for seconds (minutes at a million rows): it starts once
        # this load's first result is shown, not alongside the query that makes it.
        app.take_log(log, state, message.counts, ", ".join(names), analyse=True)
        app.sessions.note_recent()
        if app.options.follow and not app.follower.following:
            app.action_toggle_follow()
        keep_out_of_gc()

    @work(thread=True, exclusive=True, group="folded")
    def _await_folded(self, rows: int) -> None:
        """A first load has no folded copy of its payloads: the cache writes one in the
        background (seconds, for a big log). Searches go through it once it is there."""
        from connlog_tui import cache, sources

        cache.wait()
        options = self.owner.options
        folded = sources.cached_folded(options.paths, options.format, options.mappings or None)
        if folded is not None and folded.height == rows and not get_current_worker().is_cancelled:
            self.post_message(msg.FoldedReady(folded))

    @on(msg.FoldedReady)
    def _folded_ready(self, message: msg.FoldedReady) -> None:
        memory = self.owner.memory
        if memory is not None:
            memory.add_folded(message.folded)
