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
# CHALLENGE, UNKNOWN.
OUTCOMES = {
    "SUCCESS": "success",
    "ALLOW": "success",
    "FAILURE": "failure",
    "DENY": "failure",
    "CHALLENGE": "pending",
}


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
        "request_type": event_type.split(".", 1)[0] if event_type else None,
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
