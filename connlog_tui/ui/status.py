"""The status bar: one model of what it says (`Status`) and the one function that writes
its line (`status_line`), with the active filters fitted to the width left: every filter
is named, or, where they do not all fit, the ones that do are named and the rest counted.
Nothing here needs Textual: the app holds a Status in a reactive and renders it on change."""

from __future__ import annotations

from dataclasses import dataclass

from rich.cells import cell_len

from connlog_tui.query import FACET_TITLES, FilterState
from connlog_tui.textsafe import escape_controls, one_line
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


@dataclass(frozen=True)
class Loading:
    """A load under way, the preview shown: what the status bar says instead of counts."""

    megabytes: float  # the files' size
    seconds: float  # since loading started
    shown: int  # rows of the preview shown
    estimate: int  # rows in all, estimated from the preview's bytes per row


@dataclass(frozen=True)
class Status:
    """Everything the status bar says, as data. `shown` None: no result yet."""

    shown: int | None = None  # rows of the view (so far, while a search runs)
    total: int = 0  # rows of the log
    complete: bool = True  # False: a search's matches so far
    busy: bool = False  # a newer filter run has been going a while: the counts are older
    searching: bool = False  # the filters include a text search
    loading: Loading | None = None
    pane_note: str | None = None  # the value under a filter pane's cursor, whole
    search_error: str | None = None  # an invalid regex in the search box: said first
    lean: bool = False  # payloads read from disk as shown
    paged: str | None = None  # the kind of log paged through the seam (an archive)
    quarantined: int = 0
    skipped: int = 0  # files of a folder left out
    zone: str | None = None  # the display zone's label, when not UTC
    export_note: str | None = None
    analysis_note: str | None = None
    follow: str | None = None  # None: not following; else what happened to the files
    find: str | None = None  # what n / N step through (and how many rows hold it)
    marks: str | None = None  # what marks cannot do on this log (a paged one), said
    sort: str | None = None  # the sort's label, when not by time ascending
    filters: tuple[str, ...] = ()  # each filter in words
    short_filters: tuple[str, ...] = ()  # the same, short (see short_forms)
    # What runs on a paged log, and for how long ("counting… 3 s"), said first.
    running: str | None = None


def status_line(status: Status, width: int) -> str | None:
    """The status bar's one line for a terminal `width` cells wide (None: nothing to say
    yet). Counts come first, then the filters in the room the notes leave (or most of it),
    then the notes, which are cut off first when the line is full."""
    if status.shown is None:
        return None
    shown, total = status.shown, status.total
    parts = [f"{shown:,} of {total:,} rows"]
    if not status.complete:
        parts = [f"searching… {shown:,} of {total:,} rows so far"]
    elif status.busy and not status.running:  # the count is still the previous filters'
        parts.insert(0, "searching…" if status.searching else "filtering…")
    if status.loading is not None:
        loading = status.loading
        parts = [
            f"Loading {loading.megabytes:,.0f} MB… {loading.seconds:.1f} s",
            f"first {loading.shown:,} rows shown",
            f"≈{loading.estimate:,} rows in all (estimated)",
        ]
    if status.running:
        parts.insert(0, status.running)
    if status.pane_note:
        parts.insert(0, status.pane_note)
    if status.search_error:
        parts.insert(0, status.search_error)
    notes = _notes(status)
    room = max(0, width - 2) - cell_len(" · ".join(parts)) - 3
    room = max(room - cell_len(" · ".join(notes)) - 3, min(room, 40))
    filters = fit_filters(list(status.filters), list(status.short_filters), room)
    return escape_controls(" · ".join([*parts, filters, *notes]))


def _notes(status: Status) -> list[str]:
    notes = []
    if status.lean:
        notes.append("lean: payloads on disk")
    if status.paged:
        notes.append(f"{status.paged}: rows read as shown")
    if status.quarantined:
        notes.append(f"{status.quarantined:,} quarantined (b lists)")
    if status.skipped:
        notes.append(f"{status.skipped} file{'s' * (status.skipped != 1)} skipped (b lists)")
    if status.zone:
        notes.append(f"times in {status.zone}")
    notes += [note for note in (status.export_note, status.analysis_note) if note]
    if status.follow is not None:
        notes.append(f"following{' · ' + status.follow if status.follow else ''}")
    if status.find:
        notes.append(f"n/N: {status.find}")
    if status.marks:
        notes.append(status.marks)
    if status.sort:
        notes.append(f"sorted by {status.sort}")
    return notes
