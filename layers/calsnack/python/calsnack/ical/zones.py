"""Time-zone names as clients write them, turned into IANA names every calendar client knows.

Used by `calsnack.ical.read` so that an invitation taken from Outlook ("Romance Standard Time",
"(GMT+01.00) Sarajevo/Warsaw/Zagreb") goes out with a zone Google, Apple and Thunderbird agree on.
"""

from __future__ import annotations

import re
import zoneinfo
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from functools import cache, lru_cache
from itertools import pairwise

from dateutil.rrule import rrulestr
from icalendar import Component, vDDDLists, vDDDTypes, vRecur
from icalendar.timezone.windows_to_olson import WINDOWS_TO_OLSON

#: Names that mean UTC itself: their times are written with a "Z" and need no VTIMEZONE.
UTC_NAMES = frozenset(
    {
        "UTC",
        "Etc/UTC",
        "UCT",
        "Etc/UCT",
        "GMT",
        "Etc/GMT",
        "GMT0",
        "Etc/GMT0",
        "Z",
        "Zulu",
        "Etc/Zulu",
        "Universal",
        "Etc/Universal",
        "Greenwich",
        "Etc/Greenwich",
    }
)

# Outlook for Mac and Exchange 2003 write Windows *display* names, which list cities
# ("Sarajevo, Skopje, Warsaw, Zagreb"); these separators split them into candidate cities.
_CITY_SEPARATORS = re.compile(r"[,/()]")


#: Transitions all client-defined zones of one mail may have up to `RULE_HORIZON`. Every lookup in
#: such a zone walks its transitions, and a probe makes hundreds of lookups, so this bounds the
#: time one mail can cost. Outlook's zones start in 1601 (about 500 transitions each, up to
#: 2100), Apple's full-history ones have a few hundred: two zones of either fit.
MAX_TRANSITIONS = 2_500
#: Client-defined zones one mail may use; clients send one or two (the start's and the end's).
MAX_ZONES = 10
RULE_HORIZON = 2100
#: Zone rules start after this year (Outlook writes 1601, the earliest any client writes).
EARLIEST_RULE_YEAR = 1600
# The Gregorian calendar repeats every 400 years, so a rule counted 400·k years later falls on
# the same days; counting near the last year datetime knows ends even a rule that never
# matches (BYMONTH=2;BYMONTHDAY=30), which dateutil would otherwise search up to year 9999.
_CYCLE = 400
_SHIFT = (datetime.max.year - RULE_HORIZON) // _CYCLE * _CYCLE


class ZoneBudget:
    """The transitions left for one mail's client-defined zones (VTIMEZONE) before they are ignored.

    A zone that does not fit, or whose rules are not a time zone's (anything but FREQ=YEARLY, a
    rule that never matches, a start before 1600 or after 2100), is treated as unknown: its
    times fall back on a zone named by its TZID, or on UTC. This is what keeps a 760-byte
    `RRULE:FREQ=SECONDLY;COUNT=300000` from costing 20 s.
    """

    def __init__(self, transitions: int = MAX_TRANSITIONS, zones: int = MAX_ZONES) -> None:
        self.left = transitions
        self.zones_left = zones

    def admits(self, vtimezone: Component) -> bool:
        """Whether the zone fits what is left; if so, its transitions are taken from the budget.

        Every zone tried counts against `MAX_ZONES`, admitted or not: counting a rule costs too.
        """
        if self.zones_left <= 0 or self.left <= 0:
            return False
        self.zones_left -= 1
        needed = 0
        for component in vtimezone.subcomponents:
            if component.name not in ("STANDARD", "DAYLIGHT"):
                continue
            count = _transitions(component, self.left - needed)
            if count is None:
                return False
            needed += count
        if needed > self.left:
            return False
        self.left -= needed
        return True


