"""Filter state as data, and the pure functions that turn it into Polars expressions,
the matching rows and the facet counts. No UI here: the app, the CLI and the tests all
ask these functions the same questions.

A view is a list of row indices into the loaded frame, not a copy of the rows: payload
columns are only touched for the rows on screen, for text search and for export.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import TypedDict, cast

import polars as pl

from connlog_tui.errors import ConnlogError
from connlog_tui.payloads import PayloadStore
from connlog_tui.query_masks import (
    Masks,
    Part,
    combined,
    facet_counts,
    indices,
    numbered_mask,
    part,
)
from connlog_tui.schema import COLUMNS, ROW_ID, TEXT_COLUMNS, USER_KEY
from connlog_tui.textsearch import (
    category_values,
    regex_filter,
    search_filter,
    search_pattern,
    with_folded,
)

# Columns with a pick-list filter pane, in pane order (a pane is shown only when the log
# has values in its column: a format without client IPs has no IP pane).
FACETS: tuple[str, ...] = ("action", "outcome", "app", "request_type", "source", "ip")
# What a picked column is called in the status bar and a filter's description: the
# registry's header for every facet column (schema.COLUMNS), and the triage groups' reason.
FACET_TITLES = {c.name: c.header for c in COLUMNS if c.facet}
FACET_TITLES["failure_reason"] = FACET_TITLES["reason"]


QUICK_RANGES: dict[str, timedelta] = {
    "1h": timedelta(hours=1),
    "24h": timedelta(hours=24),
    "7d": timedelta(days=7),
}


@dataclass(frozen=True)
class FilterState:
    """Everything that decides which rows are shown. Empty means "no condition"."""

    picked: Mapping[str, frozenset[str]] = field(default_factory=dict)
    user: str = ""
    since: datetime | None = None
    until: datetime | None = None
    search: str = ""
    # Hidden values per facet column: a row shows when its value is picked (or nothing
    # is picked in that column) AND is not excluded.
    excluded: Mapping[str, frozenset[str]] = field(default_factory=dict)
    exclude_user: str = ""  # hide users holding this text (as `user` matches)
    exclude_search: str = ""  # hide rows holding this text anywhere (as `search` matches)
    regex: str = ""  # a regular expression anywhere in a row (see `regex_pattern`)

    def with_picked(self, column: str, values: Iterable[str]) -> FilterState:
        picked = dict(self.picked)
        picked[column] = frozenset(values)
        return replace(self, picked={k: v for k, v in picked.items() if v})

    def with_excluded(self, column: str, values: Iterable[str]) -> FilterState:
        excluded = dict(self.excluded)
        excluded[column] = frozenset(values)
        return replace(self, excluded={k: v for k, v in excluded.items() if v})

    @property
    def searches(self) -> bool:
        """Whether a condition scans the text columns (a literal, negated or regex search)."""
        return bool(self.search or self.exclude_search or self.regex)

    @property
    def is_empty(self) -> bool:
        return not (
            self.picked
            or self.user
            or self.since
            or self.until
            or self.excluded
            or self.exclude_user
            or self.searches
        )

    def describe(self) -> list[str]:
        """One short phrase per active condition, for the status bar and export headers."""
        parts = [
            f"{FACET_TITLES.get(col, col)}={'|'.join(sorted(vals))}"
            for col, vals in self.picked.items()
        ]
        parts += [
            f"{FACET_TITLES.get(col, col)} ≠ {'|'.join(sorted(vals))}"
            for col, vals in self.excluded.items()
        ]
        if self.user:
            parts.append(f"user~{self.user}")
        if self.exclude_user:
            parts.append(f"user !~ {self.exclude_user}")
        if self.since:
            parts.append(f"since {self.since:%Y-%m-%d %H:%M:%S}Z")
        if self.until:
            parts.append(f"until {self.until:%Y-%m-%d %H:%M:%S}Z")
        if self.search:
            parts.append(f"search {self.search!r}")
        if self.exclude_search:
            parts.append(f"not search {self.exclude_search!r}")
        if self.regex:
            parts.append(f"regex {self.regex!r}")
        return parts


REGEX_PREFIX = "re:"
NEGATION_PREFIX = "!"


class SearchFields(TypedDict):
    """The FilterState fields the search box sets."""

    search: str
    exclude_search: str
    regex: str


def parse_search(text: str) -> SearchFields:
    """A search box's text as FilterState fields: `re:PATTERN` is a regex search,
    `!TEXT` hides the rows holding TEXT, anything else a literal search. (A literal
    search for text starting with `!` or `re:` needs the regex: `re:\\!x`.)"""
    if text.startswith(REGEX_PREFIX):
        return {"search": "", "exclude_search": "", "regex": text[len(REGEX_PREFIX) :]}
    if text.startswith(NEGATION_PREFIX) and len(text) > 1:
        return {"search": "", "exclude_search": text[1:], "regex": ""}
    return {"search": text, "exclude_search": "", "regex": ""}


def search_text(state: FilterState) -> str:
    """The search box's text for a state (parse_search's inverse): its regex, else its
    negated search, else its literal search."""
    if state.regex:
        return REGEX_PREFIX + state.regex
    if state.exclude_search:
        return NEGATION_PREFIX + state.exclude_search
    return state.search


def regex_pattern(pattern: str) -> str:
    """A user's regex (Rust syntax, as Polars runs it) made case-insensitive unless it
    says otherwise (`(?-i)` inside it wins). ConnlogError with the engine's one-line
    reason when it is not a valid pattern, so no query fails half way."""
    full = "(?i)" + pattern
    try:
        pl.Series([""], dtype=pl.String).str.contains(full)
    except pl.exceptions.PolarsError as exc:
        lines = [ln.strip() for ln in str(exc).splitlines() if ln.strip().startswith("error:")]
        reason = lines[0].removeprefix("error:").strip() if lines else "not a valid pattern"
        raise ConnlogError(f"invalid regex {pattern!r}: {reason}") from None
    return full


def resolve_values(frame: pl.DataFrame, column: str, wanted: Iterable[str]) -> frozenset[str]:
    """The values of a column that match `wanted` exactly but for case (CLI filters)."""
    lowered = {w.strip().lower() for w in wanted}
    present = frame[column].unique().drop_nulls().cast(pl.String)
    return frozenset(v for v in present if v.lower() in lowered) or frozenset(lowered)


def pick_expr(column: str, values: frozenset[str]) -> pl.Expr:
    # Categorical columns compare as they are: casting to text first costs ~10x more.
    return pl.col(column).is_in(sorted(values))


def exclude_expr(column: str, values: frozenset[str]) -> pl.Expr:
    """Rows whose value is not among `values` (a row without a value is kept)."""
    return pl.col(column).is_in(sorted(values)).fill_null(False).not_()


def facet_expr(state: FilterState, column: str) -> pl.Expr | None:
    """A facet column's own condition: picked AND NOT excluded (None: neither)."""
    conds = []
    if state.picked.get(column):
        conds.append(pick_expr(column, state.picked[column]))
    if state.excluded.get(column):
        conds.append(exclude_expr(column, state.excluded[column]))
    return pl.all_horizontal(conds) if conds else None


