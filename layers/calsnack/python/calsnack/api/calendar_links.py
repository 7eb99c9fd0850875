"""Add-to-calendar links for people whose calendar is on the web (Google, Outlook.com, Office 365,
Yahoo) and for Apple Calendar (a webcal:// subscription to the event's .ics).

The web services take an event in the URL of their "new event" form; the .ics download
covers every other client (and the full recurrence rules, which these links cannot carry).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode, urlsplit, urlunsplit
from zoneinfo import ZoneInfo

from calsnack.domain.model import Event

#: Web calendars refuse very long URLs; the landing page link carries the rest.
MAX_DETAILS = 1200


def _details(event: Event, landing_url: str) -> str:
    text = event.description.strip()
    if len(text) > MAX_DETAILS:
        text = text[:MAX_DETAILS].rstrip() + "…"
    extras = [part for part in (event.meeting_url and f"Join: {event.meeting_url}", landing_url) if part]
    return "\n\n".join(part for part in (text, *extras) if part)


def _all_day_range(event: Event) -> tuple[datetime, datetime]:
    """The first day and the day after the last, as the event's own zone sees them."""
    zone = ZoneInfo(event.timezone)
    start = event.start.astimezone(zone)
    end = event.end.astimezone(zone)
    last = end - timedelta(microseconds=1) if end.time() == datetime.min.time() else end
    return start, max(last + timedelta(days=1), start + timedelta(days=1))


def google_calendar_url(event: Event, landing_url: str) -> str:
    if event.all_day:
        first, after = _all_day_range(event)
        dates = f"{first:%Y%m%d}/{after:%Y%m%d}"
    else:
        dates = f"{event.start.astimezone(UTC):%Y%m%dT%H%M%SZ}/{event.end.astimezone(UTC):%Y%m%dT%H%M%SZ}"
    params = {
        "action": "TEMPLATE",
        "text": event.summary,
        "dates": dates,
        "details": _details(event, landing_url),
        "location": event.location or event.meeting_url,
        "ctz": event.timezone,
    }
    return "https://calendar.google.com/calendar/render?" + urlencode(params)


def outlook_url(event: Event, landing_url: str, *, host: str) -> str:
    """Outlook's compose deeplink; `host` is outlook.live.com (Outlook.com) or outlook.office.com (Office 365)."""
    if event.all_day:
        first, after = _all_day_range(event)
        start, end = f"{first:%Y-%m-%d}", f"{after:%Y-%m-%d}"
    else:
        start = f"{event.start.astimezone(UTC):%Y-%m-%dT%H:%M:%SZ}"
        end = f"{event.end.astimezone(UTC):%Y-%m-%dT%H:%M:%SZ}"
    params = {
        "path": "/calendar/action/compose",
        "rru": "addevent",
        "subject": event.summary,
        "startdt": start,
        "enddt": end,
        "allday": "true" if event.all_day else "false",
        "body": _details(event, landing_url),
        "location": event.location or event.meeting_url,
    }
    return f"https://{host}/calendar/0/deeplink/compose?" + urlencode(params)


def outlook_com_url(event: Event, landing_url: str) -> str:
    return outlook_url(event, landing_url, host="outlook.live.com")


def office365_url(event: Event, landing_url: str) -> str:
    return outlook_url(event, landing_url, host="outlook.office.com")


def yahoo_calendar_url(event: Event, landing_url: str) -> str:
    """Yahoo's "add event" form: UTC times (converted to the viewer's zone), or days with dur=allday."""
    params = {"v": "60", "title": event.summary}
    if event.all_day:
        first, after = _all_day_range(event)
        last = after - timedelta(days=1)
        params.update(st=f"{first:%Y%m%d}", et=f"{last:%Y%m%d}", dur="allday")
    else:
        params.update(
            st=f"{event.start.astimezone(UTC):%Y%m%dT%H%M%SZ}",
            et=f"{event.end.astimezone(UTC):%Y%m%dT%H%M%SZ}",
        )
    params.update(desc=_details(event, landing_url), in_loc=event.location or event.meeting_url)
    return "https://calendar.yahoo.com/?" + urlencode(params)


def webcal_url(ics_url: str) -> str:
    """The .ics link as webcal://: Apple Calendar (macOS, iOS) subscribes to it, so a later change
    or cancellation of the event reaches that calendar too; the query (the signature) is kept."""
    parts = urlsplit(ics_url)
    if parts.scheme not in ("http", "https"):
        raise ValueError(f"not a web URL: {ics_url!r}")
    return urlunsplit(("webcal", *parts[1:]))


@dataclass(frozen=True, slots=True)
class CalendarLinks:
    """Every add-to-calendar option a page offers, in the order it shows them."""

    ics: str
    apple: str
    google: str
    outlook: str
    office365: str
    yahoo: str


def calendar_links(event: Event, landing_url: str, ics_url: str) -> CalendarLinks:
    return CalendarLinks(
        ics=ics_url,
        apple=webcal_url(ics_url),
        google=google_calendar_url(event, landing_url),
        outlook=outlook_com_url(event, landing_url),
        office365=office365_url(event, landing_url),
        yahoo=yahoo_calendar_url(event, landing_url),
    )
