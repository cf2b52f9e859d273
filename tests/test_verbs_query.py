"""Exclude, negated and regex search in the query layer (issue 24), in memory and lean."""

from __future__ import annotations

import re

import polars as pl
import pytest
from conftest import HEADER, SMALL_LOG

from connlog_tui import query, sources
from connlog_tui.errors import ConnlogError
from connlog_tui.query import FilterState, build_state
from connlog_tui.scaleout import LazyView
from connlog_tui.schema import TEXT_COLUMNS


@pytest.fixture(scope="module")
def frame() -> pl.DataFrame:
    return sources.load([str(SMALL_LOG)], use_cache=False).frame


def ids(frame: pl.DataFrame, state: FilterState) -> list[int]:
    return frame[query.run(frame, state).indices]["row_id"].to_list()


def lazy_ids(frame: pl.DataFrame, state: FilterState) -> list[int]:
    """The row_ids an archive's lazy predicates keep (scaleout.LazyView, as one filter)."""
    return frame.filter(*LazyView(frame.lazy()).conditions(state))["row_id"].to_list()


def where(frame: pl.DataFrame, keep) -> list[int]:
    """The reference: row ids of the rows `keep(row)` accepts, by plain Python."""
    return [row["row_id"] for row in frame.iter_rows(named=True) if keep(row)]


def test_excluded_values_are_hidden_and_combine_with_picks(frame):
    state = FilterState().with_excluded("app", {"MangoApps"})
    assert ids(frame, state) == where(frame, lambda r: r["app"] != "MangoApps")
    both = state.with_picked("action", {"SSO Failed", "SSO Initiated"})
    assert ids(frame, both) == where(
        frame,
        lambda r: r["action"] in ("SSO Failed", "SSO Initiated") and r["app"] != "MangoApps",
    )
    # Picked AND NOT excluded in the same column: the exclusion wins.
    same = FilterState().with_picked("app", {"MangoApps", "NetSuite"})
    assert ids(frame, same.with_excluded("app", {"MangoApps"})) == where(
        frame, lambda r: r["app"] == "NetSuite"
    )


def test_an_excluded_value_keeps_rows_without_a_value(write):
    path = write(
        "gaps.csv",
        f"{HEADER}\n2026-03-01T09:00:00Z,,SSO Failed,Logout-Applications,a,,\n"
        "2026-03-01T09:00:01Z,Okta,NA,Logout-Applications,,,\n",
    )
    frame = sources.load([str(path)], use_cache=False).frame
    assert frame["app"].null_count() == 1
    assert ids(frame, FilterState().with_excluded("app", {"Okta"})) == [0]
    assert ids(frame, FilterState(exclude_user="zz")) == [0, 1]  # one row has no user


def test_facet_counts_honour_the_other_panes_exclusions(frame):
    state = FilterState().with_excluded("app", {"MangoApps"})
    result = query.run(frame, state)
    kept = frame.filter(pl.col("app") != "MangoApps")
    want = {str(k): n for k, n in kept.group_by("action").len().iter_rows()}
    assert result.facets["action"] == want
    # The pane's own excluded value keeps its count, so it can be shown and put back.
    assert result.facets["app"]["MangoApps"] == frame.filter(pl.col("app") == "MangoApps").height


def test_exclude_user_hides_what_the_user_filter_would_show(frame):
    shown = set(ids(frame, FilterState(user="JANE")))
    hidden = set(ids(frame, FilterState(exclude_user="JANE")))
    assert shown and hidden and shown.isdisjoint(hidden)
    assert shown | hidden == set(frame["row_id"].to_list())


@pytest.mark.parametrize("needle", ["acme", "AADSTS70008", "[bold red]", "logout", "zz"])
def test_a_negated_search_is_the_complement_of_the_search(frame, needle):
    found = set(ids(frame, FilterState(search=needle)))
    hidden = ids(frame, FilterState(exclude_search=needle))
    assert hidden == [i for i in frame["row_id"].to_list() if i not in found]
    assert lazy_ids(frame, FilterState(exclude_search=needle)) == hidden


def python_regex(frame, pattern, flags=re.IGNORECASE):
    compiled = re.compile(pattern, flags)

    def keep(row):
        return any(
            row[c] is not None and compiled.search(str(row[c])) for c in TEXT_COLUMNS if c in row
        )

    return where(frame, keep)


@pytest.mark.parametrize(
    "pattern",
    [r"aadsts\d+", r"^SSO (Failed|Initiated)$", r"status.: 40[0-9]", r"\[bold", "okta|netsuite"],
)
def test_regex_search_matches_every_field_case_insensitively(frame, pattern):
    want = python_regex(frame, pattern)
    assert ids(frame, FilterState(regex=pattern)) == want
    assert lazy_ids(frame, FilterState(regex=pattern)) == want


def test_a_regex_can_ask_for_case(frame):
    assert ids(frame, FilterState(regex="(?-i)sso failed")) == []
    assert ids(frame, FilterState(regex="(?-i)SSO Failed")) == python_regex(frame, "SSO Failed", 0)


