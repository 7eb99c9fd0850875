"""send_deliveries: each attendee gets the current revision at most once; what the provider refuses
fails alone, what it throttles (or the clock cuts short) goes back on the queue."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

import pytest
from calsnack.domain.model import Answer, BatchStatus, Channel, Delivery, Event, EventStatus, Method, PartStat
from calsnack.ports import OutgoingMail, QueueName, Rejected, SendingStopped, Services, Throttled
from calsnack.queue_messages import SendDeliveries
from calsnack.usecases.send_deliveries import START_MINIMUM, THROTTLE_RETRIES, Sender

from tests.contract.builders import T0
from tests.harness import RecordingMailer, RecordingQueue, read_mail
from tests.unit.usecases.conftest import seed

ORGANIZER = "olga@corp.example"


@pytest.fixture
def sending(recorded: Services) -> Services:
    """No real waiting: backoff sleeps are only counted."""
    return dataclasses.replace(recorded, sleep=lambda seconds: None)


def _work(*deliveries: Delivery, chunk: str = "c1", batch_id: str = "") -> SendDeliveries:
    return SendDeliveries(chunk=chunk, deliveries=deliveries, batch_id=batch_id)


def _request(event: Event, email: str, *, resend: bool = False) -> Delivery:
    return Delivery(event.key, email, event.sequence, Method.REQUEST, resend)


def _invited(services: Services, event: Event, email: str) -> int | None:
    attendee = services.store.get_attendees(event.key, [email]).get(email)
    return attendee.invited_sequence if attendee else None


def test_a_due_invitation_goes_out_once(sending: Services, mailer: RecordingMailer) -> None:
    event = seed(sending, ORGANIZER, "webinar")
    sender = Sender.create(sending)
    work = _work(_request(event, "a@client.test"), _request(event, "b@client.test"))
    assert sender.send(work) == (2, 0)
    assert sorted(mailer.attempts) == ["a@client.test", "b@client.test"]
    assert _invited(sending, event, "a@client.test") == event.sequence
    method = read_mail(mailer.sent[0]).get_body(("calendar",))
    assert method is not None and method.get_param("method") == "REQUEST"
    # Re-delivered (SQS delivers at least once): satisfied, nobody mailed again.
    assert sender.send(work) == (2, 0)
    assert len(mailer.sent) == 2


def test_a_queued_older_revision_is_satisfied_by_the_newest(
    sending: Services, mailer: RecordingMailer
) -> None:
    event = seed(sending, ORGANIZER, "webinar", sequence=3)
    sender = Sender.create(sending)
    sender.send(_work(Delivery(event.key, "a@client.test", 1, Method.REQUEST)))
    assert _invited(sending, event, "a@client.test") == 3
    sender.send(_work(_request(event, "a@client.test"), chunk="c2"))
    assert mailer.attempts == ["a@client.test"]


def test_a_new_revision_goes_to_who_had_the_old_one(sending: Services, mailer: RecordingMailer) -> None:
    event = seed(sending, ORGANIZER, "webinar")
    sending.store.record_sent([Delivery(event.key, "a@client.test", event.sequence - 1, Method.REQUEST)], T0)
    assert Sender.create(sending).send(_work(_request(event, "a@client.test"))) == (1, 0)
    assert mailer.attempts == ["a@client.test"]


def test_a_resend_goes_out_again(sending: Services, mailer: RecordingMailer) -> None:
    event = seed(sending, ORGANIZER, "webinar")
    sender = Sender.create(sending)
    sender.send(_work(_request(event, "a@client.test")))
    sender.send(_work(_request(event, "a@client.test", resend=True), chunk="refresh"))
    assert mailer.attempts == ["a@client.test", "a@client.test"]


def test_a_cancellation_goes_once_and_only_for_a_cancelled_event(
    sending: Services, mailer: RecordingMailer
) -> None:
    live = seed(sending, ORGANIZER, "live")
    gone = seed(sending, ORGANIZER, "gone", status=EventStatus.CANCELLED)
    sender = Sender.create(sending)
    cancels = _work(
        Delivery(live.key, "a@client.test", live.sequence, Method.CANCEL),
        Delivery(gone.key, "a@client.test", gone.sequence, Method.CANCEL),
        _request(gone, "b@client.test"),  # no invitation to a cancelled event
    )
    assert sender.send(cancels) == (3, 0)
    [mail] = mailer.sent
    calendar = read_mail(mail).get_body(("calendar",))
    assert calendar is not None and calendar.get_param("method") == "CANCEL"
    assert sender.send(cancels) == (3, 0)
    assert len(mailer.sent) == 1


def test_an_unknown_event_is_nothing_to_send(sending: Services, mailer: RecordingMailer) -> None:
    assert Sender.create(sending).send(_work(Delivery("f" * 56, "a@client.test", 1, Method.REQUEST))) == (
        1,
        0,
    )
    assert mailer.attempts == []


def test_suppressed_addresses_are_not_mailed(sending: Services, mailer: RecordingMailer) -> None:
    event = seed(sending, ORGANIZER, "webinar")
    sending.store.suppress("gone@client.test", "*", "bounce", T0)
    sending.store.suppress("left@client.test", "corp.example", "unsubscribe", T0)
    work = _work(*(_request(event, e) for e in ("gone@client.test", "left@client.test", "ok@client.test")))
    assert Sender.create(sending).send(work) == (1, 2)
    assert mailer.attempts == ["ok@client.test"]


def test_a_rejected_recipient_fails_alone(sending: Services, mailer: RecordingMailer) -> None:
    event = seed(sending, ORGANIZER, "webinar")
    mailer.failures["bad@client.test"] = Rejected("no such mailbox")
    work = _work(_request(event, "bad@client.test"), _request(event, "ok@client.test"))
    assert Sender.create(sending).send(work) == (1, 1)
    assert [m.recipients for m in mailer.sent] == [("ok@client.test",)]
    assert _invited(sending, event, "bad@client.test") is None


def test_brief_throttling_is_waited_out_in_place(
    sending: Services, mailer: RecordingMailer, queue: RecordingQueue
) -> None:
    event = seed(sending, ORGANIZER, "webinar")
    mailer.failures["a@client.test"] = [Throttled("slow down")] * THROTTLE_RETRIES
    assert Sender.create(sending).send(_work(_request(event, "a@client.test"))) == (1, 0)
    assert len(mailer.sent) == 1 and queue.messages[QueueName.SENDS] == []


def test_lasting_throttling_puts_the_rest_back_and_keeps_what_went_out(
    sending: Services, mailer: RecordingMailer, queue: RecordingQueue
) -> None:
    event = seed(sending, ORGANIZER, "webinar")
    mailer.failures["b@client.test"] = [Throttled("slow down")] * (THROTTLE_RETRIES + 1)
    emails = ["a@client.test", "b@client.test", "c@client.test"]
    assert Sender.create(sending).send(_work(*(_request(event, e) for e in emails))) == (1, 0)
    assert _invited(sending, event, "a@client.test") == event.sequence
    [rest] = queue.decoded(QueueName.SENDS)
    assert isinstance(rest, SendDeliveries)
    assert [d.email for d in rest.deliveries] == emails[1:] and rest.chunk == "c1+1/0"


def test_too_little_time_left_sends_nothing_and_queues_it_all(
    sending: Services, mailer: RecordingMailer, queue: RecordingQueue
) -> None:
    event = seed(sending, ORGANIZER, "webinar")
    work = _work(_request(event, "a@client.test"), batch_id="b1")
    assert Sender.create(sending).send(work, remaining=lambda: START_MINIMUM - 1) == (0, 0)
    assert mailer.attempts == []
    [rest] = queue.decoded(QueueName.SENDS)
    assert isinstance(rest, SendDeliveries) and rest.deliveries == work.deliveries and rest.batch_id == "b1"


def test_a_batchs_sends_are_credited_once(sending: Services, mailer: RecordingMailer) -> None:
    sending.store.create_batch(BatchStatus(batch_id="b1", sender="ops@corp.example", domain="corp.example"))
    event = seed(sending, ORGANIZER, "webinar")
    mailer.failures["bad@client.test"] = Rejected("no such mailbox")
    work = _work(_request(event, "bad@client.test"), _request(event, "ok@client.test"), batch_id="b1")
    sender = Sender.create(sending)
    sender.send(work)
    sender.send(work)
    status = sending.store.get_batch("b1")
    assert status is not None and (status.invitations_sent, status.invitations_failed) == (1, 1)


def test_stopped_sending_keeps_the_work_and_what_went_out(
    sending: Services, mailer: RecordingMailer, queue: RecordingQueue
) -> None:
    event = seed(sending, ORGANIZER, "webinar")
    mailer.failures["b@client.test"] = [SendingStopped("daily quota used up")]
    work = _work(*(_request(event, e) for e in ("a@client.test", "b@client.test", "c@client.test")))
    sender = Sender.create(sending)
    with pytest.raises(SendingStopped):
        sender.send(work)
    assert _invited(sending, event, "a@client.test") == event.sequence
    assert queue.messages[QueueName.SENDS] == []  # the message itself stays queued and comes back
    # It comes back once the account sends again: only the rest goes out.
    assert sender.send(work) == (3, 0)
    assert mailer.attempts == ["a@client.test", "b@client.test", "b@client.test", "c@client.test"]


def _partstat_sent(mail: OutgoingMail) -> str:
    calendar = read_mail(mail).get_body(("calendar",))
    assert calendar is not None
    text = str(calendar.get_content())
    return text.split("PARTSTAT=", 1)[1].split(";", 1)[0].split(":", 1)[0]


def test_a_quiet_revision_keeps_the_answer_given_since_the_last_real_change(
    sending: Services, mailer: RecordingMailer
) -> None:
    raised = T0 - timedelta(days=1)
    event = seed(
        sending,
        ORGANIZER,
        "webinar",
        sequence=3,
        quiet_revisions=1,
        quiet_revision=3,
        sequence_raised_at=raised,
    )
    for email, at in (
        ("kept@client.test", raised + timedelta(hours=1)),
        ("stale@client.test", raised - timedelta(hours=1)),
    ):
        answer = Answer(event.organizer, event.event_id, email, PartStat.ACCEPTED, at, Channel.BUTTON)
        sending.store.record_answer(event.key, answer)
        sending.store.record_sent([Delivery(event.key, email, 2, Method.REQUEST)], at)
    Sender.create(sending).send(
        _work(_request(event, "kept@client.test"), _request(event, "stale@client.test"))
    )
    by_recipient = {m.recipients[0]: _partstat_sent(m) for m in mailer.sent}
    assert by_recipient == {"kept@client.test": "ACCEPTED", "stale@client.test": "NEEDS-ACTION"}
