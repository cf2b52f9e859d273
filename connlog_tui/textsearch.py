"""The text search over a loaded frame, as a condition on row numbers.

The categorical columns are matched through their few distinct values; the long text
columns are scanned a slice at a time, the newest first (a view opens at its newest row),
with `stale()` asked before each slice, so a newer search stops this one within a slice's
scan; a lean load's payloads are searched in its store. Matches so far are reported while
the scan runs (see PARTIAL_EVERY). `connlog_tui.query` builds the filter state around it.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass

import polars as pl

from connlog_tui.errors import Stale
from connlog_tui.payloads import (
    PAYLOADS,
    POS,
    STALE_CHECK_ROWS,
    PayloadStore,
    fold,
    release_pages,
)
from connlog_tui.schema import TEXT_COLUMNS

# A long text search first reports its matches so far after this many seconds (a search
# that ends sooner shows only its result), then after twice as long each time: each
# report redraws the table (in lean mode reading its rows' payloads) on cores the search
# is using (every 0.25 s, a 1M-row lean search in the app took ~40% longer).
PARTIAL_EVERY = 0.25


def category_values(dtype: pl.DataType) -> pl.Series:
    """Every value a categorical (or enum) column may hold, without scanning it: its
    category pool (a superset: other columns sharing the pool add theirs)."""
    if isinstance(dtype, pl.Enum):
        return dtype.categories
    if isinstance(dtype, pl.Categorical):
        return dtype.categories.to_series()
    raise TypeError(f"not a categorical or enum type: {dtype}")


def search_pattern(text: str) -> str:
    # A case-insensitive regex of the escaped text: the regex engine's literal prefilter
    # runs at memchr speed, where Aho-Corasick with ASCII case folding was up to 15x slower
    # on long payloads (measured on the bench log). ASCII text folds ASCII case only:
    # Unicode folding also matches "K" (Kelvin sign) for k and "ſ" for s, which weakens
    # the prefilter (a scan of the bench log's payloads: 316 -> 277 ms).
    if text.isascii():
        return f"(?i-u:{re.escape(text)})"
    return "(?i)" + re.escape(text)


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
    PARTIAL_EVERY seconds in, then at doubling gaps (see PARTIAL_EVERY). The condition
    holds for the `height` rows of the searched frame, as numbered by `_i`."""

    def __init__(self, conds: list[pl.Expr], report: Callable[[pl.Expr], None] | None, height: int):
        self.conds, self.report, self.height = conds, report, height
        self.rows: list[pl.Series] = []
        self.positions: list[pl.Series] = []
        self.last, self.gap = time.monotonic(), PARTIAL_EVERY
        self.unreported = bool(conds)  # matches found since the last report

    def condition(self) -> pl.Expr:
        conds = list(self.conds)
        if self.rows:
            # The matched rows set in a mask of the frame's rows: a 10M-row frame took
            # ~10x as long to look each row number up among the matches (is_in).
            found = pl.zeros(self.height, pl.Boolean, eager=True)
            conds.append(pl.lit(found.scatter(pl.concat(self.rows), True)))
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


@dataclass(frozen=True)
class _Plan:
    """How a search scans the text columns `texts`, `step` rows a slice: `first` picks a
    slice's candidate rows; `then`, if given, keeps those of them that match."""

    texts: list[str]
    first: pl.Expr
    then: pl.Expr | None = None
    step: int = 0


def search_filter(
    frame: pl.DataFrame,
    rows: pl.DataFrame,
    text: str,
    payloads: PayloadStore | None,
    stale: Callable[[], bool] | None,
    report: Callable[[pl.Expr], None] | None = None,
) -> pl.Expr:
    """The literal text search (case-insensitive) as a condition on row numbers (`_i`).
    `rows`: the rows to search, numbered by `_i` if the cheap conditions picked them, else
    the whole frame. `report`: see `_Matches`."""
    conds, texts = _search_parts(frame, text)
    plan = _literal_plan(frame, texts, text)
    return _scan(
        frame,
        rows,
        plan,
        _Matches(conds, report, frame.height),
        search_pattern(text),
        payloads,
        stale,
    )


