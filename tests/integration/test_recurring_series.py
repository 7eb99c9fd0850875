"""Issue 13: every reader expands the recurring series the service sends to the same occurrences.

A series as each client writes it (Outlook's Windows zone name, Google's open-ended weekly rule,
Apple's all-day dates, Thunderbird's floating times), each with an EXDATE, is invited to through
the service; then the organizer moves one occurrence and cancels another. Every version sent is
expanded by icalendar, vobject, libical and ical.js (tests/interop.py), which must agree on every
occurrence's start, and the occurrences are the ones the organizer's calendar holds.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from email.message import EmailMessage
from zoneinfo import ZoneInfo

import pytest
from calsnack.domain.model import event_key
from calsnack.usecases.answer_rsvp import ButtonAnswer, answer_rsvp
from icalendar import Calendar

from tests.integration.conftest import World
from tests.interop import calendar_parts, sent_calendars_are_clean
from tests.mailfactory import IANA_PACIFIC, calendar_mail, stamp
from tests.occurrences import Instant, compared, icalendar_slots, instant, until

ORGANIZER = "olga@example.test"
PACIFIC = ZoneInfo("America/Los_Angeles")

#: Outlook.com's VTIMEZONE for its Windows name (tests/data/corpus/outlook/request-11.ics).
OUTLOOK_ZONE = [
    "BEGIN:VTIMEZONE", "TZID:Pacific Standard Time", "BEGIN:STANDARD", "DTSTART:20071104T020000",
    "RRULE:FREQ=YEARLY;BYDAY=1SU;BYMONTH=11", "TZOFFSETTO:-0800", "TZOFFSETFROM:-0700", "END:STANDARD",
    "BEGIN:DAYLIGHT", "DTSTART:20070311T020000", "RRULE:FREQ=YEARLY;BYDAY=2SU;BYMONTH=3",
    "TZOFFSETTO:-0700", "TZOFFSETFROM:-0800", "END:DAYLIGHT", "END:VTIMEZONE",
]  # fmt: skip


def before_a_dst_change(weekday: int) -> datetime:
    """A day of `weekday` at 15:00 Pacific, three weeks before the first change of clocks that is
    at least six weeks away: a series from there crosses it."""

    def offset(day: date) -> timedelta | None:
        return datetime.combine(day, time(12), PACIFIC).utcoffset()

    day = datetime.now(UTC).date() + timedelta(weeks=6)
    while offset(day) == offset(day + timedelta(days=1)):
        day += timedelta(days=1)
    day -= timedelta(weeks=3)
    day -= timedelta(days=(day.weekday() - weekday) % 7)
    return datetime.combine(day, time(15), PACIFIC)


@dataclass(frozen=True)
class Series:
    """One client's recurring event: how it writes times, and the lines of its master VEVENT."""

    client: str
    prodid: str
    zone: list[str]
    first: datetime | date
    rule: str
    step: timedelta

    def value(self, moment: datetime | date) -> str:
        """`moment` as this client writes a DTSTART, RECURRENCE-ID or EXDATE."""
        if not isinstance(moment, datetime):
            return f";VALUE=DATE:{moment:%Y%m%d}"
        if self.zone:
            tzid = self.zone[1].removeprefix("TZID:")
            return f";TZID={tzid}:{moment.astimezone(PACIFIC):%Y%m%dT%H%M%S}"
        return f":{moment:%Y%m%dT%H%M%S}"

    def slot(self, n: int) -> datetime | date:
        """The n-th occurrence (0 is the first) on the series' own clock."""
        if isinstance(self.first, datetime) and self.first.tzinfo is not None:
            wall = self.first.replace(tzinfo=None) + n * self.step
            return wall.replace(tzinfo=PACIFIC)
        return self.first + n * self.step

    def calendar(self, method: str, uid: str, domain: str, body: list[str]) -> str:
        return "\r\n".join([
            "BEGIN:VCALENDAR", "VERSION:2.0", f"PRODID:{self.prodid}", f"METHOD:{method}", *self.zone,
            "BEGIN:VEVENT", f"UID:{uid}", f"DTSTAMP:{stamp()}", f"ORGANIZER;CN=Olga:mailto:{ORGANIZER}",
            f"ATTENDEE;PARTSTAT=NEEDS-ACTION;RSVP=TRUE:mailto:snack@{domain}", "SUMMARY:Weekly sync",
            *body, "END:VEVENT", "END:VCALENDAR", "",
        ])  # fmt: skip

    def master(self, uid: str, domain: str) -> str:
        """The series with its second occurrence excluded."""
        return self.calendar("REQUEST", uid, domain, [
            f"DTSTART{self.value(self.first)}", f"DURATION:{'P1D' if self.all_day else 'PT1H'}",
            f"RRULE:{self.rule}", f"EXDATE{self.value(self.slot(1))}", "SEQUENCE:0",
        ])  # fmt: skip

    def occurrence(self, method: str, uid: str, domain: str, n: int, moved: timedelta) -> str:
        """The organizer's change to the n-th occurrence alone: moved by `moved`, or cancelled."""
        slot = self.slot(n)
        return self.calendar(method, uid, domain, [
            f"RECURRENCE-ID{self.value(slot)}", f"DTSTART{self.value(slot + moved)}",
            f"DURATION:{'P1D' if self.all_day else 'PT1H'}", "SEQUENCE:1",
            f"STATUS:{'CANCELLED' if method == 'CANCEL' else 'CONFIRMED'}",
        ])  # fmt: skip

    @property
    def all_day(self) -> bool:
        return not isinstance(self.first, datetime)


