"""Folding one changed or cancelled occurrence into a stored recurring event.

Clients send a change to one occurrence as a VEVENT with RECURRENCE-ID and no master.
Forwarding the whole series with the override (or an EXDATE for a cancelled occurrence)
is what every client applies correctly, so the stored calendar absorbs the instance.
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from icalendar import Calendar, Component


def _instance_id(component: Component) -> str | None:
    rid = component.get("RECURRENCE-ID")
    return None if rid is None else rid.to_ical().decode()


def is_instance_only(calendar_text: str) -> bool:
    events = Calendar.from_ical(calendar_text).walk("VEVENT")
    return bool(events) and all(_instance_id(e) is not None for e in events)


def merge_instances(stored_text: str, incoming_text: str, *, cancelled: bool) -> str:
    """The stored series with the incoming occurrences replacing (or, cancelled, excluding) their own."""
    stored = Calendar.from_ical(stored_text)
    incoming = Calendar.from_ical(incoming_text)
    instances = {i: e for e in incoming.walk("VEVENT") if (i := _instance_id(e)) is not None}
    master = next((e for e in stored.walk("VEVENT") if _instance_id(e) is None), None)
    stored.subcomponents = [
        c for c in stored.subcomponents if c.name != "VEVENT" or _instance_id(c) not in instances
    ]
    known_zones = {str(z.get("TZID")) for z in stored.walk("VTIMEZONE")}
    for zone in incoming.walk("VTIMEZONE"):
        if str(zone.get("TZID")) not in known_zones:
            stored.subcomponents.insert(0, zone)
    for event in instances.values():
        if cancelled:
            if master is not None:
                master.add("EXDATE", event.decoded("RECURRENCE-ID"))
        else:
            stored.add_component(event)
    text: str = stored.to_ical().decode()
    return text


def occurrence_day(incoming_text: str, timezone: str) -> str:
    """The ISO date of the first occurrence `incoming_text` changes, on the clock of `timezone`.

    What the attendee's calendar shows as that occurrence's original day: a RECURRENCE-ID in
    another zone (or UTC) is read in the event's own zone; a date or a floating time as written.
    """
    rid = next(e for e in Calendar.from_ical(incoming_text).walk("VEVENT") if _instance_id(e) is not None)
    moment = rid.decoded("RECURRENCE-ID")
    if isinstance(moment, datetime) and moment.tzinfo is not None and timezone:
        try:
            moment = moment.astimezone(ZoneInfo(timezone))
        except (ZoneInfoNotFoundError, ValueError):
            pass  # not an IANA name: the occurrence's own clock
    day: date = moment.date() if isinstance(moment, datetime) else moment
    return day.isoformat()
