"""What a personal invitation says to a person: its Subject and its text and HTML bodies.

Written once per revision (the renderer keeps them in its template), so they may take
their time; the landing link in them is the only per-send value.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, tzinfo
from html import escape
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from calsnack.config import Settings
from calsnack.domain.model import Event, Method
from calsnack.ical.description import published_html
from calsnack.ical.write import all_day_dates

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
    """Plain and HTML bodies, line ends normalized as the email package would store them."""
    who = event.organizer_name or event.organizer
    if method is Method.CANCEL:
        lead = f"{who} cancelled this event."
    elif event.sequence:
        lead = f"{who} updated this event."
    else:
        lead = f"{who} invites you to this event."
    description = _lines(event.description).strip("\n")
    rows = [("When", when)]
    if event.location:
        rows.append(("Where", event.location))
    if event.meeting_url:
        rows.append(("Join", event.meeting_url))

    plain = [lead, "", event.summary, *(f"{label}: {value}" for label, value in rows)]
    if description:
        plain += ["", description]
    if landing_url:
        plain += ["", f"Answer and details: {landing_url}"]
    plain += ["", f"Sent by {who} with {settings.product_name}."]

    cells = "".join(
        f'<tr><td style="padding-right:1em;color:#555">{label}</td>'
        f"<td>{_linked(value) if label == 'Join' else _html_lines(value)}</td></tr>\n"
        for label, value in rows
    )
    html = [
        "<!DOCTYPE html>",
        '<html><body style="font-family:sans-serif">',
        f"<p>{escape(lead)}</p>",
        f"<h2>{escape(event.summary)}</h2>",
        f"<table>\n{cells}</table>",
    ]
    if description:
        html.append(f"<div>{published_html(event.calendar, description)}</div>")
    if landing_url:
        html.append(f'<p><a href="{escape(landing_url)}">Answer and details</a></p>')
    html += [
        f'<p style="color:#777;font-size:small">Sent by {escape(who)} with {escape(settings.product_name)}.</p>',
        "</body></html>",
    ]
    return _lines("\n".join(plain)) + "\n", _lines("\n".join(html)) + "\n"


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


def _html_lines(text: str) -> str:
    """Escaped text with its line breaks (a CSV location may be a street address on lines)."""
    return "<br>".join(escape(line) for line in _lines(text).split("\n"))


def _linked(url: str) -> str:
    if urlsplit(url).scheme in ("http", "https"):
        return f'<a href="{escape(url)}">{escape(url)}</a>'
    return escape(url)


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
