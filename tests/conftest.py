from __future__ import annotations

import gc
from pathlib import Path

import pytest

from connlog_tui import cache

pytest_plugins = ["tmuxterm"]  # the `terminal` fixture for end-to-end tests

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "fixtures"
SMALL_LOG = FIXTURES / "connector_log_small.csv"
HEADER = "Date,Application To/From,Action,Request Type,Email ID/Login ID,Request,Response"


@pytest.fixture(autouse=True)
def private_user_dirs(tmp_path_factory, monkeypatch):
    """Keep every test away from the real user's config, cache and state directories
    (platformdirs follows the XDG variables on Linux)."""
    home = tmp_path_factory.mktemp("home")
    for name in ("XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME", "XDG_DATA_HOME"):
        monkeypatch.setenv(name, str(home / name.lower()))
    monkeypatch.setenv("CONNLOG_CACHE_DIR", str(home / "connlog-cache"))
    yield
    # A load's background cache write may outlive its test. Restoring these variables
    # (monkeypatch's teardown, after this) calls setenv/unsetenv, which is not
    # thread-safe: Polars reading the environment in that write segfaulted in CI.
    cache.wait()


@pytest.fixture(autouse=True)
def unfrozen_heap():
    """The app freezes the heap once loaded (connlog_tui/ui/heap.py): in the test process
    that would keep every earlier test's garbage from being collected."""
    yield
    gc.unfreeze()


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