def _transitions(component: Component, limit: int) -> int | None:
    """The transitions one STANDARD/DAYLIGHT makes up to `RULE_HORIZON`, or None past `limit` or unreadable."""
    start = component.get("DTSTART")
    if not isinstance(start, vDDDTypes) or not isinstance(start.dt, date):
        return None
    first = start.dt if isinstance(start.dt, datetime) else datetime.combine(start.dt, time())
    if not EARLIEST_RULE_YEAR <= first.year <= RULE_HORIZON:
        return None
    rdates = component.get("RDATE")
    count = 1 + sum(
        len(r.dts) for r in (rdates if isinstance(rdates, list) else [rdates]) if isinstance(r, vDDDLists)
    )
    rules = component.get("RRULE")
    for rule in rules if isinstance(rules, list) else [rules] if rules is not None else []:
        occurrences = (
            _occurrences(rule, first.replace(tzinfo=None), limit - count)
            if isinstance(rule, vRecur)
            else None
        )
        if occurrences is None:
            return None
        count += occurrences
    return count if count <= limit else None


def _occurrences(rule: vRecur, start: datetime, limit: int) -> int | None:
    """How often a yearly rule falls before `RULE_HORIZON`; None past `limit`, if it never does, or unreadable."""
    if [str(freq).upper() for freq in rule.get("FREQ", [])] != ["YEARLY"]:
        return None
    horizon = datetime(RULE_HORIZON + _SHIFT, 1, 1)
    try:
        shifted = vRecur(rule)
        if until := rule.get("UNTIL"):
            end = until[0]
            last = end.replace(tzinfo=None) if isinstance(end, datetime) else datetime.combine(end, time.max)
            shifted["UNTIL"] = [_shifted(min(last, datetime(RULE_HORIZON, 1, 1)))]
        text = bytes(shifted.to_ical()).decode()  # type: ignore[no-untyped-call]
        recurrence = rrulestr(text, dtstart=_shifted(start), ignoretz=True)
        count = 0
        for occurrence in recurrence:
            if not isinstance(occurrence, datetime) or occurrence >= horizon:
                break
            count += 1
            if count > limit:
                return None
    except (ValueError, TypeError, OverflowError):
        return None
    return count or None


def _shifted(moment: datetime) -> datetime:
    """The same day and time `_SHIFT` years later, without a zone (zone rules are local times)."""
    return moment.replace(year=moment.year + _SHIFT, tzinfo=None)


def iana_zone(tzid: str, defined: tzinfo | None, year: int) -> str | None:
    """The IANA name for a TZID, or None when nothing trustworthy matches (callers fall back to UTC).

    Names that identify a zone (IANA, vendor-prefixed IANA, Windows) are taken at their word.
    Anything else is matched through the cities it names and then through the offsets of the
    calendar's own VTIMEZONE (`defined`) over `year` (the event's), so a custom Outlook zone
    becomes the IANA zone that shows the same wall-clock times; the cities it names win ties.
    """
    named = _named_zone(tzid)
    if named is not None:
        return named
    cities = _cities_in(tzid)
    if defined is None:
        return cities[0] if cities else None
    probe = _Probe(defined, year)
    best: str | None = None
    best_score = -1
    for name in (*cities, *_windows_zones()):
        score = probe.score(name)
        if score is not None and score > best_score:
            best, best_score = name, score
    return best


def _named_zone(tzid: str) -> str | None:
    name = tzid.strip().strip('"').strip()
    bare = name.strip("/")
    known = _known_zones()
    # Vendor prefixes ("/freeassociation.sourceforge.net/Tzfile/Europe/Berlin") end in an IANA name.
    parts = bare.split("/")
    suffixes = ("/".join(parts[start:]) for start in range(len(parts)))
    iana = next((suffix for suffix in suffixes if suffix in known or suffix in UTC_NAMES), None)
    if iana is None:
        windows = _windows_names()
        iana = windows.get(name.casefold()) or windows.get(f"{name} Standard Time".casefold())
    if iana is None:
        return None
    return "UTC" if iana in UTC_NAMES else iana


def _cities_in(tzid: str) -> list[str]:
    cities = _cities()
    found = (cities.get(part.strip(" \t\"'").casefold()) for part in _CITY_SEPARATORS.split(tzid))
    return [name for name in found if name is not None]


