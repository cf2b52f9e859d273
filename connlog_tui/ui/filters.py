"""The filter panes: pick-lists with faceted counts, the user box and the date range."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping

from rich.cells import set_cell_size
from rich.segment import Segment
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.strip import Strip
from textual.widgets import Button, Input, SelectionList
from textual.widgets._toggle_button import ToggleButton

from connlog_tui.query import FACET_TITLES, FACETS
from connlog_tui.schema import HEADERS
from connlog_tui.textsafe import one_line
from connlog_tui.ui.cells import distinct_labels
from connlog_tui.ui.fields import OrderedInput

PICKED, UNPICKED = "✓", " "  # told apart without colour (NO_COLOR, 16 colours)
# Values a pane lists at most, the most frequent: a log's client IPs may be thousands,
# and every filter run redraws each listed value's count. A value picked or hidden
# elsewhere (the command line, a saved view, the count view) is added to its pane.
PANE_VALUES = 200


def compact_count(count: int) -> str:
    """At most six characters: 12,345 / 123k / 1.2M."""
    if count >= 999_500:
        return f"{count / 1e6:.1f}M"
    if count >= 100_000:
        return f"{round(count / 1000)}k"
    return f"{count:,}"


class CheckList(SelectionList[str]):
    """A SelectionList whose ticked options are told apart by a glyph, not by colour
    alone (NO_COLOR, 16 colours)."""

    def render_line(self, y: int) -> Strip:
        """The option's line with its check box marked by a glyph, not by colour alone."""
        strip = super().render_line(y)
        segments = list(strip)
        if len(segments) < 2 or segments[1].text != ToggleButton.BUTTON_INNER:
            return strip
        index = self.scroll_offset.y + y
        if index >= self.option_count:
            return strip
        picked = self.get_option_at_index(index).value in self._selected
        segments[1] = Segment(PICKED if picked else UNPICKED, segments[1].style)
        return Strip(segments, strip.cell_length)


