"""The connlog Textual app: it owns the browser's state (the log it asks, the filter state,
the sort, the zone, the status model) and hands the rest to components it owns (each in
docs/architecture.md): Loader (loading), Filterer (filter runs and their result), Exporter,
Follower, Triage, Verbs, Sessions, KeyHolder (typing ahead), StatusBar; FilterControls and
RowView are the containers whose inputs they handle. Workers post messages; none changes
the app's state (ui/messages.py).
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from typing import cast

import polars as pl
from textual import events, on
from textual.app import App, ComposeResult, SystemCommand
from textual.command import CommandPalette
from textual.geometry import Size
from textual.reactive import reactive
from textual.screen import Screen
from textual.widgets import Input, ProgressBar, Static

from connlog_tui import options as startup
from connlog_tui import timezones as tz
from connlog_tui import triage
from connlog_tui.config import Config
from connlog_tui.errors import ConnlogError
from connlog_tui.logs import Log, Matches
from connlog_tui.logs.memory import MemoryLog
from connlog_tui.options import Options
from connlog_tui.payloads import PayloadStore
from connlog_tui.query import FilterState, QueryResult
from connlog_tui.schema import empty_quarantine
from connlog_tui.textsafe import escape_controls
from connlog_tui.ui import commands, copying, display, keys
from connlog_tui.ui import messages as msg
from connlog_tui.ui.detail import DetailPanel
from connlog_tui.ui.exporting import Exporter
from connlog_tui.ui.fields import OrderedInput
from connlog_tui.ui.filter_controls import FilterControls
from connlog_tui.ui.filtering import Filterer
from connlog_tui.ui.filters import FilterSidebar
from connlog_tui.ui.follow_mode import Follower
from connlog_tui.ui.footer import FittedFooter
from connlog_tui.ui.heap import keep_out_of_gc
from connlog_tui.ui.loading import Loader
from connlog_tui.ui.row_view import RowView
from connlog_tui.ui.sessions import Sessions
from connlog_tui.ui.status import Status
from connlog_tui.ui.status_bar import StatusBar
from connlog_tui.ui.table import LogTable
from connlog_tui.ui.timeline import TimelineStrip
from connlog_tui.ui.triage_actions import SHOWN, Triage
from connlog_tui.ui.typeahead import KeyHolder
from connlog_tui.ui.verbs import Verbs

WIDE = 100  # at least this many columns: filter panes shown beside the table
TALL = 30  # at least this many lines: detail panel shown under the table
# Background triage pauses this long after each key or click: someone reading page by page
# presses a key every second or so, and each key would otherwise wait for a triage step.
USER_ACTIVE_SECONDS = 1.5
USER_EVENTS = (events.Key, events.MouseDown, events.MouseScrollDown, events.MouseScrollUp)


class ConnlogApp(App[None]):
    TITLE = "connlog"
    CSS_PATH = "app.tcss"
    ESCAPE_TO_MINIMIZE = False  # our escape also restores the layout and focus
    # What the status bar says (a frozen value: each change is a new one, drawn once).
    status: reactive[Status] = reactive(Status(), init=False)
    BINDINGS = keys.BINDINGS  # ui/keys.py: which keys, and where they act

    def __init__(self, options: Options) -> None:
        super().__init__()
        self.options = options
        # The log the browser asks: a MemoryLog of files read (the preview's, then the whole
        # load's) or a log paged through the seam (archive, Spark); not `self.log` (Textual's).
        self.current_log: Log | None = None
        self.state = FilterState()
        self.sort: tuple[str, bool] = ("time", False)  # column, descending: set_sort
        self.fatal_error: str | None = None
        self.loader = Loader(self)  # reads the files, or opens the archive
        self.filterer = Filterer(self)  # runs the filter state on the log
        self.config = options.config or Config()
        self.sessions = Sessions(self)  # saved views and the last session
        self.triager = Triage(self)  # triage, compare, ] / [ and what they worked out
        self.verbs = Verbs(self)  # -, n / N, :, #, marks, the timeline, and their state
        self.exporter = Exporter(self)  # e: the export screen and its worker
        self.zone = options.zone
        self.user_active_until = 0.0  # background work steps aside until then
        self.keys = KeyHolder(self)  # keys typed ahead of the screen they are for
        self.status_bar = StatusBar(self)  # works out and draws what the status bar says

    # -- the log, and what frame-only features read of a loaded one ----------------------

    @property
    def memory(self) -> MemoryLog | None:
        """The log when it is held in memory: triage, follow, marks, the timeline and the
        count view read its frame (ui/keys.FRAME_ONLY keys are off otherwise)."""
        return self.current_log if isinstance(self.current_log, MemoryLog) else None

    @property
    def paged_log(self) -> Log | None:
        """The log when it is paged through the seam (an archive, Spark), not in memory."""
        log = self.current_log
        return None if isinstance(log, MemoryLog) else log

    @property
    def frame(self) -> pl.DataFrame | None:
        """A loaded log's frame (None for a paged log, or before the first rows are read)."""
        memory = self.memory
        return None if memory is None else memory.frame

    @frame.setter
    def frame(self, frame: pl.DataFrame | None) -> None:
        # Triage gives the frame back with its columns added: the log owns it.
        if self.memory is not None and frame is not None:
            self.memory.set_frame(frame)

    @property
    def payloads(self) -> PayloadStore | None:
        """A lean load's payload store (payloads read from disk), else None."""
        memory = self.memory
        return None if memory is None else memory.payloads

    @property
    def folded(self) -> pl.DataFrame | None:
        """A loaded log's folded payloads (ASCII lower-cased, for search), if it has them."""
        memory = self.memory
        return None if memory is None else memory.folded

    @property
    def skipped(self) -> list[tuple[str, str]]:  # files of a folder the load left out, and why
        return [] if self.memory is None else self.memory.skipped

    @property
    def quarantine(self) -> pl.DataFrame:
        """The rows that could not be read."""
        return empty_quarantine() if self.current_log is None else self.current_log.quarantine()

    # -- background work gives way to the user ---------------------------------------

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, USER_EVENTS):
            self.user_active_until = time.monotonic() + USER_ACTIVE_SECONDS
        then = None
        if isinstance(event, events.Key) and not event.is_forwarded:
            if self.keys.keep(event):  # held for a screen or a result on its way
                return
            then = self.keys.after_enter() if event.key == "enter" else None
        await super().on_event(event)
        if then is not None:
            then()

    def wait_while_user_is_active(self, worker) -> None:
        """For background workers, between steps: pause while keys are coming in."""
        while time.monotonic() < self.user_active_until and not worker.is_cancelled:
            time.sleep(0.05)

    # -- typeahead: keys typed before the screen they are for is up (ui/typeahead.py) -----

    async def open_screen(self, screen: Screen, callback=None) -> None:
        """Push `screen` and return once it has its focus (KeyHolder.open_screen)."""
        await self.keys.open_screen(screen, callback)

    def hold_keys(self) -> None:
        """Keep keys from here on until release_keys (KeyHolder.hold)."""
        self.keys.hold()

    async def release_keys(self) -> None:
        """Handle the held keys, in order, as if they arrived now (KeyHolder.release)."""
        await self.keys.release()

    @on(CommandPalette.Closed)
    def _palette_closed(self) -> None:
        self.keys.palette_closed()

    async def action_command_palette(self) -> None:  # type: ignore[override]
        # Textual's own, but waiting for the palette's input to take focus (see open_screen);
        # Textual awaits an async action as it calls a plain one.
        if self.use_command_palette and not CommandPalette.is_open(cast("App[object]", self)):
            await self.open_screen(CommandPalette(id="--command-palette"))

    # -- layout --------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        with FilterControls(id="body"):
            yield FilterSidebar(id="sidebar")
            with RowView(id="main"):
                yield OrderedInput(
                    placeholder="/ search every field, payloads included",
                    id="search",
                    compact=True,
                    then_focus="LogTable",
                )
                yield LogTable(id="table")
                yield TimelineStrip(id="timeline")
                yield DetailPanel(id="detail")
        yield ProgressBar(id="loading", show_eta=False, show_percentage=False)
        yield Static("Loading…", id="status", markup=False)
        yield FittedFooter()
        yield Follower()
        yield self.triager
        yield self.verbs
        yield self.exporter
        yield self.loader
        yield self.filterer

    def on_mount(self) -> None:
        self.theme = self.config.theme
        self.table = table = self.query_one(LogTable)
        self.controls = self.query_one(FilterControls)
        self.follower = self.query_one(Follower)
        self.query_one(TimelineStrip).display = False  # H shows it
        table.set_zone(self.zone, self.config.date_format)
        view = self.options.view
        table.show_columns((view.columns if view else None) or self.config.columns)
        if view and view.sort:
            self.sort = (view.sort, view.descending)
        self.fit_to_size()
        table.focus()
        for warning in self.options.warnings:
            self.notify(escape_controls(warning), severity="warning", markup=False, timeout=10)
        # First rows the CLI read while the UI was importing are on the very first frame.
        self.loader.start()
        keep_out_of_gc()

    def on_unmount(self) -> None:
        self.follower.stop()
        if self.memory is not None:
            self.sessions.remember()

    def on_resize(self, event: events.Resize) -> None:
        self.fit_to_size(event.size)
        self.call_after_refresh(self.status_bar.render)  # fitted to the new width

    def fit_to_size(self, size: Size | None = None) -> None:
        """Panes beside the table when there is room; the detail panel when it is tall."""
        size = size or self.size
        self.query_one(FilterSidebar).display = size.width >= WIDE
        detail = self.query_one(DetailPanel)
        if not self.screen.maximized:
            detail.display = size.height >= TALL

    # -- the log, handed over by the Loader (ui/loading.py) -----------------------------

    def show_preview(self, log: MemoryLog) -> None:
        """Show a loaded log's first rows (a MemoryLog of them) while the full read runs."""
        self.current_log = log
        self.state = startup.filter_state(self.options, log)
        self.filterer.show(self.filterer.view(log, log.search(self.state)), self.state)

    def take_log(
        self, log: Log, state: FilterState, counts: dict, title: str, *, analyse: bool = False
    ) -> None:
        """Browse `log` (loaded or opened) filtered by `state`: its facet `counts` of no
        filters in the panes, `title` under the app's. With `analyse`, the background
        triage starts once the first whole result is shown."""
        self.query_one("#loading", ProgressBar).display = False
        self.current_log, self.state = log, state
        self.sub_title = escape_controls(title)
        self.controls.set_panes(counts)
        self.call_after_refresh(self.controls.show_state)
        self.verbs.load_marks()  # found through the seam, on a thread for a paged log
        self.filterer.analyse_when_shown(analyse)
        self.refilter()

    def fail(self, message: str) -> None:
        """End the app with `message`, one line, said by the CLI (exit status 2)."""
        self.fatal_error = message
        self.exit(return_code=2)

    @on(msg.Failed)
    def _failed(self, message: msg.Failed) -> None:
        self.notify(escape_controls(message.error), severity="error", markup=False)

    def apply_state(self, state: FilterState) -> None:
        """Filter by `state` and make the panes and fields show it."""
        self.set_state(state)
        self.controls.show_state()

    # -- filtering -----------------------------------------------------------------------

    def set_state(self, state: FilterState, *, delay: float = 0.0) -> None:
        """Filter by `state` (after `delay` seconds of no newer one: typing)."""
        self.state = state
        self.filterer.schedule(delay)

    def set_sort(self, column: str, descending: bool) -> None:
        self.sort = (column, descending)  # the order of the next filter run's view

    def refilter(self) -> None:
        """Run the current filter state in the background (ui/filtering.Filterer)."""
        self.filterer.refilter()

    @property
    def result(self) -> QueryResult | None:
        """A loaded log's last whole result shown (Filterer.result)."""
        return self.filterer.result

    @property
    def result_state(self) -> FilterState | None:
        """The filter state of the last whole result shown."""
        return self.filterer.result_state

    @property
    def shown(self) -> QueryResult | Matches | None:
        """What the table shows (a long search's matches so far while it runs)."""
        return self.filterer.shown

    # -- the status bar (ui/status_bar.StatusBar) -----------------------------------------

    def note_status(self, **notes) -> None:
        """Set notes of the status model (fields of ui/status.Status), its counts and
        filters brought up to date too; the bar redraws if the model changed."""
        self.status = self.status_bar.updated(self.status, **notes)

    def watch_status(self) -> None:
        self.status_bar.render()

    @on(msg.Running)
    def _running_changed(self, message: msg.Running) -> None:
        self.status_bar.running(message.what, message.since)

    # -- saved views and sessions ------------------------------------------------------

    async def action_save_view(self) -> None:
        await self.sessions.save_view()

    def action_restore_session(self) -> None:
        self.sessions.restore()

    def open_view(self, name: str) -> None:
        self.sessions.open_view(name)

    # -- triage (ui/triage_actions.Triage does it) ----------------------------------------

    @property
    def attempts(self) -> pl.DataFrame | None:
        """The login attempts of several events stitched from the loaded log, once worked
        out (an event in none is an attempt of its own: `triage.attempt_of`)."""
        return self.triager.attempts

    def analyse(self) -> None:
        """Start the background triage of the loaded log (its first result is shown)."""
        self.triager.analyse()

    async def action_triage(self) -> None:
        await self.triager.open_triage()

    def action_compare(self) -> None:
        self.triager.compare_selected()

    def action_next_failure(self, direction: int) -> None:
        self.triager.next_failure(direction)

    @on(msg.DiagnosesReady)
    def _diagnosed(self, message: msg.DiagnosesReady) -> None:
        diagnoses = message.diagnoses
        if self.frame is None or diagnoses is None:
            return
        # Row ids are stable (follow mode only appends), so this fits the current frame.
        self.frame = triage.apply_diagnoses(self.frame, diagnoses, columns=SHOWN)
        self.refilter()
        keep_out_of_gc()
        self.triager.show_current_row()

    # -- the verbs (ui/verbs.Verbs does them) --------------------------------------------

    def action_exclude_value(self) -> None:
        self.verbs.action_exclude_value()

    def action_next_match(self, step: int) -> None:
        self.verbs.action_next_match(step)

    def action_jump_time(self) -> None:
        self.verbs.action_jump_time()

    def action_count_view(self) -> None:
        self.verbs.action_count_view()

    def action_toggle_mark(self) -> None:
        self.verbs.action_toggle_mark()

    def action_note(self) -> None:
        self.verbs.action_note()

    def action_next_mark(self, step: int) -> None:
        self.verbs.action_next_mark(step)

    def action_marked_only(self) -> None:
        self.verbs.action_marked_only()

    def action_toggle_timeline(self) -> None:
        self.verbs.action_toggle_timeline()

    def action_widen_time(self) -> None:
        self.verbs.action_widen_time()

    @on(TimelineStrip.Narrow)
    def _narrow(self, event: TimelineStrip.Narrow) -> None:
        self.verbs.narrow(event)

    # -- follow mode (ui/follow_mode.Follower does it) -------------------------------------

    def action_toggle_follow(self) -> None:
        self.follower.toggle()

    # -- the selected row (ui/row_view.RowView follows it) ---------------------------

    def row(self, index: int | None) -> dict | None:
        """The table's row `index` (its ROW_ID: a loaded log's frame position), asked of
        the log, payloads filled in and, for a failure of a loaded log, its diagnosis;
        None if there is none."""
        log = self.current_log
        if index is None or log is None:
            return None
        try:
            row = log.row(index)
        except (KeyError, ConnlogError):
            return None
        if row.get("outcome") == "failure" and not row.get("diagnosis"):
            # Not reached by the background pass yet: diagnosed now (~1 ms).
            diagnosis = self.triager.diagnosis(index)
            if diagnosis is not None:
                row["diagnosis"] = diagnosis
        return row

    def action_close_payloads(self) -> None:
        self.query_one(RowView).close_detail()

    # -- actions -------------------------------------------------------------------------

    def action_search(self) -> None:
        # Focus now, not on the next loop turn (as `.focus()` does): keys typed right
        # after `/` (a paste, a fast typist over SSH) are already queued behind it.
        self.screen.set_focus(self.query_one("#search", Input))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return keys.allowed(self, action)

    def action_move_focus(self, direction: int) -> None:
        # Now, not on the next loop turn: the keys typed after Tab go to the next field.
        if direction > 0:
            self.screen.focus_next()
        else:
            self.screen.focus_previous()

    def action_toggle_filters(self) -> None:
        self.controls.toggle_panes()

    def action_dates(self) -> None:
        self.controls.focus_dates()

    def action_clear(self) -> None:
        self.controls.clear()

    def action_cycle_zone(self) -> None:
        self.zone = tz.cycle(self.zone, self.config.timezone)
        display.show_zone(self)

    async def action_choose_columns(self) -> None:
        await display.choose_columns(self)

    def action_toggle_theme(self) -> None:
        self.theme = "textual-light" if self.current_theme.dark else "textual-dark"

    async def action_sort(self) -> None:
        await display.choose_sort(self)

    def action_copy_row(self) -> None:
        copying.copy_row(self)

    def action_copy_payload(self) -> None:
        copying.copy_payload(self)

    async def action_help(self) -> None:
        from connlog_tui.ui.screens import HelpScreen

        await self.open_screen(HelpScreen())

    async def action_quarantine(self) -> None:
        await display.show_quarantine(self)

    def result_is_current(self, doing: str) -> bool:
        """Whether the whole result of the current filters is in; if not (a search still
        running, a keystroke not yet applied), says so rather than act on an old one."""
        if self.result_state is self.state:
            return True
        still = "searching" if self.state.searches else "filtering"
        self.notify(f"Still {still}: {doing} once the result is in", timeout=3)
        return False

    async def action_export(self) -> None:
        await self.exporter.export()

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        yield from commands.system_commands(self)
