"""Follow mode (`--follow`, F): a component the app owns that polls one follow.Tail per
file in a worker and posts the rows they gained (messages.RowsAppended) to itself; its
handler hands them to the app's MemoryLog (`append`: the log owns its frame and
quarantine), adds their values to the panes, has them diagnosed and filters again. This
holds only the tails and the polling timer."""

from __future__ import annotations

import time
from collections.abc import Iterable
from typing import TYPE_CHECKING, cast

import polars as pl
from textual import on, work
from textual.timer import Timer
from textual.widget import Widget

from connlog_tui.errors import ConnlogError
from connlog_tui.sources import expand
from connlog_tui.textsafe import escape_controls
from connlog_tui.ui import messages as msg
from connlog_tui.ui.filters import FacetPane

if TYPE_CHECKING:
    from connlog_tui.follow import Tail
    from connlog_tui.ui.app import ConnlogApp


class Follower(Widget):
    """Never drawn: a widget for its worker, its timer and its place in the message chain
    (what it posts bubbles up to the app)."""

    DEFAULT_CSS = "Follower { display: none; }"
    INTERVAL = 0.5  # seconds between polls

    def __init__(self) -> None:
        super().__init__()
        self.tails: list[Tail] = []
        self._timer: Timer | None = None

    @property
    def following(self) -> bool:
        return bool(self.tails)

    def start(self, paths: list[str], format: str | None, skipped: Iterable[str]) -> None:
        """Follow every file of `paths` but those named in `skipped` (unreadable), from
        their current ends. Raises ConnlogError (one line) if a file cannot be opened."""
        from connlog_tui.follow import Tail  # on first use, not at start-up

        left_out = set(skipped)
        self.tails = [
            Tail.after(path, name, format) for path, name in expand(paths) if name not in left_out
        ]
        self._timer = self.set_interval(self.INTERVAL, self.poll)

    def stop(self) -> None:
        for tail in self.tails:
            tail.close()
        self.tails = []
        if self._timer is not None:
            self._timer.stop()
            self._timer = None

    @work(thread=True, exclusive=True, group="follow")
    def poll(self) -> None:
        from connlog_tui.sources.base import merge

        updates = [(tail.name, tail.poll()) for tail in list(self.tails)]
        events = [f"{name} {u.event}" for name, u in updates if u.event]
        merged = merge([u.result for _, u in updates])
        if merged.frame.height or merged.quarantine.height or events:
            self.post_message(msg.RowsAppended(merged.frame, merged.quarantine, events))

    @property
    def owner(self) -> ConnlogApp:
        return cast("ConnlogApp", self.app)

    def toggle(self) -> None:
        """F: follow the app's files (but those left out as unreadable), or stop."""
        app = self.owner
        if self.following:
            self.stop()
            app.notify("Stopped following")
            app.note_status(follow=None)
            return
        try:
            unreadable = (name for name, _ in app.skipped)
            self.start(app.options.paths, app.options.format, unreadable)
        except ConnlogError as exc:
            self.stop()
            app.notify(escape_controls(str(exc)), severity="error", markup=False)
            return
        app.notify("Following: new rows appear as they are written")
        app.note_status(follow="")

    @on(msg.RowsAppended)
    def _appended(self, message: msg.RowsAppended) -> None:
        app = self.owner
        new, quarantine, events = message.frame, message.quarantine, message.events
        memory = app.memory
        if memory is None or not self.following:
            return
        if events:
            app.note_status(follow=f"{', '.join(events)} at {time.strftime('%H:%M:%S')}")
        if new.height or quarantine.height:
            start = memory.append(new, quarantine)  # the log owns its frame and quarantine
            if new.height:
                for pane in app.query(FacetPane):
                    values = new[pane.column].cast(pl.String).unique().drop_nulls()
                    pane.extend(values.to_list())
                app.triager.diagnose_appended(start)
        app.refilter()
