"""Auth0 tenant logs: the Management API's `GET /api/v2/logs` body (a JSON array of log
events) and log-stream lines (`{"log_id": ..., "data": {...}}`, one per line)."""

from __future__ import annotations

import re
from typing import Any

import polars as pl

from connlog_tui.sources.base import ReadResult, Source
from connlog_tui.sources.jsonrecords import (
    dig,
    first,
    keys_lower,
    read_mapped,
    sniff_records,
    text,
)

# Event type code -> (name as Auth0's log event type table gives it, outcome, category).
EVENT_TYPES: dict[str, tuple[str, str, str]] = {
    "s": ("Success Login", "success", "Login"),
    "f": ("Failed Login", "failure", "Login"),
    "fp": ("Failed Login (Incorrect Password)", "failure", "Login"),
    "fu": ("Failed Login (Invalid Email/Username)", "failure", "Login"),
    "fc": ("Failed by Connector", "failure", "Login"),
    "fco": ("Failed by CORS", "failure", "Login"),
    "fcoa": ("Failed cross-origin authentication", "failure", "Login"),
    "fsa": ("Failed Silent Auth", "failure", "Login"),
    "ssa": ("Success Silent Auth", "success", "Login"),
    "w": ("Warnings During Login", "info", "Login"),
    # A second factor asked for in the middle of a login: a step, not a failure.
    "mfar": ("MFA Required", "interrupt", "Login"),
    "slo": ("Success Logout", "success", "Logout"),
    "flo": ("Failed Logout", "failure", "Logout"),
    "ss": ("Success Signup", "success", "Signup"),
    "fs": ("Failed Signup", "failure", "Signup"),
    "signup_pwd_leak": ("Breached password on signup", "failure", "Attack protection"),
    "pwd_leak": ("Breached password", "failure", "Attack protection"),
    "limit_wc": ("Blocked Account", "failure", "Attack protection"),
    "limit_mu": ("Blocked IP Address", "failure", "Attack protection"),
    "limit_sul": ("Blocked user", "failure", "Attack protection"),
    "ublkdu": ("User login block released", "info", "Attack protection"),
    "sapi": ("Success API Operation", "success", "Management API"),
    "fapi": ("Failed API Operation", "failure", "Management API"),
    "api_limit": ("Rate limit on the Authentication or Management APIs", "failure", "Limits"),
    "seacft": ("Success Exchange (Authorization Code for Access Token)", "success", "Token"),
    "feacft": ("Failed Exchange (Authorization Code for Access Token)", "failure", "Token"),
    "seccft": ("Success Exchange (Client Credentials for Access Token)", "success", "Token"),
    "feccft": ("Failed Exchange (Client Credentials for Access Token)", "failure", "Token"),
    "sertft": ("Success Exchange (Refresh Token for Access Token)", "success", "Token"),
    "fertft": ("Failed Exchange (Refresh Token for Access Token)", "failure", "Token"),
    "ferrt": ("Failed Exchange (Rotating Refresh Token)", "failure", "Token"),
    "scp": ("Success Change Password", "success", "Account"),
    "fcp": ("Failed Change Password", "failure", "Account"),
    "scpr": ("Success Change Password Request", "success", "Account"),
    "fcpr": ("Failed Change Password Request", "failure", "Account"),
    "sce": ("Success Change Email", "success", "Account"),
    "fce": ("Failed Change Email", "failure", "Account"),
    "sv": ("Success Verification Email", "success", "Account"),
    "fv": ("Failed Verification Email", "failure", "Account"),
    "du": ("Deleted User", "info", "Account"),
    "fdu": ("Failed User Deletion", "failure", "Account"),
    "sd": ("Success Delegation", "success", "Token"),
    "fd": ("Failed Delegation", "failure", "Token"),
    "gd_send_pn": ("Push notification for MFA sent", "success", "MFA"),
    "gd_send_sms": ("SMS for MFA sent", "success", "MFA"),
    "gd_auth_succeed": ("MFA Auth success", "success", "MFA"),
    "gd_auth_failed": ("MFA Auth failed", "failure", "MFA"),
    "gd_auth_rejected": ("MFA Auth rejected", "failure", "MFA"),
    "gd_enrollment_complete": ("Guardian enrollment complete", "success", "MFA"),
    "gd_otp_rate_limit_exceed": ("Too many MFA failures", "failure", "MFA"),
    "depnote": ("Deprecation Notice", "info", "Other"),
}


