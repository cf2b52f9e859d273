"""The bad-input matrix of issue 6: every hostile or broken file either loads (with the
rows that cannot be parsed quarantined, counted and kept) or is refused with one clear
line naming the file. Each case runs through `sources.load` and through the real CLI
(`connlog export PATH -o - --report`): exit 2 with one line on stderr and no traceback, or
exit 0 with `FILE: N rows read = L loaded + Q quarantined` in the report.

Decisions recorded here:
- A header-only CSV is a valid, empty log: 0 rows, exit 0, and the export is the header.
- A cut-off or damaged .gz keeps what decompresses: its complete lines are read, and one
  quarantined entry marks where it stops (holding the incomplete last line, if any).
- CSV rows with too many or too few fields are quarantined (a line cut short is not a
  record), on the fast path and record by record alike.
- Delimiters `;`, tab and `|` are detected from the header.
- A row whose date does not parse is quarantined with its line; years 0001 and 9999 load.
"""

from __future__ import annotations

import gzip
import json
import os
import random
import subprocess
import sys
import zlib
from pathlib import Path

import polars as pl
import pytest
from conftest import HEADER

from connlog_tui import query, sources
from connlog_tui.decode import decode_payload
from connlog_tui.errors import ConnlogError

CLI_TIMEOUT = 120


def row(n: int, *, date: str | None = None, user: str | None = None, request: str = "") -> str:
    date = (
        f"2026-03-01T{9 + n // 3600 % 10:02d}:{n // 60 % 60:02d}:{n % 60:02d}Z"
        if date is None
        else date
    )
    user = f"u{n}@acme.example" if user is None else user
    return f"{date},App,SSO Failed,Authentication-Applications,{user},{request},"


def csv_text(rows: list[str]) -> str:
    return HEADER + "\n" + "".join(r + "\n" for r in rows)


def record(n: int, **extra) -> dict:
    found = {
        "Date": f"2026-03-01T09:00:{n % 60:02d}Z",
        "Application To/From": "App",
        "Action": "SSO Failed",
        "Email ID/Login ID": f"u{n}@acme.example",
    }
    return found | extra


def load(path: Path) -> sources.ReadResult:
    return sources.load([str(path)], use_cache=False)


def cli(*args: Path | str, out: str = "-") -> subprocess.CompletedProcess:
    """`connlog export ARGS -o OUT` (paths and options), run as users run it."""
    return subprocess.run(
        [sys.executable, "-m", "connlog_tui", "export", *map(str, args), "-o", out],
        capture_output=True,
        timeout=CLI_TIMEOUT,
        check=False,
    )


def assert_refused(path: Path | str, *words: str) -> None:
    """Both ways in: a ConnlogError naming the file, and exit 2 with one line."""
    with pytest.raises(ConnlogError) as caught:
        sources.load([str(path)], use_cache=False)
    message = str(caught.value)
    assert str(path) in message
    for word in words:
        assert word in message
    done = cli(path)
    stderr = done.stderr.decode("utf-8", "replace")
    assert done.returncode == 2, stderr
    assert "Traceback" not in stderr
    assert stderr.count("\n") == 1 and stderr.startswith("connlog: ")
    assert str(path) in stderr
    for word in words:
        assert word in stderr
    assert done.stdout == b""


def assert_counts(path: Path, loaded: int, quarantined: int, *, cli_too: bool = True):
    """rows read = rows loaded + rows quarantined, with counts known from building the
    file; the CLI's --report says the same and exports the loaded rows."""
    result = load(path)
    assert (result.frame.height, result.quarantine.height) == (loaded, quarantined)
    assert result.files == [(str(path), loaded, quarantined)]
    if cli_too:
        done = cli(path, "--report")
        stderr = done.stderr.decode("utf-8", "replace")
        assert done.returncode == 0, stderr
        assert "Traceback" not in stderr
        read = loaded + quarantined
        line = f"{path}: {read} rows read = {loaded} loaded + {quarantined} quarantined"
        assert line in stderr.splitlines()
        exported = pl.read_csv(done.stdout, infer_schema=False) if done.stdout else None
        assert exported is not None and exported.height == loaded
    return result


