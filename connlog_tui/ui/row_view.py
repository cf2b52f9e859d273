"""The results side of the main screen: the search box, the table, the timeline and the
detail panel, in one container that follows the table's cursor.

The detail panel shows the selected row (asked of the app: `app.row`) once the cursor
rests (decoding payloads takes milliseconds: while keys repeat, only the table redraws),
with its login attempt and the search's matches marked; Enter opens it maximized. The
timeline's cursor line follows the selected row's time.
"""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING, cast

from textual import on
from textual.containers import Vertical
from textual.timer import Timer

from connlog_tui.ui.detail import DetailPanel
from connlog_tui.ui.table import LogTable
from connlog_tui.ui.timeline import TimelineStrip

if TYPE_CHECKING:
    from connlog_tui.ui.app import ConnlogApp

DETAIL_DELAY = 0.06  # seconds the cursor rests before the detail panel follows it


class RowView(Vertical):
    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._detail_timer: Timer | None = None

    @property
    def owner(self) -> ConnlogApp:
        return cast("ConnlogApp", self.app)

    @on(LogTable.CursorMoved)
    def _cursor_moved(self, event: LogTable.CursorMoved) -> None:
        if self._detail_timer is not None:
            self._detail_timer.stop()
        self._detail_timer = self.set_timer(DETAIL_DELAY, partial(self._show_detail, event.row))
        strip = self.query_one(TimelineStrip)
        frame = self.owner.frame
        if strip.display and strip.line is not None and frame is not None:
            strip.show(strip.line, frame["time"][event.row] if event.row is not None else None)

    def _show_detail(self, index: int | None) -> None:
        panels = self.query(DetailPanel)  # none once the app is closing (a timer's late)
        detail = panels.first() if panels else None
        if detail is not None and detail.display:
            app = self.owner
            attempt, pattern = app.triager.attempt(index), app.verbs.payload_pattern()
            detail.show(app.row(index), attempt, pattern, paged=app.paged_log is not None)

    @on(LogTable.Opened)
    def _opened(self, event: LogTable.Opened) -> None:
        app = self.owner
        detail = self.query_one(DetailPanel)
        detail.display = True
        attempt = app.triager.attempt(event.row)
        pattern, paged = app.verbs.payload_pattern(), app.paged_log is not None
        detail.show(app.row(event.row), attempt, pattern, paged=paged)
        app.screen.maximize(detail, container=False)
        detail.visible_area().focus()

    def close_detail(self) -> None:
        """Escape: a maximized detail panel back to its place, else the table focused."""
        app = self.owner
        if app.screen.maximized:
            app.screen.minimize()
            app.fit_to_size()
            # After the refresh: hiding the panel moves focus on, and we want the table.
            self.call_after_refresh(app.table.focus)
        else:
            # Now: the keys typed after Escape are table keys, not more text.
            app.screen.set_focus(app.table)
