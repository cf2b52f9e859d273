"""Follow mode: rows appended to a live log appear once each, through rotation and
truncation, and a half-written record is never read as a bad row."""

from __future__ import annotations

import os
import threading
import time

from conftest import HEADER
from uihelpers import make_app, settle

from connlog_tui.follow import Tail


def row(n: int, payload: str = "") -> str:
    time = f"2026-03-01T09:{n // 60:02d}:{n % 60:02d}Z"
    return f"{time},App,SSO Failed,Logout-Connections,u{n},{payload},\n"


def test_tail_reads_only_complete_records(tmp_path):
    log = tmp_path / "live.csv"
    log.write_text(HEADER + "\n" + row(0))
    tail = Tail.after(log, "live.csv")
    with log.open("a") as fh:
        fh.write(row(1, '"two\nlines, quoted"') + row(2)[:20])  # row 2 is half-written
    update = tail.poll()
    assert update.result.frame["user"].to_list() == ["u1"]
    assert update.result.frame["request"].to_list() == ["two\nlines, quoted"]
    assert update.result.quarantine.height == 0
    with log.open("a") as fh:
        fh.write(row(2)[20:] + "garbage,App,NA,X,u3,,\n")
    update = tail.poll()
    assert update.result.frame["user"].to_list() == ["u2"]
    # The bad row is reported at its line in the file: header, u0, u1 (2 lines), u2, here.
    assert update.result.quarantine["line"].to_list() == [6]


def test_tail_survives_rotation_and_truncation(tmp_path):
    log = tmp_path / "live.csv"
    log.write_text(HEADER + "\n" + row(0))
    tail = Tail.after(log, "live.csv")
    os.rename(log, tmp_path / "live.csv.1")
    assert tail.poll().result.frame.height == 0  # between rename and re-creation
    log.write_text(HEADER + "\n" + row(1))
    update = tail.poll()
    assert (update.event, update.result.frame["user"].to_list()) == ("rotated", ["u1"])
    log.write_text("")
    assert tail.poll().event == "truncated"
    log.write_text(HEADER + "\n" + row(2))
    update = tail.poll()
    assert update.result.frame["user"].to_list() == ["u2"]


def test_tail_follows_json_lines(tmp_path):
    log = tmp_path / "live.jsonl"
    record = (
        '{{"Date": "2026-03-01T09:00:0{n}Z", "Application To/From": "A", "Action": "NA", '
        '"Email ID/Login ID": "u{n}"}}\n'
    )
    log.write_text(record.format(n=0))
    tail = Tail.after(log, "live.jsonl")
    with log.open("a") as fh:
        fh.write(record.format(n=1) + record.format(n=2)[:10])
    assert tail.poll().result.frame["user"].to_list() == ["u1"]


async def test_app_shows_every_written_row_exactly_once(tmp_path):
    log = tmp_path / "live.csv"
    log.write_text(HEADER + "\n" + row(0))
    written = ["u0"]
    done = threading.Event()

    def writer() -> None:
        n = 1
        for phase in ("grow", "rotate", "grow", "truncate", "grow"):
            if phase == "rotate":
                os.rename(log, tmp_path / "live.csv.1")
                time.sleep(0.3)
                log.write_text(HEADER + "\n")
            elif phase == "truncate":
                time.sleep(0.8)  # let the follower read what is there first
                log.write_text("")
                time.sleep(0.3)
                log.write_text(HEADER + "\n")
            for _ in range(5):
                text = row(n)
                with log.open("a") as fh:  # written in two parts, like a slow logger
                    fh.write(text[:15])
                    fh.flush()
                    time.sleep(0.05)
                    fh.write(text[15:])
                written.append(f"u{n}")
                n += 1
                time.sleep(0.1)
        done.set()

    app = make_app([log])
    app.options.follow = True
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert app.follower.tails, "following from the start (--follow)"
        thread = threading.Thread(target=writer, daemon=True)
        thread.start()
        for _ in range(300):
            await pilot.pause(0.1)
            if done.is_set() and app.frame.height == len(written):
                break
        await pilot.pause(1.0)  # one more poll: nothing may arrive twice
        await settle(pilot)
        users = app.frame["user"].to_list()
        assert sorted(users, key=lambda u: int(u[1:])) == written
        assert len(set(users)) == len(users)
        assert app.quarantine.height == 0
        assert f"{len(written)} of {len(written)} rows" in str(app.query_one("#status").render())
        assert "following" in str(app.query_one("#status").render())
