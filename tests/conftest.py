from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "fixtures"
SAMPLES = ROOT.parent / "shared" / "samples"
SMALL_LOG = FIXTURES / "connector_log_small.csv"
HEADER = "Date,Application To/From,Action,Request Type,Email ID/Login ID,Request,Response"


@pytest.fixture
def small_log() -> Path:
    return SMALL_LOG


@pytest.fixture
def write(tmp_path: Path):
    """Write a file under tmp_path (text or bytes) and return its path."""

    def _write(name: str, content: str | bytes) -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8", newline="")
        return path

    return _write
