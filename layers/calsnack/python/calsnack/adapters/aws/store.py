"""The store port on one DynamoDB table: events, attendees, ledger markers, batch progress,
API keys and suppressions.

docs/data-model.md explains the keys and why they are so; the contract suite
(tests/contract) holds this class to the behaviour of the embedded `SqliteStore`.
"""

from __future__ import annotations

import base64
import hashlib
import heapq
import itertools
import json
import math
import time
import zlib
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import fields
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, TypeAlias

from botocore.exceptions import ClientError

from calsnack.adapters.aws.retry import ATTEMPTS, pause
from calsnack.domain.model import (
    Answer,
    ApiKey,
    Attendee,
    BatchStatus,
    Channel,
    Counts,
    Delivery,
    Event,
    EventStatus,
    Method,
    PartStat,
    RowError,
    Source,
    domain_of,
    event_key_prefix,
    is_event_key,
    normalize_address,
    organizer_digits,
)
from calsnack.domain.unsubscribe import sender_scopes
from calsnack.ical.write import fields_calendar
from calsnack.ports import Conflict

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_dynamodb.type_defs import (
        AttributeValueTypeDef,
        QueryInputTypeDef,
        QueryOutputTypeDef,
        ScanInputTypeDef,
        TransactWriteItemTypeDef,
        WriteRequestUnionTypeDef,
    )

    Item: TypeAlias = dict[str, AttributeValueTypeDef]

#: Partition keys one event's attendees are spread over: a million attendees of one event
#: are ~31k items a partition key, far below a partition's 1000 writes per second at send rate.
ATTENDEE_SHARDS = 32
#: Partition keys one batch's progress counters are spread over, so concurrent workers rarely
#: meet on one counter item (a transaction that meets another fails with TransactionConflict).
BATCH_SHARDS = 16
#: How long ledger and chunk markers live: longer than any redelivery (SQS keeps a message 14 days).
MARKER_TTL = timedelta(days=30)
#: One stored part of refused rows stays well below DynamoDB's 400 KB item limit.
_ERROR_PART_BYTES = 300_000
#: How much of each cell a refused row too large for one part echoes back.
_CELL_ECHO = 1000
#: TransactWriteItems: at most 100 actions and 4 MB of items in one request. A chunk's
#: refusals beyond that go into further transactions; the margin covers keys and counters.
_TRANSACT_ACTIONS = 100
_TRANSACT_BYTES = 4 * 1024 * 1024 - 64 * 1024
#: The most items one attendee query asks for (DynamoDB stops at 1 MB, ~6000 attendees, anyway).
_MAX_READ = 2000
_CONDITION_FAILED = "ConditionalCheckFailedException"
_RETRYABLE_CANCELLATIONS = frozenset(
    {"TransactionConflict", "ThrottlingError", "ProvisionedThroughputExceeded"}
)


_COUNTED = tuple(f.name for f in fields(Counts))


def shard_of(text: str, shards: int) -> int:
    """A well-mixed hash: CRC32's low bits take few values over addresses that differ in a digit."""
    return int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "big") % shards


def attendee_shard(email: str) -> int:
    return shard_of(email, ATTENDEE_SHARDS)


def attendee_pk(event_key: str, shard: int) -> str:
    return f"EVT#{event_key}#A{shard:02d}"


#: The partitions of one sending domain's events, one per value of the first digit of the
#: key's event-id part: a CSV of a million new events writes 16 keys in parallel.
EVENT_SHARDS = "0123456789abcdef"


def _events_pk(domain_prefix: str, shard: str) -> str:
    return f"EVTS#{domain_prefix}#{shard}"


def event_pk(key: str) -> str:
    """The partition of the event with this key (`domain.model.event_key`'s layout)."""
    return _events_pk(key[:8], key[8])


def _api_key_pk(key_hash: str) -> str:
    return f"APIKEY#{key_hash}"


def _suppression_pk(email: str) -> str:
    return f"SUP#{email}"


#: The suppression scope that covers every sending domain.
EVERY_SENDER = "*"


def _batch_pk(batch_id: str) -> str:
    return f"BATCH#{batch_id}"


def _batch_shard_pk(batch_id: str, shard: int) -> str:
    return f"BATCH#{batch_id}#{shard:02d}"


def _s(value: str) -> AttributeValueTypeDef:
    return {"S": value}


def _n(value: int) -> AttributeValueTypeDef:
    return {"N": str(value)}


def _b(value: bool) -> AttributeValueTypeDef:
    return {"BOOL": value}


def _key(pk: str, sk: str) -> Item:
    return {"pk": _s(pk), "sk": _s(sk)}


def _code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


def _applied(write: Callable[[], object]) -> bool:
    """Run one conditional write: False when its condition failed (the idempotent no-op).

    Other errors propagate.
    """
    try:
        write()
    except ClientError as exc:
        if _code(exc) == _CONDITION_FAILED:
            return False
        raise
    return True


