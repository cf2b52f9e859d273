"""Filter state as data, and the pure functions that turn it into Polars expressions,
the matching rows and the facet counts. No UI here: the app, the CLI and the tests all
ask these functions the same questions.

A view is a list of row indices into the loaded frame, not a copy of the rows: payload
columns are only touched for the rows on screen, for text search and for export.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, TypedDict, cast

import polars as pl

from connlog_tui.errors import ConnlogError, Stale
from connlog_tui.payloads import (
    PAYLOADS,
    POS,
    STALE_CHECK_ROWS,
    PayloadStore,
    fold,
    release_pages,
)
from connlog_tui.schema import COLUMNS, ROW_ID, TEXT_COLUMNS, USER_KEY

if TYPE_CHECKING:
    from polars._typing import EngineType

# Columns with a pick-list filter pane, in pane order.
FACETS: tuple[str, ...] = ("action", "outcome", "app", "request_type", "source")
# What a picked column is called in the status bar and a filter's description: the
# registry's header for every facet column (schema.COLUMNS), and the triage groups' reason.
FACET_TITLES = {c.name: c.header for c in COLUMNS if c.facet}
FACET_TITLES["failure_reason"] = FACET_TITLES["reason"]

# A long text search first reports its matches so far after this many seconds (a search
# that ends sooner shows only its result), then after twice as long each time: each
# report redraws the table (in lean mode reading its rows' payloads) on cores the search
# is using (every 0.25 s, a 1M-row lean search in the app took ~40% longer).
PARTIAL_EVERY = 0.25

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


def category_values(dtype: pl.DataType) -> pl.Series:
    """Every value a categorical (or enum) column may hold, without scanning it: its
    category pool (a superset: other columns sharing the pool add theirs)."""
    if isinstance(dtype, pl.Enum):
        return dtype.categories
    if isinstance(dtype, pl.Categorical):
        return dtype.categories.to_series()
    raise TypeError(f"not a categorical or enum type: {dtype}")


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


def search_pattern(text: str) -> str:
    # A case-insensitive regex of the escaped text: the regex engine's literal prefilter
    # runs at memchr speed, where Aho-Corasick with ASCII case folding was up to 15x slower
    # on long payloads (measured on the bench log). ASCII text folds ASCII case only:
    # Unicode folding also matches "K" (Kelvin sign) for k and "ſ" for s, which weakens
    # the prefilter (a scan of the bench log's payloads: 316 -> 277 ms).
    if text.isascii():
        return f"(?i-u:{re.escape(text)})"
    return "(?i)" + re.escape(text)


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


# The hidden columns a search scans in place of the payloads when it has their folded copy.
FOLDED = {name: f"_folded_{name}" for name in PAYLOADS}
# A search of the folded copy reads this many times STALE_CHECK_ROWS rows a slice.
FOLDED_SLICE_FACTOR = 2


def with_folded(frame: pl.DataFrame, folded: pl.DataFrame | None) -> pl.DataFrame:
    """The frame with its payloads' folded copy (`payloads.fold_arrow`: a reopened log's,
    see cache.write_folded) as the hidden FOLDED columns, rows appended since (follow mode)
    folded here. Unchanged without one, or when it is not a prefix of this frame's rows
    (a longer one belongs to the full load, not to the preview shown before it)."""
    if folded is None or folded.height > frame.height:
        return frame
    if folded.height < frame.height:
        folded = pl.concat([folded, fold(frame.slice(folded.height))])
    return frame.hstack(folded.rename(FOLDED).get_columns())


def _search_parts(
    frame: pl.DataFrame, text: str, pattern: str | None = None
) -> tuple[list[pl.Expr], list[str]]:
    """The search split by column kind: conditions on the categorical columns (matched
    through their few distinct values, not cast to text row by row), and the text
    columns to scan. All-null columns are left out. `pattern`: a regex to match in
    place of the literal text's."""
    pattern = pattern or search_pattern(text)
    categorical, texts = [], []
    for name in TEXT_COLUMNS:
        if name not in frame.columns or frame[name].null_count() == frame.height:
            continue
        column = frame[name]
        if isinstance(column.dtype, pl.Categorical | pl.Enum):
            values = category_values(column.dtype)
            hits = values.filter(values.str.contains(pattern))
            if hits.len():
                categorical.append(pl.col(name).is_in(hits.implode(), nulls_equal=False))
        else:
            texts.append(name)
    return categorical, texts


def _text_match(columns: list[str], needle: str, literal: bool = False) -> pl.Expr:
    return pl.any_horizontal(
        pl.col(c).str.contains(needle, literal=literal).fill_null(False) for c in columns
    )


# One-character anchors, rarest first (a guess from URLs, JSON, XML and form bodies).
# Digits and + / = are not among them: base64 payloads are full of them, so a scan for
# one rules out nothing, where one for "@", "-" or a space skips every base64 payload.
_SINGLE_ANCHORS = "@|~^`\\!$*#;[]{}()?,'\"_-<>%&: ."


