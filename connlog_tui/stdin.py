"""A log read from standard input (`connlog -`, `... | connlog`): spooled to a private
temporary file first, so every reader (detection, the lean block reader, gzip) sees a
regular file, and deleted when connlog exits. The browser then takes its keys from the
terminal, reopened on file descriptor 0 (Textual's driver reads `sys.__stdin__`)."""

from __future__ import annotations

import atexit
import os
import shutil
import sys
import tempfile
from pathlib import Path
from typing import BinaryIO

from connlog_tui.errors import ConnlogError

STDIN = "-"
SPOOL_NAME = "stdin"
CHUNK = 1 << 20
# The files standing in for standard input in this run (absolute paths).
_spooled: set[str] = set()


def spool(stream: BinaryIO | None = None) -> Path:
    """Copy standard input (or `stream`) to a temporary file removed at exit; its path.
    ConnlogError (`Empty`) when nothing came."""
    stream = stream if stream is not None else sys.stdin.buffer
    folder = Path(tempfile.mkdtemp(prefix="connlog-stdin-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    path = folder / SPOOL_NAME
    try:
        with path.open("wb") as out:
            shutil.copyfileobj(stream, out, CHUNK)
    except OSError as exc:
        raise ConnlogError(f"cannot read ({exc.strerror or exc})", "standard input") from None
    if path.stat().st_size == 0:
        raise Empty("empty: no log came through the pipe", "standard input")
    _spooled.add(os.path.abspath(path))
    return path


def is_spooled(path: str | Path) -> bool:
    """Whether `path` is a file `spool` wrote for standard input in this run."""
    return os.path.abspath(path) in _spooled


def shown_name(given: str) -> str:
    """The name a path is shown and reported by: `stdin` for standard input's file (its
    temporary path says nothing and is gone at exit), else the path as given."""
    return SPOOL_NAME if is_spooled(given) else given


class Empty(ConnlogError):
    """Standard input ended before any byte came."""


def piped() -> bool:
    """Whether standard input is not a terminal (a pipe or a redirected file)."""
    try:
        return not os.isatty(0)
    except (OSError, ValueError):
        return False


def reattach_terminal() -> None:
    """Put the controlling terminal on file descriptor 0, so the UI reads keys from it
    once the log has been read from the pipe. ConnlogError when there is none."""
    try:
        fd = os.open("/dev/tty", os.O_RDWR)
    except OSError:
        raise ConnlogError(
            "the log came on standard input and there is no terminal to take keys from "
            "(use `connlog export - -o OUT`)"
        ) from None
    os.dup2(fd, 0)
    os.close(fd)
