"""Why did each failing row fail: derived columns and a one-line plain-English diagnosis.

Cost: decoding a row's payloads (`decode.diagnose`, about 1 ms per SAML row) is the only
per-row Python work; it runs once per frame, for the failing rows only, in chunks
(`iter_diagnoses`) so a UI worker can show progress. Everything else (HTTP status and
connector messages, mismatches, the wording) is vectorised Polars over those rows.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import cast

import polars as pl

from connlog_tui.decode import Diagnosis, diagnose
from connlog_tui.payloads import PayloadStore, fill, release_pages
from connlog_tui.schema import ROW_ID

DIAGNOSIS_SCHEMA: dict[str, pl.DataType] = {
    ROW_ID: pl.UInt32(),
    "failure_reason": pl.String(),
    "skew_seconds": pl.Float64(),
    "expired": pl.Boolean(),
    "audience": pl.String(),
    "destination": pl.String(),
    "mismatch": pl.String(),
    "diagnosis": pl.String(),
}
# The columns diagnose_rows adds to a frame (apply_diagnoses), row_id being the join key.
DERIVED: tuple[str, ...] = tuple(k for k in DIAGNOSIS_SCHEMA if k != ROW_ID)

BASELINE_SCHEMA: dict[str, pl.DataType] = {
    "app": pl.String(),
    "kind": pl.String(),
    "usual_audience": pl.String(),
    "usual_destination": pl.String(),
    "sampled": pl.UInt32(),
}
BASELINE_SAMPLE = 25  # successful logins decoded per application (the most recent ones)
NO_REASON = "No reason recorded"

# Payload markers of a message that can carry an audience (SAML assertion or a JWT).
_AUDIENCE_MARKERS = ["SAMLResponse", "Assertion", "eyJ"]
_CONTROLS = r"[\x00-\x1F\x7F-\x9F\x{2028}\x{2029}]+"
_HTTP_LINE = r"^\s*HTTP/[0-9.]+\s+([45][0-9]{2}\b[^\r\n]*)"
_HTML_TITLE = r"(?i)<title>\s*([45][0-9]{2}\b[^<]*)</title>"
_JSON_STATUS = r'"status"\s*:\s*"?([45][0-9]{2})\b'
_JSON_TITLE = r'"title"\s*:\s*"([^"\\]{1,120})"'
_JSON_MESSAGE = r'"(?:message|error_message|errorSummary|detail)"\s*:\s*"((?:[^"\\]|\\.){1,300})"'
_VALUE_LIMIT = 80


def kind_expr() -> pl.Expr:
    """ "SLO" for logout events (action or request type says so), else "SSO".

    Worked out on the columns' distinct values, then matched by value: a million rows'
    action and request type cast to text took ~40 MB and four times as long."""
    return (
        pl.when(_says_logout("action") | _says_logout("request_type"))
        .then(pl.lit("SLO"))
        .otherwise(pl.lit("SSO"))
    )


def _says_logout(column: str) -> pl.Expr:
    # `values` is worked out twice (the filter and its mask): in order of appearance, so
    # both passes agree (an unordered unique's passes may not, in a lazy query).
    values = pl.col(column).unique(maintain_order=True).drop_nulls()
    logout = values.filter(values.cast(pl.String).str.contains(_LOGOUT))
    return pl.col(column).is_in(logout.implode()).fill_null(False)


_LOGOUT = r"(?i)\bSLO\b|logout|sign[- ]?out"


def with_row_id(frame: pl.DataFrame) -> pl.DataFrame:
    """The frame with a row_id (its positions) if it has none yet."""
    return frame if ROW_ID in frame.columns else frame.with_row_index(ROW_ID)


def at_positions(
    frame: pl.DataFrame, row_ids: pl.Series, columns: list[str] | None = None
) -> pl.DataFrame | None:
    """The rows with these row_ids (and `columns` of them, else all), in their order,
    picked by position: a loaded frame's row_id is its position, so they are picked and
    checked, not searched for (a filter or join scanned or hashed the whole frame). None
    when the rows are not where their row_ids say (a filtered or re-ordered frame)."""
    top = cast("int | None", row_ids.max())  # row ids are integers
    if top is not None and top >= frame.height:
        return None
    picked = (frame if columns is None else frame.select(ROW_ID, *columns))[row_ids]
    return picked if picked[ROW_ID].equals(row_ids) else None


def rows_with_ids(frame: pl.DataFrame, row_ids) -> pl.DataFrame:
    """The rows of `frame` (which has a row_id) whose row_id is one of `row_ids`, in the
    frame's order."""
    ids = pl.Series(ROW_ID, row_ids, dtype=pl.UInt32).unique().sort()
    picked = at_positions(frame, ids)
    return picked if picked is not None else frame.filter(pl.col(ROW_ID).is_in(ids.implode()))


