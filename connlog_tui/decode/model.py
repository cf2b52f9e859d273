"""Result types of the decode layer and its work limits."""

from __future__ import annotations

from dataclasses import dataclass

# Limits: payloads above MAX_PAYLOAD_CHARS are not decoded at all; inflating stops at
# MAX_INFLATE_BYTES (a bigger output is a deflate bomb); DOM parsing is skipped above
# MAX_XML_BYTES because a DOM costs ~50x the document size in memory.
MAX_PAYLOAD_CHARS = 10 * 1024 * 1024
MAX_INFLATE_BYTES = 20 * 1024 * 1024
MAX_XML_BYTES = 4 * 1024 * 1024

# Higher = more specific; Decoded.kind reports the most specific section.
_SPECIFICITY = {
    "refused": 9,
    "saml": 8,
    "oauth-error": 7,
    "jwt": 6,
    "xml": 5,
    "json": 4,
    "html": 3,
    # A message that does not parse (cut short), shown as far as it decodes.
    "partial": 3,
    "form": 2,
    "http": 2,
    "text": 1,
}


def specificity(kind: str) -> int:
    """How specific a section's kind is (a SAML message over the form that carried it)."""
    return _SPECIFICITY.get(kind, 0)


@dataclass(frozen=True)
class Section:
    """One decoded layer of a payload (plain text only, no markup)."""

    kind: str
    title: str
    body: str
    facts: tuple[tuple[str, str], ...] = ()
    notes: tuple[str, ...] = ()

    def to_json(self) -> dict:
        return {
            "kind": self.kind,
            "title": self.title,
            "body": self.body,
            "facts": dict(self.facts),
            "notes": list(self.notes),
        }


@dataclass(frozen=True)
class Decoded:
    """All layers found in one payload, outermost first."""

    raw: str
    sections: tuple[Section, ...]

    @property
    def kind(self) -> str:
        best = "text"
        for section in self.sections:
            if _SPECIFICITY.get(section.kind, 0) > _SPECIFICITY[best]:
                best = section.kind
        return best

    def facts(self) -> dict[str, str]:
        """Facts of all sections merged; a later (inner) section wins on a clash."""
        merged: dict[str, str] = {}
        for section in self.sections:
            merged.update(section.facts)
        return merged

    def to_json(self) -> dict:
        return {"kind": self.kind, "sections": [s.to_json() for s in self.sections]}


class Refused(Exception):
    """Input that is deliberately not processed (XML DTD/entities, bombs)."""
