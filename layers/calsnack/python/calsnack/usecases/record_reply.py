"""Attendees' calendar replies (iTIP REPLY, REFRESH, COUNTER) arriving at the service's ORGANIZER address.

A reply counts only when its From address is the attendee it speaks for and that person
is already known for the event (invited, or answered through a button): RFC 5546 §6.
"""

from __future__ import annotations

from aws_lambda_powertools import Logger

from calsnack.bootstrap import Services
from calsnack.domain.model import GOING, Answer, Channel, Delivery, Method, PartStat, is_event_key
from calsnack.ical.read import NoCalendar, read_calendar_mail
from calsnack.mail.inbound import InboundMail
from calsnack.usecases.enqueue import enqueue_deliveries

logger = Logger(child=True)

_PARTSTATS = {p.value: p for p in PartStat}


def event_key_of_uid(uid: str, domain: str) -> str | None:
    """The event key in the UID of one of the service's own invitations (`<key>@<domain>`)."""
    local, _, uid_domain = uid.partition("@")
    return local if uid_domain.lower() == domain.lower() and is_event_key(local) else None


def record_reply(services: Services, mail: InboundMail) -> int:
    """Returns how many answers were recorded."""
    try:
        calendar = read_calendar_mail(mail.message)
    except NoCalendar as exc:
        logger.info("mail to a service address without a calendar reply", extra={"reason": str(exc)})
        return 0
    if not mail.authenticated:
        logger.warning("unauthenticated reply ignored", extra={"sender": mail.sender})
        return 0
    recorded = 0
    for ev in calendar.events:
        # The event's own METHOD: Google sends a COUNTER inside a method=REPLY part.
        method = ev.method.upper()
        key = event_key_of_uid(ev.uid, services.settings.domain)
        event = services.store.get_event(key) if key else None
        if event is None or key is None:
            logger.info("reply for an unknown event", extra={"uid": ev.uid})
            continue
        known = services.store.get_attendees(key, [mail.sender]).get(mail.sender)
        if known is None:
            logger.warning("reply from someone never invited", extra={"event": key, "sender": mail.sender})
            continue
        if method == "REFRESH":
            # The attendee asks for the latest version: cheap to answer, and it is theirs to have.
            if known.partstat in GOING or known.invited:
                enqueue_deliveries(
                    services,
                    [Delivery(key, mail.sender, event.sequence, Method.REQUEST)],
                    chunk=f"refresh:{mail.message_id}",
                )
            continue
        if method != "REPLY":
            logger.info("iTIP method not acted on", extra={"method": method, "event": key})
            continue
        partstat = next((_PARTSTATS.get(p) for a, p in ev.attendees if a == mail.sender), None)
        if partstat is None or partstat is PartStat.NEEDS_ACTION:
            logger.warning("reply does not speak for its sender", extra={"event": key, "sender": mail.sender})
            continue
        # Answers are ordered by arrival: a client's DTSTAMP has whole seconds and its own clock.
        at = services.clock()
        answer = Answer(
            event.organizer, event.event_id, mail.sender, partstat, at, Channel.CALENDAR, ev.comment
        )
        if services.store.record_answer(key, answer):
            recorded += 1
    return recorded
