"""The data layer is usable without Textual (and so without a terminal)."""

from __future__ import annotations

import subprocess
import sys

DATA_MODULES = [
    "connlog_tui.schema",
    "connlog_tui.timeparse",
    "connlog_tui.sources",
    "connlog_tui.query",
    "connlog_tui.counts",
    "connlog_tui.export",
    "connlog_tui.logs",
    "connlog_tui.decode",
    "connlog_tui.textsafe",
    "connlog_tui.cli",
]


def test_data_layer_imports_without_textual_or_rich():
    code = (
        "import sys\n"
        f"for name in {DATA_MODULES!r}: __import__(name)\n"
        "loaded = sorted(m for m in sys.modules if m.split('.')[0] in ('textual', 'rich'))\n"
        "print(loaded)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
