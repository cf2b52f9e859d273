"""Login attempts: the events of one sign-in (or sign-out) stitched together.

An attempt starts with an "SSO Initiated" / "SLO Initiated" event and ends with the
Failed / Successful one(s). Events are linked by the IDs in their payloads where they
carry them (the AuthnRequest's or LogoutRequest's ID, echoed as InResponseTo; an OAuth
authorization code handed out at initiation and redeemed at completion). Events
without IDs are paired by user, application, request type and kind within a time
window, and the attempt is marked `inferred`.

Cost: `message_keys` (message_ids.py: reading IDs out of payloads) is per-row Python;
everything here is vectorised Polars (joins, an as-of join, a group-by).
"""

from __future__ import annotations

from datetime import timedelta

import polars as pl

from connlog_tui.schema import ROW_ID, USER_KEY, Outcome, UserKey

from .diagnoses import at_positions, kind_expr, with_row_id
from .identity import identity_key
from .message_ids import event_rows, message_keys

PAIR_WINDOW = timedelta(minutes=5)
EVENT_BLOCK = 100_000  # frame rows made into events at a time
ATTEMPT_SCHEMA: dict[str, pl.DataType] = {
    "attempt_id": pl.UInt32(),
    "row_ids": pl.List(pl.UInt32()),
    "first_time": pl.Datetime("us", "UTC"),
    "last_time": pl.Datetime("us", "UTC"),
    "duration_seconds": pl.Float64(),
    "outcome": Outcome,
    # Categorical: a million attempts' app and user texts were ~35 MB as strings. Users
    # in the frame's own pool of them (schema.UserKey), not added to the shared one.
    "kind": pl.Categorical(),
    "inferred": pl.Boolean(),
    "app": pl.Categorical(),
    "user_key": UserKey,
    "link": pl.String(),
}


def stitch_attempts(
    frame: pl.DataFrame,
    keys: pl.DataFrame | None = None,
    *,
    window: timedelta = PAIR_WINDOW,
    singles: bool = True,
) -> pl.DataFrame:
    """Login attempts (ATTEMPT_SCHEMA), one row each, sorted by first_time.

    `keys` is `message_keys(frame)` if already computed (it is the per-row part).
    `attempt_id` is the row_id of the attempt's first event (its initiation when known);
    `link` is the ID that linked its events ("saml:<ID>", "code:<code>") or null;
    `inferred` is true when the initiation was paired by user/app/type/time instead.
    An interrupt (an MFA prompt, "keep me signed in"...) is a step of the attempt of the
    first completion after it (see `_steps`). An attempt's outcome is its last completion's;
    with none, "interrupt" if it was interrupted, else "pending" (all "Initiated").

    `singles=False` leaves out the attempts of one event (most of a log's: an event
    nothing links or pairs with), which `attempt_of` given the frame works out alike;
    the others are as with `singles`.

    Each step is its own function: what one step builds is freed when the next no longer
    needs it, which keeps a big log's peak memory to about one step's.
    """
    frame = with_row_id(frame)
    if frame.is_empty():
        return pl.DataFrame(schema=ATTEMPT_SCHEMA)
    keys = message_keys(frame) if keys is None else keys
    user = pl.col(USER_KEY) if USER_KEY in frame.columns else identity_key(pl.col("user"))
    key_rows = keys.lazy().select(pl.col(ROW_ID).cast(pl.UInt32), pl.exclude(ROW_ID))
    events = _events(frame, key_rows, user)
    member = _members(events, window, singles)
    attempts = _grouped(events, member)
    del events, member
    return _described(frame, attempts, key_rows, user)


# A SAML request's ID, which the initiation hands out (a response answers it).
_SAML_OUT = pl.when(pl.col("message").is_in(["AuthnRequest", "LogoutRequest"])).then(
    pl.col("saml_id")
)
_PENDING = pl.col("outcome") == "pending"
_INTERRUPT = pl.col("outcome") == "interrupt"


