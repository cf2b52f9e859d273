"""Redaction for exports that leave the building (a log attached to a vendor ticket).

Masked: email local parts (`user-3f9a1c2b@acme.example`), login IDs, people's names
(person-name JSON fields and SAML name attributes, masked as a login ID is), SAML NameIDs
(also inside base64 and deflated SAML messages, which are decoded, redacted and
re-encoded), bearer/access/id/refresh tokens and JWTs, client secrets and passwords in
key=value or JSON form, Cookie and Set-Cookie values, and IPv4 and IPv6 addresses.
docs/redaction.md lists every field.

Masks are consistent: the same input gives the same mask everywhere within one export
(the user column, the payloads and the IP column agree), so rows can still be correlated.
They are a keyed hash (HMAC-SHA256, first 8 hex digits) with a random key per Redactor, so
two exports use different masks and a mask cannot be reversed by guessing addresses.

Vectorised: every sensitive string is found with one Polars regex (`str.extract_all`), the
masks are computed once per distinct string, and the cells are rewritten with
`str.replace_many` (Aho-Corasick). The user and IP columns are mapped per distinct value.
A streamed export (logs.stream) first `learn`s the strings of every batch, then masks each
batch with all of them: its bytes are those of the whole view redacted at once.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import ipaddress
import re
import secrets
import zlib
from urllib.parse import quote, unquote

import polars as pl

TEXT_COLUMNS = ("request", "response", "reason", "diagnosis")
USER_COLUMN = "user"
IP_COLUMN = "ip"

_OCTET = r"(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])"
_TOKEN_KEYS = (
    r"access_token|id_token|refresh_token|client_secret|password|passwd|api_?key"
    r"|session_?token|x-api-key"
)
# Person-name fields. JSON keys that always hold a person's name (Entra userDisplayName,
# Auth0 user_name, OIDC-style given/family names...), and `displayName` / `name` inside a
# person's object: one with "type":"User" before it (Okta's actor and targets) or under a
# "user" / "actor" key (Entra's initiatedBy.user, Auth0's details.request.auth.user). An
# application's displayName (Okta's AppInstance target) is not a person's and stays.
_NAME_KEYS = (
    r"userDisplayName|user_name|userName|display_name|given_name|family_name|givenName"
    r"|familyName|firstName|first_name|lastName|last_name|fullName|full_name|nickname"
)
_NAME_QUOTE = r"\"?\s*:\s*\""
_PERSON_OBJECT = (
    r"(?:\"(?i:type)\"\s*:\s*\"(?i:user)\"|\"(?i:user|actor)\"\s*:\s*\{)"
    rf"[^{{}}]{{0,400}}?\"(?i:displayName|name){_NAME_QUOTE}"
)
# SAML attributes holding a name: Name="displayName", "givenName", ".../claims/surname"...
_NAME_ATTRIBUTES = (
    r"displayname|givenname|given_name|surname|sn|cn|firstname|first_name|lastname"
    r"|last_name|fullname|full_name|family_name|commonname"
)
_SAML_NAME = (
    r"<(?:[A-Za-z0-9_.-]+:)?Attribute\b[^>]{0,400}?\bName\s*=\s*\"(?:[^\"]{0,200}[/:#])?"
    rf"(?i:{_NAME_ATTRIBUTES})\"[^>]{{0,400}}>\s*<(?:[A-Za-z0-9_.-]+:)?AttributeValue\b[^>]{{0,400}}>"
)
# One pattern, understood alike by Polars (Rust regex) and Python's re. Alternatives are
# tried in order at each position, so the ones with context (a key before the secret)
# come before the bare shapes (JWT, email, address).
PATTERN = "|".join(
    (
        r"(?P<samlkey>SAML(?:Response|Request)\"?\s*[:=]\s*\"?)(?P<saml>[A-Za-z0-9+/=%_-]{20,})",
        r"(?P<b64>\bP(?:HNhbW|D94bWwg)[A-Za-z0-9+/]{16,}=*)",
        r"(?P<bearerkey>\b(?i:bearer)\s+)(?P<bearer>[A-Za-z0-9._~+/=-]+)",
        rf"(?P<tokkey>\b(?i:{_TOKEN_KEYS})\"?\s*[:=]\s*\"?)(?P<tok>[^\"&\s,;}}]+)",
        r"(?P<cookiekey>\b(?i:set-cookie|cookie)\"?\s*:\s*\"?)(?P<cookie>[^\"\r\n]+)",
        r"(?P<nidopen><(?:[A-Za-z0-9_]+:)?NameID\b[^>]*>)(?P<nid>[^<]+)"
        r"(?P<nidclose></(?:[A-Za-z0-9_]+:)?NameID>)",
        rf"(?P<namekey>\"(?i:{_NAME_KEYS}){_NAME_QUOTE})(?P<name>[^\"\\\\]+)",
        rf"(?P<person>{_PERSON_OBJECT})(?P<pname>[^\"\\\\]+)",
        rf"(?P<attr>{_SAML_NAME})(?P<aname>[^<]+)",
        r"(?P<jwt>\beyJ[A-Za-z0-9_-]+\.eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*)",
        r"(?P<email>[A-Za-z0-9._+!#$*^`{|}~-]+(?:@|%40)[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)",
        r"(?P<ip6>\b(?:[0-9A-Fa-f]{0,4}:){2,7}(?:(?:[0-9]{1,3}\.){3}[0-9]{1,3}|[0-9A-Fa-f]{1,4})?)",
        rf"(?P<ip4>\b{_OCTET}(?:\.{_OCTET}){{3}}\b)",
    )
)
_COMPILED = re.compile(PATTERN)
_EMAIL = re.compile(r"^([^@%]+)(@|%40)(.+)$")


class Redactor:
    """Masks with one key: use one Redactor per export for consistent masks."""

    def __init__(self, key: bytes | None = None) -> None:
        self.key = key if key is not None else secrets.token_bytes(16)
        self._cache: dict[str, str] = {}
        # Every string PATTERN found in the text columns learned so far -> its mask, and
        # those that change as replace_many's (keys, values).
        self._masks: dict[str, str] = {}
        self._replace_many: tuple[list[str], list[str]] = ([], [])

    def _hash(self, kind: str, value: str) -> str:
        digest = hmac.new(self.key, f"{kind}\0{value}".encode(), hashlib.sha256)
        return digest.hexdigest()[:8]

    # --- one kind of value each ---

    def login(self, value: str) -> str:
        """A login ID (or a NameID that is not an email)."""
        return f"user-{self._hash('user', value.strip().lower())}"

    def person(self, value: str) -> str:
        """A person's name, masked as a login is (or as an email, if it is one): a user
        column holding the name and a payload holding it get the same mask."""
        value = value.strip()
        return self.email(value) if _EMAIL.match(value) else self.login(value)

    def email(self, value: str) -> str:
        match = _EMAIL.match(value)
        if not match:
            return self.login(value)
        local, sep, domain = match.groups()
        return f"{self.login(local)}{sep}{domain}"

    def secret(self, kind: str, value: str) -> str:
        return f"{kind}-{self._hash('secret', value)}"

    def address(self, value: str) -> str | None:
        """An IP address's mask, or None when the text is not a plausible address."""
        try:
            parsed = ipaddress.ip_address(value)
        except ValueError:
            return None
        if parsed.version == 6 and len([g for g in value.split(":") if g]) < 2:
            return None  # "::", "::1", "d::" and the like: not worth a mask, often not an IP
        return f"ip-{self._hash('ip', parsed.compressed)}"

    def cookie(self, header: str, value: str) -> str:
        pairs = value.split(";")
        count = 1 if header.lower().lstrip().startswith("set") else len(pairs)
        out = []
        for i, pair in enumerate(pairs):
            name, sep, val = pair.partition("=")
            if i < count and sep:
                out.append(f"{name}={self.secret('cookie', val.strip())}")
            elif i < count and pair.strip():
                out.append(self.secret("cookie", pair.strip()))
            else:
                out.append(pair)
        return ";".join(out)

    def saml(self, blob: str) -> str:
        """A base64 (optionally deflated, optionally URL-encoded) SAML message, redacted
        inside and encoded the same way again; masked whole if it cannot be decoded."""
        quoted = "%" in blob
        raw = unquote(blob) if quoted else blob
        try:
            data = base64.b64decode(raw + "=" * (-len(raw) % 4), validate=False)
            deflated = not data.lstrip().startswith(b"<")
            if deflated:
                data = zlib.decompress(data, -15)
            xml = data.decode("utf-8")
        except (binascii.Error, zlib.error, UnicodeDecodeError, ValueError):
            return self.secret("saml", blob)
        if not xml.lstrip().startswith("<"):
            return self.secret("saml", blob)
        data = self.text(xml).encode("utf-8")
        if deflated:
            packer = zlib.compressobj(9, zlib.DEFLATED, -15)
            data = packer.compress(data) + packer.flush()
        encoded = base64.b64encode(data).decode("ascii")
        return quote(encoded, safe="") if quoted else encoded

    # --- text ---

    def _replace(self, m: re.Match[str]) -> str:
        g = m.groupdict()
        if g["saml"] is not None:
            return g["samlkey"] + self.saml(g["saml"])
        if g["b64"] is not None:
            return self.saml(g["b64"])
        if g["bearer"] is not None:
            return g["bearerkey"] + self.secret("token", g["bearer"])
        if g["tok"] is not None:
            return g["tokkey"] + self.secret("token", g["tok"])
        if g["cookie"] is not None:
            return g["cookiekey"] + self.cookie(g["cookiekey"], g["cookie"])
        if g["nid"] is not None:
            value = g["nid"].strip()
            masked = self.email(value) if _EMAIL.match(value) else self.login(value)
            return g["nidopen"] + masked + g["nidclose"]
        for key, value in (("namekey", "name"), ("person", "pname"), ("attr", "aname")):
            if g[value] is not None:
                # The text before the name may hold other sensitive values (an email).
                return self.text(g[key]) + self.person(g[value])
        if g["jwt"] is not None:
            return self.secret("jwt", g["jwt"])
        if g["email"] is not None:
            return self.email(g["email"])
        address = g["ip6"] if g["ip6"] is not None else g["ip4"]
        return self.address(address) or address

    def text(self, value: str) -> str:
        """Free text (a payload, a reason) with every sensitive string masked."""
        cached = self._cache.get(value)
        if cached is None:
            cached = self._cache[value] = _COMPILED.sub(self._replace, value)
        return cached

    def user(self, value: str) -> str:
        """A user-column value: emails masked as emails, anything else as a login ID."""
        if not value.strip():
            return value
        masked = self.text(value)
        return masked if masked != value else self.login(value)

    def ip(self, value: str) -> str:
        """An IP-column value: each address masked; unparseable text masked whole."""
        if not value.strip():
            return value
        masked = self.text(value)
        return masked if masked != value else self.secret("ip", value.strip())

    # --- frames ---

    def learn(self, frame: pl.DataFrame | pl.LazyFrame) -> None:
        """Add the strings PATTERN finds in the frame's text columns to the masks `frame`
        applies. A streamed export learns every batch first, so that each batch is
        masked as the whole view would be (a string found in one batch is masked where
        it appears in another, even where the pattern does not match it there)."""
        plan = frame.lazy()
        names = plan.collect_schema().names()
        text_cols = [c for c in TEXT_COLUMNS if c in names]
        if not text_cols:
            return
        # One column at a time, each read on its own (its matches, exploded), then stacked.
        found = pl.concat(
            plan.select(pl.col(c).cast(pl.String).str.extract_all(PATTERN).alias("found"))
            for c in text_cols
        )
        plan = found.explode("found").drop_nulls().unique()
        new = False
        for value in plan.collect().to_series().to_list():
            if value not in self._masks:
                self._masks[value] = self.text(value)
                new = True
        if new:
            # Longest first, so at one position the whole match wins over a part of it.
            masked = sorted((k for k, v in self._masks.items() if k != v), key=len, reverse=True)
            self._replace_many = (masked, [self._masks[k] for k in masked])

    def frame(self, frame: pl.DataFrame) -> pl.DataFrame:
        """The frame with the user, payload, reason and IP columns redacted: in the text
        columns every string learned (this frame's, and any learned before) is masked."""
        if not frame.height:
            return frame
        # Learned again even after a first pass: rows that reached the source between the
        # passes are then masked at least as their own batch's matches say.
        self.learn(frame)
        text_cols = [c for c in TEXT_COLUMNS if c in frame.columns]
        keys, values = self._replace_many
        exprs = []
        if text_cols and keys:
            exprs += [
                pl.col(c)
                .cast(pl.String)
                .str.replace_many(keys, values, leftmost=True)
                .cast(frame.schema[c])
                for c in text_cols
            ]
        for column, mask in ((USER_COLUMN, self.user), (IP_COLUMN, self.ip)):
            if column in frame.columns:
                distinct = frame.get_column(column).cast(pl.String).drop_nulls().unique()
                mapping = {v: mask(v) for v in distinct.to_list()}
                exprs.append(
                    pl.col(column).cast(pl.String).replace(mapping).cast(frame.schema[column])
                )
        return frame.with_columns(exprs) if exprs else frame


def redact_frame(frame: pl.DataFrame, *, key: bytes | None = None) -> pl.DataFrame:
    """The frame redacted with a fresh random key (or `key`, for reproducible tests)."""
    return Redactor(key).frame(frame)


def redact_text(text: str, *, key: bytes | None = None) -> str:
    """One piece of text redacted (e.g. a payload before copying it)."""
    return Redactor(key).text(text)
