"""The triage screen: where the current view's failures cluster, and when.

Two tables of failure groups (by application and reason, by user) and a time histogram
of failures against successes per application (ui/histogram.py). Enter on a group returns
the filter state that narrows the main table to it; escape returns None. All the numbers
come from `connlog_tui.triage` (vectorised Polars over the view's few small columns).
"""

from __future__ import annotations

from datetime import datetime
from typing import cast

import polars as pl
from rich.cells import cell_len
from rich.style import Style
from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable, Static, TabbedContent, TabPane

from connlog_tui.query import FilterState
from connlog_tui.schema import USER_KEY
from connlog_tui.textsafe import one_line
from connlog_tui.timezones import DEFAULT_FORMAT, format_time, label
from connlog_tui.triage import failure_groups, group_filter
from connlog_tui.ui.footer import FittedFooter
from connlog_tui.ui.histogram import FailureHistogram, cut

# The columns the triage functions read; the view is gathered on these only (never the
# payloads).
NEEDED = ("time", "app", "action", "outcome", "reason", "failure_reason", "user", USER_KEY)


class GroupTable(DataTable):
    """Enter filters to the group under the cursor. Bound here, not as a priority key of
    the screen, so it acts after the keys typed before it (`down enter` in one burst)."""

    BINDINGS = [Binding("enter", "screen.pick", "Filter to group")]


