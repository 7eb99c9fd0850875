"""Calendar mails shaped like real clients' (Google's multipart layout), for tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import make_msgid
from zoneinfo import ZoneInfo

DOMAIN = "snack.test"


def stamp(at: datetime | None = None) -> str:
    return (at or datetime.now(UTC)).strftime("%Y%m%dT%H%M%SZ")


def calendar_text(
    method: str,
    uid: str,
    *,
    organizer: str,
    sequence: int = 0,
    summary: str = "Webinar",
    start: datetime | None = None,
    hours: int = 1,
    attendees: tuple[tuple[str, str], ...] = (),
    dtstamp: datetime | None = None,
    status: str = "",
) -> str:
    begin = start or (datetime.now(UTC) + timedelta(days=30)).replace(minute=0, second=0, microsecond=0)
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Google Inc//Google Calendar 70.9054//EN",
        f"METHOD:{method}",
        "BEGIN:VEVENT",
        f"UID:{uid}",
        f"DTSTAMP:{stamp(dtstamp)}",
        f"DTSTART:{stamp(begin)}",
        f"DTEND:{stamp(begin + timedelta(hours=hours))}",
        f"SUMMARY:{summary}",
        f"ORGANIZER;CN=Olga Organizer:mailto:{organizer}",
        f"SEQUENCE:{sequence}",
    ]
    lines += [
        f"ATTENDEE;CUTYPE=INDIVIDUAL;ROLE=REQ-PARTICIPANT;PARTSTAT={p};RSVP=TRUE:mailto:{a}"
        for a, p in attendees
    ]
    if status:
        lines.append(f"STATUS:{status}")
    lines += ["END:VEVENT", "END:VCALENDAR", ""]
    return "\r\n".join(lines)


def calendar_mail(sender: str, to: str, ics: str, method: str, subject: str = "Invitation") -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = to
    msg["Subject"] = subject
    msg["Message-ID"] = make_msgid(domain="example.test")
    msg.set_content(f"{subject}\n")
    msg.add_alternative(ics, subtype="calendar", params={"method": method})
    return msg


def invitation(
    uid: str, organizer: str = "olga@example.test", *, method: str = "REQUEST", domain: str = DOMAIN, **kw
) -> EmailMessage:
    ics = calendar_text(
        method,
        uid,
        organizer=organizer,
        attendees=((f"snack@{domain}", "NEEDS-ACTION"), ("colleague@example.test", "ACCEPTED")),
        **kw,
    )
    return calendar_mail(f"Olga Organizer <{organizer}>", f"snack@{domain}", ics, method)


SHAPES = ("google", "outlook", "apple", "thunderbird")


def reply(
    our_uid: str,
    attendee: str,
    partstat: str,
    *,
    sender: str | None = None,
    domain: str = DOMAIN,
    shape: str = "google",
) -> EmailMessage:
    """An attendee's REPLY as the given client writes it (see ../shared/INTEROP.md)."""
    organizer = f"rsvp@{domain}"
    if shape == "google":
        ics = calendar_text("REPLY", our_uid, organizer=organizer, attendees=((attendee, partstat),))
        return calendar_mail(sender or attendee, organizer, ics, "REPLY", subject=f"{partstat}: Webinar")
    msg = EmailMessage()
    msg["From"] = sender or attendee
    msg["To"] = organizer
    msg["Subject"] = f"{partstat.title()}: Webinar"
    msg["Message-ID"] = make_msgid(domain="example.test")
    if shape == "outlook":
        # Exchange: no ORGANIZER, no DTSTAMP, X-MICROSOFT-CDO-*, base64, a single-part message.
        ics = "\r\n".join([
            "BEGIN:VCALENDAR", "METHOD:REPLY", "PRODID:Microsoft Exchange Server 2010", "VERSION:2.0",
            "BEGIN:VEVENT", f"ATTENDEE;PARTSTAT={partstat}:mailto:{attendee.upper()}",
            "COMMENT;LANGUAGE=en-US:See you there", f"UID:{our_uid}", "SEQUENCE:0",
            "DTSTART:20300101T100000Z", "DTEND:20300101T110000Z", "SUMMARY;LANGUAGE=en-US:Webinar",
            f"X-MICROSOFT-CDO-REPLYTIME:{stamp()}", "X-MICROSOFT-CDO-OWNERAPPTID:-1", "END:VEVENT",
            "END:VCALENDAR", "",
        ])  # fmt: skip
        return exchange_reply_mail(msg, ics)
    if shape == "apple":
        ics = "\r\n".join([
            "BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Apple Inc.//iPhone 3.0//EN", "METHOD:REPLY",
            "BEGIN:VEVENT", f"UID:{our_uid}", f"DTSTAMP:{stamp()}", "DTSTART:20300101T100000Z",
            "DTEND:20300101T110000Z", "SUMMARY:Webinar", "SEQUENCE:0",
            f'ORGANIZER;CN="Olga Organizer":mailto:{organizer}',
            f'ATTENDEE;CN="Att Endee";CUTYPE=INDIVIDUAL;EMAIL="{attendee}";PARTSTAT={partstat}:mailto:{attendee}',
            "X-CALENDARSERVER-PRIVATE-COMMENT:Thanks 🎉", "END:VEVENT", "END:VCALENDAR", "",
        ])  # fmt: skip
        return apple_reply_mail(msg, ics, partstat)
    # Thunderbird: the whole message is one text/calendar part.
    ics = calendar_text("REPLY", our_uid, organizer=organizer, attendees=((attendee, partstat),))
    ics = ics.replace("Google Inc//Google Calendar 70.9054", "Mozilla.org/NONSGML Mozilla Calendar V1.1")
    msg["Content-class"] = "urn:content-classes:calendarmessage"
    msg.set_content(ics, subtype="calendar", params={"method": "REPLY"})
    return msg