def facet_columns(state: FilterState) -> list[str]:
    """The columns with a pick or an exclusion, picks' order first."""
    return list(dict.fromkeys([*state.picked, *state.excluded]))


def time_expr(state: FilterState) -> pl.Expr | None:
    conds = []
    if state.since:
        conds.append(pl.col("time") >= state.since)
    if state.until:
        conds.append(pl.col("time") <= state.until)
    return pl.all_horizontal(conds) if conds else None


def user_expr(text: str, frame: pl.DataFrame | None = None) -> pl.Expr | None:
    """Matches the pre-normalised user column, so case and stray spaces don't matter. A
    loaded frame's keys are categorical: the substring is matched against its distinct
    users once, not row by row."""
    needle = text.strip().lower()
    if not needle:
        return None
    if frame is not None and isinstance(frame.schema.get(USER_KEY), pl.Categorical):
        users = category_values(frame.schema[USER_KEY])
        hits = users.filter(users.str.contains(needle, literal=True))
        return pl.col(USER_KEY).is_in(hits.implode(), nulls_equal=False)
    return pl.col(USER_KEY).cast(pl.String).str.contains(needle, literal=True)


def not_user_expr(text: str, frame: pl.DataFrame | None = None) -> pl.Expr | None:
    """The rows `user_expr(text)` would not keep (a row without a user is kept)."""
    matched = user_expr(text, frame)
    return None if matched is None else matched.fill_null(False).not_()


def search_expr(text: str, columns: Iterable[str] = TEXT_COLUMNS) -> pl.Expr | None:
    """Case-insensitive literal substring in any text column, payloads included."""
    if not text:
        return None
    pattern = search_pattern(text)
    return pl.any_horizontal(
        pl.col(c).cast(pl.String).str.contains(pattern).fill_null(False) for c in columns
    )


def regex_expr(pattern: str, columns: Iterable[str] = TEXT_COLUMNS) -> pl.Expr | None:
    """The regex (see `regex_pattern`) found in any text column, payloads included."""
    if not pattern:
        return None
    full = regex_pattern(pattern)
    return pl.any_horizontal(
        pl.col(c).cast(pl.String).str.contains(full).fill_null(False) for c in columns
    )


def text_exprs(state: FilterState) -> list[pl.Expr]:
    """The text conditions as expressions: search, negated search, regex."""
    negated = search_expr(state.exclude_search)
    conds = [search_expr(state.search), None if negated is None else negated.not_()]
    return [c for c in (*conds, regex_expr(state.regex)) if c is not None]


