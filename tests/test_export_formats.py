"""Every export format against golden files, PDF text, provenance sidecars, empty views,
progress reports and redacted exports."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime

import polars as pl
import pytest
from conftest import FIXTURES, SMALL_LOG
from pypdf import PdfReader

from connlog_tui import __version__, query
from connlog_tui.errors import ConnlogError
from connlog_tui.export import ExportOptions, export, provenance_path, provenance_record
from connlog_tui.export_pdf import latin1, summarise, write_pdf
from connlog_tui.schema import HEADERS
from connlog_tui.sources import load

GOLDEN = FIXTURES / "golden"


def view_of(state_args: dict | None = None, path=SMALL_LOG) -> tuple[pl.DataFrame, object]:
    frame = load([str(path)]).frame
    state = query.build_state(frame, state_args or {})
    return query.view_frame(frame, query.run(frame, state).indices), state


def sso_failed() -> pl.DataFrame:
    view, _ = view_of({"action": ["SSO Failed"]})
    # The source column holds the path as given; a fixed name keeps the golden files stable.
    return view.with_columns(pl.lit("connector_log_small.csv").cast(pl.Categorical).alias("source"))


@pytest.mark.parametrize("suffix", ["csv", "jsonl", "json"])
def test_export_matches_golden_file(tmp_path, suffix):
    out = tmp_path / f"out.{suffix}"
    assert export(sso_failed(), str(out)) == 3
    assert out.read_bytes() == (GOLDEN / f"sso_failed.{suffix}").read_bytes()


@pytest.mark.parametrize("suffix", ["csv", "jsonl", "json"])
def test_chunked_writes_are_byte_identical_and_report_progress(tmp_path, suffix):
    whole, sliced = tmp_path / f"whole.{suffix}", tmp_path / f"sliced.{suffix}"
    view, _ = view_of()
    seen: list[int] = []
    export(view, str(whole))
    assert export(view, str(sliced), ExportOptions(chunk_rows=5, progress=seen.append)) == 12
    assert sliced.read_bytes() == whole.read_bytes()
    assert seen == [5, 10, 12]


@pytest.mark.parametrize("suffix", ["parquet", "pdf"])
def test_progress_reaches_the_row_count_for_whole_file_formats(tmp_path, suffix):
    seen: list[int] = []
    view, _ = view_of()
    export(view, str(tmp_path / f"out.{suffix}"), ExportOptions(progress=seen.append))
    assert seen[-1] == 12


def test_empty_view_gives_a_valid_file_in_every_format(tmp_path):
    empty, _ = view_of({"action": ["no such action"]})
    assert empty.height == 0
    for suffix in ("csv", "jsonl", "json", "parquet", "pdf"):
        assert export(empty, str(tmp_path / f"empty.{suffix}")) == 0
    assert (tmp_path / "empty.csv").read_text().strip() == ",".join(HEADERS.values())
    assert (tmp_path / "empty.jsonl").read_bytes() == b""
    assert json.loads((tmp_path / "empty.json").read_text()) == []
    parquet = pl.read_parquet(tmp_path / "empty.parquet")
    assert parquet.height == 0 and parquet.columns == list(HEADERS.values())
    text = PdfReader(tmp_path / "empty.pdf").pages[0].extract_text()
    assert "Rows: 0" in text and "No rows match the filters." in text


def pdf_text(path) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(path).pages)


def test_pdf_report_has_title_filters_count_and_table(tmp_path):
    view, state = view_of({"action": ["SSO Failed"]})
    out = tmp_path / "report.pdf"
    record = provenance_record(sources=["connector_log_small.csv"], state=state)
    export(
        view, str(out), ExportOptions(report={"title": "SSO failures for ticket 4711", **record})
    )
    reader = PdfReader(out)
    page = reader.pages[0]
    assert page.mediabox.width > page.mediabox.height  # landscape
    text = pdf_text(out)
    assert "SSO failures for ticket 4711" in text
    assert "Filters: Action=SSO Failed" in text
    assert "Rows: 3" in text
    assert "Generated: " in text and " UTC by connlog " in text
    assert "Sources: connector_log_small.csv" in text
    for heading in ("Date", "Action", "Application", "User", "Request Type", "Reason/Diagnosis"):
        assert heading in text
    assert "bob.smith@acme.example" in text and "2026-03-01 09:05:01" in text
    assert "User account disabled" in text
    # Payloads are summarised, not dumped: the long SAML blob is not in the report.
    assert "PHNhbWxwOlJlc3BvbnNl" not in text


def test_pdf_survives_text_outside_latin1(tmp_path):
    view, _ = view_of()
    odd = view.head(1).with_columns(
        pl.lit("Zoë Łukasz 日本 “quoted” – dash \x1b[31m").alias("user"),
        pl.lit("payload … with\ttabs\nand lines").alias("response"),
    )
    buffer = io.BytesIO()
    write_pdf(odd, buffer, title="Ünïcode – report", filters=["user~Łukasz"], sources=[])
    text = PdfReader(buffer).pages[0].extract_text()
    assert "Zoë Lukasz ??" in text and '"quoted" - dash' in text
    assert "payload ... with tabs and lines" in text
    assert "Ünïcode - report" in text


def test_latin1_and_summarise():
    assert latin1("a\x00b\u200bc") == "a b c"
    assert latin1(None) == ""
    assert summarise("x" * 200).endswith("...") and len(summarise("x" * 200)) == 80
    assert summarise("  a \n b  ") == "a b"


def test_provenance_sidecar(tmp_path):
    view, state = view_of({"action": ["SSO Failed"]})
    out = tmp_path / "failures.csv"
    before = datetime.now(UTC)
    record = provenance_record(sources=[str(SMALL_LOG)], state=state)
    export(view, str(out), ExportOptions(provenance=record))
    sidecar = provenance_path(out)
    assert sidecar.name == "failures.csv.provenance.json"
    data = json.loads(sidecar.read_text())
    assert data["sources"] == [str(SMALL_LOG)]
    assert data["filters"] == ["Action=SSO Failed"]
    assert data["rows"] == 3 and data["format"] == "csv" and data["output"] == "failures.csv"
    assert data["connlog_version"] == __version__
    assert data["redacted"] is False and data["formula_guard"] is True
    exported_at = datetime.strptime(data["exported_at"], "%Y-%m-%dT%H:%M:%S.%fZ")
    assert exported_at.replace(tzinfo=UTC) >= before.replace(microsecond=0)
    # The export itself is untouched by provenance.
    plain = tmp_path / "plain.csv"
    export(view, str(plain))
    assert plain.read_bytes() == out.read_bytes()


def test_provenance_refuses_stdout_and_existing_sidecar(tmp_path):
    view, _ = view_of()
    with pytest.raises(ConnlogError, match="needs an output file"):
        export(view, "-", ExportOptions(provenance={}))
    out = tmp_path / "out.json"
    provenance_path(out).write_text("keep")
    with pytest.raises(ConnlogError, match="file exists"):
        export(view, str(out), ExportOptions(provenance={}))
    assert not out.exists() and provenance_path(out).read_text() == "keep"
    export(view, str(out), ExportOptions(provenance={}, force=True))
    assert json.loads(provenance_path(out).read_text())["rows"] == 12


def test_redacted_export_masks_users_consistently(tmp_path):
    view, _ = view_of()
    out = tmp_path / "redacted.jsonl"
    export(view, str(out), ExportOptions(redact=True, provenance={}))
    text = out.read_text()
    assert "@acme.example" in text  # domains stay
    for person in ("jane.doe@", "bob.smith@", "carol@", "mallory@", "ya29.a0"):
        assert person not in text.lower()
    rows = [json.loads(line) for line in text.splitlines()]
    users = [r["Email ID/Login ID"].strip() for r in rows]
    # jane.doe appears on four rows: one mask for all of them.
    original = view["user"].cast(pl.String).str.strip_chars().to_list()
    jane = {u for u, o in zip(users, original, strict=True) if o == "jane.doe@acme.example"}
    assert len(jane) == 1 and next(iter(jane)).startswith("user-")
    # Bob.Smith and bob.smith are the same person.
    bob = {u for u, o in zip(users, original, strict=True) if o.lower().startswith("bob")}
    assert len(bob) == 1
    assert json.loads(provenance_path(out).read_text())["redacted"] is True
