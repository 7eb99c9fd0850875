"""The ports: what the use cases need from the world, and nothing it happens to offer.

Two adapter sets implement them, `adapters.aws` and `adapters.embedded`; one contract
suite (`tests/contract`) runs against both.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import BinaryIO, Protocol

from calsnack.config import Settings
from calsnack.domain.model import (
    Answer,
    ApiKey,
    Attendee,
    BatchStatus,
    Counts,
    Delivery,
    Event,
    OccurrenceAnswer,
    PartStat,
    RowError,
)


class Conflict(Exception):
    """A conditional write lost a race: somebody else wrote the record first."""


class Throttled(Exception):
    """The mail provider asks us to slow down; the message may be retried."""


class Rejected(Exception):
    """The mail provider refused this message for good (bad address, suppressed recipient)."""


class SendingStopped(Exception):
    """The mail provider refuses all mail from this account for now: daily quota used up,
    sending paused or suspended, MAIL FROM domain unverified, content refused.

    Retrying soon cannot help, and writing every recipient off would lose the work: the
    sender stops, keeps the work queued, and an alarm tells an operator.
    """


class EventStore(Protocol):
    def get_event(self, key: str) -> Event | None: ...

    def get_events(self, keys: Iterable[str]) -> dict[str, Event]:
        """The events with these keys that exist, by key: one round trip for a send message's events."""
        ...

    def put_event(self, event: Event) -> Event:
        """Write if the stored version equals `event.version` (0: must not exist yet).

        Returns the event with its new version; raises `Conflict` otherwise.
        """
        ...

    def put_events(self, events: Sequence[Event]) -> list[Event | None]:
        """Create new events (each of version 0), each only if its key is not taken yet.

        For a chunk of CSV CREATE rows: one write transaction for the chunk where the store
        has transactions, instead of one per row. Returns, in order, each event with its
        new version, or None where the key was taken (also by an earlier event of the same
        call). After an error some of the events may be stored (on a store without
        transactions): a retry finds their keys taken.
        """
        ...

    def events_by_organizer(self, organizer: str) -> list[Event]: ...

    def events_by_domain(self, domain: str) -> list[Event]: ...

    def events_of_batch(self, domain: str, batch_id: str, limit: int) -> list[Event]:
        """Events of `domain` whose last applied row is one of batch `batch_id`'s (`Event.applied_row`),
        by event id then organizer, `limit` at most.

        A batch reply lists them when its last chunk is applied: picked and cut where the store
        can, not by decoding every event of the domain (200k of them for a batch of 10, or for
        the first 10,000 of a batch of 200k).
        """
        ...

    def find_by_event_id(self, domain: str, event_id: str) -> list[Event]:
        """Events whose organizer is in `domain` and whose event id is `event_id`."""
        ...

    def all_events(self) -> Iterator[Event]:
        """Every event, in no particular order: for the analytics export only.

        It reads the whole store (a table scan on DynamoDB); no request path may call it.
        """
        ...


class AttendeeStore(Protocol):
    def get_attendees(self, event_key: str, emails: Iterable[str]) -> dict[str, Attendee]: ...

    def attendees_of(self, wanted: Mapping[str, Iterable[str]]) -> dict[str, dict[str, Attendee]]:
        """`get_attendees` for many events (event key → addresses), each key of `wanted` mapped
        to its known attendees: a send message of a hundred reminders asks once, not a hundred times."""
        ...

    def record_answer(self, event_key: str, answer: Answer) -> bool:
        """Keep the answer if it is later than the person's last one; True if it was kept.

        An answer for one occurrence (`answer.occurrence`) is kept apart, against the person's
        last answer for that occurrence: their series answer, which `get_attendees`, `attendees`
        and `counts` read and the fan-out follows, stays as it is.
        """
        ...

    def occurrence_answers(self, event_key: str) -> list[OccurrenceAnswer]:
        """Every answer given for one occurrence alone, ordered by occurrence, then address."""
        ...

    def record_sent(self, deliveries: Sequence[Delivery], at: datetime) -> None:
        """Remember that these personal messages went out at `at`.

        A REQUEST records the person as invited at that revision (the highest revision stays)
        and sets `invited_at = at`; a CANCEL records that the cancellation went out.
        """
        ...

    def record_bounce(self, event_key: str, email: str, at: datetime) -> bool:
        """Mark the person's attendee record of the event as bounced for good.

        Only an existing attendee is marked (nobody is created); True the first time only.
        """
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

    def get_batch(self, batch_id: str, *, errors: bool = True) -> BatchStatus | None:
        """The batch's status; `errors=False` leaves its refused rows out (`refused_rows` streams them)."""
        ...

    def refused_rows(self, batch_id: str) -> Iterator[RowError]:
        """Every refused row of the batch, read a page at a time: a million refusals never sit in
        memory at once. In no particular order."""
        ...

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


