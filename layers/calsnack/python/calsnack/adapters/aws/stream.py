"""DynamoDB stream records (NEW_AND_OLD_IMAGES) → the changes `usecases.export_changes` exports.

An AWS adapter: images are decoded with the DynamoDB store's own codec and item types told apart
by its key layout (docs/data-model.md, "Streams"), so the exporter reads items exactly as the
store writes them (a calendar the store left out is rebuilt by the rule the store is handed,
`ical.derived`). What a change becomes in the analytics tables is `export_changes`' concern.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, cast

from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import (
    DynamoDBRecord,
    DynamoDBRecordEventName,
)

from calsnack.adapters.aws.store.codec import attendee_from_item, event_from_item
from calsnack.adapters.aws.store.keys import event_key_of_attendee_pk, is_events_pk
from calsnack.ical.derived import derived_calendar
from calsnack.usecases.export_changes import AttendeeChanged, Change, EventChanged, Unexported

if TYPE_CHECKING:
    from calsnack.adapters.aws.store.codec import Item


def _image(stream: dict[str, Any], name: str) -> Item | None:
    image = stream.get(name)
    return cast("Item", image) if image else None


def _attendee_image(image: Item | None) -> Item | None:
    """An attendee image with the state the store always writes, or None.

    Every attendee write sets `partstat`; an image without it holds only the keys (moto records one
    before an update that creates the item; DynamoDB does not) and says nothing to export.
    """
    return image if image is not None and "partstat" in image else None


def change_of(record: DynamoDBRecord) -> Change:
    stream: dict[str, Any] = record.raw_event["dynamodb"]
    position = str(stream["SequenceNumber"])
    if record.event_name is DynamoDBRecordEventName.REMOVE:
        return Unexported(position)  # only TTL'd markers are ever deleted
    keys = stream["Keys"]
    pk = keys["pk"]["S"]
    new = _image(stream, "NewImage")
    old = _image(stream, "OldImage")
    at = datetime.fromtimestamp(float(stream["ApproximateCreationDateTime"]), UTC)
    if new is None:
        return Unexported(position)
    if is_events_pk(pk):
        return EventChanged(
            position=position,
            at=at,
            old=event_from_item(old, derived_calendar) if old is not None else None,
            new=event_from_item(new, derived_calendar),
        )
    event_key = event_key_of_attendee_pk(pk)
    if event_key is not None and (current := _attendee_image(new)) is not None:
        previous = _attendee_image(old)
        return AttendeeChanged(
            position=position,
            at=at,
            event_key=event_key,
            old=attendee_from_item(previous) if previous is not None else None,
            new=attendee_from_item(current),
        )
    return Unexported(position)
