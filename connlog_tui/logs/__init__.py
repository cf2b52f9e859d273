"""The log seam (see base.py): one interface between the front ends and where rows live."""

from connlog_tui.logs.base import (
    PAGE_COLUMNS,
    TIME_ORDER,
    ExportOptions,
    Find,
    Log,
    LogInfo,
    Matches,
    Sort,
    resolve_state,
)

__all__ = [
    "PAGE_COLUMNS",
    "TIME_ORDER",
    "ExportOptions",
    "Find",
    "Log",
    "LogInfo",
    "Matches",
    "Sort",
    "resolve_state",
]
