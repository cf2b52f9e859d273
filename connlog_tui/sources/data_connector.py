"""Microsoft Purview data-connector admin logs: the daily import status of a connector
that brings non-Microsoft data into Microsoft 365, as the portal's download gives it.

Each import reports Import completion time, Items available from source, Items available
for import, Items imported successfully, Items partially imported (attachments dropped),
Items skipped (duplicates), Items failed, and Failed Item Details (Item Id, Source User ID,
M365 User ID, Failure Reason); a day with nothing imported reads
"No items ingested on mm/dd/yyyy.". Accepted as `key: value` text or as CSV (one import per
row; failed items as rows with an Item Id, or in a CSV of their own).

Rows: one per import (its counts in `request`), one per failed item (linked to its import
by the import's completion time, quoted in `request`), one per "No items ingested" day,
and one per day of the window (first to last day in the file) that has none of these.
An import that breaks the documented invariant
    available for import = imported + partially imported + skipped + failed
is a failure whose reason gives the numbers that disagree.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import date, timedelta
from typing import Any

import polars as pl

from connlog_tui.sources.base import ReadResult, Source
from connlog_tui.sources.jsonrecords import csv_header, result_from_rows
from connlog_tui.timeparse import parse_times

APP = "Purview data connector"
COUNT_KEYS = ("from_source", "for_import", "imported", "partial", "skipped", "failed")
LABELS = {
    "from_source": "available from source",
    "for_import": "available for import",
    "imported": "imported",
    "partial": "partially imported",
    "skipped": "skipped",
    "failed": "failed",
}
ITEM_KEYS = ("item_id", "source_user", "m365_user", "failure_reason")
NO_ITEMS = re.compile(r"No items ingested on (\d{1,2}/\d{1,2}/\d{4})\.?", re.I)
_KEY_VALUE = re.compile(r"^\s*([A-Za-z][A-Za-z0-9 ()/_-]*?)\s*:\s*(.*?)\s*$")


def field(name: str) -> str | None:
    """A summary or item key by its documented name, tolerant of case, spacing and the
    parenthesised notes ("(attachments dropped)", "(duplicates)")."""
    key = " ".join(re.sub(r"\(.*?\)", " ", name).lower().replace("_", " ").split())
    if key.startswith("import completion time") or key == "completion time":
        return "completed"
    if key in ("connector", "connector name", "data connector", "connector type"):
        return "connector"
    if key.startswith("items available from source"):
        return "from_source"
    if key.startswith("items available for import"):
        return "for_import"
    if key.startswith("items imported"):
        return "imported"
    if key.startswith("items partially imported"):
        return "partial"
    if key.startswith("items skipped"):
        return "skipped"
    if key.startswith("items failed"):
        return "failed"
    if key in ("item id", "itemid"):
        return "item_id"
    if key in ("source user id", "source user"):
        return "source_user"
    if key in ("m365 user id", "microsoft 365 user id", "m365 user"):
        return "m365_user"
    if key == "failure reason":
        return "failure_reason"
    return None


def _count(value: Any) -> int | None:
    try:
        return int(str(value).replace(",", "").strip())
    except (TypeError, ValueError):
        return None


def check(summary: dict[str, Any]) -> tuple[str, str | None]:
    """Outcome and reason of an import from its counts (the invariant first)."""
    counts = {k: _count(summary.get(k)) for k in COUNT_KEYS}
    parts = ("imported", "partial", "skipped", "failed")
    known = [n for k in parts if (n := counts[k]) is not None]
    if counts["for_import"] is not None and len(known) == len(parts):
        total = sum(known)
        if total != counts["for_import"]:
            terms = " + ".join(f"{LABELS[k]} {counts[k]}" for k in parts)
            return "failure", (
                f"counts disagree: available for import {counts['for_import']} != {terms} = {total}"
            )
    missing = [
        LABELS[k] for k in COUNT_KEYS if summary.get(k) not in (None, "") and counts[k] is None
    ]
    if missing:
        return "failure", "unreadable count: " + ", ".join(missing)
    if counts["failed"]:
        of = f" of {counts['for_import']}" if counts["for_import"] is not None else ""
        return "failure", f"{counts['failed']}{of} items failed"
    return "success", None


def summary_row(summary: dict[str, Any], block: str) -> dict[str, Any]:
    outcome, reason = check(summary)
    counts = "; ".join(
        f"{LABELS[k]} {summary[k]}" for k in COUNT_KEYS if summary.get(k) not in (None, "")
    )
    return {
        "time": summary.get("completed"),
        "app": summary.get("connector") or APP,
        "action": "Import",
        "request_type": "Import summary",
        "user": None,
        "request": counts or None,
        "response": block,
        "outcome": outcome,
        "reason": reason,
        "ip": None,
    }


def item_row(item: dict[str, Any], summary: dict[str, Any], block: str) -> dict[str, Any]:
    ids = "; ".join(
        f"{label} {item[k]}"
        for k, label in (("item_id", "item"), ("source_user", "source user"))
        if item.get(k)
    )
    completed = summary.get("completed")
    link = f"import completed {completed}" if completed else "import time unknown"
    return {
        "time": completed,
        "app": summary.get("connector") or APP,
        "action": "Item failed",
        "request_type": "Failed item",
        "user": item.get("m365_user") or item.get("source_user"),
        "request": f"{ids}; {link}" if ids else link,
        "response": block,
        "outcome": "failure",
        "reason": item.get("failure_reason") or "no failure reason given",
        "ip": None,
    }


def no_items_row(day: str, line: str) -> dict[str, Any]:
    return {
        "time": day,
        "app": APP,
        "action": "No items ingested",
        "request_type": "Import summary",
        "request": None,
        "response": line.strip(),
        "outcome": "info",
        "reason": None,
    }


def missing_day_rows(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A row for each day between the first and last reported day with no import and no
    "No items ingested" line: the log should account for every day."""
    times = [r["time"] for r in rows if r.get("time")]
    if not times:
        return []
    parsed = parse_times(pl.Series(times, dtype=pl.String)).drop_nulls()
    if parsed.is_empty():
        return []
    days = set(parsed.dt.date().to_list())
    first, last = min(days), max(days)
    out = []
    day = first
    while day <= last:
        if day not in days:
            out.append(_missing(day))
        day += timedelta(days=1)
    return out


