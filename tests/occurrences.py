"""Each recurring event's occurrences as each reader expands them (tests/interop.py compares them).

A client shows the occurrences, not the VEVENTs: an RRULE expanded from its DTSTART in its zone,
RDATEs added, EXDATEs removed, and each overridden occurrence (a VEVENT with RECURRENCE-ID)
shown at its own start in its slot. icalendar expands through recurring-ical-events (its
maintainers' expander), vobject through `getrruleset()`, libical through `ICalGLib.RecurIterator`
and ical.js through `ICAL.Event.iterator()` (tests/icaljs/read.mjs). Every reader expands the
occurrences whose slot lies within HORIZON of the event's first slot, and the first LIMIT of
those are compared, by their start instants.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import recurring_ical_events
from icalendar import Calendar

#: A start as readers must agree on it: a UTC instant, a floating wall time or a date.
Instant = tuple[str, datetime | date]
#: Per UID: (the occurrence's slot, its start) for each occurrence, in no order.
Slots = dict[str, list[tuple[Instant, Instant]]]
#: Per UID: the start instants of its first LIMIT occurrences, in order.
Occurrences = dict[str, list[Instant]]

HORIZON = timedelta(days=2 * 365)
LIMIT = 50


def instant(value: datetime | date) -> Instant:
    if isinstance(value, datetime) and value.tzinfo is not None:
        return ("utc", value.astimezone(UTC))
    return ("floating" if isinstance(value, datetime) else "date", value)


def epoch(moment: Instant) -> float:
    """Seconds since 1970 with floating and date values read as UTC, as ical.js's toUnixTime does,
    so that every reader orders and bounds occurrences alike."""
    _, value = moment
    if not isinstance(value, datetime):
        value = datetime.combine(value, time())
    return (value if value.tzinfo else value.replace(tzinfo=UTC)).timestamp()


def until(firsts: Iterable[tuple[str, Instant]]) -> dict[str, float]:
    """Per UID, the epoch of the last slot expanded: HORIZON after its first (DTSTART or RECURRENCE-ID)."""
    bounds: dict[str, float] = {}
    for uid, first in firsts:
        bound = epoch(first) + HORIZON.total_seconds()
        bounds[uid] = min(bounds.get(uid, bound), bound)
    return bounds


def compared(slots: Slots, bounds: dict[str, float]) -> Occurrences:
    """The first LIMIT occurrences by slot within each UID's bound, as their sorted starts."""
    occurrences = {}
    for uid, pairs in slots.items():
        kept = sorted((p for p in pairs if epoch(p[0]) <= bounds[uid]), key=lambda p: (epoch(p[0]), p[0][0]))
        occurrences[uid] = sorted((start for _, start in kept[:LIMIT]), key=lambda s: (epoch(s), s[0]))
    return occurrences


def overridden(
    expanded: Iterable[Instant], overrides: dict[Instant, Instant]
) -> list[tuple[Instant, Instant]]:
    """Each expanded slot with its start: the override's where one names that slot."""
    return [(slot, overrides.get(slot, slot)) for slot in expanded]


def icalendar_slots(calendar: Calendar, bounds: dict[str, float]) -> Slots:
    """recurring-ical-events yields every occurrence with its RECURRENCE-ID (its slot) set.

    It selects by start, not by slot, so it is asked for a year either side of the bounds and
    `compared` keeps the slots within them.
    """
    slots: Slots = defaultdict(list)
    if not bounds:
        return slots
    margin = timedelta(days=366).total_seconds()
    window = [datetime.fromtimestamp(min(bounds.values()) - HORIZON.total_seconds() - margin, UTC),
              datetime.fromtimestamp(max(bounds.values()) + margin, UTC)]  # fmt: skip
    for occurrence in recurring_ical_events.of(calendar).between(*window):
        start = instant(occurrence.decoded("DTSTART"))
        rid = occurrence.get("RECURRENCE-ID")
        slots[str(occurrence["UID"])].append((start if rid is None else instant(rid.dt), start))
    return slots


