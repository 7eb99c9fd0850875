"""record_reply: a calendar REPLY counts for a known attendee speaking for themself, newest answer
wins, never after a cancellation; REFRESH and COUNTER act at most once an hour."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.message import EmailMessage

import pytest
from calsnack.domain.model import Answer, Channel, Delivery, Event, EventStatus, Method, PartStat
from calsnack.ports import QueueName, Services
from calsnack.queue_messages import SendDeliveries
from calsnack.usecases.record_reply import record_reply

from tests.contract.builders import T0
from tests.harness import RecordingMailer, RecordingQueue, text_of
from tests.mailfactory import SHAPES, calendar_mail, calendar_text, reply
from tests.unit.usecases.conftest import DOMAIN, Clock, inbound, seed

ORGANIZER = "olga@corp.example"
GUEST = "guest@client.test"
RSVP = f"rsvp@{DOMAIN}"
#: Before any reply these tests send (they are stamped now).
LONG_AGO = datetime(2020, 1, 1, tzinfo=UTC)


def _uid(event: Event) -> str:
    return f"{event.key}@{DOMAIN}"


def _invite(services: Services, event: Event, email: str = GUEST) -> None:
    services.store.record_sent([Delivery(event.key, email, event.sequence, Method.REQUEST)], T0)


def _attendee(services: Services, event: Event, email: str = GUEST) -> tuple[PartStat, datetime | None]:
    a = services.store.get_attendees(event.key, [email])[email]
    return a.partstat, a.answered_at


def _itip(
    event: Event,
    method: str,
    partstat: str = "ACCEPTED",
    *,
    sender: str = GUEST,
    attendee: str = GUEST,
    dtstamp: datetime | None = None,
    extra: str = "",
    params: str = "",
) -> EmailMessage:
    """An iTIP message of `attendee` about the event; `params` go on their ATTENDEE line."""
    ics = calendar_text(
        method, _uid(event), organizer=RSVP, attendees=((attendee, partstat),), dtstamp=dtstamp
    )
    if params:
        ics = ics.replace(";RSVP=TRUE:", f";{params};RSVP=TRUE:")
    if extra:
        ics = ics.replace("END:VEVENT", extra + "\r\nEND:VEVENT")
    return calendar_mail(sender, RSVP, ics, method)


def _sends(queue: RecordingQueue) -> list[Delivery]:
    return [d for m in queue.decoded(QueueName.SENDS) if isinstance(m, SendDeliveries) for d in m.deliveries]


@pytest.mark.parametrize("shape", SHAPES)
def test_a_known_attendees_reply_is_counted(recorded: Services, shape: str) -> None:
    event = seed(recorded, ORGANIZER, "webinar")
    _invite(recorded, event)
    assert (
        record_reply(
            recorded, inbound(recorded, reply(_uid(event), GUEST, "TENTATIVE", shape=shape), sender=GUEST)
        )
        == 1
    )
    assert _attendee(recorded, event)[0] is PartStat.TENTATIVE
    counts = recorded.store.counts(event.key)
    assert (counts.tentative, counts.calendar_answers, counts.button_answers) == (1, 1, 0)


def test_an_attendee_who_answered_by_button_may_reply(recorded: Services) -> None:
    event = seed(recorded, ORGANIZER, "webinar")
    recorded.store.record_answer(
        event.key, Answer(ORGANIZER, event.event_id, GUEST, PartStat.ACCEPTED, LONG_AGO, Channel.BUTTON)
    )
    mail = inbound(recorded, reply(_uid(event), GUEST, "DECLINED"), sender=GUEST)
    assert record_reply(recorded, mail) == 1
    assert _attendee(recorded, event)[0] is PartStat.DECLINED


def test_an_unproven_reply_counts_nothing(recorded: Services) -> None:
    event = seed(recorded, ORGANIZER, "webinar")
    _invite(recorded, event)
    mail = inbound(recorded, reply(_uid(event), GUEST, "ACCEPTED"), sender=GUEST, verdict="fail")
    assert record_reply(recorded, mail) == 0
    assert _attendee(recorded, event)[0] is PartStat.NEEDS_ACTION


def test_someone_never_invited_is_not_counted(recorded: Services) -> None:
    event = seed(recorded, ORGANIZER, "webinar")
    mail = inbound(
        recorded, reply(_uid(event), "stranger@client.test", "ACCEPTED"), sender="stranger@client.test"
    )
    assert record_reply(recorded, mail) == 0
    assert recorded.store.counts(event.key).accepted == 0


@pytest.mark.parametrize("uid", ["webinar@google.com", f"{'f' * 56}@{DOMAIN}", f"{'a' * 56}@other.test"])
def test_a_reply_to_an_event_not_ours_counts_nothing(recorded: Services, uid: str) -> None:
    assert record_reply(recorded, inbound(recorded, reply(uid, GUEST, "ACCEPTED"), sender=GUEST)) == 0


def test_a_reply_speaking_for_someone_else_is_not_counted(recorded: Services) -> None:
    event = seed(recorded, ORGANIZER, "webinar")
    _invite(recorded, event)
    _invite(recorded, event, "other@client.test")
    mail = inbound(recorded, _itip(event, "REPLY", attendee="other@client.test"), sender=GUEST)
    assert record_reply(recorded, mail) == 0
    assert _attendee(recorded, event, "other@client.test")[0] is PartStat.NEEDS_ACTION


def test_a_reply_without_an_answer_is_not_counted(recorded: Services) -> None:
    event = seed(recorded, ORGANIZER, "webinar")
    _invite(recorded, event)
    assert record_reply(recorded, inbound(recorded, _itip(event, "REPLY", "NEEDS-ACTION"), sender=GUEST)) == 0


def test_a_reply_after_the_cancellation_is_not_counted(recorded: Services) -> None:
    event = seed(recorded, ORGANIZER, "webinar", status=EventStatus.CANCELLED)
    _invite(recorded, event)
    assert record_reply(recorded, inbound(recorded, _itip(event, "REPLY"), sender=GUEST)) == 0
    assert recorded.store.counts(event.key).accepted == 0


def test_an_older_reply_arriving_later_loses(recorded: Services, clock: Clock) -> None:
    event = seed(recorded, ORGANIZER, "webinar")
    _invite(recorded, event)
    newer = inbound(
        recorded, _itip(event, "REPLY", "DECLINED", dtstamp=clock.now - timedelta(minutes=1)), sender=GUEST
    )
    older = inbound(
        recorded, _itip(event, "REPLY", "ACCEPTED", dtstamp=clock.now - timedelta(hours=1)), sender=GUEST
    )
    assert record_reply(recorded, newer) == 1
    assert record_reply(recorded, older) == 0
    assert _attendee(recorded, event)[0] is PartStat.DECLINED


def test_a_stamp_from_a_fast_clock_counts_as_the_arrival(recorded: Services, clock: Clock) -> None:
    event = seed(recorded, ORGANIZER, "webinar")
    _invite(recorded, event)
    mail = inbound(recorded, _itip(event, "REPLY", dtstamp=clock.now + timedelta(days=1)), sender=GUEST)
    assert record_reply(recorded, mail) == 1
    assert _attendee(recorded, event) == (PartStat.ACCEPTED, clock.now)


def test_a_delegation_invites_the_delegate(recorded: Services, queue: RecordingQueue) -> None:
    event = seed(recorded, ORGANIZER, "webinar")
    _invite(recorded, event)
    delegated = _itip(event, "REPLY", "DELEGATED", params='DELEGATED-TO="mailto:deputy@client.test"')
    assert record_reply(recorded, inbound(recorded, delegated, sender=GUEST)) == 1
    assert _sends(queue) == [Delivery(event.key, "deputy@client.test", event.sequence, Method.REQUEST)]


def test_a_delegates_reply_counts_before_the_delegators(recorded: Services) -> None:
    event = seed(recorded, ORGANIZER, "webinar")
    _invite(recorded, event)
    deputy = "deputy@client.test"
    mail = _itip(event, "REPLY", sender=deputy, attendee=deputy, params=f'DELEGATED-FROM="mailto:{GUEST}"')
    assert record_reply(recorded, inbound(recorded, mail, sender=deputy)) == 1
    assert _attendee(recorded, event, deputy)[0] is PartStat.ACCEPTED


def test_a_claimed_delegation_from_a_stranger_is_not_counted(recorded: Services) -> None:
    event = seed(recorded, ORGANIZER, "webinar")
    deputy = "deputy@client.test"
    mail = _itip(event, "REPLY", sender=deputy, attendee=deputy, params=f'DELEGATED-FROM="mailto:{GUEST}"')
    assert record_reply(recorded, inbound(recorded, mail, sender=deputy)) == 0


# -- REFRESH and COUNTER ---------------------------------------------------------------------------


def test_refresh_resends_the_current_version_once_an_hour(
    recorded: Services, queue: RecordingQueue, clock: Clock
) -> None:
    event = seed(recorded, ORGANIZER, "webinar")
    _invite(recorded, event)
    for _ in range(2):
        assert (
            record_reply(recorded, inbound(recorded, _itip(event, "REFRESH", "NEEDS-ACTION"), sender=GUEST))
            == 0
        )
    assert _sends(queue) == [Delivery(event.key, GUEST, event.sequence, Method.REQUEST, resend=True)]
    clock.advance(hours=1)
    record_reply(recorded, inbound(recorded, _itip(event, "REFRESH", "NEEDS-ACTION"), sender=GUEST))
    assert len(_sends(queue)) == 2


def test_refresh_of_a_cancelled_event_resends_the_cancellation(
    recorded: Services, queue: RecordingQueue
) -> None:
    event = seed(recorded, ORGANIZER, "webinar", status=EventStatus.CANCELLED)
    recorded.store.record_sent([Delivery(event.key, GUEST, event.sequence, Method.CANCEL)], T0)
    record_reply(recorded, inbound(recorded, _itip(event, "REFRESH", "NEEDS-ACTION"), sender=GUEST))
    assert _sends(queue) == [Delivery(event.key, GUEST, event.sequence, Method.CANCEL, resend=True)]


def test_refresh_from_someone_who_declined_is_not_answered(recorded: Services, queue: RecordingQueue) -> None:
    event = seed(recorded, ORGANIZER, "webinar")
    recorded.store.record_answer(
        event.key, Answer(ORGANIZER, event.event_id, GUEST, PartStat.DECLINED, LONG_AGO, Channel.BUTTON)
    )
    record_reply(recorded, inbound(recorded, _itip(event, "REFRESH", "NEEDS-ACTION"), sender=GUEST))
    assert queue.messages[QueueName.SENDS] == []


def test_a_counter_proposal_reaches_the_organizer_once(recorded: Services, mailer: RecordingMailer) -> None:
    event = seed(recorded, ORGANIZER, "webinar")
    _invite(recorded, event)
    for _ in range(2):
        mail = inbound(recorded, _itip(event, "COUNTER", extra="COMMENT:Could we do Tuesday?"), sender=GUEST)
        assert record_reply(recorded, mail) == 0
    [notice] = mailer.to(ORGANIZER)
    assert str(notice["Subject"]) == f"New time proposed: {event.summary}"
    body = text_of(notice)
    assert GUEST in body and "Could we do Tuesday?" in body and "(America/Chicago)" in body
    assert _attendee(recorded, event)[0] is PartStat.NEEDS_ACTION  # a proposal is no answer


def test_an_answer_for_one_occurrence_is_not_the_series_answer(recorded: Services) -> None:
    series = calendar_text("REQUEST", "s", organizer=ORGANIZER).replace(
        "SEQUENCE:0", "RRULE:FREQ=WEEKLY\r\nSEQUENCE:0"
    )
    event = seed(recorded, ORGANIZER, "webinar", calendar=series)
    _invite(recorded, event)
    only_one = _itip(event, "REPLY", "DECLINED", extra="RECURRENCE-ID:20310608T230000Z")
    assert record_reply(recorded, inbound(recorded, only_one, sender=GUEST)) == 1, "that occurrence's answer"
    assert [a.occurrence for a in recorded.store.occurrence_answers(event.key)] == [
        "2031-06-08T23:00:00+00:00"
    ]
    assert _attendee(recorded, event)[0] is PartStat.NEEDS_ACTION


# -- occurrences -----------------------------------------------------------------------------------

#: The third Tuesday of a series at 09:00 Chicago (summer time: 14:00 UTC).
OCCURRENCE = "RECURRENCE-ID;TZID=America/Chicago:20310520T090000"
OCCURRENCE_ID = "2031-05-20T14:00:00+00:00"


def test_a_reply_for_one_occurrence_answers_that_occurrence_alone(recorded: Services) -> None:
    event = seed(recorded, ORGANIZER, "webinar")
    _invite(recorded, event)
    recorded.store.record_answer(
        event.key, Answer(ORGANIZER, event.event_id, GUEST, PartStat.ACCEPTED, LONG_AGO, Channel.BUTTON)
    )
    declined = _itip(event, "REPLY", "DECLINED", extra=f"{OCCURRENCE}\r\nCOMMENT:Away that week")
    assert record_reply(recorded, inbound(recorded, declined, sender=GUEST)) == 1
    assert _attendee(recorded, event) == (PartStat.ACCEPTED, LONG_AGO), "the series answer stays"
    [answer] = recorded.store.occurrence_answers(event.key)
    assert (answer.email, answer.occurrence, answer.partstat) == (GUEST, OCCURRENCE_ID, PartStat.DECLINED)
    assert (answer.channel, answer.comment) == (Channel.CALENDAR, "Away that week")


def test_a_reply_for_the_one_occurrence_an_event_holds_is_its_answer(recorded: Services) -> None:
    """Google invites the service to one occurrence: that calendar is the event (CONTRACT §2)."""
    lone = "\r\n".join(["BEGIN:VCALENDAR", "VERSION:2.0", "BEGIN:VEVENT", "UID:one@google.com",
                        OCCURRENCE, "DTSTART;TZID=America/Chicago:20310520T090000", "END:VEVENT",
                        "END:VCALENDAR", ""])  # fmt: skip
    event = seed(recorded, ORGANIZER, "one", calendar=lone)
    _invite(recorded, event)
    assert (
        record_reply(
            recorded, inbound(recorded, _itip(event, "REPLY", "DECLINED", extra=OCCURRENCE), sender=GUEST)
        )
        == 1
    )
    assert _attendee(recorded, event)[0] is PartStat.DECLINED
    assert recorded.store.occurrence_answers(event.key) == []


def test_delegating_one_occurrence_records_and_sends_nothing(
    recorded: Services, queue: RecordingQueue
) -> None:
    event = seed(recorded, ORGANIZER, "webinar")
    _invite(recorded, event)
    delegated = _itip(
        event, "REPLY", "DELEGATED", params='DELEGATED-TO="mailto:deputy@client.test"', extra=OCCURRENCE
    )
    assert record_reply(recorded, inbound(recorded, delegated, sender=GUEST)) == 0
    assert recorded.store.occurrence_answers(event.key) == []
    assert _sends(queue) == []
    assert _attendee(recorded, event)[0] is PartStat.NEEDS_ACTION
