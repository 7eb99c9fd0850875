"""Reading an inbound mail's envelope facts: who sent it, whether that is proven, whether it is automatic.

RFC 5546 §6 makes spoofing the main threat to a scheduling service, so the only
verdict trusted is the topmost `Authentication-Results` (RFC 8601) carrying our own
authserv-id — the one SES (or the embedded SMTP server) prepends.
"""

from __future__ import annotations

import email
import email.policy
import re
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import getaddresses, parseaddr

from calsnack.domain.model import domain_of, normalize_address

_COMMENT = re.compile(r"\([^()]*\)")


@dataclass(frozen=True, slots=True)
class InboundMail:
    message: EmailMessage
    message_id: str
    sender: str
    sender_name: str
    subject: str
    #: DMARC passed (or DKIM passed aligned with the From domain) per our own server's header.
    authenticated: bool
    #: A bounce or an automatic reply (RFC 3834): never answered, to avoid mail loops.
    automatic: bool
    #: Addresses in To/Cc (normalised), to find per-event addresses such as VIP lists.
    recipients: tuple[str, ...]

    @property
    def sender_domain(self) -> str:
        return domain_of(self.sender)


def parse_results(header: str) -> tuple[str, dict[str, dict[str, str]]]:
    """Split one Authentication-Results value into its authserv-id and {method: {result, props}}."""
    text = _COMMENT.sub(" ", _COMMENT.sub(" ", header))
    parts = [p.strip() for p in text.split(";")]
    authserv_id = parts[0].split()[0].lower() if parts and parts[0].split() else ""
    methods: dict[str, dict[str, str]] = {}
    for part in parts[1:]:
        tokens = part.split()
        if not tokens or "=" not in tokens[0]:
            continue
        method, _, result = tokens[0].partition("=")
        props = {"result": result.lower()}
        for token in tokens[1:]:
            name, eq, value = token.partition("=")
            if eq:
                props[name.lower()] = value.strip('"').lower()
        methods.setdefault(method.lower(), props)
    return authserv_id, methods


def _aligned(domain: str, from_domain: str) -> bool:
    """Relaxed DMARC alignment: the same domain or one a subdomain of the other."""
    return bool(domain) and (
        domain == from_domain or from_domain.endswith("." + domain) or domain.endswith("." + from_domain)
    )


def is_authenticated(message: EmailMessage, authserv_id: str, from_domain: str) -> bool:
    for value in message.get_all("Authentication-Results", []):
        server, methods = parse_results(str(value))
        if server != authserv_id.lower():
            continue
        dmarc = methods.get("dmarc", {})
        if dmarc.get("result") == "pass" and _aligned(dmarc.get("header.from", from_domain), from_domain):
            return True
        dkim = methods.get("dkim", {})
        return dkim.get("result") == "pass" and _aligned(dkim.get("header.d", ""), from_domain)
    return False


def is_automatic(message: EmailMessage) -> bool:
    return_path = str(message.get("Return-Path", "")).strip()
    if return_path in ("<>", ""):
        # An empty envelope sender is a bounce; a missing Return-Path means we cannot tell,
        # and answering mail we cannot attribute risks backscatter.
        return True
    auto = str(message.get("Auto-Submitted", "no")).strip().lower()
    if auto and not auto.startswith("no"):
        return True
    if message.get_content_type() == "multipart/report":
        return True
    precedence = str(message.get("Precedence", "")).strip().lower()
    return precedence in ("bulk", "junk", "list", "auto_reply") or bool(message.get("X-Autoreply"))


def parse_inbound(raw: bytes, authserv_id: str) -> InboundMail:
    message = email.message_from_bytes(raw, policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    name, address = parseaddr(str(message.get("From", "")))
    sender = normalize_address(address)
    recipients = tuple(
        normalize_address(a)
        for _, a in getaddresses([str(v) for h in ("To", "Cc") for v in message.get_all(h, [])])
        if a
    )
    return InboundMail(
        message=message,
        message_id=str(message.get("Message-ID", "")).strip(),
        sender=sender,
        sender_name=name,
        subject=str(message.get("Subject", "")),
        authenticated=bool(sender) and is_authenticated(message, authserv_id, domain_of(sender)),
        automatic=is_automatic(message),
        recipients=recipients,
    )