def _missing(day: date) -> dict[str, Any]:
    shown = day.strftime("%m/%d/%Y")
    return {
        "time": day.isoformat(),
        "app": APP,
        "action": "Missing day",
        "request_type": "Import summary",
        "request": None,
        "response": None,
        "outcome": "failure",
        "reason": f"no import summary and no 'No items ingested on {shown}.' line for this day",
    }


# -- key: value text ----------------------------------------------------------------------


def parse_text(doc: str) -> list[tuple[int, dict[str, Any]]]:
    """Rows with their line numbers from the `key: value` layout."""
    parser = _TextParser()
    for number, raw in enumerate(doc.splitlines(), start=1):
        parser.line(number, raw)
    parser.close()
    return parser.rows


class _TextParser:
    """The `key: value` layout read a line at a time: a run's summary block (from its
    "Completed" or "Connector name" line) and the failed items under it become rows when
    the next block starts, and at the end."""

    def __init__(self) -> None:
        self.rows: list[tuple[int, dict[str, Any]]] = []
        self.summary: dict[str, Any] | None = None
        self.start = 0
        self.block: list[str] = []
        self.items: list[tuple[int, dict[str, Any], str]] = []
        self.item_header: list[str | None] | None = None
        self.current_item: dict[str, Any] | None = None
        self.item_start = 0
        self.item_lines: list[str] = []
        self.connector: str | None = None  # a "Connector name:" line names the connector of all

    def close(self) -> None:
        """The block read so far as rows: its summary, then its items."""
        if self.current_item:
            self.items.append(self._current_item_entry())
        if self.summary is not None:
            if self.connector and not self.summary.get("connector"):
                self.summary["connector"] = self.connector
            text = "\n".join(self.block).strip()
            self.rows.append((self.start, summary_row(self.summary, text)))
            for line, item, item_text in self.items:
                self.rows.append((line, item_row(item, self.summary, item_text)))
        self.summary, self.block, self.items, self.current_item = None, [], [], None

    def _current_item_entry(self) -> tuple[int, dict[str, Any], str]:
        return self.item_start, dict(self.current_item or {}), "\n".join(self.item_lines)

    def line(self, number: int, raw: str) -> None:
        line = raw.strip()
        if not line:
            return
        no_items = NO_ITEMS.search(line)
        if no_items:
            self.close()
            self.item_header = None
            self.rows.append((number, no_items_row(no_items.group(1), line)))
            return
        match = _KEY_VALUE.match(line)
        key, value = (field(match.group(1)), match.group(2)) if match else (None, None)
        if key == "completed":
            self._completed(number, raw, value)
            return
        if key == "connector":
            self.connector = value
        if self.summary is None:
            if key == "connector":
                self.summary, self.start, self.block = {"connector": value}, number, [raw]
            return
        self.block.append(raw)
        if line.lower().rstrip(":").startswith("failed item details"):
            self.item_header = []
        elif self.item_header is not None and not match and "," in line:
            self._item_record(number, raw, line)
        elif key in ITEM_KEYS:
            self._item_field(number, raw, key, value)
        elif key:
            self.summary[key] = value

    def _completed(self, number: int, raw: str, value: str | None) -> None:
        """A "Completed" line: the summary's, if the connector's name came first; else
        the start of the next block."""
        if self.summary is not None and "completed" not in self.summary and not self.items:
            self.summary["completed"] = value
            self.block.append(raw)
            return
        self.close()
        self.item_header = None
        self.summary, self.start, self.block = {"completed": value}, number, [raw]

    def _item_record(self, number: int, raw: str, line: str) -> None:
        """A line of the failed items' CSV table: its header (naming item_id), or an item."""
        cells = next(csv.reader([line]))
        names = [field(c) for c in cells]
        if not self.item_header and "item_id" in names:
            self.item_header = names
        elif self.item_header:
            item = {k: v.strip() for k, v in zip(self.item_header, cells, strict=False) if k}
            self.items.append((number, item, raw))

    def _item_field(self, number: int, raw: str, key: str, value: str | None) -> None:
        """An item's `key: value` line; an item_id, or a key the item has, starts the next."""
        item = self.current_item
        if key == "item_id" or item is None or key in item:
            if item:
                self.items.append(self._current_item_entry())
            item, self.item_start, self.item_lines = {}, number, []
            self.current_item = item
        item[key] = value
        self.item_lines.append(raw)


