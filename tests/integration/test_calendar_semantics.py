"""Issue 13: calendar semantics as RFC 5546 and sabre/vobject's iTIP broker do them, through the
Lambda handlers on both adapter sets, with real clients' shapes; every object sent is checked
by icalendar and libical (tests/interop.py)."""

from __future__ import annotations

import csv
import email
import email.policy
import io
import uuid
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import make_msgid

import pytest
from calsnack.domain.model import event_key
from calsnack.i18n import format_day
from calsnack.usecases.answer_rsvp import ButtonAnswer, answer_rsvp
from calsnack.usecases.build_report import report_event
from icalendar import Calendar

from tests.integration.conftest import World
from tests.interop import (
    calendar_parts,
    icaljs_expected,
    icaljs_missing,
    icaljs_starts,
    sent_calendars_are_clean,
)
from tests.mailfactory import batch_mail, calendar_mail, calendar_text, invitation, reply
from tests.unit.ical.conftest import BUNDLED

ORGANIZER = "olga@example.test"
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


def refused_rows(message: EmailMessage) -> list[list[str]]:
    part = next(p for p in message.iter_attachments() if (p.get_filename() or "").startswith("refused-"))
    payload = part.get_payload(decode=True)
    assert isinstance(payload, bytes)
    return list(csv.reader(io.StringIO(payload.decode("utf-8-sig"))))


def test_csv_times_inside_a_dst_gap_are_refused(world: World) -> None:
    """2027-03-14 02:30 does not exist in Chicago (point 7): refused with the reason, also when an
    UPDATE moves an event's kept 02:30 start onto that day."""
    result = deliver_batch(
        world,
        "CREATE,gap,olga@example.test,2027-03-14,02:30,03:30,America/Chicago,Gap,,,,g@client.test",
        "CREATE,early,olga@example.test,2027-03-13,02:30,03:30,America/Chicago,Early,,,,e@client.test",
        "UPDATE,early,,2027-03-14,,,,,,,,",
    )
    assert "1 applied" in result["Subject"] and "2 refused" in result["Subject"], result["Subject"]
    refused = refused_rows(result)[1:]
    assert [row[:2] for row in refused] == [["2", "start_time"], ["4", "start_time"]]
    for row in refused:
        assert row[2].startswith("2027-03-14 02:30 does not exist in America/Chicago"), row
    assert world.mails_to("g@client.test") == []
    event = world.services.store.get_event(event_key("olga@example.test", "early"))
    assert event.start.date().isoformat() == "2027-03-13"


def test_floating_times_stay_floating(world: World) -> None:
    """Thunderbird writes a floating DTSTART ("09:00 wherever you are"): it is sent as it came."""
    uid = "floating-1@mozilla.org"
    day = FUTURE
    text = "\r\n".join([
        "BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Mozilla.org/NONSGML Mozilla Calendar V1.1//EN",
        "METHOD:REQUEST", "BEGIN:VEVENT", f"UID:{uid}", "DTSTAMP:20260101T000000Z",
        f"DTSTART:{day}T090000", f"DTEND:{day}T100000", "SUMMARY:Stand-up", "SEQUENCE:0",
        "ORGANIZER;CN=Olga:mailto:olga@example.test",
        f"ATTENDEE;PARTSTAT=NEEDS-ACTION;RSVP=TRUE:mailto:snack@{world.domain}",
        "X-MOZ-GENERATION:1", "END:VEVENT", "END:VCALENDAR", "",
    ])  # fmt: skip
    deliver_invitation(world, text, "olga@example.test")
    answer_rsvp(world.services, event_key("olga@example.test", uid), ButtonAnswer.YES, "fay@client.test")
    world.pump()
    [invite] = world.mails_to("fay@client.test")
    vevent = sent_calendars_are_clean([invite])[0].walk("VEVENT")[0]
    assert vevent.decoded("DTSTART") == datetime.strptime(f"{day}T090000", "%Y%m%dT%H%M%S")
    assert vevent.decoded("DTEND").tzinfo is None
    assert f"DTSTART:{day}T090000\r\n" in next(iter(calendar_parts(invite)))


def sequence_of(message: EmailMessage) -> int:
    vevent = sent_calendars_are_clean([message])[0].walk("VEVENT")[0]
    return int(vevent["SEQUENCE"])


