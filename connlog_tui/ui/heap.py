"""The Python heap of a long-running UI: what keeps garbage collection off key presses."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


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
    objects again and again while they were made: ~35 ms of a ~480 ms first screen."""
    gc.disable()
    try:
        yield
    finally:
        keep_out_of_gc()
        gc.enable()
