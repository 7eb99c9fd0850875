"""Occurrences are named as instants, and counted by each person's later answer."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from calsnack.domain.model import (
    Attendee,
    Channel,
    Counts,
    OccurrenceAnswer,
    PartStat,
    occurrence_counts,
    occurrence_id,
)

T0 = datetime(2031, 5, 1, 9, tzinfo=UTC)
THIRD = "2031-05-20T22:00:00+00:00"


def test_an_occurrence_is_the_same_in_any_zone() -> None:
    pacific = datetime(2031, 5, 20, 15, tzinfo=ZoneInfo("America/Los_Angeles"))
    assert occurrence_id(pacific) == occurrence_id(pacific.astimezone(UTC)) == THIRD
    assert occurrence_id(datetime(2031, 5, 20, 15)) == "2031-05-20T15:00:00"
    assert occurrence_id(date(2031, 5, 20)) == "2031-05-20"


def answered(email: str, partstat: PartStat, at: datetime, occurrence: str = THIRD) -> OccurrenceAnswer:
    return OccurrenceAnswer(email, occurrence, partstat, at, Channel.CALENDAR)


def test_each_person_counts_once_by_their_later_answer() -> None:
    series = Counts(invited=4, accepted=2, tentative=1, needs_action=1, button_answers=3)
    attendees = {
        "ann@x.example": Attendee("ann@x.example", PartStat.ACCEPTED, T0, invited_sequence=0),
        "bob@x.example": Attendee("bob@x.example", PartStat.TENTATIVE, T0, invited_sequence=0),
        "cy@x.example": Attendee("cy@x.example", invited_sequence=0),
        "dee@x.example": Attendee(
            "dee@x.example", PartStat.ACCEPTED, T0 + timedelta(days=2), invited_sequence=0
        ),
    }
    answers = [
        answered("ann@x.example", PartStat.DECLINED, T0 + timedelta(days=1)),
        answered(
            "bob@x.example", PartStat.ACCEPTED, T0, "2031-05-27T22:00:00+00:00"
        ),  # as one reply: the occurrence's
        answered("cy@x.example", PartStat.TENTATIVE, T0 + timedelta(days=1)),
        # Dee declined it, then answered the whole series again: her later Yes stands.
        answered("dee@x.example", PartStat.DECLINED, T0 + timedelta(days=1)),
    ]
    counts = occurrence_counts(series, attendees, answers)
    assert list(counts) == [THIRD, "2031-05-27T22:00:00+00:00"]
    assert counts[THIRD].as_dict() == {
        "invited": 4,
        "accepted": 1,
        "tentative": 2,
        "declined": 1,
        "needs_action": 0,
    }
    assert counts["2031-05-27T22:00:00+00:00"].as_dict() == {
        "invited": 4, "accepted": 3, "tentative": 0, "declined": 0, "needs_action": 1,
    }  # fmt: skip
    assert counts[THIRD].button_answers == 3, "how answers arrived is the series' tally"
    assert occurrence_counts(series, attendees, []) == {}
