"""The bodies of work-queue messages, and their JSON form on the wire (SQS or SQLite).

A body over `COMPRESS_OVER` bytes travels zlib-compressed, base64-encoded behind `z:`. SQS
bills each started 64 KiB of a request as one request, and packed CSV rows (the same
subject, description and organizer a hundred times) shrink about eightfold.
"""

from __future__ import annotations

import base64
import json
import zlib
from dataclasses import dataclass
from datetime import date, time
from typing import Any

from calsnack.domain.commands import CommandName, CommandRow, EventFields
from calsnack.domain.model import Delivery, Method

COMPRESS_OVER = 1024
_COMPRESSED = "z:"


@dataclass(frozen=True, slots=True)
class ApplyRows:
    """A packed chunk of CSV rows of one batch, for one FIFO group (rows of an event stay in order)."""

    batch_id: str
    sender: str
    chunk: str
    rows: tuple[CommandRow, ...]


@dataclass(frozen=True, slots=True)
class SendDeliveries:
    """Personal messages to render and send; `batch_id` credits a batch's progress."""

    chunk: str
    deliveries: tuple[Delivery, ...]
    batch_id: str = ""


@dataclass(frozen=True, slots=True)
class FanOut:
    """Send revision `sequence` with `method` to the next page of Yes/Maybe attendees after `after`."""

    event_key: str
    sequence: int
    method: Method
    after: str = ""


@dataclass(frozen=True, slots=True)
class IngestBatch:
    """Split a stored, accepted CSV file into `ApplyRows` messages (an upload's work, off the request)."""

    batch_id: str
    sender: str
    blob_key: str


Message = ApplyRows | SendDeliveries | FanOut | IngestBatch


def _fields_to_json(f: EventFields) -> dict[str, str]:
    out: dict[str, str] = {}
    for name in EventFields.__slots__:
        value = getattr(f, name)
        if value is not None:
            out[name] = value.isoformat() if isinstance(value, date | time) else str(value)
    return out


def _fields_from_json(d: dict[str, str]) -> EventFields:
    return EventFields(
        date=date.fromisoformat(d["date"]) if "date" in d else None,
        start_time=time.fromisoformat(d["start_time"]) if "start_time" in d else None,
        end_time=time.fromisoformat(d["end_time"]) if "end_time" in d else None,
        timezone=d.get("timezone"),
        subject=d.get("subject"),
        location=d.get("location"),
        meeting_url=d.get("meeting_url"),
        description=d.get("description"),
        language=d.get("language"),
        reminder=int(d["reminder"]) if "reminder" in d else None,
    )


def encode(message: Message) -> str:
    body: dict[str, Any]
    if isinstance(message, ApplyRows):
        body = {
            "type": "rows",
            "batch_id": message.batch_id,
            "sender": message.sender,
            "chunk": message.chunk,
            "rows": [
                [
                    r.row,
                    r.command.value,
                    r.event_id,
                    r.organizer,
                    _fields_to_json(r.fields),
                    list(r.attendees),
                    list(r.cells),
                ]
                for r in message.rows
            ],
        }
    elif isinstance(message, SendDeliveries):
        body = {
            "type": "send",
            "chunk": message.chunk,
            "batch_id": message.batch_id,
            # A resend (an attendee's REFRESH) is the rare fifth element; the usual row stays short.
            "d": [
                [d.event_key, d.email, d.sequence, d.method.value, *([1] if d.resend else [])]
                for d in message.deliveries
            ],
        }
    elif isinstance(message, IngestBatch):
        body = {
            "type": "ingest",
            "batch_id": message.batch_id,
            "sender": message.sender,
            "blob_key": message.blob_key,
        }
    else:
        body = {
            "type": "fanout",
            "event_key": message.event_key,
            "sequence": message.sequence,
            "method": message.method.value,
            "after": message.after,
        }
    text = json.dumps(body, separators=(",", ":"), ensure_ascii=False)
    if len(text) <= COMPRESS_OVER:
        return text
    # Level 1: nearly the ratio of level 6 at a quarter of the time, under a microsecond a row.
    return _COMPRESSED + base64.b64encode(zlib.compress(text.encode(), 1)).decode("ascii")


def _json_text(text: str) -> str:
    if text.startswith(_COMPRESSED):
        return zlib.decompress(base64.b64decode(text[len(_COMPRESSED) :], validate=True)).decode()
    return text


def readable(text: str) -> str:
    """A body as people read it (the JSON, decompressed); one that is not ours, as it is."""
    try:
        return _json_text(text)
    except (ValueError, zlib.error):
        return text


def decode(text: str) -> Message:
    """Raises ValueError on a body this version cannot read (it then goes to the dead-letter queue)."""
    try:
        body = json.loads(_json_text(text))
        kind = body["type"]
        if kind == "rows":
            batch_id = body["batch_id"]
            rows = tuple(
                CommandRow(
                    batch_id=batch_id,
                    row=int(row),
                    command=CommandName(cmd),
                    event_id=event_id,
                    organizer=organizer,
                    fields=_fields_from_json(fields),
                    attendees=tuple(attendees),
                    cells=tuple(cells),
                )
                for row, cmd, event_id, organizer, fields, attendees, cells in body["rows"]
            )
            return ApplyRows(batch_id=batch_id, sender=body["sender"], chunk=body["chunk"], rows=rows)
        if kind == "send":
            deliveries = tuple(
                Delivery(k, e, int(s), Method(m), bool(resend and resend[0]))
                for k, e, s, m, *resend in body["d"]
            )
            return SendDeliveries(
                chunk=body["chunk"], deliveries=deliveries, batch_id=body.get("batch_id", "")
            )
        if kind == "fanout":
            return FanOut(
                event_key=body["event_key"],
                sequence=int(body["sequence"]),
                method=Method(body["method"]),
                after=body.get("after", ""),
            )
        if kind == "ingest":
            return IngestBatch(batch_id=body["batch_id"], sender=body["sender"], blob_key=body["blob_key"])
    except (KeyError, TypeError, ValueError, zlib.error) as exc:  # binascii.Error is a ValueError
        raise ValueError(f"unreadable queue message: {exc}") from exc
    raise ValueError(f"unknown queue message type {kind!r}")