def test_regex_and_negated_search_and_picks_combine(frame):
    state = FilterState(regex="acme", exclude_search="jane").with_excluded("app", {"NetSuite"})
    want = where(
        frame,
        lambda r: (
            r["app"] != "NetSuite"
            and r["row_id"] in python_regex(frame, "acme")
            and r["row_id"] not in ids(frame, FilterState(search="jane"))
        ),
    )
    assert want and ids(frame, state) == want


@pytest.mark.parametrize("bad", ["foo(", "[z-a]", "a{3,1}", "(?P<x"])
def test_an_invalid_regex_is_one_line_before_any_scan(frame, bad):
    with pytest.raises(ConnlogError) as caught:
        query.run(frame, FilterState(regex=bad))
    message = str(caught.value)
    assert "\n" not in message and bad in message and "invalid regex" in message
    with pytest.raises(ConnlogError):
        build_state(frame, regex=bad)


def test_a_lean_regex_and_negated_search_read_the_payloads_on_disk(tmp_path):
    eager = sources.load([str(SMALL_LOG)], use_cache=False)
    lean = sources.load([str(SMALL_LOG)], use_cache=False, lean=True)
    assert lean.frame["request"].null_count() == lean.frame.height
    for state in (FilterState(regex=r"aadsts\d{5}"), FilterState(exclude_search="saml")):
        want = query.run(eager.frame, state).indices.to_list()
        got = query.run(lean.frame, state, payloads=lean.payloads).indices.to_list()
        assert want and got == want


def test_describe_spells_out_exclusions_and_searches():
    state = (
        FilterState(exclude_user="bob", exclude_search="x", regex="a+")
        .with_excluded("app", {"Okta", "Zoom"})
        .with_picked("action", {"SSO Failed"})
    )
    assert state.describe() == [
        "Action=SSO Failed",
        "Application To/From ≠ Okta|Zoom",
        "user !~ bob",
        "not search 'x'",
        "regex 'a+'",
    ]
    assert not FilterState(exclude_user="x").is_empty
    assert not FilterState().with_excluded("app", {"x"}).is_empty


@pytest.mark.parametrize(
    ("text", "fields"),
    [
        ("okta", {"search": "okta"}),
        ("!okta", {"exclude_search": "okta"}),
        ("re:ok+ta", {"regex": "ok+ta"}),
        ("!", {"search": "!"}),
    ],
)
def test_the_search_box_prefixes(text, fields):
    parsed = query.parse_search(text)
    assert {k: v for k, v in parsed.items() if v} == fields
    assert query.search_text(FilterState(**parsed)) == text


def test_cli_style_exclusions_match_exactly_but_for_case(frame):
    state = build_state(frame, excluded={"app": ["mangoapps"], "outcome": ["FAILURE"]})
    assert state.excluded == {"app": {"MangoApps"}, "outcome": {"failure"}}
    assert ids(frame, state) == where(
        frame, lambda r: r["app"] != "MangoApps" and r["outcome"] != "failure"
    )


# --- saved views, sessions and provenance carry the new conditions ---------------------

VERBS = FilterState(
    exclude_user="svc-",
    exclude_search='health "check"',
    regex=r"aadsts7\d+",
).with_excluded("app", {"Okta", "Zoom"})


def test_a_saved_view_keeps_exclusions_negated_and_regex_search():
    from connlog_tui import remembered, views

    views.save_view("quiet", VERBS)
    assert views.load_view("quiet").filters == VERBS
    text = views.views_path().read_text()
    assert 'excluded.app = ["Okta", "Zoom"]' in text and 'exclude_user = "svc-"' in text
    remembered.save_session([str(SMALL_LOG)], VERBS)
    assert remembered.load_session([str(SMALL_LOG)]).filters == VERBS


def test_a_view_with_an_invalid_regex_names_the_file_and_view():
    from connlog_tui import views

    path = views.views_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text('[views.x]\nregex = "a("\n')
    with pytest.raises(ConnlogError, match=r"line 1: view 'x': regex: invalid regex 'a\('"):
        views.list_views()


def test_provenance_spells_out_the_new_conditions():
    from connlog_tui.export import provenance_record

    record = provenance_record(sources=["x.csv"], state=VERBS)
    assert record["filters"] == VERBS.describe()
    assert "Application To/From ≠ Okta|Zoom" in record["filters"]


def test_resolve_state_keeps_every_condition(frame):
    given = VERBS.with_picked("action", {"sso failed"}).with_excluded("app", {"mangoapps"})
    resolved = query.resolve_state(frame, given)
    assert resolved.picked == {"action": {"SSO Failed"}}
    assert resolved.excluded == {"app": {"MangoApps"}}
    assert (resolved.exclude_user, resolved.exclude_search, resolved.regex) == (
        VERBS.exclude_user,
        VERBS.exclude_search,
        VERBS.regex,
    )
