"""Saved views in views.toml and remembered sessions in the state file."""

from __future__ import annotations

import json
import subprocess
import sys
import tomllib
from datetime import UTC, datetime

import pytest
from conftest import SMALL_LOG

from connlog_tui import remembered, views
from connlog_tui.errors import ConnlogError
from connlog_tui.query import FilterState

FAILURES = FilterState(
    picked={"action": frozenset({"SSO Failed", "SLO Failed"}), "app": frozenset({"MangoApps"})},
    user="jane",
    since=datetime(2026, 3, 1, tzinfo=UTC),
    until=datetime(2026, 3, 2, 23, 59, 59, 999999, tzinfo=UTC),
    search='AADSTS "quoted" \\ back',
)


def test_save_and_reopen_a_view():
    views.save_view(
        "sso-failures", FAILURES, sort="time", descending=True, columns=["time", "action"]
    )
    assert views.list_views() == ["sso-failures"]
    view = views.load_view("sso-failures")
    assert view.filters == FAILURES
    assert (view.sort, view.descending, view.columns) == ("time", True, ("time", "action"))
    assert views.views_path().parent.name == "connlog"


def test_the_file_is_readable_toml():
    views.save_view("sso-failures", FAILURES, sort="time", descending=True)
    text = views.views_path().read_text()
    assert "[views.sso-failures]" in text
    assert 'picked.action = ["SLO Failed", "SSO Failed"]' in text
    assert 'since = "2026-03-01T00:00:00Z"' in text
    assert 'until = "2026-03-02T23:59:59.999999Z"' in text
    data = tomllib.loads(text)["views"]["sso-failures"]
    assert data["search"] == FAILURES.search


def test_names_that_are_not_bare_keys_are_quoted():
    views.save_view("Jane's failures (März)", FilterState(user="jane"))
    assert '[views."Jane\'s failures (März)"]' in views.views_path().read_text()
    assert views.load_view("Jane's failures (März)").filters.user == "jane"


def test_hand_edits_are_read_and_comments_survive_saving_and_deleting():
    path = views.views_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        "# My saved views\n"
        "\n"
        "# the Monday check\n"
        "[views.monday]\n"
        'picked.action = "SSO Failed"   # one value is fine too\n'
        "since = 2026-03-01T08:00:00Z   # a TOML date-time\n"
        "until = 2026-03-01\n"
        "\n"
        "# keep me\n"
        "[views.other]\n"
        'user = "bob"\n'
    )
    monday = views.load_view("monday")
    assert monday.filters.picked == {"action": frozenset({"SSO Failed"})}
    assert monday.filters.since == datetime(2026, 3, 1, 8, tzinfo=UTC)
    assert monday.filters.until == datetime(2026, 3, 1, 23, 59, 59, 999999, tzinfo=UTC)

    views.save_view("monday", FilterState(user="carol"))
    views.save_view("new", FilterState(search="x"))
    text = path.read_text()
    assert text.startswith("# My saved views\n\n# the Monday check\n[views.monday]\n")
    assert '# keep me\n[views.other]\nuser = "bob"\n' in text
    assert views.load_view("monday").filters == FilterState(user="carol")
    assert views.list_views() == ["monday", "new", "other"]

    assert views.delete_view("monday") is True
    assert views.delete_view("monday") is False
    text = path.read_text()
    assert "Monday check" not in text and "# keep me" in text and "# My saved views" in text
    assert views.list_views() == ["new", "other"]


def test_a_view_spread_over_the_file_is_rewritten_whole():
    path = views.views_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text('[views]\na.user = "x"\nb.user = "y"\n')
    views.save_view("a", FilterState(user="z"))
    assert {n: v.filters.user for n, v in views.load_views().items()} == {"a": "z", "b": "y"}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[views.x]\nuser = "a"\nsort = \n', r"not valid TOML: .*line 3"),
        ('\n[views.x]\nsort = "nope"\n', "line 2: view 'x': sort: unknown column 'nope'"),
        ('[views.x]\nsince = "soon"\n', "view 'x': since: cannot read the date 'soon'"),
        ('[views.x]\npicked.bogus = ["a"]\n', "picked: unknown column 'bogus'"),
        ("[views.x]\ncolour = 1\n", "unknown setting 'colour'"),
        ("[settings]\n", "unknown table 'settings'"),
    ],
)
def test_a_broken_file_names_file_and_line(text, message):
    path = views.views_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    with pytest.raises(ConnlogError, match=message) as caught:
        views.list_views()
    assert str(caught.value).startswith(f"{path}: ")