def test_only_what_attendees_see_is_an_update(world: World) -> None:
    """Point 1: a re-send with a new DTSTAMP, LAST-MODIFIED and guest sends nothing; a new place with
    the client's SEQUENCE kept goes out at the same SEQUENCE; a new time raises it."""
    uid = f"{uuid.uuid4()}@google.com"
    organizer = "olga@example.test"
    start = (datetime.now(UTC) + timedelta(days=30)).replace(minute=0, second=0, microsecond=0)
    first = datetime.now(UTC) - timedelta(hours=2)

    def version(
        seq: int, stamp: datetime, *extra: str, moved: timedelta = timedelta(0), guests: int = 1
    ) -> str:
        attendees = tuple((f"g{n}@example.test", "ACCEPTED") for n in range(guests))
        text = calendar_text(
            "REQUEST", uid, organizer=organizer, sequence=seq, start=start + moved, dtstamp=stamp,
            attendees=((f"snack@{world.domain}", "NEEDS-ACTION"), *attendees),
        )  # fmt: skip
        lines = [f"LAST-MODIFIED:{stamp.strftime('%Y%m%dT%H%M%SZ')}", *extra]
        return text.replace("END:VEVENT", "\r\n".join([*lines, "END:VEVENT"]))

    deliver_invitation(world, version(0, first, "LOCATION:Room 1"), organizer)
    key = event_key(organizer, uid)
    answer_rsvp(world.services, key, ButtonAnswer.YES, "ann@example.test")
    world.pump()
    [invite] = world.mails_to("ann@example.test")
    assert sequence_of(invite) == 0

    deliver_invitation(
        world, version(0, first + timedelta(minutes=5), "LOCATION:Room 1", guests=3), organizer
    )
    world.pump()
    assert len(world.mails_to("ann@example.test")) == 1, "a guest added is no update"
    assert report_event(world.services.store, organizer, uid)["events"][0]["sequence"] == 0

    deliver_invitation(world, version(0, first + timedelta(minutes=10), "LOCATION:Room 2"), organizer)
    world.pump()
    _, moved_room = world.mails_to("ann@example.test")
    assert sequence_of(moved_room) == 0
    assert "LOCATION:Room 2" in next(iter(calendar_parts(moved_room)))

    deliver_invitation(
        world,
        version(1, first + timedelta(minutes=15), "LOCATION:Room 2", moved=timedelta(hours=1)),
        organizer,
    )
    world.pump()
    *_, moved_time = world.mails_to("ann@example.test")
    assert sequence_of(moved_time) == 1
    assert report_event(world.services.store, organizer, uid)["events"][0]["sequence"] == 1
    assert len(world.mails_to("ann@example.test")) == 3


def invited_attendee(world: World, uid: str, address: str = "ann@example.test") -> tuple[str, EmailMessage]:
    """A Google organizer's event with `address` invited through a Yes click: (our UID, the invitation)."""
    world.deliver("snack", invitation(uid, domain=world.domain), sender=ORGANIZER)
    key = event_key(ORGANIZER, uid)
    answer_rsvp(world.services, key, ButtonAnswer.YES, address)
    world.pump()
    [sent] = world.mails_to(address)
    return world.services.store.get_event(key).uid, sent


def answer_mail(sender: str, to: str, parts: list[EmailMessage]) -> EmailMessage:
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = sender, to, "Declined: Webinar"
    msg["Message-ID"] = make_msgid(domain="example.test")
    msg.set_content("I cannot make it.\n")
    msg.make_mixed()
    for part in parts:
        msg.attach(part)
    return msg


@pytest.mark.parametrize("quoted", ["message/rfc822", "invite.ics"])
def test_a_reply_with_the_invitation_attached_counts_as_the_reply(world: World, quoted: str) -> None:
    """Point 4: Apple Mail quotes the invitation as message/rfc822, some Outlook versions add it as
    invite.ics, ahead of the REPLY: the reply address reads the REPLY."""
    uid = f"{uuid.uuid4()}@google.com"
    our_uid, sent = invited_attendee(world, uid)
    original = EmailMessage()
    if quoted == "message/rfc822":
        original.set_content(sent)
    else:
        request = next(iter(calendar_parts(sent))).encode()
        original.set_content(request, maintype="application", subtype="ics", filename="invite.ics",
                             params={"method": "REQUEST"})  # fmt: skip
    reply_part = EmailMessage()
    ics = calendar_text("REPLY", our_uid, organizer=f"rsvp@{world.domain}",
                        attendees=(("ann@example.test", "DECLINED"),))  # fmt: skip
    reply_part.set_content(ics, subtype="calendar", params={"method": "REPLY"})
    mail = answer_mail("ann@example.test", f"rsvp@{world.domain}", [original, reply_part])
    world.deliver("other", mail, sender="ann@example.test")
    counts = report_event(world.services.store, ORGANIZER, uid)["events"][0]["counts"]
    assert (counts["declined"], counts["accepted"]) == (1, 0)


