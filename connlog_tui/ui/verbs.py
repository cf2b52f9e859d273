"""Issue 24's verbs in the browser: exclude a value (`-`), next / previous search match
(`n` / `N`), jump to a time (`:`), the count view (`#`), marks and notes (`m`, `M`,
`}` / `{`) and the timeline strip (`H`). The app owns a `Verbs` component, lists
`VERB_BINDINGS` and `VERB_PALETTE` with its own and hands those keys to it; the
questions go to the pure modules (query, counts, jump, marks) and the `logs` seam. The
help screen (ui.screens.HELP) lists the keys."""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from functools import partial
from typing import TYPE_CHECKING

import polars as pl
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult, SystemCommand
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.widget import Widget
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option
from textual.worker import get_current_worker

from connlog_tui import counts, jump, marks, query
from connlog_tui import timezones as tz
from connlog_tui.errors import ConnlogError, Stale
from connlog_tui.logs.base import Counts, Find, Log, Sort
from connlog_tui.query import FilterState
from connlog_tui.schema import ROW_ID
from connlog_tui.textsafe import escape_controls, one_line
from connlog_tui.ui import messages as msg
from connlog_tui.ui.detail import match_pattern

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


class PromptScreen(ModalScreen[str | None]):
    """Asks for one line of text (a time to jump to, a note)."""

    BINDINGS = [Binding("escape", "dismiss(None)", "Cancel")]
    DEFAULT_CSS = """
    PromptScreen { align: center middle; }
    PromptScreen > Vertical {
        width: 70; max-width: 100%; height: auto; border: thick $accent; padding: 1 2;
        background: $surface;
    }
    """

    def __init__(self, prompt: str, value: str = "", placeholder: str = "") -> None:
        super().__init__()
        self.prompt, self.value, self.placeholder = prompt, value, placeholder

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(self.prompt, markup=False)
            yield Input(value=self.value, placeholder=self.placeholder, id="prompt")

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        self.dismiss(event.value)


class CountScreen(ModalScreen[tuple[str, counts.CountKey, str | None] | None]):
    """The count view: a column or payload field path, and its values in the current view
    with counts and shares. `enter` on a value answers ("pick", key, value), `-` answers
    ("exclude", key, value); escape closes."""

    BINDINGS = [
        Binding("escape", "dismiss(None)", "Close"),
        Binding("minus", "exclude", "Hide value"),
    ]
    DEFAULT_CSS = """
    CountScreen { align: center middle; }
    CountScreen > Vertical {
        width: 90; max-width: 100%; height: 80%; border: thick $accent; background: $surface;
    }
    CountScreen OptionList { height: 1fr; }
    """

    def __init__(
        self, count: Callable[[counts.CountKey], pl.DataFrame], rows: int, by: str = "outcome"
    ) -> None:
        """`count`: the view's values of a key (`counts.count_by`'s table), run on a
        thread; `rows`: how many rows the view has."""
        super().__init__()
        self.count, self.rows, self.by = count, rows, by
        self.key: counts.CountKey | None = None
        self.values: list[str | None] = []

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Input(
                value=self.by,
                placeholder="column (outcome, ip, user, ...) or field path (a.b.c), enter",
                id="count-by",
            )
            yield Static("", id="count-title", markup=False)
            yield OptionList(id="count-values")

    def on_mount(self) -> None:
        self._count(self.by)

    @on(Input.Submitted, "#count-by")
    def _by(self, event: Input.Submitted) -> None:
        self._count(event.value)

    def _count(self, text: str) -> None:
        try:
            key = counts.count_key(text)
        except ConnlogError as exc:
            self.query_one("#count-title", Static).update(escape_controls(str(exc)))
            return
        self.query_one("#count-title", Static).update(f"counting {one_line(key.label, 60)}…")
        self._counted(key)

    @work(thread=True, exclusive=True, group="count")
    def _counted(self, key: counts.CountKey) -> None:
        try:
            table = self.count(key)
        except ConnlogError as exc:  # an archive that cannot be read (any more)
            self.post_message(msg.CountFailed(str(exc)))
            return
        self.post_message(msg.Counted(key, table))

    @on(msg.CountFailed)
    def _count_failed(self, message: msg.CountFailed) -> None:
        self.query_one("#count-title", Static).update(escape_controls(message.error))

    @on(msg.Counted)
    def _show(self, message: msg.Counted) -> None:
        key, table = message.key, message.table
        self.key, self.values = key, table["value"].to_list()
        title = f"{one_line(key.label, 60)}: {len(self.values):,} values in {self.rows:,} rows"
        self.query_one("#count-title", Static).update(title + " · enter filters, - hides")
        options = self.query_one("#count-values", OptionList)
        options.clear_options()
        options.add_options(
            Option(_count_line(value, count, share), id=str(i))
            for i, (value, count, share) in enumerate(table.iter_rows())
        )
        options.highlighted = 0 if self.values else None
        options.focus()

    def _answer(self, what: str) -> None:
        options = self.query_one("#count-values", OptionList)
        if self.key is None or options.highlighted is None:
            return
        self.dismiss((what, self.key, self.values[options.highlighted]))

    @on(OptionList.OptionSelected, "#count-values")
    def _picked(self) -> None:
        self._answer("pick")

    def action_exclude(self) -> None:
        if self.focused is not None and self.focused.id == "count-values":
            self._answer("exclude")