def event(record: dict) -> dict:
    """The event itself: a log-stream line holds it under `data`."""
    inner = dig(record, "data")
    return inner if isinstance(inner, dict) and "type" in inner else record


def _type(code: str | None) -> tuple[str | None, str, str | None]:
    if not code:
        return None, "info", None
    known = EVENT_TYPES.get(code)
    if known:
        name, outcome, category = known
        return f"{name} ({code})", outcome, category
    # Unlisted codes follow Auth0's naming: f... failed, s... succeeded.
    outcome = "failure" if code.startswith("f") else "success" if code.startswith("s") else "info"
    return code, outcome, None


# A silent authentication (prompt=none) answered login_required, consent_required or
# interaction_required asks the application to sign the user in interactively (OpenID
# Connect Core 1.0, 3.1.2.6): a step of a login, not a failed one.
_NEEDS_INTERACTION = re.compile(r"(?i)\b(login|consent|interaction)[ _]required\b")


def _interrupted(code: str | None, data: dict) -> bool:
    if code != "fsa":
        return False
    said = text(first(data, "details.error.oauthError", "details.error.message", "description"))
    return bool(said and _NEEDS_INTERACTION.search(said))


def to_row(record: dict) -> dict[str, Any]:
    data = event(record)
    code = text(dig(data, "type"))
    action, outcome, category = _type(code)
    if _interrupted(code, data):
        outcome = "interrupt"
    description = text(dig(data, "description"))
    reason = None
    if outcome in ("failure", "interrupt"):
        reason = text(first(data, "details.error.message", "details.error")) or description
    status = dig(data, "details.response.statusCode")
    request = text(first(data, "details.request.path"))
    if request:
        method = text(dig(data, "details.request.method")) or ""
        request = f"{method.upper()} {request}".strip() + (f" -> {status}" if status else "")
    return {
        "time": text(dig(data, "date")),
        # A callback-URL mismatch (and other /authorize errors) names its application only
        # in the query string it was called with; `read` names ids that other events name.
        "app": text(first(data, "client_name", "client_id", "details.qs.client_id")),
        "action": action,
        "request_type": category or text(dig(data, "connection")),
        "user": text(first(data, "user_name", "details.request.auth.user.email", "user_id")),
        "request": request or description,
        "outcome": outcome,
        "reason": reason,
        "ip": text(first(data, "ip", "details.request.ip")),
    }


def is_auth0_event(record: dict) -> bool:
    data = event(record)
    keys = keys_lower(data)
    return {"type", "date"} <= keys and bool(
        keys & {"log_id", "client_id", "client_name", "description", "connection_id"}
    )


SIGNATURE = {"type", "date", "log_id", "client_name", "description", "ip"}


class Auth0Reader:
    name = "auth0"
    description = "Auth0 tenant logs (Management API array or log-stream JSON Lines)"

    def sniff(self, source: Source) -> float:
        return sniff_records(source, is_auth0_event, SIGNATURE, each=event)

    def read(self, source: Source) -> ReadResult:
        names: dict[str, str] = {}

        def mapped(record: dict) -> dict[str, Any]:
            data = event(record)
            client_id, client_name = text(dig(data, "client_id")), text(dig(data, "client_name"))
            if client_id and client_name:
                names.setdefault(client_id, client_name)
            return to_row(record)

        result = read_mapped(source, self.name, mapped)
        if names and result.frame.height:
            app = pl.col("app").cast(pl.String)
            result.frame = result.frame.with_columns(
                app.replace(names).cast(result.frame.schema["app"])
            )
        return result
