"""The calendar of a personal invitation: the organizer's VEVENT(s) from our ORGANIZER to one attendee.

`personal_calendar` builds it with icalendar. The renderer asks for a layout instead, cut
where the attendee's ATTENDEE and DTSTAMP lines go: a CSV event's is spliced from its
stored text without parsing (`spliced_calendar`), a calendar client's is built once with
icalendar for a marker attendee (`rebuilt_calendar`).
"""

from __future__ import annotations

import re
from datetime import datetime
from functools import cache, lru_cache

from icalendar import Calendar, vCalAddress
from icalendar import Event as VEvent

from calsnack.config import Settings
from calsnack.domain.model import Event, Method, PartStat, Source
from calsnack.ical.alarms import organizer_alarms
from calsnack.ical.lines import text_line
from calsnack.ical.write import PRODID
from calsnack.mail.layout import PLACEHOLDER_DATE, Layout

# A calendar layout is filled with (ATTENDEE line, DTSTAMP line), in this order.
_ATTENDEE, _DTSTAMP = range(2)

# What the organizer's object may carry but a send sets for its revision and its one attendee.
_PER_SEND = ("UID", "SEQUENCE", "DTSTAMP", "ORGANIZER", "ATTENDEE")
# An ATTENDEE content line with its folded continuation lines.
_ATTENDEE_LINE = re.compile(rb"(?m)^ATTENDEE[;:](?:[^\r\n]|\r\n[ \t])*\r\n")
# How `event_calendar` starts and ends the text it stores for a CSV event.
_CSV_HEAD = f"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:{PRODID}\r\n"
_CSV_TAIL = "END:VEVENT\r\nEND:VCALENDAR\r\n"
# Lines a spliced VEVENT must not hold: a send sets them, or icalendar would drop or move them.
_NOT_SPLICED = re.compile(
    r"^(?:BEGIN|END|METHOD|UID|SEQUENCE|DTSTAMP|ORGANIZER|ATTENDEE|STATUS|RECURRENCE-ID)[;:]",
    re.MULTILINE | re.IGNORECASE,
)
# The alarm `reminder_text` writes, as icalendar writes it back: anything else is rebuilt.
_CSV_REMINDER = re.compile(
    r"BEGIN:VALARM\r\nACTION:DISPLAY\r\nDESCRIPTION:[^\r\n]*(?:\r\n [^\r\n]*)*\r\nTRIGGER:-?P[0-9WDTHMS]+\r\nEND:VALARM\r\n"
)
_NOT_A_ZONE = re.compile(r"^BEGIN:(?!(?:VTIMEZONE|STANDARD|DAYLIGHT)\r\n)", re.MULTILINE)
_TZID = re.compile(r";TZID=([^;:\r\n]*)")


def personal_calendar(
    settings: Settings,
    event: Event,
    method: Method,
    *,
    attendee: str,
    stamp: datetime,
    partstat: PartStat = PartStat.NEEDS_ACTION,
) -> bytes:
    """The organizer's VEVENT(s) as this revision, from our ORGANIZER to exactly one attendee."""
    source = Calendar.from_ical(event.calendar)
    calendar = Calendar()
    calendar.add("PRODID", PRODID)
    calendar.add("VERSION", "2.0")
    calendar.add("METHOD", method.value)
    organizer = _organizer(settings.rsvp_address, event.organizer_name or event.organizer)
    guest = _guest(attendee, method, partstat)
    for component in source.subcomponents:
        if component.name == "VTIMEZONE":
            calendar.add_component(component)
        elif component.name == "VEVENT":
            for name in _PER_SEND:
                component.pop(name, None)
            # The organizer's reminders go along; an e-mail alarm, which names people, does not.
            component.subcomponents = organizer_alarms(component, event.summary)
            component.add("UID", event.uid)
            component.add("SEQUENCE", event.itip_sequence)
            component.add("DTSTAMP", stamp)
            component.add("ORGANIZER", organizer)
            component.add("ATTENDEE", guest)
            if method is Method.CANCEL:
                component.pop("STATUS", None)
                component.add("STATUS", "CANCELLED")
            calendar.add_component(component)
    if not calendar.walk("VEVENT"):
        raise ValueError(f"event {event.key} has no VEVENT to send")
    calendar.add_missing_timezones()
    rendered: bytes = calendar.to_ical()
    return rendered


