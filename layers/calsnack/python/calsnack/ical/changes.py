"""What attendees would see change between two versions of an event's calendar.

Organizers' clients re-send an event for reasons attendees never see: a guest added on the
organizer's side, a fresh DTSTAMP or LAST-MODIFIED. Forwarding each as an update makes every
attendee's client ask again, a million needless mails per batch. The reference servers
(sabre/vobject's iTIP broker, RFC 5546 §2.1.4) split the properties attendees see into
significant ones, whose change raises SEQUENCE and asks for a new answer, and informational
ones, which only refresh the text; everything else is no change at all.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from enum import IntEnum

from icalendar import Calendar, Component, vDDDLists, vDDDTypes

#: A change here moves or cancels the event: SEQUENCE goes up (sabre/vobject's list).
SIGNIFICANT = ("DTSTART", "DTEND", "DURATION", "DUE", "RRULE", "RDATE", "EXDATE", "STATUS")
#: Text attendees read; a change goes out, SEQUENCE kept where the organizer's client kept it.
INFORMATIONAL = (
    "SUMMARY",
    "LOCATION",
    "DESCRIPTION",
    "X-ALT-DESC",
    "URL",
    "CONFERENCE",
    "X-GOOGLE-CONFERENCE",
)


class Change(IntEnum):
    """Ordered, so the largest change among an event's occurrences speaks for the event."""

    NONE = 0
    INFORMATIONAL = 1
    SIGNIFICANT = 2


def seen_change(old: str, new: str) -> Change:
    """The change between two calendars (each VEVENT matched by RECURRENCE-ID); an occurrence
    added or removed is significant, since it is a time an attendee is or is no longer expected."""
    if old == new:
        return Change.NONE
    before, after = _occurrences(old), _occurrences(new)
    if before.keys() != after.keys():
        return Change.SIGNIFICANT
    return max((_change(before[rid], after[rid]) for rid in before), default=Change.NONE)


def _occurrences(text: str) -> dict[str, Component]:
    return {
        (rid.to_ical().decode() if (rid := vevent.get("RECURRENCE-ID")) is not None else ""): vevent
        for vevent in Calendar.from_ical(text).walk("VEVENT")
    }


def _change(old: Component, new: Component) -> Change:
    if any(_values(old, name) != _values(new, name) for name in SIGNIFICANT):
        return Change.SIGNIFICANT
    if any(_values(old, name) != _values(new, name) for name in INFORMATIONAL):
        return Change.INFORMATIONAL
    return Change.NONE


def _values(component: Component, name: str) -> list[str]:
    """The property's values as attendees read them, sorted (the order of EXDATE lines means
    nothing): times as instants, so the same moment written in another zone is no change."""
    value = component.get(name)
    values = value if isinstance(value, list) else [] if value is None else [value]
    found: list[str] = []
    for item in values:
        if isinstance(item, vDDDLists):
            found.extend(_moment(single.dt) for single in item.dts)
        elif isinstance(item, vDDDTypes):
            found.append(_moment(item.dt))
        else:
            found.append(item.to_ical().decode())
    if name == "STATUS":
        # Case means nothing, and an event without STATUS is confirmed.
        found = [text.upper() for text in found if text.upper() != "CONFIRMED"]
    return sorted(found)


def _moment(value: object) -> str:
    if isinstance(value, tuple):  # a PERIOD
        return "/".join(_moment(part) for part in value)
    if isinstance(value, datetime):
        return (
            value.astimezone(UTC).isoformat() if value.tzinfo is not None else f"{value.isoformat()} floating"
        )
    if isinstance(value, date):
        return f"{value.isoformat()} day"
    return str(value)
