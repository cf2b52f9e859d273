"""Follow mode: rows appended to the logs appear as they are written (`--follow`, F).

A mixin of ConnlogApp: a timer polls one follow.Tail per file in a worker, and new rows
are appended to the app's frame with the same derived columns.
"""

from __future__ import annotations

import time

import polars as pl
from textual import work

from connlog_tui.errors import ConnlogError
from connlog_tui.schema import finish
from connlog_tui.sources import expand
from connlog_tui.textsafe import escape_controls
from connlog_tui.ui import messages as msg
from connlog_tui.ui.filters import FacetPane


class FollowMode:
    # Set in ConnlogApp.__init__: follow.Tail per followed file (while following) and the
    # polling timer. What the status bar says goes to the app's status model.
    tails: list

    FOLLOW_INTERVAL = 0.5

    def action_toggle_follow(self) -> None:
        if self.tails:
            for tail in self.tails:
                tail.close()
            self.tails = []
            self._follow_timer.stop()
            self.notify("Stopped following")
            self.note_status(follow=None)
            return
        from connlog_tui.follow import Tail

        try:
            skipped = {name for name, _ in getattr(self, "skipped", ())}  # unreadable
            self.tails = [
                Tail.after(path, name, self.options.format)
                for path, name in expand(self.options.paths)
                if name not in skipped
            ]
        except ConnlogError as exc:
            self.tails = []
            self.notify(escape_controls(str(exc)), severity="error", markup=False)
            return
        self._follow_timer = self.set_interval(self.FOLLOW_INTERVAL, self.poll_tails)
        self.notify("Following: new rows appear as they are written")
        self.note_status(follow="")

    @work(thread=True, exclusive=True, group="follow")
    def poll_tails(self) -> None:
        from connlog_tui.sources.base import merge

        updates = [(tail.name, tail.poll()) for tail in list(self.tails)]
        events = [f"{name} {u.event}" for name, u in updates if u.event]
        merged = merge([u.result for _, u in updates])
        if merged.frame.height or merged.quarantine.height or events:
            self.post_message(msg.RowsAppended(merged.frame, merged.quarantine, events))

    def on_rows_appended(self, message: msg.RowsAppended) -> None:
        new, quarantine, events = message.frame, message.quarantine, message.events
        if self.frame is None or not self.tails:
            return
        if events:
            self.note_status(follow=f"{', '.join(events)} at {time.strftime('%H:%M:%S')}")
        if new.height:
            start = self.frame.height
            # Diagonal: the loaded rows may carry triage columns the new ones don't have yet.
            self.frame = pl.concat([self.frame, finish(new, start=start)], how="diagonal_relaxed")
            for pane in self.query(FacetPane):
                pane.extend(new[pane.column].cast(pl.String).unique().drop_nulls().to_list())
            self.diagnose_appended(start)
        if quarantine.height:
            self.quarantine = pl.concat([self.quarantine, quarantine])
        self.refilter()
