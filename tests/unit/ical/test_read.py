"""Reading client calendars: zones, recurrence, methods, encodings, replies and what gets refused."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from zoneinfo import ZoneInfo

import pytest
from calsnack.ical.read import (
    ATTACHED_FILE,
    BOUNCE,
    NO_CALENDAR,
    UNREADABLE,
    CalendarMail,
    ClientEvent,
    NoCalendar,
    read_calendar_mail,
    read_calendar_text,
)
from calsnack.ical.zones import iana_zone
from icalendar import Calendar

from tests.unit.ical.conftest import google_invitation, mail, multipart, part, text_part, vcalendar

# What Outlook writes for Windows zones: a rule set that starts in 1601.
OUTLOOK_CENTRAL = """
BEGIN:VTIMEZONE
TZID:Central Standard Time
BEGIN:STANDARD
DTSTART:16010101T020000
TZOFFSETFROM:-0500
TZOFFSETTO:-0600
RRULE:FREQ=YEARLY;INTERVAL=1;BYDAY=1SU;BYMONTH=11
END:STANDARD
BEGIN:DAYLIGHT
DTSTART:16010101T020000
TZOFFSETFROM:-0600
TZOFFSETTO:-0500
RRULE:FREQ=YEARLY;INTERVAL=1;BYDAY=2SU;BYMONTH=3
END:DAYLIGHT
END:VTIMEZONE
"""


def vtimezone(
    tzid: str, *, standard: str, daylight: str | None = None, rules: tuple[str, str] = ("", "")
) -> str:
    """A client-defined zone: fixed at `standard`, or switching to `daylight` by the given RRULEs."""
    if daylight is None:
        observances = f"BEGIN:STANDARD\nDTSTART:19700101T000000\nTZOFFSETFROM:{standard}\nTZOFFSETTO:{standard}\nEND:STANDARD"
    else:
        to_standard, to_daylight = rules
        observances = (
            f"BEGIN:STANDARD\nDTSTART:16010101T020000\nTZOFFSETFROM:{daylight}\nTZOFFSETTO:{standard}\n"
            f"RRULE:{to_standard}\nEND:STANDARD\n"
            f"BEGIN:DAYLIGHT\nDTSTART:16010101T020000\nTZOFFSETFROM:{standard}\nTZOFFSETTO:{daylight}\n"
            f"RRULE:{to_daylight}\nEND:DAYLIGHT"
        )
    return f"BEGIN:VTIMEZONE\nTZID:{tzid}\n{observances}\nEND:VTIMEZONE"


US_RULES = ("FREQ=YEARLY;BYDAY=1SU;BYMONTH=11", "FREQ=YEARLY;BYDAY=2SU;BYMONTH=3")
EU_RULES = ("FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10", "FREQ=YEARLY;BYDAY=-1SU;BYMONTH=3")


def vevent(*lines: str, uid: str = "evt-1@example.org") -> str:
    body = "\n".join(lines)
    return f"BEGIN:VEVENT\nUID:{uid}\nDTSTAMP:20240601T120000Z\n{body}\nEND:VEVENT"


def only(mail_: CalendarMail) -> ClientEvent:
    assert len(mail_.events) == 1
    return mail_.events[0]


def outlook_mail(ics: str, *, method: str = "REQUEST") -> CalendarMail:
    """Exchange's layout: text and HTML alternatives, the calendar base64 as a third one."""
    calendar = part(ics.encode(), method=method, cte="base64")
    return read_calendar_mail(
        mail(multipart("alternative", text_part(), text_part("<p>x</p>", "html"), calendar))
    )


def shared(event: ClientEvent) -> Calendar:
    return Calendar.from_ical(event.calendar)


# Time zones


def test_windows_zone_becomes_its_iana_zone() -> None:
    ics = vcalendar(
        OUTLOOK_CENTRAL,
        vevent(
            "DTSTART;TZID=Central Standard Time:20240710T090000",
            "DTEND;TZID=Central Standard Time:20240710T100000",
            "SUMMARY:Quarterly review",
        ),
    )
    event = only(outlook_mail(ics))
    assert event.timezone == "America/Chicago"
    assert event.start == datetime(2024, 7, 10, 9, tzinfo=ZoneInfo("America/Chicago"))
    assert event.start.utcoffset() == timedelta(hours=-5)
    assert event.end - event.start == timedelta(hours=1)
    calendar = shared(event)
    assert "Central Standard Time" not in event.calendar
    assert calendar.get_used_tzids() == {"America/Chicago"}
    assert [timezone.tz_name for timezone in calendar.timezones] == ["America/Chicago"]
    assert calendar.events[0].start == event.start