def regex_filter(
    frame: pl.DataFrame,
    rows: pl.DataFrame,
    pattern: str,
    payloads: PayloadStore | None,
    stale: Callable[[], bool] | None,
    report: Callable[[pl.Expr], None] | None = None,
) -> pl.Expr:
    """A regex search (a `query.regex_pattern`) as a condition on row numbers, scanned as
    `search_filter` scans."""
    conds, texts = _search_parts(frame, "", pattern)
    hit = _text_match(texts, pattern) if texts else pl.lit(False)  # (no slices scanned)
    plan = _Plan(texts, hit, step=STALE_CHECK_ROWS)
    return _scan(frame, rows, plan, _Matches(conds, report, frame.height), pattern, payloads, stale)


def _literal_plan(frame: pl.DataFrame, texts: list[str], text: str) -> _Plan:
    """The cheapest scan that finds every case-insensitive match of `text`."""
    pattern = search_pattern(text)
    anchor = caseless_anchor(text)
    folded = [c for c in texts if FOLDED.get(c) in frame.columns]
    if not texts:
        return _Plan(texts, pl.lit(False), step=STALE_CHECK_ROWS)  # (no slices scanned)
    if folded and anchor != text and text.isascii():
        # The payloads' folded copy holds every case-insensitive match of ASCII text
        # as the lower-cased text: one literal scan of it (non-ASCII text has Unicode
        # folding, which the copy does not), the short columns through the regex.
        first = pl.any_horizontal(
            *(pl.col(FOLDED[c]).str.contains(text.lower(), literal=True) for c in folded),
            *(pl.col(c).str.contains(pattern) for c in texts if c not in folded),
        ).fill_null(False)
        # A slice scans in about half the time: twice the rows keep it as long (each
        # slice is a query of its own, ~3-4 ms; 8 of them were ~15% of a search).
        return _Plan(texts, first, step=STALE_CHECK_ROWS * FOLDED_SLICE_FACTOR)
    if anchor and anchor != text:
        # Two passes: a literal scan for the part without case (memchr speed, ~1.5x
        # a case-insensitive regex), then the regex on the few rows that hold it.
        first, then = _text_match(texts, anchor, literal=True), _text_match(texts, pattern)
        return _Plan(texts, first, then, step=STALE_CHECK_ROWS)
    if anchor == text:  # nothing in it has case: a plain literal scan
        return _Plan(texts, _text_match(texts, text, literal=True), step=STALE_CHECK_ROWS)
    return _Plan(texts, _text_match(texts, pattern), step=STALE_CHECK_ROWS)


def _scan(
    frame: pl.DataFrame,
    rows: pl.DataFrame,
    plan: _Plan,
    matches: _Matches,
    pattern: str,
    payloads: PayloadStore | None,
    stale: Callable[[], bool] | None,
) -> pl.Expr:
    """The plan's slices, newest first, `stale()` checked before each: a newer search stops
    this one within a slice's scan (~50 ms), not after the whole scan (both cores still
    work on each slice, but each is a query of its own: a few ms); then `pattern` in a lean
    load's payload store. The matches as one condition on `_i` (and the store's POS)."""
    kept = plan.texts if plan.then is not None else ()
    for start in reversed(range(0, rows.height if plan.texts else 0, plan.step)):
        if stale is not None and stale():
            raise Stale
        piece = rows.slice(start, plan.step).lazy()
        if "_i" not in rows.columns:  # numbered here: a whole frame's index is not made
            piece = piece.with_row_index("_i", offset=start)
        hits = piece.filter(plan.first).select("_i", *kept).collect(engine="streaming")
        release_pages()  # a mapped frame's payload pages: one slice's held at a time
        matches.found(matches.rows, (hits if plan.then is None else hits.filter(plan.then))["_i"])
    if payloads is not None and POS in frame.columns:
        payloads.search(pattern, stale, each=lambda hits: matches.found(matches.positions, hits))
    return matches.condition()
