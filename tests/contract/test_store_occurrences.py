"""AttendeeStore: answers for one occurrence are kept apart from the series answer, latest per occurrence."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from calsnack.domain.model import Attendee, Channel, Delivery, Method, OccurrenceAnswer, PartStat

from tests.contract.builders import T0, answer, unique

ACCEPTED, TENTATIVE, DECLINED = PartStat.ACCEPTED, PartStat.TENTATIVE, PartStat.DECLINED
THIRD, FOURTH = "2031-05-20T16:00:00+00:00", "2031-05-27T16:00:00+00:00"


def test_an_occurrence_answer_leaves_the_series_answer(store):
    key = unique("evt")
    store.record_sent([Delivery(key, "ann@x.example", 1, Method.REQUEST)], T0)
    assert store.record_answer(key, answer("ann@x.example", ACCEPTED, T0))
    declined = replace(
        answer("Ann@X.example", DECLINED, T0 + timedelta(hours=1), Channel.CALENDAR), occurrence=THIRD
    )
    assert store.record_answer(key, replace(declined, comment="Away that week"))
    ann = store.get_attendees(key, ["ann@x.example"])["ann@x.example"]
    assert (ann.partstat, ann.answered_at, ann.invited_sequence) == (ACCEPTED, T0, 1)
    assert [a.email for a in store.attendees(key, frozenset({ACCEPTED}), "", 10)] == ["ann@x.example"]
    counts = store.counts(key)
    assert (counts.accepted, counts.declined, counts.invited) == (1, 0, 1)
    assert store.occurrence_answers(key) == [
        OccurrenceAnswer(
            "ann@x.example", THIRD, DECLINED, T0 + timedelta(hours=1), Channel.CALENDAR, "Away that week"
        )
    ]


def test_the_latest_answer_wins_per_occurrence(store):
    key = unique("evt")
    email = "pat@x.example"
    assert store.record_answer(key, replace(answer(email, DECLINED, T0), occurrence=THIRD))
    assert not store.record_answer(
        key, replace(answer(email, ACCEPTED, T0 - timedelta(seconds=1)), occurrence=THIRD)
    )
    assert not store.record_answer(key, replace(answer(email, ACCEPTED, T0), occurrence=THIRD))
    assert store.record_answer(
        key, replace(answer(email, TENTATIVE, T0 - timedelta(days=1)), occurrence=FOURTH)
    )
    assert store.record_answer(
        key, replace(answer(email, ACCEPTED, T0 + timedelta(minutes=1)), occurrence=THIRD)
    )
    assert [(a.occurrence, a.partstat, a.comment) for a in store.occurrence_answers(key)] == [
        (THIRD, ACCEPTED, ""),
        (FOURTH, TENTATIVE, ""),
    ]
    # An occurrence answer is no series answer, and the series answer's time does not order them.
    assert store.get_attendees(key, [email]) == {}
    assert store.record_answer(key, answer(email, DECLINED, T0 - timedelta(days=2)))
    assert store.get_attendees(key, [email])[email] == Attendee(
        email, DECLINED, T0 - timedelta(days=2), Channel.BUTTON
    )


def test_occurrence_answers_are_ordered_and_kept_per_event(store):
    key, other = unique("evt"), unique("evt")
    for email in ("zed@x.example", "amy@x.example"):
        for occurrence in (FOURTH, THIRD):
            store.record_answer(key, replace(answer(email, DECLINED, T0), occurrence=occurrence))
    store.record_answer(other, replace(answer("amy@x.example", ACCEPTED, T0), occurrence=THIRD))
    assert [(a.occurrence, a.email) for a in store.occurrence_answers(key)] == [
        (THIRD, "amy@x.example"),
        (THIRD, "zed@x.example"),
        (FOURTH, "amy@x.example"),
        (FOURTH, "zed@x.example"),
    ]
    assert [a.partstat for a in store.occurrence_answers(other)] == [ACCEPTED]
    assert store.occurrence_answers(unique("evt")) == []
