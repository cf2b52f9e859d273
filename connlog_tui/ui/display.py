"""How the rows are shown: the time zone (z), the table's columns (C), the sort (s) and
the quarantined rows (b). Functions of the app's public state and methods, which the
app's actions call: a choice made on a screen is handed back to the app (`set_sort`,
`refilter`) or to the table; the app's new zone is shown by the parts that draw times."""

from __future__ import annotations

from typing import TYPE_CHECKING

from connlog_tui import timezones as tz
from connlog_tui.ui.detail import DetailPanel
from connlog_tui.ui.table import SORTABLE

if TYPE_CHECKING:
    from connlog_tui.ui.app import ConnlogApp


def show_zone(app: ConnlogApp) -> None:
    """Times in the app's new zone (z cycles UTC, local, the configured one; times are
    stored in UTC)."""
    app.table.set_zone(app.zone)
    app.query_one(DetailPanel).zone = app.zone
    app.verbs.refresh_timeline()
    app.controls.show_state()  # the date range in the new zone
    app.note_status()
    shown = tz.label(app.zone)
    app.notify(f"Times shown in {shown}" + ("" if shown.endswith("UTC") else ", stored in UTC"))


async def choose_columns(app: ConnlogApp) -> None:
    from connlog_tui.ui.screens import ColumnsScreen

    table = app.table

    def chosen(names: tuple[str, ...] | None) -> None:
        if names:
            table.show_columns(names)

    await app.open_screen(ColumnsScreen(table.shown_columns), chosen)


async def choose_sort(app: ConnlogApp) -> None:
    from connlog_tui.ui.screens import SortScreen

    def chosen(answer: tuple[str, bool] | None) -> None:
        if answer:
            app.set_sort(*answer)
            app.refilter()

    await app.open_screen(SortScreen(list(SORTABLE.items()), app.sort), chosen)


async def show_quarantine(app: ConnlogApp) -> None:
    from connlog_tui.ui.screens import QuarantineScreen

    quarantine = app.quarantine
    if not quarantine.height and not app.skipped:
        app.notify("No quarantined rows: every row was read")
        return
    await app.open_screen(QuarantineScreen(quarantine, app.skipped))