def failing_rows(frame: pl.DataFrame) -> pl.Series:
    """Positions of the rows whose outcome is failure (vectorised)."""
    if frame.is_empty():
        return pl.Series("index", [], pl.UInt32)
    return frame.select(pl.arg_where(pl.col("outcome") == "failure").alias("index")).to_series()


def empty_diagnoses() -> pl.DataFrame:
    return pl.DataFrame(schema=DIAGNOSIS_SCHEMA)


def baselines(
    frame: pl.DataFrame, sample: int = BASELINE_SAMPLE, payloads: PayloadStore | None = None
) -> pl.DataFrame:
    """Per application and kind (SSO, SLO), the audience and destination its successful
    logins (logouts) use most.

    Decodes at most `sample` of each application's most recent successful rows whose
    payloads can carry an audience (SAML responses, JWTs): bounded cost on any frame.
    """
    if frame.is_empty() or "outcome" not in frame.columns:
        return pl.DataFrame(schema=BASELINE_SCHEMA)
    # Cheap columns first: the last successes per app and kind (frames are in time
    # order), then the payloads of those rows only.
    recent = (
        frame.lazy()
        .with_row_index("_pos")
        .filter(pl.col("outcome") == "success")
        .select("_pos", pl.col("app").cast(pl.String), kind_expr().alias("kind"), "time")
        .group_by("app", "kind", maintain_order=True)
        .tail(sample * 4)
        .collect()
    )
    has_marker = pl.any_horizontal(
        pl.col(c).str.contains_any(_AUDIENCE_MARKERS).fill_null(False)
        for c in ("request", "response")
    )
    texts = fill(frame[recent["_pos"]], payloads).select("request", "response")
    picked = (
        pl.concat([recent, texts], how="horizontal")
        .filter(has_marker)
        .group_by("app", "kind", maintain_order=True)
        .tail(sample)
        .select("app", "kind", "time", "request", "response")
    )
    found = []
    for app, kind, time, request, response in picked.iter_rows():
        d = diagnose(request, response, time, app)
        found.append((app, kind, d.audience, d.destination))
    seen = pl.DataFrame(
        found, schema=["app", "kind", "audience", "destination"], orient="row"
    ).cast(pl.String)

    def usual(column: str, name: str) -> pl.DataFrame:
        return (
            seen.drop_nulls(column)
            .group_by("app", "kind", column)
            .len()
            .sort(["app", "kind", "len", column], descending=[False, False, True, False])
            .group_by("app", "kind", maintain_order=True)
            .first()
            .select("app", "kind", pl.col(column).alias(name))
        )

    keys = ["app", "kind"]
    counts = seen.group_by(keys, maintain_order=True).len("sampled")
    out = counts.join(usual("audience", "usual_audience"), on=keys, how="left", nulls_equal=True)
    out = out.join(usual("destination", "usual_destination"), on=keys, how="left", nulls_equal=True)
    return out.select(pl.col(k).cast(v) for k, v in BASELINE_SCHEMA.items())


