"""The command line of issue 24: exclusions, regex search, `connlog count` and logs read
from standard input, run as real processes."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from collections import Counter

import pytest
from conftest import SMALL_LOG


def connlog(*args: str, stdin: bytes | None = None, **kw) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "connlog_tui", *args],
        capture_output=True,
        input=stdin,
        timeout=120,
        **kw,
    )


def rows_of(result) -> list[dict]:
    assert result.returncode == 0, result.stderr
    return list(csv.DictReader(io.StringIO(result.stdout.decode())))


ALL = list(csv.DictReader(SMALL_LOG.open(newline="", encoding="utf-8")))


def test_exclude_flags_hide_values_and_combine_with_picks():
    result = connlog(
        "export",
        str(SMALL_LOG),
        "--exclude-app",
        "mangoapps",
        "--exclude-app",
        "NETSUITE",
        "--exclude-outcome",
        "pending",
        "-o",
        "-",
    )
    got = rows_of(result)
    assert got and {r["Application To/From"] for r in got}.isdisjoint({"MangoApps", "NetSuite"})
    assert "pending" not in {r["Outcome"] for r in got}
    want = [
        r for r in ALL if r["Application To/From"] not in ("MangoApps", "NetSuite")
    ]  # the rest, less the Initiated (pending) ones
    assert len(got) == len([r for r in want if "Initiated" not in r["Action"]])
    picked = rows_of(
        connlog(
            "export",
            str(SMALL_LOG),
            "--action",
            "SSO Failed",
            "--exclude-action",
            "SSO Failed",
            "-o",
            "-",
        )
    )
    assert picked == []


def test_exclude_user_and_search_and_regex():
    rows = rows_of(
        connlog(
            "export",
            str(SMALL_LOG),
            "--exclude-user",
            "JANE",
            "--exclude-search",
            "samlresponse",
            "--regex",
            r"acme\.example$",
            "-o",
            "-",
        )
    )
    users = [r["Email ID/Login ID"] for r in rows]
    assert users and not any("jane" in u.lower() for u in users)
    assert not any("SAMLResponse" in r["Request"] for r in rows)
    want = [
        r["Email ID/Login ID"]
        for r in ALL
        if "jane" not in r["Email ID/Login ID"].lower()
        and "samlresponse" not in (r["Request"] + r["Response"]).lower()
        and r["Email ID/Login ID"].strip().endswith("acme.example")
        and not r["Email ID/Login ID"].endswith(" ")
    ]
    assert users == want


def test_an_invalid_regex_exits_2_with_one_line():
    for command in (["export", str(SMALL_LOG), "-o", "-"], [str(SMALL_LOG)]):
        result = connlog(*command, "--regex", "(unclosed")
        assert result.returncode == 2
        err = result.stderr.decode()
        assert err.count("\n") == 1 and "invalid regex '(unclosed'" in err
        assert "Traceback" not in err and result.stdout == b""


def test_provenance_spells_out_exclusions(tmp_path):
    out = tmp_path / "x.csv"
    connlog("export", str(SMALL_LOG), "--exclude-app", "okta", "--provenance", "-o", str(out))
    sidecar = json.loads((tmp_path / "x.csv.provenance.json").read_text())
    assert sidecar["filters"] == ["Application To/From ≠ okta"]


@pytest.mark.parametrize("by", ["app", "Outcome", "user"])
def test_count_by_a_column(by):
    result = connlog("count", str(SMALL_LOG), "--by", by, "--exclude-app", "NetSuite", "--json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    exported = rows_of(connlog("export", str(SMALL_LOG), "--exclude-app", "NetSuite", "-o", "-"))
    header = {"app": "Application To/From", "Outcome": "Outcome", "user": "Email ID/Login ID"}
    want = Counter(r[header[by]] for r in exported)
    assert {v["value"]: v["count"] for v in data["values"]} == want
    assert data["rows"] == len(exported) and data["of"] == len(ALL)
    assert [v["count"] for v in data["values"]] == sorted(want.values(), reverse=True)


def test_count_prints_a_table_and_names_a_bad_key():
    result = connlog("count", str(SMALL_LOG), "--by", "outcome")
    lines = result.stdout.decode().splitlines()
    assert lines[0].split() == ["outcome", "COUNT", "SHARE"]
    counted = Counter(r["Action"] for r in ALL)  # a reference from the actions' words
    failures = sum(n for a, n in counted.items() if "Failed" in a)
    assert lines[1].split() == ["failure", str(failures), f"{failures / len(ALL):.1%}"]
    bad = connlog("count", str(SMALL_LOG), "--by", "nope")
    assert bad.returncode == 2 and "cannot count by 'nope'" in bad.stderr.decode()


def test_count_by_a_payload_field_of_the_demo_log():
    result = connlog("count", "--demo", "--by", "client.userAgent.browser", "--json")
    values = {v["value"]: v["count"] for v in json.loads(result.stdout)["values"]}
    assert values.get("CHROME", 0) > 0 and None in values


def test_export_reads_a_log_from_standard_input(tmp_path):
    from_file = connlog("export", str(SMALL_LOG), "--action", "SSO Failed", "-o", "-")
    piped = connlog(
        "export", "-", "--action", "SSO Failed", "-o", "-", stdin=SMALL_LOG.read_bytes()
    )
    assert piped.returncode == 0, piped.stderr
    assert {r["Source"] for r in rows_of(piped)} == {"stdin"}  # not its temporary file
    strip = [{k: v for k, v in r.items() if k != "Source"} for r in rows_of(piped)]
    assert strip == [{k: v for k, v in r.items() if k != "Source"} for r in rows_of(from_file)]
    # gzip, detected from the content as for files
    import gzip

    zipped = connlog("count", "-", "--by", "app", stdin=gzip.compress(SMALL_LOG.read_bytes()))
    assert zipped.returncode == 0 and "MangoApps" in zipped.stdout.decode()
    empty = connlog("export", "-", "-o", "-", stdin=b"")
    assert empty.returncode == 2
    assert (
        empty.stderr.decode().strip()
        == "connlog: standard input: empty: no log came through the pipe"
    )


def test_browse_reads_a_pipe_and_wants_a_terminal_for_keys():
    # No controlling terminal (a new session): the log is read, then the keys have nowhere
    # to come from, which is said in one line.
    for args in ([], ["-"]):
        result = connlog(*args, stdin=SMALL_LOG.read_bytes(), start_new_session=True)
        err = result.stderr.decode()
        assert result.returncode == 2, err
        assert "no terminal to take keys from" in err and "Traceback" not in err


def test_follow_says_it_cannot_follow_standard_input():
    result = connlog("--follow", "-", stdin=SMALL_LOG.read_bytes())
    assert result.returncode == 2
    assert result.stderr.decode() == (
        "connlog: --follow reads files as they grow, not standard input (-)\n"
    )


OKTA_LOG = SMALL_LOG.parents[1] / "connlog_tui" / "data" / "demo_okta_system_log.jsonl"


def okta_ips() -> Counter:
    """The demo Okta log's client IPs, read from its JSON (not through connlog)."""
    lines = OKTA_LOG.read_text(encoding="utf-8").splitlines()
    return Counter(json.loads(line)["client"]["ipAddress"] for line in lines if line.strip())


def test_ip_flags_pick_and_hide_client_ips():
    ips = okta_ips()
    (first, n_first), (second, n_second) = ips.most_common(2)
    picked = rows_of(connlog("export", str(OKTA_LOG), "--ip", first, "--ip", second, "-o", "-"))
    assert {r["IP"] for r in picked} == {first, second}
    assert len(picked) == n_first + n_second
    hidden = rows_of(connlog("export", str(OKTA_LOG), "--exclude-ip", first, "-o", "-"))
    assert first not in {r["IP"] for r in hidden}
    assert len(hidden) == ips.total() - n_first


def test_count_by_ip_counts_the_client_ips():
    result = connlog("count", str(OKTA_LOG), "--by", "ip", "--json")
    assert result.returncode == 0, result.stderr
    values = {v["value"]: v["count"] for v in json.loads(result.stdout)["values"]}
    assert values == dict(okta_ips())
