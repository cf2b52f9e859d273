"""The Python heap of a long-running UI: what keeps garbage collection off key presses."""

from __future__ import annotations

import gc


def keep_out_of_gc() -> None:
    """Put every object alive now (modules, widgets, the loaded data's Python side) out
    of the cyclic garbage collector's reach. Its full collections walk every tracked
    object: ~35 ms once a big log is loaded, landing on a key press now and then. Frozen,
    they are walked no more; reference counting still frees them."""
    gc.freeze()
