"""What every reader shares: opening an input safely, and turning raw rows into the
canonical frame with unparseable rows quarantined (counted and kept, never dropped)."""

from __future__ import annotations

import codecs
import io
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import polars as pl

from connlog_tui.errors import ConnlogError
from connlog_tui.schema import QUARANTINE_SCHEMA, conform, empty_frame, empty_quarantine
from connlog_tui.timeparse import parse_times

if TYPE_CHECKING:
    from connlog_tui.payloads import PayloadStore

HEAD_BYTES = 64 * 1024
GZIP_CHUNK = 64 * 1024  # compressed bytes a step: damage loses at most one step's output
PARQUET_MAGIC = b"PAR1"


@dataclass
class Source:
    """One input file, opened read-only. Decompresses gzip and re-encodes UTF-16 to UTF-8,
    so readers only ever see UTF-8 bytes (or a Parquet file)."""

    path: Path
    name: str

    # Set by `data()` when a gzip file is damaged or cut short: why, and the last line
    # (incomplete) that was not handed to the reader. See `damage_row`.
    damage: str | None = field(default=None, init=False, repr=False)
    cut: bytes = field(default=b"", init=False, repr=False)
    cut_line: int = field(default=0, init=False, repr=False)

    @cached_property
    def raw_head(self) -> bytes:
        with self.path.open("rb") as fh:
            head = fh.read(HEAD_BYTES)
        if head[:2] == b"\x1f\x8b":
            return self._gunzip(head_only=True)
        return head

    @property
    def is_gzip(self) -> bool:
        with self.path.open("rb") as fh:
            return fh.read(2) == b"\x1f\x8b"

    @property
    def is_parquet(self) -> bool:
        return self.raw_head[:4] == PARQUET_MAGIC

    @cached_property
    def encoding(self) -> str:
        head = self.raw_head
        if head.startswith(codecs.BOM_UTF16_LE):
            return "utf-16-le"
        if head.startswith(codecs.BOM_UTF16_BE):
            return "utf-16-be"
        return _utf16_without_bom(head) or "utf-8"

    @cached_property
    def head(self) -> str:
        """The start of the file as text (for sniffing formats)."""
        return _decode(self.raw_head, self.encoding, partial=True)

    def data(self) -> bytes:
        """The whole file as UTF-8 bytes, BOM removed. Of a damaged gzip file, what could
        be decompressed, up to its last complete line (see `damage`)."""
        raw = self._gunzip() if self.is_gzip else self.path.read_bytes()
        if self.encoding == "utf-8":
            raw = raw[3:] if raw.startswith(codecs.BOM_UTF8) else raw
        else:
            raw = _decode(raw, self.encoding).encode("utf-8")
        if self.damage is not None:
            end = raw.rfind(b"\n") + 1
            raw, self.cut = raw[:end], raw[end:]
            self.cut_line = raw.count(b"\n") + 1
        return raw

    def damage_row(self) -> tuple[int, str, str] | None:
        """After `data()`: the quarantine entry (line, reason, text) saying where a damaged
        gzip file stops, with its incomplete last line; None for a sound file."""
        if self.damage is None:
            return None
        return self.cut_line, self.damage, self.cut.decode("utf-8", errors="replace")[:2000]

    def text(self) -> str:
        return _decode(self.data(), "utf-8")

    def polars_input(self) -> str | io.BytesIO:
        """What to hand to a Polars reader: the path itself when Polars can read the
        bytes as they are (no copy), otherwise the re-encoded bytes."""
        if not self.is_gzip and self.encoding == "utf-8":
            return str(self.path)
        return io.BytesIO(self.data())

    def _gunzip(self, head_only: bool = False) -> bytes:
        """Decompressed content (every gzip member). A damaged or cut-off file yields what
        decompresses before the damage, and sets `damage`; nothing at all is an error."""
        out = io.BytesIO()
        with self.path.open("rb") as fh:
            raw = fh.read(HEAD_BYTES if head_only else -1)
        problem = None
        while raw and problem is None:
            unzip = zlib.decompressobj(wbits=31)
            rest = b""
            try:
                for start in range(0, len(raw), GZIP_CHUNK):
                    out.write(unzip.decompress(raw[start : start + GZIP_CHUNK]))
                    if unzip.eof or head_only and out.tell() >= HEAD_BYTES:
                        rest = raw[start + GZIP_CHUNK :]
                        break
            except zlib.error as exc:
                problem = f"damaged gzip file ({exc})"
                break
            if head_only and out.tell() >= HEAD_BYTES:
                break
            if not unzip.eof:
                if not head_only:
                    problem = "gzip file ends early (cut off?)"
                break
            raw = (unzip.unused_data + rest).lstrip(b"\x00")  # next member, after padding
        if problem is not None and out.tell() == 0:
            raise ConnlogError(f"{problem}: nothing could be decompressed", self.name)
        if not head_only:
            self.damage = problem
        return out.getvalue()[:HEAD_BYTES] if head_only else out.getvalue()