def refresh_mail(our_uid: str, attendee: str, domain: str) -> EmailMessage:
    """Thunderbird's REFRESH: UID, ORGANIZER, the attendee and DTSTAMP, no times (RFC 5546 §3.2.6)."""
    ics = "\r\n".join([
        "BEGIN:VCALENDAR", "PRODID:-//Mozilla.org/NONSGML Mozilla Calendar V1.1//EN", "VERSION:2.0",
        "METHOD:REFRESH", "BEGIN:VEVENT", f"UID:{our_uid}", f"DTSTAMP:{datetime.now(UTC):%Y%m%dT%H%M%SZ}",
        f"ORGANIZER:mailto:rsvp@{domain}", f"ATTENDEE:mailto:{attendee}", "END:VEVENT", "END:VCALENDAR", "",
    ])  # fmt: skip
    return calendar_mail(attendee, f"rsvp@{domain}", ics, "REFRESH", subject="Refresh: Webinar")


def test_refresh_resends_the_current_version_once_an_hour(world: World) -> None:
    """Point 5: the attendee's client lost the event and asks again."""
    uid = f"{uuid.uuid4()}@google.com"
    our_uid, first = invited_attendee(world, uid)
    world.deliver("other", refresh_mail(our_uid, "ann@example.test", world.domain), sender="ann@example.test")
    world.pump()
    _, again = world.mails_to("ann@example.test")
    assert sequence_of(again) == sequence_of(first) == 0
    assert "METHOD:REQUEST" in next(iter(calendar_parts(again)))
    world.deliver("other", refresh_mail(our_uid, "ann@example.test", world.domain), sender="ann@example.test")
    world.deliver("other", refresh_mail(our_uid, "zed@example.test", world.domain), sender="zed@example.test")
    world.pump()
    assert len(world.mails_to("ann@example.test")) == 2, "one refresh an hour"
    assert world.mails_to("zed@example.test") == []


def test_a_refresh_after_the_cancellation_gets_the_cancellation_again(world: World) -> None:
    """RFC 5546 §3.2.6: the current version of a cancelled event is its CANCEL."""
    uid = f"{uuid.uuid4()}@google.com"
    our_uid, _ = invited_attendee(world, uid)
    world.deliver(
        "snack", invitation(uid, method="CANCEL", domain=world.domain, sequence=1), sender=ORGANIZER
    )
    world.pump()
    _, cancelled = world.mails_to("ann@example.test")
    assert "METHOD:CANCEL" in next(iter(calendar_parts(cancelled)))
    world.deliver("other", refresh_mail(our_uid, "ann@example.test", world.domain), sender="ann@example.test")
    world.deliver("other", refresh_mail(our_uid, "zed@example.test", world.domain), sender="zed@example.test")
    world.pump()
    *_, again = world.mails_to("ann@example.test")
    assert again is not cancelled and len(world.mails_to("ann@example.test")) == 3
    assert "METHOD:CANCEL" in next(iter(calendar_parts(again)))
    assert world.mails_to("zed@example.test") == [], "never sent the event, never sent its cancellation"


def test_a_counter_reaches_the_organizer(world: World) -> None:
    """Google sends its "propose a new time" as METHOD:COUNTER under method=REPLY."""
    uid = f"{uuid.uuid4()}@google.com"
    our_uid, _ = invited_attendee(world, uid)
    proposed = (datetime.now(UTC) + timedelta(days=31)).replace(hour=15, minute=0, second=0, microsecond=0)
    ics = calendar_text("COUNTER", our_uid, organizer=f"rsvp@{world.domain}", start=proposed,
                        attendees=(("ann@example.test", "TENTATIVE"),))  # fmt: skip
    world.deliver(
        "other",
        calendar_mail("ann@example.test", f"rsvp@{world.domain}", ics, "REPLY", subject="New time proposed"),
        sender="ann@example.test",
    )
    notice = world.mails_to(ORGANIZER)[-1]
    assert notice["Subject"] == "New time proposed: Webinar"
    assert f"{proposed:%H:%M}" in notice.get_content() and "ann@example.test" in notice.get_content()
    counts = report_event(world.services.store, ORGANIZER, uid)["events"][0]["counts"]
    assert counts["accepted"] == 1, "a proposal is no answer"


