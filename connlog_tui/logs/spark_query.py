"""The filter state and the canonical columns as Spark Column expressions (Spark Connect).

What `scaleout.LazyView.conditions` and `scaleout._canonical` build for Polars, built for
Spark: a table or a Parquet archive under canonical names or connlog's export headers
becomes the canonical columns plus `user_key` and `ROW_ID`, and a `FilterState` becomes
separate predicates (the date range also on the `date=` partition column, so Spark skips
whole directories). Only pyspark's Connect API is used, so the slim `pyspark-client`
suffices; it is imported by the caller (`logs.spark`), never at connlog's start.

Text matching follows the in-memory engine: a literal search is case-insensitive, ASCII
text folding ASCII case only (Java's `(?i)`, as Polars' `(?i-u:...)`), other text with
Unicode case (`(?iu)`); a regex is checked in the in-memory engine's syntax first
(query.regex_pattern), then run by Java's engine, case-insensitive unless it says
`(?-i)`. Java and Rust regexes agree on the usual syntax (classes, groups, anchors,
repetition); look-around runs on Spark only.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from connlog_tui.query import FilterState, facet_columns, regex_pattern
from connlog_tui.schema import COLUMNS, OUTCOMES, ROW_ID, TEXT_COLUMNS, USER_KEY

DATE_PARTITION = "date"
CANONICAL = [c.name for c in COLUMNS]
_FROM_HEADER = {c.header: c.name for c in COLUMNS}

# schema.outcome_from_action's words, in Java's regex syntax (the same here).
_FAILURE = r"(?i)\b(fail|failed|failure|error|denied|deny|invalid|rejected)\b"
_SUCCESS = r"(?i)\b(success|successful|succeeded|ok)\b"
_PENDING = r"(?i)\b(initiated|queued|running|pending|started)\b"
# local+tag@domain -> local@domain, as schema.identity_key (Java's replacement syntax).
_PLUS_TAG = r"^([^@+]*)\+[^@]*@"


def functions() -> Any:
    """pyspark's Connect functions (work with the slim client and the full pyspark)."""
    from pyspark.sql.connect import functions as F

    return F


def source_names(columns: Iterable[str]) -> dict[str, str]:
    """canonical name -> the column that carries it (the canonical name itself, else
    connlog's export header), as scaleout does for Polars."""
    columns = list(columns)
    found = {name: name for name in columns if name in CANONICAL}
    for name in columns:
        canonical = _FROM_HEADER.get(name)
        if canonical is not None and canonical not in found:
            found[canonical] = name
    return found


def outcome_from_action(action: Any) -> Any:
    F = functions()
    text = action.cast("string")
    return (
        F.when(text.rlike(_FAILURE), F.lit("failure"))
        .when(text.rlike(_SUCCESS), F.lit("success"))
        .when(text.rlike(_PENDING), F.lit("pending"))
        .otherwise(F.lit("info"))
    )


def identity_key(user: Any, plus_addressing: bool) -> Any:
    """schema.identity_key: whitespace trimmed (Unicode, as Polars), lower-cased."""
    F = functions()
    key = F.lower(F.regexp_replace(user.cast("string"), r"(?U)^\s+|\s+$", ""))
    if plus_addressing:
        key = F.regexp_replace(key, _PLUS_TAG, "$1@")
    return key


def canonical_columns(columns: dict[str, str], plus_addressing: bool) -> list[Any]:
    """The canonical columns (and `user_key`) from a frame's columns (name -> Spark type
    name, from `DataFrame.dtypes`); missing ones null, as scaleout fills them."""
    F = functions()
    names = source_names(columns)
    action = F.col(f"`{names['action']}`") if "action" in names else F.lit(None).cast("string")
    exprs = []
    for col in COLUMNS:
        source = names.get(col.name)
        if source is None:
            if col.name == "outcome":
                expr = outcome_from_action(action)
            elif col.name == "format":
                expr = F.lit("parquet")
            elif col.name == "time":
                expr = F.lit(None).cast("timestamp")
            else:
                expr = F.lit(None).cast("string")
        else:
            expr = F.col(f"`{source}`")
            if col.name == "time":
                # Strings and TIMESTAMP_NTZ are read in the session zone, set to UTC.
                expr = expr.cast("timestamp")
            elif col.name == "outcome":
                given = F.lower(expr.cast("string"))
                expr = F.when(given.isin(list(OUTCOMES)), given).otherwise(
                    outcome_from_action(action)
                )
            else:
                expr = expr.cast("string")
        exprs.append(expr.alias(col.name))
    user = F.col(f"`{names['user']}`") if "user" in names else F.lit(None)
    exprs.append(identity_key(user, plus_addressing).alias(USER_KEY))
    return exprs


