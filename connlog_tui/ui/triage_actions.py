"""The app's triage: failures diagnosed and login attempts stitched in the background,
the triage and compare screens, and ] / [ between failures.

A mixin of ConnlogApp: it reads the app's frame, view and state, and asks the triage layer
(connlog_tui.triage) for everything it shows.
"""

from __future__ import annotations

import time
from dataclasses import replace

import polars as pl
from textual import work
from textual.worker import get_current_worker

from connlog_tui import triage
from connlog_tui.errors import ConnlogError, Stale
from connlog_tui.query import FACETS, FilterState
from connlog_tui.schema import ROW_ID
from connlog_tui.ui import messages as msg
from connlog_tui.ui import paged_triage as paged
from connlog_tui.ui.detail import DetailPanel
from connlog_tui.ui.heap import keep_out_of_gc
from connlog_tui.ui.table import LogTable

# The diagnosis columns the browser reads (table, detail panel, triage groups). Each is
# added at the frame's full length: all seven took ~80 MB on a 1M-row log, these ~40.
SHOWN = ("failure_reason", "diagnosis")


class _Progress:
    """The background triage's progress note, passed to the UI at most every quarter
    second (each note redraws the status bar)."""

    EVERY = 0.25

    def __init__(self, app) -> None:
        self.app, self.last = app, 0.0

    def note(self, text: str) -> None:
        now = time.monotonic()
        if now - self.last >= self.EVERY:
            self.last = now
            self.app.post_message(msg.TriageProgress(text))


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


