"""The IDs that link a login's events, read out of their payloads: a SAML message's type,
ID and InResponseTo, and an OAuth authorization code. Attempt stitching (attempts.py)
works from these keys, so it needs no payloads in memory.

Cost: per-row Python, but cheap: only the first few KB of each SAML parameter are decoded
and no DOM is built (about 60 µs a SAML row: ~20 s for 1M rows, so run it in a worker with
iter_message_keys).
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Iterator
from urllib.parse import unquote

import polars as pl

from connlog_tui.decode.binary import b64decode_loose
from connlog_tui.payloads import POS, PayloadStore, fill, release_pages
from connlog_tui.schema import ROW_ID

from .diagnoses import with_row_id

# A text column costs 16 bytes a row even where null (a string view): the message type,
# one of four, is an enum.
SAML_MESSAGES = ["AuthnRequest", "Response", "LogoutRequest", "LogoutResponse"]
KEYS_SCHEMA: dict[str, pl.DataType] = {
    ROW_ID: pl.UInt32(),
    "message": pl.Enum(SAML_MESSAGES),
    "saml_id": pl.String(),
    "in_response_to": pl.String(),
    # The OAuth authorization code an event carries: handed out in an initiation's
    # response, redeemed in a completion's request.
    "oauth_code": pl.String(),
}
EVENT_OUTCOMES = ["pending", "success", "failure", "interrupt"]
_NOT_PARAM = r"[^A-Za-z0-9+/=%_\-]"
_SAML_INPUT = r"""name=["']SAML(?:Request|Response)["'][^>]*?value=["']([A-Za-z0-9+/=\s]{16,})"""
_SAML_XML = r"urn:oasis:names:tc:SAML:2\.0:protocol"
_OAUTH_CODE = r"(?:^|[?&\s])code="
_PREFIX_CHARS = 1400  # base64 characters decoded per payload: the root element is early
_INFLATE_BYTES = 4096
_ROOT = re.compile(rf"<(?:[\w.-]+:)?({'|'.join(SAML_MESSAGES)})\b([^>]{{0,4000}})>")
_ATTR = {
    name: re.compile(rf"""\s{name}\s*=\s*["']([^"']{{1,256}})["']""")
    for name in ("ID", "InResponseTo")
}


def root_ids(value: str | None) -> tuple[str | None, str | None, str | None]:
    """(message type, ID, InResponseTo) of a SAML message given as base64 (either
    binding, URL-encoded or not) or as XML. Reads only its start; never raises."""
    if not value:
        return None, None, None
    try:
        text = value.strip()
        if not text.startswith("<"):
            # Only a prefix: URL-encoding at most triples its length.
            compact = "".join(unquote(text[: _PREFIX_CHARS * 3]).split("\n"))
            compact = "".join(compact.replace(" ", "+").split()).rstrip("=")[:_PREFIX_CHARS]
            data = b64decode_loose(compact[: len(compact) - len(compact) % 4])
            if not data:
                return None, None, None
            if data.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] != b"<":
                data = zlib.decompressobj(-15).decompress(data, _INFLATE_BYTES)
            text = data[:_INFLATE_BYTES].decode("utf-8", "replace")
        root = _ROOT.search(text[:_INFLATE_BYTES])
        if root is None:
            return None, None, None
        attrs = root.group(2)
        ids = (_ATTR[k].search(attrs) for k in ("ID", "InResponseTo"))
        message_id, in_response_to = (m.group(1) if m else None for m in ids)
        return root.group(1), message_id, in_response_to
    except (zlib.error, ValueError):
        return None, None, None


def _param(text: pl.Expr, key: str) -> pl.Expr:
    """The start of a `key=` parameter's value: a literal find and a slice, then a regex
    on the slice only (a regex over whole multi-KB payloads is many times slower)."""
    at = text.str.find(f"{key}=", literal=True)
    value = text.str.slice(at + len(key) + 1, _PREFIX_CHARS * 3)
    end = value.str.find(_NOT_PARAM)  # a DFA search, no captures: fast on long values
    value = pl.when(end.is_null()).then(value).otherwise(value.str.slice(0, end))
    return pl.when(at.is_not_null() & (value.str.len_chars() >= 16)).then(value)


def event_rows(frame: pl.DataFrame) -> pl.Expr:
    return pl.col("outcome").is_in(EVENT_OUTCOMES)  # as the enum: no column of texts


def iter_message_keys(
    frame: pl.DataFrame, *, chunk: int = 5000, payloads: PayloadStore | None = None
) -> Iterator[pl.DataFrame]:
    """`message_keys` in chunks, for a worker with progress. Only SSO/SLO event rows
    whose payloads hold a SAML message or an OAuth code are read (a vectorised
    pre-filter). A lean load's `payloads` are read in batches of event rows."""
    frame = with_row_id(frame)
    blobs = []
    for column in ("request", "response"):
        text = pl.col(column).cast(pl.String)
        blobs.append(
            pl.coalesce(
                _param(text, "SAMLRequest"),
                _param(text, "SAMLResponse"),
                text.str.extract(_SAML_INPUT, 1),
                pl.when(text.str.contains(_SAML_XML)).then(text),
            ).alias(f"_{column}")
        )
    code = (
        pl.when(pl.col("outcome") == "pending")
        .then(_oauth_code("response"))
        .otherwise(_oauth_code("request"))
        .alias("oauth_code")
    )
    # Only the columns read here: the event rows are a copy (of most of a big log).
    needed = [ROW_ID, "outcome", "request", "response", POS]
    events = frame.select(c for c in needed if c in frame.columns).filter(event_rows(frame))
    # A batch at a time: the SAML messages pulled out of the payloads are copies, and all
    # of them at once would double a big log's memory.
    for start in range(0, events.height, max(1, chunk)):
        batch = fill(events.slice(start, chunk), payloads)
        found = (
            batch.lazy()
            .select(pl.col(ROW_ID).cast(pl.UInt32), *blobs, code)
            .filter(pl.any_horizontal(pl.col("_request", "_response", "oauth_code").is_not_null()))
            .collect()
        )
        release_pages()  # the batch's payloads are read: a mapped frame's pages go back
        yield from _keys_of(found, chunk)


