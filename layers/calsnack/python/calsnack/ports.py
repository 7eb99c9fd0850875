"""The ports: what the use cases need from the world, and nothing it happens to offer.

Two adapter sets implement them, `adapters.aws` and `adapters.embedded`; one contract
suite (`tests/contract`) runs against both.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import BinaryIO, Protocol

from calsnack.domain.model import Answer, Attendee, BatchStatus, Counts, Delivery, Event, PartStat, RowError


class Conflict(Exception):
    """A conditional write lost a race: somebody else wrote the record first."""


class Throttled(Exception):
    """The mail provider asks us to slow down; the message may be retried."""


class Rejected(Exception):
    """The mail provider refused this message for good (bad address, suppressed recipient)."""


class EventStore(Protocol):
    def get_event(self, key: str) -> Event | None: ...

    def put_event(self, event: Event) -> Event:
        """Write if the stored version equals `event.version` (0: must not exist yet).

        Returns the event with its new version; raises `Conflict` otherwise.
        """
        ...

    def events_by_organizer(self, organizer: str) -> list[Event]: ...

    def events_by_domain(self, domain: str) -> list[Event]: ...

    def find_by_event_id(self, domain: str, event_id: str) -> list[Event]:
        """Events whose organizer is in `domain` and whose event id is `event_id`."""
        ...


class AttendeeStore(Protocol):
    def get_attendees(self, event_key: str, emails: Iterable[str]) -> dict[str, Attendee]: ...

    def record_answer(self, event_key: str, answer: Answer) -> bool:
        """Keep the answer if it is later than the person's last one; True if it was kept."""
        ...

    def record_sent(self, deliveries: Sequence[Delivery]) -> None:
        """Remember that these personal messages went out (REQUEST: invited at that revision)."""
        ...

    def attendees(
        self, event_key: str, partstats: frozenset[PartStat] | None, after: str, limit: int
    ) -> list[Attendee]:
        """One page of the event's attendees ordered by address, starting after `after`."""
        ...

    def counts(self, event_key: str) -> Counts: ...


class Ledger(Protocol):
    """Markers that make re-delivered work a no-op."""

    def done(self, key: str) -> bool: ...

    def mark_done(self, key: str) -> bool:
        """Record `key`; False if it was already recorded."""
        ...


class BatchStore(Protocol):
    def create_batch(self, status: BatchStatus) -> None: ...

    def get_batch(self, batch_id: str) -> BatchStatus | None: ...

    def batch_parsed(self, batch_id: str, rows_total: int, errors: Sequence[RowError]) -> None:
        """The splitter finished: the total is known, and these rows were refused while parsing."""
        ...

    def batch_progress(
        self,
        batch_id: str,
        chunk: str,
        *,
        applied: int = 0,
        refused: Sequence[RowError] = (),
        queued: int = 0,
        sent: int = 0,
        failed: int = 0,
    ) -> bool:
        """Add one chunk's outcome once: a repeated `chunk` key changes nothing (returns False)."""
        ...

    def claim_batch_report(self, batch_id: str) -> bool:
        """True for exactly one caller once the batch is complete: that caller mails the result."""
        ...


class Store(EventStore, AttendeeStore, Ledger, BatchStore, Protocol):
    """Everything the service keeps; one adapter class implements all of it."""


class QueueName(StrEnum):
    #: Packed CSV command rows; ordered per event (FIFO message groups).
    COMMANDS = "commands"
    #: Packed personal deliveries and fan-out pages.
    SENDS = "sends"


@dataclass(frozen=True, slots=True)
class QueueMessage:
    body: str
    #: Messages of one group are handled one at a time, in order.
    group: str | None = None
    #: Re-sending the same id within the deduplication window is a no-op.
    dedup_id: str | None = None


class WorkQueue(Protocol):
    def send(self, queue: QueueName, messages: Sequence[QueueMessage]) -> None: ...


class BlobStore(Protocol):
    def put(self, key: str, data: bytes) -> None: ...

    def get(self, key: str) -> bytes: ...

    def open(self, key: str) -> BinaryIO:
        """A streaming reader, so a million-row CSV never sits in memory."""
        ...


@dataclass(frozen=True, slots=True)
class OutgoingMail:
    """A message ready for the wire: RFC 5322 bytes and the envelope."""

    raw: bytes
    sender: str
    recipients: tuple[str, ...]


class Mailer(Protocol):
    def send(self, mail: OutgoingMail) -> str:
        """Send one message; returns the provider's message id. Raises `Throttled` or `Rejected`."""
        ...
