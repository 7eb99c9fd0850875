"""The calendar object of a CSV event: what `Event.calendar` holds until a send makes it personal."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from functools import lru_cache
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from icalendar import Calendar, Event, Timezone, vUri

PRODID = "-//calsnack//calsnack//EN"


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
) -> str:
    """A VCALENDAR with one VEVENT and the VTIMEZONE it needs, without METHOD.

    UID, DTSTAMP, SEQUENCE, ORGANIZER and ATTENDEE are left out on purpose: every send
    sets them for its revision and its one attendee, so the stored object never holds
    anything that differs between two messages. Naive `start`/`end` are wall-clock times
    in `timezone`; aware ones are converted to it.
    """
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
    notes = "\n\n".join(part for part in (description, meeting_url and f"Join: {meeting_url}") if part)
    if notes:
        vevent.description = notes
    if meeting_url:
        vevent.url = meeting_url
        # RFC 7986; a list keeps FEATURE a list (`Conference` would quote "AUDIO,VIDEO" into one value).
        vevent.add("CONFERENCE", vUri(meeting_url, params={"VALUE": "URI", "FEATURE": ["AUDIO", "VIDEO"]}))
        if urlsplit(meeting_url).hostname == "meet.google.com":
            # How Google's own invitations carry a Meet link; only for Meet, whose link it is.
            vevent.add("X-GOOGLE-CONFERENCE", meeting_url)

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


def _zone(timezone: str) -> ZoneInfo:
    try:
        return ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"unknown time zone {timezone!r}") from exc


def _local(moment: datetime, zone: ZoneInfo) -> datetime:
    return moment.replace(tzinfo=zone) if moment.tzinfo is None else moment.astimezone(zone)


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