def iter_diagnoses(
    frame: pl.DataFrame,
    rows: pl.Series | None = None,
    *,
    chunk: int = 500,
    step: int | None = None,
    between: Callable[[], bool] | None = None,
    baseline: pl.DataFrame | None = None,
    payloads: PayloadStore | None = None,
) -> Iterator[pl.DataFrame]:
    """Diagnoses of the failing rows (or of `rows`, positions in the frame), `chunk` rows
    at a time, each a partial frame in DIAGNOSIS_SCHEMA. The total is `len(rows)` or
    `len(failing_rows(frame))`. Expensive: ~0.3 ms per SAML row (payload decoding).

    For a UI worker: the payloads of a chunk are read at once and its diagnosis is finished
    in one vectorised pass (~15 ms a call whatever its size), while the per-row decoding
    goes `step` rows at a time with `between()` called after each (a worker pauses there
    for the user's keys); when it returns True, the iteration stops."""
    frame = with_row_id(frame)
    positions = failing_rows(frame) if rows is None else pl.Series(rows).cast(pl.UInt32)
    if positions.is_empty():
        return
    base = baselines(frame, payloads=payloads) if baseline is None else baseline
    wanted = ["time", "app", "action", "request_type", "request", "response", "reason"]
    chunk = max(1, chunk)
    step = max(1, step or chunk)
    for start in range(0, positions.len(), chunk):
        sub = fill(frame[positions.slice(start, chunk)], payloads)
        sub = sub.with_columns(pl.lit(None, pl.String).alias(c) for c in wanted if c not in sub)
        found: list[Diagnosis] = []
        for offset in range(0, sub.height, step):
            found += _decode_rows(sub.slice(offset, step))
            if between is not None and between():
                return
        release_pages()  # decoded: a mapped frame's payload pages go back
        yield _finish(sub, found, base)


def diagnose_rows(
    frame: pl.DataFrame,
    rows: pl.Series | None = None,
    *,
    baseline: pl.DataFrame | None = None,
    payloads: PayloadStore | None = None,
) -> pl.DataFrame:
    """Diagnoses (DIAGNOSIS_SCHEMA) of every failing row, or of `rows` (positions in the
    frame). Expensive (payload decoding per row): do it once per frame, or in a worker
    with `iter_diagnoses`."""
    parts = list(iter_diagnoses(frame, rows, baseline=baseline, payloads=payloads))
    return pl.concat(parts) if parts else empty_diagnoses()


def apply_diagnoses(
    frame: pl.DataFrame, diagnoses: pl.DataFrame, columns: Iterable[str] = DERIVED
) -> pl.DataFrame:
    """The frame with the derived `columns` added, in the frame's row order.
    A diagnosis already in the frame (an export read back) is kept where none is new.
    Each added column is as long as the frame (~16 bytes a row for text, mostly null):
    a browser of millions of rows adds only the ones it shows.

    The new columns are scattered into place rather than joined, so the frame's other
    columns (payloads included) are shared, not copied."""
    frame, columns = with_row_id(frame), tuple(columns)
    new = diagnoses.unique(ROW_ID, keep="last", maintain_order=True)
    where = (
        frame.select(ROW_ID)
        .with_row_index("_pos")
        .join(new.select(pl.col(ROW_ID).cast(frame.schema[ROW_ID]), *columns), on=ROW_ID)
    )
    added = []
    for name in columns:
        dtype = new.schema[name]
        full = pl.repeat(None, frame.height, dtype=dtype, eager=True).alias(name)
        full = full.scatter(where["_pos"], where[name]) if where.height else full
        if name == "diagnosis" and "diagnosis" in frame.columns:
            full = full.fill_null(frame["diagnosis"].cast(dtype))
        added.append(full)
    return frame.with_columns(added)


def _clean(expr: pl.Expr, limit: int = 300) -> pl.Expr:
    """One line, no control characters, bounded length."""
    return expr.str.replace_all(_CONTROLS, " ").str.strip_chars().str.slice(0, limit)


def _quote(expr: pl.Expr) -> pl.Expr:
    long = expr.str.len_chars() > _VALUE_LIMIT
    short = pl.when(long).then(expr.str.slice(0, _VALUE_LIMIT - 1) + "…").otherwise(expr)
    return pl.concat_str([pl.lit("'"), _clean(short), pl.lit("'")])


def _decode_rows(sub: pl.DataFrame) -> list[Diagnosis]:
    """The per-row part: each row's payloads decoded in Python."""
    rows = sub.select("request", "response", "time", pl.col("app").cast(pl.String)).iter_rows()
    return [diagnose(request, response, time, app) for request, response, time, app in rows]


