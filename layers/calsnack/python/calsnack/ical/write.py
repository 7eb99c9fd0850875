"""The calendar object of a CSV event: what `Event.calendar` holds until a send makes it personal.

`event_calendar` runs once per CSV CREATE/UPDATE row, so it writes the text directly
(`calsnack.ical.lines`); `icalendar_event_calendar` builds the same calendar with icalendar
and is the reference tests/unit/ical/test_write.py holds it to, byte for byte.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from functools import lru_cache
from typing import TYPE_CHECKING
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from icalendar import Calendar, Event, Timezone, vUri

from calsnack.ical.alarms import reminder_alarm, reminder_text
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

    The text is exactly what `icalendar_event_calendar` renders (same property order,
    escaping and folding), written in tens of microseconds instead of a millisecond.
    """
    vtimezone = ""
    if all_day:
        first, after = all_day_dates(start, end)
        dtstart = f"DTSTART;VALUE=DATE:{date_value(first)}\r\n"
        dtend = f"DTEND;VALUE=DATE:{date_value(after)}\r\n"
    else:
        zone = _zone(timezone)
        params, utc = _zone_form(timezone)
        local_start, local_end = _local(start, zone), _local(end, zone)
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
    notes = _notes(description, meeting_url)
    if notes:
        lines.append(text_line("DESCRIPTION", notes))
    where = location or meeting_url
    if where:
        lines.append(text_line("LOCATION", where))
    if meeting_url:
        lines.append(raw_line("URL", meeting_url))
        if _is_meet(meeting_url):
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


def icalendar_event_calendar(
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
    """`event_calendar` built with icalendar components: the reference the direct writer must equal."""
    vevent = Event()
    vevent.summary = summary
    if all_day:
        vevent.start, vevent.end = all_day_dates(start, end)
    else:
        zone = _zone(timezone)
        vevent.start = _local(start, zone)
        vevent.end = _local(end, zone)
    # Location is what every client shows and links; a meeting without a place happens at its link.
    where = location or meeting_url
    if where:
        vevent.location = where
    notes = _notes(description, meeting_url)
    if notes:
        vevent.description = notes
    if meeting_url:
        vevent.url = meeting_url
        # RFC 7986; a list keeps FEATURE a list (`Conference` would quote "AUDIO,VIDEO" into one value).
        vevent.add("CONFERENCE", vUri(meeting_url, params={"VALUE": "URI", "FEATURE": ["AUDIO", "VIDEO"]}))
        if _is_meet(meeting_url):
            # How Google's own invitations carry a Meet link; only for Meet, whose link it is.
            vevent.add("X-GOOGLE-CONFERENCE", meeting_url)
    if reminder is not None:
        vevent.add_component(reminder_alarm(reminder, summary))

    calendar = Calendar()
    calendar.add("PRODID", PRODID)
    calendar.add("VERSION", "2.0")
    calendar.add_component(vevent)
    if calendar.get_missing_tzids():  # UTC and all-day events need none
        calendar.subcomponents.insert(0, _vtimezone(timezone, vevent.start.year, vevent.end.year))
    text: str = calendar.to_ical().decode("utf-8")
    return text


def all_day_dates(start: datetime, end: datetime) -> tuple[date, date]:
    """DTSTART and the exclusive DTEND of an all-day event.

    `end` is an instant and exclusive, like DTEND: midnight ends the day before, any
    later time includes its day; an event lasts at least the day it starts.
    """
    first = start.date()
    after = end.date() if end.time() == time(0) else end.date() + timedelta(days=1)
    return first, max(after, first + timedelta(days=1))


def _notes(description: str, meeting_url: str) -> str:
    return "\n\n".join(part for part in (description, meeting_url and f"Join: {meeting_url}") if part)


def _is_meet(meeting_url: str) -> bool:
    return urlsplit(meeting_url).hostname == "meet.google.com"


def _zone(timezone: str) -> ZoneInfo:
    try:
        return ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"unknown time zone {timezone!r}") from exc


def _local(moment: datetime, zone: ZoneInfo) -> datetime:
    return moment.replace(tzinfo=zone) if moment.tzinfo is None else moment.astimezone(zone)


@lru_cache(maxsize=1024)
def _zone_form(timezone: str) -> tuple[str, bool]:
    """How icalendar writes a time in this zone: the parameters after DTSTART, and whether it is UTC.

    Asked of icalendar itself, once per zone: it writes aliases of UTC ("Etc/UTC", "Zulu")
    with a "Z" and no TZID, and every other zone with TZID and a VTIMEZONE.
    """
    probe = Event()
    probe.start = datetime(2000, 1, 1, tzinfo=_zone(timezone))
    line = str(probe.content_line("DTSTART", probe["DTSTART"]))
    head, _, value = line.rpartition(":")
    return head.removeprefix("DTSTART"), value.endswith("Z")


@lru_cache(maxsize=1024)
def _vtimezone_text(timezone: str, first_year: int, last_year: int) -> str:
    text: str = _vtimezone(timezone, first_year, last_year).to_ical().decode("utf-8")
    return text


@lru_cache(maxsize=256)
def _vtimezone(timezone: str, first_year: int, last_year: int) -> Timezone:
    """The zone's rules over the event's years only: the default 1970–2038 span adds kilobytes to every mail.

    Cached because icalendar searches every transition of the span; callers only read
    the component (`add_component` keeps a reference and `to_ical` does not change it).
    """
    _zone(timezone)
    return Timezone.from_tzid(
        timezone, first_date=date(first_year, 1, 1), last_date=date(last_year + 1, 1, 1)
    )
