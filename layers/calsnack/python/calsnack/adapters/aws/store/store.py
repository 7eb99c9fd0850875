"""The store port on one DynamoDB table: events, attendees, ledger markers, batch progress,
API keys and suppressions.

docs/data-model.md explains the keys and why they are so; the contract suite
(tests/contract) holds this class to the behaviour of the embedded `SqliteStore`. Where items
live is `keys`, how they are written `codec`, and DynamoDB's request limits `batching`.
"""

from __future__ import annotations

import heapq
import itertools
import math
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import fields
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from botocore.exceptions import ClientError

from calsnack.adapters.aws.store.batching import (
    CONDITION_FAILED,
    conditional_write,
    error_code,
    get_items,
    put_items,
    query_all,
    query_pages,
    resume,
    transact,
    transactions,
)
from calsnack.adapters.aws.store.codec import (
    api_key_from_item,
    api_key_item,
    attendee_from_item,
    batch_status,
    boolean,
    error_parts,
    errors_from,
    event_from_item,
    event_item,
    number,
    occurrence_answer_from_item,
    string,
    string_of,
)
from calsnack.adapters.aws.store.keys import (
    ATTENDEE_SHARDS,
    BATCH_SHARDS,
    EVENT_SHARDS,
    EVENTS_PREFIX,
    EVERY_SENDER,
    api_key_pk,
    attendee_pk,
    attendee_shard,
    batch_pk,
    batch_shard_pk,
    event_pk,
    events_pk,
    item_key,
    occurrence_pk,
    occurrence_sk,
    shard_of,
    suppression_pk,
)
from calsnack.adapters.aws.store.table import TABLE
from calsnack.adapters.timestamps import instant
from calsnack.domain.addresses import domain_of, normalize_address
from calsnack.domain.model import (
    Answer,
    ApiKey,
    Attendee,
    BatchStatus,
    Counts,
    Delivery,
    Event,
    Method,
    OccurrenceAnswer,
    PartStat,
    RowError,
    event_key_prefix,
    is_event_key,
    organizer_digits,
)
from calsnack.domain.unsubscribe import sender_scopes
from calsnack.ports import Conflict

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_dynamodb.type_defs import (
        AttributeValueTypeDef,
        QueryInputTypeDef,
        QueryOutputTypeDef,
        ScanInputTypeDef,
        TransactWriteItemTypeDef,
    )

    from calsnack.adapters.aws.store.codec import DerivedCalendar, Item

#: How long ledger and chunk markers live: longer than any redelivery (SQS keeps a message 14 days).
MARKER_TTL = timedelta(days=30)
#: The most items one attendee query asks for (DynamoDB stops at 1 MB, ~6000 attendees, anyway).
_MAX_READ = 2000

_COUNTED = tuple(f.name for f in fields(Counts))


def _expires() -> AttributeValueTypeDef:
    return number(int(time.time() + MARKER_TTL.total_seconds()))


def _first_per_row(errors: Iterable[RowError]) -> list[RowError]:
    """One refusal a row (the first), ordered by row, as the report lists them."""
    by_row: dict[int, RowError] = {}
    for e in errors:
        by_row.setdefault(e.row, e)
    return [by_row[row] for row in sorted(by_row)]


