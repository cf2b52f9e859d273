"""The demo's payloads, fake but well-formed: HTTP messages, SAML messages (real XML,
placeholder signatures) in their bindings, and JWTs (real compact JWS, dummy signature)."""

from __future__ import annotations

import base64
import hashlib
import json
import zlib
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import quote

from tools.demo.model import (
    FAKE_SIGNATURE,
    NAMEID_EMAIL,
    RSA_SHA256,
    SAML_ASSERTION,
    SAML_PROTOCOL,
    STATUS,
    SamlApp,
)

# --------------------------------------------------------------------------- small helpers


def iso(t: datetime) -> str:
    """ISO 8601 UTC with Z; milliseconds only when the instant has them."""
    if t.microsecond:
        return t.strftime("%Y-%m-%dT%H:%M:%S.") + f"{t.microsecond // 1000:03d}Z"
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def iso_ms(t: datetime) -> str:
    """Okta's ``published`` format: always milliseconds."""
    return t.strftime("%Y-%m-%dT%H:%M:%S.") + f"{t.microsecond // 1000:03d}Z"


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def deflate(text: str) -> bytes:
    """Raw DEFLATE (no zlib header), as the SAML HTTP-Redirect binding requires."""
    packer = zlib.compressobj(9, zlib.DEFLATED, -15)
    return packer.compress(text.encode("utf-8")) + packer.flush()


def q(value: str) -> str:
    """Percent-encode a query or form value (``+``, ``/`` and ``=`` included)."""
    return quote(value, safe="")


def http(status: str, headers: list[tuple[str, str]], body: str = "") -> str:
    """An HTTP/1.1 response as the connector records it: status line, headers, body."""
    lines = [f"HTTP/1.1 {status}"] + [f"{k}: {v}" for k, v in headers]
    text = "\n".join(lines)
    return f"{text}\n\n{body}" if body else text


def pretty(obj: object) -> str:
    """JSON as Google and NetSuite send it: indented."""
    return json.dumps(obj, indent=2, ensure_ascii=False)


def compact(obj: object) -> str:
    """JSON as Microsoft's token endpoint sends it: one line."""
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False)


# --------------------------------------------------------------------------- SAML payloads


def signature_xml(reference_id: str) -> str:
    """An enveloped XML-DSig block: well-formed, placeholder digest and signature."""
    digest = b64(hashlib.sha256(reference_id.encode("ascii")).digest())
    return (
        '<ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:SignedInfo>'
        '<ds:CanonicalizationMethod Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/>'
        f'<ds:SignatureMethod Algorithm="{RSA_SHA256}"/>'
        f'<ds:Reference URI="#{reference_id}"><ds:Transforms>'
        '<ds:Transform Algorithm="http://www.w3.org/2000/09/xmldsig#enveloped-signature"/>'
        '<ds:Transform Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/></ds:Transforms>'
        '<ds:DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/>'
        f"<ds:DigestValue>{digest}</ds:DigestValue></ds:Reference></ds:SignedInfo>"
        f"<ds:SignatureValue>{b64(FAKE_SIGNATURE)}</ds:SignatureValue></ds:Signature>"
    )


def authn_request_xml(request_id: str, issued: datetime, app: SamlApp) -> str:
    return (
        f'<samlp:AuthnRequest xmlns:samlp="{SAML_PROTOCOL}" xmlns:saml="{SAML_ASSERTION}" '
        f'ID="{request_id}" Version="2.0" IssueInstant="{iso(issued)}" '
        f'Destination="{app.idp_sso}" '
        'ProtocolBinding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" '
        f'AssertionConsumerServiceURL="{app.acs}">'
        f"<saml:Issuer>{app.entity_id}</saml:Issuer>"
        f'<samlp:NameIDPolicy Format="{NAMEID_EMAIL}" AllowCreate="true"/>'
        '<samlp:RequestedAuthnContext Comparison="exact"><saml:AuthnContextClassRef>'
        "urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport"
        "</saml:AuthnContextClassRef></samlp:RequestedAuthnContext></samlp:AuthnRequest>"
    )