# -- refused with one line ------------------------------------------------------------------


def test_empty_file(write):
    assert_refused(write("empty.csv", b""), "empty file")


def test_only_blank_lines(write):
    assert_refused(write("blank.csv", "\n\n   \r\n\t\n"), "blank lines")


def test_binary_file(write):
    noise = random.Random(6).randbytes(20_000)
    assert_refused(write("image.csv", b"\x89PNG\r\n\x1a\n" + noise), "binary")


def test_directory_with_no_logs(tmp_path):
    folder = tmp_path / "nothing-here"
    (folder / "sub").mkdir(parents=True)
    (folder / "notes.md").write_text("not a log")
    (folder / "picture.png").write_bytes(b"\x89PNG")
    assert_refused(folder, "no log files")


def test_path_that_does_not_exist(tmp_path):
    assert_refused(tmp_path / "missing.csv", "no such file")


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files whatever their mode")
def test_file_without_read_permission(write):
    path = write("secret.csv", csv_text([row(1)]))
    path.chmod(0)
    try:
        assert_refused(path, "permission denied")
    finally:
        path.chmod(0o600)


def test_fifo_is_refused_not_waited_on(tmp_path):
    # A named pipe with no writer would block a plain open() forever: the honest
    # unreadable input we can make as root too.
    fifo = tmp_path / "pipe.csv"
    os.mkfifo(fifo)
    assert_refused(fifo, "not a regular file")


def test_gzip_with_nothing_readable(write):
    assert_refused(write("broken.csv.gz", b"\x1f\x8b\x08\x00garbage" * 50), "gzip")


def test_unknown_layout_names_the_file(write):
    assert_refused(write("other.csv", "a^b^c\n1^2^3\n"), "format not recognised")


# -- loaded, with rows read = loaded + quarantined --------------------------------------------


def test_header_only_is_an_empty_log(write):
    path = write("header.csv", HEADER + "\n")
    assert_counts(path, 0, 0)
    done = cli(path)
    assert done.stdout.decode().splitlines()[0].startswith("Date,Application To/From,Action")
    assert len(done.stdout.decode().splitlines()) == 1


