"""SSO triage: why logins failed, which events form one attempt, where failures cluster.

Pure functions over the canonical frame (no UI). Per-row column logic is vectorised
Polars; the one expensive step is decoding payloads (diagnose_rows / iter_diagnoses,
message_keys / iter_message_keys, compare_with_working), documented where it happens.
"""

from .attempts import (
    ATTEMPT_SCHEMA,
    attempt_index,
    attempt_of,
    iter_message_keys,
    message_keys,
    stitch_attempts,
)
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
    "attempt_index",
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
    "identity_key",
    "iter_diagnoses",
    "kind_expr",
]