def batch_mail(
    sender: str, csv_text: str | bytes, *, domain: str = DOMAIN, filename: str = "batch.csv"
) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = f"batch@{domain}"
    msg["Subject"] = "Batch"
    msg["Message-ID"] = make_msgid(domain="example.test")
    msg.set_content("Commands attached.\n")
    data = csv_text.encode() if isinstance(csv_text, str) else csv_text
    msg.add_attachment(data, maintype="text", subtype="csv", filename=filename)
    return msg


#: The VTIMEZONE Exchange writes for its Windows zone name: rules from 1601.
EXCHANGE_PACIFIC = [
    "BEGIN:VTIMEZONE", "TZID:Pacific Standard Time", "BEGIN:STANDARD", "DTSTART:16010101T020000",
    "TZOFFSETFROM:-0700", "TZOFFSETTO:-0800", "RRULE:FREQ=YEARLY;INTERVAL=1;BYDAY=1SU;BYMONTH=11",
    "END:STANDARD", "BEGIN:DAYLIGHT", "DTSTART:16010101T020000", "TZOFFSETFROM:-0800", "TZOFFSETTO:-0700",
    "RRULE:FREQ=YEARLY;INTERVAL=1;BYDAY=2SU;BYMONTH=3", "END:DAYLIGHT", "END:VTIMEZONE",
]  # fmt: skip
#: The VTIMEZONE Google and Apple write for America/Los_Angeles.
IANA_PACIFIC = [
    "BEGIN:VTIMEZONE", "TZID:America/Los_Angeles", "X-LIC-LOCATION:America/Los_Angeles",
    "BEGIN:DAYLIGHT", "TZOFFSETFROM:-0800", "TZOFFSETTO:-0700", "TZNAME:PDT", "DTSTART:19700308T020000",
    "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=2SU", "END:DAYLIGHT", "BEGIN:STANDARD", "TZOFFSETFROM:-0700",
    "TZOFFSETTO:-0800", "TZNAME:PST", "DTSTART:19701101T020000", "RRULE:FREQ=YEARLY;BYMONTH=11;BYDAY=1SU",
    "END:STANDARD", "END:VTIMEZONE",
]  # fmt: skip


