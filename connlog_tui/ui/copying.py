"""The copy keys (c, y): the selected row as JSON, the payload shown. Functions of the app's
public state (the table's cursor, the row asked of the log, the detail panel), which the
app's actions call; they change nothing but the clipboard."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from connlog_tui import timezones as tz
from connlog_tui.isotime import iso_utc
from connlog_tui.schema import HEADERS, ROW_ID
from connlog_tui.textsafe import escape_controls
from connlog_tui.ui.detail import DetailPanel, render_attempt, render_payload
from connlog_tui.ui.table import LogTable

if TYPE_CHECKING:
    from connlog_tui.ui.app import ConnlogApp


def copy_row(app: ConnlogApp) -> None:
    """The selected row as JSON (every column under its header, the date in UTC)."""
    row = app.row(app.query_one(LogTable).current_row)
    if row is None:
        app.notify("No row selected: open a row first")
        return
    record = {HEADERS[k]: row[k] for k in HEADERS}
    record["Date"] = iso_utc(row["time"], 6, always=True) if row["time"] else None
    app.copy_to_clipboard(json.dumps(record, ensure_ascii=False))
    label = _row_label(row, app.zone)
    app.notify(f"Copied the selected row ({label}) as JSON to the clipboard", markup=False)


def copy_payload(app: ConnlogApp) -> None:
    """The selected row's payload on the active tab: as the panel shows it when it
    shows that row (its selected text, if any), else rendered from the row itapp. The
    panel may hold another row: hidden on a short terminal it keeps the last one opened,
    and it follows the cursor only once the cursor rests."""
    index = app.query_one(LogTable).current_row
    row = app.row(index)
    if row is None:
        app.notify("No row selected: open a row first")
        return
    detail = app.query_one(DetailPanel)
    area = detail.visible_area()
    name = area.id or "response"
    shown = detail.row is not None and (
        detail.row.get(ROW_ID) == row[ROW_ID] if ROW_ID in row else detail.row == row
    )
    if detail.display and shown:
        text = area.selected_text or area.text
        what = "the selected text" if area.selected_text else f"the {name} payload"
    else:
        paged = app.paged_log is not None
        attempt = render_attempt(app.triager.attempt(index), app.zone, paged)
        text = attempt if name == "attempt" else render_payload(row.get(name), detail.raw)
        what = f"the {name} payload"
    label = _row_label(row, app.zone)
    if not text.strip():
        app.notify(f"Nothing to copy: no {name} payload in {label}", markup=False)
        return
    app.copy_to_clipboard(text)
    chars = f"{len(text):,} characters"
    app.notify(f"Copied {what} of {label} ({chars}) to the clipboard", markup=False)


def _row_label(row: dict, zone: str) -> str:
    """A row named for a toast: its time, user and application, on one line."""
    when = tz.format_time(row["time"], zone) if row.get("time") else "no time"
    named = [str(row[k]).strip() for k in ("user", "app") if row.get(k) and str(row[k]).strip()]
    return escape_controls(" · ".join([when, *named]))[:160]
