"""Saved views (filters, sort and columns by name) and remembered sessions.

A mixin of ConnlogApp over connlog_tui.views, which owns the files.
"""

from __future__ import annotations

import contextlib
from dataclasses import replace

from connlog_tui import query, views
from connlog_tui.errors import ConnlogError
from connlog_tui.textsafe import escape_controls
from connlog_tui.ui.screens import NameScreen
from connlog_tui.ui.table import LogTable


class SessionActions:
    def _view_settings(self) -> dict:
        column, descending = self.sort
        table = self.table  # held, not queried: this also runs at unmount
        return {
            "sort": None if column == "time" and not descending else column,
            "descending": descending,
            "columns": table.shown_columns,
        }

    def apply_view(self, view) -> None:
        if view.columns:
            self.query_one(LogTable).show_columns(view.columns)
        self.sort = (view.sort or "time", view.descending)
        if self.frame is not None:
            self.set_state(query.resolve_state(self.frame, view.filters))
            self._sync_widgets()
        self.notify(escape_controls(f"Opened the view {view.name!r}"), markup=False)

    async def action_save_view(self) -> None:
        def named(name: str | None) -> None:
            if not name:
                return
            try:
                views.save_view(name, self.state, **self._view_settings())
            except ConnlogError as exc:
                self.notify(escape_controls(str(exc)), severity="error", markup=False)
                return
            self.notify(escape_controls(f"Saved the view {name!r}"), markup=False)

        prompt = "Save the current filters, sort and columns as a view named:"
        await self.open_screen(NameScreen(prompt), named)

    def open_view(self, name: str) -> None:
        try:
            view = views.load_view(name)
        except ConnlogError as exc:
            self.notify(escape_controls(str(exc)), severity="error", markup=False)
            return
        self.apply_view(view)

    def delete_view(self, name: str) -> None:
        views.delete_view(name)
        self.notify(escape_controls(f"Deleted the view {name!r}"), markup=False)

    def _note_recent(self) -> None:
        # Remembering is a convenience: never a reason to fail.
        with contextlib.suppress(ConnlogError, OSError):
            views.add_recent(self.options.paths)

    def _remember_session(self) -> None:
        with contextlib.suppress(ConnlogError, OSError):
            views.save_session(self.options.paths, self.state, **self._view_settings())

    def action_restore_session(self) -> None:
        try:
            view = views.load_session(self.options.paths)
        except ConnlogError as exc:
            self.notify(escape_controls(str(exc)), severity="error", markup=False)
            return
        if view is None:
            self.notify("No earlier session with these files")
            return
        self.apply_view(replace(view, name="last session"))