def series_shapes() -> list[Series]:
    floating = (datetime.now(UTC) + timedelta(days=40)).replace(hour=9, minute=0, second=0, microsecond=0)
    return [
        Series("outlook", "-//Microsoft Corporation//Windows Live Calendar//EN", OUTLOOK_ZONE,
               before_a_dst_change(0), "FREQ=WEEKLY;COUNT=99;INTERVAL=1;BYDAY=MO,TU,WE,TH,FR;WKST=SU",
               timedelta(days=1)),
        Series("google", "-//Google Inc//Google Calendar 70.9054//EN", IANA_PACIFIC,
               before_a_dst_change(1), "FREQ=WEEKLY;BYDAY=TU", timedelta(weeks=1)),
        Series("apple", "-//Apple Inc.//macOS 14.4//EN", [], (datetime.now(UTC) + timedelta(days=40)).date(),
               "FREQ=WEEKLY;COUNT=8", timedelta(weeks=1)),
        Series("thunderbird", "-//Mozilla.org/NONSGML Mozilla Calendar V1.1//EN", [],
               floating.replace(tzinfo=None), "FREQ=DAILY;COUNT=10", timedelta(days=1)),
    ]  # fmt: skip


def occurrences_of(calendar: Calendar) -> list[Instant]:
    """The starts of the one event in `calendar`, as icalendar's expansion gives them."""
    firsts = [(str(v["UID"]), instant(v.decoded("RECURRENCE-ID", None) or v.decoded("DTSTART")))
              for v in calendar.walk("VEVENT")]  # fmt: skip
    bounds = until(firsts)
    [starts] = compared(icalendar_slots(calendar, bounds), bounds).values()
    return starts


