"""The one way connlog writes an instant as text: ISO 8601 in UTC with a Z. Standard
library only, so the payload decoder can use it without loading Polars."""

from __future__ import annotations

from datetime import UTC, datetime


def iso_utc(dt: datetime, digits: int = 3, *, always: bool = False) -> str:
    """'2026-03-01T12:00:00Z'; the fraction of a second to `digits` digits (3: ms, 6: µs,
    cut, not rounded) when it is not zero, or `always`. A naive `dt` is taken as UTC."""
    dt = dt.astimezone(UTC) if dt.tzinfo else dt.replace(tzinfo=UTC)
    text = dt.strftime("%Y-%m-%dT%H:%M:%S")
    if always or dt.microsecond:
        text += "." + f"{dt.microsecond:06d}"[:digits]
    return text + "Z"
