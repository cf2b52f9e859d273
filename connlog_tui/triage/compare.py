"""Compare a failed login with a working one: what differs in the payloads.

Cost: decodes the failed row and at most a few candidate successful rows (about 1 ms
each); finding the candidates (same application, nearest in time) is vectorised.
"""

from __future__ import annotations

from datetime import UTC, datetime

import polars as pl

from connlog_tui.decode import decode_payload
from connlog_tui.decode.timefmt import parse_iso, span
from connlog_tui.payloads import PayloadStore, fill
from connlog_tui.schema import ROW_ID, USER_KEY

from .attempts import attempt_of
from .diagnoses import rows_with_ids, with_row_id

MAX_CANDIDATES = 8  # successful rows decoded at most, nearest first
ABSENT = "(absent)"
TIMING_TOLERANCE = 60.0  # seconds: closer timings are not reported as differences

# Compared by value whoever signed in: they describe the set-up, not the person.
STRUCTURAL = (
    "Message",
    "Issuer",
    "Destination",
    "Recipient",
    "Audience",
    "NameID Format",
    "NameIDPolicy Format",
    "StatusCode",
    "SubStatusCode",
    "StatusMessage",
    "Signed",
    "EncryptedAssertion",
    "AuthnContext",
    "ProtocolBinding",
    "AssertionConsumerServiceURL",
    "alg",
    "enc",
    "typ",
    "iss",
    "aud",
    "azp",
    "appid",
    "client_id",
    "tid",
    "ver",
    "scp",
    "scope",
    "roles",
    "error",
    "error_description",
)
# Different in every message: compared by presence only.
PER_MESSAGE = {
    "ID",
    "Assertion ID",
    "timestamp",
    "trace_id",
    "correlation_id",
    "InResponseTo",
    "IssueInstant",
    "Assertion IssueInstant",
    "NotBefore",
    "NotOnOrAfter",
    "Subject NotOnOrAfter",
    "AuthnInstant",
    "SessionIndex",
    "SessionNotOnOrAfter",
    "kid",
    "jti",
    "nonce",
    "iat",
    "nbf",
    "exp",
    "auth_time",
    "sid",
    "uti",
    "at_hash",
    "c_hash",
    "error_uri",
}


class Comparison(list):
    """(field, failed value, working value) differences; a list, plus where it came from.

    `working_row_id` is None when there is no successful login of the application to
    compare with (the list is then empty and `note` says so).
    """

    def __init__(
        self,
        items=(),
        *,
        failed_row_id: int | None = None,
        working_row_id: int | None = None,
        note: str = "",
    ) -> None:
        super().__init__(items)
        self.failed_row_id = failed_row_id
        self.working_row_id = working_row_id
        self.note = note

    @property
    def found_working(self) -> bool:
        return self.working_row_id is not None


def payload_facts(request: str | None, response: str | None) -> dict[str, str]:
    """The facts of a row's SAML messages, JWTs and OAuth errors (response first)."""
    facts: dict[str, str] = {}
    for payload in (response, request):
        for section in decode_payload(payload).sections:
            if section.kind not in ("saml", "jwt", "oauth-error"):
                continue
            for key, value in section.facts:
                facts.setdefault(key, value)
    return facts


def compare_with_working(
    frame: pl.DataFrame,
    row_id: int,
    attempts: pl.DataFrame | None = None,
    *,
    max_candidates: int = MAX_CANDIDATES,
    payloads: PayloadStore | None = None,
) -> Comparison:
    """Differences between a failed row (or the failing event of its attempt, when
    `attempts` from stitch_attempts of `frame` is given, with its attempts of one event
    or without) and the nearest-in-time successful login
    of the same application (same kind, SSO or SLO).

    Set-up fields (issuer, audience, destination, NameID format, status, signing, ...)
    are compared by value; attributes and other claims by value when the working login
    is the same user's, else by presence (values differ from person to person); timing
    (issue time and validity against the event time, attempt duration) when it differs
    by over a minute or expiry flips. `payloads`: a lean load's store.
    """
    frame = with_row_id(frame)
    rows = rows_with_ids(frame, [row_id])
    if rows.is_empty():
        return Comparison(note=f"no row {row_id}")
    failed_attempt = attempt_of(attempts, row_id, frame)
    if failed_attempt is not None:
        events = rows_with_ids(frame, failed_attempt["row_ids"])
        failures = events.filter(pl.col("outcome") == "failure")
        rows = failures.tail(1) if failures.height else rows
    failed = fill(rows.head(1), payloads).row(0, named=True)
    kind = _kind(failed)
    nearest = _nearest_successes(frame, failed, max_candidates, payloads)
    same_kind = [c for c in nearest if _kind(c) == kind]
    if not same_kind:
        app = failed.get("app")
        return Comparison(
            failed_row_id=failed[ROW_ID],
            note=f"no successful {'logout' if kind == 'SLO' else 'login'} of "
            f"{app or 'this application'} in the log to compare with",
        )
    failed_facts = payload_facts(failed.get("request"), failed.get("response"))
    working, working_facts = _working(same_kind[:max_candidates], failed_facts)
    same_user = _user(failed) == _user(working) and _user(failed) is not None
    diffs = _fact_differences(failed_facts, working_facts, same_user)
    diffs += _timing_differences(failed, failed_facts, working, working_facts)
    working_attempt = attempt_of(attempts, working[ROW_ID], frame)
    diffs += _attempt_differences(failed_attempt, working_attempt)
    who = "the same user" if same_user else "another user"
    note = (
        f"compared with {who}'s successful login at {_when(working['time'])}"
        if diffs
        else f"no differences from {who}'s successful login at {_when(working['time'])}"
    )
    return Comparison(
        diffs, failed_row_id=failed[ROW_ID], working_row_id=working[ROW_ID], note=note
    )


