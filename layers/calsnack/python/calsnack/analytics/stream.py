"""DynamoDB stream records (NEW_AND_OLD_IMAGES) → the changes `usecases.export_changes` exports.

Images are decoded with the DynamoDB store's own item functions, so the exporter reads items exactly
as the store does. Item types are told apart by key shape (docs/data-model.md, "Streams").
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, cast

from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import (
    DynamoDBRecord,
    DynamoDBRecordEventName,
)

from calsnack.adapters.aws.store import attendee_from_item, event_from_item
from calsnack.usecases.export_changes import AttendeeChanged, Change, EventChanged, Unexported

if TYPE_CHECKING:
    from calsnack.adapters.aws.store import Item

#: `EVT#<event key>#A<shard>`: one of the 32 partitions an event's attendees are spread over
#: (event items live under `EVTS#…`).
_ATTENDEE_PK = re.compile(r"EVT#(?P<key>[^#]+)#A\d{2}")


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
    if pk.startswith("EVTS#"):
        return EventChanged(
            position=position,
            at=at,
            old=event_from_item(old) if old is not None else None,
            new=event_from_item(new),
        )
    match = _ATTENDEE_PK.fullmatch(pk)
    if match is not None and (current := _attendee_image(new)) is not None:
        previous = _attendee_image(old)
        return AttendeeChanged(
            position=position,
            at=at,
            event_key=match["key"],
            old=attendee_from_item(previous) if previous is not None else None,
            new=attendee_from_item(current),
        )
    return Unexported(position)
