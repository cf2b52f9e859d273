"""form-urlencoded bodies, query strings, URLs, and OAuth/OIDC error responses."""

from __future__ import annotations

import re
from collections.abc import Mapping
from urllib.parse import parse_qsl, unquote, urlsplit

from .model import Section

_URL_RE = re.compile(r"https?://\S+", re.IGNORECASE)
_FORM_RE = re.compile(r"\??[^\s=&?#]+=[^\s&]*(?:&+[^\s=&]+(?:=[^\s&]*)?)*&*")
OAUTH_ERROR_KEYS = ("error", "error_description", "error_uri")
FACT_VALUE_MAX = 200
MESSAGE_MAX = 1000  # an error message kept whole, up to this many characters


def parse_form(text: str) -> tuple[str | None, list[tuple[str, str]]] | None:
    """(url-without-query, pairs) for a URL with a query/fragment, a query string or a
    form body; None if `text` is none of those."""
    t = text.strip()
    if _URL_RE.fullmatch(t):
        parts = urlsplit(t)
        pairs = _pairs(parts.query) + (_pairs(parts.fragment) if "=" in parts.fragment else [])
        base = f"{parts.scheme}://{parts.netloc}{parts.path}"
        return (base, pairs) if pairs else None
    if _FORM_RE.fullmatch(t):
        pairs = _pairs(t.lstrip("?"))
        # "dGVzdA==" is base64 padding, not a key with the value "=".
        if pairs and not any(v and not v.strip("=") for _, v in pairs):
            return None, pairs
    return None


def _pairs(query: str) -> list[tuple[str, str]]:
    pairs = []
    for key, value in parse_qsl(query, keep_blank_values=True, max_num_fields=10000):
        # '+' means space in forms, but base64 uses '+': an unencoded base64 SAML
        # value would otherwise be corrupted, so re-read those values without it.
        if key in ("SAMLRequest", "SAMLResponse", "Signature") and " " in value:
            raw = _raw_value(query, key)
            value = unquote(raw) if raw is not None else value
        pairs.append((key, value))
    return pairs


def _raw_value(query: str, key: str) -> str | None:
    for item in query.split("&"):
        k, _, v = item.partition("=")
        if unquote(k) == key:
            return v
    return None


def short(value: str) -> str:
    """A fact value short enough for a table cell; the body keeps the full text."""
    if len(value) <= FACT_VALUE_MAX:
        return value
    return f"{value[:80]}… ({len(value)} chars)"


def form_body(url: str | None, pairs: list[tuple[str, str]]) -> str:
    lines = [url] if url else []
    lines += [f"{k} = {v}" for k, v in pairs]
    return "\n".join(lines)


def form_section(url: str | None, pairs: list[tuple[str, str]]) -> Section:
    facts = ([("URL", url)] if url else []) + [(k, short(v)) for k, v in pairs]
    title = "URL query" if url else "Form / query string"
    notes: tuple[str, ...] = ()
    if any(k == "Signature" for k, _ in pairs):
        notes = ("redirect-binding signature present: not verified",)
    return Section("form", title, form_body(url, pairs), tuple(facts), notes)


def oauth_error_section(fields: Mapping[str, object], body: str, source: str) -> Section:
    """An OAuth/OIDC error response (RFC 6749 section 5.2 / OIDC 3.1.2.6)."""
    # The IdP's own message is kept whole (it is the failure's reason, in triage too);
    # other values are cut for the facts table.
    facts = [
        (k, _text(fields[k])[:MESSAGE_MAX] if k == "error_description" else short(_text(fields[k])))
        for k in OAUTH_ERROR_KEYS
        if k in fields
    ]
    facts += [
        (k, short(_text(v)))
        for k, v in fields.items()
        if k not in OAUTH_ERROR_KEYS and not isinstance(v, dict)
    ]
    title = f"OAuth error: {_text(fields.get('error'))} ({source})"
    return Section("oauth-error", title, body, tuple(facts))


def is_oauth_error(fields: Mapping[str, object]) -> bool:
    error = fields.get("error")
    return isinstance(error, str) and bool(error.strip())


def _text(value: object) -> str:
    if isinstance(value, list):
        return ", ".join(map(str, value))
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)
