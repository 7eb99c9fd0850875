"""Plain service mails (snack, notices, batch results) built with the standard `email` package."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, formataddr, make_msgid

from calsnack.config import Settings
from calsnack.ports import OutgoingMail


@dataclass(frozen=True, slots=True)
class Attachment:
    filename: str
    content: bytes
    maintype: str = "text"
    subtype: str = "csv"


def one_line(text: str) -> str:
    """A header value on one line: a client's SUMMARY or a stranger's (decoded) Subject may hold
    line breaks, which the email package refuses in a header (ValueError) rather than fold."""
    return " ".join(text.split())


def compose(
    settings: Settings,
    *,
    to: str,
    subject: str,
    text: str,
    html: str = "",
    in_reply_to: str = "",
    attachments: Sequence[Attachment] = (),
    date: datetime,
) -> OutgoingMail:
    """One service mail; `date` (its Date header) comes from the services' clock."""
    msg = EmailMessage()
    msg["From"] = formataddr((settings.product_name, settings.noreply_address))
    msg["To"] = one_line(to)
    msg["Subject"] = one_line(subject)
    msg["Date"] = format_datetime(date)
    msg["Message-ID"] = make_msgid(domain=settings.domain)
    # Our own mail must never trigger auto-replies or be answered by other robots (RFC 3834).
    msg["Auto-Submitted"] = "auto-replied" if in_reply_to else "auto-generated"
    if in_reply_to := one_line(in_reply_to):
        msg["In-Reply-To"] = in_reply_to
        msg["References"] = in_reply_to
    msg.set_content(text)
    if html:
        msg.add_alternative(html, subtype="html")
    for a in attachments:
        msg.add_attachment(a.content, maintype=a.maintype, subtype=a.subtype, filename=a.filename)
    return OutgoingMail(raw=msg.as_bytes(), sender=f"bounces@{settings.domain}", recipients=(to,))
