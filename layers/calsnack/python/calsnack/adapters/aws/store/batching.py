"""DynamoDB's request limits and partial failures, handled once for the store: pages of a query,
BatchGetItem's 100 keys and BatchWriteItem's 25 items with their unprocessed remainders,
transactions retried on conflict, and conditional writes whose failed condition is an answer.

The backoff between attempts (`adapters.aws.retry`) is the one the queue adapter uses.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING

from botocore.exceptions import ClientError

from calsnack.adapters.aws.retry import ATTEMPTS, pause

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_dynamodb.type_defs import (
        QueryInputTypeDef,
        TransactWriteItemTypeDef,
        WriteRequestUnionTypeDef,
    )

    from calsnack.adapters.aws.store.codec import Item

CONDITION_FAILED = "ConditionalCheckFailedException"
#: TransactWriteItems: at most 100 actions and 4 MB of items in one request. A chunk's
#: refusals beyond that go into further transactions; the margin covers keys and counters.
_TRANSACT_ACTIONS = 100
_TRANSACT_BYTES = 4 * 1024 * 1024 - 64 * 1024
_RETRYABLE_CANCELLATIONS = frozenset(
    {"TransactionConflict", "ThrottlingError", "ProvisionedThroughputExceeded"}
)


def error_code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


def conditional_write(write: Callable[[], object]) -> bool:
    """Run one conditional write: False when its condition failed (the idempotent no-op).

    Other errors propagate.
    """
    try:
        write()
    except ClientError as exc:
        if error_code(exc) == CONDITION_FAILED:
            return False
        raise
    return True


def resume(request: QueryInputTypeDef, start: Item) -> QueryInputTypeDef:
    """The same query, continued from where DynamoDB stopped (it returns at most 1 MB a call)."""
    resumed = request.copy()
    resumed["ExclusiveStartKey"] = start
    return resumed


def transactions(parts: Sequence[tuple[str, int]]) -> list[list[tuple[int, str, int]]]:
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


def query_pages(client: DynamoDBClient, request: QueryInputTypeDef) -> Iterator[Item]:
    """The query's items, asking for the next page only when the last one was used up."""
    response = client.query(**request)
    yield from response["Items"]
    while start := response.get("LastEvaluatedKey"):
        response = client.query(**resume(request, start))
        yield from response["Items"]


def query_all(client: DynamoDBClient, request: QueryInputTypeDef) -> list[Item]:
    items: list[Item] = []
    response = client.query(**request)
    items.extend(response["Items"])
    while start := response.get("LastEvaluatedKey"):
        response = client.query(**resume(request, start))
        items.extend(response["Items"])
    return items


def get_items(client: DynamoDBClient, table: str, keys: Sequence[Item]) -> list[Item]:
    """BatchGetItem in requests of 100 keys, retrying the keys DynamoDB leaves unprocessed."""
    found: list[Item] = []
    for i in range(0, len(keys), 100):
        pending = list(keys[i : i + 100])
        for attempt in range(1, ATTEMPTS + 1):
            response = client.batch_get_item(RequestItems={table: {"Keys": pending, "ConsistentRead": True}})
            found.extend(response["Responses"].get(table, []))
            unprocessed = response.get("UnprocessedKeys", {}).get(table)
            pending = unprocessed["Keys"] if unprocessed else []
            if not pending:
                break
            if attempt == ATTEMPTS:
                raise RuntimeError(f"DynamoDB left {len(pending)} keys unprocessed after {ATTEMPTS} attempts")
            pause(attempt)
    return found


def put_items(client: DynamoDBClient, table: str, items: Sequence[Item]) -> None:
    """BatchWriteItem in requests of 25 items, retrying the ones DynamoDB leaves unprocessed."""
    for i in range(0, len(items), 25):
        pending: Sequence[WriteRequestUnionTypeDef] = [
            {"PutRequest": {"Item": item}} for item in items[i : i + 25]
        ]
        for attempt in range(1, ATTEMPTS + 1):
            response = client.batch_write_item(RequestItems={table: pending})
            pending = response.get("UnprocessedItems", {}).get(table, [])
            if not pending:
                break
            if attempt == ATTEMPTS:
                raise RuntimeError(
                    f"DynamoDB left {len(pending)} writes unprocessed after {ATTEMPTS} attempts"
                )
            pause(attempt)


def transact(client: DynamoDBClient, actions: list[TransactWriteItemTypeDef]) -> bool:
    """False if the first action's condition failed (the marker exists: a repeat)."""
    attempt = 1
    while True:
        try:
            client.transact_write_items(TransactItems=actions)
        except ClientError as exc:
            if error_code(exc) != "TransactionCanceledException":
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