def test_at_equal_sequence_the_later_dtstamp_wins(world: World) -> None:
    """Point 3: arrival order never decides, for the organizer's CANCEL nor for attendees' REPLYs."""
    uid = f"{uuid.uuid4()}@google.com"
    now = datetime.now(UTC).replace(microsecond=0)
    world.deliver(
        "snack", invitation(uid, domain=world.domain, dtstamp=now - timedelta(hours=1)), sender=ORGANIZER
    )
    key = event_key(ORGANIZER, uid)
    answer_rsvp(world.services, key, ButtonAnswer.YES, "ann@example.test")
    world.pump()
    world.deliver(
        "snack",
        invitation(
            uid, domain=world.domain, summary="Webinar (new room)", dtstamp=now - timedelta(minutes=10)
        ),
        sender=ORGANIZER,
    )
    # A CANCEL the organizer sent before that update, delivered after it: stale.
    stale = invitation(uid, domain=world.domain, method="CANCEL", dtstamp=now - timedelta(minutes=30))
    world.deliver("snack", stale, sender=ORGANIZER)
    world.pump()
    assert not world.services.store.get_event(key).cancelled
    assert "METHOD:CANCEL" not in "".join(
        p for m in world.mails_to("ann@example.test") for p in calendar_parts(m)
    )
    our_uid = world.services.store.get_event(key).uid

    def answer(partstat: str, stamp: datetime) -> EmailMessage:
        ics = calendar_text("REPLY", our_uid, organizer=f"rsvp@{world.domain}", dtstamp=stamp,
                            attendees=(("ann@example.test", partstat),))  # fmt: skip
        return calendar_mail("ann@example.test", f"rsvp@{world.domain}", ics, "REPLY")

    replied = datetime.now(UTC) + timedelta(seconds=1)
    world.deliver("other", answer("DECLINED", replied), sender="ann@example.test")
    # Her earlier answer, delayed in transit: older than the one already counted.
    world.deliver("other", answer("TENTATIVE", replied - timedelta(seconds=2)), sender="ann@example.test")
    counts = report_event(world.services.store, ORGANIZER, uid)["events"][0]["counts"]
    assert (counts["declined"], counts["tentative"], counts["accepted"]) == (1, 0, 0)
    world.deliver(
        "snack", invitation(uid, domain=world.domain, method="CANCEL", dtstamp=now), sender=ORGANIZER
    )
    assert world.services.store.get_event(key).cancelled
    # Once cancelled, a reply counts no more (issue 17.11), however new.
    world.deliver("other", answer("ACCEPTED", replied + timedelta(seconds=5)), sender="ann@example.test")
    counts = report_event(world.services.store, ORGANIZER, uid)["events"][0]["counts"]
    assert (counts["declined"], counts["tentative"], counts["accepted"]) == (1, 0, 0)


@pytest.mark.parametrize(("shape", "note"), [("outlook", "See you there"), ("apple", "Thanks 🎉")])
def test_an_attendees_note_is_kept_with_the_answer(world: World, shape: str, note: str) -> None:
    """Point 10: Exchange's COMMENT, Apple's X-CALENDARSERVER-PRIVATE-COMMENT (tests/mailfactory.py)
    reach the dashboard's attendee list and the analytics answers table."""
    from calsnack.analytics.rows import answer_row

    uid = f"{uuid.uuid4()}@google.com"
    our_uid, _ = invited_attendee(world, uid)
    world.deliver("other", reply(our_uid, "ann@example.test", "DECLINED", domain=world.domain, shape=shape),
                  sender="ann@example.test")  # fmt: skip
    key = event_key(ORGANIZER, uid)
    [attendee] = world.services.store.attendees(key, None, "", 10)
    assert (attendee.partstat.value, attendee.comment) == ("DECLINED", note)
    row = answer_row(world.services.store.get_event(key), attendee)
    assert row is not None and row.comment == note


