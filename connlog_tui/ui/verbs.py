"""Issue 24's verbs in the browser: exclude a value (`-`), next / previous search match
(`n` / `N`), jump to a time (`:`), the count view (`#`), marks and notes (`m`, `M`,
`}` / `{`) and the timeline strip (`H`). The app owns a `Verbs` component, lists
`VERB_BINDINGS` and `VERB_PALETTE` with its own and hands those keys to it; the
questions go to the pure modules (query, counts, jump, marks) and the `logs` seam. The
help screen (ui.screens.HELP) lists the keys. `-` is here; the others are parts of
`Verbs` in their own modules: ui/finding.py (n / N), ui/jumping.py (:), ui/counting.py
(#), ui/marking.py (marks and notes), ui/timeline.py (H, W), on ui/verb_base.py."""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial
from typing import TYPE_CHECKING

from textual.app import SystemCommand
from textual.binding import Binding

from connlog_tui.textsafe import escape_controls, one_line
from connlog_tui.ui.counting import CountVerbs
from connlog_tui.ui.finding import FindVerbs
from connlog_tui.ui.jumping import JumpVerbs
from connlog_tui.ui.marking import MarkVerbs
from connlog_tui.ui.timeline import TimelineVerbs

if TYPE_CHECKING:
    from connlog_tui.ui.app import ConnlogApp

VERB_BINDINGS = [
    Binding("minus", "exclude_value", "Hide value", show=False),
    Binding("n", "next_match(1)", "Next match"),
    Binding("N", "next_match(-1)", "Previous match", show=False),
    Binding("right_square_bracket", "next_failure(1)", "Next failure"),
    Binding("left_square_bracket", "next_failure(-1)", "Previous failure", show=False),
    Binding("colon", "jump_time", "Jump to time", show=False),
    Binding("number_sign", "count_view", "Count", show=False),
    Binding("m", "toggle_mark", "Mark", show=False),
    Binding("M", "note", "Note", show=False),
    Binding("right_curly_bracket", "next_mark(1)", "Next mark", show=False),
    Binding("left_curly_bracket", "next_mark(-1)", "Previous mark", show=False),
    Binding("apostrophe", "marked_only", "Marked only", show=False),
    Binding("H", "toggle_timeline", "Timeline", show=False),
    Binding("W", "widen_time", "Widen back", show=False),
]
# The command palette's entries: (title, help, action, its arguments).
VERB_PALETTE = (
    ("Hide value", "Hide the value at the cursor, in a pane or the table (-)", "exclude_value", ()),
    ("Next match", "Next row matching the search, the whole view kept (n)", "next_match", (1,)),
    ("Previous match", "Previous row matching the search (N)", "next_match", (-1,)),
    ("Next failure", "Next failed row (])", "next_failure", (1,)),
    ("Previous failure", "Previous failed row ([)", "next_failure", (-1,)),
    ("Jump to a time", "09:14, 2026-03-09 09:14 or -15m; nothing is filtered (:)", "jump_time", ()),
    ("Count by a column", "Values of any column or payload field, counted (#)", "count_view", ()),
    ("Mark row", "Mark or unmark the selected row (m)", "toggle_mark", ()),
    ("Note on row", "A one-line note on the selected row, kept and exported (M)", "note", ()),
    ("Next mark", "Next marked row (})", "next_mark", (1,)),
    ("Previous mark", "Previous marked row ({)", "next_mark", (-1,)),
    (
        "Marked rows only",
        "Show only the marked rows, or all again; not on an archive or Spark (')",
        "marked_only",
        (),
    ),
    (
        "Timeline",
        "Rows over time, failures apart; enter narrows the dates (H)",
        "toggle_timeline",
        (),
    ),
    ("Widen back", "Undo the timeline's narrowing of the dates (W)", "widen_time", ()),
)


def verb_commands(app) -> Iterator[SystemCommand]:
    """The palette's commands for the verbs (each also has a key, said in its help)."""
    for title, help_text, action, args in VERB_PALETTE:
        yield SystemCommand(title, help_text, partial(getattr(app, f"action_{action}"), *args))


class Verbs(FindVerbs, JumpVerbs, CountVerbs, MarkVerbs, TimelineVerbs):
    """The verbs' state and work, a component the app owns (never drawn: a widget for
    its workers and its place in the message chain). It reaches the app through its
    public state and methods only (frame, state, result, table, apply_state, refilter,
    note_status, ...); the app's keys hand over to it."""

    DEFAULT_CSS = "Verbs { display: none; }"

    def __init__(self, owner: ConnlogApp) -> None:
        super().__init__()
        self.owner = owner
        # The parts' state (declared, and said, in each part's class).
        self.find = None
        self.find_matches = None
        self.marks_store = None
        self.marked = None
        self.widen_to = None
        self.marked_only = False

    def clear(self) -> None:
        """x: n / N's search and ' (marked rows only) go with the filters."""
        self.forget_find()
        self.marked_only = False

    # -- exclude ------------------------------------------------------------------------

    def action_exclude_value(self) -> None:
        """`-`: in a pane, hide (or show again) its highlighted value; in the table, hide
        the value of the column at the cursor in the selected row."""
        from connlog_tui.ui.filters import FacetPane

        focused = self.owner.focused
        if isinstance(focused, FacetPane):
            if focused.highlighted is None:
                return
            column = focused.column
            value = focused.get_option_at_index(focused.highlighted).value
        else:
            current = self.owner.table.current_column
            row, frame = self.owner.table.current_row, self.owner.frame
            if (
                frame is None
                or row is None
                or current is None
                or current in ("time", "request", "response")
            ):
                self.notify("Hide a value: put the cursor on an app, action, user, … cell")
                return
            column, value = current, frame[current][row]
            if value is None:
                return
            value = str(value)
        hidden = set(self.owner.state.excluded.get(column, ()))
        hidden ^= {value}
        self.owner.apply_state(self.owner.state.with_excluded(column, hidden))
        shown = escape_controls(one_line(value, 40))
        self.notify(f"Hiding {shown}" if value in hidden else f"Showing {shown} again")