def _keys_of(found: pl.DataFrame, chunk: int) -> Iterator[pl.DataFrame]:
    for start in range(0, found.height, max(1, chunk)):
        part = found.slice(start, chunk)
        rows = []
        for row_id, request, response, code in part.iter_rows():
            ids = [root_ids(request), root_ids(response)]
            message = next((m for m, _, _ in ids if m), None)
            requests = [i for m, i, _ in ids if m in ("AuthnRequest", "LogoutRequest") and i]
            answers = [r for _, _, r in ids if r]
            if not (requests or answers or code):
                continue  # nothing to link by (most SAML responses carry no InResponseTo)
            rows.append(
                (row_id, message, next(iter(requests), None), next(iter(answers), None), code)
            )
        yield pl.DataFrame(rows, schema=KEYS_SCHEMA, orient="row")


def message_keys(frame: pl.DataFrame) -> pl.DataFrame:
    """Per SSO/SLO event row whose payloads carry an ID to link by: its SAML message type,
    the request ID it starts (AuthnRequest/LogoutRequest ID), the ID it answers
    (InResponseTo) and its OAuth code. The payloads are read here only: attempt
    stitching works from these keys (so it needs no payloads in memory).
    Per-row Python (~60 µs a SAML row); compute once per frame."""
    parts = list(iter_message_keys(frame))
    return pl.concat(parts) if parts else pl.DataFrame(schema=KEYS_SCHEMA)


def _oauth_code(column: str) -> pl.Expr:
    """An OAuth authorization code in a query string or form body (find + slice: no
    capturing regex over whole payloads)."""
    text = pl.col(column).cast(pl.String)
    at = text.str.find(_OAUTH_CODE)
    value = text.str.slice(at, 2048)
    value = value.str.slice(value.str.find("code=", literal=True) + 5)
    end = value.str.find(r"""[&\s"'#]""")
    code = pl.when(end.is_null()).then(value).otherwise(value.str.slice(0, end))
    code = pl.when(at.is_not_null() & (code.str.len_chars() > 0)).then(code)
    return code.str.replace_all("(?i)%2F", "/").str.replace_all("(?i)%2B", "+")
