"""The filter controls: the body of the main screen (the filter panes, the search box, the
table, the timeline and the detail panel), which handles what the user does in the panes,
the search and user fields and the date range.

Each change becomes a new filter state handed to the app (`set_state`, debounced while
typing), which owns the state and runs it; an invalid regex or date is said (in the search
box's border, or as an error) and not applied. `show_state` makes the panes and fields show
the app's state (after a load, Clear, a saved view); `set_panes` fills the panes' values.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING, cast

from textual import on
from textual.containers import Horizontal
from textual.widgets import Input

from connlog_tui import query
from connlog_tui import timezones as tz
from connlog_tui.errors import ConnlogError
from connlog_tui.query import FACETS, FilterState
from connlog_tui.textsafe import escape_controls
from connlog_tui.ui.filters import DateRangePane, FacetPane, FilterSidebar

if TYPE_CHECKING:
    from connlog_tui.ui.app import ConnlogApp

TYPING_DELAY = 0.15  # seconds of no newer keystroke before a typed filter runs


class FilterControls(Horizontal):
    @property
    def owner(self) -> ConnlogApp:
        return cast("ConnlogApp", self.app)

    def set_panes(self, counts: dict[str, dict[str, int]]) -> None:
        """The panes' values from the log's facet counts of no filters: most frequent
        first, ties alphabetical (the same order every time); a Source pane only when
        there are several."""
        facets = {}
        for column in FACETS:
            values = sorted(counts.get(column, {}).items(), key=lambda kv: (-kv[1], kv[0]))
            if column != "source" or len(values) > 1:
                facets[column] = [v for v, _ in values]
        self.query_one(FilterSidebar).set_facets(facets)

    def show_state(self) -> None:
        """Make the panes and fields show the app's filter state."""
        state, zone = self.owner.state, self.owner.zone
        if self.query(FilterSidebar):
            self.query_one(FilterSidebar).show_other_picks(state.picked)
        for pane in self.query(FacetPane):
            pane.set_selected(state.picked.get(pane.column, frozenset()))
            pane.set_excluded(state.excluded.get(pane.column, frozenset()))
        with self.prevent(Input.Changed):
            self.query_one("#search", Input).value = query.search_text(state)
            if not self.query(DateRangePane):  # not mounted yet: synced when it is (Ready)
                return
            self.query_one("#user", Input).value = state.user
            dates = self.query_one(DateRangePane)
            dates.border_title = f"Date range ({tz.label(zone)})"
            dates.set_values(
                tz.format_time(state.since, zone) if state.since else "",
                tz.format_time(state.until, zone) if state.until else "",
            )

    def toggle_panes(self) -> None:
        """f: show the panes (the first focused) or hide them (the table focused)."""
        sidebar = self.query_one(FilterSidebar)
        sidebar.display = not sidebar.display
        if sidebar.display:
            panes = [*sidebar.query(FacetPane), *sidebar.query("#user")]
            if panes:  # none in the first moments, before the panes are mounted
                panes[0].focus()
        else:
            self.owner.table.focus()

    def focus_dates(self) -> None:
        """d: the date range's `since` field, the panes shown if they were hidden."""
        fields = self.query("#since")
        if not fields:  # the panes are mounted just after the first frame
            return
        self.query_one(FilterSidebar).display = True
        # Now, not on the next loop turn: the dates typed right after `d` go into the field.
        self.screen.set_focus(fields.first())

    def clear(self) -> None:
        """x: every filter off (n / N's search and ' too)."""
        app = self.owner
        app.verbs.clear()
        app.set_state(FilterState())
        self.show_state()
        app.notify("Filters cleared")

    @on(Input.Submitted, "#search,#user")
    def _field_left(self) -> None:
        self.owner.keys.field_left()  # keys typed after Enter wait for its result

    @on(FilterSidebar.Ready)
    def _sidebar_ready(self) -> None:
        self.show_state()

    @on(FacetPane.Highlighted)
    def _pane_highlighted(self, event: FacetPane.Highlighted) -> None:
        note = f"{event.title}: {event.value}" if event.value is not None else None
        self.owner.note_status(pane_note=note)

    @on(FacetPane.Changed)
    def _facet_changed(self, event: FacetPane.Changed) -> None:
        app = self.owner
        app.set_state(app.state.with_picked(event.column, event.values))

    @on(Input.Changed, "#search")
    def _search_changed(self, event: Input.Changed) -> None:
        """`!text` hides rows holding text, `re:PATTERN` is a regex search (an invalid
        one is said in the search box's border and not applied), else literal."""
        app = self.owner
        fields = query.parse_search(event.value)
        search = self.query_one("#search", Input)
        try:
            query.regex_pattern(fields["regex"]) if fields["regex"] else None
        except ConnlogError as exc:
            search.add_class("-invalid")
            app.note_status(search_error=str(exc))  # said first, under the box
            return
        search.remove_class("-invalid")
        app.verbs.forget_find()  # n / N follow the new search
        app.note_status(search_error=None)
        app.set_state(replace(app.state, **fields), delay=TYPING_DELAY)

    @on(Input.Changed, "#user")
    def _user_changed(self, event: Input.Changed) -> None:
        app = self.owner
        app.set_state(replace(app.state, user=event.value), delay=TYPING_DELAY)

    @on(DateRangePane.Changed)
    def _dates_changed(self, event: DateRangePane.Changed) -> None:
        app = self.owner
        log = app.current_log
        if log is None:
            return
        since: datetime | None
        until: datetime | None
        try:
            if event.quick:  # counted back from the newest event
                newest = log.time_bounds()[1]
                if newest is None:
                    raise ValueError("no events")
                since, until = newest - query.QUICK_RANGES[event.quick], newest
            else:
                # Typed dates are wall-clock times in the display zone.
                since = tz.parse_in_zone(event.since, app.zone) if event.since.strip() else None
                until = (
                    tz.parse_in_zone(event.until, app.zone, end=True)
                    if event.until.strip()
                    else None
                )
        except (ConnlogError, ValueError) as exc:
            app.notify(escape_controls(str(exc)), severity="error", markup=False)
            return
        app.set_state(replace(app.state, since=since, until=until))
        self.show_state()
