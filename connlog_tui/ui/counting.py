"""`#`: the count view, the values of any column or payload field in the view counted; a
value picked filters to it, `-` hides it (a mixin of ui/verbs.Verbs, and its screen)."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

import polars as pl
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from connlog_tui import counts
from connlog_tui.errors import ConnlogError
from connlog_tui.logs.base import Counts
from connlog_tui.textsafe import escape_controls, one_line
from connlog_tui.ui import messages as msg
from connlog_tui.ui.verb_base import VerbBase


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


class CountVerbs(VerbBase):
    """`#` on a loaded log (counted in its frame) or an archive (one lazy group-by through
    the seam); the answer becomes the app's filter state."""

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
