"""Rows of the three analytics tables, made from domain objects: the one definition both exporters use.

The stream exporter (`usecases.export_changes`) and `calsnack export` (`usecases.export_snapshot`)
build every row here, and infra/analytics.py declares the Glue tables from `TABLES` below, so the
files, the two exporters and Athena's schema cannot disagree about a column.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from datetime import UTC, datetime
from typing import Any, ClassVar

from calsnack.domain.addresses import domain_of
from calsnack.domain.model import Attendee, Event, Method, PartStat

EVENTS = "events"
INVITATIONS = "invitations"
ANSWERS = "answers"

#: An invitation's channel when the person had not answered before it went out: they were on a
#: list the organizer gave (CSV attendees, an INVITE row, a VIP list).
LIST_CHANNEL = "list"

#: Marks the partition field: it names the file's folder (`dt=YYYY-MM-DD`) and is not a column.
_PARTITION = {"partition": True}
#: Hive types of the Python annotations a row may use (as text: this module defers annotations).
_HIVE_TYPES = {"str": "string", "str | None": "string", "int": "int"}


def instant(value: datetime) -> str:
    """Fixed-width UTC ISO 8601 (`2031-05-17T09:30:00.000000Z`).

    As text it sorts as time does, so the views order answers with a plain `ORDER BY` on Athena and
    DuckDB alike; both also parse it (`from_iso8601_timestamp`, `CAST(... AS TIMESTAMP)`).
    """
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def day(value: datetime) -> str:
    """The partition (`dt`) of a moment: its UTC date, the same whichever time zone wrote it."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).date().isoformat()


@dataclass(frozen=True, slots=True)
class EventRow:
    """One revision of an event; the views keep the highest `sequence` (then `updated_at`)."""

    TABLE: ClassVar[str] = EVENTS

    organizer: str
    event_id: str
    uid: str
    status: str
    sequence: int
    summary: str
    #: In the event's own offset, as `calsnack report` prints it.
    start: str
    end: str
    timezone: str
    source: str
    updated_at: str | None
    dt: str = field(metadata=_PARTITION)


@dataclass(frozen=True, slots=True)
class InvitationRow:
    """One personal message sent: a REQUEST at a revision, or the CANCEL."""

    TABLE: ClassVar[str] = INVITATIONS

    organizer: str
    event_id: str
    uid: str
    attendee: str
    attendee_domain: str
    sequence: int
    method: str
    #: `button` or `calendar` (the answer the person had given before it went out), or `list`.
    channel: str
    #: Null only for people invited before the store kept the moment (old databases).
    sent_at: str | None
    dt: str = field(metadata=_PARTITION)


@dataclass(frozen=True, slots=True)
class AnswerRow:
    """One answer; the views count each person's latest (`answered_at`) only."""

    TABLE: ClassVar[str] = ANSWERS

    organizer: str
    event_id: str
    uid: str
    attendee: str
    attendee_domain: str
    answer: str
    channel: str
    answered_at: str
    #: The attendee's note with the answer (a calendar reply's COMMENT), "" if none.
    comment: str
    dt: str = field(metadata=_PARTITION)


Row = EventRow | InvitationRow | AnswerRow
ROW_TYPES: tuple[type[EventRow], type[InvitationRow], type[AnswerRow]] = (EventRow, InvitationRow, AnswerRow)


def _columns(row_type: type[Row]) -> dict[str, str]:
    return {f.name: _HIVE_TYPES[str(f.type)] for f in fields(row_type) if not f.metadata.get("partition")}


#: Each table's columns in file order, with their Hive types (the Glue tables declare these).
TABLES: Mapping[str, Mapping[str, str]] = {t.TABLE: _columns(t) for t in ROW_TYPES}
_NAMES: Mapping[str, tuple[str, ...]] = {table: tuple(columns) for table, columns in TABLES.items()}


def as_record(row: Row) -> dict[str, Any]:
    """The row as one JSON Lines object: every column, the partition left to the folder name."""
    return {name: getattr(row, name) for name in _NAMES[row.TABLE]}


def event_row(event: Event, *, observed_at: datetime) -> EventRow:
    """`observed_at` dates the row only if the event carries no time of its own (never, as written)."""
    changed = event.updated_at or event.created_at
    return EventRow(
        organizer=event.organizer,
        event_id=event.event_id,
        uid=event.uid,
        status=event.status.value,
        sequence=event.sequence,
        summary=event.summary,
        start=event.start.isoformat(),
        end=event.end.isoformat(),
        timezone=event.timezone,
        source=event.source.value,
        updated_at=instant(changed) if changed else None,
        dt=day(changed or observed_at),
    )


def _channel(attendee: Attendee, sent_at: datetime | None) -> str:
    """How the person came to be sent the message: their answer if it came first, else a list."""
    if attendee.channel is None or attendee.answered_at is None:
        return LIST_CHANNEL
    if sent_at is not None and attendee.answered_at > sent_at:
        return LIST_CHANNEL
    return attendee.channel.value


def request_row(event: Event, attendee: Attendee, *, observed_at: datetime) -> InvitationRow:
    """The latest REQUEST the person was sent (`invited_sequence`, `invited_at`).

    `observed_at` dates a row whose sending time the store never kept (people invited before it
    did): the row still counts them invited, with a null `sent_at`.
    """
    if attendee.invited_sequence is None:
        raise ValueError(f"{attendee.email} was never sent an invitation")
    sent_at = attendee.invited_at
    return InvitationRow(
        organizer=event.organizer,
        event_id=event.event_id,
        uid=event.uid,
        attendee=attendee.email,
        attendee_domain=domain_of(attendee.email),
        sequence=attendee.invited_sequence,
        method=Method.REQUEST.value,
        channel=_channel(attendee, sent_at),
        sent_at=instant(sent_at) if sent_at else None,
        dt=day(sent_at or observed_at),
    )


def cancel_row(event: Event, attendee: Attendee, *, sent_at: datetime) -> InvitationRow:
    """The CANCEL the person was sent, at the event's (cancelled) revision.

    The store keeps no per-person cancellation time, so the caller passes the best it knows: the
    stream record's time, or the cancellation's own `updated_at` in a snapshot.
    """
    return InvitationRow(
        organizer=event.organizer,
        event_id=event.event_id,
        uid=event.uid,
        attendee=attendee.email,
        attendee_domain=domain_of(attendee.email),
        sequence=event.sequence,
        method=Method.CANCEL.value,
        channel=_channel(attendee, sent_at),
        sent_at=instant(sent_at),
        dt=day(sent_at),
    )


def answer_row(event: Event, attendee: Attendee) -> AnswerRow | None:
    """The person's latest answer, or None if they have not answered."""
    if attendee.answered_at is None or attendee.partstat in (PartStat.NEEDS_ACTION, PartStat.DELEGATED):
        return None  # a delegation is no answer; the delegate's own answer is
    return AnswerRow(
        organizer=event.organizer,
        event_id=event.event_id,
        uid=event.uid,
        attendee=attendee.email,
        attendee_domain=domain_of(attendee.email),
        answer=attendee.partstat.value,
        channel=attendee.channel.value if attendee.channel else "",
        answered_at=instant(attendee.answered_at),
        comment=attendee.comment,
        dt=day(attendee.answered_at),
    )
