"""The `language` CSV column (issue 14): invitations speak the event's language, English by default."""

from __future__ import annotations

import uuid

from calsnack.domain.model import event_key
from calsnack.usecases.answer_rsvp import ButtonAnswer, answer_rsvp

from tests.integration.conftest import World
from tests.integration.test_csv_reminder import ORGANIZER, SENDER, future
from tests.mailfactory import batch_mail

HEADER = "command,event_id,organizer,date,start_time,end_time,timezone,subject,language,attendees"


def send_batch(world: World, *rows: str) -> None:
    world.deliver("batch", batch_mail(SENDER, "\r\n".join((HEADER, *rows)) + "\r\n"), sender=SENDER)
    world.pump()


def subject(message) -> str:
    # email folds a long Subject right after "Subject:"; its parser then keeps the space.
    return str(message["Subject"]).strip()


def created(world: World, title: str, language: str, expected: str) -> tuple[str, str]:
    """A new event's id and its one guest, whose invitation's Subject starts `expected`."""
    eid = f"lang-{uuid.uuid4().hex[:8]}"
    guest = f"g-{eid}@client.test"
    send_batch(
        world, f"CREATE,{eid},{ORGANIZER},{future()},09:00,09:30,Europe/Paris,{title},{language},{guest}"
    )
    [invitation] = world.mails_to(guest)
    assert subject(invitation).startswith(expected)
    return eid, guest


def test_invitations_speak_the_events_language_and_an_update_may_change_it(world: World) -> None:
    eid, guest = created(world, "Kaffee", "de", "Einladung: Kaffee @ ")
    late = f"l-{eid}@client.test"
    assert world.services.store.get_event(event_key(ORGANIZER, eid)).language == "de"

    # A new language alone sends nothing; the invitations from then on speak it.
    send_batch(world, f"UPDATE,{eid},,,,,,,fr,")
    assert len(world.mails_to(guest)) == 1
    send_batch(world, f"INVITE,{eid},,,,,,,,{late}")
    [second] = world.mails_to(late)
    assert subject(second).startswith("Invitation : Kaffee @ ")

    answer_rsvp(world.services, event_key(ORGANIZER, eid), ButtonAnswer.YES, guest)
    world.pump()
    send_batch(world, f"UPDATE,{eid},,,,,,Café,,")
    assert subject(world.mails_to(guest)[-1]).startswith("Invitation mise à jour : Café @ ")


def test_an_invite_row_may_set_the_language_and_an_unknown_one_is_refused(world: World) -> None:
    eid, _ = created(world, "Cena", "", "Invitation: Cena @ ")
    second = f"b-{eid}@client.test"
    send_batch(world, f"INVITE,{eid},,,,,,,es,{second}", f"INVITE,{eid},,,,,,,pt,x-{eid}@client.test")
    [spanish] = world.mails_to(second)
    assert subject(spanish).startswith("Invitación: Cena @ ")
    assert world.mails_to(f"x-{eid}@client.test") == []