def _count_line(value: str | None, count: int, share: float) -> Text:
    """`value      count  share  ████`: literal text (log values are never markup)."""
    label = "(none)" if value is None else one_line(value, 50) or "(blank)"
    bar = "█" * max(1, round(share * 20)) if count else ""
    return Text.assemble(f"{label:<50} {count:>9,} {share:>6.1%} ", (bar, "bold"))


# What ' says on an archive or Spark log (the seam's filter state has no set of rows).
MARKED_ONLY_PAGED = (
    "Marked rows only: not on an archive or Spark log (} / { jump between the marks)"
)

# The status bar's note on a paged log with marks: what they cannot do there.
MARKS_ARCHIVE = "marks: no ' (marked only) on an archive"
MARKS_SPARK = "marks: no ' (marked only), no Note in exports on Spark"
NOTES_SPARK = "Exported without notes: a Spark table's export has no Note column"

BLOCKS = " ▁▂▃▄▅▆▇█"


def sparkline(values: list[int], top: int) -> str:
    """One block character a value, scaled to `top` (any value > 0 shows at least ▁)."""
    if top <= 0:
        return " " * len(values)
    steps = len(BLOCKS) - 1
    return "".join(BLOCKS[max(1, round(v / top * steps)) if v else 0] for v in values)


