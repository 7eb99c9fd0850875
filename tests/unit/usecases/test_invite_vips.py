"""invite_vips: a VIP list from the organizer becomes one personal invitation per address found."""

from __future__ import annotations

from email.message import EmailMessage

import pytest
from calsnack.domain.model import Delivery, Event, EventStatus, Method
from calsnack.ports import QueueName, Services
from calsnack.queue_messages import SendDeliveries
from calsnack.usecases import invite_vips as vips_module
from calsnack.usecases.invite_vips import (
    RefusedLine,
    VipListRefused,
    addresses_in,
    invite_addresses,
    invite_vips,
    read_vip_list,
    refused_lines_text,
    rows_without_address,
    vip_text,
)

from tests.harness import RecordingMailer, RecordingQueue, text_of
from tests.unit.usecases.conftest import DOMAIN, inbound, seed

ORGANIZER = "olga@corp.example"


def _list_mail(body: str, *, sender: str = ORGANIZER, attachment: str | None = None) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = f"vip-x@{DOMAIN}"
    message["Subject"] = "VIPs"
    message["Message-ID"] = "<vips-1@corp.example>"
    message.set_content(body)
    if attachment is not None:
        message.add_attachment(attachment.encode(), maintype="text", subtype="csv", filename="vips.csv")
    return message


def _queued(queue: RecordingQueue) -> list[Delivery]:
    return [d for m in queue.decoded(QueueName.SENDS) if isinstance(m, SendDeliveries) for d in m.deliveries]


def test_addresses_are_found_in_any_layout_once_each() -> None:
    text = (
        "name,email\n"
        '"Ann A",Ann@Client.Test\n'
        "Bob <bob@client.test>; carl@client.test.\n"
        "ann@client.test,not-an-address,x@y\n"
        "mailto:dora@client.test\n"
    )
    assert addresses_in(text) == [
        "ann@client.test",
        "bob@client.test",
        "carl@client.test",
        "dora@client.test",
    ]


def test_rows_without_an_address_are_reported_but_not_the_header() -> None:
    text = "Name,E-Mail\nAnn,ann@client.test\nBob Smith,bob at client\n\n,,\nCarl,carl@nowhere\n"
    assert rows_without_address(text) == ["Bob Smith, bob at client", "Carl, carl@nowhere"]


def test_a_first_row_holding_an_address_is_no_header() -> None:
    assert rows_without_address("mail me,ann@client.test\nmailbox,none\n") == ["mailbox, none"]


def test_the_attachment_is_the_list_when_there_is_one() -> None:
    assert vip_text(_list_mail("see attached", attachment="a@client.test\n")).strip() == "a@client.test"
    assert vip_text(_list_mail("b@client.test\n")).strip() == "b@client.test"


def test_each_address_gets_the_current_revision(services: Services, queue: RecordingQueue) -> None:
    event = seed(services, ORGANIZER, "webinar")
    assert invite_addresses(services, event, ["a@client.test", "b@client.test"], chunk="vip:1") == 2
    assert _queued(queue) == [
        Delivery(event.key, "a@client.test", event.sequence, Method.REQUEST),
        Delivery(event.key, "b@client.test", event.sequence, Method.REQUEST),
    ]


