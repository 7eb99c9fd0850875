"""Client-defined time zones cannot make a mail expensive: their rules' expansion is bounded (issue 17.4)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

import pytest
from calsnack.ical import zones
from calsnack.ical.read import read_calendar_text
from dateutil import rrule
from icalendar import Calendar


def _calendar(*rules: str, tzid: str = "Custom Zone", dtstart: str = "19700101T000000") -> str:
    standard = [f"RRULE:{rule}" for rule in rules] or ["RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU"]
    return "\r\n".join(
        [
            "BEGIN:VCALENDAR",
            "VERSION:2.0",
            "PRODID:-//hostile//EN",
            "METHOD:REQUEST",
            "BEGIN:VTIMEZONE",
            f"TZID:{tzid}",
            "BEGIN:STANDARD",
            f"DTSTART:{dtstart}",
            "TZOFFSETFROM:+0100",
            "TZOFFSETTO:+0000",
            *standard,
            "TZNAME:X",
            "END:STANDARD",
            "BEGIN:DAYLIGHT",
            "DTSTART:19700329T020000",
            "TZOFFSETFROM:+0000",
            "TZOFFSETTO:+0100",
            "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU",
            "TZNAME:Y",
            "END:DAYLIGHT",
            "END:VTIMEZONE",
            "BEGIN:VEVENT",
            "UID:u1@example.test",
            "DTSTAMP:20260101T000000Z",
            f"DTSTART;TZID={tzid}:20270601T100000",
            f"DTEND;TZID={tzid}:20270601T110000",
            "SUMMARY:Webinar",
            "ORGANIZER:mailto:olga@example.test",
            "END:VEVENT",
            "END:VCALENDAR",
            "",
        ]
    )


@pytest.fixture
def expanded(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many occurrences dateutil computes, over everything the test does (one counter)."""
    counter = [0]
    original = rrule.rrule._iter

    def counting(self: rrule.rrule) -> Iterator[datetime]:
        for occurrence in original(self):
            counter[0] += 1
            yield occurrence

    monkeypatch.setattr(rrule.rrule, "_iter", counting)
    return counter


def test_secondly_rule_of_300000_is_never_expanded(expanded: list[int]) -> None:
    text = _calendar("FREQ=SECONDLY;COUNT=300000")
    assert len(text.encode()) < 1_000
    event = read_calendar_text(text).events[0]
    # The zone is ignored (its times read as UTC) after counting at most the budget.
    assert event.timezone == "UTC"
    assert expanded[0] <= zones.MAX_TRANSITIONS + 1


@pytest.mark.parametrize(
    "rule",
    [
        # Never matches: dateutil would search every year up to 9999, on every lookup.
        "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30",
        "FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30",
        # Yearly, but millions of times a year.
        "FREQ=YEARLY;BYMONTHDAY=1,2,3,4,5,6,7,8,9,10,11,12,13,14,15;BYHOUR=1,2,3,4,5,6;BYMINUTE=1,2,3,4,5",
    ],
)
def test_rules_no_time_zone_has_are_refused_cheaply(expanded: list[int], rule: str) -> None:
    [vtimezone] = Calendar.from_ical(_calendar(rule)).walk("VTIMEZONE")
    assert not zones.ZoneBudget().admits(vtimezone)
    assert expanded[0] <= zones.MAX_TRANSITIONS + 1


def test_real_zones_are_kept(expanded: list[int]) -> None:
    # Outlook's shape: rules from 1601, the most transitions a real client writes.
    event = read_calendar_text(
        _calendar("FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10", tzid="Custom Zone", dtstart="16010101T030000")
    ).events[0]
    assert event.timezone == "Europe/London"
    assert event.start.utcoffset() is not None and event.start.utcoffset().total_seconds() == 3600


def test_the_budget_covers_all_zones_of_a_mail(expanded: list[int]) -> None:
    [vtimezone] = Calendar.from_ical(_calendar(dtstart="16010101T030000")).walk("VTIMEZONE")
    one = zones.ZoneBudget()
    assert one.admits(vtimezone)
    cost = zones.MAX_TRANSITIONS - one.left
    budget = zones.ZoneBudget()
    admitted = sum(budget.admits(vtimezone) for _ in range(zones.MAX_ZONES + 5))
    assert admitted == zones.MAX_TRANSITIONS // cost
    assert budget.zones_left == 0
    # Zones past MAX_ZONES are not even counted.
    before = expanded[0]
    assert not budget.admits(vtimezone)
    assert expanded[0] == before
