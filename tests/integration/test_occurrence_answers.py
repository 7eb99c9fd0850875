"""Issue 13 point 2: an answer for one occurrence of a series is that occurrence's, on both adapter sets.

Ann declines one occurrence of a weekly Pacific-time series the way Google, Outlook/Exchange and
Apple write it: her series answer (Yes) stays, the report counts that occurrence apart, and every
change to the occurrence or the series still reaches her as it reaches Bob.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from calsnack.domain.model import PartStat, event_key
from calsnack.usecases.answer_rsvp import ButtonAnswer, answer_rsvp
from calsnack.usecases.build_report import report_event

from tests.integration.conftest import World
from tests.interop import sent_calendars_are_clean
from tests.mailfactory import IANA_PACIFIC, calendar_mail, occurrence_reply, stamp

ORGANIZER = "olga@example.test"
PACIFIC = ZoneInfo("America/Los_Angeles")


def weekly_series(uid: str, domain: str, first: datetime, *lines: str, sequence: int = 0) -> str:
    """Google's weekly series at 15:00 Pacific, or (with `lines`) its change to one occurrence."""
    body = lines or (f"DTSTART;TZID=America/Los_Angeles:{first:%Y%m%dT%H%M%S}", "DURATION:PT1H",
                     "RRULE:FREQ=WEEKLY;COUNT=6")  # fmt: skip
    return "\r\n".join([
        "BEGIN:VCALENDAR", "PRODID:-//Google Inc//Google Calendar 70.9054//EN", "VERSION:2.0",
        "METHOD:REQUEST", *IANA_PACIFIC,
        "BEGIN:VEVENT", f"UID:{uid}", f"DTSTAMP:{stamp()}", f"ORGANIZER;CN=Olga:mailto:{ORGANIZER}",
        f"ATTENDEE;PARTSTAT=NEEDS-ACTION;RSVP=TRUE:mailto:snack@{domain}", "SUMMARY:Weekly sync",
        f"SEQUENCE:{sequence}", *body, "END:VEVENT", "END:VCALENDAR", "",
    ])  # fmt: skip


def deliver(world: World, text: str) -> None:
    method = "CANCEL" if "METHOD:CANCEL" in text else "REQUEST"
    world.deliver("snack", calendar_mail(ORGANIZER, f"snack@{world.domain}", text, method), sender=ORGANIZER)
    world.pump()


@pytest.mark.parametrize("shape", ["google", "outlook", "apple"])
def test_declining_one_occurrence_is_that_occurrences_answer(world: World, shape: str) -> None:
    uid = f"{uuid.uuid4()}@google.com"
    day = datetime.now(UTC).date() + timedelta(days=30)
    first = datetime.combine(day, time(15), PACIFIC)
    third = first + timedelta(weeks=2)  # on the wall clock, as an RRULE counts
    deliver(world, weekly_series(uid, world.domain, first))
    key = event_key(ORGANIZER, uid)
    for person in ("ann@example.test", "bob@example.test"):
        answer_rsvp(world.services, key, ButtonAnswer.YES, person)
    world.pump()
    our_uid = world.services.store.get_event(key).uid

    reply = occurrence_reply(our_uid, "ann@example.test", "DECLINED", third, first=first, domain=world.domain,
                             shape=shape)  # fmt: skip
    world.deliver("other", reply, sender="ann@example.test")
    [report] = report_event(world.services.store, ORGANIZER, uid)["events"]
    assert (report["counts"]["accepted"], report["counts"]["declined"]) == (2, 0), "the series answer stays"
    assert report["occurrences"] == [
        {
            "occurrence": third.astimezone(UTC).isoformat(),
            "counts": {"invited": 2, "accepted": 1, "tentative": 0, "declined": 1, "needs_action": 0},
        }
    ]
    [answer] = world.services.store.occurrence_answers(key)
    assert answer.partstat is PartStat.DECLINED
    assert answer.comment == {"google": "", "outlook": "Out that week", "apple": "Dentist"}[shape]

    # The organizer moves that occurrence, then cancels it: both attendees hold the series.
    moved = weekly_series(uid, world.domain, first, f"RECURRENCE-ID;TZID=America/Los_Angeles:{third:%Y%m%dT%H%M%S}",
                          f"DTSTART;TZID=America/Los_Angeles:{third + timedelta(hours=2):%Y%m%dT%H%M%S}",
                          "DURATION:PT1H", sequence=1)  # fmt: skip
    deliver(world, moved)
    cancelled = moved.replace("METHOD:REQUEST", "METHOD:CANCEL").replace(
        "END:VEVENT", "STATUS:CANCELLED\r\nEND:VEVENT"
    )
    deliver(world, cancelled)
    for person in ("ann@example.test", "bob@example.test"):
        _, moved_one, cancelled_one = world.mails_to(person)
        assert moved_one["Subject"].endswith("(this occurrence moved)")
        assert cancelled_one["Subject"].endswith("(this occurrence only)")
        sent_calendars_are_clean([moved_one, cancelled_one])

    deliver(world, weekly_series(uid, world.domain, first + timedelta(hours=1), sequence=2))
    assert [len(world.mails_to(p)) for p in ("ann@example.test", "bob@example.test")] == [4, 4], (
        "the series update reaches her"
    )
