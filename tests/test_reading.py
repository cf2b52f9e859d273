"""Reading the reference Connector Log format into the canonical frame."""

from __future__ import annotations

import gzip
import json
from datetime import UTC, datetime

import polars as pl
import pytest
from conftest import HEADER, SMALL_LOG

from connlog_tui.errors import ConnlogError
from connlog_tui.schema import (
    COLUMNS,
    ROW_ID,
    SCHEMA,
    USER_KEY,
    UserKey,
    conform,
    finish,
    outcome_from_action,
)
from connlog_tui.sources import load


def test_small_log_loads_in_time_order_with_canonical_schema():
    loaded = load([str(SMALL_LOG)])
    frame = loaded.frame
    assert frame.height == 12
    assert loaded.quarantine.height == 0
    for col in COLUMNS:
        assert frame.schema[col.name] == SCHEMA[col.name]
    assert frame["time"].is_sorted()
    assert frame[ROW_ID].to_list() == list(range(12))
    # The +01:00 row is 09:00 UTC; it ties with the first row and keeps file order after it.
    assert frame["time"][1] == datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
    assert frame["app"][1] == "MangoApps"
    assert set(frame["source"].cast(pl.String)) == {str(SMALL_LOG)}
    assert set(frame["format"].cast(pl.String)) == {"mangoapps"}


def test_outcome_is_derived_from_action():
    frame = load([str(SMALL_LOG)]).frame
    outcomes = dict(
        zip(frame["action"].cast(pl.String), frame["outcome"].cast(pl.String), strict=True)
    )
    assert outcomes["SSO Failed"] == "failure"
    assert outcomes["SLO Successful"] == "success"
    assert outcomes["SSO Initiated"] == "pending"
    assert outcomes["NA"] == "info"


def test_outcomes_worked_out_per_distinct_action_match_row_by_row():
    actions = ["SSO Failed", None, "queued", "SLO Successful", "Sign-in", "SSO Failed", None]
    frame = pl.DataFrame({"action": actions, "outcome": [None, "Success", *[None] * 5]})
    expected = frame.select(outcome_from_action(pl.col("action"))).to_series().to_list()
    assert conform(frame.drop("outcome"), source="s", format="f")["outcome"].to_list() == expected
    # A source's own outcome wins; the action fills in where it gave none.
    given = conform(frame, source="s", format="f")["outcome"].to_list()
    assert given == [expected[0], "success", *expected[2:]]
    assert expected[:4] == ["failure", "info", "pending", "success"]


def test_user_keys_worked_out_per_distinct_user_match_row_by_row():
    users = [" Ann@X.example", None, "bob", "ann@x.example ", None, "BOB", "carol"]
    frame = pl.DataFrame({"user": pl.Series(users, dtype=UserKey), "action": ["a"] * 7})
    keys = finish(frame)[USER_KEY].cast(pl.String).to_list()
    assert keys == [None if u is None else u.strip().lower() for u in users]
    assert (
        finish(frame.head(3).with_columns(pl.lit(None, UserKey).alias("user")))[USER_KEY].to_list()
        == [None] * 3
    )


@pytest.mark.parametrize(
    "text, expected",
    [
        ("2026-03-01T12:00:00Z", datetime(2026, 3, 1, 12, tzinfo=UTC)),
        ("2026-03-01T12:00:00.125Z", datetime(2026, 3, 1, 12, 0, 0, 125000, tzinfo=UTC)),
        ("2026-03-01T14:00:00+02:00", datetime(2026, 3, 1, 12, tzinfo=UTC)),
        ("2026-03-01T07:00:00-0500", datetime(2026, 3, 1, 12, tzinfo=UTC)),
        ("2026-03-01T12:00:00", datetime(2026, 3, 1, 12, tzinfo=UTC)),
        ("2026-03-01 12:00:00", datetime(2026, 3, 1, 12, tzinfo=UTC)),
        ("03/01/2026 12:00:00 PM", datetime(2026, 3, 1, 12, tzinfo=UTC)),
        ("03/01/2026 12:30:00 AM", datetime(2026, 3, 1, 0, 30, tzinfo=UTC)),
        ("1772366400", datetime(2026, 3, 1, 12, tzinfo=UTC)),
        ("1772366400500", datetime(2026, 3, 1, 12, 0, 0, 500000, tzinfo=UTC)),
    ],
)
def test_date_forms_normalise_to_utc(write, text, expected):
    path = write("log.csv", f"{HEADER}\n{text},App,SSO Failed,Authentication-Applications,u,,\n")
    frame = load([str(path)]).frame
    assert frame["time"].to_list() == [expected]


def test_header_matching_is_tolerant(write):
    content = (
        "\ufeff Email id/login ID , response,ACTION,  Date,Extra,Application To/From,"
        "Request Type,request\n"
        'a@x.example,"{""ok"": true, ""n"": 1}",SSO Successful,2026-03-01T10:00:00Z,z,'
        'Zoom,Authentication-Applications,"line one\nline two, with comma"\n'
    )
    frame = load([str(write("odd.csv", content))]).frame
    row = frame.row(0, named=True)
    assert row["user"] == "a@x.example"
    assert row["action"] == "SSO Successful"
    assert row["app"] == "Zoom"
    assert row["response"] == '{"ok": true, "n": 1}'
    assert row["request"] == "line one\nline two, with comma"
    assert "Extra" not in frame.columns


