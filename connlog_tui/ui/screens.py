"""Modal screens: export, help, and the list of quarantined rows."""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import polars as pl
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
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
from connlog_tui.ui.fields import OrderedInput
from connlog_tui.ui.filters import CheckList
from connlog_tui.ui.prompt import PromptScreen


def default_export_name(now: datetime | None = None) -> str:
    now = now or datetime.now()
    return f"connlog-export-{now:%Y%m%d-%H%M%S}.csv"


@dataclass(frozen=True)
class ExportChoice:
    path: str
    overwrite: bool = False
    redact: bool = False
    provenance: bool = False


def export_target(typed: str) -> Path:
    """Where a typed export path writes: `~` expanded, relative to the working folder."""
    return Path(os.path.abspath(os.path.expanduser(typed.strip())))


class ExportScreen(ModalScreen[ExportChoice | None]):
    """Asks where (and how) to write the view; None if cancelled. Shows the absolute
    path it will write, and stays open (with the typed path) when that path cannot be."""

    AUTO_FOCUS = "#path"  # focused as it mounts: a path typed right after `e` lands here
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
    ExportScreen #target { height: auto; color: $text-muted; }
    ExportScreen #confirm { color: $warning; height: auto; text-style: bold; }
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
            yield OrderedInput(value=self.suggested, id="path")
            yield Static(self._target_text(self.suggested), id="target", markup=False)
            yield Checkbox("Redact names, emails, NameIDs, tokens, cookies and IPs", id="redact")
            yield Checkbox("Write a provenance sidecar (.provenance.json)", id="provenance")
            yield Static("", id="confirm", markup=False)
            with Horizontal():
                yield Button("Export", variant="primary", id="ok")
                yield Button("Cancel", id="cancel")

    @staticmethod
    def _target_text(typed: str) -> str:
        return f"writes {one_line(str(export_target(typed)), 300)}" if typed.strip() else ""

    @on(Input.Submitted)
    @on(Button.Pressed, "#ok")
    def _submit(self) -> None:
        typed = self.query_one(Input).value
        if not typed.strip():
            return
        target = export_target(typed)
        path = str(target)
        confirm = self.query_one("#confirm", Static)
        if not target.parent.is_dir():
            confirm.update(f"No folder {one_line(str(target.parent), 200)}: create it first.")
            return
        if target.exists() and self._confirming != path:
            self._confirming = path
            confirm.update(f"{one_line(path, 200)} exists: press Enter again to overwrite it.")
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
    def _edited(self, event: Input.Changed) -> None:
        self._confirming = None
        self.query_one("#confirm", Static).update("")
        self.query_one("#target", Static).update(self._target_text(event.value))

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
        menu = self.query_one(OptionList)  # focused as it mounts (AUTO_FOCUS "*")
        names = [name for name, _ in self.columns]
        menu.highlighted = names.index(self.current[0]) if self.current[0] in names else 0

    @on(OptionList.OptionSelected)
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        name = event.option.id or "time"
        column, descending = self.current
        self.dismiss((name, not descending if name == column else False))


class NameScreen(PromptScreen):
    """Asks for a name (of a saved view); None if cancelled or left empty."""

    DEFAULT_CSS = "NameScreen > Vertical { width: 72; }"

    def field(self) -> Input:
        return OrderedInput(placeholder="name, e.g. sso-failures", id="name")

    def answer(self, typed: str) -> str | None:
        return typed.strip() or None


class ColumnChoices(CheckList):
    """Enter applies (space toggles). Bound here, not as a priority key of the screen,
    so it acts after the keys typed before it: `down space enter` in one burst works."""

    BINDINGS = [Binding("enter", "apply", "Apply")]

    def action_apply(self) -> None:
        # Queued here, behind the toggles of the spaces typed before (each a message to
        # this list), so they are all in when the screen reads the selection.
        screen = self.screen
        if isinstance(screen, ColumnsScreen):
            self.call_later(screen.action_apply)


