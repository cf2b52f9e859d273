"""The canonical frame every reader produces, and the quarantine frame beside it.

Every log format maps into these columns, so filters, views and exports work the same on
all of them. `header` is the column's name in exports (the MangoApps Connector Log's own
names for the columns it has), which is also what the readers recognise on the way back in.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import cast

import polars as pl

# Bump when the canonical columns change: the Parquet cache is keyed on it.
SCHEMA_VERSION = 4

# `interrupt`: a step the identity provider put in the middle of a sign-in that may still
# succeed (an MFA prompt, "keep me signed in", a password-reset registration): shown and
# filterable, but not a failure, so triage and diagnosis leave it out.
OUTCOMES = ("failure", "success", "pending", "info", "interrupt")
Outcome = pl.Enum(OUTCOMES)
Timestamp = pl.Datetime("us", "UTC")


# Users, as spelled and as matched (USER_KEY), in a category pool of their own: the shared
# pool then holds only the few values of app, action, request type, source and format,
# which a search matches in microseconds. A tenant has far fewer users than events: as
# text, a million rows' users took ~45 MB; as categories 4 bytes a row.
UserKey = pl.Categorical(pl.Categories("connlog_user_key"))


@dataclass(frozen=True)
class Column:
    """One canonical column, every fact about it in one place. `header`: its name in
    exports and connector-log CSVs; `title`: its short name in the table, the sort menu
    and the status bar (the header when not given); `width`: its least width in the
    table, `flex` columns sharing what is left; `facet`: values picked from a list (a
    filter pane, a triage group); `sortable`: offered in the sort menu."""

    name: str
    header: str
    dtype: pl.DataType
    doc: str
    title: str = ""
    width: int = 10
    flex: bool = False
    facet: bool = False
    sortable: bool = False

    @property
    def short(self) -> str:
        return self.title or self.header


COLUMNS: tuple[Column, ...] = (
    Column("time", "Date", Timestamp, "when the event happened, in UTC", width=19, sortable=True),
    Column(
        "app",
        "Application To/From",
        pl.Categorical(),
        "the application on the other end",
        title="Application",
        width=14,
        facet=True,
        sortable=True,
    ),
    Column(
        "action",
        "Action",
        pl.Categorical(),
        "SSO Initiated, SSO Failed, ... or the event type",
        width=14,
        facet=True,
        sortable=True,
    ),
    Column(
        "request_type",
        "Request Type",
        pl.Categorical(),
        "Authentication-Applications, ...",
        width=27,
        facet=True,
        sortable=True,
    ),
    Column(
        "user",
        "Email ID/Login ID",
        UserKey,
        "the user as the log spelled it",
        width=16,
        flex=True,
        sortable=True,
    ),
    Column("request", "Request", pl.String(), "request payload, verbatim", width=30, flex=True),
    Column("response", "Response", pl.String(), "response payload, verbatim", width=30, flex=True),
    Column(
        "outcome",
        "Outcome",
        Outcome,
        "failure / success / pending / info / interrupt",
        width=8,
        facet=True,
        sortable=True,
    ),
    Column(
        "reason",
        "Reason",
        pl.String(),
        "failure reason given by the source, if any",
        width=10,
        flex=True,
        facet=True,
        sortable=True,
    ),
    Column(
        "diagnosis",
        "Diagnosis",
        pl.String(),
        "one-line plain-English diagnosis of a failure",
        width=30,
        flex=True,
    ),
    Column(
        "ip",
        "IP",
        pl.String(),
        "client IP address, if the source records one",
        width=15,
        facet=True,
    ),
    Column(
        "source",
        "Source",
        pl.Categorical(),
        "the file the row came from",
        width=16,
        facet=True,
        sortable=True,
    ),
    Column(
        "format",
        "Format",
        pl.Categorical(),
        "the reader that understood the file",
        width=10,
        facet=True,
    ),
)
BY_NAME: dict[str, Column] = {c.name: c for c in COLUMNS}
SCHEMA: dict[str, pl.DataType] = {c.name: c.dtype for c in COLUMNS}
HEADERS: dict[str, str] = {c.name: c.header for c in COLUMNS}
BY_HEADER: dict[str, str] = {c.header.lower(): c.name for c in COLUMNS}
TEXT_COLUMNS = tuple(c.name for c in COLUMNS if c.name != "time")
# The columns of a MangoApps Connector Log export, in its order: what the demo's and the
# benchmark's generators write (under their `header`s).
CONNECTOR_LOG_COLUMNS = ("time", "app", "action", "request_type", "user", "request", "response")

# Derived, never exported: a row's position after loading (stable identity for selection
# and follow mode) and the user normalised for matching (case, surrounding spaces).
ROW_ID = "row_id"
USER_KEY = "user_key"
# A view's notes (connlog_tui.marks), exported after the canonical columns, as "Note",
# only when a row of the view has one.
NOTE = "note"
NOTE_HEADER = "Note"

QUARANTINE_SCHEMA: dict[str, pl.DataType] = {
    "source": pl.String(),
    "line": pl.Int64(),
    "reason": pl.String(),
    "text": pl.String(),
}


def empty_frame() -> pl.DataFrame:
    return pl.DataFrame(schema=SCHEMA)


def empty_quarantine() -> pl.DataFrame:
    return pl.DataFrame(schema=QUARANTINE_SCHEMA)


_FAILURE = r"(?i)\b(fail|failed|failure|error|denied|deny|invalid|rejected)\b"
_SUCCESS = r"(?i)\b(success|successful|succeeded|ok)\b"
_PENDING = r"(?i)\b(initiated|queued|running|pending|started)\b"


def outcome_from_action(action: pl.Expr) -> pl.Expr:
    """Outcome guessed from an action's words: 'SSO Failed' is a failure, and so on."""
    text = action.cast(pl.String)
    return (
        pl.when(text.str.contains(_FAILURE))
        .then(pl.lit("failure"))
        .when(text.str.contains(_SUCCESS))
        .then(pl.lit("success"))
        .when(text.str.contains(_PENDING))
        .then(pl.lit("pending"))
        .otherwise(pl.lit("info"))
        .cast(Outcome)
    )


