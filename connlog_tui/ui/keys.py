"""The app's keys: its bindings and where each acts (`allowed`, the app's check_action).

Keys that open a box or a screen, Tab and Escape are priority bindings: the app handles
them before sending on the keys queued behind them, so keys typed in one burst (a paste,
or keystrokes an SSH link delivered together) land where they were typed for, in order
(see ui/typeahead.py). The verbs' keys are ui/verbs.VERB_BINDINGS.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.binding import Binding
from textual.widgets import Input

from connlog_tui.ui.verbs import VERB_BINDINGS

if TYPE_CHECKING:
    from connlog_tui.ui.app import ConnlogApp

# Actions that open a box or a screen from the main screen (priority keys: see BINDINGS).
OPENERS = {
    "search",
    "dates",
    "export",
    "sort",
    "quarantine",
    "triage",
    "compare",
    "choose_columns",
    "help",
}
# Features that work on the loaded frame: off while the app pages a log through the seam.
FRAME_ONLY = frozenset({"toggle_follow"})

# The app's bindings (priority ones: see above; `allowed` says where they act).
BINDINGS: list[Binding | tuple[str, str] | tuple[str, str, str]] = [
    Binding("slash", "search", "Search", priority=True),
    Binding("f", "toggle_filters", "Filters"),
    Binding("d", "dates", "Dates", show=False, priority=True),
    Binding("x", "clear", "Clear"),
    Binding("e", "export", "Export", priority=True),
    Binding("s", "sort", "Sort", show=False, priority=True),
    Binding("c", "copy_row", "Copy row", show=False),
    Binding("y", "copy_payload", "Copy payload", show=False),
    Binding("b", "quarantine", "Bad rows", show=False, priority=True),
    Binding("F", "toggle_follow", "Follow", show=False),
    Binding("z", "cycle_zone", "Time zone", show=False),
    Binding("t", "triage", "Triage", priority=True),
    Binding("w", "compare", "Compare with a working login", show=False, priority=True),
    Binding("C", "choose_columns", "Columns", show=False, priority=True),
    Binding("T", "toggle_theme", "Light/dark", show=False),
    Binding("escape", "close_payloads", "Back", priority=True),
    Binding("tab", "move_focus(1)", "Next", show=False, priority=True),
    Binding("shift+tab", "move_focus(-1)", "Previous", show=False, priority=True),
    Binding("question_mark", "help", "Help", priority=True),
    Binding("q", "quit", "Quit"),
    *VERB_BINDINGS,
]


def _typing(app: ConnlogApp) -> bool:
    focused = app.focused
    # An editable text area takes typed keys too (the payload views are read-only). Asked
    # by its `read_only`, which only Textual's text area has, not by class: this runs for
    # the first frame's key bar, before the text areas (and their module) are there.
    return isinstance(focused, Input) or getattr(focused, "read_only", True) is False


def allowed(app: ConnlogApp, action: str) -> bool:
    """Whether `action` acts now (the app's check_action: a False one is typed or handled
    as usual; hidden from the key bar)."""
    # Priority keys act only on the main screen; elsewhere they are typed or handled
    # as usual. Keys that open something are typed when in a text field; `/` also in
    # a maximized panel (its own search keys).
    on_main = app.screen is app.screen_stack[0]
    if action in OPENERS and (
        not on_main or _typing(app) or (action == "search" and app.screen.maximized)
    ):
        return False
    if action == "close_payloads":  # shown in the key bar only where it does something
        return on_main and (app.screen.maximized is not None or app.focused is not app.table)
    if action == "move_focus":
        return on_main
    # Frame-only features are off (hidden from the footer) on a log paged by the seam.
    return app.paged_log is None or action not in FRAME_ONLY
