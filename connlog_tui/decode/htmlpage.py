"""HTML error pages: visible text (title first) and auto-post form fields."""

from __future__ import annotations

import re
from html.parser import HTMLParser

from .model import Section

_HIDDEN = {"script", "style", "noscript", "template"}
_BLOCK = {"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "pre", "table",
          "title", "form", "section", "article", "header", "footer", "ul", "ol", "hr"}  # fmt: skip
_HTML_START = re.compile(r"\s*(<!doctype\s+html|<html[\s>]|<head[\s>]|<body[\s>])", re.I)
_TAG = re.compile(r"</?(html|head|body|div|p|span|title|h[1-6]|table|br|form|input)\b", re.I)


def looks_html(text: str) -> bool:
    return bool(_HTML_START.match(text)) or len(_TAG.findall(text[:65536])) >= 2


class _TextExtractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.title: list[str] = []
        self.chunks: list[str] = []
        self.inputs: list[tuple[str, str]] = []
        self._hidden_depth = 0
        self._in_title = False

    def handle_starttag(self, tag, attrs):
        if tag == "title":
            self._in_title = True
        elif tag in _HIDDEN:
            self._hidden_depth += 1
        elif tag == "input":
            named = dict(attrs)
            if named.get("name"):
                self.inputs.append((named["name"], named.get("value") or ""))
        if tag in _BLOCK:
            self.chunks.append("\n")

    def handle_endtag(self, tag):
        if tag == "title":
            self._in_title = False
        elif tag in _HIDDEN and self._hidden_depth:
            self._hidden_depth -= 1
        if tag in _BLOCK:
            self.chunks.append("\n")

    def handle_data(self, data):
        if self._in_title:
            self.title.append(data)
        elif not self._hidden_depth:
            self.chunks.append(data)


def parse_html(text: str) -> tuple[Section, list[tuple[str, str]]]:
    """The page as a text Section, plus its named <input> fields (e.g. SAMLResponse)."""
    parser = _TextExtractor()
    parser.feed(text)
    parser.close()
    title = " ".join("".join(parser.title).split())
    lines = [" ".join(line.split()) for line in "".join(parser.chunks).splitlines()]
    visible = "\n".join(line for line in lines if line)
    body = f"{title}\n\n{visible}" if title and visible else title or visible
    facts = (("title", title),) if title else ()
    heading = f"HTML page: {title}" if title else "HTML page"
    return Section("html", heading, body, facts), parser.inputs