def _decode(raw: bytes, encoding: str, partial: bool = False) -> str:
    if encoding == "utf-8":
        text = raw.decode("utf-8", errors="replace")
        return text.removeprefix("\ufeff")
    decoder = codecs.getincrementaldecoder(encoding)(errors="replace")
    return decoder.decode(raw, final=not partial).removeprefix("\ufeff")


def _utf16_without_bom(head: bytes) -> str | None:
    """'utf-16-le' / 'utf-16-be' for text saved as UTF-16 without a byte order mark:
    mostly ASCII, so every other byte is NUL (and the others are not)."""
    sample = head[: 4096 & ~1]
    if len(sample) < 4:
        return None
    even, odd = sample[0::2].count(0), sample[1::2].count(0)
    half = len(sample) // 2
    if odd >= 0.6 * half and even <= 0.05 * half:
        return "utf-16-le"
    if even >= 0.6 * half and odd <= 0.05 * half:
        return "utf-16-be"
    return None


def open_source(path: Path, name: str | None = None) -> Source:
    """Check that a path is a readable, non-empty, non-binary file; one-line error if not."""
    name = name or str(path)
    if not path.exists():
        raise ConnlogError("no such file", name)
    if path.is_dir():
        raise ConnlogError("is a directory", name)
    if not path.is_file():  # a FIFO would block until written to; a device never ends
        raise ConnlogError("not a regular file (a pipe, socket or device)", name)
    try:
        with path.open("rb") as fh:
            fh.read(1)
    except PermissionError:
        raise ConnlogError("permission denied", name) from None
    except OSError as exc:
        raise ConnlogError(f"cannot read ({exc.strerror or exc})", name) from None
    source = Source(path, name)
    head = source.raw_head
    if not head.strip():
        raise ConnlogError("empty file" if not head else "file holds only blank lines", name)
    if not source.is_parquet and _looks_binary(source.head):
        raise ConnlogError("looks like a binary file, not a log", name)
    return source


def csv_blocks(path: Path, block_bytes: int) -> Iterator[tuple[bytes, bytes, int]]:
    """A UTF-8 CSV file as (header line, a block of whole records, the file line the block
    starts on), about `block_bytes` a block, so a big file is parsed in bounded memory.
    A block ends at a newline outside quotes: one after an even number of `"` (a doubled
    quote inside a field counts two). The next block is read from there (a seek, not a
    copy of the rest)."""
    with path.open("rb") as fh:
        header = fh.readline()
        if header.startswith(codecs.BOM_UTF8):
            header = header[len(codecs.BOM_UTF8) :]
        while header.count(b'"') % 2:  # a quoted newline in the header
            more = fh.readline()
            if not more:
                break
            header += more
        line = 1 + header.count(b"\n")
        size = block_bytes
        while True:
            start = fh.tell()
            block = fh.read(size)
            if not block:
                return
            if len(block) == size:  # more follows: end at the last whole record
                cut = _record_end(block)
                if cut is None:  # one record longer than a block: read a bigger one
                    fh.seek(start)
                    size *= 2
                    continue
                if cut < len(block):
                    block = block[:cut]
                    fh.seek(start + cut)
            size = block_bytes
            if not block.isspace():  # (strip() would copy the block to say so)
                yield header, block, line
            line += block.count(b"\n")


def file_lines(source: Source) -> int | None:
    """The number of lines in a plain UTF-8 file (quotes ignored; None for others). A CSV
    whose line count is its records plus the header has one line per record (a record
    that spans lines adds at least the line holding its closing quote): `record_starts`
    need not count newlines cell by cell. Read through one reused buffer: a count by
    Polars maps the file and unmaps it some time later, and those pages, still counted
    when the records are read, raised a first open's peak by up to the file's size. The
    buffer is small (1 MB): every page of a new one faults in, for each file counted."""
    if source.is_gzip or source.encoding != "utf-8":
        return None
    given = source.polars_input()
    if not isinstance(given, str):  # bytes already read: a followed file's new part
        return None
    newlines, buffer = 0, bytearray(1 << 20)
    last: bytes | bytearray = b""
    try:
        with open(given, "rb", buffering=0) as fh:
            while size := fh.readinto(buffer):
                newlines += buffer.count(b"\n", 0, size)
                last = buffer[size - 1 : size]
    except OSError:
        return None
    return newlines + (last not in (b"", b"\n"))


