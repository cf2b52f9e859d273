"""Filter state -> rows and facet counts (the query layer, no UI)."""

from __future__ import annotations

from datetime import UTC, datetime

import polars as pl
import pytest
from conftest import HEADER, SMALL_LOG

from connlog_tui import payloads, query, textsearch
from connlog_tui.errors import Stale
from connlog_tui.query import FilterState, build_state
from connlog_tui.scaleout import LazyView
from connlog_tui.sources import load
from connlog_tui.timeparse import parse_when


@pytest.fixture(scope="module")
def frame() -> pl.DataFrame:
    return load([str(SMALL_LOG)]).frame


def users(frame, state) -> list[str]:
    result = query.run(frame, state)
    return frame[result.indices]["user"].to_list()


def test_no_filter_shows_everything(frame):
    result = query.run(frame, FilterState())
    assert result.count == result.total == 12


def test_picked_values_in_one_pane_are_ored(frame):
    state = FilterState().with_picked("action", {"SSO Failed", "SLO Failed"})
    assert users(frame, state) == [
        "bob.smith@acme.example",
        " carol@acme.example ",
        "jane.doe@acme.example",
        "mallory@acme.example",
    ]


def test_a_column_picked_with_no_values_filters_nothing(frame):
    """A state built directly (a saved view, an API caller) may hold an empty pick."""
    result = query.run(frame, FilterState(picked={"app": frozenset()}))
    assert result.indices.to_list() == list(range(frame.height))
    assert result.facets == query.run(frame, FilterState()).facets


def test_panes_are_anded_and_facets_count_under_the_other_filters(frame):
    state = FilterState().with_picked("action", {"SSO Failed"}).with_picked("app", {"MangoApps"})
    result = query.run(frame, state)
    assert result.count == 2  # bob and mallory failed on MangoApps
    # Action counts ignore the action pick but respect the app pick: MangoApps rows by action.
    assert result.facets["action"] == {
        "SSO Initiated": 1,
        "SSO Failed": 2,
        "SSO Successful": 1,
        "SLO Successful": 1,
    }
    # App counts ignore the app pick: SSO Failed rows by app.
    assert result.facets["app"] == {"MangoApps": 2, "OAuth 2.0 Office 365": 1}


def test_cli_style_values_match_exactly_but_for_case(frame):
    state = build_state(frame, {"action": ["sso failed"], "app": ["mangoapps"]})
    assert users(frame, state) == ["bob.smith@acme.example", "mallory@acme.example"]
    assert users(frame, build_state(frame, {"action": ["SSO"]})) == []


def test_user_filter_is_a_case_insensitive_substring_ignoring_spaces(frame):
    assert users(frame, FilterState(user="BOB.smith")) == [
        "Bob.Smith@acme.example",
        "bob.smith@acme.example",
    ]
    assert users(frame, FilterState(user="carol@")) == [" carol@acme.example "]


def test_search_reaches_payloads_case_insensitively(frame):
    assert users(frame, FilterState(search="aadsts70008")) == [" carol@acme.example "]
    assert users(frame, FilterState(search="INTERNAL SERVER")) == ["jane.doe@acme.example"]
    # Literal, not a regex: brackets are just characters.
    assert users(frame, FilterState(search="[bold red]")) == ["mallory@acme.example"]
    assert users(frame, FilterState(search="netsuite")) == ["integration@acme.example"]


def test_non_ascii_search_is_case_insensitive(write):
    header = "Date,Application To/From,Action,Request Type,Email ID/Login ID,Request,Response"
    path = write(
        "u.csv",
        f"{header}\n2026-03-01T09:00:00Z,A,NA,Authentication-Connections,ü@x,ÉCHEC,\n",
    )
    frame = load([str(path)]).frame
    assert query.run(frame, FilterState(search="échec")).count == 1


def test_an_ascii_search_folds_ascii_case_only(write):
    """ "kelvin" matches KELVIN around non-ASCII text, not the Kelvin sign (U+212A) that
    Unicode case folding would also take for k."""
    header = "Date,Application To/From,Action,Request Type,Email ID/Login ID,Request,Response"
    rows = ["ünï KELVIN ok", "\u212aelvin", "Kelvin"]
    body = "".join(
        f"2026-03-01T09:00:0{i}Z,A,NA,Authentication-Connections,u{i}@x,{text},\n"
        for i, text in enumerate(rows)
    )
    frame = load([str(write("k.csv", f"{header}\n{body}"))]).frame
    found = query.run(frame, FilterState(search="kelvin")).indices.to_list()
    assert sorted(frame["request"].gather(found).to_list()) == ["Kelvin", "ünï KELVIN ok"]


