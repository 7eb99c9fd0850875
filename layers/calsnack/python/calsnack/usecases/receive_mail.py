"""The inbound entry point: one stored mail, routed by the mailbox it reached.

SES receipt rules store mail for snack@ under `mail/snack/`, for batch@ under
`mail/batch/` and for any other address of the domain under `mail/other/` (the embedded
SMTP server does the same), so the route is the second part of the blob key.
"""

from __future__ import annotations

import hashlib
from email.message import EmailMessage

from calsnack.csvcommands.read import BatchRefused
from calsnack.links import Links
from calsnack.mail.inbound import InboundMail, parse_inbound
from calsnack.ports import Services
from calsnack.usecases.handle_invitation import handle_invitation
from calsnack.usecases.ingest_batch import BatchRequest, ingest_batch
from calsnack.usecases.invite_vips import invite_vips
from calsnack.usecases.notify import explain_refusal
from calsnack.usecases.record_reply import record_reply
from calsnack.usecases.renew_dashboard import dashboard_address, send_dashboard_links

_CSV_TYPES = frozenset({"text/csv", "application/csv", "text/comma-separated-values"})


def route_of(blob_key: str) -> str:
    parts = blob_key.split("/")
    return parts[1] if len(parts) > 2 and parts[0] == "mail" else "other"


def csv_attachment(message: EmailMessage) -> bytes | None:
    for part in message.iter_attachments():
        if not isinstance(part, EmailMessage):
            continue
        name = (part.get_filename() or "").lower()
        if name.endswith((".csv", ".txt")) or part.get_content_type() in _CSV_TYPES:
            payload = part.get_payload(decode=True)
            if isinstance(payload, bytes):
                return payload
    return None


def _batch(services: Services, mail: InboundMail, digest: str) -> str:
    if not mail.authenticated:
        services.log.warning("unauthenticated batch dropped", extra={"sender": mail.sender})
        return "unauthenticated"
    allowed = services.settings.batch_domains
    if allowed and mail.sender_domain not in allowed:
        explain_refusal(
            services, mail, f"the domain {mail.sender_domain} may not send batches to this service"
        )
        return "domain-not-allowed"
    data = csv_attachment(mail.message)
    if data is None:
        explain_refusal(services, mail, "the mail has no CSV file attached")
        return "no-csv"
    batch_id = digest[:24]
    blob_key = f"batches/{batch_id}.csv"
    services.blobs.put(blob_key, data)
    try:
        ingest_batch(services, BatchRequest(batch_id, mail.sender, mail.message_id, blob_key))
    except BatchRefused as exc:
        explain_refusal(services, mail, str(exc))
        return "refused"
    return "batch"


def _dashboard(services: Services, mail: InboundMail) -> str:
    """dashboard@: fresh links, to the authenticated sender only; automatic mail is never answered."""
    if mail.automatic:
        services.log.info("automatic mail to dashboard@ not answered", extra={"sender": mail.sender})
        return "automatic"
    return f"dashboard-{send_dashboard_links(services, mail.sender, in_reply_to=mail.message_id)}"


def _other(services: Services, mail: InboundMail) -> str:
    if not mail.authenticated:
        # Checked before anything reads the mail's calendar: parsing is the costly part.
        services.log.warning(
            "unauthenticated mail to a service address dropped", extra={"sender": mail.sender}
        )
        return "unauthenticated"
    if dashboard_address(services) in mail.recipients:
        return _dashboard(services, mail)
    s = services.settings
    links = Links.of(s)
    for address in mail.recipients:
        key = links.vip_event(address)
        event = services.store.get_event(key) if key else None
        if event is not None:
            invite_vips(services, mail, event)
            return "vip"
    record_reply(services, mail)
    return "reply"


def receive_mail(services: Services, blob_key: str) -> str:
    """Act on one stored mail once; returns what was done (for logs and tests)."""
    if blob_key.endswith("/AMAZON_SES_SETUP_NOTIFICATION"):
        # SES writes this object once when the receipt rule is created; it is not mail.
        return "setup-notification"
    raw = services.blobs.get(blob_key)
    route = route_of(blob_key)
    mail = parse_inbound(raw, services.settings.authserv_id)
    if mail.claims_domain(services.settings.domain):
        # Our own mail come back (a forward, an auto-reply, a spoof): answering it could loop.
        services.log.warning("mail from the service's own domain dropped", extra={"sender": mail.sender})
        return "own-address"
    digest = _ledger_digest(route, mail, raw)
    marker = f"mail:{digest}"
    if services.store.done(marker):
        return "duplicate"
    try:
        outcome = _route(services, route, mail, digest)
    except _UNREADABLE:
        # Input no check foresaw: the sender still learns why, rather than the mail silently
        # ending in the dead-letter queue after its retries.
        services.log.exception("mail could not be handled", extra={"route": route, "sender": mail.sender})
        explain_refusal(services, mail, "it is malformed in a way calsnack cannot read")
        outcome = "unreadable"
    if mail.authenticated:
        # Only handled mail enters the ledger: a dropped stranger's mail must leave no mark
        # that could make a later real mail look like a duplicate.
        services.store.mark_done(marker)
    services.log.info("mail handled", extra={"route": route, "outcome": outcome})
    return outcome


#: Errors bad input raises (the email package and icalendar raise ValueError for what they cannot
#: read, Python RecursionError for what nests too deep); anything else is worth a retry.
_UNREADABLE = (ValueError, RecursionError, UnicodeError)


def _route(services: Services, route: str, mail: InboundMail, digest: str) -> str:
    if mail.malformed:
        explain_refusal(services, mail, mail.malformed)
        return "malformed"
    if route == "snack":
        if mail.authenticated:
            handle_invitation(services, mail)
            return "invitation"
        services.log.warning("unauthenticated invitation dropped", extra={"sender": mail.sender})
        return "unauthenticated"
    if route == "batch":
        return _batch(services, mail, digest)
    return _other(services, mail)


def _ledger_digest(route: str, mail: InboundMail, raw: bytes) -> str:
    """The mail's key in the done-ledger: route, proven sender and Message-ID (else the bytes).

    A Message-ID is the sender's own word, so it counts only with the sender proven: a
    stranger who sends a mail carrying the organizer's next Message-ID, unauthenticated or
    authenticated as himself, does not make the organizer's real mail a duplicate.
    """
    identity = mail.message_id or hashlib.sha256(raw).hexdigest()
    sender = mail.sender if mail.authenticated else ""
    return hashlib.sha256(f"{route}\n{sender}\n{identity}".encode()).hexdigest()
