"""Mailer: the message goes out byte for byte to exactly its envelope recipients."""

from __future__ import annotations

from calsnack.ports import OutgoingMail

from tests.contract.adapter_sets import MAIL_DOMAIN, Sent

RAW = (
    f"From: Calendar Snack <no-reply@{MAIL_DOMAIN}>\r\n"
    "To: ann@attendee.example\r\n"
    "Subject: Invitation: Quarterly snack\r\n"
    "Message-ID: <m1@snack.example>\r\n"
    "MIME-Version: 1.0\r\n"
    "Content-Type: text/plain; charset=utf-8\r\n"
    "\r\n"
    "See you there.\r\n"
).encode()


def test_send_delivers_the_raw_message(adapters):
    message_id = adapters.mailer.send(OutgoingMail(RAW, f"no-reply@{MAIL_DOMAIN}", ("ann@attendee.example",)))
    assert isinstance(message_id, str)
    assert message_id
    assert adapters.sent() == [Sent(RAW, frozenset({"ann@attendee.example"}))]


def test_every_message_gets_its_own_id(adapters):
    mail = OutgoingMail(RAW, f"no-reply@{MAIL_DOMAIN}", ("ann@attendee.example",))
    assert adapters.mailer.send(mail) != adapters.mailer.send(mail)
    assert len(adapters.sent()) == 2
