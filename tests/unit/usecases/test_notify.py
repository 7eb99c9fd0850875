"""explain_refusal: a reason goes back only to a proven human sender outside the service's domain."""

from __future__ import annotations

from email.message import EmailMessage

import pytest
from calsnack.ports import Services
from calsnack.usecases.notify import explain_refusal

from tests.harness import RecordingMailer, text_of
from tests.unit.usecases.conftest import DOMAIN, inbound

ORGANIZER = "olga@example.test"


def _mail(sender: str = ORGANIZER, subject: str = "Lunch?", **headers: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = f"snack@{DOMAIN}"
    if subject:
        message["Subject"] = subject
    message["Message-ID"] = "<lunch-1@example.test>"
    for name, value in headers.items():
        message[name] = value
    message.set_content("hello")
    return message


def test_the_sender_hears_the_reason_in_reply_to_their_mail(
    recorded: Services, mailer: RecordingMailer
) -> None:
    mail = inbound(recorded, _mail(), sender=ORGANIZER)
    assert explain_refusal(recorded, mail, "the event is over")
    [answer] = mailer.to(ORGANIZER)
    assert str(answer["Subject"]) == "Re: Lunch?"
    assert answer["In-Reply-To"] == "<lunch-1@example.test>"
    body = text_of(answer)
    assert '"Lunch?"' in body and "the event is over" in body and f"snack@{DOMAIN}" in body


def test_a_mail_without_subject_is_named_anyway(recorded: Services, mailer: RecordingMailer) -> None:
    assert explain_refusal(recorded, inbound(recorded, _mail(subject=""), sender=ORGANIZER), "why")
    [answer] = mailer.to(ORGANIZER)
    assert str(answer["Subject"]) == "Re: your mail"


def test_an_unproven_sender_is_not_answered(recorded: Services, mailer: RecordingMailer) -> None:
    mail = inbound(recorded, _mail(), sender=ORGANIZER, verdict="fail")
    assert not explain_refusal(recorded, mail, "why")
    assert mailer.sent == []


def test_automatic_mail_is_not_answered(recorded: Services, mailer: RecordingMailer) -> None:
    mail = inbound(recorded, _mail(**{"List-Id": "<team.example.test>"}), sender=ORGANIZER)
    assert not explain_refusal(recorded, mail, "why")
    assert mailer.sent == []


@pytest.mark.parametrize("sender", [f"snack@{DOMAIN}", f"x@mail.{DOMAIN}"])
def test_the_services_own_domain_is_not_answered(
    recorded: Services, mailer: RecordingMailer, sender: str
) -> None:
    assert not explain_refusal(recorded, inbound(recorded, _mail(sender), sender=sender), "why")
    assert mailer.sent == []