class _Probe:
    """The offsets a client-defined zone has over one year, to compare IANA zones against.

    A zone must agree on every day (one sample a day: the same transition days). Hourly samples
    around the transitions then rank the zones that do: the best tells apart zones switching on
    the same day at another hour (Havana and New York), and a client that writes the switch an
    hour off (Lotus Notes) still gets the zone it meant rather than UTC, which would move every
    other occurrence of a recurring event by an hour.
    """

    def __init__(self, defined: tzinfo, year: int) -> None:
        days = [datetime(year, 1, 1, 12, tzinfo=UTC) + timedelta(days=day) for day in range(366)]
        self._daily = [(instant, _offset(instant, defined)) for instant in days]
        transitions = [
            before for (before, offset), (_, next_offset) in pairwise(self._daily) if offset != next_offset
        ]
        hours = [day + timedelta(hours=hour) for day in transitions for hour in range(1, 24)]
        self._hourly = [(instant, _offset(instant, defined)) for instant in hours]

    def score(self, name: str) -> int | None:
        """How many hourly samples the IANA zone agrees on, or None if it differs on some day."""
        zone = zoneinfo.ZoneInfo(name)
        if any(_offset(instant, zone) != offset for instant, offset in self._daily):
            return None
        return sum(_offset(instant, zone) == offset for instant, offset in self._hourly)


def _offset(instant: datetime, zone: tzinfo) -> timedelta | None:
    return instant.astimezone(zone).utcoffset()


@cache
def _known_zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


@cache
def _windows_names() -> dict[str, str]:
    return {windows.casefold(): iana for windows, iana in WINDOWS_TO_OLSON.items()}


@cache
def _windows_zones() -> tuple[str, ...]:
    """One IANA zone per Windows zone: together they cover every rule set Outlook can describe."""
    return tuple(dict.fromkeys(WINDOWS_TO_OLSON.values()))


@cache
def _cities() -> dict[str, str]:
    """IANA zones by the city that ends their name ("warsaw" → "Europe/Warsaw").

    Of two zones named after one city the first in alphabetical order wins, so the answer does
    not depend on the order the platform lists its zones in.
    """
    cities: dict[str, str] = {}
    for name in sorted(_known_zones()):
        area, _, city = name.rpartition("/")
        if area and area != "Etc":
            cities.setdefault(city.replace("_", " ").casefold(), name)
    return cities


def skipped_wall_time(moment: datetime) -> datetime | None:
    """Where clocks actually stand at an aware wall-clock time that the zone skips, else None.

    Inside a DST gap (2027-03-14 02:30 in America/Chicago) the time names no instant:
    zoneinfo gives it the offset from before the jump, and the round trip through UTC lands
    after the gap (03:30). RFC 5545 §3.3.5 would shift it silently; a CSV row is refused with
    that time in its reason instead, since the organizer's sheet is wrong.
    """
    zone = moment.tzinfo
    if zone is None:
        return None
    actual = moment.astimezone(UTC).astimezone(zone)
    return actual if actual.replace(tzinfo=None) != moment.replace(tzinfo=None, fold=0) else None


def nonexistent_time(moment: datetime) -> str | None:
    """Why an aware wall-clock time cannot be used (it is inside a DST gap), or None."""
    actual = skipped_wall_time(moment)
    if actual is None:
        return None
    return (
        f"{moment:%Y-%m-%d %H:%M} does not exist in {moment.tzinfo}: the clocks skip it for daylight"
        f" saving time (that instant is {actual:%H:%M}); choose a time outside the change"
    )


@lru_cache(maxsize=4096)
def offset_changes(day: date, zone: str) -> bool:
    """Whether the zone's UTC offset changes during `day`: only then can one of its times be
    skipped, so a million CSV rows check a cached day rather than each time."""
    tz = zoneinfo.ZoneInfo(zone)
    first = datetime.combine(day, time(0), tzinfo=tz)
    return first.utcoffset() != datetime.combine(day + timedelta(days=1), time(0), tzinfo=tz).utcoffset()