def search_pattern(text: str) -> str:
    """A case-insensitive Java regex of the literal text (see the module's docstring)."""
    flags = "(?i)" if text.isascii() else "(?iu)"
    return flags + re.escape(text)


def _any_text(pattern: str) -> Any:
    F = functions()
    hits = [F.coalesce(F.col(c).rlike(pattern), F.lit(False)) for c in TEXT_COLUMNS]
    result = hits[0]
    for hit in hits[1:]:
        result = result | hit
    return result


def text_conditions(state: FilterState) -> list[Any]:
    """Literal search, negated search, regex: every text column, payloads included."""
    conds = []
    if state.search:
        conds.append(_any_text(search_pattern(state.search)))
    if state.exclude_search:
        conds.append(~_any_text(search_pattern(state.exclude_search)))
    if state.regex:
        regex_pattern(state.regex)  # ConnlogError for a pattern the other engines refuse
        conds.append(_any_text("(?iu)" + state.regex))
    return conds


def pick_conditions(state: FilterState) -> dict[str, Any]:
    """Each pane column's pick and exclusion, as one condition by column."""
    F = functions()
    picks: dict[str, Any] = {}
    for column in facet_columns(state):
        conds = []
        if state.picked.get(column):
            conds.append(F.col(column).isin(sorted(state.picked[column])))
        if state.excluded.get(column):
            hit = F.col(column).isin(sorted(state.excluded[column]))
            conds.append(~F.coalesce(hit, F.lit(False)))
        if conds:
            picks[column] = all_of(conds)
    return picks


def all_of(conds: list[Any]) -> Any:
    """The conditions together (a true literal when there are none)."""
    if not conds:
        return functions().lit(True)
    result = conds[0]
    for cond in conds[1:]:
        result = result & cond
    return result


def row_conditions(state: FilterState, partition: str | None = None) -> list[Any]:
    """The filter state's conditions but the panes' picks: partition pruning, time
    range, user, excluded user, text."""
    F = functions()
    conds = []
    if partition:
        if state.since:
            conds.append(F.col(partition) >= F.lit((state.since - timedelta(days=1)).date()))
        if state.until:
            conds.append(F.col(partition) <= F.lit((state.until + timedelta(days=1)).date()))
    if state.since:
        conds.append(F.col("time") >= F.lit(state.since))
    if state.until:
        conds.append(F.col("time") <= F.lit(state.until))
    for text, keep in ((state.user, True), (state.exclude_user, False)):
        needle = text.strip().lower()
        if needle:
            hit = F.col(USER_KEY).contains(needle)
            conds.append(hit if keep else ~F.coalesce(hit, F.lit(False)))
    return conds + text_conditions(state)


def conditions(
    state: FilterState, skip: str | None = None, partition: str | None = None
) -> list[Any]:
    """The filter state as separate predicates, as LazyView.conditions: the panes'
    picks and exclusions (but `skip`'s), then `row_conditions`."""
    picks = [cond for column, cond in pick_conditions(state).items() if column != skip]
    return picks + row_conditions(state, partition)


def order_by(column: str | None, descending: bool, reverse: bool = False) -> list[Any]:
    """The page order of logs.base.Sort. Time order is time, then ROW_ID (the in-memory
    and archive order, which a time-ordered archive's ROW_ID alone gives; a table in
    another order still pages in time order), all reversed when descending, as a loaded
    log's row numbers are. A column orders by its text, nulls last, ties in time order
    (query.sort_indices). `reverse`: that order exactly reversed, every key and its
    nulls' place (the view's last rows first)."""
    F = functions()
    # (key, descending, nulls first) of the ascending time order.
    keys = [(F.col("time"), False, False), (F.col(ROW_ID), False, False)]
    if column in (None, "time"):
        keys = [(k, descending, descending) for k, _, _ in keys]
    else:
        keys.insert(0, (F.col(column).cast("string"), descending, False))
    if reverse:
        keys = [(k, not down, not nulls_first) for k, down, nulls_first in keys]
    return [_ordered(k, down, nulls_first) for k, down, nulls_first in keys]


def _ordered(key: Any, descending: bool, nulls_first: bool) -> Any:
    if descending:
        return key.desc_nulls_first() if nulls_first else key.desc_nulls_last()
    return key.asc_nulls_first() if nulls_first else key.asc_nulls_last()
