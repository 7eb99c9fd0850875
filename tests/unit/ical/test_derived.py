"""Which events' calendar text their fields give: the rule the DynamoDB store is handed."""

from __future__ import annotations

from calsnack.domain.model import Source
from calsnack.ical.derived import derived_calendar
from calsnack.ical.write import fields_calendar

from tests.contract.builders import calendar_of, make_event


def test_a_csv_events_fields_give_its_calendar() -> None:
    event = make_event("ada@corp.example", "kickoff")
    assert derived_calendar(event) == fields_calendar(event) == calendar_of(event)


def test_a_calendar_clients_text_is_its_own() -> None:
    assert derived_calendar(make_event("ada@corp.example", "kickoff", source=Source.CALENDAR)) is None


def test_fields_no_calendar_can_be_written_from_give_none() -> None:
    broken = make_event("ada@corp.example", "kickoff", meeting_url="https://meet.example/a\r\nX-EVIL:1")
    assert derived_calendar(broken) is None


def test_a_reminder_is_no_field() -> None:
    event = make_event("ada@corp.example", "kickoff")
    assert derived_calendar(event) != calendar_of(event, reminder=30)
