"""Attendees' calendar replies (iTIP REPLY, REFRESH, COUNTER) arriving at the service's ORGANIZER address.

A reply counts only when its From address is the attendee it speaks for and that person
is already known for the event (invited, or answered through a button): RFC 5546 §6; and
not after the event is cancelled, as the RSVP form refuses then too.
"""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from calsnack.domain.model import (
    ANSWERS,
    GOING,
    Answer,
    Attendee,
    Channel,
    Delivery,
    Event,
    Method,
    PartStat,
    is_event_key,
)
from calsnack.ical.merge import is_instance_only
from calsnack.ical.read import ATTENDEE_METHODS, ClientEvent, NoCalendar, read_calendar_mail
from calsnack.mail.compose import compose
from calsnack.mail.inbound import InboundMail
from calsnack.ports import Services
from calsnack.templating import render
from calsnack.usecases.enqueue import enqueue_deliveries

_PARTSTATS = {p.value: p for p in PartStat}
#: Seconds in which one attendee's REFRESH or COUNTER for one event acts once.
REPEAT_WINDOW = 3600
#: Occurrences one reply answers at most: a client answers one or a few; more is not a person.
MAX_INSTANCES = 100


def event_key_of_uid(uid: str, domain: str) -> str | None:
    """The event key in the UID of one of the service's own invitations (`<key>@<domain>`)."""
    local, _, uid_domain = uid.partition("@")
    return local if uid_domain.lower() == domain.lower() and is_event_key(local) else None


def _answered_at(ev: ClientEvent, now: datetime) -> datetime:
    """When the attendee answered: the reply's DTSTAMP (RFC 5546 §2.1.5), so an older reply that
    arrives later loses to a newer one. DTSTAMP has whole seconds, so it stands for the end of
    its second (a click earlier in that second does not beat it); a stamp from a fast clock, or
    none (Exchange writes none), is the arrival."""
    if ev.dtstamp is None:
        return now
    return min(ev.dtstamp.replace(microsecond=999_999), now)


def _once_per_window(services: Services, kind: str, event: Event, email: str) -> bool:
    """True at most once per attendee, event and hour: a looping client cannot make the service
    mail anyone more than that."""
    window = int(services.clock().timestamp()) // REPEAT_WINDOW
    return services.store.mark_done(f"{kind}:{event.key}:{email}:{window}")


def _refresh(services: Services, event: Event, known: Attendee, mail: InboundMail) -> None:
    """RFC 5546 §3.2.6: the attendee asks for the current version; it is sent to them again,
    even though the service already sent it (their client lost it). For a cancelled event the
    current version is the cancellation, sent again to whoever was sent it."""
    entitled = known.cancel_sent if event.cancelled else (known.partstat in GOING or known.invited)
    if not entitled:
        services.log.info("refresh not answered", extra={"event": event.key, "sender": mail.sender})
        return
    if not _once_per_window(services, "refresh", event, mail.sender):
        services.log.info(
            "refresh repeated within the hour", extra={"event": event.key, "sender": mail.sender}
        )
        return
    method = Method.CANCEL if event.cancelled else Method.REQUEST
    enqueue_deliveries(
        services,
        [Delivery(event.key, mail.sender, event.sequence, method, resend=True)],
        chunk=f"refresh:{mail.message_id}",
    )


def _counter(services: Services, event: Event, ev: ClientEvent, mail: InboundMail) -> None:
    """RFC 5546 §3.2.7: a proposal is the organizer's to decide, in their own calendar; it
    reaches them as a notice (the attendee's client sent it to the service's address)."""
    if not _once_per_window(services, "counter", event, mail.sender):
        return
    zone = ZoneInfo(event.timezone) if event.timezone else UTC
    start, end = ev.start.astimezone(zone), ev.end.astimezone(zone)
    text = render(
        "mail/counter.txt",
        brand=services.settings.branding,
        sender=mail.sender,
        event=event,
        start=start,
        end=end,
        zone=event.timezone or "UTC",
        comment=ev.comment,
    )
    services.mailer.send(
        compose(
            services.settings,
            to=event.organizer,
            subject=f"New time proposed: {' '.join(event.summary.split())}",
            text=text,
            in_reply_to=mail.message_id,
            date=services.clock(),
        )
    )


