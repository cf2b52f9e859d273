"""The status bar's filters fitted to a width: all named, or the first named and the
rest counted, never silently cut."""

from __future__ import annotations

import re

import pytest
from rich.cells import cell_len

from connlog_tui.query import FilterState
from connlog_tui.ui.status import fit_filters, short_forms

STATE = FilterState(
    picked={
        "action": frozenset({"SSO Failed", "SLO Failed"}),
        "app": frozenset({"Workday (SAML)"}),
        "request_type": frozenset({"Authentication-Applications"}),
    },
    user="jane.doe@acme.example",
    search="AADSTS70008",
)
DATES = "since 2026-03-09 08:00:00 until 2026-03-09 09:00:00 (UTC)"


@pytest.mark.parametrize("width", [8, 20, 40, 60, 80, 120, 400])
def test_every_filter_is_named_or_counted_within_the_width(width):
    full = [*STATE.describe(), DATES]
    text = fit_filters(full, short_forms(STATE, DATES), width)
    if re.fullmatch(r"\d+ filters", text):
        assert text == f"{len(full)} filters"
        return
    assert cell_len(text) <= width, text
    more = re.search(r" \+(\d+) more$", text)
    named = text[: more.start()] if more else text
    assert len(named.split("; ")) + (int(more[1]) if more else 0) == len(full), text


def test_no_filters_says_so():
    assert fit_filters([], [], 80) == "no filters"