def _nearest_successes(
    frame: pl.DataFrame, failed: dict, max_candidates: int, payloads: PayloadStore | None
):
    """The successful rows of the failed row's application, nearest in time first (ties
    in row order), with their payloads: a few times `max_candidates`, as some are of the
    other kind (SSO or SLO)."""
    app = failed.get("app")
    candidates = (
        frame.lazy()
        .filter(
            (pl.col("outcome") == "success")
            & (pl.col("app").is_null() if app is None else pl.col("app").cast(pl.String) == app)
            & (pl.col(ROW_ID) != failed[ROW_ID])
        )
        .with_columns(
            (pl.col("time") - pl.lit(failed["time"])).abs().alias("_distance"),
        )
        .sort("_distance", ROW_ID, nulls_last=True)
        .head(max_candidates * 4)
        .collect()
    )
    return fill(candidates, payloads).iter_rows(named=True)


def _working(candidates: list[dict], failed_facts: dict[str, str]) -> tuple[dict, dict[str, str]]:
    """The working login to compare with, and its facts: the nearest candidate whose
    messages have the failed one's shape, else the nearest."""
    for candidate in candidates:
        facts = payload_facts(candidate.get("request"), candidate.get("response"))
        if facts and _same_shape(failed_facts, facts):
            return candidate, facts
    working = candidates[0]
    return working, payload_facts(working.get("request"), working.get("response"))


def _attempt_differences(failed: dict | None, working: dict | None) -> list[tuple[str, str, str]]:
    """How the two attempts differ, when both rows are in one: the initiating request
    they were linked by, and their durations (past TIMING_TOLERANCE)."""
    if failed is None or working is None:
        return []
    diffs = []
    a, b = _linkage(failed), _linkage(working)
    if a != b:
        diffs.append(("initiating request", a, b))
    a, b = failed["duration_seconds"], working["duration_seconds"]
    if a is not None and b is not None and abs(a - b) >= TIMING_TOLERANCE:
        diffs.append(("attempt duration", span(a), span(b)))
    return diffs


def _linkage(attempt: dict) -> str:
    if attempt["link"]:
        return "linked by ID"
    if attempt["inferred"]:
        return "paired by user and time (no ID link)"
    return "none in the log" if len(attempt["row_ids"]) == 1 else "unlinked"


def _kind(row: dict) -> str:
    text = f"{row.get('action') or ''} {row.get('request_type') or ''}".lower()
    return "SLO" if ("slo" in text.split() or "logout" in text or "sign-out" in text) else "SSO"


def _user(row: dict) -> str | None:
    user = row.get(USER_KEY) or row.get("user")
    return user.strip().lower() if isinstance(user, str) and user.strip() else None


def _same_shape(a: dict[str, str], b: dict[str, str]) -> bool:
    """Both SAML, or both JWT/OAuth: comparing a SAML Response with a token is noise."""
    return ("Message" in a) == ("Message" in b)


def _fact_differences(
    failed: dict[str, str], working: dict[str, str], same_user: bool
) -> list[tuple[str, str, str]]:
    diffs = []
    for key in STRUCTURAL:
        a, b = failed.get(key), working.get(key)
        if a != b and (a is not None or b is not None):
            diffs.append((key, a or ABSENT, b or ABSENT))
    others = [k for k in dict.fromkeys([*failed, *working]) if k not in STRUCTURAL]
    for key in others:
        a, b = failed.get(key), working.get(key)
        if a == b:
            continue
        if a is None or b is None:
            diffs.append((key, a or ABSENT, b or ABSENT))
        elif same_user and key not in PER_MESSAGE:
            diffs.append((key, a, b))
    return diffs


def _timing_differences(
    failed: dict, failed_facts: dict[str, str], working: dict, working_facts: dict[str, str]
) -> list[tuple[str, str, str]]:
    diffs = []
    for label, issued_keys, sign in (
        ("issued before the event", ("IssueInstant", "Assertion IssueInstant", "iat"), 1),
        ("validity left at the event", ("NotOnOrAfter", "Subject NotOnOrAfter", "exp"), -1),
    ):
        a = _offset(failed["time"], failed_facts, issued_keys, sign)
        b = _offset(working["time"], working_facts, issued_keys, sign)
        if a is None and b is None:
            continue
        flipped = a is not None and b is not None and (a < 0) != (b < 0)
        if a is None or b is None or flipped or abs(a - b) >= TIMING_TOLERANCE:
            diffs.append((label, _signed(a), _signed(b)))
    return diffs


def _offset(event: datetime | None, facts: dict[str, str], keys, sign: int) -> float | None:
    """Seconds from the fact's time to the event (sign 1) or from the event to it (-1)."""
    if event is None:
        return None
    parsed = (parse_iso(facts.get(k)) for k in keys)
    times = [t for t in parsed if t is not None]
    if not times:
        return None
    moment = min(times) if sign < 0 else max(times)
    event = event.astimezone(UTC) if event.tzinfo else event.replace(tzinfo=UTC)
    return (event - moment).total_seconds() * sign


def _signed(seconds: float | None) -> str:
    if seconds is None:
        return ABSENT
    return span(seconds) if seconds >= 0 else f"-{span(-seconds)} (already past)"


def _when(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%SZ") if moment else "an unknown time"