def _instant(value: datetime) -> str:
    """Fixed-width UTC text, so DynamoDB's string comparison in a condition compares instants."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f+00:00")


def _resume(request: QueryInputTypeDef, start: Item) -> QueryInputTypeDef:
    """The same query, continued from where DynamoDB stopped (it returns at most 1 MB a call)."""
    resumed = request.copy()
    resumed["ExclusiveStartKey"] = start
    return resumed


def _expires() -> AttributeValueTypeDef:
    return _n(int(time.time() + MARKER_TTL.total_seconds()))


# -- events ---------------------------------------------------------------------------------


def _rebuilds_calendar(event: Event) -> bool:
    """A CSV event's iCalendar text is a function of its fields: if rebuilding it gives the
    same text, it is not stored. Its description, location and VTIMEZONE would otherwise be
    written twice, which takes a realistic reminder past 1 KiB, to two write units."""
    if event.source is not Source.CSV:
        return False
    try:
        return fields_calendar(event) == event.calendar
    except ValueError:
        return False


def event_item(event: Event) -> Item:
    """Every field as its own attribute (readable in the console and in stream images).

    No index keys: the item's own key serves every lookup (see `event_pk`), so a revision
    costs its own write units and nothing more.
    """
    item: Item = _key(event_pk(event.key), event.key)
    for f in fields(Event):
        value = getattr(event, f.name)
        if value is None or (
            f.name in ("quiet_revisions", "occurrence_day", "occurrence_cancelled") and not value
        ):
            continue  # quiet revisions and occurrence changes are rare: the usual 0 or "" costs no bytes
        if f.name == "calendar":
            if _rebuilds_calendar(event):
                continue
            # Compressed, the iCalendar text (VTIMEZONE included) keeps a typical event under
            # 1 KiB: one write unit per revision instead of two.
            item[f.name] = {"B": zlib.compress(str(value).encode(), 6)}
        elif isinstance(value, bool):
            item[f.name] = _b(value)
        elif isinstance(value, int):
            item[f.name] = _n(value)
        elif isinstance(value, datetime):
            item[f.name] = _s(value.isoformat())
        else:
            item[f.name] = _s(str(value))
    return item


def _str(item: Item, name: str) -> str:
    return item[name]["S"]


def _int(item: Item, name: str) -> int:
    return int(item[name]["N"])


def _datetime(item: Item, name: str) -> datetime | None:
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


def event_from_item(item: Item) -> Event:
    stored = "calendar" in item
    event = Event(
        key=_str(item, "key"),
        organizer=_str(item, "organizer"),
        event_id=_str(item, "event_id"),
        uid=_str(item, "uid"),
        source=Source(_str(item, "source")),
        organizer_name=_str(item, "organizer_name"),
        summary=_str(item, "summary"),
        start=datetime.fromisoformat(_str(item, "start")),
        end=datetime.fromisoformat(_str(item, "end")),
        timezone=_str(item, "timezone"),
        all_day=item["all_day"]["BOOL"],
        calendar=_calendar(item) if stored else "",
        location=_str(item, "location"),
        description=_str(item, "description"),
        meeting_url=_str(item, "meeting_url"),
        status=EventStatus(_str(item, "status")),
        sequence=_int(item, "sequence"),
        quiet_revisions=_int(item, "quiet_revisions") if "quiet_revisions" in item else 0,
        quiet_revision=_int(item, "quiet_revision") if "quiet_revision" in item else None,
        sequence_raised_at=_datetime(item, "sequence_raised_at"),
        occurrence_revision=_int(item, "occurrence_revision") if "occurrence_revision" in item else None,
        occurrence_day=_str(item, "occurrence_day") if "occurrence_day" in item else "",
        occurrence_cancelled="occurrence_cancelled" in item and item["occurrence_cancelled"]["BOOL"],
        origin_sequence=_int(item, "origin_sequence"),
        origin_stamp=_datetime(item, "origin_stamp"),
        applied_row=_str(item, "applied_row"),
        snack_sent=item["snack_sent"]["BOOL"],
        created_at=_datetime(item, "created_at"),
        updated_at=_datetime(item, "updated_at"),
        version=_int(item, "version"),
    )
    return event if stored else event.revised(calendar=fields_calendar(event))


def _of_domain(items: Iterable[Item], domain: str) -> list[Event]:
    """The domain's events in report order; a domain whose digest prefix collides is skipped."""
    events = (event_from_item(i) for i in items)
    return sorted(
        (e for e in events if e.organizer_domain == domain),
        key=lambda e: (normalize_address(e.organizer), e.event_id),
    )


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
        email=_str(item, "sk"),
        partstat=PartStat(_str(item, "partstat")),
        answered_at=datetime.fromisoformat(answered_at["S"]) if answered_at else None,
        channel=Channel(channel["S"]) if channel else None,
        invited_sequence=int(invited["N"]) if invited else None,
        cancel_sent=cancel_sent["BOOL"] if cancel_sent else False,
        invited_at=datetime.fromisoformat(invited_at["S"]) if invited_at else None,
        comment=comment["S"] if comment else "",
    )


# -- API keys -------------------------------------------------------------------------------


def _api_key_item(key: ApiKey) -> Item:
    domain = key.domain.lower()
    created = _instant(key.created_at)
    return {
        **_key(_api_key_pk(key.key_hash), "APIKEY"),
        # gsi1 also lists a domain's keys; "KEYS#" never meets an organizer's "ORG#".
        "gsi1pk": _s(f"KEYS#{domain}"),
        "gsi1sk": _s(created),
        "key_hash": _s(key.key_hash),
        "domain": _s(domain),
        "created_at": _s(created),
        "label": _s(key.label),
        "revoked": _b(key.revoked),
    }


