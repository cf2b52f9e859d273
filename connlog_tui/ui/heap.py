"""The Python side of starting a long-running UI: what keeps garbage collection off key
presses, and what lets the first rows' reading thread run while the UI imports."""

from __future__ import annotations

import gc
import sys
from collections.abc import Iterator
from contextlib import contextmanager

# While starting, the preview thread reads the first rows (some 20 Polars calls, each in
# and out of the GIL) as the main thread imports Textual, holding the GIL: at Python's
# 5 ms switch interval each hand-over waited for it, and rows read in ~20 ms alone came
# ~100 ms after start-up began (tmux first screen, median of 8: 432 ms; 405 ms at 0.5 ms).
START_SWITCH_INTERVAL = 0.0005
NORMAL_SWITCH_INTERVAL = sys.getswitchinterval()


def keep_out_of_gc() -> None:
    """Put every object alive now (modules, widgets, the loaded data's Python side) out
    of the cyclic garbage collector's reach. Its full collections walk every tracked
    object: ~35 ms once a big log is loaded, landing on a key press now and then. Frozen,
    they are walked no more; reference counting still frees them."""
    gc.freeze()


@contextmanager
def start_up() -> Iterator[None]:
    """Run start-up (importing Textual, Polars and connlog: ~100k lasting objects) with
    the cyclic collector off, then freeze what it made. On, the collector walked those
    objects again and again while they were made: ~35 ms of a ~480 ms first screen.
    Threads hand over the GIL often until `start_up_done` (see START_SWITCH_INTERVAL)."""
    sys.setswitchinterval(START_SWITCH_INTERVAL)
    gc.disable()
    try:
        yield
    finally:
        keep_out_of_gc()
        gc.enable()


def start_up_done() -> None:
    """The first rows are on screen (or there are none to wait for): threads hand over
    the GIL at Python's usual interval again."""
    sys.setswitchinterval(NORMAL_SWITCH_INTERVAL)
