"""Where each item lives in the table: the partition and sort keys of every item type.

The layout is the store's whole indexing strategy (docs/data-model.md explains why each key is
so); the store writes by it and the stream decoder reads item types back from it.
"""

from __future__ import annotations

import hashlib
import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from calsnack.adapters.aws.store.codec import Item

#: Partition keys one event's attendees are spread over: a million attendees of one event
#: are ~31k items a partition key, far below a partition's 1000 writes per second at send rate.
ATTENDEE_SHARDS = 32
#: Partition keys one batch's progress counters are spread over, so concurrent workers rarely
#: meet on one counter item (a transaction that meets another fails with TransactionConflict).
BATCH_SHARDS = 16
#: The partitions of one sending domain's events, one per value of the first digit of the
#: key's event-id part: a CSV of a million new events writes 16 keys in parallel.
EVENT_SHARDS = "0123456789abcdef"
#: The suppression scope that covers every sending domain.
EVERY_SENDER = "*"

EVENTS_PREFIX = "EVTS#"
#: `EVT#<event key>#A<shard>`: one of the partitions an event's attendees are spread over.
_ATTENDEE_PK = re.compile(r"EVT#(?P<key>[^#]+)#A\d{2}")


def shard_of(text: str, shards: int) -> int:
    """A well-mixed hash: CRC32's low bits take few values over addresses that differ in a digit."""
    return int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "big") % shards


def attendee_shard(email: str) -> int:
    return shard_of(email, ATTENDEE_SHARDS)


def attendee_pk(event_key: str, shard: int) -> str:
    return f"EVT#{event_key}#A{shard:02d}"


def occurrence_pk(event_key: str, shard: int) -> str:
    """`EVT#<event key>#O<shard>`: the answers given for single occurrences, spread by address as
    the attendees are, and apart from them, so attendee reads, counts and the stream's attendee
    changes never meet one."""
    return f"EVT#{event_key}#O{shard:02d}"


def occurrence_sk(occurrence: str, email: str) -> str:
    """Ordered by occurrence, then address, within a partition."""
    return f"{occurrence}#{email}"


def event_key_of_attendee_pk(pk: str) -> str | None:
    """The event key an attendee partition belongs to; None for a key of another item type."""
    match = _ATTENDEE_PK.fullmatch(pk)
    return match["key"] if match is not None else None


def events_pk(domain_prefix: str, shard: str) -> str:
    return f"{EVENTS_PREFIX}{domain_prefix}#{shard}"


def event_pk(key: str) -> str:
    """The partition of the event with this key (`domain.model.event_key`'s layout)."""
    return events_pk(key[:8], key[8])


def is_events_pk(pk: str) -> bool:
    """Whether `pk` is one of the partitions event items live in (attendees live apart, under `EVT#`)."""
    return pk.startswith(EVENTS_PREFIX)


def api_key_pk(key_hash: str) -> str:
    return f"APIKEY#{key_hash}"


def suppression_pk(email: str) -> str:
    return f"SUP#{email}"


def batch_pk(batch_id: str) -> str:
    return f"BATCH#{batch_id}"


def batch_shard_pk(batch_id: str, shard: int) -> str:
    return f"BATCH#{batch_id}#{shard:02d}"


def item_key(pk: str, sk: str) -> Item:
    return {"pk": {"S": pk}, "sk": {"S": sk}}