def occurrence_reply(
    our_uid: str,
    attendee: str,
    partstat: str,
    occurrence: datetime,
    *,
    first: datetime,
    domain: str = DOMAIN,
    shape: str,
) -> EmailMessage:
    """An attendee's answer for one occurrence of a Pacific-time series ("decline this occurrence
    only"), as each client writes it: a VEVENT whose RECURRENCE-ID names the occurrence by its
    wall time in the series' zone, under the client's own name for that zone.

    Google writes the IANA name in a `multipart/alternative`; Exchange its Windows name, no
    ORGANIZER and no DTSTAMP, base64, with a COMMENT; Apple quoted parameters and `EMAIL=`, as a
    `meeting.ics` attachment, and the master VEVENT with the series answer (ACCEPTED) beside the
    occurrence, as clients that reply with the whole event they hold do (`first` is the
    series' first start).
    """
    wall = occurrence.astimezone(ZoneInfo("America/Los_Angeles"))
    organizer = f"rsvp@{domain}"
    when = f"{wall:%Y%m%dT%H%M%S}"
    until = f"{wall + timedelta(hours=1):%Y%m%dT%H%M%S}"
    msg = EmailMessage()
    msg["From"], msg["To"] = attendee, organizer
    msg["Message-ID"] = make_msgid(domain="example.test")
    if shape == "google":
        ics = "\r\n".join([
            "BEGIN:VCALENDAR", "PRODID:-//Google Inc//Google Calendar 70.9054//EN", "VERSION:2.0",
            "CALSCALE:GREGORIAN", "METHOD:REPLY", *IANA_PACIFIC, "BEGIN:VEVENT",
            f"DTSTART;TZID=America/Los_Angeles:{when}", f"DTEND;TZID=America/Los_Angeles:{until}",
            f"DTSTAMP:{stamp()}", f"ORGANIZER;CN=Olga Organizer:mailto:{organizer}", f"UID:{our_uid}",
            f"RECURRENCE-ID;TZID=America/Los_Angeles:{when}",
            f"ATTENDEE;CUTYPE=INDIVIDUAL;ROLE=REQ-PARTICIPANT;PARTSTAT={partstat};CN={attendee};"
            f"X-NUM-GUESTS=0:mailto:{attendee}",
            "SEQUENCE:0", "STATUS:CONFIRMED", "SUMMARY:Weekly sync", "TRANSP:OPAQUE", "END:VEVENT",
            "END:VCALENDAR", "",
        ])  # fmt: skip
        return calendar_mail(attendee, organizer, ics, "REPLY", subject=f"{partstat.title()}: Weekly sync")
    msg["Subject"] = f"{partstat.title()}: Weekly sync"
    if shape == "outlook":
        ics = "\r\n".join([
            "BEGIN:VCALENDAR", "METHOD:REPLY", "PRODID:Microsoft Exchange Server 2010", "VERSION:2.0",
            *EXCHANGE_PACIFIC, "BEGIN:VEVENT", f"ATTENDEE;PARTSTAT={partstat}:mailto:{attendee.upper()}",
            "COMMENT;LANGUAGE=en-US:Out that week", "SUMMARY;LANGUAGE=en-US:Declined: Weekly sync",
            f"DTSTART;TZID=Pacific Standard Time:{when}", f"DTEND;TZID=Pacific Standard Time:{until}",
            f"UID:{our_uid}", f"RECURRENCE-ID;TZID=Pacific Standard Time:{when}", "CLASS:PUBLIC",
            "PRIORITY:5", "TRANSP:OPAQUE", "STATUS:CONFIRMED", "SEQUENCE:0",
            "X-MICROSOFT-CDO-APPT-SEQUENCE:0", "X-MICROSOFT-CDO-OWNERAPPTID:-1",
            f"X-MICROSOFT-CDO-REPLYTIME:{stamp()}", "END:VEVENT", "END:VCALENDAR", "",
        ])  # fmt: skip
        return exchange_reply_mail(msg, ics)
    start = f"{first.astimezone(ZoneInfo('America/Los_Angeles')):%Y%m%dT%H%M%S}"
    person = f'ATTENDEE;CN="Ann Attendee";CUTYPE=INDIVIDUAL;EMAIL="{attendee}";PARTSTAT='
    ics = "\r\n".join([
        "BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Apple Inc.//macOS 14.4//EN", "METHOD:REPLY",
        *IANA_PACIFIC, "BEGIN:VEVENT", f"UID:{our_uid}", f"DTSTAMP:{stamp()}",
        f"DTSTART;TZID=America/Los_Angeles:{start}", "DURATION:PT1H", "RRULE:FREQ=WEEKLY;COUNT=6",
        "SEQUENCE:0", "SUMMARY:Weekly sync", f'ORGANIZER;CN="Olga Organizer":mailto:{organizer}',
        f"{person}ACCEPTED:mailto:{attendee}", "END:VEVENT", "BEGIN:VEVENT", f"UID:{our_uid}",
        f"DTSTAMP:{stamp()}", f"RECURRENCE-ID;TZID=America/Los_Angeles:{when}",
        f"DTSTART;TZID=America/Los_Angeles:{when}", "DURATION:PT1H", "SEQUENCE:0", "SUMMARY:Weekly sync",
        f'ORGANIZER;CN="Olga Organizer":mailto:{organizer}', f"{person}{partstat}:mailto:{attendee}",
        "X-CALENDARSERVER-PRIVATE-COMMENT:Dentist", "END:VEVENT", "END:VCALENDAR", "",
    ])  # fmt: skip
    return apple_reply_mail(msg, ics, partstat)


def exchange_reply_mail(msg: EmailMessage, ics: str) -> EmailMessage:
    """Exchange's layout: the whole message is one base64 text/calendar part."""
    msg.set_content(ics.encode(), maintype="text", subtype="calendar", cte="base64",
                    params={"method": "REPLY", "charset": "utf-8"})  # fmt: skip
    return msg


def apple_reply_mail(msg: EmailMessage, ics: str, partstat: str) -> EmailMessage:
    """Apple's layout: a line of text and the REPLY as a quoted-printable meeting.ics."""
    msg.set_content(f"{partstat}\n")
    msg.add_attachment(ics.encode(), maintype="text", subtype="calendar", cte="quoted-printable",
                       params={"method": "REPLY"}, filename="meeting.ics")  # fmt: skip
    return msg
