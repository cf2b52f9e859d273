"""What the app's thread workers hand back to the UI thread.

A worker never changes the app: it ends a step by posting one of these to the app (posting
is thread-safe), and the app's handler for it, on the UI thread, owns the state it changes.
Frequent ones (a search's matches so far, progress) declare `can_replace`, so a burst
queued while the UI was busy collapses into the newest.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from textual.message import Message

if TYPE_CHECKING:
    from datetime import datetime

    import polars as pl

    from connlog_tui.counts import CountKey, Timeline
    from connlog_tui.logs import Log, Matches
    from connlog_tui.logs.failures import Attempts, Failures
    from connlog_tui.logs.memory import MemoryLog
    from connlog_tui.query import FilterState, QueryResult
    from connlog_tui.triage.compare import Comparison
    from connlog_tui.ui.log_rows import LogRows


class _Replaced(Message):
    """A message that a newer one of its kind, still queued, makes pointless."""

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, type(self))


@dataclass
class PreviewRead(Message):
    """The first rows of the files, shown while the full load runs."""

    frame: pl.DataFrame
    started: float  # time.monotonic() when loading started


@dataclass
class LogLoaded(Message):
    """The files read in full, and the panes' values counted (value -> rows, per facet)."""

    log: MemoryLog
    counts: dict


@dataclass
class LogOpened(Message):
    """A log paged through the seam (an archive) opened, its filters resolved."""

    log: Log
    state: FilterState
    counts: dict


@dataclass
class LoadFailed(Message):
    """The log could not be read: the app exits with this one-line message."""

    error: str


@dataclass
class FoldedReady(Message):
    """The cache's folded copy of the payloads, written after a first load."""

    folded: pl.DataFrame


@dataclass
class FilterResult(Message):
    """A filter run's whole result for `state`: a loaded log's view (`QueryResult`: row
    indices into its frame), or a paged log's matches with `rows`, the table's pages."""

    state: FilterState
    result: QueryResult | Matches
    rows: LogRows | None = None


@dataclass
class SearchProgress(FilterResult):
    """A long search's matches so far: any newer result replaces it."""

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, FilterResult)


@dataclass
class Failed(Message):
    """A background step failed (one line, said as an error toast; the app goes on)."""

    error: str


@dataclass
class ExportProgress(_Replaced):
    """How far an export has got (None: it has ended)."""

    note: str | None


@dataclass
class ExportDone(Message):
    path: str
    written: int


@dataclass
class TriageProgress(_Replaced):
    """The background triage's note for the status bar (None: it has ended)."""

    note: str | None


@dataclass
class Baselines(Message):
    """What each app's working logins use: diagnoses of single rows can start."""

    baseline: pl.DataFrame


@dataclass
class DiagnosesReady(Message):
    """Diagnoses of failing rows, by row id (None: no failures)."""

    diagnoses: pl.DataFrame | None


@dataclass
class AttemptsLinked(Message):
    """The login attempts stitched from the whole log."""

    attempts: pl.DataFrame


@dataclass
class CompareReady(Message):
    """A failure and the working login it is compared with (None: none worked out)."""

    comparison: Comparison | None
    failed: dict | None = None
    working: dict | None = None


@dataclass
class RowsAppended(Message):
    """Rows the followed files gained, their quarantined lines and rotation events."""

    frame: pl.DataFrame
    quarantine: pl.DataFrame
    events: list[str]


@dataclass
class MatchesFound(Message):
    """The rows of the whole log matching what n / N step through, then `step` taken."""

    find: FilterState
    matched: pl.Series
    step: int


@dataclass
class Counted(Message):
    """The count view's values of `key` (posted to the count screen)."""

    key: CountKey
    table: pl.DataFrame


@dataclass
class FailuresTriaged(Message):
    """A paged log's filtered failures (bounded), diagnosed, for the triage screen, and
    their login attempts (None: not stitched)."""

    state: FilterState
    failures: Failures
    attempts: Attempts | None = None


@dataclass
class FailureFound(Message):
    """Where ] / [ found the next failure of a paged log's view (None: none within reach)."""

    position: int | None
    wrapped: bool


@dataclass
class Running(Message):
    """A query on a paged log started (`since`: time.monotonic()) or ended (None)."""

    what: str
    since: float | None


@dataclass
class CountFailed(Message):
    """The count view's values could not be read (one line, shown in its title)."""

    error: str


@dataclass
class JumpFound(Message):
    """Where `:` found the row nearest the time asked for, on a paged log."""

    position: int


@dataclass
class MatchFound(Message):
    """Where n / N (or } / {) found the next row on a paged log: its position in the view
    of `state` (None: no row of it matches); `what` names what was looked for."""

    state: FilterState
    position: int | None
    what: str


@dataclass
class MarksFound(Message):
    """A paged log's marked rows (marks.Marks.find's columns), found through the seam."""

    found: pl.DataFrame


@dataclass
class TimelineReady(Message):
    """A paged log's timeline, and the cursor row's time to mark on it."""

    line: Timeline
    cursor_time: datetime | None
