"""Items to domain objects and back: how events, attendees, API keys and batch state are written
as DynamoDB attribute values.

One codec for every reader of the table: the store, and the stream decoder that reads the
same items from stream images (`adapters.aws.stream`), so the two cannot read an item apart.
"""

from __future__ import annotations

import base64
import json
import zlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import fields
from datetime import datetime
from typing import TYPE_CHECKING, TypeAlias

from calsnack.adapters.aws.store.keys import api_key_pk, event_pk, item_key
from calsnack.adapters.aws.store.table import TABLE
from calsnack.adapters.timestamps import instant
from calsnack.domain.model import (
    ApiKey,
    Attendee,
    BatchStatus,
    Channel,
    Event,
    EventStatus,
    OccurrenceAnswer,
    PartStat,
    RowError,
    Source,
)

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.type_defs import AttributeValueTypeDef

    Item: TypeAlias = dict[str, AttributeValueTypeDef]

#: The calendar text an event's fields give, None where they give none (`ical.derived`): the
#: domain's rule, handed in, for which calendars need not be stored.
DerivedCalendar: TypeAlias = Callable[[Event], str | None]

#: One stored part of refused rows stays well below DynamoDB's 400 KB item limit.
_ERROR_PART_BYTES = 300_000
#: How much of each cell a refused row too large for one part echoes back.
_CELL_ECHO = 1000
#: The batch counters each shard's TOTALS item adds up.
_COUNTERS = ("rows_applied", "rows_refused", "invitations_queued", "invitations_sent", "invitations_failed")


# Attribute values of DynamoDB's types S, N and BOOL.
def string(value: str) -> AttributeValueTypeDef:
    return {"S": value}


def number(value: int) -> AttributeValueTypeDef:
    return {"N": str(value)}


def boolean(value: bool) -> AttributeValueTypeDef:
    return {"BOOL": value}


# -- events ---------------------------------------------------------------------------------


def event_item(event: Event, derived: DerivedCalendar) -> Item:
    """Every field as its own attribute (readable in the console and in stream images).

    A calendar text that is exactly what `derived` gives for the event's fields is not
    written: its description, location and VTIMEZONE would be written twice, which takes a
    realistic reminder past 1 KiB, to two write units. No index keys: the item's own key serves
    every lookup (see `event_pk`), so a revision costs its own write units and nothing more.
    """
    item: Item = item_key(event_pk(event.key), event.key)
    for f in fields(Event):
        value = getattr(event, f.name)
        if value is None or (
            f.name in ("quiet_revisions", "occurrence_day", "occurrence_cancelled", "language") and not value
        ):
            # Quiet revisions and occurrence changes are rare, and most events leave the language
            # to the default: the usual 0 or "" costs no bytes.
            continue
        if f.name == "calendar":
            if derived(event) == value:
                continue
            # Compressed, the iCalendar text (VTIMEZONE included) keeps a typical event under
            # 1 KiB: one write unit per revision instead of two.
            item[f.name] = {"B": zlib.compress(str(value).encode(), 6)}
        elif isinstance(value, bool):
            item[f.name] = boolean(value)
        elif isinstance(value, int):
            item[f.name] = number(value)
        elif isinstance(value, datetime):
            item[f.name] = string(value.isoformat())
        else:
            item[f.name] = string(str(value))
    return item


def string_of(item: Item, name: str) -> str:
    return item[name]["S"]


def number_of(item: Item, name: str) -> int:
    return int(item[name]["N"])


def datetime_of(item: Item, name: str) -> datetime | None:
    value = item.get(name)
    return datetime.fromisoformat(value["S"]) if value is not None else None


def _calendar(item: Item) -> str:
    """The iCalendar text, stored compressed; stream images in a Lambda event carry it base64."""
    value = item["calendar"]
    if "S" in value:
        return value["S"]
    data = value["B"]
    raw = base64.b64decode(data) if isinstance(data, str) else bytes(data)
    return zlib.decompress(raw).decode()


def event_from_item(item: Item, derived: DerivedCalendar) -> Event:
    """The event an item holds; a calendar the item leaves out is the one `derived` gives."""
    stored = "calendar" in item
    event = Event(
        key=string_of(item, "key"),
        organizer=string_of(item, "organizer"),
        event_id=string_of(item, "event_id"),
        uid=string_of(item, "uid"),
        source=Source(string_of(item, "source")),
        organizer_name=string_of(item, "organizer_name"),
        summary=string_of(item, "summary"),
        start=datetime.fromisoformat(string_of(item, "start")),
        end=datetime.fromisoformat(string_of(item, "end")),
        timezone=string_of(item, "timezone"),
        all_day=item["all_day"]["BOOL"],
        calendar=_calendar(item) if stored else "",
        location=string_of(item, "location"),
        description=string_of(item, "description"),
        meeting_url=string_of(item, "meeting_url"),
        language=string_of(item, "language") if "language" in item else "",
        status=EventStatus(string_of(item, "status")),
        sequence=number_of(item, "sequence"),
        quiet_revisions=number_of(item, "quiet_revisions") if "quiet_revisions" in item else 0,
        quiet_revision=number_of(item, "quiet_revision") if "quiet_revision" in item else None,
        sequence_raised_at=datetime_of(item, "sequence_raised_at"),
        occurrence_revision=number_of(item, "occurrence_revision") if "occurrence_revision" in item else None,
        occurrence_day=string_of(item, "occurrence_day") if "occurrence_day" in item else "",
        occurrence_cancelled="occurrence_cancelled" in item and item["occurrence_cancelled"]["BOOL"],
        origin_sequence=number_of(item, "origin_sequence"),
        origin_stamp=datetime_of(item, "origin_stamp"),
        applied_row=string_of(item, "applied_row"),
        snack_sent=item["snack_sent"]["BOOL"],
        created_at=datetime_of(item, "created_at"),
        updated_at=datetime_of(item, "updated_at"),
        version=number_of(item, "version"),
    )
    if stored:
        return event
    calendar = derived(event)
    if calendar is None:
        raise ValueError(f"event item {event.key} holds no calendar and its fields give none")
    return event.revised(calendar=calendar)


