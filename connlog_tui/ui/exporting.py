"""Exporting the view (e): a component the app owns. It asks where to write (the export
screen), then writes through the log (`Log.export`) in a worker that posts its progress and
its end (messages.ExportProgress, ExportDone, Failed) to this component, which says them in
the status bar and a toast. It reads the app's public state (the log, the view, the filters
in words, the marks' notes) and changes none of it."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from textual import on, work
from textual.widget import Widget

from connlog_tui.export import provenance_record
from connlog_tui.logs import ExportOptions, Matches
from connlog_tui.sources import expand
from connlog_tui.textsafe import escape_controls
from connlog_tui.ui import messages as msg
from connlog_tui.ui.workers import post_outcome

if TYPE_CHECKING:
    from connlog_tui.ui.app import ConnlogApp
    from connlog_tui.ui.screens import ExportChoice


class Exporter(Widget):
    """Never drawn: a widget for its worker and its place in the message chain (a
    `Failed` it posts bubbles up to the app, which says it)."""

    DEFAULT_CSS = "Exporter { display: none; }"

    def __init__(self, app: ConnlogApp) -> None:
        super().__init__()
        self.owner = app  # not `self.app`: Textual's, set once mounted

    def view(self) -> Matches | None:
        """What an export writes: the current filters' whole result as the table shows it
        (a loaded log's rows in the table's order, only the marked ones while ' is on); a
        paged log's matches. None, and said, while the result is not in."""
        app = self.owner
        if app.current_log is None or not app.result_is_current("export"):
            return None
        if app.result is not None:  # a loaded log's view: its rows, as shown
            view = app.result
            return Matches(app.state, view.count, view.facets, view.total, rows=view.indices)
        return app.shown if isinstance(app.shown, Matches) else None

    async def export(self) -> None:
        """Ask for the target, then write the view there (the marked rows' notes in a
        Note column)."""
        app = self.owner
        view = self.view()
        if view is None:
            return

        def chosen(choice: ExportChoice | None) -> None:
            if choice:
                self.write_export(choice, view, app.verbs.notes_store())

        from connlog_tui.ui.screens import ExportScreen, default_export_name

        name = default_export_name()
        if app.config.export_dir:
            name = str(Path(app.config.export_dir) / name)
        await app.open_screen(ExportScreen(view.count, name), chosen)

    def _options(
        self, choice: ExportChoice, inputs: list[Path], sources: list[str], total: int, marks
    ) -> ExportOptions:
        app = self.owner

        def progress(done: int) -> None:
            self.post_message(msg.ExportProgress(f"Exporting {done:,} of {total:,} rows"))

        filters = app.status_bar.filters_in_words()
        provenance = None
        if choice.provenance:
            provenance = provenance_record(sources=sources, filters=filters)
        report = {
            "title": "connlog export",
            "filters": filters,
            "sources": sources,
            "zone": app.zone,
        }
        return ExportOptions(
            guard=app.config.formula_guard,
            force=choice.overwrite,
            inputs=tuple(inputs),
            redact=choice.redact,
            provenance=provenance,
            progress=progress,
            report=report,
            marks=marks,
        )

    @work(thread=True, group="export")
    def write_export(self, choice: ExportChoice, view: Matches, marks: object) -> None:
        """Write through the log, in a worker; the status bar shows how far it has got."""
        app = self.owner
        log, total = app.current_log, view.count
        if log is None:
            return
        self.post_message(msg.ExportProgress(f"Exporting {total:,} rows"))
        # A loaded log's files are named (and never written over); a paged log by its name.
        inputs = [p for p, _ in expand(app.options.paths)] if app.memory is not None else []
        sources = [str(p) for p in inputs] or [log.describe().name]
        options = self._options(choice, inputs, sources, total, marks)
        post_outcome(
            self,
            lambda: msg.ExportDone(str(choice.path), log.export(view, choice.path, options)),
            ended=msg.ExportProgress(None),
        )

    @on(msg.ExportProgress)
    def _progressed(self, message: msg.ExportProgress) -> None:
        self.owner.note_status(export_note=message.note)

    @on(msg.ExportDone)
    def _exported(self, message: msg.ExportDone) -> None:
        text = escape_controls(f"Exported {message.written:,} rows to {message.path}")
        self.owner.notify(text, markup=False)