def google_occurrence(method: str, uid: str, day: datetime, domain: str) -> str:
    """Google inviting to one occurrence of a series: a VEVENT with RECURRENCE-ID and no master."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    wall = day.strftime("%Y%m%dT100000")
    return "\r\n".join([
        "BEGIN:VCALENDAR", "PRODID:-//Google Inc//Google Calendar 70.9054//EN", "VERSION:2.0",
        "CALSCALE:GREGORIAN", f"METHOD:{method}", "BEGIN:VTIMEZONE", "TZID:Europe/Paris",
        "BEGIN:STANDARD", "TZOFFSETFROM:+0200", "TZOFFSETTO:+0100", "TZNAME:CET",
        "DTSTART:19701025T030000", "RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU", "END:STANDARD",
        "BEGIN:DAYLIGHT", "TZOFFSETFROM:+0100", "TZOFFSETTO:+0200", "TZNAME:CEST",
        "DTSTART:19700329T020000", "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU", "END:DAYLIGHT", "END:VTIMEZONE",
        "BEGIN:VEVENT", f"DTSTART;TZID=Europe/Paris:{wall}", f"DTEND;TZID=Europe/Paris:{day:%Y%m%d}T110000",
        f"DTSTAMP:{stamp}", f"ORGANIZER;CN=Olga:mailto:{ORGANIZER}", f"UID:{uid}",
        f"RECURRENCE-ID;TZID=Europe/Paris:{wall}",
        f"ATTENDEE;CUTYPE=INDIVIDUAL;ROLE=REQ-PARTICIPANT;PARTSTAT=NEEDS-ACTION;RSVP=TRUE;X-NUM-GUESTS=0:mailto:snack@{domain}",
        "SEQUENCE:1" if method == "CANCEL" else "SEQUENCE:0",
        f"STATUS:{'CANCELLED' if method == 'CANCEL' else 'CONFIRMED'}", "SUMMARY:Weekly sync",
        "TRANSP:OPAQUE", "END:VEVENT", "END:VCALENDAR", "",
    ])  # fmt: skip


def test_one_occurrence_invited_then_cancelled_reaches_the_attendees(world: World) -> None:
    """Point 2: the calendar holds only one occurrence; its CANCEL names that occurrence."""
    uid = f"{uuid.uuid4().hex}@google.com"
    day = datetime.now(UTC) + timedelta(days=40)
    deliver_invitation(world, google_occurrence("REQUEST", uid, day, world.domain), ORGANIZER)
    key = event_key(ORGANIZER, uid)
    answer_rsvp(world.services, key, ButtonAnswer.YES, "ann@example.test")
    world.pump()
    deliver_invitation(world, google_occurrence("CANCEL", uid, day, world.domain), ORGANIZER, "CANCEL")
    world.pump()
    invite, cancelled = world.mails_to("ann@example.test")
    assert world.services.store.get_event(key).cancelled
    assert cancelled["Subject"].startswith("Cancelled: Weekly sync @ ")
    assert format_day(day, "en") in cancelled["Subject"]
    vevent = sent_calendars_are_clean([cancelled])[0].walk("VEVENT")[0]
    assert vevent["STATUS"] == "CANCELLED" and "RECURRENCE-ID" in vevent
    assert vevent.decoded("RECURRENCE-ID") == sent_calendars_are_clean([invite])[0].walk("VEVENT")[0].decoded(
        "RECURRENCE-ID"
    )


def weekly(text: str) -> str:
    """The single event of `text` as a series of six weekly occurrences."""
    return text.replace("END:VEVENT", "RRULE:FREQ=WEEKLY;COUNT=6\r\nEND:VEVENT")


def weekly_series_answered_yes(world: World) -> tuple[str, datetime, str, str]:
    """A Google series invited to the snack address, answered Yes by ann: (uid, start, key, series text)."""
    uid = f"{uuid.uuid4()}@google.com"
    start = (datetime.now(UTC) + timedelta(days=30)).replace(hour=9, minute=0, second=0, microsecond=0)
    series = calendar_text("REQUEST", uid, organizer=ORGANIZER, start=start,
                           attendees=((f"snack@{world.domain}", "NEEDS-ACTION"),))  # fmt: skip
    deliver_invitation(world, weekly(series), ORGANIZER)
    key = event_key(ORGANIZER, uid)
    answer_rsvp(world.services, key, ButtonAnswer.YES, "ann@example.test")
    world.pump()
    return uid, start, key, series


def test_declining_one_occurrence_keeps_the_series_answer(world: World) -> None:
    """Point 2: Thunderbird's "decline this occurrence only" is a REPLY with RECURRENCE-ID; the
    series answer (Yes) stays, so later series updates still reach the attendee."""
    uid, start, key, series = weekly_series_answered_yes(world)
    our_uid = world.services.store.get_event(key).uid
    second = start + timedelta(weeks=1)
    ics = calendar_text("REPLY", our_uid, organizer=f"rsvp@{world.domain}", start=second,
                        attendees=(("ann@example.test", "DECLINED"),))  # fmt: skip
    ics = ics.replace("END:VEVENT", f"RECURRENCE-ID:{second:%Y%m%dT%H%M%SZ}\r\nEND:VEVENT")
    ics = ics.replace("Google Inc//Google Calendar 70.9054", "Mozilla.org/NONSGML Mozilla Calendar V1.1")
    world.deliver("other", calendar_mail("ann@example.test", f"rsvp@{world.domain}", ics, "REPLY"),
                  sender="ann@example.test")  # fmt: skip
    counts = report_event(world.services.store, ORGANIZER, uid)["events"][0]["counts"]
    assert (counts["accepted"], counts["declined"]) == (1, 0)
    moved = series.replace("SEQUENCE:0", "SEQUENCE:1").replace("T0900", "T1000")
    deliver_invitation(world, weekly(moved), ORGANIZER)
    world.pump()
    assert len(world.mails_to("ann@example.test")) == 2, "the series update still reaches her"


def delegation_reply(our_uid: str, domain: str, sender: str, lines: list[str]) -> EmailMessage:
    """A REPLY as Outlook writes a delegation: quoted DELEGATED-TO/-FROM mailto: URIs."""
    ics = "\r\n".join([
        "BEGIN:VCALENDAR", "METHOD:REPLY", "PRODID:Microsoft Exchange Server 2010", "VERSION:2.0",
        "BEGIN:VEVENT", *lines, f"UID:{our_uid}", "SEQUENCE:0", f"DTSTAMP:{datetime.now(UTC):%Y%m%dT%H%M%SZ}",
        "DTSTART:20300101T100000Z", "DTEND:20300101T110000Z", "SUMMARY;LANGUAGE=en-US:Webinar",
        f"ORGANIZER:mailto:rsvp@{domain}", "END:VEVENT", "END:VCALENDAR", "",
    ])  # fmt: skip
    return calendar_mail(sender, f"rsvp@{domain}", ics, "REPLY")


@pytest.mark.parametrize("delegate_first", [False, True])
def test_delegation_hands_the_invitation_on(world: World, delegate_first: bool) -> None:
    """Point 6: ann delegates to bob: bob is invited and counted, ann gets no more updates; bob's
    DELEGATED-FROM acceptance counts also when it arrives before ann's delegation."""
    uid = f"{uuid.uuid4()}@google.com"
    our_uid, _ = invited_attendee(world, uid)
    ann = delegation_reply(our_uid, world.domain, "ann@example.test", [
        'ATTENDEE;PARTSTAT=DELEGATED;DELEGATED-TO="mailto:bob@example.test":mailto:ann@example.test',
        'ATTENDEE;PARTSTAT=NEEDS-ACTION;DELEGATED-FROM="mailto:ann@example.test":mailto:bob@example.test',
    ])  # fmt: skip
    bob = delegation_reply(our_uid, world.domain, "bob@example.test", [
        'ATTENDEE;PARTSTAT=ACCEPTED;DELEGATED-FROM="mailto:ann@example.test":mailto:bob@example.test',
    ])  # fmt: skip
    for mail, sender in ([(bob, "bob@example.test"), (ann, "ann@example.test")] if delegate_first else
                         [(ann, "ann@example.test"), (bob, "bob@example.test")]):  # fmt: skip
        world.deliver("other", mail, sender=sender)
    world.pump()
    [handed_on] = world.mails_to("bob@example.test")
    sent_calendars_are_clean([handed_on])
    counts = report_event(world.services.store, ORGANIZER, uid)["events"][0]["counts"]
    assert (counts["accepted"], counts["invited"]) == (1, 2)
    known = world.services.store.get_attendees(
        event_key(ORGANIZER, uid), ["ann@example.test", "bob@example.test"]
    )
    assert known["ann@example.test"].partstat.value == "DELEGATED"
    assert known["bob@example.test"].partstat.value == "ACCEPTED"

    world.deliver(
        "snack", invitation(uid, domain=world.domain, sequence=1, summary="Moved"), sender=ORGANIZER
    )
    world.pump()
    assert len(world.mails_to("ann@example.test")) == 1, "the delegator gets no more updates"
    assert len(world.mails_to("bob@example.test")) == 2


