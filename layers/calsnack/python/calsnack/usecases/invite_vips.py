"""A VIP list (mailed to an event's VIP address, or uploaded on the dashboard): a personal invitation each.

Both channels end in `invite_addresses`, so a list behaves the same whichever way it came.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass
from email.message import EmailMessage

from calsnack.domain.addresses import address_problem, normalize_address
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
#: A reply lists at most this many refused lines (a pasted spreadsheet can hold thousands).
MAX_REFUSED_SHOWN = 100
#: The line that starts a signature (RFC 3676 §4.3: "-- "), trailing space aside: it and
#: everything after it is no part of the list.
_SIGNATURE = "--"


@dataclass(frozen=True, slots=True)
class RefusedLine:
    """A line of a list that was not (wholly) used, as the organizer typed it, and why."""

    line: int
    text: str
    reason: str
    #: The line also held addresses that were invited.
    partly: bool


@dataclass(frozen=True, slots=True)
class VipList:
    """What a list holds: the addresses to invite, in order, once each, and the lines refused."""

    addresses: list[str]
    refused: list[RefusedLine]


def read_vip_list(text: str) -> VipList:
    """A pasted list or a CSV, in any layout: every address in it, and every line that held a
    non-address, so the organizer sees what was not invited instead of losing it silently.
    Blank lines say nothing; a first row naming a mail column is a header."""
    seen: dict[str, None] = {}
    refused: list[RefusedLine] = []
    reader = csv.reader(io.StringIO(text))
    line = 1
    for row in reader:
        cells = [cell.strip() for cell in row if cell.strip()]
        number, line = line, reader.line_num + 1
        if not cells or (number == 1 and any("mail" in cell.lower() and "@" not in cell for cell in cells)):
            continue
        found = False
        problems = []
        for candidate in (c for cell in cells for c in _CANDIDATE.findall(cell)):
            # A full stop or colon after an address in a sentence ("write to ann@x.example.").
            address = normalize_address(candidate.rstrip(".:").strip("'"))
            problem = address_problem(address)
            if problem is None:
                seen.setdefault(address)
                found = True
            else:
                problems.append(f'"{candidate}": {problem}')
        if problems or not found:
            reason = "; ".join(problems) or "no e-mail address in it"
            refused.append(RefusedLine(number, ", ".join(cells), reason, found))
    return VipList(list(seen), refused)


def addresses_in(text: str) -> list[str]:
    """Every address in a pasted list or a CSV, in order, once each."""
    return read_vip_list(text).addresses


def rows_without_address(text: str) -> list[str]:
    """The rows of a list that hold no valid address, as typed."""
    return [r.text for r in read_vip_list(text).refused if not r.partly]


def vip_text(message: EmailMessage) -> str:
    """The list: a CSV/text attachment if there is one, else the plain-text body without what a
    reply or a mail client adds to it (quoted lines, the signature). Lines keep their numbers."""
    for part in message.iter_attachments():
        if isinstance(part, EmailMessage) and part.get_content_maintype() == "text":
            return str(part.get_content())
    body = message.get_body(("plain",))
    if not isinstance(body, EmailMessage):
        return ""
    kept: list[str] = []
    lead = -1  # the last line kept with text on it
    for line in str(body.get_content()).splitlines():
        if line.rstrip() == _SIGNATURE:  # "-- ", or "--" where a client trimmed the space
            break
        if line.lstrip().startswith(">"):
            # The quoted mail, and the line that leads it ("On …, Ann <ann@x.example> wrote:",
            # "Am … schrieb …:"): its address is the quoted mail's author, not a VIP.
            if lead >= 0 and kept[lead].rstrip().endswith(":"):
                kept[lead] = ""
            line = ""
        elif line.strip():
            lead = len(kept)
        kept.append(line)
    return "\n".join(kept)


def refused_lines_text(refused: Sequence[RefusedLine]) -> str:
    """The refused lines for the organizer's reply: line number, the line, and why."""
    shown = [f'  line {r.line}: "{_cut(r.text)}": {r.reason}' for r in refused[:MAX_REFUSED_SHOWN]]
    more = len(refused) - len(shown)
    if more:
        shown.append(f"  … and {more} more")
    noun = "line was" if len(refused) == 1 else "lines were"
    return f"{len(refused)} {noun} not used:\n\n" + "\n".join(shown) + "\n"


def _cut(text: str) -> str:
    return text if len(text) <= 80 else text[:80] + "…"


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
    vips = read_vip_list(vip_text(mail.message))
    refused = f"\n{refused_lines_text(vips.refused)}" if vips.refused else ""
    addresses = vips.addresses[:MAX_ADDRESSES]
    if not addresses:
        explain_refusal(
            services, mail, f"no e-mail addresses were found in the mail or its attachment\n{refused}"
        )
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
            + ("\n  …\n" if len(addresses) > 50 else "\n")
            + refused,
            in_reply_to=mail.message_id,
            date=services.clock(),
        )
    )
    return len(addresses)
