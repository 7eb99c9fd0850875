"""Reading what an attendee's reply says of each occurrence it holds (RECURRENCE-ID VEVENTs)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from calsnack.ical.read import Instance, read_calendar_mail, read_calendar_text

from tests.mailfactory import occurrence_reply
from tests.unit.ical.conftest import vcalendar
from tests.unit.ical.test_read import only, vevent

FIRST = datetime(2031, 5, 6, 15, tzinfo=ZoneInfo("America/Los_Angeles"))
THIRD = FIRST + timedelta(weeks=2)


@pytest.mark.parametrize(
    ("shape", "comment"), [("google", ""), ("outlook", "Out that week"), ("apple", "Dentist")]
)
def test_each_client_names_the_occurrence_by_one_instant(shape: str, comment: str) -> None:
    """Google's IANA zone, Exchange's Windows name (and capitals), Apple's master beside it."""
    message = occurrence_reply(
        "uid-1@snack.test", "ann@example.test", "DECLINED", THIRD, first=FIRST, shape=shape
    )
    [event] = read_calendar_mail(message).events
    assert event.instances == (
        Instance(THIRD.astimezone(UTC).isoformat(), (("ann@example.test", "DECLINED"),), comment),
    )
    assert THIRD.astimezone(UTC).isoformat() == "2031-05-20T22:00:00+00:00"
    if shape == "apple":
        assert (event.occurrence, event.attendees) == ("", (("ann@example.test", "ACCEPTED"),))
    else:
        assert event.occurrence, "the reply holds occurrences only"


def test_floating_and_all_day_occurrences_stay_as_written() -> None:
    ics = vcalendar(
        vevent("DTSTART:20310506T090000", "RRULE:FREQ=DAILY;COUNT=5"),
        vevent("RECURRENCE-ID:20310507T090000", "DTSTART:20310507T110000"),
        vevent("DTSTART;VALUE=DATE:20310506", "RRULE:FREQ=WEEKLY", uid="day@example.org"),
        vevent("RECURRENCE-ID;VALUE=DATE:20310513", "DTSTART;VALUE=DATE:20310514", uid="day@example.org"),
        method="REPLY",
    )
    timed, whole_days = read_calendar_text(ics).events
    assert [i.occurrence for i in timed.instances] == ["2031-05-07T09:00:00"]
    assert [i.occurrence for i in whole_days.instances] == ["2031-05-13"]
    assert only(read_calendar_text(vcalendar(vevent("DTSTART:20310506T090000Z")))).instances == ()
