"""Following a log that is still being written (`connlog --follow`).

A `Tail` remembers how far into a file it has read and, on each poll, reads only the
complete records appended since: a CSV record ends at a newline outside quotes, a JSON
Lines record at a newline. A half-written last record waits for the next poll rather
than being read as a bad row. Rotation (the path now names a new file) and truncation
(the file shrank) restart reading from the top of the new content.
"""

from __future__ import annotations

import io
import os
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import BinaryIO

import polars as pl

from connlog_tui.errors import ConnlogError
from connlog_tui.sources import detect, reader_named
from connlog_tui.sources.base import Reader, ReadResult, Source, merge, open_source

READ_LIMIT = 64 * 1024 * 1024  # per poll, so a burst never stalls the UI for long


@dataclass
class BytesSource(Source):
    """A Source over bytes already read (a slice of a followed file)."""

    content: bytes = b""

    @cached_property
    def raw_head(self) -> bytes:
        return self.content[: 64 * 1024]

    @property
    def is_gzip(self) -> bool:
        return False

    def data(self) -> bytes:
        return self.content

    def polars_input(self) -> io.BytesIO:
        return io.BytesIO(self.content)


@dataclass
class TailUpdate:
    result: ReadResult
    event: str | None = None  # "rotated" or "truncated"


@dataclass
class Tail:
    """Reads what is appended to one file. Like `tail -F`, it keeps the file it is reading
    open, so rows written just before a rotation are still read from the renamed file
    before it moves on to the new one."""

    path: Path
    name: str
    reader: Reader
    handle: BinaryIO
    offset: int = 0
    header: bytes = b""
    lines_done: int = 0

    @classmethod
    def after(cls, path: Path, name: str, format: str | None = None) -> Tail:
        """A tail that starts at the current end of the file (its rows are already loaded)."""
        source = open_source(path, name)
        if source.is_gzip or source.is_parquet or source.head.lstrip().startswith("["):
            raise ConnlogError("can only follow CSV and JSON Lines logs", name)
        reader = reader_named(format) if format else detect(source)
        tail = cls(path, name, reader, path.open("rb"))
        content = tail.handle.read()
        stripped = content.removeprefix(b"\xef\xbb\xbf")
        first = stripped.split(b"\n", 1)[0] + b"\n"
        tail.header = b"" if first.lstrip().startswith(b"{") else first
        tail.offset = _complete_end(content, tail.is_csv)
        tail.lines_done = content[: tail.offset].count(b"\n")
        return tail

    @property
    def is_csv(self) -> bool:
        return bool(self.header)

    def close(self) -> None:
        self.handle.close()

    def poll(self) -> TailUpdate:
        """Read the complete records appended since the last poll."""
        results = [self._read_more()]
        event = None
        try:
            current = os.stat(self.path)
        except FileNotFoundError:
            current = None  # mid-rotation: the new file is not there yet
        mine = os.fstat(self.handle.fileno())
        if current is not None and current.st_ino != mine.st_ino:
            event = "rotated"
            self.handle.close()
            self.handle = self.path.open("rb")
            self.offset = self.lines_done = 0
            results.append(self._read_more())
        elif current is not None and current.st_size < self.offset:
            event = "truncated"
            self.offset = self.lines_done = 0
            results.append(self._read_more())
        return TailUpdate(merge(results), event)

    def _read_more(self) -> ReadResult:
        size = os.fstat(self.handle.fileno()).st_size
        if size <= self.offset:
            return ReadResult()
        self.handle.seek(self.offset)
        chunk = self.handle.read(min(size - self.offset, READ_LIMIT))
        if self.offset == 0:  # a new file: step over its BOM and header line
            skip = 3 if chunk.startswith(b"\xef\xbb\xbf") else 0
            if self.header and chunk[skip:].startswith(self.header.rstrip(b"\n")):
                if b"\n" not in chunk[skip:]:
                    return ReadResult()  # the header itself is still being written
                skip += chunk[skip:].index(b"\n") + 1
                self.lines_done += 1
            self.offset, chunk = skip, chunk[skip:]
        end = _complete_end(chunk, self.is_csv)
        if end == 0:
            return ReadResult()
        records = chunk[:end]
        self.offset += end
        result = self._parse(records)
        self.lines_done += records.count(b"\n")
        return result

    def _parse(self, records: bytes) -> ReadResult:
        content = self.header + records if self.is_csv else records
        source = BytesSource(self.path, self.name, content=content)
        result = self.reader.read(source)
        if result.quarantine.height:
            base = self.lines_done - (1 if self.is_csv else 0)
            result.quarantine = result.quarantine.with_columns(pl.col("line") + base)
        return result


def _complete_end(chunk: bytes, is_csv: bool) -> int:
    """Length of the prefix of `chunk` that holds only complete records."""
    if not is_csv:
        return chunk.rfind(b"\n") + 1
    # A newline ends a CSV record only outside quotes, i.e. after an even number of quotes.
    end, quotes, start = 0, 0, 0
    while (newline := chunk.find(b"\n", start)) != -1:
        quotes += chunk.count(b'"', start, newline)
        if quotes % 2 == 0:
            end = newline + 1
        start = newline + 1
    return end
