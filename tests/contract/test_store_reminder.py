"""EventStore: a CSV event's reminder (VALARM) lives in its calendar text, and both stores keep it."""

from __future__ import annotations

from calsnack.ical.alarms import reminder_of
from calsnack.ical.write import fields_calendar

from tests.contract.builders import calendar_of, make_event, unique


def test_a_csv_events_reminder_survives_the_store(store):
    event = make_event(f"ada@{unique()}.example", unique("ev-"))
    with_alarm = calendar_of(event, reminder=30)
    # The DynamoDB store leaves out a calendar the event's fields rebuild; these fields do not
    # hold the reminder, so the text must be kept.
    assert with_alarm != fields_calendar(event)
    stored = store.put_event(event.revised(calendar=with_alarm))
    got = store.get_event(stored.key)
    assert got is not None
    assert got.calendar == with_alarm
    assert reminder_of(got.calendar) == 30