def vobject_slots(calendar: Any, bounds: dict[str, float]) -> Slots:
    """dateutil's rruleset from vobject (RRULE, RDATE, EXDATE), overridden by RECURRENCE-ID VEVENTs."""
    masters, overrides = {}, defaultdict(dict)
    for vevent in calendar.contents.get("vevent", []):
        rid = vevent.contents.get("recurrence-id")
        uid = str(vevent.uid.value)
        if rid:
            overrides[uid][instant(rid[0].value)] = instant(vevent.dtstart.value)
        else:
            masters[uid] = vevent
    slots: Slots = {}
    for uid in {*masters, *overrides}:
        if uid not in masters:
            slots[uid] = list(overrides[uid].items())
            continue
        start = masters[uid].dtstart.value
        rules = masters[uid].getrruleset(addRDate=True)
        # vobject expands a DATE series as midnights.
        expanded = (
            (instant(slot if isinstance(start, datetime) else slot.date()) for slot in rules)
            if rules is not None
            else iter([instant(start)])
        )
        slots[uid] = overridden(bounded(expanded, bounds[uid]), overrides[uid])
    return slots


def bounded(expanded: Iterator[Instant], bound: float) -> Iterator[Instant]:
    """The slots of an ordered, possibly endless expansion up to `bound`."""
    for slot in expanded:
        if epoch(slot) > bound:
            return
        yield slot


def libical_instant(value: Any, zone: Any) -> Instant:
    """A libical time as an instant; `zone` is the ICalTimezone its TZID named, None when floating."""
    if value.is_date():
        return instant(date(value.get_year(), value.get_month(), value.get_day()))
    wall = datetime(
        value.get_year(),
        value.get_month(),
        value.get_day(),
        value.get_hour(),
        value.get_minute(),
        value.get_second(),
    )
    if value.is_utc():
        return instant(wall.replace(tzinfo=UTC))
    if zone is None:
        return instant(wall)
    return instant(datetime.fromtimestamp(value.as_timet_with_zone(zone), UTC))


def libical_properties(component: Any, kind: Any) -> Iterator[Any]:
    prop = component.get_first_property(kind)
    while prop is not None:
        yield prop
        prop = component.get_next_property(kind)


def libical_time(ical: Any, prop: Any, component: Any) -> Any:
    """A date-time property's value with its TZID resolved against the calendar's VTIMEZONEs."""
    return ical.Property.get_datetime_with_component(prop, component)


def libical_expanded(ical: Any, master: Any, bound: float) -> list[Instant]:
    """libical's own expansion up to `bound`: each RRULE through RecurIterator and the RDATEs,
    less what its own `recurrence_is_excluded` says an EXDATE removes."""
    start = master.get_dtstart()
    zone = start.get_timezone()
    slots = [] if any(libical_properties(master, ical.PropertyKind.RRULE_PROPERTY)) else [start]
    for rule in libical_properties(master, ical.PropertyKind.RRULE_PROPERTY):
        iterator = ical.RecurIterator.new(rule.get_rrule(), start)
        while not (slot := iterator.next()).is_null_time() and epoch(libical_instant(slot, zone)) <= bound:
            slots.append(slot)
    slots.extend(
        libical_time(ical, rdate, master)
        for rdate in libical_properties(master, ical.PropertyKind.RDATE_PROPERTY)
    )
    kept = {
        libical_instant(slot, slot.get_timezone() or zone)
        for slot in slots
        if not ical.Property.recurrence_is_excluded(master, start, slot)
    }
    return sorted(kept, key=epoch)


def libical_slots(ical: Any, component: Any, bounds: dict[str, float]) -> Slots:
    """What libical expands of a calendar read with `ICalGLib.Component.new_from_string`."""
    masters, overrides = {}, defaultdict(dict)
    kind = ical.ComponentKind.VEVENT_COMPONENT
    vevent = component.get_first_component(kind)
    while vevent is not None:
        uid = vevent.get_uid()
        rid = vevent.get_first_property(ical.PropertyKind.RECURRENCEID_PROPERTY)
        if rid is None:
            masters[uid] = vevent
        else:
            value = libical_time(ical, rid, vevent)
            start = vevent.get_dtstart()
            overrides[uid][libical_instant(value, value.get_timezone())] = libical_instant(
                start, start.get_timezone()
            )
        vevent = component.get_next_component(kind)
    return {
        uid: overridden(libical_expanded(ical, masters[uid], bounds[uid]), overrides[uid])
        if uid in masters
        else list(overrides[uid].items())
        for uid in {*masters, *overrides}
    }
