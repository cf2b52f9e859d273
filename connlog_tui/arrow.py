"""pyarrow, imported on first use, for the few things connlog needs it for: mapping and
writing a cache entry's Arrow files (connlog_tui/cache.py, payloads.fold_arrow).

connlog never hands pyarrow NumPy arrays, and NumPy is most of what importing pyarrow
costs (pyarrow imports it when it can). The `connlog` command itself (`cli.main`) sets
`WITHOUT_NUMPY`: pyarrow is then imported with NumPy hidden, so it leaves NumPy's interop
off. A program that imports connlog as a library gets pyarrow as it always loads."""

from __future__ import annotations

import sys
from types import ModuleType

WITHOUT_NUMPY = False


def pyarrow() -> ModuleType:
    """The pyarrow module (imported without NumPy when WITHOUT_NUMPY is set and neither
    is loaded yet; NumPy stays importable afterwards)."""
    if WITHOUT_NUMPY and "pyarrow" not in sys.modules and "numpy" not in sys.modules:
        sys.modules["numpy"] = None  # type: ignore[assignment]  # `import numpy` fails
        try:
            import pyarrow
        finally:
            del sys.modules["numpy"]
    import pyarrow

    return pyarrow
