"""PDF export: a landscape report to attach to a ticket or print.

The title, the filters applied, the sources, the row count and the generation time, then
one table row per event: Date, Action, Application, User, Request Type, Reason/Diagnosis
and the payload cut to its first 80 characters (the full payloads belong in CSV or JSON).

fpdf2's core fonts (Helvetica) only encode Latin-1, so text is made Latin-1 safe: common
punctuation gets its ASCII twin, accents outside Latin-1 are dropped (o for o-double-acute),
anything else becomes "?", and control characters become spaces. No font is embedded, so
the report looks the same on every machine.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import IO

import polars as pl

from connlog_tui import __version__
from connlog_tui.schema import BY_NAME
from connlog_tui.timezones import format_time, label

SUMMARY_CHARS = 80
DATE_FORMAT = "%Y-%m-%d %H:%M:%S"
# (heading, width in mm); A4 landscape leaves 277 mm between 10 mm margins. A column of
# its own is headed with its short title (schema.COLUMNS); the report's shorter "User"
# and its combined columns are its own.
TABLE = (
    (BY_NAME["time"].short, 31),
    (BY_NAME["action"].short, 25),
    (BY_NAME["app"].short, 32),
    ("User", 40),
    (BY_NAME["request_type"].short, 35),
    ("Reason/Diagnosis", 45),
    ("Payload (first 80 characters)", 69),
)
_ASCII = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201a": ",",
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u2013": "-",
        "\u2014": "-",
        "\u2212": "-",
        "\u2026": "...",
        "\u2022": "*",
        "\u00a0": " ",
        "\u2028": " ",
        "\u2029": " ",
        "\u0141": "L",
        "\u0142": "l",
        "\u0110": "D",
        "\u0111": "d",
        "\u0131": "i",
        "\u0152": "OE",
        "\u0153": "oe",
        "\u20ac": "EUR",
    }
)


def latin1(text: str | None) -> str:
    """Text the core PDF fonts can show: Latin-1, no control characters."""
    if not text:
        return ""
    text = text.translate(_ASCII)
    out = []
    for ch in text:
        if ch in "\t\r\n" or unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp"):
            out.append(" ")
            continue
        try:
            ch.encode("latin-1")
            out.append(ch)
            continue
        except UnicodeEncodeError:
            pass
        base = "".join(c for c in unicodedata.normalize("NFKD", ch) if not unicodedata.combining(c))
        try:
            out.append(base.encode("latin-1").decode("latin-1") if base else "?")
        except UnicodeEncodeError:
            out.append("?")
    return "".join(out)


def summarise(text: str | None, limit: int = SUMMARY_CHARS) -> str:
    """The first `limit` characters of a payload on one line ("..." if cut)."""
    if not text:
        return ""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 3].rstrip() + "..."


def _cell(row: dict, name: str) -> str:
    value = row.get(name)
    return "" if value is None else str(value)


def _reason(row: dict) -> str:
    parts = [_cell(row, "reason").strip(), _cell(row, "diagnosis").strip()]
    parts = [p for p in parts if p]
    if len(parts) == 2 and parts[0] == parts[1]:
        parts = parts[:1]
    note = _cell(row, "note").strip()  # the row's note (connlog_tui.marks), first
    return " / ".join([f"Note: {note}"] * bool(note) + parts)


def _payload(row: dict) -> str:
    response = _cell(row, "response").strip()
    request = _cell(row, "request").strip()
    if response:
        return summarise(response)
    return summarise(request)


def write_pdf(
    frame: pl.DataFrame,
    out: IO[bytes],
    *,
    title: str = "connlog export",
    filters: Iterable[str] = (),
    sources: Iterable[str] = (),
    generated: datetime | None = None,
    zone: str = "UTC",
    date_format: str = DATE_FORMAT,
    progress: Callable[[int], None] | None = None,
) -> None:
    """Write a landscape A4 report of `frame` (canonical columns) to a binary file."""
    generated = generated or datetime.now(UTC)
    filters, sources = list(filters), list(sources)
    pdf = _report(title, generated)
    lines = [
        f"Filters: {'; '.join(filters) if filters else 'none (every row)'}",
        f"Rows: {frame.height:,}",
        f"Generated: {generated.astimezone(UTC):%Y-%m-%d %H:%M:%S} UTC by connlog {__version__}",
        f"Times shown in: {label(zone)}",
    ]
    if sources:
        lines.append(f"Sources: {', '.join(sources)}")
    _heading(pdf, title, lines)
    if frame.height == 0:
        pdf.set_font("Helvetica", style="I", size=10)
        pdf.cell(0, 8, "No rows match the filters.", new_x="LMARGIN", new_y="NEXT")
    else:
        _table(pdf, frame, zone, date_format, progress)
    out.write(bytes(pdf.output()))
    if progress:
        progress(frame.height)


def _report(title: str, generated: datetime):
    """An empty A4 landscape document with its first page, its footer naming the title
    and the page."""
    from fpdf import FPDF

    class Report(FPDF):
        def footer(self) -> None:
            self.set_y(-10)
            self.set_font("Helvetica", size=7)
            self.set_text_color(110)
            text = f"{latin1(title)} - page {self.page_no()}/{{nb}}"
            self.cell(0, 5, text, align="C")

    pdf = Report(orientation="landscape", unit="mm", format="A4")
    pdf.set_margins(10, 10, 10)
    pdf.set_auto_page_break(auto=True, margin=12)
    pdf.set_title(latin1(title))
    pdf.set_creator(f"connlog {__version__}")
    pdf.set_creation_date(generated)
    pdf.add_page()
    return pdf


def _heading(pdf, title: str, lines: list[str]) -> None:
    """The title, then one line per fact about the export."""
    pdf.set_font("Helvetica", style="B", size=15)
    pdf.cell(0, 8, latin1(title), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", size=9)
    for line in lines:
        pdf.multi_cell(0, 4.5, latin1(line), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)


def _table(
    pdf, frame: pl.DataFrame, zone: str, date_format: str, progress: Callable[[int], None] | None
) -> None:
    """One table row per event (TABLE's columns), headings repeated on every page;
    `progress` told every 1000 rows."""
    from fpdf.fonts import FontFace

    pdf.set_font("Helvetica", size=7)
    heading = FontFace(emphasis="BOLD", fill_color=(225, 230, 240))
    with pdf.table(
        col_widths=tuple(w for _, w in TABLE),
        width=sum(w for _, w in TABLE),
        text_align="LEFT",
        line_height=3.6,
        headings_style=heading,
        repeat_headings=1,
    ) as table:
        table.row([h for h, _ in TABLE])
        for done, row in enumerate(frame.iter_rows(named=True), 1):
            time = row.get("time")
            cells = (
                format_time(time, zone, date_format) if time else "",
                _cell(row, "action"),
                _cell(row, "app"),
                _cell(row, "user").strip(),
                _cell(row, "request_type"),
                _reason(row),
                _payload(row),
            )
            table.row([latin1(c) for c in cells])
            if progress and done % 1000 == 0:
                progress(done)
