"""Times in payloads: parsed, and shown as ISO 8601 UTC with a Z (connlog_tui.isotime);
spans of time in words."""

from __future__ import annotations

from datetime import UTC, datetime

from connlog_tui.isotime import iso_utc  # milliseconds only when the source had them


def parse_iso(value: str | None) -> datetime | None:
    """Parse an xs:dateTime / ISO 8601 string to an aware UTC datetime, or None."""
    if not value:
        return None
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    # fromisoformat accepts at most 6 fraction digits; some IdPs send 7 (.NET ticks).
    if "." in text:
        head, _, rest = text.partition(".")
        digits = len(rest) - len(rest.lstrip("0123456789"))
        text = head + "." + rest[:digits][:6].ljust(6, "0") + rest[digits:]
    try:
        dt = datetime.fromisoformat(text)
    except ValueError:
        return None
    return dt.astimezone(UTC) if dt.tzinfo else dt.replace(tzinfo=UTC)


def display_time(value: str | None) -> str | None:
    """Normalise an XML time for display; keep the original text if it does not parse."""
    dt = parse_iso(value)
    if dt is not None:
        return iso_utc(dt)
    return value.strip() if value else None


def epoch_to_iso(value: object) -> str | None:
    """JWT NumericDate (seconds since the epoch) to display form, None if not a date."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    try:
        return iso_utc(datetime.fromtimestamp(value, UTC))
    except (OverflowError, OSError, ValueError):
        return None


def span(seconds: float) -> str:
    """A length of time (not negative) in the unit a person reads it in: 40 s, 12 min,
    3.5 h, 9 days."""
    if seconds < 90:
        return f"{round(seconds)} s"
    if seconds < 90 * 60:
        return f"{round(seconds / 60)} min"
    if seconds < 48 * 3600:
        return f"{seconds / 3600:.1f} h"
    return f"{round(seconds / 86400)} days"
