"""What the status bar says, brought up to date from the app: the app holds the status
model (ui/status.Status, one reactive value) and `StatusBar` works out each new value from
the app's public state (counts, filters, sort, zone, loading, find) and the notes given
(`app.note_status(export_note=...)`), and draws it (`status_line`, fitted to the width,
one line). It also keeps the queries running on a paged log (the `Running` messages that
bubble up to the app from any component), said with their time so far, redrawn each second
while any runs."""

from __future__ import annotations

import time
from dataclasses import replace
from typing import TYPE_CHECKING

from textual.timer import Timer
from textual.widgets import Static

from connlog_tui import timezones as tz
from connlog_tui.ui.status import Status, short_forms, status_line
from connlog_tui.ui.table import SORTABLE

if TYPE_CHECKING:
    from connlog_tui.ui.app import ConnlogApp


class StatusBar:
    def __init__(self, app: ConnlogApp) -> None:
        self.app = app
        self._queries: dict[str, float] = {}  # what runs on a paged log, since when
        self._timer: Timer | None = None

    def updated(self, status: Status, **notes) -> Status:
        """`status` with its counts, filters and settings brought up to date with the
        app, and `notes` set (the fields the app does not hold otherwise: busy, pane_note,
        search_error, export_note, analysis_note, follow, running)."""
        app = self.app
        view = app.shown or app.result
        column, descending = app.sort
        state, zone, paged = app.state, app.zone, app.paged_log
        dates = tz.describe(state.since, state.until, zone)
        return replace(
            status,
            shown=None if view is None else view.count,
            total=0 if view is None else view.total,
            complete=True if view is None else view.complete,
            searching=bool(state.searches),
            loading=app.loader.estimate(),
            lean=app.payloads is not None,
            paged=None if paged is None else paged.describe().kind,
            quarantined=app.quarantine.height,
            skipped=len(app.skipped),
            zone=None if zone == "UTC" else tz.label(zone),
            sort=None
            if (column, descending) == ("time", False)
            else f"{SORTABLE[column]} {'▼' if descending else '▲'}",
            find=self._find_note(),
            filters=tuple(self.filters_in_words()),
            short_filters=tuple(short_forms(state, dates)),
            **notes,
        )

    def filters_in_words(self) -> list[str]:
        """The filters in words, dates in the display zone (the state keeps UTC)."""
        app = self.app
        plain = replace(app.state, since=None, until=None)
        dates = tz.describe(app.state.since, app.state.until, app.zone)
        marked = ["marked rows only"] if app.verbs.marked_only else []
        return plain.describe() + ([dates] if dates else []) + marked

    def _find_note(self) -> str | None:
        find, matches = self.app.verbs.find, self.app.verbs.find_matches
        if find is None:
            return None
        found = "; ".join(find.describe())
        if matches is not None:
            found += f" ({matches.len():,} rows)"
        return found

    def render(self) -> None:
        app = self.app
        line = status_line(app.status, app.size.width)
        if line is not None:
            # One line, whatever it says: no layout pass (which redrew the table's
            # scrollbar, ~5 KB to the terminal, on every tick of the triage's progress).
            app.query_one("#status", Static).update(line, layout=False)

    def running(self, what: str, since: float | None) -> None:
        """A query on a paged log started (`since`, monotonic) or ended (None)."""
        if since is None:
            self._queries.pop(what, None)
        else:
            self._queries[what] = since
        if self._queries and self._timer is None:
            self._timer = self.app.set_interval(1.0, self._show_running)
        elif not self._queries and self._timer is not None:
            self._timer.stop()
            self._timer = None
        self._show_running()

    def _show_running(self) -> None:
        now = time.monotonic()
        said = ", ".join(f"{what}… {now - since:.0f} s" for what, since in self._queries.items())
        self.app.note_status(running=said or None)