def _finish(sub: pl.DataFrame, found: list[Diagnosis], base: pl.DataFrame) -> pl.DataFrame:
    """The vectorised part: the decoded facts beside the rows, against the baseline."""
    decoded = pl.DataFrame(
        {
            "_idp": [d.reason for d in found],
            "_summary": [d.summary for d in found],
            "skew_seconds": [d.skew_seconds for d in found],
            "expired": [d.expired for d in found],
            "audience": [d.audience for d in found],
            "destination": [d.destination for d in found],
        },
        schema={
            "_idp": pl.String,
            "_summary": pl.String,
            "skew_seconds": pl.Float64,
            "expired": pl.Boolean,
            "audience": pl.String,
            "destination": pl.String,
        },
    )
    rows_frame = sub.select(
        pl.col(ROW_ID).cast(pl.UInt32),
        pl.col("app").cast(pl.String),
        pl.col("action").cast(pl.String),
        kind_expr().alias("kind"),
        pl.col("reason").cast(pl.String).alias("_reason"),
        pl.col("response").cast(pl.String).alias("_response"),
    )
    both = pl.concat([rows_frame, decoded], how="horizontal")
    both = both.join(base, on=["app", "kind"], how="left", maintain_order="left", nulls_equal=True)
    return both.select(_expressions()).select(list(DIAGNOSIS_SCHEMA))


def _expressions() -> list[pl.Expr]:
    """The diagnosis columns of the failed rows: what the log says (`_texts`), expiry and
    audience/destination checks, then the first `_rules` line that applies."""
    app = _clean(pl.col("app").fill_null("the application"), 120)
    texts = _texts()
    expired, expired_label = _expiry(texts["summary"])
    mismatch, mismatch_label, mismatch_text = _mismatch(app)
    failure_reason = pl.coalesce(
        texts["idp"],
        expired_label,
        mismatch_label,
        texts["own_reason"],
        texts["message"],
        texts["http"],
        pl.lit(NO_REASON),
    )
    rules = _rules(app, texts, expired, mismatch_text)
    otherwise = pl.concat_str(
        [pl.col("action").fill_null("Failed"), pl.lit(" with no reason in the log")]
    )
    return [
        pl.col(ROW_ID),
        failure_reason.alias("failure_reason"),
        pl.col("skew_seconds"),
        expired.alias("expired"),
        pl.col("audience"),
        pl.col("destination"),
        mismatch.alias("mismatch"),
        _clean(_first_rule(rules, otherwise), 400).alias("diagnosis"),
    ]


def _texts() -> dict[str, pl.Expr]:
    """What a failed row says, cleaned to one line: the IdP's refusal (`idp`), decode's
    summary (`summary`), the log's own reason (`own_reason`), a JSON body's message
    (`message`), the HTTP status line or page title (`http`), and what the connector
    reported (`connector`: its reason, else the body's message)."""
    response = pl.col("_response")
    summary = _clean(pl.col("_summary"))
    # decode words its IdP refusals for sign-in; a logout's refusal is a sign-out one.
    summary = (
        pl.when(pl.col("kind") == "SLO")
        .then(summary.str.replace("^Sign-in refused", "Sign-out refused"))
        .otherwise(summary)
    )
    own_reason = _clean(pl.col("_reason")).replace("", None)
    message = _clean(
        response.str.extract(_JSON_MESSAGE, 1).str.replace_all(r"\\(.)", "$1")
    ).replace("", None)
    json_status = response.str.extract(_JSON_STATUS, 1)
    json_title = response.str.extract(_JSON_TITLE, 1)
    http = pl.coalesce(
        response.str.extract(_HTTP_LINE, 1),
        response.str.extract(_HTML_TITLE, 1),
        pl.concat_str([json_status, pl.concat_str([pl.lit(" "), json_title]).fill_null("")]),
    )
    return {
        "idp": _clean(pl.col("_idp")),
        "summary": summary,
        "own_reason": own_reason,
        "message": message,
        "http": pl.concat_str([pl.lit("HTTP "), _clean(http, 80)]),
        "connector": pl.coalesce(own_reason, message),
    }


