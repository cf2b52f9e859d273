"""Microsoft Entra ID (Azure AD) sign-in and audit logs.

- Microsoft Graph exports: `signIn` and `directoryAudit` objects, as a JSON array
  (PowerShell's ConvertTo-Json writes one with a UTF-8 BOM), the API response envelope
  `{"@odata.context": ..., "value": [...]}`, or JSON Lines;
- Azure Monitor diagnostic settings / Event Hub records (JSON Lines or arrays, also the
  `{"records": [...]}` envelope): `time`, `category` (SignInLogs, NonInteractiveUserSignInLogs,
  ServicePrincipalSignInLogs, ManagedIdentitySignInLogs, AuditLogs, ...), `operationName`,
  `resultType`, `callerIpAddress` and the Graph object under `properties`.
"""

from __future__ import annotations

import re
from typing import Any

from connlog_tui.sources.base import ReadResult, Source
from connlog_tui.sources.jsonrecords import (
    dig,
    first,
    head_records,
    keys_lower,
    near,
    read_mapped,
    share,
    text,
)

SIGN_IN_ACTION = "Sign-in activity"
# signInEventTypes (Graph beta) -> the Azure Monitor category for the same log.
EVENT_TYPE_CATEGORY = {
    "interactiveuser": "SignInLogs",
    "noninteractiveuser": "NonInteractiveUserSignInLogs",
    "serviceprincipal": "ServicePrincipalSignInLogs",
    "managedidentity": "ManagedIdentitySignInLogs",
}
_AUDIT_RESULTS = {
    "success": "success",
    "failure": "failure",
    "failed": "failure",
    "timeout": "failure",
}


def _int(value: Any) -> int | None:
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        return None


def _sign_in_category(props: dict) -> str:
    kinds = dig(props, "signInEventTypes")
    if isinstance(kinds, list) and kinds:
        category = EVENT_TYPE_CATEGORY.get(str(kinds[0]).lower())
        if category:
            return category
    if not text(dig(props, "userPrincipalName")) and text(dig(props, "servicePrincipalName")):
        return "ServicePrincipalSignInLogs"
    if dig(props, "isInteractive") is False:
        return "NonInteractiveUserSignInLogs"
    return "SignInLogs"


# Sign-in error codes that interrupt a sign-in rather than fail it: the user is asked for
# something (a second factor, "keep me signed in?", a password-reset registration, to
# sign in again) and the sign-in goes on. Sources:
# - Microsoft Sentinel's analytics rules "Failed login attempts to Azure Portal"
#   (FailedLogonToAzurePortal.yaml) and "Brute force attack against Azure Portal"
#   (SigninBruteForce-AzurePortal.yaml), Azure/Azure-Sentinel, Solutions/Microsoft Entra
#   ID/Analytic Rules: "excluded due to success and non-failure results": 0, 50125, 50140,
#   70043, 70044; "Password spray attack against Microsoft Entra ID application"
#   (SigninPasswordSpray.yaml) also counts the MFA codes 50072, 50074, 50076, 50079 with
#   the successes (the password was right; a second factor was asked for).
# - Microsoft's AADSTS error code reference (learn.microsoft.com/entra/identity-platform/
#   reference-error-codes), which names these interrupts: 50072
#   UserStrongAuthEnrollmentRequiredInterrupt, 50074 UserStrongAuthClientAuthNRequired-
#   Interrupt, 50076 UserStrongAuthClientAuthNRequired, 50079 UserStrongAuthEnrollment-
#   Required, 50125 PasswordResetRegistrationRequiredInterrupt, 50140 KmsiInterrupt,
#   50168 ChromeBrowserSsoInterruptRequired, 50199 CmsiInterrupt.
INTERRUPTS = frozenset({50072, 50074, 50076, 50079, 50125, 50140, 50168, 50199, 70043, 70044})


def _sign_in_result(code: Any, reason: Any) -> tuple[str, str | None]:
    number = _int(code)
    if number is None:
        return "info", None
    if number == 0:
        return "success", None
    reason = text(reason)
    outcome = "interrupt" if number in INTERRUPTS else "failure"
    return outcome, f"{number}: {reason}" if reason else str(number)