def own_attendee(message: EmailMessage) -> dict[str, str]:
    """The parameters of the one ATTENDEE line in the sent object (its VEVENTs agree)."""
    calendar, attached = sent_calendars_are_clean([message])
    assert calendar.to_ical() == attached.to_ical(), "the invite.ics is the same object"
    params = {str(vevent["ATTENDEE"]): dict(vevent["ATTENDEE"].params) for vevent in calendar.walk("VEVENT")}
    assert len(params) == 1, params
    return next(iter(params.values()))


def test_a_quiet_update_keeps_the_attendees_answer(world: World) -> None:
    """A text-only change at the same SEQUENCE keeps the PARTSTAT the attendee gave (as sabre's broker
    does); a new time asks again (NEEDS-ACTION, RSVP=TRUE), and an answer given before that new time
    is not written back into a later quiet update."""
    uid = f"{uuid.uuid4()}@google.com"
    start = (datetime.now(UTC) + timedelta(days=30)).replace(minute=0, second=0, microsecond=0)
    first = datetime.now(UTC) - timedelta(hours=2)

    def version(seq: int, minutes: int, room: str, moved: timedelta = timedelta(0)) -> str:
        text = calendar_text(
            "REQUEST", uid, organizer=ORGANIZER, sequence=seq, start=start + moved,
            dtstamp=first + timedelta(minutes=minutes), attendees=((f"snack@{world.domain}", "NEEDS-ACTION"),),
        )  # fmt: skip
        return text.replace("END:VEVENT", f"LOCATION:{room}\r\nEND:VEVENT")

    deliver_invitation(world, version(0, 0, "Room 1"), ORGANIZER)
    key = event_key(ORGANIZER, uid)
    answer_rsvp(world.services, key, ButtonAnswer.YES, "ann@example.test")
    answer_rsvp(world.services, key, ButtonAnswer.MAYBE, "bob@example.test")
    world.pump()
    [invite] = world.mails_to("ann@example.test")
    assert own_attendee(invite)["PARTSTAT"] == "NEEDS-ACTION" and own_attendee(invite)["RSVP"] == "TRUE"

    deliver_invitation(world, version(0, 5, "Room 2"), ORGANIZER)
    world.pump()
    *_, ann_room, bob_room = (*world.mails_to("ann@example.test"), world.mails_to("bob@example.test")[-1])
    assert sequence_of(ann_room) == 0 and "LOCATION:Room 2" in calendar_parts(ann_room)[0]
    assert own_attendee(ann_room) == {
        "CUTYPE": "INDIVIDUAL",
        "ROLE": "REQ-PARTICIPANT",
        "PARTSTAT": "ACCEPTED",
    }
    assert own_attendee(bob_room)["PARTSTAT"] == "TENTATIVE" and "RSVP" not in own_attendee(bob_room)

    deliver_invitation(world, version(0, 8, "Room 3"), ORGANIZER)
    world.pump()
    assert own_attendee(world.mails_to("ann@example.test")[-1])["PARTSTAT"] == "ACCEPTED", (
        "a run of quiet changes"
    )

    deliver_invitation(world, version(1, 10, "Room 3", moved=timedelta(hours=1)), ORGANIZER)
    world.pump()
    moved = world.mails_to("ann@example.test")[-1]
    assert sequence_of(moved) == 1
    assert (own_attendee(moved)["PARTSTAT"], own_attendee(moved)["RSVP"]) == ("NEEDS-ACTION", "TRUE")

    deliver_invitation(world, version(1, 15, "Room 4", moved=timedelta(hours=1)), ORGANIZER)
    world.pump()
    renamed = world.mails_to("ann@example.test")[-1]
    assert sequence_of(renamed) == 1 and "LOCATION:Room 4" in calendar_parts(renamed)[0]
    assert own_attendee(renamed)["PARTSTAT"] == "NEEDS-ACTION", "her Yes answered the old time"
    assert len(world.mails_to("ann@example.test")) == 5

    answer_rsvp(world.services, key, ButtonAnswer.YES, "ann@example.test")
    deliver_invitation(world, version(1, 20, "Room 5", moved=timedelta(hours=1)), ORGANIZER)
    world.pump()
    assert own_attendee(world.mails_to("ann@example.test")[-1])["PARTSTAT"] == "ACCEPTED"