@pytest.mark.parametrize(
    ("tzid", "param"),
    [
        ("(GMT+01.00) Sarajevo/Warsaw/Zagreb", "(GMT+01.00) Sarajevo/Warsaw/Zagreb"),
        ("Sarajevo, Skopje, Warsaw, Zagreb", '"Sarajevo, Skopje, Warsaw, Zagreb"'),
    ],
)
def test_outlook_display_name_resolves_through_its_cities(tzid: str, param: str) -> None:
    zone = vtimezone(tzid.replace(",", "\\,"), standard="+0100", daylight="+0200", rules=EU_RULES)
    ics = vcalendar(
        zone, vevent(f"DTSTART;TZID={param}:20240115T093000", f"DTEND;TZID={param}:20240115T103000")
    )
    event = only(read_calendar_text(ics))
    assert event.timezone == "Europe/Sarajevo"
    assert event.start == datetime(2024, 1, 15, 9, 30, tzinfo=ZoneInfo("Europe/Sarajevo"))


def test_custom_zone_resolves_through_its_offsets() -> None:
    tzid = "GMT -0500 (Standard) / GMT -0400 (Daylight)"
    zone = vtimezone(tzid, standard="-0500", daylight="-0400", rules=US_RULES)
    event = only(read_calendar_text(vcalendar(zone, vevent(f"DTSTART;TZID={tzid}:20200917T133000"))))
    # Havana has the same offsets and days but switches at another hour.
    assert event.timezone == "America/New_York"
    assert event.start == datetime(2020, 9, 17, 13, 30, tzinfo=ZoneInfo("America/New_York"))


def test_zone_matching_no_iana_zone_becomes_utc() -> None:
    zone = vtimezone("Mars Base", standard="+0317")
    ics = vcalendar(
        zone, vevent("DTSTART;TZID=Mars Base:20240301T120000", "DTEND;TZID=Mars Base:20240301T130000")
    )
    event = only(read_calendar_text(ics))
    assert event.timezone == "UTC"
    assert event.start == datetime(2024, 3, 1, 8, 43, tzinfo=UTC)
    calendar = shared(event)
    assert calendar.get_used_tzids() == set()
    assert not calendar.timezones
    assert calendar.events[0].start == event.start


def test_undefined_unknown_zone_is_read_as_utc() -> None:
    event = only(read_calendar_text(vcalendar(vevent("DTSTART;TZID=Nowhere:20240301T120000"))))
    assert (event.timezone, event.start) == ("UTC", datetime(2024, 3, 1, 12, tzinfo=UTC))


def test_floating_time_is_ordered_as_utc_and_resent_floating() -> None:
    """CONTRACT §2 "Times": a floating value means the same wall-clock time in what is sent."""
    event = only(read_calendar_text(vcalendar(vevent("DTSTART:20240301T120000", "RDATE:20240308T120000"))))
    assert (event.timezone, event.start) == ("UTC", datetime(2024, 3, 1, 12, tzinfo=UTC))
    assert "DTSTART:20240301T120000\r\n" in event.calendar
    assert "RDATE:20240308T120000\r\n" in event.calendar


def test_each_calendar_uses_its_own_zone_definition() -> None:
    """icalendar caches client zones by TZID process-wide; a second definition must still count."""
    starts = []
    for offset in ("+0317", "+0517"):
        zone = vtimezone("Mars Base", standard=offset)
        ics = vcalendar(zone, vevent("DTSTART;TZID=Mars Base:20240301T120000"))
        starts.append(only(read_calendar_text(ics)).start)
    assert starts == [datetime(2024, 3, 1, 8, 43, tzinfo=UTC), datetime(2024, 3, 1, 6, 43, tzinfo=UTC)]