class TimelineStrip(Widget, can_focus=True):
    """The view's rows over time: the `all` line counts every row, the `fail` line the
    failures (distinct by their own line, not only by colour); `▲` marks the cursor's
    bucket and `┬` the bar picked with ← →. Enter asks to narrow the dates to it."""

    DEFAULT_CSS = """
    TimelineStrip { height: 4; border-top: solid $panel-lighten-2; }
    TimelineStrip:focus { border-top: solid $accent; }
    """
    BINDINGS = [
        Binding("left", "pick(-1)", "Earlier", show=False),
        Binding("right", "pick(1)", "Later", show=False),
        Binding("enter", "narrow", "Narrow dates", show=False),
    ]
    LABEL = 5

    class Narrow(Message):
        def __init__(self, since, until) -> None:
            self.since, self.until = since, until
            super().__init__()

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.line: counts.Timeline | None = None
        self.zone = "UTC"  # the display zone its range is labelled in
        self.cursor_bar: int | None = None
        self.picked: int | None = None

    def show(self, line: counts.Timeline, cursor_time=None) -> None:
        self.line = line
        self.cursor_bar = line.bucket_of(cursor_time) if cursor_time is not None else None
        if self.picked is not None and self.picked >= line.bars.height:
            self.picked = None
        self.refresh()

    def bars_width(self) -> int:
        return max(10, self.size.width - self.LABEL)

    def render(self) -> Text:
        line = self.line
        if line is None or line.bars.is_empty():
            return Text("timeline: no rows")
        bars = line.bars
        failures, others = bars["failures"].to_list(), bars["others"].to_list()
        totals = [f + o for f, o in zip(failures, others, strict=True)]
        top = max(totals)
        marks_line = [" "] * len(totals)
        if self.cursor_bar is not None:
            marks_line[self.cursor_bar] = "▲"
        if self.picked is not None:
            marks_line[self.picked] = "┬" if self.picked != self.cursor_bar else "╋"
        start, end = bars["start"][0], bars["start"][-1] + line.every
        text = Text()
        text.append("all  ")
        text.append(sparkline(totals, top) + "\n")
        text.append("fail ")
        text.append(sparkline(failures, top), style="bold red")
        text.append("\n     " + "".join(marks_line))
        since, until = (tz.format_time(t, self.zone, "%m-%d %H:%M") for t in (start, end))
        text.append(f"  {since} → {until} {tz.label(self.zone)}, {_every(line.every)} a bar")
        return text

    def action_pick(self, step: int) -> None:
        if self.line is None or self.line.bars.is_empty():
            return
        last = self.line.bars.height - 1
        start = self.picked if self.picked is not None else self.cursor_bar
        start = last if start is None else start
        self.picked = max(0, min(last, start + step))
        self.refresh()

    def action_narrow(self) -> None:
        if self.line is not None and self.picked is not None:
            self.post_message(self.Narrow(*self.line.range_of(self.picked)))


def _every(delta) -> str:
    seconds = int(delta.total_seconds())
    for size, unit in ((86400, "d"), (3600, "h"), (60, "min"), (1, "s")):
        if seconds % size == 0:
            return f"{seconds // size} {unit}"
    return f"{seconds} s"


