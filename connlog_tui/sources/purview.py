"""Microsoft Purview audit (unified audit log) records in every shape admins get them:

- the portal's "Audit search" CSV export, new layout (RecordId, CreationDate, RecordType,
  Operation, UserId, AuditData, ...) and old layout (CreationDate, UserIds, Operations,
  AuditData), where AuditData is the record as JSON inside a cell;
- Office 365 Management Activity API records: a JSON array or JSON Lines;
- PowerShell `Search-UnifiedAuditLog | Format-List` text (`Name : value` blocks, AuditData
  on one line or pretty-printed over several).

Power Platform connector events (API created, Connection created or edited, ...) are
records of this family; their AdditionalInfo (EnvironmentName, ActionName), UserType and
ResourceId are summarised in the request column.
"""

from __future__ import annotations

import json
import re
from typing import Any

from connlog_tui.errors import ConnlogError
from connlog_tui.sources.base import ReadResult, Source
from connlog_tui.sources.jsonrecords import (
    compact,
    csv_header,
    dig,
    first,
    head_records,
    keys_lower,
    near,
    read_csv_text,
    read_mapped,
    result_from_rows,
    share,
    text,
)

# RecordType numbers of the Management Activity API schema (the ones admins meet most).
RECORD_TYPES = {
    1: "ExchangeAdmin",
    2: "ExchangeItem",
    3: "ExchangeItemGroup",
    4: "SharePoint",
    6: "SharePointFileOperation",
    7: "OneDrive",
    8: "AzureActiveDirectory",
    9: "AzureActiveDirectoryAccountLogon",
    10: "DataCenterSecurityCmdlet",
    11: "ComplianceDLPSharePoint",
    13: "ComplianceDLPExchange",
    14: "SharePointSharingOperation",
    15: "AzureActiveDirectoryStsLogon",
    18: "SecurityComplianceCenterEOPCmdlet",
    20: "PowerBIAudit",
    21: "CRM",
    22: "Yammer",
    25: "MicrosoftTeams",
    28: "ThreatIntelligence",
    30: "MicrosoftFlow",
    36: "SharePointListOperation",
    40: "SecurityComplianceAlerts",
    43: "MIPLabel",
    45: "PowerAppsApp",
    46: "PowerAppsPlan",
    50: "ExchangeItemAggregated",
    56: "SharePointContentTypeOperation",
    93: "AipDiscover",
}
USER_TYPES = {
    0: "Regular",
    1: "Reserved",
    2: "Admin",
    3: "DcAdmin",
    4: "System",
    5: "Application",
    6: "ServicePrincipal",
    7: "CustomPolicy",
    8: "SystemPolicy",
}
_FAILED = re.compile(r"(?i)^(fail|failed|failure|false|error|denied|blocked)$")
_SUCCEEDED = re.compile(r"(?i)^(success|succeeded|succeed|true|ok|partiallysucceeded)$")
_PENDING = re.compile(r"(?i)^(inprogress|in progress|pending|started|queued)$")
_FAILED_OPERATION = re.compile(r"(?i)(failed|failure|denied|blocked)")
_IP_PORT = re.compile(r"^\[?([0-9a-fA-F:.]+?)\]?(?::\d{1,5})?$")

# Format-List field names (Search-UnifiedAuditLog output objects).
LIST_FIELDS = {
    "RecordType",
    "CreationDate",
    "UserIds",
    "Operations",
    "AuditData",
    "ResultIndex",
    "ResultCount",
    "Identity",
    "IsValid",
    "ObjectState",
    "PSComputerName",
    "RunspaceId",
    "PSShowComputerName",
}
_LIST_LINE = re.compile(r"^([A-Z][A-Za-z0-9]*)\s*:(?:\s(.*))?$")


def _record_type(value: Any) -> str | None:
    if value is None or value == "":
        return None
    try:
        number = int(value)
    except (TypeError, ValueError):
        return str(value)
    return RECORD_TYPES.get(number, str(number))


def client_ip(value: Any) -> str | None:
    """An address without the port Exchange records append (1.2.3.4:5678, [::1]:443)."""
    value = text(value)
    if not value:
        return None
    value = value.strip()
    if value.count(":") == 1 or value.startswith("["):
        match = _IP_PORT.match(value)
        if match:
            return match.group(1)
    return value


def outcome(result_status: Any, operation: str | None) -> str:
    status = (text(result_status) or "").strip()
    if _FAILED.match(status) or (operation and _FAILED_OPERATION.search(operation)):
        return "failure"
    if _SUCCEEDED.match(status):
        return "success"
    if _PENDING.match(status):
        return "pending"
    return "info"