@pytest.mark.parametrize(
    ("tzid", "expected"),
    [
        ("Europe/Berlin", "Europe/Berlin"),
        ("/freeassociation.sourceforge.net/Tzfile/Europe/Berlin", "Europe/Berlin"),
        ("/mozilla.org/20070129_1/America/New_York", "America/New_York"),
        ("W. Europe Standard Time", "Europe/Berlin"),
        ("w. europe standard time", "Europe/Berlin"),
        ("Central Standard Time (Mexico)", "America/Mexico_City"),
        # Lotus Notes writes Windows names without " Standard Time".
        ("FLE", "Europe/Kiev"),
        ("UTC", "UTC"),
        ("Etc/UTC", "UTC"),
        ("GMT", "UTC"),
        ("Nowhere", None),
    ],
)
def test_zone_names(tzid: str, expected: str | None) -> None:
    assert iana_zone(tzid, None, 2024) == expected


# Event shapes


def test_all_day_event() -> None:
    event = only(read_calendar_text(vcalendar(vevent("DTSTART;VALUE=DATE:20240704", "SUMMARY:Holiday"))))
    assert event.all_day
    assert event.timezone == "UTC"
    assert event.start == datetime(2024, 7, 4, tzinfo=UTC)
    assert event.end == datetime(2024, 7, 5, tzinfo=UTC)
    assert "DTSTART;VALUE=DATE:20240704" in event.calendar


def test_all_day_event_over_days() -> None:
    ics = vcalendar(vevent("DTSTART;VALUE=DATE:20240704", "DTEND;VALUE=DATE:20240707"))
    event = only(read_calendar_text(ics))
    assert (event.start, event.end) == (datetime(2024, 7, 4, tzinfo=UTC), datetime(2024, 7, 7, tzinfo=UTC))


def test_recurring_event_with_an_override_is_one_event() -> None:
    tz = "TZID=Romance Standard Time"
    master = vevent(
        f"DTSTART;{tz}:20240902T100000",
        f"DTEND;{tz}:20240902T110000",
        "RRULE:FREQ=WEEKLY;COUNT=10;BYDAY=MO",
        f"EXDATE;{tz}:20240909T100000,20240916T100000",
        f"RDATE;{tz}:20240905T100000",
        "SEQUENCE:2",
        "SUMMARY:Weekly sync",
    )
    moved = vevent(
        f"RECURRENCE-ID;{tz}:20240923T100000",
        f"DTSTART;{tz}:20240924T150000",
        f"DTEND;{tz}:20240924T160000",
        "SEQUENCE:3",
        "SUMMARY:Weekly sync (moved)",
    )
    paris = ZoneInfo("Europe/Paris")
    event = only(read_calendar_text(vcalendar(master, moved)))
    assert event.recurring
    assert event.summary == "Weekly sync"
    assert event.sequence == 3
    assert event.start == datetime(2024, 9, 2, 10, tzinfo=paris)
    calendar = shared(event)
    assert calendar.get_used_tzids() == {"Europe/Paris"}
    first, second = calendar.events
    assert [rule.to_ical() for rule in first.rrules] == [b"FREQ=WEEKLY;COUNT=10;BYDAY=MO"]
    assert first.exdates == [datetime(2024, 9, 9, 10, tzinfo=paris), datetime(2024, 9, 16, 10, tzinfo=paris)]
    assert first.rdates == [(datetime(2024, 9, 5, 10, tzinfo=paris), None)]
    assert second.decoded("RECURRENCE-ID") == datetime(2024, 9, 23, 10, tzinfo=paris)
    assert second.start == datetime(2024, 9, 24, 15, tzinfo=paris)


def test_lone_occurrence_speaks_for_its_event() -> None:
    ics = vcalendar(
        vevent("RECURRENCE-ID:20240923T100000Z", "DTSTART:20240924T150000Z", "SUMMARY:One of many")
    )
    event = only(read_calendar_text(ics))
    assert event.recurring
    assert event.start == datetime(2024, 9, 24, 15, tzinfo=UTC)


def test_dtend_wins_over_a_contradicting_duration() -> None:
    ics = vcalendar(vevent("DTSTART:20240301T120000Z", "DTEND:20240301T123000Z", "DURATION:PT1H"))
    event = only(read_calendar_text(ics))
    assert event.end - event.start == timedelta(minutes=30)
    assert "DURATION" not in shared(event).events[0]


