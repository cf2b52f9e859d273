"""Where the benchmark keeps its data and results, and the facts its parts share."""

from __future__ import annotations

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
