"""Okta System Log events: the body of `GET /api/v1/logs` (a JSON array) or JSON Lines
(one event per line, as SIEM exports and log streams write them)."""

from __future__ import annotations

from typing import Any

from connlog_tui.sources.base import ReadResult, Source
from connlog_tui.sources.jsonrecords import (
    dig,
    first,
    keys_lower,
    read_mapped,
    sniff_records,
    text,
)

# outcome.result values (Okta's LogOutcome): SUCCESS, FAILURE, SKIPPED, ALLOW, DENY,
# CHALLENGE, UNKNOWN. CHALLENGE is a step-up (MFA, re-authentication) asked for in the
# middle of a sign-in that may still succeed: an interrupt, not a failure.
OUTCOMES = {
    "SUCCESS": "success",
    "ALLOW": "success",
    "FAILURE": "failure",
    "DENY": "failure",
    "CHALLENGE": "interrupt",
}

# eventType families (Okta's event type catalogue), most specific prefix first: the
# first segment alone is nearly always `user`, which says nothing.
FAMILIES = (
    ("user.session", "Session"),
    ("user.authentication", "Authentication"),
    ("user.mfa", "MFA"),
    ("user.factor", "MFA"),
    ("user.account", "Account"),
    ("user.lifecycle", "User lifecycle"),
    ("user.credential", "Credentials"),
    ("app.oauth2", "OAuth 2.0"),
    ("policy", "Policy"),
    ("application", "Application"),
    ("app", "Application"),
    ("group", "Group"),
    ("security", "Security"),
    ("system", "System"),
    ("user", "User"),
)


def family(event_type: str | None) -> str | None:
    """The family an eventType belongs to (`user.session.start` -> Session)."""
    if not event_type:
        return None
    lowered = event_type.lower()
    for prefix, name in FAMILIES:
        if lowered == prefix or lowered.startswith(prefix + "."):
            return name
    return event_type.split(".", 1)[0]


def _app(record: dict) -> str | None:
    """The application the event concerns: the AppInstance target, else Okta itself."""
    targets = dig(record, "target")
    if isinstance(targets, list):
        for target in targets:
            if isinstance(target, dict) and str(dig(target, "type", "")).lower() == "appinstance":
                return text(first(target, "displayName", "alternateId"))
    return "Okta"


def to_row(record: dict) -> dict[str, Any]:
    event_type = text(dig(record, "eventType"))
    result = (text(dig(record, "outcome.result")) or "").upper()
    outcome = OUTCOMES.get(result, "info")
    reason = text(dig(record, "outcome.reason"))
    return {
        "time": text(dig(record, "published")),
        "app": _app(record),
        "action": event_type,
        "request_type": family(event_type),
        "user": text(first(record, "actor.alternateId", "actor.displayName")),
        "request": text(dig(record, "displayMessage")),
        "outcome": outcome,
        "reason": reason if outcome != "success" else None,
        "ip": text(first(record, "client.ipAddress", "request.ipChain.0.ip")),
    }


def is_okta_event(record: dict) -> bool:
    keys = keys_lower(record)
    return (
        "eventtype" in keys
        and bool(keys & {"legacyeventtype", "displaymessage", "actor", "published"})
        and bool(keys & {"outcome", "actor", "client", "severity"})
    )


SIGNATURE = {"eventtype", "published", "actor", "outcome", "client", "displaymessage"}


class OktaReader:
    name = "okta"
    description = "Okta System Log (API response array or JSON Lines)"

    def sniff(self, source: Source) -> float:
        return sniff_records(source, is_okta_event, SIGNATURE, certainty=0.95)

    def read(self, source: Source) -> ReadResult:
        return read_mapped(source, self.name, to_row)
