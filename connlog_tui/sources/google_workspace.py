"""Google Workspace login (and SAML / token) activities from the Admin SDK Reports API:
activity objects (`kind: admin#reports#activity`, `id.time`, `id.applicationName`,
`actor.email`, `ipAddress`, `events`), as the API's `{"items": [...]}` response, an
array or JSON Lines. `events` may be an array (the API) or a single object (some
exporters), and exporters that flatten one event per record put `name`, `type` and
`parameters` at the top. Each event is a row."""

from __future__ import annotations

import re
from typing import Any

from connlog_tui.sources.base import ReadResult, Source
from connlog_tui.sources.jsonrecords import (
    compact,
    dig,
    first,
    keys_lower,
    read_records,
    result_from_rows,
    sniff_records,
    text,
)

REASON_PARAMETERS = ("login_failure_type", "failure_type", "saml_status_code", "error_message")
APP_PARAMETERS = ("application_name", "app_name", "client_id", "saml_second_level_status_code")


def parameters(event: dict) -> dict[str, Any]:
    """An event's parameters as name -> value (value, intValue, boolValue, multiValue...)."""
    given = dig(event, "parameters")
    if isinstance(given, dict):
        return dict(given)  # some exporters flatten the list into an object
    found: dict[str, Any] = {}
    for param in given or []:
        if not isinstance(param, dict) or "name" not in param:
            continue
        value = next((param[k] for k in param if k != "name" and k.lower().endswith("value")), None)
        if value is None:
            value = next((param[k] for k in param if k != "name"), None)
        found[str(param["name"])] = value
    return found


def _outcome(name: str, params: dict) -> str:
    lowered = name.lower()
    if re.search(r"fail|denied|blocked|reject", lowered):
        return "failure"
    if "success" in lowered or lowered in ("authorize", "login_verification_passed"):
        return "success"
    if "challenge" in lowered or "verification" in lowered:
        status = str(params.get("login_challenge_status", "")).lower()
        if "fail" in status:
            return "failure"
        if "pass" in status:
            return "success"
        # Asked for a second step with no result recorded: a step of a login that may still
        # succeed, so an interrupt (as Entra's MFA-required codes), not a failure.
        return "interrupt"
    return "info"


def events(record: dict) -> list[dict]:
    found = dig(record, "events")
    if isinstance(found, dict):
        return [found]
    if isinstance(found, list) and found:
        return [e for e in found if isinstance(e, dict)]
    if dig(record, "name") is not None:
        return [record]  # flattened: one event per record
    return [{}]


def rows(record: dict) -> list[dict[str, Any]]:
    application = text(dig(record, "id.applicationName"))
    out = []
    for event in events(record):
        name = text(dig(event, "name")) or ""
        params = parameters(event)
        outcome = _outcome(name, params)
        reason = None
        if outcome == "failure":
            reason = next((text(params[k]) for k in REASON_PARAMETERS if k in params), None)
        app = next((text(params[k]) for k in APP_PARAMETERS[:3] if params.get(k)), None)
        summary = "; ".join(f"{k}={text(v)}" for k, v in params.items())[:2000]
        out.append(
            {
                "time": text(dig(record, "id.time")),
                "app": app or (f"Google {application}" if application else "Google Workspace"),
                "action": name or None,
                "request_type": text(dig(event, "type")) or application,
                "user": text(first(record, "actor.email", "actor.profileId")),
                "request": summary or None,
                "outcome": outcome,
                "reason": reason,
                "ip": text(dig(record, "ipAddress")),
            }
        )
    return out


def is_activity(record: dict) -> bool:
    if str(dig(record, "kind") or "").startswith("admin#reports#activity"):
        return True
    keys = keys_lower(record)
    return (
        isinstance(dig(record, "id"), dict)
        and dig(record, "id.applicationName") is not None
        and bool(keys & {"events", "name", "actor"})
    )


SIGNATURE = {"kind", "id", "actor", "events", "ipaddress"}


class GoogleWorkspaceReader:
    name = "google_workspace"
    description = "Google Workspace Admin SDK login / SAML / token activities (JSON, JSON Lines)"

    def sniff(self, source: Source) -> float:
        return sniff_records(source, is_activity, SIGNATURE)

    def read(self, source: Source) -> ReadResult:
        good, bad = read_records(source)
        out, lines = [], []
        for line, record in good:
            payload = compact(record)
            try:
                mapped = rows(record)
            except (TypeError, ValueError, AttributeError) as exc:
                bad.append((line, f"unexpected record shape ({exc})", payload[:2000]))
                continue
            for row in mapped:
                row["response"] = payload
                out.append(row)
                lines.append(line)
        return result_from_rows(source, self.name, out, lines, bad)
