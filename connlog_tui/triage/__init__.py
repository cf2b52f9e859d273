"""SSO triage: why logins failed, which events form one attempt, where failures cluster.

Pure functions over the canonical frame (no UI). Per-row column logic is vectorised
Polars; the one expensive step is decoding payloads (diagnose_rows / iter_diagnoses,
message_keys / iter_message_keys, compare_with_working), documented where it happens.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .attempts import ATTEMPT_SCHEMA, attempt_of, stitch_attempts
    from .compare import Comparison, compare_with_working, payload_facts
    from .diagnoses import (
        DERIVED,
        DIAGNOSIS_SCHEMA,
        apply_diagnoses,
        baselines,
        diagnose_rows,
        failing_rows,
        iter_diagnoses,
        kind_expr,
        rows_with_ids,
    )
    from .groups import (
        APP_GROUP_SCHEMA,
        HISTOGRAM_SCHEMA,
        USER_GROUP_SCHEMA,
        failure_groups,
        group_filter,
        histogram,
        next_failure,
    )
    from .identity import identity_key
    from .message_ids import KEYS_SCHEMA, iter_message_keys, message_keys

# The submodule each public name lives in. They are imported on first use (PEP 562), not
# here: the app imports this package at start-up but needs none of it before its first
# screen, and the submodules pull in the payload decoders (defusedxml, html.parser,
# urllib...), about 40 ms of imports.
_HOME = {
    "ATTEMPT_SCHEMA": "attempts",
    "KEYS_SCHEMA": "message_ids",
    "attempt_of": "attempts",
    "iter_message_keys": "message_ids",
    "message_keys": "message_ids",
    "stitch_attempts": "attempts",
    "Comparison": "compare",
    "compare_with_working": "compare",
    "payload_facts": "compare",
    "DERIVED": "diagnoses",
    "rows_with_ids": "diagnoses",
    "DIAGNOSIS_SCHEMA": "diagnoses",
    "apply_diagnoses": "diagnoses",
    "baselines": "diagnoses",
    "diagnose_rows": "diagnoses",
    "failing_rows": "diagnoses",
    "iter_diagnoses": "diagnoses",
    "kind_expr": "diagnoses",
    "APP_GROUP_SCHEMA": "groups",
    "HISTOGRAM_SCHEMA": "groups",
    "USER_GROUP_SCHEMA": "groups",
    "failure_groups": "groups",
    "group_filter": "groups",
    "histogram": "groups",
    "next_failure": "groups",
    "identity_key": "identity",
}


def __getattr__(name: str):
    home = _HOME.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{home}", __name__), name)
    globals()[name] = value  # later look-ups skip this function
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_HOME))


__all__ = [
    "Comparison",
    "compare_with_working",
    "payload_facts",
    "APP_GROUP_SCHEMA",
    "HISTOGRAM_SCHEMA",
    "USER_GROUP_SCHEMA",
    "failure_groups",
    "group_filter",
    "histogram",
    "next_failure",
    "ATTEMPT_SCHEMA",
    "KEYS_SCHEMA",
    "attempt_of",
    "iter_message_keys",
    "message_keys",
    "stitch_attempts",
    "DERIVED",
    "DIAGNOSIS_SCHEMA",
    "apply_diagnoses",
    "baselines",
    "diagnose_rows",
    "failing_rows",
    "rows_with_ids",
    "identity_key",
    "iter_diagnoses",
    "kind_expr",
]