class ColumnsScreen(ModalScreen[tuple[str, ...] | None]):
    """Choose the table's columns: space toggles one, enter applies."""

    BINDINGS = [Binding("escape", "dismiss(None)", "Cancel")]
    DEFAULT_CSS = """
    ColumnsScreen { align: center middle; }
    ColumnsScreen > SelectionList {
        width: 50; max-width: 100%; height: auto; max-height: 100%; border: thick $accent;
    }
    """

    def __init__(self, shown: tuple[str, ...]) -> None:
        super().__init__()
        self.shown = shown

    def compose(self) -> ComposeResult:
        from connlog_tui.ui.columns import COLUMNS

        # Shown columns first, in their order; then the others.
        order = list(self.shown) + [c.name for c in COLUMNS if c.name not in self.shown]
        titles = {c.name: c.title for c in COLUMNS}
        choices = ColumnChoices(*[(titles[n], n, n in self.shown) for n in order if n in titles])
        choices.border_title = "Columns (space: show/hide, enter: apply)"
        yield choices

    def action_apply(self) -> None:
        picked = self.query_one(SelectionList).selected
        order = [n for n in self.shown if n in picked] + [n for n in picked if n not in self.shown]
        self.dismiss(tuple(order) or None)


HELP = """\
connlog — keys     scroll: j/k up/down pgup/pgdn home/end · esc closes

Find
  /            search every field, payloads included; !text hides the
               rows holding text, re:PATTERN is a regex (any case)
  n / N        next / previous search match: the whole view comes back
  -            hide the value at the cursor (a pane's, or the table's
               column's); shown as ≠ in the panes; again shows it
  #            count view: any column or payload field (a.b.c), counted;
               enter filters to a value, - hides it
  f            show / hide the filter panes (Outcome, IP, … where the log
               has values)
  tab          next pane or field (shift+tab: previous)
  esc          leave a text field or pane, back to the table
  space/enter  (in a pane) pick a value; picks in one pane are OR-ed
  d            the date range: since, tab, until, enter applies (24h, 7d…)
  x            clear every filter

Triage
  t            failures grouped by application and reason, and by user,
               with a histogram; enter on a group filters the table to it
  ] / [        next / previous failure (wraps around, and says so)
  w            compare the selected failure with a working login

Read
  up/down j/k  move           pgup/pgdn  page
  home/end g/G first / last   s  sort by a column (again: reverse)
  enter        open the selected row's payloads, decoded (esc closes)
  left/right   (in the payloads) Response, Request, Attempt tab
  :            jump to a time (09:14, 2026-03-09 09:14, -15m), no filter
  m / M        mark the row / note on it (kept per log, exported)
  } / {        next / previous marked row     '  marked rows only
               (an archive: all of them; Spark: no ' and no Note column)
  H            timeline: left/right pick a bar, enter narrows the dates
               to it, W widens them back
  r            decoded / raw payloads
  c            copy the selected row as JSON (the clipboard works over SSH)
  y            copy the payload shown, or the text selected in it
  b            list quarantined (unparseable) rows
  F            follow the log: show rows as they are written (--follow)

Export
  e            export the current view: CSV, JSON Lines, JSON, Parquet, or
               a PDF report; optionally redacted, with a provenance file;
               a relative path is under the folder connlog was started in

Display
  z            times in UTC / local / configured zone (stored in UTC)
  C            choose columns
  left/right   pick a column (h/l); the table scrolls sideways to it
               (the header counts the columns out of sight: 3 more →)
  < >          narrower / wider column
  T            light / dark theme

Other
  ctrl+p       command palette: every action by name; saved views (save,
               open, delete) and "Restore last session" live there
  ?            this help
  q / ctrl+q   quit
"""


class HelpScreen(ModalScreen[None]):
    """Every key, in a box that scrolls: at 80x24 it is taller than the terminal."""

    BINDINGS = [
        Binding("escape,q,question_mark", "dismiss", "Close"),
        Binding("j", "scroll('down')", "Down", show=False),
        Binding("k", "scroll('up')", "Up", show=False),
        Binding("g", "scroll('home')", "Top", show=False),
        Binding("G", "scroll('end')", "End", show=False),
    ]
    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > VerticalScroll {
        width: 80; max-width: 100%; height: auto; max-height: 100%;
        border: thick $accent; padding: 0 1; background: $surface;
        scrollbar-size-vertical: 1;
    }
    HelpScreen > VerticalScroll:focus { border: double $accent; }
    """

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help"):
            yield Static(HELP, markup=False)

    def action_scroll(self, where: str) -> None:
        scroll = self.query_one(VerticalScroll)
        getattr(scroll, f"action_scroll_{where}")()


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
