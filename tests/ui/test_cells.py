"""Cutting values to fit: distinct values keep distinct labels, paths keep their names."""

from __future__ import annotations

import pytest
from rich.cells import cell_len

from connlog_tui.ui.cells import cut_middle, cut_path, distinct_labels

ALIKE = [
    "user.authentication.sso",
    "user.authentication.auth_via_mfa",
    "user.authentication.verify",
    "Authentication-Applications",
    "Authentication-Connections",
    "OAuth 2.0 Google Apps",
    "OAuth 2.0 Office 365",
    "Workday Production Tenant (SAML) US",
    "Workday Production Tenant (SAML) US-2",
    "x" * 40 + "a" + "y" * 40,
    "x" * 40 + "b" + "y" * 40,
    "日本語のアプリケーション名前A",
    "日本語のアプリケーション名前B",
]


@pytest.mark.parametrize("width", [6, 10, 14, 17, 22, 40])
def test_distinct_values_get_distinct_labels_that_fit(width):
    labels = distinct_labels(ALIKE, width)
    assert len(set(labels.values())) == len(ALIKE)
    assert all(cell_len(label) <= width for label in labels.values())
    assert all(labels[v] == v for v in ALIKE if cell_len(v) <= width)


def test_a_path_keeps_its_file_name():
    assert cut_path("logs/2026/march/okta-prod.jsonl", 20) == "…/okta-prod.jsonl"
    assert cut_path("okta-prod.jsonl", 20) == "okta-prod.jsonl"
    name = cut_path("logs/connector_log_for_the_whole_tenant.csv", 16)
    assert name.endswith(".csv") and cell_len(name) == 16


def test_the_middle_goes_first():
    assert cut_middle("abcdefghij", 5) == "ab…ij"
    assert cut_middle("abc", 5) == "abc"