def test_an_occurrence_moved_or_cancelled_is_named_in_the_subject(world: World) -> None:
    """Point 2: a change to one occurrence of a stored series goes out as the series, its Subject naming
    that occurrence's day; the next whole-series change names the series again."""
    uid, start, key, series = weekly_series_answered_yes(world)

    def occurrence(method: str, week: int, moved: timedelta) -> str:
        day = start + timedelta(weeks=week)
        text = calendar_text(method, uid, organizer=ORGANIZER, start=day + moved, sequence=1,
                             attendees=((f"snack@{world.domain}", "NEEDS-ACTION"),))  # fmt: skip
        return text.replace("END:VEVENT", f"RECURRENCE-ID:{day:%Y%m%dT%H%M%SZ}\r\nEND:VEVENT")

    def named(week: int) -> str:
        day = (start + timedelta(weeks=week)).date()
        return format_day(day, "en")

    deliver_invitation(world, occurrence("REQUEST", 2, timedelta(hours=3)), ORGANIZER)
    world.pump()
    moved = world.mails_to("ann@example.test")[-1]
    assert moved["Subject"].strip() == f"Updated invitation: Webinar @ {named(2)} (this occurrence moved)"
    assert any("RECURRENCE-ID" in vevent for vevent in sent_calendars_are_clean([moved])[0].walk("VEVENT"))

    deliver_invitation(world, occurrence("CANCEL", 3, timedelta(0)), ORGANIZER, "CANCEL")
    world.pump()
    cancelled = world.mails_to("ann@example.test")[-1]
    assert cancelled["Subject"].strip() == f"Cancelled: Webinar @ {named(3)} (this occurrence only)"
    assert "EXDATE" in sent_calendars_are_clean([cancelled])[0].walk("VEVENT")[0]
    assert not world.services.store.get_event(key).cancelled

    renamed = series.replace("SUMMARY:Webinar", "SUMMARY:Webinar 2").replace("SEQUENCE:0", "SEQUENCE:2")
    deliver_invitation(world, weekly(renamed), ORGANIZER)
    world.pump()
    assert len(world.mails_to("ann@example.test")) == 4
    assert "occurrence" not in world.mails_to("ann@example.test")[-1]["Subject"]