@dataclass
class Assertion:
    """The facts inside a SAML assertion; failures are made by bending one of them."""

    assertion_id: str
    issued: datetime
    name_id: str
    recipient: str
    audience: str
    not_before: datetime
    not_on_or_after: datetime
    authn_instant: datetime
    session_index: str
    in_response_to: str | None
    email: str
    given: str
    family: str
    groups: list[str]


def assertion_xml(issuer: str, a: Assertion) -> str:
    irt = f' InResponseTo="{a.in_response_to}"' if a.in_response_to else ""
    groups = "".join(f"<saml:AttributeValue>{g}</saml:AttributeValue>" for g in a.groups)

    def attr(name: str, value: str) -> str:
        return (
            f'<saml:Attribute Name="{name}" '
            'NameFormat="urn:oasis:names:tc:SAML:2.0:attrname-format:basic">'
            f"<saml:AttributeValue>{value}</saml:AttributeValue>"
            "</saml:Attribute>"
        )

    return (
        f'<saml:Assertion xmlns:saml="{SAML_ASSERTION}" '
        f'ID="{a.assertion_id}" IssueInstant="{iso(a.issued)}" Version="2.0">'
        f"<saml:Issuer>{issuer}</saml:Issuer>"
        + signature_xml(a.assertion_id)
        + f'<saml:Subject><saml:NameID Format="{NAMEID_EMAIL}">{a.name_id}</saml:NameID>'
        '<saml:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer">'
        f'<saml:SubjectConfirmationData{irt} NotOnOrAfter="{iso(a.not_on_or_after)}" '
        f'Recipient="{a.recipient}"/></saml:SubjectConfirmation></saml:Subject>'
        f'<saml:Conditions NotBefore="{iso(a.not_before)}" '
        f'NotOnOrAfter="{iso(a.not_on_or_after)}"><saml:AudienceRestriction>'
        f"<saml:Audience>{a.audience}</saml:Audience></saml:AudienceRestriction>"
        "</saml:Conditions>"
        f'<saml:AuthnStatement AuthnInstant="{iso(a.authn_instant)}" '
        f'SessionIndex="{a.session_index}"><saml:AuthnContext><saml:AuthnContextClassRef>'
        "urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport"
        "</saml:AuthnContextClassRef></saml:AuthnContext></saml:AuthnStatement>"
        "<saml:AttributeStatement>"
        + attr("email", a.email)
        + attr("givenName", a.given)
        + attr("familyName", a.family)
        + '<saml:Attribute Name="groups" '
        'NameFormat="urn:oasis:names:tc:SAML:2.0:attrname-format:basic">'
        + groups
        + "</saml:Attribute></saml:AttributeStatement></saml:Assertion>"
    )


def saml_response_xml(
    response_id: str,
    issued: datetime,
    destination: str,
    in_response_to: str | None,
    issuer: str,
    status: tuple[str, str, str] | None = None,
    assertion: Assertion | None = None,
) -> str:
    """A samlp:Response. ``status`` = (top code, second-level code, message) on failure.

    Successful responses carry a signed assertion; error responses carry no assertion, so
    the signature goes on the Response itself (as Okta does).
    """
    irt = f' InResponseTo="{in_response_to}"' if in_response_to else ""
    if status is None:
        status_xml = f'<samlp:Status><samlp:StatusCode Value="{STATUS}Success"/></samlp:Status>'
    else:
        top, second, message = status
        status_xml = (
            f'<samlp:Status><samlp:StatusCode Value="{STATUS}{top}">'
            f'<samlp:StatusCode Value="{STATUS}{second}"/></samlp:StatusCode>'
            f"<samlp:StatusMessage>{message}</samlp:StatusMessage></samlp:Status>"
        )
    body = assertion_xml(issuer, assertion) if assertion else ""
    response_signature = "" if assertion else signature_xml(response_id)
    return (
        f'<samlp:Response xmlns:samlp="{SAML_PROTOCOL}" Destination="{destination}" '
        f'ID="{response_id}"{irt} IssueInstant="{iso(issued)}" Version="2.0">'
        f'<saml2:Issuer xmlns:saml2="{SAML_ASSERTION}" '
        f'Format="urn:oasis:names:tc:SAML:2.0:nameid-format:entity">{issuer}</saml2:Issuer>'
        + response_signature
        + status_xml
        + body
        + "</samlp:Response>"
    )