def _gzip_cut_in_row(rows: list[str], complete: int) -> bytes:
    """A gzip stream of `rows` (with header), flushed after each row, cut in the middle
    of the row after the first `complete` ones."""
    compressor = zlib.compressobj(wbits=31)
    out = compressor.compress((HEADER + "\n").encode()) + compressor.flush(zlib.Z_SYNC_FLUSH)
    for i, line in enumerate(rows):
        piece = compressor.compress((line + "\n").encode()) + compressor.flush(zlib.Z_SYNC_FLUSH)
        if i == complete:
            return out + piece[: len(piece) // 2]
        out += piece
    raise AssertionError("cut past the end")


def test_truncated_gzip_keeps_what_it_holds(write):
    rows = [row(i) for i in range(10)]
    path = write("cut.csv.gz", _gzip_cut_in_row(rows, complete=6))
    result = assert_counts(path, 6, 1)
    assert result.frame["user"].to_list() == [f"u{i}@acme.example" for i in range(6)]
    cut = result.quarantine.row(0, named=True)
    assert cut["line"] == 8 and "ends early" in cut["reason"]
    assert rows[6].startswith(cut["text"])


def test_sound_gzip_with_two_members(write):
    first = gzip.compress(csv_text([row(0), row(1)]).encode())
    path = write(
        "two.csv.gz", first + gzip.compress(b"".join(f"{row(i)}\n".encode() for i in (2, 3)))
    )
    assert_counts(path, 4, 0)


def test_invalid_utf8_in_the_middle_is_replaced_not_dropped(write):
    data = csv_text([row(i) for i in range(10)]).encode()
    data = data.replace(b"u5@", b"u\xff\xfe\xc3(5@")
    result = assert_counts(write("latin.csv", data), 10, 0)
    users = result.frame.sort("row_id")["user"].to_list()
    assert users[5].startswith("u\ufffd") and users[5].endswith("5@acme.example")
    assert users[4] == "u4@acme.example" and users[6] == "u6@acme.example"


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
def test_utf16_without_bom_is_detected(write, encoding):
    text = csv_text([row(i, user=f"jörg{i}@acme.example") for i in range(5)])
    result = assert_counts(write(f"{encoding}.csv", text.encode(encoding)), 5, 0)
    assert result.frame["user"].to_list() == [f"jörg{i}@acme.example" for i in range(5)]


def test_csv_with_ragged_rows(write):
    rows = [row(0), row(1) + ",extra", row(2), "2026-03-01T09:00:03Z,App,SSO Failed", row(4)]
    result = assert_counts(write("ragged.csv", csv_text(rows)), 3, 2)
    assert result.quarantine.select("line", "reason").rows() == [
        (3, "expected 7 fields, found 8"),
        (5, "expected 7 fields, found 3"),
    ]


def test_csv_with_unterminated_quote(write):
    rows = [row(0), row(1, request='"opened, never closed'), row(2), row(3)]
    result = assert_counts(write("quote.csv", csv_text(rows)), 3, 1)
    assert result.quarantine["line"].to_list() == [3]
    assert "quote" in result.quarantine["reason"][0]
    assert sorted(result.frame["user"].to_list()) == [f"u{i}@acme.example" for i in (0, 2, 3)]


@pytest.mark.parametrize("delimiter", [";", "\t"])
def test_csv_with_another_delimiter(write, delimiter):
    rows = [row(i, request="a,b") for i in range(4)]
    text = csv_text(rows).replace(",", delimiter).replace(f"a{delimiter}b", "a,b")
    result = assert_counts(write("semi.csv", text), 4, 0)
    assert result.frame["request"].to_list() == ["a,b"] * 4
    assert result.frame["app"].cast(pl.String).to_list() == ["App"] * 4


def test_json_with_trailing_commas(write):
    text = "[\n" + "".join(json.dumps(record(i)) + ",\n" for i in range(3)) + "]\n"
    text = text.replace('"}', '",}', 1)
    assert_counts(write("trailing.json", text), 3, 0)


def test_json_array_with_truncated_last_record(write):
    text = "[\n" + ",\n".join(json.dumps(record(i), indent=2) for i in range(4))
    text = text[: text.rindex('"Email ID')]  # record 4 (from line 20) cut off
    result = assert_counts(write("cut.json", text), 3, 1)
    assert result.quarantine["line"].to_list() == [20]


def test_json_array_with_a_broken_record_in_the_middle(write):
    parts = [json.dumps(record(i)) for i in range(5)]
    parts[2] = parts[2].replace('": "App"', '": App')
    result = assert_counts(write("broken.json", "[\n" + ",\n".join(parts) + "\n]\n"), 4, 1)
    assert result.quarantine["line"].to_list() == [4]


def test_one_bad_line_among_good_json_lines(write):
    lines = [json.dumps(record(i)) for i in range(6)]
    lines[3] = lines[3][:-10]
    result = assert_counts(write("mixed.jsonl", "\n".join(lines) + "\n"), 5, 1)
    assert result.quarantine.select("line").to_series().to_list() == [4]
    assert result.quarantine["reason"][0].startswith("invalid JSON")


def test_json_lines_with_truncated_last_record(write):
    text = "".join(json.dumps(record(i)) + "\n" for i in range(3)) + json.dumps(record(3))[:30]
    result = assert_counts(write("cut.jsonl", text), 3, 1)
    assert result.quarantine["line"].to_list() == [4]


def test_dates_that_do_not_parse_are_quarantined_with_their_line(write):
    rows = [row(0), row(1, date="yesterday"), row(2, date=""), row(3, date="2026-13-45T99:00:00Z")]
    result = assert_counts(write("dates.csv", csv_text(rows)), 1, 3)
    assert result.quarantine.select("line", "reason").rows() == [
        (3, "unreadable date: yesterday"),
        (4, "missing date"),
        (5, "unreadable date: 2026-13-45T99:00:00Z"),
    ]


@pytest.mark.parametrize("suffix", [".csv", ".jsonl", ".json"])
def test_dates_in_year_0001_and_9999_load_and_export(write, tmp_path, suffix):
    rows = [row(0, date="0001-01-01T00:00:00Z"), row(1, date="9999-12-31T23:59:59Z"), row(2)]
    result = assert_counts(write("edges.csv", csv_text(rows)), 3, 0)
    years = sorted(t.year for t in result.frame["time"].to_list())
    assert years == [1, 2026, 9999]
    out = tmp_path / f"out{suffix}"
    done = cli(tmp_path / "edges.csv", out=str(out))
    assert done.returncode == 0, done.stderr.decode()
    again = load(out)
    assert again.frame["time"].to_list() == result.frame["time"].to_list()


def test_mixed_time_zones_are_read_as_utc(write):
    rows = [
        row(0, date="2026-03-01T10:00:00+05:30"),  # 04:30Z
        row(1, date="2026-03-01T10:00:00Z"),
        row(2, date="2026-03-01 10:00:00"),  # no offset: UTC
        row(3, date="2026-03-01T10:00:00-08:00"),  # 18:00Z
        row(4, date="2026-03-01T09:00:00.5+01:00"),  # 08:00:00.5Z
    ]
    result = assert_counts(write("zones.csv", csv_text(rows)), 5, 0)
    shown = [(t.hour, t.minute, t.microsecond) for t in result.frame["time"].to_list()]
    assert shown == [(4, 30, 0), (8, 0, 500_000), (10, 0, 0), (10, 0, 0), (18, 0, 0)]


def test_field_holding_nul_bytes(write):
    rows = [row(0, request="before\x00after"), row(1), row(2, user="nul\x00user")]
    result = assert_counts(write("nul.csv", csv_text(rows)), 3, 0)
    assert "before\x00after" in result.frame["request"].to_list()
    assert "nul\x00user" in result.frame["user"].to_list()
    lines = [json.dumps(record(0, Request="a\x00b")), json.dumps(record(1))]
    lines.append(json.dumps(record(2, Request="raw")).replace("raw", "r\x00w"))  # raw NUL
    result = assert_counts(write("nul.jsonl", "\n".join(lines) + "\n"), 3, 0)
    assert sorted(result.frame["request"].drop_nulls().to_list()) == ["a\x00b", "r\x00w"]


def test_million_character_line(write):
    long_request = "q=" + "x" * 1_000_000
    rows = [row(0), row(1, request=long_request), row(2)]
    result = assert_counts(write("long.csv", csv_text(rows)), 3, 0)
    assert long_request in result.frame["request"].to_list()
    junk = "{" + "z" * 1_000_000  # one unparseable million-character JSON line
    lines = [json.dumps(record(0)), junk, json.dumps(record(2))]
    result = assert_counts(write("long.jsonl", "\n".join(lines) + "\n"), 2, 1)
    assert result.quarantine["line"].to_list() == [2]
    assert len(result.quarantine["text"][0]) <= 2000


# -- big files, built once ---------------------------------------------------------------------

PAYLOAD_BYTES = 50 * 1024 * 1024
USERS = 100_000


@pytest.fixture(scope="module")
def big_payload_log(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("big") / "payload.csv"
    payload = ("SAMLResponse=" + "PHNhbWxwOlJlc3BvbnNl" * (PAYLOAD_BYTES // 20))[:PAYLOAD_BYTES]
    path.write_text(csv_text([row(0), row(1, request=payload), row(2)]), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def many_users_log(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("users") / "users.csv"
    frame = pl.DataFrame({"n": pl.int_range(USERS, eager=True)}).select(
        Date=pl.lit("2026-03-01T09:00:00Z"),
        App=pl.lit("App"),
        Action=pl.lit("SSO Failed"),
        Type=pl.lit("Authentication-Applications"),
        User=pl.format("user{}@acme.example", pl.col("n")),
        Request=pl.lit(None, pl.String),
        Response=pl.lit(None, pl.String),
    )
    frame.columns = HEADER.split(",")
    frame.write_csv(path)
    return path


def test_fifty_megabyte_payload(big_payload_log, tmp_path):
    result = assert_counts(big_payload_log, 3, 0, cli_too=False)
    payload = max(result.frame["request"].drop_nulls().to_list(), key=len)
    assert len(payload) == PAYLOAD_BYTES
    decoded = decode_payload(payload)  # too big to decode: shown as text, at once
    assert decoded.sections[0].kind == "text"
    assert "limit" in " ".join(decoded.sections[0].notes)
    out = tmp_path / "big.jsonl"
    done = cli(big_payload_log, "--report", out=str(out))
    assert done.returncode == 0, done.stderr.decode()
    assert f"{big_payload_log}: 3 rows read = 3 loaded + 0 quarantined" in done.stderr.decode()
    assert out.stat().st_size > PAYLOAD_BYTES


def test_hundred_thousand_distinct_users(many_users_log):
    result = assert_counts(many_users_log, USERS, 0, cli_too=False)
    frame = result.frame
    assert frame["user"].n_unique() == USERS
    found = query.run(frame, query.FilterState(user="USER4242@"))
    assert found.count == 1
    assert frame["user"][found.indices[0]] == "user4242@acme.example"
    assert query.run(frame, query.FilterState(user="user9999")).count == 11  # 9999, 99990-9
    done = cli(many_users_log, "--report", "--user", "user1234")
    assert done.returncode == 0
    assert f"{many_users_log}: {USERS} rows read = {USERS} loaded + 0 quarantined" in (
        done.stderr.decode()
    )
    assert len(done.stdout.decode().splitlines()) == 1 + 11  # header, 1234 and 12340-12349


# -- --report ------------------------------------------------------------------------------------


def test_report_lists_each_file_its_first_quarantined_rows_and_a_total(write):
    dates = write("dates.csv", csv_text([row(0), row(1, date="soon"), row(2, date="later")]))
    clean = write("clean.csv", csv_text([row(3), row(4)]))
    lines = [json.dumps(record(5)), "not json", json.dumps(record(6))]
    jsonl = write("lines.jsonl", "\n".join(lines) + "\n")
    done = cli(dates, str(clean), str(jsonl), "--report")
    assert done.returncode == 0
    report = done.stderr.decode().splitlines()
    assert report[1:] == [
        f"{dates}: 3 rows read = 1 loaded + 2 quarantined",
        "  line 3: unreadable date: soon | soon",
        "  line 4: unreadable date: later | later",
        f"{clean}: 2 rows read = 2 loaded + 0 quarantined",
        f"{jsonl}: 3 rows read = 2 loaded + 1 quarantined",
        "  line 2: invalid JSON (Expecting value) | not json",
        "total (3 files): 8 rows read = 5 loaded + 3 quarantined",
    ]
    assert report[0] == "connlog: wrote 5 of 5 rows to stdout"


def test_report_shows_only_the_first_quarantined_rows_escaped(write):
    rows = [row(0)] + [row(i, date=f"bad\x1b[31m{i}") for i in range(1, 9)]
    done = cli(write("many.csv", csv_text(rows)), "--report")
    report = done.stderr.decode()
    assert "\x1b" not in report and "\\x1b[31m" in report
    assert report.count("  line ") == 5
    assert "... and 3 more quarantined rows" in report


def test_without_report_a_quarantine_is_one_line(write):
    done = cli(write("dates.csv", csv_text([row(0), row(1, date="soon")])))
    assert done.returncode == 0
    lines = done.stderr.decode().splitlines()
    assert len(lines) == 2 and "1 unparseable rows were quarantined" in lines[1]


def test_json_lines_with_an_invalid_utf8_line_is_not_a_traceback(write):
    # Found by test_properties: the JSON Lines fast path's sample raised UnicodeDecodeError.
    data = json.dumps(record(0)).encode() + b"\n\x80\n"
    result = load(write("bad_utf8.jsonl", data))
    assert result.frame.height == 1 and result.quarantine["line"].to_list() == [2]