def test_duration_gives_the_end() -> None:
    event = only(read_calendar_text(vcalendar(vevent("DTSTART:20240301T120000Z", "DURATION:PT45M"))))
    assert event.end - event.start == timedelta(minutes=45)
    assert shared(event).events[0].duration == timedelta(minutes=45)


def test_cancel_without_dtstart_keeps_the_times_it_carries() -> None:
    ics = vcalendar(vevent("DTEND:20240301T123000Z", "STATUS:CANCELLED"), method="CANCEL")
    event = only(read_calendar_text(ics))
    assert event.start == event.end == datetime(2024, 3, 1, 12, 30, tzinfo=UTC)
    assert event.status == "CANCELLED"


def test_event_without_any_date_is_refused() -> None:
    ics = vcalendar("BEGIN:VEVENT\nUID:no-date\nSUMMARY:When?\nEND:VEVENT")
    with pytest.raises(NoCalendar, match="no date"):
        read_calendar_text(ics)


def test_one_event_per_uid() -> None:
    ics = vcalendar(vevent("DTSTART:20240301T120000Z", uid="a"), vevent("DTSTART:20240302T120000Z", uid="b"))
    assert [event.uid for event in read_calendar_text(ics).events] == ["a", "b"]


def test_defaults() -> None:
    event = only(read_calendar_text(vcalendar(vevent("DTSTART:20240301T120000Z"))))
    assert event.sequence == 0
    assert event.status == "CONFIRMED"
    assert event.dtstamp == datetime(2024, 6, 1, 12, tzinfo=UTC)
    assert (event.organizer, event.organizer_name, event.attendees) == ("", "", ())
    assert (event.summary, event.location, event.description, event.meeting_url, event.comment) == ("",) * 5


def test_shared_calendar_drops_people_mail_alarms_and_client_internals_and_keeps_the_reminder() -> None:
    ics = vcalendar(
        vevent(
            "DTSTART:20240301T120000Z",
            "ORGANIZER;CN=Olga:mailto:olga@example.org",
            "ATTENDEE;PARTSTAT=ACCEPTED:mailto:ann@example.com",
            "X-MOZ-LASTACK:20240301T100000Z",
            "X-APPLE-TRAVEL-ADVISORY-BEHAVIOR:AUTOMATIC",
            "X-MICROSOFT-CDO-BUSYSTATUS:BUSY",
            "X-GOOGLE-CONFERENCE:https://meet.google.com/abc-defg-hij",
            "X-ALT-DESC;FMTTYPE=text/html:<p>Agenda</p>",
            "SUMMARY:Kick-off",
            "BEGIN:VALARM",
            "ACTION:DISPLAY",
            "TRIGGER:-PT15M",
            "X-WR-ALARMUID:5BDB9035",
            "ACKNOWLEDGED:20240301T114500Z",
            "END:VALARM",
            "BEGIN:VALARM",
            "ACTION:EMAIL",
            "TRIGGER:-PT30M",
            "SUMMARY:Soon",
            "DESCRIPTION:Kick-off soon",
            "ATTENDEE:mailto:olga@example.org",
            "END:VALARM",
            "BEGIN:VALARM",
            "ACTION:DISPLAY",
            "TRIGGER:-PT5M",
            "X-APPLE-DEFAULT-ALARM:TRUE",
            "END:VALARM",
        )
    )
    event = only(read_calendar_text(ics))
    calendar = shared(event)
    assert "METHOD" not in calendar
    assert str(calendar["PRODID"]) == "-//calsnack//calsnack//EN"
    assert str(calendar["VERSION"]) == "2.0"
    (kept,) = calendar.events
    assert set(kept) == {"UID", "DTSTAMP", "DTSTART", "SUMMARY", "X-GOOGLE-CONFERENCE", "X-ALT-DESC"}
    # The organizer's display reminder goes along, with the text RFC 5545 requires of it; the
    # e-mail alarm (it names people) and Apple's device default do not.
    (alarm,) = kept.subcomponents
    assert dict(alarm) == {"ACTION": "DISPLAY", "TRIGGER": alarm["TRIGGER"], "DESCRIPTION": "Kick-off"}
    assert alarm["TRIGGER"].dt == -timedelta(minutes=15)
    assert event.organizer == "olga@example.org"
    assert event.attendees == (("ann@example.com", "ACCEPTED"),)


