"""No refusal goes to list mail, to mail asking for no automatic answer, or to the service's own addresses (issue 17.9)."""

from __future__ import annotations

from email.message import EmailMessage

import pytest
from calsnack.ports import Services

from tests.harness import deliver
from tests.unit.usecases.conftest import DOMAIN, Outbox

ORGANIZER = "olga@example.test"


def _no_calendar(sender: str = ORGANIZER, **headers: str) -> EmailMessage:
    """A mail to snack@ with no invitation: the service would answer it with a refusal."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = f"snack@{DOMAIN}"
    message["Subject"] = "Lunch?"
    message["Message-ID"] = f"<{abs(hash((sender, tuple(headers.items()))))}@example.test>"
    for name, value in headers.items():
        message[name.replace("_", "-")] = value
    message.set_content("no calendar here")
    return message


def test_a_plain_mail_is_answered(services: Services, outbox: Outbox) -> None:
    deliver(services, "snack", _no_calendar(), sender=ORGANIZER)
    assert len(outbox.to(ORGANIZER)) == 1


@pytest.mark.parametrize(
    "headers",
    [
        {"List_Id": "<team.lists.example.test>"},
        {"List_Unsubscribe": "<mailto:leave@lists.example.test>"},
        {"X_Auto_Response_Suppress": "All"},
        {"X_Auto_Response_Suppress": "OOF"},
        {"X_Auto_Response_Suppress": "DR, AutoReply"},
    ],
)
def test_list_and_suppressed_mail_gets_no_refusal(
    services: Services, outbox: Outbox, headers: dict[str, str]
) -> None:
    deliver(services, "snack", _no_calendar(**headers), sender=ORGANIZER)
    assert outbox.messages() == []


def test_suppressing_only_receipts_still_gets_the_reason(services: Services, outbox: Outbox) -> None:
    deliver(services, "snack", _no_calendar(X_Auto_Response_Suppress="DR, RN, NRN"), sender=ORGANIZER)
    assert len(outbox.to(ORGANIZER)) == 1


@pytest.mark.parametrize(
    "sender",
    [f"snack@{DOMAIN}", f"batch@{DOMAIN}", f"noreply@{DOMAIN}", f"vip-abc@{DOMAIN}", f"x@mail.{DOMAIN}"],
)
@pytest.mark.parametrize("route", ["snack", "batch", "rsvp"])
def test_mail_claiming_the_services_own_addresses_is_never_answered(
    services: Services, outbox: Outbox, sender: str, route: str
) -> None:
    assert deliver(services, route, _no_calendar(sender), sender=sender) == "own-address"
    assert outbox.messages() == []