def _text_filter(
    frame: pl.DataFrame,
    rows: pl.DataFrame,
    state: FilterState,
    payloads: PayloadStore | None,
    stale: Callable[[], bool] | None,
    report: Callable[[pl.Expr], None] | None,
) -> pl.Expr:
    """The state's text conditions (search AND regex AND NOT negated search) as one
    condition on row numbers. Matches so far are reported only for a lone positive
    search (a partial negated search would show rows it is about to hide)."""
    alone = None if state.exclude_search or (state.search and state.regex) else report
    conds = []
    if state.search:
        conds.append(search_filter(frame, rows, state.search, payloads, stale, alone))
    if state.regex:
        pattern = regex_pattern(state.regex)
        conds.append(regex_filter(frame, rows, pattern, payloads, stale, alone))
    if state.exclude_search:
        hidden = search_filter(frame, rows, state.exclude_search, payloads, stale)
        conds.append(hidden.fill_null(False).not_())
    return pl.all_horizontal(conds)


def cheap_expr(state: FilterState, skip: str | None = None) -> pl.Expr | None:
    """All conditions but the text searches, optionally leaving one facet out."""
    conds = [facet_expr(state, col) for col in facet_columns(state) if col != skip]
    conds += [time_expr(state), user_expr(state.user), not_user_expr(state.exclude_user)]
    conds = [e for e in conds if e is not None]
    return pl.all_horizontal(conds) if conds else None


@dataclass(frozen=True)
class QueryResult:
    """The rows a filter state selects (indices into the frame) and the facet counts.
    `complete` is False for a search's matches so far, reported while it scans."""

    indices: pl.Series
    facets: dict[str, dict[str, int]]
    total: int
    complete: bool = True

    @property
    def count(self) -> int:
        return self.indices.len()


def run(
    frame: pl.DataFrame,
    state: FilterState,
    facets: Iterable[str] = FACETS,
    payloads: PayloadStore | None = None,
    stale: Callable[[], bool] | None = None,
    partial: Callable[[QueryResult], None] | None = None,
    folded: pl.DataFrame | None = None,
    masks: Masks | None = None,
) -> QueryResult:
    """Evaluate a filter state: matching row indices, and for each facet column the counts
    of its values under all the *other* conditions (so a pane shows what picking a value
    would give). Each condition is a mask over the rows, computed once; the result is
    their AND, and the panes are counted from them (see query_masks).
    `payloads`: a lean load's store, whose payloads the text search reads from disk.
    `stale`: asked during a text search; when it says True, the search stops and raises
    `Stale` (the app's check: has a newer filter state replaced this one?).
    `partial`: given, while a long text search runs, its matching rows so far (the
    newest rows are searched first; no facet counts), textsearch.PARTIAL_EVERY seconds in and
    then at doubling gaps.
    `folded`: a reopened log's payloads with ASCII lower-cased (ReadResult.folded),
    which a text search scans in their place (see `with_folded`).
    `masks`: the masks and counts kept from earlier runs on this frame, reused for the
    conditions that did not change (and given this run's); without it all are computed."""
    facets = [f for f in facets if f in frame.columns]
    if state.regex:
        regex_pattern(state.regex)  # an invalid pattern fails here, before any scan
    masks = masks if masks is not None else Masks()
    base = _base_parts(frame, state, masks)
    parts = base + _facet_parts(frame, state, masks)
    if state.searches:
        scan = _Scan(payloads, stale, partial, folded)
        parts.append(_text_part(frame, state, base, parts, masks, scan))
    found = indices(frame.height, combined(parts))
    counts = facet_counts(frame, parts, facets, masks)
    return QueryResult(indices=found, facets=counts, total=frame.height)


def _base_parts(frame: pl.DataFrame, state: FilterState, masks: Masks) -> list[Part]:
    """The conditions a text search is narrowed by: the date range and the user texts."""
    since, until, user, hidden = state.since, state.until, state.user, state.exclude_user
    return [
        *part(frame, masks, ("time", since, until), time_expr(state)),
        *part(frame, masks, ("user", user), user_expr(user, frame)),
        *part(frame, masks, ("not_user", hidden), not_user_expr(hidden, frame)),
    ]


def _facet_parts(frame: pl.DataFrame, state: FilterState, masks: Masks) -> list[Part]:
    """Each facet column's picks and exclusions, one part a column."""
    parts = []
    for col in facet_columns(state):
        key = ("facet", col, state.picked.get(col), state.excluded.get(col))
        parts += part(frame, masks, key, facet_expr(state, col), facet=col)
    return parts