def logout_request_xml(
    request_id: str, issued: datetime, app: SamlApp, name_id: str, session_index: str
) -> str:
    return (
        f'<samlp:LogoutRequest xmlns:samlp="{SAML_PROTOCOL}" xmlns:saml="{SAML_ASSERTION}" '
        f'ID="{request_id}" Version="2.0" IssueInstant="{iso(issued)}" '
        f'Destination="{app.idp_slo}"><saml:Issuer>{app.entity_id}</saml:Issuer>'
        f'<saml:NameID Format="{NAMEID_EMAIL}">{name_id}</saml:NameID>'
        f"<samlp:SessionIndex>{session_index}</samlp:SessionIndex></samlp:LogoutRequest>"
    )


def logout_response_xml(
    response_id: str,
    issued: datetime,
    app: SamlApp,
    in_response_to: str,
    status: tuple[str, str, str] | None = None,
) -> str:
    if status is None:
        status_xml = f'<samlp:Status><samlp:StatusCode Value="{STATUS}Success"/></samlp:Status>'
    else:
        top, second, message = status
        status_xml = (
            f'<samlp:Status><samlp:StatusCode Value="{STATUS}{top}">'
            f'<samlp:StatusCode Value="{STATUS}{second}"/></samlp:StatusCode>'
            f"<samlp:StatusMessage>{message}</samlp:StatusMessage></samlp:Status>"
        )
    return (
        f'<samlp:LogoutResponse xmlns:samlp="{SAML_PROTOCOL}" xmlns:saml="{SAML_ASSERTION}" '
        f'ID="{response_id}" Version="2.0" IssueInstant="{iso(issued)}" '
        f'Destination="{app.sls}" InResponseTo="{in_response_to}">'
        f"<saml:Issuer>{app.okta_issuer}</saml:Issuer>{status_xml}</samlp:LogoutResponse>"
    )


def redirect_binding(
    endpoint: str, param: str, xml: str, relay_state: str, signed: bool = False
) -> str:
    """HTTP-Redirect binding URL: base64(raw DEFLATE(xml)). Logout messages are signed
    (SigAlg/Signature query parameters); AuthnRequests are sent unsigned, as most SPs do."""
    query = f"{param}={q(b64(deflate(xml)))}&RelayState={q(relay_state)}"
    if signed:
        query += f"&SigAlg={q(RSA_SHA256)}&Signature={q(b64(FAKE_SIGNATURE))}"
    return f"GET {endpoint}?{query}"


def post_binding(xml: str, relay_state: str) -> str:
    """HTTP-POST binding form body, as posted to the ACS."""
    return f"SAMLResponse={q(b64(xml.encode('utf-8')))}&RelayState={q(relay_state)}"


# --------------------------------------------------------------------------- JWT payloads


def jwt(kid: str, claims: dict[str, object]) -> str:
    """A compact RS256 JWS with a dummy signature: decodable, not verifiable."""
    header = {"alg": "RS256", "kid": kid, "typ": "JWT"}
    parts = [
        b64url(json.dumps(header, separators=(",", ":")).encode()),
        b64url(json.dumps(claims, separators=(",", ":")).encode()),
        b64url(FAKE_SIGNATURE),
    ]
    return ".".join(parts)
