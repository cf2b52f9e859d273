"""Compare a failed login with a working one: the differences `compare_with_working`
found, side by side, with the two rows they came from."""

from __future__ import annotations

from rich.cells import cell_len
from rich.style import Style
from rich.table import Table
from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable, Static

from connlog_tui.textsafe import one_line
from connlog_tui.timezones import format_time, label
from connlog_tui.triage import Comparison
from connlog_tui.ui.footer import FittedFooter
from connlog_tui.ui.histogram import cut

FULL_LIMIT = 2000  # characters of a value shown in full under the table


class CompareScreen(ModalScreen[None]):
    """A failed row against the nearest successful login of the same application.

    `failed` and `working` are rows as dicts (`frame.row(i, named=True)`); `working` is
    None when there is none (the comparison's note then says why)."""

    AUTO_FOCUS = "#differences"  # focused as it mounts: keys typed right after reach it
    BINDINGS = [Binding("escape,q", "dismiss", "Close")]
    COMPONENT_CLASSES = {"compare--failed", "compare--working", "compare--muted"}
    DEFAULT_CSS = """
    CompareScreen { background: $surface; }
    CompareScreen > .compare--failed { color: $error; }
    CompareScreen > .compare--working { color: $success; }
    CompareScreen > .compare--muted { color: $text-muted; }
    CompareScreen > Vertical {
        width: 100%; height: 100%; border: thick $accent; background: $surface;
    }
    CompareScreen #compare-rows { height: auto; padding: 0 1; }
    CompareScreen #compare-note { height: auto; padding: 0 1; color: $text-muted; }
    CompareScreen #compare-note.-missing { color: $warning; text-style: bold; }
    CompareScreen DataTable { height: 1fr; margin-top: 1; }
    CompareScreen #compare-current {
        height: auto; max-height: 8; padding: 0 1; background: $panel;
        border-top: solid $panel-lighten-2;
    }
    """

    def __init__(
        self,
        comparison: Comparison,
        failed: dict,
        working: dict | None,
        *,
        zone: str = "UTC",
    ) -> None:
        super().__init__()
        self.comparison = comparison
        self.failed = failed
        self.working = working
        self.zone = zone
        self.differences = list(comparison)

    def compose(self) -> ComposeResult:
        box = Vertical()
        box.border_title = "Compare with a working login"
        with box:
            yield Static("", id="compare-rows")
            note = Static("", id="compare-note")
            if not self.comparison.found_working:
                note.add_class("-missing")
            yield note
            if self.differences:
                yield DataTable(id="differences", cursor_type="row", cell_padding=0)
                yield Static("", id="compare-current")
        yield FittedFooter()

    # -- header --------------------------------------------------------------------------

    def _row_cells(self, row: dict, style: Style) -> Text:
        when = format_time(row.get("time"), self.zone) if row.get("time") else "(no time)"
        text = Text(f"{when} {label(self.zone)}  ")
        text.append(one_line(str(row.get("action") or ""), 40), style)
        text.append("\n" + one_line(str(row.get("user") or "").strip() or "(no user)", 120))
        text.append(" · " + one_line(str(row.get("app") or "(no application)"), 80))
        return text

    def _rows(self) -> Table:
        """The failed row, its diagnosis, and the working row, in a two-column grid."""
        red = self.get_component_rich_style("compare--failed", partial=True)
        green = self.get_component_rich_style("compare--working", partial=True)
        muted = self.get_component_rich_style("compare--muted", partial=True)
        grid = Table.grid(padding=(0, 1))
        grid.add_column(width=7, no_wrap=True)
        grid.add_column(ratio=1)
        grid.add_row(Text("Failed", red + Style(bold=True)), self._row_cells(self.failed, red))
        diagnosis = self.failed.get("diagnosis")
        if diagnosis:
            grid.add_row(Text(""), Text(one_line(str(diagnosis), 300), Style(italic=True)))
        if self.working is not None:
            cells = self._row_cells(self.working, green)
        else:
            cells = Text("none found", muted)
        grid.add_row(Text("Working", green + Style(bold=True)), cells)
        return grid

    def _note(self) -> Text:
        note = self.comparison.note or ""
        if self.comparison.found_working and not self.differences:
            note = note or "no differences in the decoded payloads"
        return Text(one_line(note, 300))

    # -- differences ---------------------------------------------------------------------

    def on_mount(self) -> None:
        self.query_one("#compare-rows", Static).update(self._rows())
        self.query_one("#compare-note", Static).update(self._note())
        if self.differences:
            self._fill(self.app.size.width)
            self.query_one(DataTable).focus()

    def on_resize(self, event: events.Resize) -> None:
        if self.differences:
            self._fill(event.size.width)

    def _fill(self, width: int) -> None:
        table = self.query_one(DataTable)
        cursor = table.cursor_row
        usable = max(40, width - 2 - 2)  # the border and the vertical scrollbar
        longest = max(cell_len(one_line(str(field))) for field, _, _ in self.differences)
        field_width = min(max(longest, 5), 26)
        value_width = max(10, (usable - field_width - 3) // 2)
        working_width = max(10, usable - field_width - 3 - value_width)
        table.clear(columns=True)
        for title, w in (
            ("Field", field_width),
            ("Failed", value_width),
            ("Working", working_width),
        ):
            table.add_column(Text(title), width=w + 1)
        for key, (field, failed, working) in enumerate(self.differences):
            table.add_row(
                *(
                    Text(cut(one_line(str(value)), w), no_wrap=True)
                    for value, w in (
                        (field, field_width),
                        (failed, value_width),
                        (working, working_width),
                    )
                ),
                key=str(key),
            )
        table.move_cursor(row=min(cursor, len(self.differences) - 1), animate=False)
        self._show_current()

    def _show_current(self) -> None:
        table = self.query_one(DataTable)
        if not table.row_count:
            return
        field, failed, working = self.differences[min(table.cursor_row, table.row_count - 1)]
        text = Text()
        text.append(one_line(str(field), 200), Style(bold=True))
        text.append("\nfailed:  ", self.get_component_rich_style("compare--failed", partial=True))
        text.append(one_line(str(failed), FULL_LIMIT))
        text.append("\nworking: ", self.get_component_rich_style("compare--working", partial=True))
        text.append(one_line(str(working), FULL_LIMIT))
        self.query_one("#compare-current", Static).update(text)

    @on(DataTable.RowHighlighted)
    def _highlighted(self) -> None:
        self._show_current()
