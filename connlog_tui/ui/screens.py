"""Modal screens: export, help, and the list of quarantined rows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import polars as pl
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import (
    Button,
    Checkbox,
    Input,
    Label,
    OptionList,
    SelectionList,
    Static,
)
from textual.widgets.option_list import Option

from connlog_tui.textsafe import one_line
from connlog_tui.ui.cells import cut_path


def default_export_name(now: datetime | None = None) -> str:
    now = now or datetime.now()
    return f"connlog-export-{now:%Y%m%d-%H%M%S}.csv"


@dataclass(frozen=True)
class ExportChoice:
    path: str
    overwrite: bool = False
    redact: bool = False
    provenance: bool = False


class ExportScreen(ModalScreen[ExportChoice | None]):
    """Asks where (and how) to write the view; None if cancelled."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]
    DEFAULT_CSS = """
    ExportScreen { align: center middle; }
    ExportScreen > Vertical {
        width: 72; max-width: 100%; height: auto; border: thick $accent; padding: 0 2;
        background: $surface;
    }
    ExportScreen Input { margin: 1 0 0 0; }
    ExportScreen Checkbox { border: none; padding: 0; height: 1; margin: 0; }
    ExportScreen Horizontal { height: auto; align-horizontal: right; }
    ExportScreen #confirm { color: $warning; height: auto; }
    """

    def __init__(self, rows: int, suggested: str) -> None:
        super().__init__()
        self.rows = rows
        self.suggested = suggested
        self._confirming: str | None = None

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(f"Export {self.rows:,} rows. The extension picks the format:")
            yield Label(".csv  .jsonl  .json  .parquet  .pdf (a report)", classes="muted")
            yield Input(value=self.suggested, id="path")
            yield Checkbox("Redact emails, NameIDs, tokens, cookies and IPs", id="redact")
            yield Checkbox("Write a provenance sidecar (.provenance.json)", id="provenance")
            yield Static("", id="confirm", markup=False)
            with Horizontal():
                yield Button("Export", variant="primary", id="ok")
                yield Button("Cancel", id="cancel")

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    @on(Input.Submitted)
    @on(Button.Pressed, "#ok")
    def _submit(self) -> None:
        path = self.query_one(Input).value.strip()
        if not path:
            return
        if Path(path).exists() and self._confirming != path:
            self._confirming = path
            self.query_one("#confirm", Static).update(
                f"{one_line(path)} exists: press Enter again to overwrite it."
            )
            return
        self.dismiss(
            ExportChoice(
                path,
                overwrite=self._confirming == path,
                redact=self.query_one("#redact", Checkbox).value,
                provenance=self.query_one("#provenance", Checkbox).value,
            )
        )

    @on(Input.Changed)
    def _edited(self) -> None:
        self._confirming = None
        self.query_one("#confirm", Static).update("")

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)


class SortScreen(ModalScreen[tuple[str, bool] | None]):
    """Pick the column to sort by; picking the current one again reverses it."""

    BINDINGS = [Binding("escape", "dismiss(None)", "Cancel")]
    DEFAULT_CSS = """
    SortScreen { align: center middle; }
    SortScreen > OptionList { width: 40; height: auto; border: thick $accent; }
    """

    def __init__(self, columns: list[tuple[str, str]], current: tuple[str, bool]) -> None:
        super().__init__()
        self.columns = columns
        self.current = current

    def compose(self) -> ComposeResult:
        column, descending = self.current
        options = []
        for name, title in self.columns:
            mark = (" ▼" if descending else " ▲") if name == column else ""
            options.append(Option(f"{title}{mark}", id=name))
        menu = OptionList(*options)
        menu.border_title = "Sort by (again: reverse)"
        yield menu

    def on_mount(self) -> None:
        menu = self.query_one(OptionList)
        names = [name for name, _ in self.columns]
        menu.highlighted = names.index(self.current[0]) if self.current[0] in names else 0
        menu.focus()

    @on(OptionList.OptionSelected)
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        name = event.option.id or "time"
        column, descending = self.current
        self.dismiss((name, not descending if name == column else False))


class NameScreen(ModalScreen[str | None]):
    """Asks for a name (of a saved view)."""

    BINDINGS = [Binding("escape", "dismiss(None)", "Cancel")]
    DEFAULT_CSS = """
    NameScreen { align: center middle; }
    NameScreen > Vertical {
        width: 60; max-width: 100%; height: auto; border: thick $accent; padding: 1 2;
        background: $surface;
    }
    """

    def __init__(self, prompt: str) -> None:
        super().__init__()
        self.prompt = prompt

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(self.prompt, markup=False)
            yield Input(placeholder="name, e.g. sso-failures", id="name")

    @on(Input.Submitted)
    def _named(self, event: Input.Submitted) -> None:
        self.dismiss(event.value.strip() or None)