class FacetPane(CheckList):
    """A pick-list of one column's values, each with the number of rows it would give
    under the other active filters. Values are fixed at load; only the counts change."""

    DEFAULT_CSS = """
    FacetPane {
        height: auto; max-height: 12; border: round $panel-lighten-2;
        scrollbar-size-vertical: 1;
    }
    FacetPane:focus { border: round $accent; }
    """

    class Changed(Message):
        def __init__(self, column: str, values: frozenset[str]) -> None:
            self.column = column
            self.values = values
            super().__init__()

    class Highlighted(Message):
        """The value under the pane's cursor, whole (None: the pane lost focus), for the
        status line: a value cut to fit the pane is read there."""

        def __init__(self, title: str, value: str | None) -> None:
            self.title = title
            self.value = value
            super().__init__()

    def __init__(self, column: str, values: list[str], **kwargs) -> None:
        super().__init__(id=f"facet-{column}", **kwargs)
        self.column = column
        self.border_title = FACET_TITLES.get(column, column)
        self._choices = values
        self._counts: dict[str, int] = {}  # as last drawn
        self._shown: dict[str, int] = {}  # as last given
        self._labels: tuple[int, dict[str, str]] = (0, {})  # (width, value -> label)
        self._excluded: frozenset[str] = frozenset()  # hidden values (the `-` key)
        self._quiet = False
        # Added now, not once mounted: a pane laid out before its options were in now
        # and then stayed two lines tall and empty (its height was never worked out again).
        self.add_options([(self._prompt(v, None), v) for v in self._choices])

    @property
    def label_width(self) -> int:
        # The option's width less the checkbox (4) and the count (8); a guess before layout.
        width = self.scrollable_content_region.width
        return max(8, width - 12) if width else 16

    def on_resize(self) -> None:
        self._counts = {}  # re-render every prompt at the new width
        self.set_counts(self._shown)

    def _label(self, value: str) -> str:
        """The value as the pane shows it: cut to the label width so that no two values
        of the pane look alike (see cells.distinct_labels); a source by its file name
        unless two files share it."""
        width = self.label_width
        if self._labels[0] != width or value not in self._labels[1]:
            texts = {v: one_line(v) or "(blank)" for v in self._choices}
            if self.column == "source":
                names = {v: t.replace("\\", "/").rsplit("/", 1)[-1] for v, t in texts.items()}
                twice = Counter(names.values())
                texts = {v: t if twice[names[v]] > 1 else names[v] for v, t in texts.items()}
            cut = distinct_labels(list(set(texts.values())), width)
            self._labels = (width, {v: cut[t] for v, t in texts.items()})
        return self._labels[1][value]

    def _prompt(self, value: str, count: int | None) -> Text:
        """`label      count`: the label cut to fit, the count right-aligned after it."""
        hidden = value in self._excluded
        label = self._label(value)
        if hidden:  # said by the sign, not only by the style: readable without colour
            label = "≠ " + label
        label = set_cell_size(label, self.label_width)
        shown = "" if count is None else f"{compact_count(count):>7}"
        if hidden:
            return Text.assemble((label, "strike dim"), (shown, "dim"))
        return Text.assemble(label, (shown, "dim" if not count else "bold"))

    @on(SelectionList.SelectionHighlighted)
    def _highlighted(self, event: SelectionList.SelectionHighlighted) -> None:
        event.stop()
        self._tell_highlighted()

    def on_focus(self) -> None:
        self._tell_highlighted()

    def on_blur(self) -> None:
        self.post_message(self.Highlighted(self.border_title or self.column, None))

    def _tell_highlighted(self) -> None:
        if self.highlighted is None or not self.has_focus:
            return
        value = self.get_option_at_index(self.highlighted).value
        self.tooltip = one_line(value) or "(blank)"
        self.post_message(self.Highlighted(self.border_title or self.column, self.tooltip))

    def set_excluded(self, values: frozenset[str]) -> None:
        """Show these values as hidden (excluded from the view)."""
        self.extend(sorted(values))
        if values != self._excluded:
            self._excluded = frozenset(values)
            self._counts = {}  # redraw every prompt
            self.set_counts(self._shown)

    def set_counts(self, counts: dict[str, int]) -> None:
        self._shown = counts
        if counts == self._counts:
            return
        self._counts = counts
        for i, value in enumerate(self._choices):
            self.replace_option_prompt_at_index(i, self._prompt(value, counts.get(value, 0)))

    def extend(self, values: list[str]) -> None:
        """Add values first seen after loading (follow mode), or not listed at first."""
        new = [v for v in values if v not in self._choices]
        if not new:
            return
        self._choices.extend(new)
        self._labels = (0, {})
        self.add_options([(self._prompt(v, 0), v) for v in new])

    def set_selected(self, values: frozenset[str]) -> None:
        """Reflect a filter state change made elsewhere (Clear, a saved view, the CLI)."""
        self.extend(sorted(values))
        self._quiet = True
        self.deselect_all()
        for value in values:
            if value in self._choices:
                self.select(value)
        self._quiet = False

    @on(SelectionList.SelectedChanged)
    def _changed(self, event: SelectionList.SelectedChanged) -> None:
        event.stop()
        if not self._quiet:
            self.post_message(self.Changed(self.column, frozenset(self.selected)))