def _extended(record: dict, name: str) -> Any:
    for item in dig(record, "ExtendedProperties") or []:
        if isinstance(item, dict) and str(item.get("Name", "")).lower() == name.lower():
            return item.get("Value")
    return None


def _additional_info(record: dict) -> dict:
    info = dig(record, "AdditionalInfo")
    if isinstance(info, str):
        try:
            info = json.loads(info)
        except json.JSONDecodeError:
            return {}
    return info if isinstance(info, dict) else {}


def _reason(record: dict, result: str) -> str | None:
    if result != "failure":
        return None
    error = first(record, "LogonError", "ErrorMessage", "Error", "ErrorDetails")
    error = error or _extended(record, "LoginError") or _extended(record, "LogonError")
    number = first(record, "ErrorNumber", "ErrorCode")
    status = text(dig(record, "ResultStatus"))
    parts = [text(error), f"({number})" if number not in (None, "") else None]
    reason = " ".join(p for p in parts if p)
    if not reason and status and _FAILED.match(status.strip()):
        detail = _extended(record, "ResultStatusDetail")
        reason = text(detail) or f"ResultStatus {status}"
    return reason or None


def _request(record: dict) -> str | None:
    """A short summary: Power Platform context, cmdlet parameters, or the object."""
    info = _additional_info(record)
    parts = []
    for key in ("EnvironmentName", "ActionName"):
        value = dig(info, key)
        if value not in (None, ""):
            parts.append(f"{key}: {text(value)}")
    resource = dig(record, "ResourceId")
    if resource not in (None, ""):
        parts.append(f"ResourceId: {text(resource)}")
    user_type = dig(record, "UserType")
    if parts and user_type is not None:
        try:
            parts.append(f"UserType: {user_type} ({USER_TYPES.get(int(user_type), '?')})")
        except (TypeError, ValueError):
            parts.append(f"UserType: {user_type}")
    if parts:
        return "; ".join(parts)
    params = dig(record, "Parameters")
    if isinstance(params, list) and params:
        pairs = [
            f"{p.get('Name')}={text(p.get('Value')) or ''}"
            for p in params
            if isinstance(p, dict) and "Name" in p
        ]
        if pairs:
            return "; ".join(pairs)[:2000]
    return text(first(record, "ObjectId", "ObjectDisplayName"))


def to_row(record: dict, fallback: dict | None = None) -> dict[str, Any]:
    """One audit record as canonical columns; `fallback` holds what the CSV / list
    layout says outside AuditData (CreationDate, Operations, UserIds, RecordType)."""
    fallback = fallback or {}
    operation = text(first(record, "Operation")) or fallback.get("action")
    result = outcome(dig(record, "ResultStatus"), operation)
    return {
        "time": text(first(record, "CreationTime")) or fallback.get("time"),
        "app": text(first(record, "Workload", "EventSource")) or fallback.get("app"),
        "action": operation,
        "request_type": _record_type(dig(record, "RecordType"))
        or fallback.get("request_type")
        or ("Power Platform connector" if _additional_info(record) else None),
        "user": text(first(record, "UserId")) or fallback.get("user"),
        "request": _request(record),
        "outcome": result,
        "reason": _reason(record, result),
        "ip": client_ip(first(record, "ClientIP", "ClientIPAddress", "ActorIpAddress")),
    }


def is_audit_record(record: dict) -> bool:
    keys = keys_lower(record)
    return {"creationtime", "operation"} <= keys and bool(
        keys & {"recordtype", "workload", "organizationid"}
    )


SIGNATURE = {"creationtime", "operation", "recordtype", "workload", "userid", "resultstatus"}