def _events(frame: pl.DataFrame, key_rows: pl.LazyFrame, user: pl.Expr) -> pl.DataFrame:
    """The login events, in time order (ties by row), with only what pairing and linking
    read: row, time, outcome, the pairing hash and the link hash."""
    # The ID an initiation hands out, and the one a completion answers (a SAML request
    # ID, else an OAuth code), as 64-bit hashes: a million events' link texts, copied by
    # every join and sort below, were most of stitching's peak memory. The texts are put
    # back at the end for the linked attempts only.
    links = key_rows.select(
        ROW_ID,
        pl.coalesce(_hash(_SAML_OUT, SAML_SEED), _hash(pl.col("oauth_code"), CODE_SEED)).alias(
            "_out"
        ),
        pl.coalesce(
            _hash(pl.col("in_response_to"), SAML_SEED), _hash(pl.col("oauth_code"), CODE_SEED)
        ).alias("_in"),
    )
    in_time_order = _in_order(frame, "time", ROW_ID)
    # A block of rows at a time: each block's filter, selection and join hold copies of
    # its rows' columns, which for the whole log at once were several times the events
    # kept (every step is row by row, so the blocks' events are the whole log's).
    blocks = [
        _event_block(frame.slice(start, EVENT_BLOCK), links, user)
        for start in range(0, frame.height, EVENT_BLOCK)
    ]
    events = pl.concat(blocks) if len(blocks) > 1 else blocks[0]
    del blocks
    # Events in time order, ties by row (a loaded frame already is: no sort then). Every
    # step keeps that order (filters, order-keeping joins) instead of sorting again:
    # each sort copied the events, and the copies were most of the peak memory.
    if not in_time_order:
        events = events.sort("time", ROW_ID, maintain_order=True)
    return events


def _event_block(block: pl.DataFrame, links: pl.LazyFrame, user: pl.Expr) -> pl.DataFrame:
    """`_events` of a block of the frame's rows, in the block's order."""
    ids = block.get_column(ROW_ID)
    # Only the links of the block's rows are hashed for its join.
    near = links.filter(pl.col(ROW_ID).is_between(ids.min(), ids.max()))
    # Only what pairing and linking read: who, where and what an attempt is comes back
    # at the end from its first row (each of these columns was ~4 MB a million events,
    # held by every step).
    return (
        block.lazy()
        .filter(event_rows(block))
        .select(
            pl.col(ROW_ID).cast(pl.UInt32),
            "time",
            pl.col("outcome").cast(Outcome),
            *_who(user),
            pl.col("request_type").cast(pl.Categorical),
        )
        .join(near, on=ROW_ID, how="left", maintain_order="left")
        .select(
            ROW_ID,
            "time",
            "outcome",
            # Who, where and what an inferred pairing must agree on, as one 64-bit hash:
            # an as-of join by the four columns held ~60 MB more at its peak (1M rows).
            pl.struct("user_key", "app", "request_type", "kind").hash(PAIR_SEED).alias("_pair"),
            # The ID an initiation hands out, or the one a completion answers.
            pl.when(_PENDING).then("_out").otherwise("_in").alias("_link"),
        )
        .collect()
    )


def _members(events: pl.DataFrame, window: timedelta, singles: bool = True) -> pl.DataFrame:
    """Every event's attempt: (row_id, attempt_id, link hash, inferred); without `singles`,
    only the events of attempts of several. Each step is one lazy query, collected on its
    own: only its result stays in memory, not every intermediate frame at once."""
    inits = events.lazy().filter(_PENDING)
    dones = events.lazy().filter(~_PENDING & ~_INTERRUPT)
    linked, linked_inits = _linked(inits, dones)
    paired = _paired(inits, dones, linked, linked_inits, window)
    member = pl.concat(
        [
            linked.with_columns(pl.lit(False).alias("inferred")),
            linked_inits.select(
                pl.col("attempt_id").alias(ROW_ID),
                "attempt_id",
                "link",
                pl.lit(False).alias("inferred"),
            ),
            paired.with_columns(
                pl.lit(None, pl.UInt64).alias("link"), pl.lit(True).alias("inferred")
            ),
            paired.select(
                pl.col("attempt_id").alias(ROW_ID),
                "attempt_id",
                pl.lit(None, pl.UInt64).alias("link"),
                pl.lit(True).alias("inferred"),
            ),
        ],
        how="vertical_relaxed",
    ).unique(ROW_ID, keep="first", maintain_order=True)
    del linked, linked_inits, paired
    if not singles:
        return _with_steps(events, member, window)
    # 3. Alone: an event in no attempt yet is an attempt of its own.
    alone = (
        events.filter(~_INTERRUPT)
        .join(member, on=ROW_ID, how="anti")
        .select(
            ROW_ID,
            pl.col(ROW_ID).alias("attempt_id"),
            pl.lit(None, pl.UInt64).alias("link"),
            pl.lit(False).alias("inferred"),
        )
    )
    member = pl.concat([member, alone], how="vertical_relaxed")
    return pl.concat([member, _steps(events, member, window)], how="vertical_relaxed")