class AccessStore(Protocol):
    """Management API keys, kept as SHA-256 hashes so a leaked table leaks no usable key."""

    def put_api_key(self, key: ApiKey) -> None:
        """Store a new key; raises `Conflict` if its hash is stored already."""
        ...

    def get_api_key(self, key_hash: str) -> ApiKey | None: ...

    def revoke_api_key(self, key_hash: str) -> bool:
        """Mark the key revoked; True if it existed and was not revoked yet."""
        ...

    def api_keys(self, domain: str) -> list[ApiKey]:
        """The domain's keys, revoked ones included, oldest first."""
        ...


class SuppressionStore(Protocol):
    """Addresses that must get no more mail: from everyone, or from one sending domain."""

    def suppress(self, email: str, scope: str, reason: str, at: datetime) -> bool:
        """Suppress `email` for `scope`; True if it was not suppressed for that scope yet.

        `scope` is "*" for every sender (a hard bounce, a complaint), or what a one-click
        unsubscribe (RFC 8058) stops: a sending domain, or an organizer's address on a public
        mail provider (`calsnack.domain.unsubscribe.unsubscribe_scope`).
        """
        ...

    def suppressed(self, emails: Iterable[str], sender: str) -> set[str]:
        """The normalised addresses among `emails` suppressed globally or for mail from `sender`.

        `sender` is an organizer's address (its domain's and its own suppressions count) or a
        bare sending domain. Built for a send chunk of thousands of addresses: reads are batched.
        """
        ...


class RateCounter(Protocol):
    """Fixed-window hit counters shared by every process and Lambda instance: public forms' rate limits."""

    def count_hit(self, key: str, window_seconds: int, at: datetime) -> int:
        """Count one hit on `key` in the window of `window_seconds` holding `at`; the window's hits so far.

        Windows start at multiples of `window_seconds` since the epoch; a past window's
        counter is forgotten on its own (a DynamoDB TTL, a pruned row).
        """
        ...


class Store(
    EventStore, AttendeeStore, Ledger, BatchStore, AccessStore, SuppressionStore, RateCounter, Protocol
):
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

    def put_stream(self, key: str, reader: BinaryIO) -> None:
        """Store what `reader` yields up to its end, a piece at a time: `calsnack batch send` hands
        over a CSV file of any size without holding it in memory. Replaces the blob whole."""
        ...

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
        """Send one message; returns the provider's message id.

        Raises `Throttled` (retry later), `Rejected` (this message, for good) or
        `SendingStopped` (no message can go until the account's state changes).
        """
        ...


class Log(Protocol):
    """Where a use case says what it did and what it refused. Powertools' `Logger` is one (JSON
    lines for CloudWatch, with the invocation's keys); so is a `logging.Logger`."""

    def info(self, msg: object, *args: object, extra: Mapping[str, object] | None = None) -> None: ...

    def warning(self, msg: object, *args: object, extra: Mapping[str, object] | None = None) -> None: ...

    def error(self, msg: object, *args: object, extra: Mapping[str, object] | None = None) -> None: ...

    def exception(self, msg: object, *args: object, extra: Mapping[str, object] | None = None) -> None:
        """An error with the exception being handled."""
        ...


#: The service's logger: Powertools' handlers (Lambda) or the console's (`calsnack serve`) hang on it.
SERVICE_LOG = "calsnack"


def service_log() -> Log:
    return logging.getLogger(SERVICE_LOG)


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class Services:
    """Every port a use case is given, in one bundle: use cases depend on this, never on which
    adapters fill it (only the composition root, `bootstrap`, chooses them)."""

    settings: Settings
    store: Store
    queue: WorkQueue
    blobs: BlobStore
    mailer: Mailer
    clock: Callable[[], datetime] = field(default=utc_now)
    log: Log = field(default_factory=service_log)
    #: Seconds on a clock that only goes forward, and waiting: the sender paces and keeps to its
    #: time budget with these, so tests can run a Lambda's minutes on a fake clock.
    monotonic: Callable[[], float] = field(default=time.monotonic)
    sleep: Callable[[float], None] = field(default=time.sleep)
    #: Where the stream exporter writes the analytics tables (the analytics bucket); None elsewhere.
    analytics: BlobStore | None = None
