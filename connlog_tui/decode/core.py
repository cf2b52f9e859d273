"""decode_payload: find and decode every known layer of a logged payload."""

from __future__ import annotations

import json
import re
from urllib.parse import unquote
from xml.dom.minidom import Document

from .binary import b64decode_loose, inflate, inflate_prefix, looks_base64
from .forms import (
    form_body,
    form_section,
    is_oauth_error,
    oauth_error_section,
    parse_form,
    short,
)
from .htmlpage import looks_html, parse_html
from .jwt import JWT_RE, MAX_TOKENS, find_jwts, jwt_section
from .model import MAX_PAYLOAD_CHARS, Decoded, Refused, Section
from .saml import find_message, saml_section
from .xmlsafe import XmlError, iter_elements, parse_xml, pretty_xml, root_of, text_of

SAML_KEYS = ("SAMLRequest", "SAMLResponse")
MAX_DEPTH = 4  # layers: e.g. HTML form -> SAMLResponse -> XML
MAX_JSON_NODES = 20000
_HTML_START = re.compile(r"\s*<!doctype\s+html|\s*<html[\s>]", re.IGNORECASE)
_SAML_PARAM = re.compile(r"\b(SAMLRequest|SAMLResponse)=([A-Za-z0-9+/=%_\-]{16,})")
_URL = re.compile(r"https?://[^\s\"'<>]+\?[^\s\"'<>]+", re.IGNORECASE)


def decode_payload(text: str | None) -> Decoded:
    """Decode `text` into sections, outermost first. Never raises."""
    if text is None:
        text = ""
    elif isinstance(text, bytes | bytearray):
        text = bytes(text).decode("utf-8", "replace")
    elif not isinstance(text, str):
        text = str(text)
    if len(text) > MAX_PAYLOAD_CHARS:
        note = (
            f"payload is {len(text) / 2**20:.1f} MB, over the "
            f"{MAX_PAYLOAD_CHARS // 2**20} MB limit: shown as text, not decoded"
        )
        return Decoded(text, (Section("text", "Text (too large to decode)", text, (), (note,)),))
    try:
        sections = _decode(text, 0)
    except Refused as exc:
        sections = [_refused(str(exc))]
    except Exception as exc:  # the contract is "never raises": degrade to text
        note = f"could not decode: {type(exc).__name__}"
        sections = [Section("text", "Text", text, (), (note,))]
    return Decoded(text, tuple(sections))


def pretty(text: str) -> str:
    """JSON indented, XML indented (safe parser), anything else unchanged. Never raises."""
    try:
        if not isinstance(text, str) or len(text) > MAX_PAYLOAD_CHARS:
            return text
        t = text.strip()
        if t[:1] in ("{", "["):
            return json.dumps(json.loads(t), indent=2, ensure_ascii=False)
        if t[:1] == "<":
            return pretty_xml(parse_xml(t))
    except Exception:  # pretty-printing is best effort: fall back to the text as given
        pass
    return text


def _refused(message: str) -> Section:
    return Section("refused", "Refused", message, (), (message,))


def _text(text: str, title: str = "Text", note: str | None = None) -> Section:
    return Section("text", title, text, (), (note,) if note else ())


def _decode(text: str, depth: int) -> list[Section]:
    t = text.strip().lstrip("\ufeff").strip()
    if not t:
        return [_text("", "Empty payload", "empty payload")]
    if depth > MAX_DEPTH:
        return [_text(t, note="nested too deeply: not decoded further")]
    for step in (_http, _json, _markup, _bare_jwt, _base64, _form):
        found = step(t, depth)
        if found:
            return found
    return _embedded(t, depth) or [_text(t, note=_binary_note(t))]


_HTTP_FIRST_LINE = re.compile(
    r"^(?:HTTP/\d(?:\.\d)?\s+(?P<status>\d{3})[^\n]*"
    r"|(?P<method>GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS)\s+\S+(?:\s+HTTP/\d(?:\.\d)?)?)$"
)
_HEADER_NAME = re.compile(r"[A-Za-z0-9!#$%&'*+.^_`|~-]+")


def _http(t: str, depth: int) -> list[Section] | None:
    """An HTTP message as logged: start line and headers as facts, then the body decoded
    as a payload of its own (JSON error, HTML page, form...)."""
    head, _, body = t.replace("\r\n", "\n").partition("\n\n")
    first, *lines = head.split("\n")
    match = _HTTP_FIRST_LINE.match(first.strip())
    if not match or (not lines and not body):
        return None
    headers = []
    for line in lines:
        name, colon, value = line.partition(":")
        if not colon or not _HEADER_NAME.fullmatch(name.strip()):
            return None  # not a header block after all
        headers.append((name.strip(), short(value.strip())))
    what = f"HTTP response {match['status']}" if match["status"] else f"HTTP {match['method']}"
    section = Section("http", what, head, (("Start line", short(first.strip())), *headers))
    # Tokens and SAML messages in the start line or headers (Authorization: Bearer, a
    # redirect's Location), without repeating the head as text.
    in_head = _embedded(head, depth + 1)[1:]
    return [section, *in_head, *(_decode(body, depth + 1) if body.strip() else [])]


