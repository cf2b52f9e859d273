"""Payload decoding for connlog: SAML, JWT, OAuth errors, JSON, XML, forms, HTML.

The data layer of the detail view. Pure Python (no textual/rich); untrusted XML goes
through defusedxml only, and every entry point is bounded and never raises.

Fact keys are stable: SAML uses the SAML names ("ID", "InResponseTo", "IssueInstant",
"Issuer", "Destination", "StatusCode", "SubStatusCode", "StatusMessage", "NameID",
"NameID Format", "Audience", "Recipient", "NotBefore", "NotOnOrAfter",
"Subject NotOnOrAfter", "AuthnInstant", "SessionIndex", "Signed", "EncryptedAssertion",
"Attribute[<name>]", ...); JWTs use claim names ("iss", "aud", "iat", "exp", ...);
OAuth errors "error", "error_description", "error_uri". Times are ISO 8601 UTC.
"""

from .cli import decode_cli
from .core import decode_payload, pretty
from .diagnose import Diagnosis, diagnose
from .model import Decoded, Section, specificity

__all__ = [
    "Decoded",
    "Diagnosis",
    "Section",
    "decode_cli",
    "decode_payload",
    "diagnose",
    "pretty",
    "specificity",
]
