"""The calendar object of a CSV event: what `Event.calendar` holds until a send makes it personal.

`event_calendar` runs once per CSV CREATE/UPDATE row, so it writes the text directly
(`calsnack.ical.lines`); tests/reference.py builds the same calendar with icalendar, the
reference tests/unit/ical/test_write.py holds it to, byte for byte.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from functools import lru_cache
from typing import TYPE_CHECKING
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from icalendar import Event, Timezone

from calsnack.ical.alarms import reminder_text
from calsnack.ical.lines import date_value, datetime_value, fold, raw_line, text_line

if TYPE_CHECKING:
    from calsnack.domain.model import Event as StoredEvent

PRODID = "-//calsnack//calsnack//EN"

_HEAD = f"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:{PRODID}\r\n"
_TAIL = "END:VEVENT\r\nEND:VCALENDAR\r\n"


def event_calendar(
    *,
    start: datetime,
    end: datetime,
    timezone: str,
    summary: str,
    location: str = "",
    description: str = "",
    meeting_url: str = "",
    all_day: bool = False,
    reminder: int | None = None,
) -> str:
    """A VCALENDAR with one VEVENT and the VTIMEZONE it needs, without METHOD.

    UID, DTSTAMP, SEQUENCE, ORGANIZER and ATTENDEE are left out on purpose: every send
    sets them for its revision and its one attendee, so the stored object never holds
    anything that differs between two messages. Naive `start`/`end` are wall-clock times
    in `timezone`; aware ones are converted to it.

    The text is exactly what icalendar renders (tests/reference.py) (same property order,
    escaping and folding), written in tens of microseconds instead of a millisecond.
    """
    vtimezone = ""
    if all_day:
        first, after = all_day_dates(start, end)
        dtstart = f"DTSTART;VALUE=DATE:{date_value(first)}\r\n"
        dtend = f"DTEND;VALUE=DATE:{date_value(after)}\r\n"
    else:
        zone = event_zone(timezone)
        params, utc = _zone_form(timezone)
        local_start, local_end = in_zone(start, zone), in_zone(end, zone)
        dtstart = fold(f"DTSTART{params}:{datetime_value(local_start, utc=utc)}") + "\r\n"
        dtend = fold(f"DTEND{params}:{datetime_value(local_end, utc=utc)}") + "\r\n"
        if params:  # UTC needs no VTIMEZONE
            vtimezone = _vtimezone_text(timezone, local_start.year, local_end.year)
    if "\r" in meeting_url or "\n" in meeting_url:
        raise ValueError(f"A URI value may not contain CR or LF characters: {meeting_url!r}")

    # icalendar's order: SUMMARY, DTSTART, DTEND, then the other properties alphabetically.
    lines = [_HEAD, vtimezone, "BEGIN:VEVENT\r\n", text_line("SUMMARY", summary), dtstart, dtend]
    if meeting_url:
        lines.append(raw_line("CONFERENCE;FEATURE=AUDIO,VIDEO;VALUE=URI", meeting_url))
    notes = meeting_notes(description, meeting_url)
    if notes:
        lines.append(text_line("DESCRIPTION", notes))
    where = location or meeting_url
    if where:
        lines.append(text_line("LOCATION", where))
    if meeting_url:
        lines.append(raw_line("URL", meeting_url))
        if is_meet(meeting_url):
            lines.append(raw_line("X-GOOGLE-CONFERENCE", meeting_url))
    if reminder is not None:
        lines.append(reminder_text(reminder, summary))
    lines.append(_TAIL)
    return "".join(lines)


def fields_calendar(event: StoredEvent) -> str:
    """The calendar a CSV event's own fields give: what a CSV row stores, and how the AWS
    store rebuilds a calendar it did not keep."""
    return event_calendar(
        start=event.start,
        end=event.end,
        timezone=event.timezone,
        summary=event.summary,
        location=event.location,
        description=event.description,
        meeting_url=event.meeting_url,
        all_day=event.all_day,
    )


def all_day_dates(start: datetime, end: datetime) -> tuple[date, date]:
    """DTSTART and the exclusive DTEND of an all-day event.

    `end` is an instant and exclusive, like DTEND: midnight ends the day before, any
    later time includes its day; an event lasts at least the day it starts.
    """
    first = start.date()
    after = end.date() if end.time() == time(0) else end.date() + timedelta(days=1)
    return first, max(after, first + timedelta(days=1))


def meeting_notes(description: str, meeting_url: str) -> str:
    """DESCRIPTION: the organizer's notes, then the meeting link for clients that show no URL."""
    return "\n\n".join(part for part in (description, meeting_url and f"Join: {meeting_url}") if part)


def is_meet(meeting_url: str) -> bool:
    """Only a Meet link gets X-GOOGLE-CONFERENCE: Google's invitations carry their own that way."""
    return urlsplit(meeting_url).hostname == "meet.google.com"


def event_zone(timezone: str) -> ZoneInfo:
    """The row's zone, or ValueError naming it: a CSV cell is the user's typing."""
    try:
        return ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"unknown time zone {timezone!r}") from exc


def in_zone(moment: datetime, zone: ZoneInfo) -> datetime:
    """A naive time is wall-clock time in `zone`; an aware one is converted to it."""
    return moment.replace(tzinfo=zone) if moment.tzinfo is None else moment.astimezone(zone)


@lru_cache(maxsize=1024)
def _zone_form(timezone: str) -> tuple[str, bool]:
    """How icalendar writes a time in this zone: the parameters after DTSTART, and whether it is UTC.

    Asked of icalendar itself, once per zone: it writes aliases of UTC ("Etc/UTC", "Zulu")
    with a "Z" and no TZID, and every other zone with TZID and a VTIMEZONE.
    """
    probe = Event()
    probe.start = datetime(2000, 1, 1, tzinfo=event_zone(timezone))
    line = str(probe.content_line("DTSTART", probe["DTSTART"]))
    head, _, value = line.rpartition(":")
    return head.removeprefix("DTSTART"), value.endswith("Z")


@lru_cache(maxsize=1024)
def _vtimezone_text(timezone: str, first_year: int, last_year: int) -> str:
    text: str = vtimezone(timezone, first_year, last_year).to_ical().decode("utf-8")
    return text


@lru_cache(maxsize=256)
def vtimezone(timezone: str, first_year: int, last_year: int) -> Timezone:
    """The zone's rules over the event's years only: the default 1970–2038 span adds kilobytes to every mail.

    Cached because icalendar searches every transition of the span; callers only read
    the component (`add_component` keeps a reference and `to_ical` does not change it).
    """
    event_zone(timezone)
    return Timezone.from_tzid(
        timezone, first_date=date(first_year, 1, 1), last_date=date(last_year + 1, 1, 1)
    )