# Methods


def test_content_type_method_is_the_mail_method_and_the_body_method_the_events() -> None:
    ics = vcalendar(vevent("DTSTART:20240301T120000Z"), method="COUNTER")
    result = read_calendar_mail(google_invitation(ics, method="REPLY"))
    assert result.method == "REPLY"
    assert only(result).method == "COUNTER"


def test_content_type_method_stands_in_for_a_missing_calendar_method() -> None:
    result = read_calendar_mail(google_invitation(vcalendar(vevent("DTSTART:20240301T120000Z"), method=None)))
    assert (result.method, only(result).method) == ("REQUEST", "REQUEST")


def test_calendar_method_stands_in_for_a_missing_content_type_method() -> None:
    ics = vcalendar(vevent("DTSTART:20240301T120000Z"), method="CANCEL")
    result = read_calendar_mail(mail(part(ics.encode())))
    assert (result.method, only(result).method) == ("CANCEL", "CANCEL")


def test_bare_calendar_needs_a_method() -> None:
    ics = vcalendar(vevent("DTSTART:20240301T120000Z"), method=None)
    with pytest.raises(NoCalendar, match="no METHOD"):
        read_calendar_text(ics)
    assert read_calendar_text(ics, "request").method == "REQUEST"


def test_unknown_method_is_refused() -> None:
    with pytest.raises(NoCalendar, match="'SUBSCRIBE'"):
        read_calendar_text(vcalendar(vevent("DTSTART:20240301T120000Z"), method="SUBSCRIBE"))


# Transfer encodings and charsets

NON_ASCII = "Réunion – café ☕"


@pytest.mark.parametrize("cte", ["quoted-printable", "base64", "8bit"])
def test_transfer_encodings(cte: str) -> None:
    ics = vcalendar(vevent("DTSTART:20240301T120000Z", f"SUMMARY:{NON_ASCII}"))
    calendar = part(ics.encode(), method="REQUEST", cte=cte)
    event = only(read_calendar_mail(mail(multipart("alternative", text_part(), calendar))))
    assert event.summary == NON_ASCII


def test_unlabelled_windows_1252() -> None:
    ics = vcalendar(vevent("DTSTART:20240301T120000Z", "SUMMARY:Réunion – 5 €"))
    calendar = part(ics.encode("cp1252"), method="REQUEST", charset=None, cte="8bit")
    assert only(read_calendar_mail(mail(calendar))).summary == "Réunion – 5 €"


def test_utf8_labelled_as_ascii() -> None:
    ics = vcalendar(vevent("DTSTART:20240301T120000Z", f"SUMMARY:{NON_ASCII}"))
    calendar = part(ics.encode(), method="REQUEST", charset="us-ascii", cte="base64")
    assert only(read_calendar_mail(mail(calendar))).summary == NON_ASCII


# Replies


@pytest.mark.parametrize(
    ("lines", "comment"),
    [
        (
            ("ATTENDEE;PARTSTAT=DECLINED:mailto:ann@example.com", "COMMENT:On holiday\\, sorry"),
            "On holiday, sorry",
        ),
        (
            ('ATTENDEE;PARTSTAT=DECLINED;X-RESPONSE-COMMENT="On holiday":mailto:ann@example.com',),
            "On holiday",
        ),
        (
            ("ATTENDEE;PARTSTAT=DECLINED:mailto:ann@example.com", "X-RESPONSE-COMMENT:On holiday"),
            "On holiday",
        ),
        (
            (
                "ATTENDEE;PARTSTAT=declined:mailto:Ann@Example.com",
                "X-CALENDARSERVER-PRIVATE-COMMENT:On\\nholiday",
            ),
            "On\nholiday",
        ),
    ],
    ids=["comment", "google-parameter", "x-response-comment", "apple"],
)
def test_reply_answer_and_note(lines: tuple[str, ...], comment: str) -> None:
    ics = vcalendar(
        vevent("DTSTART:20240301T120000Z", "ORGANIZER:mailto:olga@example.org", *lines),
        method="REPLY",
    )
    event = only(read_calendar_mail(google_invitation(ics, method="REPLY")))
    assert event.method == "REPLY"
    assert event.attendees == (("ann@example.com", "DECLINED"),)
    assert event.comment == comment


