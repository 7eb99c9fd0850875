"""What a personal invitation says to a person: its Subject and its text and HTML bodies.

Written once per revision (the renderer keeps them in its template), so they may take
their time; the landing link in them is the only per-send value.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, tzinfo
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from markupsafe import Markup

from calsnack.branding import Branding
from calsnack.config import Settings
from calsnack.domain.model import Event, Method
from calsnack.ical.description import published_html
from calsnack.ical.write import all_day_dates
from calsnack.templating import HtmlSlot, Shape, Slot, shape

_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def invitation_subject(event: Event, method: Method, when: str) -> str:
    """What the invitation is (new, updated, cancelled, one occurrence) and for which event and time."""
    occurrence = event.changed_occurrence
    if method is Method.CANCEL:
        kind = "Cancelled"
    elif occurrence:
        # The series goes out with one occurrence moved or excluded: name that one, by its day.
        day = _day(date.fromisoformat(occurrence))
        if event.occurrence_cancelled:
            kind, when = "Cancelled", f"{day} (this occurrence only)"
        else:
            kind, when = "Updated invitation", f"{day} (this occurrence moved)"
    elif event.sequence:
        kind = "Updated invitation"
    else:
        kind = "Invitation"
    # A header is one line; a client's SUMMARY may hold line breaks.
    return f"{kind}: {' '.join(event.summary.split())} @ {when}"


def invitation_texts(
    settings: Settings, event: Event, method: Method, landing_url: str, when: str
) -> tuple[str, str]:
    """Plain and HTML bodies (templates/mail/invitation.*), line ends normalized as the email
    package would store them.

    The templates are rendered once per brand and combination of empty fields (`_shapes`),
    and each event's values written into them: a batch of distinct events renders none.
    """
    values = invitation_values(event, method, landing_url, when)
    plain, html = _shapes(
        settings.branding,
        values["cancelled"],
        values["updated"],
        values["join_link"],
        *(bool(values[field]) for field in _FIELDS),
    )
    return _lines(plain.fill(values)), _lines(html.fill(values))


def invitation_values(event: Event, method: Method, landing_url: str, when: str) -> dict[str, Any]:
    """What the invitation templates are rendered with, but the brand."""
    description = _lines(event.description).strip("\n")
    return {
        "who": event.organizer_name or event.organizer,
        "summary": event.summary,
        "when": when,
        "location": event.location,
        "meeting_url": event.meeting_url,
        "description": description,
        # nh3-sanitized HTML, which the template writes as it is.
        "description_html": Markup(published_html(event.calendar, description)) if description else "",  # noqa: S704
        "landing_url": landing_url,
        "cancelled": method is Method.CANCEL,
        "updated": bool(event.sequence),
        # A mail links http(s) only, never javascript: or data:.
        "join_link": bool(event.meeting_url) and urlsplit(event.meeting_url).scheme in ("http", "https"),
    }


# The values the templates write: a Slot each in a shape, where they are not empty.
_FIELDS = (
    "who",
    "summary",
    "when",
    "location",
    "meeting_url",
    "description",
    "description_html",
    "landing_url",
)


@lru_cache(maxsize=512)
def _shapes(
    brand: Branding, cancelled: bool, updated: bool, join_link: bool, *present: bool
) -> tuple[Shape, Shape]:
    slots: dict[str, Any] = {
        field: (HtmlSlot if field == "description_html" else Slot)(field) if filled else ""
        for field, filled in zip(_FIELDS, present, strict=True)
    }
    values = {**slots, "brand": brand, "cancelled": cancelled, "updated": updated, "join_link": join_link}
    return shape("mail/invitation.txt", **values), shape("mail/invitation.html", **values)


def invitation_when(event: Event) -> str:
    """When the event is, as the Subject and the texts say it (once per revision)."""
    if event.all_day:
        first, after = all_day_dates(event.start, event.end)
        last = after - timedelta(days=1)
        return _day(first) if last == first else f"{_day(first)} - {_day(last)}"
    zone = _zone(event.timezone)
    start, end = _local(event.start, zone), _local(event.end, zone)
    if start.date() == end.date():
        span = f"{_day(start)} {start.hour:02}:{start.minute:02} - {end.hour:02}:{end.minute:02}"
    else:
        span = f"{_day(start)} {start.hour:02}:{start.minute:02} - {_day(end)} {end.hour:02}:{end.minute:02}"
    return f"{span} ({event.timezone})" if event.timezone else span


def _day(day: date) -> str:
    """English and locale-independent: strftime's %a and %b follow the host's locale."""
    return f"{_DAYS[day.weekday()]} {day.day} {_MONTHS[day.month - 1]} {day.year}"


def _zone(name: str) -> tzinfo | None:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def _local(moment: datetime, zone: tzinfo | None) -> datetime:
    return moment if zone is None or moment.tzinfo is None else moment.astimezone(zone)


def _lines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")
