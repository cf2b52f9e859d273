"""The detail panel: the selected row's fields, and its Request and Response payloads,
pretty-printed (JSON, XML, decoded SAML/JWT) with the raw text one key away."""

from __future__ import annotations

import re
import textwrap
from typing import TYPE_CHECKING, cast

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.reactive import reactive
from textual.widget import AwaitMount
from textual.widgets import Static

from connlog_tui.textsafe import escape_controls
from connlog_tui.timezones import format_time, label

if TYPE_CHECKING:
    from textual.widgets import TextArea

    from connlog_tui.ui.payload_tabs import PayloadTabs

# Payloads beyond this are shown cut, with a note: a terminal view of 50 MB helps nobody.
SHOW_LIMIT = 1_000_000
# Layers that only carry another payload: shown by their facts, not their body.
CARRIERS = {"form", "text", "http"}


def render_payload(text: str | None, raw: bool, width: int | None = None) -> str:
    """The text shown for one payload: decoded sections (facts, then body) or raw. Fact
    values longer than `width` allows are wrapped under the value column (the text area
    would wrap them to its first column)."""
    if not text:
        return "(empty)"
    note = ""
    if len(text) > SHOW_LIMIT:
        note = f"\n… cut at {SHOW_LIMIT:,} of {len(text):,} characters (export the row for all)"
        text = text[:SHOW_LIMIT]
    if raw:
        return escape_controls(text, multiline=True) + note
    from connlog_tui.decode import decode_payload, specificity

    sections = decode_payload(text).sections
    # The most telling layer first (the SAML message before the form that carried it); a
    # carrier's body is only its encoded payload again, so it is left out when decoded.
    ordered = sorted(sections, key=lambda sec: -specificity(sec.kind))
    parts = []
    for section in ordered:
        parts.append(f"── {section.title} ──")
        parts.extend(f"  ! {n}" for n in section.notes)
        if section.facts:
            parts.extend(fact_lines(section.facts, width))
        if section.kind not in CARRIERS or len(sections) == 1:
            parts.append(section.body)
        parts.append("")
    return escape_controls("\n".join(parts), multiline=True) + note


def fact_lines(facts: tuple[tuple[str, str], ...], width: int | None) -> list[str]:
    """`  key   value` lines; a value too long for `width` goes on under its column."""
    keys = min(24, max(len(k) for k, _ in facts))
    indent = " " * (2 + keys + 2)
    room = (width or 0) - len(indent)
    lines = []
    for key, value in facts:
        head = f"  {key:<{keys}}  "
        if room < 16 or len(head) + len(value) <= (width or 0):
            lines.append(head + value)
            continue
        wrapped = textwrap.wrap(value, room, break_on_hyphens=False) or [""]
        lines.append(head + wrapped[0])
        lines.extend(indent + part for part in wrapped[1:])
    return lines


def render_attempt(
    attempt: tuple[dict, list[dict]] | None, zone: str = "UTC", paged: bool = False
) -> str:
    """The login attempt a row belongs to: how it was linked, then each of its events.
    `paged`: the log is read in pages (an archive, Spark), whose attempts are stitched
    by triage only, rather than after a load."""
    if attempt is None and paged:
        return (
            "No login attempt stitched for this row: on an archive or Spark log, attempts "
            "are stitched when triage (t) runs, for the failures it lists (within its "
            "bound) and the events around them."
        )
    if attempt is None:
        return (
            "No login attempt stitched for this row (yet): attempts are worked out in the "
            "background after loading."
        )
    facts, events = attempt
    how = f"linked by {facts['link']}" if facts.get("link") else "paired by user, app and time"
    if facts.get("inferred"):
        how += " (inferred: no IDs linked the events)"
    duration = facts.get("duration_seconds")
    took = f", {duration:.1f} s" if duration is not None else ""
    lines = [f"{facts.get('kind') or 'Login'} attempt: {facts.get('outcome')}{took}, {how}", ""]
    for event in events:
        when = format_time(event["time"], zone) if event.get("time") else ""
        why = event.get("diagnosis") or event.get("reason") or ""
        lines.append(f"{when}  {event.get('action')}  {event.get('app')}  {why}".rstrip())
    return escape_controls("\n".join(lines), multiline=True)


def summary_text(row: dict, zone: str = "UTC") -> Text:
    """The row in three short lines: what happened, to whom and where, and why."""
    when = f"{format_time(row['time'], zone)} {label(zone)}" if row["time"] else "no time"
    source = str(row.get("source") or "").rsplit("/", 1)[-1]
    first = "  ".join(str(row[k]) for k in ("action", "app") if row.get(k))
    second = "  ".join(
        v for v in (str(row.get("user") or "").strip(), row.get("request_type"), source) if v
    )
    outcome = str(row.get("outcome") or "")
    styles = {"failure": "bold red", "success": "green", "pending": "yellow", "interrupt": "cyan"}
    style = styles.get(outcome, "")
    text = Text.assemble((when, "bold"), "  ", (escape_controls(first), style))
    why = row.get("diagnosis") or row.get("reason")
    if why:
        text.append("\n" + escape_controls(str(why)), style="bold")
    text.append("\n" + escape_controls(second), style="dim")
    return text