# -- CSV ----------------------------------------------------------------------------------


def parse_csv(doc: str) -> tuple[list[tuple[int, dict[str, Any]]], list[tuple[int, str, str]]]:
    """The CSV's rows (with their lines), and its records with too few fields (a line cut
    short), to quarantine. A "No items ingested on ..." line stands alone: it is a row."""
    reader = csv.reader(io.StringIO(doc, newline=""))
    try:
        header = [h.replace("\ufeff", "").strip() for h in next(reader)]
    except StopIteration:
        return [], []
    keys = [field(h) for h in header]
    rows: list[tuple[int, dict[str, Any]]] = []
    bad: list[tuple[int, str, str]] = []
    summary: dict[str, Any] = {}
    line = reader.line_num + 1
    for record in reader:
        text = ",".join(record)
        if not any(c.strip() for c in record):
            line = reader.line_num + 1
            continue
        no_items = next((NO_ITEMS.search(c) for c in record if NO_ITEMS.search(c)), None)
        if len(record) < len(header) and not no_items:
            bad.append((line, f"expected {len(header)} fields, found {len(record)}", text[:2000]))
            line = reader.line_num + 1
            continue
        values = {k: v.strip() for k, v in zip(keys, record, strict=False) if k and v.strip()}
        if no_items and not set(values) & set(COUNT_KEYS):
            rows.append((line, no_items_row(no_items.group(1), text)))
        else:
            counts = {k: values[k] for k in ("completed", "connector", *COUNT_KEYS) if k in values}
            if set(counts) & set(COUNT_KEYS):
                summary = counts
                rows.append((line, summary_row(summary, text)))
            elif values.get("completed") and not summary:
                summary = counts
            if values.get("item_id") or values.get("failure_reason"):
                owner = summary
                if values.get("completed") and values["completed"] != summary.get("completed"):
                    owner = {"completed": values["completed"], "connector": values.get("connector")}
                rows.append((line, item_row(values, owner, text)))
        line = reader.line_num + 1
    return rows, bad


class DataConnectorReader:
    name = "data_connector"
    description = (
        "Microsoft Purview data-connector admin log (import summaries and failed items, "
        "key: value text or CSV)"
    )

    def sniff(self, source: Source) -> float:
        if source.is_parquet:
            return 0.0
        head = source.head
        names = {field(n) for n in csv_header(head)}
        if "completed" in names and names & set(COUNT_KEYS):
            return 0.95
        if {"item_id", "failure_reason"} <= names:
            return 0.9
        lines = head.splitlines()[:200]
        keys = {field(m.group(1)) for m in map(_KEY_VALUE.match, lines) if m}
        if "completed" in keys and len(keys & set(COUNT_KEYS)) >= 2:
            return 0.95
        if any(NO_ITEMS.search(line) for line in lines):
            return 0.8
        return 0.0

    def read(self, source: Source) -> ReadResult:
        doc = source.text()
        names = {field(n) for n in csv_header(doc[:65536])}
        bad: list[tuple[int, str, str]] = []
        if ("completed" in names and names & set(COUNT_KEYS)) or {"item_id"} <= names:
            numbered, bad = parse_csv(doc)
        else:
            numbered = parse_text(doc)
        rows = [row for _, row in numbered]
        lines = [line for line, _ in numbered]
        missing = missing_day_rows(rows)
        rows += missing
        lines += [0] * len(missing)
        return result_from_rows(source, self.name, rows, lines, bad)
