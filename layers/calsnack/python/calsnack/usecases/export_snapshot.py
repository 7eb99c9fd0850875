"""`calsnack export`: the whole store, now, as the analytics tables (CONTRACT §5).

The stream exporter records history as it happens; a snapshot has only the present state, so it
writes per event one events row, per person their latest invitation (and the cancellation, if they
got it) and their latest answer. The views count people by their latest rows, so both give the
counts `calsnack report` gives.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Protocol

from calsnack.analytics.files import DEFAULT_BUDGET, ExportSummary, PartitionedWriter
from calsnack.analytics.rows import Row, answer_row, cancel_row, event_row, request_row
from calsnack.domain.model import Attendee, Event
from calsnack.ports import AttendeeStore, BlobStore, EventStore

#: Attendees read per store call: a million-attendee event is a thousand reads, never one list.
ATTENDEE_PAGE = 1000
#: The base name of the files a snapshot writes (`part-0000.json.gz`, ...).
FILE_NAME = "part"


class SnapshotSource(EventStore, AttendeeStore, Protocol):
    """What a snapshot reads: every event, then each event's attendees page by page."""


def attendee_rows(event: Event, attendee: Attendee, *, now: datetime) -> Iterator[Row]:
    """One person's rows: the latest REQUEST, the CANCEL, the latest answer (each if any)."""
    # The moment of the event's latest revision: the best the store knows for a cancellation, and
    # for an invitation sent before the store kept sending times.
    revised = event.updated_at or event.created_at or now
    if attendee.invited:
        yield request_row(event, attendee, observed_at=revised)
    if attendee.cancel_sent:
        yield cancel_row(event, attendee, sent_at=revised)
    answer = answer_row(event, attendee)
    if answer is not None:
        yield answer


def export_snapshot(
    store: SnapshotSource, sink: BlobStore, *, now: datetime, budget: int = DEFAULT_BUDGET
) -> ExportSummary:
    """Write every event and attendee into `sink` as `<table>/dt=.../part-NNNN.json.gz`."""
    writer = PartitionedWriter(sink, FILE_NAME, budget=budget)
    for event in store.all_events():
        writer.add(event_row(event, observed_at=now))
        after = ""
        while True:
            page = store.attendees(event.key, None, after, ATTENDEE_PAGE)
            for attendee in page:
                writer.add_all(attendee_rows(event, attendee, now=now))
            if len(page) < ATTENDEE_PAGE:
                break
            after = page[-1].email
    writer.flush()
    return writer.summary()
