"""The event as a plain calendar file (METHOD:PUBLISH) for "add to my calendar" downloads."""

from __future__ import annotations

from datetime import UTC, datetime

from icalendar import Calendar

from calsnack.domain.model import Event, EventStatus


def publish_ics(event: Event) -> bytes:
    calendar = Calendar.from_ical(event.calendar)
    calendar["METHOD"] = "PUBLISH"
    for component in calendar.walk("VEVENT"):
        component["UID"] = event.uid
        component["SEQUENCE"] = event.itip_sequence
        component.DTSTAMP = datetime.now(UTC)
        if event.status is EventStatus.CANCELLED:
            component["STATUS"] = "CANCELLED"
    data: bytes = calendar.to_ical()
    return data
