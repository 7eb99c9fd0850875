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
    uid: str, organizer: str = "olga@example.test", *, method: str = "REQUEST", **kw
) -> EmailMessage:
    ics = calendar_text(
        method,
        uid,
        organizer=organizer,
        attendees=((f"snack@{DOMAIN}", "NEEDS-ACTION"), ("colleague@example.test", "ACCEPTED")),
        **kw,
    )
    return calendar_mail(f"Olga Organizer <{organizer}>", f"snack@{DOMAIN}", ics, method)


def reply(our_uid: str, attendee: str, partstat: str, *, sender: str | None = None) -> EmailMessage:
    ics = calendar_text("REPLY", our_uid, organizer=f"rsvp@{DOMAIN}", attendees=((attendee, partstat),))
    return calendar_mail(sender or attendee, f"rsvp@{DOMAIN}", ics, "REPLY", subject=f"{partstat}: Webinar")