def match_pattern(search: str, regex: str) -> re.Pattern[str] | None:
    """A search as a pattern for drawing its matches: a literal search case-insensitive,
    as the query runs it; a regex case-insensitive too, or None when it is only valid in
    the query engine's syntax (its matches are then left undrawn rather than guessed)."""
    try:
        if regex:
            return re.compile(regex, re.IGNORECASE)
        if search:
            return re.compile(re.escape(search), re.IGNORECASE)
    except re.error:
        return None
    return None


class DetailPanel(Vertical, can_focus=False):
    """Shows one row. `r` toggles decoded/raw payloads."""

    ALLOW_MAXIMIZE = True
    BINDINGS = [
        Binding("r", "toggle_raw", "Raw/decoded"),
        Binding("escape", "app.close_payloads", "Close"),
        # Priority: the payload's text area would take left/right to move its cursor.
        Binding("right", "switch_tab(1)", "Tabs", key_display="←→", priority=True),
        Binding("left", "switch_tab(-1)", "Previous tab", show=False, priority=True),
    ]
    DEFAULT_CSS = """
    DetailPanel { height: 45%; border-top: heavy $panel-lighten-2; }
    DetailPanel.-maximized { height: 1fr; }
    DetailPanel #summary { height: auto; max-height: 5; padding: 0 1; }
    DetailPanel TabbedContent { height: 1fr; }
    DetailPanel TextArea { height: 1fr; border: none; padding: 0 1; }
    """

    raw = reactive(False)
    zone = reactive("UTC")

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.row: dict | None = None
        self.attempt: tuple[dict, list[dict]] | None = None
        self.paged = False  # the row's log is read in pages (see render_attempt)
        self._text_width: int | None = None  # what the payloads' facts were wrapped to
        self.pattern: re.Pattern[str] | None = None  # the search drawn in the payloads

    def compose(self) -> ComposeResult:
        yield Static(id="summary", markup=False)

    def on_mount(self) -> None:
        # The payload tabs (three text areas) take ~40 ms to mount and style: they come
        # after the app's first frame, which they would not change (the panel only shows
        # a row once the cursor has rested on it).
        self.call_after_refresh(self._add_tabs)

    async def _add_tabs(self) -> None:
        if (mounting := self._mount_tabs()) is not None:
            await mounting
            self._refresh_contents()

    def _mount_tabs(self) -> AwaitMount | None:
        if self._tabs() is not None or not self.is_attached:  # there, or the app closed
            return None
        # Imported here: Textual's text area and tabs come with them, after the first frame.
        from connlog_tui.ui.payload_tabs import PayloadTabs

        return self.mount(PayloadTabs())

    def _tabs(self) -> PayloadTabs | None:
        """The payload tabs, once mounted (asked by id: their class comes with them)."""
        found = self.query("#payload-tabs")
        return cast("PayloadTabs", found.first()) if found else None

    def visible_area(self) -> TextArea:
        """The payload on the active tab."""
        if self._mount_tabs() is not None:  # asked for before they came: fill them in next
            self.call_after_refresh(self._refresh_contents)
        return cast("PayloadTabs", self._tabs()).visible_area()

    def show(
        self,
        row: dict | None,
        attempt: tuple[dict, list[dict]] | None = None,
        pattern: re.Pattern[str] | None = None,
        paged: bool = False,
    ) -> None:
        """Show a row, and the login attempt it belongs to (the attempt's facts and its
        events' rows) when the triage layer stitched one; `pattern`'s matches are drawn
        in its payloads. `paged`: the row is of a log read in pages."""
        self.row = row
        self.attempt = attempt
        self.paged = paged
        self.pattern = pattern
        self._refresh_contents()

    def watch_raw(self) -> None:
        self._refresh_contents()

    def watch_zone(self) -> None:
        self._refresh_contents()

    def action_switch_tab(self, step: int) -> None:
        """Response → Request → Attempt, round, keeping the focus in the payload."""
        tabs = self._tabs()
        if tabs is None:
            return
        tabs.switch(step)
        self.screen.set_focus(self.visible_area())

    def action_toggle_raw(self) -> None:
        self.raw = not self.raw
        self.notify("Showing raw payloads" if self.raw else "Showing decoded payloads")

    def text_width(self) -> int | None:
        """The cells a payload line has before the text area wraps it (its padding, the
        border it has when focused, a scrollbar and the cursor's cell left out), or None
        before layout."""
        width = self.content_size.width - 2 - 2 - 2 - 1
        return width if width > 0 else None

    def on_resize(self) -> None:
        if self.row is not None and self.text_width() != self._text_width:
            self._refresh_contents()  # the facts wrapped again, for the new width

    def _refresh_contents(self) -> None:
        if not self.is_mounted:
            return
        summary = self.query_one("#summary", Static)
        summary.update("No row selected" if self.row is None else summary_text(self.row, self.zone))
        tabs = self._tabs()
        if tabs is None or not tabs.query("TextArea"):  # not mounted yet: filled in then
            return
        if self.row is None:
            for name in ("request", "response", "attempt"):
                tabs.area(name).load_text("")
            return
        mode = "raw" if self.raw else "decoded"
        self._text_width = self.text_width()
        for name in ("request", "response"):
            area = tabs.payload(name)
            area.pattern = self.pattern
            area.load_text(render_payload(self.row.get(name), self.raw, self._text_width))
            area.border_subtitle = mode
        tabs.area("attempt").load_text(render_attempt(self.attempt, self.zone, self.paged))