@dataclass(frozen=True)
class _Scan:
    """What a text search scans with (see `run`)."""

    payloads: PayloadStore | None
    stale: Callable[[], bool] | None
    partial: Callable[[QueryResult], None] | None
    folded: pl.DataFrame | None


def _text_part(
    frame: pl.DataFrame,
    state: FilterState,
    base: list[Part],
    parts: list[Part],
    masks: Masks,
    scan: _Scan,
) -> Part:
    """The text conditions' part. The search reads only the rows the base parts keep (so
    its mask holds for those rows: it is always ANDed with them), and its key names them;
    a search kept in `masks` is not scanned again when only the picks change."""
    key = ("text", state.search, state.exclude_search, state.regex, frozenset(p.key for p in base))

    def make() -> pl.Series:
        searched = frame
        if (state.search or state.exclude_search) and scan.folded is not None:
            searched = with_folded(frame, scan.folded)
        rows, narrowed = searched, combined(base)
        if narrowed is not None:  # the text search reads only the rows these keep
            rows = searched.with_row_index("_i").filter(narrowed)
        others = combined(parts)

        def report(matched: pl.Expr) -> None:
            # The rows only: facet counts come with the whole result.
            if scan.partial is not None:  # only handed on when it is
                so_far = numbered_mask(frame, matched)
                keep = so_far if others is None else so_far & others
                result = QueryResult(indices(frame.height, keep), {}, frame.height, False)
                scan.partial(result)

        given = report if scan.partial is not None else None
        matched = _text_filter(searched, rows, state, scan.payloads, scan.stale, given)
        return numbered_mask(frame, matched)

    return Part(key, masks.mask(frame, key, make))


def quick_range(frame: pl.DataFrame, name: str) -> tuple[datetime, datetime]:
    """A quick date range (`1h`, `24h`, `7d`) counted back from the newest event."""
    newest = cast("datetime | None", frame["time"].max() if frame.height else None)
    if newest is None:
        raise ValueError("no events")
    return newest - QUICK_RANGES[name], newest


def sort_indices(
    frame: pl.DataFrame, indices: pl.Series, column: str | None, descending: bool = False
) -> pl.Series:
    """The view's row indices ordered by a column (stable: time order breaks ties).
    No column means time order, the order rows are loaded in."""
    if column is None or column == "time":
        return indices.sort(descending=descending)
    keys = frame.select(pl.col(column).cast(pl.String).gather(indices).alias("k"))
    order = keys.with_row_index("p").sort(
        "k", descending=descending, nulls_last=True, maintain_order=True
    )
    return indices.gather(order["p"])


def position_of(indices: pl.Series, row: int) -> int | None:
    """Where a frame row sits in a view, if it is in it."""
    hits = (indices == row).arg_true()
    return int(hits[0]) if len(hits) else None


def rows(frame: pl.DataFrame, indices: pl.Series, start: int, length: int) -> pl.DataFrame:
    """A page of the view: only these rows' cells are materialised."""
    return frame[indices.slice(start, length)]


def view_frame(frame: pl.DataFrame, indices: pl.Series) -> pl.DataFrame:
    """The whole view as a frame (for export), without the derived columns."""
    return frame.drop(ROW_ID, USER_KEY, strict=False)[indices]  # gathers only what it keeps


def build_state(
    frame: pl.DataFrame,
    picked: Mapping[str, Iterable[str]] | None = None,
    *,
    user: str = "",
    since: datetime | None = None,
    until: datetime | None = None,
    search: str = "",
    excluded: Mapping[str, Iterable[str]] | None = None,
    exclude_user: str = "",
    exclude_search: str = "",
    regex: str = "",
) -> FilterState:
    """A filter state from command-line style options: picked and excluded values match
    the frame's values exactly but for case. ConnlogError for an invalid regex."""
    if regex:
        regex_pattern(regex)
    state = FilterState(
        user=user or "",
        since=since,
        until=until,
        search=search or "",
        exclude_user=exclude_user or "",
        exclude_search=exclude_search or "",
        regex=regex or "",
    )
    for column, wanted in (picked or {}).items():
        wanted = list(wanted or ())
        if wanted:
            state = state.with_picked(column, resolve_values(frame, column, wanted))
    for column, unwanted in (excluded or {}).items():
        unwanted = list(unwanted or ())
        if unwanted:
            state = state.with_excluded(column, resolve_values(frame, column, unwanted))
    return state


def resolve_state(frame: pl.DataFrame, state: FilterState) -> FilterState:
    """`state` (a saved view's, the preview's) with its picked and excluded values
    matched against this frame's values, as `build_state` matches the CLI's."""
    return build_state(
        frame,
        state.picked,
        user=state.user,
        since=state.since,
        until=state.until,
        search=state.search,
        excluded=state.excluded,
        exclude_user=state.exclude_user,
        exclude_search=state.exclude_search,
        regex=state.regex,
    )
