"""An organizer's invitation, update or cancellation arriving at snack@: keep the event, answer with a snack.

Revisions are ordered as the reference servers order them (SEQUENCE, then DTSTAMP), so a
repeated or stale message changes nothing. Only the organizer may change an event (RFC 5546
§6): the event is keyed by (organizer, UID), and the stored event's organizer must also be
the authenticated sender (or the organizer a trusted relay vouches for) before anything changes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from calsnack.domain.model import Event, EventStatus, Method, Source, event_key
from calsnack.ical.changes import Change, seen_change
from calsnack.ical.merge import is_instance_only, merge_instances, occurrence_day
from calsnack.ical.read import ClientEvent, NoCalendar, read_calendar_mail
from calsnack.links import Links
from calsnack.mail.inbound import InboundMail
from calsnack.mail.snack import snack_mail
from calsnack.ports import Conflict, Services
from calsnack.usecases.enqueue import enqueue_fan_out
from calsnack.usecases.notify import explain_refusal

_REQUESTS = frozenset({"REQUEST", "PUBLISH", "ADD"})

#: Calendar services that send invitations from their own address on the organizer's behalf,
#: after authenticating the organizer themselves (iCloud writes ORGANIZER;EMAIL=<the user>).
TRUSTED_RELAYS = frozenset({"noreply@insideicloud.icloud.com", "noreply@email.apple.com"})


@dataclass(frozen=True, slots=True)
class Outcome:
    event_key: str
    action: str


def _newer(ev: ClientEvent, event: Event) -> bool:
    if ev.sequence != event.origin_sequence:
        return ev.sequence > event.origin_sequence
    if ev.dtstamp is None or event.origin_stamp is None:
        return False
    return ev.dtstamp > event.origin_stamp


def _older(ev: ClientEvent, event: Event) -> bool:
    """The client's version comes before the stored one: a lower SEQUENCE, or the same with an
    earlier DTSTAMP; arrival order never decides."""
    if ev.sequence != event.origin_sequence:
        return ev.sequence < event.origin_sequence
    return ev.dtstamp is not None and event.origin_stamp is not None and ev.dtstamp < event.origin_stamp


def _made(ev: ClientEvent, event: Event) -> bool:
    """The client's version is the one the stored revision was made from."""
    return ev.sequence == event.origin_sequence and ev.dtstamp == event.origin_stamp


def _new_event(services: Services, ev: ClientEvent, organizer: str, name: str, now: datetime) -> Event:
    key = event_key(organizer, ev.uid)
    return Event(
        key=key,
        organizer=organizer,
        event_id=ev.uid,
        uid=f"{key}@{services.settings.domain}",
        source=Source.CALENDAR,
        organizer_name=ev.organizer_name or name,
        summary=ev.summary,
        start=ev.start,
        end=ev.end,
        timezone=ev.timezone,
        all_day=ev.all_day,
        calendar=ev.calendar,
        location=ev.location,
        description=ev.description,
        meeting_url=ev.meeting_url,
        origin_sequence=ev.sequence,
        origin_stamp=ev.dtstamp,
        created_at=now,
        updated_at=now,
        sequence_raised_at=now,
    )


def _seen_change(old: Event, new: Event) -> Change:
    """What the organizer's new version changes for attendees (not DTSTAMP, nor their own guests)."""
    if old.cancelled:
        return Change.SIGNIFICANT  # reinstated
    return seen_change(old.calendar, new.calendar)


def _instance_change(
    services: Services, ev: ClientEvent, method: str, existing: Event, now: datetime
) -> Outcome:
    """One occurrence changed or cancelled: the series goes out again with it folded in."""
    calendar = merge_instances(existing.calendar, ev.calendar, cancelled=method == "CANCEL")
    updated = existing.revised(
        calendar=calendar,
        sequence=existing.sequence + 1,
        sequence_raised_at=now,
        occurrence_revision=existing.sequence + 1,
        occurrence_day=occurrence_day(ev.calendar, existing.timezone),
        occurrence_cancelled=method == "CANCEL",
        origin_sequence=ev.sequence,
        origin_stamp=ev.dtstamp,
        updated_at=now,
    )
    services.store.put_event(updated)
    enqueue_fan_out(services, existing.key, updated.sequence, Method.REQUEST)
    return Outcome(existing.key, "occurrence-cancelled" if method == "CANCEL" else "occurrence-updated")


def _send_snack(services: Services, event: Event, mail: InboundMail) -> Event:
    s = services.settings
    services.mailer.send(
        snack_mail(
            s,
            Links.of(s),
            event,
            in_reply_to=mail.message_id,
            now=services.clock(),
        )
    )
    services.log.info("snack sent", extra={"to": event.organizer, "summary": event.summary})
    return services.store.put_event(event.revised(snack_sent=True))


