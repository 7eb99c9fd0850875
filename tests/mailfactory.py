"""Calendar mails shaped like real clients' (Google's multipart layout), for tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import make_msgid

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
        msg.set_content(ics.encode(), maintype="text", subtype="calendar", cte="base64",
                        params={"method": "REPLY", "charset": "utf-8"})  # fmt: skip
        return msg
    if shape == "apple":
        ics = "\r\n".join([
            "BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Apple Inc.//iPhone 3.0//EN", "METHOD:REPLY",
            "BEGIN:VEVENT", f"UID:{our_uid}", f"DTSTAMP:{stamp()}", "DTSTART:20300101T100000Z",
            "DTEND:20300101T110000Z", "SUMMARY:Webinar", "SEQUENCE:0",
            f'ORGANIZER;CN="Olga Organizer":mailto:{organizer}',
            f'ATTENDEE;CN="Att Endee";CUTYPE=INDIVIDUAL;EMAIL="{attendee}";PARTSTAT={partstat}:mailto:{attendee}',
            "X-CALENDARSERVER-PRIVATE-COMMENT:Thanks 🎉", "END:VEVENT", "END:VCALENDAR", "",
        ])  # fmt: skip
        msg.set_content(f"{partstat}\n")
        msg.add_attachment(ics.encode(), maintype="text", subtype="calendar", cte="quoted-printable",
                           params={"method": "REPLY"}, filename="meeting.ics")  # fmt: skip
        return msg
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
