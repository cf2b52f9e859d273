"""Compact JWS/JWE tokens: header and claims decoded, signatures never verified."""

from __future__ import annotations

import json
import re

from .binary import b64decode_loose
from .model import Section
from .timefmt import epoch_to_iso

# Header and payload segments may carry non-standard "=" padding (seen in Entra docs).
_SEG = r"[A-Za-z0-9_-]+=*"
JWT_RE = re.compile(
    rf"(?<![A-Za-z0-9_.=-])eyJ{_SEG}\.{_SEG}\.[A-Za-z0-9_-]*=*"
    rf"(?:\.{_SEG}\.{_SEG})?(?![A-Za-z0-9_=-])"
)
TIME_CLAIMS = ("iat", "nbf", "exp", "auth_time")
_FACT_CLAIMS = (
    "iss", "sub", "aud", "azp", "appid", "client_id", "tid", "oid", "upn", "email",
    "preferred_username", "unique_name", "name", "scp", "scope", "roles", "nonce", "ver",
)  # fmt: skip
_KEY_BEFORE = re.compile(r"""([A-Za-z_][\w.-]*)["']?\s*[:=]\s*["']?(?:Bearer\s+)?$""")
MAX_TOKENS = 8


def find_jwts(text: str) -> list[tuple[str, str | None]]:
    """Tokens in `text` with a label guessed from what precedes them (key or Bearer)."""
    found = []
    for match in JWT_RE.finditer(text):
        before = text[max(0, match.start() - 64) : match.start()]
        label = None
        if re.search(r"Bearer\s+$", before, re.IGNORECASE):
            label = "Bearer"
        elif key := _KEY_BEFORE.search(before):
            label = key.group(1)
        found.append((match.group(0), label))
        if len(found) >= MAX_TOKENS:
            break
    return found


def _json_segment(segment: str) -> object | None:
    raw = b64decode_loose(segment)
    if raw is None:
        return None
    try:
        return json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        return None


def _fact_value(value: object) -> str:
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def jwt_section(token: str, label: str | None = None) -> Section | None:
    """A Section for a compact JWT, or None if `token` is not one."""
    parts = token.split(".")
    header = _json_segment(parts[0])
    if not isinstance(header, dict) or not ({"alg", "typ", "enc"} & header.keys()):
        return None
    where = f" ({label})" if label else ""
    facts = [(k, _fact_value(header[k])) for k in ("alg", "enc", "typ", "kid") if k in header]
    header_text = json.dumps(header, indent=2, ensure_ascii=False)
    if len(parts) == 5 or "enc" in header:
        body = f"header:\n{header_text}\n\n(payload encrypted)"
        encrypted = ("token is encrypted (JWE): claims cannot be shown",)
        return Section("jwt", f"JWE{where} — encrypted, not decoded", body, tuple(facts), encrypted)

    claims = _json_segment(parts[1])
    notes = ["signature not verified"]
    if isinstance(claims, dict):
        for key in _FACT_CLAIMS:
            if key in claims:
                facts.append((key, _fact_value(claims[key])))
        for key in TIME_CLAIMS:
            if key in claims:
                facts.append((key, epoch_to_iso(claims[key]) or _fact_value(claims[key])))
        claims_text = json.dumps(claims, indent=2, ensure_ascii=False)
    else:
        raw = b64decode_loose(parts[1])
        claims_text = raw.decode("utf-8", "replace") if raw is not None else parts[1]
        notes.append("payload is not a JSON object")
    if header.get("alg") == "none":
        notes.append('alg is "none": token is unsigned')
    body = f"header:\n{header_text}\n\nclaims:\n{claims_text}"
    title = f"JWT{where} — signature not verified"
    return Section("jwt", title, body, tuple(facts), tuple(notes))