def per_distinct(
    values: pl.Series, expr: Callable[[pl.Expr], pl.Expr], dtype: pl.DataType
) -> pl.Series:
    """`expr` of each value, worked out once per distinct value and looked up. A log has
    a few dozen actions and thousands of users in a million rows: three case-insensitive
    regexes over every row's action took ~250 ms of a load, keying every user ~120 ms."""
    categorical = isinstance(values.dtype, pl.Categorical)
    # Categories in first-seen order: hashing their codes (~2 ms on a million rows) where
    # the default sorts them (~10 ms).
    distinct = values.unique(maintain_order=categorical)
    results = distinct.to_frame().select(expr(pl.col(values.name))).to_series()
    if not categorical:
        return values.replace_strict(distinct, results, return_dtype=dtype)
    # Categories are codes: each row's result is looked up by its code (a gather), where
    # replacing matches every row's text (~2x the time on a million rows).
    codes = distinct.to_physical()
    known = codes.is_not_null()
    top = cast("int | None", codes.max()) or 0
    table = pl.Series(values.name, [None], dtype=dtype).extend_constant(None, top)
    found = table.scatter(codes.filter(known), results.filter(known)).gather(values.to_physical())
    if known.all():
        return found
    return found.scatter(values.is_null().arg_true(), results.filter(~known)[0])


def conform(
    frame: pl.DataFrame,
    *,
    source: str,
    format: str,
    parse: Callable[[pl.Series], pl.Series] | None = None,
) -> pl.DataFrame:
    """Bring a reader's frame to the canonical columns, types and order.

    Readers return whichever canonical columns they have; missing ones are filled:
    `source` and `format` from the arguments unless the file carried its own (a connlog
    export read back), `outcome` from the action. A `time` column of text is read by
    `parse` (text to UTC datetimes), while the other columns are cast.
    """
    exprs = []
    for col in COLUMNS:
        if col.name in frame.columns:
            expr = pl.col(col.name)
            if col.name == "time" and parse is not None and frame.schema["time"] == pl.String:
                expr = expr.map_batches(parse, return_dtype=col.dtype)
            elif col.name == "outcome":
                given = pl.col("outcome").cast(pl.String).str.to_lowercase()
                expr = pl.when(given.is_in(OUTCOMES)).then(given).otherwise(None)
            elif col.name in ("source", "format"):
                default = source if col.name == "source" else format
                expr = pl.col(col.name).cast(pl.String).fill_null(default)
        elif col.name == "outcome" and "action" not in frame.columns:
            expr = outcome_from_action(pl.lit(None, pl.String))
        elif col.name == "source":
            expr = pl.lit(source)
        elif col.name == "format":
            expr = pl.lit(format)
        else:
            expr = pl.lit(None)
        exprs.append(expr.cast(col.dtype).alias(col.name))
    frame = frame.select(exprs)
    if frame.get_column("outcome").null_count():
        # Guessed from the action once it is categorical: its distinct values are found
        # from the category codes, not by hashing every row's text.
        guessed = per_distinct(frame.get_column("action"), outcome_from_action, Outcome)
        frame = frame.with_columns(pl.col("outcome").fill_null(guessed))
    return frame


# local+tag@domain -> local@domain (only the part before the @ carries a tag).
_PLUS_TAG = r"^([^@+]*)\+[^@]*@"


def identity_key(expr: pl.Expr, plus_addressing: bool = False) -> pl.Expr:
    """A user as matched: trimmed and lower-cased, and with `plus_addressing`,
    `jane+sso@x` -> `jane@x`, so one person is one key however the connectors spelled it."""
    key = expr.cast(pl.String).str.strip_chars().str.to_lowercase()
    if plus_addressing:
        key = key.str.replace(_PLUS_TAG, "${1}@")
    return key


def finish(frame: pl.DataFrame, start: int = 0, plus_addressing: bool = False) -> pl.DataFrame:
    """Add the derived columns the query layer relies on, once per loaded frame (`start`
    numbers rows appended to a frame of that many rows)."""
    # A text column with no values at all (a format without IPs, lean mode's payloads)
    # becomes one null broadcast to every row: ~16 bytes a row less per column.
    empty = [
        pl.lit(None, pl.String).alias(name)
        for name, dtype in frame.schema.items()
        if dtype == pl.String and frame.height and frame[name].null_count() == frame.height
    ]
    return frame.with_columns(
        *empty,
        (pl.int_range(pl.len(), dtype=pl.UInt32) + start).alias(ROW_ID),
        per_distinct(
            frame.get_column("user"), lambda user: identity_key(user, plus_addressing), UserKey
        ).alias(USER_KEY),
    )
