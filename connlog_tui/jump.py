"""Moving the cursor without filtering: to a time, to the next row matching a search, to
the next marked row. Pure: positions in a view (row indices into the frame, in the
order shown), so the app, the tests and any front end ask the same questions."""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import polars as pl

from connlog_tui import timezones as tz
from connlog_tui.errors import ConnlogError

_OFFSET = re.compile(r"(?i)^([+-])\s*(\d+)\s*([smhdw])$")
_CLOCK = re.compile(r"^(\d{1,2}):(\d{2})(?::(\d{2}))?$")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


EARLIEST = datetime.min.replace(tzinfo=UTC)


def jump_target(text: str, anchor: datetime, zone: str = "UTC") -> datetime:
    """The time a jump prompt asks for, in UTC: `-15m` / `+2h` from `anchor` (the
    cursor's row), `09:14` on the anchor's day in the display zone, or any date the
    filters take (`2026-03-09 09:14`, read in the display zone). ConnlogError if none."""
    given = text.strip()
    if match := _OFFSET.match(given):
        delta = timedelta(**{_UNITS[match[3].lower()]: int(match[2])})
        return anchor - delta if match[1] == "-" else anchor + delta
    if match := _CLOCK.match(given):
        hour, minute, second = int(match[1]), int(match[2]), int(match[3] or 0)
        if hour > 23 or minute > 59 or second > 59:
            raise ConnlogError(f"not a time of day: {given!r}")
        local = tz.to_zone(anchor, zone)
        wall = local.replace(hour=hour, minute=minute, second=second, microsecond=0)
        return wall.astimezone(anchor.tzinfo)
    try:
        return tz.parse_in_zone(given, zone)
    except ConnlogError:
        raise ConnlogError(
            f"cannot read the time {given!r} (try 09:14, 2026-03-09 09:14 or -15m)"
        ) from None


def nearest(frame: pl.DataFrame, indices: pl.Series, when: datetime) -> int | None:
    """The position in the view of the row nearest in time to `when` (the first of
    equals); None for an empty view. Any sort order: the view is not assumed sorted."""
    if indices.is_empty():
        return None
    times = frame["time"].gather(indices)
    return (times - when).abs().arg_min()


def nearest_in_order(
    count: int,
    time_at: Callable[[int], datetime | None],
    when: datetime,
    descending: bool = False,
) -> int | None:
    """The position of the row nearest in time to `when` in a view of `count` rows in time
    order (newest first if `descending`) that is not held in memory: found by bisection,
    asking `time_at` for about log2(count) rows. A row without a time counts as earliest."""
    if count == 0:
        return None

    def time_of(at: int) -> datetime:
        found = time_at(count - 1 - at if descending else at)
        return found if found is not None else EARLIEST

    after = bisect.bisect_left(range(count), when, key=time_of)  # first at or after `when`
    either = [at for at in (after - 1, after) if 0 <= at < count]
    best = min(either, key=lambda at: abs(time_of(at) - when))
    return count - 1 - best if descending else best


def next_position(
    indices: pl.Series, matches: pl.Series, current: int | None, step: int = 1
) -> int | None:
    """The position of the next (`step` 1) or previous (-1) row of the view that is in
    `matches` (frame row indices), after or before position `current`, wrapping round;
    None when no row of the view matches."""
    positions = indices.is_in(matches.implode()).arg_true()
    if positions.is_empty():
        return None
    if current is None:
        return int(positions[0] if step > 0 else positions[-1])
    if step > 0:
        later = positions.filter(positions > current)
        return int(later[0] if later.len() else positions[0])
    earlier = positions.filter(positions < current)
    return int(earlier[-1] if earlier.len() else positions[-1])
