"""What attendees see change between two versions of an event (issue 13, point 1)."""

from __future__ import annotations

import pytest
from calsnack.ical.changes import Change, seen_change

BASE = [
    "UID:u1@example.test",
    "DTSTAMP:20300101T000000Z",
    "LAST-MODIFIED:20300101T000000Z",
    "DTSTART;TZID=Europe/Berlin:20300110T100000",
    "DTEND;TZID=Europe/Berlin:20300110T110000",
    "RRULE:FREQ=WEEKLY;COUNT=4",
    "EXDATE;TZID=Europe/Berlin:20300117T100000",
    "SUMMARY:Review",
    "LOCATION:Room 1",
    "SEQUENCE:0",
]


def calendar(*lines: str, occurrence: tuple[str, ...] = ()) -> str:
    events = ["BEGIN:VEVENT", *lines, "END:VEVENT"]
    if occurrence:
        events += ["BEGIN:VEVENT", *occurrence, "END:VEVENT"]
    return "\r\n".join(["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//t//t//EN", *events, "END:VCALENDAR", ""])


def replaced(old: str, new: str) -> list[str]:
    assert old in BASE
    return [new if line == old else line for line in BASE]


@pytest.mark.parametrize(
    ("old", "new", "change"),
    [
        ("DTSTAMP:20300101T000000Z", "DTSTAMP:20300105T000000Z", Change.NONE),
        ("LAST-MODIFIED:20300101T000000Z", "LAST-MODIFIED:20300102T000000Z", Change.NONE),
        ("SEQUENCE:0", "SEQUENCE:1", Change.NONE),
        # The same instant written in UTC moves nothing.
        ("DTSTART;TZID=Europe/Berlin:20300110T100000", "DTSTART:20300110T090000Z", Change.NONE),
        (
            "DTSTART;TZID=Europe/Berlin:20300110T100000",
            "DTSTART;TZID=Europe/Berlin:20300110T103000",
            Change.SIGNIFICANT,
        ),
        ("DTEND;TZID=Europe/Berlin:20300110T110000", "DURATION:PT2H", Change.SIGNIFICANT),
        ("RRULE:FREQ=WEEKLY;COUNT=4", "RRULE:FREQ=WEEKLY;COUNT=5", Change.SIGNIFICANT),
        (
            "EXDATE;TZID=Europe/Berlin:20300117T100000",
            "EXDATE;TZID=Europe/Berlin:20300124T100000",
            Change.SIGNIFICANT,
        ),
        ("SEQUENCE:0", "STATUS:CANCELLED", Change.SIGNIFICANT),
        ("SEQUENCE:0", "STATUS:confirmed", Change.NONE),
        ("SUMMARY:Review", "SUMMARY:Budget review", Change.INFORMATIONAL),
        ("LOCATION:Room 1", "LOCATION:Room 2", Change.INFORMATIONAL),
        ("SEQUENCE:0", "URL:https://example.test/agenda", Change.INFORMATIONAL),
        ("SEQUENCE:0", "CONFERENCE;VALUE=URI:https://meet.google.com/a-b-c", Change.INFORMATIONAL),
        ("SEQUENCE:0", "DESCRIPTION:Bring slides", Change.INFORMATIONAL),
        ("SEQUENCE:0", "ATTENDEE;PARTSTAT=ACCEPTED:mailto:guest@example.test", Change.NONE),
        ("SEQUENCE:0", "X-MOZ-GENERATION:3", Change.NONE),
    ],
)
def test_a_property_change(old: str, new: str, change: Change) -> None:
    assert seen_change(calendar(*BASE), calendar(*replaced(old, new))) is change


def test_an_occurrence_added_is_significant_and_one_changed_counts_for_the_event() -> None:
    override = ("UID:u1@example.test", "RECURRENCE-ID;TZID=Europe/Berlin:20300124T100000",
                "DTSTART;TZID=Europe/Berlin:20300124T120000", "DTEND;TZID=Europe/Berlin:20300124T130000",
                "SUMMARY:Review")  # fmt: skip
    series = calendar(*BASE)
    with_override = calendar(*BASE, occurrence=override)
    assert seen_change(series, with_override) is Change.SIGNIFICANT
    renamed = calendar(*BASE, occurrence=(*override[:-1], "SUMMARY:Review (room change)"))
    assert seen_change(with_override, renamed) is Change.INFORMATIONAL
    assert seen_change(with_override, with_override) is Change.NONE