def _api_key(item: Item) -> ApiKey:
    return ApiKey(
        key_hash=_str(item, "key_hash"),
        domain=_str(item, "domain"),
        created_at=datetime.fromisoformat(_str(item, "created_at")),
        label=_str(item, "label"),
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


def _error_parts(errors: Sequence[RowError]) -> list[tuple[str, int]]:
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


def _transactions(parts: Sequence[tuple[str, int]]) -> list[list[tuple[int, str, int]]]:
    """The numbered parts in runs that fit one transaction beside its marker and counters; at
    least one run, so that a chunk without refusals still gets its transaction."""
    runs: list[list[tuple[int, str, int]]] = [[]]
    size = 0
    for n, (text, count) in enumerate(parts):
        length = len(text.encode())
        if runs[-1] and (len(runs[-1]) + 2 >= _TRANSACT_ACTIONS or size + length > _TRANSACT_BYTES):
            runs.append([])
            size = 0
        runs[-1].append((n, text, count))
        size += length
    return runs


def _errors_from(text: str) -> list[RowError]:
    return [RowError(row, column, reason, tuple(cells)) for row, column, reason, cells in json.loads(text)]


def _first_per_row(errors: Iterable[RowError]) -> list[RowError]:
    """One refusal a row (the first), ordered by row, as the report lists them."""
    by_row: dict[int, RowError] = {}
    for e in errors:
        by_row.setdefault(e.row, e)
    return [by_row[row] for row in sorted(by_row)]


_COUNTERS = ("rows_applied", "rows_refused", "invitations_queued", "invitations_sent", "invitations_failed")


def _batch_status(batch_id: str, status: Item, totals: Iterable[Item], errors: list[RowError]) -> BatchStatus:
    sums = dict.fromkeys(_COUNTERS, 0)
    for item in totals:
        for name in _COUNTERS:
            if name in item:
                sums[name] += _int(item, name)
    return BatchStatus(
        batch_id=batch_id,
        sender=_str(status, "sender"),
        domain=_str(status, "domain"),
        message_id=_str(status, "message_id"),
        rows_total=_int(status, "rows_total"),
        rows_applied=sums["rows_applied"],
        rows_refused=_int(status, "parse_refused") + sums["rows_refused"],
        invitations_queued=sums["invitations_queued"],
        invitations_sent=sums["invitations_sent"],
        invitations_failed=sums["invitations_failed"],
        parsed=status["parsed"]["BOOL"],
        reported=status["reported"]["BOOL"],
        created_at=_datetime(status, "created_at"),
        header=tuple(name["S"] for name in status["header"]["L"]),
        errors=errors,
    )


class DynamoStore:
    """Implements `calsnack.ports.Store` on one table (keys pk/sk, GSI gsi1, TTL `ttl`).

    Reads are strongly consistent wherever the base table allows: workers act on what they
    read (who is invited, whether a batch is complete), and the doubled read cost is small
    next to the writes.
    """

    def __init__(self, table: str, client: DynamoDBClient) -> None:
        self.table = table
        self.client = client
        # Shard fan-out (paging, counting, batch totals) and per-delivery updates run in parallel.
        self._pool = ThreadPoolExecutor(max_workers=ATTENDEE_SHARDS, thread_name_prefix="dynamostore")

    # -- events ------------------------------------------------------------------------------
    def get_event(self, key: str) -> Event | None:
        if not is_event_key(key):  # from a URL, say: no event can have it
            return None
        item = self.client.get_item(
            TableName=self.table, Key=_key(event_pk(key), key), ConsistentRead=True
        ).get("Item")
        return event_from_item(item) if item else None

    def get_events(self, keys: Iterable[str]) -> dict[str, Event]:
        wanted = sorted({k for k in keys if is_event_key(k)})
        items = self._get_items([_key(event_pk(k), k) for k in wanted])
        return {e.key: e for e in map(event_from_item, items)}

    def put_event(self, event: Event) -> Event:
        if event.version == 0:
            stored = self._create(event)
            if stored is None:
                raise Conflict(f"event {event.key} exists already")
            return stored
        stored = event.revised(version=event.version + 1)
        item = event_item(stored)
        applied = _applied(
            lambda: self.client.put_item(
                TableName=self.table,
                Item=item,
                ConditionExpression="version = :v",
                ExpressionAttributeValues={":v": _n(event.version)},
            )
        )
        if not applied:
            raise Conflict(f"event {event.key} changed since version {event.version}")
        return stored

    def _create(self, event: Event) -> Event | None:
        """A new event, written only if its key is free; None if it is taken."""
        stored = event.revised(version=1)
        item = event_item(stored)
        created = _applied(
            lambda: self.client.put_item(
                TableName=self.table, Item=item, ConditionExpression="attribute_not_exists(pk)"
            )
        )
        return stored if created else None

    def put_events(self, events: Sequence[Event]) -> list[Event | None]:
        """One conditional PutItem per event, in parallel.

        Not BatchWriteItem, which takes no condition: a CREATE row whose event_id is in use
        would overwrite that event. Not TransactWriteItems either: a transaction bills two
        write units an item (a reminder would cost 3.1 instead of 2.1 an invitation), and one
        taken key would fail the whole chunk.
        """
        if any(e.version != 0 for e in events):
            raise ValueError("put_events creates events: every version must be 0")

        # A key given twice is written once, for its first event; the repeat finds it taken.
        first: dict[str, int] = {}
        for i, event in enumerate(events):
            first.setdefault(event.key, i)
        written = dict(
            zip(
                first.values(), self._pool.map(self._create, [events[i] for i in first.values()]), strict=True
            )
        )
        return [written.get(i) for i in range(len(events))]

    def events_by_organizer(self, organizer: str) -> list[Event]:
        """The organizer's events among their domain's, chosen by DynamoDB.

        The query reads (and pays for) the whole domain, but returns only the items whose key
        holds the organizer's digits: an index that served this would cost a write unit on
        every event of every batch, for a report asked for now and then.
        """
        organizer = normalize_address(organizer)
        events = self._domain_events(domain_of(organizer), organizer_digits(organizer))
        return [e for e in events if normalize_address(e.organizer) == organizer]

    def events_by_domain(self, domain: str) -> list[Event]:
        return self._domain_events(domain.strip().lower())

    def events_of_batch(self, domain: str, batch_id: str, limit: int) -> list[Event]:
        """The domain's events, filtered here: a filter expression on `applied_row` would save
        no read unit (DynamoDB bills what a query reads, before it filters)."""
        marker = f"{batch_id}:"
        found = [e for e in self.events_by_domain(domain) if e.applied_row.startswith(marker)]
        return sorted(found, key=lambda e: (e.event_id, e.organizer))[:limit]

    def _domain_events(self, domain: str, containing: str = "") -> list[Event]:
        """The domain's 16 event partitions, read in parallel (consistent), in report order.

        With `containing`, DynamoDB returns only the items whose key contains those digits.
        """
        prefix = event_key_prefix(domain)

        def shard(digit: str) -> list[Item]:
            values: Item = {":pk": _s(_events_pk(prefix, digit))}
            request: QueryInputTypeDef = {
                "TableName": self.table,
                "KeyConditionExpression": "pk = :pk",
                "ConsistentRead": True,
            }
            if containing:
                request["FilterExpression"] = "contains(sk, :part)"
                values[":part"] = _s(containing)
            request["ExpressionAttributeValues"] = values
            return self._query_all(request)

        items = itertools.chain.from_iterable(self._pool.map(shard, EVENT_SHARDS))
        return _of_domain(items, domain)

    def find_by_event_id(self, domain: str, event_id: str) -> list[Event]:
        """One consistent query: the keys of one event id in a domain share a prefix.

        Consistent, because a CSV's UPDATE row may follow its CREATE row by milliseconds.
        """
        domain = domain.strip().lower()
        prefix = event_key_prefix(domain, event_id)
        items = self._query_all(
            {
                "TableName": self.table,
                "KeyConditionExpression": "pk = :pk AND begins_with(sk, :prefix)",
                "ExpressionAttributeValues": {
                    ":pk": _s(event_pk(prefix)),
                    ":prefix": _s(prefix),
                },
                "ConsistentRead": True,
            }
        )
        return [e for e in _of_domain(items, domain) if e.event_id == event_id]

    def all_events(self) -> Iterator[Event]:
        """A paginated Scan of the whole table, keeping the event items.

        Export-only: it reads (and pays for) every item, attendees included, so no request
        path may call it. Eventually consistent reads halve that cost; an export is a snapshot.
        """
        request: ScanInputTypeDef = {
            "TableName": self.table,
            "FilterExpression": "begins_with(pk, :events)",
            "ExpressionAttributeValues": {":events": _s("EVTS#")},
        }
        while True:
            response = self.client.scan(**request)
            for item in response["Items"]:
                yield event_from_item(item)
            start = response.get("LastEvaluatedKey")
            if not start:
                return
            request = {**request, "ExclusiveStartKey": start}

    def _index_keys(self, index: str, attribute: str, value: str) -> list[Item]:
        items = self._query_all(
            {
                "TableName": self.table,
                "IndexName": index,
                "KeyConditionExpression": f"{attribute} = :v",
                "ExpressionAttributeValues": {":v": _s(value)},
            }
        )
        return [{"pk": i["pk"], "sk": i["sk"]} for i in items]

    # -- attendees ---------------------------------------------------------------------------
    def get_attendees(self, event_key: str, emails: Iterable[str]) -> dict[str, Attendee]:
        wanted = {normalize_address(e) for e in emails}
        keys = [_key(attendee_pk(event_key, attendee_shard(e)), e) for e in sorted(wanted)]
        return {a.email: a for a in map(attendee_from_item, self._get_items(keys))}

    def attendees_of(self, wanted: Mapping[str, Iterable[str]]) -> dict[str, dict[str, Attendee]]:
        """One `get_attendees` an event, as the sender asked before: the same read requests."""
        return {key: self.get_attendees(key, emails) for key, emails in wanted.items()}

    def record_answer(self, event_key: str, answer: Answer) -> bool:
        email = normalize_address(answer.email)
        return _applied(
            lambda: self.client.update_item(
                TableName=self.table,
                Key=_key(attendee_pk(event_key, attendee_shard(email)), email),
                # The note goes with its answer: a later answer without one clears it.
                UpdateExpression="SET partstat = :p, answered_at = :at, channel = :c"
                + (", #comment = :m" if answer.comment else " REMOVE #comment"),
                ConditionExpression="attribute_not_exists(answered_at) OR answered_at < :at",
                ExpressionAttributeNames={"#comment": "comment"},
                ExpressionAttributeValues={
                    ":p": _s(answer.partstat.value),
                    ":at": _s(_instant(answer.at)),
                    ":c": _s(answer.channel.value),
                    **({":m": _s(answer.comment)} if answer.comment else {}),
                },
            )
        )

    def record_sent(self, deliveries: Sequence[Delivery], at: datetime) -> None:
        # One conditional UpdateItem each (BatchWriteItem has no conditions), in parallel.
        sent_at = _instant(at)
        for _ in self._pool.map(lambda d: self._record_one(d, sent_at), deliveries):
            pass

    def _record_one(self, delivery: Delivery, sent_at: str) -> None:
        email = normalize_address(delivery.email)
        key = _key(attendee_pk(delivery.event_key, attendee_shard(email)), email)
        if delivery.method is Method.CANCEL:
            self.client.update_item(
                TableName=self.table,
                Key=key,
                UpdateExpression="SET cancel_sent = :t, partstat = if_not_exists(partstat, :na)",
                ExpressionAttributeValues={":t": _b(True), ":na": _s(PartStat.NEEDS_ACTION.value)},
            )
            return
        try:
            self.client.update_item(
                TableName=self.table,
                Key=key,
                UpdateExpression="SET invited_sequence = :seq, invited_at = :at,"
                " partstat = if_not_exists(partstat, :na)",
                ConditionExpression="attribute_not_exists(invited_sequence) OR invited_sequence < :seq",
                ExpressionAttributeValues={
                    ":seq": _n(delivery.sequence),
                    ":at": _s(sent_at),
                    ":na": _s(PartStat.NEEDS_ACTION.value),
                },
            )
        except ClientError as exc:
            # Already invited at this revision or a later one: the stored revision and its
            # invited_at stay.
            if _code(exc) != _CONDITION_FAILED:
                raise

    def record_bounce(self, event_key: str, email: str, at: datetime) -> bool:
        email = normalize_address(email)
        return _applied(
            lambda: self.client.update_item(
                TableName=self.table,
                Key=_key(attendee_pk(event_key, attendee_shard(email)), email),
                UpdateExpression="SET bounced = :t",
                # Only a known attendee, and only once. `at` is not kept: the report counts
                # bounced people, and the suppression item keeps when the address failed.
                ConditionExpression="attribute_exists(pk) AND (attribute_not_exists(bounced) OR bounced = :f)",
                ExpressionAttributeValues={":t": _b(True), ":f": _b(False)},
            )
        )

    def attendees(
        self, event_key: str, partstats: frozenset[PartStat] | None, after: str, limit: int
    ) -> list[Attendee]:
        """A k-way merge of the shards, each read in address order just past `after`.

        So the page is exactly the embedded store's (all attendees in address order) and
        `after`, the last address of the previous page, is all the cursor there is. Each
        shard is first asked for about twice its share of the page, in parallel; a shard
        that runs dry before the page is full is read further on demand.
        """
        if limit <= 0 or partstats == frozenset():
            return []
        page_size = min(limit, 2 * math.ceil(limit / ATTENDEE_SHARDS) + 4)
        requests = [
            self._attendee_query(event_key, s, partstats, after, page_size) for s in range(ATTENDEE_SHARDS)
        ]
        firsts = list(self._pool.map(lambda r: self.client.query(**r), requests))
        shards = [self._pages(r, first) for r, first in zip(requests, firsts, strict=True)]
        merged = heapq.merge(*shards, key=lambda item: item["sk"]["S"])
        return [attendee_from_item(i) for i in itertools.islice(merged, limit)]

    def _attendee_query(
        self, event_key: str, shard: int, partstats: frozenset[PartStat] | None, after: str, page_size: int
    ) -> QueryInputTypeDef:
        values: Item = {":pk": _s(attendee_pk(event_key, shard))}
        condition = "pk = :pk"
        if after:  # a key condition cannot compare with an empty string
            condition += " AND sk > :after"
            values[":after"] = _s(after)
        request: QueryInputTypeDef = {
            "TableName": self.table,
            "KeyConditionExpression": condition,
            "ConsistentRead": True,
            "Limit": page_size,
        }
        if partstats is not None:
            marks = [f":p{i}" for i in range(len(partstats))]
            values.update(zip(marks, (_s(p.value) for p in sorted(partstats)), strict=True))
            request["FilterExpression"] = f"partstat IN ({', '.join(marks)})"
        request["ExpressionAttributeValues"] = values
        return request

    def _pages(self, request: QueryInputTypeDef, first: QueryOutputTypeDef) -> Iterator[Item]:
        """One shard's items from `first` on; each further read asks for twice as many items.

        `Limit` counts items read before the partstat filter: doubling it keeps the number of
        round trips logarithmic when few attendees match (a fan-out to the Yes/Maybe few).
        """
        page = first
        while True:
            yield from page["Items"]
            start = page.get("LastEvaluatedKey")
            if not start:
                return
            request = _resume(request, start)
            request["Limit"] = min(2 * request.get("Limit", _MAX_READ), _MAX_READ)
            page = self.client.query(**request)

    def counts(self, event_key: str) -> Counts:
        """Counted from the attendee items themselves (docs/data-model.md weighs the options)."""
        shards = self._pool.map(lambda s: self._count_shard(event_key, s), range(ATTENDEE_SHARDS))
        total = dict.fromkeys(_COUNTED, 0)
        for part in shards:
            for name, n in part.items():
                total[name] += n
        return Counts(**total)

    def _count_shard(self, event_key: str, shard: int) -> dict[str, int]:
        counted = dict.fromkeys(_COUNTED, 0)
        items = self._query_all(
            {
                "TableName": self.table,
                "KeyConditionExpression": "pk = :pk",
                "ExpressionAttributeValues": {":pk": _s(attendee_pk(event_key, shard))},
                "ProjectionExpression": "partstat, invited_sequence, channel, cancel_sent, bounced",
                "ConsistentRead": True,
            }
        )
        for item in items:
            partstat = PartStat(_str(item, "partstat"))
            if "invited_sequence" in item:
                counted["invited"] += 1
                if partstat is PartStat.NEEDS_ACTION:
                    counted["needs_action"] += 1
            if partstat is not PartStat.NEEDS_ACTION and partstat.value.lower() in counted:
                counted[partstat.value.lower()] += 1
            if "channel" in item:
                channel = _str(item, "channel")
                if channel in ("button", "calendar"):
                    counted[f"{channel}_answers"] += 1
            if item.get("cancel_sent", {}).get("BOOL"):
                counted["cancellations_sent"] += 1
            if item.get("bounced", {}).get("BOOL"):
                counted["bounced"] += 1
        return counted

    # -- ledger ------------------------------------------------------------------------------
    def done(self, key: str) -> bool:
        response = self.client.get_item(
            TableName=self.table,
            Key=_key(f"DONE#{key}", "DONE"),
            ConsistentRead=True,
            ProjectionExpression="pk",
        )
        return "Item" in response

    def mark_done(self, key: str) -> bool:
        return _applied(
            lambda: self.client.put_item(
                TableName=self.table,
                Item={**_key(f"DONE#{key}", "DONE"), "ttl": _expires()},
                ConditionExpression="attribute_not_exists(pk)",
            )
        )

    # -- batches -----------------------------------------------------------------------------
    def create_batch(self, status: BatchStatus) -> None:
        item: Item = {
            **_key(_batch_pk(status.batch_id), "STATUS"),
            "sender": _s(status.sender),
            "domain": _s(status.domain),
            "message_id": _s(status.message_id),
            "rows_total": _n(0),
            "parse_refused": _n(0),
            "parsed": _b(False),
            "reported": _b(False),
            "header": {"L": [_s(name) for name in status.header]},
        }
        if status.created_at is not None:
            item["created_at"] = _s(status.created_at.isoformat())
        try:
            self.client.put_item(
                TableName=self.table, Item=item, ConditionExpression="attribute_not_exists(pk)"
            )
        except ClientError as exc:
            if _code(exc) != _CONDITION_FAILED:  # created before: a re-delivered intake
                raise

    def get_batch(self, batch_id: str, *, errors: bool = True) -> BatchStatus | None:
        if not errors:
            return self._batch_totals(batch_id)
        # The main partition holds STATUS and the splitter's refusals; each shard its totals
        # and its chunks' refusals (sk "ERROR#…" up to "TOTALS", skipping the "CHUNK#…" markers).
        main = self._pool.submit(
            self._query_all,
            {
                "TableName": self.table,
                "KeyConditionExpression": "pk = :pk",
                "ExpressionAttributeValues": {":pk": _s(_batch_pk(batch_id))},
                "ConsistentRead": True,
            },
        )
        shards = self._pool.map(
            lambda shard: self._query_all(
                {
                    "TableName": self.table,
                    "KeyConditionExpression": "pk = :pk AND sk BETWEEN :lo AND :hi",
                    "ExpressionAttributeValues": {
                        ":pk": _s(_batch_shard_pk(batch_id, shard)),
                        ":lo": _s("ERROR#"),
                        ":hi": _s("TOTALS"),
                    },
                    "ConsistentRead": True,
                }
            ),
            range(BATCH_SHARDS),
        )
        items = [*main.result(), *itertools.chain.from_iterable(shards)]
        status = next((i for i in items if i["sk"]["S"] == "STATUS"), None)
        if status is None:
            return None
        totals = [i for i in items if i["sk"]["S"] == "TOTALS"]
        refused = _first_per_row(
            itertools.chain.from_iterable(_errors_from(_str(i, "errors")) for i in items if "errors" in i)
        )
        return _batch_status(batch_id, status, totals, refused)

    def _batch_totals(self, batch_id: str) -> BatchStatus | None:
        """STATUS and the shards' TOTALS items only: 17 keys in one BatchGetItem, whatever was refused."""
        keys = [_key(_batch_pk(batch_id), "STATUS")]
        keys += [_key(_batch_shard_pk(batch_id, s), "TOTALS") for s in range(BATCH_SHARDS)]
        items = self._get_items(keys)
        status = next((i for i in items if i["sk"]["S"] == "STATUS"), None)
        if status is None:
            return None
        return _batch_status(batch_id, status, (i for i in items if i["sk"]["S"] == "TOTALS"), [])

    def refused_rows(self, batch_id: str) -> Iterator[RowError]:
        """The main partition's and every shard's ERROR# parts, one query page (at most 1 MB) at a time."""
        partitions = [_batch_pk(batch_id), *(_batch_shard_pk(batch_id, s) for s in range(BATCH_SHARDS))]
        for pk in partitions:
            request: QueryInputTypeDef = {
                "TableName": self.table,
                "KeyConditionExpression": "pk = :pk AND begins_with(sk, :error)",
                "ExpressionAttributeValues": {":pk": _s(pk), ":error": _s("ERROR#")},
                "ConsistentRead": True,
            }
            for item in self._query_pages(request):
                yield from _errors_from(_str(item, "errors"))

    def batch_parsed(self, batch_id: str, rows_total: int, errors: Sequence[RowError]) -> None:
        status = self.client.get_item(
            TableName=self.table, Key=_key(_batch_pk(batch_id), "STATUS"), ConsistentRead=True
        ).get("Item")
        if status is None or status["parsed"]["BOOL"]:
            return
        refused = _first_per_row(errors)
        # The refusals first, under keys that a repeated call overwrites with the same values;
        # then the flag that makes them count.
        self._put_items(
            [
                {**_key(_batch_pk(batch_id), f"ERROR#{n:06d}"), "errors": _s(part)}
                for n, (part, _count) in enumerate(_error_parts(refused))
            ]
        )
        try:
            self.client.update_item(
                TableName=self.table,
                Key=_key(_batch_pk(batch_id), "STATUS"),
                UpdateExpression="SET parsed = :t, rows_total = :n, parse_refused = :r",
                ConditionExpression="parsed = :f",
                ExpressionAttributeValues={
                    ":t": _b(True),
                    ":f": _b(False),
                    ":n": _n(rows_total),
                    ":r": _n(len(refused)),
                },
            )
        except ClientError as exc:
            if _code(exc) != _CONDITION_FAILED:  # a concurrent repeat won
                raise

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
        """The chunk marker, the counters and the refusals in one transaction: all or nothing.

        Refusals too many for one transaction (100 actions, 4 MB) continue in further ones, each
        with a marker of its own (`CHUNK#<chunk>#<n>`) and the count of the refusals it stores,
        so a repeat applies exactly the runs that had not been applied. The runs are cut from
        the refusals alone, so a repeat cuts them alike; True if any run was applied now.
        """
        pk = _batch_shard_pk(batch_id, shard_of(chunk, BATCH_SHARDS))
        applied_now = False
        for index, run in enumerate(_transactions(_error_parts(refused))):
            marker = f"CHUNK#{chunk}" if index == 0 else f"CHUNK#{chunk}#{index}"
            counters = {
                ":a": applied,
                ":r": sum(count for _n, _text, count in run),
                ":q": queued,
                ":s": sent,
                ":f": failed,
            }
            if index > 0:  # the chunk's own counts go with its first run only
                counters = {name: value if name == ":r" else 0 for name, value in counters.items()}
            actions: list[TransactWriteItemTypeDef] = [
                {
                    "Put": {
                        "TableName": self.table,
                        "Item": {**_key(pk, marker), "ttl": _expires()},
                        "ConditionExpression": "attribute_not_exists(pk)",
                    }
                },
                {
                    "Update": {
                        "TableName": self.table,
                        "Key": _key(pk, "TOTALS"),
                        "UpdateExpression": "ADD rows_applied :a, rows_refused :r, invitations_queued :q,"
                        " invitations_sent :s, invitations_failed :f",
                        "ExpressionAttributeValues": {name: _n(value) for name, value in counters.items()},
                    }
                },
            ]
            actions.extend(
                {
                    "Put": {
                        "TableName": self.table,
                        "Item": {**_key(pk, f"ERROR#{chunk}#{n:03d}"), "errors": _s(text)},
                    }
                }
                for n, text, _count in run
            )
            applied_now = self._transact(actions) or applied_now
        return applied_now

    def _transact(self, actions: list[TransactWriteItemTypeDef]) -> bool:
        """False if the first action's condition failed (the marker exists: a repeat)."""
        attempt = 1
        while True:
            try:
                self.client.transact_write_items(TransactItems=actions)
            except ClientError as exc:
                if _code(exc) != "TransactionCanceledException":
                    raise
                codes = [r.get("Code", "None") for r in exc.response.get("CancellationReasons", [])]
                if codes and codes[0] == "ConditionalCheckFailed":
                    return False
                if attempt == ATTEMPTS or not _RETRYABLE_CANCELLATIONS.intersection(codes):
                    raise
                pause(attempt)
                attempt += 1
            else:
                return True

    def claim_batch_report(self, batch_id: str) -> bool:
        current = self._batch_totals(batch_id)
        # Complete never becomes incomplete again (counters only grow), so a read, then a
        # conditional flip of `reported`, lets exactly one caller through.
        if current is None or not current.complete or current.reported:
            return False
        return _applied(
            lambda: self.client.update_item(
                TableName=self.table,
                Key=_key(_batch_pk(batch_id), "STATUS"),
                UpdateExpression="SET reported = :t",
                ConditionExpression="reported = :f",
                ExpressionAttributeValues={":t": _b(True), ":f": _b(False)},
            )
        )

    # -- API keys ----------------------------------------------------------------------------
    def put_api_key(self, key: ApiKey) -> None:
        try:
            self.client.put_item(
                TableName=self.table,
                Item=_api_key_item(key),
                ConditionExpression="attribute_not_exists(pk)",
            )
        except ClientError as exc:
            if _code(exc) == _CONDITION_FAILED:
                raise Conflict(f"API key {key.key_hash[:8]}… exists already") from exc
            raise

    def get_api_key(self, key_hash: str) -> ApiKey | None:
        # Consistent: a key revoked a moment ago must stop working now.
        item = self.client.get_item(
            TableName=self.table, Key=_key(_api_key_pk(key_hash), "APIKEY"), ConsistentRead=True
        ).get("Item")
        return _api_key(item) if item else None

    def revoke_api_key(self, key_hash: str) -> bool:
        return _applied(
            lambda: self.client.update_item(
                TableName=self.table,
                Key=_key(_api_key_pk(key_hash), "APIKEY"),
                UpdateExpression="SET revoked = :t",
                ConditionExpression="attribute_exists(pk) AND revoked = :f",
                ExpressionAttributeValues={":t": _b(True), ":f": _b(False)},
            )
        )

    def api_keys(self, domain: str) -> list[ApiKey]:
        """The index gives the keys (it may lag a fresh key by a moment); the items come from
        the base table, so `revoked` is always current."""
        keys = self._index_keys("gsi1", "gsi1pk", f"KEYS#{domain.lower()}")
        found = [_api_key(i) for i in self._get_items(keys)]
        return sorted(found, key=lambda k: (k.created_at, k.key_hash))

    # -- suppressions ------------------------------------------------------------------------
    def suppress(self, email: str, scope: str, reason: str, at: datetime) -> bool:
        return _applied(
            lambda: self.client.put_item(
                TableName=self.table,
                Item={
                    **_key(_suppression_pk(normalize_address(email)), scope.lower()),
                    "reason": _s(reason),
                    "at": _s(_instant(at)),
                },
                # The first reason and moment stay: they say why mail stopped.
                ConditionExpression="attribute_not_exists(pk)",
            )
        )

    def suppressed(self, emails: Iterable[str], sender: str) -> set[str]:
        """A key per address and scope ("*", the domain, the sender's address) in parallel BatchGetItems of 100."""
        scopes = sorted({EVERY_SENDER, *sender_scopes(sender)})  # BatchGetItem refuses repeated keys
        wanted = sorted({normalize_address(e) for e in emails})
        keys = [_key(_suppression_pk(e), scope) for e in wanted for scope in scopes]
        chunks = [keys[i : i + 100] for i in range(0, len(keys), 100)]
        found: set[str] = set()
        for items in self._pool.map(self._get_items, chunks):
            found.update(_str(i, "pk").removeprefix("SUP#") for i in items)
        return found

    # -- rate limits -------------------------------------------------------------------------
    def count_hit(self, key: str, window_seconds: int, at: datetime) -> int:
        """One atomic ADD on the window's counter item; TTL removes it a window after it ends."""
        start = int(at.timestamp()) // window_seconds * window_seconds
        response = self.client.update_item(
            TableName=self.table,
            Key=_key(f"RATE#{key}/{window_seconds}", str(start)),
            UpdateExpression="ADD hits :one SET #ttl = if_not_exists(#ttl, :ttl)",
            ExpressionAttributeNames={"#ttl": "ttl"},
            ExpressionAttributeValues={":one": _n(1), ":ttl": _n(start + 2 * window_seconds)},
            ReturnValues="UPDATED_NEW",
        )
        return int(response["Attributes"]["hits"]["N"])

    # -- plumbing ----------------------------------------------------------------------------
    def _query_pages(self, request: QueryInputTypeDef) -> Iterator[Item]:
        """The query's items, asking for the next page only when the last one was used up."""
        response = self.client.query(**request)
        yield from response["Items"]
        while start := response.get("LastEvaluatedKey"):
            response = self.client.query(**_resume(request, start))
            yield from response["Items"]

    def _query_all(self, request: QueryInputTypeDef) -> list[Item]:
        items: list[Item] = []
        response = self.client.query(**request)
        items.extend(response["Items"])
        while start := response.get("LastEvaluatedKey"):
            response = self.client.query(**_resume(request, start))
            items.extend(response["Items"])
        return items

    def _get_items(self, keys: Sequence[Item]) -> list[Item]:
        """BatchGetItem in requests of 100 keys, retrying the keys DynamoDB leaves unprocessed."""
        found: list[Item] = []
        for i in range(0, len(keys), 100):
            pending = list(keys[i : i + 100])
            for attempt in range(1, ATTEMPTS + 1):
                response = self.client.batch_get_item(
                    RequestItems={self.table: {"Keys": pending, "ConsistentRead": True}}
                )
                found.extend(response["Responses"].get(self.table, []))
                unprocessed = response.get("UnprocessedKeys", {}).get(self.table)
                pending = unprocessed["Keys"] if unprocessed else []
                if not pending:
                    break
                if attempt == ATTEMPTS:
                    raise RuntimeError(
                        f"DynamoDB left {len(pending)} keys unprocessed after {ATTEMPTS} attempts"
                    )
                pause(attempt)
        return found

    def _put_items(self, items: Sequence[Item]) -> None:
        """BatchWriteItem in requests of 25 items, retrying the ones DynamoDB leaves unprocessed."""
        for i in range(0, len(items), 25):
            pending: Sequence[WriteRequestUnionTypeDef] = [
                {"PutRequest": {"Item": item}} for item in items[i : i + 25]
            ]
            for attempt in range(1, ATTEMPTS + 1):
                response = self.client.batch_write_item(RequestItems={self.table: pending})
                pending = response.get("UnprocessedItems", {}).get(self.table, [])
                if not pending:
                    break
                if attempt == ATTEMPTS:
                    raise RuntimeError(
                        f"DynamoDB left {len(pending)} writes unprocessed after {ATTEMPTS} attempts"
                    )
                pause(attempt)
