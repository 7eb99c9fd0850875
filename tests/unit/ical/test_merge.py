"""The day an occurrence change names: the RECURRENCE-ID read on the event's own clock."""

from __future__ import annotations

import pytest
from calsnack.ical.merge import occurrence_day


def instance(recurrence_id: str) -> str:
    return "\r\n".join([
        "BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//test//EN", "BEGIN:VEVENT", "UID:u@example.test",
        "DTSTAMP:20270101T000000Z", "DTSTART:20270316T040000Z", recurrence_id, "END:VEVENT", "END:VCALENDAR", "",
    ])  # fmt: skip


@pytest.mark.parametrize(
    ("recurrence_id", "zone", "day"),
    [
        ("RECURRENCE-ID:20270316T030000Z", "America/Chicago", "2027-03-15"),
        ("RECURRENCE-ID:20270316T030000Z", "Europe/Paris", "2027-03-16"),
        ("RECURRENCE-ID;TZID=America/Chicago:20270315T220000", "Asia/Tokyo", "2027-03-16"),
        ("RECURRENCE-ID:20270315T220000", "Asia/Tokyo", "2027-03-15"),
        ("RECURRENCE-ID;VALUE=DATE:20270315", "Asia/Tokyo", "2027-03-15"),
        ("RECURRENCE-ID:20270316T030000Z", "Not/AZone", "2027-03-16"),
    ],
)
def test_occurrence_day_is_on_the_events_clock(recurrence_id: str, zone: str, day: str) -> None:
    assert occurrence_day(instance(recurrence_id), zone) == day