@pytest.mark.parametrize("needle", ["aadsts70008", "INTERNAL SERVER", "acme", "[bold red]", "zz"])
@pytest.mark.parametrize("picked", [{}, {"action": ["SSO Failed"]}])
def test_a_search_scanned_in_slices_finds_the_same_rows(frame, monkeypatch, needle, picked):
    state = build_state(frame, picked, search=needle)
    whole = query.run(frame, state)
    monkeypatch.setattr(textsearch, "STALE_CHECK_ROWS", 2)
    sliced = query.run(frame, state)
    assert sliced.indices.to_list() == whole.indices.to_list()
    assert sliced.facets == whole.facets


@pytest.mark.parametrize(
    ("needle", "picked"), [("https", {}), ("error", {"action": ["SSO Failed", "SLO Failed"]})]
)
def test_a_long_search_shows_its_newest_matches_first(frame, monkeypatch, needle, picked):
    """While a search scans its slices (newest first), `partial` is given the matches so
    far, marked incomplete: each holds the newest of the final matches, under the same
    picks; the final result is the same as a run without `partial`."""
    state = build_state(frame, picked, search=needle)
    whole = query.run(frame, state)
    monkeypatch.setattr(textsearch, "STALE_CHECK_ROWS", 2)
    monkeypatch.setattr(textsearch, "PARTIAL_EVERY", 0)  # report after every slice with a match
    reports = []
    final = query.run(frame, state, partial=reports.append)
    assert final.complete and final.indices.to_list() == whole.indices.to_list()
    assert final.facets == whole.facets
    assert len(reports) >= 2 and not any(r.complete for r in reports)
    wanted = whole.indices.to_list()
    for report in reports:
        got = report.indices.to_list()
        assert got == wanted[len(wanted) - len(got) :]  # the newest matches, in order
    assert reports[0].count < whole.count


def test_matches_in_the_small_columns_are_in_the_first_report(frame, monkeypatch):
    """A user or app matched through its distinct values is known before any slice is
    scanned: the first report holds it, whatever the payloads hold."""
    monkeypatch.setattr(textsearch, "STALE_CHECK_ROWS", 2)
    monkeypatch.setattr(textsearch, "PARTIAL_EVERY", 0)
    reports = []
    result = query.run(frame, FilterState(search="bob.smith"), partial=reports.append)
    assert result.indices.to_list() == [3, 4]
    assert [r.indices.to_list() for r in reports][:1] == [[3, 4]]


def test_a_quick_search_reports_only_its_result(frame, monkeypatch):
    """A search over within PARTIAL_EVERY is shown once, whole (no flicker)."""
    monkeypatch.setattr(textsearch, "STALE_CHECK_ROWS", 2)
    monkeypatch.setattr(textsearch, "PARTIAL_EVERY", 3600)
    reports = []
    result = query.run(frame, FilterState(search="https"), partial=reports.append)
    assert reports == [] and result.complete and result.count == 3


@pytest.mark.parametrize(
    "needle",
    ["bob.smith@ACME", "acme.example", "invalid_grant", "x[/]", "Internal Server", "-", "a:b"],
)
def test_a_search_scanning_for_a_character_first_finds_every_match(frame, needle):
    """A needle with punctuation or a space is scanned for that character first (a
    literal pass), then matched without case: the same rows as lower-casing every text
    field and looking for the lower-cased needle."""
    assert textsearch.caseless_anchor(needle)
    folded = pl.any_horizontal(
        pl.col(c).cast(pl.String).str.to_lowercase().str.contains(needle.lower(), literal=True)
        for c in query.TEXT_COLUMNS
        if c in frame.columns
    )
    want = frame.with_row_index("i").filter(folded.fill_null(False))["i"].to_list()
    assert query.run(frame, FilterState(search=needle)).indices.to_list() == want
    assert want or needle in ("-", "a:b")


