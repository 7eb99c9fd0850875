"""Test data for the contract suite: events and answers with every field set, and unique names."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from calsnack.domain.model import Answer, Channel, Event, EventStatus, PartStat, Source, event_key
from calsnack.ical.write import event_calendar

T0 = datetime(2031, 5, 17, 9, 30, tzinfo=UTC)


def unique(prefix: str = "") -> str:
    """A fresh name: the AWS set shares one table across a module's tests."""
    return f"{prefix}{uuid.uuid4().hex[:10]}"


def make_event(organizer: str, event_id: str, **changes: object) -> Event:
    chicago = timezone(timedelta(hours=-5))
    event = Event(
        key=event_key(organizer, event_id),
        organizer=organizer,
        event_id=event_id,
        uid=f"{event_id}@calsnack.test",
        source=Source.CSV,
        organizer_name="Ada Organizer",
        summary="Quarterly snack — Überblick",
        start=datetime(2031, 6, 1, 18, 0, tzinfo=chicago),
        end=datetime(2031, 6, 1, 19, 30, tzinfo=chicago),
        timezone="America/Chicago",
        all_day=False,
        calendar="BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n",
        location="Room 4",
        description="Line one\nline two",
        meeting_url="https://meet.example/abc",
        status=EventStatus.CONFIRMED,
        sequence=2,
        origin_sequence=1,
        origin_stamp=datetime(2031, 5, 1, 8, 0, tzinfo=timezone(timedelta(hours=2))),
        applied_row="batch-1:000000007",
        snack_sent=True,
        created_at=T0,
        updated_at=T0 + timedelta(minutes=5),
    )
    return event.revised(**changes) if changes else event


def answer(email: str, partstat: PartStat, at: datetime, channel: Channel = Channel.BUTTON) -> Answer:
    return Answer(
        organizer="org@corp.example", event_id="e", email=email, partstat=partstat, at=at, channel=channel
    )


def calendar_of(event: Event, **changes: Any) -> str:
    """The calendar `event_calendar` writes for the event's own fields, with `changes` to them
    (a reminder, naive local times)."""
    fields: dict[str, Any] = {
        "start": event.start,
        "end": event.end,
        "timezone": event.timezone,
        "summary": event.summary,
        "location": event.location,
        "description": event.description,
        "meeting_url": event.meeting_url,
        "all_day": event.all_day,
    }
    return event_calendar(**(fields | changes))
