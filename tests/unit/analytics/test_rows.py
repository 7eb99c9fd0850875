"""Rows of the analytics tables from domain objects: columns, UTC text that sorts as time, partitions."""

from __future__ import annotations

from dataclasses import fields, replace
from datetime import UTC, datetime, timedelta, timezone

import pytest
from calsnack.analytics.rows import (
    LIST_CHANNEL,
    TABLES,
    AnswerRow,
    EventRow,
    InvitationRow,
    answer_row,
    as_record,
    cancel_row,
    day,
    event_row,
    instant,
    request_row,
)
from calsnack.domain.model import Attendee, Channel, EventStatus, PartStat

from tests.contract.builders import T0, make_event

EVENT = make_event("Ada@Corp.example", "kickoff")
TOKYO = timezone(timedelta(hours=9))


def test_tables_list_every_column_once_in_file_order_with_hive_types() -> None:
    assert list(TABLES) == ["events", "invitations", "answers"]
    assert list(TABLES["events"]) == [
        "organizer",
        "event_id",
        "uid",
        "status",
        "sequence",
        "summary",
        "start",
        "end",
        "timezone",
        "source",
        "updated_at",
    ]
    assert list(TABLES["invitations"]) == [
        "organizer",
        "event_id",
        "uid",
        "attendee",
        "attendee_domain",
        "sequence",
        "method",
        "channel",
        "sent_at",
    ]
    assert list(TABLES["answers"]) == [
        "organizer",
        "event_id",
        "uid",
        "attendee",
        "attendee_domain",
        "answer",
        "channel",
        "answered_at",
        "comment",
    ]
    assert {t for columns in TABLES.values() for t in columns.values()} == {"string", "int"}
    assert TABLES["events"]["sequence"] == TABLES["invitations"]["sequence"] == "int"
    for row_type in (EventRow, InvitationRow, AnswerRow):
        assert "dt" not in TABLES[row_type.TABLE]
        assert "dt" in {f.name for f in fields(row_type)}


def test_instant_is_fixed_width_utc_that_sorts_as_time() -> None:
    moments = [
        datetime(2031, 5, 17, 9, 30, tzinfo=UTC),
        datetime(2031, 5, 17, 18, 29, 59, 999999, tzinfo=TOKYO),  # 09:29:59.999999 UTC
        datetime(2031, 5, 17, 9, 30, 0, 1, tzinfo=UTC),
        datetime(2031, 5, 16, 23, 0),  # naive: taken as UTC
    ]
    texts = [instant(m) for m in moments]
    assert texts[0] == "2031-05-17T09:30:00.000000Z"
    assert len({len(t) for t in texts}) == 1
    assert sorted(texts) == [
        instant(m) for m in sorted(m if m.tzinfo else m.replace(tzinfo=UTC) for m in moments)
    ]
    assert datetime.fromisoformat(texts[1]) == moments[1]


def test_partition_is_the_utc_date() -> None:
    assert day(datetime(2031, 5, 18, 7, 0, tzinfo=TOKYO)) == "2031-05-17"
    assert day(datetime(2031, 5, 18, 7, 0)) == "2031-05-18"


def test_event_row() -> None:
    row = event_row(EVENT.revised(status=EventStatus.CANCELLED), observed_at=T0 + timedelta(days=9))
    assert as_record(row) == {
        "organizer": "Ada@Corp.example",
        "event_id": "kickoff",
        "uid": "kickoff@calsnack.test",
        "status": "cancelled",
        "sequence": 2,
        "summary": "Quarterly snack — Überblick",
        "start": "2031-06-01T18:00:00-05:00",
        "end": "2031-06-01T19:30:00-05:00",
        "timezone": "America/Chicago",
        "source": "csv",
        "updated_at": "2031-05-17T09:35:00.000000Z",
    }
    assert row.dt == "2031-05-17"
    # Without times of its own the event is dated by when it was seen.
    bare = event_row(
        EVENT.revised(updated_at=None, created_at=None), observed_at=datetime(2031, 6, 3, tzinfo=UTC)
    )
    assert (bare.updated_at, bare.dt) == (None, "2031-06-03")


def invited(**changes: object) -> Attendee:
    base = Attendee(email="bea@guests.example", invited_sequence=1, invited_at=T0 + timedelta(hours=1))
    return replace(base, **changes)  # type: ignore[arg-type]


def test_request_row_carries_the_event_and_the_latest_revision_sent() -> None:
    row = request_row(EVENT, invited(), observed_at=T0)
    assert as_record(row) == {
        "organizer": "Ada@Corp.example",
        "event_id": "kickoff",
        "uid": "kickoff@calsnack.test",
        "attendee": "bea@guests.example",
        "attendee_domain": "guests.example",
        "sequence": 1,
        "method": "REQUEST",
        "channel": LIST_CHANNEL,
        "sent_at": "2031-05-17T10:30:00.000000Z",
    }
    assert row.dt == "2031-05-17"


@pytest.mark.parametrize(
    ("answered", "channel", "expected"),
    [
        (timedelta(minutes=-5), Channel.BUTTON, "button"),  # a Yes click, then the invitation
        (timedelta(0), Channel.CALENDAR, "calendar"),
        (timedelta(minutes=5), Channel.CALENDAR, LIST_CHANNEL),  # on the list, answered afterwards
        (None, None, LIST_CHANNEL),
    ],
)
def test_invitation_channel_is_the_answer_that_came_first_else_the_list(
    answered: timedelta | None, channel: Channel | None, expected: str
) -> None:
    sent = T0 + timedelta(hours=1)
    attendee = invited(
        partstat=PartStat.ACCEPTED if answered is not None else PartStat.NEEDS_ACTION,
        answered_at=sent + answered if answered is not None else None,
        channel=channel,
    )
    assert request_row(EVENT, attendee, observed_at=T0).channel == expected


def test_request_row_without_a_sending_time_still_counts_the_person() -> None:
    row = request_row(EVENT, invited(invited_at=None), observed_at=datetime(2031, 5, 20, 12, tzinfo=UTC))
    assert (row.sent_at, row.dt, row.sequence) == (None, "2031-05-20", 1)
    with pytest.raises(ValueError, match="never sent"):
        request_row(EVENT, invited(invited_sequence=None), observed_at=T0)


def test_cancel_row_is_at_the_events_revision() -> None:
    at = datetime(2031, 5, 30, 23, 30, tzinfo=UTC)
    row = cancel_row(EVENT.revised(sequence=3), invited(), sent_at=at)
    assert (row.method, row.sequence, row.sent_at, row.dt) == ("CANCEL", 3, instant(at), "2031-05-30")


def test_answer_row() -> None:
    at = datetime(2031, 5, 18, 1, 0, tzinfo=TOKYO)
    row = answer_row(
        EVENT,
        replace(
            invited(partstat=PartStat.TENTATIVE, answered_at=at, channel=Channel.CALENDAR),
            comment="Only the first hour",
        ),
    )
    assert row is not None
    assert as_record(row) == {
        "organizer": "Ada@Corp.example",
        "event_id": "kickoff",
        "uid": "kickoff@calsnack.test",
        "attendee": "bea@guests.example",
        "attendee_domain": "guests.example",
        "answer": "TENTATIVE",
        "channel": "calendar",
        "answered_at": "2031-05-17T16:00:00.000000Z",
        "comment": "Only the first hour",
    }
    assert row.dt == "2031-05-17"
    assert answer_row(EVENT, invited()) is None
