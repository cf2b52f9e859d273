"""The command palette's entries (ctrl+p): the app's own, the verbs' and the saved views'.
Each runs an action of the app (or of its Sessions), so a command does what its key does."""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial
from typing import TYPE_CHECKING

from textual.app import SystemCommand

from connlog_tui import views
from connlog_tui.errors import ConnlogError
from connlog_tui.ui.verbs import verb_commands

if TYPE_CHECKING:
    from connlog_tui.ui.app import ConnlogApp

# The app's entries: (title, help, action). Saved views are added per view.
PALETTE = (
    ("Search", "Search every field, payloads included (/)", "search"),
    ("Clear filters", "Reset every filter (x)", "clear"),
    ("Export view", "Write the rows shown to a file (e)", "export"),
    ("Toggle filter panes", "Show or hide the panes (f)", "toggle_filters"),
    ("Quarantined rows", "List rows that could not be parsed (b)", "quarantine"),
    ("Help", "Every key, grouped by task (?)", "help"),
    ("Triage", "Failures grouped by app, reason and user (t)", "triage"),
    ("Compare with a working login", "The selected failure vs a success (w)", "compare"),
    ("Time zone", "Show times in UTC / local / configured (z)", "cycle_zone"),
    ("Columns", "Choose the table's columns (C)", "choose_columns"),
    ("Sort", "Sort by a column (s)", "sort"),
    ("Copy row", "Copy the selected row as JSON (c)", "copy_row"),
    ("Copy payload", "Copy the payload shown (y)", "copy_payload"),
    ("Follow", "Show rows as they are written (F)", "toggle_follow"),
    ("Light/dark theme", "Toggle the theme (T)", "toggle_theme"),
    ("Save view", "Save filters, sort and columns by name", "save_view"),
    ("Restore last session", "The filters you had on these files", "restore_session"),
)


def system_commands(app: ConnlogApp) -> Iterator[SystemCommand]:
    """The palette's commands after Textual's own (theme, keys, quit...)."""
    for title, help_text, action in PALETTE:
        yield SystemCommand(title, help_text, getattr(app, f"action_{action}"))
    yield from verb_commands(app)
    try:
        saved = views.list_views()
    except ConnlogError:
        saved = []
    for name in saved:
        yield SystemCommand(
            f"Open view: {name}", "Apply a saved view", partial(app.sessions.open_view, name)
        )
        yield SystemCommand(
            f"Delete view: {name}", "Forget a saved view", partial(app.sessions.delete_view, name)
        )