def sign_in_row(props: dict, envelope: dict | None = None) -> dict[str, Any]:
    """A Graph signIn object (or an Azure Monitor record's properties) as a row."""
    envelope = envelope or {}
    outcome, reason = _sign_in_result(
        dig(props, "status.errorCode"), dig(props, "status.failureReason")
    )
    result_type = text(dig(envelope, "resultType"))
    if result_type is not None and outcome == "info":
        # Azure Monitor's own result: "0" / "Success" or an error code / "Failure".
        if result_type.lower() in ("0", "success"):
            outcome = "success"
        else:
            outcome = "interrupt" if _int(result_type) in INTERRUPTS else "failure"
            reason = text(dig(envelope, "resultDescription")) or (
                result_type if result_type.lower() != "failure" else None
            )
    resource = text(dig(props, "resourceDisplayName"))
    client = text(first(props, "clientAppUsed"))
    request = "; ".join(
        f"{name}: {value}" for name, value in (("resource", resource), ("client", client)) if value
    )
    return {
        "time": text(first(envelope, "time") or first(props, "createdDateTime")),
        "app": text(first(props, "appDisplayName", "resourceDisplayName")),
        "action": text(first(envelope, "operationName")) or SIGN_IN_ACTION,
        "request_type": text(first(envelope, "category")) or _sign_in_category(props),
        "user": text(
            first(props, "userPrincipalName", "servicePrincipalName", "userDisplayName")
            or first(envelope, "identity")
        ),
        "request": request or None,
        "outcome": outcome,
        "reason": reason,
        "ip": text(first(props, "ipAddress") or first(envelope, "callerIpAddress")),
    }


def _actor(props: dict) -> str | None:
    return text(
        first(
            props,
            "initiatedBy.user.userPrincipalName",
            "initiatedBy.user.displayName",
            "initiatedBy.app.servicePrincipalName",
            "initiatedBy.app.displayName",
        )
    )


def _targets(props: dict) -> str | None:
    targets = dig(props, "targetResources")
    if not isinstance(targets, list):
        return None
    names = []
    for target in targets:
        if isinstance(target, dict):
            name = text(first(target, "userPrincipalName", "displayName", "id"))
            kind = text(dig(target, "type"))
            if name:
                names.append(f"{name} ({kind})" if kind else name)
    return ", ".join(names) or None


def audit_row(props: dict, envelope: dict | None = None) -> dict[str, Any]:
    """A Graph directoryAudit object (or an Azure Monitor audit record) as a row."""
    envelope = envelope or {}
    result = (text(first(props, "result") or first(envelope, "resultSignature")) or "").lower()
    outcome = _AUDIT_RESULTS.get(result, "info")
    reason = text(dig(props, "resultReason")) if outcome == "failure" else None
    if outcome == "failure" and not reason:
        reason = text(first(envelope, "resultDescription"))
    category = text(dig(props, "category"))
    targets = _targets(props)
    request = ": ".join(p for p in (category, targets) if p) or None
    return {
        "time": text(first(envelope, "time") or first(props, "activityDateTime")),
        "app": text(first(props, "loggedByService")) or "Entra ID",
        "action": text(first(props, "activityDisplayName") or first(envelope, "operationName")),
        "request_type": text(first(envelope, "category")) or "AuditLogs",
        "user": _actor(props) or text(first(envelope, "identity")),
        "request": request,
        "outcome": outcome,
        "reason": reason,
        "ip": text(
            first(props, "initiatedBy.user.ipAddress") or first(envelope, "callerIpAddress")
        ),
    }


def is_monitor_record(record: dict) -> bool:
    keys = keys_lower(record)
    if not {"time", "category"} <= keys or not keys & {"properties", "operationname"}:
        return False
    category = str(dig(record, "category") or "")
    props = dig(record, "properties")
    return bool(
        re.search(r"(?i)signin|audit", category)
        or "aadiam" in str(dig(record, "resourceId") or "").lower()
        or (
            isinstance(props, dict)
            and keys_lower(props) & {"activitydisplayname", "createddatetime"}
        )
    )


def is_sign_in(record: dict) -> bool:
    keys = keys_lower(record)
    return (
        "createddatetime" in keys
        and bool(keys & {"appdisplayname", "userprincipalname", "serviceprincipalname"})
        and bool(keys & {"status", "ipaddress", "resourcedisplayname"})
    )


def is_directory_audit(record: dict) -> bool:
    keys = keys_lower(record)
    return {"activitydatetime", "activitydisplayname"} <= keys


def to_row(record: dict) -> dict[str, Any]:
    if is_monitor_record(record):
        props = dig(record, "properties")
        props = props if isinstance(props, dict) else {}
        category = str(dig(record, "category") or "")
        if "signin" in category.lower() or ("audit" not in category.lower() and is_sign_in(props)):
            return sign_in_row(props, record)
        return audit_row(props, record)
    if is_directory_audit(record):
        return audit_row(record)
    return sign_in_row(record)


SIGNATURE = {"createddatetime", "userprincipalname", "appdisplayname", "status", "ipaddress"}


class EntraReader:
    name = "entra"
    description = (
        "Microsoft Entra ID sign-in and audit logs: Graph export JSON (arrays, {value:[...]}) "
        "and Azure Monitor JSON Lines"
    )

    def sniff(self, source: Source) -> float:
        if source.is_parquet:
            return 0.0
        records = head_records(source.head)
        full = share(
            records, lambda r: is_monitor_record(r) or is_sign_in(r) or is_directory_audit(r)
        )
        return max(0.95 * full, near(records, SIGNATURE))

    def read(self, source: Source) -> ReadResult:
        return read_mapped(source, self.name, to_row)