@pytest.mark.parametrize("pattern", [r"aadsts\d+", r"acme\.(example|test)", "(?-i)SSO Failed"])
def test_a_regex_scanned_in_slices_finds_the_same_rows(frame, monkeypatch, pattern):
    state = FilterState(regex=pattern)
    whole = query.run(frame, state)
    monkeypatch.setattr(textsearch, "STALE_CHECK_ROWS", 2)
    sliced = query.run(frame, state)
    assert whole.count and sliced.indices.to_list() == whole.indices.to_list()
    assert sliced.facets == whole.facets


def test_a_stale_regex_search_stops_part_way(frame, monkeypatch):
    monkeypatch.setattr(textsearch, "STALE_CHECK_ROWS", 2)  # 12 rows: 6 slices
    checks = []

    def stale() -> bool:
        checks.append(1)
        return len(checks) > 2

    with pytest.raises(Stale):
        query.run(frame, FilterState(regex="saml(request|response)"), stale=stale)
    assert len(checks) == 3


def test_a_stale_search_stops_part_way(frame, monkeypatch):
    """A newer filter state makes `stale()` true: the search stops before its next slice
    instead of scanning the rest."""
    monkeypatch.setattr(textsearch, "STALE_CHECK_ROWS", 2)  # 12 rows: 6 slices
    checks = []

    def stale() -> bool:
        checks.append(1)
        return len(checks) > 2

    with pytest.raises(Stale):
        query.run(frame, FilterState(search="acme"), stale=stale)
    assert len(checks) == 3
    assert query.run(frame, FilterState(search="acme"), stale=lambda: False).count > 0


def test_date_alone_means_the_whole_day(frame):
    state = FilterState(since=parse_when("2026-03-02"), until=parse_when("2026-03-02", end=True))
    assert users(frame, state) == ["mallory@acme.example", "frank@acme.example"]
    state = FilterState(until=parse_when("2026-03-01", end=True))
    assert query.run(frame, state).count == 10


def test_quick_ranges_count_back_from_the_newest_event(frame):
    since, until = query.quick_range(frame, "24h")
    assert until == datetime(2026, 3, 2, 9, tzinfo=UTC)
    assert since == datetime(2026, 3, 1, 9, tzinfo=UTC)
    # 09:00:00 rows are included (inclusive), so everything from the 1st 09:00 on.
    assert query.run(frame, FilterState(since=since, until=until)).count == 12
    since, until = query.quick_range(frame, "1h")
    # mallory's row at 08:00:00.25 is 59.75 minutes before the newest one.
    assert users(frame, FilterState(since=since, until=until)) == [
        "mallory@acme.example",
        "frank@acme.example",
    ]


def test_describe_names_each_active_condition():
    state = FilterState(user="bob", search="x").with_picked("action", {"SSO Failed"})
    assert state.describe() == ["Action=SSO Failed", "user~bob", "search 'x'"]
    assert FilterState().is_empty and not state.is_empty


def test_the_lazy_predicates_match_run(frame):
    state = FilterState(user="jane", search="logout").with_picked("app", {"OAuth 2.0 Office 365"})
    by_expr = frame.filter(*LazyView(frame.lazy()).conditions(state))["row_id"].to_list()
    by_run = query.run(frame, state).indices.to_list()
    # jane's two Office 365 logout rows: "logout" is in their Request Type.
    assert by_expr == by_run == [6, 7]


@pytest.mark.parametrize(
    "needle",
    [
        "netsuite",
        "SSO FAILED",
        "failure",
        "oauth 2.0",
        "acme",
        "zz",
        "aadsts70008",
        'INVALID_GRANT"',
        '": "',
    ],
)
def test_search_through_category_values_matches_row_by_row_search(frame, needle):
    # run() matches categorical columns through their distinct values and skips all-null
    # columns; the plain row-by-row expression is the reference.
    by_row = frame.filter(query.search_expr(needle))["row_id"].to_list()
    result = query.run(frame, FilterState(search=needle))
    assert frame[result.indices]["row_id"].to_list() == by_row
    if needle != "zz":
        assert by_row


def test_search_after_cheap_conditions_keeps_facet_counts(frame):
    state = FilterState(search="acme").with_picked("action", {"SSO Failed"})
    result = query.run(frame, state)
    everywhere = query.run(frame, FilterState(search="acme"))
    # The action pane counts under every other condition: the search, not the pick.
    assert result.facets["action"] == everywhere.facets["action"]
    assert result.count == everywhere.facets["action"]["SSO Failed"]