def record_reply(services: Services, mail: InboundMail) -> int:
    """Returns how many answers were recorded."""
    try:
        calendar = read_calendar_mail(mail.message, prefer=ATTENDEE_METHODS)
    except NoCalendar as exc:
        services.log.info("mail to a service address without a calendar reply", extra={"reason": str(exc)})
        return 0
    if not mail.authenticated:
        services.log.warning("unauthenticated reply ignored", extra={"sender": mail.sender})
        return 0
    recorded = 0
    for ev in calendar.events:
        # The event's own METHOD: Google sends a COUNTER inside a method=REPLY part.
        method = ev.method.upper()
        key = event_key_of_uid(ev.uid, services.settings.domain)
        event = services.store.get_event(key) if key else None
        if event is None or key is None:
            services.log.info("reply for an unknown event", extra={"uid": ev.uid})
            continue
        known = services.store.get_attendees(key, [mail.sender]).get(mail.sender) or _delegate(
            services, key, ev, mail
        )
        if known is None:
            services.log.warning(
                "reply from someone never invited", extra={"event": key, "sender": mail.sender}
            )
            continue
        if method == "REFRESH":
            _refresh(services, event, known, mail)
            continue
        if method == "COUNTER":
            _counter(services, event, ev, mail)
            continue
        if method != "REPLY":
            services.log.info("iTIP method not acted on", extra={"method": method, "event": key})
            continue
        if event.cancelled:
            # As the RSVP form refuses: an answer to a cancelled event would count a guest for nothing.
            services.log.info(
                "reply to a cancelled event not counted", extra={"event": key, "sender": mail.sender}
            )
            continue
        recorded += _record_answers(services, event, ev, mail)
    return recorded


def _record_answers(services: Services, event: Event, ev: ClientEvent, mail: InboundMail) -> int:
    """Record what one REPLY answers; returns how many answers were kept.

    A calendar holding only occurrences is an event in its own right: a reply for its
    occurrence is the answer for it. For a series, each occurrence the reply holds (Google,
    Outlook: "decline this occurrence only") is answered on its own, and only a master VEVENT
    answers the series, so the series' updates keep reaching the attendee.
    """
    at = _answered_at(ev, services.clock())
    recorded = 0
    instance_only = bool(ev.instances) and is_instance_only(event.calendar)
    if not ev.occurrence or instance_only:
        answer = _answer(services, event, ev.attendees, mail, at, ev.comment)
        if answer is not None and services.store.record_answer(event.key, answer):
            recorded += 1
            if answer.partstat is PartStat.DELEGATED:
                _invite_delegates(services, event, ev, mail)
    if instance_only:
        return recorded
    for instance in ev.instances[:MAX_INSTANCES]:
        answer = _answer(services, event, instance.attendees, mail, at, instance.comment, instance.occurrence)
        # Delegating one occurrence hands nothing on: the service invites to the series only.
        if (
            answer is not None
            and answer.partstat in ANSWERS
            and services.store.record_answer(event.key, answer)
        ):
            recorded += 1
    return recorded


def _answer(
    services: Services,
    event: Event,
    attendees: tuple[tuple[str, str], ...],
    mail: InboundMail,
    at: datetime,
    comment: str,
    occurrence: str = "",
) -> Answer | None:
    """The sender's answer in one VEVENT of their reply, None where it gives none of its own."""
    partstat = next((_PARTSTATS.get(p) for a, p in attendees if a == mail.sender), None)
    if partstat is None or partstat is PartStat.NEEDS_ACTION:
        services.log.warning(
            "reply does not speak for its sender", extra={"event": event.key, "sender": mail.sender}
        )
        return None
    return Answer(
        event.organizer, event.event_id, mail.sender, partstat, at, Channel.CALENDAR, comment, occurrence
    )


def _delegate(services: Services, key: str, ev: ClientEvent, mail: InboundMail) -> Attendee | None:
    """The sender as a delegate (RFC 5546 §3.2.2.3): their ATTENDEE names, in DELEGATED-FROM,
    someone the service invited or who answered; their reply may arrive before the delegator's."""
    delegator = next((by for who, _, by in ev.delegations if who == mail.sender and by), "")
    if not delegator or services.store.get_attendees(key, [delegator]).get(delegator) is None:
        return None
    return Attendee(email=mail.sender)


def _invite_delegates(services: Services, event: Event, ev: ClientEvent, mail: InboundMail) -> None:
    """DELEGATED-TO hands the invitation on: the delegate gets their own, the delegator (now
    DELEGATED, not going) no more updates."""
    delegates = [to for who, to, _ in ev.delegations if who == mail.sender and to and to != mail.sender]
    enqueue_deliveries(
        services,
        [Delivery(event.key, to, event.sequence, Method.REQUEST) for to in delegates],
        chunk=f"delegate:{mail.message_id}",
    )
