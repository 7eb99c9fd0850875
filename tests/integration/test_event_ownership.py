"""Only an event's organizer changes it (issue 17.1), through the Lambda handlers on both adapter sets.

An attacker who knows a meeting's UID (every invitee does) and owns an address whose short
key digits match the organizer's (a plus-address found in a fraction of a second) must not
move, cancel or re-invite for the event; nor may a key that collides for any other reason.
"""

from __future__ import annotations

import uuid
from email.message import EmailMessage
from email.utils import make_msgid

from calsnack.domain.model import event_key
from calsnack.links import Links
from calsnack.usecases import handle_invitation
from calsnack.usecases.answer_rsvp import ButtonAnswer, answer_rsvp

from tests.integration.conftest import World
from tests.mailfactory import invitation
from tests.unit.domain.test_event_key import ATTACKER, VICTIM, old_event_key

GUEST = "gil@guests.example"


def _victims_event(world: World, uid: str, victim: str = VICTIM) -> str:
    world.deliver("snack", invitation(uid, victim, domain=world.domain), sender=victim)
    key = event_key(victim, uid)
    answer_rsvp(world.services, key, ButtonAnswer.YES, GUEST)
    world.pump()
    assert len(world.mails_to(GUEST)) == 1
    return key


def _takeover(world: World, uid: str, attacker: str) -> None:
    """The attacker's REQUEST moving the meeting, then their CANCEL, both newer than the victim's."""
    world.deliver(
        "snack",
        invitation(uid, attacker, domain=world.domain, sequence=5, summary="Moved: see https://evil.example"),
        sender=attacker,
    )
    world.deliver(
        "snack", invitation(uid, attacker, domain=world.domain, method="CANCEL", sequence=6), sender=attacker
    )
    world.pump()


def _unchanged(world: World, key: str) -> None:
    event = world.services.store.get_event(key)
    assert event is not None and event.organizer == VICTIM
    assert (event.summary, event.cancelled, event.sequence) == ("Webinar", False, 0)
    # The guest got their invitation and nothing since: no update, no cancellation.
    assert len(world.mails_to(GUEST)) == 1


def test_an_address_whose_old_key_collided_cannot_take_the_event_over(world: World) -> None:
    uid = f"{uuid.uuid4()}@google.com"
    assert old_event_key(VICTIM, uid) == old_event_key(ATTACKER, uid)
    key = _victims_event(world, uid)
    _takeover(world, uid, ATTACKER)
    _unchanged(world, key)
    # The attacker's mail made an event of their own, under a key of their own.
    own = world.services.store.get_event(event_key(ATTACKER, uid))
    assert own is not None and own.organizer == ATTACKER and own.key != key


def test_the_stored_organizer_decides_even_when_keys_collide(world: World, monkeypatch) -> None:
    """Should two keys ever meet, the stored event's organizer still refuses the stranger."""
    uid = f"{uuid.uuid4()}@google.com"
    key = _victims_event(world, uid)
    stranger = "mallory@evil.example"
    monkeypatch.setattr(handle_invitation, "event_key", lambda organizer, event_id: key)
    _takeover(world, uid, stranger)
    _unchanged(world, key)
    refusals = world.mails_to(stranger)
    assert len(refusals) == 2
    assert all("only the organizer" in m.get_body(("plain",)).get_content() for m in refusals)


def test_a_vip_list_from_anyone_but_the_organizer_invites_nobody(world: World) -> None:
    organizer = "Olga@Example.test"
    uid = f"{uuid.uuid4()}@google.com"
    world.deliver("snack", invitation(uid, organizer.lower(), domain=world.domain), sender=organizer.lower())
    key = event_key(organizer, uid)
    s = world.services.settings
    vip = Links.of(s).vip_address(key)
    assert len(vip.partition("@")[0]) <= 64  # RFC 5321's limit on a local part
    for sender in ("mallory@example.test", organizer):
        mail = EmailMessage()
        mail["From"], mail["To"], mail["Subject"] = sender, vip, "VIPs"
        mail["Message-ID"] = make_msgid(domain="example.test")
        mail.set_content("vera@guests.example\nvic@guests.example\n")
        world.deliver("other", mail, sender=sender)
    world.pump()
    [refusal] = world.mails_to("mallory@example.test")
    assert "only the event's organizer" in refusal.get_body(("plain",)).get_content()
    # The organizer's own list, sent from their address in another case, is used.
    assert len(world.mails_to("vera@guests.example")) == 1
