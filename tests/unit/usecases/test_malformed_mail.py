"""Malformed mail from an authenticated sender gets an answer, never a silent dead letter (issue 17.8)."""

from __future__ import annotations

import uuid

import pytest
from calsnack.mail.inbound import MAX_MIME_DEPTH
from calsnack.ports import Services
from calsnack.usecases import receive_mail as receive_module

from tests.harness import deliver
from tests.mailfactory import DOMAIN, calendar_mail, calendar_text, invitation
from tests.unit.usecases.conftest import Outbox

ORGANIZER = "olga@example.test"


def _body(answer) -> str:
    return answer.get_body(("plain",)).get_content()


def test_a_summary_with_a_line_break_still_gets_its_snack(services: Services, outbox: Outbox) -> None:
    ics = calendar_text(
        "REQUEST", f"{uuid.uuid4()}@google.com", organizer=ORGANIZER, summary="Line one\\nLine two"
    )
    mail = calendar_mail(ORGANIZER, f"snack@{DOMAIN}", ics, "REQUEST")
    assert deliver(services, "snack", mail, sender=ORGANIZER) == "invitation"
    [snack] = outbox.to(ORGANIZER)
    assert str(snack["Subject"]) == "Your calsnack: Line one Line two"


def test_encoded_line_breaks_in_a_refused_subject_stay_on_one_line(
    services: Services, outbox: Outbox
) -> None:
    raw = (
        f"From: {ORGANIZER}\r\nTo: snack@{DOMAIN}\r\nMessage-ID: <{uuid.uuid4().hex}@example.test>\r\n"
        "Subject: =?utf-8?q?Hello=0D=0ABcc=3A_victim=40example.test?=\r\n\r\nno calendar\r\n"
    ).encode()
    assert deliver(services, "snack", raw, sender=ORGANIZER) == "invitation"
    [answer] = outbox.to(ORGANIZER)
    assert str(answer["Subject"]) == "Re: Hello Bcc: victim@example.test"
    assert answer["Bcc"] is None
    assert "no calendar invitation" in _body(answer)


def _nested(depth: int, sender: str = ORGANIZER) -> bytes:
    head = f"From: {sender}\r\nTo: snack@{DOMAIN}\r\nSubject: deep\r\nMessage-ID: <{uuid.uuid4().hex}@x.test>\r\n"
    opening = "".join(
        f'Content-Type: multipart/mixed; boundary="b{i}"\r\n\r\n--b{i}\r\n' for i in range(depth)
    )
    closing = "".join(f"\r\n--b{i}--\r\n" for i in reversed(range(depth)))
    return (
        head + "MIME-Version: 1.0\r\n" + opening + "Content-Type: text/plain\r\n\r\nhi" + closing
    ).encode()


@pytest.mark.parametrize("route", ["snack", "batch", "rsvp"])
def test_mime_nested_3000_deep_is_answered_with_the_reason(
    services: Services, outbox: Outbox, route: str
) -> None:
    assert deliver(services, route, _nested(3_000), sender=ORGANIZER) == "malformed"
    [answer] = outbox.to(ORGANIZER)
    assert f"nested more than {MAX_MIME_DEPTH} deep" in _body(answer)


def test_deep_mime_from_a_stranger_is_dropped_quietly(services: Services, outbox: Outbox) -> None:
    assert deliver(services, "snack", _nested(3_000), sender=ORGANIZER, verdict="fail") == "malformed"
    assert outbox.messages() == []


def test_nesting_up_to_the_cap_is_read(services: Services, outbox: Outbox) -> None:
    assert deliver(services, "snack", _nested(MAX_MIME_DEPTH - 1), sender=ORGANIZER) == "invitation"
    [answer] = outbox.to(ORGANIZER)
    assert "no calendar invitation" in _body(answer)


def test_unforeseen_bad_input_is_answered_not_dead_lettered(
    services: Services, outbox: Outbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(services: Services, mail: object) -> None:
        raise ValueError("a shape nobody foresaw")

    monkeypatch.setattr(receive_module, "handle_invitation", broken)
    message = invitation(f"{uuid.uuid4()}@google.com")
    assert deliver(services, "snack", message, sender=ORGANIZER) == "unreadable"
    [answer] = outbox.to(ORGANIZER)
    assert "malformed" in _body(answer)
    # Handled once: the same mail delivered again is not answered again.
    assert deliver(services, "snack", message, sender=ORGANIZER) == "duplicate"
    assert len(outbox.to(ORGANIZER)) == 1
