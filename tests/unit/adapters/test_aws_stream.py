"""DynamoDB stream records → changes, decoded with the store's own item functions."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord
from calsnack.adapters.aws.store.codec import event_item
from calsnack.adapters.aws.store.keys import attendee_pk, occurrence_pk, occurrence_sk
from calsnack.adapters.aws.stream import change_of
from calsnack.domain.model import Attendee, Channel, PartStat
from calsnack.ical.derived import derived_calendar
from calsnack.usecases.export_changes import AttendeeChanged, EventChanged, Unexported

from tests.contract.builders import make_event

EVENT = make_event("ada@corp.example", "kickoff", version=3)
CREATED = 1_970_000_000


def record(
    name: str,
    keys: dict[str, Any],
    new: dict[str, Any] | None,
    old: dict[str, Any] | None = None,
    seq: str = "4200000000000000000001",
) -> DynamoDBRecord:
    stream: dict[str, Any] = {
        "ApproximateCreationDateTime": CREATED,
        "Keys": keys,
        "SequenceNumber": seq,
        "SizeBytes": 100,
        "StreamViewType": "NEW_AND_OLD_IMAGES",
    }
    if new is not None:
        stream["NewImage"] = new
    if old is not None:
        stream["OldImage"] = old
    return DynamoDBRecord(
        {
            "eventID": "1",
            "eventName": name,
            "eventVersion": "1.1",
            "eventSource": "aws:dynamodb",
            "awsRegion": "us-east-1",
            "dynamodb": stream,
            "eventSourceARN": "arn:aws:dynamodb:us-east-1:111122223333:table/t/stream/2031-01-01T00:00:00.000",
        }
    )


def keys(pk: str, sk: str) -> dict[str, Any]:
    return {"pk": {"S": pk}, "sk": {"S": sk}}


def attendee_image(email: str, **attributes: dict[str, Any]) -> dict[str, Any]:
    return {**keys(attendee_pk(EVENT.key, 7), email), "partstat": {"S": "NEEDS-ACTION"}, **attributes}


def test_event_revisions_decode_to_events() -> None:
    item = event_item(EVENT, derived_calendar)
    older = event_item(EVENT.revised(sequence=1, version=2), derived_calendar)
    change = change_of(record("MODIFY", keys(item["pk"]["S"], item["sk"]["S"]), item, older, seq="77"))
    assert isinstance(change, EventChanged)
    assert (change.position, change.new, change.old) == ("77", EVENT, EVENT.revised(sequence=1, version=2))
    assert change.at == datetime.fromtimestamp(CREATED, UTC)
    inserted = change_of(record("INSERT", keys(item["pk"]["S"], item["sk"]["S"]), item))
    assert isinstance(inserted, EventChanged) and inserted.old is None


def test_attendee_items_decode_with_their_event_key() -> None:
    new = attendee_image(
        "bea@guests.example",
        partstat={"S": "ACCEPTED"},
        answered_at={"S": "2031-05-17T09:30:00.000000+00:00"},
        channel={"S": "button"},
        invited_sequence={"N": "2"},
        invited_at={"S": "2031-05-17T09:31:00.000000+00:00"},
    )
    old = attendee_image("bea@guests.example", invited_sequence={"N": "1"})
    change = change_of(record("MODIFY", keys(new["pk"]["S"], new["sk"]["S"]), new, old))
    assert isinstance(change, AttendeeChanged)
    assert change.event_key == EVENT.key
    assert change.old == Attendee(email="bea@guests.example", invited_sequence=1)
    assert change.new == Attendee(
        email="bea@guests.example",
        partstat=PartStat.ACCEPTED,
        answered_at=datetime(2031, 5, 17, 9, 30, tzinfo=UTC),
        channel=Channel.BUTTON,
        invited_sequence=2,
        invited_at=datetime(2031, 5, 17, 9, 31, tzinfo=UTC),
    )


def test_a_keys_only_attendee_image_is_no_state() -> None:
    pk = attendee_pk(EVENT.key, 7)
    assert isinstance(
        change_of(record("INSERT", keys(pk, "x@y.example"), keys(pk, "x@y.example"))), Unexported
    )
    new = attendee_image("x@y.example", invited_sequence={"N": "0"})
    change = change_of(record("INSERT", keys(pk, "x@y.example"), new, keys(pk, "x@y.example")))
    assert isinstance(change, AttendeeChanged) and change.old is None


@pytest.mark.parametrize(
    ("pk", "sk"),
    [
        ("DONE#mail:abc", "DONE"),
        ("BATCH#b1", "STATUS"),
        ("BATCH#b1#03", "TOTALS"),
        ("APIKEY#abc", "APIKEY"),
        ("SUP#x@y.example", "*"),
    ],
)
def test_other_items_pass_through(pk: str, sk: str) -> None:
    assert change_of(
        record("INSERT", keys(pk, sk), {**keys(pk, sk), "ttl": {"N": "1"}}, seq="9")
    ) == Unexported("9")


def test_ttl_deletions_pass_through() -> None:
    old = {**keys("DONE#x", "DONE"), "ttl": {"N": "1"}}
    assert change_of(record("REMOVE", keys("DONE#x", "DONE"), None, old, seq="5")) == Unexported("5")


def test_an_answer_for_one_occurrence_is_no_attendee_change() -> None:
    """Answers for single occurrences live under keys of their own (`occurrence_pk`), with the
    attendee's state attributes: the attendee changes, and so the analytics answers, stay the
    series answers."""
    pk, sk = occurrence_pk(EVENT.key, 7), occurrence_sk("2031-05-20T14:00:00+00:00", "ann@x.example")
    image = {**keys(pk, sk), "partstat": {"S": "DECLINED"}, "answered_at": {"S": "2031-05-01T09:00:00+00:00"},
             "channel": {"S": "calendar"}, "email": {"S": "ann@x.example"}}  # fmt: skip
    assert change_of(record("INSERT", keys(pk, sk), image, seq="8")) == Unexported("8")
