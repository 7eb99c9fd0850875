"""The `reminder` CSV column (issue 14): a display alarm in every invitation, kept by both stores."""

from __future__ import annotations

import csv
import io
import uuid
from datetime import UTC, datetime, timedelta

from calsnack.domain.model import event_key
from calsnack.usecases.answer_rsvp import ButtonAnswer, answer_rsvp
from icalendar import Calendar

from tests.integration.conftest import World
from tests.mailfactory import batch_mail

SENDER = "ops@example.test"
ORGANIZER = "olga@example.test"
HEADER = "command,event_id,organizer,date,start_time,end_time,timezone,subject,reminder,attendees"


def future(days: int = 20) -> str:
    return (datetime.now(UTC) + timedelta(days=days)).date().isoformat()


def send_batch(world: World, *rows: str) -> None:
    world.deliver("batch", batch_mail(SENDER, "\r\n".join((HEADER, *rows)) + "\r\n"), sender=SENDER)
    world.pump()


def alarms(message) -> list:
    (part,) = [p for p in message.walk() if p.get_content_type() == "text/calendar"]
    (vevent,) = Calendar.from_ical(part.get_content()).walk("VEVENT")
    return vevent.walk("VALARM")


def test_a_reminder_is_a_display_alarm_in_every_invitation_and_survives_an_update(world: World) -> None:
    eid = f"oil-{uuid.uuid4().hex[:8]}"
    guest = f"g-{eid}@client.test"
    send_batch(world, f"CREATE,{eid},{ORGANIZER},{future()},09:00,09:30,Europe/Paris,Oil change,90,{guest}")
    [invitation] = world.mails_to(guest)
    [alarm] = alarms(invitation)
    assert str(alarm["ACTION"]) == "DISPLAY"
    assert alarm["TRIGGER"].dt == -timedelta(minutes=90)
    assert str(alarm["DESCRIPTION"]) == "Oil change"

    answer_rsvp(world.services, event_key(ORGANIZER, eid), ButtonAnswer.YES, guest)
    world.pump()
    # A new subject with the reminder cell left empty: the event keeps its reminder.
    send_batch(world, f"UPDATE,{eid},,,,,,Oil change and tyres,,")
    update = world.mails_to(guest)[-1]
    assert "Updated invitation" in update["Subject"]
    [alarm] = alarms(update)
    assert alarm["TRIGGER"].dt == -timedelta(minutes=90)
    assert str(alarm["DESCRIPTION"]) == "Oil change and tyres"

    # A new reminder alone changes nothing attendees see: it is stored, and nobody is mailed.
    mails = len(world.mails_to(guest))
    send_batch(world, f"UPDATE,{eid},,,,,,,15,")
    assert len(world.mails_to(guest)) == mails
    stored = world.services.store.get_event(event_key(ORGANIZER, eid))
    assert stored is not None
    assert "TRIGGER:-PT15M" in stored.calendar
    send_batch(world, f"INVITE,{eid},,,,,,,,late-{guest}")
    [late] = world.mails_to(f"late-{guest}")
    [alarm] = alarms(late)
    assert alarm["TRIGGER"].dt == -timedelta(minutes=15)


def test_a_row_without_a_reminder_sends_no_alarm(world: World) -> None:
    eid = f"plain-{uuid.uuid4().hex[:8]}"
    guest = f"g-{eid}@client.test"
    send_batch(world, f"CREATE,{eid},{ORGANIZER},{future()},09:00,09:30,Europe/Paris,Plain,,{guest}")
    [invitation] = world.mails_to(guest)
    assert alarms(invitation) == []


def test_unusable_reminders_are_refused_with_their_reason(world: World) -> None:
    eid = f"bad-{uuid.uuid4().hex[:8]}"
    day = future()
    send_batch(
        world,
        f"CREATE,{eid}-1,{ORGANIZER},{day},09:00,09:30,Europe/Paris,A,15m,a@client.test",
        f"CREATE,{eid}-2,{ORGANIZER},{day},09:00,09:30,Europe/Paris,B,-10,b@client.test",
        f"CREATE,{eid}-3,{ORGANIZER},{day},09:00,09:30,Europe/Paris,C,40321,c@client.test",
        f"CREATE,{eid}-4,{ORGANIZER},{day},09:00,09:30,Europe/Paris,D,40320,d@client.test",
    )
    result = world.mails_to(SENDER)[-1]
    assert "1 applied" in result["Subject"] and "3 refused" in result["Subject"]
    part = next(p for p in result.iter_attachments() if (p.get_filename() or "").startswith("refused-"))
    refused = list(csv.reader(io.StringIO(part.get_payload(decode=True).decode("utf-8-sig"))))[1:]
    reasons = {row[0]: (row[1], row[2]) for row in refused}
    assert reasons["2"] == (
        "reminder",
        'the reminder "15m" is not a whole number of minutes before the start, such as 15',
    )
    assert reasons["3"] == (
        "reminder",
        'the reminder "-10" is negative: give the minutes before the start, such as 15',
    )
    assert reasons["4"][0] == "reminder" and "four weeks" in reasons["4"][1]
    [alarm] = alarms(world.mails_to("d@client.test")[0])
    assert alarm["TRIGGER"].dt == -timedelta(days=28)
