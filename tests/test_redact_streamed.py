"""A redacted export streamed from an archive a day at a time masks what a redaction of
the whole view masks: every string the pattern finds anywhere in the view is masked
wherever it appears, also in a day whose text the pattern does not match there (a token
or an address run on from a word character, where the pattern's word boundary fails)."""

from __future__ import annotations

import pytest
from log_contract import assert_redacted_exports_agree, write_run_on_archive

from connlog_tui.logs.archive import ArchiveLog


@pytest.mark.parametrize("suffix", [".csv", ".jsonl", ".json", ".parquet"])
def test_a_streamed_redacted_archive_export_is_the_in_memory_one(tmp_path, monkeypatch, suffix):
    monkeypatch.setattr("connlog_tui.redact.secrets.token_bytes", lambda n: b"k" * n)
    memory = write_run_on_archive(tmp_path / "archive")
    assert_redacted_exports_agree(memory, ArchiveLog(tmp_path / "archive"), tmp_path, suffix)