class ColumnsScreen(ModalScreen[tuple[str, ...] | None]):
    """Choose the table's columns: space toggles one, enter applies."""

    BINDINGS = [
        Binding("escape", "dismiss(None)", "Cancel"),
        Binding("enter", "apply", "Apply", priority=True),
    ]
    DEFAULT_CSS = """
    ColumnsScreen { align: center middle; }
    ColumnsScreen > SelectionList { width: 44; height: auto; border: thick $accent; }
    """

    def __init__(self, shown: tuple[str, ...]) -> None:
        super().__init__()
        self.shown = shown

    def compose(self) -> ComposeResult:
        from connlog_tui.ui.table import COLUMNS

        # Shown columns first, in their order; then the others.
        order = list(self.shown) + [c.name for c in COLUMNS if c.name not in self.shown]
        titles = {c.name: c.title for c in COLUMNS}
        choices = SelectionList[str](
            *[(titles[n], n, n in self.shown) for n in order if n in titles]
        )
        choices.border_title = "Columns (space: show/hide, enter: apply)"
        yield choices

    def action_apply(self) -> None:
        picked = self.query_one(SelectionList).selected
        order = [n for n in self.shown if n in picked] + [n for n in picked if n not in self.shown]
        self.dismiss(tuple(order) or None)


HELP = """\
connlog — keys

Find
  /            search every field, payloads included
  f            show / hide the filter panes
  tab          move between panes, table and detail
  space/enter  (in a pane) pick a value; picks in one pane are OR-ed
  x            clear every filter

Triage
  t            failures grouped by application and reason, and by user, with a
               histogram; enter on a group filters the table to it
  n / N        next / previous failure
  w            compare the selected failure with a working login of the same app

Read
  up/down j/k  move          pgup/pgdn  page        home/end g/G  first/last
  s            sort by a column (again: reverse)
  enter        open the selected row's payloads, decoded (escape to close);
               tabs: Response, Request, Attempt (the login's other events)
  r            decoded / raw payloads
  c            copy the selected row (JSON) to the clipboard (works over SSH)
  y            copy the payload shown, or the text selected in it
  b            list quarantined (unparseable) rows
  F            follow the log: show rows as they are written (--follow)

Export
  e            export the current view (CSV, JSON Lines, JSON, Parquet, PDF report),
               optionally redacted and with a provenance sidecar

Display
  z            times in UTC / local / configured zone (stored in UTC)
  C            choose columns     left/right  pick a column   < >  narrower / wider
  T            light / dark theme

Other
  ctrl+p       command palette: every action by name; saved views (save, open, delete)
               and "Restore last session" live there
  ?            this help          q  quit
"""


class HelpScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,q,question_mark", "dismiss", "Close")]
    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > Static {
        width: 80; max-width: 100%; height: auto; max-height: 100%;
        border: thick $accent; padding: 0 1; background: $surface;
    }
    """

    def compose(self) -> ComposeResult:
        yield Static(HELP, markup=False)


class QuarantineScreen(ModalScreen[None]):
    """Rows that could not be parsed: where they are and why, never silently dropped."""

    BINDINGS = [Binding("escape,q,b", "dismiss", "Close")]
    DEFAULT_CSS = """
    QuarantineScreen { align: center middle; }
    QuarantineScreen > Vertical {
        width: 100%; height: 100%; border: thick $warning; background: $surface;
    }
    QuarantineScreen DataTable { height: 1fr; }
    """

    def __init__(
        self, quarantine: pl.DataFrame, skipped: list[tuple[str, str]] | None = None
    ) -> None:
        super().__init__()
        self.quarantine = quarantine
        self.skipped = skipped or []  # files of a folder left out: (name, why)

    def compose(self) -> ComposeResult:
        # DataTable is imported here, not at the top: only this screen (opened with b)
        # uses it, and importing it costs the app's start-up a few milliseconds.
        from textual.widgets import DataTable

        with Vertical():
            files = f" and {len(self.skipped)} skipped files" if self.skipped else ""
            yield Label(
                f" {self.quarantine.height:,} quarantined rows{files} (not in the table)."
                " Esc closes."
            )
            yield DataTable(cursor_type="row")

    def on_mount(self) -> None:
        from textual.widgets import DataTable

        table = self.query_one(DataTable)
        table.add_columns("Source", "Line", "Reason", "Text")
        for name, reason in self.skipped:
            shown = one_line(name, 10**4)
            shown = shown if len(shown) <= 40 else "…" + shown[-39:]  # the file's name kept
            table.add_row(
                Text(shown),
                Text("-"),
                Text(one_line(f"file skipped: {reason}", 60)),
                Text(""),
            )
        # Capped: this is a list to read, and DataTable measures every cell.
        for row in self.quarantine.head(5000).iter_rows(named=True):
            # Text, not str: DataTable would parse a str cell as markup.
            table.add_row(
                Text(cut_path(one_line(row["source"]), 40)),  # the file's name kept
                Text(str(row["line"])),
                Text(one_line(row["reason"], 60)),
                Text(one_line(row["text"], 120)),
            )
        table.focus()