@pytest.mark.parametrize("series", series_shapes(), ids=lambda s: s.client)
def test_every_reader_expands_the_series_sent_alike(world: World, series: Series) -> None:
    uid = f"{uuid.uuid4()}@{series.client}.test"
    world.deliver(
        "snack",
        calendar_mail(ORGANIZER, f"snack@{world.domain}", series.master(uid, world.domain), "REQUEST"),
        sender=ORGANIZER,
    )
    answer_rsvp(world.services, event_key(ORGANIZER, uid), ButtonAnswer.YES, "ann@example.test")
    world.pump()
    [invite] = world.mails_to("ann@example.test")
    starts = occurrences_of(sent_calendars_are_clean([invite])[0])
    assert instant(series.slot(0)) in starts and instant(series.slot(1)) not in starts
    if not series.all_day and series.zone:
        # The wall time stays 15:00 Pacific across the change of clocks: two UTC offsets.
        assert {value.astimezone(PACIFIC).hour for _, value in starts} == {15}  # type: ignore[union-attr]
        assert len({value.astimezone(PACIFIC).utcoffset() for _, value in starts}) == 2  # type: ignore[union-attr]

    move = timedelta(days=1) if series.all_day else timedelta(hours=2)
    for method, n, moved in (("REQUEST", 3, move), ("CANCEL", 4, timedelta(0))):
        text = series.occurrence(method, uid, world.domain, n, moved)
        world.deliver(
            "snack", calendar_mail(ORGANIZER, f"snack@{world.domain}", text, method), sender=ORGANIZER
        )
        world.pump()
    _, moved_one, cancelled_one = world.mails_to("ann@example.test")
    assert "(this occurrence moved)" in moved_one["Subject"]
    assert "(this occurrence only)" in cancelled_one["Subject"]
    after_move = occurrences_of(sent_calendars_are_clean([moved_one])[0])
    assert instant(series.slot(3) + move) in after_move and instant(series.slot(3)) not in after_move
    after_cancel = occurrences_of(sent_calendars_are_clean([cancelled_one])[0])
    assert instant(series.slot(4)) not in after_cancel and instant(series.slot(3) + move) in after_cancel
    assert len(after_cancel) == len(starts) - (0 if len(starts) == 50 else 1)
    assert "RRULE" in calendar_parts(cancelled_one)[0]


def lone_calendar(*lines: str) -> EmailMessage:
    text = "\r\n".join(["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//test//EN", "METHOD:REQUEST", *lines,
                        "END:VCALENDAR", ""])  # fmt: skip
    message = EmailMessage()
    message.add_attachment(text.encode(), maintype="text", subtype="calendar")
    return message


def test_the_expansion_catches_a_zone_that_forgets_summer_time() -> None:
    """A VTIMEZONE without its DAYLIGHT rule agrees with the zone's name in January, so every VEVENT
    reads alike; the occurrences after March do not (icalendar follows the name, the others the
    VTIMEZONE)."""
    message = lone_calendar(
        "BEGIN:VTIMEZONE", "TZID:America/Chicago", "BEGIN:STANDARD", "TZOFFSETFROM:-0600",
        "TZOFFSETTO:-0600", "DTSTART:19701101T020000", "END:STANDARD", "END:VTIMEZONE",
        "BEGIN:VEVENT", "UID:a@example.test", "DTSTAMP:20270101T000000Z",
        "DTSTART;TZID=America/Chicago:20270115T100000", "RRULE:FREQ=WEEKLY;COUNT=12", "END:VEVENT",
    )  # fmt: skip
    with pytest.raises(AssertionError, match="vobject expands other occurrences"):
        sent_calendars_are_clean([message])


def test_the_expansion_catches_an_override_of_no_occurrence() -> None:
    """A RECURRENCE-ID that names no occurrence of the rule: recurring-ical-events shows it, the
    other readers drop it."""
    message = lone_calendar(
        "BEGIN:VEVENT", "UID:a@example.test", "DTSTAMP:20270101T000000Z", "DTSTART:20270115T100000Z",
        "RRULE:FREQ=WEEKLY;COUNT=12", "END:VEVENT", "BEGIN:VEVENT", "UID:a@example.test",
        "DTSTAMP:20270101T000000Z", "RECURRENCE-ID:20270116T100000Z", "DTSTART:20270116T120000Z", "END:VEVENT",
    )  # fmt: skip
    with pytest.raises(AssertionError, match="expands other occurrences"):
        sent_calendars_are_clean([message])