FOLD_NEEDLES = [
    "aadsts70008",
    "AADSTS",
    "Internal Server",
    "PHNhbWxwOlJlc3BvbnNl",
    "phnhbwxwolJlc3bvbnnl",
    "acme",
    "bob.smith@ACME",
    "kelvin",
    "zz",
    "échec",
]


@pytest.fixture(scope="module")
def mixed(tmp_path_factory) -> pl.DataFrame:
    """The small log plus payloads holding non-ASCII letters whose Unicode lower case is
    ASCII (the Kelvin sign, dotted capital I), which an ASCII search must not match."""
    rows = ["Kelvin \u212aelvin", "\u0130K", "ÉCHEC ünï", "KELVIN"]
    body = "".join(
        f"2026-03-02T09:00:0{i}Z,A,NA,Authentication-Connections,u{i}@x,{text},{text.upper()}\n"
        for i, text in enumerate(rows)
    )
    extra = tmp_path_factory.mktemp("fold") / "extra.csv"
    extra.write_text(f"{HEADER}\n{body}", encoding="utf-8")
    return load([str(SMALL_LOG), str(extra)], use_cache=False).frame


@pytest.mark.parametrize("needle", FOLD_NEEDLES)
@pytest.mark.parametrize("picked", [{}, {"action": ["SSO Failed", "NA"]}])
def test_a_search_through_the_folded_payloads_finds_the_same_rows(mixed, needle, picked):
    """With the payloads' folded copy (a reopened log's), a search finds exactly the rows
    it finds without it, facet counts included."""
    state = build_state(mixed, picked, search=needle)
    folded = payloads.fold(mixed)
    plain, through = query.run(mixed, state), query.run(mixed, state, folded=folded)
    assert through.indices.to_list() == plain.indices.to_list()
    assert through.facets == plain.facets
    assert plain.count or needle == "zz" or picked


def test_an_ascii_search_scans_the_folded_copy_not_the_payloads(mixed):
    """The copy is what is scanned: marked text only it holds is found by an ASCII
    search, not by one with non-ASCII text (Unicode folding, through the regex)."""
    folded = payloads.fold(mixed).with_columns(
        pl.when(pl.int_range(pl.len()) == 2)
        .then(pl.lit("only in the copy: marker ü"))
        .otherwise(pl.col("request"))
        .alias("request")
    )
    assert query.run(mixed, FilterState(search="MARKER"), folded=folded).indices.to_list() == [2]
    assert query.run(mixed, FilterState(search="MARKER")).count == 0
    assert query.run(mixed, FilterState(search="marker ü"), folded=folded).count == 0


def test_rows_appended_after_the_folded_copy_are_searched_too(mixed):
    """Follow mode appends rows the cache's copy lacks: they are folded as searched. A
    copy longer than the frame (the full load's, while its preview is shown) is unused."""
    state = FilterState(search="kelvin")
    want = query.run(mixed, state).indices.to_list()
    assert want and want[-1] == mixed.height - 1
    short = payloads.fold(mixed.head(mixed.height - 2))
    assert query.run(mixed, state, folded=short).indices.to_list() == want
    preview = mixed.head(3)
    longer = payloads.fold(mixed).with_columns(pl.lit("kelvin").alias("request"))
    assert query.run(preview, state, folded=longer).count == 0


def test_a_folded_search_in_slices_reports_its_newest_matches_first(mixed, monkeypatch):
    """Through the folded copy too, a search goes a slice at a time, newest first, and
    reports its matches so far."""
    state = FilterState(search="ACME")
    whole = query.run(mixed, state)
    monkeypatch.setattr(textsearch, "STALE_CHECK_ROWS", 1)  # slices of FOLDED_SLICE_FACTOR rows
    monkeypatch.setattr(textsearch, "PARTIAL_EVERY", 0)
    reports = []
    final = query.run(mixed, state, partial=reports.append, folded=payloads.fold(mixed))
    assert final.indices.to_list() == whole.indices.to_list()
    wanted = whole.indices.to_list()
    assert len(reports) >= 2
    for report in reports:
        got = report.indices.to_list()
        assert got == wanted[len(wanted) - len(got) :]
