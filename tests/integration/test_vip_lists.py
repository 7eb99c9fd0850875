"""A VIP list mailed to an event's VIP address, through the Lambda handlers on both adapter sets (issue 14).

The organizer's answer names every line that was not used and why; what a mail client adds
(blank lines, the quoted mail being replied to, the signature) is no part of the list.
"""

from __future__ import annotations

import uuid
from email.message import EmailMessage
from email.utils import make_msgid

from calsnack.domain.model import event_key
from calsnack.links import Links

from tests.integration.conftest import World
from tests.mailfactory import invitation

ORGANIZER = "olga@example.test"

# The signature separator is "-- " (RFC 3676 §4.3); written as an escape to keep its space.
LIST = """\
vera@guests.example

Victor Hugo <victor@guests.example>, Bob Smith
call me about the list
vic..tor@guests.example

On Tue, 8 Dec 2026, Quentin <quentin@quoted.example> wrote:
> quinn@quoted.example
> please invite me too

--\x20
Olga Organizer
sig@signature.example
"""


def _event(world: World) -> str:
    uid = f"{uuid.uuid4()}@google.com"
    world.deliver("snack", invitation(uid, ORGANIZER, domain=world.domain), sender=ORGANIZER)
    world.pump()
    return event_key(ORGANIZER, uid)


def _send_list(world: World, key: str, text: str) -> EmailMessage:
    s = world.services.settings
    mail = EmailMessage()
    mail["From"], mail["Subject"] = ORGANIZER, "Re: VIPs"
    mail["To"] = Links(s.link_key, s.base_url, s.domain).vip_address(key)
    mail["Message-ID"] = make_msgid(domain="example.test")
    mail.set_content(text)
    world.deliver("other", mail, sender=ORGANIZER)
    world.pump()
    return mail


def _answer(world: World, mail: EmailMessage) -> str:
    [answer] = [m for m in world.mails_to(ORGANIZER) if m["In-Reply-To"] == mail["Message-ID"]]
    return str(answer.get_body(("plain",)).get_content())


def test_the_answer_lists_each_refused_line_and_why(world: World) -> None:
    key = _event(world)
    text = _answer(world, _send_list(world, key, LIST))

    assert "to 2 addresses" in text
    assert "  vera@guests.example\n  victor@guests.example\n" in text
    assert "2 lines were not used:" in text
    assert '  line 4: "call me about the list": no e-mail address in it' in text
    assert (
        '  line 5: "vic..tor@guests.example": "vic..tor@guests.example": the part before the @ is not a mailbox name'
        in text
    )
    # The blank lines, the quoted mail with its author, and the signature are neither used nor listed.
    for ignored in (
        "line 2",
        "line 7",
        "quoted.example",
        "please invite",
        "Olga Organizer",
        "signature.example",
    ):
        assert ignored not in text
    invited = {r for r, _ in world.outbox()} - {frozenset({ORGANIZER})}
    assert invited == {frozenset({"vera@guests.example"}), frozenset({"victor@guests.example"})}


def test_a_list_with_no_address_is_refused_naming_its_lines(world: World) -> None:
    key = _event(world)
    text = _answer(world, _send_list(world, key, "Vera\nvic..tor@guests.example\n\n-- \nOlga\n"))

    assert "no e-mail addresses were found" in text
    assert '  line 1: "Vera": no e-mail address in it' in text
    assert '  line 2: "vic..tor@guests.example"' in text
    assert "Olga" not in text.split("not used:")[1]
    assert world.mails_to("vera@guests.example") == []