def test_saving_into_a_broken_file_refuses_rather_than_losing_it():
    path = views.views_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("[views.x\n")
    with pytest.raises(ConnlogError):
        views.save_view("y", FilterState())
    assert path.read_text() == "[views.x\n"


def test_unknown_view_lists_the_saved_ones():
    views.save_view("a", FilterState())
    with pytest.raises(ConnlogError, match=r"no saved view 'b' \(saved: a\)"):
        views.load_view("b")


def test_bad_names_and_settings_are_refused():
    with pytest.raises(ConnlogError):
        views.save_view("  ", FilterState())
    with pytest.raises(ConnlogError, match="view 'x': sort: unknown column"):
        views.save_view("x", FilterState(), sort="nope")


def test_recent_files_most_recent_first_and_bounded(tmp_path):
    for i in range(5):
        remembered.add_recent([tmp_path / f"log{i}.csv"], limit=3)
    remembered.add_recent([tmp_path / "log3.csv"], limit=3)
    want = [str(tmp_path / n) for n in ("log3.csv", "log4.csv", "log2.csv")]
    assert remembered.recent_files() == want
    assert remembered.state_path().name == "state.json"
    assert "xdg_state_home" in str(remembered.state_path())


def test_last_session_per_file_set(tmp_path):
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    assert remembered.load_session([a]) is None
    remembered.save_session([a, b], FAILURES, sort="user", columns=["time", "user"])
    remembered.save_session([a], FilterState(search="only a"))
    restored = remembered.load_session([b, a])  # the same set, any order
    assert restored.filters == FAILURES and restored.sort == "user"
    assert remembered.load_session([a]).filters.search == "only a"
    assert remembered.load_session([b]) is None
    data = json.loads(remembered.state_path().read_text())
    assert data["sessions"][0]["files"] == [str(a)]


def test_broken_state_is_an_error_on_read_and_set_aside_on_write(tmp_path):
    path = remembered.state_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text('{"recent": [\n')
    with pytest.raises(ConnlogError, match="line 2: not valid JSON"):
        remembered.recent_files()
    remembered.add_recent([tmp_path / "x.csv"])
    assert remembered.recent_files() == [str(tmp_path / "x.csv")]
    assert path.with_name("state.json.broken").read_text() == '{"recent": [\n'


# --- the command line --------------------------------------------------------------


def connlog(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "connlog_tui", *args], capture_output=True, text=True, timeout=120
    )


def test_export_from_a_saved_view_with_flags_on_top(tmp_path):
    views.save_view("failures", FilterState(picked={"action": frozenset({"SSO Failed"})}))
    result = connlog("export", str(SMALL_LOG), "--view", "failures", "-o", "-")
    assert result.returncode == 0 and "wrote 3 of 12" in result.stderr
    result = connlog("export", str(SMALL_LOG), "--view", "failures", "--user", "bob", "-o", "-")
    assert "wrote 1 of 12" in result.stderr
    out = tmp_path / "v.csv"
    connlog("export", str(SMALL_LOG), "--view", "failures", "--provenance", "-o", str(out))
    sidecar = json.loads((tmp_path / "v.csv.provenance.json").read_text())
    assert sidecar["filters"] == ["Action=SSO Failed"]


def test_unknown_or_broken_view_stops_an_export():
    result = connlog("export", str(SMALL_LOG), "--view", "nope", "-o", "-")
    assert result.returncode == 2 and "no saved view 'nope'" in result.stderr
    path = views.views_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("[views.x\n")
    result = connlog("export", str(SMALL_LOG), "--view", "x", "-o", "-")
    assert result.returncode == 2 and f"{path}: not valid TOML" in result.stderr
    assert result.stdout == ""


def test_browse_options_carry_the_view_or_a_warning():
    from connlog_tui.cli import browse_parser, options_from

    views.save_view("mine", FilterState(user="jane"), sort="time", descending=True)
    options = options_from(browse_parser().parse_args([str(SMALL_LOG), "--view", "mine"]))
    assert options.view.filters.user == "jane" and options.view.sort == "time"
    views.views_path().write_text("not toml at all\n")
    options = options_from(browse_parser().parse_args([str(SMALL_LOG), "--view", "mine"]))
    assert options.view is None
    assert (
        "not valid TOML" in options.warnings[0]
        and "starting without the view" in options.warnings[0]
    )