def test_attendee_without_partstat_needs_action() -> None:
    ics = vcalendar(vevent("DTSTART:20240301T120000Z", "ATTENDEE;RSVP=TRUE:mailto:bob@example.com"))
    assert only(read_calendar_text(ics)).attendees == (("bob@example.com", "NEEDS-ACTION"),)


def test_outlook_reply_without_organizer_or_dtstamp() -> None:
    ics = vcalendar(
        OUTLOOK_CENTRAL,
        "\n".join(
            [
                "BEGIN:VEVENT",
                "UID:040000008200E00074C5B7101A82E008",
                "DTSTART;TZID=Central Standard Time:20240710T090000",
                "DTEND;TZID=Central Standard Time:20240710T100000",
                "ATTENDEE;PARTSTAT=ACCEPTED;CN=Ann Attendee:mailto:ANN@example.com",
                "COMMENT;LANGUAGE=en-US:See you there",
                "SEQUENCE:0",
                "X-MICROSOFT-CDO-REPLYTIME:20240601T101500Z",
                "END:VEVENT",
            ]
        ),
        method="REPLY",
    )
    event = only(outlook_mail(ics, method="REPLY"))
    assert (event.organizer, event.organizer_name, event.dtstamp) == ("", "", None)
    assert event.attendees == (("ann@example.com", "ACCEPTED"),)
    assert event.comment == "See you there"
    assert event.timezone == "America/Chicago"
    assert "X-MICROSOFT" not in event.calendar


def test_organizer_email_parameter_beats_the_icloud_relay() -> None:
    organizer = "ORGANIZER;CN=Ben Bitdiddle;EMAIL=ben@icloud.com:mailto:2_HEZDSOJZGEZ@imip.me.com"
    event = only(read_calendar_text(vcalendar(vevent("DTSTART:20240301T120000Z", organizer))))
    assert (event.organizer, event.organizer_name) == ("ben@icloud.com", "Ben Bitdiddle")


def test_organizer_address_is_normalized() -> None:
    event = only(
        read_calendar_text(vcalendar(vevent("DTSTART:20240301T120000Z", "ORGANIZER:MAILTO:Olga@Example.ORG")))
    )
    assert event.organizer == "olga@example.org"


# Meeting links


@pytest.mark.parametrize(
    ("line", "url"),
    [
        ("X-GOOGLE-CONFERENCE:https://meet.google.com/abc-defg-hij", "https://meet.google.com/abc-defg-hij"),
        ("CONFERENCE;VALUE=URI;FEATURE=VIDEO:https://meet.jit.si/calsnack", "https://meet.jit.si/calsnack"),
        ("CONFERENCE;VALUE=URI;FEATURE=PHONE:tel:+1-555-0100", ""),
        (
            "X-MICROSOFT-SKYPETEAMSMEETINGURL:https://teams.microsoft.com/l/meetup-join/19%3ameeting_abc",
            "https://teams.microsoft.com/l/meetup-join/19%3ameeting_abc",
        ),
        (
            "DESCRIPTION:Join: <https://teams.microsoft.com/l/meetup-join/19%3ameeting_abc%40thread.v2/0?context=x>",
            "https://teams.microsoft.com/l/meetup-join/19%3ameeting_abc%40thread.v2/0?context=x",
        ),
        (
            "LOCATION:https://us02web.zoom.us/j/123456789?pwd=abc",
            "https://us02web.zoom.us/j/123456789?pwd=abc",
        ),
        (
            "DESCRIPTION:Agenda at https://example.com/agenda. Zoom: https://zoom.us/j/42.",
            "https://zoom.us/j/42",
        ),
        ("URL:https://meet.google.com/xyz-abcd-efg", "https://meet.google.com/xyz-abcd-efg"),
        ("URL:https://example.com/event-page", ""),
        ("DESCRIPTION:Slides: https://example.com/slides", ""),
    ],
)
def test_meeting_url(line: str, url: str) -> None:
    assert only(read_calendar_text(vcalendar(vevent("DTSTART:20240301T120000Z", line)))).meeting_url == url


# Which mail parts count


