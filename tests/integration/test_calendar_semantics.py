"""Issue 13: calendar semantics as RFC 5546 and sabre/vobject's iTIP broker do them, through the
Lambda handlers on both adapter sets, with real clients' shapes; every object sent is checked
by icalendar and libical (tests/interop.py)."""

from __future__ import annotations

import email
import email.policy
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage

from calsnack.domain.model import event_key
from calsnack.usecases.answer_rsvp import ButtonAnswer, answer_rsvp

from tests.integration.conftest import World
from tests.interop import calendar_parts, sent_calendars_are_clean
from tests.mailfactory import batch_mail, calendar_mail
from tests.unit.ical.conftest import BUNDLED

#: A day far enough ahead that no corpus event is "already over".
FUTURE = (datetime.now(UTC) + timedelta(days=60)).strftime("%Y%m%d")


def corpus_calendar(name: str) -> str:
    """The text/calendar part of a bundled corpus mail, as the client wrote it."""
    message = email.message_from_bytes((BUNDLED / name).read_bytes(), policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    part = next(p for p in message.walk() if p.get_content_type() == "text/calendar")
    text = part.get_content()
    assert isinstance(text, str)
    return text


def google_meet_invitation(method: str = "REQUEST", sequence: int = 0) -> tuple[str, str]:
    """Google's Meet invitation (HTML description, the "-::~" block, `LOCATION:`), moved ahead."""
    text = corpus_calendar("google/thunderbird--meet-meeting-invite.eml").replace(
        "20210322T0930", f"{FUTURE}T0930"
    )
    text = text.replace("20210322T1030", f"{FUTURE}T1030")
    if method == "CANCEL":
        text = text.replace("METHOD:REQUEST", "METHOD:CANCEL").replace("STATUS:CONFIRMED", "STATUS:CANCELLED")
    return text.replace("SEQUENCE:0", f"SEQUENCE:{sequence}"), "example@gmail.com"


def deliver_invitation(world: World, text: str, organizer: str, method: str = "REQUEST") -> None:
    world.deliver("snack", calendar_mail(organizer, f"snack@{world.domain}", text, method), sender=organizer)


def test_google_meet_invitation_is_forwarded_clean(world: World) -> None:
    text, organizer = google_meet_invitation()
    deliver_invitation(world, text, organizer)
    key = event_key(organizer, "65m17hsdolmotv3kvmrtg40ont@google.com")
    answer_rsvp(world.services, key, ButtonAnswer.YES, "ann@example.test")
    world.pump()
    [invite] = world.mails_to("ann@example.test")
    [calendar] = set(calendar_parts(invite))
    sent_calendars_are_clean([invite])
    raw = invite.as_string()
    for private in ("tok=", "-::~", "Ändra inte", "LOCATION:"):
        assert private not in raw and private not in calendar
    assert "CONFERENCE;FEATURE=AUDIO,VIDEO;VALUE=URI:https://meet.google.com/pyb-ndcu-" in calendar
    html = invite.get_body(("html",)).get_content()
    plain = invite.get_body(("plain",)).get_content()
    assert "<b>Bold</b>" in html and "<script" not in html
    assert "This is a test. Bold. Italic." in plain and "<b>" not in plain and "&nbsp;" not in plain

    cancel, _ = google_meet_invitation("CANCEL", sequence=1)
    deliver_invitation(world, cancel, organizer, "CANCEL")
    world.pump()
    _, cancelled = world.mails_to("ann@example.test")
    vcalendar = sent_calendars_are_clean([cancelled])[0]
    for vevent in vcalendar.walk("VEVENT"):
        attendee = vevent["ATTENDEE"]
        assert "RSVP" not in attendee.params and "PARTSTAT" not in attendee.params
        assert vevent["STATUS"] == "CANCELLED"


CSV_HEADER = "command,event_id,organizer,date,start_time,end_time,timezone,subject,location,meeting_url,description,attendees"
CSV_SENDER = "ops@example.test"


def deliver_batch(world: World, *rows: str) -> EmailMessage:
    world.deliver(
        "batch", batch_mail(CSV_SENDER, "\r\n".join([CSV_HEADER, *rows]) + "\r\n"), sender=CSV_SENDER
    )
    world.pump()
    return world.mails_to(CSV_SENDER)[-1]


def test_csv_text_fields_span_lines(world: World) -> None:
    """RFC 4180 quotes hold line breaks; RFC 5545 TEXT writes them as \\n (point 9)."""
    day = (datetime.now(UTC) + timedelta(days=20)).date().isoformat()
    result = deliver_batch(
        world,
        f'CREATE,hq-visit,olga@example.test,{day},09:00,10:00,America/Chicago,Visit,"Acme Inc.\r\n'
        f'12 Main St, Suite 3\r\nSpringfield",,"Bring:\r\n- ID\r\n- laptop",guest@client.test',
    )
    assert "1 applied" in result["Subject"], result["Subject"]
    [invite] = world.mails_to("guest@client.test")
    vcalendar = sent_calendars_are_clean([invite])[0]
    [calendar] = set(calendar_parts(invite))
    assert "LOCATION:Acme Inc.\\n12 Main St\\, Suite 3\\nSpringfield" in calendar
    vevent = vcalendar.walk("VEVENT")[0]
    assert str(vevent["LOCATION"]) == "Acme Inc.\n12 Main St, Suite 3\nSpringfield"
    assert str(vevent["DESCRIPTION"]) == "Bring:\n- ID\n- laptop"
    html = invite.get_body(("html",)).get_content()
    assert "Acme Inc.<br>12 Main St, Suite 3<br>Springfield" in html