class TriageScreen(ModalScreen[FilterState | None]):
    """Failures of the current view grouped by application and reason, and by user, with
    a histogram over time. Enter on a group: the filter state narrowed to it."""

    AUTO_FOCUS = ""  # the table is focused in on_mount, once its tab surely exists
    BINDINGS = [
        Binding("escape", "dismiss(None)", "Close"),
        Binding("tab", "switch(1)", "App ⇄ user", priority=True),
        Binding("shift+tab", "switch(-1)", "App ⇄ user", show=False, priority=True),
        Binding("a", "show('by-app')", "By app", show=False),
        Binding("u", "show('by-user')", "By user", show=False),
    ]
    DEFAULT_CSS = """
    TriageScreen { background: $surface; }
    TriageScreen > Vertical { width: 100%; height: 100%; }
    TriageScreen #triage-title { height: 1; background: $panel; padding: 0 1; }
    TriageScreen TabbedContent { height: 1fr; }
    TriageScreen TabPane { padding: 0; height: 1fr; }
    TriageScreen ContentSwitcher { height: 1fr; }
    TriageScreen DataTable { height: 1fr; }
    TriageScreen .triage-current {
        height: auto; max-height: 5; padding: 0 1; color: $text-muted; background: $panel;
    }
    TriageScreen #triage-empty { height: 1fr; padding: 1 2; }
    TriageScreen FailureHistogram { border-top: solid $panel-lighten-2; }
    """

    def __init__(
        self,
        frame: pl.DataFrame,
        indices: pl.Series,
        state: FilterState,
        *,
        zone: str = "UTC",
        note: str | None = None,
        failures_only: bool = False,
    ) -> None:
        super().__init__()
        self.note = note  # what a bounded set of failures leaves out
        self.failures_only = failures_only  # `frame` holds failures only (a paged log's)
        self.state = state
        self.zone = zone
        self.total = frame.height
        columns = [c for c in NEEDED if c in frame.columns]
        self.view = (
            frame.select(columns)[indices]
            if len(indices) != frame.height
            else (frame.select(columns))
        )
        self.by_app = failure_groups(self.view, by="app_reason")
        self.by_user = failure_groups(self.view, by="user")
        self.failures = int(self.by_app["count"].sum()) if self.by_app.height else 0

    # -- layout --------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(self._title(), id="triage-title")
            if self.failures:
                # No `initial`: the first pane is active by default, and Textual's tabs
                # then tolerate closing before they mount (an initial tab id fails then).
                with TabbedContent():
                    with TabPane("By application & reason", id="by-app"):
                        yield GroupTable(id="app-groups", cursor_type="row", cell_padding=0)
                        yield Static("", id="app-current", classes="triage-current")
                    with TabPane("By user", id="by-user"):
                        yield GroupTable(id="user-groups", cursor_type="row", cell_padding=0)
                        yield Static("", id="user-current", classes="triage-current")
            else:
                yield Static(
                    Text(
                        f"No failures in the current view ({self.view.height:,} rows). "
                        "Widen the filters, or press escape to go back."
                    ),
                    id="triage-empty",
                )
            yield FailureHistogram(
                self.view, self.zone, successes=not self.failures_only, id="histogram"
            )
        yield FittedFooter()

    def _title(self) -> Text:
        text = Text()
        text.append("Triage  ", Style(bold=True))
        rows = self.view.height
        rows_text = f"{rows:,} of {self.total:,} rows" if rows != self.total else f"{rows:,} rows"
        if self.failures_only:  # the rows read are the failures: the view's size is not
            rows_text = "the filtered view"
        if not self.failures:
            text.append(f"no failures in {rows_text} · times {label(self.zone)}")
            return text
        apps = self.by_app["app"].n_unique()
        users = self.by_user.height
        text.append(
            f"{self.failures:,} failure{'s' if self.failures != 1 else ''} in {rows_text} · "
            f"{apps} application{'s' if apps != 1 else ''} · "
            f"{users} user{'s' if users != 1 else ''} · times {label(self.zone)}"
        )
        if self.note:
            text.append(f" · {self.note}", Style(bold=True))
        return text

    def _has_tables(self) -> bool:
        """Whether the group tables are there: there are failures, and the app did not
        begin closing as the screen mounted (the widgets mounted after that never ran)."""
        return bool(self.failures) and self.app.is_running

    def on_mount(self) -> None:
        if self._has_tables():
            self._fill(self.app.size.width)
            # Focused as it mounts, so keys typed right after reach it (open_screen);
            # not by AUTO_FOCUS, which runs even when the app is closing, and makes the
            # focused table's pane switch to its tab, which may then never have mounted.
            self.set_focus(self.query_one("#app-groups", DataTable))

    def on_resize(self, event: events.Resize) -> None:
        if self._has_tables():
            self._fill(event.size.width)

    # -- tables --------------------------------------------------------------------------

    def _time_format(self) -> str:
        times = self.view["time"].drop_nulls()
        first, last = cast(datetime | None, times.min()), cast(datetime | None, times.max())
        if first is not None and last is not None and first.year != last.year:
            return "%Y-%m-%d %H:%M"
        return "%m-%d %H:%M"

    def _fill(self, width: int) -> None:
        fmt = self._time_format()
        usable = max(40, width - 2)  # the vertical scrollbar
        # Application table: Fails Users Application Reason First Last.
        self._fill_groups(
            "#app-groups", self.by_app, ("Users", "users", 5), ("Application", "app", 11),
            "Reason", (2, 5), usable, fmt,
        )  # fmt: skip
        # User table: Fails Apps User Most common reason First Last.
        self._fill_groups(
            "#user-groups", self.by_user, ("Apps", "apps", 4), ("User", "user", 12),
            "Most common reason", (1, 2), usable, fmt,
        )  # fmt: skip
        self._show_current()

    def _fill_groups(
        self, selector: str, groups: pl.DataFrame, counted: tuple[str, str, int],
        named: tuple[str, str, int], reason: str, most: tuple[int, int], usable: int, fmt: str,
    ) -> None:  # fmt: skip
        """One table of groups: Fails, `counted` (title, column, width), `named` (title,
        column, least width; it takes up to `most` of the room left, as a fraction), the
        `reason` column, first and last seen (in `fmt`)."""
        when = len(format_time(datetime(2000, 12, 31, 23, 59), "UTC", fmt))
        (count_title, count_column, count_width), (title, column, least) = counted, named
        fixed = 5 + count_width + 2 * when + 6  # a separating space per column
        names = [one_line(n) for n in groups[column]]
        flexible = max(20, usable - fixed)
        share = self._share(names, groups["reason"], flexible, least, flexible * most[0] // most[1])
        columns = [
            ("Fails", 5, True),
            (count_title, count_width, True),
            (title, share, False),
            (reason, max(10, flexible - share), False),
            ("First seen", when, False),
            ("Last seen", when, False),
        ]
        self._fill_table(
            self.query_one(selector, DataTable),
            columns,
            [
                (
                    row["count"],
                    row[count_column],
                    row[column],
                    row["reason"],
                    format_time(row["first_seen"], self.zone, fmt),
                    format_time(row["last_seen"], self.zone, fmt),
                )
                for row in groups.iter_rows(named=True)
            ],
        )

    @staticmethod
    def _share(names: list[str], reasons: pl.Series, room: int, least: int, half: int) -> int:
        """The name column's width out of `room` shared with the reason column: what the
        names need, but no more than leaves the reasons theirs, and at least `half`."""
        longest = max((cell_len(n) for n in names), default=least)
        reason = max((cell_len(one_line(r)) for r in reasons.drop_nulls()), default=10)
        return min(longest, max(least, half, room - reason))

    @staticmethod
    def _fill_table(table: DataTable, columns: list, rows: list) -> None:
        """(Re)build a table for this width; cells are cut here, as Text (never markup)."""
        cursor = table.cursor_row
        table.clear(columns=True)
        for title, width, numeric in columns:
            head = cut(title, width)
            table.add_column(Text(head.rjust(width) if numeric else head), width=width + 1)
        for key, values in enumerate(rows):
            cells = []
            for (_, width, numeric), value in zip(columns, values, strict=True):
                text = str(value) if numeric else one_line(value if value is not None else "")
                text = cut(text, width)
                cells.append(Text(text.rjust(width) if numeric else text, no_wrap=True))
            table.add_row(*cells, key=str(key))
        if rows:
            table.move_cursor(row=min(cursor, len(rows) - 1), animate=False)

    def _active_table(self) -> DataTable | None:
        if not self.failures:
            return None
        active = self.query_one(TabbedContent).active
        return self.query_one("#app-groups" if active == "by-app" else "#user-groups", DataTable)

    def current_group(self) -> dict | None:
        """The highlighted group of the visible tab, as a failure_groups row."""
        table = self._active_table()
        if table is None or not table.row_count:
            return None
        groups = self.by_app if table.id == "app-groups" else self.by_user
        return groups.row(table.cursor_row, named=True)

    def _show_current(self) -> None:
        if not self.failures:
            return
        for table_id, current_id, groups in (
            ("#app-groups", "#app-current", self.by_app),
            ("#user-groups", "#user-current", self.by_user),
        ):
            table = self.query_one(table_id, DataTable)
            if not table.row_count:
                continue
            row = groups.row(min(table.cursor_row, groups.height - 1), named=True)
            self.query_one(current_id, Static).update(self._describe(row))

    def _describe(self, row: dict) -> Text:
        """Lines on a group: what it is, in full, and its numbers and times."""
        first, last = row["first_seen"], row["last_seen"]
        when = format_time(first, self.zone)
        if first is not None and last is not None and last != first:
            same_day = format_time(first, self.zone, "%Y%m%d") == format_time(
                last, self.zone, "%Y%m%d"
            )
            when += " → " + format_time(last, self.zone, "%H:%M:%S" if same_day else DEFAULT_FORMAT)
        s = "s" if row["count"] != 1 else ""
        if "app" in row:
            what = f"{row['app']} · {row['reason']}"
            users = f"{row['users']} user{'s' if row['users'] != 1 else ''}"
            numbers = f"{row['count']} failure{s} · {users} · {when}"
        else:
            mostly = "mostly " if row["count"] > 1 else ""
            what = f"{row['user']} · {mostly}{row['reason']}"
            apps = f"{row['apps']} application{'s' if row['apps'] != 1 else ''}"
            numbers = f"{row['count']} failure{s} in {apps} · {when}"
        # Whole, wrapped if need be: the tables cut the reason to fit.
        text = Text(one_line(what), style=Style(bold=True))
        text.append("\n" + one_line(numbers), style=Style(bold=False))
        return text

    @on(DataTable.RowHighlighted)
    def _highlighted(self) -> None:
        self._show_current()

    # -- actions -------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Without failures there are no groups to pick or tabs to switch."""
        return bool(self.failures) or action not in ("pick", "switch", "show")

    def action_pick(self) -> None:
        group = self.current_group()
        if group is not None:
            self.dismiss(group_filter(self.state, group))

    def action_switch(self, _direction: int) -> None:
        if self.failures:
            active = self.query_one(TabbedContent).active
            self.action_show("by-user" if active == "by-app" else "by-app")

    def action_show(self, pane: str) -> None:
        if not self.failures:
            return
        self.query_one(TabbedContent).active = pane
        table = self.query_one("#app-groups" if pane == "by-app" else "#user-groups", DataTable)
        table.focus()

    @on(TabbedContent.TabActivated)
    def _tab_clicked(self, event: TabbedContent.TabActivated) -> None:
        # The pane's table: none when the app closed before it mounted.
        for table in event.pane.query(GroupTable):
            table.focus()