def invitation_ics(method: str = "REQUEST") -> bytes:
    return vcalendar(vevent("DTSTART:20240301T120000Z", "SUMMARY:Launch"), method=method).encode()


def test_calendar_attached_to_a_plain_mail_is_not_an_invitation() -> None:
    attached = part(invitation_ics(), filename="event.ics")
    with pytest.raises(NoCalendar) as refused:
        read_calendar_mail(mail(multipart("mixed", text_part("Here is the event"), attached)))
    assert str(refused.value) == ATTACHED_FILE


def test_attachment_that_declares_its_method_is_an_invitation() -> None:
    attached = part(invitation_ics(), method="REQUEST", filename="event.ics")
    assert read_calendar_mail(mail(multipart("mixed", text_part(), attached))).method == "REQUEST"


def test_calendar_rendering_without_method_is_read() -> None:
    """Old Apple Mail replies: the calendar is one of the alternatives, with no method=."""
    rendering = multipart(
        "mixed", text_part("<p>Accepted</p>", "html"), part(invitation_ics("REPLY"), filename="a.ics")
    )
    message = mail(multipart("alternative", text_part("Accepted"), rendering))
    assert read_calendar_mail(message).method == "REPLY"


def test_forwarded_google_invitation_is_read() -> None:
    """Thunderbird forwards Google's calendar part without method=, next to invite.ics."""
    forwarded = part(invitation_ics(), charset=None, cte="8bit", filename="Forwarded message part")
    attachment = part(
        invitation_ics(), content_type="application/ics", charset=None, cte="base64", filename="invite.ics"
    )
    body = multipart("alternative", text_part("---- Forwarded ----"), text_part("<p>Forwarded</p>", "html"))
    result = read_calendar_mail(mail(multipart("mixed", body, forwarded, attachment)))
    assert (result.method, only(result).summary) == ("REQUEST", "Launch")


def test_message_that_is_only_a_calendar_is_read() -> None:
    assert read_calendar_mail(mail(part(invitation_ics("CANCEL")))).method == "CANCEL"


def test_invitation_forwarded_as_an_attached_message_is_read() -> None:
    original = google_invitation(invitation_ics().decode())
    outer = multipart("mixed", text_part("FYI"))
    outer.add_attachment(original)
    assert read_calendar_mail(mail(outer)).method == "REQUEST"


def test_outlook_tnef_is_refused_with_advice() -> None:
    tnef = part(
        b"\x78\x9f\x3e\x22",
        content_type="application/ms-tnef",
        charset=None,
        cte="base64",
        filename="winmail.dat",
    )
    with pytest.raises(NoCalendar, match="iCalendar format"):
        read_calendar_mail(mail(multipart("mixed", text_part(), tnef)))


def test_plain_mail_is_refused() -> None:
    with pytest.raises(NoCalendar) as refused:
        read_calendar_mail(mail(multipart("alternative", text_part(), text_part("<p>hi</p>", "html"))))
    assert str(refused.value) == NO_CALENDAR


def test_bounce_carrying_an_invitation_is_refused() -> None:
    report = multipart(
        "report", text_part("Delivery failed"), text_part("Reporting-MTA: dns; mx.example", "plain")
    )
    report.set_param("report-type", "delivery-status")
    returned = EmailMessage()
    returned.set_content(google_invitation(invitation_ics().decode()))
    report.attach(returned)
    message = mail(report)
    assert message.get_content_type() == "multipart/report"
    with pytest.raises(NoCalendar) as refused:
        read_calendar_mail(message)
    assert str(refused.value) == BOUNCE


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"", "it is empty"),
        (b"this is not a calendar", ""),
        (vcalendar("BEGIN:VTODO\nUID:t\nEND:VTODO").encode(), "it holds no event"),
        (vcalendar("BEGIN:VEVENT\nDTSTART:20240301T120000Z\nEND:VEVENT").encode(), "no UID"),
    ],
    ids=["empty", "garbage", "no-event", "no-uid"],
)
def test_unreadable_calendar_is_refused(body: bytes, reason: str) -> None:
    with pytest.raises(NoCalendar) as refused:
        read_calendar_mail(mail(part(body, method="REQUEST", cte="base64")))
    assert str(refused.value).startswith(f"{UNREADABLE}: ")
    assert reason in str(refused.value)