class Verbs(Widget):
    """The verbs' state and work, a component the app owns (never drawn: a widget for
    its workers and its place in the message chain). It reaches the app through its
    public state and methods only (frame, state, result, table, apply_state, refilter,
    note_status, ...); the app's keys hand over to it."""

    DEFAULT_CSS = "Verbs { display: none; }"

    def __init__(self, owner: ConnlogApp) -> None:
        super().__init__()
        self.owner = owner
        self.find: FilterState | None = None  # the search n / N step through, off the view
        self.find_matches: pl.Series | None = None
        self.marks_store: marks.Marks | None = None
        self.marked: pl.DataFrame | None = None  # Marks.find's rows: row_id, key, note
        self.widen_to: tuple | None = None  # the date range before the timeline narrowed it
        self.marked_only = False  # ' : the view keeps its marked rows only

    def _loaded_frame(self, what: str) -> bool:
        """Whether the log is loaded as a frame; an archive paged through the seam says
        that `what` needs one."""
        if self.owner.frame is not None:
            return True
        if self.owner.paged_log is not None:
            self.notify(f"{what}: not on an archive yet (open the log itself)", timeout=3)
        return False

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

    # -- next / previous match ----------------------------------------------------------

    def payload_pattern(self) -> re.Pattern[str] | None:
        """The search whose matches the payload view draws: n / N's, else the view's."""
        search = self.find or self.owner.state
        return match_pattern(search.search, search.regex)

    def action_next_match(self, step: int) -> None:
        """n / N: the next / previous row matching the search. A search that filters the
        view becomes one that only moves the cursor: the whole view comes back."""
        state, paged = self.owner.state, self.owner.paged_log
        if paged is None and not self._loaded_frame("n / N"):
            return
        selected = None
        if state.search or state.regex:
            self.find = FilterState(search=state.search, regex=state.regex)
            self.find_matches = None
            selected = self.owner.table.current_row  # found again in the whole view
            self.owner.apply_state(replace(state, search="", regex=""))
        if self.find is None:
            self.notify("No search: / to search, then n / N move between matches")
            return
        if paged is not None:
            self._step_paged(paged, self.find, step, "matches of the search", selected)
            return
        if self.find_matches is None:
            self._find(self.find, step)
            return
        self._step_to(self.find_matches, step, "matches of the search")

    @work(thread=True, exclusive=True, group="find")
    def _find(self, find: FilterState, step: int) -> None:
        frame = self.owner.frame
        if frame is None:
            return
        matched = query.run(
            frame,
            find,
            facets=(),
            payloads=self.owner.payloads,
            folded=self.owner.folded,
        ).indices
        self.post_message(msg.MatchesFound(find, matched, step))

    def on_matches_found(self, message: msg.MatchesFound) -> None:
        find, matched, step = message.find, message.matched, message.step
        if find is self.find:
            self.find_matches = self.owner.table.matched = matched.sort()
            self.owner.table.refresh()
            self.owner.note_status()
            self._step_to(matched, step, "matches of the search")

    def _step_paged(
        self, log: Log, find: Find, step: int, what: str, selected: int | None = None
    ) -> None:
        """n / N or } / { on a paged log: `Log.next_match` on a thread, from the cursor's
        position (or the `selected` row's, found again in a view that just changed)."""
        column, descending = self.owner.sort
        sort = Sort(None if column == "time" else column, descending)
        start = None if selected is not None else self.owner.table.cursor
        self.post_message(msg.Running("finding a row", time.monotonic()))
        self._next_paged(log, self.owner.state, sort, find, start, selected, step, what)

    @work(thread=True, exclusive=True, group="find")
    def _next_paged(self, log: Log, state, sort, find, start, selected, step, what) -> None:
        worker = get_current_worker()

        def stale() -> bool:
            return worker.is_cancelled or state is not self.owner.state

        try:
            if selected is not None:
                start = log.next_match(state, sort, frozenset({selected}), None, 1, stale)
            found = log.next_match(state, sort, find, start, step, stale)
        except Stale:
            return
        except ConnlogError as exc:
            self.post_message(msg.Failed(str(exc)))
            return
        finally:
            self.post_message(msg.Running("finding a row", None))
        self.post_message(msg.MatchFound(state, found, what))

    def on_match_found(self, message: msg.MatchFound) -> None:
        if message.state is not self.owner.state:
            return  # the filters changed meanwhile
        if message.position is None:
            self.notify(f"No {message.what} in the view")
        else:  # now, or once the view it counts in is shown (n just widened it)
            self.owner.table.move_in_view(message.state, message.position)

    def _step_to(self, rows: pl.Series, step: int, what: str) -> None:
        table = self.owner.table
        found = jump.next_position(table.indices, rows, table.cursor, step)
        if found is None:
            self.notify(f"No {what} in the view")
            return
        table.cursor = found

    # -- jump to a time -----------------------------------------------------------------

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

        try:
            found = jump.nearest_in_order(rows.count, time_at, when, rows.sort.descending)
        except ConnlogError as exc:
            self.post_message(msg.Failed(str(exc)))
            return
        if found is not None:
            self.post_message(msg.JumpFound(found))

    def on_jump_found(self, message: msg.JumpFound) -> None:
        self.owner.table.cursor = message.position

    # -- the count view -----------------------------------------------------------------

    def action_count_view(self) -> None:
        paged = self.owner.paged_log
        if isinstance(paged, Counts):  # an archive: one lazy group-by through the seam
            count = partial(paged.count_by, self.owner.state)
            rows = self.owner.table.row_count
        elif not self._loaded_frame("The count view") or not self.owner.result_is_current("count"):
            return
        else:
            frame, result = self.owner.frame, self.owner.result
            if frame is None or result is None:
                return
            indices = result.indices
            count = partial(counts.count_by, frame, indices, payloads=self.owner.payloads)
            rows = len(indices)

        def chosen(answer) -> None:
            if not answer:
                return
            what, key, value = answer
            try:
                state = counts.filter_to(self.owner.state, key, value, exclude=what == "exclude")
            except ConnlogError as exc:
                self.notify(escape_controls(str(exc)), severity="error", markup=False)
                return
            self.owner.apply_state(state)

        column = self.owner.table.current_column
        by = column if column not in (None, "time", "request", "response") else "outcome"
        self.owner.push_screen(CountScreen(count, rows, by), chosen)

    # -- marks and notes ----------------------------------------------------------------

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
        try:
            found = marks.find_in_log(store, log)
        except ConnlogError as exc:
            self.post_message(msg.Failed(str(exc)))
            return
        self.post_message(msg.MarksFound(found))

    def on_marks_found(self, message: msg.MarksFound) -> None:
        self._show_marks(message.found)

    def _show_marks(self, found: pl.DataFrame) -> None:
        self.marked = found
        self.owner.table.marked = set(found[ROW_ID].to_list())
        self.owner.table.refresh()
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

    def notes_for(self, indices: pl.Series) -> pl.Series | None:
        """The Note column of an export of these rows (None: no row has a note)."""
        if self._marks() is None or self.marked is None:
            return None
        return marks.note_column(indices, self.marked)

    # -- the timeline -------------------------------------------------------------------

    def action_toggle_timeline(self) -> None:
        strip = self.owner.query_one(TimelineStrip)
        strip.display = not strip.display
        if strip.display:
            self.call_after_refresh(self.refresh_timeline)  # once laid out: its width
            strip.focus()
        else:
            self.owner.table.focus()

    def refresh_timeline(self) -> None:
        strip = self.owner.query_one(TimelineStrip)
        if not strip.display:
            return
        paged = self.owner.paged_log
        if hasattr(paged, "timeline"):  # an archive: counted lazily, on a thread
            self._paged_timeline(
                paged, self.owner.state, strip.bars_width(), self.owner.table.current_row
            )
            return
        frame, result = self.owner.frame, self.owner.result
        if not self._loaded_frame("The timeline") or frame is None or result is None:
            return
        line = counts.timeline(frame, result.indices, strip.bars_width())
        row = self.owner.table.current_row
        self._show_timeline(line, frame["time"][row] if row is not None else None)

    def _show_timeline(self, line: counts.Timeline, cursor_time) -> None:
        strip = self.owner.query_one(TimelineStrip)
        strip.zone = self.owner.zone
        strip.show(line, cursor_time)

    @work(thread=True, exclusive=True, group="timeline")
    def _paged_timeline(self, log, state: FilterState, bars: int, row: int | None) -> None:
        try:
            line = log.timeline(state, bars)
            when = log.row(row)["time"] if row is not None else None
        except ConnlogError as exc:
            self.post_message(msg.Failed(str(exc)))
            return
        self.post_message(msg.TimelineReady(line, when))

    def on_timeline_ready(self, message: msg.TimelineReady) -> None:
        self._show_timeline(message.line, message.cursor_time)

    def narrow(self, event: TimelineStrip.Narrow) -> None:
        """The timeline's picked bar (its Narrow message, which the app hands on)."""
        if self.widen_to is None:
            self.widen_to = (self.owner.state.since, self.owner.state.until)
        self.owner.apply_state(replace(self.owner.state, since=event.since, until=event.until))

    def action_widen_time(self) -> None:
        if self.widen_to is None:
            self.notify("The dates were not narrowed from the timeline")
            return
        since, until = self.widen_to
        self.widen_to = None
        self.owner.apply_state(replace(self.owner.state, since=since, until=until))
