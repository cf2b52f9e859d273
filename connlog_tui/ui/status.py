"""The status bar's account of the active filters, fitted to its width: every filter is
named, or, where they do not all fit, the ones that do are named and the rest counted."""

from __future__ import annotations

from rich.cells import cell_len

from connlog_tui.query import FACET_TITLES, FilterState
from connlog_tui.textsafe import one_line
from connlog_tui.ui.cells import cut_middle

SEPARATOR = "; "
VALUE_CELLS = 24  # a picked value in the short form, at most
PHRASE_CELLS = 32  # any other condition in the short form, at most


def short_forms(state: FilterState, dates: str) -> list[str]:
    """One short phrase per condition, in the order of FilterState.describe (plus the
    dates): a pick names its first value and counts the others."""
    shorts = [_short_pick(column, values) for column, values in state.picked.items()]
    others = FilterState(user=state.user, search=state.search).describe()
    return shorts + [cut_middle(p, PHRASE_CELLS) for p in [*others, *([dates] if dates else [])]]


def _short_pick(column: str, values: frozenset[str]) -> str:
    first, *rest = sorted(values)
    more = f"+{len(rest)}" if rest else ""
    return f"{FACET_TITLES.get(column, column)}={cut_middle(one_line(first), VALUE_CELLS)}{more}"


def fit_filters(full: list[str], short: list[str], width: int) -> str:
    """The filters in at most `width` cells: all in full if they fit, else in their short
    forms, as many as fit followed by "+N more" for the others."""
    if not full:
        return "no filters"
    whole = SEPARATOR.join(full)
    if cell_len(whole) <= width:
        return whole
    if cell_len(SEPARATOR.join(short)) <= width:
        return SEPARATOR.join(short)
    shown: list[str] = []
    for i, phrase in enumerate(short):
        more = f" +{len(short) - i - 1} more" if i < len(short) - 1 else ""
        if cell_len(SEPARATOR.join([*shown, phrase]) + more) > width:
            break
        shown.append(phrase)
    rest = len(short) - len(shown)
    if not shown:
        return f"{len(short)} filters"
    return SEPARATOR.join(shown) + (f" +{rest} more" if rest else "")
