"""Marks and notes: `m`, `M`, `}` / `{` and `'` (marked rows only), kept per log by
`marks.Marks` and carried by exports (a mixin of ui/verbs.Verbs)."""

from __future__ import annotations

from dataclasses import replace

import polars as pl
from textual import work

from connlog_tui import marks, query
from connlog_tui.errors import ConnlogError
from connlog_tui.logs.base import Log
from connlog_tui.schema import ROW_ID
from connlog_tui.textsafe import escape_controls
from connlog_tui.ui import messages as msg
from connlog_tui.ui.prompt import PromptScreen
from connlog_tui.ui.verb_base import VerbBase
from connlog_tui.ui.workers import post_outcome

# What ' says on an archive or Spark log (the seam's filter state has no set of rows).
MARKED_ONLY_PAGED = (
    "Marked rows only: not on an archive or Spark log (} / { jump between the marks)"
)

# The status bar's note on a paged log with marks: what they cannot do there.
MARKS_ARCHIVE = "marks: no ' (marked only) on an archive"
MARKS_SPARK = "marks: no ' (marked only), no Note in exports on Spark"
NOTES_SPARK = "Exported without notes: a Spark table's export has no Note column"


class MarkVerbs(VerbBase):
    """This log's marks (read on first use), the view's marked rows (shown in the table)
    and whether `'` keeps the marked rows only."""

    marks_store: marks.Marks | None
    marked: pl.DataFrame | None  # Marks.find's rows: row_id, key, note
    marked_only: bool  # ' : the view keeps its marked rows only

    def _marks(self) -> marks.Marks | None:
        if self.owner.paged_log is None and not self._loaded_frame("Marks"):
            return None
        if self.marks_store is None:
            try:
                self.marks_store = marks.Marks.load(self._marks_paths())
            except ConnlogError as exc:
                self.notify(escape_controls(str(exc)), severity="error", markup=False)
                return None
            self._find_marks(self.marks_store)
        return self.marks_store

    def _marks_paths(self) -> list[str]:
        """What this log's marks are kept under: its files, or on Spark its table or path
        (never the URL, which may hold a token)."""
        spark = self.owner.options.spark
        if spark is not None:
            return [marks.SPARK_PREFIX + spark[1]]
        return [str(p) for p in self.owner.options.paths]

    def _find_marks(self, store: marks.Marks) -> None:
        """The view's marked rows, shown in the table: found in the frame here, or through
        the seam on a thread for a paged log."""
        paged = self.owner.paged_log
        if paged is not None:
            self._find_marks_paged(paged, store)
            return
        if self.owner.frame is not None:
            self._show_marks(store.find(self.owner.frame, self.owner.payloads))

    @work(thread=True, exclusive=True, group="marks")
    def _find_marks_paged(self, log: Log, store: marks.Marks) -> None:
        post_outcome(self, lambda: msg.MarksFound(marks.find_in_log(store, log)))

    def on_marks_found(self, message: msg.MarksFound) -> None:
        self._show_marks(message.found)

    def _show_marks(self, found: pl.DataFrame) -> None:
        self.marked = found
        self.owner.table.show_marks(set(found[ROW_ID].to_list()))
        if self.owner.paged_log is not None and found.height:
            spark = self.owner.options.spark is not None
            self.owner.note_status(marks=MARKS_SPARK if spark else MARKS_ARCHIVE)
        if self.marked_only:
            self.owner.refilter()

    def load_marks(self) -> None:
        """This log's marks, read again for a (re)loaded frame or an opened paged log,
        shown in the table."""
        self.marks_store = None
        if self.owner.frame is not None or self.owner.paged_log is not None:
            self._marks()

    def _selected_key(self):
        """The selected row's mark key and time (a paged view's row is in the table's
        blocks: it is on screen)."""
        table = self.owner.table
        if table.log_rows is not None and table.row_count:
            page = table.log_rows.page(table.cursor, 1)
            return marks.row_keys(page)[0], page["time"][0]
        row = table.current_row
        if self.owner.frame is None or row is None:
            return None
        (key,) = marks.row_keys(self.owner.frame.slice(row, 1), self.owner.payloads)
        return key, self.owner.frame["time"][row]

    def action_toggle_mark(self) -> None:
        store, selected = self._marks(), self._selected_key()
        if store is None or selected is None:
            return
        now = store.toggle(*selected)
        self._save_marks(store)
        self.notify("Marked the row (} next mark, M note)" if now else "Unmarked the row")

    def action_note(self) -> None:
        store, selected = self._marks(), self._selected_key()
        if store is None or selected is None:
            return
        key, when = selected
        current = store.entries[key].note if key in store.entries else ""

        def written(text: str | None) -> None:
            if text is None:
                return
            store.set_note(key, when, text)
            self._save_marks(store)
            self.notify("Note kept (exports carry it as Note)")

        self.owner.push_screen(PromptScreen("A note on this row (one line)", current), written)

    def _save_marks(self, store: marks.Marks) -> None:
        try:
            store.save()
        except ConnlogError as exc:
            self.notify(escape_controls(str(exc)), severity="error", markup=False)
        self._find_marks(store)

    def action_next_mark(self, step: int) -> None:
        if self._marks() is None or self.marked is None:
            return
        paged = self.owner.paged_log
        if paged is not None:
            keys = frozenset(self.marked[ROW_ID].to_list())
            if not keys:
                self.notify("No marked rows in the view")
                return
            self._step_paged(paged, keys, step, "marked rows")
            return
        self._step_to(self.marked[ROW_ID], step, "marked rows")

    def action_marked_only(self) -> None:
        if self.owner.paged_log is not None:
            self.notify(MARKED_ONLY_PAGED, timeout=4)
            return
        if self._marks() is None:
            return
        self.marked_only = not self.marked_only
        self.notify("Marked rows only (' shows all)" if self.marked_only else "All rows again")
        self.owner.refilter()

    def keep_marked(self, result: query.QueryResult) -> query.QueryResult:
        """A filter run's rows, less the unmarked ones while `'` is on (on the query's
        worker: reads the marks as they were when it started)."""
        marked = self.marked
        if not self.marked_only or marked is None:
            return result
        kept = result.indices.filter(result.indices.is_in(marked[ROW_ID].implode()))
        return replace(result, indices=kept)

    def notes_store(self) -> marks.Marks | None:
        """The marks whose notes a paged log's export carries (a Note column): an
        archive's; a Spark table's export has none, which is said here."""
        store = self._marks()
        if self.owner.options.spark is None or store is None:
            return store
        if any(mark.note for mark in store.entries.values()):
            self.notify(NOTES_SPARK, timeout=4)
        return None