def spliced_calendar(settings: Settings, event: Event, method: Method) -> tuple[Layout, bytes] | None:
    """A CSV event's calendar as its stored text plus METHOD and the per-send lines, or None.

    What `personal_calendar` would build, without parsing: `event_calendar` wrote the text,
    so it is one VEVENT (and the VTIMEZONE it uses) in icalendar's own spelling and holds
    none of the lines a send sets. Anything else (a client's calendar, text of another
    shape) gets None and is rebuilt with icalendar. The bytes are the ATTENDEE line's prefix.
    """
    text = event.calendar
    if event.source is not Source.CSV or not (text.startswith(_CSV_HEAD) and text.endswith(_CSV_TAIL)):
        return None
    zones, found, vevent = ("\r\n" + text[len(_CSV_HEAD) : -len(_CSV_TAIL)]).partition("\r\nBEGIN:VEVENT\r\n")
    # A `reminder` cell's alarm (calsnack.ical.alarms) closes the VEVENT; the per-send lines go before it.
    vevent, found_alarm, alarm = vevent.partition("\r\nBEGIN:VALARM\r\n")
    alarm = f"BEGIN:VALARM\r\n{alarm}" if found_alarm else ""
    vevent += "\r\n" if found_alarm else ""
    if not found or _NOT_SPLICED.search(vevent) or (alarm and not _CSV_REMINDER.fullmatch(alarm)):
        return None
    if zones:
        zones = zones[2:] + "\r\n"
        if not zones.startswith("BEGIN:VTIMEZONE\r\n") or _NOT_A_ZONE.search(zones):
            return None
    if any(f"\r\nTZID:{tzid}\r\n" not in zones for tzid in _TZID.findall(vevent)):
        return None  # icalendar would add the missing VTIMEZONE
    head = f"{_CSV_HEAD}METHOD:{method.value}\r\n{zones}BEGIN:VEVENT\r\n{vevent}"
    ids = f"{text_line('UID', event.uid)}SEQUENCE:{event.itip_sequence}\r\n"
    end = ("STATUS:CANCELLED\r\n" if method is Method.CANCEL else "") + alarm + _CSV_TAIL
    organizer = _organizer_line(settings.rsvp_address, event.organizer_name or event.organizer)
    layout = Layout(
        runs=((head + ids).encode(), b"", organizer, b"", end.encode()),
        slots=((1, _DTSTAMP), (3, _ATTENDEE)),
    )
    return layout, attendee_prefix(method)


def rebuilt_calendar(settings: Settings, event: Event, method: Method, token: str) -> tuple[Layout, bytes]:
    """A client's calendar built by icalendar for a marker attendee named by `token`, cut at
    ATTENDEE and DTSTAMP; the bytes are the ATTENDEE line's prefix as icalendar wrote it."""
    attendee = f"{token}@calsnack.invalid"
    calendar = personal_calendar(settings, event, method, attendee=attendee, stamp=PLACEHOLDER_DATE)
    attendee_lines = {_unfold(line) for line in _ATTENDEE_LINE.findall(calendar)}
    if len(attendee_lines) != 1:
        raise RuntimeError("icalendar rendered the ATTENDEE line differently across VEVENTs")
    prefix, found, rest = attendee_lines.pop().partition(attendee.encode())
    if not found or rest != b"\r\n":
        raise RuntimeError("icalendar did not render the attendee address as the end of its line")
    attendee_marker = f"{token}ATTENDEE\r\n".encode()
    calendar = _ATTENDEE_LINE.sub(attendee_marker, calendar)
    return Layout.of(calendar, {attendee_marker: _ATTENDEE, dtstamp_line(PLACEHOLDER_DATE): _DTSTAMP}), prefix


@cache
def attendee_prefix(method: Method, partstat: PartStat = PartStat.NEEDS_ACTION) -> bytes:
    """The unfolded ATTENDEE line up to the address, as icalendar writes it."""
    marker = "attendee@calsnack.invalid"
    line = str(VEvent().content_line("ATTENDEE", _guest(marker, method, partstat)))
    prefix, found, rest = line.partition(marker)
    if not found or rest:
        raise RuntimeError("icalendar did not render the attendee address as the end of its line")
    return prefix.encode()


def attendee_line(prefix: bytes, address: str) -> bytes:
    """The attendee's ATTENDEE line, folded as RFC 5545 §3.1 asks: at most 75 octets a line,
    never inside a UTF-8 sequence."""
    line = prefix + address.encode()
    pieces = []
    start, limit = 0, 75
    while len(line) - start > limit:
        cut = start + limit
        while line[cut] & 0xC0 == 0x80:
            cut -= 1
        pieces.append(line[start:cut])
        start, limit = cut, 74  # a continuation line starts with the folding space
    pieces.append(line[start:])
    return b"\r\n ".join(pieces) + b"\r\n"


def dtstamp_line(moment: datetime) -> bytes:
    """The DTSTAMP line of a UTC moment."""
    return b"DTSTAMP:" + moment.strftime("%Y%m%dT%H%M%SZ").encode() + b"\r\n"


@lru_cache(maxsize=1024)
def _organizer_line(rsvp_address: str, name: str) -> bytes:
    """Our ORGANIZER line with the organizer's name, as icalendar writes it (CN quoting, folding)."""
    line: bytes = VEvent().content_line("ORGANIZER", _organizer(rsvp_address, name)).to_ical()
    return line + b"\r\n"


def _organizer(rsvp_address: str, name: str) -> vCalAddress:
    organizer = vCalAddress(f"mailto:{rsvp_address}")
    organizer.params["CN"] = name
    return organizer


def _guest(attendee: str, method: Method, partstat: PartStat = PartStat.NEEDS_ACTION) -> vCalAddress:
    """The one attendee; only a REQUEST asks for an answer (a cancellation expects none), and
    not again when it carries the answer the attendee gave."""
    guest = vCalAddress(f"mailto:{attendee}")
    guest.params.update(CUTYPE="INDIVIDUAL", ROLE="REQ-PARTICIPANT")
    if method is Method.REQUEST and partstat is PartStat.NEEDS_ACTION:
        guest.params.update(PARTSTAT="NEEDS-ACTION", RSVP="TRUE")
    elif method is Method.REQUEST:
        guest.params.update(PARTSTAT=partstat.value)
    return guest


def _unfold(line: bytes) -> bytes:
    return re.sub(rb"\r\n[ \t]", b"", line)