class DateRangePane(Vertical):
    """Typed since/until times and quick ranges counted back from the newest event."""

    DEFAULT_CSS = """
    DateRangePane { height: auto; border: round $panel-lighten-2; }
    DateRangePane Input { width: 1fr; }
    DateRangePane Horizontal { height: 1; }
    DateRangePane Button { min-width: 5; width: 1fr; height: 1; border: none; margin: 0; }
    """

    class Changed(Message):
        def __init__(self, since: str, until: str, quick: str | None) -> None:
            self.since = since
            self.until = until
            self.quick = quick
            super().__init__()

    applied: tuple[str, str] = ("", "")  # since/until of the range in use, as shown

    def compose(self) -> ComposeResult:
        self.border_title = "Date range (UTC)"
        yield OrderedInput(placeholder="since: 2026-03-01 09:00", id="since", compact=True)
        yield OrderedInput(placeholder="until: 2026-03-01 or 24h", id="until", compact=True)
        with Horizontal():
            for name in ("1h", "24h", "7d", "all"):
                yield Button(name, id=f"quick-{name}", compact=True)

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        # The submitted field's text as it was at Enter (keys typed after it may be in).
        self._post(None, **{event.input.id or "since": event.value})

    @on(Button.Pressed)
    def _quick(self, event: Button.Pressed) -> None:
        event.stop()
        name = (event.button.id or "").removeprefix("quick-")
        if name == "all":
            self.set_values("", "")
            self._post(None)
        else:
            self._post(name)

    def _fields(self) -> tuple[Input, Input]:
        return self.query_one("#since", Input), self.query_one("#until", Input)

    def _post(self, quick: str | None, **typed: str) -> None:
        since, until = (typed.get(f.id or "", f.value) for f in self._fields())
        self.post_message(self.Changed(since, until, quick))

    def set_values(self, since: str, until: str) -> None:
        """Show the range in use. A field with the focus keeps what is being typed in it
        (Enter applies it; leaving the pane without puts the range in use back)."""
        self.applied = (since, until)
        for field, value in zip(self._fields(), self.applied, strict=True):
            if not field.has_focus:
                field.value = value

    def on_descendant_blur(self) -> None:
        self.call_after_refresh(self._left)

    def _left(self) -> None:
        """Focus left the pane: text not applied with Enter is not left looking applied."""
        if self.has_focus_within or not self.is_attached:
            return
        fields = self._fields()
        if tuple(f.value for f in fields) != self.applied:
            for field, value in zip(fields, self.applied, strict=True):
                field.value = value
            self.notify(
                "Date range not applied (Enter in since/until applies it): "
                "showing the range in use",
                severity="warning",
            )


class FilterSidebar(VerticalScroll, can_focus=False):
    """All filter panes, stacked; the app rebuilds the facets once a log has loaded.
    Not a Tab stop itself (it showed no focus): its panes are."""

    DEFAULT_CSS = """
    FilterSidebar { width: 34; background: $surface; padding: 0 0; }
    FilterSidebar #user { border: round $panel-lighten-2; height: 3; }
    FilterSidebar #user:focus { border: round $accent; }
    """

    class Ready(Message):
        """The user box and date range are mounted: the app fills them in."""

    def on_mount(self) -> None:
        # The user box and the date range (three inputs, four buttons) take ~30 ms to
        # mount and style: they come after the app's first frame, which shows rows sooner.
        self.call_after_refresh(self._add_panes)

    async def _add_panes(self) -> None:
        if not self.is_attached:  # the app closed first
            return
        user = OrderedInput(placeholder="contains…", id="user", then_focus="LogTable")
        user.border_title = HEADERS["user"]
        await self.mount_all([user, DateRangePane(id="dates")])
        self.post_message(self.Ready())

    def show_other_picks(self, picked: Mapping[str, frozenset[str]]) -> None:
        """A pane, first, for each picked column that has none (a triage group's reason):
        its picked values, so the pick is in sight and unticked like any other. It goes
        once that column is no longer picked (x, a view) and the view is synced."""
        for pane in self.query(FacetPane):
            if pane.column not in FACETS and pane.column not in picked:
                pane.remove()
        for column, values in picked.items():
            if column not in FACETS and not self.query(f"#facet-{column}"):
                self.mount(FacetPane(column, sorted(values)), before=0)

    def set_facets(self, facets: dict[str, list[str]]) -> None:
        for pane in self.query(FacetPane):
            pane.remove()
        panes = [FacetPane(col, values[:PANE_VALUES]) for col, values in facets.items() if values]
        for pane in panes:
            if len(facets[pane.column]) > PANE_VALUES:
                pane.border_title = f"{pane.border_title} (top {PANE_VALUES})"
        # Before the other panes, once they are there (a small log can load before them).
        self.mount_all(panes, before=0 if self.query("#user") else None)