def test_a_long_list_is_cut_at_the_limit(
    services: Services, queue: RecordingQueue, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(vips_module, "MAX_ADDRESSES", 2)
    event = seed(services, ORGANIZER, "webinar")
    assert invite_addresses(services, event, ["a@x.test", "b@x.test", "c@x.test"], chunk="vip:1") == 2
    assert [d.email for d in _queued(queue)] == ["a@x.test", "b@x.test"]


@pytest.mark.parametrize(
    ("changes", "addresses", "reason"),
    [
        ({"status": EventStatus.CANCELLED}, ["a@client.test"], "is cancelled"),
        ({}, [], "no e-mail addresses"),
    ],
)
def test_a_list_that_cannot_be_used_is_refused(
    services: Services, queue: RecordingQueue, changes: dict[str, object], addresses: list[str], reason: str
) -> None:
    event = seed(services, ORGANIZER, "webinar", **changes)
    with pytest.raises(VipListRefused, match=reason):
        invite_addresses(services, event, addresses, chunk="vip:1")
    assert queue.messages[QueueName.SENDS] == []


def test_the_organizers_list_is_invited_and_confirmed(
    recorded: Services, queue: RecordingQueue, mailer: RecordingMailer
) -> None:
    event = seed(recorded, ORGANIZER, "webinar")
    mail = inbound(recorded, _list_mail("a@client.test\nb@client.test\n"), sender=ORGANIZER)
    assert invite_vips(recorded, mail, event) == 2
    assert [d.email for d in _queued(queue)] == ["a@client.test", "b@client.test"]
    [confirmation] = mailer.to(ORGANIZER)
    assert str(confirmation["Subject"]) == f"VIP list for {event.summary}: 2 invitations on their way"
    assert "  a@client.test\n  b@client.test\n" in text_of(confirmation)
    assert confirmation["In-Reply-To"] == "<vips-1@corp.example>"


def test_the_confirmation_lists_fifty_addresses_at_most(recorded: Services, mailer: RecordingMailer) -> None:
    event = seed(recorded, ORGANIZER, "webinar")
    people = [f"p{i:03d}@client.test" for i in range(60)]
    assert (
        invite_vips(recorded, inbound(recorded, _list_mail("\n".join(people)), sender=ORGANIZER), event) == 60
    )
    body = text_of(mailer.to(ORGANIZER)[0])
    assert "p049@client.test" in body and "p050@client.test" not in body and "…" in body


def test_the_same_mail_again_queues_the_same_message(recorded: Services, queue: RecordingQueue) -> None:
    event = seed(recorded, ORGANIZER, "webinar")
    mail = inbound(recorded, _list_mail("a@client.test\n"), sender=ORGANIZER)
    invite_vips(recorded, mail, event)
    invite_vips(recorded, mail, event)
    first, second = queue.messages[QueueName.SENDS]
    assert first.dedup_id == second.dedup_id


def _refused(
    recorded: Services,
    mailer: RecordingMailer,
    event: Event,
    message: EmailMessage,
    sender: str,
    verdict: str = "pass",
) -> list[str]:
    assert invite_vips(recorded, inbound(recorded, message, sender=sender, verdict=verdict), event) == 0
    return [text_of(m) for m in mailer.to(sender)]


def test_someone_else_cannot_send_the_list(
    recorded: Services, queue: RecordingQueue, mailer: RecordingMailer
) -> None:
    event = seed(recorded, ORGANIZER, "webinar")
    [answer] = _refused(
        recorded, mailer, event, _list_mail("a@client.test", sender="eve@corp.example"), "eve@corp.example"
    )
    assert "only the event's organizer can send its VIP list" in answer
    assert queue.messages[QueueName.SENDS] == []


def test_an_unproven_list_is_not_even_answered(
    recorded: Services, queue: RecordingQueue, mailer: RecordingMailer
) -> None:
    event = seed(recorded, ORGANIZER, "webinar")
    assert _refused(recorded, mailer, event, _list_mail("a@client.test"), ORGANIZER, verdict="fail") == []
    assert queue.messages[QueueName.SENDS] == []


def test_a_list_without_addresses_is_answered(recorded: Services, mailer: RecordingMailer) -> None:
    event = seed(recorded, ORGANIZER, "webinar")
    [answer] = _refused(recorded, mailer, event, _list_mail("nobody here"), ORGANIZER)
    assert "no e-mail addresses were found" in answer


def test_a_list_for_a_cancelled_event_is_answered(recorded: Services, mailer: RecordingMailer) -> None:
    event = seed(recorded, ORGANIZER, "webinar", status=EventStatus.CANCELLED)
    [answer] = _refused(recorded, mailer, event, _list_mail("a@client.test"), ORGANIZER)
    assert "is cancelled" in answer


def test_a_replys_quoted_mail_and_the_signature_are_no_part_of_the_list() -> None:
    body = (
        "ann@client.test\n"
        "On Mon, Quentin <quentin@quoted.test> wrote:\n"
        "> quinn@quoted.test\n"
        "bob@client.test\n"
        "-- \n"
        "sig@signature.test\n"
    )
    text = vip_text(_list_mail(body))
    # Lines keep their numbers, so a refused one is named where the organizer typed it.
    assert text.splitlines() == ["ann@client.test", "", "", "bob@client.test"]


def test_each_refused_line_is_named_with_its_number_and_why() -> None:
    vips = read_vip_list("ann@client.test\n\nBob Smith\ncarl@client.test, dora..x@client.test\n")
    assert vips.addresses == ["ann@client.test", "carl@client.test"]
    assert vips.refused == [
        RefusedLine(3, "Bob Smith", "no e-mail address in it", partly=False),
        RefusedLine(
            4,
            "carl@client.test, dora..x@client.test",
            '"dora..x@client.test": the part before the @ is not a mailbox name'
            " (a dot at its start or end, two dots, or an @)",
            partly=True,
        ),
    ]
    assert "2 lines were not used:" in refused_lines_text(vips.refused)


def test_the_answer_names_at_most_a_hundred_refused_lines() -> None:
    vips = read_vip_list("\n".join(f"guest {n}" for n in range(150)))
    text = refused_lines_text(vips.refused)
    assert 'line 100: "guest 99"' in text and "guest 100" not in text and "… and 50 more" in text
