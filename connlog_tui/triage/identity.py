"""Identities normalised for matching: one person however the connectors spelled them.
The rule lives with the canonical schema (it defines the user_key column)."""

from connlog_tui.schema import identity_key

__all__ = ["identity_key"]