def _apply(services: Services, ev: ClientEvent, method: str, mail: InboundMail) -> Outcome:
    organizer = ev.organizer or mail.sender
    now = services.clock()
    key = event_key(organizer, ev.uid)
    existing = services.store.get_event(key)
    if existing is not None and not existing.organized_by(organizer):
        # Keys are not trusted to tell organizers apart: the stored event's organizer decides.
        services.log.warning(
            "event of another organizer", extra={"event": key, "sender": mail.sender, "organizer": organizer}
        )
        explain_refusal(services, mail, f'only the organizer of "{ev.summary}" can change or cancel it.')
        return Outcome(key, "not-organizer")
    if existing is None:
        if method == "CANCEL":
            return Outcome(key, "cancel-unknown")
        if ev.end < now and not ev.recurring:
            explain_refusal(
                services, mail, f'the event "{ev.summary}" is already over, so there is nothing to share.'
            )
            return Outcome(key, "over")
        event = services.store.put_event(_new_event(services, ev, organizer, mail.sender_name, now))
        _send_snack(services, event, mail)
        return Outcome(key, "created")

    # A CANCEL at the stored SEQUENCE acts unless its DTSTAMP shows it is older than the stored
    # version (RFC 5546 §2.1.5): Google cancels without raising SEQUENCE.
    final_cancel = method == "CANCEL" and not existing.cancelled and not _older(ev, existing)
    if not _newer(ev, existing) and not final_cancel:
        if not existing.snack_sent and method != "CANCEL":
            _send_snack(services, existing, mail)
            return Outcome(key, "snack-resent")
        if _made(ev, existing) and existing.sequence > 0:
            # This very mail made the stored revision: delivered again, its first handling may
            # have died before queuing the fan-out. The sender skips whoever has the revision.
            method_out = Method.CANCEL if existing.cancelled else Method.REQUEST
            enqueue_fan_out(services, key, existing.sequence, method_out)
            return Outcome(key, "fan-out-again")
        return Outcome(key, "stale")

    # A calendar that holds only occurrences (Google invites the service to one) is an event in
    # its own right: its CANCEL or change acts on it whole, as on any event.
    if (
        not existing.cancelled
        and existing.calendar
        and is_instance_only(ev.calendar)
        and not is_instance_only(existing.calendar)
    ):
        return _instance_change(services, ev, method, existing, now)

    if method == "CANCEL":
        if existing.cancelled:
            updated = existing.revised(origin_sequence=ev.sequence, origin_stamp=ev.dtstamp, updated_at=now)
            services.store.put_event(updated)
            return Outcome(key, "already-cancelled")
        updated = existing.revised(
            status=EventStatus.CANCELLED,
            sequence=existing.sequence + 1,
            origin_sequence=ev.sequence,
            origin_stamp=ev.dtstamp,
            updated_at=now,
        )
        services.store.put_event(updated)
        enqueue_fan_out(services, key, updated.sequence, Method.CANCEL)
        return Outcome(key, "cancelled")

    fresh = _new_event(services, ev, organizer, mail.sender_name, now)
    change = _seen_change(existing, fresh)
    changed = change is not Change.NONE
    # Only informational text changed and the client kept its SEQUENCE: so do the invitations.
    quiet = change is Change.INFORMATIONAL and ev.sequence == existing.origin_sequence
    updated = existing.revised(
        summary=fresh.summary,
        start=fresh.start,
        end=fresh.end,
        timezone=fresh.timezone,
        all_day=fresh.all_day,
        calendar=fresh.calendar,
        location=fresh.location,
        description=fresh.description,
        meeting_url=fresh.meeting_url,
        organizer_name=fresh.organizer_name,
        status=EventStatus.CONFIRMED,
        sequence=existing.sequence + 1 if changed else existing.sequence,
        quiet_revisions=existing.quiet_revisions + 1 if quiet else existing.quiet_revisions,
        quiet_revision=existing.sequence + 1 if quiet else existing.quiet_revision,
        sequence_raised_at=now if changed and not quiet else existing.sequence_raised_at,
        origin_sequence=ev.sequence,
        origin_stamp=ev.dtstamp,
        updated_at=now,
    )
    services.store.put_event(updated)
    if changed:
        enqueue_fan_out(services, key, updated.sequence, Method.REQUEST)
    return Outcome(key, "updated" if changed else "unchanged")


def handle_invitation(services: Services, mail: InboundMail) -> list[Outcome]:
    """Act on every event of the organizer's calendar mail; a lost race is retried once."""
    try:
        calendar = read_calendar_mail(mail.message)
    except NoCalendar as exc:
        explain_refusal(services, mail, str(exc))
        return []
    method = calendar.method.upper()
    if method not in _REQUESTS and method != "CANCEL":
        explain_refusal(
            services, mail, f"{services.settings.snack_address} takes invitations; this mail is a {method}."
        )
        return []
    outcomes = []
    for ev in calendar.events:
        if ev.organizer and ev.organizer != mail.sender and mail.sender not in TRUSTED_RELAYS:
            # RFC 5546 §6: only the organizer may create, change or cancel an event.
            services.log.warning(
                "sender is not the organizer", extra={"sender": mail.sender, "organizer": ev.organizer}
            )
            continue
        try:
            outcomes.append(_apply(services, ev, method, mail))
        except Conflict:
            outcomes.append(_apply(services, ev, method, mail))
    return outcomes
