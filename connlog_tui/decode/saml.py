"""SAML 2.0 messages (and metadata) to a Section with a facts table."""

from __future__ import annotations

from xml.dom.minidom import Document, Element

from .model import Section
from .timefmt import display_time
from .xmlsafe import child, children, iter_elements, root_of, text_of

PROTOCOL = "urn:oasis:names:tc:SAML:2.0:protocol"
ASSERTION = "urn:oasis:names:tc:SAML:2.0:assertion"
METADATA = "urn:oasis:names:tc:SAML:2.0:metadata"
DSIG = "http://www.w3.org/2000/09/xmldsig#"
SAML_NAMESPACES = (PROTOCOL, ASSERTION, METADATA)
SUCCESS = "urn:oasis:names:tc:SAML:2.0:status:Success"


def find_message(doc: Document) -> Element | None:
    """The SAML element to summarise: the root, or the first SAML element inside
    a wrapper such as a SOAP envelope."""
    root = root_of(doc)
    if root.namespaceURI in SAML_NAMESPACES:
        return root
    for el in iter_elements(root):
        if el.namespaceURI == PROTOCOL or (
            el.namespaceURI == ASSERTION and el.localName == "Assertion"
        ):
            return el
    return None


def short_status(uri: str | None) -> str | None:
    return uri.rsplit(":", 1)[-1] if uri else None


def saml_section(doc: Document, msg: Element, encoding: str, body: str) -> Section:
    facts: list[tuple[str, str]] = []
    notes: list[str] = []

    def add(key: str, value: str | None) -> None:
        if value and value.strip():
            facts.append((key, value.strip()))

    kind = msg.localName
    add("Message", kind)
    add("ID", msg.getAttribute("ID") or msg.getAttribute("entityID"))
    add("InResponseTo", msg.getAttribute("InResponseTo"))
    add("IssueInstant", display_time(msg.getAttribute("IssueInstant")))
    add("Issuer", text_of(child(msg, "Issuer", ASSERTION)))
    add("Destination", msg.getAttribute("Destination"))
    add("AssertionConsumerServiceURL", msg.getAttribute("AssertionConsumerServiceURL"))
    add("ProtocolBinding", msg.getAttribute("ProtocolBinding"))
    policy = child(msg, "NameIDPolicy", PROTOCOL)
    if policy is not None:
        add("NameIDPolicy Format", policy.getAttribute("Format"))

    status = _status(msg)
    for key, value in zip(("StatusCode", "SubStatusCode", "StatusMessage"), status, strict=True):
        add(key, value)

    # LogoutRequest carries NameID / SessionIndex directly.
    _subject_facts(msg, add)
    add("SessionIndex", text_of(child(msg, "SessionIndex", PROTOCOL)))
    add("Reason", msg.getAttribute("Reason"))

    assertion = msg if kind == "Assertion" else child(msg, "Assertion", ASSERTION)
    encrypted = child(msg, "EncryptedAssertion", ASSERTION) is not None
    if assertion is not None and assertion is not msg:
        add("Assertion ID", assertion.getAttribute("ID"))
        add("Assertion IssueInstant", display_time(assertion.getAttribute("IssueInstant")))
        if not any(k == "Issuer" for k, _ in facts):
            add("Issuer", text_of(child(assertion, "Issuer", ASSERTION)))
    if assertion is not None:
        _assertion_facts(assertion, add)

    signed = [
        name
        for name, el in ((kind, msg), ("Assertion", assertion))
        if el is not None and child(el, "Signature", DSIG) is not None
    ]
    if assertion is msg:
        signed = signed[:1]
    add("Signed", ", ".join(signed) if signed else "no")
    if kind == "Response":
        add("EncryptedAssertion", "yes" if encrypted else "no")

    if signed:
        notes.append("signature not verified")
    if encrypted:
        notes.append("assertion is encrypted (EncryptedAssertion): its contents are not shown")
    root = root_of(doc)
    count = sum(
        1
        for el in iter_elements(root)
        if el.localName == "Assertion" and el.namespaceURI == ASSERTION
    )
    if count > 1:
        notes.append(
            f"{count} Assertion elements: only the one directly under the {kind} is "
            "summarised (possible signature-wrapping attack)"
        )
    if msg is not root:
        notes.append(f"found inside <{root.tagName}>")

    title = f"SAML {kind} ({encoding})"
    if status[0] and status[0] != SUCCESS:
        title += " — " + " / ".join(s for s in map(short_status, status[:2]) if s)
    return Section("saml", title, body, tuple(facts), tuple(notes))


def _status(msg: Element) -> tuple[str | None, str | None, str | None]:
    status = child(msg, "Status", PROTOCOL)
    if status is None:
        return None, None, None
    top = child(status, "StatusCode", PROTOCOL)
    sub = child(top, "StatusCode", PROTOCOL) if top is not None else None
    return (
        top.getAttribute("Value") if top is not None else None,
        sub.getAttribute("Value") if sub is not None else None,
        text_of(child(status, "StatusMessage", PROTOCOL)),
    )


def _subject_facts(parent: Element, add) -> None:
    name_id = child(parent, "NameID", ASSERTION)
    if name_id is not None:
        add("NameID", text_of(name_id))
        add("NameID Format", name_id.getAttribute("Format"))
    elif child(parent, "EncryptedID", ASSERTION) is not None:
        add("NameID", "(encrypted)")


def _assertion_facts(assertion: Element, add) -> None:
    subject = child(assertion, "Subject", ASSERTION)
    if subject is not None:
        _subject_facts(subject, add)
        for conf in children(subject):
            data = child(conf, "SubjectConfirmationData", ASSERTION)
            if conf.localName == "SubjectConfirmation" and data is not None:
                add("Recipient", data.getAttribute("Recipient"))
                add("Subject NotOnOrAfter", display_time(data.getAttribute("NotOnOrAfter")))
                break
    conditions = child(assertion, "Conditions", ASSERTION)
    if conditions is not None:
        add("NotBefore", display_time(conditions.getAttribute("NotBefore")))
        add("NotOnOrAfter", display_time(conditions.getAttribute("NotOnOrAfter")))
        audiences = [
            text_of(a)
            for r in children(conditions)
            if r.localName == "AudienceRestriction"
            for a in children(r)
            if a.localName == "Audience"
        ]
        add("Audience", ", ".join(a for a in audiences if a))
    authn = child(assertion, "AuthnStatement", ASSERTION)
    if authn is not None:
        add("AuthnInstant", display_time(authn.getAttribute("AuthnInstant")))
        add("SessionIndex", authn.getAttribute("SessionIndex"))
        add("SessionNotOnOrAfter", display_time(authn.getAttribute("SessionNotOnOrAfter")))
        context = child(authn, "AuthnContext", ASSERTION)
        if context is not None:
            add("AuthnContext", text_of(child(context, "AuthnContextClassRef", ASSERTION)))
    for statement in children(assertion):
        if statement.localName != "AttributeStatement":
            continue
        for attr in children(statement):
            name = attr.getAttribute("Name") or attr.getAttribute("FriendlyName")
            if attr.localName == "Attribute" and name:
                values = [text_of(v) or "" for v in children(attr)]
                add(f"Attribute[{name}]", ", ".join(values) or "(empty)")