def caseless_anchor(text: str) -> str:
    """The longest run of ASCII characters that have no case (digits, punctuation,
    spaces) in `text`, when 2 or more long, else its rarest such character (see
    _SINGLE_ANCHORS): every case-insensitive match of `text` holds it verbatim, so a
    literal scan for it can go first. "" when there is none worth scanning for."""
    runs = re.findall(r"[\x20-\x40\x5b-\x60\x7b-\x7e]+", text)
    best = max(runs, key=len, default="")
    if len(best) >= 2:
        return best
    return min((c for c in runs if c in _SINGLE_ANCHORS), key=_SINGLE_ANCHORS.index, default="")


class _Matches:
    """A text search's matches as its slices are scanned: rows (`_i`) of the in-memory
    text columns, payload positions of a lean load's store, and conditions on the
    categorical columns. `report`, if given, is sent the condition for the matches so far,
    PARTIAL_EVERY seconds in, then at doubling gaps (see PARTIAL_EVERY)."""

    def __init__(self, conds: list[pl.Expr], report: Callable[[pl.Expr], None] | None):
        self.conds, self.report = conds, report
        self.rows: list[pl.Series] = []
        self.positions: list[pl.Series] = []
        self.last, self.gap = time.monotonic(), PARTIAL_EVERY
        self.unreported = bool(conds)  # matches found since the last report

    def condition(self) -> pl.Expr:
        conds = list(self.conds)
        if self.rows:
            conds.append(pl.col("_i").is_in(pl.concat(self.rows).implode()))
        if self.positions:
            conds.append(pl.col(POS).is_in(pl.concat(self.positions).implode()))
        return pl.any_horizontal(conds) if conds else pl.lit(False)

    def found(self, into: list[pl.Series], hits: pl.Series) -> None:
        into.append(hits)
        self.unreported = self.unreported or bool(hits.len())
        due = time.monotonic() - self.last >= self.gap
        if self.report is not None and self.unreported and due:
            self.report(self.condition())
            self.last, self.gap, self.unreported = time.monotonic(), 2 * self.gap, False


def _search_filter(
    frame: pl.DataFrame,
    rows: pl.DataFrame,
    text: str,
    payloads: PayloadStore | None,
    stale: Callable[[], bool] | None,
    report: Callable[[pl.Expr], None] | None = None,
) -> pl.Expr:
    """The text search as a condition on row numbers (`_i`). `rows`: the rows to search,
    numbered by `_i` if the cheap conditions picked them, else the whole frame. The long
    text columns are scanned a slice at a time, the newest first (a view opens at its
    newest row); `stale()` is checked before each: a newer search stops this one within
    a slice's scan (~50 ms), not after the whole scan (both cores still work on each
    slice, but each is a query of its own: a few ms). `report`: see `_Matches`."""
    pattern = search_pattern(text)
    conds, texts = _search_parts(frame, text)
    matches = _Matches(conds, report)
    anchor = caseless_anchor(text)
    folded = [c for c in texts if FOLDED.get(c) in frame.columns]
    step = STALE_CHECK_ROWS
    if texts:
        if folded and anchor != text and text.isascii():
            # The payloads' folded copy holds every case-insensitive match of ASCII text
            # as the lower-cased text: one literal scan of it (non-ASCII text has Unicode
            # folding, which the copy does not), the short columns through the regex.
            first = pl.any_horizontal(
                *(pl.col(FOLDED[c]).str.contains(text.lower(), literal=True) for c in folded),
                *(pl.col(c).str.contains(pattern) for c in texts if c not in folded),
            ).fill_null(False)
            then = None
            # A slice scans in about half the time: twice the rows keep it as long (each
            # slice is a query of its own, ~3-4 ms; 8 of them were ~15% of a search).
            step *= FOLDED_SLICE_FACTOR
        elif anchor and anchor != text:
            # Two passes: a literal scan for the part without case (memchr speed, ~1.5x
            # a case-insensitive regex), then the regex on the few rows that hold it.
            first, then = _text_match(texts, anchor, literal=True), _text_match(texts, pattern)
        elif anchor == text:  # nothing in it has case: a plain literal scan
            first, then = _text_match(texts, text, literal=True), None
        else:
            first, then = _text_match(texts, pattern), None
        for start in reversed(range(0, rows.height, step)):
            if stale is not None and stale():
                raise Stale
            piece = rows.slice(start, step).lazy()
            if "_i" not in rows.columns:  # numbered here: a whole frame's index is not made
                piece = piece.with_row_index("_i", offset=start)
            found = piece.filter(first).select("_i", *(texts if then is not None else ()))
            hits = found.collect(engine="streaming")
            release_pages()  # a mapped frame's payload pages: one slice's held at a time
            matches.found(matches.rows, (hits.filter(then) if then is not None else hits)["_i"])
    if payloads is not None and POS in frame.columns:
        payloads.search(pattern, stale, each=lambda hits: matches.found(matches.positions, hits))
    return matches.condition()


