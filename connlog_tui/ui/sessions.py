"""Saved views (filters, sort and columns by name) and remembered sessions: a component
the app owns, over connlog_tui.views and connlog_tui.remembered (which own the files). It
reads what to save from the app's public state and shows a view through the app's public
methods (the table's columns, the sort, `set_state`)."""

from __future__ import annotations

import contextlib
from dataclasses import replace
from typing import TYPE_CHECKING

from connlog_tui import remembered, views
from connlog_tui.errors import ConnlogError
from connlog_tui.logs import resolve_state
from connlog_tui.textsafe import escape_controls

if TYPE_CHECKING:
    from connlog_tui.ui.app import ConnlogApp


class Sessions:
    def __init__(self, app: ConnlogApp) -> None:
        self.app = app

    def settings(self) -> dict:
        """The sort and the columns shown, as views.save_view takes them."""
        column, descending = self.app.sort
        return {
            "sort": None if column == "time" and not descending else column,
            "descending": descending,
            "columns": self.app.table.shown_columns,  # held, not queried: runs at unmount too
        }

    def _error(self, exc: ConnlogError) -> None:
        self.app.notify(escape_controls(str(exc)), severity="error", markup=False)

    async def save_view(self) -> None:
        """Ask for a name, then save the current filters, sort and columns under it."""
        app = self.app

        def named(name: str | None) -> None:
            if not name:
                return
            try:
                views.save_view(name, app.state, **self.settings())
            except ConnlogError as exc:
                self._error(exc)
                return
            app.notify(escape_controls(f"Saved the view {name!r}"), markup=False)

        from connlog_tui.ui.screens import NameScreen

        prompt = "Save the current filters, sort and columns as a view named:"
        await app.open_screen(NameScreen(prompt), named)

    def open_view(self, name: str) -> None:
        try:
            view = views.load_view(name)
        except ConnlogError as exc:
            self._error(exc)
            return
        self.apply(view)

    def delete_view(self, name: str) -> None:
        views.delete_view(name)
        self.app.notify(escape_controls(f"Deleted the view {name!r}"), markup=False)

    def note_recent(self) -> None:
        # Remembering is a convenience: never a reason to fail.
        with contextlib.suppress(ConnlogError, OSError):
            remembered.add_recent(self.app.options.paths)

    def remember(self) -> None:
        """Save this session's filters, sort and columns for these files (at exit)."""
        with contextlib.suppress(ConnlogError, OSError):
            remembered.save_session(self.app.options.paths, self.app.state, **self.settings())

    def restore(self) -> None:
        try:
            view = remembered.load_session(self.app.options.paths)
        except ConnlogError as exc:
            self._error(exc)
            return
        if view is None:
            self.app.notify("No earlier session with these files")
            return
        self.apply(replace(view, name="last session"))

    def apply(self, view: views.View) -> None:
        """Show a saved view (or session): its columns, sort and filters."""
        app = self.app
        if view.columns:
            app.table.show_columns(view.columns)
        app.set_sort(view.sort or "time", view.descending)
        # Its picked values matched to the log's but for case on a loaded log only, which
        # answers `distinct` at once (a paged log would scan here): a paged log takes the
        # view's values as saved. Set either way: the filter run is what applies the sort.
        memory = app.memory
        app.apply_state(view.filters if memory is None else resolve_state(memory, view.filters))
        app.notify(escape_controls(f"Opened the view {view.name!r}"), markup=False)