def record_starts(raw: pl.DataFrame, first: int = 2) -> pl.Series:
    """The file line each parsed CSV record starts on: one line after the previous record
    ends, quoted cells spanning lines. `first`: the first record's line (2, after the
    header, unless `raw` is a later block of the file)."""
    text_cols = [c for c in raw.columns if raw.schema[c] == pl.String]
    if not text_cols or raw.height == 0:
        return pl.int_range(first, raw.height + first, eager=True).cast(pl.Int64)
    newlines = pl.sum_horizontal(
        pl.col(c).str.count_matches("\n", literal=True).fill_null(0) for c in text_cols
    )
    starts = pl.lit(first) + pl.int_range(pl.len()) + newlines.cum_sum() - newlines
    return raw.select(starts.cast(pl.Int64).alias("line")).to_series()


# Every line of a text (first line first), read only when some record may be short.
LineReader = Callable[[], pl.Series]
_QUOTED = '"(?:[^"]|"")*"'
_UNUSED = ("\x1f", "\x1e", "\x1d", "\x1c", "\x01", "\x02")


def lines_of(data: bytes) -> pl.Series:
    """The lines of UTF-8 text as a Series (empty lines kept, so positions are line
    numbers): Polars splits them, with a separator the text never holds."""
    sep = next((c for c in _UNUSED if c.encode() not in data), None)
    if sep is None or not data.strip():
        return pl.Series("line", data.decode("utf-8", "replace").split("\n"), pl.String)
    lines = pl.read_csv(
        data,
        separator=sep,
        encoding="utf8-lossy",
        has_header=False,
        quote_char=None,
        infer_schema=False,
    )
    return lines.to_series().fill_null("").alias("line")


def source_lines(source: Source) -> LineReader:
    """A LineReader over the text a Polars reader is given (`polars_input`: the file, or
    the bytes of a re-encoded file or of a followed file's new part); line 1 first."""

    def read() -> pl.Series:
        given = source.polars_input()
        return lines_of(Path(given).read_bytes() if isinstance(given, str) else given.getvalue())

    return read


def short_records(
    raw: pl.DataFrame,
    starts: Callable[[], pl.Series],
    read_lines: LineReader,
    delimiter: str = ",",
    first: int = 1,
) -> tuple[pl.Series | None, list[tuple[int, str, str]]]:
    """CSV records with fewer fields than the header (`raw`'s columns): a line cut short
    is not a record. Polars fills a short record's missing fields with nulls, as it does
    an unquoted empty field, so only the rows whose last field is null can be short:
    only their lines (`starts`: gives each row's first line; `read_lines`: the text's lines from
    line `first`) are read again and their fields counted, as delimiters outside quoted
    cells, plus one. Returns the mask of rows to keep (None: all) and quarantine entries."""
    if raw.height == 0 or raw.width < 2 or not raw[raw.columns[-1]].null_count():
        return None, []  # (a column's null count is kept with it: no scan of the rows)
    suspects = raw.select(pl.arg_where(pl.col(raw.columns[-1]).is_null())).to_series()
    if suspects.is_empty():
        return None, []
    # Lines a record spans beyond its first: up to where the next one starts (the last
    # record's from its own cells).
    last = raw.tail(1).select(
        pl.sum_horizontal(
            pl.col(c).str.count_matches("\n", literal=True).fill_null(0)
            for c in raw.columns
            if raw.schema[c] == pl.String
        )
    )
    begins = starts()
    spans = (begins.shift(-1) - begins - 1).fill_null(last.item()).gather(suspects)
    at = begins.gather(suspects) - first
    lines = read_lines()
    found = lines.gather(at.clip(0, max(lines.len() - 1, 0))) if lines.len() else None
    texts = pl.Series([""] * at.len()) if found is None else found
    if spans.max():  # records spanning lines (quoted line breaks), joined line by line
        joined = texts.to_list()
        for i in (spans > 0).arg_true().to_list():
            start = at[i]
            joined[i] = "\n".join(lines.slice(start, spans[i] + 1).to_list())
        texts = pl.Series(joined, dtype=pl.String)
    quoted = texts.str.contains('"', literal=True)
    plain = texts.str.count_matches(delimiter, literal=True)
    fields = (
        1
        + pl.select(
            pl.when(quoted)
            .then(texts.str.replace_all(_QUOTED, "").str.count_matches(delimiter, literal=True))
            .otherwise(plain)
        ).to_series()
    )
    width = raw.width
    short = (fields < width).arg_true()
    if short.is_empty():
        return None, []
    lines_at = (at + first).to_list()
    bad = [
        (lines_at[i], f"expected {width} fields, found {fields[i]}", texts[i][:2000])
        for i in short.to_list()
    ]
    short = suspects.gather(short)
    rows = pl.int_range(0, raw.height, eager=True).cast(short.dtype)
    keep = ~rows.is_in(short.implode())
    return keep, bad