def _expiry(summary: pl.Expr) -> tuple[pl.Expr, pl.Expr]:
    """Whether the assertion or token was outside its validity, and the reason's label."""
    thing = summary.str.extract(r"^(Assertion|Token) (?:expired|not valid until)", 1)
    early = summary.str.contains(r"^(?:Assertion|Token) not valid until").fill_null(False)
    expired = pl.col("expired").fill_null(False)
    label = (
        pl.when(expired & early)
        .then(thing + " not yet valid (NotBefore)")
        .when(expired)
        .then(thing + " expired")
    )
    return expired, label


def _mismatch(app: pl.Expr) -> tuple[pl.Expr, pl.Expr, pl.Expr]:
    """An Audience or Destination unlike the one the app's successful logins use: which
    (`mismatch`), the reason's label, and the sentence saying so."""
    audience, destination = pl.col("audience"), pl.col("destination")
    usual_aud, usual_dest = pl.col("usual_audience"), pl.col("usual_destination")
    aud_off = (
        audience.is_not_null() & usual_aud.is_not_null() & (audience != usual_aud)
    ).fill_null(False)
    dest_off = (
        destination.is_not_null() & usual_dest.is_not_null() & (destination != usual_dest)
    ).fill_null(False)
    which = (
        pl.when(aud_off & dest_off)
        .then(pl.lit("audience, destination"))
        .when(aud_off)
        .then(pl.lit("audience"))
        .when(dest_off)
        .then(pl.lit("destination"))
    )
    label = (
        pl.when(aud_off)
        .then(pl.lit("Audience mismatch"))
        .when(dest_off)
        .then(pl.lit("Destination mismatch"))
    )
    successful = pl.concat_str([pl.lit(" that "), app, pl.lit("'s successful logins use")])
    also = pl.when(dest_off).then(pl.lit(" (the Destination differs too)")).otherwise(pl.lit(""))
    text = (
        pl.when(aud_off)
        .then(
            pl.concat_str(
                [
                    pl.lit("Audience "),
                    _quote(audience),
                    pl.lit(" differs from the "),
                    _quote(usual_aud),
                    successful,
                    also,
                ]
            )
        )
        .when(dest_off)
        .then(
            pl.concat_str(
                [
                    pl.lit("Destination "),
                    _quote(destination),
                    pl.lit(" differs from the "),
                    _quote(usual_dest),
                    successful,
                ]
            )
        )
    )
    return which, label, text


def _rules(
    app: pl.Expr, texts: dict[str, pl.Expr], expired: pl.Expr, mismatch_text: pl.Expr
) -> list[tuple[pl.Expr, pl.Expr]]:
    """The diagnosis rules, in order: (when it applies, the sentence). The first that
    applies to a row is its diagnosis."""
    summary, http, connector = texts["summary"], texts["http"], texts["connector"]
    in_brackets = pl.concat_str([pl.lit(" ("), http, pl.lit(")")]).fill_null("")
    return [
        # The IdP refused: decode's summary of its answer says why.
        (texts["idp"].is_not_null() & summary.is_not_null(), summary),
        # The assertion or token was outside its validity window.
        (expired & summary.is_not_null(), summary),
        # Audience or Destination unlike the app's working logins.
        (mismatch_text.is_not_null(), mismatch_text),
        # The connector logged a reason (or the body carries a message).
        (
            connector.is_not_null(),
            pl.concat_str([app, pl.lit(" reported: "), connector, in_brackets]),
        ),
        # decode recognised the payload.
        (summary.is_not_null(), summary),
        # An HTTP status line or error page.
        (http.is_not_null(), pl.concat_str([app, pl.lit(" answered "), http])),
    ]


def _first_rule(rules: list[tuple[pl.Expr, pl.Expr]], otherwise: pl.Expr) -> pl.Expr:
    """One expression: the sentence of the first rule whose condition holds (built from
    the last rule back, each falling through to the ones after it)."""
    chosen = otherwise
    for condition, sentence in reversed(rules):
        chosen = pl.when(condition).then(sentence).otherwise(chosen)
    return chosen
