"""A VIP list (mailed to an event's VIP address, or uploaded on the dashboard): a personal invitation each.

Both channels end in `invite_addresses`, so a list behaves the same whichever way it came.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from email.message import EmailMessage

from calsnack.domain.addresses import is_address, normalize_address
from calsnack.domain.model import Delivery, Event, Method
from calsnack.mail.compose import compose
from calsnack.mail.inbound import InboundMail
from calsnack.ports import Services
from calsnack.usecases.enqueue import enqueue_deliveries
from calsnack.usecases.notify import explain_refusal

# Runs of characters around an @ that no address spelling ends at: list separators, brackets and
# quotes around a name. A candidate is then judged by the one address grammar.
_CANDIDATE = re.compile(r"[^\s,;<>\"()\[\]]+@[^\s,;<>\"()\[\]]+")
#: A VIP mail is read whole; this bounds it (a larger list goes through a CSV batch).
MAX_ADDRESSES = 10_000


def addresses_in(text: str) -> list[str]:
    """Every address in a pasted list or a CSV, in order, once each."""
    seen: dict[str, None] = {}
    for row in csv.reader(io.StringIO(text)):
        for cell in row:
            for candidate in _CANDIDATE.findall(cell):
                # A full stop or colon after an address in a sentence ("write to ann@x.example.").
                address = normalize_address(candidate.rstrip(".:").strip("'"))
                if is_address(address):
                    seen.setdefault(address)
    return list(seen)


def rows_without_address(text: str) -> list[str]:
    """The rows of a list that hold no valid address, as typed, so the organizer sees what was
    not invited instead of losing it silently. A first row naming a mail column is a header."""
    found: list[str] = []
    for number, row in enumerate(csv.reader(io.StringIO(text))):
        cells = [cell.strip() for cell in row if cell.strip()]
        if not cells or any(
            is_address(normalize_address(c.rstrip(".:").strip("'")))
            for cell in cells
            for c in _CANDIDATE.findall(cell)
        ):
            continue
        if number == 0 and any("mail" in cell.lower() and "@" not in cell for cell in cells):
            continue
        found.append(", ".join(cells))
    return found


def vip_text(message: EmailMessage) -> str:
    """The list: a CSV/text attachment if there is one, else the plain-text body."""
    for part in message.iter_attachments():
        if isinstance(part, EmailMessage) and part.get_content_maintype() == "text":
            return str(part.get_content())
    body = message.get_body(("plain",))
    return str(body.get_content()) if isinstance(body, EmailMessage) else ""


class VipListRefused(ValueError):
    """The list cannot be used; str() says why, for the organizer."""


def invite_addresses(services: Services, event: Event, addresses: Sequence[str], *, chunk: str) -> int:
    """Queue a personal invitation to each address; `chunk` names this list so a retry queues nothing new.

    Raises `VipListRefused` for a cancelled event or an empty list; a longer list than
    `MAX_ADDRESSES` is cut there (a larger list goes through a CSV batch).
    """
    if event.cancelled:
        raise VipListRefused(f'the event "{event.summary}" is cancelled')
    if not addresses:
        raise VipListRefused("no e-mail addresses were found in the list")
    wanted = list(addresses)[:MAX_ADDRESSES]
    deliveries = [Delivery(event.key, a, event.sequence, Method.REQUEST) for a in wanted]
    return enqueue_deliveries(services, deliveries, chunk=chunk)


def invite_vips(services: Services, mail: InboundMail, event: Event) -> int:
    if not mail.authenticated or not event.organized_by(mail.sender):
        explain_refusal(services, mail, "only the event's organizer can send its VIP list")
        return 0
    addresses = addresses_in(vip_text(mail.message))[:MAX_ADDRESSES]
    if not addresses:
        explain_refusal(services, mail, "no e-mail addresses were found in the mail or its attachment")
        return 0
    try:
        invite_addresses(services, event, addresses, chunk=f"vip:{mail.message_id}")
    except VipListRefused as exc:
        explain_refusal(services, mail, str(exc))
        return 0
    services.mailer.send(
        compose(
            services.settings,
            to=mail.sender,
            subject=f"VIP list for {event.summary}: {len(addresses)} invitations on their way",
            text=f'calsnack is sending a personal invitation for "{event.summary}" to {len(addresses)} addresses:\n\n'
            + "\n".join(f"  {a}" for a in addresses[:50])
            + ("\n  …\n" if len(addresses) > 50 else "\n"),
            in_reply_to=mail.message_id,
        )
    )
    return len(addresses)
