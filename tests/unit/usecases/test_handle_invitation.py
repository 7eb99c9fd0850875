"""handle_invitation: an organizer's REQUEST or CANCEL, ordered by SEQUENCE then DTSTAMP; only the
organizer acts, and what attendees would not see changes no revision."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from typing import Any

import pytest
from calsnack.domain.model import EventStatus, Method, Source, event_key
from calsnack.ports import QueueName, Services
from calsnack.queue_messages import FanOut
from calsnack.usecases.handle_invitation import Outcome, handle_invitation

from tests.contract.builders import make_event
from tests.harness import RecordingMailer, RecordingQueue, text_of
from tests.mailfactory import calendar_mail, calendar_text, invitation
from tests.unit.usecases.conftest import DOMAIN, Clock, inbound

ORGANIZER = "olga@example.test"
UID = "standup-1@google.com"
KEY = event_key(ORGANIZER, UID)


@pytest.fixture
def start(clock: Clock) -> datetime:
    return (clock.now + timedelta(days=30)).replace(minute=0)


@pytest.fixture
def stamp(clock: Clock) -> datetime:
    return clock.now - timedelta(hours=1)


def _send(services: Services, message: EmailMessage, sender: str = ORGANIZER) -> list[Outcome]:
    return handle_invitation(services, inbound(services, message, sender=sender))


def _invitation(start: datetime, stamp: datetime, *, method: str = "REQUEST", **kw: Any) -> EmailMessage:
    return invitation(UID, ORGANIZER, method=method, start=start, dtstamp=stamp, **kw)


def _fan_outs(queue: RecordingQueue) -> list[FanOut]:
    return [m for m in queue.decoded(QueueName.SENDS) if isinstance(m, FanOut)]


def test_a_new_invitation_is_kept_and_answered_with_a_snack(
    recorded: Services, mailer: RecordingMailer, queue: RecordingQueue, start: datetime, stamp: datetime
) -> None:
    assert _send(recorded, _invitation(start, stamp, summary="Standup")) == [Outcome(KEY, "created")]
    event = recorded.store.get_event(KEY)
    assert event is not None
    assert (event.source, event.organizer, event.summary, event.start) == (
        Source.CALENDAR,
        ORGANIZER,
        "Standup",
        start,
    )
    assert event.uid == f"{KEY}@{DOMAIN}" and event.snack_sent and event.sequence == 0
    [snack] = mailer.to(ORGANIZER)
    assert str(snack["Subject"]) == "Your calsnack: Standup"
    assert queue.messages[QueueName.SENDS] == []  # nobody answered yet: nothing to fan out


def test_the_same_invitation_again_changes_nothing(
    recorded: Services, mailer: RecordingMailer, queue: RecordingQueue, start: datetime, stamp: datetime
) -> None:
    _send(recorded, _invitation(start, stamp))
    before = recorded.store.get_event(KEY)
    assert _send(recorded, _invitation(start, stamp)) == [Outcome(KEY, "stale")]
    assert recorded.store.get_event(KEY) == before
    assert len(mailer.sent) == 1 and queue.messages[QueueName.SENDS] == []


def test_a_moved_event_is_a_new_revision_for_everyone_going(
    recorded: Services, queue: RecordingQueue, start: datetime, stamp: datetime
) -> None:
    _send(recorded, _invitation(start, stamp))
    moved = _invitation(start + timedelta(hours=2), stamp + timedelta(minutes=5), sequence=1)
    assert _send(recorded, moved) == [Outcome(KEY, "updated")]
    event = recorded.store.get_event(KEY)
    assert event is not None and event.start == start + timedelta(hours=2) and event.sequence == 1
    assert _fan_outs(queue) == [FanOut(KEY, 1, Method.REQUEST)]


def test_a_redelivered_update_fans_out_again(
    recorded: Services, queue: RecordingQueue, start: datetime, stamp: datetime
) -> None:
    _send(recorded, _invitation(start, stamp))
    moved = _invitation(start + timedelta(hours=2), stamp + timedelta(minutes=5), sequence=1)
    _send(recorded, moved)
    assert _send(recorded, moved) == [Outcome(KEY, "fan-out-again")]
    assert _fan_outs(queue) == [FanOut(KEY, 1, Method.REQUEST)] * 2  # the queue's dedup keeps one
    event = recorded.store.get_event(KEY)
    assert event is not None and event.sequence == 1


def test_a_higher_sequence_that_changes_nothing_seen_keeps_the_revision(
    recorded: Services, queue: RecordingQueue, start: datetime, stamp: datetime
) -> None:
    _send(recorded, _invitation(start, stamp))
    assert _send(recorded, _invitation(start, stamp + timedelta(minutes=5), sequence=3)) == [
        Outcome(KEY, "unchanged")
    ]
    event = recorded.store.get_event(KEY)
    assert event is not None and event.sequence == 0 and event.origin_sequence == 3
    assert queue.messages[QueueName.SENDS] == []


def test_an_older_version_arriving_late_is_stale(
    recorded: Services, queue: RecordingQueue, start: datetime, stamp: datetime
) -> None:
    _send(recorded, _invitation(start + timedelta(hours=2), stamp, sequence=2))
    late = _invitation(start, stamp + timedelta(minutes=5), sequence=1)  # written before, sent after
    assert _send(recorded, late) == [Outcome(KEY, "stale")]
    event = recorded.store.get_event(KEY)
    assert event is not None and event.start == start + timedelta(hours=2)


def test_a_cancellation_fans_out_once(
    recorded: Services, queue: RecordingQueue, start: datetime, stamp: datetime
) -> None:
    _send(recorded, _invitation(start, stamp))
    # Google cancels without raising SEQUENCE: a later DTSTAMP is enough.
    cancel = _invitation(start, stamp + timedelta(minutes=5), method="CANCEL", status="CANCELLED")
    assert _send(recorded, cancel) == [Outcome(KEY, "cancelled")]
    event = recorded.store.get_event(KEY)
    assert event is not None and event.status is EventStatus.CANCELLED and event.sequence == 1
    assert _fan_outs(queue) == [FanOut(KEY, 1, Method.CANCEL)]
    later = _invitation(start, stamp + timedelta(minutes=9), sequence=1, method="CANCEL", status="CANCELLED")
    assert _send(recorded, later) == [Outcome(KEY, "already-cancelled")]
    assert len(_fan_outs(queue)) == 1


def test_a_cancellation_older_than_the_stored_version_is_stale(
    recorded: Services, start: datetime, stamp: datetime
) -> None:
    _send(recorded, _invitation(start, stamp))
    old_cancel = _invitation(start, stamp - timedelta(minutes=5), method="CANCEL", status="CANCELLED")
    assert _send(recorded, old_cancel) == [Outcome(KEY, "stale")]
    event = recorded.store.get_event(KEY)
    assert event is not None and not event.cancelled


def test_a_cancelled_event_invited_again_is_reinstated(
    recorded: Services, queue: RecordingQueue, start: datetime, stamp: datetime
) -> None:
    _send(recorded, _invitation(start, stamp))
    _send(
        recorded,
        _invitation(start, stamp + timedelta(minutes=1), sequence=1, method="CANCEL", status="CANCELLED"),
    )
    assert _send(recorded, _invitation(start, stamp + timedelta(minutes=2), sequence=2)) == [
        Outcome(KEY, "updated")
    ]
    event = recorded.store.get_event(KEY)
    assert event is not None and event.status is EventStatus.CONFIRMED and event.sequence == 2
    assert _fan_outs(queue)[-1] == FanOut(KEY, 2, Method.REQUEST)


def test_a_cancellation_of_an_unknown_event_is_nothing(
    recorded: Services, mailer: RecordingMailer, start: datetime, stamp: datetime
) -> None:
    assert _send(recorded, _invitation(start, stamp, method="CANCEL")) == [Outcome(KEY, "cancel-unknown")]
    assert recorded.store.get_event(KEY) is None and mailer.sent == []


def test_an_event_already_over_is_refused_with_a_reason(
    recorded: Services, mailer: RecordingMailer, clock: Clock, stamp: datetime
) -> None:
    past = _invitation(clock.now - timedelta(days=2), stamp, summary="Old news")
    assert _send(recorded, past) == [Outcome(KEY, "over")]
    assert recorded.store.get_event(KEY) is None
    [answer] = mailer.to(ORGANIZER)
    assert 'the event "Old news" is already over' in text_of(answer)


def test_a_snack_lost_before_it_went_out_is_sent_again(
    recorded: Services, mailer: RecordingMailer, start: datetime, stamp: datetime
) -> None:
    _send(recorded, _invitation(start, stamp))
    stored = recorded.store.get_event(KEY)
    assert stored is not None
    recorded.store.put_event(stored.revised(snack_sent=False))
    assert _send(recorded, _invitation(start, stamp)) == [Outcome(KEY, "snack-resent")]
    assert len(mailer.to(ORGANIZER)) == 2


def test_someone_else_cannot_send_the_organizers_event(
    recorded: Services, mailer: RecordingMailer, start: datetime, stamp: datetime
) -> None:
    ics = calendar_text("REQUEST", UID, organizer=ORGANIZER, start=start, dtstamp=stamp)
    forged = calendar_mail("mallory@example.test", f"snack@{DOMAIN}", ics, "REQUEST")
    assert _send(recorded, forged, sender="mallory@example.test") == []
    assert recorded.store.get_event(KEY) is None
    assert recorded.store.get_event(event_key("mallory@example.test", UID)) is None
    assert mailer.sent == []


def test_the_stored_organizer_decides_not_the_key(
    recorded: Services, mailer: RecordingMailer, start: datetime, stamp: datetime
) -> None:
    # An event stored under the key olga's mail computes, but organized by someone else.
    theirs = make_event("mallory@example.test", UID).revised(key=KEY, source=Source.CALENDAR)
    recorded.store.put_event(theirs)
    assert _send(recorded, _invitation(start, stamp, sequence=5)) == [Outcome(KEY, "not-organizer")]
    event = recorded.store.get_event(KEY)
    assert event is not None and event.organizer == "mallory@example.test" and event.summary == theirs.summary
    [refusal] = mailer.to(ORGANIZER)
    assert "only the organizer" in text_of(refusal)


def test_a_trusted_relay_sends_for_the_organizer_it_names(
    recorded: Services, start: datetime, stamp: datetime
) -> None:
    relay = "noreply@insideicloud.icloud.com"
    ics = calendar_text("REQUEST", UID, organizer=ORGANIZER, start=start, dtstamp=stamp)
    message = calendar_mail(relay, f"snack@{DOMAIN}", ics, "REQUEST")
    assert _send(recorded, message, sender=relay) == [Outcome(KEY, "created")]


def test_mail_without_a_calendar_is_answered_with_why(recorded: Services, mailer: RecordingMailer) -> None:
    message = EmailMessage()
    message["From"] = ORGANIZER
    message["To"] = f"snack@{DOMAIN}"
    message["Subject"] = "Lunch?"
    message.set_content("no calendar here")
    assert _send(recorded, message) == []
    [answer] = mailer.to(ORGANIZER)
    assert "no calendar invitation" in text_of(answer)


def test_a_reply_sent_to_the_snack_address_is_refused(
    recorded: Services, mailer: RecordingMailer, start: datetime, stamp: datetime
) -> None:
    ics = calendar_text(
        "REPLY", UID, organizer=ORGANIZER, start=start, dtstamp=stamp, attendees=((ORGANIZER, "ACCEPTED"),)
    )
    assert _send(recorded, calendar_mail(ORGANIZER, f"snack@{DOMAIN}", ics, "REPLY")) == []
    [answer] = mailer.to(ORGANIZER)
    assert f"snack@{DOMAIN} takes invitations; this mail is a REPLY" in text_of(answer)
    assert recorded.store.get_event(KEY) is None


def test_every_event_of_a_mail_is_handled(recorded: Services, start: datetime, stamp: datetime) -> None:
    one = calendar_text("REQUEST", "a@google.com", organizer=ORGANIZER, start=start, dtstamp=stamp)
    two = calendar_text("REQUEST", "b@google.com", organizer=ORGANIZER, start=start, dtstamp=stamp)
    both = one.replace(
        "END:VCALENDAR",
        two[two.index("BEGIN:VEVENT") :].replace("\r\nEND:VCALENDAR\r\n", "\r\n") + "END:VCALENDAR",
    )
    outcomes = _send(recorded, calendar_mail(ORGANIZER, f"snack@{DOMAIN}", both, "REQUEST"))
    assert sorted(outcomes, key=lambda o: o.event_key) == sorted(
        [
            Outcome(event_key(ORGANIZER, "a@google.com"), "created"),
            Outcome(event_key(ORGANIZER, "b@google.com"), "created"),
        ],
        key=lambda o: o.event_key,
    )


def test_a_changed_description_at_the_same_sequence_is_a_quiet_revision(
    recorded: Services, queue: RecordingQueue, start: datetime, stamp: datetime
) -> None:
    _send(recorded, _invitation(start, stamp))
    ics = calendar_text(
        "REQUEST", UID, organizer=ORGANIZER, start=start, dtstamp=stamp + timedelta(minutes=5)
    )
    noted = calendar_mail(
        ORGANIZER,
        f"snack@{DOMAIN}",
        ics.replace("SEQUENCE:0", "DESCRIPTION:Bring snacks\r\nSEQUENCE:0"),
        "REQUEST",
    )
    assert _send(recorded, noted) == [Outcome(KEY, "updated")]
    event = recorded.store.get_event(KEY)
    assert event is not None and event.description == "Bring snacks"
    # A revision of its own for the sends, but not one attendees' clients must answer again.
    assert (event.sequence, event.quiet_revisions, event.quiet_revision, event.itip_sequence) == (1, 1, 1, 0)
    assert _fan_outs(queue) == [FanOut(KEY, 1, Method.REQUEST)]


def _series(start: datetime, stamp: datetime) -> str:
    ics = calendar_text("REQUEST", UID, organizer=ORGANIZER, start=start, dtstamp=stamp)
    return ics.replace("SEQUENCE:0", "RRULE:FREQ=WEEKLY;COUNT=5\r\nSEQUENCE:0")


def _occurrence(start: datetime, stamp: datetime, method: str) -> EmailMessage:
    second = start + timedelta(weeks=1)
    ics = calendar_text(
        method, UID, organizer=ORGANIZER, start=second + timedelta(hours=3), dtstamp=stamp, sequence=1
    )
    ics = ics.replace("SEQUENCE:1", f"RECURRENCE-ID:{second:%Y%m%dT%H%M%SZ}\r\nSEQUENCE:1")
    return calendar_mail(ORGANIZER, f"snack@{DOMAIN}", ics, method)


@pytest.mark.parametrize(
    ("method", "action"), [("REQUEST", "occurrence-updated"), ("CANCEL", "occurrence-cancelled")]
)
def test_one_occurrence_changed_goes_out_folded_into_the_series(
    recorded: Services, queue: RecordingQueue, start: datetime, stamp: datetime, method: str, action: str
) -> None:
    _send(recorded, calendar_mail(ORGANIZER, f"snack@{DOMAIN}", _series(start, stamp), "REQUEST"))
    assert _send(recorded, _occurrence(start, stamp + timedelta(minutes=5), method)) == [Outcome(KEY, action)]
    event = recorded.store.get_event(KEY)
    assert event is not None and not event.cancelled  # the series goes on
    assert "RRULE:FREQ=WEEKLY;COUNT=5" in event.calendar
    assert (event.sequence, event.occurrence_revision, event.occurrence_cancelled) == (
        1,
        1,
        method == "CANCEL",
    )
    assert event.changed_occurrence == (start + timedelta(weeks=1)).astimezone(UTC).date().isoformat()
    assert _fan_outs(queue) == [FanOut(KEY, 1, Method.REQUEST)]
