"""Where tests find sample logs. fixtures/ holds copies of the permissively licensed public
samples and logs written for connlog (origin and licence per file in fixtures/SOURCES.md);
every test that must pass reads only those. ../shared/samples, beside a checkout and not in
it, also holds samples whose licences keep them out of this repository: optional tests read
them through `shared_sample`, which skips, naming the file, when it is absent.
CONNLOG_SHARED_SAMPLES names another directory for them (a worktree's parent has none)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "fixtures"
SHARED_SAMPLES = Path(
    os.environ.get("CONNLOG_SHARED_SAMPLES") or ROOT.parent / "shared" / "samples"
)


def shared_sample(name: str) -> Path:
    """The path of ../shared/samples/NAME, or skip the calling test when it is absent."""
    path = SHARED_SAMPLES / name
    if not path.is_file():
        pytest.skip(f"optional sample {name}: {SHARED_SAMPLES} is absent")
    return path