def _binary_note(t: str) -> str | None:
    sample = t[:4096]
    odd = sum(1 for c in sample if (c < " " and c not in "\t\r\n") or "\x7f" <= c <= "\x9f")
    if odd * 20 > len(sample):  # over 5% control characters: not text
        return "looks like binary data: shown as text"
    return None


def _json(t: str, depth: int) -> list[Section] | None:
    if t[0] not in "{[":
        return None
    try:
        value = json.loads(t)
    except (ValueError, RecursionError):
        return None
    body = json.dumps(value, indent=2, ensure_ascii=False)
    if isinstance(value, dict) and is_oauth_error(value):
        main = oauth_error_section(value, body, "JSON")
    else:
        facts: tuple[tuple[str, str], ...] = ()
        if isinstance(value, dict):
            facts = tuple(
                (k, short(v if isinstance(v, str) else json.dumps(v)))
                for k, v in list(value.items())[:40]
                if not isinstance(v, dict | list)
            )
        main = Section("json", "JSON", body, facts)
    return [main, *_inside_json(value, depth)]


def _inside_json(value: object, depth: int) -> list[Section]:
    """SAML messages and JWTs held in string values anywhere in a JSON document."""
    found: list[Section] = []
    stack: list[tuple[str | None, object]] = [(None, value)]
    seen = 0
    while stack and seen < MAX_JSON_NODES and len(found) < MAX_TOKENS:
        key, node = stack.pop()
        seen += 1
        if isinstance(node, dict):
            stack.extend(reversed([(str(k), v) for k, v in node.items()]))
        elif isinstance(node, list):
            stack.extend(reversed([(key, v) for v in node]))
        elif isinstance(node, str):
            found += _inside_value(key, node, depth)
    return found


def _inside_value(key: str | None, value: str, depth: int) -> list[Section]:
    if key in SAML_KEYS:
        return _saml_param(key, value, depth, "HTTP-POST: base64")
    sections = []
    for token, label in find_jwts(value):
        section = jwt_section(token, key or label)
        if section:
            sections.append(section)
    return sections


def _markup(t: str, depth: int) -> list[Section] | None:
    if t[0] != "<":
        return None
    if _HTML_START.match(t):
        return _html(t, depth)
    try:
        doc = parse_xml(t)
    except Refused as exc:
        return [_refused(str(exc))]
    except XmlError as exc:
        if looks_html(t):
            return _html(t, depth)
        return [_text(t, "Text (malformed XML)", str(exc))]
    if root_of(doc).localName == "html":
        return _html(t, depth)
    return _xml_sections(doc, "XML", t)


def _html(t: str, depth: int) -> list[Section]:
    section, inputs = parse_html(t)
    sections = [section]
    for key, value in inputs:
        if key in SAML_KEYS:
            sections += _saml_param(key, value, depth, "HTTP-POST: base64")
        elif JWT_RE.fullmatch(value.strip()):
            jwt = jwt_section(value.strip(), key)
            sections += [jwt] if jwt else []
    return sections


def _xml_sections(doc: Document, encoding: str, source: str) -> list[Section]:
    try:
        body = pretty_xml(doc)
    except RecursionError:
        body = source
    msg = find_message(doc)
    if msg is not None:
        return [saml_section(doc, msg, encoding, body)]
    root = root_of(doc)
    facts = [("root", root.tagName)]
    fault = next((e for e in iter_elements(root) if e.localName == "Fault"), None)
    if fault is not None:
        leaves = [e for e in iter_elements(fault) if not any(c.nodeType == 1 for c in e.childNodes)]
        facts += [(e.localName, short(text_of(e) or "")) for e in leaves[:10]]
    return [Section("xml", f"XML <{root.tagName}>", body, tuple(facts))]


def _xml_from_bytes(data: bytes, encoding: str, depth: int) -> list[Section] | None:
    """Decoded base64 bytes: XML as is, or after inflating (redirect binding). A message
    that does not parse, or a DEFLATE stream cut short, is shown as far as it decodes."""
    cut = None
    if not _starts_xml(data):
        inflated = inflate(data)  # raises Refused on a bomb
        if inflated is None:
            inflated = inflate_prefix(data)
            cut = "DEFLATE stream cut short: the message is shown up to the cut"
        if inflated is None or not _starts_xml(inflated):
            return None
        data, encoding = inflated, "HTTP-Redirect: base64+DEFLATE"
    try:
        doc = parse_xml(data)
    except Refused as exc:
        return [_refused(str(exc))]
    except XmlError as exc:
        text = data.decode("utf-8", "replace")
        notes = (cut, f"{exc} (truncated?)") if cut else (f"{exc} (truncated?)",)
        return [_partial(text, f"Text (decoded {encoding}, malformed XML)", notes)]
    return _xml_sections(doc, encoding, data.decode("utf-8", "replace"))


