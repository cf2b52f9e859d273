"""The app's triage: failures diagnosed and login attempts stitched in the background,
the triage and compare screens, and ] / [ between failures.

A component the app owns (as ui/follow_mode.Follower is): it holds what triage worked
out (each app's working-login baseline, the stitched attempts) and runs its own workers,
which post messages (ui/messages.py) to it. It reads the app's public state (frame,
view, filter state) and asks the triage layer (connlog_tui.triage) for everything it
shows; the diagnoses change the app's frame, so `DiagnosesReady` is posted to the app,
which owns the frame.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING

import polars as pl
from textual import on, work
from textual.widget import Widget
from textual.worker import get_current_worker

from connlog_tui import triage
from connlog_tui.logs.failures import Attempts
from connlog_tui.query import FACETS, FilterState
from connlog_tui.schema import ROW_ID
from connlog_tui.ui import messages as msg
from connlog_tui.ui import paged_triage as paged
from connlog_tui.ui.detail import DetailPanel
from connlog_tui.ui.heap import keep_out_of_gc
from connlog_tui.ui.workers import run_query

if TYPE_CHECKING:
    from connlog_tui.ui.app import ConnlogApp

# The diagnosis columns the browser reads (table, detail panel, triage groups). Each is
# added at the frame's full length: all seven took ~80 MB on a 1M-row log, these ~40.
SHOWN = ("failure_reason", "diagnosis")


class _Progress:
    """The background triage's progress note, posted to `to` at most every quarter
    second (each note redraws the status bar)."""

    EVERY = 0.25

    def __init__(self, to: Widget) -> None:
        self.to, self.last = to, 0.0

    def note(self, text: str) -> None:
        now = time.monotonic()
        if now - self.last >= self.EVERY:
            self.last = now
            self.to.post_message(msg.TriageProgress(text))


class _Pile:
    """A frame arriving in small parts, merged a hundred parts at a time: each small
    frame holds buffers of its own, far bigger than its rows (a 1M-row log's attempt
    keys in 500-row parts took ~80 MB, their rows 16 MB)."""

    EVERY = 100

    def __init__(self) -> None:
        self.merged: list[pl.DataFrame] = []
        self.parts: list[pl.DataFrame] = []

    def add(self, part: pl.DataFrame) -> None:
        self.parts.append(part)
        if len(self.parts) >= self.EVERY:
            self.merged.append(pl.concat(self.parts, rechunk=True))
            self.parts = []

    def frame(self) -> pl.DataFrame | None:
        every = self.merged + self.parts
        return pl.concat(every, rechunk=False) if every else None


class Triage(Widget):
    """Never drawn: a widget for its workers and its place in the message chain (what
    it does not handle bubbles up to the app)."""

    DEFAULT_CSS = "Triage { display: none; }"

    def __init__(self, owner: ConnlogApp) -> None:
        super().__init__()
        self.owner = owner
        # What each app's working logins use; the login attempts stitched from the
        # loaded log, once worked out.
        self.baseline: pl.DataFrame | None = None
        self.attempts: pl.DataFrame | None = None
        # On a paged log: the attempts of the failures its last triage read.
        self.paged_attempts: Attempts | None = None

    # -- what the app asks ---------------------------------------------------------------

    def attempt(self, index: int | None) -> tuple[dict, list[dict]] | None:
        """The login attempt of the loaded log's row `index` (a paged log: of the row of
        that key, if its triage stitched it): its facts and its events."""
        frame, attempts = self.owner.frame, self.attempts
        row_id = index
        if self.owner.paged_log is not None and self.paged_attempts is not None:
            frame, attempts = self.paged_attempts.events, self.paged_attempts.attempts
        elif index is not None and frame is not None:
            row_id = int(frame[ROW_ID][index])
        if row_id is None or frame is None or attempts is None:
            return None
        facts = triage.attempt_of(attempts, row_id, frame)
        if facts is None:
            return None
        events = triage.rows_with_ids(frame, facts["row_ids"]).sort("time")
        return facts, events.drop("request", "response", strict=False).to_dicts()

    def diagnosis(self, index: int) -> str | None:
        """The diagnosis of the loaded log's failed row `index`, worked out now (~1 ms):
        for a row the background pass has not reached yet. None before the baselines."""
        frame = self.owner.frame
        if frame is None or self.baseline is None:
            return None
        rows = pl.Series([index], dtype=pl.UInt32)
        found = triage.diagnose_rows(
            frame, rows, baseline=self.baseline, payloads=self.owner.payloads
        )
        return found["diagnosis"][0] if found.height else None

    def show_current_row(self) -> None:
        """The detail panel shows the selected row again, with what triage now knows."""
        row = self.owner.table.current_row
        self.owner.query_one(DetailPanel).show(self.owner.row(row), self.attempt(row))

    # -- the background pass over a loaded log -------------------------------------------

    @work(thread=True, exclusive=True, group="analyse")
    def analyse(self) -> None:
        """Diagnose every failure and stitch login attempts, in the background: decoding
        payloads costs about a millisecond a row, so a big log takes a while."""
        app = self.owner
        frame = app.frame
        if frame is None:
            return
        worker = get_current_worker()
        failing = len(triage.failing_rows(frame))
        payloads = app.payloads
        baseline = triage.baselines(frame, payloads=payloads)
        self.post_message(msg.Baselines(baseline))
        diagnoses, done = _Pile(), 0
        progress = _Progress(self)
        # Decoding goes in small steps (~20-30 ms each), and pauses while the user is
        # pressing keys: it holds the GIL, which the UI thread needs for every frame it
        # draws, so a key arriving mid-step waits for its end. The payload reads and the
        # vectorised finish go 1000 rows at a time (per 50 rows they doubled the cost).

        def between() -> bool:
            app.wait_while_user_is_active(worker)
            return worker.is_cancelled

        for part in triage.iter_diagnoses(
            frame, chunk=1000, step=50, between=between, baseline=baseline, payloads=payloads
        ):
            if worker.is_cancelled:
                return
            diagnoses.add(part)
            done += part.height
            progress.note(f"diagnosing failures {done:,}/{failing:,}")
        if worker.is_cancelled:  # stopped between two steps of a chunk
            return
        # Shown now, before the attempts are linked (most of a big log's triage time),
        # and while memory is low: adding the columns holds ~60 MB for a moment (1M
        # rows), which on top of the stitching's own peak set lean mode's peak.
        self.owner.post_message(msg.DiagnosesReady(diagnoses.frame()))  # the frame is the app's
        del diagnoses
        self.post_message(msg.TriageProgress("linking login attempts"))
        keys = _Pile()
        for part in triage.iter_message_keys(frame, chunk=500, payloads=payloads):
            app.wait_while_user_is_active(worker)
            if worker.is_cancelled:
                return
            keys.add(part)
            progress.note("linking login attempts")
        found = keys.frame()
        del keys
        # Without the attempts of one event (most of a log's, worked out when asked for:
        # attempt_of), which were most of the stitching's peak memory and of what it kept.
        attempts = triage.stitch_attempts(
            frame,
            found if found is not None else pl.DataFrame(schema=triage.KEYS_SCHEMA),
            singles=False,
        )
        del found
        self.post_message(msg.AttemptsLinked(attempts))

    @work(thread=True, group="analyse-appended")
    def diagnose_appended(self, start: int) -> None:
        """Diagnose the failures among rows that follow mode just appended."""
        frame, baseline = self.owner.frame, self.baseline
        if frame is None:
            return
        rows = triage.failing_rows(frame.slice(start)) + start
        if rows.is_empty():
            return
        diagnoses = triage.diagnose_rows(
            frame, rows, baseline=baseline, payloads=self.owner.payloads
        )
        self.owner.post_message(msg.DiagnosesReady(diagnoses))

    @on(msg.TriageProgress)
    def _progressed(self, message: msg.TriageProgress) -> None:
        self.owner.note_status(analysis_note=message.note)

    @on(msg.Baselines)
    def _baselines(self, message: msg.Baselines) -> None:
        self.baseline = message.baseline

    @on(msg.AttemptsLinked)
    def _attempts_linked(self, message: msg.AttemptsLinked) -> None:
        if self.owner.frame is None:
            return
        self.attempts = message.attempts
        self.owner.note_status(analysis_note=None)
        keep_out_of_gc()
        self.show_current_row()

    # -- t, w, ] / [ ---------------------------------------------------------------------

    async def open_triage(self) -> None:
        """Failures of the current view grouped by app and reason, and by user; picking a
        group filters the table to it."""
        app = self.owner
        if app.paged_log is not None:
            self._triage_paged()
            return
        if app.frame is None or not app.result_is_current("triage") or app.result is None:
            return

        def picked(state: FilterState | None) -> None:
            if state is not None:
                app.apply_state(state)

        # Imported here, not at the top: the screen (and the triage functions it uses)
        # is only needed once t is pressed, not for the app's first screen.
        from connlog_tui.ui.triage_screen import TriageScreen

        screen = TriageScreen(app.frame, app.result.indices, app.state, zone=app.zone)
        await app.open_screen(screen, picked)

    def compare_selected(self) -> None:
        """The selected failure beside the nearest working login of the same app."""
        app = self.owner
        row = app.table.current_row
        if app.paged_log is not None and row is not None:
            self._compare_paged(row)
            return
        if app.frame is None or row is None:
            return
        if app.frame["outcome"][row] != "failure":
            self.notify("Select a failed row to compare it with a working login")
            return
        # The keys typed while the comparison is worked out are for its screen.
        app.hold_keys()
        self.compare(int(app.frame[ROW_ID][row]))

    @work(thread=True, exclusive=True, group="compare")
    def compare(self, row_id: int) -> None:
        app = self.owner
        ready = msg.CompareReady(None)
        frame = app.frame
        try:
            if frame is None:
                return
            comparison = triage.compare_with_working(
                frame, row_id, self.attempts, payloads=app.payloads
            )
            failed = app.row(comparison.failed_row_id or row_id)
            working = None
            if comparison.found_working:
                working = app.row(comparison.working_row_id)
            if failed is not None:
                ready = msg.CompareReady(comparison, failed, working)
        finally:  # the held keys go on, to the screen or (if none) where they would have
            self.post_message(ready)

    @on(msg.CompareReady)
    async def _compare_ready(self, message: msg.CompareReady) -> None:
        app = self.owner
        if message.comparison is not None and message.failed is not None:
            # Imported on first use (w), not at start-up: see open_triage.
            from connlog_tui.ui.compare_screen import CompareScreen

            await app.open_screen(
                CompareScreen(message.comparison, message.failed, message.working, zone=app.zone)
            )
        # Through the app's message queue, so keys arriving meanwhile stay behind these.
        app.call_later(app.release_keys)

    def next_failure(self, direction: int) -> None:
        app, table = self.owner, self.owner.table
        if app.paged_log is not None:
            self._next_failure_paged(direction)
            return
        if app.frame is None or not table.row_count:
            return
        found = triage.next_failure(app.frame, table.indices, table.cursor, direction)
        if found is None:
            # The view opens at the newest row, where going down finds nothing: wrap round
            # to the first failure from the other end, and say so.
            found = triage.next_failure(
                app.frame, table.indices, table.cursor, direction, wrap=True
            )
            if found is None:
                self.notify("No failures in this view")
                return
            where = "below: back to the first" if direction > 0 else "above: on from the last"
            self.notify(f"No more failures {where}")
        table.cursor = found

    # -- a log paged through the seam (ui/paged_triage.py does the work) -----------------

    def _triage_paged(self) -> None:
        log, state = self.owner.paged_log, self.owner.state
        if log is None:
            return
        progress = _Progress(self)

        def job(stale: Callable[[], bool]) -> msg.FailuresTriaged:
            try:
                return paged.triage_failures(log, state, stale, progress.note)
            finally:  # its progress note goes, whether it ended or was cancelled
                self.post_message(msg.TriageProgress(None))

        run_query(self.owner, self, "triage", "paged-triage", job)

    @on(msg.FailuresTriaged)
    async def _failures_triaged(self, message: msg.FailuresTriaged) -> None:
        app = self.owner
        if message.state is not app.state or app.paged_log is None:
            return
        if message.attempts is not None:
            self.paged_attempts = message.attempts
            current = app.table.current_row
            if current in message.attempts.events[ROW_ID]:  # its Attempt tab, filled in
                self.show_current_row()
        rows = message.failures.rows
        # Imported on first use, as in open_triage.
        from connlog_tui.ui.triage_screen import TriageScreen

        bounds = (message.failures.note, message.attempts.note if message.attempts else None)
        screen = TriageScreen(
            rows, pl.Series(range(rows.height)), app.state, zone=app.zone,
            note=" · ".join(n for n in bounds if n) or None, failures_only=True,
        )  # fmt: skip
        await app.open_screen(screen, self._triage_picked)

    def _triage_picked(self, state: FilterState | None) -> None:
        if state is None:
            return
        derived = [c for c in state.picked if c not in FACETS]
        if derived:
            # A diagnosed reason is worked out here, not a column the log can filter by.
            state = replace(state, picked={c: state.picked[c] for c in FACETS if c in state.picked})
            self.notify("Diagnosed reasons are not filters of this log: the group's app's failures")
        self.owner.apply_state(state)

    def _compare_paged(self, key: int) -> None:
        app = self.owner
        rows, log = app.table.log_rows, app.paged_log
        if (
            log is None
            or rows is None
            or rows.page(app.table.cursor, 1)["outcome"].cast(pl.String)[0] != "failure"
        ):
            self.notify("Select a failed row to compare it with a working login")
            return

        def job(stale: Callable[[], bool]) -> msg.CompareReady:
            try:
                return paged.compare_failure(log, key, stale)
            except BaseException:  # the held keys go on (_compare_ready), then it's said
                self.post_message(msg.CompareReady(None))
                raise

        # The keys typed while the comparison is worked out are for its screen.
        app.hold_keys()
        run_query(self.owner, self, "comparing", "compare", job)

    def _next_failure_paged(self, direction: int) -> None:
        table = self.owner.table
        rows, start = table.log_rows, table.cursor
        if rows is None or not rows.count:
            return
        run_query(
            self.owner,
            self,
            "finding a failure",
            "next-failure",
            lambda stale: paged.next_failure(rows, start, direction, stale),
        )

    @on(msg.FailureFound)
    def _failure_found(self, message: msg.FailureFound) -> None:
        table = self.owner.table
        if message.position is None:
            rows = table.log_rows
            if rows is not None and rows.count > paged.MAX_TRIAGE_ROWS:
                self.notify(f"No failures in the {paged.MAX_TRIAGE_ROWS:,} rows read this way")
            else:
                self.notify("No failures in this view")
            return
        if message.wrapped:
            self.notify("No more failures this way: on from the other end")
        table.cursor = message.position
