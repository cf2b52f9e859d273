"""The results table: a Line-API widget that renders only the rows on screen.

It holds a view (row indices into the loaded frame) and fetches one page of cells at a
time through the query layer, so drawing a frame costs the same at 100 rows or 10 million.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import polars as pl
from rich.segment import Segment
from rich.style import Style
from textual import events, work
from textual.binding import Binding
from textual.geometry import Region, Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from connlog_tui import query, schema
from connlog_tui.payloads import PayloadStore
from connlog_tui.timezones import DEFAULT_FORMAT, label
from connlog_tui.ui.columns import (
    BY_NAME,
    COLUMNS,
    DEFAULT_VISIBLE,
    MORE_ROOM,
    TableColumn,
    cell_text,
    column_spans,
    fit,
    fit_cell,
    layout_columns,
    layout_pages,
    single_cell_pieces,
)
from connlog_tui.ui.log_rows import LogRows

# The sort menu's columns, in the table's order, under their table titles.
SORTABLE = {c.name: c.title for c in COLUMNS if schema.BY_NAME[c.name].sortable}

LINE_CACHE = 4096  # drawn rows kept (a page is a screenful: ~20-60 rows)


MARKED = Style(underline=True, bold=True)
MATCHED = Style(italic=True, bold=True)
CURSOR_WITHOUT_COLOUR = Style(reverse=True)


def _holds(rows: pl.Series, row: int) -> bool:
    """Whether sorted `rows` holds `row` (a binary search: only drawn lines ask)."""
    at = int(rows.search_sorted(row))
    return at < rows.len() and rows[at] == row


class LogTable(ScrollView, can_focus=True):
    """Scrollable, keyboard-driven table over a view of the loaded frame."""

    BINDINGS = [
        Binding("up,k", "cursor(-1)", "Up", show=False),
        Binding("down,j", "cursor(1)", "Down", show=False),
        Binding("pageup", "page(-1)", "Page up", show=False),
        Binding("pagedown,space", "page(1)", "Page down", show=False),
        Binding("home,g", "jump(0)", "First", show=False),
        Binding("end,G", "jump(-1)", "Last", show=False),
        # The view scrolls sideways to keep the current column in sight.
        Binding("left,h", "column(-1)", "Column left", show=False),
        Binding("right,l", "column(1)", "Column right", show=False),
        Binding("less_than_sign", "width(-2)", "Narrower", show=False),
        Binding("greater_than_sign", "width(2)", "Wider", show=False),
        Binding("enter", "open", "Payloads"),
    ]
    COMPONENT_CLASSES = {
        "logtable--header",
        "logtable--header-current",
        "logtable--cursor",
        "logtable--failure",
        "logtable--success",
        "logtable--pending",
        "logtable--more",
    }
    DEFAULT_CSS = """
    LogTable { background: $surface; scrollbar-gutter: stable; overflow-x: hidden; }
    LogTable > .logtable--header { text-style: bold; background: $panel; }
    LogTable > .logtable--header-current { text-style: bold reverse; }
    LogTable > .logtable--more { text-style: bold reverse; }
    LogTable > .logtable--cursor { background: $accent 50%; }
    LogTable:focus > .logtable--cursor { background: $accent; color: $text; }
    LogTable > .logtable--failure { color: $text-error; }
    LogTable > .logtable--success { color: $text-success; }
    LogTable > .logtable--pending { color: $text-warning; }
    /* At least 4.5:1 (WCAG AA) on the light theme's surface: its $text-success and
       $text-warning are about 3:1 there. */
    LogTable:light > .logtable--success { color: #1a6330; }
    LogTable:light > .logtable--pending { color: #7f4d00; }
    """

    cursor = reactive(0, always_update=True, init=False)

    class CursorMoved(Message):
        """The highlighted row changed (row is a frame index, or None when empty)."""

        def __init__(self, row: int | None) -> None:
            self.row = row
            super().__init__()

    class Opened(Message):
        """Enter (or a double click) on a row: show its payloads."""

        def __init__(self, row: int) -> None:
            self.row = row
            super().__init__()

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.payloads: PayloadStore | None = None  # a lean load's payloads, read from disk
        self.frame: pl.DataFrame | None = None
        # A view of a log the app does not hold as a frame (an archive): paged from it.
        self.log_rows: LogRows | None = None
        self.indices: pl.Series = pl.Series("index", [], dtype=pl.UInt32)
        # row -> its drawn text and outcome, at this layout: the rows on screen and a page
        # either side (read ahead while idle, so a page key only has to draw)
        self._lines: dict[int, tuple[tuple[str, ...], str]] = {}
        self._reading_ahead = False
        self._after_rows_drawn: list[Callable[[], object]] = []
        self._layout_key: tuple | None = None
        self._drawing: tuple | None = None  # width, columns, styles of the frame being drawn
        self._style_cache: tuple | None = None  # (focus, theme), the row styles
        self.zone = "UTC"
        self.date_format = DEFAULT_FORMAT
        self.shown_columns: tuple[str, ...] = DEFAULT_VISIBLE
        self.widths: dict[str, int] = {}  # widened or narrowed by the user
        self.column_cursor = 0  # index into the columns shown: < and > resize it
        self.marked: set[int] = set()  # rows marked with `m` (ui.marking): frame rows, ROW_IDs
        self.matched: pl.Series | None = None  # frame rows matching n / N's search, sorted
        self._pending: tuple[query.FilterState, int] | None = None  # see move_in_view
        # Cells scrolled off to the left: the columns wider in all than the table are
        # reached by moving the column cursor, and the header says how many are out of
        # sight on either side.
        self.x_offset = 0

    # -- columns -------------------------------------------------------------------------

    def columns(self) -> list[TableColumn]:
        """The visible columns, at the widths the user chose."""
        present = [BY_NAME[n] for n in self.shown_columns if n in BY_NAME]
        return [replace(c, width=self.widths.get(c.name, c.width)) for c in present]

    def drawn(self) -> list[tuple[TableColumn, int]]:
        """Every shown column with its drawn width (some may be out of sight)."""
        return layout_columns(self.scrollable_content_region.width, self.columns())

    def show_columns(self, names: tuple[str, ...]) -> None:
        """Show these columns; the first one newly shown becomes the current column and
        is scrolled into sight (it may be past the right edge)."""
        before = self.shown_columns
        self.shown_columns = tuple(n for n in names if n in BY_NAME) or DEFAULT_VISIBLE
        added = [i for i, n in enumerate(self.shown_columns) if n not in before]
        self.column_cursor = added[0] if added else 0
        self._lines = {}
        self._scroll_column_into_view()
        self.refresh()

    def set_zone(self, zone: str, date_format: str | None = None) -> None:
        self.zone = zone
        self.date_format = date_format or self.date_format
        self._lines = {}
        self.refresh()

    def action_column(self, delta: int) -> None:
        self.column_cursor = max(0, min(self.column_cursor + delta, len(self.drawn()) - 1))
        self._scroll_column_into_view()
        self.refresh()

    def action_width(self, delta: int) -> None:
        drawn = self.drawn()
        if not drawn:
            return
        column = drawn[min(self.column_cursor, len(drawn) - 1)][0]
        self.widths[column.name] = max(4, min(column.width + delta, 200))
        self._scroll_column_into_view()
        self.refresh()

    def _scroll_column_into_view(self) -> None:
        """Scroll sideways to the screenful of columns (see layout_pages) that holds the
        current column."""
        x, first = 0, 0
        for page in layout_pages(self.scrollable_content_region.width, self.columns()):
            if self.column_cursor < first + len(page):
                break
            first += len(page)
            x += sum(w + 1 for _, w in page)
        self.x_offset = x

    @property
    def current_column(self) -> str | None:
        """The column at the column cursor (`-` hides its value, `#` counts it)."""
        drawn = self.drawn()
        return drawn[min(self.column_cursor, len(drawn) - 1)][0].name if drawn else None

    def hidden_columns(self) -> tuple[int, int]:
        """How many columns are, wholly or in part, out of sight to the left and right."""
        width = self.scrollable_content_region.width
        spans = column_spans(self.drawn())
        left = sum(1 for start, _ in spans if start < self.x_offset)
        right = sum(1 for _, end in spans if end > self.x_offset + width)
        return left, right

    # -- data ----------------------------------------------------------------------------

    def set_view(
        self,
        frame: pl.DataFrame,
        indices: pl.Series,
        *,
        payloads: PayloadStore | None = None,
        in_time_order=True,
    ) -> None:
        """Show a new view of `frame` (its rows at `indices`; `payloads`: a lean load's
        store of its payloads), keeping the highlighted row if it is still in it (or, in
        time order, the row nearest it). The first view starts at the newest row, as a log
        viewer should."""
        keep = self.current_row
        at_end = self.row_count > 0 and self.cursor >= self.row_count - 1
        self.frame, self.payloads = frame, payloads
        self.indices = indices
        self.log_rows = None
        self._lines = {}
        self.virtual_size = Size(self.size.width, len(indices) + 1)
        position = len(indices) - 1
        if keep is not None and len(indices) and not (at_end and in_time_order):
            found = query.position_of(indices, keep)
            if found is None and in_time_order:
                found = int(indices.search_sorted(keep))
            position = found if found is not None else 0
        self.cursor = max(0, min(position, len(indices) - 1))
        self.refresh()

    def set_rows(self, rows: LogRows) -> None:
        """Show a view paged from a log (see LogRows), at its newest row (or at the
        position found for it while it was read: see move_in_view)."""
        self.frame, self.log_rows = None, rows
        self.indices = self.indices.clear()
        self._lines = {}
        self.virtual_size = Size(self.size.width, len(rows) + 1)
        self.cursor = max(0, len(rows) - 1)
        pending, self._pending = self._pending, None
        if pending is not None and pending[0] == rows.matches.state:
            self.cursor = min(pending[1], self.cursor)
        self.refresh()

    def show_marks(self, keys: set[int]) -> None:
        """Underline these rows: `m`'s marks (ROW_IDs; a paged log's row keys)."""
        self.marked = keys
        self.refresh()

    def show_matched(self, rows: pl.Series | None) -> None:
        """Highlight these frame rows: n / N's matches, sorted (None: none)."""
        self.matched = rows
        self.refresh()

    def move_in_view(self, state: query.FilterState, position: int) -> None:
        """Put the cursor at `position` of the paged view of `state`: now if it is the
        one shown, else when it is (a position found while the view was being read)."""
        rows = self.log_rows
        if rows is not None and rows.matches.state == state:
            self.cursor = min(position, max(0, len(rows) - 1))
        else:
            self._pending = (state, position)

    @property
    def row_count(self) -> int:
        return len(self.log_rows) if self.log_rows is not None else len(self.indices)

    @property
    def current_row(self) -> int | None:
        """The frame index of the highlighted row (of a log's view: its ROW_ID)."""
        if not self.row_count:
            return None
        at = min(self.cursor, self.row_count - 1)
        if self.log_rows is not None:
            return self.log_rows.key(at)
        return None if self.frame is None else int(self.indices[at])

    def _draw_rows(self, first: int, count: int, width: int, columns: list) -> None:
        """Fetch rows `first`.. of the view (one query for them all) and draw their text,
        laid out in `columns` across `width`, into the line cache."""
        count = min(count, self.row_count - first)
        if first < 0 or count <= 0:
            return
        if self.log_rows is not None:
            page = self.log_rows.page(first, count)
            names = [n for n in self.shown_columns if n in page.columns]
        elif self.frame is not None:
            names = [n for n in self.shown_columns if n in self.frame.columns]
            page = query.rows(self.frame, self.indices, first, count)
            if self.payloads is not None and {"request", "response"} & set(names):
                page = self.payloads.fill(page)  # lean mode: this page's payloads from disk
        else:
            return
        outcomes = [str(o) for o in page["outcome"]]
        if "failure_reason" in page.columns:
            # The source's own reason where it gave one, else the triage layer's short label
            # ("Assertion expired"); the detail panel has the whole diagnosis.
            page = page.with_columns(reason=pl.coalesce("reason", "failure_reason", "diagnosis"))
        page = page.select(names)
        zone, fmt = self.zone, self.date_format
        if len(self._lines) > LINE_CACHE:
            self._lines = {}
        rows = zip(range(first, first + count), page.iter_rows(), outcomes, strict=False)
        for row, values, outcome in rows:
            by_name = {n: cell_text(n, v, zone, fmt) for n, v in zip(names, values, strict=False)}
            line = self._line([by_name.get(c.name, "") for c, _ in columns], columns)
            self._lines[row] = (single_cell_pieces(line), outcome)

    def _read_ahead(self) -> None:
        """Draw the page below the screen and the page above it, if not yet drawn."""
        self._reading_ahead = False
        if self._drawing is None:
            return
        width, columns, _ = self._drawing
        first, count = round(self.scroll_offset.y), self.visible_rows + 1
        if self.log_rows is not None:
            # The log is asked in a worker: the blocks a page away are then in hand.
            self._read_log_ahead(self.log_rows, (first + 2 * count, first - count))
        for start in (first + count, first - count):
            missing = [r for r in range(max(0, start), start + count) if r not in self._lines]
            if missing and missing[0] < self.row_count:
                self._draw_rows(missing[0], missing[-1] - missing[0] + 1, width, columns)

    @work(thread=True, exclusive=True, group="read-ahead")
    def _read_log_ahead(self, rows: LogRows, positions: tuple[int, ...]) -> None:
        for position in positions:
            rows.read_ahead(position)

    # -- drawing -------------------------------------------------------------------------

    def on_resize(self, event: events.Resize) -> None:
        self.virtual_size = Size(event.size.width, self.row_count + 1)
        self._lines = {}
        self._scroll_column_into_view()

    @property
    def visible_rows(self) -> int:
        return max(1, self.scrollable_content_region.height - 1)

    def render_lines(self, crop: Region) -> list[Strip]:
        # What every line of this frame shares, worked out once per frame, not per line.
        width = self.scrollable_content_region.width
        columns = self.drawn()
        key = (width, tuple((c.name, w) for c, w in columns))
        if key != self._layout_key:
            self._layout_key, self._lines = key, {}
        self._drawing = (width, columns, self._styles())
        if not self._reading_ahead:
            self._reading_ahead = True
            self.call_after_refresh(self._read_ahead)  # once this frame is out
        if self._after_rows_drawn and self.row_count:
            for callback in self._after_rows_drawn:
                self.call_later(callback)  # run just after this frame is written
            self._after_rows_drawn = []
        return super().render_lines(crop)

    def call_after_rows_drawn(self, callback: Callable[[], object]) -> None:
        """Call `callback` once a frame showing rows is out. (`call_after_refresh` waits
        until the whole app is idle: while it is starting up, ~0.1 s later.)"""
        self._after_rows_drawn.append(callback)

    def _styles(self) -> dict[str, Style]:
        """The row styles, looked up once per theme and focus (the lookup walks the CSS:
        too slow to do for every frame while paging)."""
        key = (self.has_focus, self.app.theme)
        if self._style_cache is None or self._style_cache[0] != key:
            styles = {
                name: self.get_component_rich_style(f"logtable--{name}")
                for name in ("failure", "success", "pending", "cursor")
            }
            if self.app.no_color:
                # NO_COLOR strips the cursor's background and keeps text styles (Textual's
                # NoColor / Monochrome filters): reverse video marks the row instead.
                styles["cursor"] += CURSOR_WITHOUT_COLOUR
            styles["base"] = self.rich_style
            self._style_cache = (key, styles)
        return self._style_cache[1]

    def render_line(self, y: int) -> Strip:
        width, columns, styles = self._drawing or (self.size.width, self.drawn(), self._styles())
        if y == 0:
            return self._header(columns, width)
        row = round(self.scroll_offset.y) + y - 1
        if row not in self._lines:
            self._draw_rows(row, self.visible_rows + 2 - y, width, columns)  # rest of screen
        base = styles["base"]
        if row not in self._lines:
            return Strip.blank(width, base)
        pieces, outcome = self._lines[row]
        style = base
        if outcome in styles:
            style += styles[outcome]
        if self.log_rows is not None:  # a paged view: its marks by ROW_ID (rows in hand)
            if self.marked and self.log_rows.key(row) in self.marked:
                style += MARKED
        elif self.marked or self.matched is not None:
            index = int(self.indices[row])
            if index in self.marked:
                style += MARKED  # a marked row (`m`): underlined, readable without colour
            if self.matched is not None and _holds(self.matched, index):
                style += MATCHED  # a row the search n / N steps through matches
        if row == self.cursor:
            style += styles["cursor"]
        return self._in_sight([Segment(piece, style) for piece in pieces], width, style)

    def _in_sight(self, segments: list[Segment], width: int, style: Style) -> Strip:
        """The part of a whole-width line that is scrolled into sight, `width` cells."""
        x = self.x_offset
        if not x:
            return Strip(segments).extend_cell_length(width, style).crop(0, width)
        return Strip(segments).extend_cell_length(x + width, style).crop(x, x + width)

    def _header(self, columns: list, width: int) -> Strip:
        """Column titles; the column `<` and `>` resize is marked (when the table has
        focus), and so is each side with columns out of sight: `← 2`, `3 more →`."""
        style = self.get_component_rich_style("logtable--header")
        current = self.get_component_rich_style("logtable--header-current")
        more = self.get_component_rich_style("logtable--more")
        left, right = self.hidden_columns()
        segments = []
        spans = column_spans(columns)
        for i, ((column, w), (start, _)) in enumerate(zip(columns, spans, strict=True)):
            title = f"Date ({label(self.zone)})" if column.name == "time" else column.title
            mark = current if self.has_focus and i == self.column_cursor else style
            if left and start == self.x_offset:  # the first column in sight
                note = f"← {left} "
                segments.append(Segment(note, more))
                segments.append(Segment(fit(title, w - len(note)), mark))
            else:
                segments.append(Segment(fit(title, w), mark))
            segments.append(Segment(" ", style))
        strip = self._in_sight(segments, width, style)
        if right:
            note = f"{right} more →".rjust(MORE_ROOM)
            strip = Strip.join([strip.crop(0, width - len(note)), Strip([Segment(note, more)])])
        return strip

    def _line(self, texts: list[str], columns: list) -> str:
        """A row's cells, each cut or padded to its column, one space between them."""
        return " ".join(
            fit_cell(c.name, text, w) for text, (c, w) in zip(texts, columns, strict=False)
        )

    # -- cursor and keys -----------------------------------------------------------------

    def watch_cursor(self, old: int, new: int) -> None:
        if self.row_count:
            clamped = max(0, min(new, self.row_count - 1))
            if clamped != new:
                self.cursor = clamped
                return
        self._scroll_cursor_into_view()
        self.refresh()
        self.post_message(self.CursorMoved(self.current_row))

    def _scroll_cursor_into_view(self) -> None:
        top = round(self.scroll_offset.y)
        if self.cursor < top:
            self.scroll_to(y=self.cursor, animate=False, immediate=True)
        elif self.cursor >= top + self.visible_rows:
            self.scroll_to(y=self.cursor - self.visible_rows + 1, animate=False, immediate=True)

    def action_cursor(self, delta: int) -> None:
        self.cursor = max(0, min(self.cursor + delta, self.row_count - 1))

    def action_page(self, direction: int) -> None:
        self.action_cursor(direction * self.visible_rows)

    def action_jump(self, where: int) -> None:
        self.cursor = max(0, self.row_count - 1) if where < 0 else 0

    def action_open(self) -> None:
        if (row := self.current_row) is not None:
            self.post_message(self.Opened(row))

    def on_click(self, event: events.Click) -> None:
        y = event.get_content_offset(self)
        if y is None or y.y == 0:
            return
        row = round(self.scroll_offset.y) + y.y - 1
        if row < self.row_count:
            self.cursor = row
            if event.chain >= 2:
                self.action_open()