def _partial(text: str, title: str, notes: tuple[str, ...]) -> Section:
    """A message decoded as far as it goes (cut short by an exporter, or malformed): its
    text is the body, shown under the error even beside the form that carried it."""
    return Section("partial", title, text.replace("\r\n", "\n"), (), notes)


def _starts_xml(data: bytes) -> bool:
    return data.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] == b"<"


def _saml_param(key: str, value: str, depth: int, encoding: str) -> list[Section]:
    value = value.strip()
    if value.startswith("<"):  # some connectors log the XML itself
        found = _decode(value, depth + 1)
        if len(found) == 1 and found[0].kind == "text" and found[0].notes:  # malformed
            notes = tuple(f"{note} (truncated?)" for note in found[0].notes)
            return [_partial(value, f"{key} (malformed XML)", notes)]
        return found
    data = b64decode_loose(value.replace(" ", "+"))
    if data is None:
        return [_text(value, f"{key} (not decoded)", f"{key} is not valid base64 (truncated?)")]
    try:
        sections = _xml_from_bytes(data, encoding, depth + 1)
    except Refused as exc:
        return [_refused(str(exc))]
    note = f"{key} decoded from base64 but is neither XML nor DEFLATE-compressed XML"
    return sections or [_text(value, f"{key} (not decoded)", note)]


def _bare_jwt(t: str, depth: int) -> list[Section] | None:
    if JWT_RE.fullmatch(t):
        section = jwt_section(t)
        return [section] if section else None
    return None


def _base64(t: str, depth: int) -> list[Section] | None:
    if not looks_base64(t) or "=" in t.rstrip("="):
        return None
    data = b64decode_loose(t)
    long_blob = len(t) >= 64 and " " not in t  # wrapped base64 has newlines, not spaces
    if data is None:
        note = "looks like base64 but does not decode (truncated or corrupted?)"
        return [_text(t, note=note)] if long_blob else None
    found = _xml_from_bytes(data, "base64", depth + 1)
    if found:
        return found
    try:
        inner = data.decode("utf-8").strip()
    except UnicodeDecodeError:
        note = "base64 decodes to binary data, not XML or DEFLATE-compressed XML"
        return [_text(t, note=note)] if long_blob else None
    if inner[:1] in ("{", "["):
        nested = _json(inner, depth + 1)
        if nested:
            return [_text(t, "base64", "decoded from base64"), *nested]
    return None


def _form(t: str, depth: int) -> list[Section] | None:
    parsed = parse_form(t)
    if parsed is None:
        return None
    url, pairs = parsed
    fields = dict(pairs)
    if is_oauth_error(fields):
        main = oauth_error_section(fields, form_body(url, pairs), "query" if url else "form")
    else:
        main = form_section(url, pairs)
    sections = [main]
    for key, value in pairs:
        if key in SAML_KEYS:
            binding = "base64" if url else "HTTP-POST: base64"
            sections += _saml_param(key, value, depth, binding)
        else:
            sections += _inside_value(key, value, depth)
    return sections


def _embedded(t: str, depth: int) -> list[Section]:
    """Known payloads inside free text: log lines, HTTP headers, redirect URLs."""
    sections: list[Section] = []
    for token, label in find_jwts(t):
        section = jwt_section(token, label)
        sections += [section] if section else []
    for match in list(_SAML_PARAM.finditer(t))[:4]:
        sections += _saml_param(match.group(1), unquote(match.group(2)), depth, "base64")
    for match in list(_URL.finditer(t))[:8]:
        parsed = parse_form(match.group(0))
        if parsed and is_oauth_error(dict(parsed[1])):
            url, pairs = parsed
            sections.append(oauth_error_section(dict(pairs), form_body(url, pairs), "URL"))
    brace = t.find("{")
    if brace > 0 and not sections:
        try:
            value, _ = json.JSONDecoder().raw_decode(t, brace)
        except (ValueError, RecursionError):
            value = None
        if isinstance(value, dict):
            body = json.dumps(value, indent=2, ensure_ascii=False)
            if is_oauth_error(value):
                sections.append(oauth_error_section(value, body, "JSON"))
            sections += _inside_json(value, depth)
    return [_text(t), *sections] if sections else []