# -- attendees ------------------------------------------------------------------------------


def attendee_from_item(item: Item) -> Attendee:
    """An attendee item, read or from a stream image (the analytics exporter decodes those too)."""
    answered_at = item.get("answered_at")
    channel = item.get("channel")
    invited = item.get("invited_sequence")
    cancel_sent = item.get("cancel_sent")
    invited_at = item.get("invited_at")
    comment = item.get("comment")
    return Attendee(
        email=string_of(item, "sk"),
        partstat=PartStat(string_of(item, "partstat")),
        answered_at=datetime.fromisoformat(answered_at["S"]) if answered_at else None,
        channel=Channel(channel["S"]) if channel else None,
        invited_sequence=int(invited["N"]) if invited else None,
        cancel_sent=cancel_sent["BOOL"] if cancel_sent else False,
        invited_at=datetime.fromisoformat(invited_at["S"]) if invited_at else None,
        comment=comment["S"] if comment else "",
    )


def occurrence_answer_from_item(item: Item) -> OccurrenceAnswer:
    comment = item.get("comment")
    return OccurrenceAnswer(
        email=string_of(item, "email"),
        occurrence=string_of(item, "occurrence"),
        partstat=PartStat(string_of(item, "partstat")),
        answered_at=datetime.fromisoformat(string_of(item, "answered_at")),
        channel=Channel(string_of(item, "channel")),
        comment=comment["S"] if comment else "",
    )


# -- API keys -------------------------------------------------------------------------------


def api_key_item(key: ApiKey) -> Item:
    domain = key.domain.lower()
    created = instant(key.created_at)
    return {
        **item_key(api_key_pk(key.key_hash), "APIKEY"),
        # The index lists a domain's keys; "KEYS#" never meets an organizer's "ORG#".
        TABLE.index.partition_key: string(f"KEYS#{domain}"),
        TABLE.index.sort_key: string(created),
        "key_hash": string(key.key_hash),
        "domain": string(domain),
        "created_at": string(created),
        "label": string(key.label),
        "revoked": boolean(key.revoked),
    }


def api_key_from_item(item: Item) -> ApiKey:
    return ApiKey(
        key_hash=string_of(item, "key_hash"),
        domain=string_of(item, "domain"),
        created_at=datetime.fromisoformat(string_of(item, "created_at")),
        label=string_of(item, "label"),
        revoked=item["revoked"]["BOOL"],
    )


# -- batches --------------------------------------------------------------------------------


def _encoded_error(e: RowError) -> str:
    """One refusal as JSON; a row whose echo alone would overflow a part keeps the start of each
    cell (as the splitter does for a row too large for a message), then as many cells as fit."""
    encoded = json.dumps([e.row, e.column, e.reason, list(e.cells)], ensure_ascii=False)
    if len(encoded.encode()) <= _ERROR_PART_BYTES:
        return encoded
    cells: list[str] = []
    for cell in e.cells:
        cells.append(cell if len(cell) <= _CELL_ECHO else cell[:_CELL_ECHO] + "…")
        shortened = json.dumps([e.row, e.column, e.reason, cells], ensure_ascii=False)
        if len(shortened.encode()) > _ERROR_PART_BYTES:
            cells.pop()
            break
    return json.dumps([e.row, e.column, e.reason, cells], ensure_ascii=False)


def error_parts(errors: Sequence[RowError]) -> list[tuple[str, int]]:
    """Refused rows as JSON texts of bounded size, each with how many refusals it holds: one
    chunk's (or file's) refusals in few items, none past DynamoDB's item limit."""
    parts: list[tuple[str, int]] = []
    current: list[str] = []
    size = 0
    for e in errors:
        encoded = _encoded_error(e)
        if current and size + len(encoded.encode()) > _ERROR_PART_BYTES:
            parts.append((f"[{','.join(current)}]", len(current)))
            current, size = [], 0
        current.append(encoded)
        size += len(encoded.encode()) + 1
    if current:
        parts.append((f"[{','.join(current)}]", len(current)))
    return parts


def errors_from(text: str) -> list[RowError]:
    return [RowError(row, column, reason, tuple(cells)) for row, column, reason, cells in json.loads(text)]


def batch_status(batch_id: str, status: Item, totals: Iterable[Item], errors: list[RowError]) -> BatchStatus:
    sums = dict.fromkeys(_COUNTERS, 0)
    for item in totals:
        for name in _COUNTERS:
            if name in item:
                sums[name] += number_of(item, name)
    return BatchStatus(
        batch_id=batch_id,
        sender=string_of(status, "sender"),
        domain=string_of(status, "domain"),
        message_id=string_of(status, "message_id"),
        rows_total=number_of(status, "rows_total"),
        rows_applied=sums["rows_applied"],
        rows_refused=number_of(status, "parse_refused") + sums["rows_refused"],
        invitations_queued=sums["invitations_queued"],
        invitations_sent=sums["invitations_sent"],
        invitations_failed=sums["invitations_failed"],
        parsed=status["parsed"]["BOOL"],
        reported=status["reported"]["BOOL"],
        created_at=datetime_of(status, "created_at"),
        header=tuple(name["S"] for name in status["header"]["L"]),
        errors=errors,
    )