def _record_end(data: bytes) -> int | None:
    """Just after the last newline of `data` that is outside quotes, if any."""
    end = data.rfind(b"\n")
    quotes = data.count(b'"', 0, end) if end >= 0 else 0
    while end >= 0:
        if quotes % 2 == 0:
            return end + 1
        before = data.rfind(b"\n", 0, end)
        quotes -= data.count(b'"', before + 1 if before >= 0 else 0, end)
        end = before
    return None


def _looks_binary(text: str) -> bool:
    sample = text[:8192]
    controls = sum(1 for ch in sample if ch < " " and ch not in "\t\r\n" or ch == "\ufffd")
    return controls > max(8, len(sample) // 10)


@dataclass
class ReadResult:
    """A reader's output: canonical rows, plus the rows it could not parse."""

    frame: pl.DataFrame = field(default_factory=empty_frame)
    quarantine: pl.DataFrame = field(default_factory=empty_quarantine)
    # Of a merged load: (file name, rows loaded, rows quarantined) per input file, in order.
    # (A file's rows are not counted by their `source` value: connlog's own exports,
    # read back, keep the source they name.)
    files: list[tuple[str, int, int]] = field(default_factory=list)
    # Of a merged load: (file name, why) per file found in a folder that could not be
    # read (not a recognised format, empty...) and was left out.
    skipped: list[tuple[str, str]] = field(default_factory=list)
    # Of a lean load: where the payloads are.
    payloads: PayloadStore | None = None
    # Of a reopen from the cache: the payloads with ASCII lower-cased (payloads.fold_arrow),
    # row for row, which a search scans instead (query.with_folded).
    folded: pl.DataFrame | None = None


class Reader(Protocol):
    """One log format. `sniff` scores how sure it is that a file is its format (0 = not
    at all, 1 = certain) from the file's first 64 KB; `read` loads the whole file."""

    name: str
    description: str

    def sniff(self, source: Source) -> float: ...

    def read(self, source: Source) -> ReadResult: ...


def build(
    raw: pl.DataFrame,
    *,
    source: str,
    format: str,
    lines: pl.Series | Callable[[], pl.Series] | None = None,
    text: pl.Series | None = None,
) -> ReadResult:
    """Turn raw rows into a ReadResult.

    `raw` holds canonical column names; `time` may still be text (it is parsed here).
    A row whose time is missing or unreadable is quarantined with its line number (from
    `lines`, else its record number; a function is called only then) and the offending
    text (from `text`, else the time).
    """
    if raw.height == 0:
        return ReadResult()
    if "time" not in raw.columns:
        raw = raw.with_columns(time=pl.lit(None, pl.String))
    time_text = raw["time"]
    frame = conform(raw, source=source, format=format, parse=parse_times)
    bad = frame["time"].is_null()
    if not bad.any():
        return ReadResult(frame)
    if lines is None:
        lines = pl.int_range(1, raw.height + 1, eager=True)
    elif callable(lines):
        lines = lines()
    shown = text if text is not None else time_text.cast(pl.String)
    reason = (
        pl.when(pl.col("t").is_null() | (pl.col("t").str.strip_chars() == ""))
        .then(pl.lit("missing date"))
        .otherwise(pl.lit("unreadable date: ") + pl.col("t").str.slice(0, 60))
    )
    quarantine = (
        pl.DataFrame({"t": time_text.cast(pl.String), "line": lines, "text": shown})
        .filter(bad)
        .select(
            pl.lit(source).alias("source"),
            pl.col("line").cast(pl.Int64),
            reason.alias("reason"),
            pl.col("text").cast(pl.String),
        )
    )
    return ReadResult(frame.filter(~bad), quarantine)


def quarantine_rows(source: str, rows: list[tuple[int, str, str]]) -> pl.DataFrame:
    """A quarantine frame from (line, reason, text) tuples found while reading."""
    if not rows:
        return empty_quarantine()
    lines, reasons, texts = zip(*rows, strict=True)
    return pl.DataFrame(
        {"source": [source] * len(rows), "line": lines, "reason": reasons, "text": texts},
        schema=QUARANTINE_SCHEMA,
    )


def merge(results: list[ReadResult]) -> ReadResult:
    """Concatenate results and order the rows by time (stable, so a file's own order
    breaks ties). Their folded payloads are kept only if every result has them and the
    rows need no reordering (files that do not overlap in time)."""
    present = [r for r in results if r.frame.height]
    quarantines = [r.quarantine for r in results if r.quarantine.height]
    frame = pl.concat([r.frame for r in present], how="vertical") if present else empty_frame()
    folded = None
    if present and all(r.folded is not None for r in present):
        folded = pl.concat([r.folded for r in present if r.folded is not None])
    if not frame["time"].is_sorted():
        frame, folded = frame.sort("time", maintain_order=True), None
    quarantine = pl.concat(quarantines) if quarantines else empty_quarantine()
    return ReadResult(frame, quarantine, folded=folded)