class PurviewReader:
    name = "purview"
    description = (
        "Microsoft Purview audit log: portal CSV (new and old layout), Management Activity "
        "API JSON / JSON Lines, Search-UnifiedAuditLog Format-List text; Power Platform events"
    )

    def sniff(self, source: Source) -> float:
        if source.is_parquet:
            return 0.0
        head = source.head.lstrip("\ufeff \t\r\n")
        if head.startswith(("[", "{")):
            records = head_records(head)
            return max(0.9 * share(records, is_audit_record), near(records, SIGNATURE))
        if self._is_list(head):
            return 0.9
        names = {n.lower() for n in csv_header(head)}
        if "auditdata" in names and "creationdate" in names and names & {"operation", "operations"}:
            return 0.95
        return 0.0

    def read(self, source: Source) -> ReadResult:
        head = source.head.lstrip("\ufeff \t\r\n")
        if head.startswith(("[", "{")):
            return read_mapped(source, self.name, to_row)
        if self._is_list(head):
            return self._read_list(source)
        return self._read_csv(source)

    @staticmethod
    def _is_list(head: str) -> bool:
        return bool(
            re.search(r"(?m)^RecordType\s*:", head) and re.search(r"(?m)^AuditData\s*:", head)
        )

    # -- CSV -------------------------------------------------------------------------------

    def _read_csv(self, source: Source) -> ReadResult:
        raw, starts, bad = read_csv_text(source)
        by_lower = {c.lower(): c for c in raw.columns}
        if "auditdata" not in by_lower:
            raise ConnlogError("not a Purview audit export: no AuditData column", source.name)

        def column(*names: str) -> list:
            for name in names:
                if name in by_lower:
                    return raw[by_lower[name]].to_list()
            return [None] * raw.height

        audit = column("auditdata")
        fallback = zip(
            column("creationdate"),
            column("operation", "operations"),
            column("userid", "userids"),
            column("recordtype"),
            strict=True,
        )
        rows, lines, texts = [], [], []
        for line, cell, (when, op, user, rtype) in zip(starts, audit, fallback, strict=True):
            given = {"time": when, "action": op, "user": user, "request_type": _record_type(rtype)}
            row, problem = self._from_audit_data(cell, given)
            if problem:
                bad.append((line, problem, (cell or "")[:2000]))
                continue
            rows.append(row)
            lines.append(line)
            texts.append((cell or "")[:2000])
        return result_from_rows(source, self.name, rows, lines, bad, texts)

    @staticmethod
    def _from_audit_data(cell: str | None, given: dict) -> tuple[dict, str | None]:
        record: Any = {}
        if cell and cell.strip():
            try:
                record = json.loads(cell)
            except json.JSONDecodeError as exc:
                return {}, f"AuditData is not valid JSON ({exc.msg})"
        if not isinstance(record, dict):
            return {}, "AuditData is not a JSON object"
        row = to_row(record, given)
        row["response"] = cell.strip() if cell else None
        return row, None

    # -- Format-List text --------------------------------------------------------------

    def _read_list(self, source: Source) -> ReadResult:
        blocks = _list_blocks(source.text())
        rows, lines, bad, texts = [], [], [], []
        for line, fields in blocks:
            data = _join_audit_data(fields.get("AuditData", []))
            given = {
                "time": _one(fields, "CreationDate"),
                "action": _one(fields, "Operations"),
                "user": _one(fields, "UserIds"),
                "request_type": _one(fields, "RecordType"),
            }
            row, problem = self._from_audit_data(data, given)
            if problem:
                bad.append((line, problem, (data or "")[:2000]))
                continue
            if data:
                row["response"] = compact(json.loads(data))
            if given["request_type"]:
                row["request_type"] = given["request_type"]
            rows.append(row)
            lines.append(line)
            texts.append((data or "")[:2000])
        return result_from_rows(source, self.name, rows, lines, bad, texts)


def _one(fields: dict[str, list[str]], name: str) -> str | None:
    value = " ".join(part.strip() for part in fields.get(name, []) if part.strip())
    return value or None


def _list_blocks(doc: str) -> list[tuple[int, dict[str, list[str]]]]:
    """Format-List output as (first line, {field: [value lines]}) per object. An object
    starts at its first field (RecordType) or when a field repeats."""
    blocks: list[tuple[int, dict[str, list[str]]]] = []
    current: dict[str, list[str]] | None = None
    field = None
    for number, raw_line in enumerate(doc.splitlines(), start=1):
        line = raw_line.rstrip()
        match = _LIST_LINE.match(line)
        if match and match.group(1) in LIST_FIELDS:
            name = match.group(1)
            if current is None or name in current or name == "RecordType":
                current = {}
                blocks.append((number, current))
            field = name
            current[field] = [match.group(2) or ""]
        elif current is not None and field is not None and line.strip():
            current[field].append(raw_line)
    return blocks


def _join_audit_data(parts: list[str]) -> str | None:
    """AuditData's lines: pretty JSON over several lines, or one long line the console
    wrapped (continuation lines indented): whichever join parses."""
    if not parts:
        return None
    joined = "\n".join(parts).strip()
    if not joined:
        return None
    try:
        json.loads(joined)
        return joined
    except json.JSONDecodeError:
        pass
    wrapped = "".join(p.strip() for p in parts)
    try:
        json.loads(wrapped)
        return wrapped
    except json.JSONDecodeError:
        return joined
