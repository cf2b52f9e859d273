"""Issue 22 item 14: one unrecognised file in a folder does not stop the folder opening.
The rest is read; the files skipped are listed with why (the load result, `connlog export`
on stderr, the browser's start-up check). A file named on its own still stops with its
error, and a folder with nothing readable in it still fails."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from conftest import HEADER

from connlog_tui import sources
from connlog_tui.cli import check_inputs
from connlog_tui.errors import ConnlogError
from connlog_tui.options import Options

GOOD = HEADER + "\n2026-03-01T09:00:00Z,App,SSO Failed,Authentication-Applications,u@x.example,,\n"
# A Duo authentication log line: no reader knows it.
UNKNOWN = '{"txid": "9a1b", "factor": "duo_push", "result": "success", "ts": 1709283600}\n'


def options(paths: list[Path]) -> Options:
    return Options(
        paths=[str(p) for p in paths],
        format=None,
        mappings={},
        picked={},
        user="",
        since=None,
        until=None,
        search="",
    )


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    root = tmp_path / "sso"
    (root / "duo").mkdir(parents=True)
    (root / "connector.csv").write_text(GOOD)
    (root / "duo" / "duo_auth.jsonl").write_text(UNKNOWN)
    (root / "empty.log").write_text("")
    return root


def test_a_folder_opens_without_its_unreadable_files(folder):
    result = sources.load([str(folder)], use_cache=False)
    assert result.frame.height == 1
    skipped = dict(result.skipped)
    assert set(skipped) == {str(folder / "duo" / "duo_auth.jsonl"), str(folder / "empty.log")}
    assert "format not recognised" in skipped[str(folder / "duo" / "duo_auth.jsonl")]
    assert skipped[str(folder / "empty.log")] == "empty file"
    assert [name for name, _, _ in result.files] == [str(folder / "connector.csv")]


def test_a_folder_opens_without_its_unreadable_files_in_lean_mode(folder):
    result = sources.load([str(folder)], use_cache=False, lean=True)
    assert result.frame.height == 1
    assert len(result.skipped) == 2


def test_a_file_named_on_its_own_still_stops_with_its_error(folder):
    with pytest.raises(ConnlogError, match="format not recognised"):
        sources.load([str(folder / "duo" / "duo_auth.jsonl")], use_cache=False)


def test_a_folder_with_nothing_readable_fails_and_says_why(tmp_path):
    (tmp_path / "a.jsonl").write_text(UNKNOWN)
    with pytest.raises(ConnlogError) as caught:
        sources.load([str(tmp_path)], use_cache=False)
    assert "format not recognised" in str(caught.value)
    assert "a.jsonl" in str(caught.value)


def test_the_browsers_start_up_check_lets_a_folder_through(folder):
    check_inputs(options([folder]))  # raised "format not recognised" for the Duo file
    with pytest.raises(ConnlogError):
        check_inputs(options([folder / "empty.log"]))


def test_export_of_a_folder_says_which_files_were_skipped(folder):
    done = subprocess.run(
        [sys.executable, "-m", "connlog_tui", "export", str(folder), "-o", "-"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "u@x.example" in done.stdout
    lines = done.stderr.splitlines()
    duo = str(folder / "duo" / "duo_auth.jsonl")
    assert any(line.startswith(f"connlog: skipped {duo}: format not recognised") for line in lines)
    assert f"connlog: skipped {folder / 'empty.log'}: empty file" in lines
