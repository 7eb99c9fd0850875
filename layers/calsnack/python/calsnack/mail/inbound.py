"""Reading an inbound mail's envelope facts: who sent it, whether that is proven, whether it is automatic.

RFC 5546 §6 makes spoofing the main threat to a scheduling service, so the only
verdict trusted is the topmost `Authentication-Results` (RFC 8601) carrying our own
authserv-id — the one SES (or the embedded SMTP server) prepends.
"""

from __future__ import annotations

import email
import email.policy
from dataclasses import dataclass
from email.message import EmailMessage, Message
from email.parser import BytesParser
from email.utils import getaddresses, parseaddr

from calsnack.domain.addresses import domain_of, normalize_address
from calsnack.mail.authresults import proves_sender, trusted


@dataclass(frozen=True, slots=True)
class InboundMail:
    message: EmailMessage
    message_id: str
    sender: str
    sender_name: str
    subject: str
    #: DMARC passed (or DKIM passed aligned with the From domain) per our own server's header.
    authenticated: bool
    #: A bounce, an automatic reply (RFC 3834), list mail, or mail that asks not to be answered
    #: automatically: never answered, to avoid mail loops.
    automatic: bool
    #: Addresses in To/Cc (normalised), to find per-event addresses such as VIP lists.
    recipients: tuple[str, ...]
    #: Why the body cannot be read at all ("" when it can): only its headers were parsed.
    malformed: str = ""

    @property
    def sender_domain(self) -> str:
        return domain_of(self.sender)

    def claims_domain(self, domain: str) -> bool:
        """Whether the From is in `domain` or below it: the service's own addresses, when it is ours."""
        own, sender = domain.lower(), self.sender_domain.lower()
        return bool(sender) and (sender == own or sender.endswith("." + own))


def is_authenticated(message: Message, authserv_id: str, from_domain: str) -> bool:
    """Whether our own receiving server's verdicts (the topmost header with our authserv-id) prove the From domain."""
    results = trusted(message, authserv_id)
    return results is not None and proves_sender(results, from_domain)


def author(message: Message) -> tuple[str, str]:
    """The (display name, address) of the first From: the one sender every check speaks about.

    The embedded SMTP server writes its DMARC verdict for this same address, so both read it
    alike.
    """
    return parseaddr(str(message.get("From", "")))


#: X-Auto-Response-Suppress values (MS-OXCMAIL §2.2.3.2.14) that cover a refusal: the sender's
#: client asks for no automatic reply of any kind (All), no out-of-office (OOF) or no auto-reply.
_SUPPRESSING = frozenset({"all", "oof", "autoreply"})


def is_automatic(message: EmailMessage) -> bool:
    """Whether answering the mail could feed a loop or reach people who never wrote to us.

    List mail (RFC 2369 `List-Unsubscribe`, RFC 2919 `List-Id`) goes back to a whole list;
    `X-Auto-Response-Suppress` is Exchange's way of asking for no automatic answer.
    """
    if message.get("List-Id") is not None or message.get("List-Unsubscribe") is not None:
        return True
    suppress = str(message.get("X-Auto-Response-Suppress", "")).replace(";", ",").split(",")
    if any(value.strip().lower() in _SUPPRESSING for value in suppress):
        return True
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


#: MIME nesting read (multiparts and attached messages in each other). Postfix stops at 100;
#: the `email` package parses and walks parts recursively, and Python's stack holds about 300
#: levels of it, so this stops well short (real mail nests 3 or 4 deep).
MAX_MIME_DEPTH = 50
TOO_DEEP = f"its MIME parts are nested more than {MAX_MIME_DEPTH} deep, so it cannot be read"


def mime_depth(message: Message) -> int:
    """How deep parts nest, counted without recursion (a hostile mail nests thousands deep)."""
    deepest = 0
    pending: list[tuple[Message, int]] = [(message, 1)]
    while pending:
        part, depth = pending.pop()
        deepest = max(deepest, depth)
        if part.is_multipart():
            pending.extend((child, depth + 1) for child in part.get_payload() if isinstance(child, Message))
    return deepest


def _parsed(raw: bytes) -> tuple[EmailMessage, str]:
    """The message and "", or, if its MIME tree is too deep to read, its headers alone and why."""
    try:
        message = email.message_from_bytes(raw, policy=email.policy.default)
        malformed = "" if mime_depth(message) <= MAX_MIME_DEPTH else TOO_DEEP
    except RecursionError:
        malformed = TOO_DEEP
    if malformed:
        # The header section alone, unparsed body: still enough to know and answer the sender.
        message = BytesParser(policy=email.policy.default).parsebytes(raw, headersonly=True)
    assert isinstance(message, EmailMessage)
    return message, malformed


def parse_inbound(raw: bytes, authserv_id: str) -> InboundMail:
    message, malformed = _parsed(raw)
    name, address = author(message)
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
        malformed=malformed,
    )