class DynamoStore:
    """Implements `calsnack.ports.Store` on the table `table.TABLE` defines (keys pk/sk, GSI gsi1, TTL `ttl`).

    Reads are strongly consistent wherever the base table allows: workers act on what they
    read (who is invited, whether a batch is complete), and the doubled read cost is small
    next to the writes. `derived_calendar` is the domain's rule for which calendar texts an
    event's fields give (`ical.derived`): those are not stored, and are rebuilt on reading.
    """

    def __init__(self, table: str, client: DynamoDBClient, *, derived_calendar: DerivedCalendar) -> None:
        self.table = table
        self.client = client
        self._derived = derived_calendar
        # Shard fan-out (paging, counting, batch totals) and per-delivery updates run in parallel.
        self._pool = ThreadPoolExecutor(max_workers=ATTENDEE_SHARDS, thread_name_prefix="dynamostore")

    # -- events ------------------------------------------------------------------------------
    def get_event(self, key: str) -> Event | None:
        if not is_event_key(key):  # from a URL, say: no event can have it
            return None
        item = self.client.get_item(
            TableName=self.table, Key=item_key(event_pk(key), key), ConsistentRead=True
        ).get("Item")
        return event_from_item(item, self._derived) if item else None

    def get_events(self, keys: Iterable[str]) -> dict[str, Event]:
        wanted = sorted({k for k in keys if is_event_key(k)})
        items = get_items(self.client, self.table, [item_key(event_pk(k), k) for k in wanted])
        return {e.key: e for e in self._events(items)}

    def put_event(self, event: Event) -> Event:
        if event.version == 0:
            stored = self._create(event)
            if stored is None:
                raise Conflict(f"event {event.key} exists already")
            return stored
        stored = event.revised(version=event.version + 1)
        item = event_item(stored, self._derived)
        applied = conditional_write(
            lambda: self.client.put_item(
                TableName=self.table,
                Item=item,
                ConditionExpression="version = :v",
                ExpressionAttributeValues={":v": number(event.version)},
            )
        )
        if not applied:
            raise Conflict(f"event {event.key} changed since version {event.version}")
        return stored

    def _create(self, event: Event) -> Event | None:
        """A new event, written only if its key is free; None if it is taken."""
        stored = event.revised(version=1)
        item = event_item(stored, self._derived)
        created = conditional_write(
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
            values: Item = {":pk": string(events_pk(prefix, digit))}
            request: QueryInputTypeDef = {
                "TableName": self.table,
                "KeyConditionExpression": "pk = :pk",
                "ConsistentRead": True,
            }
            if containing:
                request["FilterExpression"] = "contains(sk, :part)"
                values[":part"] = string(containing)
            request["ExpressionAttributeValues"] = values
            return query_all(self.client, request)

        items = itertools.chain.from_iterable(self._pool.map(shard, EVENT_SHARDS))
        return self._of_domain(items, domain)

    def find_by_event_id(self, domain: str, event_id: str) -> list[Event]:
        """One consistent query: the keys of one event id in a domain share a prefix.

        Consistent, because a CSV's UPDATE row may follow its CREATE row by milliseconds.
        """
        domain = domain.strip().lower()
        prefix = event_key_prefix(domain, event_id)
        items = query_all(
            self.client,
            {
                "TableName": self.table,
                "KeyConditionExpression": "pk = :pk AND begins_with(sk, :prefix)",
                "ExpressionAttributeValues": {
                    ":pk": string(event_pk(prefix)),
                    ":prefix": string(prefix),
                },
                "ConsistentRead": True,
            },
        )
        return [e for e in self._of_domain(items, domain) if e.event_id == event_id]

    def all_events(self) -> Iterator[Event]:
        """A paginated Scan of the whole table, keeping the event items.

        Export-only: it reads (and pays for) every item, attendees included, so no request
        path may call it. Eventually consistent reads halve that cost; an export is a snapshot.
        """
        request: ScanInputTypeDef = {
            "TableName": self.table,
            "FilterExpression": "begins_with(pk, :events)",
            "ExpressionAttributeValues": {":events": string(EVENTS_PREFIX)},
        }
        while True:
            response = self.client.scan(**request)
            for item in response["Items"]:
                yield event_from_item(item, self._derived)
            start = response.get("LastEvaluatedKey")
            if not start:
                return
            request = {**request, "ExclusiveStartKey": start}

    def _events(self, items: Iterable[Item]) -> Iterator[Event]:
        return (event_from_item(i, self._derived) for i in items)

    def _of_domain(self, items: Iterable[Item], domain: str) -> list[Event]:
        """The domain's events in report order; a domain whose digest prefix collides is skipped."""
        return sorted(
            (e for e in self._events(items) if e.organizer_domain == domain),
            key=lambda e: (normalize_address(e.organizer), e.event_id),
        )

    def _index_keys(self, index: str, attribute: str, value: str) -> list[Item]:
        items = query_all(
            self.client,
            {
                "TableName": self.table,
                "IndexName": index,
                "KeyConditionExpression": f"{attribute} = :v",
                "ExpressionAttributeValues": {":v": string(value)},
            },
        )
        return [{"pk": i["pk"], "sk": i["sk"]} for i in items]

    # -- attendees ---------------------------------------------------------------------------
    def get_attendees(self, event_key: str, emails: Iterable[str]) -> dict[str, Attendee]:
        wanted = {normalize_address(e) for e in emails}
        keys = [item_key(attendee_pk(event_key, attendee_shard(e)), e) for e in sorted(wanted)]
        return {a.email: a for a in map(attendee_from_item, get_items(self.client, self.table, keys))}

    def attendees_of(self, wanted: Mapping[str, Iterable[str]]) -> dict[str, dict[str, Attendee]]:
        """One `get_attendees` an event, as the sender asked before: the same read requests."""
        return {key: self.get_attendees(key, emails) for key, emails in wanted.items()}

    def record_answer(self, event_key: str, answer: Answer) -> bool:
        email = normalize_address(answer.email)
        shard = attendee_shard(email)
        # An answer for one occurrence is an item of its own (keys.occurrence_pk) that names its
        # person and occurrence; the attendee item keeps the series answer.
        alone = bool(answer.occurrence)
        key = (
            item_key(occurrence_pk(event_key, shard), occurrence_sk(answer.occurrence, email))
            if alone
            else item_key(attendee_pk(event_key, shard), email)
        )
        return conditional_write(
            lambda: self.client.update_item(
                TableName=self.table,
                Key=key,
                # The note goes with its answer: a later answer without one clears it.
                UpdateExpression="SET partstat = :p, answered_at = :at, channel = :c"
                + (", #email = :e, #occurrence = :o" if alone else "")
                + (", #comment = :m" if answer.comment else " REMOVE #comment"),
                ConditionExpression="attribute_not_exists(answered_at) OR answered_at < :at",
                ExpressionAttributeNames={
                    "#comment": "comment",
                    **({"#email": "email", "#occurrence": "occurrence"} if alone else {}),
                },
                ExpressionAttributeValues={
                    ":p": string(answer.partstat.value),
                    ":at": string(instant(answer.at)),
                    ":c": string(answer.channel.value),
                    **({":e": string(email), ":o": string(answer.occurrence)} if alone else {}),
                    **({":m": string(answer.comment)} if answer.comment else {}),
                },
            )
        )

    def occurrence_answers(self, event_key: str) -> list[OccurrenceAnswer]:
        """Every occurrence partition, in parallel (consistent), merged in order."""
        shards = self._pool.map(
            lambda s: query_all(
                self.client,
                {
                    "TableName": self.table,
                    "KeyConditionExpression": "pk = :pk",
                    "ExpressionAttributeValues": {":pk": string(occurrence_pk(event_key, s))},
                    "ConsistentRead": True,
                },
            ),
            range(ATTENDEE_SHARDS),
        )
        answers = [occurrence_answer_from_item(item) for items in shards for item in items]
        return sorted(answers, key=lambda a: (a.occurrence, a.email))

    def record_sent(self, deliveries: Sequence[Delivery], at: datetime) -> None:
        # One conditional UpdateItem each (BatchWriteItem has no conditions), in parallel.
        sent_at = instant(at)
        for _ in self._pool.map(lambda d: self._record_one(d, sent_at), deliveries):
            pass

    def _record_one(self, delivery: Delivery, sent_at: str) -> None:
        email = normalize_address(delivery.email)
        key = item_key(attendee_pk(delivery.event_key, attendee_shard(email)), email)
        if delivery.method is Method.CANCEL:
            self.client.update_item(
                TableName=self.table,
                Key=key,
                UpdateExpression="SET cancel_sent = :t, partstat = if_not_exists(partstat, :na)",
                ExpressionAttributeValues={":t": boolean(True), ":na": string(PartStat.NEEDS_ACTION.value)},
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
                    ":seq": number(delivery.sequence),
                    ":at": string(sent_at),
                    ":na": string(PartStat.NEEDS_ACTION.value),
                },
            )
        except ClientError as exc:
            # Already invited at this revision or a later one: the stored revision and its
            # invited_at stay.
            if error_code(exc) != CONDITION_FAILED:
                raise

    def record_bounce(self, event_key: str, email: str, at: datetime) -> bool:
        email = normalize_address(email)
        return conditional_write(
            lambda: self.client.update_item(
                TableName=self.table,
                Key=item_key(attendee_pk(event_key, attendee_shard(email)), email),
                UpdateExpression="SET bounced = :t",
                # Only a known attendee, and only once. `at` is not kept: the report counts
                # bounced people, and the suppression item keeps when the address failed.
                ConditionExpression="attribute_exists(pk) AND (attribute_not_exists(bounced) OR bounced = :f)",
                ExpressionAttributeValues={":t": boolean(True), ":f": boolean(False)},
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
        values: Item = {":pk": string(attendee_pk(event_key, shard))}
        condition = "pk = :pk"
        if after:  # a key condition cannot compare with an empty string
            condition += " AND sk > :after"
            values[":after"] = string(after)
        request: QueryInputTypeDef = {
            "TableName": self.table,
            "KeyConditionExpression": condition,
            "ConsistentRead": True,
            "Limit": page_size,
        }
        if partstats is not None:
            marks = [f":p{i}" for i in range(len(partstats))]
            values.update(zip(marks, (string(p.value) for p in sorted(partstats)), strict=True))
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
            request = resume(request, start)
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
        items = query_all(
            self.client,
            {
                "TableName": self.table,
                "KeyConditionExpression": "pk = :pk",
                "ExpressionAttributeValues": {":pk": string(attendee_pk(event_key, shard))},
                "ProjectionExpression": "partstat, invited_sequence, channel, cancel_sent, bounced",
                "ConsistentRead": True,
            },
        )
        for item in items:
            partstat = PartStat(string_of(item, "partstat"))
            if "invited_sequence" in item:
                counted["invited"] += 1
                if partstat is PartStat.NEEDS_ACTION:
                    counted["needs_action"] += 1
            if partstat is not PartStat.NEEDS_ACTION and partstat.value.lower() in counted:
                counted[partstat.value.lower()] += 1
            if "channel" in item:
                channel = string_of(item, "channel")
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
            Key=item_key(f"DONE#{key}", "DONE"),
            ConsistentRead=True,
            ProjectionExpression="pk",
        )
        return "Item" in response

    def mark_done(self, key: str) -> bool:
        return conditional_write(
            lambda: self.client.put_item(
                TableName=self.table,
                Item={**item_key(f"DONE#{key}", "DONE"), "ttl": _expires()},
                ConditionExpression="attribute_not_exists(pk)",
            )
        )

    # -- batches -----------------------------------------------------------------------------
    def create_batch(self, status: BatchStatus) -> None:
        item: Item = {
            **item_key(batch_pk(status.batch_id), "STATUS"),
            "sender": string(status.sender),
            "domain": string(status.domain),
            "message_id": string(status.message_id),
            "rows_total": number(0),
            "parse_refused": number(0),
            "parsed": boolean(False),
            "reported": boolean(False),
            "header": {"L": [string(name) for name in status.header]},
        }
        if status.created_at is not None:
            item["created_at"] = string(status.created_at.isoformat())
        try:
            self.client.put_item(
                TableName=self.table, Item=item, ConditionExpression="attribute_not_exists(pk)"
            )
        except ClientError as exc:
            if error_code(exc) != CONDITION_FAILED:  # created before: a re-delivered intake
                raise

    def get_batch(self, batch_id: str, *, errors: bool = True) -> BatchStatus | None:
        if not errors:
            return self._batch_totals(batch_id)
        # The main partition holds STATUS and the splitter's refusals; each shard its totals
        # and its chunks' refusals (sk "ERROR#…" up to "TOTALS", skipping the "CHUNK#…" markers).
        main = self._pool.submit(
            query_all,
            self.client,
            {
                "TableName": self.table,
                "KeyConditionExpression": "pk = :pk",
                "ExpressionAttributeValues": {":pk": string(batch_pk(batch_id))},
                "ConsistentRead": True,
            },
        )
        shards = self._pool.map(
            lambda shard: query_all(
                self.client,
                {
                    "TableName": self.table,
                    "KeyConditionExpression": "pk = :pk AND sk BETWEEN :lo AND :hi",
                    "ExpressionAttributeValues": {
                        ":pk": string(batch_shard_pk(batch_id, shard)),
                        ":lo": string("ERROR#"),
                        ":hi": string("TOTALS"),
                    },
                    "ConsistentRead": True,
                },
            ),
            range(BATCH_SHARDS),
        )
        items = [*main.result(), *itertools.chain.from_iterable(shards)]
        status = next((i for i in items if i["sk"]["S"] == "STATUS"), None)
        if status is None:
            return None
        totals = [i for i in items if i["sk"]["S"] == "TOTALS"]
        refused = _first_per_row(
            itertools.chain.from_iterable(errors_from(string_of(i, "errors")) for i in items if "errors" in i)
        )
        return batch_status(batch_id, status, totals, refused)

    def _batch_totals(self, batch_id: str) -> BatchStatus | None:
        """STATUS and the shards' TOTALS items only: 17 keys in one BatchGetItem, whatever was refused."""
        keys = [item_key(batch_pk(batch_id), "STATUS")]
        keys += [item_key(batch_shard_pk(batch_id, s), "TOTALS") for s in range(BATCH_SHARDS)]
        items = get_items(self.client, self.table, keys)
        status = next((i for i in items if i["sk"]["S"] == "STATUS"), None)
        if status is None:
            return None
        return batch_status(batch_id, status, (i for i in items if i["sk"]["S"] == "TOTALS"), [])

    def refused_rows(self, batch_id: str) -> Iterator[RowError]:
        """The main partition's and every shard's ERROR# parts, one query page (at most 1 MB) at a time."""
        partitions = [batch_pk(batch_id), *(batch_shard_pk(batch_id, s) for s in range(BATCH_SHARDS))]
        for pk in partitions:
            request: QueryInputTypeDef = {
                "TableName": self.table,
                "KeyConditionExpression": "pk = :pk AND begins_with(sk, :error)",
                "ExpressionAttributeValues": {":pk": string(pk), ":error": string("ERROR#")},
                "ConsistentRead": True,
            }
            for item in query_pages(self.client, request):
                yield from errors_from(string_of(item, "errors"))

    def batch_parsed(self, batch_id: str, rows_total: int, errors: Sequence[RowError]) -> None:
        status = self.client.get_item(
            TableName=self.table, Key=item_key(batch_pk(batch_id), "STATUS"), ConsistentRead=True
        ).get("Item")
        if status is None or status["parsed"]["BOOL"]:
            return
        refused = _first_per_row(errors)
        # The refusals first, under keys that a repeated call overwrites with the same values;
        # then the flag that makes them count.
        put_items(
            self.client,
            self.table,
            [
                {**item_key(batch_pk(batch_id), f"ERROR#{n:06d}"), "errors": string(part)}
                for n, (part, _count) in enumerate(error_parts(refused))
            ],
        )
        try:
            self.client.update_item(
                TableName=self.table,
                Key=item_key(batch_pk(batch_id), "STATUS"),
                UpdateExpression="SET parsed = :t, rows_total = :n, parse_refused = :r",
                ConditionExpression="parsed = :f",
                ExpressionAttributeValues={
                    ":t": boolean(True),
                    ":f": boolean(False),
                    ":n": number(rows_total),
                    ":r": number(len(refused)),
                },
            )
        except ClientError as exc:
            if error_code(exc) != CONDITION_FAILED:  # a concurrent repeat won
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
        pk = batch_shard_pk(batch_id, shard_of(chunk, BATCH_SHARDS))
        applied_now = False
        for index, run in enumerate(transactions(error_parts(refused))):
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
                        "Item": {**item_key(pk, marker), "ttl": _expires()},
                        "ConditionExpression": "attribute_not_exists(pk)",
                    }
                },
                {
                    "Update": {
                        "TableName": self.table,
                        "Key": item_key(pk, "TOTALS"),
                        "UpdateExpression": "ADD rows_applied :a, rows_refused :r, invitations_queued :q,"
                        " invitations_sent :s, invitations_failed :f",
                        "ExpressionAttributeValues": {
                            name: number(value) for name, value in counters.items()
                        },
                    }
                },
            ]
            actions.extend(
                {
                    "Put": {
                        "TableName": self.table,
                        "Item": {**item_key(pk, f"ERROR#{chunk}#{n:03d}"), "errors": string(text)},
                    }
                }
                for n, text, _count in run
            )
            applied_now = transact(self.client, actions) or applied_now
        return applied_now

    def claim_batch_report(self, batch_id: str) -> bool:
        current = self._batch_totals(batch_id)
        # Complete never becomes incomplete again (counters only grow), so a read, then a
        # conditional flip of `reported`, lets exactly one caller through.
        if current is None or not current.complete or current.reported:
            return False
        return conditional_write(
            lambda: self.client.update_item(
                TableName=self.table,
                Key=item_key(batch_pk(batch_id), "STATUS"),
                UpdateExpression="SET reported = :t",
                ConditionExpression="reported = :f",
                ExpressionAttributeValues={":t": boolean(True), ":f": boolean(False)},
            )
        )

    # -- API keys ----------------------------------------------------------------------------
    def put_api_key(self, key: ApiKey) -> None:
        try:
            self.client.put_item(
                TableName=self.table,
                Item=api_key_item(key),
                ConditionExpression="attribute_not_exists(pk)",
            )
        except ClientError as exc:
            if error_code(exc) == CONDITION_FAILED:
                raise Conflict(f"API key {key.key_hash[:8]}… exists already") from exc
            raise

    def get_api_key(self, key_hash: str) -> ApiKey | None:
        # Consistent: a key revoked a moment ago must stop working now.
        item = self.client.get_item(
            TableName=self.table, Key=item_key(api_key_pk(key_hash), "APIKEY"), ConsistentRead=True
        ).get("Item")
        return api_key_from_item(item) if item else None

    def revoke_api_key(self, key_hash: str) -> bool:
        return conditional_write(
            lambda: self.client.update_item(
                TableName=self.table,
                Key=item_key(api_key_pk(key_hash), "APIKEY"),
                UpdateExpression="SET revoked = :t",
                ConditionExpression="attribute_exists(pk) AND revoked = :f",
                ExpressionAttributeValues={":t": boolean(True), ":f": boolean(False)},
            )
        )

    def api_keys(self, domain: str) -> list[ApiKey]:
        """The index gives the keys (it may lag a fresh key by a moment); the items come from
        the base table, so `revoked` is always current."""
        keys = self._index_keys(TABLE.index.name, TABLE.index.partition_key, f"KEYS#{domain.lower()}")
        found = [api_key_from_item(i) for i in get_items(self.client, self.table, keys)]
        return sorted(found, key=lambda k: (k.created_at, k.key_hash))

    # -- suppressions ------------------------------------------------------------------------
    def suppress(self, email: str, scope: str, reason: str, at: datetime) -> bool:
        return conditional_write(
            lambda: self.client.put_item(
                TableName=self.table,
                Item={
                    **item_key(suppression_pk(normalize_address(email)), scope.lower()),
                    "reason": string(reason),
                    "at": string(instant(at)),
                },
                # The first reason and moment stay: they say why mail stopped.
                ConditionExpression="attribute_not_exists(pk)",
            )
        )

    def suppressed(self, emails: Iterable[str], sender: str) -> set[str]:
        """A key per address and scope ("*", the domain, the sender's address) in parallel BatchGetItems of 100."""
        scopes = sorted({EVERY_SENDER, *sender_scopes(sender)})  # BatchGetItem refuses repeated keys
        wanted = sorted({normalize_address(e) for e in emails})
        keys = [item_key(suppression_pk(e), scope) for e in wanted for scope in scopes]
        chunks = [keys[i : i + 100] for i in range(0, len(keys), 100)]
        found: set[str] = set()
        for items in self._pool.map(lambda chunk: get_items(self.client, self.table, chunk), chunks):
            found.update(string_of(i, "pk").removeprefix("SUP#") for i in items)
        return found

    # -- rate limits -------------------------------------------------------------------------
    def count_hit(self, key: str, window_seconds: int, at: datetime) -> int:
        """One atomic ADD on the window's counter item; TTL removes it a window after it ends."""
        start = int(at.timestamp()) // window_seconds * window_seconds
        response = self.client.update_item(
            TableName=self.table,
            Key=item_key(f"RATE#{key}/{window_seconds}", str(start)),
            UpdateExpression="ADD hits :one SET #ttl = if_not_exists(#ttl, :ttl)",
            ExpressionAttributeNames={"#ttl": "ttl"},
            ExpressionAttributeValues={":one": number(1), ":ttl": number(start + 2 * window_seconds)},
            ReturnValues="UPDATED_NEW",
        )
        return int(response["Attributes"]["hits"]["N"])
