"""Where the benchmark keeps its data and results, and the facts its parts share."""

from __future__ import annotations

import contextlib
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
DATA = HERE / "data"
RESULTS = HERE / "results"
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT))

EXPORT_APP = "Okta"  # ~10% of rows: the ~100k-row filtered view at 1M rows
EXPORT_ACTION = "SSO Failed"  # issue 25's one-shot export: ~6% of rows
# A search miss of letters only: nothing in it lets a literal scan go first.
LETTERS_MISS = "zqnosuchx"


def vm_hwm(pid: int | str = "self") -> int | None:
    """Peak resident set (VmHWM, bytes) of a process, None when it cannot be read."""
    with contextlib.suppress(OSError, ValueError, IndexError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    return None


def memory_state() -> dict[str, int]:
    """MemTotal, MemAvailable and Cached (bytes) now: a run that starts with the page
    cache full of other big files (just after the 10M run) had its full-load ratio and
    search disturbed, and this tells such a run apart."""
    found = {}
    with contextlib.suppress(OSError, ValueError, IndexError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            key, value = line.split(":", 1)
            if key in ("MemTotal", "MemAvailable", "Cached"):
                found[key] = int(value.split()[0]) * 1024
    return found