class TriageActions:
    # Its message handlers are named on_<message>: Textual reads `@on` only on message
    # pump classes, which a mixin is not.
    # Set in ConnlogApp.__init__: stitched login attempts once worked out, and what each
    # app's working logins use.
    frame: pl.DataFrame | None
    _baseline: pl.DataFrame | None
    attempts: pl.DataFrame | None

    def _attempt(self, index: int | None) -> tuple[dict, list[dict]] | None:
        if index is None or self.frame is None or self.attempts is None:
            return None
        row_id = int(self.frame[ROW_ID][index])
        facts = triage.attempt_of(self.attempts, row_id)
        if facts is None:
            return None
        events = triage.rows_with_ids(self.frame, facts["row_ids"]).sort("time")
        return facts, events.drop("request", "response").to_dicts()

    @work(thread=True, exclusive=True, group="analyse")
    def analyse(self) -> None:
        """Diagnose every failure and stitch login attempts, in the background: decoding
        payloads costs about a millisecond a row, so a big log takes a while."""
        frame = self.frame
        if frame is None:
            return
        worker = get_current_worker()
        failing = len(triage.failing_rows(frame))
        payloads = self.payloads
        baseline = triage.baselines(frame, payloads=payloads)
        self.post_message(msg.Baselines(baseline))
        diagnoses, done = _Pile(), 0
        progress = _Progress(self)
        # Decoding goes in small steps (~20-30 ms each), and pauses while the user is
        # pressing keys: it holds the GIL, which the UI thread needs for every frame it
        # draws, so a key arriving mid-step waits for its end. The payload reads and the
        # vectorised finish go 1000 rows at a time (per 50 rows they doubled the cost).

        def between() -> bool:
            self.wait_while_user_is_active(worker)
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
        self.post_message(msg.DiagnosesReady(diagnoses.frame()))
        del diagnoses
        self.post_message(msg.TriageProgress("linking login attempts"))
        keys = _Pile()
        for part in triage.iter_message_keys(frame, chunk=500, payloads=payloads):
            self.wait_while_user_is_active(worker)
            if worker.is_cancelled:
                return
            keys.add(part)
            progress.note("linking login attempts")
        found = keys.frame()
        del keys
        attempts = triage.stitch_attempts(
            frame, found if found is not None else pl.DataFrame(schema=triage.KEYS_SCHEMA)
        )
        del found
        self.post_message(msg.AttemptsLinked(attempts))

    @work(thread=True, group="analyse-appended")
    def diagnose_appended(self, start: int) -> None:
        """Diagnose the failures among rows that follow mode just appended."""
        frame, baseline = self.frame, self._baseline
        if frame is None:
            return
        rows = triage.failing_rows(frame.slice(start)) + start
        if rows.is_empty():
            return
        diagnoses = triage.diagnose_rows(frame, rows, baseline=baseline, payloads=self.payloads)
        self.post_message(msg.DiagnosesReady(diagnoses))

    def on_triage_progress(self, message: msg.TriageProgress) -> None:
        self.note_status(analysis_note=message.note)

    def on_baselines(self, message: msg.Baselines) -> None:
        self._baseline = message.baseline

    def on_diagnoses_ready(self, message: msg.DiagnosesReady) -> None:
        diagnoses = message.diagnoses
        if self.frame is None or diagnoses is None:
            return
        # Row ids are stable (follow mode only appends), so this fits the current frame.
        self.frame = triage.apply_diagnoses(self.frame, diagnoses, columns=SHOWN)
        self.refilter()
        keep_out_of_gc()
        self._show_current_row()

    def on_attempts_linked(self, message: msg.AttemptsLinked) -> None:
        if self.frame is None:
            return
        self.attempts = message.attempts
        self.note_status(analysis_note=None)
        keep_out_of_gc()
        self._show_current_row()

    def _show_current_row(self) -> None:
        table = self.query_one(LogTable)
        self.query_one(DetailPanel).show(
            self._row(table.current_row), self._attempt(table.current_row)
        )

    async def action_triage(self) -> None:
        """Failures of the current view grouped by app and reason, and by user; picking a
        group filters the table to it."""
        if self.paged_log is not None:
            self._triage_paged()
            return
        if self.frame is None or not self.result_is_current("triage"):
            return

        def picked(state: FilterState | None) -> None:
            if state is not None:
                self.set_state(state)
                self._sync_widgets()

        # Imported here, not at the top: the screen (and the triage functions it uses)
        # is only needed once t is pressed, not for the app's first screen.
        from connlog_tui.ui.triage_screen import TriageScreen

        screen = TriageScreen(self.frame, self.result.indices, self.state, zone=self.zone)
        await self.open_screen(screen, picked)

    def action_compare(self) -> None:
        """The selected failure beside the nearest working login of the same app."""
        row = self.query_one(LogTable).current_row
        if self.paged_log is not None and row is not None:
            self._compare_paged(row)
            return
        if self.frame is None or row is None:
            return
        if self.frame["outcome"][row] != "failure":
            self.notify("Select a failed row to compare it with a working login")
            return
        # The keys typed while the comparison is worked out are for its screen.
        self.hold_keys()
        self.compare(int(self.frame[ROW_ID][row]))

    @work(thread=True, exclusive=True, group="compare")
    def compare(self, row_id: int) -> None:
        ready = msg.CompareReady(None)
        frame = self.frame
        try:
            if frame is None:
                return
            comparison = triage.compare_with_working(
                frame, row_id, self.attempts, payloads=self.payloads
            )
            failed = self._row(comparison.failed_row_id or row_id)
            working = None
            if comparison.found_working:
                working = self._row(comparison.working_row_id)
            if failed is not None:
                ready = msg.CompareReady(comparison, failed, working)
        finally:  # the held keys go on, to the screen or (if none) where they would have
            self.post_message(ready)

    async def on_compare_ready(self, message: msg.CompareReady) -> None:
        if message.comparison is not None and message.failed is not None:
            # Imported on first use (w), not at start-up: see action_triage.
            from connlog_tui.ui.compare_screen import CompareScreen

            await self.open_screen(
                CompareScreen(message.comparison, message.failed, message.working, zone=self.zone)
            )
        # Through the app's message queue, so keys arriving meanwhile stay behind these.
        self.call_later(self.release_keys)

    def action_next_failure(self, direction: int) -> None:
        table = self.query_one(LogTable)
        if self.paged_log is not None:
            self._next_failure_paged(direction)
            return
        if self.frame is None or not table.row_count:
            return
        found = triage.next_failure(self.frame, table.indices, table.cursor, direction)
        if found is None:
            # The view opens at the newest row, where going down finds nothing: wrap round
            # to the first failure from the other end, and say so.
            found = triage.next_failure(
                self.frame, table.indices, table.cursor, direction, wrap=True
            )
            if found is None:
                self.notify("No failures in this view")
                return
            where = "below: back to the first" if direction > 0 else "above: on from the last"
            self.notify(f"No more failures {where}")
        table.cursor = found

    # -- a log paged through the seam (ui/paged_triage.py does the work) -----------------

    def _paged_worker(self, name: str, group: str, job) -> None:
        """Run `job(stale)` in a worker, posting the message it returns; a newer run of
        the group, or new filters, cancel it between its steps."""
        state = self.state

        def run() -> None:
            worker = get_current_worker()

            def stale() -> bool:
                return worker.is_cancelled or state is not self.state

            try:
                found = job(stale)
            except Stale:
                return
            except ConnlogError as exc:
                self.post_message(msg.Failed(str(exc)))
                return
            finally:
                self.post_message(msg.Running(name, None))
            self.post_message(found)

        self.post_message(msg.Running(name, time.monotonic()))
        self.run_worker(run, thread=True, exclusive=True, group=group)

    def _triage_paged(self) -> None:
        log, state = self.paged_log, self.state
        progress = _Progress(self)

        def job(stale) -> msg.FailuresTriaged:
            try:
                return paged.triage_failures(log, state, stale, progress.note)
            finally:  # its progress note goes, whether it ended or was cancelled
                self.post_message(msg.TriageProgress(None))

        self._paged_worker("triage", "paged-triage", job)

    async def on_failures_triaged(self, message: msg.FailuresTriaged) -> None:
        if message.state is not self.state or self.paged_log is None:
            return
        rows = message.failures.rows
        # Imported on first use, as in action_triage.
        from connlog_tui.ui.triage_screen import TriageScreen

        screen = TriageScreen(
            rows, pl.Series(range(rows.height)), self.state, zone=self.zone,
            note=message.failures.note, failures_only=True,
        )  # fmt: skip
        await self.open_screen(screen, self._triage_picked)

    def _triage_picked(self, state: FilterState | None) -> None:
        if state is None:
            return
        derived = [c for c in state.picked if c not in FACETS]
        if derived:
            # A diagnosed reason is worked out here, not a column the log can filter by.
            state = replace(state, picked={c: state.picked[c] for c in FACETS if c in state.picked})
            self.notify("Diagnosed reasons are not filters of this log: the group's app's failures")
        self.set_state(state)
        self._sync_widgets()

    def _compare_paged(self, key: int) -> None:
        table = self.query_one(LogTable)
        rows = table.log_rows
        if rows is None or rows.page(table.cursor, 1)["outcome"].cast(pl.String)[0] != "failure":
            self.notify("Select a failed row to compare it with a working login")
            return
        log = self.paged_log

        def job(stale) -> msg.CompareReady:
            try:
                return paged.compare_failure(log, key, stale)
            except BaseException:  # the held keys go on (on_compare_ready), then it's said
                self.post_message(msg.CompareReady(None))
                raise

        # The keys typed while the comparison is worked out are for its screen.
        self.hold_keys()
        self._paged_worker("comparing", "compare", job)

    def _next_failure_paged(self, direction: int) -> None:
        table = self.query_one(LogTable)
        rows, start = table.log_rows, table.cursor
        if rows is None or not rows.count:
            return
        self._paged_worker(
            "finding a failure",
            "next-failure",
            lambda stale: paged.next_failure(rows, start, direction, stale),
        )

    def on_failure_found(self, message: msg.FailureFound) -> None:
        if message.position is None:
            rows = self.query_one(LogTable).log_rows
            if rows is not None and rows.count > paged.MAX_TRIAGE_ROWS:
                self.notify(f"No failures in the {paged.MAX_TRIAGE_ROWS:,} rows read this way")
            else:
                self.notify("No failures in this view")
            return
        if message.wrapped:
            self.notify("No more failures this way: on from the other end")
        self.query_one(LogTable).cursor = message.position
