"""Why did a login fail? A few typed facts from the request/response payloads."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime

from .core import decode_payload
from .model import Section
from .saml import SUCCESS, short_status
from .timefmt import parse_iso, span


@dataclass(frozen=True)
class Diagnosis:
    reason: str | None
    skew_seconds: float | None
    expired: bool
    audience: str | None
    destination: str | None
    summary: str | None


NOTHING = Diagnosis(None, None, False, None, None, None)
SKEW_WARN_SECONDS = 300  # common default clock-skew allowance of SAML/OIDC libraries
# What Microsoft Entra appends to every error_description: the request's own identifiers
# and time. Left out of the reason, so that one error is one reason (one triage group).
_PER_REQUEST = re.compile(r"\s*(?:Trace ID|Correlation ID|Timestamp):.*", re.DOTALL)


def diagnose(
    request: str | None, response: str | None, event_time: datetime | None, app: str | None = None
) -> Diagnosis:
    """Diagnose one failing row. Never raises; unknown payloads give an empty Diagnosis."""
    try:
        return _diagnose(request, response, event_time, app)
    except Exception:  # a diagnosis must never break the caller
        return NOTHING


def _diagnose(request, response, event_time, app) -> Diagnosis:
    sections = [*decode_payload(response).sections, *decode_payload(request).sections]
    saml = [dict(s.facts) for s in sections if s.kind == "saml"]
    jwts = [dict(s.facts) for s in sections if s.kind == "jwt"]
    reason = _reason(sections, saml)

    # Prefer the message carrying an assertion; a JWT only when there is no SAML.
    with_times = [f for f in saml if "NotOnOrAfter" in f or "Subject NotOnOrAfter" in f]
    facts = (with_times or saml or jwts or [{}])[0]
    is_saml = bool(saml) and facts in saml
    if is_saml:
        issued = parse_iso(facts.get("IssueInstant") or facts.get("Assertion IssueInstant"))
        limits = [parse_iso(facts.get(k)) for k in ("NotOnOrAfter", "Subject NotOnOrAfter")]
        not_after = min((t for t in limits if t), default=None)
        not_before = parse_iso(facts.get("NotBefore"))
        audience = facts.get("Audience")
        destination = facts.get("Destination") or facts.get("Recipient")
    else:
        issued, not_after, not_before = (parse_iso(facts.get(k)) for k in ("iat", "exp", "nbf"))
        audience, destination = facts.get("aud"), None

    event = _aware(event_time)
    skew = (event - issued).total_seconds() if event and issued else None
    late = (event - not_after).total_seconds() if event and not_after else None
    early = (not_before - event).total_seconds() if event and not_before else None
    expired = (late is not None and late >= 0) or (early is not None and early > 0)

    thing = "Assertion" if is_saml else "Token"
    who = app or "the service provider"
    if reason:
        summary = f"Sign-in refused by the identity provider: {reason}"
    elif late is not None and late >= 0:
        summary = f"{thing} expired {_span(late)} before it reached {who}: check the IdP's clock"
    elif early is not None and early > 0:
        summary = (
            f"{thing} not valid until {_span(early)} after it reached {who} "
            "(NotBefore): the IdP's clock is ahead"
        )
    elif any(f.get("EncryptedAssertion") == "yes" for f in saml):
        summary = "Assertion is encrypted: its validity times cannot be checked here"
    elif skew is not None and abs(skew) >= SKEW_WARN_SECONDS:
        side = "before" if skew > 0 else "after"
        summary = f"{thing} issued {_span(abs(skew))} {side} the event: clocks may be out of sync"
    else:
        summary = None
    return Diagnosis(reason, skew, expired, audience, destination, summary)


def _reason(sections: list[Section], saml: list[dict[str, str]]) -> str | None:
    for facts in saml:
        code = facts.get("StatusCode")
        if code and code != SUCCESS:
            codes = " / ".join(
                c for c in map(short_status, (code, facts.get("SubStatusCode"))) if c
            )
            message = facts.get("StatusMessage")
            return f"{codes}: {message}" if message else codes
    for section in sections:
        if section.kind == "oauth-error":
            facts = dict(section.facts)
            error, description = facts.get("error"), facts.get("error_description")
            description = _PER_REQUEST.sub("", description or "")
            return f"{error}: {description}" if description else error
    return None


def _aware(moment: datetime | None) -> datetime | None:
    if moment is None:
        return None
    return moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)


def _span(seconds: float) -> str:
    return "under a second" if seconds < 1 else span(seconds)
