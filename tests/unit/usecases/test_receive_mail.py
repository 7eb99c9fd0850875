"""receive_mail: one stored mail routed by the mailbox it reached, each handled once; a stranger's
mail leaves no mark in the ledger."""

from __future__ import annotations

import dataclasses
import uuid
from datetime import timedelta
from email.message import EmailMessage

import pytest
from calsnack.domain.model import event_key
from calsnack.links import Links
from calsnack.ports import QueueName, Services
from calsnack.queue_messages import ApplyRows, SendDeliveries
from calsnack.usecases.receive_mail import receive_mail, route_of

from tests.harness import RecordingMailer, RecordingQueue, deliver, text_of
from tests.mailfactory import batch_mail, invitation, reply
from tests.unit.usecases.conftest import DOMAIN, Clock, seed

ORGANIZER = "olga@example.test"
HEADER = "command,event_id,organizer,date,start_time,end_time,timezone,subject,attendees"


def _plain(to: str, sender: str = ORGANIZER, **headers: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = "Hello"
    message["Message-ID"] = f"<{uuid.uuid4().hex}@example.test>"
    for name, value in headers.items():
        message[name] = value
    message.set_content("a.one@client.test\nb.two@client.test\n")
    return message


@pytest.mark.parametrize(
    ("key", "route"),
    [
        ("mail/snack/abc", "snack"),
        ("mail/batch/abc", "batch"),
        ("mail/other/abc", "other"),
        ("inbox/abc", "other"),
        ("mail/abc", "other"),
    ],
)
def test_the_route_is_the_second_part_of_the_key(key: str, route: str) -> None:
    assert route_of(key) == route


def test_the_receipt_rules_setup_object_is_not_mail(recorded: Services) -> None:
    assert receive_mail(recorded, "mail/snack/AMAZON_SES_SETUP_NOTIFICATION") == "setup-notification"


def test_an_invitation_to_snack_is_handled_once(
    recorded: Services, mailer: RecordingMailer, clock: Clock
) -> None:
    uid = f"{uuid.uuid4().hex}@google.com"
    message = invitation(uid, ORGANIZER, start=(clock.now + timedelta(days=3)).replace(minute=0))
    assert deliver(recorded, "snack", message, sender=ORGANIZER) == "invitation"
    assert recorded.store.get_event(event_key(ORGANIZER, uid)) is not None
    assert deliver(recorded, "snack", message, sender=ORGANIZER) == "duplicate"
    assert len(mailer.to(ORGANIZER)) == 1


def test_an_unproven_invitation_is_dropped_and_leaves_no_mark(recorded: Services, clock: Clock) -> None:
    uid = f"{uuid.uuid4().hex}@google.com"
    message = invitation(uid, ORGANIZER, start=(clock.now + timedelta(days=3)).replace(minute=0))
    for _ in range(2):  # each time read as what it is: nothing marked it handled
        assert deliver(recorded, "snack", message, sender=ORGANIZER, verdict="fail") == "unauthenticated"
    assert recorded.store.get_event(event_key(ORGANIZER, uid)) is None
    # The real mail with the same Message-ID is no duplicate of the forged one.
    assert deliver(recorded, "snack", message, sender=ORGANIZER) == "invitation"


def test_another_senders_mail_with_the_same_message_id_is_no_duplicate(
    recorded: Services, clock: Clock
) -> None:
    uid = f"{uuid.uuid4().hex}@google.com"
    message = invitation(uid, ORGANIZER, start=(clock.now + timedelta(days=3)).replace(minute=0))
    forged = _plain(f"snack@{DOMAIN}", sender="mallory@elsewhere.test")
    del forged["Message-ID"]
    forged["Message-ID"] = message["Message-ID"]
    assert deliver(recorded, "snack", forged, sender="mallory@elsewhere.test") == "invitation"
    assert deliver(recorded, "snack", message, sender=ORGANIZER) == "invitation"


def test_a_batch_is_split_into_command_messages(recorded: Services, queue: RecordingQueue) -> None:
    csv = f"{HEADER}\nINVITE,webinar,,,,,,,a@client.test\n"
    assert deliver(recorded, "batch", batch_mail(ORGANIZER, csv), sender=ORGANIZER) == "batch"
    [chunk] = queue.decoded(QueueName.COMMANDS)
    assert (
        isinstance(chunk, ApplyRows)
        and chunk.sender == ORGANIZER
        and [r.event_id for r in chunk.rows] == ["webinar"]
    )


def test_an_unproven_batch_is_dropped(
    recorded: Services, queue: RecordingQueue, mailer: RecordingMailer
) -> None:
    csv = f"{HEADER}\nINVITE,webinar,,,,,,,a@client.test\n"
    assert (
        deliver(recorded, "batch", batch_mail(ORGANIZER, csv), sender=ORGANIZER, verdict="fail")
        == "unauthenticated"
    )
    assert queue.messages[QueueName.COMMANDS] == [] and mailer.sent == []


def test_a_batch_from_a_domain_not_allowed_is_refused(
    recorded: Services, queue: RecordingQueue, mailer: RecordingMailer
) -> None:
    limited = dataclasses.replace(
        recorded, settings=dataclasses.replace(recorded.settings, batch_domains=frozenset({"corp.example"}))
    )
    csv = f"{HEADER}\nINVITE,webinar,,,,,,,a@client.test\n"
    assert deliver(limited, "batch", batch_mail(ORGANIZER, csv), sender=ORGANIZER) == "domain-not-allowed"
    assert queue.messages[QueueName.COMMANDS] == []
    [answer] = mailer.to(ORGANIZER)
    assert "example.test may not send batches" in text_of(answer)


def test_a_batch_mail_without_csv_is_answered(recorded: Services, mailer: RecordingMailer) -> None:
    assert deliver(recorded, "batch", _plain(f"batch@{DOMAIN}"), sender=ORGANIZER) == "no-csv"
    [answer] = mailer.to(ORGANIZER)
    assert "no CSV file attached" in text_of(answer)


def test_a_csv_with_an_unusable_header_is_refused(
    recorded: Services, queue: RecordingQueue, mailer: RecordingMailer
) -> None:
    assert (
        deliver(recorded, "batch", batch_mail(ORGANIZER, "what,ever\n1,2\n"), sender=ORGANIZER) == "refused"
    )
    assert queue.messages[QueueName.COMMANDS] == []
    assert len(mailer.to(ORGANIZER)) == 1


def test_mail_to_dashboard_gets_fresh_links(recorded: Services, mailer: RecordingMailer) -> None:
    assert deliver(recorded, "other", _plain(f"dashboard@{DOMAIN}"), sender=ORGANIZER) == "dashboard-sent"
    [answer] = mailer.to(ORGANIZER)
    assert str(answer["Subject"]) == "Your calsnack dashboard link"


def test_automatic_mail_to_dashboard_is_not_answered(recorded: Services, mailer: RecordingMailer) -> None:
    message = _plain(f"dashboard@{DOMAIN}", **{"Auto-Submitted": "auto-replied"})
    assert deliver(recorded, "other", message, sender=ORGANIZER) == "automatic"
    assert mailer.sent == []


def test_mail_to_an_events_vip_address_invites_the_list(recorded: Services, queue: RecordingQueue) -> None:
    event = seed(recorded, ORGANIZER, "webinar")
    s = recorded.settings
    vip = Links(s.link_key, s.base_url, s.domain).vip_address(event.key)
    assert deliver(recorded, "other", _plain(vip), sender=ORGANIZER) == "vip"
    [send] = queue.decoded(QueueName.SENDS)
    assert isinstance(send, SendDeliveries)
    assert [d.email for d in send.deliveries] == ["a.one@client.test", "b.two@client.test"]


def test_a_forged_vip_address_is_read_as_a_reply(recorded: Services, queue: RecordingQueue) -> None:
    event = seed(recorded, ORGANIZER, "webinar")
    s = recorded.settings
    vip = Links(b"another key" * 3, s.base_url, s.domain).vip_address(event.key)
    assert deliver(recorded, "other", _plain(vip), sender=ORGANIZER) == "reply"
    assert queue.messages[QueueName.SENDS] == []


def test_mail_to_rsvp_is_a_reply(recorded: Services) -> None:
    uid = f"{'a' * 56}@{DOMAIN}"
    assert (
        deliver(recorded, "rsvp", reply(uid, "yann@example.test", "ACCEPTED"), sender="yann@example.test")
        == "reply"
    )


def test_an_unproven_mail_to_another_address_is_dropped(recorded: Services, mailer: RecordingMailer) -> None:
    assert (
        deliver(recorded, "other", _plain(f"dashboard@{DOMAIN}"), sender=ORGANIZER, verdict="fail")
        == "unauthenticated"
    )
    assert mailer.sent == []
