"""Display zones: timestamps are stored in UTC and shown in UTC, the local zone or a
configured IANA zone. Date-range filters typed by the user are read in the display zone.

A zone is a string: "UTC", "local" (the machine's zone, daylight saving included) or an
IANA name such as "Europe/Berlin" (checked with `config.check_zone`).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, tzinfo
from zoneinfo import ZoneInfo

from connlog_tui.timeparse import parse_when

UTC_ZONE = "UTC"
LOCAL_ZONE = "local"
DEFAULT_FORMAT = "%Y-%m-%d %H:%M:%S"

# Text that names its own instant: an explicit offset or Z after a time, or epoch seconds.
_ABSOLUTE = re.compile(
    r"(?i)(\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?\s*(Z|UTC|GMT|[+-]\d{2}:?\d{2})(\s*UTC)?$)"
    r"|(^\d{9,14}(\.\d+)?$)"
)
_RELATIVE = re.compile(r"(?i)^\d+\s*[mhdw]$")


def zone_info(zone: str) -> tzinfo | None:
    """The tzinfo for a zone name; None for "local" (Python's own local-time conversion
    handles daylight saving per instant, which a fixed tzinfo would not)."""
    if zone == LOCAL_ZONE:
        return None
    if zone.upper() == UTC_ZONE:
        return UTC
    return ZoneInfo(zone)


def cycle(current: str, configured: str | None = None) -> str:
    """The next display zone for the `z` key: UTC -> local -> configured -> UTC.

    The configured zone is skipped when it is missing or is UTC or local already; an
    unknown `current` starts the cycle again at UTC."""
    order = [UTC_ZONE, LOCAL_ZONE]
    if configured and configured not in order:
        order.append(configured)
    try:
        return order[(order.index(current) + 1) % len(order)]
    except ValueError:
        return UTC_ZONE


def to_zone(dt: datetime, zone: str) -> datetime:
    """An instant as wall-clock time in `zone` (aware). Naive input is taken as UTC."""
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    info = zone_info(zone)
    return dt.astimezone() if info is None else dt.astimezone(info)


def format_time(dt: datetime | None, zone: str, fmt: str = DEFAULT_FORMAT) -> str:
    """A timestamp shown in the display zone with a strftime format ("" for None)."""
    if dt is None:
        return ""
    return to_zone(dt, zone).strftime(fmt)


def label(zone: str, at: datetime | None = None) -> str:
    """A short name for the status bar: "UTC", "local CET", "Europe/Berlin". No
    brackets of its own: it is put in brackets ("Date (local CET)")."""
    if zone == LOCAL_ZONE:
        now = (at or datetime.now(UTC)).astimezone()
        return f"local {now.tzname() or now.strftime('%z')}"
    return zone


def parse_in_zone(
    text: str, zone: str, *, end: bool = False, now: datetime | None = None
) -> datetime:
    """A date typed in a filter, read as wall-clock time in the display zone; returns UTC.

    Text that carries its own offset (`Z`, `+01:00`) or is an epoch number keeps its
    instant; relative times (`24h`, `7d`) count back from `now` whatever the zone. A date
    alone is the whole day in the zone: its start, or its last microsecond with `end`.
    Raises ConnlogError for text that is not a date.
    """
    stripped = text.strip()
    parsed = parse_when(stripped, end=end, now=now)
    if _RELATIVE.match(stripped) or _ABSOLUTE.search(stripped):
        return parsed
    wall = parsed.replace(tzinfo=None)
    info = zone_info(zone)
    # Naive .astimezone() reads the wall clock in the machine's zone.
    local = wall.astimezone() if info is None else wall.replace(tzinfo=info)
    return local.astimezone(UTC)


def describe(
    since: datetime | None, until: datetime | None, zone: str, fmt: str = DEFAULT_FORMAT
) -> str:
    """The date range in words, saying which zone it is in ("" when there is none)."""
    parts = []
    if since:
        parts.append(f"since {format_time(since, zone, fmt)}")
    if until:
        parts.append(f"until {format_time(until, zone, fmt)}")
    return f"{' '.join(parts)} ({label(zone)})" if parts else ""