#: A VTIMEZONE whose offset is not Europe/Paris's: readers that follow it disagree with icalendar.
WRONG_ZONE = "\r\n".join([
        "BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//test//EN", "METHOD:REQUEST",
        "BEGIN:VTIMEZONE", "TZID:Europe/Paris", "BEGIN:STANDARD", "TZOFFSETFROM:+0200", "TZOFFSETTO:+0300",
        "DTSTART:19701025T030000", "RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU", "END:STANDARD", "END:VTIMEZONE",
        "BEGIN:VEVENT", "UID:a@example.test", "DTSTAMP:20270101T000000Z",
        "DTSTART;TZID=Europe/Paris:20270115T100000", "RRULE:FREQ=WEEKLY",
        "EXDATE;TZID=Europe/Paris:20270122T100000", "END:VEVENT", "END:VCALENDAR", "",
])  # fmt: skip


def test_the_second_reader_catches_a_zone_that_disagrees_with_its_name() -> None:
    """tests/interop.py holds vobject's reading (it follows the VTIMEZONE) to icalendar's (which
    follows the TZID's IANA name): a VTIMEZONE with a wrong offset makes them disagree."""
    message = EmailMessage()
    message.add_attachment(WRONG_ZONE.encode(), maintype="text", subtype="calendar")
    with pytest.raises(AssertionError, match="vobject reads another start"):
        sent_calendars_are_clean([message])


def test_icaljs_reads_the_start_the_vtimezone_gives() -> None:
    """ical.js, the third reader, follows the VTIMEZONE too, so the wrong offset shows there."""
    if missing := icaljs_missing():
        pytest.skip(f"ical.js reading: {missing}")
    [read] = icaljs_starts([WRONG_ZONE])
    assert read != icaljs_expected(Calendar.from_ical(WRONG_ZONE))
    assert read[0][2] == ["utc", int(datetime(2027, 1, 15, 7, tzinfo=UTC).timestamp())]
