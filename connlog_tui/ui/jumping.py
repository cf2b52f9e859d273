"""`:`: jump to a time, the rows around it kept in view (a mixin of ui/verbs.Verbs)."""

from __future__ import annotations

from textual import work

from connlog_tui import jump
from connlog_tui.errors import ConnlogError
from connlog_tui.textsafe import escape_controls
from connlog_tui.ui import messages as msg
from connlog_tui.ui.prompt import PromptScreen
from connlog_tui.ui.verb_base import VerbBase
from connlog_tui.ui.workers import post_outcome


class JumpVerbs(VerbBase):
    """`:` on a loaded log (the nearest row in the view) or an archive in time order (by
    bisection through the seam, on a thread)."""

    def action_jump_time(self) -> None:
        rows = self.owner.table.log_rows if self.owner.paged_log is not None else None
        if rows is not None and rows.sort.column not in (None, "time"):
            self.notify("Jump to a time: on an archive, in time order only (s sorts)", timeout=3)
            return
        if rows is None and (
            not self._loaded_frame("Jump to a time") or not self.owner.table.row_count
        ):
            return

        def chosen(text: str | None) -> None:
            if not text or not text.strip() or not self.owner.table.row_count:
                return
            frame, row = self.owner.frame, self.owner.table.current_row
            if rows is not None:
                anchor = rows.page(self.owner.table.cursor, 1)["time"][0]
            elif frame is not None and row is not None:
                anchor = frame["time"][row]
            else:
                return
            try:
                when = jump.jump_target(text, anchor, self.owner.zone)
            except ConnlogError as exc:
                self.notify(escape_controls(str(exc)), severity="error", markup=False)
                return
            if rows is not None:
                self._jump_paged(rows, when)
                return
            if frame is None:
                return
            found = jump.nearest(frame, self.owner.table.indices, when)
            if found is not None:
                self.owner.table.cursor = found

        prompt = "Jump to a time (the rows around it stay in view)"
        self.owner.push_screen(
            PromptScreen(prompt, placeholder="09:14, 2026-03-09 09:14, -15m"), chosen
        )

    @work(thread=True, exclusive=True, group="jump")
    def _jump_paged(self, rows, when) -> None:
        """`:` on an archive in time order: the nearest row found by bisection, reading a
        few blocks of the view through the seam."""

        def time_at(at: int):
            return rows.page(at, 1)["time"][0]

        def job() -> msg.JumpFound | None:
            found = jump.nearest_in_order(rows.count, time_at, when, rows.sort.descending)
            return None if found is None else msg.JumpFound(found)

        post_outcome(self, job)

    def on_jump_found(self, message: msg.JumpFound) -> None:
        self.owner.table.cursor = message.position