def _with_steps(events: pl.DataFrame, member: pl.DataFrame, window: timedelta) -> pl.DataFrame:
    """3 and 4 without the attempts of one event: the members of linked and paired
    attempts (`member`), the interrupts that are steps of an attempt, and the events
    alone but for those steps (the completions they joined); only the attempts these
    give several events (an interrupt that joined none stays alone)."""
    steps = _steps(events, member, window)
    # A completion in no attempt yet is its own attempt's id (and first row): a step
    # joined it.
    joined = (
        steps.filter("inferred")
        .select(pl.col("attempt_id").alias(ROW_ID))
        .unique(maintain_order=True)
        .join(member, on=ROW_ID, how="anti", maintain_order="left")
        .select(
            ROW_ID,
            pl.col(ROW_ID).alias("attempt_id"),
            pl.lit(None, pl.UInt64).alias("link"),
            pl.lit(False).alias("inferred"),
        )
    )
    every = pl.concat([member, joined, steps], how="vertical_relaxed")
    return every.filter(pl.len().over("attempt_id") > 1)


def _linked(inits: pl.LazyFrame, dones: pl.LazyFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """1. Linked by IDs: every completion answering an initiation's ID joins its attempt.
    Returns the linked completions (row_id, attempt_id, link) and the initiations they
    answered (link, attempt_id)."""
    by_link = (
        inits.filter(pl.col("_link").is_not_null())
        .select(ROW_ID, "_link")
        .unique("_link", keep="first", maintain_order=True)
        .select(pl.col("_link").alias("link"), pl.col(ROW_ID).alias("attempt_id"))
        .collect(engine="in-memory")  # here twice as fast as streaming (1M rows)
    )
    linked = (
        dones.select(ROW_ID, "_link")
        .join(by_link.lazy(), left_on="_link", right_on="link", how="inner")
        .select(ROW_ID, "attempt_id", pl.col("_link").alias("link"))
        .collect()
    )
    linked_inits = by_link.filter(pl.col("attempt_id").is_in(linked["attempt_id"].implode()))
    return linked, linked_inits


def _paired(
    inits: pl.LazyFrame,
    dones: pl.LazyFrame,
    linked: pl.DataFrame,
    linked_inits: pl.DataFrame,
    window: timedelta,
) -> pl.DataFrame:
    """2. Inferred: the latest unlinked initiation of the same user/app/type/kind within
    the window before a completion; each initiation takes its earliest completion. Not
    when both carry IDs (they would have linked). Returns (row_id, attempt_id)."""
    free_dones = dones.join(linked.lazy(), on=ROW_ID, how="anti", maintain_order="left").select(
        ROW_ID, pl.col("time").set_sorted(), "_pair", pl.col("_link").alias("_link_in")
    )
    free_inits = inits.join(
        linked_inits.lazy(),
        left_on=ROW_ID,
        right_on="attempt_id",
        how="anti",
        maintain_order="left",
    ).select(
        "_pair",
        pl.col("time").set_sorted(),
        pl.col(ROW_ID).alias("attempt_id"),
        pl.col("_link").alias("_link_out"),
    )
    return (
        free_dones.join_asof(
            free_inits,
            on="time",
            by="_pair",
            strategy="backward",
            tolerance=window,
            check_sortedness=False,
        )
        # An answer to one request ID is not the attempt of a request with another.
        .filter(
            pl.col("attempt_id").is_not_null()
            & (pl.col("_link_in").is_null() | pl.col("_link_out").is_null())
        )
        .unique("attempt_id", keep="first", maintain_order=True)
        .select(ROW_ID, "attempt_id")
        .collect()
    )


def _grouped(events: pl.DataFrame, member: pl.DataFrame) -> pl.DataFrame:
    """4. One row per attempt: its rows, first and last time, outcome, inferred, link
    hash and duration, in first_time order."""
    # Every event with its attempt, in time order; then only this copy is kept for the
    # group-by (the events and their members next to it were ~70 MB more at its peak).
    joined = events.select(ROW_ID, "time", "outcome").join(
        member, on=ROW_ID, how="inner", maintain_order="left"
    )
    settled = pl.col("outcome").filter(~pl.col("outcome").is_in(["pending", "interrupt"]))
    interrupted = pl.when(_INTERRUPT.any()).then(pl.lit("interrupt", Outcome))
    done_outcome = pl.coalesce(settled.last(), interrupted)
    attempts = (
        joined.lazy()
        # Grouped in attempt order, each attempt's events kept in time order (a stable
        # sort): a group-by of the unsorted column held ~100 MB more at its peak than
        # the sort and the sorted group-by together (900k events).
        .sort("attempt_id", maintain_order=True)
        .group_by("attempt_id", maintain_order=True)
        .agg(
            pl.col(ROW_ID).alias("row_ids"),
            pl.col("time").min().alias("first_time"),
            pl.col("time").max().alias("last_time"),
            done_outcome.alias("outcome"),
            pl.col("inferred").any(),
            pl.col("link").drop_nulls().first(),
        )
        .with_columns(
            ((pl.col("last_time") - pl.col("first_time")).dt.total_microseconds() / 1e6).alias(
                "duration_seconds"
            ),
            pl.col("outcome").fill_null("pending"),
        )
        .collect()
    )
    # Groups come in attempt_id order (their first events' rows, in time order in a
    # loaded frame), nearly always the order wanted: sorting (a copy of every attempt)
    # only when not.
    if not _in_order(attempts, "first_time", "attempt_id"):
        attempts = attempts.sort("first_time", "attempt_id")
    return attempts


def _described(
    frame: pl.DataFrame, attempts: pl.DataFrame, key_rows: pl.LazyFrame, user: pl.Expr
) -> pl.DataFrame:
    """5. Who, where and what each attempt is, and its link as text, in ATTEMPT_SCHEMA.
    Columns are added beside the attempts' own (shared, not copied), each worked out
    from the attempts' keys only: a join of the whole attempts frame copies all of it."""
    # Who, where and what: the attempt's first event's (pairing made them agree).
    who = _at_rows(frame, attempts["row_ids"].list.first(), _who(user))
    attempts = attempts.with_columns(who.get_columns())
    del who
    # The link texts back: a linked attempt's id is its initiation's row, which holds it.
    linked_ids = attempts.filter(pl.col("link").is_not_null())["attempt_id"]
    texts = key_rows.filter(pl.col(ROW_ID).is_in(linked_ids.implode())).select(
        pl.col(ROW_ID).alias("attempt_id"),
        pl.coalesce("saml:" + _SAML_OUT, "code:" + pl.col("oauth_code")).alias("_text"),
    )
    link = (
        attempts.lazy()
        .select("attempt_id", "link")
        .join(texts, on="attempt_id", how="left", maintain_order="left")
        .select(pl.when(pl.col("link").is_not_null()).then("_text").alias("link"))
        .collect()
    )
    attempts = attempts.with_columns(link.to_series())
    return attempts.select(pl.col(k).cast(v) for k, v in ATTEMPT_SCHEMA.items())


def _steps(events: pl.DataFrame, member: pl.DataFrame, window: timedelta) -> pl.DataFrame:
    """Members for the interrupts: each joins the attempt of the first completion of the
    same user/app/type/kind at or after it within `window` (a sign-in goes on after an MFA
    prompt or "keep me signed in?"); one with no completion is an attempt of its own."""
    is_step = pl.col("outcome") == "interrupt"
    steps = events.lazy().filter(is_step).select(ROW_ID, pl.col("time").set_sorted(), "_pair")
    completions = (
        events.lazy()
        .filter(~is_step & (pl.col("outcome") != "pending"))
        .select(pl.col(ROW_ID).alias("_done"), pl.col("time").set_sorted(), "_pair")
        # A completion in no attempt is its own (`member` may leave those out).
        .join(member.lazy(), left_on="_done", right_on=ROW_ID, how="left", maintain_order="left")
    )
    return (
        steps.join_asof(
            completions,
            on="time",
            by="_pair",
            strategy="forward",
            tolerance=window,
            check_sortedness=False,
        )
        .select(
            ROW_ID,
            pl.coalesce("attempt_id", "_done", ROW_ID).alias("attempt_id"),
            "link",
            pl.col("_done").is_not_null().alias("inferred"),
        )
        .collect()
    )


def _at_rows(frame: pl.DataFrame, row_ids: pl.Series, exprs: list[pl.Expr]) -> pl.DataFrame:
    """`exprs` at the frame's rows of these row_ids, in their order: only those rows are
    worked out (a join by row_id hashed the whole frame, ~60 MB for a million rows)."""
    read = sorted({name for expr in exprs for name in expr.meta.root_names()})
    picked = at_positions(frame, row_ids, read)
    if picked is None:
        picked = (
            row_ids.alias(ROW_ID)
            .to_frame()
            .join(frame.select(ROW_ID, *read), on=ROW_ID, how="left", maintain_order="left")
        )
    # Polars 2.1's streaming engine panics on these categorical columns.
    return picked.lazy().select(exprs).collect(engine="in-memory")


def _who(user: pl.Expr) -> list[pl.Expr]:
    """An event's app, user and kind, as categoricals: joined and grouped by their codes,
    not copied as text (a million events cast to strings took ~1 GB at the peak)."""
    return [
        pl.col("app").cast(pl.Categorical),
        user.alias("user_key"),
        kind_expr().cast(pl.Categorical).alias("kind"),
    ]


def _in_order(frame: pl.DataFrame, time: str, ident: str) -> bool:
    """Whether the frame is sorted by `time`, ties by `ident` (a time-sorted frame whose
    tied rows are in another order is not: stitching must not depend on it)."""
    step, ident_step = pl.col(time).cast(pl.Int64).diff(), pl.col(ident).cast(pl.Int64).diff()
    ordered = (step > 0) | ((step == 0) & (ident_step > 0))
    # A null time (no place in the order) is not in order: the frame is sorted then.
    return bool(frame.select(ordered.slice(1).all(ignore_nulls=False)).item())


# A SAML ID and an OAuth code that happened to be the same text must not link.
SAML_SEED, CODE_SEED, PAIR_SEED = 1, 2, 3


def _hash(link: pl.Expr, seed: int) -> pl.Expr:
    """A link ID as a 64-bit hash (null stays null). Two different IDs sharing a hash
    would need ~4 billion links for even odds: a log has at most millions."""
    return pl.when(link.is_not_null()).then(link.hash(seed=seed))


def attempt_of(
    attempts: pl.DataFrame | None, row_id: int, frame: pl.DataFrame | None = None
) -> dict | None:
    """The attempt holding `row_id` as a dict (ATTEMPT_SCHEMA keys), or None. Given the
    `frame` the attempts were stitched from, an event in none of them is an attempt of its
    own (what `stitch_attempts(..., singles=False)` leaves out). None attempts (none
    stitched yet): None."""
    if attempts is None:
        return None
    found = attempts.filter(pl.col("row_ids").list.contains(row_id))
    if found.height:
        return found.row(0, named=True)
    return None if frame is None else _single(frame, row_id)


def _single(frame: pl.DataFrame, row_id: int) -> dict | None:
    """The attempt of one event, row `row_id` of `frame`, as `stitch_attempts` makes it:
    its outcome is the event's (an event's outcome is one of the attempt outcomes)."""
    frame = with_row_id(frame)
    ids = pl.Series([row_id], dtype=pl.UInt32)
    rows = at_positions(frame, ids, ["time", "outcome"])
    if rows is None:
        rows = frame.filter(pl.col(ROW_ID) == row_id)
    rows = rows.filter(event_rows(rows))
    if rows.is_empty():
        return None
    user = pl.col(USER_KEY) if USER_KEY in frame.columns else identity_key(pl.col("user"))
    who = _at_rows(frame, ids, _who(user))
    single = rows.select(
        pl.col(ROW_ID).cast(pl.UInt32).alias("attempt_id"),
        pl.concat_list(pl.col(ROW_ID).cast(pl.UInt32)).alias("row_ids"),
        pl.col("time").alias("first_time"),
        pl.col("time").alias("last_time"),
        ((pl.col("time") - pl.col("time")).dt.total_microseconds() / 1e6).alias("duration_seconds"),
        pl.col("outcome").cast(pl.String),
        pl.lit(False).alias("inferred"),
        pl.lit(None, pl.String).alias("link"),
    ).with_columns(who.get_columns())
    return single.select(pl.col(k).cast(v) for k, v in ATTEMPT_SCHEMA.items()).row(0, named=True)
