"""The stream exporter: changes of the store's items → rows of the analytics tables, one file per
table and day for each batch of changes.

An event revision makes an events row; an attendee whose invited revision rises makes a REQUEST
row, one whose cancellation goes out a CANCEL row, one whose answer changes an answers row.
`adapters.aws.stream` decodes DynamoDB stream records into the changes below; this module knows
nothing of DynamoDB.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime

from calsnack.analytics.files import ExportSummary, PartitionedWriter
from calsnack.analytics.rows import Row, answer_row, cancel_row, event_row, request_row
from calsnack.domain.model import Attendee, Event
from calsnack.ports import BlobStore, EventStore


@dataclass(frozen=True, slots=True)
class EventChanged:
    """An event item written (created or revised)."""

    #: The change's place in the stream (DynamoDB's sequence number): names the files.
    position: str
    at: datetime
    old: Event | None
    new: Event


@dataclass(frozen=True, slots=True)
class AttendeeChanged:
    """An attendee item written: an answer, an invitation or a cancellation went on record."""

    position: str
    at: datetime
    event_key: str
    old: Attendee | None
    new: Attendee


@dataclass(frozen=True, slots=True)
class Unexported:
    """Any other change (ledger markers, batches, keys, TTL deletions): it only moves the position."""

    position: str


Change = EventChanged | AttendeeChanged | Unexported


class UnknownEvent(LookupError):
    """An attendee item of an event the store does not have (yet): the record fails and is retried."""


class ChangeExport:
    """One batch of changes: rows are made change by change (`add`), then written once (`write`).

    `add` raises for a change it cannot export; the caller reports it failed, and Lambda retries the
    batch from that change on. `write` therefore writes only the rows of the changes before the
    first failed one, and names the files after the positions they cover: a retried batch rewrites
    the same files with the same bytes instead of adding copies.
    """

    def __init__(self, events: EventStore, sink: BlobStore) -> None:
        self.events = events
        self.sink = sink
        self._changes: list[tuple[str, list[Row]]] = []
        self._known: dict[str, Event] = {}

    def add(self, change: Change) -> None:
        rows = [] if isinstance(change, Unexported) else list(self._rows(change))
        self._changes.append((change.position, rows))

    def write(self, failed: Iterable[str] = ()) -> ExportSummary:
        """Write the rows of the changes before the first of the `failed` positions.

        A failed change may never have reached `add` (its record would not decode), so the cut is
        by position, not by what was added: positions are decimal numbers that grow along the
        stream, as DynamoDB's sequence numbers do within the shard a batch comes from.
        """
        first_failure = min((int(p) for p in failed), default=None)
        covered = [
            (position, rows)
            for position, rows in self._changes
            if first_failure is None or int(position) < first_failure
        ]
        if not covered:
            return ExportSummary(rows={}, files=())
        writer = PartitionedWriter(self.sink, f"{covered[0][0]}-{covered[-1][0]}")
        for _position, rows in covered:
            writer.add_all(rows)
        writer.flush()
        return writer.summary()

    def _rows(self, change: EventChanged | AttendeeChanged) -> Iterator[Row]:
        if isinstance(change, EventChanged):
            self._known[change.new.key] = change.new
            row = event_row(change.new, observed_at=change.at)
            # A write that changes nothing the table shows (the snack-sent flag, say) adds no row.
            if change.old is None or event_row(change.old, observed_at=change.at) != row:
                yield row
            return
        event = self._event(change.event_key)
        old, new = change.old, change.new
        if new.invited_sequence is not None and (
            old is None or old.invited_sequence is None or new.invited_sequence > old.invited_sequence
        ):
            # An item written before the store kept sending times: the write itself is the moment.
            sent = new if new.invited_at is not None else dataclasses.replace(new, invited_at=change.at)
            yield request_row(event, sent, observed_at=change.at)
        if new.cancel_sent and not (old is not None and old.cancel_sent):
            yield cancel_row(event, new, sent_at=change.at)
        if new.answered_at is not None and (old is None or old.answered_at != new.answered_at):
            answer = answer_row(event, new)
            if answer is not None:
                yield answer

    def _event(self, key: str) -> Event:
        """Attendee items carry only the event's key: read the event once per batch."""
        event = self._known.get(key)
        if event is None:
            event = self.events.get_event(key)
            if event is None:
                raise UnknownEvent(f"no event {key} for an attendee change")
            self._known[key] = event
        return event
