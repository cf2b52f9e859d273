"""The results table's columns: which there are and their order, how they are laid out
in screenfuls of the terminal's width, and how a value becomes a cell of a given width."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from rich.cells import cell_len, set_cell_size

from connlog_tui import schema
from connlog_tui.textsafe import one_line
from connlog_tui.timezones import DEFAULT_FORMAT, format_time
from connlog_tui.ui.cells import cut_path


@dataclass(frozen=True)
class TableColumn:
    name: str
    title: str
    width: int  # minimum width; `flex` columns share what is left
    flex: bool = False


# Every canonical column can be shown, in this order unless the user chose another; its
# title and widths are the column registry's (schema.COLUMNS). The reason column shows the
# diagnosis when the source gave no reason.
ORDER = (
    "time",
    "action",
    "app",
    "user",
    "request_type",
    "outcome",
    "reason",
    "diagnosis",
    "ip",
    "source",
    "format",
    "request",
    "response",
)
COLUMNS: tuple[TableColumn, ...] = tuple(
    TableColumn(c.name, c.short, c.width, flex=c.flex) for c in map(schema.BY_NAME.get, ORDER) if c
)
BY_NAME = {c.name: c for c in COLUMNS}
DEFAULT_VISIBLE = ("time", "action", "app", "user", "reason", "request_type", "source")
MORE_ROOM = 10  # " 12 more →": the header's note of columns out of sight to the right


def layout_columns(width: int, columns: list[TableColumn]) -> list[tuple[TableColumn, int]]:
    """Every column and how wide it is drawn (see layout_pages)."""
    return [laid for page in layout_pages(width, columns) for laid in page]


def layout_pages(width: int, columns: list[TableColumn]) -> list[list[tuple[TableColumn, int]]]:
    """The columns cut into screenfuls, each column with the width it is drawn: as many
    as fit in `width` (less MORE_ROOM for the header's "3 more →" when more follow),
    whose flex columns share what they leave spare; then the next ones the same way. The
    first screenful is what the table shows unscrolled; the table scrolls sideways to the
    others a screenful at a time, so a column is never dropped."""
    pages: list[list[tuple[TableColumn, int]]] = []
    rest = list(columns)
    while rest:
        room = width if _span(rest) <= width else width - MORE_ROOM
        page = rest[:1]
        while len(page) < len(rest) and _span(rest[: len(page) + 1]) <= room:
            page = rest[: len(page) + 1]
        rest = rest[len(page) :]
        spare = room - _span(page)
        flex = [c for c in page if c.flex] or page[-1:]
        laid = []
        for col in page:
            extra = 0
            if col in flex and spare > 0:
                extra = spare // len(flex) + (1 if col is flex[0] else 0) * (spare % len(flex))
            laid.append((col, col.width + extra))
        pages.append(laid)
    return pages


def _span(columns: list[TableColumn]) -> int:
    return sum(c.width + 1 for c in columns) - 1


def column_spans(columns: list[tuple[TableColumn, int]]) -> list[tuple[int, int]]:
    """Where each laid-out column starts and ends (exclusive), one space between them."""
    spans, x = [], 0
    for _, w in columns:
        spans.append((x, x + w))
        x += w + 1
    return spans


def fit(text: str, width: int) -> str:
    """Pad or cut to exactly `width` cells, marking a cut with an ellipsis."""
    if text.isascii():  # one cell a character: no need to measure (the common case)
        return text[: width - 1] + "…" if len(text) > width else text.ljust(width)
    if cell_len(text) > width:
        return set_cell_size(text, width - 1) + "…"
    return set_cell_size(text, width)


def single_cell_pieces(line: str) -> tuple[str, ...]:
    """A drawn line cut where it leaves the characters Rich measures quickly: Rich
    measures a run with one "…" in it a character at a time, in Python, each time it is
    cropped or divided. Alone, "…" is measured once and cached."""
    if line.isascii():
        return (line,)
    return tuple(piece for piece in re.split(r"([^\x20-\x7e]+)", line) if piece)


def cell_text(name: str, value: object, zone: str = "UTC", date_format: str = "") -> str:
    if value is None:
        return ""
    if name == "time" and isinstance(value, datetime):
        return format_time(value, zone, date_format or DEFAULT_FORMAT)
    return one_line(str(value))


def fit_cell(name: str, text: str, width: int) -> str:
    """A cell's text in exactly `width` cells; a source path keeps its file name."""
    if name == "source":
        text = cut_path(text, width)
    return fit(text, width)
