"""Files that appear whole or not at all: written beside their target under a temporary
name and renamed over it, so a reader never sees half a file and a failed write leaves the
old file (or none) in place. Exports, provenance sidecars, saved views, state and marks
all write through here."""

from __future__ import annotations

import contextlib
import errno
import os
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO

from connlog_tui.errors import ConnlogError


@contextlib.contextmanager
def replacing(target: Path, mode: int = 0o644) -> Iterator[Path]:
    """A temporary path in `target`'s directory, to write; when the block ends without an
    exception it gets `mode` and is renamed over `target`, else it is removed."""
    fd, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        os.chmod(tmp, mode)
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


@contextlib.contextmanager
def export_output(target: str | Path) -> Iterator[IO[bytes]]:
    """The binary file a streamed export writes: standard output for "-" (flushed at the
    end; what was written before a failure stays written, as a pipe cannot take it
    back), else a temporary file beside `target`, renamed over it as `replacing` does."""
    if str(target) == "-":
        try:
            yield sys.stdout.buffer
            sys.stdout.buffer.flush()
        except OSError as exc:  # Polars says a closed pipe as "Broken pipe (os error 32)"
            if isinstance(exc, BrokenPipeError) or f"os error {errno.EPIPE})" in str(exc):
                raise BrokenPipeError(errno.EPIPE, "stdout's reader went away") from None
            raise
        return
    with replacing(Path(target)) as tmp, tmp.open("wb") as fh:
        yield fh


def write_atomic(target: Path, write: Callable[[IO[bytes]], object], mode: int = 0o644) -> None:
    """`write(fh)` into a temporary file, flushed to disk, then renamed over `target`.
    ConnlogError naming the file when the disk says no (full, read-only, no such folder)."""
    try:
        with replacing(target, mode) as tmp, tmp.open("wb") as fh:
            write(fh)
            fh.flush()
            os.fsync(fh.fileno())
    except OSError as exc:
        raise ConnlogError(f"cannot write ({exc.strerror or exc})", str(target)) from None


def write_text_atomic(target: Path, text: str) -> None:
    """UTF-8 `text` as the whole of `target` (its folder made first), private to the user
    (connlog's own settings and state files)."""
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConnlogError(f"cannot write ({exc.strerror or exc})", str(target)) from None
    write_atomic(target, lambda fh: fh.write(text.encode("utf-8")), mode=0o600)
