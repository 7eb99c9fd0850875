"""An RSVP button answered on the web: record the answer; Yes and Maybe bring a personal invitation.

A form post is anonymous: anyone can type anyone's address. So `answer_from_form` decides
alone only for an address the event has never seen (its first answer and first invitation go
out directly, CONTRACT §2); for an address the event knows (invited, or answered before) it
mails a signed link instead, and only the mailbox's owner changes that answer, through
`answer_rsvp`. Posts are counted per client, per event and per address in the store, so the
limits hold across processes and Lambda instances.
"""

from __future__ import annotations

import hashlib
import ipaddress
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from calsnack.domain.addresses import domain_of, parse_address
from calsnack.domain.model import Answer, Channel, Delivery, Event, Method, PartStat
from calsnack.links import Links
from calsnack.mail.answer_confirmation import answer_confirmation
from calsnack.ports import Rejected, Services, Throttled
from calsnack.usecases.enqueue import enqueue_deliveries

#: How long a confirmation link works.
CONFIRM_FOR = timedelta(days=2)


class ButtonAnswer(StrEnum):
    YES = "yes"
    MAYBE = "maybe"
    NO = "no"

    @property
    def partstat(self) -> PartStat:
        return {"yes": PartStat.ACCEPTED, "maybe": PartStat.TENTATIVE, "no": PartStat.DECLINED}[self.value]

    @property
    def label(self) -> str:
        return self.value.capitalize()


class RsvpRefused(ValueError):
    """The answer cannot be taken; str() is shown to the person."""


class RsvpLimited(RsvpRefused):
    """Too many posts in a window; `retry_after` seconds until the window that refused ends."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(
            "Too many answers came from here or for this address just now. Please try again later."
        )
        self.retry_after = retry_after


@dataclass(frozen=True, slots=True)
class Limit:
    hits: int
    seconds: int


@dataclass(frozen=True, slots=True)
class RsvpLimits:
    """Posts allowed per fixed window; the defaults leave room for a household or an office."""

    #: From one client: an IPv4 address, or an IPv6 /64 (one network's hosts share it).
    per_client: Limit = Limit(30, 600)
    #: To one event's forms from everyone: a relay spread over many clients stays bounded, while
    #: a landing page shared in a newsletter still takes its first rush (5 answers a second).
    per_event: Limit = Limit(3000, 600)
    #: Naming one address: nobody gets more than a few mails an hour through the form.
    per_address: Limit = Limit(5, 3600)


class FormOutcome(StrEnum):
    RECORDED = "recorded"
    #: The address was known: a confirmation link went to it, nothing changed yet.
    CONFIRMATION_SENT = "confirmation-sent"


@dataclass(frozen=True, slots=True)
class RsvpResult:
    event: Event
    email: str
    answer: ButtonAnswer
    invitation_queued: bool
    outcome: FormOutcome = FormOutcome.RECORDED


def _address(services: Services, email: str) -> str:
    address = parse_address(email)
    if address is None or domain_of(address) == services.settings.domain:
        raise RsvpRefused("Please enter a valid e-mail address.")
    return address


def _open_event(services: Services, event_key: str) -> Event:
    event = services.store.get_event(event_key)
    if event is None:
        raise RsvpRefused("This event does not exist.")
    if event.cancelled:
        raise RsvpRefused("This event has been cancelled.")
    return event


def answer_rsvp(
    services: Services, event_key: str, answer: ButtonAnswer, email: str, *, repeat: str = ""
) -> RsvpResult:
    """Record an answer known to come from the address's owner (or the address's first answer).

    `repeat` names a confirmed re-send, so that its invitation is not taken for a duplicate
    of the first one.
    """
    address = _address(services, email)
    event = _open_event(services, event_key)
    answer_record = Answer(
        event.organizer, event.event_id, address, answer.partstat, services.clock(), Channel.BUTTON
    )
    services.store.record_answer(event_key, answer_record)
    queued = answer is not ButtonAnswer.NO
    if queued:
        suffix = f":{repeat}" if repeat else ""
        enqueue_deliveries(
            services,
            [Delivery(event_key, address, event.sequence, Method.REQUEST)],
            chunk=f"rsvp:{event_key}:{address}:{event.sequence}{suffix}",
        )
    return RsvpResult(event, address, answer, queued)


def _client_key(client: str) -> str:
    try:
        ip = ipaddress.ip_address(client)
    except ValueError:
        return client
    if ip.version == 6:
        return str(ipaddress.ip_network(f"{ip}/64", strict=False).network_address)
    return str(ip)


def _count(
    services: Services, limits: RsvpLimits, now: datetime, *, client: str, event_key: str, address: str
) -> None:
    """One hit on each counter; the first one over its limit refuses the post."""
    hashed = hashlib.sha256(address.encode()).hexdigest()[:32]  # no address kept in the counters
    for key, limit in (
        (f"rsvp-client:{_client_key(client)}", limits.per_client),
        (f"rsvp-event:{event_key}", limits.per_event),
        (f"rsvp-address:{hashed}", limits.per_address),
    ):
        if services.store.count_hit(key, limit.seconds, now) > limit.hits:
            raise RsvpLimited(retry_after=limit.seconds - int(now.timestamp()) % limit.seconds)


def answer_from_form(
    services: Services,
    event_key: str,
    answer: ButtonAnswer,
    email: str,
    *,
    client: str,
    limits: RsvpLimits = RsvpLimits(),
) -> RsvpResult:
    """The web form's post: recorded for a never-seen address, else a confirmation link is mailed."""
    address = _address(services, email)
    event = _open_event(services, event_key)
    now = services.clock()
    _count(services, limits, now, client=client, event_key=event_key, address=address)
    if address not in services.store.get_attendees(event_key, [address]):
        return answer_rsvp(services, event_key, answer, address)
    _send_confirmation(services, event, answer, address, now)
    return RsvpResult(event, address, answer, False, FormOutcome.CONFIRMATION_SENT)


def _send_confirmation(
    services: Services, event: Event, answer: ButtonAnswer, address: str, now: datetime
) -> None:
    if services.store.suppressed([address], event.organizer):
        return  # the address asked for no more mail; the page says the same as otherwise
    s = services.settings
    expires = int((now + CONFIRM_FOR).timestamp())
    url = Links.of(s).confirm_answer(event.key, answer.value, address, expires)
    try:
        services.mailer.send(answer_confirmation(s, event, answer.label, address, url, now=now))
    except Throttled as exc:
        raise RsvpRefused(
            "The confirmation mail cannot be sent just now. Please try again in a few minutes."
        ) from exc
    except Rejected:
        services.log.warning("confirmation mail rejected", extra={"event_key": event.key})


def confirmed_answer(
    services: Services, event_key: str, answer: ButtonAnswer, email: str, expires: int
) -> RsvpResult:
    """The answer a confirmation link stands for (its signature is checked by the caller)."""
    if services.clock().timestamp() > expires:
        raise RsvpRefused("This confirmation link has expired. Please answer again from the invitation.")
    return answer_rsvp(services, event_key, answer, email, repeat=f"confirmed:{expires}")
