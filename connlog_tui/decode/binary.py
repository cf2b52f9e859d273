"""Tolerant base64 and bounded DEFLATE, the two encodings of the SAML bindings."""

from __future__ import annotations

import base64
import binascii
import re
import zlib

from .model import MAX_INFLATE_BYTES, Refused

_B64_CHARS = re.compile(r"[A-Za-z0-9+/=_\-\s]+")
_WHITESPACE = re.compile(r"\s+")


def looks_base64(text: str, min_len: int = 16) -> bool:
    return len(text) >= min_len and _B64_CHARS.fullmatch(text) is not None


def b64decode_loose(text: str) -> bytes | None:
    """Decode standard or URL-safe base64, ignoring whitespace and missing/extra padding.

    Returns None when the text is not base64 (or is truncated mid-quantum).
    """
    compact = _WHITESPACE.sub("", text).rstrip("=")
    if not compact or len(compact) % 4 == 1:
        return None
    compact = compact.replace("-", "+").replace("_", "/")
    try:
        return base64.b64decode(compact + "=" * (-len(compact) % 4), validate=True)
    except (binascii.Error, ValueError):
        return None


def inflate(data: bytes, limit: int = MAX_INFLATE_BYTES) -> bytes | None:
    """Inflate raw DEFLATE (SAML redirect binding), or zlib/gzip-wrapped data.

    Returns None if the data is not compressed; raises Refused when the output would
    exceed `limit` (a decompression bomb) instead of allocating it.
    """
    for wbits in (-15, 47):  # raw deflate first; 47 = auto-detect zlib or gzip header
        inflater = zlib.decompressobj(wbits)
        try:
            out = inflater.decompress(data, limit)
        except zlib.error:
            continue
        if inflater.unconsumed_tail:
            raise Refused(f"refused: compressed data expands beyond {limit // 2**20} MB")
        if not inflater.eof:
            continue  # truncated stream: treat as not compressed
        return out
    return None


def inflate_prefix(data: bytes, limit: int = MAX_INFLATE_BYTES) -> bytes | None:
    """What a raw DEFLATE stream cut short inflates to (the redirect binding's message up
    to the cut); None when the data is not such a stream or inflates to nothing."""
    inflater = zlib.decompressobj(-15)
    try:
        out = inflater.decompress(data, limit)
    except zlib.error:
        return None
    if inflater.unconsumed_tail:
        raise Refused(f"refused: compressed data expands beyond {limit // 2**20} MB")
    return out or None