def _regex_filter(
    frame: pl.DataFrame,
    rows: pl.DataFrame,
    pattern: str,
    payloads: PayloadStore | None,
    stale: Callable[[], bool] | None,
    report: Callable[[pl.Expr], None] | None = None,
) -> pl.Expr:
    """A regex search (a `regex_pattern`) as a condition on row numbers, scanned as
    `_search_filter` scans: categorical columns through their distinct values, the
    text columns a slice at a time, newest first, `stale()` checked before each."""
    conds, texts = _search_parts(frame, "", pattern)
    matches = _Matches(conds, report)
    hit = _text_match(texts, pattern) if texts else pl.lit(False)  # (no slices scanned)
    for start in reversed(range(0, rows.height if texts else 0, STALE_CHECK_ROWS)):
        if stale is not None and stale():
            raise Stale
        piece = rows.slice(start, STALE_CHECK_ROWS).lazy()
        if "_i" not in rows.columns:
            piece = piece.with_row_index("_i", offset=start)
        found = piece.filter(hit).select("_i").collect(engine="streaming")
        release_pages()
        matches.found(matches.rows, found["_i"])
    if payloads is not None and POS in frame.columns:
        payloads.search(pattern, stale, each=lambda hits: matches.found(matches.positions, hits))
    return matches.condition()


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
        conds.append(_search_filter(frame, rows, state.search, payloads, stale, alone))
    if state.regex:
        pattern = regex_pattern(state.regex)
        conds.append(_regex_filter(frame, rows, pattern, payloads, stale, alone))
    if state.exclude_search:
        hidden = _search_filter(frame, rows, state.exclude_search, payloads, stale)
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
) -> QueryResult:
    """Evaluate a filter state: matching row indices, and for each facet column the counts
    of its values under all the *other* conditions (so a pane shows what picking a value
    would give). One pass: the masks are computed once, then combined per facet.
    `payloads`: a lean load's store, whose payloads the text search reads from disk.
    `stale`: asked during a text search; when it says True, the search stops and raises
    `Stale` (the app's check: has a newer filter state replaced this one?).
    `partial`: given, while a long text search runs, its matching rows so far (the
    newest rows are searched first; no facet counts), PARTIAL_EVERY seconds in and
    then at doubling gaps.
    `folded`: a reopened log's payloads with ASCII lower-cased (ReadResult.folded),
    which a text search scans in their place (see `with_folded`)."""
    facets = [f for f in facets if f in frame.columns]
    if (state.search or state.exclude_search) and folded is not None:
        frame = with_folded(frame, folded)
    if state.regex:
        regex_pattern(state.regex)  # an invalid pattern fails here, before any scan
    base = [time_expr(state), user_expr(state.user, frame)]
    base = [e for e in (*base, not_user_expr(state.exclude_user, frame)) if e is not None]
    lazy = frame.lazy().with_row_index("_i")
    if base:
        lazy = lazy.filter(pl.all_horizontal(base))
    if not state.searches:
        return _counted(frame, lazy, state, facets)
    rows = frame
    if base:
        # The cheap conditions first, on their own: the text search then reads only
        # the rows they keep (Polars would otherwise fuse both into one pass).
        rows = lazy.collect()
        lazy = rows.lazy()

    def report(matched: pl.Expr) -> None:
        # The rows only: facet counts come with the whole result.
        if partial is not None:  # only handed on when it is
            partial(replace(_counted(frame, lazy.filter(matched), state, []), complete=False))

    matched = _text_filter(
        frame, rows, state, payloads, stale, report if partial is not None else None
    )
    # The streaming engine splits long text columns into morsels over every core.
    return _counted(frame, lazy.filter(matched), state, facets, engine="streaming")


def _counted(
    frame: pl.DataFrame,
    lazy: pl.LazyFrame,
    state: FilterState,
    facets: list[str],
    engine: EngineType = "auto",
) -> QueryResult:
    """The rows of `lazy` (numbered by `_i`) that the picked and excluded values keep,
    and the facet counts: each facet counted under the picks and exclusions of the
    others (its own excluded values keep their counts, so a pane can show them)."""
    found = {col: facet_expr(state, col) for col in facet_columns(state)}
    masks = {col: mask for col, mask in found.items() if mask is not None}  # not {} picked
    small = lazy.select("_i", *facets, *(m.alias(f"_m_{c}") for c, m in masks.items())).collect(
        engine=engine
    )

    def others(skip: str | None) -> pl.Expr:
        conds = [pl.col(f"_m_{c}") for c in masks if c != skip]
        return pl.all_horizontal(conds) if conds else pl.lit(True)

    counts = {}
    for col in facets:
        grouped = small.filter(others(col)).group_by(col).len()
        counts[col] = {str(v): int(n) for v, n in grouped.iter_rows() if v is not None}
    indices = small.filter(others(None))["_i"].alias("index")
    return QueryResult(indices=indices, facets=counts, total=frame.height)


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
    return frame[indices].drop(ROW_ID, USER_KEY, strict=False)


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
