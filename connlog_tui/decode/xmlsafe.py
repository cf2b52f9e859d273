"""Untrusted XML: parsed only through defusedxml, DTDs and entities refused."""

from __future__ import annotations

from xml.dom.minidom import Document, Element, Node, Text
from xml.parsers.expat import ExpatError

import defusedxml.minidom
from defusedxml.common import DefusedXmlException

from .model import MAX_XML_BYTES, Refused


class XmlError(ValueError):
    """Not well-formed XML."""


def parse_xml(data: str | bytes) -> Document:
    """Parse with DTDs, entity declarations and external references all forbidden."""
    if len(data) > MAX_XML_BYTES:
        raise XmlError(f"XML too large to parse ({len(data) // 2**20} MB)")
    try:
        return defusedxml.minidom.parseString(
            data, forbid_dtd=True, forbid_entities=True, forbid_external=True
        )
    except DefusedXmlException as exc:
        raise Refused(_refusal(data, exc)) from None
    except (ExpatError, ValueError, UnicodeError) as exc:
        raise XmlError(f"malformed XML: {exc}") from None


def _refusal(data: str | bytes, exc: DefusedXmlException) -> str:
    sample = data[:65536] if isinstance(data, str) else data[:65536].decode("latin-1")
    if "<!ENTITY" in sample:
        if "SYSTEM" in sample or "PUBLIC" in sample:
            return "refused: XML external entity declaration (not fetched, not expanded)"
        return "refused: XML entity declarations (not expanded)"
    return f"refused: XML document type declaration ({type(exc).__name__})"


def children(node: Node) -> list[Element]:
    return [c for c in node.childNodes if c.nodeType == Node.ELEMENT_NODE]


def child(node: Node, local: str, ns: str | None = None) -> Element | None:
    for c in children(node):
        if c.localName == local and (ns is None or c.namespaceURI == ns):
            return c
    return None


def text_of(node: Node | None) -> str | None:
    """Concatenated text content (iterative: documents may be deeply nested)."""
    if node is None:
        return None
    parts: list[str] = []
    stack = [node]
    while stack:
        n = stack.pop()
        if isinstance(n, Text):  # CDATA sections included
            parts.append(n.data)
        else:
            stack.extend(reversed(n.childNodes))
    return "".join(parts).strip()


def iter_elements(node: Node):
    """All descendant elements in document order, without recursion."""
    stack = list(reversed(children(node)))
    while stack:
        el = stack.pop()
        yield el
        stack.extend(reversed(children(el)))


def root_of(doc: Document) -> Element:
    """The document element (every document parse_xml returns has one)."""
    root = doc.documentElement
    if root is None:
        raise XmlError("XML without a root element")
    return root


def pretty_xml(doc: Document) -> str:
    """Indent by 2; whitespace-only text dropped and other text trimmed, for reading."""
    root = root_of(doc)
    for el in [root, *iter_elements(root)]:
        for c in list(el.childNodes):
            if isinstance(c, Text) and c.nodeType == Node.TEXT_NODE:
                if c.data.strip():
                    c.data = c.data.strip()
                else:
                    el.removeChild(c)
    # toprettyxml recurses; a pathologically deep document raises RecursionError,
    # which callers treat as "cannot pretty-print".
    out = root.toprettyxml(indent="  ")
    return out.rstrip("\n")