def test_json_array_json_lines_and_gzip_read_the_same_records(write):
    records = [
        {
            "Date": "2026-03-01T10:00:00Z",
            "Application To/From": "Zoom",
            "Action": "SSO Failed",
            "Request Type": "Authentication-Applications",
            "Email ID/Login ID": "a@x.example",
            "Request": "SAMLRequest=abc",
            "Response": {"error": "denied"},
        },
        {
            "Date": "2026-03-01T09:00:00Z",
            "Application To/From": "MangoApps",
            "Action": "SSO Successful",
            "Request Type": "Authentication-Connections",
            "Email ID/Login ID": "b@x.example",
        },
    ]
    as_array = write("log.json", json.dumps(records, indent=2))
    as_lines = write("log.jsonl", "\n".join(json.dumps(r) for r in records) + "\n")
    as_gzip = write("log.jsonl.gz", gzip.compress(as_lines.read_bytes()))
    frames = [load([str(p)]).frame for p in (as_array, as_lines, as_gzip)]
    for frame in frames:
        assert frame["user"].to_list() == ["b@x.example", "a@x.example"]
        assert frame["response"].to_list() == [None, '{"error": "denied"}']


def test_several_paths_and_directories_merge_in_time_order(write, tmp_path):
    write("logs/a.csv", f"{HEADER}\n2026-03-01T10:00:00Z,A,NA,Authentication-Connections,u1,,\n")
    write("logs/b.csv", f"{HEADER}\n2026-03-01T09:00:00Z,B,NA,Authentication-Connections,u2,,\n")
    other = write("c.csv", f"{HEADER}\n2026-03-01T09:30:00Z,C,NA,Authentication-Connections,u3,,\n")
    frame = load([str(tmp_path / "logs"), str(other)]).frame
    assert frame["app"].cast(pl.String).to_list() == ["B", "C", "A"]
    sources = frame["source"].cast(pl.String).to_list()
    assert sources[0].endswith("b.csv") and sources[1] == str(other)


def test_unparseable_rows_are_quarantined_with_line_and_reason(write):
    content = (
        f"{HEADER}\n"
        '2026-03-01T09:00:00Z,A,SSO Failed,Authentication-Applications,u1,"multi\nline",\n'
        "yesterday,A,SSO Failed,Authentication-Applications,u2,,\n"
        ",A,SSO Failed,Authentication-Applications,u3,,\n"
        "2026-03-01T10:00:00Z,A,SSO Failed,Authentication-Applications,u4,,\n"
    )
    loaded = load([str(write("log.csv", content))])
    assert loaded.frame["user"].to_list() == ["u1", "u4"]
    bad = loaded.quarantine.to_dicts()
    assert [(b["line"], b["reason"]) for b in bad] == [
        (4, "unreadable date: yesterday"),
        (5, "missing date"),
    ]


def test_ragged_rows_are_quarantined_not_dropped(write):
    content = (
        f"{HEADER}\n"
        "2026-03-01T09:00:00Z,A,SSO Failed,Authentication-Applications,u1,,\n"
        "2026-03-01T09:01:00Z,A,SSO Failed,Authentication-Applications,u2,,,extra,fields\n"
        "2026-03-01T09:02:00Z,A,SSO Failed,Authentication-Applications,u3,,\n"
    )
    loaded = load([str(write("log.csv", content))])
    assert loaded.frame["user"].to_list() == ["u1", "u3"]
    assert loaded.quarantine["line"].to_list() == [3]
    assert "expected 7 fields, found 9" in loaded.quarantine["reason"][0]
    assert loaded.frame.height + loaded.quarantine.height == 3


@pytest.mark.parametrize(
    "name, content, message",
    [
        ("empty.csv", b"", "empty file"),
        ("blank.csv", b"\n\n  \n", "only blank lines"),
        ("binary.csv", bytes(range(256)) * 8, "binary"),
        ("other.csv", b"id,name\n1,x\n", "format not recognised"),
    ],
)
def test_bad_files_give_one_line_errors_naming_the_file(write, name, content, message):
    path = write(name, content)
    with pytest.raises(ConnlogError) as info:
        load([str(path)])
    text = str(info.value)
    assert str(path) in text and message in text and "\n" not in text


def test_missing_file_and_empty_directory(tmp_path):
    with pytest.raises(ConnlogError, match="no such file"):
        load([str(tmp_path / "nope.csv")])
    (tmp_path / "empty").mkdir()
    with pytest.raises(ConnlogError, match="no log files"):
        load([str(tmp_path / "empty")])


def test_reading_never_modifies_the_log(small_log):
    before = (small_log.read_bytes(), small_log.stat().st_mtime_ns)
    load([str(small_log)])
    assert (small_log.read_bytes(), small_log.stat().st_mtime_ns) == before


@pytest.mark.parametrize("prefixes", [(150, 700), (60,), (1 << 20,)])
def test_the_preview_from_a_prefix_is_the_files_first_records(write, monkeypatch, prefixes):
    """The preview parses the file's first bytes; records cut by a prefix (quoted
    payloads spanning lines, a bad date among them) must come out as read from the file,
    whether the prefix holds them (1 MB), needs growing (150 B) or never does (60 B)."""
    from connlog_tui.sources import mangoapps, preview

    lines = [HEADER]
    for i in range(12):
        day = "yesterday" if i == 3 else f"2026-03-01T09:{i:02d}:00Z"
        lines.append(f'{day},A,SSO Failed,Authentication-Applications,u{i},"a\nb,{i}",')
    path = write("log.csv", "\n".join(lines) + "\n")
    monkeypatch.setattr(mangoapps, "PREVIEW_PREFIXES", prefixes)
    shown = preview([str(path)], rows=5)

    whole = load([str(path)])
    first = whole.frame.filter(pl.col("user").is_in([f"u{i}" for i in range(5)]))
    assert shown.frame.drop(ROW_ID).equals(first.drop(ROW_ID))
    assert shown.frame.height == 4
    assert shown.quarantine.select("line", "reason").equals(
        whole.quarantine.select("line", "reason")
    )
